"""Norm-based functions with PyTorch's signatures: ``dist`` (the p-norm of a difference)
and ``renorm`` (sub-tensors whose norm exceeds a limit scaled down to it). Both are
``vector_norm`` composed with broadcasting arithmetic, so their gradients are autograd's,
PyTorch's formulas included (``renorm``'s factor ``maxnorm / (norm + 1e-7)``).

    >>> import minigrad as mg
    >>> mg.dist(mg.tensor([0.0, 0.0]), mg.tensor([3.0, 4.0]))
    tensor(5.)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..ops.elementwise import where
from ..ops.shape import normalize_dim
from ..tensor import Tensor, require_tensor
from .elementwise import _operands
from .numeric import vector_norm


def _floating(t: Tensor, fn: str) -> Tensor:
    if t.dtype.kind != "f":
        raise RuntimeError(f"{fn}: expected a floating point tensor as input, got {t.dtype}")
    return t


def dist(input: Tensor, other: Tensor, p: float = 2) -> Tensor:  # noqa: A002
    """``vector_norm(input - other, p)``: the p-norm of the broadcast difference (``p`` any
    number, ``inf`` or 0)."""
    require_tensor(other, "dist", "other")
    x, y = _operands(input, other, "dist", scalar_first=False)
    return vector_norm(_floating(x, "dist") - y, p)


def renorm(input: Tensor, p: float, dim: int, maxnorm: float) -> Tensor:  # noqa: A002
    """Each sub-tensor along ``dim`` (``input.select(dim, i)``) whose ``p``-norm exceeds
    ``maxnorm`` scaled by ``maxnorm / (norm + 1e-7)``, the others unchanged."""
    a = _floating(require_tensor(input, "renorm", "input"), "renorm")
    if a.ndim < 2:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {a.ndim} "
                           f"dimensions")
    if not p > 0:
        raise RuntimeError(f"renorm: non-positive-norm not supported (p={p})")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    d = normalize_dim(dim, a.ndim, "renorm")
    others = tuple(i for i in range(a.ndim) if i != d)
    norm = vector_norm(a, p, others, keepdim=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = where(norm._data > maxnorm, maxnorm / (norm + 1e-7), 1.0)
    return a * factor


def _renorm_(self: Tensor, p: float, dim: int, maxnorm: float) -> Tensor:
    """``renorm`` written into ``self``."""
    from ..tensor import _inplace

    return _inplace(self, "renorm_", lambda t: renorm(t, p, dim, maxnorm))


def _dist_method(self: Tensor, other: Tensor, p: Any = 2) -> Tensor:
    """``minigrad.dist(self, other, p)``."""
    return dist(self, other, p)


TENSOR_METHODS = {"dist": _dist_method, "renorm": renorm, "renorm_": _renorm_}
"""What ``minigrad.tensor_methods`` installs on ``Tensor``."""
