"""``minigrad.autograd.gradcheck``, as ``torch.autograd.gradcheck``: both the module of the
checks and the check itself. ``minigrad.autograd.gradcheck(fn, inputs)`` and
``from minigrad.autograd.gradcheck import gradcheck`` both work (the module is callable);
the checks are minigrad/gradcheck.py's."""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Any

from ..gradcheck import GradcheckError, gradcheck, gradgradcheck

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck"]


class _CallableModule(ModuleType):
    def __call__(self, *args: Any, **kwargs: Any) -> bool:
        """``minigrad.autograd.gradcheck(fn, inputs, ...)`` is ``gradcheck(fn, inputs, ...)``."""
        return gradcheck(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
