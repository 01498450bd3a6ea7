"""``DataLoader`` lives in ``minigrad.utils.data`` (PyTorch's place for it); this module
re-exports it so ``from minigrad.data import DataLoader`` keeps working."""

from ..utils.data import DataLoader, default_collate

__all__ = ["DataLoader", "default_collate"]
