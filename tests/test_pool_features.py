"""Pooling with dilation, ceil_mode, count_include_pad, divisor_override and the adaptive
pools: values, indices and gradients against PyTorch over seeded configurations incl.
ties, -inf and NaN."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad.kernels import compiled

torch = pytest.importorskip("torch")
tf = torch.nn.functional


def _configs(seed: int, count: int) -> list[dict]:
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < count:
        kh, kw = (int(v) for v in rng.integers(1, 4, 2))
        sh, sw = (int(v) for v in rng.integers(1, 4, 2))
        dh, dw = (int(v) for v in rng.integers(1, 3, 2))
        ph, pw = int(rng.integers(0, kh // 2 + 1)), int(rng.integers(0, kw // 2 + 1))
        h, w = (int(v) for v in rng.integers(3, 9, 2))
        if h + 2 * ph < dh * (kh - 1) + 1 or w + 2 * pw < dw * (kw - 1) + 1:
            continue
        out.append(dict(kernel_size=(kh, kw), stride=(sh, sw), padding=(ph, pw),
                        ceil_mode=bool(rng.integers(0, 2)), dilation=(dh, dw), h=h, w=w,
                        seed=int(rng.integers(1 << 30))))
    return out


def _data(cfg: dict) -> np.ndarray:
    """Small integers (many ties), with -inf and NaN in some planes."""
    rng = np.random.default_rng(cfg["seed"])
    x = rng.integers(-3, 3, (2, 2, cfg["h"], cfg["w"])).astype(np.float64)
    if cfg["seed"] % 3 == 0:
        x[0, 0, 0, 1] = np.nan
        x[1, 1] = -np.inf
    return x


def _check(ours, theirs, mx, tx, rng):
    assert ours.shape == tuple(theirs.shape) and ours.dtype == np.float64
    np.testing.assert_array_equal(ours.data, theirs.detach().numpy())
    up = rng.standard_normal(ours.shape)
    (ours * mg.tensor(up)).sum().backward()
    (theirs * torch.tensor(up)).sum().backward()
    np.testing.assert_allclose(mx.grad.data, tx.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("cfg", _configs(0, 40), ids=lambda c: str(c["seed"]))
def test_max_pool2d_dilation_ceil_mode_ties_nan_match_torch(cfg):
    x = _data(cfg)
    args = {k: cfg[k] for k in ("kernel_size", "stride", "padding", "dilation", "ceil_mode")}
    mx, tx = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, idx = F.max_pool2d(mx, return_indices=True, **args)
    ty, tidx = tf.max_pool2d(tx, return_indices=True, **args)
    np.testing.assert_array_equal(idx.data, tidx.numpy())
    _check(y, ty, mx, tx, np.random.default_rng(cfg["seed"]))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kernel_size", [2, 3])
def test_max_pool2d_keeps_the_sign_of_the_first_zero_as_torch(dtype, kernel_size):
    """A window whose maximum is a tie of -0.0 and 0.0 returns the first (the winner's own
    value), compared as sign bits, on the reference and the compiled kernel; the numpy
    kernels' ``np.maximum`` may return either zero (docs/faq.md), equal as numbers."""
    x = np.random.default_rng(kernel_size).choice([-0.0, 0.0, -1.0], (2, 3, 6, 9)).astype(dtype)
    y = F.max_pool2d(mg.tensor(x), kernel_size).numpy()
    ty = tf.max_pool2d(torch.tensor(x), kernel_size).numpy()
    np.testing.assert_array_equal(y, ty)
    if mg.kernels.get_kernels() == "reference" or compiled.available():
        np.testing.assert_array_equal(np.signbit(y), np.signbit(ty))


@pytest.mark.parametrize("cfg", _configs(1, 30), ids=lambda c: str(c["seed"]))
@pytest.mark.parametrize("count_include_pad,divisor_override", [(True, None), (False, None),
                                                                (True, 3)])
def test_avg_pool2d_ceil_mode_divisors_match_torch(cfg, count_include_pad, divisor_override):
    x = np.random.default_rng(cfg["seed"]).standard_normal((2, 2, cfg["h"], cfg["w"]))
    args = {k: cfg[k] for k in ("kernel_size", "stride", "padding", "ceil_mode")}
    mx, tx = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y = F.avg_pool2d(mx, count_include_pad=count_include_pad,
                     divisor_override=divisor_override, **args)
    ty = tf.avg_pool2d(tx, count_include_pad=count_include_pad,
                       divisor_override=divisor_override, **args)
    assert y.shape == tuple(ty.shape)
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-12, atol=1e-12)
    up = np.random.default_rng(1).standard_normal(y.shape)
    (y * mg.tensor(up)).sum().backward()
    (ty * torch.tensor(up)).sum().backward()
    np.testing.assert_allclose(mx.grad.data, tx.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_ceil_mode_last_window_must_start_inside_input_or_left_padding():
    # (5 + 2*1 - 2) / 2 rounds up to 3 windows -> 4, but the 4th would start at 6 >= 5+1
    assert F.max_pool2d(mg.zeros(1, 1, 5, 5), 2, 2, 1, ceil_mode=True).shape == (1, 1, 3, 3)
    assert tf.max_pool2d(torch.zeros(1, 1, 5, 5), 2, 2, 1, ceil_mode=True).shape == (1, 1, 3, 3)
    assert F.avg_pool2d(mg.zeros(1, 1, 6, 6), 3, 2, ceil_mode=True).shape == (1, 1, 3, 3)


@pytest.mark.parametrize("size,kernel,stride,padding", [
    (2, 3, 2, 0), (2, 3, 2, 1), (1, 2, 2, 0), (2, 4, 3, 0), (3, 4, 2, 0), (1, 3, 3, 1),
    (2, 4, 4, 1), (3, 4, 3, 0)])
@pytest.mark.parametrize("name", ["max_pool2d", "avg_pool2d"])
def test_ceil_mode_takes_a_kernel_up_to_stride_minus_one_larger_than_the_input(
        name, size, kernel, stride, padding):
    """PyTorch's rule: with ceil_mode one window fits while the kernel overhangs the padded
    input by less than a stride (minigrad refused these before)."""
    x = np.random.default_rng(size * kernel).normal(size=(1, 2, size, size + 1))
    args = dict(kernel_size=kernel, stride=stride, padding=padding, ceil_mode=True)
    ours, theirs = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, ref = getattr(F, name)(ours, **args), getattr(tf, name)(theirs, **args)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-12)
    out.sum().backward()
    ref.sum().backward()
    np.testing.assert_allclose(ours.grad.data, theirs.grad.numpy(), rtol=1e-12)


