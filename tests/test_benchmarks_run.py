"""The benchmark scripts run: a change to the library that breaks one (as ``.data`` becoming a
Tensor once did) shows up here, not when someone next measures. Each runs once, with the
fewest rounds its options allow; nothing is asserted about the times."""

from __future__ import annotations

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
    # 18 interpreters that import torch), then the worker protocol once, on the smallest
    "cnn_workloads": ("cnn_workloads.py", ["--repeat", "1", "--inner", "1"], {"BENCH_SHARED": "1"}),
    "cnn_workloads_in_workers": ("cnn_workloads.py", ["--repeat", "1", "--inner", "1"],
                                 {"BENCH_ONLY": "inference"}),
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


def test_minigrad_workers_of_the_cnn_workloads_do_not_load_pytorch() -> None:
    """minigrad is timed in a process without torch, as its users run it (torch's own OpenMP
    runtime in the process slowed numba's parallel loops by 12-31%)."""
    code = ("import runpy, sys; sys.argv = ['cnn_workloads.py', '--inner', '1']; "
            "runpy.run_path(sys.argv[0], run_name='__main__'); "
            "print('torch loaded:', 'torch' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, cwd=BENCHMARKS, input="",
                          env={**os.environ, "BENCH_WORKER": "maxpool:minigrad"})
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split()[0] == "ready" and "torch loaded: False" in done.stdout
