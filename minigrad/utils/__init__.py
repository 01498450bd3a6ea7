"""``minigrad.utils``: helpers with ``torch.utils``'s names (``minigrad.utils.data``,
``minigrad.utils.checkpoint``, ``minigrad.utils.hooks``)."""

from . import checkpoint, data, hooks

__all__ = ["checkpoint", "data", "hooks"]
