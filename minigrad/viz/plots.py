"""Pictures of what a convolutional network learned: its filters and its feature maps.

matplotlib is an optional dependency (the ``examples`` extra), imported only when a plot is
made. Figures are built with the Agg canvas directly, never through ``pyplot``, so no window
opens and no global figure state is touched; they still display in Jupyter.
"""

from __future__ import annotations

import math
import os
import textwrap
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..autograd import no_grad
from ..nn.hooks import evaluating
from ..tensor import Tensor
from .graph import _module_title
from .layers import _leaf_modules, record_calls

__all__ = ["filter_smoothness", "plot_feature_maps", "plot_filters", "plot_top_activations",
           "top_activating"]


def _figure(width: float, height: float) -> Any:
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError(
            "minigrad.viz plots need matplotlib, which is not installed: "
            'pip install "minigrad[examples]" (or pip install matplotlib)'
        ) from e
    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def _numpy(x: Any) -> np.ndarray:
    """A Tensor's values, or any array-like as an array."""
    return x.detach().numpy() if isinstance(x, Tensor) else np.asarray(x)


def _as_array(x: Any, what: str) -> np.ndarray:
    if isinstance(x, Tensor):
        return x.detach().numpy()
    if hasattr(x, "weight") and isinstance(x.weight, Tensor):  # a Conv2d layer
        return x.weight.detach().numpy()
    if isinstance(x, np.ndarray):
        return x
    raise TypeError(f"{what}: expected a Tensor, a numpy array or a layer with .weight, "
                    f"got {type(x).__name__}")


def _normalise(a: np.ndarray) -> np.ndarray:
    """Each image stretched to [0, 1] on its own, so faint filters are still visible. NaN and
    Inf values (weights after training diverged) stay NaN: drawn as empty, never a crash."""
    a = a.astype(np.float64)
    finite = np.isfinite(a)
    if not finite.any():
        return np.full_like(a, np.nan)
    low, high = a[finite].min(), a[finite].max()
    out = np.zeros_like(a) if not high > low else (a - low) / (high - low)
    return np.where(finite, out, np.nan)


def _smoothness_label(values: np.ndarray) -> str:
    """``smoothness 0.42``, or why there is none (NaN/Inf weights, constant filters)."""
    if not np.isfinite(values).all():
        return "smoothness n/a (NaN or Inf weights)"
    try:
        return f"smoothness {filter_smoothness(values):.2f}"
    except ValueError:
        return "smoothness n/a (constant filters)"


def _grid(n: int, ncols: int | None) -> tuple[int, int]:
    if ncols is None:
        ncols = math.ceil(math.sqrt(n))
    if ncols < 1:
        raise ValueError(f"ncols must be at least 1, got {ncols}")
    ncols = min(ncols, n)
    return math.ceil(n / ncols), ncols


def _tiles(fig_or_sub: Any, images: np.ndarray, nrows: int, ncols: int, cmap: str) -> None:
    """One image per axes on an nrows x ncols grid; unused cells removed."""
    axes = np.atleast_1d(fig_or_sub.subplots(nrows, ncols, squeeze=False)).ravel()
    for i, ax in enumerate(axes):
        if i >= len(images):
            ax.remove()
            continue
        img = images[i]
        ax.imshow(img, cmap=None if img.ndim == 3 else cmap, interpolation="nearest",
                  vmin=0.0, vmax=1.0)
        ax.set_xticks([])
        ax.set_yticks([])


def _save(fig: Any, path: str | os.PathLike | None) -> None:
    if path is not None:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        fig.savefig(path)


def filter_smoothness(weights: Any) -> float:
    """Mean correlation of horizontally and vertically adjacent weights within a filter.

    A number for how "learned" first-layer filters look: about 0 for random draws (slightly
    below, -0.04 on average for 5x5 filters, because each filter's own mean is subtracted),
    about 0.4 for the book's trained SimpleConvNet, whose filters are smooth edge and blob
    detectors. For each 2-D filter (every ``(out, in)`` pair of ``weights``
    ``(out, in, kh, kw)``) the Pearson correlation of its horizontal neighbour pairs and of
    its vertical ones is taken; the result is their mean over all filters and both directions
    (constant filters, whose correlation is undefined, are left out).
    """
    w = _as_array(weights, "filter_smoothness").astype(np.float64)
    if w.ndim < 2 or w.shape[-1] < 2 or w.shape[-2] < 2:
        raise ValueError(f"filter_smoothness: expected filters (..., kh, kw) with kh, kw >= 2, "
                         f"got shape {w.shape}")
    w = w.reshape(-1, *w.shape[-2:])
    pairs = ((w[:, :, :-1], w[:, :, 1:]), (w[:, :-1, :], w[:, 1:, :]))
    corr = []
    for a, b in pairs:
        a = a.reshape(len(w), -1)
        b = b.reshape(len(w), -1)
        a = a - a.mean(axis=1, keepdims=True)
        b = b - b.mean(axis=1, keepdims=True)
        den = np.sqrt((a * a).sum(axis=1) * (b * b).sum(axis=1))
        with np.errstate(invalid="ignore", divide="ignore"):
            corr.append((a * b).sum(axis=1) / den)
    r = np.concatenate(corr)
    r = r[np.isfinite(r)]
    if r.size == 0:
        raise ValueError("filter_smoothness: every filter is constant; correlation undefined")
    return float(r.mean())


