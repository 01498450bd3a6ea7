"""``Tensor.apply_`` and ``Tensor.map_``: a Python callable run on each element, in place.

PyTorch keeps these CPU-only escape hatches for elementwise rules no op expresses (a
lookup table, a branchy scalar function); they are slow (one Python call per element) and
outside autograd, so a tensor that requires grad is refused, as in PyTorch. The callable
gets Python scalars (``float``, ``int`` or ``bool`` by dtype) and its result is stored in
the tensor's dtype; like PyTorch, the version counter is left alone.

    >>> import minigrad as mg
    >>> mg.tensor([1.0, 2.0, 3.0]).apply_(lambda v: v * v if v > 1 else -v)
    tensor([-1.,  4.,  9.])
    >>> mg.ones(2, 2).map_(mg.tensor([1.0, 2.0]), lambda a, b: a + b)
    tensor([[2., 3.],
            [2., 3.]])
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..tensor import Tensor


def _check_target(self: Tensor, name: str, fn: object) -> None:
    """No gradient may flow through a Python callable: PyTorch's refusal, and its TypeError
    for something that cannot be called."""
    if self.requires_grad:
        raise RuntimeError(f"Can't call {name}() on Variable that requires grad. Use "
                           f"var.detach().{name}() instead.")
    if not callable(fn):
        raise TypeError(f"{name}: '{type(fn).__name__}' object is not callable")


def _store(self: Tensor, name: str, values: list) -> Tensor:
    """The callable's results written into ``self`` (its storage, so views see it too),
    with PyTorch's overflow error for an integer that does not fit."""
    kind = self.dtype.kind
    for v in values:
        if not isinstance(v, (int, float, np.number, np.bool_)):  # bool is an int
            raise TypeError(f"{name}: must be real number, not {type(v).__name__}")
        if kind in "iu" and isinstance(v, (int, np.integer)) and not _fits(int(v), self.dtype):
            raise RuntimeError(f"{name}: value cannot be converted to type {self.dtype} "
                               f"without overflow (got {v})")
    out = np.array(values, dtype=np.float64 if kind == "f" else object)
    self._data[...] = out.astype(self.dtype).reshape(self.shape)
    return self


def _fits(v: int, dtype: np.dtype) -> bool:
    info = np.iinfo(dtype)
    return info.min <= v <= info.max


def apply_(self: Tensor, callable: Callable) -> Tensor:  # noqa: A002  (PyTorch's name)
    """``Tensor.apply_``: each element replaced by ``callable(element)``; returns ``self``."""
    _check_target(self, "apply_", callable)
    return _store(self, "apply_", [callable(v) for v in self._data.ravel().tolist()])


def map_(self: Tensor, tensor: Tensor, callable: Callable) -> Tensor:  # noqa: A002
    """``Tensor.map_``: each element replaced by ``callable(element, other)``, ``tensor``
    broadcast to ``self``'s shape and of the same dtype (PyTorch's TypeError otherwise)."""
    _check_target(self, "map_", callable)
    if not isinstance(tensor, Tensor):
        raise TypeError(f"map_: argument 'other' (position 1) must be Tensor, not "
                        f"{type(tensor).__name__}")
    if tensor.dtype != self.dtype:
        raise TypeError(f"map_: expected {self.type()} for 'other' (got {tensor.type()})")
    if tensor.ndim > self.ndim:
        raise RuntimeError(f"map_: the number of sizes provided ({self.ndim}) must be greater "
                           f"or equal to the number of dimensions in the tensor "
                           f"({tensor.ndim}) (self shape {self.shape}, other shape "
                           f"{tensor.shape})")
    try:
        other = np.broadcast_to(tensor._data, self.shape)
    except ValueError:
        raise RuntimeError(f"map_: the size of 'other' {tuple(tensor.shape)} cannot be "
                           f"expanded to self's size {tuple(self.shape)}") from None
    pairs = zip(self._data.ravel().tolist(), other.ravel().tolist())
    return _store(self, "map_", [callable(a, b) for a, b in pairs])


TENSOR_METHODS = {"apply_": apply_, "map_": map_}
"""What ``minigrad.tensor_methods`` installs on ``Tensor``."""
