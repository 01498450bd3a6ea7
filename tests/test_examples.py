"""Every script in examples/ runs as is (``python examples/NAME.py``) and exits 0.

Each runs in a subprocess, in a temporary directory so files it writes land there. Scripts
that take more than ~2 s are marked slow. ``visualize_graph.py`` is run by
``tests/test_viz.py::test_the_example_runs_as_is``, which also checks the files it writes.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

HAVE_TORCH = importlib.util.find_spec("torch") is not None

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted(p.name for p in (ROOT / "examples").glob("*.py"))

# name -> (extra arguments, expected in stdout, slow?)
RUNS = {
    "custom_op.py": ([], "gradgradcheck: True", False),
    "gradient_penalty.py": ([], "match finite differences", True),  # ~6 s, ~40 s under load
    "hogwild.py": ([], "after Hogwild training in 4 processes", True),  # spawns 4 processes
    "port_to_torch.py": ([], "round trip OK" if HAVE_TORCH else "PyTorch is not installed", True),
    "tiny_mlp.py": ([], "final loss", False),
    "train_mnist.py": ([], "saved the trained weights to", True),  # 15 epochs, ~15-30 s
}
ELSEWHERE = {"visualize_graph.py": "tests/test_viz.py"}


def test_every_example_is_run_by_the_tests() -> None:
    assert sorted([*RUNS, *ELSEWHERE]) == EXAMPLES


def run(name: str, args: list[str], tmp_path: Path, env: dict | None = None
        ) -> subprocess.CompletedProcess:
    env = {**os.environ, "MPLBACKEND": "Agg", **(env or {})}
    return subprocess.run([sys.executable, str(ROOT / "examples" / name), *args], cwd=tmp_path,
                          capture_output=True, text=True, timeout=600, env=env)


@pytest.mark.parametrize("name", [
    pytest.param(n, marks=[pytest.mark.slow] if slow else [])
    for n, (_, _, slow) in RUNS.items()
])
def test_example_runs_and_exits_0(name: str, tmp_path: Path) -> None:
    args, expected, _ = RUNS[name]
    done = run(name, args, tmp_path)
    assert done.returncode == 0, f"{name} failed:\n{done.stdout}\n{done.stderr}"
    assert expected.lower() in done.stdout.lower(), done.stdout
    if name == "train_mnist.py":  # it writes into the folder it names, nowhere else
        written = tmp_path / "runs" / "train_mnist_example" / "simpleconvnet.safetensors"
        assert str(written) in done.stdout and written.is_file()
        assert sorted(p.name for p in tmp_path.iterdir()) == ["runs"]


def test_port_to_torch_exits_0_with_a_message_without_torch(tmp_path: Path) -> None:
    # a sitecustomize that makes `import torch` fail, as on a machine without PyTorch
    (tmp_path / "sitecustomize.py").write_text("import sys\nsys.modules['torch'] = None\n")
    path = os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])
    done = run("port_to_torch.py", [], tmp_path, {"PYTHONPATH": path})
    assert done.returncode == 0, done.stderr
    assert "PyTorch is not installed" in done.stdout, done.stdout
    assert "pip install torch==2.13.0" in done.stdout
