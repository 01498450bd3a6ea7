"""More of PyTorch's layers against PyTorch itself: ConstantPad1d/2d/3d, ZeroPad1d/3d,
ReflectionPad1d, ReplicationPad1d/3d, ParameterDict, Softmax2d, UpsamplingNearest2d,
UpsamplingBilinear2d, ChannelShuffle (F.channel_shuffle), AlphaDropout and
FeatureAlphaDropout (F.alpha_dropout, F.feature_alpha_dropout).

Each layer: values, shape, dtype and the input's gradient against PyTorch (float32 and
float64, size-1 and empty dims where PyTorch takes them), the signature and repr, and bad
input (the exception type PyTorch raises, with a message naming the layer and the shape or
argument). Random masks cannot be compared element by element, so the alpha dropouts are
checked by their statistics and, with PyTorch's own mask fed to minigrad, element by element.
Tests that need PyTorch skip without it; the others run anyway."""

from __future__ import annotations

import inspect
import io
from collections import OrderedDict
from collections.abc import Callable

import numpy as np
import pytest
from helpers import compare_with_torch

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
import minigrad.rng

rng = np.random.default_rng(11)
DTYPES = [np.float32, np.float64]
TOL = {np.float32: 2e-5, np.float64: 1e-10}
SELU_ALPHA = 1.7580993408473766


def normal(*shape: int, dtype: type = np.float64) -> np.ndarray:
    return rng.normal(size=shape).astype(dtype)


def compare(ours: Callable, theirs: Callable, array: np.ndarray) -> None:
    """Same output (shape, dtype, values) and input gradient of a random weighted sum."""
    compare_with_torch(ours, theirs, [array], [True], TOL[array.dtype.type])


def torch_raises(call: Callable) -> type:
    """The exception type PyTorch raises for ``call`` (fails if it raises none)."""
    try:
        call()
    except Exception as e:  # noqa: BLE001 (the type is what is compared)
        return type(e)
    raise AssertionError("PyTorch accepted the call")


# ------------------------------------------------------------------ signatures

NEW_LAYERS = ["ConstantPad1d", "ConstantPad2d", "ConstantPad3d", "ZeroPad1d", "ZeroPad2d",
              "ZeroPad3d", "ReflectionPad1d", "ReplicationPad1d", "ReplicationPad3d",
              "ParameterDict", "UpsamplingNearest2d", "UpsamplingBilinear2d",
              "ChannelShuffle", "AlphaDropout", "FeatureAlphaDropout"]


