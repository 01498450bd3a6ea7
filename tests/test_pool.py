"""max_pool2d and avg_pool2d: values, tie rule, derivatives, PyTorch parity, errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg
import minigrad.nn.functional as F


def distinct(shape, seed=0):
    """Inputs without ties (finite differences need a unique max per window)."""
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    return rng.permutation(n).reshape(shape) / n + 0.01 * rng.standard_normal(shape) / n


def naive_pool(x, kernel, stride, padding, reduce, pad_value):
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=pad_value)
    oh = (x.shape[2] + 2 * ph - kh) // sh + 1
    ow = (x.shape[3] + 2 * pw - kw) // sw + 1
    out = np.empty(x.shape[:2] + (oh, ow))
    for r in range(oh):
        for q in range(ow):
            out[:, :, r, q] = reduce(xp[:, :, r * sh : r * sh + kh, q * sw : q * sw + kw],
                                     axis=(2, 3))
    return out


def _pairs(*vals):
    return [v if isinstance(v, tuple) else (v, v) for v in vals]


# (shape, kernel, stride, padding): batch 1/>1, C 1/>1, square/non-square, stride
# default (None)/1/2/(2,1), padding 0/1/(1,2), kernel equal to input, tiling and not
GRID = [
    ((1, 1, 4, 4), 2, None, 0),
    ((2, 3, 5, 5), 3, 2, 1),
    ((2, 1, 5, 4), (3, 2), (2, 1), (1, 1)),
    ((1, 2, 4, 6), (2, 3), 1, 0),
    ((2, 2, 3, 3), 3, 1, 0),
    ((1, 2, 6, 5), (2, 3), 2, (1, 1)),
    ((2, 2, 4, 6), (2, 3), None, 0),
    ((1, 2, 5, 6), (3, 4), (2, 1), (1, 2)),
]


@pytest.mark.parametrize("shape,kernel,stride,padding", GRID)
def test_pools_match_direct_loops(shape, kernel, stride, padding):
    x = distinct(shape)
    k, p = _pairs(kernel, padding)
    s = k if stride is None else _pairs(stride)[0]
    got = F.max_pool2d(mg.tensor(x), kernel, stride, padding)
    np.testing.assert_array_equal(got.data, naive_pool(x, k, s, p, np.max, -np.inf))
    got = F.avg_pool2d(mg.tensor(x), kernel, stride, padding)
    np.testing.assert_allclose(got.data, naive_pool(x, k, s, p, np.mean, 0.0), atol=1e-14)


@pytest.mark.parametrize("shape,kernel,stride,padding", GRID)
def test_max_pool2d_passes_gradcheck_and_gradgradcheck(shape, kernel, stride, padding):
    x = mg.tensor(distinct(shape, 1), requires_grad=True)
    f = lambda a: F.max_pool2d(a, kernel, stride, padding)  # noqa: E731
    assert mg.gradcheck(f, (x,), eps=1e-8)
    assert mg.gradgradcheck(f, (x,), eps=1e-8)


@pytest.mark.parametrize("shape,kernel,stride,padding", GRID)
def test_avg_pool2d_passes_gradcheck_and_gradgradcheck(shape, kernel, stride, padding):
    x = mg.tensor(distinct(shape, 2), requires_grad=True)
    f = lambda a: F.avg_pool2d(a, kernel, stride, padding)  # noqa: E731
    assert mg.gradcheck(f, (x,))
    assert mg.gradgradcheck(f, (x,))


@pytest.mark.parametrize("pool", [F.max_pool2d, F.avg_pool2d])
def test_empty_batch_and_1x1_kernel(pool):
    x = mg.zeros(0, 2, 4, 4, requires_grad=True)
    pool(x, 3, 1, 1).sum().backward()
    assert x.grad.shape == (0, 2, 4, 4)
    x = mg.randn(2, 2, 3, 3, requires_grad=True)
    y = pool(x, 1)
    np.testing.assert_array_equal(y.data, x.data)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.ones((2, 2, 3, 3)))


def test_stride_defaults_to_kernel_size():
    x = mg.zeros(1, 1, 6, 6)
    assert F.max_pool2d(x, 2).shape == (1, 1, 3, 3)
    assert F.avg_pool2d(x, (3, 2)).shape == (1, 1, 2, 3)


def test_channels_are_pooled_independently():
    x = np.zeros((1, 2, 2, 2))
    x[0, 0, 0, 1], x[0, 1, 1, 0] = 5.0, 7.0
    y = F.max_pool2d(mg.tensor(x), 2)
    np.testing.assert_array_equal(y._data.reshape(-1), [5.0, 7.0])


# --------------------------------------------------------------------------- tie rule


def test_max_pool_gradient_goes_to_the_first_maximum_in_row_major_order():
    x = mg.tensor(np.array([[[[1.0, 3.0], [3.0, 3.0]]]]), requires_grad=True)
    y = F.max_pool2d(x, 2)
    y.backward(mg.ones(1, 1, 1, 1, dtype=np.float64))
    np.testing.assert_array_equal(x.grad.data[0, 0], [[0, 1], [0, 0]])


def test_ties_and_overlapping_windows_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    for rows, kernel, stride, padding in [(6, 2, None, 0), (6, (3, 2), None, 0),
                                          (7, 2, None, 0), (7, 3, 1, 1),
                                          (7, (3, 2), (2, 1), (1, 0))]:
        x = rng.integers(0, 3, size=(2, 2, rows, 6)).astype(np.float64)  # many ties
        ours = mg.tensor(x, requires_grad=True)
        y, idx = F.max_pool2d(ours, kernel, stride, padding, return_indices=True, exact=False)
        g = rng.standard_normal(y.shape)
        y.backward(mg.tensor(g))
        tx = torch.tensor(x, requires_grad=True)
        ty, ti = torch.nn.functional.max_pool2d(tx, kernel, stride, padding,
                                                return_indices=True)
        ty.backward(torch.tensor(g))
        np.testing.assert_array_equal(y.data, ty.detach().numpy())
        np.testing.assert_array_equal(idx.data, ti.numpy())
        assert idx.dtype == np.int64
        np.testing.assert_allclose(ours.grad.data, tx.grad.numpy(), rtol=1e-12)


def test_nan_and_minus_inf_windows_follow_torch():
    torch = pytest.importorskip("torch")
    x = np.full((1, 1, 4, 4), -np.inf)
    x[0, 0, 0, 2], x[0, 0, 3, 3], x[0, 0, 2, 0] = np.nan, 1.0, np.nan
    for kernel, stride, padding in [(3, 1, 0), (3, 1, 1), (2, 2, 0)]:
        y, idx = F.max_pool2d(mg.tensor(x), kernel, stride, padding, return_indices=True)
        ty, ti = torch.nn.functional.max_pool2d(torch.tensor(x), kernel, stride, padding,
                                                return_indices=True)
        np.testing.assert_array_equal(y.data, ty.numpy())  # NaN == NaN for this assert
        np.testing.assert_array_equal(idx.data, ti.numpy())


def test_padding_never_wins_even_against_minus_inf():
    x = mg.tensor(np.full((1, 1, 2, 2), -np.inf), requires_grad=True)
    y = F.max_pool2d(x, 2, 1, 1)
    y.sum().backward()
    assert x.grad._data.sum() == y.numel()  # every window's gradient landed inside the image


# --------------------------------------------------------------------------- avg semantics


def test_avg_pool_counts_padding_as_zeros():
    x = mg.ones(1, 1, 2, 2, dtype=np.float64)
    y = F.avg_pool2d(x, 2, 1, 1)
    np.testing.assert_allclose(y.data[0, 0], [[0.25, 0.5, 0.25], [0.5, 1.0, 0.5],
                                              [0.25, 0.5, 0.25]])


def test_avg_pool_spreads_the_gradient_evenly():
    x = mg.ones(1, 1, 4, 4, dtype=np.float64, requires_grad=True)
    F.avg_pool2d(x, 2).sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.full((1, 1, 4, 4), 0.25))


# --------------------------------------------------------------------------- PyTorch


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 2), c=st.integers(1, 3), h=st.integers(1, 8), w=st.integers(1, 8),
    kh=st.integers(1, 4), kw=st.integers(1, 4), sh=st.integers(1, 3), sw=st.integers(1, 3),
    ph=st.integers(0, 2), pw=st.integers(0, 2), seed=st.integers(0, 2**16),
)
def test_pools_match_torch_values_indices_and_grads(n, c, h, w, kh, kw, sh, sw, ph, pw, seed):
    torch = pytest.importorskip("torch")
    if ph > kh // 2 or pw > kw // 2 or h + 2 * ph < kh or w + 2 * pw < kw:
        return
    x = distinct((n, c, h, w), seed)
    tf = torch.nn.functional
    args = ((kh, kw), (sh, sw), (ph, pw))
    ours = mg.tensor(x, requires_grad=True)
    y, idx = F.max_pool2d(ours, *args, return_indices=True, exact=False)
    g = np.random.default_rng(seed).standard_normal(y.shape)
    y.backward(mg.tensor(g))
    tx = torch.tensor(x, requires_grad=True)
    ty, ti = tf.max_pool2d(tx, *args, return_indices=True)
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-5)
    np.testing.assert_array_equal(idx.data, ti.numpy())
    np.testing.assert_allclose(ours.grad.data, tx.grad.numpy(), rtol=1e-5)

    ours = mg.tensor(x, requires_grad=True)
    y = F.avg_pool2d(ours, *args, exact=False)
    y.backward(mg.tensor(g))
    tx = torch.tensor(x, requires_grad=True)
    ty = tf.avg_pool2d(tx, *args)
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-5, atol=1e-12)
    np.testing.assert_allclose(ours.grad.data, tx.grad.numpy(), rtol=1e-5, atol=1e-12)


# --------------------------------------------------------------------------- dtype, errors


@pytest.mark.parametrize("pool", [F.max_pool2d, F.avg_pool2d])
@pytest.mark.parametrize("kernel,stride,padding", [(2, None, 0), (3, 2, 1)])
def test_float32_is_preserved_and_input_untouched(pool, kernel, stride, padding):
    data = distinct((2, 2, 5, 5), 4).astype(np.float32)
    before = data.copy()
    x = mg.tensor(data, requires_grad=True)
    y = pool(x, kernel, stride, padding, exact=False)
    assert y.dtype == np.float32
    (y * y).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(data, before)


@pytest.mark.parametrize("pool,name", [(F.max_pool2d, "max_pool2d"),
                                       (F.avg_pool2d, "avg_pool2d")])
def test_errors_name_the_op_and_shapes(pool, name):
    x = mg.zeros(1, 2, 5, 5)
    with pytest.raises(ValueError, match=rf"{name}: expected a 4-D input .*\(5, 5\)"):
        pool(mg.zeros(5, 5), 2)
    with pytest.raises(ValueError, match=rf"{name}: padding \(2, 0\) must be at most half "
                                         r"the kernel size \(3, 3\)"):
        pool(x, 3, 1, (2, 0))
    with pytest.raises(ValueError, match=rf"{name}: the kernel height 6 is larger than the "
                                         "padded input height 5"):
        pool(x, (6, 1))
    with pytest.raises(ValueError, match=rf"{name}: stride must be positive, got \(0, 0\)"):
        pool(x, 2, 0)
    with pytest.raises(TypeError, match=rf"{name}: input has dtype float16"):
        pool(mg.zeros(1, 2, 4, 4, dtype=np.float16), 2)
    with pytest.raises(TypeError, match=rf"{name}: input has dtype int64"):
        pool(mg.tensor(np.zeros((1, 2, 4, 4), np.int64)), 2)
    with pytest.raises(ValueError) as e:
        pool(x, 2, exact=True)
    assert f"{name}: the output height is not a whole number" in str(e.value)
    assert "(5 + 2*0 - 2) / 2 + 1 = 2.5" in str(e.value) and "stride=1" in str(e.value)
    with pytest.raises(ValueError, match=r"\(4 \+ 2\*0 - 3\) / 3 \+ 1 = 1.33333. Use padding=1"):
        pool(mg.zeros(1, 1, 4, 4), 3, exact=True)
    assert pool(x, 2, exact=False).shape == (1, 2, 2, 2)
    assert pool(x, 2).shape == (1, 2, 2, 2)  # floors by default, as PyTorch


@pytest.mark.parametrize("kernel", [(2, 2), (3, 2), (1, 2), (2, 4), (3, 1), (2, 8)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("ties", [False, True])
def test_tiling_backward_by_rows_equals_the_per_offset_masks(kernel, dtype, ties, monkeypatch,
                                                             fast_kernels):
    """Tiling windows send the gradient by whole image rows (``Winners.row_masks``), ties
    resolved to the first maximum in row-major order; that must give the per-offset masks'
    numbers, on strided input and gradient. A NaN max falls back to the masks. (A test of
    the fast kernel: it runs under either MINIGRAD_KERNELS.)"""
    from minigrad.kernels.pool import Winners

    kh, kw = kernel
    shape = (3, 4, 4 * kh, 5 * kw)
    rng = np.random.default_rng(2)
    if ties:  # as after a ReLU: many windows of zeros, and repeated small integers
        x = np.maximum(rng.integers(-2, 3, (shape[0], shape[2], shape[1], shape[3])), 0)
    else:
        x = distinct((shape[0], shape[2], shape[1], shape[3]))
    x = x.astype(dtype).transpose(0, 2, 1, 3)
    g = rng.standard_normal((shape[0], 4, shape[1], 5)).astype(dtype).transpose(0, 2, 1, 3)

    def grad(inp):
        xt = mg.tensor(inp, requires_grad=True)
        F.max_pool2d(xt, kernel).backward(mg.tensor(g))
        return xt.grad.data

    calls = []
    real = Winners.row_masks

    def spy(self, *a):
        calls.append(real(self, *a))
        return calls[-1]

    monkeypatch.setattr(Winners, "row_masks", spy)
    by_rows = grad(x)
    assert calls and all(r is not None for r in calls)
    monkeypatch.setattr(Winners, "row_masks", lambda self, *a: None)
    np.testing.assert_array_equal(by_rows, grad(x))

    with_nan = x.copy()
    with_nan[1, 2, 0, 0] = np.nan
    best = F.max_pool2d(mg.tensor(with_nan), kernel).data
    geom = mg.im2col.geometry(x.shape, kernel, kernel, 0, op="t")
    assert real(Winners(geom, x=with_nan, best=best)) is None


def test_tiling_ties_go_to_the_first_maximum_like_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    for kernel in [(2, 2), (3, 2), (2, 4), (4, 1)]:
        x = np.maximum(rng.integers(-2, 3, (2, 3, kernel[0] * 5, kernel[1] * 4)), 0)
        x = x.astype(np.float32)
        g = rng.standard_normal((2, 3, 5, 4)).astype(np.float32)
        xt = mg.tensor(x, requires_grad=True)
        F.max_pool2d(xt, kernel).backward(mg.tensor(g))
        tx = torch.tensor(x, requires_grad=True)
        torch.nn.functional.max_pool2d(tx, kernel).backward(torch.tensor(g))
        np.testing.assert_array_equal(xt.grad.data, tx.grad.numpy())


@pytest.mark.parametrize("kernel, stride, padding", [((2, 2), 2, 0), ((3, 3), 1, 1),
                                                     ((2, 3), (2, 3), 0)])
def test_a_nan_window_beside_a_tied_window_follows_torch(kernel, stride, padding):
    """One window's NaN (no element equals its max) and another window's tie (two do) must
    not cancel out in the "one winner per window" count."""
    torch = pytest.importorskip("torch")
    x = np.arange(36, dtype=np.float64).reshape(1, 1, 6, 6)
    x[0, 0, 0, 0] = np.nan
    x[0, 0, 4:6, 3:6] = [[50, 50, 50], [1, 2, 3]]
    xt = mg.tensor(x, requires_grad=True)
    F.max_pool2d(xt, kernel, stride, padding).sum().backward()
    tx = torch.tensor(x, requires_grad=True)
    torch.nn.functional.max_pool2d(tx, kernel, stride, padding).sum().backward()
    np.testing.assert_array_equal(xt.grad.data, tx.grad.numpy())
