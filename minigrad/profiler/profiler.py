"""The profilers: ``torch.profiler.profile`` (activities, a ``schedule`` stepped with
``step()``, ``on_trace_ready``) and the older ``torch.autograd.profiler.profile`` (one block,
then ``function_events``), with PyTorch's arguments, and ``schedule`` and
``tensorboard_trace_handler`` as PyTorch writes them."""

from __future__ import annotations

import os
import socket
import time
import warnings
from collections.abc import Callable, Iterable
from enum import Enum
from typing import Any

from . import recorder as _recorder
from .events import EventList, FunctionEventAvg
from .recorder import Recorder, record_function

__all__ = ["LegacyProfile", "ProfilerAction", "ProfilerActivity", "profile", "schedule",
           "supported_activities", "tensorboard_trace_handler"]


class ProfilerActivity(Enum):
    """What to record: only ``CPU`` exists here; the others are accepted and warned about."""

    CPU = 0
    XPU = 1
    MTIA = 2
    CUDA = 3
    HPU = 4
    PrivateUse1 = 5


class ProfilerAction(Enum):
    """What a schedule asks of a step."""

    NONE = 0
    WARMUP = 1
    RECORD = 2
    RECORD_AND_SAVE = 3


def supported_activities() -> set[ProfilerActivity]:
    """The activities this build can record: the CPU."""
    return {ProfilerActivity.CPU}


def schedule(*, wait: int, warmup: int, active: int, repeat: int = 0, skip_first: int = 0,
             skip_first_wait: int = 0) -> Callable[[int], ProfilerAction]:
    """PyTorch's schedule: skip ``skip_first`` steps, then cycles of ``wait`` idle steps,
    ``warmup`` steps and ``active`` recorded ones (the last RECORD_AND_SAVE), ``repeat``
    cycles (0: for ever)."""

    def schedule_fn(step: int) -> ProfilerAction:
        if step < 0:
            raise AssertionError(f"schedule: step must be non-negative, got {step}")
        if step < skip_first:
            return ProfilerAction.NONE
        step -= skip_first
        if skip_first_wait != 0:
            step += wait
        num_steps = wait + warmup + active
        if repeat > 0 and step / num_steps >= repeat:
            return ProfilerAction.NONE
        mod_step = step % num_steps
        if mod_step < wait:
            return ProfilerAction.NONE
        if mod_step < wait + warmup:
            return ProfilerAction.WARMUP
        return (ProfilerAction.RECORD if mod_step < num_steps - 1
                else ProfilerAction.RECORD_AND_SAVE)

    if wait < 0 or warmup < 0 or active <= 0 or repeat < 0 or skip_first < 0:
        raise AssertionError(
            f"schedule: invalid arguments wait={wait} (need >= 0), warmup={warmup} "
            f"(need >= 0), active={active} (need > 0), repeat={repeat} (need >= 0), "
            f"skip_first={skip_first} (need >= 0)"
        )
    if warmup == 0:
        warnings.warn("Profiler won't be using warmup, this can skew profiler results",
                      stacklevel=2)
    return schedule_fn


def _default_schedule(_: int) -> ProfilerAction:
    return ProfilerAction.RECORD


def tensorboard_trace_handler(dir_name: str, worker_name: str | None = None,
                              use_gzip: bool = False,
                              use_python_export: bool = False) -> Callable[[Any], None]:
    """An ``on_trace_ready`` that writes each finished cycle's Chrome trace into
    ``dir_name`` as ``<worker>.<ns>.pt.trace.json`` (PyTorch's names; TensorBoard's profiler
    plugin reads the folder, no TensorBoard needed to write it)."""

    def handler_fn(prof: Any) -> None:
        nonlocal worker_name
        try:
            os.makedirs(dir_name, exist_ok=True)
        except OSError as e:
            raise RuntimeError(f"tensorboard_trace_handler: can't create directory: "
                               f"{dir_name}") from e
        if not worker_name:
            worker_name = f"{socket.gethostname()}_{os.getpid()}"
        name = f"{worker_name}.{time.time_ns()}.pt.trace.json" + (".gz" if use_gzip else "")
        prof.export_chrome_trace(os.path.join(dir_name, name))

    return handler_fn


class _Results:
    """What both profilers answer once they hold events."""

    _recorder: Recorder | None
    profile_memory: bool

    def _events(self, who: str) -> EventList:
        if self._recorder is None:
            raise AssertionError(f"{who}: the profiler has recorded nothing yet (enter its "
                                 "with block, or call start(), first)")
        return self._recorder.function_events()

    def key_averages(self, group_by_input_shape: bool = False, group_by_stack_n: int = 0,
                     group_by_overload_name: bool = False) -> EventList:
        """One ``FunctionEventAvg`` per op name (and input shapes, when grouped by them)."""
        return self._events("key_averages").key_averages(group_by_input_shape,
                                                          group_by_stack_n)

    def export_chrome_trace(self, path: str, use_python_export: bool = False) -> None:
        """Write the recorded events as a Chrome trace JSON file."""
        self._events("export_chrome_trace").export_chrome_trace(path)


