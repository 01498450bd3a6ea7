"""Numeric ops: log1p, round, divide with rounding, cumprod, the vector norm, the SVD and
nuclear norm, and einsum.

They follow PyTorch's gradient formulas exactly, including their edge cases (a norm's
gradient at the origin, cumprod's gradient where the input holds zeros), and each backward
is written with Tensor ops, so it is differentiable again.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..autograd import Context, Function, is_grad_enabled
from ..tensor import Tensor, _broadcast_error
from .elementwise import where
from .index import ReverseCumsum


def _zeros(g: Tensor) -> Tensor:
    return Tensor._make(np.zeros(g.shape, g.dtype), False, None, 0)


class Log1p(Function):
    """log(1 + a), accurate for small ``a``; gradient ``g / (1 + a)``."""

    @staticmethod
    def forward(ctx: Context, a: Tensor) -> np.ndarray:
        ctx.save_for_backward(a)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log1p(a._data)

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> Tensor:
        (a,) = ctx.saved_tensors
        return g / (a + 1)


class Round(Function):
    """Round half to even at ``decimals`` places; the gradient is zero, as in PyTorch."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, decimals: int) -> np.ndarray:
        with np.errstate(over="ignore", invalid="ignore"):
            return np.round(a._data, decimals) if decimals else np.rint(a._data)

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        return _zeros(g), None


class RoundedDiv(Function):
    """``a / b`` rounded toward zero (``"trunc"``) or down (``"floor"``); a step function,
    so both gradients are zero, as in PyTorch."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, b: Tensor, mode: str) -> np.ndarray:
        x, y = a._data, b._data
        try:
            np.broadcast_shapes(x.shape, y.shape)
        except ValueError:
            raise _broadcast_error("div", a.shape, b.shape) from None
        if x.dtype.kind in "iub":
            if (y == 0).any():
                raise RuntimeError(f"div: ZeroDivisionError (integer division by zero with "
                                   f"rounding_mode={mode!r})")
            q = np.floor_divide(x, y)
            if mode == "trunc":  # C division: round toward zero
                q = q + ((np.remainder(x, y) != 0) & ((x < 0) != (y < 0)))
            return np.asarray(q).astype(x.dtype, copy=False)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if mode == "floor":
                return np.floor_divide(x, y)
            return np.trunc(np.true_divide(x, y))

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        return _zeros(g), _zeros(g), None


class Cumprod(Function):
    """Running product along ``dim``; its gradient is PyTorch's, exact where the input has
    zeros (then the division formula ``revcumsum(g * out) / a`` does not apply)."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, dim: int) -> np.ndarray:
        ctx.dim = dim
        x = a._data
        with np.errstate(invalid="ignore", over="ignore"):  # inf * 0 is NaN, as in PyTorch
            out = np.cumprod(x.reshape(1), 0).reshape(()) if x.ndim == 0 else np.cumprod(x, dim)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        a, out = ctx.saved_tensors
        if a.ndim == 0:
            return g, None
        d = ctx.dim
        zero = a._data == 0
        if not zero.any():
            return ReverseCumsum.apply(g * out, d, g.dtype) / a, None
        # PyTorch's two algorithms, chosen as PyTorch chooses (not a speed path: they give
        # different NaN/inf patterns on inf inputs, and PyTorch's first-order one is this)
        if not is_grad_enabled():
            return Tensor._make(_cumprod_grad_array(a._data, g._data, out._data, d),
                                False, None, 0), None
        return _cumprod_grad_exact(a, g, d), None


