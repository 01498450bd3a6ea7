"""``torch.prod``: the product of all elements, or along one dim, with PyTorch's gradient.

Without zeros the gradient is ``g * prod / x``; where a slice has zeros, PyTorch's
``prod_safe_zeros_backward``: ``g`` times the product of the other elements, built from
two exclusive running products (``cumprod`` from the left and from the right), so one zero
gets the product of the rest and several zeros give zeros. Both rules are Tensor ops, so
the gradient is differentiable again (``create_graph=True``, gradgradcheck).

    >>> import minigrad as mg
    >>> x = mg.tensor([2.0, 0.0, 3.0], requires_grad=True)
    >>> mg.prod(x).backward()
    >>> x.grad
    tensor([0., 6., 0.])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Context, Function
from ..ops.shape import normalize_dim
from ..tensor import Tensor, _dtype_of, require_tensor
from .numeric import cumprod
from .shape import cat


class Prod(Function):
    """The product along ``dim`` (of a tensor with at least one dim)."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, dim: int, keepdim: bool) -> np.ndarray:
        ctx.dim, ctx.keepdim = dim, keepdim
        ctx.save_for_backward(a)
        with np.errstate(over="ignore", invalid="ignore"):  # inf * 0 is NaN, as in PyTorch
            return np.asarray(np.prod(a._data, axis=dim, keepdims=keepdim, dtype=a.dtype))

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        (a,) = ctx.saved_tensors
        d = ctx.dim
        if not ctx.keepdim:
            g = g.unsqueeze(d)
        with np.errstate(divide="ignore", invalid="ignore"):
            if not (a._data == 0).any():
                return g * (Prod.apply(a, d, True) / a), None, None
            return g * _product_of_others(a, d), None, None


def _product_of_others(a: Tensor, d: int) -> Tensor:
    """For each element, the product of the other elements of its slice along ``d``: the
    exclusive running product from the left times the one from the right (no division)."""
    n = a.shape[d]
    ones = Tensor._make(np.ones(a.shape[:d] + (1,) + a.shape[d + 1:], a.dtype), False, None, 0)
    left = cumprod(cat([ones, a.narrow(d, 0, n - 1)], d), d)
    right = cumprod(cat([ones, a.narrow(d, 1, n - 1).flip(d)], d), d).flip(d)
    return left * right


def prod(input: Tensor, dim: int | None = None, keepdim: bool = False, *,  # noqa: A002
         dtype: Any = None) -> Tensor:
    """The product of all elements (``dim`` None) or along ``dim`` (``keepdim`` keeps it as
    size 1); integer and bool inputs multiply in int64, ``dtype`` casts the input first.
    ``prod`` of an empty slice is 1."""
    a = require_tensor(input, "prod", "input")
    if dtype is not None:
        a = a.to(_dtype_of(dtype, "prod"))
    elif a.dtype.kind in "biu":
        a = a.to(np.int64)
    if dim is None:
        if keepdim:
            raise TypeError("prod: argument 'keepdim' needs an int 'dim' (got dim=None)")
        return Prod.apply(a.reshape(-1), 0, False)
    if isinstance(dim, (bool, np.bool_)) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"prod: argument 'dim' must be int, not {type(dim).__name__}")
    d = normalize_dim(dim, a.ndim, "prod")
    if a.ndim == 0:
        return a.clone()
    return Prod.apply(a, d, bool(keepdim))


TENSOR_METHODS = {"prod": prod}
"""What ``minigrad.tensor_methods`` installs on ``Tensor`` (``t.prod(dim, keepdim)``)."""