_TRANSITIONS: dict[tuple, tuple[str, ...]] = {
    # (previous action, next action) -> what to do, as PyTorch's profile.action_map
    (ProfilerAction.NONE, ProfilerAction.WARMUP): ("prepare_trace",),
    (ProfilerAction.NONE, ProfilerAction.RECORD): ("prepare_trace", "start_trace"),
    (ProfilerAction.NONE, ProfilerAction.RECORD_AND_SAVE): ("prepare_trace", "start_trace"),
    (ProfilerAction.WARMUP, ProfilerAction.NONE): ("warn", "start_trace", "stop_trace"),
    (ProfilerAction.WARMUP, ProfilerAction.RECORD): ("start_trace",),
    (ProfilerAction.WARMUP, ProfilerAction.RECORD_AND_SAVE): ("start_trace",),
    (ProfilerAction.RECORD, ProfilerAction.NONE): ("warn", "stop_trace"),
    (ProfilerAction.RECORD, ProfilerAction.WARMUP): ("warn", "stop_trace"),
    (ProfilerAction.RECORD_AND_SAVE, ProfilerAction.NONE): ("stop_trace", "_trace_ready"),
    (ProfilerAction.RECORD_AND_SAVE, ProfilerAction.WARMUP):
        ("stop_trace", "_trace_ready", "prepare_trace"),
    (ProfilerAction.RECORD_AND_SAVE, ProfilerAction.RECORD):
        ("stop_trace", "_trace_ready", "prepare_trace", "start_trace"),
    (ProfilerAction.RECORD_AND_SAVE, ProfilerAction.RECORD_AND_SAVE):
        ("stop_trace", "_trace_ready", "prepare_trace", "start_trace"),
    (ProfilerAction.WARMUP, None): ("start_trace", "stop_trace"),
    (ProfilerAction.RECORD, None): ("stop_trace", "_trace_ready"),
    (ProfilerAction.RECORD_AND_SAVE, None): ("stop_trace", "_trace_ready"),
}


def _activities(activities: Iterable | None) -> set:
    chosen = set(supported_activities() if activities is None else activities)
    if not chosen:
        raise AssertionError("profile: No valid profiler activities found")
    others = sorted(a.name for a in chosen if a is not ProfilerActivity.CPU)
    if others:
        warnings.warn(f"profile: minigrad runs on the CPU only; activities {others} record "
                      "nothing", stacklevel=3)
    return chosen


class profile(_Results):
    """``torch.profiler.profile``: record the ops (forward and backward) run inside the
    block or between ``start()`` and ``stop()``; with a ``schedule``, ``step()`` marks each
    training step and ``on_trace_ready`` gets the profiler at the end of each cycle.

    ``with_stack``, ``with_flops`` and ``with_modules`` are accepted and record nothing."""

    def __init__(self, *, activities: Iterable | None = None,
                 schedule: Callable[[int], ProfilerAction] | None = None,
                 on_trace_ready: Callable[..., Any] | None = None, record_shapes: bool = False,
                 profile_memory: bool = False, with_stack: bool = False,
                 with_flops: bool = False, with_modules: bool = False,
                 experimental_config: Any = None, execution_trace_observer: Any = None,
                 acc_events: bool = False, use_cuda: bool | None = None,
                 custom_trace_id_callback: Callable[[], str] | None = None,
                 post_processing_timeout_s: float | None = None) -> None:
        self.activities = _activities(activities)
        self.record_shapes = record_shapes
        self.profile_memory = profile_memory
        self.with_stack, self.with_flops, self.with_modules = with_stack, with_flops, with_modules
        self.acc_events = acc_events
        self.schedule = schedule or _default_schedule
        self.record_steps = schedule is not None
        self.on_trace_ready = on_trace_ready
        self.step_num = 0
        self.current_action = self.schedule(self.step_num)
        self.step_rec_fn: record_function | None = None
        self._recorder: Recorder | None = None
        self._recording = False

    def __enter__(self) -> profile:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _transit(self, prev: ProfilerAction, current: ProfilerAction | None) -> None:
        for action in _TRANSITIONS.get((prev, current), ()):
            if action == "warn":
                warnings.warn(f"Incorrect schedule: {prev.name} followed by "
                              f"{current.name if current else None}", stacklevel=3)
            else:
                getattr(self, action)()

    def _begin_step(self) -> None:
        if self.record_steps and self._recording:
            self.step_rec_fn = record_function(f"ProfilerStep#{self.step_num}")
            self.step_rec_fn.__enter__()

    def _end_step(self) -> None:
        if self.step_rec_fn is not None:
            self.step_rec_fn.__exit__(None, None, None)
            self.step_rec_fn = None

    def start(self) -> None:
        """Begin: act on the schedule's first step."""
        self._transit(ProfilerAction.NONE, self.current_action)
        self._begin_step()

    def stop(self) -> None:
        """End: stop recording and, if a cycle was recording, hand it to on_trace_ready."""
        self._end_step()
        self._transit(self.current_action, None)

    def step(self) -> None:
        """The next training step begins: act on what the schedule says of it."""
        self._end_step()
        prev = self.current_action
        self.step_num += 1
        self.current_action = self.schedule(self.step_num)
        self._transit(prev, self.current_action)
        self._begin_step()

    def prepare_trace(self) -> None:
        """A fresh collection of events (kept across cycles with ``acc_events=True``)."""
        if self._recorder is None or not self.acc_events:
            self._recorder = Recorder(self.record_shapes, self.profile_memory)

    def start_trace(self) -> None:
        """Start recording into the current collection."""
        if self._recorder is None:
            self.prepare_trace()
        _recorder.start(self._recorder, "profile")
        self._recording = True

    def stop_trace(self) -> None:
        """Stop recording (the events stay until the next ``prepare_trace``)."""
        if self._recorder is not None:
            _recorder.stop(self._recorder)
        self._recording = False

    def _trace_ready(self) -> None:
        if self.on_trace_ready:
            self.on_trace_ready(self)

    def events(self) -> EventList:
        """The recorded calls, one ``FunctionEvent`` each, in the order they began."""
        return self._events("events")

    def add_metadata(self, key: str, value: str) -> None:
        """A string written at the top of the exported trace."""
        self.add_metadata_json(key, value)

    def add_metadata_json(self, key: str, value: Any) -> None:
        """A value written at the top of the exported trace."""
        if self._recorder is None:
            self.prepare_trace()
        self._recorder.info[key] = value