def _cumprod_grad_array(x: np.ndarray, g: np.ndarray, out: np.ndarray, d: int) -> np.ndarray:
    """The gradient of cumprod in O(n), where ``x`` has zeros (PyTorch's algorithm): before
    the first zero of a slice, ``revcumsum(g * out) / x``; at the first zero, the products of
    the elements since it; after it, 0."""
    zeros_so_far = np.cumsum(x == 0, axis=d)
    before = zeros_so_far == 0
    first = (x == 0) & (zeros_so_far == 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where(before, g * out, 0)
        rev = np.flip(np.cumsum(np.flip(w, d), axis=d), d)
        grad = np.where(before, rev / np.where(before, x, 1), 0)
    # at the first zero k: out[k-1] * sum_{k<=j<z2} g_j prod_{k<l<=j} x_l, with z2 the second
    # zero (the products from there on are 0)
    upto_second = zeros_so_far == 1
    inner = np.cumprod(np.where(upto_second & ~first, x, 1), axis=d)
    with np.errstate(invalid="ignore", over="ignore"):
        at_first = np.sum(np.where(upto_second, g * inner, 0), axis=d, keepdims=True)
        at_first = at_first * np.prod(np.where(before, x, 1), axis=d, keepdims=True)
    return np.where(first, at_first, grad).astype(x.dtype, copy=False)


def _cumprod_grad_exact(a: Tensor, g: Tensor, d: int) -> Tensor:
    """The gradient of cumprod as a polynomial in ``a`` (no division), so that it is itself
    differentiable everywhere: ``grad_i = sum_{j>=i} g_j prod_{l<=j, l!=i} a_l``, from the
    cumprod of an (n, n) matrix holding ``a`` with 1 on the diagonal. O(n^2) memory: used
    only for higher-order gradients of an input with zeros, as PyTorch does."""
    x, gg = a.transpose(d, -1), g.transpose(d, -1)
    n = x.shape[-1]
    eye = np.eye(n, dtype=bool)
    rows = x.unsqueeze(-2).expand(*x.shape[:-1], n, n)  # rows[..., i, l] = x_l
    prods = where(eye, 1.0, rows).cumprod(-1)  # prods[..., i, j] = prod_{l<=j, l!=i} x_l
    upper = np.triu(np.ones((n, n), dtype=bool))  # j >= i
    grad = (where(upper, prods, 0.0) * gg.unsqueeze(-2)).sum(-1)
    return grad.transpose(d, -1)




def _vector_norm_array(x: np.ndarray, ord: float, dims: tuple[int, ...] | None) -> np.ndarray:
    """The ``ord``-norm of ``x`` over ``dims``, keeping them as size-1 dims."""
    with np.errstate(all="ignore"):
        if ord == 2:
            return np.sqrt(np.sum(x * x, axis=dims, keepdims=True))
        if ord == 0:
            return np.sum(x != 0, axis=dims, keepdims=True).astype(x.dtype)
        ax = np.abs(x)
        if ord == 1:
            return np.sum(ax, axis=dims, keepdims=True)
        if ord == math.inf:
            return np.max(ax, axis=dims, keepdims=True)
        if ord == -math.inf:
            return np.min(ax, axis=dims, keepdims=True)
        return np.sum(ax**ord, axis=dims, keepdims=True) ** (1.0 / ord)


class VectorNorm(Function):
    """``sum(|a|**ord) ** (1/ord)`` over ``dims`` (``ord`` inf/-inf: max/min of ``|a|``; 0:
    the count of non-zeros). The gradient is PyTorch's ``norm_backward``: 0 at the origin
    for ord 2, shared evenly by ties for inf, none for ord 0."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, ord: float, dims: tuple[int, ...] | None,
                keepdim: bool) -> np.ndarray:
        x = a._data
        ctx.ord, ctx.dims = ord, dims
        ctx.kept = tuple(1 if dims is None or i in dims else s for i, s in enumerate(a.shape))
        out = np.asarray(_vector_norm_array(x, ord, dims), dtype=x.dtype)
        if not keepdim:
            out = out.reshape(tuple(s for i, s in enumerate(a.shape)
                                    if not (dims is None or i in dims)))
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        if ctx.ord == 0:
            return None, None, None, None
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):  # inf * 0 etc.
            return VectorNorm._grad(ctx, g), None, None, None

    @staticmethod
    def _grad(ctx: Context, g: Tensor) -> Tensor:
        """PyTorch's ``norm_backward`` for ``ord`` other than 0."""
        p = ctx.ord
        a, out = ctx.saved_tensors
        g, norm = g.reshape(ctx.kept), out.reshape(ctx.kept)
        x = a._data
        sign = np.nan_to_num(np.sign(x), nan=0.0).astype(x.dtype)  # PyTorch: sgn(NaN) is 0
        if p == 1:
            return g * sign
        if p in (math.inf, -math.inf):
            ax = np.abs(x)
            mask = (ax == norm._data) | np.isnan(ax)
            share = sign * mask / mask.sum(axis=ctx.dims, keepdims=True).astype(x.dtype)
            return g * share
        zero_norm = norm._data == 0
        safe_norm = where(zero_norm, 1.0, norm)
        if p == 2:
            return a * where(zero_norm, 0.0, g / safe_norm)
        at_zero = x == 0
        safe_abs = where(at_zero, 1.0, a.abs())  # |a|**(p-k) without inf at 0 for any p
        if p < 1:
            scaled = where(at_zero, 0.0, safe_abs ** (p - 1)) * sign
            return scaled * g * norm ** (1 - p)
        scale = where(zero_norm, 0.0, g / safe_norm ** (p - 1))
        if p < 2:
            scaled = where(at_zero, 0.0, safe_abs ** (p - 1)) * sign
        else:
            scaled = a * where(at_zero, 0.0, safe_abs ** (p - 2))
        return scaled * scale










def _svd(a: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if not np.all(np.isfinite(a)):
        raise RuntimeError("linalg.svd: The algorithm failed to converge because the input "
                           "matrix contained non-finite values.")
    return np.linalg.svd(a, full_matrices=False)


class Svd(Function):
    """The reduced SVD ``a = U diag(S) Vh`` of the matrices in the last two dims, three
    outputs. Its backward (PyTorch's formula for distinct, non-zero singular values) is
    written with Tensor ops on the saved outputs, so a function of the SVD can be
    differentiated any number of times; only a function that does not depend on the signs
    of the singular vectors (``U Vh``, ``S``) has a well-defined derivative."""

    @staticmethod
    def forward(ctx: Context, a: Tensor) -> tuple:
        u, s, vh = _svd(a._data)
        ctx.save_for_backward(u, s, vh)
        return u, s, vh

    @staticmethod
    def backward(ctx: Context, gu: Tensor, gs: Tensor, gvh: Tensor) -> tuple:
        u, s, vh = ctx.saved_tensors
        ut, v = u.mT, vh.mT
        eye = Tensor(np.eye(s.shape[-1], dtype=s.dtype))
        uhgu, vhgv = ut @ gu, vh @ gvh.mT
        uhgu, vhgv = uhgu - uhgu.mT, vhgv - vhgv.mT
        s2 = s * s
        gap = s2.unsqueeze(-2) - s2.unsqueeze(-1) + eye  # s_j^2 - s_i^2, 1 on the diagonal
        inner = (uhgu * s.unsqueeze(-2) + s.unsqueeze(-1) * vhgv) / gap + gs.unsqueeze(-1) * eye
        m, n = u.shape[-2], vh.shape[-1]
        if m > n:  # the part of gU outside U's columns
            gu_sinv = gu / s.unsqueeze(-2)
            return ((u @ inner + gu_sinv - u @ (ut @ gu_sinv)) @ vh,)
        if m < n:  # the part of gVh outside Vh's rows
            sinv_gvh = gvh / s.unsqueeze(-1)
            return (u @ (inner @ vh + sinv_gvh - (sinv_gvh @ v) @ vh),)
        return (u @ inner @ vh,)


class PolarFactor(Function):
    """``U V^T`` of ``a = U S V^T`` (reduced SVD of the matrices in the last two dims): the
    gradient of the nuclear norm. Its own gradient, the derivative of the polar factor, is
    ``U K V^T + (I - U U^T) G V S^-1 V^T + U S^-1 U^T G (I - V V^T)`` with
    ``K = (M - M^T) / (s_i + s_j)``, ``M = U^T G V`` (full-rank matrices): Tensor ops on
    ``Svd``'s outputs, so it is differentiable again (as far as ``Svd`` is: distinct
    singular values), while the formula itself holds for repeated ones too."""

    @staticmethod
    def forward(ctx: Context, a: Tensor) -> np.ndarray:
        ctx.save_for_backward(a)
        u, _, vh = _svd(a._data)
        return u @ vh

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        (a,) = ctx.saved_tensors
        u, s, vh = Svd.apply(a)
        ut, v = u.mT, vh.mT
        m = ut @ g @ v
        with np.errstate(divide="ignore", invalid="ignore"):
            k = (m - m.mT) / (s.unsqueeze(-1) + s.unsqueeze(-2))
            inv = 1 / s
        out = u @ k @ vh
        out = out + ((g @ v - u @ m) * inv.unsqueeze(-2)) @ vh
        out = out + (u * inv.unsqueeze(-2)) @ (ut @ g - m @ vh)
        return (out,)


class NuclearNorm(Function):
    """The sum of the singular values of the matrices in the last two dims; gradient
    ``g * U V^T`` (PolarFactor, so it can be differentiated again)."""

    @staticmethod
    def forward(ctx: Context, a: Tensor) -> np.ndarray:
        ctx.save_for_backward(a)
        if a._data.size == 0:
            return np.zeros(a.shape[:-2], a.dtype)
        return _svd(a._data)[1].sum(-1).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        (a,) = ctx.saved_tensors
        if a.numel() == 0:
            return (_zeros(a),)
        return (g.reshape(g.shape + (1, 1)) * PolarFactor.apply(a),)











def _letter_sizes(terms: Sequence[str], operands: Sequence[Tensor], out: str) -> dict[str, int]:
    """The size of each letter, where the operands' sizes agree or broadcast (size 1)."""
    sizes: dict[str, int] = {}
    for k, (term, t) in enumerate(zip(terms, operands)):
        for c, s in zip(term, t.shape):
            seen = sizes.get(c)
            if seen is not None and s != seen and 1 not in (s, seen):
                raise RuntimeError(
                    f"einsum: subscript {c} has size {s} for operand {k} which does not "
                    f"broadcast with previously seen size {seen} (equation "
                    f"{','.join(terms)}->{out})")
            sizes[c] = s if seen is None or seen == 1 else seen
    return sizes


def _broadcast_back(partial: Tensor, keep: str, unique: str, sizes: dict[str, int]) -> Tensor:
    """``partial``, indexed by the letters ``keep``, expanded over the other letters of
    ``unique``: the einsum of the gradient summed them away (the operand was the only one
    to have them), and every element along them gets the same gradient."""
    dims = iter(partial.shape)
    full = partial.reshape(tuple(next(dims) if c in keep else 1 for c in unique))
    return full.expand(*(sizes[c] for c in unique))


def _onto_diagonal(full: Tensor, term: str, sizes: dict[str, int]) -> Tensor:
    """The gradient of an operand whose ``term`` repeats a letter: ``full`` (indexed by the
    letters once each) on the diagonal where the repeated letters' indices are equal, 0
    elsewhere."""
    first = [term.index(c) == i for i, c in enumerate(term)]
    full = full.reshape(tuple(sizes[c] if f else 1 for c, f in zip(term, first)))
    grid = np.indices(tuple(sizes[c] for c in term), sparse=True)
    diag = np.ones((), dtype=bool)
    for i, c in enumerate(term):
        diag = diag & (grid[i] == grid[term.index(c)])
    return full * diag.astype(full.dtype)


class Einsum(Function):
    """``np.einsum`` over operands with one dtype; the gradient of each operand is another
    einsum, of the output's gradient with the other operands (broadcast back over the
    letters only that operand has, and onto the diagonal where it repeats a letter)."""

    @staticmethod
    def forward(ctx: Context, spec: tuple[tuple[str, ...], str], *operands: Tensor
                ) -> np.ndarray:
        terms, out = spec
        ctx.spec = spec
        ctx.save_for_backward(*operands)
        sizes = ctx.sizes = _letter_sizes(terms, operands, out)
        arrays = []
        for term, t in zip(terms, operands):  # stretch size-1 dims as PyTorch broadcasts
            want = tuple(sizes[c] for c in term)
            arrays.append(t._data if t.shape == want else np.broadcast_to(t._data, want))
        return np.asarray(np.einsum(f"{','.join(terms)}->{out}", *arrays, optimize=True))

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        terms = ctx.spec[0]
        operands = ctx.saved_tensors
        grads: list[Tensor | None] = [None]  # the spec gets none
        for k in range(len(terms)):
            grads.append(Einsum._operand_grad(ctx, g, operands, k)
                         if ctx.needs_input_grad[k + 1] else None)
        return tuple(grads)

    @staticmethod
    def _operand_grad(ctx: Context, g: Tensor, operands: Sequence[Tensor], k: int) -> Tensor:
        """The gradient of operand ``k``: an einsum of ``g`` with the other operands."""
        terms, out = ctx.spec
        term = terms[k]
        others = [t for i, t in enumerate(terms) if i != k]
        unique = "".join(dict.fromkeys(term))
        keep = "".join(c for c in unique if c in out or any(c in t for t in others))
        spec = ((out, *others), keep)
        partial = Einsum.apply(spec, g, *[o for i, o in enumerate(operands) if i != k])
        full = _broadcast_back(partial, keep, unique, ctx.sizes)
        if len(unique) != len(term):  # a repeated letter: onto the diagonal, 0 elsewhere
            full = _onto_diagonal(full, term, ctx.sizes)
        return full
