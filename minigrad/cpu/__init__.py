"""``minigrad.cpu``: ``torch.cpu``'s device queries (the CPU is always there) and
``minigrad.cpu.amp``, the deprecated ``torch.cpu.amp`` names."""

from __future__ import annotations

from typing import Any

from . import amp

__all__ = ["amp", "current_device", "device_count", "is_available", "is_initialized",
           "set_device", "synchronize"]


def is_available() -> bool:
    """Always True."""
    return True


def is_initialized() -> bool:
    """Always True."""
    return True


def device_count() -> int:
    """One CPU device, as PyTorch counts it."""
    return 1


def current_device() -> str:
    """``'cpu'``."""
    return "cpu"


def synchronize(device: Any = None) -> None:
    """Nothing to wait for: CPU work is synchronous."""


def set_device(device: Any) -> None:
    """Nothing to set (PyTorch's is a no-op too)."""
