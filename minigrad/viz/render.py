"""``render``: save a graph as exactly one svg/png/pdf file, or say how to get Graphviz.

``graphviz.Digraph.render`` writes the DOT source to ``path`` and the picture to
``path.<format>``, and fails with a bare "executable not found" without Graphviz's ``dot``
program. This helper writes the file asked for, and without ``dot`` it still saves the DOT
source and says how to install Graphviz.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import graphviz

__all__ = ["DotNotFoundError", "render"]


class DotNotFoundError(RuntimeError):
    """Graphviz's ``dot`` program is not installed, so no image could be made."""


def render(graph: graphviz.Digraph, path: str | os.PathLike, format: str | None = None) -> Path:
    """Write ``graph`` to exactly ``path`` as svg, png or pdf (from the suffix by default).

    Unlike ``graphviz.Digraph.render`` (which writes ``path`` as DOT source and the image to
    ``path.<format>``), this writes one file. Without Graphviz's ``dot`` program the DOT
    source is written next to it (``.dot``) and ``DotNotFoundError`` says how to install it.
    """
    path = Path(path)
    fmt = (format or path.suffix.lstrip(".") or "svg").lower()
    if fmt not in {"svg", "png", "pdf"}:
        raise ValueError(f"render: format must be 'svg', 'png' or 'pdf', got {fmt!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    dot = shutil.which("dot")
    if dot is None:
        source = path.with_suffix(".dot") if path.suffix != ".dot" else path.with_suffix(".gv")
        source.write_text(graph.source, encoding="utf-8")
        raise DotNotFoundError(
            f"render: Graphviz's 'dot' program was not found on PATH, so {path} could not be "
            f"drawn; the DOT source was written to {source} instead (turn it into a picture "
            f"later with `dot -T{fmt} {source} -o {path}`). Install Graphviz - the program, "
            "not only the Python package: `sudo apt-get install graphviz` (Debian/Ubuntu), "
            "`brew install graphviz` (macOS), `conda install -c conda-forge graphviz`, or "
            "see https://graphviz.org/download/ (Windows)."
        )
    done = subprocess.run(
        [dot, f"-T{fmt}", "-o", str(path)],
        input=graph.source.encode("utf-8"),
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"render: dot failed to draw {path} (exit {done.returncode}): "
            f"{done.stderr.decode(errors='replace').strip()}"
        )
    return path
