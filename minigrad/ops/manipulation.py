"""Rearranging ops: flip, roll, tile, index_select and its adjoint, scatter and
scatter_reduce (the writing counterparts of gather).

Each moves or copies elements without changing them, so each backward is the reverse move
(for repeats, a sum over the copies), written with ops that are differentiable again.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Context, Function
from ..tensor import Tensor
from .index import Gather, MaskedFill, _linear


class Flip(Function):
    """``a`` with the order of its elements reversed along ``dims``; the gradient is flipped
    back along the same dims."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, dims: tuple[int, ...]) -> np.ndarray:
        ctx.dims = dims
        return np.ascontiguousarray(np.flip(a._data, dims)) if dims else a._data.copy()

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        return Flip.apply(g, ctx.dims), None


class Roll(Function):
    """``a`` shifted cyclically by ``shifts`` along ``dims`` (None: over the flattened
    tensor); the gradient is rolled back by ``-shifts``."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, shifts: tuple[int, ...],
                dims: tuple[int, ...] | None) -> np.ndarray:
        ctx.shifts, ctx.dims = shifts, dims
        if dims is None:
            return np.roll(a._data, shifts[0])
        return np.roll(a._data, shifts, dims)

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        return Roll.apply(g, tuple(-s for s in ctx.shifts), ctx.dims), None, None


class Tile(Function):
    """``a`` copied ``reps[i]`` times along each dim ``i`` (``len(reps) == a.ndim``); the
    gradient sums the copies."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, reps: tuple[int, ...]) -> np.ndarray:
        ctx.in_shape, ctx.reps = a.shape, reps
        return np.tile(a._data, reps) if reps else a._data.copy()

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        pairs = tuple(x for r, s in zip(ctx.reps, ctx.in_shape) for x in (r, s))
        summed = g.reshape(pairs).sum(tuple(range(0, len(pairs), 2)))
        return summed.reshape(ctx.in_shape), None


class IndexSelect(Function):
    """The slices of ``a`` along ``dim`` at positions ``index`` (a 1-d int array, repeats
    allowed); the gradient adds each slice's gradient back at its position."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, dim: int, index: np.ndarray) -> np.ndarray:
        ctx.dim, ctx.index, ctx.size = dim, index, a.shape[dim]
        return np.take(a._data, index, axis=dim)

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        return IndexSelectBackward.apply(g, ctx.dim, ctx.index, ctx.size), None, None


class IndexSelectBackward(Function):
    """Zeros with ``size`` along ``dim``, ``g``'s slices added at ``index``: the adjoint of
    ``IndexSelect``."""

    @staticmethod
    def forward(ctx: Context, g: Tensor, dim: int, index: np.ndarray, size: int) -> np.ndarray:
        ctx.dim, ctx.index = dim, index
        shape = g.shape[:dim] + (size,) + g.shape[dim + 1:]
        out = np.zeros(shape, dtype=g.dtype)
        np.add.at(out, (slice(None),) * dim + (index,), g._data)
        return out

    @staticmethod
    def backward(ctx: Context, gg: Tensor) -> tuple:
        return IndexSelect.apply(gg, ctx.dim, ctx.index), None, None, None


class Scatter(Function):
    """``a`` with ``src``'s values written at ``index`` along ``dim`` (``src`` already of
    ``index``'s shape). The gradient of ``a`` is ``g`` with the overwritten places zeroed;
    of ``src``, ``g`` gathered at ``index`` (PyTorch's rules)."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, src: Tensor, dim: int, index: np.ndarray
                ) -> np.ndarray:
        ctx.dim, ctx.index = dim, index
        positions = _linear(a.shape, dim, index).reshape(-1)
        hit = np.zeros(a._data.size, dtype=bool)
        hit[positions] = True
        ctx.hit = hit.reshape(a.shape)
        out = a._data.copy()
        out.reshape(-1)[positions] = src._data.reshape(-1)
        return out

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        ga = MaskedFill.apply(g, ctx.hit, 0) if ctx.needs_input_grad[0] else None
        gs = Gather.apply(g, ctx.dim, ctx.index) if ctx.needs_input_grad[1] else None
        return ga, gs, None, None


def _identity(reduce: str, dtype: np.dtype) -> Any:
    """The value that ``reduce`` leaves unchanged: where ``include_self=False`` starts."""
    if reduce in ("sum", "mean", "prod"):
        return int(reduce == "prod")
    if dtype.kind == "f":
        low, high = -np.inf, np.inf
    else:
        low, high = np.iinfo(dtype).min, np.iinfo(dtype).max
    return low if reduce == "amax" else high


