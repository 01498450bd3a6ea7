"""``minigrad.special``, PyTorch's ``torch.special``: the gamma family (``gammaln``,
``digamma``, ``polygamma``, ``multigammaln``, ``zeta``, ``gammainc``), the error function
family (``erfc``, ``erfcx``, ``erfinv``, ``ndtr``, ``ndtri``, ``log_ndtr``), the modified
Bessel functions ``i0``, ``i0e``, ``i1``, ``i1e`` and ``entr``, ``sinc``, ``xlog1py``,
``exp2``, beside ``expit``, ``logit``, ``softmax``... under that module's names.

The numbers come from ``minigrad/special_math.py`` (numpy, no scipy); each function here is
an autograd Function with PyTorch's derivative, written in Tensor ops so it is
differentiable again. Integer inputs give the default float dtype, as in PyTorch.

    >>> import minigrad as torch
    >>> torch.special.expit(torch.tensor([0.0]))
    tensor([0.5000])
    >>> torch.special.gammaln(torch.tensor([0.5, 4.0]))
    tensor([0.5724, 1.7918])
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from . import special_math as _sm
from .autograd import Context, Function
from .functional.elementwise import _as_float, _operands, logit, xlogy
from .functional.numeric import log1p, round  # noqa: A004
from .ops import where
from .tensor import Tensor, require_tensor

__all__ = ["digamma", "entr", "erf", "erfc", "erfcx", "erfinv", "exp2", "expit", "expm1",
           "gammainc", "gammaincc", "gammaln", "i0", "i0e", "i1", "i1e", "log1p", "log_ndtr",
           "log_softmax", "logit", "logsumexp", "multigammaln", "ndtr", "ndtri", "polygamma",
           "psi", "round", "sinc", "softmax", "xlog1py", "xlogy", "zeta"]

_SQRT_PI = math.sqrt(math.pi)
_LN2 = math.log(2.0)
_TORCH_INT_NAMES = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char",
                    "uint8": "Byte", "bool": "Bool"}


# -- the autograd Functions: one numpy function of special_math and its derivative --------

def _unary(name: str, compute: Callable[[np.ndarray], np.ndarray],
           derivative: Callable[[Tensor, Tensor], Tensor]) -> type[Function]:
    """A Function class ``name`` whose forward is ``compute`` on the array and whose
    backward is ``derivative(x, grad)`` (Tensor ops, so differentiable again)."""

    def forward(ctx: Context, x: Tensor) -> np.ndarray:
        ctx.save_for_backward(x)
        return compute(x._data)

    def backward(ctx: Context, g: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        return derivative(x, g)

    doc = f"``{compute.__name__.strip('_')}`` elementwise; its gradient as PyTorch's."
    return type(name, (Function,), {"forward": staticmethod(forward),
                                    "backward": staticmethod(backward), "__doc__": doc})


def _tiny_safe(x: Tensor) -> tuple[np.ndarray, Tensor]:
    """``|x| > eps`` and ``x`` with the rest replaced by ``eps`` (PyTorch's I1 backward)."""
    eps = float(np.finfo(x.dtype).eps)
    keep = np.abs(x._data) > eps
    return keep, where(keep, x, eps)


def _i1_derivative(x: Tensor, g: Tensor) -> Tensor:
    keep, safe = _tiny_safe(x)
    return g * where(keep, I0.apply(safe) - I1.apply(safe) / safe, 0.5)


def _i1e_derivative(x: Tensor, g: Tensor) -> Tensor:
    keep, safe = _tiny_safe(x)
    return g * where(keep, I0e.apply(safe) - I1e.apply(safe) * (safe.sign() + 1.0 / safe), 0.5)


def _sinc_derivative(x: Tensor, g: Tensor) -> Tensor:
    zero = x._data * x._data * math.pi == 0  # (pi x cos(pi x) - sin(pi x)) / (pi x**2),
    # 0 where pi x**2 underflows, as PyTorch's
    safe = where(zero, 1.0, x)
    px = safe * math.pi
    return g * where(zero, 0.0, (px * px.cos() - px.sin()) / (px * safe))


def _entr(a: np.ndarray) -> np.ndarray:
    """``-x log x``: 0 at 0, -inf below (PyTorch's values)."""
    with np.errstate(all="ignore"):
        out = np.where(a > 0, -a * np.log(np.where(a > 0, a, 1)), -np.inf)
    out = np.where(a == 0, 0.0, out)
    return np.where(np.isnan(a), a, out).astype(a.dtype, copy=False)


def _sinc(a: np.ndarray) -> np.ndarray:
    """``sin(pi x) / (pi x)``, 1 at 0."""
    x = a.astype(np.float64)
    with np.errstate(all="ignore"):
        px = np.pi * np.where(x == 0, 1.0, x)
        return np.where(x == 0, 1.0, np.sin(px) / px).astype(a.dtype, copy=False)


Lgamma = _unary("Lgamma", _sm.lgamma, lambda x, g: g * Digamma.apply(x))
Digamma = _unary("Digamma", _sm.digamma, lambda x, g: g * Polygamma.apply(x, 1))
Erfc = _unary("Erfc", _sm.erfc, lambda x, g: g * (-(x * x)).exp() * (-2.0 / _SQRT_PI))
Erfcx = _unary("Erfcx", _sm.erfcx,
               lambda x, g: g * (2.0 * x * Erfcx.apply(x) - 2.0 / _SQRT_PI))
Erfinv = _unary("Erfinv", _sm.erfinv,
                lambda x, g: g * Erfinv.apply(x).square().exp() * (0.5 * _SQRT_PI))
Ndtri = _unary("Ndtri", _sm.ndtri,
               lambda x, g: g * (Ndtri.apply(x).square() * 0.5).exp() * math.sqrt(2 * math.pi))
LogNdtr = _unary("LogNdtr", _sm.log_ndtr, lambda x, g: g * (
    -(LogNdtr.apply(x) + x * x * 0.5)).exp() / math.sqrt(2 * math.pi))
I0 = _unary("I0", _sm.i0, lambda x, g: g * I1.apply(x))
I0e = _unary("I0e", _sm.i0e, lambda x, g: g * (I1e.apply(x) - x.sign() * I0e.apply(x)))
I1 = _unary("I1", _sm.i1, _i1_derivative)
I1e = _unary("I1e", _sm.i1e, _i1e_derivative)
Exp2 = _unary("Exp2", np.exp2, lambda x, g: g * Exp2.apply(x) * _LN2)
Entr = _unary("Entr", _entr, lambda x, g: g * -(1.0 + x.log()))
Sinc = _unary("Sinc", _sinc, _sinc_derivative)


class Xlog1py(Function):
    """``x log1p(y)``, 0 where ``x`` is 0 (PyTorch's kernel: NaN ``y`` first)."""

    @staticmethod
    def forward(ctx: Context, x: Tensor, y: Tensor) -> np.ndarray:
        ctx.save_for_backward(x, y)
        a, b = x._data, y._data
        with np.errstate(all="ignore"):
            out = np.where(a == 0, np.zeros_like(a), a * np.log1p(b))
        return np.where(np.isnan(b), b, out).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple[Tensor, Tensor]:
        x, y = ctx.saved_tensors
        cut = (x._data == 0) & (y._data <= -1)
        with np.errstate(all="ignore"):
            return g * where(cut, 0.0, log1p(y)), g * x / (1.0 + y)


class Logaddexp2(Function):
    """``log2(2**a + 2**b)`` as PyTorch's kernel: the larger plus ``log1p(2**-|a - b|) /
    ln 2`` (equal infinities give themselves); gradients ``1 / (1 + 2**(b - a))``..."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, b: Tensor) -> np.ndarray:
        ctx.save_for_backward(a, b)
        x, y = np.broadcast_arrays(a._data, b._data)
        with np.errstate(all="ignore"):
            out = np.maximum(x, y) + np.log1p(np.exp2(-np.abs(x - y))) / _LN2
            return np.where(np.isinf(x) & (x == y), x, out).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple[Tensor, Tensor]:
        a, b = ctx.saved_tensors
        with np.errstate(all="ignore"):
            return g / (1.0 + Exp2.apply(b - a)), g / (1.0 + Exp2.apply(a - b))


class Polygamma(Function):
    """The ``n``-th derivative of digamma; its gradient is the ``n + 1``-th."""

    @staticmethod
    def forward(ctx: Context, x: Tensor, n: int) -> np.ndarray:
        ctx.save_for_backward(x)
        ctx.n = n
        return _sm.polygamma(n, x._data)

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple[Tensor, None]:
        (x,) = ctx.saved_tensors
        return g * Polygamma.apply(x, ctx.n + 1), None


def _not_implemented(op: str, arg: str) -> NotImplementedError:
    return NotImplementedError(f"{op}: the derivative for '{op}: {arg}' is not implemented")


class Igamma(Function):
    """The regularized incomplete gamma ``P(a, x)`` (``upper``: ``Q``); the gradient in
    ``x`` is ``+-x**(a-1) exp(-x) / Gamma(a)``; in ``a`` PyTorch has none (it raises)."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, x: Tensor, upper: bool) -> np.ndarray:
        ctx.save_for_backward(a, x)
        ctx.upper = upper
        fn = _sm.igammac if upper else _sm.igamma
        return fn(a._data, x._data).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple[Tensor | None, Tensor, None]:
        a, x = ctx.saved_tensors
        if ctx.needs_input_grad[0]:
            raise _not_implemented("igammac" if ctx.upper else "igamma", "input")
        dx = g * ((a - 1.0) * x.log() - x - Lgamma.apply(a)).exp()
        return None, -dx if ctx.upper else dx, None


class Zeta(Function):
    """Hurwitz's ``zeta(s, q)``; the gradient in ``q`` is ``-s zeta(s + 1, q)``, in ``s``
    PyTorch has none (it raises)."""

    @staticmethod
    def forward(ctx: Context, s: Tensor, q: Tensor) -> np.ndarray:
        ctx.save_for_backward(s, q)
        return _sm.zeta(s._data, q._data).astype(s.dtype, copy=False)

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple[None, Tensor]:
        s, q = ctx.saved_tensors
        if ctx.needs_input_grad[0]:
            raise _not_implemented("zeta", "input")
        return None, g * -s * Zeta.apply(s + 1.0, q)


# -- the PyTorch-signature functions ------------------------------------------------------

def _float_input(input: Any, op: str) -> Tensor:  # noqa: A002
    (x,) = _as_float(require_tensor(input, op, "input"))
    return x


def gammaln(input: Tensor) -> Tensor:  # noqa: A002
    """``log |Gamma(x)|`` (``torch.lgamma``): +inf at 0 and the negative integers; the
    gradient is ``digamma(x)``."""
    return Lgamma.apply(_float_input(input, "lgamma"))


def digamma(input: Tensor) -> Tensor:  # noqa: A002
    """``psi(x) = Gamma'(x) / Gamma(x)``: -inf at 0, NaN at the negative integers; the
    gradient is ``polygamma(1, x)``."""
    return Digamma.apply(_float_input(input, "digamma"))


psi = digamma


def polygamma(n: int, input: Tensor) -> Tensor:  # noqa: A002
    """The ``n``-th derivative of ``digamma`` (``n = 0`` is digamma itself)."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"polygamma: argument 'n' must be int, not {type(n).__name__}")
    if n < 0:
        raise RuntimeError(f"polygamma: polygamma(n, x) does not support negative n, got "
                           f"n = {n}")
    x = _float_input(input, "polygamma")
    return Digamma.apply(x) if n == 0 else Polygamma.apply(x, int(n))


def multigammaln(input: Tensor, p: int) -> Tensor:  # noqa: A002
    """The log of the multivariate gamma function of dimension ``p`` (``torch.mvlgamma``):
    ``p (p - 1) / 4 log(pi) + sum_i lgamma(x - i / 2)``. Like PyTorch 2.13 it takes any
    ``x`` (``lgamma`` is ``log |Gamma|``), though the function is defined for ``x > (p-1)/2``."""
    x = _float_input(input, "mvlgamma")
    if isinstance(p, bool) or not isinstance(p, (int, np.integer)):
        raise TypeError(f"mvlgamma: argument 'p' must be int, not {type(p).__name__}")
    if p < 1:
        raise RuntimeError(f"mvlgamma: p has to be greater than or equal to 1, got p = {p}")
    shifts = Tensor(-np.arange(p, dtype=x.dtype) / 2)
    terms = Lgamma.apply(x.unsqueeze(-1) + shifts)
    return terms.sum(-1) + p * (p - 1) / 4 * math.log(math.pi)


def erfc(input: Tensor) -> Tensor:  # noqa: A002
    """``1 - erf(x)``, computed so it keeps its digits where it is tiny."""
    return Erfc.apply(_float_input(input, "erfc"))


def erfcx(input: Tensor) -> Tensor:  # noqa: A002
    """The scaled complementary error function ``exp(x**2) erfc(x)``."""
    return Erfcx.apply(_float_input(input, "erfcx"))


def erfinv(input: Tensor) -> Tensor:  # noqa: A002
    """The inverse of ``erf`` on (-1, 1): +-inf at +-1, NaN outside."""
    return Erfinv.apply(_float_input(input, "erfinv"))


def ndtr(input: Tensor) -> Tensor:  # noqa: A002
    """The standard normal CDF ``(1 + erf(x / sqrt(2))) / 2``, as ``erfc(-x / sqrt(2)) / 2``
    so the left tail keeps its digits."""
    x = _float_input(input, "ndtr")
    return Erfc.apply(x * -math.sqrt(0.5)) * 0.5


def ndtri(input: Tensor) -> Tensor:  # noqa: A002
    """The inverse of ``ndtr`` (the normal quantile): -inf at 0, +inf at 1, NaN outside."""
    return Ndtri.apply(_float_input(input, "ndtri"))


def log_ndtr(input: Tensor) -> Tensor:  # noqa: A002
    """``log(ndtr(x))``, finite far into the left tail."""
    return LogNdtr.apply(_float_input(input, "log_ndtr"))


def i0(input: Tensor) -> Tensor:  # noqa: A002
    """The modified Bessel function of the first kind of order 0."""
    return I0.apply(_float_input(input, "i0"))


def i0e(input: Tensor) -> Tensor:  # noqa: A002
    """``exp(-|x|) i0(x)``, finite where ``i0`` overflows."""
    return I0e.apply(_float_input(input, "i0e"))


def i1(input: Tensor) -> Tensor:  # noqa: A002
    """The modified Bessel function of the first kind of order 1."""
    return I1.apply(_float_input(input, "i1"))


def i1e(input: Tensor) -> Tensor:  # noqa: A002
    """``exp(-|x|) i1(x)``."""
    return I1e.apply(_float_input(input, "i1e"))


def entr(input: Tensor) -> Tensor:  # noqa: A002
    """The elementwise entropy ``-x log x``: 0 at 0, -inf below 0."""
    return Entr.apply(_float_input(input, "entr"))


def sinc(input: Tensor) -> Tensor:  # noqa: A002
    """The normalized sinc ``sin(pi x) / (pi x)``, 1 at 0."""
    return Sinc.apply(_float_input(input, "sinc"))


def exp2(input: Tensor) -> Tensor:  # noqa: A002
    """``2 ** x`` elementwise."""
    return Exp2.apply(_float_input(input, "exp2"))


def _no_integers(op: str, *tensors: Tensor) -> None:
    """PyTorch's refusal of integer tensors in igamma and logaddexp2."""
    for t in tensors:
        if t.dtype.kind not in "fc":
            name = _TORCH_INT_NAMES.get(t.dtype.name, t.dtype.name)
            raise NotImplementedError(f"{op}: \"{op}_cpu\" not implemented for '{name}'")


def _tensor_pair(input: Any, other: Any, op: str) -> tuple[Tensor, Tensor]:
    require_tensor(input, op, "input")
    require_tensor(other, op, "other")
    a, b = _operands(input, other, op, scalar_first=False)
    _no_integers(op, a, b)
    return a, b


def gammainc(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """The regularized lower incomplete gamma function ``P(input, other)``
    (``torch.igamma``); differentiable in ``other`` only, as in PyTorch."""
    return Igamma.apply(*_tensor_pair(input, other, "igamma"), False)


def gammaincc(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """The regularized upper incomplete gamma function ``Q = 1 - P`` (``torch.igammac``)."""
    return Igamma.apply(*_tensor_pair(input, other, "igammac"), True)


def zeta(input: Tensor | float, other: Tensor | float) -> Tensor:  # noqa: A002
    """Hurwitz's zeta function ``sum_k (other + k) ** -input``; either may be a number;
    differentiable in ``other`` only, as in PyTorch."""
    s, q = _as_float(*_operands(input, other, "zeta"))
    return Zeta.apply(s, q)


def xlog1py(input: Tensor | float, other: Tensor | float) -> Tensor:  # noqa: A002
    """``input * log1p(other)``, 0 where ``input`` is 0 (unless ``other`` is NaN); either
    may be a number. Gradients as PyTorch's: ``log1p(other)`` (0 where ``input`` is 0 and
    ``other <= -1``) and ``input / (1 + other)``."""
    return Xlog1py.apply(*_as_float(*_operands(input, other, "xlog1py")))


def logaddexp2(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """``log2(2**input + 2**other)`` without overflow (``torch.logaddexp2``)."""
    return Logaddexp2.apply(*_tensor_pair(input, other, "logaddexp2"))


def expit(input: Tensor) -> Tensor:  # noqa: A002
    """The logistic sigmoid ``1 / (1 + exp(-x))`` (``torch.special.expit``); integers give
    the default float dtype."""
    (x,) = _as_float(require_tensor(input, "expit", "input"))
    return x.sigmoid()


def erf(input: Tensor) -> Tensor:  # noqa: A002
    """The error function, elementwise."""
    return require_tensor(input, "erf", "input").erf()


def expm1(input: Tensor) -> Tensor:  # noqa: A002
    """``exp(x) - 1``, exact for tiny ``x``."""
    return require_tensor(input, "expm1", "input").expm1()


def logsumexp(input: Tensor, dim: int | tuple[int, ...],  # noqa: A002
              keepdim: bool = False) -> Tensor:
    """``log(sum(exp(x)))`` over ``dim``, computed stably."""
    return require_tensor(input, "logsumexp", "input").logsumexp(dim, keepdim)


def softmax(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:  # noqa: A002
    """``exp(x) / sum(exp(x))`` along ``dim``, after casting to ``dtype`` if given."""
    return _cast(input, dtype, "softmax").softmax(dim)


def log_softmax(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:  # noqa: A002
    """``log(softmax(x))`` along ``dim``, computed stably, after casting to ``dtype``."""
    return _cast(input, dtype, "log_softmax").log_softmax(dim)


def _cast(input: Any, dtype: Any, op: str) -> Tensor:  # noqa: A002
    x = require_tensor(input, op, "input")
    return x if dtype is None else x.to(dtype)


# torch's top-level and method names for the same functions
lgamma, mvlgamma, igamma, igammac = gammaln, multigammaln, gammainc, gammaincc
