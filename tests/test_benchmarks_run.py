"""The benchmark scripts run: a change to the library that breaks one (as ``.data`` becoming a
Tensor once did) shows up here, not when someone next measures. Each runs once, with the
fewest rounds its options allow; nothing is asserted about the times."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"

RUNS = {
    "train_step.py": ["--repeat", "1"],
    "conv.py": ["--repeat", "1"],
    "overhead.py": ["--rounds", "1"],
    "cnn_workloads.py": ["--repeat", "1", "--inner", "1"],
}


@pytest.mark.slow
@pytest.mark.parametrize("script", sorted(RUNS))
def test_the_benchmark_runs(script: str) -> None:
    pytest.importorskip("torch", reason="the benchmarks compare with PyTorch")
    done = subprocess.run([sys.executable, str(BENCHMARKS / script), *RUNS[script]],
                          capture_output=True, text=True, timeout=900, cwd=BENCHMARKS.parent)
    assert done.returncode == 0, f"{script} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    assert "minigrad" in done.stdout.lower()
