"""``nn.utils.parametrize``: a parameter computed from others on every access, as PyTorch's.

``register_parametrization(module, "weight", P)`` moves ``module.weight`` to
``module.parametrizations.weight.original`` (or ``original0``, ``original1``... when
``P.right_inverse`` returns several tensors) and makes ``weight`` a property of a new class,
``Parametrized<Class>``, that returns ``P(original)``; assigning ``module.weight = W`` stores
``P.right_inverse(W)``. The state dict holds the originals under PyTorch's keys.
"""

from __future__ import annotations

import collections.abc
import copy
import copyreg
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from ...autograd import no_grad
from ...tensor import Tensor
from ..containers import ModuleDict, ModuleList
from ..module import Module
from ..parameter import Parameter

__all__ = ["ParametrizationList", "cached", "is_parametrized", "register_parametrization",
           "remove_parametrizations", "transfer_parametrizations_and_params",
           "type_before_parametrizations"]

_cache_enabled = 0
_cache: dict[tuple[int, str], Tensor] = {}


@contextmanager
def cached() -> Iterator[None]:
    """Inside the block each parametrized tensor is computed once, at its first access, and
    reused (one forward of a recurrent model, say); the cache is emptied on leaving."""
    global _cache_enabled
    _cache_enabled += 1
    try:
        yield
    finally:
        _cache_enabled -= 1
        if not _cache_enabled:
            _cache.clear()


def _register_parameter_or_buffer(module: Module, name: str, x: Tensor) -> None:
    if isinstance(x, Parameter):
        module.register_parameter(name, x)
    else:
        module.register_buffer(name, x)


def _maybe_set(dest: Tensor, src: Tensor) -> None:
    """PyTorch's ``dest.set_(src)``: ``dest`` (the same object, so an optimizer holding it
    still does) takes ``src``'s value and shape."""
    dest._data = np.array(src._data, dtype=dest.dtype, copy=True)
    dest._bump_version()


def _right_inverse_of(modules: Sequence[Module], value: Any) -> Any:
    """``value`` through each parametrization's ``right_inverse``, last first; one without
    (or raising NotImplementedError) counts as the identity."""
    for module in reversed(modules):
        if hasattr(module, "right_inverse"):
            try:
                value = module.right_inverse(value)
            except NotImplementedError:
                pass
    return value


class ParametrizationList(ModuleList):
    """The parametrizations of one tensor, in order, with its original(s) as parameters
    (or buffers) ``original`` or ``original0``, ``original1``...; calling it computes the
    parametrized tensor."""

    original: Tensor
    unsafe: bool

    def __init__(self, modules: Sequence[Module], original: Tensor,
                 unsafe: bool = False) -> None:
        if len(modules) == 0:
            raise ValueError("ParametrizationList requires one or more modules.")
        super().__init__(modules)
        self.unsafe = unsafe
        original_shape, original_dtype = original.shape, original.dtype
        with no_grad():
            new = _right_inverse_of(list(self), original)
        if not isinstance(new, (Tensor, collections.abc.Sequence)):
            raise ValueError("register_parametrization: 'right_inverse' must return a Tensor "
                             "or a Sequence of tensors (list, tuple...). Got "
                             f"{type(new).__name__}")
        self.is_tensor = isinstance(new, Tensor)
        self.ntensors = 1 if self.is_tensor else len(new)
        if self.is_tensor:
            self._register_one(original, new)
        else:
            self._register_several(original, new)
        if not self.unsafe:
            _check_result(self(), original_shape, original_dtype)

    def _register_one(self, original: Tensor, new: Tensor) -> None:
        if original.dtype != new.dtype:
            raise ValueError("register_parametrization: when `right_inverse` outputs one "
                             "tensor, it may not change the dtype.\n"
                             f"original.dtype: {original.dtype}\n"
                             f"right_inverse(original).dtype: {new.dtype}")
        if new is not original:
            with no_grad():
                _maybe_set(original, new)
        _register_parameter_or_buffer(self, "original", original)

    def _register_several(self, original: Tensor, new: Sequence) -> None:
        for i, originali in enumerate(new):
            if not isinstance(originali, Tensor):
                raise ValueError("register_parametrization: 'right_inverse' must return a "
                                 "Tensor or a Sequence of tensors (list, tuple...). Got "
                                 f"element {i} of the sequence with type "
                                 f"{type(originali).__name__}.")
            data = originali.detach()
            if isinstance(original, Parameter):
                originali = Parameter(data, original.requires_grad)
            else:
                originali = data.requires_grad_(original.requires_grad)
            _register_parameter_or_buffer(self, f"original{i}", originali)

    def right_inverse(self, value: Tensor) -> None:
        """Store ``value`` as the parametrized tensor: the originals take the inverses of
        the parametrizations (last first), in place."""
        with no_grad():
            for module in reversed(self):
                if not hasattr(module, "right_inverse"):
                    raise RuntimeError(f"parametrization {type(module).__name__} does not "
                                       "implement right_inverse.")
                value = module.right_inverse(value)
            if self.is_tensor:
                _set_original(self.original, value, "`original`")
            else:
                self._set_originals(value)

    def _set_originals(self, value: Any) -> None:
        if not isinstance(value, collections.abc.Sequence):
            raise ValueError("'right_inverse' must return a sequence of tensors. Got "
                             f"{type(value).__name__}.")
        if len(value) != self.ntensors:
            raise ValueError("'right_inverse' must return a sequence of tensors of length "
                             f"{self.ntensors}. Got a sequence of length {len(value)}.")
        for i, tensor in enumerate(value):
            _set_original(getattr(self, f"original{i}"), tensor, f"`original{i}`")

    def forward(self) -> Tensor:
        """The parametrized tensor: the first parametrization applied to the original(s),
        then each of the others in turn."""
        if self.is_tensor:
            x = self[0](self.original)
        else:
            x = self[0](*(getattr(self, f"original{i}") for i in range(self.ntensors)))
        for module in list(self)[1:]:
            x = module(x)
        return x


