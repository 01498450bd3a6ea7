"""The pictures ``minigrad train`` and ``minigrad evaluate`` leave in a run directory.

matplotlib is imported lazily with the Agg backend, so the library never needs a display and
does not import matplotlib unless a picture is drawn.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np


def _pyplot():  # noqa: ANN202
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_curves(epochs: Sequence[int], train_acc: Sequence[float], test_acc: Sequence[float],
                path: str | os.PathLike, title: str = "") -> None:
    """Train and test accuracy per epoch (the book's figure of training results)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5, 3.5), dpi=100)
    ax.plot(epochs, train_acc, marker="o", label="train")
    ax.plot(epochs, test_acc, marker="s", linestyle="--", label="test")
    ax.set_xlabel("epochs")
    ax.set_ylabel("accuracy")
    low = min([*train_acc, *test_acc], default=0.0)
    ax.set_ylim(max(0.0, min(0.9, low) - 0.02), 1.0)
    if len(epochs) < 15:
        ax.set_xticks(list(epochs))
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _filter_grid(weight: np.ndarray, ncols: int) -> np.ndarray:
    """(out, in, kh, kw) -> one image of the first input channel of each filter, 1px apart,
    each filter scaled to [0, 1] on its own (as the book shows them)."""
    w = np.asarray(weight, dtype=np.float64)[:, 0]
    lo = w.min(axis=(1, 2), keepdims=True)
    hi = w.max(axis=(1, 2), keepdims=True)
    w = (w - lo) / np.where(hi > lo, hi - lo, 1.0)
    n, kh, kw = w.shape
    nrows = -(-n // ncols)
    grid = np.full((nrows * (kh + 1) - 1, ncols * (kw + 1) - 1), np.nan)
    for i in range(n):  # tens of filters, not pixels: a loop is the clear way
        r, c = divmod(i, ncols)
        grid[r * (kh + 1):r * (kh + 1) + kh, c * (kw + 1):c * (kw + 1) + kw] = w[i]
    return grid


def plot_filters_before_after(before: np.ndarray, after: np.ndarray,
                              path: str | os.PathLike) -> None:
    """First-layer filters before and after training, side by side, in grey."""
    plt = _pyplot()
    ncols = min(10, before.shape[0])
    grids = [_filter_grid(before, ncols), _filter_grid(after, ncols)]
    aspect = grids[0].shape[0] / grids[0].shape[1]
    fig, axes = plt.subplots(1, 2, figsize=(10, 5 * aspect + 0.7), dpi=100)
    cmap = plt.get_cmap("gray_r").with_extremes(bad="white")
    for ax, grid, w, title in ((axes[0], grids[0], before, "before training"),
                               (axes[1], grids[1], after, "after training")):
        ax.imshow(grid, cmap=cmap, interpolation="nearest", vmin=0, vmax=1)
        ax.set_title(f"{title} ({w.shape[0]} filters {w.shape[2]}x{w.shape[3]})", fontsize=9)
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def plot_confusion(matrix: np.ndarray, path: str | os.PathLike, title: str = "") -> None:
    """Rows are true digits, columns predicted ones; counts written in the cells."""
    plt = _pyplot()
    k = matrix.shape[0]
    fig, ax = plt.subplots(figsize=(5.5, 5), dpi=100)
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
    plt.close(fig)
