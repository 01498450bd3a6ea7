"""Make the tutorial's Jupyter notebooks from its pages: ``python docs/make_notebooks.py``.

``docs/tutorial.md`` becomes ``docs/notebooks/tutorial.ipynb`` and ``docs/tutorial.zh.md``
``docs/notebooks/tutorial.zh.ipynb``: the prose a markdown cell, every ```python block a
code cell, and the ```text block under it (what the block prints) that cell's output, so
the notebook shows what it will print before it is run. Links are rewritten for the
notebook's folder. The output is deterministic (cell ids are numbered), so
``tests/test_learning_notebooks.py`` can check that the checked-in notebooks are up to date
(``--check`` does the same here) and runs them with a Jupyter kernel.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
PAGES = {HERE / "tutorial.md": HERE / "notebooks" / "tutorial.ipynb",
         HERE / "tutorial.zh.md": HERE / "notebooks" / "tutorial.zh.ipynb"}
BLOCK = re.compile(r"^```python\n(.*?)^```\n(?:[ \t]*\n)*(?:```text\n(.*?)^```\n)?", re.S | re.M)


def _relink(text: str) -> str:
    """Links relative to docs/ made relative to docs/notebooks/ (and to the sibling notebook)."""
    text = re.sub(r"\]\(notebooks/", "](", text)
    return re.sub(r"\]\((?!https?:|#|\.\./)([^)\s]+\.(?:md|png|svg)(?:#[^)]*)?)\)", r"](../\1)",
                  text)


def notebook(page: Path) -> nbformat.NotebookNode:
    """The notebook for one tutorial page."""
    text = page.read_text(encoding="utf-8")
    cells = []
    position = 0
    for match in BLOCK.finditer(text):
        prose = text[position:match.start()].strip("\n")
        if prose:
            cells.append(nbformat.v4.new_markdown_cell(_relink(prose)))
        code, printed = match.group(1).rstrip("\n"), match.group(2)
        cell = nbformat.v4.new_code_cell(code)
        if printed:
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=printed)]
        cells.append(cell)
        position = match.end()
    rest = text[position:].strip("\n")
    if rest:
        cells.append(nbformat.v4.new_markdown_cell(_relink(rest)))
    for number, cell in enumerate(cells):
        cell["id"] = f"cell-{number}"
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata = {"kernelspec": {"display_name": "Python 3", "language": "python",
                                  "name": "python3"},
                   "language_info": {"name": "python"},
                   "source": f"generated from docs/{page.name} by docs/make_notebooks.py"}
    return nb


def render(page: Path) -> str:
    """The notebook's file contents."""
    return nbformat.writes(notebook(page)) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="only check that the notebooks are up to date (exit 1 if not)")
    args = parser.parse_args(argv)
    stale = []
    for page, target in PAGES.items():
        text = render(page)
        if args.check:
            if not target.is_file() or target.read_text(encoding="utf-8") != text:
                stale.append(target)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        print(f"wrote {target} ({len(notebook(page).cells)} cells)")
    for target in stale:
        print(f"{target} is out of date: run python "
              "docs/make_notebooks.py", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
