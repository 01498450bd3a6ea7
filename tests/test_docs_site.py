"""The documentation site builds with ``mkdocs build --strict``: a broken link, a page missing
from the nav or an API entry that no longer resolves fails the tests, not only CI's docs job."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytest.importorskip("mkdocs", reason="the docs extra is not installed: pip install -e '.[docs]'")
pytest.importorskip("mkdocstrings", reason="the docs extra is not installed")
pytest.importorskip("material", reason="the docs extra is not installed")


def test_mkdocs_build_strict_passes(tmp_path: Path) -> None:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / "site")],
        cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    for page in ("index.html", "tutorial/index.html", "porting/index.html", "api/index.html"):
        assert (tmp_path / "site" / page).is_file(), page
    for page, lang in (("tutorial/index.html", "en"), ("tutorial.zh/index.html", "zh")):
        html = (tmp_path / "site" / page).read_text(encoding="utf-8")
        assert f'<html lang="{lang}"' in html, page


def test_every_docs_page_is_in_the_nav() -> None:
    yml = (ROOT / "mkdocs.yml").read_text()
    pages = sorted(p.name for p in (ROOT / "docs").glob("*.md"))
    missing = [p for p in pages if f": {p}" not in yml]
    assert not missing, f"pages not in mkdocs.yml's nav: {missing}"
