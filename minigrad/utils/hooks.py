"""``minigrad.utils.hooks``, as ``torch.utils.hooks``: ``RemovableHandle``, the handle every
hook registration returns, for code that keeps hooks of its own in a dict the same way.

It is the class tensor and module hooks already use (defined in ``minigrad.tensor``), not
a copy, so ``isinstance`` checks agree whichever name a program imports it by.
"""

from __future__ import annotations

from ..tensor import RemovableHandle

__all__ = ["RemovableHandle"]
