"""Memory layouts: ``torch.memory_format`` (contiguous_format, channels_last...) and
``torch.layout`` (strided, sparse_coo), and what ``Tensor.contiguous``/``is_contiguous``/``to``
do with a memory format.

A tensor's storage is a numpy array, so channels_last is an honest layout, not a flag: the
array is copied in (N, H, W, C) order and transposed back to (N, C, H, W), and its strides are
then those PyTorch reports (``stride() == (H*W*C, 1, W*C, C)``). numpy's elementwise ops keep
that order for their results, as PyTorch's do.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["channels_last", "channels_last_3d", "contiguous_format", "layout", "memory_format",
           "preserve_format", "sparse_coo", "strided"]


class memory_format:  # noqa: N801  (PyTorch's name)
    """The class of ``contiguous_format``, ``channels_last``, ``channels_last_3d`` and
    ``preserve_format``: a name only; the layout itself lives in the numpy array."""

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return f"torch.{self._name}"  # PyTorch's spelling, for code that prints or compares it

    def __reduce__(self) -> str:
        return self._name  # pickled as the module attribute of that name


class layout:  # noqa: N801  (PyTorch's name)
    """The class of ``strided`` (every minigrad tensor's) and ``sparse_coo`` (none's)."""

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return f"torch.{self._name}"

    def __reduce__(self) -> str:
        return self._name


contiguous_format = memory_format("contiguous_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")
preserve_format = memory_format("preserve_format")
strided = layout("strided")
sparse_coo = layout("sparse_coo")

# the order of dims from the fastest-varying to the slowest, and the rank each format needs
_ORDER = {channels_last: (1, 3, 2, 0), channels_last_3d: (1, 4, 3, 2, 0)}


def _check(fmt: Any, fn: str) -> memory_format:
    if not isinstance(fmt, memory_format):
        raise TypeError(f"{fn}: argument 'memory_format' must be minigrad.memory_format, "
                        f"not {type(fmt).__name__}")
    return fmt


def is_contiguous(data: np.ndarray, fmt: Any) -> bool:
    """Whether ``data`` is laid out densely in ``fmt``'s order, by PyTorch's rule: dims of
    size 1 are skipped; a channels-last check of a tensor of another rank is False."""
    fmt = _check(fmt, "is_contiguous")
    if fmt not in _ORDER:
        return bool(data.flags.c_contiguous)
    if data.ndim != len(_ORDER[fmt]):
        return False
    strides = [s // data.itemsize for s in data.strides]
    expected = 1
    for d in _ORDER[fmt]:
        if data.shape[d] != 1:
            if strides[d] != expected:
                return False
            expected *= data.shape[d]
    return True


def _strides_like(data: np.ndarray, order: tuple[int, ...]) -> bool:
    """PyTorch's ``is_channels_last_strides_2d/3d``: strides that rank the dims in ``order``
    (ambiguous cases, such as a trivial C dimension, count as not channels-last)."""
    if data.ndim != len(order):
        return False
    strides = [s // data.itemsize for s in data.strides]
    if strides[1] == 0:
        return False
    low = 0
    for d in order:
        if data.shape[d] == 0 or strides[d] < low or (d == 0 and low == strides[1]):
            return False
        low = strides[d] * (data.shape[d] if data.shape[d] > 1 else 1)
    return True


def suggest_memory_format(data: np.ndarray) -> memory_format:
    """The format PyTorch reads off ``data``'s strides (``Tensor.suggest_memory_format``)."""
    for fmt, order in _ORDER.items():
        if _strides_like(data, order):
            return fmt
    return contiguous_format


def laid_out(data: np.ndarray, fmt: memory_format, fn: str) -> np.ndarray:
    """A fresh copy of ``data`` in ``fmt``'s layout; PyTorch's RuntimeError for a
    channels-last format and a tensor of another rank."""
    if fmt not in _ORDER:
        return _fresh(data)
    order = _ORDER[fmt]
    if data.ndim != len(order):
        raise RuntimeError(f"{fn}: required rank {len(order)} tensor to use {fmt._name} format, "
                           f"got a tensor of shape {tuple(data.shape)}")
    perm = tuple(reversed(order))  # slowest first: (0, 2, 3, 1) for channels_last
    return _fresh(data.transpose(perm)).transpose(np.argsort(perm))


def _fresh(data: np.ndarray) -> np.ndarray:
    """A row-major copy with the strides a new array gets (numpy's ``copy`` of an empty or
    size-1 view may keep odd ones)."""
    out = np.empty(data.shape, dtype=data.dtype)
    out[...] = data
    return out


def _keeps(data: np.ndarray, fmt: memory_format, fn: str) -> bool:
    """Whether ``fn`` returns the tensor itself: ``contiguous`` when it already is so laid
    out; ``to`` when PyTorch would alias it (preserve_format, or the suggested format)."""
    if fn == "to":
        return fmt is preserve_format or suggest_memory_format(data) is fmt
    if fmt is preserve_format:
        raise RuntimeError("contiguous: preserve memory format is unsupported by the "
                           "contiguous operator")
    return is_contiguous(data, fmt)


def with_format(t: Any, fmt: Any, fn: str) -> Any:
    """``t`` in ``fmt``'s layout: ``t`` itself (see ``_keeps``), else a differentiable copy
    (``clone`` with its array replaced by the laid-out one, as ``contiguous`` did)."""
    fmt = _check(fmt, fn)
    if _keeps(t._data, fmt, fn):
        return t
    data = laid_out(t._data, fmt, fn)
    out = t.clone()
    out._data = data  # the fresh copy, not yet seen by anyone
    return out
