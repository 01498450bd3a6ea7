"""How a profile sees the work: while one records, ``Function.apply`` (every op's forward)
and the engine's ``_node_backward`` (every backward node) are swapped for timed versions of
themselves; when it stops, the originals are put back. So the core holds no profiler code
and an unprofiled program runs exactly the code it ran before (no check, no cost).

Events nest per thread: an op called inside another op, a backward rule's ops inside its
node's event, everything inside a ``record_function`` range. One profile records at a time
(PyTorch refuses a second one too)."""

from __future__ import annotations

import contextlib
import functools
import itertools
import os
import threading
import time
from typing import Any

import numpy as np

from .. import autograd as _autograd
from ..autograd import Function
from ..tensor import Tensor
from .events import EventList, FunctionEvent

__all__ = ["Recorder", "record_function"]

_APPLY = Function.__dict__["apply"]  # the classmethod every op's call goes through
_NODE_BACKWARD = _autograd._node_backward  # the engine's one call of a node's backward
_active: Recorder | None = None
_install_lock = threading.Lock()


class _Stacks(threading.local):
    open: list  # the events not yet ended on this thread, innermost last

    def __init__(self) -> None:
        self.open = []


_stacks = _Stacks()


def _shape(a: Any) -> list:
    return list(a.shape) if isinstance(a, (Tensor, np.ndarray)) else []


def _arrays(items: Any) -> list:
    items = items if isinstance(items, (tuple, list)) else (items,)
    arrays = [o._data if isinstance(o, Tensor) else o for o in items]
    return [a for a in arrays if isinstance(a, np.ndarray)]


def _output_bytes(out: Any, inputs: Any) -> int:
    """Bytes of the arrays a call returned, a view of one of ``inputs`` counting nothing."""
    bases = _arrays(inputs)
    return sum(a.nbytes for a in _arrays(out)
               if not any(np.may_share_memory(a, b) for b in bases))


class Recorder:
    """The events of one profile (or one cycle of a scheduled one), all threads together."""

    def __init__(self, record_shapes: bool = False, profile_memory: bool = False) -> None:
        self.record_shapes = record_shapes
        self.profile_memory = profile_memory
        self.events: list[FunctionEvent] = []
        self._ids = itertools.count()
        self._t0 = time.perf_counter_ns()
        self.info = {"baseTimeNanoseconds": time.time_ns(), "record_shapes": int(record_shapes),
                     "profile_memory": int(profile_memory)}

    def now(self) -> float:
        """Microseconds since this collection began."""
        return (time.perf_counter_ns() - self._t0) / 1000.0

    def begin(self, name: str, inputs: Any = (), scope: int = 0,
              annotation: bool = False) -> FunctionEvent:
        """Open an event on this thread, nested in the innermost open one."""
        shapes = [_shape(a) for a in inputs] if self.record_shapes else None
        event = FunctionEvent(next(self._ids), name, threading.get_native_id(), 0.0,
                              shapes, scope, annotation)
        stack = _stacks.open
        if stack:
            event.cpu_parent = stack[-1]
            stack[-1].cpu_children.append(event)
        stack.append(event)
        self.events.append(event)
        event.time_range.start = event.time_range.end = self.now()
        return event

    def end(self, event: FunctionEvent, out: Any = None, inputs: Any = ()) -> None:
        """Close ``event`` (and any left open inside it on this thread); with
        ``profile_memory``, note the bytes ``out`` holds that are not views of ``inputs``."""
        event.time_range.end = self.now()
        event.ended = True
        if self.profile_memory and out is not None:
            event.memory = _output_bytes(out, inputs)
        stack = _stacks.open
        while stack:
            if stack.pop() is event:
                break

    def function_events(self, use_device: str | None = None) -> EventList:
        """The ended events, in the order they began."""
        info = dict(self.info, pid=os.getpid())
        return EventList([e for e in self.events if e.ended],
                         profile_memory=self.profile_memory, trace_info=info)


def _profiled_apply(cls: type, *args: Any, **kwargs: Any) -> Any:
    """``Function.apply`` while a profile records: the same call, timed as the op's event."""
    rec = _active
    if rec is None:
        return _APPLY.__func__(cls, *args, **kwargs)
    event = rec.begin(cls.__name__, args)
    out = None
    try:
        out = _APPLY.__func__(cls, *args, **kwargs)
    finally:
        rec.end(event, out, args[:1] if cls._view else ())
    return out


def _profiled_node_backward(node: Any, grads: list, capture: Any, anomaly: bool) -> tuple:
    """The engine's ``_node_backward`` while a profile records: the node's event is named
    ``<Op>Backward``, its inputs the gradients of the op's outputs."""
    rec = _active
    if rec is None:
        return _NODE_BACKWARD(node, grads, capture, anomaly)
    event = rec.begin(f"{node.name}Backward", grads, scope=1)
    out = None
    try:
        out = _NODE_BACKWARD(node, grads, capture, anomaly)
    finally:
        rec.end(event, out, grads)
    return out


_PROFILED_APPLY = classmethod(functools.wraps(_APPLY.__func__)(_profiled_apply))


def start(recorder: Recorder, who: str) -> None:
    """Make ``recorder`` the one that records, and swap in the timed calls."""
    global _active
    with _install_lock:
        if _active is not None:
            raise RuntimeError(
                f"{who}: another profiler is already recording; PyTorch allows one at a time "
                "too (leave the first profile's block before starting the next)"
            )
        _active = recorder
        Function.apply = _PROFILED_APPLY
        _autograd._node_backward = _profiled_node_backward


def stop(recorder: Recorder) -> None:
    """Stop ``recorder`` (if it records) and put the untimed calls back."""
    global _active
    with _install_lock:
        if _active is not recorder:
            return
        _active = None
        Function.apply = _APPLY
        _autograd._node_backward = _NODE_BACKWARD


def is_recording() -> bool:
    """Whether a profile records right now (on any thread)."""
    return _active is not None


class record_function(contextlib.ContextDecorator):
    """A named range in the profile: ``with record_function("loss"): ...`` or as a decorator.
    Its event nests the ops called inside; outside a profile it does nothing."""

    def __init__(self, name: str, args: str | None = None) -> None:
        if not isinstance(name, str):
            raise TypeError(f"record_function: name must be a str, got {type(name).__name__}")
        self.name = name
        self.args = args
        self._event: FunctionEvent | None = None
        self._recorder: Recorder | None = None

    def __enter__(self) -> record_function:
        rec = _active
        if rec is not None:
            self._recorder = rec
            self._event = rec.begin(self.name, annotation=True)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._event is not None and self._recorder is not None:
            self._recorder.end(self._event)
        self._event = self._recorder = None

    def _recreate_cm(self) -> record_function:
        return record_function(self.name, self.args)  # each decorated call gets its own range

