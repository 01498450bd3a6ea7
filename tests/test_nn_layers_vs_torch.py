"""Layers against PyTorch: pixel_shuffle / pixel_unshuffle, instance_norm / InstanceNorm2d,
ZeroPad2d / ReflectionPad2d / ReplicationPad2d, Upsample, unfold / fold and Unfold / Fold.
gradcheck and gradgradcheck in float64; PyTorch parity of values and every input's
gradient, empty batches, reprs and bad calls."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from helpers import compare_with_torch, optional_torch

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F

torch = optional_torch()  # torch-free tests run without it
TF = torch.nn.functional

rng = np.random.default_rng(7)
TOL = {np.float32: 2e-5, np.float64: 1e-10}


def compare(mg_fn: Callable, torch_fn: Callable, arrays: list[np.ndarray],
            grads: list[bool] | None = None, tol: float = 1e-10) -> None:
    """``helpers.compare_with_torch``, every input differentiated unless ``grads`` says."""
    compare_with_torch(mg_fn, torch_fn, arrays, grads or [True] * len(arrays), tol)


def normal(*shape: int, dtype: type = np.float64) -> np.ndarray:
    return rng.normal(size=shape).astype(dtype)


def check_grads(fn: Callable, *arrays: np.ndarray) -> None:
    inputs = [mg.tensor(a, requires_grad=True) for a in arrays]
    assert mg.gradcheck(fn, inputs)
    assert mg.gradgradcheck(fn, inputs)


# ------------------------------------------------------------------ pixel shuffle


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,r", [((2, 8, 3, 4), 2), ((9, 2, 2), 3), ((2, 3, 4, 1, 1), 2),
                                     ((0, 4, 2, 2), 2), ((1, 5, 2, 3), 1)])
def test_pixel_shuffle_matches_pytorch(shape: tuple, r: int, dtype: type) -> None:
    compare(lambda a: F.pixel_shuffle(a, r), lambda a: TF.pixel_shuffle(a, r),
            [normal(*shape, dtype=dtype)], tol=TOL[dtype])
    up = shape[:-3] + (shape[-3] // (r * r), shape[-2] * r, shape[-1] * r)
    if shape[0] == 0:  # PyTorch returns an empty input unchanged: (0, 1, 4, 4) stays
        assert F.pixel_unshuffle(mg.zeros(*up), r).shape == shape
        return
    compare(lambda a: F.pixel_unshuffle(a, r), lambda a: TF.pixel_unshuffle(a, r),
            [normal(*up, dtype=dtype)], tol=TOL[dtype])


def test_pixel_shuffle_modules_and_round_trip() -> None:
    a = normal(2, 12, 3, 3)
    layer, inverse = nn.PixelShuffle(2), nn.PixelUnshuffle(2)
    compare(layer, torch.nn.PixelShuffle(2), [a])
    np.testing.assert_array_equal(inverse(layer(mg.tensor(a))).numpy(), a)
    assert repr(layer) == repr(torch.nn.PixelShuffle(2))
    assert repr(inverse) == repr(torch.nn.PixelUnshuffle(2))
    check_grads(lambda x: F.pixel_shuffle(x, 2), normal(1, 4, 2, 3))
    check_grads(lambda x: F.pixel_unshuffle(x, 2), normal(1, 1, 2, 4))


@pytest.mark.parametrize("call,exc,match", [
    (lambda: F.pixel_shuffle(mg.ones(2, 5, 2, 2), 2), RuntimeError,
     r"pixel_shuffle.*input.size\(-3\)=5 is not divisible by 4"),
    (lambda: F.pixel_shuffle(mg.ones(4, 2), 2), RuntimeError,
     r"pixel_shuffle.*at least 3 dimensions.*2 dimension"),
    (lambda: F.pixel_shuffle(mg.ones(1, 4, 2, 2), 0), RuntimeError,
     r"pixel_shuffle.*positive upscale_factor.*0"),
    (lambda: F.pixel_shuffle(mg.ones(1, 4, 2, 2), 2.0), TypeError,
     r"pixel_shuffle.*upscale_factor.*float"),
    (lambda: F.pixel_unshuffle(mg.ones(1, 1, 3, 4), 2), RuntimeError,
     r"pixel_unshuffle.*height.*3 is not divisible by 2"),
    (lambda: nn.PixelShuffle(-1), RuntimeError, r"PixelShuffle.*positive.*-1"),
])
def test_pixel_shuffle_bad_calls(call: Callable, exc: type, match: str) -> None:
    with pytest.raises(exc, match=match):
        call()


# ------------------------------------------------------------------ instance norm


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (3, 2, 7), (0, 3, 2, 2), (1, 2, 2, 2, 3)])
def test_instance_norm_matches_pytorch(shape: tuple, dtype: type) -> None:
    c = shape[1]
    if shape[0] == 0:  # PyTorch fails ("select(): index 0 out of range"); minigrad is empty
        x = mg.tensor(normal(*shape, dtype=dtype), requires_grad=True)
        out = F.instance_norm(x, weight=mg.ones(c, dtype=dtype))
        assert out.shape == shape and out.dtype == dtype
        out.sum().backward()
        assert x.grad.shape == shape
        return
    compare(F.instance_norm, TF.instance_norm, [normal(*shape, dtype=dtype) * 3 + 1],
            tol=TOL[dtype] * 10)
    compare(lambda x, w, b: F.instance_norm(x, weight=w, bias=b, eps=1e-3),
            lambda x, w, b: TF.instance_norm(x, weight=w, bias=b, eps=1e-3),
            [normal(*shape, dtype=dtype), normal(c, dtype=dtype), normal(c, dtype=dtype)],
            tol=TOL[dtype] * 10)


def test_instance_norm_running_stats_match_pytorch() -> None:
    x = normal(4, 3, 5, 5) * 2 + 1
    rm, rv = mg.zeros(3, dtype=np.float64), mg.ones(3, dtype=np.float64)
    trm, trv = torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)
    out = F.instance_norm(mg.tensor(x), rm, rv, momentum=0.3)
    ref = TF.instance_norm(torch.tensor(x), trm, trv, momentum=0.3)
    np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(rm.numpy(), trm.numpy(), rtol=1e-12)
    np.testing.assert_allclose(rv.numpy(), trv.numpy(), rtol=1e-12)
    compare(lambda a: F.instance_norm(a, rm, rv, use_input_stats=False),
            lambda a: TF.instance_norm(a, trm, trv, use_input_stats=False), [x])


def test_instance_norm_gradcheck_twice() -> None:
    check_grads(lambda x, w, b: F.instance_norm(x, weight=w, bias=b), normal(2, 3, 3, 2),
                normal(3), normal(3))


@pytest.mark.parametrize("kwargs", [{}, {"affine": True}, {"track_running_stats": True},
                                    {"affine": True, "track_running_stats": True,
                                     "momentum": None, "eps": 1e-3},
                                    {"affine": True, "bias": False, "momentum": 0.5,
                                     "track_running_stats": True}])
def test_instance_norm2d_module_matches_pytorch(kwargs: dict) -> None:
    layer = nn.InstanceNorm2d(3, dtype=np.float64, **kwargs)
    ref = torch.nn.InstanceNorm2d(3, dtype=torch.float64, **kwargs)
    assert repr(layer) == repr(ref)
    assert set(layer.state_dict()) == set(ref.state_dict())
    for _ in range(2):
        compare(layer, ref, [normal(2, 3, 4, 4) * 2 + 0.5])
    for name, buf in ref.state_dict().items():
        np.testing.assert_allclose(layer.state_dict()[name].numpy(), buf.numpy(),
                                   rtol=1e-10, err_msg=name)
    layer.eval()
    ref.eval()
    compare(layer, ref, [normal(2, 3, 4, 4)])
    compare(layer, ref, [normal(3, 4, 4)])   # unbatched (C, H, W)


def test_instance_norm2d_bad_calls() -> None:
    with pytest.raises(ValueError, match=r"InstanceNorm2d.*3D or 4D input \(got 2D"):
        nn.InstanceNorm2d(3)(mg.ones(2, 3))
    with pytest.raises(ValueError, match=r"InstanceNorm2d.*num_features \(3\).*got: 4"):
        nn.InstanceNorm2d(3, affine=True)(mg.ones(1, 4, 2, 2))
    with pytest.warns(UserWarning, match="num_features"):
        nn.InstanceNorm2d(3)(mg.ones(1, 4, 2, 2))
    with pytest.raises(ValueError, match=r"instance_norm.*more than 1 spatial element"):
        F.instance_norm(mg.ones(2, 3, 1, 1))
    with pytest.raises(ValueError):
        TF.instance_norm(torch.ones(2, 3, 1, 1))
    with pytest.raises(RuntimeError, match=r"instance_norm: weight should contain 3"):
        F.instance_norm(mg.ones(2, 3, 2, 2), weight=mg.ones(4))
    with pytest.raises(TypeError, match="InstanceNorm2d.*num_features"):
        nn.InstanceNorm2d(3.0)


# ------------------------------------------------------------------ padding layers

PADS = [
    (nn.ZeroPad2d, torch.nn.ZeroPad2d, 2),
    (nn.ZeroPad2d, torch.nn.ZeroPad2d, (1, 0, 2, 3)),
    (nn.ZeroPad2d, torch.nn.ZeroPad2d, (-1, 2, 0, -1)),
    (nn.ReflectionPad2d, torch.nn.ReflectionPad2d, 2),
    (nn.ReflectionPad2d, torch.nn.ReflectionPad2d, (3, 0, 1, 2)),
    (nn.ReplicationPad2d, torch.nn.ReplicationPad2d, 3),
    (nn.ReplicationPad2d, torch.nn.ReplicationPad2d, (0, 4, 2, 1)),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("ours,theirs,padding", PADS)
def test_padding_layers_match_pytorch(ours: type, theirs: type, padding: object,
                                      dtype: type) -> None:
    layer, ref = ours(padding), theirs(padding)
    assert repr(layer) == repr(ref)
    assert layer.padding == ref.padding
    compare(layer, ref, [normal(2, 3, 4, 5, dtype=dtype)], tol=TOL[dtype])
    compare(layer, ref, [normal(3, 4, 5, dtype=dtype)], tol=TOL[dtype])
    compare(layer, ref, [normal(0, 3, 4, 5, dtype=dtype)], tol=TOL[dtype])


def test_padding_layers_gradcheck_and_bad_calls() -> None:
    for layer in (nn.ZeroPad2d((1, 2, 0, 1)), nn.ReflectionPad2d(1), nn.ReplicationPad2d(2)):
        check_grads(layer, normal(1, 2, 3, 3))
    with pytest.raises(RuntimeError, match=r"pad: padding size should be less"):
        nn.ReflectionPad2d(3)(mg.ones(1, 1, 3, 3))
    with pytest.raises(ValueError, match=r"ReflectionPad2d.*4-tuple.*length 2"):
        nn.ReflectionPad2d((1, 2))
    with pytest.raises(TypeError, match=r"ZeroPad2d.*padding.*1.5"):
        nn.ZeroPad2d(1.5)
    with pytest.raises(ValueError, match=r"ReplicationPad2d.*3-D.*4-D.*\(2, 2\)"):
        nn.ReplicationPad2d(1)(mg.ones(2, 2))


# ------------------------------------------------------------------ upsample

UPSAMPLES = [
    {"scale_factor": 2},
    {"scale_factor": 1.5},
    {"size": (5, 7)},
    {"size": 3},
    {"scale_factor": (2.0, 3.0)},
    {"scale_factor": 2, "mode": "bilinear"},
    {"scale_factor": 1.7, "mode": "bilinear", "align_corners": True},
    {"size": (6, 3), "mode": "bilinear", "align_corners": False},
]


@pytest.mark.parametrize("kwargs", UPSAMPLES)
def test_upsample_matches_pytorch(kwargs: dict) -> None:
    layer, ref = nn.Upsample(**kwargs), torch.nn.Upsample(**kwargs)
    assert repr(layer) == repr(ref)
    compare(layer, ref, [normal(2, 3, 4, 5)])
    compare(layer, ref, [normal(2, 3, 4, 5, dtype=np.float32)], tol=2e-5)


def test_upsample_gradcheck_and_bad_calls() -> None:
    check_grads(nn.Upsample(scale_factor=2, mode="bilinear"), normal(1, 2, 3, 3))
    with pytest.raises(ValueError, match=r"interpolate.*exactly one of size or scale_factor"):
        nn.Upsample()(mg.ones(1, 1, 2, 2))
    with pytest.raises(ValueError, match=r"interpolate.*align_corners"):
        nn.Upsample(scale_factor=2, align_corners=True)(mg.ones(1, 1, 2, 2))


# ------------------------------------------------------------------ unfold / fold

WINDOWS = [
    {"kernel_size": 2},
    {"kernel_size": (2, 3), "stride": 2},
    {"kernel_size": 3, "padding": 1},
    {"kernel_size": (3, 2), "dilation": (2, 1), "padding": (1, 2), "stride": (1, 2)},
    {"kernel_size": 2, "stride": 3},   # windows that do not tile: PyTorch floors
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kwargs", WINDOWS)
def test_unfold_and_fold_match_pytorch(kwargs: dict, dtype: type) -> None:
    tol = TOL[dtype] * 5
    x = normal(2, 3, 7, 8, dtype=dtype)
    compare(lambda a: F.unfold(a, **kwargs), lambda a: TF.unfold(a, **kwargs), [x], tol=tol)
    compare(lambda a: F.unfold(a, **kwargs), lambda a: TF.unfold(a, **kwargs), [x[0]],
            tol=tol)
    compare(lambda a: F.unfold(a, **kwargs), lambda a: TF.unfold(a, **kwargs), [x[:0]],
            tol=tol)
    cols = TF.unfold(torch.tensor(x), **kwargs)
    c = normal(*cols.shape, dtype=dtype)
    compare(lambda a: F.fold(a, (7, 8), **kwargs), lambda a: TF.fold(a, (7, 8), **kwargs),
            [c], tol=tol)
    compare(lambda a: F.fold(a, (7, 8), **kwargs), lambda a: TF.fold(a, (7, 8), **kwargs),
            [c[0]], tol=tol)
    compare(lambda a: F.fold(a, (7, 8), **kwargs), lambda a: TF.fold(a, (7, 8), **kwargs),
            [c[:0]], tol=tol)


def test_unfold_fold_modules_and_gradcheck() -> None:
    kw = {"kernel_size": (2, 3), "dilation": (1, 2), "padding": 1, "stride": (2, 1)}
    layer, ref = nn.Unfold(**kw), torch.nn.Unfold(**kw)
    assert repr(layer) == repr(ref)
    compare(layer, ref, [normal(2, 2, 5, 6)])
    cols = ref(torch.zeros(2, 2, 5, 6)).shape
    layer, ref = nn.Fold((5, 6), **kw), torch.nn.Fold((5, 6), **kw)
    assert repr(layer) == repr(ref)
    compare(layer, ref, [normal(*cols)])
    check_grads(lambda a: F.unfold(a, 2, padding=1, stride=2), normal(1, 2, 4, 3))
    check_grads(lambda a: F.fold(a, (3, 4), 2), normal(1, 8, 6))


def test_fold_of_ones_counts_the_windows_covering_each_pixel() -> None:
    x = mg.ones(1, 1, 4, 4)
    counts = F.fold(F.unfold(x, 3, padding=1), (4, 4), 3, padding=1)
    expect = TF.fold(TF.unfold(torch.ones(1, 1, 4, 4), 3, padding=1), (4, 4), 3, padding=1)
    np.testing.assert_array_equal(counts.numpy(), expect.numpy())


@pytest.mark.parametrize("call,exc,match", [
    (lambda: F.unfold(mg.ones(2, 3), 2), RuntimeError, r"unfold.*3D or 4D.*\(2, 3\)"),
    (lambda: F.unfold(mg.ones(1, 1, 3, 3), 4), RuntimeError, r"unfold.*non-positive"),
    (lambda: F.unfold(mg.ones(1, 1, 3, 3), 2, stride=0), RuntimeError,
     r"unfold.*stride should be greater than zero"),
    (lambda: F.unfold(mg.ones(1, 1, 3, 3), 2, padding=-1), RuntimeError,
     r"unfold.*padding should be non-negative"),
    (lambda: F.unfold(mg.ones(1, 1, 3, 3), 1.5), TypeError, r"unfold.*kernel_size"),
    (lambda: F.fold(mg.ones(1, 5, 4), (3, 3), 2), RuntimeError,
     r"fold.*input.size\(1\)=5.*kernel_size=\(2, 2\)"),
    (lambda: F.fold(mg.ones(1, 4, 5), (3, 3), 2), RuntimeError,
     r"fold.*sliding blocks 2 \* 2 = 4, but got input.size\(2\)=5"),
    (lambda: F.fold(mg.ones(1, 4, 5, 1), (3, 3), 2), RuntimeError, r"fold.*2D or 3D"),
])
def test_unfold_fold_bad_calls(call: Callable, exc: type, match: str) -> None:
    with pytest.raises(exc, match=match):
        call()


@pytest.mark.parametrize("name,shape", [("InstanceNorm1d", (2, 3, 5)),
                                        ("InstanceNorm3d", (2, 3, 2, 3, 2))])
@pytest.mark.parametrize("kwargs", [{}, {"affine": True, "track_running_stats": True,
                                         "momentum": 0.4}])
def test_instance_norm_1d_and_3d_modules_match_pytorch(name: str, shape: tuple,
                                                       kwargs: dict) -> None:
    layer = getattr(nn, name)(3, dtype=np.float64, **kwargs)
    ref = getattr(torch.nn, name)(3, dtype=torch.float64, **kwargs)
    assert repr(layer) == repr(ref)
    compare(layer, ref, [normal(*shape) * 2 + 0.5])
    for key, buf in ref.state_dict().items():
        np.testing.assert_allclose(layer.state_dict()[key].numpy(), buf.numpy(), rtol=1e-10)
    compare(layer, ref, [normal(*shape[1:])])  # unbatched
    x = normal(*shape)
    x[0, 1, 0] = np.nan  # NaN spreads over its own channel of its own sample only
    compare(layer, ref, [x])
    layer.eval()
    ref.eval()
    compare(layer, ref, [normal(*shape)])
    check_grads(lambda t: getattr(nn, name)(3, affine=True, dtype=np.float64)(t),
                normal(*shape))


@pytest.mark.parametrize("name,bad,ok,four", [
    ("InstanceNorm1d", (1, 3, 2, 2), "2D or 3D", (2, 4, 5)),
    ("InstanceNorm1d", (3,), "2D or 3D", (4, 5)),
    ("InstanceNorm3d", (3, 2, 2), "4D or 5D", (2, 4, 2, 2, 2)),
])
def test_instance_norm_1d_and_3d_refuse_bad_input(name: str, bad: tuple, ok: str,
                                                  four: tuple) -> None:
    with pytest.raises(ValueError, match=rf"{name}: expected {ok} input \(got {len(bad)}D"):
        getattr(nn, name)(3)(mg.ones(*bad))
    with pytest.raises(ValueError, match=f"expected {ok} input"):
        getattr(torch.nn, name)(3)(torch.ones(*bad))
    with pytest.raises(ValueError, match=rf"{name}: expected input's size at dim=1.*got: 4"):
        getattr(nn, name)(3, affine=True)(mg.ones(*four))  # 4 channels, not 3
