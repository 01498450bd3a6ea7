"""Every fast kernel (``minigrad.kernels``) against the reference ops, and the switch.

Each test runs the same call twice, under ``set_kernels("fast")`` and
``set_kernels("reference")``, and compares the outputs and every gradient (first order,
and second order through the gradient Functions) on seeded random geometry, float32 and
float64. The geometry of each case is checked to reach the kernel it is named after, so a
chooser change that silently stops using a kernel shows up here.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from helpers import laid_out, under_both

import minigrad as mg
import minigrad.nn.functional as F
from minigrad.im2col import geometry
from minigrad.kernels import conv as kconv
from minigrad.kernels import pool as kpool

TOL = {np.float32: 2e-4, np.float64: 1e-10}
DTYPES = [np.float32, np.float64]


@pytest.fixture(autouse=True)
def restore_kernels(monkeypatch):
    """The numpy kernels each case is named after: the compiled ones (where numba is
    installed) are tested in test_kernels_compiled.py."""
    from minigrad.kernels import compiled

    monkeypatch.setattr(compiled, "_available", False)
    before = mg.get_kernels()
    yield
    mg.set_kernels(before)


def assert_agree(fast, ref, dtype):
    tol = TOL[dtype]
    assert len(fast) == len(ref)
    for a, b in zip(fast, ref):
        if b is None:
            assert a is None
            continue
        assert a.shape == b.shape and a.dtype == b.dtype
        # the scale of the finite values: an inf in ``b`` would make atol inf and pass
        # anything; assert_allclose still wants inf where ``b`` has inf, NaN where NaN
        scale = max(1.0, float(np.abs(b[np.isfinite(b)]).max(initial=0.0)))
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol * scale)


# --------------------------------------------------------------------------- conv2d

def conv_case(rng, n, c, h, w, fn, k, stride=1, padding=0, dilation=1, groups=1, bias=True,
              dtype=np.float64):
    x = rng.standard_normal((n, c, h, w)).astype(dtype)
    wt = (rng.standard_normal((fn, c // groups, *k)) / np.sqrt(c * k[0] * k[1])).astype(dtype)
    b = rng.standard_normal(fn).astype(dtype) if bias else None
    kw = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    g = geometry(x.shape, k, stride, padding, dilation, op="t", groups=groups)
    up = rng.standard_normal((n, fn, g.oh, g.ow)).astype(dtype)
    # a transposed (non feature-major) upstream gradient: the layout-copying paths run too
    up = np.ascontiguousarray(up.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    return x, wt, b, kw, up, g


def conv_passes(x, wt, b, kw, up, needs="xwb", second=True):
    """y, the requested first-order gradients, and second-order ones through them."""
    mx = mg.tensor(x, requires_grad="x" in needs)
    mw = mg.tensor(wt, requires_grad="w" in needs)
    mb = None if b is None else mg.tensor(b, requires_grad="b" in needs)
    y = F.conv2d(mx, mw, mb, **kw)
    wrt = [t for t in (mx, mw, mb) if t is not None and t.requires_grad]
    grads = mg.grad((y * mg.tensor(up)).sum(), wrt, create_graph=second)
    out = [y.detach().numpy()] + [g.detach().numpy() for g in grads]
    if second:
        penalty = sum((g * g).sum() for g in grads)
        out += [g.numpy() for g in mg.grad(penalty, wrt, allow_unused=True)
                if g is not None]
    return out


def conv_inference(x, wt, b, kw):
    with mg.no_grad():
        return [F.conv2d(mg.tensor(x), mg.tensor(wt), None if b is None else mg.tensor(b),
                         **kw).numpy()]


CONV_CASES = {  # name: (N, C, H, W, FN, K, stride, padding, dilation, groups, which kernel)
    "pointwise": (3, 5, 7, 6, 4, (1, 1), 1, 0, 1, 1, lambda g, fn: kconv._pointwise(g)),
    "per_image": (4, 1, 12, 11, 6, (3, 3), 1, 1, 1, 1,
                  lambda g, fn: kconv._per_image(fn, g) and kconv._per_image_weight_grad(fn, g)),
    "one_gemm": (2, 24, 9, 8, 40, (3, 3), 1, 1, 1, 1,
                 lambda g, fn: not kconv._per_image(fn, g)),
    "grouped": (2, 6, 8, 7, 9, (3, 2), (2, 1), (1, 0), 1, 3, lambda g, fn: g.groups > 1),
    "flipped_kernel": (2, 32, 7, 9, 32, (3, 3), 1, 1, 1, 1,
                       lambda g, fn: kconv._as_flipped_conv(g, fn)),
    "shifted_adds": (3, 6, 12, 12, 16, (5, 5), 1, 2, 1, 1,
                     lambda g, fn: kconv._as_shifted_adds(g) and not kconv._as_flipped_conv(g, fn)),
    "kernel_rows": (2, 4, 11, 10, 5, (3, 3), (2, 3), (1, 2), (2, 1), 1,
                    lambda g, fn: not kconv._as_shifted_adds(g)
                    and not kconv._as_flipped_conv(g, fn) and kconv._covering_offset(g) is None),
    "covering_offset": (2, 3, 8, 8, 4, (3, 3), 1, 1, 1, 1,
                        lambda g, fn: kconv._covering_offset(g) is not None),
    "transposed_weight_grad": (2, 16, 20, 20, 32, (3, 3), 1, 0, 1, 1,
                               lambda g, fn: not kconv._per_image(fn, g) and fn <= 9 * g.c
                               and g.n * g.oh * g.ow >= 4 * 9 * g.c),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(CONV_CASES))
def test_conv_kernel_agrees_with_the_reference(name, dtype):
    n, c, h, w, fn, k, s, p, d, groups, reaches = CONV_CASES[name]
    rng = np.random.default_rng(sorted(CONV_CASES).index(name))
    x, wt, b, kw, up, g = conv_case(rng, n, c, h, w, fn, k, s, p, d, groups, dtype=dtype)
    assert reaches(g, fn), f"the {name} case no longer reaches its kernel"
    fast, ref = under_both(lambda: conv_passes(x, wt, b, kw, up))
    assert_agree(fast, ref, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("needs", ["x", "w", "b", "xb", "wb", "xw"])
def test_conv_kernels_agree_for_any_subset_of_gradients(needs, dtype):
    rng = np.random.default_rng(5)
    x, wt, b, kw, up, _ = conv_case(rng, 3, 4, 9, 8, 6, (3, 3), 1, 1, dtype=dtype)
    fast, ref = under_both(lambda: conv_passes(x, wt, b, kw, up, needs, second=False))
    assert_agree(fast, ref, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_blocked_inference_conv_agrees_with_the_reference(dtype):
    rng = np.random.default_rng(6)
    x, wt, b, kw, _, g = conv_case(rng, 600, 2, 30, 30, 8, (3, 3), 2, 1, 2, dtype=dtype)
    assert kconv._blocked(wt.shape[0], g)
    fast, ref = under_both(lambda: conv_inference(x, wt, b, kw))
    assert_agree(fast, ref, dtype)


@pytest.mark.parametrize("seed", range(12))
def test_conv_kernels_agree_on_random_geometry(seed):
    """Random stride, padding, dilation, groups, 1x1 and odd sizes, bias or not."""
    rng = np.random.default_rng(100 + seed)
    dtype = DTYPES[seed % 2]
    groups = int(rng.choice([1, 1, 2, 3]))
    c, fn = groups * int(rng.integers(1, 5)), groups * int(rng.integers(1, 5))
    k = tuple(int(v) for v in rng.integers(1, 4, 2))
    stride = tuple(int(v) for v in rng.integers(1, 3, 2))
    dilation = tuple(int(v) for v in rng.integers(1, 3, 2))
    padding = tuple(int(rng.integers(0, kk + 1)) for kk in k)
    h, w = (int(v) for v in rng.integers(6, 12, 2))
    x, wt, b, kw, up, _ = conv_case(rng, int(rng.integers(1, 4)), c, h, w, fn, k, stride,
                                    padding, dilation, groups, bool(rng.integers(2)), dtype)
    fast, ref = under_both(lambda: conv_passes(x, wt, b, kw, up))
    assert_agree(fast, ref, dtype)
    fast, ref = under_both(lambda: conv_inference(x, wt, b, kw))
    assert_agree(fast, ref, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_conv_transpose_kernels_agree_with_the_reference(dtype):
    rng = np.random.default_rng(7)
    x = mg.tensor(rng.standard_normal((2, 4, 5, 6)).astype(dtype), requires_grad=True)
    w = mg.tensor(rng.standard_normal((4, 3, 3, 3)).astype(dtype), requires_grad=True)

    def run():
        y = F.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1)
        gx, gw = mg.grad((y * y).sum(), [x, w])
        return [y.detach().numpy(), gx.numpy(), gw.numpy()]

    assert_agree(*under_both(run), dtype)


# --------------------------------------------------------------------------- pooling

POOL_CASES = {  # name: (N, C, H, W, kernel, stride, padding, dilation, ceil_mode)
    "tiles": (2, 3, 8, 12, (2, 3), None, 0, 1, False),
    "tiles_by_rows": (2, 3, 8, 8, (2, 2), None, 0, 1, False),
    "overlapping": (2, 3, 9, 10, 3, 2, 1, 1, False),
    "dilated": (2, 2, 11, 9, (3, 2), (2, 1), (1, 1), (2, 2), False),
    "ceil_mode": (1, 3, 10, 7, 3, 2, 1, 1, True),
}


def pool_input(rng, shape, dtype, data):
    if data == "ties":  # as after a ReLU: windows of zeros and repeated small integers
        return np.maximum(rng.integers(-2, 3, shape), 0).astype(dtype)
    x = rng.standard_normal(shape).astype(dtype)
    if data == "nan":
        x.flat[rng.choice(x.size, max(1, x.size // 40), replace=False)] = np.nan
    if data == "inf":
        x[...] = -np.inf
        x[0, 0, 0, 0] = 1.0
    return x


def max_pool_passes(x, up, kernel, stride, padding, dilation, ceil_mode):
    """y, the winners' indices, the input gradient (Scatter) and a second-order gradient
    through it (Gather)."""
    mx = mg.tensor(x, requires_grad=True)
    mu = mg.tensor(up, requires_grad=True)
    y, idx = F.max_pool2d(mx, kernel, stride, padding, dilation, ceil_mode,
                          return_indices=True)
    (gx,) = mg.grad((y * mu).sum(), [mx], create_graph=True)
    v = mg.tensor(np.linspace(-1, 1, x.size).reshape(x.shape).astype(x.dtype))
    (gu,) = mg.grad((gx * v).sum(), [mu])
    return [y.detach().numpy(), idx.numpy(), gx.detach().numpy(), gu.numpy()]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("data", ["distinct", "ties", "nan", "inf"])
@pytest.mark.parametrize("name", list(POOL_CASES))
def test_max_pool_kernels_agree_with_the_reference(name, data, dtype):
    n, c, h, w, k, s, p, d, ceil = POOL_CASES[name]
    rng = np.random.default_rng(sorted(POOL_CASES).index(name))
    x = pool_input(rng, (n, c, h, w), dtype, data)
    g = geometry(x.shape, k, k if s is None else s, p, d, op="t", ceil_mode=ceil)
    assert g.tiles == name.startswith("tiles")
    up = rng.standard_normal((n, c, g.oh, g.ow)).astype(dtype)
    fast, ref = under_both(lambda: max_pool_passes(x, up, k, s, p, d, ceil))
    np.testing.assert_array_equal(fast[1], ref[1])  # the same winners, exactly
    assert_agree(fast, ref, dtype)


def test_the_tiling_row_kernel_is_reached():
    g = geometry((2, 3, 8, 8), 2, 2, 0, op="t")
    x = np.random.default_rng(0).standard_normal((2, 3, 8, 8))
    mg.set_kernels("fast")
    best, winners = kpool.choose_max(g).forward(x)
    assert isinstance(winners, kpool.Winners) and winners.row_masks() is not None


def avg_pool_passes(x, up, kernel, stride, padding, ceil_mode, include_pad, divisor):
    mx = mg.tensor(x, requires_grad=True)
    y = F.avg_pool2d(mx, kernel, stride, padding, ceil_mode, include_pad, divisor)
    mu = mg.tensor(up, requires_grad=True)
    (gx,) = mg.grad((y * mu).sum(), [mx], create_graph=True)
    (gu,) = mg.grad((gx * gx).sum(), [mu])
    return [y.detach().numpy(), gx.detach().numpy(), gu.numpy()]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("divisor", [(True, None), (False, None), (True, 5)])
@pytest.mark.parametrize("name", [n for n in POOL_CASES if n != "dilated"])
def test_avg_pool_kernels_agree_with_the_reference(name, divisor, dtype):
    n, c, h, w, k, s, p, _, ceil = POOL_CASES[name]
    rng = np.random.default_rng(11)
    x = rng.standard_normal((n, c, h, w)).astype(dtype)
    g = geometry(x.shape, k, k if s is None else s, p, op="t", ceil_mode=ceil)
    up = rng.standard_normal((n, c, g.oh, g.ow)).astype(dtype)
    fast, ref = under_both(lambda: avg_pool_passes(x, up, k, s, p, ceil, *divisor))
    assert_agree(fast, ref, dtype)


@pytest.mark.parametrize("seed", range(12))
def test_pool_kernels_agree_on_random_geometry(seed):
    rng = np.random.default_rng(200 + seed)
    dtype = DTYPES[seed % 2]
    k = tuple(int(v) for v in rng.integers(1, 4, 2))
    s = tuple(int(v) for v in rng.integers(1, 4, 2))
    p = tuple(int(rng.integers(0, kk // 2 + 1)) for kk in k)
    ceil = bool(rng.integers(2))
    shape = (int(rng.integers(1, 3)), int(rng.integers(1, 4)), *(int(v) for v in
                                                                  rng.integers(5, 12, 2)))
    x = pool_input(rng, shape, dtype, ["distinct", "ties", "nan"][seed % 3])
    g = geometry(shape, k, s, p, op="t", ceil_mode=ceil)
    up = rng.standard_normal((*shape[:2], g.oh, g.ow)).astype(dtype)
    fast, ref = under_both(lambda: max_pool_passes(x, up, k, s, p, 1, ceil))
    np.testing.assert_array_equal(fast[1], ref[1])
    assert_agree(fast, ref, dtype)
    x = np.nan_to_num(x)
    fast, ref = under_both(lambda: avg_pool_passes(x, up, k, s, p, ceil, True, None))
    assert_agree(fast, ref, dtype)


# ------------------------------------------------------- ReLU, sigmoid and batch norm


def spy(monkeypatch, module, name):
    """Count the calls of ``module.name`` (a kernel), to check that a case reaches it."""
    calls = []
    kernel = getattr(module, name)

    def counted(*args):
        calls.append(name)
        return kernel(*args)

    monkeypatch.setattr(module, name, counted)
    return calls


def activation_values(rng, shape, dtype, data):
    x = rng.standard_normal(shape).astype(dtype)
    if data == "special":  # zeros (ReLU's kink), NaN (passes ReLU's gradient), +-inf
        flat = x.reshape(-1)
        flat[:: 7] = 0.0
        flat[3:: 11] = np.nan
        flat[5:: 13] = np.inf
        flat[6:: 17] = -np.inf
    return x


def activation_passes(x, up, name):
    t = mg.tensor(x, requires_grad=True)
    y = getattr(F, name)(t)
    (dx,) = mg.grad((y * mg.tensor(up)).sum(), t, create_graph=False)
    return [y.detach().numpy(), dx.numpy()]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("data", ["random", "special"])
@pytest.mark.parametrize("shape", [(3, 5), (2, 4, 40, 40, 40)])
@pytest.mark.parametrize("name", ["relu", "sigmoid"])
def test_activation_kernels_agree_with_the_reference(name, shape, data, dtype, monkeypatch):
    from minigrad.kernels import elementwise

    calls = spy(monkeypatch, elementwise, f"{name}_grad")
    rng = np.random.default_rng(hash((name, shape, data)) % 2**32)
    x = activation_values(rng, shape, dtype, data)
    up = rng.standard_normal(shape).astype(dtype)
    fast, ref = under_both(lambda: activation_passes(x, up, name))
    assert calls == [f"{name}_grad"]  # the fast run reached the kernel, the reference did not
    for a, b in zip(fast, ref):  # NaN and inf in the same places, the rest equal
        np.testing.assert_array_equal(np.isnan(a), np.isnan(b))
        np.testing.assert_allclose(a, b, rtol=TOL[dtype], atol=TOL[dtype])


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("layouts", [("c", "c"), ("channels outermost",) * 2,
                                     ("sliced", "sliced"), ("c", "channels outermost")])
def test_relus_passes_in_blocks_agree_bit_for_bit(layouts, dtype, monkeypatch):
    """Outputs of BLOCKS_FROM or more are written in blocks on threads; here every size
    is, and the values, NaN, inf and signed zeros must be the one-pass reference's."""
    from minigrad.kernels import elementwise

    monkeypatch.setattr(elementwise, "BLOCKS_FROM", 0)
    blocked = spy(monkeypatch, elementwise, "for_blocks")
    rng = np.random.default_rng(7)
    x = laid_out(activation_values(rng, (3, 4, 9, 11), dtype, "special"), layouts[0])
    x[0, 0, 0, :3] = [-0.0, 0.0, -1.0]
    y = elementwise.relu(x)
    g = laid_out(rng.standard_normal(x.shape).astype(dtype), layouts[1])
    dx = elementwise.relu_grad(y, g)
    for fast, ref in ((y, np.maximum(x, 0)), (dx, np.multiply(g, ~(y <= 0)))):
        assert fast.dtype == ref.dtype
        np.testing.assert_array_equal(fast, ref)
        np.testing.assert_array_equal(np.signbit(fast), np.signbit(ref))
    # dense alike (the first three) run in blocks; a mix of layouts in one call
    assert len(blocked) == {"c": 2, "channels outermost": 2, "sliced": 0}[layouts[0]] - (
        layouts[0] != layouts[1])


