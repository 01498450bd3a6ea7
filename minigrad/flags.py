"""PyTorch's process-wide switches that change nothing in minigrad's arithmetic, kept so
scripts that set and read them run: deterministic algorithms (minigrad's are always
deterministic), float32 matmul precision (numpy's GEMMs are always full float32) and the
inter-op thread count (minigrad runs ops one after another)."""

from __future__ import annotations

import os
import warnings

__all__ = ["are_deterministic_algorithms_enabled", "get_float32_matmul_precision",
           "get_num_interop_threads", "is_deterministic_algorithms_warn_only_enabled",
           "set_float32_matmul_precision", "set_num_interop_threads",
           "use_deterministic_algorithms"]

_state = {"deterministic": False, "warn_only": False, "matmul_precision": "highest",
          "interop_threads": os.cpu_count() or 1}


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Record the flag, as PyTorch does; every minigrad op is deterministic either way."""
    for name, value in (("mode", mode), ("warn_only", warn_only)):
        if not isinstance(value, bool):
            raise TypeError(f"use_deterministic_algorithms: argument {name!r} must be bool, "
                            f"not {type(value).__name__}")
    _state["deterministic"], _state["warn_only"] = mode, warn_only


def are_deterministic_algorithms_enabled() -> bool:
    """The flag ``use_deterministic_algorithms`` set."""
    return _state["deterministic"]


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    """The ``warn_only`` flag ``use_deterministic_algorithms`` set."""
    return _state["warn_only"]


def set_float32_matmul_precision(precision: str) -> None:
    """Record "highest", "high" or "medium"; anything else warns and changes nothing, as in
    PyTorch. minigrad's float32 matmuls are full precision whatever is set."""
    if precision not in ("highest", "high", "medium"):
        warnings.warn(f"set_float32_matmul_precision: {precision} is not one of 'highest', "
                      "'high', or 'medium'; the call has no effect", UserWarning, stacklevel=2)
        return
    _state["matmul_precision"] = precision


def get_float32_matmul_precision() -> str:
    """The precision ``set_float32_matmul_precision`` recorded ("highest" by default)."""
    return _state["matmul_precision"]


def set_num_interop_threads(num: int) -> None:
    """Record the inter-op thread count (minigrad has no inter-op pool to size)."""
    if isinstance(num, bool) or not isinstance(num, int) or num <= 0:
        raise RuntimeError(f"set_num_interop_threads: expected a positive number of threads, "
                           f"got {num!r}")
    _state["interop_threads"] = num


def get_num_interop_threads() -> int:
    """The count ``set_num_interop_threads`` recorded (the CPU count by default)."""
    return _state["interop_threads"]
