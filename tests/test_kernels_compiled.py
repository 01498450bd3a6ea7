"""The compiled (numba) conv kernels against the reference ops, the chooser's rules, and
the machinery around them (lazy import, fallback, cache, notice, warmup, thread policy).

Every case runs one conv2d under ``set_kernels("fast")`` and under ``"reference"`` and
compares the output and every gradient (first order, and second order through
``create_graph``), float32 and float64, and asserts that the fast run really went
through the compiled kernel it is named after (``reached``). Without numba these tests
skip, except the fallback ones, which simulate a missing numba.

Tolerances, as a share of each array's largest magnitude: Winograd 5e-5 in float32 (it
measures 1e-6 to 1.3e-5; the small tile F(2x2, 3x3) about 4e-7) and 1e-12 in float64;
the direct loops 2e-5 and 1e-12.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import numpy as np
import pytest
from helpers import laid_out, under_both

import minigrad as mg
import minigrad.nn.functional as F
from minigrad.im2col import geometry
from minigrad.kernels import compiled
from minigrad.kernels import conv as kconv

HAVE_NUMBA = importlib.util.find_spec("numba") is not None
needs_numba = pytest.mark.skipif(not HAVE_NUMBA, reason="numba is not installed "
                                 "(pip install 'minigrad[fast]')")
TOL = {"winograd": {np.float32: 5e-5, np.float64: 1e-12},
       "winograd_small": {np.float32: 5e-6, np.float64: 1e-12},
       "direct": {np.float32: 2e-5, np.float64: 1e-12}}
DTYPES = [np.float32, np.float64]


@pytest.fixture(autouse=True)
def restore_kernels():
    before = mg.get_kernels()
    yield
    mg.set_kernels(before)


def spy_on(monkeypatch, module, name, record):
    """Replace the chooser ``module.name`` by one that also appends ``record(choice)`` to
    the list returned (unless that is None), for the test's duration."""
    seen = []
    choose = getattr(module, name)

    def spy(*args):
        choice = choose(*args)
        if (entry := record(choice)) is not None:
            seen.append(entry)
        return choice

    monkeypatch.setattr(module, name, spy)
    return seen


@pytest.fixture
def reached(monkeypatch):
    """The names of the compiled kernels the chooser handed out during the test."""
    return spy_on(monkeypatch, kconv, "compiled_choice",
                  lambda k: None if k is None else type(k).__module__.rsplit(".", 1)[-1])


@pytest.fixture
def checked(monkeypatch):
    """Every sum the conv kernels check for NaN and inf during the test, in order."""
    sums = []

    class Counting:
        @staticmethod
        def isfinite(value):
            sums.append(value)
            return np.isfinite(value)

    monkeypatch.setattr(kconv, "math", Counting)
    return sums


def case(rng, n, c, h, w, fn, k, padding, dtype, bias=True):
    x = rng.standard_normal((n, c, h, w)).astype(dtype)
    wt = (rng.standard_normal((fn, c, k, k)) / np.sqrt(c * k * k)).astype(dtype)
    b = rng.standard_normal(fn).astype(dtype) if bias else None
    g = geometry(x.shape, (k, k), 1, padding, 1, op="t")
    up = rng.standard_normal((n, fn, g.oh, g.ow)).astype(dtype)
    return x, wt, b, up


def passes(x, wt, b, up, padding, second=True):
    """y, dx, dw (db), and second-order gradients of <dx, dx> through create_graph."""
    mx, mw = mg.tensor(x, requires_grad=True), mg.tensor(wt, requires_grad=True)
    mb = None if b is None else mg.tensor(b, requires_grad=True)
    y = F.conv2d(mx, mw, mb, padding=padding)
    wrt = [t for t in (mx, mw, mb) if t is not None]
    grads = mg.grad((y * mg.tensor(up)).sum(), wrt, create_graph=second)
    out = [y.detach().numpy()] + [g.detach().numpy() for g in grads]
    if second:
        out += [g.numpy() for g in mg.grad((grads[0] * grads[0]).sum() + grads[1].sum(),
                                           [mx, mw])]
    return out


def assert_close(fast, ref, tol):
    assert len(fast) == len(ref)
    for a, b in zip(fast, ref):
        assert a.shape == b.shape and a.dtype == b.dtype
        scale = max(float(np.abs(b).max(initial=0.0)), 1e-30)
        assert float(np.abs(a - b).max(initial=0.0)) <= tol * scale


# --------------------------------------------------------------------------- fallback


def test_without_numba_every_chooser_falls_back_to_the_numpy_kernels(monkeypatch):
    monkeypatch.setattr(compiled, "_available", False)
    for shape, fn in (((32, 64, 32, 32), 128), ((100, 1, 28, 28), 6)):
        g = geometry(shape, (3, 3) if fn == 128 else (5, 5), 1, 1 if fn == 128 else 2,
                     op="t")
        assert type(kconv.choose(g, fn)) is kconv.FastConv
    assert compiled.warmup() is False
    rng = np.random.default_rng(0)
    x, wt, b, up = case(rng, 2, 16, 9, 9, 16, 3, 1, np.float64)
    assert_close(*under_both(lambda: passes(x, wt, b, up, 1, second=False)), 1e-12)


def test_a_missing_numba_is_found_out_without_importing_anything(monkeypatch):
    monkeypatch.setattr(compiled, "_available", None)
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "numba" else _find(name, *a))
    assert compiled.available() is False


_find = importlib.util.find_spec


def test_import_minigrad_does_not_import_numba():
    code = "import sys, minigrad, minigrad.nn, minigrad.kernels; print('numba' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "False"


# --------------------------------------------------------------------------- the rules


@pytest.mark.parametrize("shape, fn, k, stride, padding, expected", [
    ((32, 64, 32, 32), 128, 3, 1, 1, "winograd"),   # the conv workload
    ((32, 64, 32, 32), 64, 3, 1, 1, "winograd"),    # ResNet-18's first stage
    ((32, 256, 8, 8), 256, 3, 1, 1, "winograd"),
    ((32, 512, 4, 4), 512, 3, 1, 1, "winograd_small"),  # ResNet-18's last stage
    ((32, 256, 7, 7), 256, 3, 1, 1, "winograd_small"),
    ((16, 16, 4, 4), 16, 3, 1, 1, "winograd_small"),  # 64 tiles of 2x2
    ((15, 16, 4, 4), 16, 3, 1, 1, None),            # 60 tiles: the numpy kernels win
    ((32, 512, 3, 3), 512, 3, 1, 1, None),          # 3x3 maps: tiles mostly past the edge
    ((32, 3, 32, 32), 64, 3, 1, 1, None),           # ResNet's stem: 3 channels
    ((32, 64, 32, 32), 128, 3, 2, 1, None),         # stride 2
    ((100, 1, 28, 28), 6, 5, 1, 2, "direct"),       # LeNet's conv1
    ((100, 6, 14, 14), 16, 5, 1, 0, "direct"),      # LeNet's conv2: five wide
    ((100, 8, 12, 12), 16, 5, 1, 2, "direct"),
    ((100, 1, 28, 28), 30, 5, 1, 0, None),          # SimpleConvNet's conv1
    ((100, 1, 32, 32), 30, 5, 1, 2, None),          # one channel, more than 8 filters
    ((100, 3, 32, 32), 32, 5, 1, 2, "direct"),      # a 3-channel first layer
    ((100, 2, 28, 28), 30, 5, 1, 0, "direct"),
    ((32, 32, 16, 16), 32, 5, 1, 2, "direct"),      # 1,024 (filter, channel) pairs
    ((64, 32, 8, 8), 64, 5, 1, 2, "direct"),        # 2,048 pairs
    ((64, 64, 8, 8), 64, 5, 1, 2, None),            # 4,096 pairs: the GEMMs catch up
    ((100, 6, 14, 14), 16, 3, 1, 0, None),          # five wide only
    ((100, 6, 14, 14), 16, 5, 2, 0, None),          # stride 2
])
@needs_numba
def test_the_chooser_takes_a_compiled_kernel_where_it_measured_faster(
        shape, fn, k, stride, padding, expected):
    g = geometry(shape, (k, k), stride, padding, op="t")
    chosen = kconv.choose(g, fn)
    name = None if type(chosen) is kconv.FastConv else type(chosen).__module__.split(".")[-1]
    assert name == expected
    mg.set_kernels("reference")
    assert kconv.choose(g, fn) is None


