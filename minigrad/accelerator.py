"""``minigrad.accelerator``: PyTorch 2.x's device-neutral query; there is none here."""

from __future__ import annotations


def is_available() -> bool:
    """Always False: minigrad runs on the CPU only."""
    return False


def current_accelerator() -> None:
    """None: no accelerator (as PyTorch answers on a CPU-only machine)."""
    return None


def device_count() -> int:
    """Always 0."""
    return 0