def _conv_weight(weight: Any, what: str) -> np.ndarray:
    w = _as_array(weight, what)
    if w.ndim != 4:
        raise ValueError(
            f"{what}: expected a conv weight (out_channels, in_channels, kh, kw), "
            f"got shape {w.shape}"
        )
    return w


def _filter_images(w: np.ndarray, signed: bool = False) -> np.ndarray:
    """One image per filter in [0, 1]: RGB for 3 input channels, else the channel mean.
    ``signed`` keeps 0 at 0.5 (for differences, drawn with a diverging colour map)."""
    w = w.astype(np.float64)
    with np.errstate(invalid="ignore", over="ignore"):  # NaN/Inf weights: drawn empty
        images = w.transpose(0, 2, 3, 1) if w.shape[1] == 3 else w.mean(axis=1)
    if not signed:
        return np.stack([_normalise(f) for f in images])
    finite = np.isfinite(images)
    magnitude = np.where(finite, np.abs(images), 0.0).reshape(len(images), -1)
    scale = magnitude.max(axis=1)
    scale = np.where(scale > 0, 2 * scale, 1.0).reshape(-1, *[1] * (images.ndim - 1))
    with np.errstate(invalid="ignore", over="ignore"):
        return np.where(finite, images / scale + 0.5, np.nan)


def _describe(w: np.ndarray) -> str:
    return f"{w.shape[0]} filters {w.shape[2]}x{w.shape[3]}" + (
        " (RGB)" if w.shape[1] == 3 else
        f" (mean of {w.shape[1]} input channels)" if w.shape[1] > 1 else "")


def plot_filters(weight: Any, path: str | os.PathLike | None = None,
                 ncols: int | None = None, *, before: Any = None) -> Any:
    """A grid of a conv layer's filters, one image per output channel (the book's figure of
    first-layer weights): 3 input channels are shown as RGB, otherwise their mean in grey.

    ``weight`` is ``(out_channels, in_channels, kh, kw)`` (a Tensor, array or Conv2d layer).
    With ``before`` (the same layer's weights before training) three labelled panels are
    drawn side by side, apart: before, after, and the difference after minus before (red
    where a weight grew, blue where it shrank), each with its ``filter_smoothness``. NaN or
    Inf weights (after training diverged) are drawn as empty cells, never an error.
    Returns the matplotlib Figure; saves it too when ``path`` is given.
    """
    w = _conv_weight(weight, "plot_filters")
    if before is None:
        nrows, ncols = _grid(len(w), ncols)
        height = 0.8 * nrows + 0.4
        fig = _figure(max(0.8 * ncols + 0.2, 2.5), height)
        _tiles(fig, _filter_images(w), nrows, ncols, cmap="gray")
        fig.subplots_adjust(left=0.02, right=0.98, bottom=0.02, top=1 - 0.35 / height,
                            wspace=0.1, hspace=0.1)
        fig.suptitle(_describe(w), fontsize=10)
        _save(fig, path)
        return fig
    b = _conv_weight(before, "plot_filters")
    if b.shape != w.shape:
        raise ValueError(f"plot_filters: before has shape {b.shape}, the weight {w.shape}; "
                         "expected the same layer's weights before training")
    with np.errstate(invalid="ignore", over="ignore"):  # NaN/Inf after a divergence
        change = w.astype(np.float64) - b
    panels = [(f"before training: {_describe(w)}", b, _filter_images(b), "gray"),
              ("after training", w, _filter_images(w), "gray"),
              ("difference: after - before", change, _filter_images(change, signed=True),
               "RdBu_r")]
    nrows, ncols = _grid(len(w), ncols)
    tile, gap = 0.5, 0.35
    height = tile * nrows + 0.55
    fig = _figure(3 * (tile * ncols + 0.1) + 2 * gap, height)
    subfigs = fig.subfigures(1, 3, wspace=gap / (tile * ncols + 0.1))
    for sub, (label, values, images, cmap) in zip(subfigs, panels):
        _tiles(sub, images, nrows, ncols, cmap=cmap)
        sub.subplots_adjust(left=0.01, right=0.99, bottom=0.05 / height,
                            top=1 - 0.5 / height, wspace=0.1, hspace=0.1)
        sub.suptitle(f"{label}\n{_smoothness_label(values)}", fontsize=9)
    _save(fig, path)
    return fig