def _params(fn: Callable) -> list[tuple[str, object, object]]:
    return [(p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()]


@pytest.mark.parametrize("name", NEW_LAYERS)
def test_constructor_signature_is_pytorchs(torch, name: str) -> None:
    assert _params(getattr(nn, name)) == _params(getattr(torch.nn, name))


@pytest.mark.parametrize("name", ["alpha_dropout", "feature_alpha_dropout"])
def test_functional_signature_is_pytorchs(torch, name: str) -> None:
    assert _params(getattr(F, name)) == _params(getattr(torch.nn.functional, name))


def test_channel_shuffle_takes_pytorchs_keywords(torch) -> None:
    # PyTorch's is a builtin without a signature: its docstring reads (input, groups)
    assert "channel_shuffle(input, groups)" in torch.nn.functional.channel_shuffle.__doc__
    assert [p.name for p in inspect.signature(F.channel_shuffle).parameters.values()] == [
        "input", "groups"]
    a = normal(1, 4, 3)
    np.testing.assert_array_equal(
        F.channel_shuffle(input=mg.tensor(a), groups=2).numpy(),
        torch.nn.functional.channel_shuffle(input=torch.tensor(a), groups=2).numpy())


def test_new_names_are_exported() -> None:
    for name in [*NEW_LAYERS, "Softmax2d"]:
        assert name in nn.__all__ and isinstance(getattr(nn, name), type)
    for name in ["channel_shuffle", "alpha_dropout", "feature_alpha_dropout"]:
        assert callable(getattr(F, name))


# ------------------------------------------------------------------ padding

PADS = [  # (layer, args, input shapes)
    ("ConstantPad1d", (2, 1.5), [(2, 3, 4), (3, 4), (5,), (1, 1, 1), (0, 3, 4), (2, 0)]),
    ("ConstantPad1d", ((3, -1), -2.0), [(2, 3, 4), (1, 1)]),
    ("ConstantPad1d", ((-3, 1), 0.5), [(2, 3)]),  # the whole row cropped, one pad left
    ("ConstantPad2d", ((1, 0, 2, 3), 3.5), [(2, 3, 4, 5), (3, 4, 5), (4, 5), (1, 1),
                                            (0, 2, 2, 2), (2, 0, 3)]),
    ("ConstantPad2d", ((-1, 2, 0, -2), 1.0), [(2, 3, 4, 5), (3, 4)]),
    ("ConstantPad3d", (1, -0.5), [(2, 3, 2, 3, 4), (3, 2, 3, 4), (2, 3, 4), (1, 1, 1),
                                  (0, 1, 2, 2, 2)]),
    ("ConstantPad3d", ((1, 0, -1, 2, 0, 3), 2), [(1, 2, 3, 4, 5)]),  # an int value
    ("ZeroPad1d", ((0, 3),), [(2, 3, 4), (3, 1), (4,), (0, 2, 3)]),
    ("ZeroPad1d", ((-1, 2),), [(2, 3, 4)]),
    ("ZeroPad2d", ((1, 2, 0, 1),), [(2, 3), (1, 2, 3, 4, 5)]),  # any rank, as PyTorch
    ("ZeroPad3d", (2,), [(1, 2, 2, 3, 4), (2, 2, 3, 4), (1, 1, 1), (0, 1, 2, 2, 2)]),
    ("ZeroPad3d", ((1, -1, 0, 2, -1, 1),), [(2, 3, 4, 5)]),
    ("ReflectionPad1d", (2,), [(2, 3, 4), (3, 4), (1, 1, 3), (0, 2, 3)]),
    ("ReflectionPad1d", ((3, 0),), [(2, 3, 4), (2, 5)]),
    ("ReflectionPad1d", ((0, 0),), [(2, 2, 1)]),
    ("ReplicationPad1d", (3,), [(2, 3, 4), (3, 4), (1, 1, 1), (0, 2, 3)]),
    ("ReplicationPad1d", ((0, 5),), [(2, 3, 2)]),
    ("ReplicationPad3d", (1,), [(2, 3, 2, 3, 4), (3, 2, 3, 4), (1, 1, 1, 1, 1),
                                (0, 1, 2, 2, 2)]),
    ("ReplicationPad3d", ((1, 2, 0, 3, 2, 0),), [(1, 2, 2, 3, 4), (2, 1, 3, 1)]),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,args,shapes", PADS, ids=[f"{p[0]}{p[1]}" for p in PADS])
def test_padding_layers_match_pytorch(torch, name: str, args: tuple, shapes: list,
                                      dtype: type) -> None:
    layer, ref = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(layer) == repr(ref)
    assert layer.padding == ref.padding
    assert getattr(layer, "value", None) == getattr(ref, "value", None)
    for shape in shapes:
        compare(layer, ref, normal(*shape, dtype=dtype))


def test_zero_pads_are_constant_pads_as_in_pytorch(torch) -> None:
    for dims in (1, 2, 3):
        ours, theirs = getattr(nn, f"ZeroPad{dims}d")(1), getattr(torch.nn, f"ZeroPad{dims}d")(1)
        assert isinstance(ours, getattr(nn, f"ConstantPad{dims}d"))
        assert isinstance(theirs, getattr(torch.nn, f"ConstantPad{dims}d"))
        assert ours.value == theirs.value == 0.0


def test_padding_layers_gradcheck() -> None:
    for layer, shape in [(nn.ConstantPad1d((2, -1), 0.5), (2, 2, 4)),
                         (nn.ConstantPad3d((1, 0, 0, 1, 1, 1), -1.0), (1, 2, 2, 2)),
                         (nn.ZeroPad1d(1), (2, 3)), (nn.ReflectionPad1d((2, 1)), (2, 4)),
                         (nn.ReplicationPad1d((1, 3)), (1, 2, 3)),
                         (nn.ReplicationPad3d((1, 0, 2, 1, 0, 1)), (1, 1, 2, 2, 2))]:
        x = mg.tensor(normal(*shape), requires_grad=True)
        assert mg.gradcheck(layer, [x]) and mg.gradgradcheck(layer, [x])


# (name, our call, the same call on PyTorch, the exception type, what the message names)
PAD_BAD = [
    ("ConstantPad1d on 0-D", lambda m: m.ConstantPad1d(1, 2.0), (), RuntimeError,
     r"ConstantPad1d: padding length .* 2 .* shape \(\)"),
    ("ConstantPad3d on 2-D", lambda m: m.ConstantPad3d(1, 0.0), (3, 3), RuntimeError,
     r"ConstantPad3d: padding length .* 6 .* shape \(3, 3\)"),
    ("ConstantPad1d crops below 0", lambda m: m.ConstantPad1d((-2, -2), 0.0), (2, 3),
     RuntimeError, r"ConstantPad1d: padding \(-2, -2\) crops dimension 1 .* \(2, 3\)"),
    ("ZeroPad1d crops below 0", lambda m: m.ZeroPad1d((-4, 1)), (2, 3), RuntimeError,
     r"ZeroPad1d: padding \(-4, 1\) crops dimension 1"),
    ("ReflectionPad1d on 4-D", lambda m: m.ReflectionPad1d(1), (1, 2, 3, 4),
     NotImplementedError, r"ReflectionPad1d: expected a 2-D \(C, W\) or 3-D .* \(1, 2, 3, 4\)"),
    ("ReflectionPad1d on 1-D", lambda m: m.ReflectionPad1d(1), (3,), NotImplementedError,
     r"ReflectionPad1d: .*got \(3,\)"),
    ("ReplicationPad1d on 1-D", lambda m: m.ReplicationPad1d(1), (3,), NotImplementedError,
     r"ReplicationPad1d: .*got \(3,\)"),
    ("ReplicationPad3d on 3-D", lambda m: m.ReplicationPad3d(1), (2, 3, 4),
     NotImplementedError, r"ReplicationPad3d: expected a 4-D .* 5-D .* \(2, 3, 4\)"),
    ("ReplicationPad3d on 6-D", lambda m: m.ReplicationPad3d(1), (1, 1, 2, 2, 2, 2),
     NotImplementedError, r"ReplicationPad3d: .*\(1, 1, 2, 2, 2, 2\)"),
    ("ReflectionPad1d width >= size", lambda m: m.ReflectionPad1d(3), (1, 2, 3), RuntimeError,
     r"ReflectionPad1d: pad: padding size should be less .* \(3, 3\) .* \(1, 2, 3\)"),
    ("ReflectionPad1d on a size-1 dim", lambda m: m.ReflectionPad1d((1, 0)), (2, 2, 1),
     RuntimeError, r"ReflectionPad1d: pad: padding size should be less"),
    ("ReplicationPad1d, no channels", lambda m: m.ReplicationPad1d(1), (2, 0, 3),
     RuntimeError, r"ReplicationPad1d: .*non-zero dimensions, got \(2, 0, 3\)"),
    ("ReflectionPad1d, empty width", lambda m: m.ReflectionPad1d(1), (1, 2, 0),
     RuntimeError, r"ReflectionPad1d: .*non-zero dimensions, got \(1, 2, 0\)"),
    ("ReplicationPad3d, empty depth", lambda m: m.ReplicationPad3d(1), (2, 1, 0, 3, 3),
     RuntimeError, r"ReplicationPad3d: .*\(2, 1, 0, 3, 3\)"),
    ("ZeroPad1d, float width", lambda m: m.ZeroPad1d(1.5), (2, 3), TypeError,
     r"ZeroPad1d: padding must be an int or a 2-tuple .*1\.5"),
    ("ConstantPad3d, float width", lambda m: m.ConstantPad3d((1, 1, 1, 1, 1, 0.5), 0.0),
     (2, 2, 2), TypeError, r"ConstantPad3d: padding .*0\.5"),
]


@pytest.mark.parametrize("case", PAD_BAD, ids=[c[0] for c in PAD_BAD])
def test_padding_bad_input(case: tuple) -> None:
    _, make, shape, error, match = case
    with pytest.raises(error, match=match):
        make(nn)(mg.zeros(shape))


@pytest.mark.parametrize("case", PAD_BAD, ids=[c[0] for c in PAD_BAD])
def test_padding_bad_input_is_what_pytorch_raises(torch, case: tuple) -> None:
    _, make, shape, error, _ = case
    assert issubclass(torch_raises(lambda: make(torch.nn)(torch.zeros(shape))), error)


def test_padding_errors_that_come_earlier_than_in_pytorch() -> None:
    """PyTorch takes any tuple and fails (or pads other dims) at the first call; minigrad
    refuses a wrong length when the layer is built, naming the layer and the tuple."""
    with pytest.raises(ValueError, match=r"ConstantPad3d: .*6-tuple .*\(1, 2\) of length 2"):
        nn.ConstantPad3d((1, 2), 0.0)
    with pytest.raises(ValueError, match=r"ReplicationPad1d: .*2-tuple .*length 4"):
        nn.ReplicationPad1d((1, 2, 3, 4))
    # the rank error of a mode padding is PyTorch's NotImplementedError and, as minigrad's
    # 2-D padding layers raised before, a ValueError
    with pytest.raises(ValueError, match="ReplicationPad2d"):
        nn.ReplicationPad2d(1)(mg.ones(2, 2))


def test_mode_padding_refuses_negative_widths() -> None:
    """PyTorch crops there; minigrad's F.pad has no negative widths in its index modes."""
    with pytest.raises(ValueError, match=r"ReplicationPad1d: pad: negative padding"):
        nn.ReplicationPad1d((-1, 2))(mg.ones(1, 2, 3))


# ------------------------------------------------------------------ Softmax2d


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (3, 4, 5), (1, 1, 1, 1), (2, 1, 3, 3),
                                   (0, 3, 2, 2), (2, 0, 3, 3), (3, 0, 2)])
