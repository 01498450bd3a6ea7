"""Rewrite a PyTorch script's imports to minigrad: the one change docs/porting.md asks for."""

from __future__ import annotations

import re

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
