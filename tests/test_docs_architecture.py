"""docs/architecture.md maps every module of the package: a new file without its line on the
map fails here."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_module_is_on_the_architecture_map() -> None:
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    tree = re.search(r"```text\nminigrad/\n(.*?)```", page, re.S).group(1)
    named = set(re.findall(r"[\w.]+\.py|\w+/", tree))
    missing = []
    for path in sorted((ROOT / "minigrad").rglob("*.py")):
        rel = path.relative_to(ROOT / "minigrad")
        folders = [f"{p}/" for p in rel.parts[:-1]]
        if not set(folders) <= named or (rel.name not in named and rel.name != "__init__.py"):
            missing.append(str(rel))
    assert not missing, f"not on docs/architecture.md's map: {missing}"
