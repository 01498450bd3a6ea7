"""``Module``: the base of every layer and model, with PyTorch's registration rules.

Assigning a ``Parameter`` or a ``Module`` as an attribute registers it (in definition order,
so ``state_dict`` keys come out as in PyTorch); ``register_buffer``, or assigning an
``nn.Buffer``, adds state that is saved but not trained (BatchNorm's running statistics).
"""

from __future__ import annotations

import threading
import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

import numpy as np

from ..autograd import module_scope
from ..functional.autograd import zero_grads
from ..tensor import Tensor
from . import backward_hooks, hooks
from .parameter import Buffer, Parameter


class _IncompatibleKeys(NamedTuple):
    """What ``load_state_dict`` did not load, by key (PyTorch's ``_IncompatibleKeys``)."""

    missing_keys: list[str]
    unexpected_keys: list[str]

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return (f"_IncompatibleKeys(missing_keys={self.missing_keys}, "
                f"unexpected_keys={self.unexpected_keys})")


IncompatibleKeys = _IncompatibleKeys


class _CallStack(threading.local):
    depth = 0


_calls = _CallStack()
_NONE: OrderedDict = OrderedDict()  # no hooks (never added to)


class _Staged(threading.local):
    """The copies that the running ``load_state_dict`` makes once every check has passed
    (None outside it: a direct ``_load_from_state_dict`` call copies at once, as PyTorch's)."""

    copies: list | None = None


_staged = _Staged()


def blame(error: BaseException, layer: Module) -> BaseException:
    """Mark ``error`` as coming from ``layer``, so the outermost ``Module.__call__`` names
    it by its dotted path. A model that checks its input before the layer runs (the
    input's spatial size, say) raises ``blame(ValueError(...), self.conv1)``."""
    try:
        error._mg_module = layer  # type: ignore[attr-defined]
    except AttributeError:
        pass
    return error


def _parse_to(args: tuple, kwargs: dict) -> np.dtype | None:
    """The dtype asked for by ``Module.to``'s arguments (None: keep); refuse other devices."""
    kwargs = {k: v for k, v in kwargs.items() if k not in ("non_blocking", "copy",
                                                             "memory_format")}
    unknown = set(kwargs) - {"device", "dtype", "tensor"}
    if unknown:
        raise TypeError(f"Module.to() got an unexpected keyword argument {sorted(unknown)[0]!r}")
    items = [*args, *kwargs.values()]
    if len(items) > 2:
        raise TypeError(f"Module.to() takes a device, a dtype or a tensor, got {len(items)} "
                        "arguments")
    dtypes = [_to_dtype(a) for a in items]
    return next((d for d in reversed(dtypes) if d is not None), None)


def _to_dtype(a: Any) -> np.dtype | None:
    """The dtype one argument of ``Module.to`` asks for: a tensor's, a float dtype, or None
    for a device (which must be the CPU)."""
    if isinstance(a, Tensor):
        return a.dtype
    if a is None:
        return None
    if isinstance(a, str) or type(a).__name__ == "device":
        if str(a).split(":")[0] != "cpu":
            raise RuntimeError(f"Module.to: minigrad runs on the CPU only, got device "
                               f"{str(a)!r} (see docs/porting.md)")
        return None
    try:
        dtype = np.dtype(getattr(a, "numpy_dtype", a))
    except TypeError:
        raise TypeError(f"Module.to: expected a device, a dtype or a tensor, got "
                        f"{a!r}") from None
    if dtype.kind not in "fc":
        raise TypeError(f"Module.to() only accepts floating point dtypes, but got "
                        f"desired dtype={dtype}")
    return dtype


def _to_memory_format(module: Module, fmt: Any) -> None:
    """``Module.to(memory_format=...)``: PyTorch converts the 4-D and 5-D parameters and
    buffers (a conv's weights) and leaves the others as they are."""
    from ..memory_format import laid_out, memory_format, preserve_format, suggest_memory_format

    if not isinstance(fmt, memory_format):
        raise TypeError(f"Module.to: argument 'memory_format' must be minigrad.memory_format, "
                        f"not {type(fmt).__name__}")
    if fmt is preserve_format:
        return
    for t in [*module.parameters(), *module.buffers()]:
        if t.ndim in (4, 5) and suggest_memory_format(t._data) is not fmt:
            t._data = laid_out(t._data, fmt, "Module.to")


