"""Reductions with PyTorch's signatures: mean, var/std, max/min with indices, argmax/argmin;
all/any, nansum/nanmean, var_mean/std_mean, and the statistics cov and corrcoef.

``dim`` may be an int, a tuple or None (all dims), negative dims count from the end, and
``keepdim`` keeps the reduced dims as size 1. The Functions are in ``minigrad.ops.reduce``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from ..ops.elementwise import where
from ..ops.reduce import Amax, MaxDim, Var, _check_nonempty, _count, normalize_dims
from ..ops.shape import normalize_dim
from ..tensor import MaxResult, Tensor, require_tensor
from .strided import diagonal


def mean(a: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """Mean over ``dim``: the sum divided by the number of elements reduced."""
    n = _count(a, dim, "mean")  # first, so a bad dim is reported as mean's
    return a.sum(dim, keepdim) / n


def var(
    a: Tensor, dim: Any = None, keepdim: bool = False, correction: float = 1, std: bool = False
) -> Tensor:
    """Variance (or with ``std=True`` standard deviation) with Bessel's ``correction``."""
    return Var.apply(a, dim, keepdim, correction, std)


def extreme(a: Tensor, dim: int | None, keepdim: bool, largest: bool) -> Tensor | MaxResult:
    """``max``/``min``: a value over everything, or ``(values, indices)`` along an int dim."""
    if dim is None:
        return Amax.apply(a, largest=largest)
    if isinstance(dim, (tuple, list)):
        return Amax.apply(a, dim=tuple(dim), keepdim=keepdim, largest=largest)
    values = MaxDim.apply(a, dim, keepdim, largest)
    indices = Tensor._make(values.grad_fn.indices if values.grad_fn else _indices(
        a, dim, keepdim, largest), False, None, 0)
    return MaxResult(values, indices)


def _indices(a: Tensor, dim: int, keepdim: bool, largest: bool) -> np.ndarray:
    return arg_extreme(np.argmax if largest else np.argmin, a, dim, keepdim)._data


def arg_extreme(op: Callable, a: Tensor, dim: int | None, keepdim: bool) -> Tensor:
    """``argmax``/``argmin`` (``op``) over everything or along ``dim``, as int64; no gradient."""
    name = op.__name__
    _check_nonempty(a, None if dim is None else normalize_dims(dim, a.ndim, name), name)
    if dim is None:
        out = np.asarray(op(a._data))
        if keepdim:
            out = out.reshape((1,) * a.ndim)
    else:
        d = normalize_dim(dim, a.ndim, name)
        out = np.asarray(op(a._data, axis=d, keepdims=keepdim) if a.ndim else 0)
    return Tensor._make(out.astype(np.int64), False, None, 0)


