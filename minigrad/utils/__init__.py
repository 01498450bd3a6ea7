"""``minigrad.utils``: helpers with ``torch.utils``'s names (``minigrad.utils.data``,
``minigrad.utils.checkpoint``)."""

from . import checkpoint, data

__all__ = ["checkpoint", "data"]
