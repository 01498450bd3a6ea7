"""Rewrite a PyTorch script's imports to minigrad (the one change docs/porting.md asks for),
and run a script as it is and ported, as the tests of whole PyTorch programs do."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_RULES = (
    (re.compile(r"^import torch$", re.M), "import minigrad as torch"),
    (re.compile(r"^import torch\.([\w.]+) as (\w+)$", re.M), r"import minigrad.\1 as \2"),
    (re.compile(r"^from torch((?:\.\w+)*) import ", re.M), r"from minigrad\1 import "),
)


def port_imports(text: str) -> str:
    """``text`` with every top-level ``torch`` import pointing at minigrad instead."""
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    if re.search(r"^\s*(import|from) torch\b", text, re.M):
        raise ValueError("an import of torch was left that port_imports cannot rewrite")
    return text


def run(script: Path, *args: str, timeout: float = 300, env: dict | None = None) -> str:
    """The script's printed output (run from the repository root, with ``env`` added to the
    environment); fails with its stderr."""
    done = subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=timeout, env={**os.environ, **(env or {})})
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def ported(script: Path, tmp_path: Path) -> Path:
    """A copy of ``script`` in ``tmp_path`` with its imports rewritten to minigrad."""
    target = tmp_path / f"minigrad_{script.name}"
    target.write_text(port_imports(script.read_text()))
    return target
