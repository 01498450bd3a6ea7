"""Make the tutorial's Jupyter notebooks from its pages: ``python docs/make_notebooks.py``.

``docs/tutorial.md`` becomes ``docs/notebooks/tutorial.ipynb`` and ``docs/tutorial.zh.md``
``docs/notebooks/tutorial.zh.ipynb``: the prose a markdown cell, every ```python block a
code cell, and the ```text block under it (what the block prints) that cell's output, so
the notebook shows what it will print before it is run. A block that saves a picture
(``path="pool_expansion.png"``, ``plot_filters(w, "filters.png")``) is followed by a small
cell that displays that file inline, and the cell's stored output is the picture the page
shows under the block (its ``images/...png`` link), so the plots are there before the
notebook is run too. Links are rewritten for the notebook's folder. The output is
deterministic (cell ids are numbered), so ``tests/test_learning_notebooks.py`` can check
that the checked-in notebooks are up to date (``--check`` does the same here) and runs them
with a Jupyter kernel.
"""

from __future__ import annotations

import argparse
import base64
import re
import sys
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
PAGES = {HERE / "tutorial.md": HERE / "notebooks" / "tutorial.ipynb",
         HERE / "tutorial.zh.md": HERE / "notebooks" / "tutorial.zh.ipynb"}
BLOCK = re.compile(r"^```python\n(.*?)^```\n(?:[ \t]*\n)*(?:```text\n(.*?)^```\n)?", re.S | re.M)
SAVED = re.compile(r"""["']([^"'\s]+\.png)["']""")  # a picture a block saves: "name.png"
SHOWN = re.compile(r"!\[[^\]]*\]\((images/[^)\s]+\.png)\)")  # a picture a page shows
FIGURE_TAG = "figure"  # the tag of the cells that display a saved picture


def saved_picture(code: str) -> str | None:
    """The PNG file a code block saves (``path="x.png"``), or None."""
    names = SAVED.findall(code)
    if len(names) > 1:
        raise ValueError(f"a block saves more than one picture {names}:\n{code}")
    return names[0] if names else None


def figure_cell(saved: str, shown: Path) -> nbformat.NotebookNode:
    """The cell that displays ``saved`` inline, its output the picture ``shown`` (a PNG file)."""
    cell = nbformat.v4.new_code_cell(
        f'from IPython.display import Image, display\ndisplay(Image(filename="{saved}"))',
        metadata={"tags": [FIGURE_TAG]})
    data = base64.b64encode(shown.read_bytes()).decode("ascii")
    shown_as = {"image/png": data, "text/plain": "<IPython.core.display.Image object>"}
    cell.outputs = [nbformat.v4.new_output("display_data", data=shown_as)]
    return cell


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
    matches = list(BLOCK.finditer(text))
    for number, match in enumerate(matches):
        prose = text[position:match.start()].strip("\n")
        if prose:
            cells.append(nbformat.v4.new_markdown_cell(_relink(prose)))
        code, printed = match.group(1).rstrip("\n"), match.group(2)
        cell = nbformat.v4.new_code_cell(code)
        if printed:
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=printed)]
        cells.append(cell)
        saved = saved_picture(code)
        if saved:  # the picture the page shows after the block, before the next block
            after = text[match.end():matches[number + 1].start() if number + 1 < len(matches)
                         else len(text)]
            shown = SHOWN.search(after)
            if not shown or not (page.parent / shown.group(1)).is_file():
                raise ValueError(f"{page.name}: the block that saves {saved} is not followed by "
                                 f"an existing images/....png picture on the page:\n{code}")
            cells.append(figure_cell(saved, page.parent / shown.group(1)))
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
