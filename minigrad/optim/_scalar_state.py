"""What ASGD, Rprop and LBFGS share: PyTorch's 0-d state tensors (``step``, ``eta``,
``mu``) in PyTorch's dtype, their round trip through a state dict, and the group check for
hyperparameters that are not all numbers (``foreach=None``, ``line_search_fn='strong_wolfe'``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..dtypes import get_default_dtype
from ..tensor import Tensor
from .optimizer import Optimizer, check_numbers


def scalar_dtype() -> np.dtype:
    """PyTorch's ``_get_scalar_dtype()``: float64 when that is the default dtype, else
    float32 (so ``eta`` is rounded to float32, as PyTorch's, for a float64 model too)."""
    return np.dtype(np.float64) if get_default_dtype() == np.float64 else np.dtype(np.float32)


def scalar(value: float) -> np.ndarray:
    """A 0-d state entry in ``scalar_dtype()``, updated in place (``step_t += 1``)."""
    return np.array(value, dtype=scalar_dtype())


def as_state_value(value: Any) -> Any:
    """A saved state value back as what the optimizer keeps: Tensors and arrays (in
    nested lists too) as copied arrays, anything else as it is."""
    if isinstance(value, Tensor):
        return np.array(value._data)
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, list):
        return [as_state_value(v) for v in value]
    return value


def check_group_numbers(optimizer: Optimizer, group: dict[str, Any]) -> None:
    """The base check, skipping the switches that are not numbers (None, str, bool)."""
    name = type(optimizer).__name__
    check_numbers(name, **{k: v for k, v in group.items() if k in optimizer.defaults
                           and not isinstance(optimizer.defaults[k], (bool, str))
                           and optimizer.defaults[k] is not None})
    if group["lr"] < 0.0:
        raise ValueError(f"{name}: invalid learning rate {group['lr']} (must be >= 0)")


def load_with_scalars(optimizer: Optimizer, state_dict: dict[str, Any],
                      keys: tuple[str, ...]) -> None:
    """``Optimizer.load_state_dict`` for states with 0-d entries (``keys``) that the base
    would check against the parameter's shape: those are set aside, the rest loaded, and
    they are put back as 0-d arrays in their saved dtype, in the saved key order."""
    saved = state_dict["state"]
    stripped = {idx: {k: v for k, v in s.items() if k not in keys} for idx, s in saved.items()}
    Optimizer.load_state_dict(optimizer, {**state_dict, "state": stripped})
    params = optimizer._params_by_index(state_dict["param_groups"])
    for idx, s in saved.items():
        p = params.get(int(idx))
        if p is None:
            continue
        loaded = optimizer.state.get(p, {})
        optimizer.state[p] = {k: (np.array(v._data if isinstance(v, Tensor) else v)
                                  if k in keys else loaded[k]) for k, v in s.items()}
