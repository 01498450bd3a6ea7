"""What a profile holds: ``FunctionEvent`` (one timed call), ``FunctionEventAvg`` (the calls
of one name, summed) and ``EventList`` (a list of either, with ``key_averages``, ``table``
and ``export_chrome_trace``), under the attribute names of PyTorch's
``torch.autograd.profiler_util`` so code that reads a profile works on both.

Times are microseconds (floats), as in PyTorch. An event's self time is its total less the
totals of the events nested directly inside it on the same thread."""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from typing import Any

__all__ = ["DeviceType", "EventList", "FunctionEvent", "FunctionEventAvg", "Interval"]


class DeviceType(Enum):
    """Where an event ran: always the CPU here (PyTorch's ``torch.autograd.DeviceType``)."""

    CPU = 0


def _format_time(time_us: float) -> str:
    """PyTorch's rendering of a time: s, ms or us with three decimals."""
    if time_us >= 1e6:
        return f"{time_us / 1e6:.3f}s"
    if time_us >= 1e3:
        return f"{time_us / 1e3:.3f}ms"
    return f"{time_us:.3f}us"


def _time_str(name: str) -> property:
    return property(lambda self: _format_time(getattr(self, name)))


class _Times:
    """The derived and formatted times PyTorch's events share (``FormattedTimesMixin``)."""

    count: int
    cpu_time_total: float
    device_time_total: float = 0.0
    self_device_time_total: float = 0.0
    device_memory_usage: int = 0
    self_device_memory_usage: int = 0
    flops: int = 0
    node_id: int = -1
    is_async = False
    is_remote = False
    is_legacy = False
    use_device: str | None = None
    overload_name = ""
    device_type = DeviceType.CPU

    cpu_time_str = _time_str("cpu_time")
    cpu_time_total_str = _time_str("cpu_time_total")
    self_cpu_time_total_str = _time_str("self_cpu_time_total")
    device_time_str = _time_str("device_time")
    device_time_total_str = _time_str("device_time_total")
    self_device_time_total_str = _time_str("self_device_time_total")

    @property
    def cpu_time(self) -> float:
        """Average CPU time per call."""
        return 0.0 if self.count == 0 else self.cpu_time_total / self.count

    @property
    def device_time(self) -> float:
        """Average device time per call: 0 (minigrad runs on the CPU only)."""
        return 0.0


class Interval:
    """An event's start and end, in microseconds since the profile began."""

    def __init__(self, start: float, end: float) -> None:
        self.start = start
        self.end = end

    def elapsed_us(self) -> float:
        """The length of the interval."""
        return self.end - self.start


class FunctionEvent(_Times):
    """One call: an op's forward (its Function's name: ``Conv2d``), a backward node
    (``Conv2dBackward``) or a ``record_function`` range, with its nesting on its thread."""

    count = 1

    def __init__(self, id: int, name: str, thread: int, start_us: float,
                 input_shapes: list | None = None, scope: int = 0,
                 is_user_annotation: bool = False) -> None:
        self.id = id
        self.trace_name = name  # the trace keeps each step's number; the table groups them
        self.name = "ProfilerStep*" if name.startswith("ProfilerStep#") else name
        self.thread = thread
        self.time_range = Interval(start_us, start_us)
        self.input_shapes = input_shapes if input_shapes is not None else []
        self.scope = scope  # 0 forward, 1 backward: PyTorch's RecordScope numbers
        self.is_user_annotation = is_user_annotation
        self.cpu_children: list[FunctionEvent] = []
        self.cpu_parent: FunctionEvent | None = None
        self.memory = 0  # bytes of the outputs this call made itself
        self.ended = False
        self.stack: list[str] = []

    @property
    def key(self) -> str:
        """What ``key_averages`` groups by: the name."""
        return self.name

    @property
    def cpu_time_total(self) -> float:
        """Start to end, the nested events included."""
        return self.time_range.elapsed_us()

    @property
    def self_cpu_time_total(self) -> float:
        """The total less the direct children's totals (same thread)."""
        return self.cpu_time_total - sum(c.cpu_time_total for c in self.cpu_children)

    @property
    def self_cpu_memory_usage(self) -> int:
        """Bytes of the outputs this call made, not counting nested calls."""
        return self.memory

    @property
    def cpu_memory_usage(self) -> int:
        """Bytes of outputs made inside this call, its children's included."""
        return self.memory + sum(c.cpu_memory_usage for c in self.cpu_children)

    def __repr__(self) -> str:
        return (f"<FunctionEvent id={self.id} name={self.name} thread={self.thread} "
                f"cpu_time={self.cpu_time_total_str} self_cpu_time="
                f"{self.self_cpu_time_total_str} input_shapes={self.input_shapes} "
                f"cpu_memory_usage={self.cpu_memory_usage}>")


