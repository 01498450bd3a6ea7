"""The switches of autograd, per thread: grad mode (``no_grad``, ``enable_grad``,
``set_grad_enabled``, ``inference_mode``), anomaly detection, the module scope nodes are
tagged with, and the observer of recorded calls. ``Function.apply`` reads them (PyTorch keeps
them in ``torch/autograd/grad_mode.py`` and ``anomaly_mode.py``)."""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .autograd import Context


class _State(threading.local):
    grad_enabled = True
    inference = False
    anomaly = False
    in_backward = False  # anomaly mode checks a backward's result, not the ops inside it
    scope: tuple = ()
    on_record: Callable | None = None  # observing_records(): told of each recorded call


_state = _State()


@contextlib.contextmanager
def observing_records(callback: Callable[[Context, tuple, dict], None]) -> Iterator[None]:
    """Call ``callback(ctx, args, kwargs)`` for each op recorded on this thread inside the
    block, with the arguments the op was called with (the graph itself keeps constant
    inputs only weakly, and no non-Tensor arguments). For tools that walk a pass's graph
    (``minigrad.onnx``); one observer at a time."""
    if _state.on_record is not None:
        raise RuntimeError("observing_records: another observer is active on this thread")
    _state.on_record = callback
    try:
        yield
    finally:
        _state.on_record = None


def is_grad_enabled() -> bool:
    """Whether ops record a graph right now."""
    return _state.grad_enabled


class _GradMode:
    """Base of the grad-mode switches: a context manager that is also a decorator."""

    mode = True

    def __new__(cls, func: Any = None) -> Any:
        self = super().__new__(cls)
        if callable(func):  # used bare, ``@no_grad`` instead of ``@no_grad()``
            return self(func)
        return self

    def __enter__(self) -> None:
        self._prev = _state.grad_enabled
        if self.mode is not None:  # None: leave recording as it is
            _state.grad_enabled = self.mode

    def __exit__(self, *exc: object) -> None:
        _state.grad_enabled = self._prev

    def __call__(self, func: Callable) -> Callable:
        mode = self.mode

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            switch = _GradMode()
            switch.mode = mode
            with switch:
                return func(*args, **kwargs)

        return wrapper


class no_grad(_GradMode):
    """Run without recording a graph (evaluation, optimizer steps)."""

    mode = False


class inference_mode(_GradMode):
    """PyTorch's faster ``no_grad`` for inference: here the same as ``no_grad`` (minigrad
    has no per-tensor autograd bookkeeping to skip); ``inference_mode(False)`` changes
    nothing. A context manager and a decorator, with or without the call."""

    mode = False

    def __init__(self, mode: bool = True) -> None:
        if not mode:
            self.mode = None

    def __enter__(self) -> None:
        self._prev_inference = _state.inference
        _state.inference = self.mode is not None
        super().__enter__()

    def __exit__(self, *exc: object) -> None:
        super().__exit__(*exc)
        _state.inference = self._prev_inference

    def __call__(self, func: Callable) -> Callable:
        """Use as a decorator: ``func`` runs in inference mode (or not, for ``False``)."""
        enabled = self.mode is not None

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with inference_mode(enabled):
                return func(*args, **kwargs)

        return wrapper


def is_inference_mode_enabled() -> bool:
    """Whether an ``inference_mode()`` block is active (not merely ``no_grad``)."""
    return _state.inference


class enable_grad(_GradMode):
    """Record a graph again inside a ``no_grad`` block."""

    mode = True


class set_grad_enabled(_GradMode):
    """Switch recording on or off. Like PyTorch's, it takes effect as soon as it is made,
    so ``set_grad_enabled(False)`` works as a plain call, a ``with`` block or a decorator."""

    def __init__(self, mode: bool) -> None:
        if not isinstance(mode, (bool, np.bool_)):
            raise TypeError(
                f"set_grad_enabled: argument 'mode' must be bool, not {type(mode).__name__} "
                f"({mode!r})"
            )
        self.mode = bool(mode)
        self._prev = _state.grad_enabled
        _state.grad_enabled = self.mode

    def __enter__(self) -> None:
        pass

    def __call__(self, func: Callable) -> Callable:
        """Use as a decorator: ``func`` runs with recording set to ``mode``."""
        _state.grad_enabled = self._prev  # as a decorator it only applies inside func
        return super().__call__(func)


class detect_anomaly:
    """Raise at the first NaN or Inf made in forward or backward, naming the op and where
    in user code it was created. Slow: it records a stack trace per op."""

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan

    def __enter__(self) -> None:
        self._prev = _state.anomaly
        _state.anomaly = self.check_nan

    def __exit__(self, *exc: object) -> None:
        _state.anomaly = self._prev


def is_anomaly_enabled() -> bool:
    """Whether a ``detect_anomaly()`` block is active (on this thread)."""
    return _state.anomaly


class module_scope:
    """Tag the nodes recorded inside with a module's name, so a graph can be drawn by layer.

    ``nn.Module.__call__`` enters one around ``forward``; nested modules nest.
    """

    def __init__(self, name: str, module: object) -> None:
        self.entry = (name, module)

    def __enter__(self) -> None:
        self._prev = _state.scope
        _state.scope = self._prev + (self.entry,)

    def __exit__(self, *exc: object) -> None:
        _state.scope = self._prev