class LegacyProfile(_Results):
    """``torch.autograd.profiler.profile``: record the ops run inside one ``with`` block;
    afterwards ``function_events``, ``key_averages()``, ``table()``, ``total_average()``.
    ``enabled=False`` records nothing. Device, stack, FLOP and module options are accepted
    and record nothing."""

    def __init__(self, enabled: bool = True, *, use_cuda: bool = False,
                 use_device: str | None = None, record_shapes: bool = False,
                 with_flops: bool = False, profile_memory: bool = False,
                 with_stack: bool = False, with_modules: bool = False, use_kineto: bool = False,
                 use_cpu: bool = True, experimental_config: Any = None,
                 acc_events: bool = False, custom_trace_id_callback: Any = None,
                 post_processing_timeout_s: float | None = None,
                 activity_filters: Any = None) -> None:
        self.enabled = enabled
        self.record_shapes = record_shapes
        self.profile_memory = profile_memory
        self._recorder: Recorder | None = None
        self._function_events: EventList | None = None
        self.entered = False

    def __enter__(self) -> LegacyProfile:
        if self.entered:
            raise RuntimeError("profile: profiler context manager is not reentrant")
        self.entered = True
        if self.enabled:
            self._recorder = Recorder(self.record_shapes, self.profile_memory)
            _recorder.start(self._recorder, "profile")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._recorder is not None:
            _recorder.stop(self._recorder)
            self._function_events = self._recorder.function_events()

    @property
    def function_events(self) -> EventList | None:
        """The recorded calls (None for a disabled profile); only after the block."""
        if self._recorder is not None and self._function_events is None:
            raise RuntimeError("function_events: Profiler didn't finish running")
        return self._function_events

    def _events(self, who: str) -> EventList:
        events = self.function_events
        if events is None:
            raise AssertionError(f"{who}: the profiler recorded nothing (enabled=False, or "
                                 "its with block has not run)")
        return events

    def table(self, sort_by: str | None = None, row_limit: int = 100,
              max_src_column_width: int = 75, max_name_column_width: int = 55,
              max_shapes_column_width: int = 80, header: str | None = None,
              top_level_events_only: bool = False) -> str:
        """The table of the recorded calls themselves (not averaged)."""
        return self._events("table").table(
            sort_by=sort_by, row_limit=row_limit, max_name_column_width=max_name_column_width,
            max_shapes_column_width=max_shapes_column_width, header=header,
            top_level_events_only=top_level_events_only)

    def total_average(self) -> FunctionEventAvg:
        """Every recorded call summed into one row."""
        return self._events("total_average").total_average()

    @property
    def self_cpu_time_total(self) -> float:
        """The time spent inside any recorded call, in microseconds."""
        return self._events("self_cpu_time_total").self_cpu_time_total

    def __str__(self) -> str:
        return self.table()
