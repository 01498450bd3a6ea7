"""minigrad.profiler and minigrad.autograd.profiler: the events a profile records (names,
counts, nesting, self and total times, shapes, memory), PyTorch's table and Chrome trace,
the schedule's step semantics against PyTorch's, and the same user code run under both."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings

import pytest

import minigrad
from minigrad import autograd
from minigrad.autograd import Function
from minigrad.profiler import (
    EventList,
    FunctionEventAvg,
    ProfilerAction,
    ProfilerActivity,
    profile,
    record_function,
    schedule,
    tensorboard_trace_handler,
)

ORIGINAL_APPLY = Function.__dict__["apply"]
ORIGINAL_NODE_BACKWARD = autograd._node_backward


def small_cnn(lib):
    lib.manual_seed(0)
    return lib.nn.Sequential(lib.nn.Conv2d(1, 4, 3), lib.nn.ReLU(), lib.nn.Flatten(),
                             lib.nn.Linear(4 * 6 * 6, 10))


def run_cnn(lib, prof_cls=None, **kwargs):
    """The brief's program: forward under a named range, then backward."""
    model = small_cnn(lib)
    x = lib.randn(2, 1, 8, 8)
    prof_cls = prof_cls or lib.profiler.profile
    with prof_cls(**kwargs) as prof:
        with lib.profiler.record_function("model_inference"):
            y = model(x)
        y.sum().backward()
    return prof


def names(events):
    return [e.key for e in events]


# --------------------------------------------------------------------------- events


def test_cnn_forward_and_backward_events_named_by_minigrad_ops():
    prof = run_cnn(minigrad, activities=[ProfilerActivity.CPU])
    keys = set(names(prof.key_averages()))
    assert {"model_inference", "Conv2d", "Relu", "Linear", "Sum"} <= keys
    assert {"Conv2dBackward", "ReluBackward", "LinearBackward", "SumBackward"} <= keys
    by_name = {e.name: e for e in prof.events()}
    assert by_name["Conv2d"].cpu_parent is by_name["model_inference"]
    assert by_name["Conv2dBackward"].cpu_parent is None  # backward ran outside the range
    assert by_name["Conv2dBackward"].scope == 1 and by_name["Conv2d"].scope == 0
    assert by_name["model_inference"].is_user_annotation


def test_counts_equal_calls_and_nested_ranges():
    x = minigrad.randn(5, 5, requires_grad=True)
    with profile() as prof:
        for _ in range(3):
            with record_function("outer"):
                with record_function("inner"):
                    y = x.relu()
                y = y.exp()
        y.sum().backward()
    avg = {e.key: e for e in prof.key_averages()}
    assert avg["Relu"].count == 3 and avg["Exp"].count == 3 and avg["outer"].count == 3
    assert avg["inner"].count == 3 and avg["SumBackward"].count == 1
    assert avg["ExpBackward"].count == 1 and avg["ReluBackward"].count == 1  # the last y
    for outer in (e for e in prof.events() if e.name == "outer"):
        inner, exp = outer.cpu_children
        assert (inner.name, exp.name) == ("inner", "Exp")
        assert [c.name for c in inner.cpu_children] == ["Relu"]
        assert outer.self_cpu_time_total == pytest.approx(
            outer.cpu_time_total - inner.cpu_time_total - exp.cpu_time_total)
        assert outer.time_range.start <= inner.time_range.start
        assert inner.time_range.end <= outer.time_range.end


def test_self_within_total_and_totals_consistent():
    prof = run_cnn(minigrad)
    events = prof.events()
    for e in events:
        assert 0 <= e.self_cpu_time_total <= e.cpu_time_total
    top = sum(e.cpu_time_total for e in events if e.cpu_parent is None)
    assert events.self_cpu_time_total == pytest.approx(top)
    rows = prof.key_averages()
    assert sum(r.count for r in rows) == len(events)
    assert sum(r.self_cpu_time_total for r in rows) == pytest.approx(top)
    for r in rows:
        assert r.self_cpu_time_total <= r.cpu_time_total + 1e-9
        assert r.cpu_time == pytest.approx(r.cpu_time_total / r.count)
    total = events.total_average()
    assert total.key == "Total" and total.count == len(events)


def table_names(table):
    lines = table.splitlines()
    seps = [i for i, line in enumerate(lines) if line.startswith("---")]
    return [line.split("  ")[0].strip() if line[:1] != " " else line.split()[0]
            for line in lines[seps[1] + 1: seps[2]]]


@pytest.mark.parametrize("key", ["cpu_time_total", "self_cpu_time_total", "count",
                                 "cpu_memory_usage", "self_cpu_memory_usage"])