def test_ceil_mode_still_refuses_a_kernel_a_whole_stride_larger():
    for lib, pool in ((mg, F.max_pool2d), (torch, tf.max_pool2d)):
        with pytest.raises((ValueError, RuntimeError)):
            pool(lib.zeros(1, 1, 2, 2), 4, 2, ceil_mode=True)


ADAPTIVE = [((5, 7), (2, 3)), ((6, 6), (3, 2)), ((7, 5), (4, 4)), ((3, 4), (5, 6)),
            ((6, 6), (1, 1)), ((5, 5), (None, 2)), ((9, 1), (4, 1))]


@pytest.mark.parametrize("hw,out", ADAPTIVE)
@pytest.mark.parametrize("name", ["adaptive_avg_pool2d", "adaptive_max_pool2d"])
@pytest.mark.parametrize("special", [False, True])
def test_adaptive_pools_match_torch(hw, out, name, special):
    rng = np.random.default_rng(hash((hw, out)) % 1000)
    x = rng.integers(-3, 3, (2, 3, *hw)).astype(np.float64)
    if special:
        x[0, 0, 0, 0] = np.nan
        x[1, 2, -1, -1] = np.nan
        x[1, 1] = -np.inf
    mx, tx = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, ty = getattr(F, name)(mx, out), getattr(tf, name)(tx, out)
    assert y.shape == tuple(ty.shape)
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-12, atol=1e-12)
    up = rng.standard_normal(y.shape)
    (y * mg.tensor(up)).sum().backward()
    (ty * torch.tensor(up)).sum().backward()
    np.testing.assert_allclose(mx.grad.data, tx.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_adaptive_max_pool2d_indices_match_torch():
    x = np.random.default_rng(2).integers(0, 3, (1, 2, 7, 5)).astype(np.float32)
    y, idx = F.adaptive_max_pool2d(mg.tensor(x), (3, 2), return_indices=True)
    ty, tidx = tf.adaptive_max_pool2d(torch.tensor(x), (3, 2), return_indices=True)
    assert y.dtype == np.float32
    np.testing.assert_array_equal(idx.data, tidx.numpy())
    layer = nn.AdaptiveMaxPool2d((3, 2), return_indices=True)
    np.testing.assert_array_equal(layer(mg.tensor(x))[1].data, tidx.numpy())


def test_layers_match_torch_layers():
    x = np.random.default_rng(3).standard_normal((2, 3, 9, 8)).astype(np.float32)
    pairs = [
        (nn.MaxPool2d(3, 2, 1, dilation=2, ceil_mode=True),
         torch.nn.MaxPool2d(3, 2, 1, dilation=2, ceil_mode=True)),
        (nn.AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=False),
         torch.nn.AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=False)),
        (nn.AvgPool2d(2, divisor_override=3), torch.nn.AvgPool2d(2, divisor_override=3)),
        (nn.AdaptiveAvgPool2d((4, 3)), torch.nn.AdaptiveAvgPool2d((4, 3))),
        (nn.AdaptiveAvgPool2d(1), torch.nn.AdaptiveAvgPool2d(1)),
        (nn.AdaptiveMaxPool2d(2), torch.nn.AdaptiveMaxPool2d(2)),
    ]
    for ours, theirs in pairs:
        np.testing.assert_allclose(ours(mg.tensor(x)).data, theirs(torch.tensor(x)).numpy(),
                                   rtol=1e-6, atol=1e-6)
        assert repr(ours).split("(")[0] == repr(theirs).split("(")[0]
    assert repr(nn.MaxPool2d(3, 2)) == repr(torch.nn.MaxPool2d(3, 2))


def test_bad_pool_settings_are_refused_clearly():
    with pytest.raises(ValueError, match="MaxPool2d: dilation must be positive"):
        nn.MaxPool2d(2, dilation=0)
    with pytest.raises(TypeError, match="AvgPool2d: kernel_size must be an int or a pair"):
        nn.AvgPool2d(2.5)
    with pytest.raises(ValueError, match="avg_pool2d: divisor_override must be a positive"):
        F.avg_pool2d(mg.zeros(1, 1, 4, 4), 2, divisor_override=0)
    with pytest.raises(ValueError, match="adaptive_avg_pool2d: expected a 4-D input"):
        F.adaptive_avg_pool2d(mg.zeros(4, 4), 2)
    with pytest.raises(TypeError, match="adaptive_max_pool2d: output_size must be an int"):
        F.adaptive_max_pool2d(mg.zeros(1, 1, 4, 4), "2")
