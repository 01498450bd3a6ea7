"""Matrix products: numpy's rules for 1-D and batched operands, and ``x @ w.T + b``."""

from __future__ import annotations

import math

import numpy as np

from .. import kernels
from ..autograd import Context, Function
from ..kernels import gemm
from ..tensor import Tensor


class MatMul(Function):
    """a @ b with numpy's rules (vectors, matrices, batches); gradients ``g @ b.T``, ``a.T @ g``."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, b: Tensor) -> np.ndarray:
        if a.ndim == 0 or b.ndim == 0:
            raise RuntimeError(
                f"matmul: both operands need at least 1 dimension, got shapes {a.shape} and "
                f"{b.shape}"
            )
        ctx.save_for_backward(a, b)
        try:
            return gemm.product(a._data, b._data)  # np.matmul, or split over threads
        except ValueError:
            k_a = a.shape[-1]
            k_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
            why = (f"{k_a} != {k_b}" if k_a != k_b else "batch dimensions do not broadcast")
            raise RuntimeError(
                f"matmul: shapes {a.shape} and {b.shape} cannot be multiplied ({why})"
            ) from None

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        a, b = ctx.saved_tensors
        if kernels.plain_backward():  # no graph of the gradient: the same products in numpy
            return gemm.matmul_grads(a._data, b._data, g._data, ctx.needs_input_grad)
        # treat 1-D operands as a row (a) or a column (b), as numpy does, then undo it
        a2 = a.unsqueeze(0) if a.ndim == 1 else a
        b2 = b.unsqueeze(-1) if b.ndim == 1 else b
        g2 = g.unsqueeze(-1) if b.ndim == 1 else g
        g2 = g2.unsqueeze(-2) if a.ndim == 1 else g2
        ga = gb = None
        if ctx.needs_input_grad[0]:
            ga = g2 @ b2.mT
            ga = ga.squeeze(-2) if a.ndim == 1 else ga
        if ctx.needs_input_grad[1]:
            gb = a2.mT @ g2
            gb = gb.squeeze(-1) if b.ndim == 1 else gb
        return ga, gb


class Linear(Function):
    """``x @ w.T + b``, the book's Affine in PyTorch's weight layout, each leading dim of ``x``
    a row: ``dx = g @ w``, ``dw = g.T @ x`` in the weight's own layout (``.grad`` needs no
    copy), ``db = sum(g)``. One node, not a transpose, a product and an add."""

    @staticmethod
    def forward(ctx: Context, x: Tensor, w: Tensor, b: Tensor | None) -> np.ndarray:
        ctx.save_for_backward(x, w)
        ctx.with_bias = b is not None
        y = gemm.product(x._data, w._data.T)
        if b is not None:
            y += b._data
        return y

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        x, w = ctx.saved_tensors
        if kernels.plain_backward():  # no graph of the gradient: the same products in numpy
            out = gemm.linear_grads(x._data, w._data, g._data, ctx.needs_input_grad, ctx.with_bias)
            return tuple(None if a is None else Tensor(a) for a in out)
        rows = g.reshape(math.prod(g.shape[:-1]), w.shape[0])  # not -1: zero sizes need all
        gx = g @ w if ctx.needs_input_grad[0] else None
        gw = rows.mT @ x.reshape(rows.shape[0], w.shape[1]) if ctx.needs_input_grad[1] else None
        gb = rows.sum(0) if ctx.with_bias and ctx.needs_input_grad[2] else None
        return gx, gw, gb
