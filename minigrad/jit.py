"""``minigrad.jit``: the TorchScript annotations a model file uses, with their eager meaning.

In eager PyTorch, ``torch.jit.is_scripting()`` is False, ``@torch.jit.ignore``,
``@torch.jit.unused`` and ``@torch.jit.export`` leave the function as it is, and
``torch.jit.annotate(T, v)`` is ``v``; minigrad is always eager, so these behave exactly so
and a model file that uses them runs unchanged. Compiling or serialising TorchScript
(``script``, ``trace``, ``save``, ``load``, ...) is not possible: those raise a
``NotImplementedError`` that says what to do instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, NoReturn, TypeVar

__all__ = [
    "Attribute",
    "Final",
    "ScriptFunction",
    "ScriptModule",
    "annotate",
    "export",
    "freeze",
    "ignore",
    "interface",
    "is_scripting",
    "is_tracing",
    "load",
    "optimize_for_inference",
    "save",
    "script",
    "script_if_tracing",
    "trace",
    "trace_module",
    "unused",
]

F = TypeVar("F")

_WHAT_TO_DO = {
    "script": "run the module or function as it is (eager code computes the same values); "
              "drop the jit.script call",
    "trace": "run the module as it is (eager code computes the same values); drop the "
             "jit.trace call",
    "trace_module": "run the module as it is; drop the jit.trace_module call",
    "freeze": "use the module as it is (call .eval() for inference)",
    "optimize_for_inference": "use the module as it is (call .eval() for inference)",
    "save": "save the weights with minigrad.save(model.state_dict(), path) and rebuild the "
            "model in Python",
    "load": "export the weights from PyTorch as a state dict (safetensors) and load them with "
            "model.load_state_dict(minigrad.load(path))",
}


def _no_torchscript(name: str) -> NotImplementedError:
    return NotImplementedError(
        f"jit.{name}: minigrad has no TorchScript (it always runs eagerly); "
        f"{_WHAT_TO_DO[name]} (see docs/porting.md, 'TorchScript, CUDA and distributed')"
    )


def is_scripting() -> bool:
    """False: code never runs under the TorchScript compiler here (as in eager PyTorch)."""
    return False


def is_tracing() -> bool:
    """False: nothing is traced here (as in eager PyTorch)."""
    return False


def _identity_or_factory(fn: Any) -> Any:
    """``@decorator`` (given the function) or ``@decorator(...)`` (given options)."""
    if callable(fn) or isinstance(fn, property):
        return fn
    return lambda f: f


def ignore(drop: Any = False, **kwargs: Any) -> Any:
    """``@jit.ignore`` or ``@jit.ignore(drop=True)``: the function, unchanged."""
    return _identity_or_factory(drop)


def unused(fn: F) -> F:
    """``@jit.unused``: the function (or property), unchanged."""
    return fn


def export(fn: F) -> F:
    """``@jit.export``: the method, unchanged."""
    return fn


def interface(obj: F) -> F:
    """``@jit.interface``: the class, unchanged."""
    return obj


def script_if_tracing(fn: F) -> F:
    """``@jit.script_if_tracing``: the function, unchanged (nothing is traced here)."""
    return fn


def _overload(fn: F) -> F:
    """``@jit._overload``: the function, unchanged."""
    return fn


def _overload_method(fn: F) -> F:
    """``@jit._overload_method``: the method, unchanged."""
    return fn


def annotate(the_type: Any, the_value: Any) -> Any:
    """``the_value``: the type is only read by the TorchScript compiler."""
    return the_value


def Attribute(value: Any, type: Any) -> Any:  # noqa: N802, A002  (PyTorch's spelling)
    """``value``: in eager mode ``jit.Attribute`` passes its value through."""
    return value


def script(obj: Any, *args: Any, **kwargs: Any) -> NoReturn:
    """Refused: there is no TorchScript compiler (``NotImplementedError`` says what to do)."""
    raise _no_torchscript("script")


def trace(func: Callable[..., Any], *args: Any, **kwargs: Any) -> NoReturn:
    """Refused: there is no TorchScript tracer (``NotImplementedError`` says what to do)."""
    raise _no_torchscript("trace")


def trace_module(mod: Any, *args: Any, **kwargs: Any) -> NoReturn:
    """Refused: there is no TorchScript tracer."""
    raise _no_torchscript("trace_module")


def freeze(mod: Any, *args: Any, **kwargs: Any) -> NoReturn:
    """Refused: there are no ScriptModules to freeze."""
    raise _no_torchscript("freeze")


def optimize_for_inference(mod: Any, *args: Any, **kwargs: Any) -> NoReturn:
    """Refused: there are no ScriptModules to optimise."""
    raise _no_torchscript("optimize_for_inference")


def save(m: Any, f: Any, *args: Any, **kwargs: Any) -> NoReturn:
    """Refused: there are no TorchScript archives (save a state dict instead)."""
    raise _no_torchscript("save")


def load(f: Any, *args: Any, **kwargs: Any) -> NoReturn:
    """Refused: TorchScript archives cannot be read (load a state dict instead)."""
    raise _no_torchscript("load")


class ScriptModule:
    """Only for ``isinstance`` checks (no minigrad module is one); making one is refused."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise _no_torchscript("script")


class ScriptFunction:
    """Only for ``isinstance`` checks (no minigrad function is one); making one is refused."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise _no_torchscript("script")