def test_a_relu_of_32_mib_runs_in_blocks_through_the_op(monkeypatch):
    from minigrad.kernels import elementwise

    blocked = spy(monkeypatch, elementwise, "for_blocks")
    x = np.random.default_rng(0).standard_normal((2, 64, 256, 256), dtype=np.float32)
    assert x.nbytes == elementwise.BLOCKS_FROM
    t = mg.tensor(x, requires_grad=True)
    y = F.relu(t)
    y.backward(mg.ones_like(y))
    assert blocked == ["for_blocks", "for_blocks"]  # forward and plain backward
    np.testing.assert_array_equal(y.detach().numpy(), np.maximum(x, 0))
    np.testing.assert_array_equal(t.grad.numpy(), (x > 0).astype(np.float32))
    mg.set_kernels("reference")
    assert F.relu(t).detach().numpy().flags.c_contiguous and len(blocked) == 2


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("needs", ["x", "w", "b", "xwb"])
@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("layout", ["conv", "linear", "channels_last"])
def test_batch_norm_kernel_agrees_with_the_reference(layout, affine, needs, dtype, monkeypatch):
    from minigrad.kernels import norm

    calls = spy(monkeypatch, norm, "batch_norm_grads")
    rng = np.random.default_rng(7)
    shape = {"conv": (4, 3, 5, 6), "linear": (8, 5), "channels_last": (4, 6, 5, 3)}[layout]
    x = rng.standard_normal(shape).astype(dtype) * 3 + 1
    if layout == "channels_last":  # a non-contiguous (N, C, H, W) view: the other summing
        x = x.transpose(0, 3, 1, 2)
    c = x.shape[1]
    w, b = rng.standard_normal(c).astype(dtype), rng.standard_normal(c).astype(dtype)
    up = rng.standard_normal(x.shape).astype(dtype)

    def passes():
        xt = mg.tensor(x, requires_grad="x" in needs)
        wt = mg.tensor(w, requires_grad="w" in needs) if affine else None
        bt = mg.tensor(b, requires_grad="b" in needs) if affine else None
        y = F.batch_norm(xt, None, None, wt, bt, training=True)
        wanted = [t for t in (xt, wt, bt) if t is not None and t.requires_grad]
        grads = mg.grad((y * mg.tensor(up)).sum(), wanted) if wanted else []
        return [y.detach().numpy(), *(g.numpy() for g in grads)]

    assert_agree(*under_both(passes), dtype)
    assert calls == (["batch_norm_grads"] if affine or "x" in needs else [])