class FunctionEventAvg(_Times):
    """The calls that share a key (a name, or a name and input shapes), summed: what one row
    of ``key_averages().table()`` shows."""

    def __init__(self) -> None:
        self.key: str | None = None
        self.count = 0
        self.cpu_time_total = 0.0
        self.self_cpu_time_total = 0.0
        self.cpu_memory_usage = 0
        self.self_cpu_memory_usage = 0
        self.input_shapes: Any = None
        self.stack: list | None = None
        self.scope: int | None = None
        self.cpu_children: list | None = None
        self.cpu_parent: FunctionEvent | None = None
        self.is_user_annotation = False

    def add(self, other: FunctionEvent | FunctionEventAvg) -> FunctionEventAvg:
        """Sum ``other`` into this row (its key must match)."""
        if self.key is None:
            self.key = other.key
            self.input_shapes = other.input_shapes
            self.stack = other.stack
            self.scope = other.scope
            self.cpu_parent = other.cpu_parent
            self.cpu_children = other.cpu_children
            self.is_user_annotation = other.is_user_annotation
        if other.key != self.key:
            raise ValueError(f"FunctionEventAvg.add: keys differ: {other.key!r} and {self.key!r}")
        self.count += other.count
        self.cpu_time_total += other.cpu_time_total
        self.self_cpu_time_total += other.self_cpu_time_total
        self.cpu_memory_usage += other.cpu_memory_usage
        self.self_cpu_memory_usage += other.self_cpu_memory_usage
        return self

    def __iadd__(self, other: FunctionEvent | FunctionEventAvg) -> FunctionEventAvg:
        return self.add(other)

    def __repr__(self) -> str:
        return (f"<FunctionEventAvg key={self.key} self_cpu_time={self.self_cpu_time_total_str} "
                f"cpu_time={self.cpu_time_str} input_shapes={self.input_shapes} "
                f"cpu_memory_usage={self.cpu_memory_usage}>")


class EventList(list):
    """A list of events (or of averages) that can summarise itself."""

    def __init__(self, events: Iterable = (), profile_memory: bool = False,
                 use_device: str | None = None, with_flops: bool = False,
                 trace_info: dict | None = None) -> None:
        super().__init__(events)
        self._profile_memory = profile_memory
        self._use_device = use_device
        self._trace_info = trace_info or {}

    @property
    def self_cpu_time_total(self) -> float:
        """The self times summed: the time spent inside any recorded event."""
        return sum(e.self_cpu_time_total for e in self)

    def key_averages(self, group_by_input_shapes: bool = False, group_by_stack_n: int = 0,
                     group_by_overload_name: bool = False) -> EventList:
        """One ``FunctionEventAvg`` per name (and per input shapes when grouped by them), in
        the order each key first appears."""
        stats: dict[tuple, FunctionEventAvg] = {}
        for e in self:
            key = (e.key, str(e.input_shapes) if group_by_input_shapes else "")
            stats.setdefault(key, FunctionEventAvg()).add(e)
        rows = EventList(stats.values(), profile_memory=self._profile_memory,
                         trace_info=self._trace_info)
        for row in rows:
            row.stack = (row.stack or [])[:group_by_stack_n]
            if not group_by_input_shapes:
                row.input_shapes = ""
        return rows

    def total_average(self) -> FunctionEventAvg:
        """Every event summed into one row named ``Total``."""
        total = FunctionEventAvg()
        for e in self:
            total.key = e.key
            total.add(e)
        total.key = "Total"
        return total

    def table(self, sort_by: str | None = None, row_limit: int = 100,
              max_src_column_width: int = 75, max_name_column_width: int = 55,
              max_shapes_column_width: int = 80, header: str | None = None,
              top_level_events_only: bool = False, time_unit: str | None = None) -> str:
        """PyTorch's table: one row per event, sorted by the attribute ``sort_by`` (largest
        first), at most ``row_limit`` rows (-1 for all)."""
        from .table import build_table

        return build_table(self, sort_by=sort_by, header=header, row_limit=row_limit,
                           max_name_column_width=max_name_column_width,
                           max_shapes_column_width=max_shapes_column_width,
                           profile_memory=self._profile_memory,
                           top_level_events_only=top_level_events_only, time_unit=time_unit)

    def export_chrome_trace(self, path: str) -> None:
        """Write the events as a Chrome trace (chrome://tracing, Perfetto)."""
        from .trace import export_chrome_trace

        export_chrome_trace(self, path, self._trace_info)

    def __str__(self) -> str:
        return self.table()
