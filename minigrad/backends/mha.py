"""``minigrad.backends.mha``: PyTorch's switch for its multi-head attention fast path.

PyTorch may run ``nn.MultiheadAttention`` and ``nn.TransformerEncoderLayer`` in evaluation
mode through a fused kernel; programs turn that off with ``set_fastpath_enabled(False)``
to get the plain path's results. minigrad has only the plain path, so the switch is
remembered and changes nothing.
"""

from __future__ import annotations

__all__ = ["get_fastpath_enabled", "set_fastpath_enabled"]

_enabled = True


def get_fastpath_enabled() -> bool:
    """The switch as last set (True at first, as in PyTorch)."""
    return _enabled


def set_fastpath_enabled(value: bool) -> None:
    """Remember ``value``; minigrad always takes the plain path."""
    global _enabled
    _enabled = bool(value)