def test_softmax2d_matches_pytorch(torch, shape: tuple, dtype: type) -> None:
    compare(nn.Softmax2d(), torch.nn.Softmax2d(), normal(*shape, dtype=dtype) * 3)
    assert repr(nn.Softmax2d()) == repr(torch.nn.Softmax2d()) == "Softmax2d()"


def test_softmax2d_sums_to_one_over_channels_and_gradchecks() -> None:
    out = nn.Softmax2d()(mg.tensor(normal(2, 5, 3, 4)))
    np.testing.assert_allclose(out.sum(1).numpy(), np.ones((2, 3, 4)), rtol=1e-12)
    x = mg.tensor(normal(2, 3, 2, 2), requires_grad=True)
    assert mg.gradcheck(nn.Softmax2d(), [x]) and mg.gradgradcheck(nn.Softmax2d(), [x])


SOFTMAX2D_BAD = [
    ("2-D", (2, 3), np.float64, ValueError, r"Softmax2d: expected input to be 3D or 4D, got "
     r"2D instead \(input of shape \(2, 3\)\)"),
    ("5-D", (1, 2, 3, 3, 3), np.float64, ValueError, r"Softmax2d: .*5D .*\(1, 2, 3, 3, 3\)"),
    ("int", (2, 3, 3), np.int64, NotImplementedError, r"Softmax2d: .*int64 .*\(2, 3, 3\)"),
]


@pytest.mark.parametrize("case", SOFTMAX2D_BAD, ids=[c[0] for c in SOFTMAX2D_BAD])
def test_softmax2d_bad_input(case: tuple) -> None:
    _, shape, dtype, error, match = case
    with pytest.raises(error, match=match):
        nn.Softmax2d()(mg.tensor(np.ones(shape, dtype)))


@pytest.mark.parametrize("case", SOFTMAX2D_BAD, ids=[c[0] for c in SOFTMAX2D_BAD])
def test_softmax2d_bad_input_is_what_pytorch_raises(torch, case: tuple) -> None:
    _, shape, dtype, error, _ = case
    raised = torch_raises(lambda: torch.nn.Softmax2d()(torch.tensor(np.ones(shape, dtype))))
    assert issubclass(raised, error)


# ------------------------------------------------------------------ fixed-mode upsampling

