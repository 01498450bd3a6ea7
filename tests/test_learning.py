"""The teaching pictures: filter smoothness, before/after filters, im2col and pooling drawn.

Pictures are checked by their structure (panels, patches, colours, the numbers written in
cells), never by their pixels.
"""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad.viz import filter_smoothness, plot_filters, plot_im2col, plot_pool_expansion
from minigrad.viz.im2col_picture import window_colours

pytest.importorskip("matplotlib")


# --------------------------------------------------------------------------- filter_smoothness

def test_filter_smoothness_is_near_zero_for_random_filters() -> None:
    rng = np.random.default_rng(0)
    values = [filter_smoothness(rng.normal(0, 0.01, (30, 1, 5, 5))) for _ in range(20)]
    assert all(-0.15 < v < 0.1 for v in values)
    assert -0.07 < np.mean(values) < 0.0  # the small negative bias of 5x5 sample correlations


def test_filter_smoothness_is_high_for_smooth_filters() -> None:
    yy, xx = np.mgrid[-2:3, -2:3].astype(float)
    blob = np.exp(-(xx ** 2 + yy ** 2) / 4.0)
    edge = np.tanh(xx)
    filters = np.stack([blob, edge, -blob, edge.T])[:, None]
    assert filter_smoothness(filters) > 0.5
    assert filter_smoothness(mg.tensor(filters)) == pytest.approx(filter_smoothness(filters))
    # a checkerboard is anti-smooth: every neighbour has the opposite sign
    assert filter_smoothness(((xx + yy) % 2 * 2 - 1)[None, None]) == pytest.approx(-1.0)


def test_filter_smoothness_rejects_what_is_not_a_filter() -> None:
    with pytest.raises(ValueError, match="filter_smoothness.*kh, kw >= 2"):
        filter_smoothness(np.zeros(5))
    with pytest.raises(ValueError, match="every filter is constant"):
        filter_smoothness(np.ones((2, 1, 3, 3)))


# --------------------------------------------------------------------------- plot_filters

def test_plot_filters_with_before_draws_three_labelled_panels_apart() -> None:
    rng = np.random.default_rng(0)
    before = rng.normal(0, 0.01, (12, 1, 5, 5))
    after = before + np.linspace(0, 1, 5)[None, None, None, :]  # every filter gains a ramp
    fig = plot_filters(after, ncols=4, before=before)
    assert len(fig.subfigs) == 3
    assert [len(sub.axes) for sub in fig.subfigs] == [12, 12, 12]
    titles = [sub._suptitle.get_text() for sub in fig.subfigs]
    assert titles[0].startswith("before training") and "after training" in titles[1]
    assert "after - before" in titles[2]
    assert f"smoothness {filter_smoothness(after - before):.2f}" in titles[2]
    # the panels do not touch: a gap between their boxes
    boxes = [sub.bbox for sub in fig.subfigs]
    assert boxes[0].x1 < boxes[1].x0 and boxes[1].x1 < boxes[2].x0
    # the difference is drawn with 0 in the middle of a diverging map
    diff = fig.subfigs[2].axes[0].images[0]
    assert diff.get_cmap().name == "RdBu_r"
    assert diff.get_array().min() >= 0.5 - 1e-12  # the ramp only grows
    with pytest.raises(ValueError, match="before has shape"):
        plot_filters(after, before=before[:3])


# --------------------------------------------------------------------------- im2col picture

def _windows(ax):  # noqa: ANN001, ANN202
    return [p for p in ax.patches if (p.get_gid() or "").startswith("window")]


def _cells(ax):  # noqa: ANN001, ANN202
    return [p for p in ax.patches if p.get_gid() == "cell"]


@pytest.mark.parametrize(("shape", "kernel", "stride", "padding"),
                         [((4, 4), (3, 3), 1, 0), ((2, 3, 3), (2, 2, 2), 1, 1),
                          ((5, 5), (3, 3), 2, 0)])
def test_plot_im2col_draws_one_coloured_window_and_row_per_position(
        shape: tuple, kernel: tuple, stride: int, padding: int) -> None:
    x = np.arange(float(np.prod(shape))).reshape(shape)
    w = np.arange(float(np.prod(kernel))).reshape(kernel) % 3
    fig = plot_im2col(x, w, stride, padding)
    ax_in, ax_cols, ax_filter, ax_out = fig.axes
    x4 = x.reshape(1, -1, *x.shape[-2:])
    w4 = w.reshape(1, -1, *w.shape[-2:])
    expected = F.conv2d(mg.tensor(x4), mg.tensor(w4), stride=stride, padding=padding).numpy()
    n = expected.size
    channels = x4.shape[1]
    colours = window_colours(n)
    windows = _windows(ax_in)
    assert len(windows) == n * channels  # every window outlined on every channel
    assert [tuple(p.get_edgecolor()) for p in windows[:n]] == [tuple(c) for c in colours]
    cols = F.im2col(mg.tensor(x4), w.shape[-2:], stride, padding).numpy()
    cells = _cells(ax_cols)
    assert len(cells) == cols.size
    row_colour = np.array([c.get_facecolor() for c in cells]).reshape(*cols.shape, 4)
    assert np.allclose(row_colour, (colours * 0.35 + 0.65)[:, None, :])  # a row per window
    assert [float(t.get_text()) for t in ax_cols.texts] == cols.ravel().tolist()
    assert len(_cells(ax_filter)) == w.size  # the filter as one column
    assert [float(t.get_text()) for t in ax_out.texts] == expected.ravel().tolist()
    assert "im2col" in ax_cols.get_title()


