"""``minigrad.backends.mps``: Apple's Metal backend; there is none here."""

from __future__ import annotations

__all__ = ["is_available", "is_built"]


def is_available() -> bool:
    """Always False: minigrad runs on the CPU only."""
    return False


def is_built() -> bool:
    """Always False."""
    return False
