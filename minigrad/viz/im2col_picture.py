"""im2col as a picture (the book's figures of the expansion): windows of a small input, each in
its own colour, and the rows they become.

``plot_im2col`` draws the input (padding in grey) with every filter position outlined, the
matrix ``F.im2col`` makes (one row per window, tinted with that window's colour), the filter
reshaped to a column, and the output the matrix product gives. ``plot_pool_expansion`` draws
pooling's version: each channel's windows become rows of their own, and the maximum of each
row is the output. The numbers in the cells are computed by minigrad itself, so the picture
shows exactly the layout the library uses.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from ..nn import functional as F
from ..tensor import Tensor
from .plots import _figure, _save

__all__ = ["plot_im2col", "plot_pool_expansion", "window_colours"]

PADDING_COLOUR = (0.85, 0.85, 0.85, 1.0)

# Sized for a docs page: the book's 4x4 example comes out about 7 inches (700 px at 100 dpi)
# wide, the width of a page's text column, so shown there the numbers and titles are about as
# large as the page's body text (16 px) instead of shrinking to a caption's size.
CELL_IN = 0.34  # the side of one numbered cell, in inches
NUMBER_PT = 11.0  # the numbers in the cells
LABEL_PT = 10.0  # the "ch 0" labels beside the rows
TITLE_PT = 12.0  # each panel's title (two or three lines)
GAP_IN = 0.3  # between two panels
MARGIN_IN = 0.1  # around the figure
CHAR_EM = 0.55  # the width of an average title character, in ems (DejaVu Sans)


def window_colours(n: int) -> np.ndarray:
    """``n`` distinct RGBA colours, one per window (tab10, then tab20, then hues)."""
    from matplotlib import colormaps

    if n <= 10:
        return colormaps["tab10"](np.arange(n))
    if n <= 20:
        return colormaps["tab20"](np.arange(n))
    return colormaps["hsv"](np.linspace(0, 1, n, endpoint=False))


def _image(x: Any, what: str) -> np.ndarray:
    """``x`` as (C, H, W) float64: a 2-D array is one channel."""
    a = x.detach().numpy() if isinstance(x, Tensor) else np.asarray(x)
    if a.ndim == 2:
        a = a[None]
    if a.ndim != 3 or min(a.shape) < 1:
        raise ValueError(f"{what}: expected a small input (H, W) or (C, H, W), got shape "
                         f"{a.shape}")
    if a.size > 400:
        raise ValueError(f"{what}: the input has {a.size} numbers; a picture with one cell per "
                         "number needs a small input (at most 400)")
    return a.astype(np.float64)


def _pair(v: Any) -> tuple[int, int]:
    return (int(v), int(v)) if np.isscalar(v) else (int(v[0]), int(v[1]))


def _fmt(v: float) -> str:
    return f"{v:.0f}" if float(v).is_integer() else f"{v:.2g}"


def _cells(ax: Any, values: np.ndarray, x0: float, y0: float, colours: Any = None,
           fontsize: float = NUMBER_PT) -> None:
    """A grid of numbered cells with its top-left corner at (x0, y0); ``colours`` (rows, cols,
    4) tints each cell, white by default."""
    from matplotlib.patches import Rectangle

    rows, cols = values.shape
    for i in range(rows):
        for j in range(cols):
            face = (1, 1, 1, 1) if colours is None else colours[i][j]
            ax.add_patch(Rectangle((x0 + j, y0 + i), 1, 1, facecolor=face, edgecolor="0.5",
                                   linewidth=0.5, gid="cell"))
            ax.text(x0 + j + 0.5, y0 + i + 0.5, _fmt(values[i, j]), ha="center",
                    va="center", fontsize=fontsize)


def _window_outlines(ax: Any, image: np.ndarray, kernel: tuple[int, int],
                     stride: tuple[int, int], padding: tuple[int, int], out_hw: tuple[int, int],
                     colours: np.ndarray, y0: float) -> None:
    """The padded input with every window outlined in its colour (nudged inwards a little,
    window by window, so overlapping outlines stay apart)."""
    from matplotlib.patches import Rectangle

    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
    padded = np.pad(image, ((ph, ph), (pw, pw)))
    tint = np.ones((*padded.shape, 4))
    tint[:ph], tint[padded.shape[0] - ph:] = PADDING_COLOUR, PADDING_COLOUR
    tint[:, :pw], tint[:, padded.shape[1] - pw:] = PADDING_COLOUR, PADDING_COLOUR
    _cells(ax, padded, 0, y0, tint)
    n = out_hw[0] * out_hw[1]
    for k in range(n):
        i, j = divmod(k, out_hw[1])
        inset = 0.06 + 0.18 * k / max(n - 1, 1)
        ax.add_patch(Rectangle((j * sw + inset, y0 + i * sh + inset), kw - 2 * inset,
                               kh - 2 * inset, fill=False, edgecolor=colours[k],
                               linewidth=1.8, gid=f"window {k}"))


def _finish(ax: Any, width: float, height: float, title: str, left: float = 0.2) -> None:
    ax.set_xlim(-left, width + 0.2)
    ax.set_ylim(height + 0.2, -0.2)
    ax.set_aspect("equal")  # a box wider than the cells (for its title) centres them
    ax.axis("off")
    ax.set_title(title, fontsize=TITLE_PT)


def _panel_figure(spans: list[float], height: float,
                  titles: list[str]) -> tuple[Any, list[Any]]:
    """A row of panels whose cells are all ``CELL_IN`` wide: panel ``i`` shows ``spans[i]``
    cells across (labels and margins included) and ``height`` cells down, under its title,
    and is widened where the title is wider than its cells."""
    title_lines = max(t.count("\n") + 1 for t in titles)
    title_in = title_lines * TITLE_PT * 1.25 / 72 + 0.15
    widths = [max(span * CELL_IN, max(map(len, t.split("\n"))) * CHAR_EM * TITLE_PT / 72)
              for span, t in zip(spans, titles)]
    box_h = (height + 0.4) * CELL_IN
    fig_w = sum(widths) + GAP_IN * (len(widths) - 1) + 2 * MARGIN_IN
    fig_h = box_h + title_in + 2 * MARGIN_IN
    fig = _figure(fig_w, fig_h)
    axes, x = [], MARGIN_IN
    for w in widths:
        axes.append(fig.add_axes((x / fig_w, MARGIN_IN / fig_h, w / fig_w, box_h / fig_h)))
        x += w + GAP_IN
    return fig, axes


def plot_im2col(x: Any, kernel: Any, stride: Any = 1, padding: Any = 0,
                path: str | os.PathLike | None = None) -> Any:
    """Draw im2col for one small input ``x`` ``(H, W)`` or ``(C, H, W)`` and a filter.

    ``kernel`` is the filter ``(KH, KW)`` or ``(C, KH, KW)``. Four panels: the (padded) input
    with each window outlined in its own colour; the matrix ``F.im2col`` makes from it, each
    row tinted with its window's colour; the filter reshaped to a column; and the output
    (matrix times column, reshaped to ``(OH, OW)``), each cell in its window's colour.
    Returns the matplotlib Figure (saved too when ``path`` is given).
    """
    image = _image(x, "plot_im2col")
    filt = kernel.detach().numpy() if isinstance(kernel, Tensor) else kernel
    filt = np.asarray(filt, dtype=np.float64)
    if filt.ndim == 2:
        filt = filt[None]
    if filt.ndim != 3 or filt.shape[0] != image.shape[0]:
        raise ValueError(f"plot_im2col: expected a filter (KH, KW) or (C, KH, KW) with "
                         f"C = {image.shape[0]} (the input's channels), got shape {filt.shape}")
    c, kh, kw = filt.shape
    stride, padding = _pair(stride), _pair(padding)
    cols = F.im2col(Tensor(image[None]), (kh, kw), stride, padding).numpy()
    column = filt.reshape(-1, 1)
    h, w = image.shape[1:]
    out_hw = ((h + 2 * padding[0] - kh) // stride[0] + 1,
              (w + 2 * padding[1] - kw) // stride[1] + 1)
    out = (cols @ column).reshape(out_hw)
    colours = window_colours(len(cols))
    wp, hp = w + 2 * padding[1], h + 2 * padding[0]
    height = max(c * (hp + 1) - 1, len(cols), len(column), out_hw[0])
    pad_note = f", padding {padding[0]}" if any(padding) else ""
    titles = [f"input {c}x{h}x{w}\n{len(cols)} windows {kh}x{kw}\nstride {stride[0]}{pad_note}",
              f"im2col: {cols.shape[0]}x{cols.shape[1]}\none row per window",
              f"filter\n{column.shape[0]}x1", f"output\n{out_hw[0]}x{out_hw[1]}"]
    fig, (ax_in, ax_cols, ax_filter, ax_out) = _panel_figure(
        [wp + 0.4, cols.shape[1] + 0.4, 1.4, out_hw[1] + 0.4], height, titles)
    for ch in range(c):  # channels one under the other, a row apart
        _window_outlines(ax_in, image[ch], (kh, kw), stride, padding, out_hw, colours,
                         ch * (hp + 1))
    _finish(ax_in, wp, height, titles[0])
    row_tint = np.repeat(colours[:, None, :] * 0.35 + 0.65, cols.shape[1], axis=1)
    _cells(ax_cols, cols, 0, 0, row_tint)
    _finish(ax_cols, cols.shape[1], height, titles[1])
    _cells(ax_filter, column, 0, 0)
    _finish(ax_filter, 1, height, titles[2])
    out_tint = (colours * 0.35 + 0.65).reshape(*out_hw, 4)
    _cells(ax_out, out, 0, 0, out_tint)
    _finish(ax_out, out_hw[1], height, titles[3])
    _save(fig, path)
    return fig


def plot_pool_expansion(x: Any, kernel: Any, stride: Any = None, padding: Any = 0,
                        path: str | os.PathLike | None = None) -> Any:
    """Draw max pooling as the book computes it: im2col, then one row per window *and
    channel*, then the maximum of each row.

    ``x`` is a small input ``(C, H, W)`` (or ``(H, W)``); ``stride`` defaults to the window
    size, as in ``F.max_pool2d``. Three panels: the input's channels with each window
    outlined in its colour; the expanded matrix ``(OH*OW*C, KH*KW)``, each row tinted with
    its window's colour and labelled with its channel; the column of row maxima, which
    reshaped to ``(C, OH, OW)`` is ``F.max_pool2d``'s output. Returns the Figure.
    """
    image = _image(x, "plot_pool_expansion")
    kh, kw = _pair(kernel)
    stride = (kh, kw) if stride is None else _pair(stride)
    padding = _pair(padding)
    c, h, w = image.shape
    cols = F.im2col(Tensor(image[None]), (kh, kw), stride, padding).numpy()
    rows = cols.reshape(-1, kh * kw)  # (OH*OW*C, KH*KW): rows ordered window, then channel
    maxima = rows.max(axis=1, keepdims=True)
    n_windows = len(cols)
    out_hw = ((h + 2 * padding[0] - kh) // stride[0] + 1,
              (w + 2 * padding[1] - kw) // stride[1] + 1)
    colours = window_colours(n_windows)
    wp, hp = w + 2 * padding[1], h + 2 * padding[0]
    height = max(c * (hp + 1) - 1, len(rows))
    titles = [f"input {c}x{h}x{w}\n{n_windows} windows {kh}x{kw} per channel",
              f"expanded: {rows.shape[0]}x{rows.shape[1]}\none row per window and channel",
              "max\nof each row"]
    label = 1.5  # room for the "ch 0" labels left of the input and of the rows
    fig, (ax_in, ax_rows, ax_max) = _panel_figure(
        [wp + label + 0.2, kh * kw + label + 0.4, 1.4], height, titles)
    for ch in range(c):
        _window_outlines(ax_in, image[ch], (kh, kw), stride, padding, out_hw, colours,
                         ch * (hp + 1))
        ax_in.text(-0.1, ch * (hp + 1) + hp / 2, f"ch {ch}", ha="right", va="center",
                   fontsize=LABEL_PT, rotation=90)
    _finish(ax_in, wp, height, titles[0], left=label)
    row_colours = np.repeat(colours, c, axis=0)  # row r is window r // C, channel r % C
    tint = np.repeat(row_colours[:, None, :] * 0.35 + 0.65, kh * kw, axis=1)
    _cells(ax_rows, rows, label, 0, tint)
    for r in range(len(rows)):
        ax_rows.text(label - 0.1, r + 0.5, f"ch {r % c}", ha="right", va="center",
                     fontsize=LABEL_PT)
    _finish(ax_rows, kh * kw + label, height, titles[1])
    _cells(ax_max, maxima, 0, 0, row_colours[:, None, :] * 0.35 + 0.65)
    _finish(ax_max, 1, height, titles[2])
    _save(fig, path)
    return fig
