"""docs/porting.md's training script is PyTorch code: it runs unchanged under PyTorch with
PyTorch's imports, and under minigrad with minigrad's."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parents[1] / "docs" / "porting.md"
TORCH_IMPORTS = """
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.optim.lr_scheduler import StepLR
from torch.utils.data import DataLoader, Dataset, TensorDataset
"""


def _blocks() -> tuple[str, str]:
    blocks = re.findall(r"```python\n(.*?)```", PAGE.read_text(), re.S)
    return blocks[0], blocks[1]


MINIGRAD_IMPORTS = """
import minigrad as torch
import minigrad.nn as nn
import minigrad.nn.functional as F
import minigrad.optim as optim
from minigrad.optim.lr_scheduler import StepLR
from minigrad.utils.data import DataLoader, Dataset, TensorDataset
"""


def test_the_imports_are_the_documented_ones() -> None:
    imports, _ = _blocks()
    assert imports.strip() == MINIGRAD_IMPORTS.strip()


@pytest.mark.parametrize("library", ["minigrad", "torch"])
def test_the_script_runs_under_both_libraries(library: str, capsys) -> None:  # noqa: ANN001
    imports, script = _blocks()
    if library == "torch":
        pytest.importorskip("torch")
        imports = TORCH_IMPORTS
    exec(compile(imports + script, str(PAGE), "exec"), {"__name__": "porting_script"})
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == ["epoch 0", "epoch 1"]
    assert all("test accuracy" in line and "/16" in line for line in lines)