def test_plot_pool_expansion_has_one_row_per_window_and_channel() -> None:
    x = (np.arange(32.0).reshape(2, 4, 4) * 7) % 11
    fig = plot_pool_expansion(x, 2)
    ax_in, ax_rows, ax_max = fig.axes
    assert len(_windows(ax_in)) == 4 * 2
    assert len(_cells(ax_rows)) == 4 * 2 * 4  # (OH*OW*C) rows of KH*KW numbers
    maxima = [float(t.get_text()) for t in ax_max.texts]
    pooled = F.max_pool2d(mg.tensor(x[None]), 2).numpy()[0]  # (C, OH, OW)
    assert maxima == pooled.transpose(1, 2, 0).ravel().tolist()  # rows: window, then channel
    colours = np.array([c.get_facecolor() for c in _cells(ax_max)])
    assert np.allclose(colours[0], colours[1]) and not np.allclose(colours[1], colours[2])


def test_im2col_pictures_refuse_inputs_too_big_to_draw() -> None:
    with pytest.raises(ValueError, match="plot_im2col: the input has 900 numbers"):
        plot_im2col(np.zeros((30, 30)), np.ones((3, 3)))
    with pytest.raises(ValueError, match="C = 1"):
        plot_im2col(np.zeros((4, 4)), np.ones((2, 3, 3)))


# --------------------------------------------------------------------------- deeper features

def test_top_activating_finds_the_images_with_the_strongest_response() -> None:
    from minigrad import nn

    conv = nn.Conv2d(1, 2, 3, bias=False)
    with mg.no_grad():
        conv.weight.data[:] = 0
        conv.weight.data[0, 0, 1, 1] = 1.0  # channel 0: the brightest pixel
        conv.weight.data[1, 0, 1, 1] = -1.0  # channel 1: the darkest pixel
    model = nn.Sequential(conv)
    images = np.zeros((7, 1, 6, 6), np.float32)
    for i, v in enumerate([0.5, 3.0, -2.0, 1.0, -5.0, 2.0, 0.0]):
        images[i, 0, 2, 3] = v
    order, scores = viz_top(model, images)
    assert order.tolist() == [[1, 5, 3], [4, 2, 0]]  # 0 and 6 tie at 0 on channel 1: first wins
    assert np.allclose(scores, [[3.0, 2.0, 1.0], [5.0, 2.0, 0.0]])
    with pytest.raises(ValueError, match="has 2 channels, got channels \\[5\\]"):
        from minigrad.viz import top_activating

        top_activating(model, "0", images, [5])


def viz_top(model, images):  # noqa: ANN001, ANN201
    from minigrad.viz import plot_top_activations, top_activating

    fig = plot_top_activations(model, images, "0", [0, 1], k=3)
    assert len(fig.axes) == 2 * (3 + 1)  # a filter and 3 images per channel
    assert fig.axes[1].get_title().startswith("#1:")
    return top_activating(model, "0", images, [0, 1], k=3, batch_size=3)


# --------------------------------------------------------------------------- the filter recipe

@pytest.mark.slow
def test_minigrad_train_makes_filters_that_look_learned(tmp_path) -> None:  # noqa: ANN001
    """The default recipe, cut to 3 epochs: smoothness well above random already (the full
    15-epoch run reaches about 0.44 at 97.5% test accuracy; docs/tutorial.md section 8)."""
    from minigrad.cli import main, runs

    run = tmp_path / "run"
    assert main(["train", "--data", "sample", "--epochs", "3", "--seed", "0", "--quiet",
                 "--out", str(run)]) == 0
    model, _ = runs.load_model(run / runs.BEST)
    before = mg.load(run / runs.LAST_STATE)["initial_filters"]
    assert abs(filter_smoothness(before)) < 0.1  # starts random
    assert filter_smoothness(model.conv1.weight) > 0.2  # He init alone gives 0.03 here


def test_minigrad_train_starts_the_first_layer_small() -> None:
    from minigrad.cli.registry import CONV1_INIT_STD, build_model

    mg.manual_seed(0)
    model = build_model("simpleconvnet")
    assert model.conv1.weight._data.std() == pytest.approx(CONV1_INIT_STD, rel=0.1)
    assert model.fc1.weight._data.std() == pytest.approx(np.sqrt(2 / 4320), rel=0.1)  # He