def _load_error(model: str, missing: list, unexpected: list, errors: list) -> str:
    """``load_state_dict``'s message: every problem, by name, one kind or error a line."""
    lines = [f"Error(s) in loading state_dict for {model}:"]
    if missing:
        lines.append("  missing keys: " + ", ".join(missing))
    if unexpected:
        lines.append("  unexpected keys: " + ", ".join(unexpected))
    lines.extend(f"  {error}" for error in errors)
    return "\n".join(lines)


def _stage_copy(target: Tensor, key: str, value: Any, error_msgs: list) -> None:
    """Check one checkpoint value against its parameter or buffer and copy it (once the
    whole ``load_state_dict`` has passed its checks) or report the shape mismatch."""
    arr = _as_array(value, key)
    if target.ndim == 0 and arr.shape == (1,):  # PyTorch 0.3's 1-element "scalars"
        arr = arr[0]
    if arr.shape != target.shape:
        error_msgs.append(f"size mismatch: {key}: checkpoint has shape {tuple(arr.shape)}, "
                          f"the model {tuple(target.shape)}")
    elif _staged.copies is not None:
        _staged.copies.append((target, arr))
    else:
        _copy_into(target, arr)


def _copy_into(target: Tensor, arr: np.ndarray) -> None:
    target._data[...] = arr  # in place: optimizers keep pointing at the same arrays
    target._bump_version()  # a graph that saved it now fails loudly in backward


def _unexpected(module: Module, state_dict: Mapping, prefix: str, local: Mapping) -> list:
    """The keys under ``prefix`` that name neither one of ``module``'s own entries nor one
    of its children (PyTorch's test, module by module)."""
    found = []
    for key in state_dict:
        if key.startswith(prefix):
            head, dot, _ = key[len(prefix):].partition(".")
            if head not in (module._modules if dot else local):
                found.append(key)
    return found


def _load_tree(module: Module, state_dict: dict, prefix: str, metadata: Mapping | None,
               lists: tuple[list, list, list]) -> None:
    """PyTorch's walk: each module's ``_load_from_state_dict`` gets its own entries' dict
    (which it may change, as a version conversion does) and its metadata, then each child
    the part of that dict under its name."""
    local_metadata = {} if metadata is None else metadata.get(prefix[:-1], {})
    module._load_from_state_dict(state_dict, prefix, local_metadata, True, *lists)
    for name, child in module._modules.items():
        if child is not None:
            child_prefix = f"{prefix}{name}."
            _load_tree(child, {k: v for k, v in state_dict.items() if k.startswith(child_prefix)},
                       child_prefix, metadata, lists)
    post_hooks = module.__dict__.get("_load_state_dict_post_hooks")
    if post_hooks:
        _run_load_post_hooks(module, post_hooks, lists)


def _run_load_post_hooks(module: Module, post_hooks: OrderedDict,
                         lists: tuple[list, list, list]) -> None:
    """PyTorch's: each hook sees the load's own missing/unexpected lists (so it may clear
    entries before ``strict`` judges them) and must return None."""
    incompatible = _IncompatibleKeys(lists[0], lists[1])
    for hook, _ in list(post_hooks.values()):
        if hook(module, incompatible) is not None:
            raise AssertionError(
                "Hooks registered with ``register_load_state_dict_post_hook`` are not "
                "expected to return new values, if incompatible_keys need to be modified, "
                "it should be done inplace.")


