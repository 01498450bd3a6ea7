"""The stride-1 input gradient computed as a convolution with the flipped kernel gives the
col2im path's numbers (and PyTorch's), on the shapes where it is chosen."""

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad.ops import conv


def grads(x, w, g, padding, monkeypatch=None, flipped=True):
    if monkeypatch is not None and not flipped:
        monkeypatch.setattr(conv, "_as_flipped_conv", lambda *a: False)
    xt, wt = mg.tensor(x, requires_grad=True), mg.tensor(w, requires_grad=True)
    F.conv2d(xt, wt, padding=padding).backward(mg.tensor(g))
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


def test_few_channels_keep_the_col2im_path():
    geom = mg.im2col.geometry((2, 6, 14, 14), 5, 1, 0, op="test")
    assert not conv._as_flipped_conv(geom, 16)
    strided = mg.im2col.geometry((2, 64, 14, 14), 3, 2, 1, op="test")
    assert not conv._as_flipped_conv(strided, 64)
