"""The stride-1 input gradient computed as a convolution with the flipped kernel gives the
col2im path's numbers (and PyTorch's), on the shapes where it is chosen."""

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad.kernels import conv

pytestmark = pytest.mark.usefixtures("fast_kernels")  # about the fast kernels themselves


def grads(x, w, g, padding, monkeypatch=None, flipped=True, dilation=1):
    """Input and weight gradients; with ``flipped=False`` by the col2im path (neither the
    flipped-kernel nor the shifted-adds input gradient)."""
    if monkeypatch is not None and not flipped:
        monkeypatch.setattr(conv, "_as_flipped_conv", lambda *a: False)
        monkeypatch.setattr(conv, "_as_shifted_adds", lambda *a: False)
    xt, wt = mg.tensor(x, requires_grad=True), mg.tensor(w, requires_grad=True)
    F.conv2d(xt, wt, padding=padding, dilation=dilation).backward(mg.tensor(g))
    return xt.grad.data, wt.grad.data


CASES = [  # (N, C, H, W, FN, K, padding)
    (2, 32, 7, 9, 32, 3, 1),
    (1, 40, 5, 5, 33, 3, 0),
    (2, 32, 6, 4, 48, 3, 2),
    (3, 32, 9, 8, 32, 5, 2),
    (2, 64, 4, 4, 32, 3, 1),
]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_flipped_conv_input_grad_equals_col2im(case, dtype, monkeypatch):
    n, c, h, w_, fn, k, p = case
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, c, h, w_)).astype(dtype)
    w = rng.standard_normal((fn, c, k, k)).astype(dtype)
    oh, ow = h + 2 * p - k + 1, w_ + 2 * p - k + 1
    g = rng.standard_normal((n, ow, fn, oh)).astype(dtype).transpose(0, 2, 3, 1)  # strided
    geom = mg.im2col.geometry(x.shape, k, 1, p, op="test")
    assert conv._as_flipped_conv(geom, fn)
    fast = grads(x, w, g, p)
    plain = grads(x, w, g, p, monkeypatch, flipped=False)
    tol = 1e-4 if dtype == np.float32 else 1e-11
    for a, b in zip(fast, plain):
        assert a.shape == b.shape and a.dtype == b.dtype
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol * np.abs(b).max())


def test_flipped_conv_input_grad_matches_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 32, 6, 7))
    w = rng.standard_normal((32, 32, 3, 3))
    g = rng.standard_normal((2, 32, 6, 7))
    dx, dw = grads(x, w, g, 1)
    tx, tw = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    torch.nn.functional.conv2d(tx, tw, padding=1).backward(torch.tensor(g))
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(dw, tw.grad.numpy(), rtol=1e-10, atol=1e-10)


def test_flipped_conv_gradgradcheck(monkeypatch):
    """Few channels keep the check fast; the flipped path is forced for them."""
    calls = []
    real = conv._flipped_conv
    monkeypatch.setattr(conv, "_as_flipped_conv", lambda g, fn: g.sh == 1 and g.dh == 1)
    monkeypatch.setattr(conv, "_flipped_conv", lambda *a: calls.append(1) or real(*a))
    rng = np.random.default_rng(2)
    x = mg.tensor(rng.standard_normal((2, 3, 4, 5)), requires_grad=True)
    w = mg.tensor(rng.standard_normal((2, 3, 3, 3)), requires_grad=True)
    assert mg.gradcheck(lambda a, b: F.conv2d(a, b, padding=1), (x, w))
    assert mg.gradgradcheck(lambda a, b: F.conv2d(a, b, padding=1), (x, w))
    assert calls  # the flipped path really ran


def test_the_flipped_kernel_only_where_its_columns_are_not_the_bigger():
    """The conv workload's 64 -> 128 at 32x32 takes the shifted adds; ResNet's same-width
    layers keep the flipped kernel."""
    wide = mg.im2col.geometry((32, 64, 32, 32), 3, 1, 1, op="test")
    assert not conv._as_flipped_conv(wide, 128) and conv._as_shifted_adds(wide)
    for c, hw in ((64, 32), (128, 16), (256, 8), (512, 4)):
        assert conv._as_flipped_conv(mg.im2col.geometry((32, c, hw, hw), 3, 1, 1, op="test"), c)


def test_few_channels_take_the_shifted_adds_and_strides_the_col2im_path():
    geom = mg.im2col.geometry((2, 6, 14, 14), 5, 1, 0, op="test")
    assert not conv._as_flipped_conv(geom, 16) and conv._as_shifted_adds(geom)
    strided = mg.im2col.geometry((2, 64, 14, 14), 3, 2, 1, op="test")
    assert not conv._as_flipped_conv(strided, 64) and not conv._as_shifted_adds(strided)


