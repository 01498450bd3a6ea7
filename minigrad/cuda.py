"""``minigrad.cuda``: there is no GPU support, so the queries PyTorch scripts make answer
"no", and the seeding calls do nothing, exactly as PyTorch's do on a machine without CUDA."""

from __future__ import annotations


def is_available() -> bool:
    """Always False: minigrad runs on the CPU only."""
    return False


def device_count() -> int:
    """Always 0."""
    return 0


def manual_seed(seed: int) -> None:
    """Nothing to seed (as in PyTorch without CUDA); use ``minigrad.manual_seed``."""


manual_seed_all = manual_seed
