"""The Tensor methods of ``minigrad.special``'s functions, as PyTorch has them:
``x.lgamma()``, ``x.lgamma_()``... Each forwards to ``minigrad/special.py``, imported at the
first call, so ``import minigrad`` does not load it (the top-level ``minigrad.lgamma`` is one
of ``minigrad/__init__.py``'s names imported on first touch).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# name -> one line of documentation
_NAMES: dict[str, str] = {
    "lgamma": "``log |Gamma(x)|`` elementwise; the gradient is ``digamma``.",
    "digamma": "The logarithmic derivative of Gamma, ``psi(x)``.",
    "polygamma": "The ``n``-th derivative of ``digamma``.",
    "mvlgamma": "The log of the multivariate gamma function of dimension ``p``.",
    "erfinv": "The inverse error function: +-inf at +-1, NaN outside [-1, 1].",
    "erfc": "The complementary error function ``1 - erf(x)``, without cancellation.",
    "i0": "The modified Bessel function of the first kind of order 0.",
    "sinc": "The normalized sinc ``sin(pi x) / (pi x)``, 1 at 0.",
    "exp2": "``2 ** x`` elementwise.",
    "logaddexp2": "``log2(2**x + 2**other)`` without overflow.",
    "igamma": "The regularized lower incomplete gamma function.",
    "igammac": "The regularized upper incomplete gamma function.",
}
_NO_INPLACE = {"logaddexp2"}


def _call(name: str, x: Any, args: tuple, kwargs: dict) -> Any:
    from . import special

    fn = getattr(special, name)
    if name == "polygamma":  # torch.polygamma(n, x), x.polygamma(n)
        return fn(*args, x, **kwargs)
    return fn(x, *args, **kwargs)


def _method(name: str) -> Callable[..., Any]:
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        return _call(name, self, args, kwargs)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"{_NAMES[name]} ``minigrad.{name}`` with this tensor as ``x``."
    return method


def _inplace_method(name: str) -> Callable[..., Any]:
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        from .tensor import _inplace

        return _inplace(self, name + "_", lambda a: _call(name, a, args, kwargs))

    method.__name__ = method.__qualname__ = name + "_"
    method.__doc__ = f"``{name}`` in place."
    return method


# ``t.lgamma()``, ``t.lgamma_()``...: set on Tensor with the other modules' TENSOR_METHODS
TENSOR_METHODS = {name: _method(name) for name in _NAMES}
TENSOR_METHODS.update({name + "_": _inplace_method(name) for name in _NAMES
                       if name not in _NO_INPLACE})
