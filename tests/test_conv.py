"""conv2d: values, first and second derivatives, PyTorch parity, errors and dtype."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import minigrad as mg
import minigrad.nn.functional as F
from minigrad.functional.conv import geometry
from minigrad.kernels import conv as conv_kernels
from minigrad.ops import conv as conv_ops


@pytest.fixture(autouse=True, params=["one_gemm", "per_image"])
def gemm_layout(request, monkeypatch):
    """Run every test through both GEMM layouts (one long GEMM, or batched per image),
    which conv2d otherwise picks by the size of the weight matrix."""
    monkeypatch.setattr(conv_kernels, "_per_image", lambda fn, g: request.param == "per_image")
    return request.param


def naive_conv(x, w, b, stride, padding):
    """Direct loops over the output: slow, obviously right."""
    (sh, sw), (ph, pw) = stride, padding
    n, c, h, wd = x.shape
    fn, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    oh, ow = (h + 2 * ph - kh) // sh + 1, (wd + 2 * pw - kw) // sw + 1
    y = np.zeros((n, fn, oh, ow))
    for r in range(oh):
        for q in range(ow):
            win = xp[:, :, r * sh : r * sh + kh, q * sw : q * sw + kw]
            y[:, :, r, q] = np.einsum("ncij,fcij->nf", win, w)
    return y if b is None else y + b[None, :, None, None]


# (N, C, H, W), (FN, KH, KW), stride, padding, bias: covers batch 1/>1, C 1/>1, square and
# non-square kernels, stride 1/2/(2,1), padding 0/1/(1,2), bias on/off, kernel == input
GRID = [
    ((1, 1, 4, 4), (2, 3, 3), 1, 1, True),
    ((2, 2, 5, 5), (2, 3, 3), 2, 0, False),
    ((2, 1, 5, 4), (1, 3, 2), (2, 1), (1, 2), True),
    ((1, 3, 4, 5), (2, 2, 3), 1, 0, True),
    ((2, 2, 3, 3), (2, 3, 3), 1, 0, True),  # kernel equal to input size
    ((1, 2, 4, 3), (3, 4, 3), 1, (1, 2), False),
    ((2, 1, 5, 5), (2, 1, 1), 2, 1, True),
]


def _inputs(xs, ws, bias, seed=0):
    rng = np.random.default_rng(seed)
    x = mg.tensor(rng.standard_normal(xs), requires_grad=True)
    w = mg.tensor(rng.standard_normal((ws[0], xs[1], ws[1], ws[2])), requires_grad=True)
    b = mg.tensor(rng.standard_normal(ws[0]), requires_grad=True) if bias else None
    return x, w, b


@pytest.mark.parametrize("xs,ws,stride,padding,bias", GRID)
def test_conv2d_matches_direct_loops(xs, ws, stride, padding, bias):
    x, w, b = _inputs(xs, ws, bias)
    y = F.conv2d(x, w, b, stride, padding)
    sp = [s if isinstance(s, tuple) else (s, s) for s in (stride, padding)]
    np.testing.assert_allclose(
        y.data, naive_conv(x.data, w.data, None if b is None else b.data, *sp), atol=1e-12
    )


@pytest.mark.parametrize("xs,ws,stride,padding,bias", GRID)
def test_conv2d_passes_gradcheck(xs, ws, stride, padding, bias):
    x, w, b = _inputs(xs, ws, bias)
    inputs = (x, w) if b is None else (x, w, b)
    assert mg.gradcheck(lambda *a: F.conv2d(*a, stride=stride, padding=padding), inputs)


@pytest.mark.parametrize("xs,ws,stride,padding,bias", GRID[:4] + GRID[5:6])
def test_conv2d_passes_gradgradcheck(xs, ws, stride, padding, bias):
    x, w, b = _inputs(xs, ws, bias, seed=1)
    inputs = (x, w) if b is None else (x, w, b)
    assert mg.gradgradcheck(lambda *a: F.conv2d(*a, stride=stride, padding=padding), inputs)


def test_backward_functions_are_differentiable_in_each_argument():
    x, w, _ = _inputs((1, 2, 4, 4), (2, 3, 2), False, seed=2)
    g = mg.tensor(np.random.default_rng(3).standard_normal((1, 2, 4, 3)), requires_grad=True)
    geom = geometry(x.shape, (3, 2), 1, (1, 0), exact=True, op="t")
    assert mg.gradgradcheck(lambda a, b: conv_ops.ConvTranspose2d.apply(a, b, geom), (g, w))
    assert mg.gradgradcheck(lambda a, b: conv_ops.Conv2dWeightGrad.apply(a, b, geom), (x, g))
    assert mg.gradgradcheck(
        lambda a, b: conv_ops.Conv2dWeightGrad.apply(a, b, geom, True), (x, g)
    )


# --------------------------------------------------------------------------- book examples


def test_book_4x4_input_3x3_filter_padding_1_gives_4x4():
    y = F.conv2d(mg.zeros(1, 1, 4, 4), mg.zeros(1, 1, 3, 3), padding=1)
    assert y.shape == (1, 1, 4, 4)


def test_book_7x7_input_stride_2_gives_3x3():
    y = F.conv2d(mg.zeros(1, 1, 7, 7), mg.zeros(1, 1, 3, 3), stride=2)
    assert y.shape == (1, 1, 3, 3)


def test_book_bias_of_shape_fn_is_broadcast_over_the_output_map():
    x = mg.tensor(np.arange(16.0).reshape(1, 1, 4, 4))
    w = mg.tensor(np.zeros((3, 1, 3, 3)))
    b = mg.tensor(np.array([1.0, -2.0, 5.0]))
    y = F.conv2d(x, w, b)
    assert y.shape == (1, 3, 2, 2)
    np.testing.assert_array_equal(y.data, np.broadcast_to(b.data[:, None, None], (1, 3, 2, 2)))


def test_book_example_values():
    # the book's 4x4 input and 3x3 filter (stride 1, no padding) -> [[15, 16], [6, 15]]
    x = mg.tensor(np.array([[1, 2, 3, 0], [0, 1, 2, 3], [3, 0, 1, 2], [2, 3, 0, 1.0]])[None, None])
    w = mg.tensor(np.array([[2, 0, 1], [0, 1, 2], [1, 0, 2.0]])[None, None])
    np.testing.assert_array_equal(F.conv2d(x, w).data[0, 0], [[15, 16], [6, 15]])
    np.testing.assert_array_equal(F.conv2d(x, w, mg.tensor(np.array([3.0]))).data[0, 0],
                                  [[18, 19], [9, 18]])


# --------------------------------------------------------------------------- PyTorch


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    n=st.integers(1, 3), c=st.integers(1, 3), fn=st.integers(1, 3),
    h=st.integers(1, 8), w=st.integers(1, 8), kh=st.integers(1, 4), kw=st.integers(1, 4),
    sh=st.integers(1, 3), sw=st.integers(1, 3), ph=st.integers(0, 2), pw=st.integers(0, 2),
    bias=st.booleans(), seed=st.integers(0, 2**16),
)
def test_matches_torch_outputs_and_all_grads(n, c, fn, h, w, kh, kw, sh, sw, ph, pw, bias,
                                             seed):
    torch = pytest.importorskip("torch")
    if h + 2 * ph < kh or w + 2 * pw < kw:
        return
    rng = np.random.default_rng(seed)
    xd, wd = rng.standard_normal((n, c, h, w)), rng.standard_normal((fn, c, kh, kw))
    bd = rng.standard_normal(fn) if bias else None
    x, wt = mg.tensor(xd, requires_grad=True), mg.tensor(wd, requires_grad=True)
    b = mg.tensor(bd, requires_grad=True) if bias else None
    y = F.conv2d(x, wt, b, (sh, sw), (ph, pw), exact=False)
    gy = rng.standard_normal(y.shape)
    y.backward(mg.tensor(gy))
    tx, tw = torch.tensor(xd, requires_grad=True), torch.tensor(wd, requires_grad=True)
    tb = torch.tensor(bd, requires_grad=True) if bias else None
    ty = torch.nn.functional.conv2d(tx, tw, tb, stride=(sh, sw), padding=(ph, pw))
    ty.backward(torch.tensor(gy))
    pairs = [(y.data, ty), (x.grad.data, tx.grad), (wt.grad.data, tw.grad)]
    if bias:
        pairs.append((b.grad.data, tb.grad))
    for ours, theirs in pairs:
        np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=1e-5, atol=1e-12)


def _small_cnn(x, w1, w2, b1):
    h = F.conv2d(x, w1, b1, padding=1).relu()
    h = F.max_pool2d(h, 2)
    h = F.conv2d(h, w2, stride=(2, 1), padding=(1, 0))
    return F.avg_pool2d(h, (1, 2)).sum()


def _cnn_params(dtype=np.float64):
    rng = np.random.default_rng(5)
    x = mg.tensor(rng.standard_normal((2, 2, 6, 6)).astype(dtype), requires_grad=True)
    w1 = mg.tensor(rng.standard_normal((3, 2, 3, 3)).astype(dtype), requires_grad=True)
    w2 = mg.tensor(rng.standard_normal((2, 3, 3, 2)).astype(dtype), requires_grad=True)
    b1 = mg.tensor(rng.standard_normal(3).astype(dtype), requires_grad=True)
    return x, w1, w2, b1


def _penalty(x, w1, w2, b1):
    (gx,) = mg.grad(_small_cnn(x, w1, w2, b1), x, create_graph=True)
    return (gx * gx).sum()


def test_gradient_penalty_through_a_cnn_is_differentiable():
    x, w1, w2, b1 = _cnn_params()
    _penalty(x, w1, w2, b1).backward()
    # the input gradient depends on the weights; on x and b1 only through relu/max-pool
    # switching, which is piecewise constant, so they get no second-order gradient
    assert w1.grad is not None and w2.grad is not None
    # second-order path checked against finite differences of the penalty itself
    assert mg.gradcheck(_penalty, (x, w1, w2, b1), atol=1e-4)


def test_gradient_penalty_matches_torch():
    torch = pytest.importorskip("torch")
    params = _cnn_params()
    _penalty(*params).backward()
    tp = [torch.tensor(p._data, requires_grad=True) for p in params]
    tx, tw1, tw2, tb1 = tp
    tf = torch.nn.functional
    h = tf.max_pool2d(tf.conv2d(tx, tw1, tb1, padding=1).relu(), 2)
    out = tf.avg_pool2d(tf.conv2d(h, tw2, stride=(2, 1), padding=(1, 0)), (1, 2)).sum()
    (tgx,) = torch.autograd.grad(out, tx, create_graph=True)
    (tgx * tgx).sum().backward()
    for p, t in zip(params, tp):
        ours = np.zeros(p.shape) if p.grad is None else p.grad.data
        theirs = np.zeros(p.shape) if t.grad is None else t.grad.numpy()
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-10)
    assert np.abs(params[1].grad.data).max() > 0


# --------------------------------------------------------------------------- speed paths


def test_no_input_grad_work_when_input_does_not_require_grad(monkeypatch):
    def boom(*a, **k):
        raise AssertionError("input gradient computed for an input without requires_grad")

    monkeypatch.setattr(conv_ops.ConvTranspose2d, "forward", staticmethod(boom))
    x = mg.randn(2, 1, 6, 6)
    w = mg.randn(3, 1, 3, 3, requires_grad=True)
    F.conv2d(x, w).sum().backward()
    assert x.grad is None and w.grad is not None


@pytest.mark.parametrize("needs", [(1, 0, 0), (0, 1, 0), (0, 0, 1), (1, 0, 1), (0, 1, 1)])
def test_any_subset_of_inputs_gets_the_same_gradients(needs):
    x, w, b = _inputs((2, 2, 5, 4), (3, 3, 2), True, seed=9)
    g = mg.tensor(np.random.default_rng(10).standard_normal((2, 3, 5, 3)))
    F.conv2d(x, w, b, padding=(1, 0)).backward(g)
    full = [t.grad.data for t in (x, w, b)]
    parts = [mg.tensor(t.data, requires_grad=bool(n)) for t, n in zip((x, w, b), needs)]
    F.conv2d(*parts, padding=(1, 0)).backward(g)
    for t, n, ref in zip(parts, needs, full):
        assert (t.grad is not None) == bool(n)
        if n:
            np.testing.assert_allclose(t.grad.data, ref, rtol=1e-12, atol=1e-12)


def test_float32_in_float32_out_and_in_every_grad():
    rng = np.random.default_rng(6)
    x = mg.tensor(rng.standard_normal((2, 3, 5, 5)).astype(np.float32), requires_grad=True)
    w = mg.tensor(rng.standard_normal((4, 3, 3, 3)).astype(np.float32), requires_grad=True)
    b = mg.tensor(rng.standard_normal(4).astype(np.float32), requires_grad=True)
    y = F.conv2d(x, w, b, 2, 1)
    assert y.dtype == np.float32
    (y * y).sum().backward()
    assert x.grad.dtype == w.grad.dtype == b.grad.dtype == np.float32
    ref = naive_conv(x._data.astype(np.float64), w._data.astype(np.float64),
                     b._data.astype(np.float64), (2, 2), (1, 1))
    np.testing.assert_allclose(y.data, ref, rtol=1e-4, atol=1e-4)


def test_float32_second_order_stays_float32():
    params = _cnn_params(np.float32)
    _penalty(*params).backward()
    assert all(p.grad.dtype == np.float32 for p in params if p.grad is not None)
    assert params[1].grad is not None


def test_inputs_are_never_modified():
    x, w, b = _inputs((2, 2, 5, 5), (3, 3, 3), True, seed=7)
    copies = [t._data.copy() for t in (x, w, b)]
    g = np.random.default_rng(8).standard_normal((2, 3, 5, 5))
    g_copy = g.copy()
    F.conv2d(x, w, b, padding=1).backward(mg.tensor(g))
    for t, c in zip((x, w, b), copies):
        np.testing.assert_array_equal(t.data, c)
    np.testing.assert_array_equal(g, g_copy)


def test_empty_batch_gives_empty_output_and_zero_weight_grad():
    x = mg.zeros(0, 2, 4, 4, requires_grad=True)
    w, b = mg.randn(3, 2, 3, 3, requires_grad=True), mg.zeros(3, requires_grad=True)
    y = F.conv2d(x, w, b, padding=1)
    assert y.shape == (0, 3, 4, 4)
    y.sum().backward()
    assert x.grad.shape == (0, 2, 4, 4) and not np.any(w.grad.data) and not np.any(b.grad.data)


def test_exact_false_floors_and_leaves_unused_rows_without_gradient():
    x = mg.randn(1, 1, 6, 6, requires_grad=True)
    w = mg.randn(1, 1, 3, 3)
    y = F.conv2d(x, w, stride=2, exact=False)
    assert y.shape == (1, 1, 2, 2)
    y.sum().backward()
    assert np.all(x.grad.data[0, 0, 5, :] == 0) and np.all(x.grad.data[0, 0, :, 5] == 0)


# --------------------------------------------------------------------------- errors


def test_errors_name_the_op_and_shapes():
    x, w = mg.zeros(1, 2, 5, 5), mg.zeros(3, 2, 3, 3)
    with pytest.raises(ValueError, match=r"conv2d: expected a 4-D input .*\(5, 5\)"):
        F.conv2d(mg.zeros(5, 5), w)
    with pytest.raises(ValueError, match=r"conv2d: expected a 4-D weight .*\(3, 3, 3\)"):
        F.conv2d(x, mg.zeros(3, 3, 3))
    with pytest.raises(ValueError, match=r"conv2d: expected input of shape \(N, 4, H, W\), "
                                         r"got \(1, 2, 5, 5\)"):
        F.conv2d(x, mg.zeros(3, 4, 3, 3))
    with pytest.raises(ValueError, match=r"conv2d: bias has shape \(2,\) .* shape \(3,\)"):
        F.conv2d(x, w, mg.zeros(2))
    with pytest.raises(ValueError, match="conv2d: the kernel width 8 is larger than the "
                                         "padded input width 7"):
        F.conv2d(x, mg.zeros(3, 2, 3, 8), padding=1)
    with pytest.raises(ValueError, match=r"conv2d: stride must be positive, got \(0, 0\)"):
        F.conv2d(x, w, stride=0)
    with pytest.raises(ValueError, match=r"conv2d: stride must be positive, got \(1, -1\)"):
        F.conv2d(x, w, stride=(1, -1))
    with pytest.raises(TypeError, match="conv2d: input has dtype float16"):
        F.conv2d(mg.zeros(1, 2, 5, 5, dtype=np.float16), w)
    with pytest.raises(TypeError, match="conv2d: input has dtype int64"):
        F.conv2d(mg.tensor(np.zeros((1, 2, 5, 5), np.int64)), w)
    with pytest.raises(RuntimeError, match="conv2d: input and weight must have the same dtype, "
                       "but got float32 and float64"):
        F.conv2d(x, mg.zeros(3, 2, 3, 3, dtype=np.float64))
    with pytest.raises(TypeError, match="conv2d: stride must be an int or a pair"):
        F.conv2d(x, w, stride=(1, 1, 1))


def test_fractional_output_raises_with_formula_and_suggestion():
    with pytest.raises(ValueError) as e:
        F.conv2d(mg.zeros(1, 1, 6, 6), mg.zeros(1, 1, 3, 3), stride=2, exact=True)
    msg = str(e.value)
    assert "conv2d" in msg and "OH = (H + 2*P - FH) / S + 1 = (6 + 2*0 - 3) / 2 + 1 = 2.5" in msg
    assert "stride=1" in msg and "exact=False" in msg
