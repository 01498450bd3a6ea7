"""``EventList.table()``: PyTorch's profiler table, column for column (Name, Self CPU %,
Self CPU, CPU total %, CPU total, CPU time avg, CPU Mem and Self CPU Mem with
``profile_memory``, # of Calls, Input Shapes when rows carry them), the same widths and
number formats, and the closing ``Self CPU time total`` line."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .events import _format_time

__all__ = ["build_table"]

_WIDTH = 12  # PyTorch's DEFAULT_COLUMN_WIDTH
_SPACING = 2
_UNITS = {"s": 1e6, "ms": 1e3, "us": 1.0}


def _format_share(time_us: float, total_us: float) -> str:
    return "NaN" if total_us == 0 else f"{time_us * 100.0 / total_us:.2f}%"


def _format_memory(nbytes: int) -> str:
    for unit, size in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if abs(nbytes) >= size:
            return f"{nbytes * 1.0 / size:.2f} {unit}"
    return f"{nbytes} B"


def _format(time_us: float, time_unit: str | None) -> str:
    if time_unit in _UNITS:
        return f"{time_us / _UNITS[time_unit]:.3f}{time_unit}"
    return _format_time(time_us)


def _sorted(events: Sequence, sort_by: str | None) -> list:
    """The rows, largest ``sort_by`` first; a key no event has is refused by name."""
    if sort_by is None:
        return list(events)
    attr = sort_by.replace("cuda", "device").replace("xpu", "device")
    if not hasattr(events[0], attr):
        raise AttributeError(
            f"table: sort_by={sort_by!r} is not an attribute of a profiler event; use one of "
            "'cpu_time_total', 'self_cpu_time_total', 'cpu_time', 'count', "
            "'cpu_memory_usage', 'self_cpu_memory_usage'"
        )
    return sorted(events, key=lambda e: getattr(e, attr), reverse=True)


def _width(texts: list[str], limit: int | None) -> int:
    """A column's width: its longest text and 4, at most ``limit``."""
    width = max(len(t) for t in texts) + 4
    return width if limit is None else min(width, limit)


class _Layout:
    """The columns of one table: headers, widths, and the row format they make."""

    def __init__(self, events: Sequence, profile_memory: bool, name_width: int | None,
                 shapes_width: int | None) -> None:
        self.headers = ["Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total",
                        "CPU time avg"]
        if profile_memory:
            self.headers += ["CPU Mem", "Self CPU Mem"]
        self.headers.append("# of Calls")
        self.name_width = _width([e.key for e in events], name_width)
        widths = [self.name_width] + [_WIDTH] * (len(self.headers) - 1)
        self.has_shapes = any(e.input_shapes for e in events)
        if self.has_shapes:
            self.shapes_width = _width([str(e.input_shapes) for e in events], shapes_width)
            self.headers.append("Input Shapes")
            widths.append(self.shapes_width)
        self.format = "".join("{: >" + str(w) + "}" + " " * _SPACING for w in widths)
        self.separator = "".join("-" * w + " " * _SPACING for w in widths)
        self.line_length = sum(w + _SPACING for w in widths) - _SPACING


def _row(evt: Any, layout: _Layout, total: float, profile_memory: bool,
         time_unit: str | None) -> str:
    name = evt.key
    limit = layout.name_width
    if len(name) >= limit - 3:
        name = name[: limit - 3] + "..."
    values: list[Any] = [
        name,
        _format_share(evt.self_cpu_time_total, total),
        _format(evt.self_cpu_time_total, time_unit),
        _format_share(evt.cpu_time_total, total),
        _format(evt.cpu_time_total, time_unit),
        _format(evt.cpu_time, time_unit),
    ]
    if profile_memory:
        values += [_format_memory(evt.cpu_memory_usage),
                   _format_memory(evt.self_cpu_memory_usage)]
    values.append(evt.count)
    if layout.has_shapes:
        values.append(str(evt.input_shapes)[: layout.shapes_width])
    return layout.format.format(*values)


def build_table(events: Sequence, sort_by: str | None = None, header: str | None = None,
                row_limit: int = 100, max_name_column_width: int | None = 55,
                max_shapes_column_width: int | None = 80, profile_memory: bool = False,
                top_level_events_only: bool = False, time_unit: str | None = None) -> str:
    """The table of ``events`` as one string ("" for no events), as PyTorch prints it."""
    if len(events) == 0:
        return ""
    rows = _sorted(events, sort_by)
    layout = _Layout(rows, profile_memory, max_name_column_width, max_shapes_column_width)
    total = sum(e.self_cpu_time_total for e in rows)
    lines = []
    if header is not None:
        lines += ["=" * layout.line_length, header]
    if top_level_events_only:
        lines += ["=" * layout.line_length, "This report only display top-level ops statistics"]
    lines += [layout.separator, layout.format.format(*layout.headers), layout.separator]
    if top_level_events_only:
        rows = [e for e in rows if e.cpu_parent is None]
    if row_limit >= 0:
        rows = rows[:row_limit]
    lines += [_row(e, layout, total, profile_memory, time_unit) for e in rows]
    lines += [layout.separator, f"Self CPU time total: {_format(total, time_unit)}"]
    return "\n".join(lines) + "\n"