def test_the_plain_backward_kernels_stand_aside_when_a_graph_of_the_gradient_is_wanted():
    from minigrad import kernels

    mg.set_kernels("fast")
    assert not kernels.plain_backward()  # grad mode is on: a graph is being recorded
    with mg.no_grad():  # as in a plain backward
        assert kernels.plain_backward()
    x = mg.tensor([[-1.0, 2.0], [3.0, 0.5]], dtype=mg.float64, requires_grad=True)
    y = F.relu(F.sigmoid(x)) * x
    assert mg.gradgradcheck(lambda t: F.relu(F.sigmoid(t)) * t, (x,))
    (g,) = mg.grad(y.sum(), x, create_graph=True)
    assert g.requires_grad  # the reference rules ran: a graph of the gradient exists
    mg.set_kernels("reference")
    assert not kernels.plain_backward()


# --------------------------------------------------------------------------- products

OUTERS = {  # name: (shape of a, shape of b), a contraction of length 1
    "a linear layer's weight gradient at batch 1": ((4, 1), (1, 6)),
    "stacked, b broadcast": ((3, 5, 1), (1, 4)),
    "stacked, a a stack of one": ((1, 5, 1), (3, 1, 4)),
    "no rows": ((0, 1), (1, 4)),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.bool_])
@pytest.mark.parametrize("name", list(OUTERS))
def test_a_product_of_one_term_is_numpys_to_the_bit(name, dtype, monkeypatch):
    from minigrad.kernels import gemm

    sa, sb = OUTERS[name]
    rng = np.random.default_rng(list(OUTERS).index(name))
    a, b = (rng.standard_normal(s).astype(dtype) for s in (sa, sb))
    if dtype == np.float64 and a.size and b.size:  # NaN and infinities where they may be
        a.flat[0], b.flat[-1] = np.inf, np.nan
    calls = spy(monkeypatch, gemm, "outer")
    mg.set_kernels("fast")
    got = gemm.product(a, b.T.copy().T)  # b laid out column by column, as a weight's .T is
    want = np.matmul(a, b)
    assert calls == ["outer"]
    assert got.shape == want.shape and got.dtype == want.dtype and got.flags.c_contiguous
    np.testing.assert_array_equal(got, want)
    mg.set_kernels("reference")
    gemm.product(a, b)
    assert calls == ["outer"]  # the reference runs numpy's matmul


