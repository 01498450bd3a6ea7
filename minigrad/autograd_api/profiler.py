"""``minigrad.autograd.profiler``, as ``torch.autograd.profiler``: the older profiler
(``profile``: one ``with`` block, then ``key_averages().table()``) and ``record_function``,
re-exported from ``minigrad.profiler``, which records for both."""

from __future__ import annotations

from ..profiler import (
    DeviceType,
    EventList,
    FunctionEvent,
    FunctionEventAvg,
    ProfilerActivity,
    record_function,
)
from ..profiler import LegacyProfile as profile

__all__ = ["DeviceType", "EventList", "FunctionEvent", "FunctionEventAvg", "ProfilerActivity",
           "profile", "record_function"]