@needs_numba
def test_a_forward_alone_takes_the_small_tile_from_more_tiles(monkeypatch):
    """F(2x2, 3x3)'s forward alone gains from 128 tiles, forward and backward from 64: a
    conv whose inputs need no gradient (inference) asks for the forward's rule."""
    rng = np.random.default_rng(8)
    x = mg.tensor(rng.standard_normal((16, 16, 4, 4)))  # 64 tiles
    w = mg.tensor(rng.standard_normal((16, 16, 3, 3)), requires_grad=True)
    chosen = []
    choose = kconv.choose

    def spy(*args, **kwargs):
        chosen.append(type(k := choose(*args, **kwargs)).__name__)
        return k

    monkeypatch.setattr(kconv, "choose", spy)
    F.conv2d(x, w, padding=1)
    with mg.no_grad():
        F.conv2d(x, w, padding=1)
        F.conv2d(mg.cat([x, x]), w, padding=1)  # 128 tiles
    assert chosen == ["WinogradSmallConv", "FastConv", "WinogradSmallConv"]


# --------------------------------------------------------------------------- agreement


WINOGRAD = {  # (N, C, H, W, FN, padding): odd sizes, maps that do not tile by the tile
    ("winograd", "tiles_exactly"): (2, 16, 8, 8, 16, 1),
    ("winograd", "odd_map_pad1"): (2, 16, 9, 11, 17, 1),
    ("winograd", "no_padding"): (1, 17, 13, 10, 16, 0),
    ("winograd", "pad2"): (2, 16, 7, 9, 16, 2),
    # the small tile: maps of 4x4 to 7x7, 64 or more 2x2 tiles
    ("winograd_small", "tiles_exactly"): (16, 16, 4, 4, 16, 1),
    ("winograd_small", "odd_map_pad1"): (6, 16, 7, 5, 17, 1),
    ("winograd_small", "no_padding"): (11, 17, 7, 6, 16, 0),
    ("winograd_small", "pad2"): (6, 16, 5, 4, 16, 2),
}


@needs_numba
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind, name", list(WINOGRAD))
def test_winograd_agrees_with_the_reference(kind, name, dtype, reached):
    n, c, h, w, fn, p = WINOGRAD[kind, name]
    rng = np.random.default_rng(sorted(WINOGRAD).index((kind, name)))
    x, wt, b, up = case(rng, n, c, h, w, fn, 3, p, dtype, bias=name != "no_padding")
    assert_close(*under_both(lambda: passes(x, wt, b, up, p)), TOL[kind][dtype])
    assert reached and set(reached) == {kind}


@needs_numba
@pytest.mark.parametrize("kind", ["winograd", "winograd_small"])
def test_winograd_loops_compute_their_matrices_products(kind):
    """On one tile, the compiled transforms are the products of the tiling's matrices:
    ``V = B^T d B``, ``U = G w G^T``, ``y = A^T M A``."""
    import importlib

    from minigrad.kernels.winograd import _constants

    module = importlib.import_module(f"minigrad.kernels.{kind}")
    bt, gm, at = module.BT, module.G, module.AT
    points = len(bt)
    rng = np.random.default_rng(15)
    d, w = rng.standard_normal((1, 1, points, points)), rng.standard_normal((1, 1, 3, 3))
    m = rng.standard_normal((points * points, 1, 1))
    conv = {"winograd": "WinogradConv", "winograd_small": "WinogradSmallConv"}[kind]
    kernel = getattr(module, conv)(geometry(d.shape, (3, 3), 1, 0, op="t"), 1)
    v = kernel._transform_input(d, np.empty).reshape(points, points)
    np.testing.assert_allclose(v, bt @ d[0, 0] @ bt.T, atol=1e-12)
    u = kernel.weight_transform(w).reshape(points, points)
    np.testing.assert_allclose(u, gm @ w[0, 0] @ gm.T, atol=1e-12)
    y = np.empty((1, 1, points - 2, points - 2))
    kernel.transforms().output(m, np.zeros(1), False, y, 1, 1, _constants(np.float64))
    np.testing.assert_allclose(y[0, 0], at @ m.reshape(points, points) @ at.T, atol=1e-12)


@needs_numba
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind, shape", [("winograd", (2, 16, 9, 10)),
                                         ("winograd_small", (16, 16, 4, 5))])
def test_winograd_matches_pytorch(kind, shape, dtype, reached):
    """Both tilings against PyTorch's convolution: output and every gradient, with the
    dtype kept, within the kernel's float32 tolerance."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(31)
    x, wt, b, up = case(rng, *shape, 16, 3, 1, dtype)
    ours = passes(x, wt, b, up, 1, second=False)
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, wt, b))
    ty = torch.nn.functional.conv2d(tx, tw, tb, padding=1)
    ty.backward(torch.tensor(up))
    theirs = [a.detach().numpy() for a in (ty, tx.grad, tw.grad, tb.grad)]
    assert_close(ours, theirs, TOL[kind][np.float32])
    assert set(reached) == {kind}


@needs_numba
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape, fn, padding", [((3, 1, 12, 11), 6, 2), ((2, 1, 9, 8), 4, 0),
                                                ((2, 2, 7, 10), 3, 1)])
def test_the_direct_kernel_agrees_with_the_reference(shape, fn, padding, dtype, reached):
    rng = np.random.default_rng(fn)
    x, wt, b, up = case(rng, *shape, fn, 5 if padding == 2 else 3, padding, dtype)
    assert_close(*under_both(lambda: passes(x, wt, b, up, padding)), TOL["direct"][dtype])
    assert reached and set(reached) == {"direct"}


FIVE_WIDE = {  # (N, C, H, W, FN, KH, padding): channels and filters in part-filled blocks
    "lenet_conv2": (2, 6, 14, 14, 16, 5, 0),
    "odd_blocks_pad2": (3, 5, 9, 11, 7, 5, 2),
    "one_channel_per_block": (2, 4, 6, 8, 3, 5, 1),
    "three_rows_uneven_padding": (2, 4, 7, 9, 5, 3, (1, 2)),
    "one_row": (2, 6, 3, 12, 9, 1, (0, 2)),
}


@needs_numba
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(FIVE_WIDE))
def test_the_five_wide_direct_loops_agree_with_the_reference(name, dtype, reached):
    """Kernels five wide take the loops that add a kernel row into four filters' (or
    channels') planes at once, on weights padded with zero filters and channels."""
    n, c, h, w, fn, kh, p = FIVE_WIDE[name]
    rng = np.random.default_rng(sorted(FIVE_WIDE).index(name))
    x = rng.standard_normal((n, c, h, w)).astype(dtype)
    wt = (rng.standard_normal((fn, c, kh, 5)) / np.sqrt(c * kh * 5)).astype(dtype)
    b = rng.standard_normal(fn).astype(dtype)
    g = geometry(x.shape, (kh, 5), 1, p, op="t")
    up = rng.standard_normal((n, fn, g.oh, g.ow)).astype(dtype)
    assert_close(*under_both(lambda: passes(x, wt, b, up, p)), TOL["direct"][dtype])
    assert reached and set(reached) == {"direct"}


