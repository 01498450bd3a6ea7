"""BLAS's "scaled product plus scaled input" functions, as PyTorch names them: ``addmm``,
``addbmm``, ``baddbmm``, ``addmv`` and ``addr``, each ``beta * input + alpha * product``.

Programs port them from PyTorch code written for speed (a fused GEMM there); here each is
the product through ``matmul`` and two scalings, so the gradients are the product's and
``beta`` times the upstream gradient. With ``beta=0`` the input is not read: NaN and inf
in it do not reach the result (PyTorch's rule), and its gradient is zero.
"""

from __future__ import annotations

import numpy as np

from ..ops.elementwise import where
from ..tensor import Tensor, require_tensor
from .linalg import matmul


def _scaled_sum(fn: str, input: Tensor, product: Tensor,  # noqa: A002  (PyTorch's name)
                beta: float, alpha: float) -> Tensor:
    """``beta * input + alpha * product``, ``input`` broadcast to the product's shape."""
    input = require_tensor(input, fn, "input")
    try:
        np.broadcast_shapes(input.shape, product.shape)
    except ValueError:
        raise RuntimeError(f"{fn}: the input of shape {tuple(input.shape)} cannot be "
                           f"broadcast to the product's shape {tuple(product.shape)}") from None
    if input.dtype != product.dtype:
        raise RuntimeError(f"{fn}: expected the input and the product to have the same "
                           f"dtype, got {input.dtype} and {product.dtype}")
    if alpha != 1:
        product = product * alpha
    if beta == 0:  # not read: zeros of its shape in the graph, so its gradient is zero
        input = where(np.zeros((), bool), input, Tensor(np.zeros((), input.dtype)))
    elif beta != 1:
        input = input * beta
    out = input + product
    return out if out.shape == product.shape else out.expand(product.shape)


def _operands(fn: str, a: Tensor, a_name: str, a_ndim: int, b: Tensor, b_name: str,
              b_ndim: int, fits: bool | None = None) -> tuple[Tensor, Tensor]:
    """The two factors, checked: Tensors of the ranks the product takes, inner sizes equal
    (``fits`` says so where it is not ``a``'s last against ``b``'s first)."""
    a, b = require_tensor(a, fn, a_name), require_tensor(b, fn, b_name)
    for t, name, nd in ((a, a_name, a_ndim), (b, b_name, b_ndim)):
        if t.ndim != nd:
            raise RuntimeError(f"{fn}: {name} must be a {nd}-D tensor, got a {t.ndim}-D "
                               f"tensor of shape {tuple(t.shape)}")
    if not (a.shape[-1] == b.shape[0] if fits is None else fits):
        raise RuntimeError(f"{fn}: {a_name} and {b_name} shapes cannot be multiplied "
                           f"({tuple(a.shape)} and {tuple(b.shape)})")
    return a, b


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *,  # noqa: A002  (PyTorch's names)
          beta: float = 1, alpha: float = 1) -> Tensor:
    """``beta * input + alpha * (mat1 @ mat2)``, ``mat1`` (n, m) and ``mat2`` (m, p)."""
    mat1, mat2 = _operands("addmm", mat1, "mat1", 2, mat2, "mat2", 2)
    return _scaled_sum("addmm", input, matmul(mat1, mat2), beta, alpha)


def _batches(fn: str, batch1: Tensor, batch2: Tensor) -> tuple[Tensor, Tensor]:
    b1, b2 = require_tensor(batch1, fn, "batch1"), require_tensor(batch2, fn, "batch2")
    fits = b1.ndim == b2.ndim == 3 and b1.shape[0] == b2.shape[0] and b1.shape[2] == b2.shape[1]
    return _operands(fn, b1, "batch1", 3, b2, "batch2", 3, fits)


def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *,  # noqa: A002  (PyTorch's names)
            beta: float = 1, alpha: float = 1) -> Tensor:
    """``beta * input + alpha * (batch1 @ batch2)``: (b, n, p), one product per batch."""
    batch1, batch2 = _batches("baddbmm", batch1, batch2)
    return _scaled_sum("baddbmm", input, matmul(batch1, batch2), beta, alpha)


def addbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *,  # noqa: A002  (PyTorch's names)
           beta: float = 1, alpha: float = 1) -> Tensor:
    """``beta * input + alpha * sum_i(batch1[i] @ batch2[i])``: one (n, p) matrix."""
    batch1, batch2 = _batches("addbmm", batch1, batch2)
    return _scaled_sum("addbmm", input, matmul(batch1, batch2).sum(0), beta, alpha)


def addmv(input: Tensor, mat: Tensor, vec: Tensor, *,  # noqa: A002  (PyTorch's names)
          beta: float = 1, alpha: float = 1) -> Tensor:
    """``beta * input + alpha * (mat @ vec)``, ``mat`` (n, m) and ``vec`` (m,)."""
    mat, vec = _operands("addmv", mat, "mat", 2, vec, "vec", 1)
    return _scaled_sum("addmv", input, matmul(mat, vec), beta, alpha)


def addr(input: Tensor, vec1: Tensor, vec2: Tensor, *,  # noqa: A002  (PyTorch's names)
         beta: float = 1, alpha: float = 1) -> Tensor:
    """``beta * input + alpha * outer(vec1, vec2)``."""
    vec1, vec2 = _operands("addr", vec1, "vec1", 1, vec2, "vec2", 1, fits=True)
    return _scaled_sum("addr", input, vec1.reshape(-1, 1) * vec2, beta, alpha)
