"""The benchmark scripts run: a change to the library that breaks one (as ``.data`` becoming a
Tensor once did) shows up here, not when someone next measures. Each runs once, with the
fewest rounds its options allow; nothing is asserted about the times."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"

RUNS = {  # id: (script, arguments, environment)
    "train_step": ("train_step.py", ["--repeat", "1"], {}),
    "conv": ("conv.py", ["--repeat", "1"], {}),
    "overhead": ("overhead.py", ["--rounds", "1"], {}),
    # every workload in one process (a worker process per library and workload would start
    # 18 interpreters that import torch), then the worker protocol once, on the smallest,
    # with this checkout as its own baseline
    "cnn_workloads": ("cnn_workloads.py", ["--repeat", "1", "--inner", "1"], {"BENCH_SHARED": "1"}),
    "cnn_workloads_in_workers": ("cnn_workloads.py", ["--repeat", "1", "--inner", "1"],
                                 {"BENCH_ONLY": "inference",
                                  "BENCH_BASELINE": str(BENCHMARKS.parent)}),
}


@pytest.mark.slow
@pytest.mark.parametrize("run", sorted(RUNS))
def test_the_benchmark_runs(run: str) -> None:
    pytest.importorskip("torch", reason="the benchmarks compare with PyTorch")
    script, arguments, env = RUNS[run]
    done = subprocess.run([sys.executable, str(BENCHMARKS / script), *arguments],
                          capture_output=True, text=True, timeout=900, cwd=BENCHMARKS.parent,
                          env={**os.environ, **env})
    assert done.returncode == 0, f"{script} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    assert "minigrad" in done.stdout.lower()
    if "BENCH_BASELINE" in env:
        assert "vs baseline" in done.stdout


def _cnn_worker(lib: str, **env: str) -> str:
    """What a cnn_workloads.py worker for ``lib`` prints on the max-pool workload, then
    whether torch was loaded and where minigrad came from."""
    code = ("import runpy, sys; sys.argv = ['cnn_workloads.py', '--inner', '1']; "
            "runpy.run_path(sys.argv[0], run_name='__main__'); "
            "print('torch loaded:', 'torch' in sys.modules); "
            "print('minigrad from:', sys.modules['minigrad'].__file__)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, cwd=BENCHMARKS, input="",
                          env={**os.environ, "BENCH_WORKER": f"maxpool:{lib}", **env})
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split()[0] == "ready"
    return done.stdout


def test_minigrad_workers_of_the_cnn_workloads_do_not_load_pytorch() -> None:
    """minigrad is timed in a process without torch, as its users run it (torch's own OpenMP
    runtime in the process slowed numba's parallel loops by 12-31%)."""
    assert "torch loaded: False" in _cnn_worker("minigrad")


def test_the_baseline_worker_imports_minigrad_from_the_baseline_checkout(tmp_path: Path) -> None:
    """BENCH_BASELINE: the baseline contestant's worker runs the other checkout's minigrad."""
    (tmp_path / "minigrad").symlink_to(BENCHMARKS.parent / "minigrad", target_is_directory=True)
    # without the compiled kernels: numba would compile them again for the new path (30 s)
    out = _cnn_worker("minigrad-baseline", BENCH_BASELINE=str(tmp_path), BENCH_COMPILED="off")
    assert f"minigrad from: {tmp_path / 'minigrad'}" in out
    assert "torch loaded: False" in out


def _harness():  # noqa: ANN202
    spec = importlib.util.spec_from_file_location("bench_harness", BENCHMARKS / "_harness.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_rounds_take_the_contestants_in_turn() -> None:
    """Over as many rounds as contestants each runs once in every position of a round (a
    fixed order measured a bias of about a tenth between two runs of the same code)."""
    names = ["minigrad", "torch", "reference", "numpy only", "baseline"]
    orders = [_harness().in_turn(names, k) for k in range(len(names))]
    assert all(sorted(order) == sorted(names) for order in orders)
    for position in range(len(names)):
        assert sorted(order[position] for order in orders) == sorted(names)


def test_interleaved_rounds_rotate_the_order() -> None:
    calls: list[str] = []
    fns = {name: (lambda name=name: calls.append(name)) for name in "abc"}
    times = _harness().interleaved_rounds(fns, rounds=3)
    assert calls == list("abc" "abc" "bca" "cab")  # one warm-up each, then three rounds
    assert {name: len(t) for name, t in times.items()} == {"a": 3, "b": 3, "c": 3}
