"""``minigrad.cuda.amp`` (this folder is ``minigrad.cuda``'s package path): the deprecated
``torch.cuda.amp`` names. Each warns as PyTorch's does, then, with no CUDA, disables itself
as PyTorch's does on a machine without CUDA, so a script written for a GPU still runs."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .. import amp as _amp
from ..amp import custom_bwd, custom_fwd

__all__ = ["GradScaler", "amp_definitely_not_available", "autocast", "custom_bwd",
           "custom_fwd"]


def amp_definitely_not_available() -> bool:
    """Always True: there is no CUDA."""
    return True


class GradScaler(_amp.GradScaler):
    """``torch.cuda.amp.GradScaler(...)``: a FutureWarning, then disabled (no CUDA)."""

    def __init__(self, init_scale: float = 2.0**16, growth_factor: float = 2.0,
                 backoff_factor: float = 0.5, growth_interval: int = 2000,
                 enabled: bool = True) -> None:
        warnings.warn("`torch.cuda.amp.GradScaler(args...)` is deprecated. Please use "
                      "`torch.amp.GradScaler('cuda', args...)` instead.", FutureWarning,
                      stacklevel=2)
        super().__init__("cuda", init_scale, growth_factor, backoff_factor, growth_interval,
                         enabled)


class autocast(_amp.autocast):  # noqa: N801  (PyTorch's spelling)
    """``torch.cuda.amp.autocast(...)``: a FutureWarning, then disabled (no CUDA)."""

    def __init__(self, enabled: bool = True, dtype: Any = np.float16,
                 cache_enabled: bool = True) -> None:
        warnings.warn("`torch.cuda.amp.autocast(args...)` is deprecated. Please use "
                      "`torch.amp.autocast('cuda', args...)` instead.", FutureWarning,
                      stacklevel=2)
        super().__init__("cuda", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)