def test_table_sorted_by_pytorch_key_names(key):
    prof = run_cnn(minigrad, profile_memory=True)
    rows = prof.key_averages()
    table = rows.table(sort_by=key, row_limit=-1)
    shown = table_names(table)
    assert len(shown) == len(rows)
    values = [getattr(next(r for r in rows if r.key == n), key) for n in shown]
    assert values == sorted(values, reverse=True)


def test_table_columns_row_limit_and_bad_sort_key():
    prof = run_cnn(minigrad)
    table = prof.key_averages().table(sort_by="cpu_time_total", row_limit=3)
    header = table.splitlines()[1]
    for column in ("Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total",
                   "CPU time avg", "# of Calls"):
        assert column in header
    assert "CPU Mem" not in header and "Input Shapes" not in header
    assert len(table_names(table)) == 3
    assert table.rstrip().splitlines()[-1].startswith("Self CPU time total: ")
    assert prof.key_averages().table(row_limit=0).count("\n") == 5
    with pytest.raises(AttributeError, match="table: sort_by='cpu_time_totl'"):
        prof.key_averages().table(sort_by="cpu_time_totl")
    assert EventList().table() == ""


def test_group_by_input_shape_matches_the_inputs():
    a, b, w = minigrad.randn(2, 3), minigrad.randn(5, 3), minigrad.randn(3, 4)
    with profile(record_shapes=True) as prof:
        a @ w
        b @ w
        b @ w
    rows = prof.key_averages(group_by_input_shape=True)
    shapes = {str(r.input_shapes): r.count for r in rows if r.key == "MatMul"}
    assert shapes == {"[[2, 3], [3, 4]]": 1, "[[5, 3], [3, 4]]": 2}
    table = rows.table(sort_by="count")
    assert "Input Shapes" in table.splitlines()[1] and "[[5, 3], [3, 4]]" in table
    plain = prof.key_averages()
    assert [r.count for r in plain if r.key == "MatMul"] == [3]
    assert all(r.input_shapes == "" for r in plain)


def test_shapes_not_recorded_unless_asked_and_backward_inputs_are_gradients():
    x = minigrad.randn(4, 3, requires_grad=True)
    with profile() as prof:
        x.tanh().sum().backward()
    assert all(e.input_shapes == [] for e in prof.events())
    with profile(record_shapes=True) as prof:
        x.tanh().sum().backward()
    shapes = {e.name: e.input_shapes for e in prof.events()}
    assert shapes["Tanh"] == [[4, 3]] and shapes["TanhBackward"] == [[4, 3]]
    assert shapes["SumBackward"] == [[]]


def test_profile_memory_counts_new_outputs_not_views():
    x = minigrad.randn(10, 10, dtype=minigrad.float64)
    with profile(profile_memory=True) as prof:
        with record_function("block"):
            x.relu()
            x.reshape(100)
    by_name = {e.name: e for e in prof.events()}
    assert by_name["Relu"].self_cpu_memory_usage == 800
    assert by_name["Reshape"].self_cpu_memory_usage == 0
    assert by_name["block"].self_cpu_memory_usage == 0
    assert by_name["block"].cpu_memory_usage == 800
    header = prof.key_averages().table().splitlines()[1]
    assert "CPU Mem" in header and "Self CPU Mem" in header


# --------------------------------------------------------------------------- trace


def test_chrome_trace_has_pytorch_fields(tmp_path):
    prof = run_cnn(minigrad, record_shapes=True)
    path = tmp_path / "trace.json"
    prof.export_chrome_trace(str(path))
    doc = json.loads(path.read_text())
    ops = [e for e in doc["traceEvents"] if e["ph"] == "X"]
    assert [e["name"] for e in ops] == names(prof.events())
    for e, ev in zip(ops, prof.events()):
        assert {"ph", "ts", "dur", "name", "pid", "tid", "cat"} <= e.keys()
        assert e["pid"] == os.getpid() and e["dur"] >= 0
        assert e["dur"] == pytest.approx(ev.cpu_time_total)
    conv = next(e for e in ops if e["name"] == "Conv2d")
    assert conv["args"]["Input Dims"][:2] == [[2, 1, 8, 8], [4, 1, 3, 3]]
    assert next(e for e in ops if e["name"] == "model_inference")["cat"] == "user_annotation"
    assert any(e["ph"] == "M" and e["name"] == "thread_name" for e in doc["traceEvents"])


# --------------------------------------------------------------------------- schedule

SCHEDULES = [
    dict(wait=1, warmup=1, active=2),
    dict(wait=1, warmup=1, active=2, repeat=1),
    dict(wait=2, warmup=1, active=3, repeat=2, skip_first=3),
    dict(wait=0, warmup=2, active=1, repeat=3),
    dict(wait=3, warmup=1, active=1, skip_first=2, skip_first_wait=1),
]


