"""``minigrad.backends.cudnn``: cuDNN's switches, settable and inert (there is no cuDNN).

``enabled``, ``benchmark``, ``deterministic`` and ``allow_tf32`` have PyTorch's defaults; a
script may set them (``cudnn.benchmark = True``) and nothing changes: minigrad's CPU
kernels are deterministic whatever they say.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator

enabled: bool = True
benchmark: bool = False
benchmark_limit: int = 10
deterministic: bool = False
allow_tf32: bool = True

__all__ = ["allow_tf32", "benchmark", "benchmark_limit", "deterministic", "enabled", "flags",
           "is_available", "version"]


def is_available() -> bool:
    """Always False: minigrad has no cuDNN."""
    return False


def version() -> None:
    """None, as PyTorch answers without cuDNN."""
    return None


@contextlib.contextmanager
def flags(enabled: bool = False, benchmark: bool = False, benchmark_limit: int = 10,
          deterministic: bool = False, allow_tf32: bool = True) -> Iterator[None]:
    """Set the switches for a ``with`` block and restore them after, as PyTorch's."""
    module = sys.modules[__name__]
    names = ("enabled", "benchmark", "benchmark_limit", "deterministic", "allow_tf32")
    old = {name: getattr(module, name) for name in names}
    new = dict(zip(names, (enabled, benchmark, benchmark_limit, deterministic, allow_tf32)))
    for name, value in new.items():
        setattr(module, name, value)
    try:
        yield
    finally:
        for name, value in old.items():
            setattr(module, name, value)