UPSAMPLINGS = [  # (layer, kwargs, input shapes)
    ("UpsamplingNearest2d", {"scale_factor": 2}, [(2, 3, 4, 5), (1, 1, 1, 1), (0, 2, 3, 3),
                                                  (2, 3, 4), (1, 2, 2, 3, 2)]),
    ("UpsamplingNearest2d", {"scale_factor": (1.5, 2.5)}, [(2, 3, 4, 5)]),
    ("UpsamplingNearest2d", {"scale_factor": 0.5}, [(1, 2, 4, 6)]),
    ("UpsamplingNearest2d", {"size": (5, 7)}, [(2, 3, 4, 5), (1, 1, 1, 1)]),
    ("UpsamplingNearest2d", {"size": 3}, [(2, 3, 4, 5), (2, 3, 7)]),
    ("UpsamplingBilinear2d", {"scale_factor": 2}, [(2, 3, 4, 5), (1, 1, 1, 1), (0, 2, 3, 3)]),
    ("UpsamplingBilinear2d", {"scale_factor": (1.7, 3.0)}, [(2, 3, 4, 5)]),
    ("UpsamplingBilinear2d", {"scale_factor": 0.6}, [(1, 2, 5, 6)]),
    ("UpsamplingBilinear2d", {"size": (6, 3)}, [(2, 3, 4, 5), (1, 2, 1, 1)]),
    ("UpsamplingBilinear2d", {"size": [1, 1]}, [(1, 2, 3, 3)]),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,kwargs,shapes", UPSAMPLINGS,
                         ids=[f"{u[0]}{u[1]}" for u in UPSAMPLINGS])
def test_fixed_mode_upsampling_matches_pytorch(torch, name: str, kwargs: dict, shapes: list,
                                               dtype: type) -> None:
    layer, ref = getattr(nn, name)(**kwargs), getattr(torch.nn, name)(**kwargs)
    assert repr(layer) == repr(ref)
    assert (layer.mode, layer.align_corners) == (ref.mode, ref.align_corners)
    for shape in shapes:
        compare(layer, ref, normal(*shape, dtype=dtype))


def test_upsampling_bilinear_is_align_corners_interpolate() -> None:
    x = mg.tensor(normal(1, 2, 3, 4), requires_grad=True)
    layer = nn.UpsamplingBilinear2d(scale_factor=2)
    assert isinstance(layer, nn.Upsample) and layer.align_corners is True
    np.testing.assert_array_equal(
        layer(x).detach().numpy(),
        F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=True).detach().numpy())
    assert mg.gradcheck(layer, [x]) and mg.gradgradcheck(layer, [x])
    assert repr(nn.UpsamplingBilinear2d()) == "UpsamplingBilinear2d(size=None, mode='bilinear')"


UPSAMPLING_BAD = [  # F.interpolate's checks, which the layers share
    ("bilinear 3-D", lambda m: m.UpsamplingBilinear2d(scale_factor=2), (1, 2, 3),
     NotImplementedError, r"interpolate: mode 'bilinear' expects a 4-D .*\(1, 2, 3\)"),
    ("bilinear 5-D", lambda m: m.UpsamplingBilinear2d(scale_factor=2), (1, 2, 3, 3, 3),
     NotImplementedError, r"interpolate: .*\(1, 2, 3, 3, 3\)"),
    ("nearest 2-D", lambda m: m.UpsamplingNearest2d(scale_factor=2), (2, 3),
     NotImplementedError, r"interpolate: expected a 3-D, 4-D or 5-D .*\(2, 3\)"),
    ("neither size nor scale", lambda m: m.UpsamplingBilinear2d(), (1, 2, 3, 3), ValueError,
     r"interpolate: exactly one of size or scale_factor"),
    ("both size and scale", lambda m: m.UpsamplingNearest2d(2, 2), (1, 2, 3, 3), ValueError,
     r"interpolate: exactly one of size or scale_factor"),
    ("size 0", lambda m: m.UpsamplingBilinear2d(size=0), (1, 2, 3, 3), RuntimeError,
     r"interpolate: input and output sizes should be greater than 0, but got input "
     r"\(1, 2, 3, 3\) and output size \(0, 0\)"),
    ("empty output", lambda m: m.UpsamplingNearest2d(scale_factor=0.2), (1, 2, 3, 3),
     RuntimeError, r"interpolate: input and output sizes should be greater than 0, "
     r"but got input \(1, 2, 3, 3\) and output size \(0, 0\)"),
    ("size of 3 dims on 2", lambda m: m.UpsamplingNearest2d(size=(2, 3, 4)), (1, 2, 3, 3),
     ValueError, r"interpolate: size must be 2 .*\(1, 2, 3, 3\)"),
]


@pytest.mark.parametrize("case", UPSAMPLING_BAD, ids=[c[0] for c in UPSAMPLING_BAD])
def test_fixed_mode_upsampling_bad_input(case: tuple) -> None:
    _, make, shape, error, match = case
    with pytest.raises(error, match=match):
        make(nn)(mg.zeros(shape))


@pytest.mark.parametrize("case", UPSAMPLING_BAD, ids=[c[0] for c in UPSAMPLING_BAD])
def test_fixed_mode_upsampling_bad_input_is_what_pytorch_raises(torch, case: tuple) -> None:
    _, make, shape, error, _ = case
    assert issubclass(torch_raises(lambda: make(torch.nn)(torch.zeros(shape))), error)


def test_fixed_mode_upsampling_refuses_integer_input_as_pytorch(torch) -> None:
    for name in ("UpsamplingNearest2d", "UpsamplingBilinear2d"):
        with pytest.raises(NotImplementedError, match=r"interpolate: .*int64"):
            getattr(nn, name)(scale_factor=2)(mg.zeros(1, 1, 2, 2, dtype=mg.int64))
        assert issubclass(torch_raises(lambda n=name: getattr(torch.nn, n)(scale_factor=2)(
            torch.zeros(1, 1, 2, 2, dtype=torch.int64))), NotImplementedError)


# ------------------------------------------------------------------ channel shuffle

