"""``torch.types``: the aliases annotations in PyTorch code use (``Number``, ``Device``...)."""

from __future__ import annotations

from typing import Union

from .device import device as _device_type
from .tensor import Size, Tensor

__all__ = ["Device", "Number", "Size", "Tensor"]

Number = Union[int, float, bool]  # noqa: UP007  (an alias value, as PyTorch's)
Device = Union[_device_type, str, int, None]  # noqa: UP007
_size = Union[Size, list, tuple]  # noqa: UP007