def _state_dict_args(args: tuple, destination: Any, prefix: str, keep_vars: bool) -> tuple:
    """``state_dict``'s deprecated positional ``(destination, prefix, keep_vars)``, with
    PyTorch's warning; the keywords win where both are given, as there."""
    warnings.warn("Positional args are being deprecated, use kwargs instead. Refer to "
                  "https://pytorch.org/docs/main/generated/torch.nn.Module.html"
                  "#torch.nn.Module.state_dict for details.", FutureWarning, stacklevel=3)
    if destination is None:
        destination = args[0]
    if len(args) > 1 and prefix == "":
        prefix = args[1]
    if len(args) > 2 and keep_vars is False:
        keep_vars = args[2]
    return destination, prefix, keep_vars


def _as_array(value: Any, key: str) -> np.ndarray:
    if isinstance(value, Tensor):
        return value._data
    try:
        return np.asarray(value)
    except Exception as e:  # a foreign tensor that numpy cannot read (e.g. requires grad)
        raise TypeError(
            f"load_state_dict: value for '{key}' is a {type(value).__name__}, expected a "
            "Tensor or a numpy array (for a torch tensor pass t.detach().numpy())"
        ) from e


class Module:
    """Base class of layers and models: subclass it, assign layers/Parameters in
    ``__init__`` and write ``forward``. Call the module, not ``forward``::

        >>> import minigrad as mg
        >>> from minigrad import nn
        >>> class TwoLayer(nn.Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.fc1, self.fc2 = nn.Linear(4, 8), nn.Linear(8, 2)
        ...     def forward(self, x):
        ...         return self.fc2(self.fc1(x).relu())
        >>> model = TwoLayer()
        >>> list(model.state_dict())
        ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']
        >>> model(mg.randn(3, 4)).shape
        (3, 2)
    """

    training: bool
    # saved in ``state_dict()._metadata`` for each module; a layer whose saved entries change
    # raises it and converts older checkpoints in its ``_load_from_state_dict`` (PyTorch's)
    _version: int = 1

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "training", True)

    def register_forward_pre_hook(self, hook: Callable, *, prepend: bool = False,
                                  with_kwargs: bool = False) -> hooks.RemovableHandle:
        """Call ``hook(module, args)`` before each ``forward`` (``hook(module, args,
        kwargs)`` with ``with_kwargs``); what it returns, if not None, replaces the
        arguments. Returns a handle whose ``remove()`` takes the hook out."""
        return hooks.add(self._hook_dicts()[0], hook, prepend, with_kwargs=with_kwargs)

    def register_forward_hook(self, hook: Callable, *, prepend: bool = False,
                              with_kwargs: bool = False,
                              always_call: bool = False) -> hooks.RemovableHandle:
        """Call ``hook(module, args, output)`` after each ``forward`` (``hook(module, args,
        kwargs, output)`` with ``with_kwargs``); what it returns, if not None, replaces the
        output. ``always_call``: also when ``forward`` raised (with ``output`` None).
        Returns a handle whose ``remove()`` takes the hook out."""
        return hooks.add(self._hook_dicts()[1], hook, prepend, with_kwargs=with_kwargs,
                         always_call=always_call)

    def register_full_backward_hook(self, hook: Callable, prepend: bool = False
                                    ) -> hooks.RemovableHandle:
        """Call ``hook(module, grad_input, grad_output)`` once the gradients w.r.t. the
        module's positional Tensor inputs are computed (None for an input that needs none);
        a returned tuple replaces ``grad_input``. PyTorch's mechanism: identity nodes around
        the call (nn/backward_hooks.py). Returns a handle whose ``remove()`` takes it out."""
        return hooks.add(self._backward_hook_dicts()[1], hook, prepend)

    def register_full_backward_pre_hook(self, hook: Callable, prepend: bool = False
                                        ) -> hooks.RemovableHandle:
        """Call ``hook(module, grad_output)`` when the gradients w.r.t. the module's outputs
        are computed, before they flow on; a returned tuple replaces ``grad_output``."""
        return hooks.add(self._backward_hook_dicts()[0], hook, prepend)

    def register_backward_hook(self, hook: Callable) -> hooks.RemovableHandle:
        """PyTorch's deprecated non-full hook (gradients of the last op inside the module,
        not of the module): not provided; ``register_full_backward_hook`` is its successor."""
        raise NotImplementedError(
            "register_backward_hook: the deprecated non-full module backward hook (its "
            "grad_input is that of the last op inside forward) is not provided by minigrad; "
            "use register_full_backward_hook(hook), which PyTorch recommends (docs/faq.md)")

    def _backward_hook_dicts(self) -> tuple[OrderedDict, OrderedDict]:
        if "_backward_hooks" not in self.__dict__:
            object.__setattr__(self, "_backward_pre_hooks", OrderedDict())
            object.__setattr__(self, "_backward_hooks", OrderedDict())
        return self._backward_pre_hooks, self._backward_hooks

    def _hook_dicts(self) -> tuple[OrderedDict, OrderedDict]:
        """The module's pre-hooks and hooks, made at the first registration (a module
        without hooks is called without looking for them)."""
        if "_forward_hooks" not in self.__dict__:
            object.__setattr__(self, "_forward_pre_hooks", OrderedDict())
            object.__setattr__(self, "_forward_hooks", OrderedDict())
        return self._forward_pre_hooks, self._forward_hooks

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The computation; subclasses must define it. Call the module, not this."""
        raise NotImplementedError(f"{type(self).__name__} has no forward() method")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Run ``forward`` inside a ``module_scope``, so graph nodes know their layer.

        This is the one place that names the failing layer: an error raised inside is
        tagged with the innermost module that saw it (or the one given to ``blame``), and
        the outermost module re-raises it with that layer's dotted name
        ("Net: layer 'features.3' (Conv2d): ...").
        """
        _calls.depth += 1
        try:
            with module_scope(type(self).__name__, self):
                d = self.__dict__
                if "_forward_hooks" in d or "_backward_hooks" in d or backward_hooks.global_hooks:
                    return hooks.call_with_hooks(self, d.get("_forward_pre_hooks", _NONE),
                                                 d.get("_forward_hooks", _NONE), args, kwargs)
                return self.forward(*args, **kwargs)
        except (ValueError, TypeError, RuntimeError, IndexError) as e:
            if getattr(e, "_mg_module", None) is None:
                blame(e, self)  # the innermost module that saw the error
            if _calls.depth == 1 and e._mg_module is not self and e.args:
                name = self._name_of(e._mg_module)
                if name is not None:
                    e.args = (
                        f"{type(self).__name__}: layer '{name}' "
                        f"({type(e._mg_module).__name__}): {e.args[0]}",
                        *e.args[1:],
                    )
            raise
        finally:
            _calls.depth -= 1

    def _name_of(self, module: Module) -> str | None:
        for name, m in self.named_modules():
            if m is module:
                return name
        return None

    # ------------------------------------------------------------------ registration
    def __setattr__(self, name: str, value: Any) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(
                f"cannot assign '{name}' before Module.__init__() is called: call "
                "super().__init__() first in your module's __init__"
            )
        params, modules, buffers = self._parameters, self._modules, self._buffers
        if isinstance(value, Parameter):
            if name not in params:  # replacing keeps the original position, as in PyTorch
                self._forget(name)
            params[name] = value
        elif isinstance(value, Module):
            if name not in modules:
                self._forget(name)
            modules[name] = value
        elif isinstance(value, Buffer) and name not in params and name not in modules:
            # nn.Buffer registers itself, with its own persistence (PyTorch >= 2.5)
            self.register_buffer(name, value, value.persistent)
        elif not self._set_registered(name, value, buffers):
            object.__setattr__(self, name, value)

    def _set_registered(self, name: str, value: Any, buffers: dict) -> bool:
        """Put ``value`` (not a Parameter, Module or new Buffer) under ``name`` if ``name``
        is registered: it keeps its kind, None clears it, else the value must fit. False
        when ``name`` is a plain attribute."""
        for registry, kind, allowed in ((self._parameters, "parameter", Parameter),
                                        (self._modules, "submodule", Module),
                                        (buffers, "buffer", Tensor)):
            if name in registry:
                if value is not None and not isinstance(value, allowed):
                    raise TypeError(
                        f"cannot assign a {type(value).__name__} to {kind} '{name}' of "
                        f"{type(self).__name__} (a {allowed.__name__} or None is expected)"
                    )
                registry[name] = value
                return True
        return False

    def _forget(self, name: str) -> None:
        for d in (self._parameters, self._modules, self._buffers):
            d.pop(name, None)
        self._non_persistent.discard(name)
        self.__dict__.pop(name, None)

    def __getattr__(self, name: str) -> Any:
        # only called when normal lookup fails
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            if store in d and name in d[store]:
                return d[store][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        if any(name in d for d in (self._parameters, self._buffers, self._modules)):
            self._forget(name)
        else:
            object.__delattr__(self, name)

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._buffers)
                      | set(self._modules))

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register ``param`` under ``name`` (what assigning a Parameter does)."""
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter: '{name}' must be a Parameter or None, got "
                            f"{type(param).__name__}")
        self._register(self._parameters, name, param, "register_parameter")

    def _register(self, store: dict, name: str, value: Any, caller: str) -> None:
        """Put ``value`` under ``name`` in ``store`` (one of the registries), as PyTorch's
        ``register_*`` and ``add_module`` do: a name the store holds keeps its position
        (``seq[0] = layer`` stays first), a name taken by anything else is refused."""
        if name not in store and hasattr(self, name):
            raise KeyError(f"{caller}: attribute '{name}' already exists")
        store[name] = value

    def register_buffer(self, name: str, tensor: Tensor | None,
                        persistent: bool = True) -> None:
        """State that is saved in ``state_dict`` (if persistent) but not trained."""
        if "." in name or not name:
            raise KeyError(f"register_buffer: invalid buffer name {name!r}")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"register_buffer: '{name}' must be a Tensor or None, got "
                            f"{type(tensor).__name__}")
        self._register(self._buffers, name, tensor, "register_buffer")
        if persistent:
            self._non_persistent.discard(name)
        else:
            self._non_persistent.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Register a submodule under ``name`` (what assigning a Module does)."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: '{name}' must be a Module, got {type(module).__name__}")
        self._register(self._modules, name, module, "add_module")

    register_module = add_module

    # ------------------------------------------------------------------ traversal
    def named_modules(self, memo: set | None = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Module]]:
        """Every module in the tree (itself first, named ``prefix``), each once unless
        ``remove_duplicate=False`` (PyTorch's signature: ``memo`` holds modules to skip)."""
        memo = set() if memo is None else memo
        if self in memo:
            return
        if remove_duplicate:
            memo.add(self)
        yield prefix, self
        for name, m in self._modules.items():
            if m is not None:
                yield from m.named_modules(memo, f"{prefix}.{name}" if prefix else name,
                                           remove_duplicate)

    def get_submodule(self, target: str) -> Module:
        """The submodule at a dotted path such as ``'features.0'`` (``''`` is itself)."""
        m = self
        for part in target.split(".") if target else []:
            child = m._modules.get(part)
            if child is None:
                raise AttributeError(f"{type(m).__name__} has no submodule {part!r} "
                                     f"(looking up {target!r})")
            m = child
        return m

    def get_parameter(self, target: str) -> Parameter:
        """The Parameter at a dotted path such as ``'features.0.weight'``."""
        return self._get_member(target, "_parameters", "get_parameter", "an nn.Parameter")

    def get_buffer(self, target: str) -> Tensor:
        """The buffer at a dotted path such as ``'bn.running_mean'``."""
        return self._get_member(target, "_buffers", "get_buffer", "a buffer")

    def _get_member(self, target: str, store: str, caller: str, kind: str) -> Any:
        module_path, _, name = target.rpartition(".")
        mod = self.get_submodule(module_path)
        if not hasattr(mod, name):
            raise AttributeError(f"{caller}: {type(mod).__name__} has no attribute `{name}`")
        if name not in getattr(mod, store):
            raise AttributeError(f"{caller}: `{name}` is not {kind}")
        return getattr(mod, name)

    def modules(self) -> Iterator[Module]:
        """This module and every submodule, depth first (each once)."""
        for _, m in self.named_modules():
            yield m

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """The direct submodules with their attribute names."""
        for name, m in self._modules.items():
            if m is not None:
                yield name, m

    def children(self) -> Iterator[Module]:
        """The direct submodules."""
        for _, m in self.named_children():
            yield m

    def _named_members(self, store: str, prefix: str, recurse: bool,
                       remove_duplicate: bool = True) -> Iterator[tuple[str, Any]]:
        seen: set[int] = set()
        mods = (self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
                if recurse else [(prefix, self)])
        for mod_prefix, m in mods:
            for name, v in getattr(m, store).items():
                if v is None or id(v) in seen:
                    continue
                if remove_duplicate:
                    seen.add(id(v))
                yield (f"{mod_prefix}.{name}" if mod_prefix else name), v

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Parameter]]:
        """``(dotted name, Parameter)`` in definition order; a shared Parameter once (under
        each of its names with ``remove_duplicate=False``)."""
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Every Parameter (each once), in registration order: what an optimizer takes."""
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Tensor]]:
        """Buffers (e.g. BatchNorm's running statistics) with dotted names."""
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        """Buffers: saved in the state dict but not trained."""
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def num_parameters(self, trainable_only: bool = False) -> int:
        """How many numbers the model learns (62,378,344 for AlexNet)."""
        return sum(p.numel() for p in self.parameters() if p.requires_grad or not trainable_only)

    # ------------------------------------------------------------------ modes
    def train(self, mode: bool = True) -> Module:
        """Set training mode (dropout active, batch statistics) here and below; returns self."""
        if not isinstance(mode, bool):
            raise ValueError("train: mode must be a bool")
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self) -> Module:
        """Evaluation mode: dropout off, running statistics used. ``train(False)``."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Freeze (False) or unfreeze every parameter; returns self."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's ``.grad`` (to None, or zeroed in place, as in PyTorch)."""
        zero_grads(self.parameters(), set_to_none)

    def share_memory(self) -> Module:
        """Move every parameter and buffer into shared memory (as ``Tensor.share_memory_``,
        all in one memory file), so that processes given this module update one set of
        weights (Hogwild); returns self."""
        from .. import _shared_memory, multiprocessing

        multiprocessing.init_reductions()
        todo = {id(t): t for t in [*self.parameters(), *self.buffers()] if not t.is_shared()}
        moved = _shared_memory.share(*(t._data for t in todo.values()))
        for t, arr in zip(todo.values(), moved):
            t._data = arr
        return self

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call ``fn`` on every submodule (children first) and then on itself."""
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    def to(self, *args: Any, **kwargs: Any) -> Module:
        """PyTorch's ``to(device)``, ``to(dtype)``, ``to(device, dtype)``, ``to(tensor)``:
        cast floating parameters and buffers in place (integer buffers such as
        ``num_batches_tracked`` are left alone); the only device is ``"cpu"``.
        ``memory_format=minigrad.channels_last`` lays out the 4-D (and 5-D) ones so, as
        PyTorch's. Returns self."""
        dtype = _parse_to(args, kwargs)
        if kwargs.get("memory_format") is not None:
            _to_memory_format(self, kwargs["memory_format"])
        if dtype is None:
            return self
        for t in [*self.parameters(), *self.buffers()]:
            if t.dtype.kind == "f":
                t._data = t._data.astype(dtype)
                if t.grad is not None:
                    t.grad = Tensor(t.grad._data.astype(dtype))
        return self

    def half(self) -> Module:
        """Cast floating parameters and buffers to float16."""
        return self.to(np.float16)

    def bfloat16(self) -> Module:
        """PyTorch's cast to bfloat16: minigrad's dtypes are numpy's, which has none."""
        raise TypeError("bfloat16: minigrad has no bfloat16 dtype (its dtypes are numpy's, "
                        "and numpy has no bfloat16); use half() for float16 or float() "
                        "(docs/faq.md)")

    def to_empty(self, *, device: Any, recurse: bool = True) -> Module:
        """Give every parameter and buffer new, uninitialised storage of its shape and
        dtype on ``device`` (the CPU), as PyTorch does after building a model on ``meta``;
        the Parameter objects stay the same. Returns self."""
        _to_dtype(device)  # refuses any device but the CPU
        for t in [*self.parameters(recurse), *self.buffers(recurse)]:
            t._data = np.empty_like(t._data)
            t._bump_version()
        return self

    def compile(self, *args: Any, **kwargs: Any) -> None:
        """``torch.compile`` this module's calls in place: eager minigrad has nothing to
        compile, so the arguments are checked (as ``minigrad.compile``) and None returned."""
        from .. import compiler

        compiler.compile(self, *args, **kwargs)

    def cpu(self) -> Module:
        """The module itself: minigrad runs on the CPU only."""
        return self

    def double(self) -> Module:
        """Cast floating parameters and buffers to float64 (for ``gradcheck``)."""
        return self.to(np.float64)

    def float(self) -> Module:
        """Cast floating parameters and buffers to float32."""
        return self.to(np.float32)

    # ------------------------------------------------------------------ state
    def state_dict(self, *args: Any, destination: Any = None, prefix: str = "",
                   keep_vars: bool = False) -> Any:
        """Parameters and persistent buffers by dotted name, as detached Tensors that share
        memory with the module (PyTorch's keys and layouts), in an ``OrderedDict`` whose
        ``_metadata`` holds each module's ``{'version': _version}`` by its dotted path, as
        PyTorch's does (``load_state_dict`` hands it to ``_load_from_state_dict``). With
        ``destination`` the entries go into it, and it is returned."""
        if args:
            destination, prefix, keep_vars = _state_dict_args(args, destination, prefix,
                                                              keep_vars)
        for hook, _ in list(self.__dict__.get("_state_dict_pre_hooks", _NONE).values()):
            hook(self, prefix, keep_vars)
        if destination is None:
            destination = OrderedDict()
            destination._metadata = OrderedDict()
        local_metadata = dict(version=self._version)
        if hasattr(destination, "_metadata"):
            destination._metadata[prefix[:-1]] = local_metadata
        self._save_to_state_dict(destination, prefix, keep_vars)
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(destination=destination, prefix=f"{prefix}{name}.",
                                  keep_vars=keep_vars)
        for hook, _ in list(self.__dict__.get("_state_dict_hooks", _NONE).values()):
            if hook(self, destination, prefix, local_metadata) is not None:
                raise RuntimeError("state_dict post-hook must return None")
        return destination

    def register_state_dict_pre_hook(self, hook: Callable) -> hooks.RemovableHandle:
        """Call ``hook(module, prefix, keep_vars)`` before ``state_dict`` saves this
        module's entries (to bring them up to date first, as parametrizations do)."""
        return hooks.add(self._hook_dict("_state_dict_pre_hooks"), hook, False)

    def register_state_dict_post_hook(self, hook: Callable) -> hooks.RemovableHandle:
        """Call ``hook(module, state_dict, prefix, local_metadata)`` once this module and
        its children are saved; it may change ``state_dict`` in place and returns None."""
        return hooks.add(self._hook_dict("_state_dict_hooks"), hook, False)

    def register_load_state_dict_pre_hook(self, hook: Callable) -> hooks.RemovableHandle:
        """Call ``hook(module, state_dict, prefix, local_metadata, strict, missing_keys,
        unexpected_keys, error_msgs)`` before this module loads its entries (to rename or
        convert keys of an older layout in ``state_dict``, in place)."""
        return hooks.add(self._hook_dict("_load_state_dict_pre_hooks"), hook, False)

    def register_load_state_dict_post_hook(self, hook: Callable) -> hooks.RemovableHandle:
        """Call ``hook(module, incompatible_keys)`` once this module and its children are
        loaded; it may remove entries of ``incompatible_keys.missing_keys`` and
        ``.unexpected_keys`` in place (before ``strict`` judges them) and returns None."""
        return hooks.add(self._hook_dict("_load_state_dict_post_hooks"), hook, False)

    def _hook_dict(self, name: str) -> OrderedDict:
        if name not in self.__dict__:
            object.__setattr__(self, name, OrderedDict())
        return self.__dict__[name]

    def _local_state(self) -> dict[str, Tensor]:
        """This module's own parameters and persistent buffers (not its children's)."""
        buffers = ((n, b) for n, b in self._buffers.items() if n not in self._non_persistent)
        return {n: t for n, t in (*self._parameters.items(), *buffers) if t is not None}

    def _save_to_state_dict(self, destination: dict, prefix: str, keep_vars: bool) -> None:
        """Put this module's own entries (not its children's) into ``destination``."""
        for name, t in self._local_state().items():
            destination[prefix + name] = t if keep_vars else t.detach()

    def _load_from_state_dict(self, state_dict: dict, prefix: str, local_metadata: dict,
                              strict: bool, missing_keys: list, unexpected_keys: list,
                              error_msgs: list) -> None:
        """Load this module's own entries from ``state_dict`` (PyTorch's signature; called
        by ``load_state_dict`` for each module with the part of the dict under ``prefix``
        and this module's saved metadata). A layer overrides it to convert an older
        checkpoint, by ``local_metadata.get('version')``, before calling this one.

        Adds the keys it lacks to ``missing_keys`` and, with ``strict``, those under
        ``prefix`` it does not know to ``unexpected_keys``; a shape mismatch goes to
        ``error_msgs``. Inside ``load_state_dict`` the values are copied only once every
        module has passed its checks. The load pre-hooks run first."""
        for hook, _ in list(self.__dict__.get("_load_state_dict_pre_hooks", _NONE).values()):
            hook(self, state_dict, prefix, local_metadata, strict, missing_keys,
                 unexpected_keys, error_msgs)
        local = self._local_state()
        for name, target in local.items():
            key = prefix + name
            if key in state_dict:
                _stage_copy(target, key, state_dict[key], error_msgs)
            elif strict:
                missing_keys.append(key)
        if strict:
            unexpected_keys.extend(_unexpected(self, state_dict, prefix, local))

    def load_state_dict(self, state_dict: Mapping[str, Any],
                        strict: bool = True) -> _IncompatibleKeys:
        """Copy values (Tensors or numpy arrays) into the parameters and buffers in place.

        Each module's ``_load_from_state_dict`` sees its part of a copy of ``state_dict``
        and its entry of ``state_dict._metadata`` (``{}`` without one), as in PyTorch.
        Every problem is collected first and reported together, by name; no value is
        copied when it raises. A shape mismatch always raises (as in PyTorch); missing and
        unexpected keys raise with ``strict=True`` and are returned with ``strict=False``.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"load_state_dict: expected state_dict to be dict-like, got "
                            f"{type(state_dict).__name__}")
        metadata = getattr(state_dict, "_metadata", None)
        state_dict = OrderedDict(state_dict)  # the overrides may change their copy
        if metadata is not None:
            state_dict._metadata = metadata
        missing, unexpected, errors = [], [], []
        outer, _staged.copies = _staged.copies, []
        try:
            _load_tree(self, state_dict, "", metadata, (missing, unexpected, errors))
            copies = _staged.copies
        finally:
            _staged.copies = outer
        refused = (missing, unexpected) if strict else ([], [])
        if errors or any(refused):
            raise RuntimeError(_load_error(type(self).__name__, *refused, errors))
        for target, arr in copies:
            _copy_into(target, arr)
        return _IncompatibleKeys(missing, unexpected)

    # ------------------------------------------------------------------ printing
    def extra_repr(self) -> str:
        """The part inside ``Layer(...)``; layers override it with their settings."""
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        children = [(n, m) for n, m in self._modules.items() if m is not None]
        if not children:
            return f"{type(self).__name__}({extra})"
        lines = [extra] if extra else []
        for name, m in children:
            body = repr(m).replace("\n", "\n  ")
            lines.append(f"({name}): {body}")
        return f"{type(self).__name__}(\n  " + "\n  ".join(lines) + "\n)"
