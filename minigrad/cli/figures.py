"""The pictures ``minigrad train`` and ``minigrad evaluate`` leave: curves, filters, confusion.

Figures are ``matplotlib.figure.Figure`` objects saved with the Agg canvas, never through
``pyplot``: no backend is chosen for the process, no window opens, nothing global changes.
The filters picture is ``minigrad.viz.plot_filters`` (one implementation): before, after and
the difference.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from minigrad.viz import plot_filters

# the file types matplotlib's Agg canvas writes (a name without a suffix gets .png)
FORMATS = ("png", "pdf", "svg", "svgz", "jpg", "jpeg", "tif", "tiff", "webp", "eps", "ps")


def picture_file(path: Path) -> Path:
    """The file a picture saved as ``path`` really lands in: matplotlib adds ``.png`` to a
    name without a suffix. A suffix it cannot write is a ``ValueError`` saying which work."""
    if not path.suffix:
        return path.with_name(path.name + ".png")
    if path.suffix.lower().lstrip(".") not in FORMATS:
        raise ValueError(f"matplotlib cannot write {path.suffix} pictures (use .png, .pdf or "
                         ".svg)")
    return path


def _figure(width: float, height: float) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def plot_curves(epochs: Sequence[int], train_acc: Sequence[float], val_acc: Sequence[float],
                path: str | os.PathLike, title: str = "") -> None:
    """Train and validation accuracy per epoch (the book's figure of training results)."""
    fig = _figure(5, 3.5)
    ax = fig.add_subplot()
    ax.plot(epochs, train_acc, marker="o", label="train")
    ax.plot(epochs, val_acc, marker="s", linestyle="--", label="validation")
    ax.set_xlabel("epochs")
    ax.set_ylabel("accuracy")
    low = min([*train_acc, *val_acc], default=0.0)
    ax.set_ylim(max(0.0, min(0.9, low) - 0.02), 1.0)
    if len(epochs) < 15:
        ax.set_xticks(list(epochs))
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path)


def plot_filters_before_after(before: np.ndarray, after: np.ndarray,
                              path: str | os.PathLike) -> None:
    """First-layer filters before and after training and their difference, in three labelled
    panels with each one's filter smoothness (``viz.plot_filters(after, before=before)``)."""
    plot_filters(after, path, ncols=min(10, before.shape[0]), before=before)


def plot_confusion(matrix: np.ndarray, path: str | os.PathLike, title: str = "") -> None:
    """Rows are true digits, columns predicted ones; counts written in the cells."""
    k = matrix.shape[0]
    fig = _figure(5.5, 5)
    ax = fig.add_subplot()
    ax.imshow(matrix, cmap="Blues")
    vmax = matrix.max() if matrix.size else 0
    for i in range(k):
        for j in range(k):
            ax.text(j, i, str(int(matrix[i, j])), ha="center", va="center", fontsize=7,
                    color="white" if matrix[i, j] > vmax / 2 else "black")
    ax.set_xticks(range(k))
    ax.set_yticks(range(k))
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path)
