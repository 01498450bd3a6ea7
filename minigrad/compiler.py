"""``torch.compile`` and ``torch.compiler``, with their meaning in an eager framework.

``torch.compile(model)`` promises the same results as ``model``, only faster, by tracing
it into compiled kernels. minigrad always runs eagerly (its speed paths are chosen per op,
``minigrad.kernels``), so ``compile`` hands the model or function back as it is and a
script that compiles its model runs unchanged, with the same results. One visible
difference: PyTorch wraps a module (its ``state_dict`` keys then start with
``_orig_mod.``), minigrad does not (docs/faq.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["compile", "disable", "is_compiling", "is_dynamo_compiling", "reset"]


def compile(model: Callable | None = None, *, fullgraph: bool = False,  # noqa: A001
            dynamic: bool | None = None, backend: str | Callable | None = None,
            mode: str | None = None, options: dict[str, Any] | None = None,
            name: str | None = None, disable: bool = False, **kwargs: Any) -> Callable:
    """``model`` itself (eager minigrad has nothing to compile), or, called without one, a
    decorator that returns the function it decorates."""
    if model is None:
        return lambda fn: fn
    if not callable(model):
        raise RuntimeError(f"compile: the model must be a callable (a Module or a "
                           f"function), got {type(model).__name__}")
    return model


def disable(fn: Callable | None = None, recursive: bool = True, *,
            reason: str | None = None) -> Callable:
    """``fn`` as it is (nothing is compiled to leave out); a decorator without ``fn``."""
    return (lambda f: f) if fn is None else fn


def is_compiling() -> bool:
    """False: minigrad code never runs inside a compiler's trace."""
    return False


is_dynamo_compiling = is_compiling


def reset() -> None:
    """Nothing to forget: there are no compiled caches."""
