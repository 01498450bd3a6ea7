"""Tensors over given memory, as PyTorch's: ``as_strided`` (a view of a tensor's storage with
any sizes, strides and offset; differentiable), ``empty_strided``, ``asarray`` and
``frombuffer`` (sharing a numpy array's or a buffer's memory), ``scalar_tensor``, and the
matrix adjoints ``mH`` / ``H`` (the transposes, for real dtypes).

A tensor's storage is the numpy array its data is a view of (``storage_offset()`` counts
from there), so ``as_strided`` sees what PyTorch's sees wherever numpy shares memory.

    >>> import minigrad as mg
    >>> mg.as_strided(mg.arange(6.0), (2, 2), (1, 2))
    tensor([[0., 2.],
            [1., 3.]])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..autograd import Context, Function
from ..dtypes import get_default_dtype
from ..tensor import Tensor, _dtype_of, require_tensor


def _storage(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The 1-D array of the memory ``a`` is a view of, in memory order, and where ``a``'s
    elements lie in it (a copy of ``a`` where that memory is not one contiguous block)."""
    root = a
    while isinstance(root.base, np.ndarray):
        root = root.base
    if not (root.flags.c_contiguous or root.flags.f_contiguous):
        return np.ascontiguousarray(a).reshape(-1), np.arange(a.size).reshape(a.shape)
    storage = root.reshape(-1, order="A")
    steps = tuple(st // a.itemsize for st in a.strides)
    start = (a.ctypes.data - storage.ctypes.data) // a.itemsize
    return storage, _positions(a.shape, steps, start)


def _positions(size: Sequence[int], stride: Sequence[int], offset: int) -> np.ndarray:
    """The storage position of every element of a ``size``/``stride`` view, in order."""
    pos = np.full(tuple(size), offset, np.int64)
    for k, (n, s) in enumerate(zip(size, stride)):
        shape = [1] * len(size)
        shape[k] = n
        pos = pos + (np.arange(n, dtype=np.int64) * s).reshape(shape)
    return pos


class AsStrided(Function):
    """A view of ``a``'s storage; the gradient is PyTorch's: ``g`` summed into a zero
    storage at the view's positions, then read at ``a``'s own (Tensor ops: differentiable)."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, size: tuple, stride: tuple, offset: int) -> np.ndarray:
        storage, ctx.own = _storage(a._data)
        ctx.view = _positions(size, stride, offset).reshape(-1)
        ctx.n = storage.size
        item = storage.itemsize
        return np.lib.stride_tricks.as_strided(storage[offset:], size,
                                               tuple(s * item for s in stride))

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        zeros = Tensor._make(np.zeros(ctx.n, g.dtype), False, None, 0)
        index = Tensor._make(ctx.view, False, None, 0)
        total = zeros.index_add(0, index, g.reshape(-1))
        return total[Tensor._make(ctx.own, False, None, 0)], None, None, None


def _ints(value: Any, fn: str, arg: str) -> tuple[int, ...]:
    if isinstance(value, (int, np.integer)):
        value = (value,)
    if not isinstance(value, Sequence) or not all(isinstance(v, (int, np.integer))
                                                  for v in value):
        raise TypeError(f"{fn}: argument '{arg}' must be a tuple of ints, not {value!r}")
    return tuple(int(v) for v in value)


def _check_signs(fn: str, size: tuple, stride: tuple, offset: int) -> None:
    if len(size) != len(stride):
        raise RuntimeError(f"{fn}: mismatch in length of strides and shape (size {size}, "
                           f"stride {stride})")
    if any(s < 0 for s in stride):
        raise RuntimeError(f"{fn}: Negative strides are not supported at the moment, got "
                           f"strides: {list(stride)}")
    if any(s < 0 for s in size):
        raise RuntimeError(f"{fn}: negative dimension in size {size}")
    if offset < 0:
        raise RuntimeError(f"{fn}: invalid storage offset {offset}")


def _check_layout(fn: str, size: tuple, stride: tuple, offset: int, n: int | None) -> int:
    """PyTorch's checks of a strided layout; the storage size it needs."""
    _check_signs(fn, size, stride, offset)
    need = 0 if 0 in size else offset + 1 + sum((m - 1) * s for m, s in zip(size, stride))
    if n is not None and need > n:
        raise RuntimeError(f"{fn}: sizes {list(size)}, strides {list(stride)}, storage offset "
                           f"{offset} requiring a storage size of {need} elements are out of "
                           f"bounds for storage of size {n}")
    return need


def as_strided(input: Tensor, size: Any, stride: Any,  # noqa: A002
               storage_offset: int | None = None) -> Tensor:
    """A view of ``input``'s storage with the given ``size``, ``stride`` and
    ``storage_offset`` (default: ``input``'s), as ``torch.as_strided``: writes show in both;
    the gradient sums over elements that share a position."""
    a = require_tensor(input, "as_strided", "input")
    size, stride = _ints(size, "as_strided", "size"), _ints(stride, "as_strided", "stride")
    storage, own = _storage(a._data)
    first = int(own.reshape(-1)[0]) if own.size else 0
    offset = first if storage_offset is None else int(storage_offset)
    _check_layout("as_strided", size, stride, offset, storage.size)
    return AsStrided.apply(a, size, stride, offset)


def empty_strided(size: Any, stride: Any, *, dtype: Any = None, layout: Any = None,
                  device: Any = None, requires_grad: bool = False,
                  pin_memory: bool = False) -> Tensor:
    """An uninitialised (here: zero) tensor of ``size`` laid out with ``stride``."""
    size = _ints(size, "empty_strided", "size")
    stride = _ints(stride, "empty_strided", "stride")
    d = get_default_dtype() if dtype is None else _dtype_of(dtype, "empty_strided")
    storage = np.zeros(_check_layout("empty_strided", size, stride, 0, None), d)
    data = np.lib.stride_tricks.as_strided(storage, size, tuple(s * d.itemsize for s in stride))
    return Tensor(data, requires_grad=requires_grad)


def scalar_tensor(s: Any, *, dtype: Any = None, layout: Any = None, device: Any = None,
                  requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """A 0-d tensor holding the number ``s`` (the default float dtype unless ``dtype``)."""
    if isinstance(s, Tensor) or not np.isscalar(s):
        raise TypeError(f"scalar_tensor: argument 's' must be a number, not {type(s).__name__}")
    d = get_default_dtype() if dtype is None else _dtype_of(dtype, "scalar_tensor")
    return Tensor(np.asarray(s).astype(d), requires_grad=requires_grad)


def _alias_error(have: np.dtype, want: np.dtype) -> ValueError:
    return ValueError(f"asarray: can't alias tensor with dtype {have} into dtype {want} "
                      f"(copy=False)")


def _asarray_tensor(t: Tensor, d: np.dtype | None, copy: bool | None) -> Tensor:
    if d is not None and d != t.dtype:
        if copy is False:
            raise _alias_error(t.dtype, d)
        return t.detach().to(d)
    return t.detach().clone() if copy else t


def _asarray_array(a: np.ndarray, d: np.dtype | None, copy: bool | None) -> Tensor:
    if d is not None and d != a.dtype and copy is False:
        raise _alias_error(a.dtype, d)
    return Tensor(a.astype(d or a.dtype, copy=bool(copy)))


def asarray(obj: Any, *, dtype: Any = None, device: Any = None, copy: bool | None = None,
            requires_grad: bool = False) -> Tensor:
    """``obj`` as a tensor, sharing its memory where it can (a Tensor, a numpy array, a
    buffer), copying where it must (``copy=True`` always; ``copy=False`` never: a
    ValueError instead); numbers and sequences make a new tensor, as ``tensor``."""
    d = None if dtype is None else _dtype_of(dtype, "asarray")
    if isinstance(obj, Tensor):
        out = _asarray_tensor(obj, d, copy)
    elif isinstance(obj, (bytes, bytearray, memoryview)):
        out = frombuffer(obj, dtype=d if d is not None else get_default_dtype())
        out = out.clone() if copy else out
    elif isinstance(obj, np.ndarray):
        out = _asarray_array(obj, d, copy)
    else:
        from ..creation import tensor

        out = tensor(obj, dtype=d)
    if requires_grad:
        out.requires_grad_()
    return out


def frombuffer(buffer: Any, *, dtype: Any, count: int = -1, offset: int = 0,
               requires_grad: bool = False) -> Tensor:
    """A 1-D tensor over the memory of an object with the buffer protocol (bytearray,
    memoryview, array.array...): ``count`` elements of ``dtype`` from byte ``offset``
    (-1: to the end). Writes show in both."""
    d = _dtype_of(dtype, "frombuffer")
    view = memoryview(buffer)
    n = view.nbytes
    if n == 0 or count == 0:
        raise ValueError(f"frombuffer: both buffer length ({n}) and count ({count}) must not "
                         f"be 0")
    if not 0 <= offset < n:
        raise ValueError(f"frombuffer: offset ({offset} bytes) must be non-negative and no "
                         f"greater than buffer length ({n} bytes) minus 1")
    if count < 0 and (n - offset) % d.itemsize:
        raise ValueError(f"frombuffer: buffer length ({n - offset} bytes) after offset "
                         f"({offset} bytes) must be a multiple of element size "
                         f"({d.itemsize})")
    if count > 0 and offset + count * d.itemsize > n:
        raise ValueError(f"frombuffer: requested buffer length ({count} * {d.itemsize} "
                         f"bytes) after offset ({offset} bytes) must not be greater than "
                         f"actual buffer length ({n} bytes)")
    data = np.frombuffer(view.cast("B"), dtype=d, count=count, offset=offset)
    return Tensor(data, requires_grad=requires_grad)


def _mH(self: Tensor) -> Tensor:  # noqa: N802  (PyTorch's name)
    """The conjugate transpose of the last two dims (for real dtypes, ``mT``)."""
    if self.ndim == 1:
        raise RuntimeError("mH: tensor.mH is only supported on matrices or batches of "
                           "matrices. Got 1-D tensor.")
    return self.clone() if self.ndim == 0 else self.transpose(-2, -1)


def _H(self: Tensor) -> Tensor:  # noqa: N802  (PyTorch's name)
    """The conjugate transpose of a matrix (2-D; for real dtypes, ``T``)."""
    if self.ndim not in (0, 2):
        raise RuntimeError(f"H: tensor.H is only supported on matrices (2-D tensors). Got "
                           f"{self.ndim}-D tensor." + (" For batches of matrices, consider "
                                                       "using tensor.mH" if self.ndim > 2 else ""))
    return self.clone() if self.ndim == 0 else self.transpose(0, 1)


def _as_strided_(self: Tensor, size: Any, stride: Any,
                 storage_offset: int | None = None) -> Tensor:
    """``as_strided(self, ...)``."""
    return as_strided(self, size, stride, storage_offset)


TENSOR_METHODS = {"as_strided": _as_strided_, "mH": property(_mH), "H": property(_H)}
"""What ``minigrad.tensor_methods`` installs on ``Tensor``."""

