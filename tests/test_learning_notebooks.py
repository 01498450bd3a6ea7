"""The tutorial notebooks are made from the tutorial pages, are up to date, and run.

Running one takes as long as the page itself, so that test is marked slow (CI runs it). It
uses a kernel spec written for this interpreter (so the kernel imports this checkout's
minigrad), and compares what each cell prints with the output the notebook shows.
"""

from __future__ import annotations

import doctest
import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def _make_notebooks():  # noqa: ANN202
    spec = importlib.util.spec_from_file_location("make_notebooks", DOCS / "make_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


nbformat = pytest.importorskip("nbformat")


@pytest.mark.parametrize("name", ["tutorial", "tutorial.zh"])
def test_checked_in_notebook_is_up_to_date_with_its_page(name: str) -> None:
    make = _make_notebooks()
    page, target = DOCS / f"{name}.md", DOCS / "notebooks" / f"{name}.ipynb"
    assert target.read_text(encoding="utf-8") == make.render(page), \
        f"{target.name} is out of date: run python docs/make_notebooks.py"
    nb = nbformat.reads(target.read_text(encoding="utf-8"), as_version=4)
    nbformat.validate(nb)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    sys.path.insert(0, str(ROOT / "tests"))
    try:
        from test_docs import code_blocks
    finally:
        sys.path.remove(str(ROOT / "tests"))
    assert code == [block.rstrip("\n") for block, _ in code_blocks(page)]


def test_the_tutorial_links_its_notebooks() -> None:
    for page in ("tutorial.md", "tutorial.zh.md"):
        text = (DOCS / page).read_text(encoding="utf-8")
        assert "(notebooks/tutorial" in text, page


def test_the_generator_notices_a_stale_notebook(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    make = _make_notebooks()
    page = tmp_path / "page.md"
    page.write_text("# Title\n\nSee [x](x.md).\n\n```python\nprint(2)\n```\n\n```text\n2\n```\n")
    target = tmp_path / "nb" / "page.ipynb"
    monkeypatch.setattr(make, "PAGES", {page: target})
    assert make.main(["--check"]) == 1
    assert make.main([]) == 0 and make.main(["--check"]) == 0
    nb = json.loads(target.read_text())
    assert [c["cell_type"] for c in nb["cells"]] == ["markdown", "code"]
    assert "(../x.md)" in "".join(nb["cells"][0]["source"])
    assert "".join(nb["cells"][1]["outputs"][0]["text"]) == "2\n"


@pytest.mark.slow
@pytest.mark.parametrize("name", ["tutorial", "tutorial.zh"])
def test_notebook_runs_and_prints_what_it_shows(name: str, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    kernel_dir = tmp_path / "jupyter" / "kernels" / "minigrad-test"
    kernel_dir.mkdir(parents=True)
    (kernel_dir / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "minigrad test", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(DOCS / "notebooks" / f"{name}.ipynb", as_version=4)
    shown = [(c.source, "".join(o.get("text", "") for o in c.outputs))
             for c in nb.cells if c.cell_type == "code"]
    work = tmp_path / "work"
    work.mkdir()
    nbclient.NotebookClient(nb, kernel_name="minigrad-test", timeout=600,
                            resources={"metadata": {"path": str(work)}}).execute()
    checker = doctest.OutputChecker()
    flags = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS
    cells = [c for c in nb.cells if c.cell_type == "code"]
    for (source, expected), cell in zip(shown, cells):
        printed = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
        errors = [o for o in cell.outputs if o.output_type == "error"]
        assert not errors, f"{source}\n{errors}"
        if expected:
            assert checker.check_output(expected, printed, flags), \
                f"--- shown:\n{expected}--- printed:\n{printed}--- cell:\n{source}"
    assert (work / "im2col.png").is_file()  # the cells ran in the notebook's folder
    first = cells[0].source
    assert "import minigrad" in first