NONFINITE = {  # (N, C, H, W, FN, K, padding): which kernel the finite case takes
    "winograd": (2, 16, 10, 11, 16, 3, 1),
    "winograd_small": (16, 16, 4, 5, 16, 3, 1),
    "direct": (2, 1, 10, 11, 6, 5, 2),            # every pass by the loops
    "direct_five_wide": (2, 6, 10, 11, 7, 5, 0),  # blocks padded with zero filters, channels
    "numpy_only": (2, 3, 10, 11, 4, 3, 1),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("where", ["input", "weight", "gradient"])
@pytest.mark.parametrize("name", list(NONFINITE))
@pytest.mark.parametrize("with_numba", [True, False])
def test_nan_and_inf_keep_the_reference_pattern(name, where, with_numba, dtype, monkeypatch):
    """The fast kernels form terms the reference never does (zero padding times a weight,
    Winograd's differences), harmless for finite values but NaN where an inf meets them:
    arrays holding NaN or inf take the passes that form none."""
    if with_numba and not HAVE_NUMBA:
        pytest.skip("numba is not installed (pip install 'minigrad[fast]')")
    monkeypatch.setattr(compiled, "_available", False if not with_numba else None)
    n, c, h, w, fn, k, p = NONFINITE[name]
    rng = np.random.default_rng(sorted(NONFINITE).index(name))
    x, wt, b, up = case(rng, n, c, h, w, fn, k, p, dtype)
    target = {"input": x, "weight": wt, "gradient": up}[where]
    target.flat[rng.choice(target.size, 3, replace=False)] = [np.inf, -np.inf, np.nan]
    with np.errstate(all="ignore"):
        fast, ref = under_both(lambda: passes(x, wt, b, up, p, second=False))
    for a, r in zip(fast, ref):
        assert np.array_equal(np.isnan(a), np.isnan(r)) and np.array_equal(np.isinf(a),
                                                                           np.isinf(r))
        finite = np.isfinite(r)
        assert_close([a[finite]], [r[finite]], TOL["winograd"][dtype])


@needs_numba
@pytest.mark.parametrize("kernel, padding", [((3, 2), (1, 0)), ((2, 3), (0, 1))])
def test_the_direct_kernel_agrees_for_non_square_kernels(kernel, padding, reached):
    """Each shift stops at the last output: the plane's last row must not run over (a
    bug once read past the plane for KW > 1 and asymmetric padding)."""
    rng = np.random.default_rng(14)
    x = rng.standard_normal((2, 2, 5, 6))
    wt = rng.standard_normal((2, 2, *kernel))
    g = geometry(x.shape, kernel, 1, padding, op="t")
    up = rng.standard_normal((2, 2, g.oh, g.ow))

    def run():
        mx, mw = mg.tensor(x, requires_grad=True), mg.tensor(wt, requires_grad=True)
        y = F.conv2d(mx, mw, padding=padding)
        return [y.detach().numpy()] + [a.numpy() for a in mg.grad((y * mg.tensor(up)).sum(),
                                                                   [mx, mw])]

    for _ in range(3):  # garbage read past a buffer would differ between runs
        assert_close(*under_both(run), TOL["direct"][np.float64])
    assert set(reached) == {"direct"}


@needs_numba
@pytest.mark.parametrize("seed", range(12))
def test_compiled_kernels_agree_on_random_geometry(seed, reached):
    rng = np.random.default_rng(300 + seed)
    dtype = DTYPES[seed % 2]
    n = int(rng.integers(1, 4))
    if seed < 4:  # Winograd: random channels, map size and padding
        kind, k = "winograd", 3
        c, fn = (int(v) for v in rng.integers(16, 24, 2))
        p = int(rng.integers(0, 3))
        h, w = (int(v) for v in rng.integers(8 - 2 * p + 2, 15, 2))
    elif seed >= 10:  # its small tile: maps of 4x4 to 7x7, a batch of 64 tiles or more
        kind, k = "winograd_small", 3
        c, fn = (int(v) for v in rng.integers(16, 24, 2))
        p = int(rng.integers(0, 3))
        h, w = (int(v) for v in rng.integers(6 - 2 * p, 10 - 2 * p, 2))
        tiles = -(-(h + 2 * p - 2) // 2) * -(-(w + 2 * p - 2) // 2)
        n = -(-64 // tiles)
    elif seed < 6:  # the direct loops: one channel, a few filters, any kernel size
        kind, k, c, fn = "direct", int(rng.integers(2, 6)), 1, int(rng.integers(1, 9))
        p = int(rng.integers(0, k))
        h, w = (int(v) for v in rng.integers(k, 14, 2))
    else:  # the five-wide direct loops: 2 to 40 channels, up to 320 pairs
        kind, k, c = "direct", 5, int(rng.integers(2, 41))
        fn, p = int(rng.integers(1, 320 // c + 1)), int(rng.integers(0, 5))
        h, w = (int(v) for v in rng.integers(5, 14, 2))
    x, wt, b, up = case(rng, n, c, h, w, fn, k, p, dtype, bias=bool(rng.integers(2)))
    assert_close(*under_both(lambda: passes(x, wt, b, up, p)), TOL[kind][dtype])
    assert set(reached) == {kind}


@needs_numba
@pytest.mark.parametrize("fn", [1, 4, 7, 30])
def test_the_five_wide_weight_gradient_reads_the_gradient_in_any_layout(fn, reached):
    """The loops lay each block of four (or last two) filters' gradient rows out
    themselves, reading the gradient as (N, FN, ...) or (FN, N, ...) memory in place, or a
    copy of any other layout; filters past FN (an odd count's last pair) are zeros. dW and
    db agree with the reference to rounding."""
    rng = np.random.default_rng(fn)
    x, wt, b, up = case(rng, 3, 2, 9, 11, fn, 5, 1, np.float64)
    g = geometry(x.shape, (5, 5), 1, 1, 1, op="t")
    kernel = kconv.compiled_choice(g, fn)
    assert type(kernel).__module__.endswith("direct")
    layouts = [up, np.ascontiguousarray(up.transpose(1, 0, 2, 3)).transpose(1, 0, 2, 3),
               np.ascontiguousarray(up.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2),
               np.asfortranarray(up)]
    want = np.einsum("nfij,ncijkl->fckl", up, laid_out_windows(x, g))
    for dw, db in (kernel.weight_grad(x, a, True) for a in layouts):
        np.testing.assert_allclose(dw, want, rtol=0, atol=1e-12)
        np.testing.assert_allclose(db, up.sum(axis=(0, 2, 3)), rtol=0, atol=1e-12)
        assert dw.shape == wt.shape and dw.flags.c_contiguous


def laid_out_windows(x, g):
    """(N, C, OH, OW, KH, KW): each output position's window of the zero-padded input."""
    xp = np.pad(x, ((0, 0), (0, 0), (g.ph, g.ph), (g.pw, g.pw)))
    win = np.lib.stride_tricks.sliding_window_view(xp, (g.kh, g.kw), axis=(2, 3))
    return win[:, :, : g.oh, : g.ow]


@needs_numba
def test_the_direct_weight_gradient_leaves_a_non_finite_result_to_numpy():
    """The loops' weight gradient checks its (small) result rather than summing its inputs:
    an inf or NaN read anywhere meets a product and shows there, and numpy's pass then
    redoes it with the reference's pattern. An inf in the last column meets, in the flat
    plane, the zeros past each gradient row for j = 0: NaN there, where the reference,
    which never pairs them, has finite numbers."""
    rng = np.random.default_rng(21)
    x, wt, b, up = case(rng, 2, 6, 10, 11, 7, 5, 0, np.float64)
    g = geometry(x.shape, (5, 5), 1, 0, 1, op="t")
    kernel = kconv.compiled_choice(g, 7)
    assert type(kernel).__module__.endswith("direct")
    x[1, 2, 3, -1] = np.inf
    with np.errstate(all="ignore"):
        dw, db = kernel.weight_grad(x, up, True)
        want, want_b = kconv.FastConv.weight_grad(kernel, x, up, True)
    assert np.isfinite(want).any() and not np.isfinite(want).all()
    assert np.array_equal(np.isnan(dw), np.isnan(want))
    assert np.array_equal(np.isinf(dw), np.isinf(want))
    finite = np.isfinite(want)
    np.testing.assert_allclose(dw[finite], want[finite], rtol=0, atol=1e-12)
    np.testing.assert_allclose(db, want_b, rtol=0, atol=1e-12)


@needs_numba
def test_a_first_layer_on_the_direct_loops_sums_no_gradient_for_nan_and_inf(checked):
    """Without an input gradient (a first layer) the backward checks the weight and bias
    gradients, 6x5x5 and 6 numbers, not the whole gradient (3 + 2 checks)."""
    rng = np.random.default_rng(22)
    x, wt, b, up = case(rng, 4, 1, 12, 12, 6, 5, 2, np.float64)
    mw, mb = mg.tensor(wt, requires_grad=True), mg.tensor(b, requires_grad=True)
    y = F.conv2d(mg.tensor(x), mw, mb, padding=2)
    assert len(checked) == 3  # x, w, b
    y.backward(mg.tensor(up))
    assert len(checked) == 5
    np.testing.assert_allclose(checked[3:], [mw.grad.numpy().sum(), mb.grad.numpy().sum()],
                               rtol=1e-12)


def random_windows(rng, count):
    """``count`` random (geometry, dtype): 1-8 images, channels and rows and columns,
    kernels 1-3, strides 1-2, padding 0-2, dilation 1-2, float32 and float64 in turn."""
    done = 0
    while done < count:
        n, c, h, w = (int(v) for v in rng.integers(1, 9, 4))
        kernel, stride, padding, dilation = (tuple(int(v) for v in rng.integers(lo, hi, 2))
                                             for lo, hi in ((1, 4), (1, 3), (0, 3), (1, 3)))
        try:
            g = geometry((n, c, h, w), kernel, stride, padding, dilation, op="t")
        except (RuntimeError, ValueError):
            continue  # the kernel does not fit the padded image
        yield g, DTYPES[done % 2]
        done += 1


@needs_numba
@pytest.mark.parametrize("seed", range(6))
def test_compiled_im2col_copies_numpys_columns_exactly(seed):
    """Random kernels, strides, padding and dilation; images laid out (N, C, ...),
    channels outermost, or as a reversed view; NaN and inf copied where they are."""
    from minigrad.im2col import im2col_array
    from minigrad.kernels import im2col_compiled

    rng = np.random.default_rng(500 + seed)
    for g, dtype in random_windows(rng, 25):
        c = g.c
        x = rng.standard_normal(g.input_shape).astype(dtype)
        x.flat[rng.choice(x.size, min(2, x.size), replace=False)] = [np.nan, -np.inf][: x.size]
        for a in (x, laid_out(x, "channels outermost"), x[:, :, ::-1]):
            want = im2col_array(a, g).reshape(c * g.kh * g.kw, -1)
            got = np.full_like(want, 7.0)
            im2col_compiled.im2col(a, g, got)
            assert np.array_equal(got, want, equal_nan=True), g


@needs_numba
@pytest.mark.parametrize("seed", range(4))
def test_compiled_col2im_adds_the_columns_back_as_numpy_does(seed):
    """The adjoint of the compiled im2col: the same terms onto each pixel as numpy's
    col2im (another order, so to rounding), NaN and inf where numpy has them."""
    from minigrad.im2col import col2im_array
    from minigrad.kernels import im2col_compiled

    rng = np.random.default_rng(600 + seed)
    for g, dtype in random_windows(rng, 25):
        n, c = g.n, g.c
        cols = rng.standard_normal((c * g.kh * g.kw, n * g.oh * g.ow)).astype(dtype)
        cols.flat[rng.choice(cols.size, min(2, cols.size), replace=False)] = \
            [np.inf, -np.inf][: cols.size]
        want = col2im_array(cols.reshape(c, g.kh, g.kw, n, g.oh, g.ow), g)
        got = im2col_compiled.col2im(cols, g)
        assert got.shape == want.shape and got.dtype == want.dtype
        assert np.array_equal(np.isnan(got), np.isnan(want))
        assert np.array_equal(np.isinf(got), np.isinf(want))
        finite = np.isfinite(want)
        tol = 1e-5 if dtype == np.float32 else 1e-13
        np.testing.assert_allclose(got[finite], want[finite], rtol=tol, atol=tol)


@needs_numba
@pytest.mark.parametrize("stride, c", [(2, 6), (1, 32)])  # 32 channels: the flipped kernel
def test_the_numpy_conv_kernels_unfold_by_the_compiled_pass_under_the_policy(stride, c,
                                                                            monkeypatch):
    """Under the thread policy the numpy kernels' columns (forward, weight gradient and the
    flipped-kernel input gradient) come from the compiled pass; the numbers are the
    reference's to rounding, gradients of gradients included."""
    from minigrad.kernels import gemm, im2col_compiled

    monkeypatch.setattr(gemm, "_holds", True)
    calls = []

    def spy(f):  # noqa: ANN001, ANN202
        return lambda *a: calls.append(f.__name__) or f(*a)

    for name in ("im2col", "col2im"):
        monkeypatch.setattr(im2col_compiled, name, spy(getattr(im2col_compiled, name)))
    x, wt, b, _ = case(np.random.default_rng(23), 2, c, 7, 6, 32, 3, 1, np.float64)

    def run():
        mx, mw = mg.tensor(x, requires_grad=True), mg.tensor(wt, requires_grad=True)
        y = F.conv2d(mx, mw, mg.tensor(b), stride=stride, padding=1)
        gx, gw = mg.grad((y * y).sum(), [mx, mw], create_graph=True)
        second = mg.grad((gx * gx).sum() + (gw * gw).sum(), [mx, mw])
        return [y.detach().numpy(), gx.detach().numpy(), gw.detach().numpy(),
                *(s.numpy() for s in second)]

    assert_close(*under_both(run), 1e-12)
    # the strided layer's input gradient adds its columns back by the compiled col2im
    assert set(calls) == ({"im2col", "col2im"} if stride == 2 else {"im2col"})


@needs_numba
@pytest.mark.parametrize("where", ["weight", "gradient"])
def test_the_compiled_col2im_keeps_the_reference_nan_and_inf_pattern(where, monkeypatch):
    """A strided layer's input gradient under the policy, with inf and NaN in the weight
    or the gradient: the same pattern as the reference."""
    from minigrad.kernels import gemm

    monkeypatch.setattr(gemm, "_holds", True)
    rng = np.random.default_rng(24)
    x, wt, b, _ = case(rng, 2, 6, 9, 8, 5, 3, 1, np.float64)
    g = geometry(x.shape, (3, 3), 2, 1, op="t")
    up = rng.standard_normal((2, 5, g.oh, g.ow))
    target = wt if where == "weight" else up
    target.flat[rng.choice(target.size, 3, replace=False)] = [np.inf, -np.inf, np.nan]

    def run():
        mx = mg.tensor(x, requires_grad=True)
        y = F.conv2d(mx, mg.tensor(wt), stride=2, padding=1)
        (gx,) = mg.grad(y, [mx], mg.tensor(up))
        return [gx.numpy()]

    with np.errstate(all="ignore"):
        (a,), (r,) = under_both(run)
    assert np.array_equal(np.isnan(a), np.isnan(r)) and np.array_equal(np.isinf(a), np.isinf(r))
    finite = np.isfinite(r)
    np.testing.assert_allclose(a[finite], r[finite], rtol=1e-12, atol=1e-12)


@needs_numba
@pytest.mark.parametrize("dtype", DTYPES)
def test_conv_transpose2d_through_winograd_agrees_with_the_reference(dtype, reached):
    """conv_transpose2d is conv2d's input gradient: stride 1 takes Winograd's adjoint."""
    rng = np.random.default_rng(8)
    x = mg.tensor(rng.standard_normal((2, 16, 9, 10)).astype(dtype), requires_grad=True)
    w = mg.tensor(rng.standard_normal((16, 17, 3, 3)).astype(dtype), requires_grad=True)

    def run():
        y = F.conv_transpose2d(x, w, padding=1)
        gx, gw = mg.grad((y * y).sum(), [x, w])
        return [y.detach().numpy(), gx.numpy(), gw.numpy()]

    assert_close(*under_both(run), TOL["winograd"][dtype])
    assert set(reached) == {"winograd"}


@needs_numba
@pytest.mark.parametrize("kind,c,fn,k", [("winograd", 16, 16, 3), ("direct", 1, 6, 5)])
def test_compiled_kernels_read_no_stale_gradient(kind, c, fn, k):
    """A gradient array changed in place between two calls (finite differences do that):
    each call outside one backward makes its own layout of it (FastConv.sharing_gradient)."""
    rng = np.random.default_rng(5)
    x, wt, b, up = case(rng, 2, c, 9, 9, fn, k, 1, np.float64)
    g = geometry(x.shape, (k, k), 1, 1, 1, op="t")
    kernel = kconv.compiled_choice(g, fn)
    assert type(kernel).__module__.endswith(kind)
    kernel.forward(x, wt, b, True)
    dx = kernel.input_grad(up, wt)
    up *= 3.0
    dx3 = kernel.input_grad(up, wt)
    dw3, db3 = kernel.weight_grad(x, up, True)
    up /= 3.0
    dw, db = kernel.weight_grad(x, up, True)
    for once, thrice in ((dx, dx3), (dw, dw3), (db, db3)):
        np.testing.assert_allclose(thrice, 3.0 * once, rtol=1e-12, atol=1e-12)


@needs_numba
def test_each_array_is_checked_for_nan_and_inf_once_per_forward_and_backward(checked):
    """The finiteness check is a full pass over an array: the backward trusts the forward's
    saved inputs, and its two passes share one check of the gradient (3 + 1, not 3 + 4)."""
    rng = np.random.default_rng(15)
    x, wt, b, up = case(rng, 2, 16, 9, 9, 16, 3, 1, np.float64)
    mx, mw, mb = (mg.tensor(a, requires_grad=True) for a in (x, wt, b))
    y = F.conv2d(mx, mw, mb, padding=1)
    assert len(checked) == 3  # x, w, b
    y.backward(mg.tensor(up), retain_graph=True)
    assert len(checked) == 4  # the gradient, once for dx and dW
    y.backward(mg.tensor(up))
    assert len(checked) == 5  # a new backward checks its gradient again


@needs_numba
def test_a_second_backward_with_inf_in_its_gradient_keeps_the_reference_pattern():
    """What one backward found finite is not trusted by the next (retain_graph)."""
    rng = np.random.default_rng(16)
    x, wt, b, up = case(rng, 2, 16, 9, 9, 16, 3, 1, np.float64)
    bad = up.copy()
    bad[0, 1, 2, 3] = np.inf

    def run():
        mx, mw = mg.tensor(x, requires_grad=True), mg.tensor(wt, requires_grad=True)
        y = F.conv2d(mx, mw, padding=1)
        y.backward(mg.tensor(up), retain_graph=True)
        mx.grad = mw.grad = None
        with np.errstate(all="ignore"):
            y.backward(mg.tensor(bad))
        return [mx.grad.numpy(), mw.grad.numpy()]

    for a, r in zip(*under_both(run)):
        assert np.array_equal(np.isnan(a), np.isnan(r))
        assert np.array_equal(np.isinf(a), np.isinf(r))


@needs_numba
@pytest.mark.parametrize("kind, shape", [("winograd", (3, 16, 10, 9)),
                                         ("winograd_small", (16, 16, 4, 5))])
def test_winograd_reads_the_gradient_in_either_memory_order(kind, shape, reached):
    """The gradient reaches a conv as (N, C, H, W) memory (a loss's) or as (C, N, H, W)
    memory (the next conv's input gradient): both are read in place, same numbers."""
    rng = np.random.default_rng(17)
    x, wt, b, up = case(rng, *shape, 16, 3, 1, np.float64)
    g = geometry(x.shape, (3, 3), 1, 1, 1, op="t")
    kernel = kconv.compiled_choice(g, 16)
    channels_outer = np.ascontiguousarray(up.transpose(1, 0, 2, 3)).transpose(1, 0, 2, 3)
    kernel.forward(x, wt, b, True)
    dx = [kernel.input_grad(a, wt) for a in (up, channels_outer)]
    dw = [kernel.weight_grad(x, a, False) for a in (up, channels_outer)]
    np.testing.assert_array_equal(*dx)
    np.testing.assert_array_equal(*dw)
    mg.set_kernels("reference")
    try:
        mx, mw = mg.tensor(x, requires_grad=True), mg.tensor(wt, requires_grad=True)
        F.conv2d(mx, mw, padding=1).backward(mg.tensor(up))
    finally:
        mg.set_kernels("fast")
    np.testing.assert_allclose(dx[0], mx.grad.numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(dw[0], mw.grad.numpy(), rtol=0, atol=1e-12)
    assert set(reached) == {kind}


@needs_numba
def test_compiled_kernels_take_channel_major_and_transposed_inputs(reached):
    """A conv's output is a (N, C, H, W) view of (C, N, H, W) memory; a gradient may come
    in any layout. Both are read as they are (or copied) and give the same numbers."""
    rng = np.random.default_rng(9)
    x, wt, b, up = case(rng, 2, 16, 10, 10, 16, 3, 1, np.float64)
    xc = np.ascontiguousarray(x.transpose(1, 0, 2, 3)).transpose(1, 0, 2, 3)
    upt = np.ascontiguousarray(up.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    fast, ref = under_both(lambda: passes(xc, wt, b, upt, 1, second=False))
    assert_close(fast, ref, 1e-12)
    assert_close(fast, passes(x, wt, b, up, 1, second=False), 1e-12)
    assert set(reached) == {"winograd"}


@needs_numba
@pytest.mark.parametrize("kind", ["winograd", "winograd_small", "direct"])
def test_compiled_kernels_pass_gradgradcheck(kind, reached):
    rng = np.random.default_rng(11)
    if kind == "winograd":
        x, wt, b, _ = case(rng, 1, 16, 8, 9, 16, 3, 1, np.float64)
        p = 1
    elif kind == "winograd_small":
        x, wt, b, _ = case(rng, 16, 16, 4, 4, 16, 3, 1, np.float64)
        p = 1
    else:
        x, wt, b, _ = case(rng, 2, 1, 7, 6, 3, 3, 1, np.float64)
        p = 1
    inputs = [mg.tensor(a, requires_grad=True) for a in (x, wt, b)]
    conv = lambda *a: F.conv2d(*a, padding=p)  # noqa: E731
    assert mg.gradcheck(conv, inputs, fast_mode=True)
    assert mg.gradgradcheck(conv, inputs, fast_mode=True)
    assert set(reached) == {kind}


# --------------------------------------------------------------------------- max pool


@pytest.fixture
def pooled(monkeypatch):
    """The kernels ``choose_max`` handed out during the test, by class name."""
    from minigrad.kernels import pool as kpool

    return spy_on(monkeypatch, kpool, "choose_max",
                  lambda k: None if k is None else type(k).__name__)


def pool_passes(x, up, v, **kw):
    """y, the indices, dx, and the gradient of <dx, v> in the upstream gradient (the
    double backward, a gather at the winners)."""
    mx, mup = mg.tensor(x, requires_grad=True), mg.tensor(up, requires_grad=True)
    y, idx = F.max_pool2d(mx, return_indices=True, **kw)
    (dx,) = mg.grad((y * mup).sum(), [mx], create_graph=True)
    (dup,) = mg.grad((dx * mg.tensor(v)).sum(), [mup])
    return [y.detach().numpy(), idx.numpy(), dx.detach().numpy(), dup.numpy()]


@needs_numba
@pytest.mark.parametrize("seed", range(10))
def test_compiled_max_pool_agrees_with_the_reference(seed, pooled):
    """Random kernel, stride, padding, dilation and ceil_mode; ties (a ReLU'd, rounded
    input), NaN and -inf; inputs in (N, C, H, W) and in conv2d's (C, N, H, W) memory."""
    rng = np.random.default_rng(700 + seed)
    dtype = DTYPES[seed % 2]
    k = tuple(int(v) for v in rng.integers(1, 4, 2))
    kw = dict(kernel_size=k, stride=tuple(int(v) for v in rng.integers(1, 4, 2)),
              padding=tuple(int(rng.integers(0, v // 2 + 1)) for v in k),
              dilation=tuple(int(v) for v in rng.integers(1, 3, 2)),
              ceil_mode=bool(rng.integers(2)))
    n, c = (int(v) for v in rng.integers(1, 4, 2))
    h, w = (int(v) for v in rng.integers(6, 12, 2))
    x = np.maximum(np.round(rng.standard_normal((c, n, h, w)), 1), 0).astype(dtype)
    if seed % 3 == 0:
        x.flat[rng.integers(0, x.size, 4)] = np.nan
        x.flat[rng.integers(0, x.size, 4)] = -np.inf
    x = x.transpose(1, 0, 2, 3) if seed % 2 else np.ascontiguousarray(x.transpose(1, 0, 2, 3))
    out = F.max_pool2d(mg.tensor(x), **kw).shape
    up = rng.standard_normal(out).astype(dtype)
    v = rng.standard_normal(x.shape).astype(dtype)
    fast, ref = under_both(lambda: pool_passes(x, up, v, **kw))
    tol = 1e-6 if dtype == np.float32 else 1e-13  # overlapping windows add in another order
    for a, b in zip(fast, ref):
        assert a.shape == b.shape and a.dtype == b.dtype
        scale = float(np.nanmax(np.abs(np.where(np.isinf(b), 0, b)), initial=1.0))
        np.testing.assert_allclose(a, b, rtol=0, atol=tol * scale, equal_nan=True)
    assert set(pooled) == {"CompiledMaxPool"}


@needs_numba
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("channels_outer", [False, True])
def test_compiled_2x2_max_pool_agrees_exactly(dtype, channels_outer, pooled):
    """The 2x2 tiling windows of most CNNs have their own unrolled loops: windows of ReLU'd
    zeros (ties: the first wins), NaN and -inf, in both memory layouts; every element is
    written once, so the passes agree bit for bit."""
    rng = np.random.default_rng(5)
    x = np.maximum(np.round(rng.standard_normal((5, 4, 8, 6)), 1), 0).astype(dtype)
    x.flat[rng.integers(0, x.size, 6)] = np.nan
    x.flat[rng.integers(0, x.size, 6)] = -np.inf
    x = x.transpose(1, 0, 2, 3) if channels_outer else np.ascontiguousarray(x.transpose(1, 0, 2, 3))
    up = rng.standard_normal((4, 5, 4, 3)).astype(dtype)
    v = rng.standard_normal(x.shape).astype(dtype)
    fast, ref = under_both(lambda: pool_passes(x, up, v, kernel_size=2))
    for a, b in zip(fast, ref):
        assert a.shape == b.shape and a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
    assert set(pooled) == {"CompiledMaxPool"}


@needs_numba
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("nan_share", [0.0, 0.02, 0.3])
def test_compiled_2x2_max_pool_picks_the_references_winners_bit_for_bit(dtype, nan_share,
                                                                        pooled):
    """The 2x2 forward finds each maximum as if there were no NaN and redoes a row that
    holds one under the full rule: ties of -0.0 and 0.0 (the first wins, with its sign),
    +-inf, and rows with and without NaN give the reference's values (as bits), winners
    and gradient."""
    rng = np.random.default_rng(int(nan_share * 100))
    values = np.array([-1.0, -0.0, 0.0, 1.0, np.inf, -np.inf], dtype=dtype)
    x = rng.choice(values, size=(3, 7, 8, 10))
    x[rng.random(x.shape) < nan_share] = np.nan
    up = rng.standard_normal((3, 7, 4, 5)).astype(dtype)
    v = rng.standard_normal(x.shape).astype(dtype)
    fast, ref = under_both(lambda: pool_passes(x, up, v, kernel_size=2))
    bits = np.uint32 if dtype == np.float32 else np.uint64
    np.testing.assert_array_equal(fast[0].view(bits), ref[0].view(bits))
    for a, b in zip(fast[1:], ref[1:]):
        np.testing.assert_array_equal(a, b)
    assert set(pooled) == {"CompiledMaxPool"}


@needs_numba
def test_compiled_max_pool_passes_gradgradcheck(pooled):
    x = np.random.default_rng(13).standard_normal((2, 3, 7, 6))
    mx = mg.tensor(x, requires_grad=True)
    pool = lambda a: F.max_pool2d(a, 3, 2, 1)  # noqa: E731
    assert mg.gradcheck(pool, [mx]) and mg.gradgradcheck(pool, [mx])
    assert set(pooled) == {"CompiledMaxPool"}


# --------------------------------------------------------------------------- batch norm


@pytest.fixture
def normed(monkeypatch):
    """How often ``choose_compiled`` handed out the compiled batch norm during the test."""
    from minigrad.kernels import norm as knorm

    return spy_on(monkeypatch, knorm, "choose_compiled", lambda k: k is not None)


def batch_norm_passes(a, w, b, up, channels_outer, need_x=True):
    """y, the running statistics, and the gradients of <y, up> in x (when it requires
    grad), weight and bias; ``channels_outer``: x reaches batch norm as a conv output
    does, (N, C, H, W) over (C, N, H, W) memory."""
    x0 = mg.tensor(a.transpose(1, 0, 2, 3).copy() if channels_outer else a,
                   requires_grad=need_x)
    x = x0.permute(1, 0, 2, 3) if channels_outer else x0
    mw = None if w is None else mg.tensor(w, requires_grad=True)
    mb = None if b is None else mg.tensor(b, requires_grad=True)
    rm, rv = mg.zeros(a.shape[1], dtype=x.dtype), mg.ones(a.shape[1], dtype=x.dtype)
    y = F.batch_norm(x, rm, rv, mw, mb, training=True, momentum=0.3)
    wrt = [t for t in (x0, mw, mb) if t is not None and t.requires_grad]
    # the upstream gradient in the same layout as x, as it flows back to a conv output
    up_t = mg.tensor(up.transpose(1, 0, 2, 3).copy()).permute(1, 0, 2, 3) if channels_outer else (
        mg.tensor(up))
    grads = list(mg.grad((y * up_t).sum(), wrt))
    if channels_outer and need_x:
        grads[0] = grads[0].permute(1, 0, 2, 3)
    return [y.detach().numpy(), rm.numpy(), rv.numpy()] + [g.numpy() for g in grads]


@needs_numba
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("channels_outer", [False, True])
@pytest.mark.parametrize("affine", [True, False])
def test_compiled_batch_norm_agrees_with_the_reference(dtype, channels_outer, affine, normed):
    """Both memory layouts, with and without the affine parameters, a mean far from zero
    (the two-pass variance), and an input that does not require grad (no dx)."""
    rng = np.random.default_rng(11)
    a = (rng.standard_normal((6, 5, 4, 5)) * 3 + 40).astype(dtype)
    w = rng.standard_normal(5).astype(dtype) if affine else None
    b = rng.standard_normal(5).astype(dtype) if affine else None
    up = rng.standard_normal(a.shape).astype(dtype)
    tol = 2e-5 if dtype == np.float32 else 1e-12
    for need_x in (True, False):
        if not (need_x or affine):
            continue
        fast, ref = under_both(lambda nx=need_x: batch_norm_passes(a, w, b, up, channels_outer, nx))
        assert len(fast) == len(ref)
        for p, q in zip(fast, ref):
            assert p.shape == q.shape and p.dtype == q.dtype
            scale = max(1.0, float(np.abs(q).max()))
            np.testing.assert_allclose(p, q, rtol=0, atol=tol * scale)
    assert normed and all(normed[::2]) and not any(normed[1::2])  # fast, then reference


@needs_numba
@pytest.mark.parametrize("x_outer,g_outer", [(True, False), (False, True)])
def test_compiled_batch_norm_reads_input_and_gradient_in_different_layouts(x_outer, g_outer):
    """The input channels-outermost and the gradient not, or the other way round: each is
    read in its own memory order, and dx comes back in the gradient's."""
    from minigrad.kernels import norm as knorm
    from minigrad.kernels import norm_compiled

    rng = np.random.default_rng(4)

    def lay(a, outer):
        return np.ascontiguousarray(a.transpose(1, 0, 2)).transpose(1, 0, 2) if outer else a

    a = lay(rng.standard_normal((6, 5, 20)) * 2 + 3, x_outer)
    g = lay(rng.standard_normal((6, 5, 20)), g_outer)
    w = rng.standard_normal(5)
    y, mean, var, moments = norm_compiled.forward(a, w, None, 1e-5)
    dx, dw, db = norm_compiled.backward(g, a, moments, w, True)
    inv = 1 / np.sqrt(a.var(axis=(0, 2)) + 1e-5)
    xhat = (a - a.mean(axis=(0, 2))[:, None]) * inv[:, None]
    for got, want in zip((y, mean, var, dx, dw, db),
                         (xhat * w[:, None], a.mean(axis=(0, 2)), a.var(axis=(0, 2)),
                          *knorm.batch_norm_grads(g, xhat, inv, w, True))):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
    assert dx.transpose(1, 0, 2).flags.c_contiguous == g_outer


@needs_numba
def test_compiled_batch_norm_leaves_small_maps_and_other_dtypes_to_numpy(normed):
    """BatchNorm1d's (N, C) and maps under 16 positions keep the numpy passes; so does
    float16."""
    from minigrad.kernels import norm_compiled

    mg.set_kernels("fast")
    for shape, dtype in (((8, 4), np.float32), ((8, 4, 3, 5), np.float32),
                         ((8, 4, 4, 4), np.float16)):
        x = mg.tensor(np.random.default_rng(0).standard_normal(shape).astype(dtype))
        F.batch_norm(x, None, None, training=True)
    x = mg.tensor(np.ones((2, 3, 4, 4), np.float32))
    F.batch_norm(x, None, None, training=True)
    assert normed == [False, False, False, True]
    assert norm_compiled.MIN_MAP == 16


@needs_numba
def test_compiled_batch_norm_passes_gradgradcheck(normed):
    """Its forward is compiled; a backward with ``create_graph`` takes the Tensor-op
    formula from x, so batch norm stays twice differentiable."""
    rng = np.random.default_rng(3)
    mx = mg.tensor(rng.standard_normal((3, 2, 4, 5)), requires_grad=True)
    mw = mg.tensor(rng.standard_normal(2), requires_grad=True)
    mb = mg.tensor(rng.standard_normal(2), requires_grad=True)
    mg.set_kernels("fast")

    def bn(x, w, b):
        return F.batch_norm(x, None, None, w, b, training=True)

    assert mg.gradcheck(bn, [mx, mw, mb]) and mg.gradgradcheck(bn, [mx, mw, mb])
    assert normed and all(normed)


@pytest.mark.slow
@needs_numba
def test_winograd_passes_the_full_gradgradcheck(reached):
    rng = np.random.default_rng(12)
    x, wt, b, _ = case(rng, 1, 16, 8, 8, 16, 3, 2, np.float64)
    inputs = [mg.tensor(a, requires_grad=True) for a in (x, wt, b)]
    assert mg.gradgradcheck(lambda *a: F.conv2d(*a, padding=2), inputs)
    assert set(reached) == {"winograd"}


@needs_numba
@pytest.mark.parametrize("kind, shape, bound", [
    ("winograd", (4, 64, 16, 16), 1.3e-5),      # the conv workload's layer scale
    ("winograd_small", (16, 128, 4, 4), 1e-6),  # ResNet-18's last stage, scaled down
])
def test_winograd_error_in_float32_is_within_the_stated_bound(kind, shape, bound):
    """Output and both gradients within ``bound`` of their largest magnitude against
    float64."""
    from minigrad.kernels.winograd import WinogradConv
    from minigrad.kernels.winograd_small import WinogradSmallConv

    rng = np.random.default_rng(13)
    x, wt, b, up = case(rng, *shape, shape[1], 3, 1, np.float32)
    g = geometry(x.shape, (3, 3), 1, 1, op="t")
    k64 = kconv.FastConv(g, shape[1])
    exact = [k64.forward(*(a.astype(np.float64) for a in (x, wt, b)), True),
             k64.input_grad(up.astype(np.float64), wt.astype(np.float64)),
             k64.weight_grad(x.astype(np.float64), up.astype(np.float64), False)]
    k32 = {"winograd": WinogradConv, "winograd_small": WinogradSmallConv}[kind](g, shape[1])
    got = [k32.forward(x, wt, b, True), k32.input_grad(up, wt), k32.weight_grad(x, up, False)]
    for a, e in zip(got, exact):
        assert np.abs(a - e).max() <= bound * np.abs(e).max()


# --------------------------------------------------------------------------- machinery


@needs_numba
def test_warmup_compiles_once_and_says_so_the_first_time(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))  # a fresh stamp directory
    monkeypatch.setattr(compiled, "_ready", set())
    assert compiled.warmup([np.float64]) is True
    assert "minigrad: compiling the numba kernels for float64" in capsys.readouterr().err
    assert compiled.warmup([np.float64]) is True  # the same process: nothing to do
    assert capsys.readouterr().err == ""
    monkeypatch.setattr(compiled, "_ready", set())  # a new process with a warm cache
    assert compiled.warmup([np.float64]) is True
    assert capsys.readouterr().err == ""
    import importlib

    for name in compiled.KERNEL_MODULES:
        for dispatcher, types in importlib.import_module(name).signatures(np.float64):
            assert types in dispatcher.signatures


def _fresh(code: str, **env: str) -> str:
    base = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    return subprocess.run([sys.executable, "-c", code], env={**base, **env},
                          capture_output=True, text=True, check=True).stdout.strip()


@needs_numba
def test_numba_caches_in_a_per_user_directory_unless_the_user_chose_one(tmp_path):
    code = ("import os; from minigrad.kernels import compiled; compiled.numba(); "
            "print(os.environ['NUMBA_CACHE_DIR'])")
    assert _fresh(code, XDG_CACHE_HOME=str(tmp_path)) == str(tmp_path / "minigrad" / "numba")
    assert (tmp_path / "minigrad" / "numba").is_dir()
    mine = str(tmp_path / "mine")
    assert _fresh(code, NUMBA_CACHE_DIR=mine) == mine


@needs_numba
def test_the_thread_policy_holds_inside_a_compiled_region_only():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    import numba

    from minigrad.kernels.threads import compiled_region

    def blas() -> list[int]:
        return [p["num_threads"] for p in threadpoolctl.threadpool_info()
                if p["user_api"] == "blas"]

    before, nb_before = blas(), numba.get_num_threads()
    with compiled_region():
        assert all(n == 1 for n in blas())
        assert numba.get_num_threads() == min(mg.get_num_threads(),
                                              numba.config.NUMBA_NUM_THREADS)
        with compiled_region():  # nested: still one thread, restored by the outer one
            assert all(n == 1 for n in blas())
        assert all(n == 1 for n in blas())
    assert blas() == before and numba.get_num_threads() == nb_before


OPENMP = ("import os, sys, minigrad\n"
          "print(os.environ.get('OMP_WAIT_POLICY'), os.environ.get('GOMP_SPINCOUNT'))\n"
          "{before}"
          "print(minigrad.kernels.tune_openmp())\n"
          "print(os.environ.get('OMP_WAIT_POLICY'), os.environ.get('GOMP_SPINCOUNT'))\n")
OPENMP_VARS = ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")


def _openmp_run(before: str = "", **env: str) -> list[str]:
    clean = {k: v for k, v in os.environ.items() if k not in OPENMP_VARS}
    clean["MINIGRAD_KERNELS"] = "fast"  # the compiled kernels may run (whatever CI's run says)
    done = subprocess.run([sys.executable, "-c", OPENMP.format(before=before)], check=True,
                          capture_output=True, text=True, env={**clean, **env})
    return done.stdout.splitlines()


def test_short_openmp_spins_are_an_opt_in_that_leaves_the_users_choice() -> None:
    tuned = "tuned: OMP_WAIT_POLICY=passive, GOMP_SPINCOUNT={} (idle OpenMP workers spin a " \
        "little, then sleep)"
    assert _openmp_run() == ["None None", tuned.format(30000),
                             "passive 30000"]  # import minigrad alone sets nothing
    assert _openmp_run(GOMP_SPINCOUNT="5000") == ["None 5000", tuned.format(5000),
                                                  "passive 5000"]
    assert _openmp_run(OMP_WAIT_POLICY="active") == [
        "active None", "left alone: the user set OMP_WAIT_POLICY=active", "active None"]


@needs_numba
def test_passive_openmp_waits_are_not_claimed_once_numbas_workers_run() -> None:
    conv = ("import numpy as np, minigrad.nn.functional as F\n"
            "F.conv2d(minigrad.randn(2, 16, 8, 8), minigrad.randn(16, 16, 3, 3), padding=1)\n")
    assert _openmp_run(conv) == ["None None", "left alone: numba's OpenMP workers already run",
                                 "None None"]


def test_the_minigrad_command_asks_for_short_openmp_spins() -> None:
    code = ("import os, sys\nsys.argv = ['minigrad', 'evaluate', '/nonexistent']\n"
            "from minigrad.cli import main\nstatus = main()\n"
            "print(status, os.environ.get('OMP_WAIT_POLICY'), os.environ.get('GOMP_SPINCOUNT'))\n")
    clean = {k: v for k, v in os.environ.items() if k not in OPENMP_VARS}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=clean)
    assert done.stdout.split() == ["2", "passive", "30000"], (done.stdout, done.stderr)


@needs_numba
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("layout", ["c", "channels outermost", "mixed", "sliced"])
@pytest.mark.parametrize("blocks", [False, True])
def test_relu_gradient_in_one_compiled_pass_agrees_bit_for_bit(dtype, layout, blocks,
                                                               monkeypatch):
    """ReLU's gradient takes the compiled pass where both arrays are float32/float64 and lie
    alike in memory (in blocks on threads from BLOCKS_FROM bytes), else numpy's; values,
    NaN, inf and signed zeros are numpy's ``g * ~(y <= 0)`` either way."""
    from minigrad.kernels import elementwise

    if blocks:
        monkeypatch.setattr(elementwise, "BLOCKS_FROM", 0)
    passes = []
    monkeypatch.setattr(elementwise, "_compiled_relu_grad",
                        lambda *a, run=elementwise._compiled_relu_grad: (passes.append(1),
                                                                         run(*a)))
    rng = np.random.default_rng(18)
    y = rng.standard_normal((3, 4, 9, 11)).astype(dtype)
    y.reshape(-1)[::7], y.reshape(-1)[3::11], y.reshape(-1)[5::13] = 0.0, np.nan, np.inf
    y.reshape(-1)[1::19] = -0.0
    y = np.maximum(y, 0)
    g = rng.standard_normal(y.shape).astype(dtype)
    g.reshape(-1)[2::5], g.reshape(-1)[4::9], g.reshape(-1)[::23] = -0.0, -np.inf, np.nan
    y, g = (laid_out(y, "c" if layout == "mixed" else layout),
            laid_out(g, "channels outermost" if layout == "mixed" else layout))
    with np.errstate(invalid="ignore"):
        got, expected = elementwise.relu_grad(y, g), np.multiply(g, ~(y <= 0))
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(np.signbit(got), np.signbit(expected))
    alike = layout in ("c", "channels outermost") and dtype != np.float16
    assert passes == ([1] if alike else [])


OPTIMIZER_CASES = [  # (optimizer, its arguments, its kernel, steps that take the kernel)
    ("Adam", {}, "adam", 6), ("Adam", dict(lr=0.01, betas=(0.8, 0.9), weight_decay=0.1), "adam", 6),
    ("Adam", dict(lr=0.01, maximize=True, eps=1e-3), "adam", 6),
    ("AdamW", dict(weight_decay=0.5), "adam", 6), ("Adam", dict(amsgrad=True), "adam", 0),
    ("SGD", dict(lr=0.1, momentum=0.9), "sgd_momentum", 5),  # the first step starts buf
    ("SGD", dict(lr=0.1, momentum=0.5, dampening=0.3, weight_decay=0.1), "sgd_momentum", 5),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, maximize=True), "sgd_momentum", 5),
    ("SGD", dict(lr=0.1), "sgd_momentum", 0),
]


@needs_numba
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,kwargs,kernel,steps", OPTIMIZER_CASES)
def test_optimizer_updates_in_one_compiled_pass_agree_bit_for_bit(name, kwargs, kernel, steps,
                                                                  dtype, monkeypatch):
    """Adam's and SGD-with-momentum's updates take one compiled pass with the extra (not
    with amsgrad, nor SGD's first step or plain SGD) and give the numpy passes' bits: six
    steps on a 0-d, a transposed and a vector parameter, with zeros, -0.0 and huge values
    in the gradients."""
    from minigrad.kernels import optim_compiled

    compiled.compile_for(dtype)  # with the real kernel, before it is wrapped below
    passes, real = [], getattr(optim_compiled, kernel)
    monkeypatch.setattr(optim_compiled, kernel, lambda *a: (passes.append(1), real(*a)))
    rng = np.random.default_rng(19)
    init = [rng.standard_normal(()), rng.standard_normal((5, 7)).T, rng.standard_normal(9)]

    def run():
        params = [mg.nn.Parameter(mg.tensor(a.astype(dtype))) for a in init]
        opt = getattr(mg.optim, name)(params, **kwargs)
        for step in range(6):
            for p in params:
                g = np.random.default_rng(step).standard_normal(p.shape).astype(dtype)
                g.reshape(-1)[:2] = [0.0, -0.0][: g.size]
                if g.size > 3:
                    g.reshape(-1)[3] = 1e30 if dtype == np.float32 else 1e300
                p.grad = mg.tensor(g.T.copy().T if p.ndim == 2 else g)  # as p lies
            opt.step()
        return [p.detach().numpy() for p in params]

    with np.errstate(over="ignore"):
        one_pass, numpy_passes = under_both(run)
    for a, b in zip(one_pass, numpy_passes):
        assert a.dtype == b.dtype == dtype
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(np.signbit(a), np.signbit(b))
    assert len(passes) == steps * len(init)


@needs_numba
def test_minigrad_compiled_0_turns_the_compiled_kernels_off() -> None:
    code = ("import minigrad.kernels.compiled as c, minigrad.kernels.conv as k\n"
            "from minigrad.im2col import geometry\n"
            "g = geometry((2, 16, 16, 16), 3, 1, 1, op='t')\n"
            "print(c.available(), type(k.choose(g, 16)).__name__)")
    for value, expected in (("0", "False FastConv"), ("1", "True WinogradConv")):
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              env={**os.environ, "MINIGRAD_COMPILED": value,
                                   "MINIGRAD_KERNELS": "fast"}, check=True)
        assert done.stdout.split() == expected.split(), done.stdout


@pytest.mark.slow
@needs_numba
def test_minigrad_train_reaches_the_same_accuracy_with_the_compiled_kernels(tmp_path) -> None:
    """Issue 24: ``minigrad train`` (SimpleConvNet, same seed) with the extra scores within
    0.3 points of the numpy kernels' test accuracy (its max pool is compiled; 2 epochs)."""
    import re

    scores = {}
    for value in ("0", "1"):
        done = subprocess.run(
            [sys.executable, "-m", "minigrad", "train", "--data", "sample", "--epochs", "2",
             "--seed", "0", "--quiet", "--out", str(tmp_path / value)],
            capture_output=True, text=True, check=True,
            env={**os.environ, "MINIGRAD_COMPILED": value, "MINIGRAD_KERNELS": "fast"})
        scores[value] = float(re.search(r"Test accuracy (\d\.\d+)", done.stdout).group(1))
    assert scores["0"] > 0.8, scores  # it learned (chance is 0.1)
    assert abs(scores["1"] - scores["0"]) <= 0.003, scores
