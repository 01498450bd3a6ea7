"""PyTorch's in-place samplers on a Tensor (``random_``, ``exponential_``, ``geometric_``,
``log_normal_``, ``cauchy_``) and ``torch.poisson``: each draws from minigrad's one
generator (``minigrad.manual_seed``) or the ``generator=`` given, so a seeded program
repeats its draws. The numbers differ from PyTorch's (another generator); the
distributions, dtypes, ranges and argument checks are PyTorch's.

    >>> import minigrad as mg
    >>> x = mg.empty(1000).exponential_(2.0)
    >>> bool(x.min() >= 0)
    True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..ops.elementwise import where
from ..rng import get_rng
from ..tensor import Tensor, _inplace, require_tensor

_C_NAMES = {"uint8": "unsigned char", "int8": "signed char", "int16": "short",
            "int32": "int", "int64": "long int", "bool": "bool"}


def _fill(self: Tensor, name: str, draw: np.ndarray) -> Tensor:
    """``draw`` written into ``self`` (cast to its dtype), PyTorch's in-place rules kept."""
    value = Tensor._make(np.asarray(draw).astype(self.dtype), False, None, 0)
    return _inplace(self, name, lambda t: where(True, value, t))


def _floating_only(self: Tensor, name: str, what: str) -> None:
    if self.dtype.kind != "f":
        raise RuntimeError(f"{name}: {what} distribution is a continuous probability "
                           f"distribution. dtype must be a floating point but you specified "
                           f"{self.dtype}")


def _default_range(dtype: np.dtype) -> tuple[int, int]:
    """``random_()``'s inclusive range: ``[0, 2**mantissa]`` for floats (every integer
    there representable), ``[0, max]`` for integers and bools."""
    if dtype.kind == "f":
        return 0, 2 ** (np.finfo(dtype).nmant + 1)
    if dtype == np.bool_:
        return 0, 1
    return 0, int(np.iinfo(dtype).max)


def _check_bounds(dtype: np.dtype, low: int, high: int) -> None:
    """The integer range ``[low, high]`` fits ``dtype``, as PyTorch checks it."""
    if dtype.kind == "f":
        return
    lo, hi = (0, 1) if dtype == np.bool_ else (np.iinfo(dtype).min, np.iinfo(dtype).max)
    for what, v in (("from", low), ("to - 1", high)):
        if not lo <= v <= hi:
            raise RuntimeError(f"random_: {what} is out of bounds for {_C_NAMES[dtype.name]} "
                               f"(got {v}, range [{lo}, {hi}])")


def _bounds(args: tuple, kwargs: dict) -> tuple[Any, Any]:
    """``(from, to)`` from ``random_``'s spellings: ``(to)``, ``(from, to)``, keywords."""
    if len(args) > 2 or set(kwargs) - {"from", "to"}:
        raise TypeError(f"random_: expected (), (to) or (from, to), got {len(args)} positional "
                        f"arguments and {sorted(kwargs)}")
    if len(args) == 1 and not kwargs:
        return 0, args[0]
    low = args[0] if args else kwargs.get("from", 0)
    return low, args[1] if len(args) > 1 else kwargs.get("to")


def _random_range(self: Tensor, args: tuple, kwargs: dict) -> tuple[int, int]:
    """The inclusive ``[low, high]`` of ``random_()``, ``random_(to)`` or
    ``random_(from, to)`` (``to`` None: up to the dtype's maximum)."""
    if not args and not kwargs:
        return _default_range(self.dtype)
    low, to = _bounds(args, kwargs)
    if to is None:
        return int(low), _default_range(self.dtype)[1]
    if low >= to:
        raise RuntimeError(f"random_: expects 'from' to be less than 'to', but got "
                           f"from={low} >= to={to}")
    return int(low), int(to) - 1


def random_(self: Tensor, *args: int, generator: Any = None, **kwargs: Any) -> Tensor:
    """Integers drawn uniformly from ``[from, to - 1]`` (``random_(to)``: from 0; with no
    bounds, every integer the dtype holds exactly, ``[0, 2**mantissa]`` for floats)."""
    low, high = _random_range(self, args, kwargs)
    _check_bounds(self.dtype, low, high)
    draw = get_rng(generator).integers(low, high, self.shape, dtype=np.int64, endpoint=True)
    return _fill(self, "random_", draw)


def exponential_(self: Tensor, lambd: float = 1.0, *, generator: Any = None) -> Tensor:
    """Samples of the exponential distribution of rate ``lambd`` (mean ``1 / lambd``)."""
    if not lambd > 0:
        raise RuntimeError(f"exponential_: expects lambda > 0.0, but found lambda={lambd}")
    _floating_only(self, "exponential_", "Exponential")
    return _fill(self, "exponential_", get_rng(generator).exponential(1 / lambd, self.shape))


def geometric_(self: Tensor, p: float, *, generator: Any = None) -> Tensor:
    """Samples of the geometric distribution: the number of Bernoulli(``p``) trials up to
    and including the first success (1, 2, ...)."""
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_: expects p to be in (0, 1), but got p={p}")
    if self.dtype == np.bool_:
        raise NotImplementedError("geometric_: not implemented for dtype bool")
    return _fill(self, "geometric_", get_rng(generator).geometric(p, self.shape))


def log_normal_(self: Tensor, mean: float = 1.0, std: float = 2.0, *,
                generator: Any = None) -> Tensor:
    """Samples of ``exp(N(mean, std**2))`` (``mean`` and ``std`` are the underlying normal's)."""
    if not std > 0:
        raise RuntimeError(f"log_normal_: expects std > 0.0, but found std={std}")
    if self.dtype.kind != "f":
        raise NotImplementedError(f"log_normal_: not implemented for dtype {self.dtype}")
    return _fill(self, "log_normal_", get_rng(generator).lognormal(mean, std, self.shape))


def cauchy_(self: Tensor, median: float = 0.0, sigma: float = 1.0, *,
            generator: Any = None) -> Tensor:
    """Samples of the Cauchy distribution ``median + sigma * tan(pi * (u - 1/2))``."""
    if not sigma > 0:
        raise RuntimeError(f"cauchy_: expects sigma > 0.0, but found sigma={sigma}")
    _floating_only(self, "cauchy_", "Cauchy")
    return _fill(self, "cauchy_", median + sigma * get_rng(generator).standard_cauchy(self.shape))


def poisson(input: Tensor, generator: Any = None) -> Tensor:  # noqa: A002
    """Counts drawn from Poisson distributions of the rates in ``input`` (floating dtypes;
    the result has the input's dtype and, as in PyTorch, a zero gradient)."""
    rates = require_tensor(input, "poisson", "input")
    if rates.dtype.kind != "f":
        raise NotImplementedError(f"poisson: not implemented for dtype {rates.dtype}")
    data = rates._data
    if np.any(data < 0) or np.any(np.isnan(data)):
        raise RuntimeError("poisson: invalid Poisson rate, expected rate to be non-negative")
    draw = np.asarray(get_rng(generator).poisson(data.astype(np.float64)), data.dtype)
    return where(True, Tensor._make(draw, False, None, 0), rates)


TENSOR_METHODS = {
    "random_": random_, "exponential_": exponential_, "geometric_": geometric_,
    "log_normal_": log_normal_, "cauchy_": cauchy_,
}
"""What ``minigrad.tensor_methods`` installs on ``Tensor``."""