LINEARS = {  # name: (x shape, out features, bias, which inputs require a gradient)
    "batch 1 (its weight gradient a product of one term)": ((1, 7), 5, True, (1, 1, 1)),
    "batch 4": ((4, 7), 5, True, (1, 1, 1)),
    "leading dims": ((2, 3, 7), 5, False, (1, 1, 0)),
    "a vector": ((7,), 5, True, (1, 1, 1)),
    "no rows": ((0, 7), 5, True, (1, 1, 1)),
    "weight only": ((4, 7), 5, True, (0, 1, 0)),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", list(LINEARS))
def test_linear_kernel_agrees_with_the_reference(name, dtype, monkeypatch):
    from minigrad.kernels import gemm

    shape, fout, bias, needs = LINEARS[name]
    rng = np.random.default_rng(list(LINEARS).index(name))
    values = [rng.standard_normal(s).astype(dtype) for s in (shape, (fout, shape[-1]), (fout,))]
    up = rng.standard_normal(shape[:-1] + (fout,)).astype(dtype)

    def passes():
        ts = [mg.tensor(v, requires_grad=bool(n)) for v, n in zip(values, needs)]
        y = F.linear(ts[0], ts[1], ts[2] if bias else None)
        y.backward(mg.tensor(up))
        return [y.detach().numpy()] + [t.grad.numpy() for t, n in zip(ts, needs) if n]

    calls = spy(monkeypatch, gemm, "linear_grads")
    assert_agree(*under_both(passes), dtype)
    assert calls == ["linear_grads"]  # the fast run reached the kernel, the reference did not


MATMULS = {  # name: (a shape, b shape, which of the two require a gradient)
    "matrices": ((4, 7), (7, 5), (1, 1)),
    "a stack by a matrix (broadcast)": ((2, 3, 4, 7), (7, 5), (1, 1)),
    "stacks broadcast both ways": ((2, 1, 4, 7), (3, 7, 5), (1, 1)),
    "a vector by a matrix": ((7,), (7, 5), (1, 1)),
    "a stack by a vector": ((3, 4, 7), (7,), (1, 1)),
    "two vectors": ((7,), (7,), (1, 1)),
    "a contraction of one": ((4, 1), (1, 5), (1, 1)),
    "no rows": ((0, 7), (7, 5), (1, 1)),
    "the right operand only": ((4, 7), (7, 5), (0, 1)),
    "the left operand only": ((4, 7), (7, 5), (1, 0)),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", list(MATMULS))
def test_matmul_kernel_agrees_with_the_reference(name, dtype, monkeypatch):
    from minigrad.kernels import gemm

    a_shape, b_shape, needs = MATMULS[name]
    rng = np.random.default_rng(list(MATMULS).index(name))
    values = [rng.standard_normal(s).astype(dtype) for s in (a_shape, b_shape)]
    up = rng.standard_normal(np.matmul(*values).shape).astype(dtype)

    def passes():
        ts = [mg.tensor(v, requires_grad=bool(n)) for v, n in zip(values, needs)]
        y = ts[0] @ ts[1]
        y.backward(mg.tensor(up))
        return [y.detach().numpy()] + [t.grad.numpy() for t, n in zip(ts, needs) if n]

    calls = spy(monkeypatch, gemm, "matmul_grads")
    assert_agree(*under_both(passes), dtype)
    assert calls == ["matmul_grads"]  # the fast run reached the kernel, the reference did not


# --------------------------------------------------------------------------- the switch


def test_set_kernels_switches_every_op_and_get_kernels_says_which():
    mg.set_kernels("reference")
    assert mg.get_kernels() == "reference"
    g = geometry((1, 1, 4, 4), 2, 2, 0, op="t")
    assert kconv.choose(g, 1) is None and kpool.choose_max(g) is None
    assert kpool.choose_avg(g) is None
    mg.set_kernels("fast")
    assert mg.get_kernels() == "fast"
    assert kconv.choose(g, 1) is not None and kpool.choose_max(g) is not None
    assert kpool.choose_avg(g) is not None


@pytest.mark.parametrize("bad", ["Fast", "", None, 1])
def test_set_kernels_refuses_unknown_names(bad):
    before = mg.get_kernels()
    with pytest.raises(ValueError, match=r"set_kernels: expected one of 'fast', 'reference'"):
        mg.set_kernels(bad)
    assert mg.get_kernels() == before


def _python(code, value):
    env = {k: v for k, v in os.environ.items() if k != "MINIGRAD_KERNELS"}
    if value is not None:
        env["MINIGRAD_KERNELS"] = value
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("value, expected", [(None, "fast"), ("fast", "fast"),
                                             ("reference", "reference")])
def test_the_environment_variable_picks_the_kernels(value, expected):
    done = _python("import minigrad; print(minigrad.get_kernels())", value)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == expected


def test_a_bad_environment_variable_is_a_clear_error():
    done = _python("import minigrad", "turbo")
    assert done.returncode != 0
    assert "MINIGRAD_KERNELS='turbo'" in done.stderr and "'reference'" in done.stderr