SHIFTED_CASES = [  # (N, C, H, W, FN, (KH, KW), padding, dilation)
    (3, 6, 14, 14, 16, (5, 5), 0, 1),  # LeNet's conv2
    (2, 3, 9, 8, 4, (3, 3), 1, 1),
    (2, 2, 7, 9, 3, (3, 2), (1, 0), 1),
    (2, 4, 10, 11, 5, (3, 3), 2, 2),
    (1, 1, 5, 5, 2, (5, 5), 2, 1),
    (4, 5, 6, 3, 7, (1, 3), (0, 1), 1),
    (2, 32, 6, 5, 64, (3, 3), 1, 1),  # more filters than channels: not the flipped kernel
]


@pytest.mark.parametrize("case", SHIFTED_CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_shifted_adds_input_grad_equals_col2im(case, dtype, monkeypatch):
    n, c, h, w_, fn, (kh, kw), p, d = case
    rng = np.random.default_rng(3)
    x = rng.standard_normal((n, c, h, w_)).astype(dtype)
    w = rng.standard_normal((fn, c, kh, kw)).astype(dtype)
    geom = mg.im2col.geometry(x.shape, (kh, kw), 1, p, d, op="test")
    assert conv._as_shifted_adds(geom) and not conv._as_flipped_conv(geom, fn)
    g = rng.standard_normal((n, geom.ow, fn, geom.oh)).astype(dtype).transpose(0, 2, 3, 1)
    calls = []
    real = conv._shifted_adds
    monkeypatch.setattr(conv, "_shifted_adds", lambda *a: calls.append(1) or real(*a))
    fast = grads(x, w, g, p, dilation=d)
    assert calls
    plain = grads(x, w, g, p, monkeypatch, flipped=False, dilation=d)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for a, b in zip(fast, plain):
        assert a.shape == b.shape and a.dtype == b.dtype
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol * np.abs(b).max())


@pytest.mark.parametrize("case", SHIFTED_CASES[:4])
def test_shifted_adds_input_grad_matches_pytorch(case):
    torch = pytest.importorskip("torch")
    n, c, h, w_, fn, k, p, d = case
    rng = np.random.default_rng(4)
    x, w = rng.standard_normal((n, c, h, w_)), rng.standard_normal((fn, c, *k))
    geom = mg.im2col.geometry(x.shape, k, 1, p, d, op="test")
    g = rng.standard_normal((n, fn, geom.oh, geom.ow))
    g[0, 0, 0, 0] = np.nan  # it spreads over the kernel's footprint, as in PyTorch
    dx, dw = grads(x, w, g, p, dilation=d)
    tx, tw = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    torch.nn.functional.conv2d(tx, tw, padding=p, dilation=d).backward(torch.tensor(g))
    assert dx.shape == tuple(tx.grad.shape) and dx.dtype == np.float64
    np.testing.assert_array_equal(np.isnan(dx), np.isnan(tx.grad.numpy()))
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-10, atol=1e-10)


def test_conv_transpose2d_stride_1_takes_the_shifted_adds_and_matches_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    x, w = rng.standard_normal((2, 4, 6, 5)), rng.standard_normal((4, 3, 3, 3))
    xt, wt = mg.tensor(x, requires_grad=True), mg.tensor(w, requires_grad=True)
    y = F.conv_transpose2d(xt, wt, padding=1)
    tx, tw = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    ty = torch.nn.functional.conv_transpose2d(tx, tw, padding=1)
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-10, atol=1e-10)
    g = rng.standard_normal(y.shape)
    y.backward(mg.tensor(g))
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(xt.grad.data, tx.grad.numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(wt.grad.data, tw.grad.numpy(), rtol=1e-10, atol=1e-10)


def test_shifted_adds_gradgradcheck(monkeypatch):
    calls = []
    real = conv._shifted_adds
    monkeypatch.setattr(conv, "_shifted_adds", lambda *a: calls.append(1) or real(*a))
    rng = np.random.default_rng(6)
    x = mg.tensor(rng.standard_normal((2, 3, 5, 4)), requires_grad=True)
    w = mg.tensor(rng.standard_normal((2, 3, 3, 2)), requires_grad=True)
    assert mg.gradcheck(lambda a, b: F.conv2d(a, b, padding=(1, 0)), (x, w))
    assert mg.gradgradcheck(lambda a, b: F.conv2d(a, b, padding=(1, 0)), (x, w))
    assert calls  # the shifted path really ran
