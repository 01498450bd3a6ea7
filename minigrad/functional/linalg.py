"""``matmul`` with numpy's rules for 1-D and batched operands (``ops.linalg.MatMul``), and
the vector products built on it: ``dot``, ``mv``, ``outer``; ``diag`` and ``trace``."""

from __future__ import annotations

import numpy as np

from ..dtypes import check_same_dtype
from ..ops.elementwise import where
from ..ops.linalg import MatMul
from ..ops.shape import pad
from ..tensor import Tensor, _operand, require_tensor


def matmul(a: object, b: object) -> Tensor:
    """``a @ b``. Two Tensors must share a dtype, as in PyTorch; a plain array or number
    takes the Tensor's dtype."""
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        check_same_dtype("matmul", "the first operand", a, "the second", b)
    elif isinstance(a, Tensor):
        b = _operand(b, a.dtype)
    else:
        a = _operand(a, b.dtype)
    return MatMul.apply(a, b)


def _check_vector(t: Tensor, fn: str, arg: str) -> Tensor:
    t = require_tensor(t, fn, arg)
    if t.ndim != 1:
        raise RuntimeError(f"{fn}: 1D tensors expected, but got {arg} of shape {t.shape}")
    return t


def dot(a: Tensor, b: Tensor) -> Tensor:
    """The inner product of two 1-D tensors of one size and dtype (``torch.dot``)."""
    a, b = _check_vector(a, "dot", "input"), _check_vector(b, "dot", "tensor")
    if a.shape != b.shape:
        raise RuntimeError(f"dot: inconsistent tensor size, expected tensor {list(a.shape)} "
                           f"and src {list(b.shape)} to have the same number of elements")
    return matmul(a, b)


def mv(mat: Tensor, vec: Tensor) -> Tensor:
    """A matrix times a vector (``torch.mv``)."""
    mat, vec = require_tensor(mat, "mv", "input"), _check_vector(vec, "mv", "vec")
    if mat.ndim != 2 or mat.shape[1] != vec.shape[0]:
        raise RuntimeError(f"mv: size mismatch, got input {mat.shape}, vec {vec.shape}")
    return matmul(mat, vec)


def outer(a: Tensor, b: Tensor) -> Tensor:
    """``a[i] * b[j]`` for two 1-D tensors (dtypes promoted, as ``torch.outer``)."""
    a, b = _check_vector(a, "outer", "input"), _check_vector(b, "outer", "vec2")
    return a.reshape(-1, 1) * b


def diag(a: Tensor, diagonal: int = 0) -> Tensor:
    """A 1-D tensor laid on the ``diagonal`` of a square matrix (zeros elsewhere), or the
    ``diagonal`` of a 2-D one as a 1-D tensor (``torch.diag``)."""
    a = require_tensor(a, "diag", "input")
    if a.ndim == 2:
        rows = np.arange(max(0, -diagonal), a.shape[0])
        rows = rows[rows + diagonal < a.shape[1]]
        return a[rows, rows + diagonal]
    if a.ndim != 1:
        raise RuntimeError(f"diag: supports 1D or 2D tensors, got shape {a.shape}")
    n, k = a.shape[0] + abs(diagonal), diagonal
    column = pad(a, (0, abs(k))).reshape((n, 1) if k >= 0 else (1, n))
    on = np.subtract.outer(np.arange(n), np.arange(n)) == -k  # column - row == k
    return where(on, column, Tensor(np.zeros((), a.dtype)))


def trace(a: Tensor) -> Tensor:
    """The sum of a matrix's main diagonal (integers summed in int64, as in PyTorch)."""
    a = require_tensor(a, "trace", "input")
    if a.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got a tensor of shape {a.shape}")
    return diag(a).sum()
