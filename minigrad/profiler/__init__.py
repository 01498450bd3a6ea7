"""``minigrad.profiler``, as ``torch.profiler``: where the time goes, op by op.

``profile`` records every op's forward (named by its minigrad Function: ``Conv2d``,
``MatMul``, ``Relu``) and every backward node (``Conv2dBackward``), nested per thread under
``record_function`` ranges, with input shapes (``record_shapes``) and the bytes of the
outputs each call made (``profile_memory``); ``key_averages().table()`` prints PyTorch's
table and ``export_chrome_trace`` writes a trace for chrome://tracing or Perfetto. Nothing
is hooked while no profile records (recorder.py). The older
``minigrad.autograd.profiler.profile`` is ``LegacyProfile`` here."""

from __future__ import annotations

from .events import DeviceType, EventList, FunctionEvent, FunctionEventAvg
from .profiler import (
    LegacyProfile,
    ProfilerAction,
    ProfilerActivity,
    profile,
    schedule,
    supported_activities,
    tensorboard_trace_handler,
)
from .recorder import record_function

__all__ = ["DeviceType", "EventList", "FunctionEvent", "FunctionEventAvg", "LegacyProfile",
           "ProfilerAction", "ProfilerActivity", "profile", "record_function", "schedule",
           "supported_activities", "tensorboard_trace_handler"]