def logical_reduce(name: str, a: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """``all``/``any`` over ``dim`` (None: everything): bool, or uint8 for a uint8 input, as
    PyTorch's; outside any graph."""
    a = require_tensor(a, name, "input")
    dims = normalize_dims(dim, a.ndim, name)
    out = np.asarray(getattr(np, name)(a._data, axis=dims, keepdims=keepdim))
    return Tensor._make(out.astype(np.uint8) if a.dtype == np.uint8 else out, False, None, 0)


def nansum(input: Tensor, dim: Any = None, keepdim: bool = False, *,  # noqa: A002
           dtype: Any = None) -> Tensor:
    """The sum over ``dim`` with NaN counted as zero (integers and bools sum in int64); the
    gradient is 0 at the NaNs."""
    a = require_tensor(input, "nansum", "input")
    if dtype is not None:
        a = a.to(dtype)
    elif a.dtype.kind in "biu":
        a = a.to(np.int64)
    if a.dtype.kind == "f":
        a = where(np.isnan(a._data), 0.0, a)
    return a.sum(dim, keepdim)


def nanmean(input: Tensor, dim: Any = None, keepdim: bool = False, *,  # noqa: A002
            dtype: Any = None) -> Tensor:
    """The mean over ``dim`` of the elements that are not NaN (NaN where there are none)."""
    a = require_tensor(input, "nanmean", "input")
    if a.dtype.kind not in "fc":
        raise RuntimeError(f"nanmean: expected input to have floating point or complex dtype "
                           f"but got {a.dtype}")
    kept = Tensor._make(~np.isnan(a._data), False, None, 0).sum(dim, keepdim)
    return nansum(a, dim, keepdim, dtype=dtype) / kept


def _moments(name: str, input: Any, dim: Any, unbiased: Any, keepdim: bool,
             correction: Any) -> tuple[Tensor, Tensor]:
    """``var_mean``/``std_mean``: PyTorch's three spellings of the correction (``unbiased``
    positional or by name, a bool in ``dim``'s place, or ``correction=``)."""
    a = require_tensor(input, name, "input")
    if isinstance(dim, (bool, np.bool_)):
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(f"{name}: got both 'unbiased' and 'correction'")
    if a.dtype.kind not in "fc":
        raise RuntimeError(f"{name}: only supports floating point and complex dtypes, got "
                           f"{a.dtype}")
    if correction is None:
        correction = 1 if unbiased is None else int(unbiased)
    normalize_dims(dim, a.ndim, name)  # a bad dim reported under this name
    spread = Var.apply(a, dim, keepdim, correction, name == "std_mean")
    return spread, mean(a, dim, keepdim)


def var_mean(input: Tensor, dim: Any = None, unbiased: bool | None = None,  # noqa: A002
             keepdim: bool = False, *, correction: float | None = None
             ) -> tuple[Tensor, Tensor]:
    """``(var, mean)`` over ``dim`` in one call (``correction=1``: the unbiased variance)."""
    return _moments("var_mean", input, dim, unbiased, keepdim, correction)


def std_mean(input: Tensor, dim: Any = None, unbiased: bool | None = None,  # noqa: A002
             keepdim: bool = False, *, correction: float | None = None
             ) -> tuple[Tensor, Tensor]:
    """``(std, mean)`` over ``dim`` in one call."""
    return _moments("std_mean", input, dim, unbiased, keepdim, correction)


def _cov_weights(fweights: Any, aweights: Any, n: int) -> Tensor | None:
    """The product of ``fweights`` (integers) and ``aweights`` (floats), each checked as
    PyTorch checks them; None without either."""
    w = None
    for name, t, kinds, what in (("fweights", fweights, "iu", "integral"),
                                 ("aweights", aweights, "f", "floating point")):
        if t is None:
            continue
        t = require_tensor(t, "cov", name)
        if t.ndim > 1:
            raise RuntimeError(f"cov: expected {name} to have one or fewer dimensions but got "
                               f"{name} with {t.ndim} dimensions")
        if t.dtype.kind not in kinds:
            raise RuntimeError(f"cov: expected {name} to have {what} dtype but got {name} "
                               f"with {t.dtype} dtype")
        if t.numel() != n:
            raise RuntimeError(f"cov: expected {name} to have the same numel as there are "
                               f"observations in the input but got {t.numel()} != {n}")
        if n and t._data.min() < 0:
            raise RuntimeError(f"cov: {name} cannot be negative")
        w = t if w is None else w * t
    return w


def cov(input: Tensor, *, correction: int = 1, fweights: Tensor | None = None,  # noqa: A002
        aweights: Tensor | None = None) -> Tensor:
    """The covariance matrix of the variables in the rows of ``input`` (observations in the
    columns; a 1-D input is one variable), weighted by ``fweights`` (repeat counts) and
    ``aweights`` (importance), divided by the weights' sum less ``correction``, with
    PyTorch's formula (``torch.cov``); 0 degrees of freedom warn and give inf/NaN."""
    a = _cov_input(input, correction)
    x = a.reshape(1, -1) if a.ndim < 2 else a
    w = _cov_weights(fweights, aweights, x.shape[1])
    total = x.shape[1] if w is None else w.sum()
    if w is not None and not total._data:
        raise RuntimeError("cov: weights sum to zero, can't be normalized")
    centred = x - ((x if w is None else x * w).sum(1) / total).unsqueeze(1)
    other = centred if w is None else centred * w
    dof = _degrees_of_freedom(total, w, aweights, correction)
    return (centred @ other.to(centred.dtype).t() / dof).squeeze()


def _degrees_of_freedom(total: Any, w: Tensor | None, aweights: Tensor | None,
                        correction: int) -> Any:
    """What cov divides by: the weights' sum less ``correction`` (scaled by the
    ``aweights``); 0, with PyTorch's warning, where that is not positive."""
    if w is not None and aweights is not None and correction:
        dof = total - correction * (w * aweights).sum() / total
    else:
        dof = total - correction
    if dof <= 0:
        warnings.warn("cov: degrees of freedom is <= 0. Correction should be strictly less "
                      "than the number of observations.", UserWarning, stacklevel=3)
        dof = dof * 0
    return dof


def _cov_input(input: Any, correction: Any) -> Tensor:  # noqa: A002
    """The input of ``cov`` (at most 2-D, not bool) and an int ``correction``, as PyTorch checks."""
    a = require_tensor(input, "cov", "input")
    if a.ndim > 2:
        raise RuntimeError(f"cov: expected input to have two or fewer dimensions but got an "
                           f"input with {a.ndim} dimensions")
    if a.dtype == np.bool_:
        raise RuntimeError("cov: bool dtype is not supported for input")
    if not isinstance(correction, (int, np.integer)) or isinstance(correction, bool):
        raise TypeError(f"cov: argument 'correction' must be int, not "
                        f"{type(correction).__name__}")
    return a


def corrcoef(input: Tensor) -> Tensor:  # noqa: A002
    """The Pearson correlation coefficients of the variables in the rows of ``input``:
    ``cov`` divided by the outer product of the standard deviations, clipped to [-1, 1]."""
    a = require_tensor(input, "corrcoef", "input")
    if a.ndim > 2:
        raise RuntimeError(f"corrcoef: expected input to have two or fewer dimensions but got "
                           f"an input with {a.ndim} dimensions")
    c = cov(a)
    if c.ndim == 0:
        return c / c
    std = diagonal(c).sqrt()
    return (c / std.reshape(-1, 1) / std.reshape(1, -1)).clamp(-1, 1)