@pytest.mark.parametrize("kwargs", SCHEDULES)
def test_schedule_actions_match_pytorch(torch, kwargs):
    ours = schedule(**kwargs)
    theirs = torch.profiler.schedule(**kwargs)
    assert [ours(s).name for s in range(40)] == [theirs(s).name for s in range(40)]


def test_schedule_bad_arguments_and_warmup_warning(torch):
    for bad in (dict(wait=-1, warmup=1, active=1), dict(wait=0, warmup=1, active=0)):
        with pytest.raises(AssertionError):
            torch.profiler.schedule(**bad)
        with pytest.raises(AssertionError, match="schedule: invalid arguments"):
            schedule(**bad)
    with pytest.warns(UserWarning, match="won't be using warmup"):
        schedule(wait=1, warmup=0, active=1)


def scheduled_run(lib, kwargs, steps=9):
    """What each on_trace_ready call sees: the step ranges recorded in that cycle."""
    seen = []

    def ready(prof):
        seen.append(sorted({e.key for e in prof.key_averages()
                            if e.key.startswith(("step", "ProfilerStep"))}))

    x = lib.ones(3, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with lib.profiler.profile(schedule=lib.profiler.schedule(**kwargs),
                                  on_trace_ready=ready) as prof:
            for i in range(steps):
                with lib.profiler.record_function(f"step{i}"):
                    (x * 2).sum().backward()
                prof.step()
    return seen, prof.step_num


@pytest.mark.parametrize("kwargs", SCHEDULES[:4])
def test_scheduled_profile_records_the_same_steps_as_pytorch(torch, kwargs):
    assert scheduled_run(minigrad, kwargs) == scheduled_run(torch, kwargs)


def test_tensorboard_trace_handler_writes_one_file_per_cycle(tmp_path):
    x = minigrad.ones(3, requires_grad=True)
    with profile(schedule=schedule(wait=1, warmup=1, active=1, repeat=2),
                 on_trace_ready=tensorboard_trace_handler(str(tmp_path / "log"),
                                                          worker_name="w0")) as prof:
        for _ in range(8):
            (x * 2).sum().backward()
            prof.step()
    files = sorted(os.listdir(tmp_path / "log"))
    assert len(files) == 2
    assert all(f.startswith("w0.") and f.endswith(".pt.trace.json") for f in files)
    for f in files:
        doc = json.loads((tmp_path / "log" / f).read_text())
        assert "Mul" in [e["name"] for e in doc["traceEvents"]]


# --------------------------------------------------------------------------- off


def test_profiler_off_hooks_nothing_and_records_nothing():
    assert Function.__dict__["apply"] is ORIGINAL_APPLY
    assert autograd._node_backward is ORIGINAL_NODE_BACKWARD
    with record_function("outside"):  # no profile: nothing to record into, no error
        minigrad.ones(2).exp()
    p = profile(schedule=schedule(wait=5, warmup=1, active=1))
    with p:
        minigrad.ones(2).exp()  # step 0 of the schedule waits: nothing recorded
        assert Function.__dict__["apply"] is ORIGINAL_APPLY
    with pytest.raises(AssertionError, match="key_averages: the profiler has recorded"):
        p.key_averages()
    with pytest.raises(ValueError), profile():
        assert Function.__dict__["apply"] is not ORIGINAL_APPLY
        raise ValueError("user error inside the block")
    assert Function.__dict__["apply"] is ORIGINAL_APPLY
    assert autograd._node_backward is ORIGINAL_NODE_BACKWARD


def test_one_profile_at_a_time():
    with profile():
        with pytest.raises(RuntimeError, match="profile: another profiler is already"):
            with profile():
                pass
    assert Function.__dict__["apply"] is ORIGINAL_APPLY


def test_disabled_and_unfinished_legacy_profile():
    with autograd.profiler.profile(enabled=False) as prof:
        minigrad.ones(2).exp()
    assert prof.function_events is None
    with autograd.profiler.profile() as prof:
        minigrad.ones(2).exp()
        with pytest.raises(RuntimeError, match="Profiler didn't finish running"):
            _ = prof.function_events
    assert names(prof.function_events) == ["Exp"]
    with pytest.raises(TypeError, match="record_function: name must be a str"):
        record_function(3)


def test_record_function_as_decorator():
    @record_function("my_step")
    def step(x):
        return x.exp()

    with profile() as prof:
        step(minigrad.ones(2))
        step(minigrad.ones(2))
    avg = {e.key: e.count for e in prof.key_averages()}
    assert avg["my_step"] == 2 and avg["Exp"] == 2


def test_import_minigrad_does_not_load_the_profiler():
    code = ("import sys, minigrad; assert 'minigrad.profiler' not in sys.modules; "
            "import minigrad.autograd.profiler as p; assert p.profile is "
            "minigrad.profiler.LegacyProfile; assert minigrad.autograd.profiler is p")
    subprocess.run([sys.executable, "-c", code], check=True)


# --------------------------------------------------------------------------- vs PyTorch


def user_program(lib):
    """The brief's program, written once for either library."""
    from_prof = lib.profiler
    model = small_cnn(lib)
    inputs = lib.randn(5, 1, 8, 8)
    with from_prof.profile(activities=[from_prof.ProfilerActivity.CPU], record_shapes=True,
                           profile_memory=False) as prof:
        with from_prof.record_function("model_inference"):
            model(inputs)
    plain = prof.key_averages().table(sort_by="cpu_time_total", row_limit=10)
    shaped = prof.key_averages(group_by_input_shape=True).table(sort_by="cpu_time_total",
                                                                row_limit=10)
    first = prof.key_averages()[0]
    fields = (first.key, first.count, first.cpu_time_total, first.self_cpu_time_total,
              first.cpu_time, first.input_shapes, first.cpu_memory_usage,
              first.self_cpu_time_total_str, first.cpu_time_total_str)
    with lib.autograd.profiler.profile() as old:
        model(inputs).sum().backward()
    legacy = old.key_averages().table(sort_by="self_cpu_time_total", row_limit=5)
    return prof, plain, shaped, fields, legacy


def test_same_user_code_runs_on_both(torch, tmp_path):
    results = {}
    for lib in (minigrad, torch):
        prof, plain, shaped, fields, legacy = user_program(lib)
        prof.export_chrome_trace(str(tmp_path / f"{lib.__name__}.json"))
        trace = json.loads((tmp_path / f"{lib.__name__}.json").read_text())
        x_events = [e for e in trace["traceEvents"] if e.get("ph") == "X"]
        assert x_events and {"ph", "ts", "dur", "name", "pid", "tid"} <= x_events[0].keys()
        results[lib.__name__] = (plain, shaped, fields, legacy)
    for plain, shaped, fields, legacy in results.values():
        assert plain.splitlines()[1].split() == results["torch"][0].splitlines()[1].split()
        assert shaped.splitlines()[1].split()[-2:] == ["Input", "Shapes"]
        assert fields[0] == "model_inference" and fields[1] == 1
        assert fields[2] >= fields[3] >= 0 and fields[5] == ""
        assert "Self CPU time total:" in legacy
        assert isinstance(fields[2], (int, float)) and fields[7].endswith("s")


def test_event_average_attributes_match_pytorchs(torch):
    theirs = torch.autograd.profiler_util.FunctionEventAvg()
    ours = FunctionEventAvg()
    wanted = ["key", "count", "cpu_time_total", "self_cpu_time_total", "cpu_time",
              "input_shapes", "cpu_memory_usage", "self_cpu_memory_usage", "cpu_time_str",
              "cpu_time_total_str", "self_cpu_time_total_str", "device_time_total",
              "self_device_time_total", "node_id", "is_async", "stack", "scope",
              "cpu_parent", "cpu_children", "flops", "overload_name", "is_legacy"]
    for name in wanted:
        assert hasattr(theirs, name) and hasattr(ours, name), name
    assert [a.name for a in ProfilerAction] == [
        a.name for a in torch.profiler.ProfilerAction][:4]


def test_activities_other_than_cpu_warn():
    with pytest.warns(UserWarning, match="CPU only"):
        profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA])
    with pytest.raises(AssertionError, match="No valid profiler activities"):
        profile(activities=[])


def test_public_names_exist_in_pytorch(torch):
    import minigrad.profiler as ours

    for name in set(ours.__all__) - {"LegacyProfile", "DeviceType", "EventList",
                                     "FunctionEvent", "FunctionEventAvg"}:
        assert hasattr(torch.profiler, name), name
    for name in autograd.profiler.__all__:
        assert hasattr(torch.autograd.profiler, name) or hasattr(
            torch.autograd.profiler_util, name), name


def test_events_nest_per_thread():
    import threading

    def work():
        minigrad.ones(3).exp()

    with profile() as prof:
        with record_function("main_range"):
            t = threading.Thread(target=work)
            t.start()
            t.join()
            minigrad.ones(3).exp()
    exps = [e for e in prof.events() if e.name == "Exp"]
    assert len(exps) == 2 and len({e.thread for e in exps}) == 2
    main = next(e for e in prof.events() if e.name == "main_range")
    assert [c.name for c in main.cpu_children] == ["Exp"]  # the other thread's is not nested
    assert sum(e.cpu_parent is None for e in exps) == 1
