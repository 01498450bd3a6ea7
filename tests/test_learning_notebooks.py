"""The tutorial notebooks are made from the tutorial pages, are up to date, and run.

Running one takes as long as the page itself, so that test is marked slow (CI runs it). It
uses a kernel spec written for this interpreter (so the kernel imports this checkout's
minigrad), and compares what each cell prints with the output the notebook shows. Every
block that saves a picture is followed by a cell that shows it inline: before the run its
output is the picture the page shows, after it the file the block saved.
"""

from __future__ import annotations

import base64
import doctest
import importlib.util
import json
import re
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

SAVES_PICTURE = re.compile(r"""["']([^"'\s]+\.png)["']""")


def _is_figure(cell) -> bool:  # noqa: ANN001
    """A cell the generator added to show a saved picture (not a block of the page)."""
    return cell.cell_type == "code" and "figure" in cell.metadata.get("tags", [])


def _images(cell) -> list[str]:  # noqa: ANN001
    """The base64 PNGs a cell's outputs display."""
    return [o.data["image/png"] for o in cell.outputs
            if o.output_type in ("display_data", "execute_result") and "image/png" in o.data]


def _png(path: Path) -> str:
    return base64.b64encode(path.read_bytes()).decode("ascii")


@pytest.mark.parametrize("name", ["tutorial", "tutorial.zh"])
def test_checked_in_notebook_is_up_to_date_with_its_page(name: str) -> None:
    make = _make_notebooks()
    page, target = DOCS / f"{name}.md", DOCS / "notebooks" / f"{name}.ipynb"
    assert target.read_text(encoding="utf-8") == make.render(page), \
        f"{target.name} is out of date: run python docs/make_notebooks.py"
    nb = nbformat.reads(target.read_text(encoding="utf-8"), as_version=4)
    nbformat.validate(nb)
    code = [c.source for c in nb.cells if c.cell_type == "code" and not _is_figure(c)]
    sys.path.insert(0, str(ROOT / "tests"))
    try:
        from test_docs import code_blocks
    finally:
        sys.path.remove(str(ROOT / "tests"))
    assert code == [block.rstrip("\n") for block, _ in code_blocks(page)]


@pytest.mark.parametrize("name", ["tutorial", "tutorial.zh"])
def test_every_picture_a_block_saves_is_shown_inline(name: str) -> None:
    """After each block that saves a PNG: a cell displaying it, its output the page's picture."""
    text = (DOCS / f"{name}.md").read_text(encoding="utf-8")
    nb = nbformat.read(DOCS / "notebooks" / f"{name}.ipynb", as_version=4)
    figures = 0
    for number, cell in enumerate(nb.cells):
        saved = SAVES_PICTURE.findall(cell.source) if cell.cell_type == "code" else []
        if _is_figure(cell) or not saved:
            continue
        figures += 1
        after = text[text.index(cell.source) + len(cell.source):]
        after = after[:after.find("```python")] if "```python" in after else after
        shown = re.search(r"!\[[^\]]*\]\((images/[^)\s]+\.png)\)", after)
        assert shown and (DOCS / shown.group(1)).is_file(), \
            f"{name}.md shows no existing images/...png picture after the block:\n{cell.source}"
        figure = nb.cells[number + 1]
        assert _is_figure(figure) and f'Image(filename="{saved[0]}")' in figure.source, \
            f"no cell shows {saved[0]} inline after:\n{cell.source}"
        assert _images(figure) == [_png(DOCS / shown.group(1))], \
            f"the cell showing {saved[0]} has not the page's picture {shown.group(1)}"
    assert figures == 6  # pooling, im2col, filters, LeNet maps, top activations, AlexNet maps
    assert sum(_is_figure(c) for c in nb.cells) == figures


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


def test_the_generator_shows_a_saved_picture_inline(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    make = _make_notebooks()
    (tmp_path / "images").mkdir()
    picture = b"\x89PNG\r\n\x1a\n not really a picture"
    (tmp_path / "images" / "pic.png").write_bytes(picture)
    page = tmp_path / "page.md"
    block = '```python\nfig = draw(path="pic.png")\n```\n\n```text\ndrawn\n```\n\n'
    page.write_text(f"# Title\n\n{block}It:\n\n![a picture](images/pic.png)\n\nThe end.\n")
    cells = make.notebook(page).cells
    assert [c.cell_type for c in cells] == ["markdown", "code", "code", "markdown"]
    assert _is_figure(cells[2]) and 'Image(filename="pic.png")' in cells[2].source
    assert _images(cells[2]) == [base64.b64encode(picture).decode("ascii")]
    assert "(../images/pic.png)" in cells[3].source
    page.write_text(f"# Title\n\n{block}No picture here.\n")  # the page must show it
    with pytest.raises(ValueError, match="pic.png"):
        make.notebook(page)


# Only the English notebook runs: the Chinese one is generated from a page with the same
# blocks and output (test_docs) and is up to date with it (above), so it is the same program
@pytest.mark.slow
@pytest.mark.parametrize("name", ["tutorial"])
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
    figures = [c for c in cells if _is_figure(c)]
    assert len(figures) == 6
    for cell in figures:  # each shows, inline, the picture the cell before it saved
        saved = SAVES_PICTURE.search(cell.source).group(1)
        assert _images(cell) == [_png(work / saved)], f"{saved} is not shown inline"
    assert (work / "im2col.png").is_file()  # the cells ran in the notebook's folder
    first = cells[0].source
    assert "import minigrad" in first
