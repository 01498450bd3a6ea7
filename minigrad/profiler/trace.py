"""``export_chrome_trace``: the events as Chrome's trace-event JSON (what chrome://tracing,
Perfetto and TensorBoard's profiler plugin read), with PyTorch's fields: complete events
(``ph: "X"``) with ``name``, ``cat``, ``pid``, ``tid``, ``ts`` and ``dur`` in microseconds,
and the input shapes as ``args["Input Dims"]``."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from typing import Any

__all__ = ["export_chrome_trace", "trace_events"]


def _event(e: Any, index: int, pid: int) -> dict:
    args: dict[str, Any] = {"Ev Idx": index}
    if e.input_shapes:
        args["Input Dims"] = e.input_shapes
    if e.memory:
        args["Bytes"] = e.memory
    return {
        "ph": "X",
        "cat": "user_annotation" if e.is_user_annotation else "cpu_op",
        "name": e.trace_name,
        "pid": pid,
        "tid": e.thread,
        "ts": e.time_range.start,
        "dur": e.cpu_time_total,
        "args": args,
    }


def trace_events(events: Iterable) -> list[dict]:
    """The trace's event dicts: the threads' names first, then one per recorded call."""
    pid = os.getpid()
    events = list(events)
    threads = sorted({e.thread for e in events})
    meta = [{"ph": "M", "name": "process_name", "pid": pid, "tid": 0, "ts": 0,
             "args": {"name": "python"}}]
    meta += [{"ph": "M", "name": "thread_name", "pid": pid, "tid": t, "ts": 0,
              "args": {"name": f"thread {t} (python)"}} for t in threads]
    return meta + [_event(e, i, pid) for i, e in enumerate(events)]


def export_chrome_trace(events: Iterable, path: str, info: dict | None = None) -> None:
    """Write ``events`` to ``path`` as a Chrome trace (a JSON object with ``traceEvents``)."""
    document = {"schemaVersion": 1, "deviceProperties": [], **(info or {}),
                "displayTimeUnit": "ms", "traceEvents": trace_events(events),
                "traceName": os.fspath(path)}
    with open(path, "w", encoding="utf-8") as f:
        json.dump(document, f, indent=1)
