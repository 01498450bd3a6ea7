"""``matmul`` with numpy's rules for 1-D and batched operands (``ops.linalg.MatMul``)."""

from __future__ import annotations

from ..dtypes import check_same_dtype
from ..ops.linalg import MatMul
from ..tensor import Tensor, _operand


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
