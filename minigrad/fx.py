"""``minigrad.fx``: the part of ``torch.fx`` a model file touches when it is imported.

Library code marks a function as a leaf for FX's symbolic tracing with a module-level
``torch.fx.wrap("name")`` (torchvision's ``stochastic_depth`` does). minigrad has no symbolic
tracing, so ``wrap`` checks its argument and where it is called, as PyTorch does, and returns it
unchanged; tracing itself (``symbolic_trace``) raises a ``NotImplementedError`` that says what to
do instead.
"""

from __future__ import annotations

import inspect
from typing import NoReturn, TypeVar

__all__ = ["symbolic_trace", "wrap"]

F = TypeVar("F")


def wrap(fn_or_name: F) -> F:
    """Mark a global function (or its name) as an FX leaf: nothing to record without tracing."""
    if not callable(fn_or_name) and not isinstance(fn_or_name, str):
        raise RuntimeError("fx.wrap: unsupported type for global function! Must be either a "
                           f"callable or string name, got {type(fn_or_name).__name__}")
    caller = inspect.currentframe().f_back  # type: ignore[union-attr]
    if caller is None or caller.f_code.co_name != "<module>":
        raise NotImplementedError("fx.wrap must be called at the top level of a module")
    return fn_or_name


def symbolic_trace(root: object, concrete_args: dict | None = None) -> NoReturn:
    """FX's graph capture: minigrad always runs eagerly, so there is no graph to capture."""
    raise NotImplementedError(
        "fx.symbolic_trace: minigrad has no FX graphs (it always runs eagerly); call the "
        "module as it is (see docs/porting.md, 'TorchScript, CUDA and distributed')"
    )