def _default_layers(model: Any, calls: list) -> list[str]:
    """Convolutions by default (the book's figure); any layer with 4-D output otherwise."""
    four_d = [c.name for c in calls if c.outputs and c.outputs[0].ndim == 4]
    convs = [n for n in four_d if "conv" in type(dict(model.named_modules())[n]).__name__.lower()]
    return convs or four_d


def plot_feature_maps(model: Any, x: Any, layers: Sequence[str] | None = None,
                      path: str | os.PathLike | None = None, *,
                      max_channels: int = 64) -> Any:
    """The activations of chosen layers for one input image, one panel per layer and one
    small image per channel: what each stage of the network extracts from the picture.

    ``x`` is one image ``(C, H, W)`` or a batch of one ``(1, C, H, W)``. ``layers`` are
    dotted module names (``["conv1", "conv2"]``); by default every convolution. At most
    ``max_channels`` channels are drawn per layer. Returns the matplotlib Figure.
    """
    data = _numpy(x)
    if data.ndim == 3:
        data = data[None]
    if data.ndim != 4 or data.shape[0] != 1:
        raise ValueError(
            f"plot_feature_maps: expected one image (C, H, W) or (1, C, H, W), got shape "
            f"{data.shape}"
        )
    panels = _feature_panels(model, data, layers)

    # the same number of columns in every panel, so tiles have one size across layers
    counts = [min(len(out), max_channels) for _, _, out in panels]
    ncols = min(8, max(counts))
    grids = [(-(-n // ncols), ncols) for n in counts]
    heights = [1.1 * nrows + 0.45 for nrows, _ in grids]
    fig = _figure(max(1.1 * ncols + 0.3, 4.0), sum(heights))
    subfigs = np.atleast_1d(fig.subfigures(len(panels), 1, height_ratios=heights))
    for i, (name, module, out) in enumerate(panels):
        sub, n = subfigs[i], counts[i]
        images = np.stack([_normalise(c) for c in out[:n]])
        _tiles(sub, images, *grids[i], cmap="viridis")
        sub.subplots_adjust(left=0.02, right=0.98, bottom=0.03, top=1 - 0.4 / heights[i],
                            wspace=0.08, hspace=0.08)
        more = f" (first {n} of {len(out)} channels)" if n < len(out) else ""
        sub.suptitle(f"{_module_title(name, module)}: {len(out)} channels "
                     f"{out.shape[1]}x{out.shape[2]}{more}", fontsize=9)
    _save(fig, path)
    return fig


def _feature_panels(model: Any, data: np.ndarray,
                    layers: Sequence[str] | None) -> list[tuple[str, Any, np.ndarray]]:
    """``(name, module, maps)`` for each layer to show: its output for the one image
    ``data`` as ``(C, H, W)`` maps, from the layer's first call in the forward."""
    names = list(layers) if layers is not None else [n for n, _ in _leaf_modules(model)]
    with evaluating(model), no_grad(), record_calls(model, names) as calls:
        model(Tensor(data))
    wanted = _default_layers(model, calls) if layers is None else names
    first = {}
    for c in calls:
        first.setdefault(c.name, c)
    panels = []
    for name in wanted:
        call = first.get(name)
        if call is None:
            raise ValueError(f"plot_feature_maps: layer {name!r} was not called by the forward")
        panels.append((name, call.module, _feature_maps(name, call)))
    if not panels:
        raise ValueError("plot_feature_maps: no layer to show (pass layers=[...])")
    return panels


def _feature_maps(name: str, call: Any) -> np.ndarray:
    """A layer's output for the one image as ``(C, H, W)``; a fully connected layer's units
    as one strip ``(1, 1, features)``."""
    out = call.outputs[0].detach().numpy()[0]
    if out.ndim == 1:
        out = out[None, None, :]
    if out.ndim != 3:
        raise ValueError(
            f"plot_feature_maps: layer {name!r} returned shape {call.outputs[0].shape}; "
            "expected (1, C, H, W) or (1, features)"
        )
    return out


def top_activating(model: Any, layer: str, images: Any, channels: Sequence[int], k: int = 6,
                   batch_size: int = 500) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` images that most activate each chosen channel of ``layer``.

    A channel's activation for an image is the largest value of its feature map (where in
    the image the pattern appears does not matter). ``images`` is ``(N, C, H, W)``. Returns
    ``(indices, scores)``, both ``(len(channels), k)``, best first: what a unit "looks for",
    the book's picture of neurons deep in a network.
    """
    data = _numpy(images)
    if data.ndim != 4 or len(data) == 0:
        raise ValueError(f"top_activating: expected images (N, C, H, W), got shape {data.shape}")
    channels = [int(c) for c in channels]
    if not 1 <= k <= len(data):
        raise ValueError(f"top_activating: k must be between 1 and the {len(data)} images, "
                         f"got {k}")
    scores = []
    with evaluating(model), no_grad(), record_calls(model, [layer]) as calls:
        for start in range(0, len(data), batch_size):
            del calls[:]
            model(Tensor(np.ascontiguousarray(data[start:start + batch_size])))
            out = calls[0].outputs[0].detach().numpy()
            _check_feature_maps(layer, out, channels)
            scores.append(out[:, channels].max(axis=(2, 3)))
    per_channel = np.concatenate(scores).T  # (channels, N)
    order = np.argsort(-per_channel, axis=1, kind="stable")[:, :k]
    return order, np.take_along_axis(per_channel, order, axis=1)


def _check_feature_maps(layer: str, out: np.ndarray, channels: list[int]) -> None:
    """``layer``'s output must be feature maps ``(N, C, H, W)`` holding every channel asked."""
    if out.ndim != 4:
        raise ValueError(f"top_activating: layer {layer!r} returned shape {out.shape};"
                         " expected feature maps (N, C, H, W)")
    bad = [c for c in channels if not 0 <= c < out.shape[1]]
    if bad:
        raise ValueError(f"top_activating: layer {layer!r} has {out.shape[1]} "
                         f"channels, got channels {bad}")


def plot_top_activations(model: Any, images: Any, layer: str, channels: Sequence[int],
                         k: int = 6, path: str | os.PathLike | None = None) -> Any:
    """One row per chosen channel of ``layer``: its filter (when the layer is a convolution
    on the images) and the ``k`` images of ``images`` that activate it most, with their
    scores (see ``top_activating``). Returns the matplotlib Figure."""
    order, scores = top_activating(model, layer, images, channels, k)
    data = _numpy(images)
    module = dict(model.named_modules())[layer]
    weight = getattr(module, "weight", None)
    show_filter = isinstance(weight, Tensor) and weight.ndim == 4 \
        and weight.shape[1] == data.shape[1]
    cols = k + int(show_filter)
    width = 0.9 * cols + 0.9
    # the title wrapped to the figure's width (about 13 characters an inch at 9 points), and
    # room made for its lines above the grid, so no part of it is cut off
    title = textwrap.wrap(_module_title(layer, module), max(20, int(12 * width)))
    title.append(f"the {k} images that activate each channel most")
    head = 0.17 * len(title) + 0.3
    height = 1.0 * len(order) + head
    fig = _figure(width, height)
    axes = np.atleast_2d(fig.subplots(len(order), cols, squeeze=False))
    for row, channel in enumerate(channels):
        if show_filter:
            _draw_filter(axes[row, 0], weight, channel, titled=row == 0)
        _draw_top_images(axes[row, int(show_filter):], data, order[row], scores[row])
        axes[row, 0].set_ylabel(f"channel {channel}", fontsize=8)
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle("\n".join(title), fontsize=9, y=1 - 0.05 / height, va="top")
    fig.subplots_adjust(left=0.06, right=0.99, bottom=0.1 / height,
                        top=1 - head / height, wspace=0.15, hspace=0.45)
    _save(fig, path)
    return fig


def _draw_filter(ax: Any, weight: Tensor, channel: int, titled: bool) -> None:
    """The filter of output ``channel``, titled "filter" on the first row."""
    ax.imshow(_filter_images(weight.detach().numpy()[[channel]])[0], cmap="gray",
              interpolation="nearest", vmin=0, vmax=1)
    if titled:
        ax.set_title("filter", fontsize=8)


def _draw_top_images(axes: Any, data: np.ndarray, indices: np.ndarray,
                     scores: np.ndarray) -> None:
    """The chosen images, each titled with its index and score; grey for one channel."""
    for ax, index, score in zip(axes, indices, scores):
        img = data[index]
        img = img[0] if img.shape[0] == 1 else _normalise(img.transpose(1, 2, 0))
        ax.imshow(img, cmap="gray_r" if img.ndim == 2 else None, interpolation="nearest")
        ax.set_title(f"#{index}: {score:.2f}", fontsize=6)