def _reduce_into(a: np.ndarray, src: np.ndarray, positions: np.ndarray, reduce: str,
                 include_self: bool) -> tuple[np.ndarray, np.ndarray]:
    """The flat result of scattering ``src`` into ``a`` at the flat ``positions``, and how
    many values each place averaged (for the mean)."""
    out = a.reshape(-1).copy()
    count = np.bincount(positions, minlength=out.size) + (1 if include_self else 0)
    if not include_self:
        out[count > 0] = _identity(reduce, a.dtype)
    values = src.reshape(-1)
    if reduce in ("amax", "amin"):
        _extreme_at(out, positions, values, np.fmax if reduce == "amax" else np.fmin)
    else:
        (np.multiply if reduce == "prod" else np.add).at(out, positions, values)
    count = np.maximum(count, 1)
    if reduce == "mean":
        out = out / count if a.dtype.kind == "f" else out // count
    return out.astype(a.dtype, copy=False), count


def _extreme_at(out: np.ndarray, positions: np.ndarray, values: np.ndarray,
                extreme: np.ufunc) -> None:
    """``out[positions] = extreme(out[positions], values)`` in place, repeats included;
    NaN wins, as in PyTorch (``fmax``/``fmin`` alone would skip it)."""
    nan = np.isnan(out) if out.dtype.kind == "f" else None
    if nan is not None:
        nan[positions[np.isnan(values)]] = True
    extreme.at(out, positions, values)
    if nan is not None:
        out[nan] = np.nan


class ScatterReduce(Function):
    """``a`` with ``src``'s values combined into the places ``index`` names along ``dim``, by
    ``reduce`` (sum, prod, mean, amax, amin), with or without ``a``'s own value. The
    backward follows PyTorch's rules (ties of amax/amin share the gradient evenly; a lone
    zero factor of a product gets the product of the others) and is written with
    differentiable ops, so it can be differentiated again."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, src: Tensor, dim: int, index: np.ndarray,
                reduce: str, include_self: bool) -> np.ndarray:
        positions = _linear(a.shape, dim, index).reshape(-1)
        out, count = _reduce_into(a._data, src._data, positions, reduce, include_self)
        ctx.dim, ctx.index, ctx.reduce, ctx.include_self = dim, index, reduce, include_self
        ctx.positions, ctx.count = positions, count.reshape(a.shape)
        ctx.save_for_backward(a, src)
        return out.reshape(a.shape)

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        a, src = ctx.saved_tensors
        dim, index, reduce, include_self = ctx.dim, ctx.index, ctx.reduce, ctx.include_self
        if reduce == "sum":
            g_self, g_src = g, Gather.apply(g, dim, index)
        elif reduce == "mean":
            g_self = g / Tensor(ctx.count.astype(g.dtype))
            g_src = Gather.apply(g_self, dim, index)
        elif reduce == "prod":
            def result(base: Tensor, values: Tensor) -> Tensor:
                return ScatterReduce.apply(base, values, dim, index, reduce, include_self)

            self_zero = a._data == 0
            masked_self = MaskedFill.apply(a, self_zero, 1)
            g_self = g * result(masked_self, src) / masked_self
            src_zero = src._data == 0
            zeros = np.bincount(ctx.positions, weights=src_zero.reshape(-1),
                                minlength=a._data.size)
            lone = src_zero & (zeros[ctx.positions].reshape(src.shape) == 1)
            # a lone zero factor: its gradient is the product of the others (the result with
            # it set to 1); otherwise result / factor (0 where two or more factors are 0)
            g_src = Gather.apply(g * result(a, src), dim, index) / MaskedFill.apply(
                src, src_zero, 1)
            if lone.any():  # (the masks keep the second derivative right there too)
                others = result(a, MaskedFill.apply(src, lone, 1))
                g_src = MaskedFill.apply(g_src, lone, 0) + MaskedFill.apply(
                    Gather.apply(g * others, dim, index), ~lone, 0)
        else:  # amax, amin: PyTorch's even split between every value equal to the result
            out, _ = _reduce_into(a._data, src._data, ctx.positions, reduce, include_self)
            self_is = (a._data.reshape(-1) == out).astype(g.dtype)
            src_is = (src._data.reshape(-1) == out[ctx.positions]).astype(g.dtype)
            n = self_is + np.bincount(ctx.positions, weights=src_is, minlength=out.size)
            self_is, src_is = self_is.reshape(a.shape), src_is.reshape(src.shape)
            with np.errstate(divide="ignore", invalid="ignore"):  # NaN: no value equals it
                share = g / Tensor(n.reshape(a.shape).astype(g.dtype))
                g_self = share * Tensor(self_is)
                g_src = Gather.apply(share, dim, index) * Tensor(src_is)
        if not include_self:
            hit = np.zeros(a._data.size, dtype=bool)
            hit[ctx.positions] = True
            g_self = MaskedFill.apply(g_self, hit.reshape(a.shape), 0)
        return g_self, g_src, None, None, None, None
