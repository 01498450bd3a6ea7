"""``minigrad.utils``: helpers with ``torch.utils``'s names (``minigrad.utils.data``)."""

from . import data

__all__ = ["data"]