def _set_original(original: Tensor, value: Any, what: str) -> None:
    if not isinstance(value, Tensor):
        raise ValueError(f"`right_inverse` should return a tensor. Got {type(value).__name__}")
    if value.dtype != original.dtype:
        raise ValueError(f"The tensor returned by `right_inverse` has dtype {value.dtype} "
                         f"while {what} has dtype {original.dtype}")
    _maybe_set(original, value)


def _check_result(z: Any, shape: tuple, dtype: np.dtype, before: str = "unparametrized",
                  after: str = "parametrized") -> None:
    """A parametrization must give a tensor of the shape and dtype it replaces (unless
    ``unsafe``)."""
    if not isinstance(z, Tensor):
        raise ValueError(f"register_parametrization: a parametrization must return a tensor. "
                         f"Got {type(z).__name__}.")
    if z.dtype != dtype:
        raise ValueError("register_parametrization: registering a parametrization may not "
                         "change the dtype of the tensor, unless `unsafe` flag is enabled.\n"
                         f"{before} dtype: {dtype}\n{after} dtype: {z.dtype}")
    if z.shape != shape:
        raise ValueError("register_parametrization: registering a parametrization may not "
                         "change the shape of the tensor, unless `unsafe` flag is enabled.\n"
                         f"{before} shape: {shape}\n{after} shape: {z.shape}")


def _default_deepcopy(self: Module, memo: dict) -> Module:
    obj = memo.get(id(self))
    if obj is not None:
        return obj
    replica = self.__new__(self.__class__)
    memo[id(self)] = replica
    object.__setattr__(replica, "__dict__", copy.deepcopy(self.__dict__, memo))
    for slot in copyreg._slotnames(self.__class__):  # type: ignore[attr-defined]
        if hasattr(self, slot):
            setattr(replica, slot, copy.deepcopy(getattr(self, slot), memo))
    return replica


def _getstate(self: Module) -> None:
    raise RuntimeError("Serialization of parametrized modules is only supported through "
                       "state_dict(). See:\nhttps://pytorch.org/tutorials/beginner/"
                       "saving_loading_models.html#saving-loading-a-general-checkpoint-for-"
                       "inference-and-or-resuming-training")


def _inject_new_class(module: Module) -> None:
    """``module`` becomes an instance of its own subclass ``Parametrized<Class>``, which
    will hold the properties (the class itself, shared by other instances, stays as it is).

    Its ``forward`` computes each parametrized tensor at most once per call: a minigrad
    layer may read ``self.weight`` twice (a check, then the op) where PyTorch's reads it
    once, and spectral norm's power iteration must step once per forward, as there."""
    cls = module.__class__

    def forward(self: Module, *args: Any, **kwargs: Any) -> Any:
        outer = self.__dict__.get("_parametrized_values")
        object.__setattr__(self, "_parametrized_values", {})
        try:
            return cls.forward(self, *args, **kwargs)
        finally:
            object.__setattr__(self, "_parametrized_values", outer)

    dct: dict[str, Any] = {"__getstate__": _getstate, "forward": forward}
    if not hasattr(cls, "__deepcopy__"):
        dct["__deepcopy__"] = _default_deepcopy
    module.__class__ = type(f"Parametrized{cls.__name__}", (cls,), dct)


def _inject_property(module: Module, tensor_name: str) -> None:
    def get_parametrized(self: Module) -> Tensor:
        parametrization = self.parametrizations[tensor_name]
        if _cache_enabled:
            store, key = _cache, (id(self), tensor_name)
        else:
            store, key = self.__dict__.get("_parametrized_values"), tensor_name
            if store is None:  # outside forward: computed on every access, as PyTorch's
                return parametrization()
        tensor = store.get(key)
        if tensor is None:
            tensor = store[key] = parametrization()
        return tensor

    def set_original(self: Module, value: Tensor) -> None:
        self.parametrizations[tensor_name].right_inverse(value)

    setattr(module.__class__, tensor_name, property(get_parametrized, set_original))


