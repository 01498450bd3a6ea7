"""What the linear-algebra functions share: ``LinAlgError``, PyTorch's argument checks and
messages, and the small helpers their backward rules use (a gradient that was never asked
for, the identity, the finite check)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor, require_tensor

_TORCH_NAMES = {np.dtype(t): n for t, n in (
    (np.float32, "Float"), (np.float64, "Double"), (np.float16, "Half"), (np.int64, "Long"),
    (np.int32, "Int"), (np.int16, "Short"), (np.int8, "Char"), (np.uint8, "Byte"),
    (np.bool_, "Bool"))}


class LinAlgError(RuntimeError):
    """``torch.linalg.LinAlgError``: the input is one the algorithm cannot take (a singular
    matrix to invert or solve with, a matrix that is not positive-definite to factor, a
    non-finite one to decompose). A RuntimeError, so ``except RuntimeError`` catches it."""


def dtype_name(dtype: Any) -> str:
    """PyTorch's short name of a dtype (``Float``, ``Long``), as its messages spell it."""
    return _TORCH_NAMES.get(np.dtype(dtype), str(dtype))


def check_float(A: Tensor, name: str) -> None:  # noqa: N803  (PyTorch's name)
    """A float32 or float64 tensor: integers refused as PyTorch does, half precision too
    (PyTorch's CPU linear algebra has no kernels for it)."""
    if A.dtype.kind not in "fc":
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. "
                           f"Got {dtype_name(A.dtype)}")
    if A.dtype == np.float16:
        raise RuntimeError(f"{name}: Low precision dtypes not supported. Got Half")


def check_matrix(A: Any, name: str, arg: str = "A", *, square: bool = True,  # noqa: N803
                 floating: bool = True) -> Tensor:
    """``A`` as a batch of (square) matrices, with PyTorch's messages when it is not one."""
    A = require_tensor(A, name, arg)  # noqa: N806
    if A.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor {arg} must have at least 2 dimensions.")
    if floating:
        check_float(A, name)
    if square and A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"{name}: {arg} must be batches of square matrices, but they are "
                           f"{A.shape[-2]} by {A.shape[-1]} matrices")
    return A


def check_same_dtype(name: str, A: Tensor, B: Tensor) -> None:  # noqa: N803
    """``A`` and ``B`` of one dtype (PyTorch promotes nothing here)."""
    if A.dtype != B.dtype:
        raise RuntimeError(f"{name}: Expected A and B to have the same dtype, but found A of "
                           f"type {dtype_name(A.dtype)} and B of type {dtype_name(B.dtype)} "
                           "instead")


def check_finite(a: np.ndarray, name: str) -> None:
    """A decomposition of a matrix holding NaN or infinity fails in LAPACK: PyTorch's error."""
    if not np.all(np.isfinite(a)):
        raise LinAlgError(f"{name}: The algorithm failed to converge because the input "
                          "matrix contained non-finite values.")


def unused(g: Tensor) -> bool:
    """True for an output gradient the engine filled with zeros (the output was not used):
    PyTorch's backward sees it as undefined and takes its shorter formula."""
    return not g.requires_grad and not g._data.any()


def eye_like(n: int, dtype: Any) -> Tensor:
    """The ``n x n`` identity, a constant."""
    return Tensor(np.eye(n, dtype=dtype))


def batch_element(bad: np.ndarray) -> str:
    """PyTorch's ``(Batch element i): `` prefix for the first failing matrix of a batch."""
    if bad.ndim == 0:
        return ""
    return f"(Batch element {int(np.flatnonzero(bad.reshape(-1))[0])}): "


def nan_matrices(a: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """``a`` with each matrix holding a NaN replaced by the identity, and the mask of those
    matrices (None when there are none): LAPACK's LU reads NaN as a zero pivot, so numpy
    calls them singular, where PyTorch returns NaN; callers fill those results with NaN."""
    mask = np.isnan(a).any((-2, -1))
    if not mask.any():
        return a, None
    return np.where(mask[..., None, None], np.eye(a.shape[-1], dtype=a.dtype), a), mask


def fill_nan(out: np.ndarray, mask: np.ndarray | None, matrix: bool = True) -> np.ndarray:
    """``out`` with the results of the matrices ``mask`` marks set to NaN."""
    if mask is None:
        return out
    return np.where(mask[..., None, None] if matrix else mask, np.nan, out).astype(out.dtype)
