"""What ``torch.autograd`` holds beyond the engine, reached through ``minigrad.autograd``
without growing the core module: ``functional``, ``gradcheck`` and ``profiler`` (submodules,
imported on first touch), ``Variable``, ``set_detect_anomaly``, ``set_multithreading_enabled``,
``grad_mode``.

``install(autograd)``, run when minigrad/__init__.py imports this package, gives the engine
module a ``__path__`` pointing at this folder, so ``import minigrad.autograd.functional``
finds autograd_api/functional.py as ``minigrad.autograd.functional``, and a module
``__getattr__`` (PEP 562), so ``minigrad.autograd.functional.jacobian`` works without an
import."""

from __future__ import annotations

import importlib
import os
import sys
from types import ModuleType
from typing import Any

from .. import grad_mode
from ..grad_mode import _state
from ..tensor import Tensor

__all__ = ["Variable", "install", "set_detect_anomaly", "set_multithreading_enabled"]

_SUBMODULES = ("functional", "gradcheck", "profiler")


class _VariableMeta(type):
    def __instancecheck__(cls, obj: object) -> bool:
        return isinstance(obj, Tensor)


class Variable(metaclass=_VariableMeta):
    """PyTorch's deprecated ``Variable``: ``Variable(t, requires_grad=False)`` is
    ``t.detach()`` (the same data, a new leaf) with ``requires_grad`` as asked, a Tensor;
    every Tensor is an instance of Variable."""

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = False,  # type: ignore[misc]
                volatile: bool = False) -> Tensor:
        """A Tensor, not a Variable: the class has no instances of its own."""
        if data is None:
            from ..creation import empty

            return empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable: Variable data has to be a tensor, but got "
                            f"{type(data).__name__}")
        return data.detach().requires_grad_(requires_grad)


class set_detect_anomaly:
    """Turn anomaly detection on or off now (``set_detect_anomaly(True)``), or for a block
    (``with set_detect_anomaly(False): ...``): the previous setting comes back on exit.
    minigrad's one switch covers both of PyTorch's (its ``check_nan=False`` turns it off)."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self.prev = _state.anomaly
        _state.anomaly = bool(mode) and bool(check_nan)

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc: object) -> None:
        _state.anomaly = self.prev


class set_multithreading_enabled:
    """PyTorch's switch for running backward on its device threads: minigrad's backward
    always runs on the calling thread, so the switch is accepted (also as a ``with`` block)
    and changes nothing."""

    def __init__(self, mode: bool) -> None:
        self.mode = bool(mode)

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc: object) -> None:
        pass


def _module_getattr(name: str) -> Any:
    """``minigrad.autograd.<name>`` for names the engine module does not define."""
    if name in _SUBMODULES:
        return importlib.import_module(f"{__package__.rpartition('.')[0]}.autograd.{name}")
    if name in ("Variable", "set_detect_anomaly", "set_multithreading_enabled"):
        return globals()[name]
    if name == "gradgradcheck":
        from ..gradcheck import gradgradcheck

        return gradgradcheck
    raise AttributeError(f"module 'minigrad.autograd' has no attribute {name!r}")


def install(autograd: ModuleType) -> None:
    """Make ``autograd`` (the engine module) answer for torch.autograd's other names."""
    autograd.__path__ = [os.path.dirname(__file__)]  # its submodules live in this folder
    autograd.__getattr__ = _module_getattr
    autograd.grad_mode = grad_mode  # torch.autograd.grad_mode: no_grad, enable_grad...
    sys.modules.setdefault(f"{autograd.__name__}.grad_mode", grad_mode)


install(sys.modules[__name__.rpartition(".")[0] + ".autograd"])  # on ``import minigrad``