def register_parametrization(module: Module, tensor_name: str, parametrization: Module,
                             *, unsafe: bool = False) -> Module:
    """Make ``module.<tensor_name>`` be ``parametrization(original)``: the parameter (or
    buffer) becomes ``module.parametrizations.<tensor_name>.original`` and each access
    computes the parametrized value. A second registration on the same name is chained
    after the first. ``unsafe=True`` skips the shape and dtype checks. Returns ``module``."""
    parametrization.train(module.training)
    if is_parametrized(module, tensor_name):
        if not unsafe:
            _check_chained(module, tensor_name, parametrization)
        plist = module.parametrizations[tensor_name]
        plist.append(parametrization)
        plist.unsafe |= unsafe
    elif tensor_name in module._buffers or tensor_name in module._parameters:
        original = getattr(module, tensor_name)
        plist = ParametrizationList([parametrization], original, unsafe=unsafe)
        delattr(module, tensor_name)
        if not is_parametrized(module):
            _inject_new_class(module)
            module.parametrizations = ModuleDict()
        _inject_property(module, tensor_name)
        module.parametrizations[tensor_name] = plist
    else:
        raise ValueError(f"register_parametrization: Module '{module}' does not have a "
                         f"parameter, a buffer, or a parametrized element with name "
                         f"'{tensor_name}'")
    return module


def _check_chained(module: Module, tensor_name: str, parametrization: Module) -> None:
    """A parametrization added after others must keep the tensor's shape and dtype, and so
    must its ``right_inverse``."""
    y = getattr(module, tensor_name)
    x = parametrization(y)
    _check_result(x, y.shape, y.dtype, f"module.{tensor_name}",
                  f"parametrization(module.{tensor_name})")
    if not hasattr(parametrization, "right_inverse"):
        return
    try:
        z = parametrization.right_inverse(x)
    except NotImplementedError:
        return
    if not isinstance(z, Tensor):
        raise ValueError("register_parametrization: parametrization.right_inverse must "
                         f"return a tensor. Got: {type(z).__name__}")
    _check_result(z, y.shape, y.dtype, f"module.{tensor_name}",
                  "returned by right_inverse")


def is_parametrized(module: Module, tensor_name: str | None = None) -> bool:
    """Whether ``module`` has a parametrization on ``tensor_name`` (on anything, without)."""
    parametrizations = getattr(module, "parametrizations", None)
    if parametrizations is None or not isinstance(parametrizations, ModuleDict):
        return False
    if tensor_name is None:
        return len(parametrizations) > 0
    return tensor_name in parametrizations


def remove_parametrizations(module: Module, tensor_name: str,
                            leave_parametrized: bool = True) -> Module:
    """Undo ``register_parametrization`` on ``tensor_name``: it becomes a plain parameter
    again, holding the parametrized value (``leave_parametrized=True``, the same Parameter
    object as the original) or the original. The class is restored when nothing is left
    parametrized. Returns ``module``."""
    if not is_parametrized(module, tensor_name):
        raise ValueError(f"remove_parametrizations: Module {module} does not have a "
                         f"parametrization on {tensor_name}")
    plist = module.parametrizations[tensor_name]
    if plist.is_tensor:
        original = plist.original
        if leave_parametrized:
            with no_grad():
                _maybe_set(original, getattr(module, tensor_name))
    elif leave_parametrized:
        t = getattr(module, tensor_name)
        original = Parameter(t.detach(), t.requires_grad) if t.requires_grad else t.detach()
    else:
        raise ValueError("remove_parametrizations: Cannot leave unparametrized "
                         "(`leave_parametrized=False`) a tensor that is parametrized in terms "
                         "of a sequence of tensors.")
    delattr(module.__class__, tensor_name)
    del module.parametrizations[tensor_name]
    _register_parameter_or_buffer(module, tensor_name, original)
    if not is_parametrized(module):
        delattr(module, "parametrizations")
        module.__dict__.pop("_parametrized_values", None)
        module.__class__ = module.__class__.__bases__[0]
    return module


def type_before_parametrizations(module: Module) -> type:
    """The module's class before any parametrization was registered."""
    if is_parametrized(module):
        return module.__class__.__bases__[0]
    return type(module)


def transfer_parametrizations_and_params(from_module: Module, to_module: Module,
                                         tensor_name: str | None = None) -> Module:
    """Give ``to_module`` the parametrizations (and original values) of ``from_module`` on
    ``tensor_name`` (every one, without): used when a layer is swapped for another."""
    if not is_parametrized(from_module):
        return to_module
    names = list(from_module.parametrizations) if tensor_name is None else [tensor_name]
    for name in names:
        plist = from_module.parametrizations[name]
        if not hasattr(to_module, name):
            setattr(to_module, name, Parameter(getattr(from_module, name)))
        for parametrization in plist:
            register_parametrization(to_module, name, parametrization)
        to_list = to_module.parametrizations[name]
        originals = (["original"] if plist.is_tensor
                     else [f"original{i}" for i in range(plist.ntensors)])
        for key in originals:
            _maybe_set(getattr(to_list, key), getattr(plist, key))
    return to_module