SHUFFLES = [((2, 4, 3, 3), 2), ((1, 6, 5), 3), ((2, 3, 2), 1), ((2, 8, 1, 2, 3), 4),
            ((1, 6, 1, 1), 6), ((0, 4, 2), 2), ((2, 0, 3), 2), ((1, 12, 2, 2), 3)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,groups", SHUFFLES)
def test_channel_shuffle_matches_pytorch(torch, shape: tuple, groups: int,
                                         dtype: type) -> None:
    a = normal(*shape, dtype=dtype)
    compare(lambda x: F.channel_shuffle(x, groups),
            lambda x: torch.nn.functional.channel_shuffle(x, groups), a)
    compare(nn.ChannelShuffle(groups), torch.nn.ChannelShuffle(groups), a)
    assert repr(nn.ChannelShuffle(groups)) == repr(torch.nn.ChannelShuffle(groups))


def test_channel_shuffle_integer_input_and_the_documented_order(torch) -> None:
    a = np.arange(16).reshape(1, 4, 2, 2)
    out = F.channel_shuffle(mg.tensor(a), 2)
    assert out.dtype == np.int64
    np.testing.assert_array_equal(
        out.numpy(), torch.nn.functional.channel_shuffle(torch.tensor(a), 2).numpy())
    np.testing.assert_array_equal(out.numpy()[0, :, 0, 0], [0, 8, 4, 12])  # PyTorch's example


def test_channel_shuffle_gradcheck() -> None:
    x = mg.tensor(normal(2, 6, 2, 3), requires_grad=True)
    assert mg.gradcheck(lambda t: F.channel_shuffle(t, 3), [x])
    assert mg.gradgradcheck(nn.ChannelShuffle(2), [x])


CHANNEL_SHUFFLE_BAD = [
    ("channels not divisible", lambda f, x: f(x, 3), (1, 4, 2, 2), RuntimeError,
     r"channel_shuffle: Number of channels must be divisible by groups. Got 4 channels and "
     r"3 groups \(input of shape \(1, 4, 2, 2\)\)"),
    ("groups 0", lambda f, x: f(x, 0), (1, 4, 2), RuntimeError,
     r"channel_shuffle: Number of groups .* must be positive. Value of groups: 0"),
    ("groups negative", lambda f, x: f(x, -2), (1, 4, 2), RuntimeError, r"groups: -2"),
    ("float groups", lambda f, x: f(x, 2.0), (1, 4, 2), TypeError,
     r"channel_shuffle: argument 'groups' must be int, not float"),
    ("2-D input", lambda f, x: f(x, 2), (2, 4), RuntimeError,
     r"channel_shuffle expects input with > 2 dims, but got input with sizes \[2, 4\]"),
    ("1-D input", lambda f, x: f(x, 2), (4,), RuntimeError, r"sizes \[4\]"),
    ("not a tensor", lambda f, x: f([1.0, 2.0], 1), (1,), TypeError,
     r"channel_shuffle: argument 'input' must be Tensor, not list"),
]


@pytest.mark.parametrize("case", CHANNEL_SHUFFLE_BAD, ids=[c[0] for c in CHANNEL_SHUFFLE_BAD])
def test_channel_shuffle_bad_input(case: tuple) -> None:
    _, call, shape, error, match = case
    with pytest.raises(error, match=match):
        call(F.channel_shuffle, mg.zeros(*shape))


@pytest.mark.parametrize("case", CHANNEL_SHUFFLE_BAD, ids=[c[0] for c in CHANNEL_SHUFFLE_BAD])
def test_channel_shuffle_bad_input_is_what_pytorch_raises(torch, case: tuple) -> None:
    _, call, shape, error, _ = case
    raised = torch_raises(lambda: call(torch.nn.functional.channel_shuffle, torch.zeros(*shape)))
    assert issubclass(raised, error)


def test_channel_shuffle_layer_names_itself(torch) -> None:
    with pytest.raises(RuntimeError, match=r"ChannelShuffle: Number of channels must be "
                                           r"divisible by groups. Got 3 channels and 2 groups"):
        nn.ChannelShuffle(2)(mg.zeros(1, 3, 2))
    with pytest.raises(RuntimeError, match=r"ChannelShuffle expects input with > 2 dims"):
        nn.ChannelShuffle(2)(mg.zeros(2, 4))
    # refused when built; PyTorch refuses the same values (same types) at the first call
    with pytest.raises(RuntimeError, match=r"ChannelShuffle: .*positive. Value of groups: 0"):
        nn.ChannelShuffle(0)
    with pytest.raises(TypeError, match=r"ChannelShuffle: argument 'groups' must be int"):
        nn.ChannelShuffle(2.0)
    x = torch.zeros(1, 4, 2)
    assert issubclass(torch_raises(lambda: torch.nn.ChannelShuffle(0)(x)), RuntimeError)
    assert issubclass(torch_raises(lambda: torch.nn.ChannelShuffle(2.0)(x)), TypeError)


# ------------------------------------------------------------------ alpha dropout

def _a(p: float) -> float:
    """The rescaling factor of alpha dropout (Klambauer et al. 2017, eq. 10)."""
    return 1.0 / np.sqrt((SELU_ALPHA ** 2 * p + 1.0) * (1.0 - p))


class _Mask:
    """Stands for minigrad's generator: ``random(shape)`` gives 1.0 where ``keep`` (kept for
    any p < 1) and 0.0 elsewhere, so minigrad draws exactly PyTorch's mask."""

    def __init__(self, keep: np.ndarray) -> None:
        self.keep, self.shapes = keep, []

    def random(self, shape: tuple) -> np.ndarray:
        self.shapes.append(tuple(shape))
        return np.broadcast_to(self.keep, shape).astype(np.float64)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("feature", [False, True])
@pytest.mark.parametrize("p", [0.2, 0.5, 0.9])
@pytest.mark.parametrize("shape", [(4, 6, 3), (3, 5), (2, 3, 2, 2), (1, 1, 1)])
def test_alpha_dropout_with_pytorchs_mask_matches_pytorch(torch, monkeypatch, shape: tuple,
                                                          p: float, feature: bool,
                                                          dtype: type) -> None:
    """PyTorch's output tells its mask (its gradient is ``a`` where kept, 0 where dropped);
    minigrad given that mask must give PyTorch's values and gradient."""
    a = normal(*shape, dtype=dtype)
    fn, layer = ((F.feature_alpha_dropout, nn.FeatureAlphaDropout) if feature
                 else (F.alpha_dropout, nn.AlphaDropout))
    tfn = getattr(torch.nn.functional, fn.__name__)
    torch.manual_seed(0)
    t = torch.tensor(a, requires_grad=True)
    tfn(t, p, True).sum().backward()
    keep = t.grad.numpy() != 0
    if feature:
        keep = keep.reshape(shape[:2] + (-1,))[..., :1].reshape(shape[:2] + (1,) * (len(shape) - 2))
    for ours in (lambda x: fn(x, p, True), layer(p)):
        stub = _Mask(keep)
        monkeypatch.setattr(minigrad.rng.default_generator, "rng", stub)
        torch.manual_seed(0)
        compare(ours, lambda x: tfn(x, p, True), a)
        assert stub.shapes == [keep.shape]  # one draw, of PyTorch's noise shape


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_alpha_dropout_keeps_a_selu_networks_mean_and_variance(torch, p: float) -> None:
    """SELU's fixed point: ``selu(z)`` of a standard normal ``z`` has mean 0 and variance 1;
    alpha dropout keeps them (dropout would not), and drops a fraction ``p``."""
    mg.manual_seed(0)
    z = mg.randn(400_000, dtype=mg.float64)
    x = F.selu(z)
    assert abs(x.mean().item()) < 0.01 and abs(x.var().item() - 1) < 0.01
    y = F.alpha_dropout(x, p, training=True).numpy()
    assert abs(y.mean()) < 0.01 and abs(y.var() - 1) < 0.015
    dropped = np.isclose(y, SELU_ALPHA * _a(p) * (p - 1))
    assert abs(dropped.mean() - p) < 0.005
    torch.manual_seed(0)  # PyTorch's statistics, the same within the same bounds
    ty = torch.nn.functional.alpha_dropout(torch.tensor(x.numpy()), p, True).numpy()
    assert abs(ty.mean()) < 0.01 and abs(ty.var() - 1) < 0.015
    assert abs(ty.mean() - y.mean()) < 0.01 and abs(ty.var() - y.var()) < 0.02


def test_feature_alpha_dropout_drops_whole_channels_and_keeps_the_statistics() -> None:
    mg.manual_seed(1)
    x = F.selu(mg.randn(64, 500, 4, 4, dtype=mg.float64))
    p = 0.3
    y = F.feature_alpha_dropout(x, p, training=True).numpy()
    dropped = np.isclose(y, SELU_ALPHA * _a(p) * (p - 1)).reshape(64, 500, -1)
    assert (dropped.all(-1) | ~dropped.any(-1)).all()  # a channel is dropped whole or kept
    assert abs(dropped.all(-1).mean() - p) < 0.01
    assert abs(y.mean()) < 0.02 and abs(y.var() - 1) < 0.03
    kept = ~dropped.all(-1)
    np.testing.assert_allclose(y.reshape(64, 500, -1)[kept],
                               _a(p) * x.numpy().reshape(64, 500, -1)[kept]
                               + SELU_ALPHA * _a(p) * p, rtol=1e-12)


def test_alpha_dropout_gradient_is_a_where_kept() -> None:
    mg.manual_seed(2)
    x = mg.randn(50, 40, dtype=mg.float64, requires_grad=True)
    y = nn.AlphaDropout(0.4)(x)
    y.sum().backward()
    kept = ~np.isclose(y.detach().numpy(), SELU_ALPHA * _a(0.4) * (0.4 - 1))
    np.testing.assert_allclose(x.grad.numpy(), np.where(kept, _a(0.4), 0.0), rtol=1e-12)


def test_alpha_dropout_is_reproducible_with_manual_seed() -> None:
    x = mg.randn(8, 16, dtype=mg.float64)
    for fn in (lambda t: F.alpha_dropout(t, 0.5, True), nn.FeatureAlphaDropout(0.5)):
        mg.manual_seed(5)
        first = fn(x).numpy()
        mg.manual_seed(5)
        np.testing.assert_array_equal(fn(x).numpy(), first)
        assert not np.array_equal(fn(x).numpy(), first)  # the next draw is a new mask


@pytest.mark.parametrize("name", ["alpha_dropout", "feature_alpha_dropout"])
def test_alpha_dropout_identity_eval_p0_and_zeros_at_p1(torch, name: str) -> None:
    fn, tfn = getattr(F, name), getattr(torch.nn.functional, name)
    layer = {"alpha_dropout": nn.AlphaDropout, "feature_alpha_dropout": nn.FeatureAlphaDropout}
    a = normal(3, 4, 2)
    x = mg.tensor(a)
    assert fn(x) is x  # PyTorch's default is training=False
    assert fn(x, 0.0, True) is x and fn(x, 0.7, False) is x
    assert layer[name](0.5).eval()(x) is x and layer[name](0.0)(x) is x
    for dtype in DTYPES:  # p=1: the input times zero, values and gradient, as PyTorch
        compare(lambda t: fn(t, 1.0, True), lambda t: tfn(t, 1.0, True), a.astype(dtype))
        compare(layer[name](1.0), lambda t: tfn(t, 1.0, True), a.astype(dtype))
    empty = mg.zeros(0, 3)
    assert fn(empty, 0.5, True) is empty


def test_alpha_dropout_reprs_match_pytorch(torch) -> None:
    for name in ("AlphaDropout", "FeatureAlphaDropout"):
        for args in [(), (0.2,), (0.3, True), (1,)]:
            ours, theirs = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
            assert repr(ours) == repr(theirs)
            assert (ours.p, ours.inplace) == (theirs.p, theirs.inplace)


ALPHA_BAD = [
    ("p > 1", lambda m: m.AlphaDropout(1.5), ValueError,
     r"dropout probability has to be between 0 and 1, but got 1.5"),
    ("p < 0", lambda m: m.FeatureAlphaDropout(-0.1), ValueError, r"but got -0.1"),
    ("F p > 1 in eval", lambda m: m.functional.alpha_dropout(m.zeros(3), 2.0), ValueError,
     r"but got 2.0"),
    ("feature on 1-D", lambda m: m.functional.feature_alpha_dropout(m.zeros(4), 0.5, True),
     RuntimeError, r"feature_alpha_dropout: Feature dropout requires at least 2 dimensions "
     r"in the input, got input of shape \(4,\)"),
    ("feature layer on 0-D", lambda m: m.FeatureAlphaDropout(0.5)(m.zeros(())),
     RuntimeError, r"FeatureAlphaDropout: Feature dropout requires at least 2 dimensions"),
    ("integer input", lambda m: m.AlphaDropout(0.5)(m.zeros(3, dtype=m.int64)),
     RuntimeError, r"AlphaDropout: result type Float can't be cast .*int64 .*\(3,\)"),
]


class _Both:
    """``nn`` and ``zeros`` of one library, with ``functional`` and ``int64``."""

    def __init__(self, lib: object, nn_mod: object) -> None:
        self.lib, self.nn = lib, nn_mod

    def __getattr__(self, name: str) -> object:
        return getattr(self.nn, name) if hasattr(self.nn, name) else getattr(self.lib, name)


@pytest.mark.parametrize("case", ALPHA_BAD, ids=[c[0] for c in ALPHA_BAD])
def test_alpha_dropout_bad_input(case: tuple) -> None:
    _, call, error, match = case
    with pytest.raises(error, match=match):
        call(_Both(mg, nn))


@pytest.mark.parametrize("case", ALPHA_BAD, ids=[c[0] for c in ALPHA_BAD])
def test_alpha_dropout_bad_input_is_what_pytorch_raises(torch, case: tuple) -> None:
    _, call, error, _ = case
    assert issubclass(torch_raises(lambda: call(_Both(torch, torch.nn))), error)


def test_feature_alpha_dropout_on_1d_is_the_identity_where_it_draws_nothing() -> None:
    x = mg.zeros(4)  # as PyTorch: the rank is only checked when a mask is drawn
    assert F.feature_alpha_dropout(x, 0.5, False) is x
    assert F.feature_alpha_dropout(x, 0.0, True) is x


# ------------------------------------------------------------------ ParameterDict


def _pair_of_models(torch) -> tuple:  # noqa: ANN001
    """The same structure in both libraries: a Linear and a ParameterDict of heads."""
    w, b, s = normal(3, 4), normal(3), normal()

    def build(lib, nn_mod):  # noqa: ANN001, ANN202
        class Net(nn_mod.Module):
            def __init__(self) -> None:
                super().__init__()
                self.body = nn_mod.Linear(4, 4)
                self.heads = nn_mod.ParameterDict({"w": lib.tensor(w), "b": lib.tensor(b)})
                self.heads["scale"] = nn_mod.Parameter(lib.tensor(s))
                self.heads["note"] = "kept, not saved"

            def forward(self, x):  # noqa: ANN001, ANN202
                h = self.body(x)
                return (h @ self.heads["w"].T + self.heads["b"]) * self.heads["scale"]

        return Net().double()

    return build(mg, nn), build(torch, torch.nn)


def test_parameter_dict_registers_like_pytorch(torch) -> None:
    ours, theirs = _pair_of_models(torch)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == [
        "body.weight", "body.bias", "heads.b", "heads.w", "heads.scale"]  # a dict is sorted
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert repr(ours) == repr(theirs)
    assert repr(ours.heads) == repr(theirs.heads)
    d, td = ours.heads, theirs.heads
    assert list(d) == list(td) == ["b", "w", "scale", "note"]
    assert list(d.keys()) == list(td.keys()) and len(d) == len(td) == 4
    assert "w" in d and "zz" not in d and "note" in d
    assert all(isinstance(v, nn.Parameter) and v.requires_grad
               for k, v in d.items() if k != "note")
    assert d["note"] == td["note"] and d.get("zz", 7) == td.get("zz", 7) == 7


def test_parameter_dict_trains_and_loads_like_pytorch(torch) -> None:
    ours, theirs = _pair_of_models(torch)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    x = normal(5, 4)
    opt = mg.optim.SGD(ours.parameters(), lr=0.1)
    topt = torch.optim.SGD(theirs.parameters(), lr=0.1)
    assert len(opt.param_groups[0]["params"]) == len(list(theirs.parameters())) == 5
    for _ in range(3):
        opt.zero_grad()
        topt.zero_grad()
        (ours(mg.tensor(x)) ** 2).mean().backward()
        (theirs(torch.tensor(x)) ** 2).mean().backward()
        opt.step()
        topt.step()
    for (k, v), (tk, tv) in zip(ours.state_dict().items(), theirs.state_dict().items()):
        assert k == tk
        np.testing.assert_allclose(v.numpy(), tv.numpy(), rtol=1e-10, atol=1e-12)


def test_parameter_dict_to_casts_in_place() -> None:
    d = nn.ParameterDict({"a": mg.zeros(2, 3), "b": mg.ones(4)})
    before = d["a"]
    d.to(mg.float64)
    assert d["a"] is before and d["a"].dtype == np.float64 and d["b"].dtype == np.float64
    assert d.double() is d and d.float()["b"].dtype == np.float32


def test_parameter_dict_dict_methods_as_pytorch(torch) -> None:
    def run(lib, nn_mod):  # noqa: ANN001, ANN202
        log = []
        d = nn_mod.ParameterDict(OrderedDict([("z", lib.zeros(2)), ("a", lib.ones(1))]))
        log.append(list(d))                                       # OrderedDict: its order
        d.update([("m", lib.zeros(3)), ("b", lib.zeros(1))])      # pairs: their order
        d.update({"y": lib.zeros(1), "c": lib.zeros(1)})          # a dict: sorted
        log.append(list(d))
        log.append(list(reversed(d)))
        popped = d.pop("m")
        log.append((type(popped).__name__, tuple(popped.shape), list(d)))
        log.append(d.popitem()[0])
        del d["z"]
        log.append(list(d))
        log.append(tuple(d.setdefault("new", lib.ones(2)).shape))
        log.append(list(d.copy()))
        log.append(d.copy()["a"] is d["a"])
        log.append(list(d.fromkeys(["p", "q"])))
        log.append(list(d | nn_mod.ParameterDict({"0": lib.zeros(1)})))
        d |= {"1": lib.zeros(1)}
        log.append(list(d))
        d["a"] = lib.full((2,), 3.0)                             # replacing keeps the position
        log.append([(k, tuple(v.shape)) for k, v in d.items()])
        log.append(sorted(n for n, _ in d.named_parameters()))
        d.clear()
        log.append((len(d), list(d.parameters())))
        return log

    assert run(mg, nn) == run(torch, torch.nn)


PDICT_BAD = [
    ("missing key", lambda d: d["nope"], AttributeError, r"has no attribute \(key\) 'nope'"),
    ("pop missing", lambda d: d.pop("nope"), AttributeError, r"'nope'"),
    ("non-str key", lambda d: d[1], TypeError, r"not a string \(type is 'int'\)"),
    ("call", lambda d: d(1), RuntimeError, r"ParameterDict should not be called"),
    ("update(int)", lambda d: d.update(3), TypeError,
     r"update should be called with an iterable of key/value pairs, but got int"),
    ("update, triple", lambda d: d.update([("a", 1, 2)]), ValueError,
     r"ParameterDict update sequence element #0 has length 3; 2 is required"),
    ("update, not pairs", lambda d: d.update([3]), TypeError,
     r"ParameterDict update sequence element #0 should be Iterable; is int"),
    ("del missing", lambda d: d.__delitem__("nope"), KeyError, r"'nope'"),
    ("popitem empty", lambda d: (d.clear(), d.popitem()), KeyError,
     r"ParameterDict.popitem: dictionary is empty"),
]


@pytest.mark.parametrize("case", PDICT_BAD, ids=[c[0] for c in PDICT_BAD])
def test_parameter_dict_bad_use(case: tuple) -> None:
    _, call, error, match = case
    with pytest.raises(error, match=match):
        call(nn.ParameterDict({"a": mg.zeros(1)}))


@pytest.mark.parametrize("case", PDICT_BAD, ids=[c[0] for c in PDICT_BAD])
def test_parameter_dict_bad_use_is_what_pytorch_raises(torch, case: tuple) -> None:
    _, call, error, _ = case
    raised = torch_raises(lambda: call(torch.nn.ParameterDict({"a": torch.zeros(1)})))
    assert issubclass(raised, error)


def test_parameter_dict_missing_key_is_also_a_key_error() -> None:
    """PyTorch raises AttributeError (its lookup is getattr); dict code catches KeyError."""
    with pytest.raises(KeyError):
        nn.ParameterDict()["x"]


# ------------------------------------------------------------------ ONNX export

ONNX_LAYERS = [(lambda: nn.ConstantPad2d((1, 2, 0, 1), 0.5), (1, 4, 5, 6)),
               (lambda: nn.ZeroPad2d((1, -1, 0, 1)), (1, 4, 5, 6)),
               (lambda: nn.ReflectionPad1d(2), (1, 4, 5)),
               (lambda: nn.ReplicationPad3d(1), (1, 2, 3, 3, 3)),
               (lambda: nn.Softmax2d(), (1, 4, 5, 6)),
               (lambda: nn.UpsamplingNearest2d(scale_factor=2), (1, 4, 5, 6)),
               (lambda: nn.UpsamplingBilinear2d(size=(7, 9)), (1, 4, 5, 6)),
               (lambda: nn.ChannelShuffle(2), (1, 4, 5, 6)),
               (lambda: nn.AlphaDropout(0.3), (1, 4, 5, 6)),
               (lambda: nn.FeatureAlphaDropout(0.3), (1, 4, 5, 6))]


@pytest.mark.parametrize("make,shape", ONNX_LAYERS)
def test_new_layers_export_to_onnx(make: Callable, shape: tuple) -> None:
    """Exported in eval mode (the dropouts are the identity), onnxruntime gives minigrad's
    numbers."""
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    layer, x = make().eval(), mg.tensor(normal(*shape, dtype=np.float32))
    buf = io.BytesIO()
    mg.onnx.export(layer, x, buf)
    session = ort.InferenceSession(buf.getvalue())
    out = session.run(None, {session.get_inputs()[0].name: x.numpy()})[0]
    np.testing.assert_allclose(out, layer(x).numpy(), rtol=1e-5, atol=1e-6)


def test_parameter_dict_entry_named_like_a_method_is_the_entry() -> None:
    """PyTorch's lookup is getattr, so its ``d['keys']`` is the method; minigrad's reads the
    registered Parameter first."""
    d = nn.ParameterDict({"keys": mg.ones(2)})
    assert isinstance(d["keys"], nn.Parameter) and list(d.keys()) == ["keys"]
    assert list(d.state_dict()) == ["keys"]
