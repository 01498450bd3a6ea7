"""F.conv1d / F.conv3d (built on conv2d), nn.Conv1d / nn.Conv3d and nn.BatchNorm3d against
PyTorch: values, dtypes and every gradient; gradcheck and gradgradcheck in float64;
layers loaded from a torch layer's state_dict, reprs, state-dict keys, padding modes,
running statistics; bad calls raise PyTorch's exception type with a message naming the op
and the shapes. Tests that need torch take the ``torch`` fixture (skipped without it)."""

from __future__ import annotations

import inspect
import math
import warnings
from collections.abc import Callable

import numpy as np
import pytest
from helpers import compare_with_torch

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F

TOL = {np.float32: 1e-5, np.float64: 1e-10}
rng = np.random.default_rng(3)


def normal(*shape: int, dtype: type = np.float64) -> np.ndarray:
    return rng.normal(size=shape).astype(dtype)


# ------------------------------------------------------------------ F.conv1d / F.conv3d

# (input shape, weight shape, bias, keyword arguments)
CONV1D = [
    ((2, 4, 10), (6, 4, 3), True, {}),
    ((1, 3, 7), (2, 3, 1), False, {}),                          # batch 1, 1-wide kernel
    ((2, 4, 11), (6, 2, 3), True, {"stride": 2, "padding": 1, "dilation": 2, "groups": 2}),
    ((2, 3, 9), (5, 3, 4), True, {"padding": "same"}),           # even kernel: odd total
    ((2, 3, 9), (5, 3, 3), True, {"padding": "same", "dilation": 3}),
    ((2, 3, 9), (5, 3, 4), False, {"padding": "valid", "stride": (3,)}),
    ((2, 4, 8), (4, 1, 3), True, {"groups": 4, "padding": (2,)}),    # depthwise
    ((3, 6), (2, 3, 2), True, {"stride": 2}),                   # unbatched (C, L)
    ((2, 3, 1), (4, 3, 1), True, {}),                           # length 1
    ((0, 3, 5), (4, 3, 2), True, {}),                           # empty batch
]

CONV3D = [
    ((2, 4, 5, 6, 7), (6, 4, 3, 3, 3), True, {}),
    ((1, 3, 4, 5, 5), (2, 3, 1, 2, 3), False, {}),              # batch 1
    ((2, 4, 7, 6, 8), (6, 2, 3, 2, 3), True,
     {"stride": (2, 1, 3), "padding": (1, 0, 2), "dilation": (2, 1, 1), "groups": 2}),
    ((2, 3, 5, 4, 6), (4, 3, 2, 3, 4), True, {"padding": "same"}),   # odd totals
    ((1, 2, 6, 5, 5), (3, 2, 3, 2, 3), True, {"padding": "same", "dilation": (2, 3, 1)}),
    ((2, 3, 5, 6, 6), (4, 3, 2, 2, 2), True, {"padding": "valid", "stride": 2}),
    ((2, 4, 4, 5, 5), (4, 1, 3, 3, 3), True, {"groups": 4, "padding": 1}),  # depthwise
    ((3, 4, 5, 6), (2, 3, 2, 3, 2), True, {"stride": (1, 2, 1)}),   # unbatched (C, D, H, W)
    ((2, 3, 1, 1, 4), (2, 3, 1, 1, 3), True, {}),               # size-1 depth and height
    ((2, 2, 3, 4, 4), (3, 2, 3, 1, 1), True, {"padding": (1, 0, 0), "stride": (3, 1, 1)}),
    ((0, 3, 3, 4, 4), (2, 3, 2, 2, 2), True, {}),               # empty batch
]


def _case_id(case: tuple) -> str:
    x, w, bias, kw = case
    return f"x{x}-w{w}-{'b' if bias else 'nob'}-{kw}"


def _compare_conv(op: str, torch, case: tuple, dtype: type) -> None:  # noqa: ANN001
    xs, ws, bias, kw = case
    ours, theirs = getattr(F, op), getattr(torch.nn.functional, op)
    arrays = [normal(*xs, dtype=dtype), normal(*ws, dtype=dtype)]
    if bias:
        arrays.append(normal(ws[0], dtype=dtype))
    compare_with_torch(lambda *a: ours(*a, **kw), lambda *a: theirs(*a, **kw), arrays,
                       tol=TOL[dtype])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", CONV1D, ids=_case_id)
def test_conv1d_matches_pytorch(torch, case: tuple, dtype: type) -> None:  # noqa: ANN001
    _compare_conv("conv1d", torch, case, dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", CONV3D, ids=_case_id)
def test_conv3d_matches_pytorch(torch, case: tuple, dtype: type) -> None:  # noqa: ANN001
    _compare_conv("conv3d", torch, case, dtype)


def test_positional_arguments_and_signatures_match_pytorch(torch) -> None:  # noqa: ANN001
    """PyTorch's order (input, weight, bias, stride, padding, dilation, groups), given
    positionally; torch's builtins have no inspect signature, so their docstring says it."""
    want = "(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1)"
    for op in ("conv1d", "conv3d"):
        params = inspect.signature(getattr(F, op)).parameters.values()
        got = ", ".join(p.name if p.default is p.empty else f"{p.name}={p.default}"
                        for p in params)
        assert f"({got})" == want
        assert f"{op}{want}" in getattr(torch.nn.functional, op).__doc__
        assert getattr(mg, op) is getattr(F, op)  # torch.conv1d / torch.conv3d too
    x, w, b = normal(2, 4, 6, 5, 5), normal(6, 2, 2, 3, 3), normal(6)
    compare_with_torch(lambda *a: F.conv3d(*a, (1, 2, 1), 1, (2, 1, 1), 2),
                       lambda *a: torch.conv3d(*a, (1, 2, 1), 1, (2, 1, 1), 2), [x, w, b])
    compare_with_torch(lambda *a: mg.conv1d(*a, 2, 1, 1, 2),
                       lambda *a: torch.conv1d(*a, 2, 1, 1, 2), [x[:, :, 0, 0], w[:, :, 0, 0], b])


def test_conv_outputs_without_torch() -> None:
    """Shapes and dtypes, and conv1d as conv3d over a depth and height of 1."""
    x, w = mg.tensor(normal(2, 3, 9)), mg.tensor(normal(4, 3, 3))
    assert F.conv1d(x, w, padding="same").shape == (2, 4, 9)
    assert F.conv1d(x.float(), w.float(), stride=2).dtype == np.float32
    y3 = F.conv3d(x.reshape(2, 3, 1, 1, 9), w.reshape(4, 3, 1, 1, 3), padding=(0, 0, 1))
    np.testing.assert_allclose(y3.numpy().reshape(2, 4, 9),
                               F.conv1d(x, w, padding=1).numpy(), rtol=1e-12, atol=1e-12)
    assert F.conv3d(mg.ones(3, 5, 6, 7), mg.ones(2, 3, 3, 3, 3)).shape == (2, 3, 4, 5)


@pytest.mark.parametrize("fn,shapes", [
    (lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=1, dilation=2, groups=2),
     [(2, 4, 7), (4, 2, 3), (4,)]),
    (lambda x, w, b: F.conv1d(x, w, b, padding="same"), [(1, 2, 5), (3, 2, 2), (3,)]),
    (lambda x, w, b: F.conv3d(x, w, b, stride=(2, 1, 1), padding=(1, 1, 0),
                              dilation=(2, 1, 1), groups=2),
     [(1, 4, 5, 3, 3), (2, 2, 2, 2, 2), (2,)]),
    (lambda x, w, b: F.conv3d(x, w, b, padding="same"), [(1, 2, 3, 3, 3), (2, 2, 2, 3, 2), (2,)]),
])
def test_gradcheck_and_gradgradcheck(fn: Callable, shapes: list) -> None:
    inputs = [mg.tensor(normal(*s), requires_grad=True) for s in shapes]
    assert mg.gradcheck(fn, inputs)
    assert mg.gradgradcheck(fn, inputs)


# ------------------------------------------------------------------ nn.Conv1d / nn.Conv3d

LAYERS = [
    ("Conv1d", (4, 6, 3), {}, (2, 4, 10)),
    ("Conv1d", (4, 6, 4), {"stride": 2, "padding": 1, "dilation": 2, "groups": 2,
                           "bias": False}, (2, 4, 11)),
    ("Conv1d", (3, 3, 4), {"padding": "same", "padding_mode": "reflect"}, (2, 3, 9)),
    ("Conv1d", (3, 5, 3), {"padding": 2, "padding_mode": "circular"}, (3, 8)),
    ("Conv1d", (2, 4, 3), {"padding": "valid", "padding_mode": "replicate"}, (1, 2, 6)),
    ("Conv3d", (4, 6, 3), {}, (2, 4, 5, 6, 7)),
    ("Conv3d", (4, 6, (1, 2, 3)), {"stride": (1, 2, 1), "padding": (0, 1, 2),
                                   "dilation": (1, 1, 2), "groups": 2}, (2, 4, 3, 6, 9)),
    ("Conv3d", (2, 3, (2, 3, 2)), {"padding": "same", "padding_mode": "replicate"},
     (1, 2, 4, 5, 5)),
    ("Conv3d", (2, 2, 3), {"padding": 1, "padding_mode": "reflect", "bias": False},
     (2, 4, 4, 5)),
    ("Conv3d", (3, 3, 2), {"padding": (1, 0, 1), "padding_mode": "circular", "groups": 3},
     (1, 3, 3, 4, 4)),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,args,kwargs,shape", LAYERS)
def test_conv_layers_match_pytorch(torch, name: str, args: tuple, kwargs: dict,  # noqa: ANN001
                                   shape: tuple, dtype: type) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch: 'same' with an even kernel copies the input
        ref = getattr(torch.nn, name)(*args, **kwargs, dtype=getattr(torch, dtype.__name__))
    layer = getattr(nn, name)(*args, **kwargs, dtype=dtype)
    assert repr(layer) == repr(ref)
    assert list(layer.state_dict()) == list(ref.state_dict())
    assert layer.weight.shape == tuple(ref.weight.shape) and layer.weight.dtype == dtype
    for attr in ("kernel_size", "stride", "padding", "dilation", "output_padding", "groups",
                 "padding_mode", "in_channels", "out_channels"):
        assert getattr(layer, attr) == getattr(ref, attr), attr
    layer.load_state_dict({k: mg.tensor(v.detach().numpy()) for k, v in
                           ref.state_dict().items()})
    x = normal(*shape, dtype=dtype)
    compare_with_torch(layer, ref, [x], tol=TOL[dtype])
    tol = TOL[dtype] * 10
    np.testing.assert_allclose(layer.weight.grad.numpy(), ref.weight.grad.numpy(), rtol=tol,
                               atol=tol)
    if layer.bias is not None:
        np.testing.assert_allclose(layer.bias.grad.numpy(), ref.bias.grad.numpy(), rtol=tol,
                                   atol=tol)


@pytest.mark.parametrize("name,shape", [("Conv1d", (6, 2, 3)), ("Conv3d", (6, 2, 3, 3, 3))])
def test_conv_layers_default_init_and_signature(torch, name: str,  # noqa: ANN001
                                                shape: tuple) -> None:
    """PyTorch's defaults and init: kaiming_uniform(a=sqrt(5)) is U(+-1/sqrt(fan_in)) for
    the weight, and the bias draws from the same bound."""
    ours, theirs = getattr(nn, name), getattr(torch.nn, name)
    sig, ref = inspect.signature(ours), inspect.signature(theirs)
    assert list(sig.parameters) == list(ref.parameters)
    assert {k: p.default for k, p in sig.parameters.items()} == {
        k: p.default for k, p in ref.parameters.items()}
    mg.manual_seed(0)
    layer = ours(4, 6, 3, groups=2)
    assert layer.weight.shape == shape and layer.weight.dtype == np.float32
    bound = 1 / math.sqrt(2 * 3 ** (len(shape) - 2))
    for p in (layer.weight, layer.bias):
        largest = np.abs(p.detach().numpy()).max()
        assert bound * 0.5 < largest <= bound
    assert layer.weight.detach().numpy().std() == pytest.approx(bound / math.sqrt(3), rel=0.2)


def test_conv_layers_without_torch() -> None:
    conv1, conv3 = nn.Conv1d(3, 8, 5, padding=2), nn.Conv3d(3, 8, 3, stride=2)
    assert conv1(mg.randn(2, 3, 20)).shape == (2, 8, 20)
    assert conv1(mg.randn(3, 20)).shape == (8, 20)
    assert conv3(mg.randn(2, 3, 7, 9, 9)).shape == (2, 8, 3, 4, 4)
    assert repr(conv1) == "Conv1d(3, 8, kernel_size=(5,), stride=(1,), padding=(2,))"
    assert list(conv3.state_dict()) == ["weight", "bias"]
    y = nn.Sequential(nn.Conv3d(2, 4, 3, padding=1), nn.BatchNorm3d(4), nn.ReLU())(
        mg.randn(2, 2, 3, 4, 4, requires_grad=True))
    y.sum().backward()
    assert y.shape == (2, 4, 3, 4, 4)


@pytest.mark.parametrize("call,exc,match", [
    (lambda: nn.Conv1d(3, 4, 3, groups=2), ValueError,
     r"Conv1d: in_channels \(3\) must be divisible by groups \(2\)"),
    (lambda: nn.Conv3d(4, 3, 3, groups=2), ValueError,
     r"Conv3d: out_channels \(3\) must be divisible by groups \(2\)"),
    (lambda: nn.Conv1d(1, 1, 3, stride=2, padding="same"), ValueError,
     r"Conv1d: padding='same' is not supported for strided"),
    (lambda: nn.Conv3d(1, 1, 3, padding="full"), ValueError,
     r"Conv3d: padding must be an int, a tuple of ints, 'same' or 'valid', got 'full'"),
    (lambda: nn.Conv3d(1, 1, 3, padding_mode="mirror"), ValueError,
     r"Conv3d: padding_mode must be one of"),
    (lambda: nn.Conv1d(1, 1, (3, 3)), TypeError,
     r"Conv1d: kernel_size must be an int or a tuple of one int, got \(3, 3\)"),
    (lambda: nn.Conv3d(1, 1, (3, 3)), TypeError,
     r"Conv3d: kernel_size must be an int or a triple of ints, got \(3, 3\)"),
    (lambda: nn.Conv3d(1, 1, (3, 0, 3)), ValueError,
     r"Conv3d: kernel size must be positive, got \(3, 0, 3\)"),
    (lambda: nn.Conv1d(2, 1, 3)(mg.ones(1, 3, 5)), RuntimeError,
     r"conv1d: expected input of shape \(N, 2, L\), got \(1, 3, 5\)"),
    (lambda: nn.Conv3d(2, 1, 3)(mg.ones(1, 2, 5, 5)), RuntimeError,
     r"conv3d: expected input of shape \(N, 2, D, H, W\), got \(1, 1, 2, 5, 5\)"),
])
def test_conv_layer_bad_calls(call: Callable, exc: type, match: str) -> None:
    with pytest.raises(exc, match=match):
        call()


# ------------------------------------------------------------------ nn.BatchNorm3d

@pytest.mark.parametrize("kwargs", [{}, {"momentum": None}, {"affine": False},
                                    {"track_running_stats": False, "eps": 1e-3},
                                    {"momentum": 0.3, "bias": False}])
def test_batch_norm3d_matches_pytorch(torch, kwargs: dict) -> None:  # noqa: ANN001
    layer = nn.BatchNorm3d(3, dtype=np.float64, **kwargs)
    ref = torch.nn.BatchNorm3d(3, dtype=torch.float64, **kwargs)
    assert repr(layer) == repr(ref)
    assert list(layer.state_dict()) == list(ref.state_dict())
    if ref.weight is not None:
        with torch.no_grad():
            ref.weight.uniform_(0.5, 1.5)
    layer.load_state_dict({k: mg.tensor(v.detach().numpy()) for k, v in
                           ref.state_dict().items()})
    for _ in range(3):
        compare_with_torch(layer, ref, [normal(4, 3, 2, 3, 4) * 2 + 0.5], tol=1e-9)
    for name, buf in ref.state_dict().items():
        np.testing.assert_allclose(layer.state_dict()[name].numpy(), buf.numpy(),
                                   rtol=1e-12, err_msg=name)
    if layer.weight is not None:
        np.testing.assert_allclose(layer.weight.grad.numpy(), ref.weight.grad.numpy(),
                                   rtol=1e-9, atol=1e-9)
    layer.eval()
    ref.eval()
    compare_with_torch(layer, ref, [normal(2, 3, 2, 2, 5)], tol=1e-9)


def test_batch_norm3d_float32_and_bad_calls(torch) -> None:  # noqa: ANN001
    layer, ref = nn.BatchNorm3d(2), torch.nn.BatchNorm3d(2)
    compare_with_torch(layer, ref, [normal(2, 2, 3, 3, 3, dtype=np.float32)], tol=1e-5)
    np.testing.assert_allclose(layer.running_var.numpy(), ref.running_var.numpy(), rtol=1e-6)
    with pytest.raises(ValueError, match="expected 5D input"):
        ref(torch.ones(2, 2, 3, 3))
    with pytest.raises(ValueError, match=r"BatchNorm3d\(2\) expected input of shape "
                                         r"\(N, 2, D, H, W\), got \(2, 2, 3, 3\)"):
        layer(mg.ones(2, 2, 3, 3))
    with pytest.raises(ValueError, match=r"BatchNorm3d\(2\) .* got \(2, 3, 3, 3, 3\)"):
        layer(mg.ones(2, 3, 3, 3, 3))
    with pytest.raises(ValueError, match=r"batch_norm: expected more than 1 value per channel"):
        layer(mg.ones(1, 2, 1, 1, 1))


# ------------------------------------------------------------------ bad calls vs torch

X1, W1 = (2, 4, 10), (6, 4, 3)
X3, W3 = (2, 4, 5, 6, 7), (6, 4, 3, 3, 3)

# (op, input shape, weight shape, bias shape or None, kwargs, what the message names)
BAD = [
    ("conv1d", (2, 4, 10, 1), W1, None, {}, ["conv1d", "3-D input", "(2, 4, 10, 1)"]),
    ("conv1d", (10,), W1, None, {}, ["conv1d", "(10,)"]),
    ("conv1d", X1, (6, 4, 3, 1), None, {}, ["conv1d", "3-D weight", "(6, 4, 3, 1)"]),
    ("conv1d", (2, 5, 10), W1, None, {}, ["conv1d", "(N, 4, L)", "(2, 5, 10)", "(6, 4, 3)"]),
    ("conv1d", X1, (6, 2, 3), None, {"groups": 3}, ["conv1d", "(6, 2, 3)", "groups=3"]),
    ("conv1d", X1, (5, 2, 3), None, {"groups": 2}, ["conv1d", "(5, 2, 3)", "groups=2"]),
    ("conv1d", X1, W1, (5,), {}, ["conv1d", "bias", "(5,)", "(6,)"]),
    ("conv1d", X1, (6, 4, 11), None, {}, ["conv1d", "kernel length 11", "input length 10"]),
    ("conv1d", X1, W1, None, {"stride": 2, "padding": "same"}, ["conv1d", "'same'", "strided"]),
    ("conv1d", X1, W1, None, {"padding": "full"}, ["conv1d", "padding", "'full'"]),
    ("conv1d", X1, W1, None, {"padding": -1}, ["conv1d", "padding", "(-1,)"]),
    ("conv1d", X1, W1, None, {"stride": 0}, ["conv1d", "stride", "(0,)"]),
    ("conv1d", X1, W1, None, {"groups": 0}, ["conv1d", "groups", "0"]),
    ("conv1d", X1, W1, None, {"stride": 1.5}, ["conv1d", "stride", "1.5"]),
    ("conv1d", (2, 4, 0), W1, None, {}, ["conv1d", "kernel length 3", "input length 0"]),
    ("conv3d", (2, 4, 5), W3, None, {}, ["conv3d", "5-D input", "(2, 4, 5)"]),
    ("conv3d", X3, (6, 4, 3, 3), None, {}, ["conv3d", "5-D weight", "(6, 4, 3, 3)"]),
    ("conv3d", (2, 5, 5, 6, 7), W3, None, {}, ["conv3d", "(N, 4, D, H, W)", "(2, 5, 5, 6, 7)"]),
    ("conv3d", X3, W3, (6, 1), {}, ["conv3d", "bias", "(6, 1)", "(6,)"]),
    ("conv3d", X3, (6, 4, 6, 3, 3), None, {}, ["conv3d", "kernel depth 6", "input depth 5"]),
    ("conv3d", X3, (6, 4, 3, 3, 8), None, {"padding": (0, 0, 0)},
     ["conv3d", "kernel width 8", "input width 7"]),
    ("conv3d", X3, W3, None, {"stride": 2, "padding": "same"}, ["conv3d", "'same'", "strided"]),
    ("conv3d", X3, W3, None, {"dilation": (1, 0, 1)}, ["conv3d", "dilation", "(1, 0, 1)"]),
]


@pytest.mark.parametrize("op,xs,ws,bs,kwargs,names", BAD,
                         ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)])
def test_bad_calls_raise_pytorchs_type(torch, op: str, xs: tuple, ws: tuple,  # noqa: ANN001
                                       bs: tuple | None, kwargs: dict, names: list) -> None:
    def call(lib, f: Callable) -> object:  # noqa: ANN001
        args = [f(np.ones(xs, np.float32)), f(np.ones(ws, np.float32))]
        return getattr(lib, op)(*args, f(np.ones(bs, np.float32)) if bs else None, **kwargs)

    with pytest.raises(Exception) as theirs:  # noqa: PT011, B017
        call(torch.nn.functional, torch.tensor)
    with pytest.raises(type(theirs.value)) as ours:
        call(F, mg.tensor)
    assert type(ours.value) is type(theirs.value)
    message = str(ours.value)
    assert message.startswith(f"{op}: ")
    for part in names:
        assert part in message, (part, message)


def test_bad_dtypes() -> None:
    x, w = mg.ones(2, 3, 5), mg.ones(4, 3, 3)
    with pytest.raises(RuntimeError, match=r"conv1d: input and weight must have the same "
                                           r"dtype, but got float64 and float32"):
        F.conv1d(x.double(), w)
    with pytest.raises(RuntimeError, match=r"conv3d: input and bias must have the same dtype"):
        F.conv3d(mg.ones(1, 3, 3, 3, 3), mg.ones(4, 3, 1, 1, 1), mg.ones(4).double())
    with pytest.raises(TypeError, match=r"conv1d: input has dtype int64 \(shape \(2, 3, 5\)\)"):
        F.conv1d(mg.tensor(np.ones((2, 3, 5), np.int64)), w)
    with pytest.raises(TypeError, match=r"conv3d: argument 'input' must be Tensor, not list"):
        F.conv3d([1.0], w)
    # PyTorch: RuntimeError ("expected stride to be a single integer value or a list of 3
    # values"); minigrad's one tuple check, shared with conv2d, says TypeError
    with pytest.raises(TypeError, match=r"conv3d: stride must be an int or a triple of ints"):
        F.conv3d(mg.ones(1, 3, 3, 3, 3), mg.ones(4, 3, 1, 1, 1), stride=(1, 2))


# ------------------------------------------------------------------ conv_transpose1d

# (input shape, weight shape (C, FN/groups, K), bias, keyword arguments)
CONV_TRANSPOSE1D = [
    ((2, 4, 10), (4, 6, 3), True, {}),
    ((2, 4, 10), (4, 3, 3), False, {"stride": 2, "padding": 1, "output_padding": 1,
                                    "groups": 2, "dilation": 2}),
    ((1, 3, 5), (3, 3, 4), True, {"stride": 3, "padding": 2, "output_padding": 2}),
    ((3, 7), (3, 2, 2), True, {"stride": 2}),                   # unbatched (C, L)
    ((2, 2, 1), (2, 4, 1), True, {}),                           # length 1, 1-wide kernel
    ((0, 3, 5), (3, 2, 2), True, {}),                           # empty batch
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", CONV_TRANSPOSE1D, ids=_case_id)
def test_conv_transpose1d_matches_pytorch(torch, case: tuple, dtype: type) -> None:  # noqa: ANN001
    xs, ws, bias, kw = case
    arrays = [normal(*xs, dtype=dtype), normal(*ws, dtype=dtype)]
    if bias:
        arrays.append(normal(ws[1] * kw.get("groups", 1), dtype=dtype))
    compare_with_torch(lambda *a: F.conv_transpose1d(*a, **kw),
                       lambda *a: torch.nn.functional.conv_transpose1d(*a, **kw), arrays,
                       tol=TOL[dtype])


def test_conv_transpose1d_gradcheck_and_gradgradcheck() -> None:
    def fn(x, w, b):  # noqa: ANN001, ANN202
        return F.conv_transpose1d(x, w, b, stride=2, padding=1, output_padding=1, groups=2)

    inputs = [mg.tensor(normal(*s), requires_grad=True) for s in ((1, 4, 4), (4, 1, 3), (2,))]
    assert mg.gradcheck(fn, inputs)
    assert mg.gradgradcheck(fn, inputs)


@pytest.mark.parametrize("kwargs", [{}, {"stride": 2, "padding": 1, "output_padding": 1,
                                         "groups": 2, "dilation": 2, "bias": False}])
def test_conv_transpose1d_layer_matches_pytorch(torch, kwargs: dict) -> None:  # noqa: ANN001
    ref = torch.nn.ConvTranspose1d(4, 6, 3, **kwargs, dtype=torch.float64)
    layer = nn.ConvTranspose1d(4, 6, 3, **kwargs, dtype=np.float64)
    assert repr(layer) == repr(ref) and list(layer.state_dict()) == list(ref.state_dict())
    layer.load_state_dict({k: mg.tensor(v.detach().numpy()) for k, v in
                           ref.state_dict().items()})
    compare_with_torch(layer, ref, [normal(2, 4, 9)], tol=TOL[np.float64])
    size = [2, 6, 2 * 8 + 3] if kwargs else [2, 6, 11]  # output_size picks output_padding
    x = normal(2, 4, 9)
    ours = layer(mg.tensor(x), output_size=size)
    theirs = ref(torch.tensor(x), output_size=size)
    assert ours.shape == tuple(theirs.shape)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-10)
    with pytest.raises(ValueError, match="ConvTranspose1d: requested an output size"):
        layer(mg.tensor(x), output_size=[2, 6, 100])


@pytest.mark.parametrize("xs,ws,kwargs,names", [
    ((2, 4, 10, 1), (4, 6, 3), {}, ["conv_transpose1d", "3-D input"]),
    ((2, 4, 10), (4, 6, 3, 1), {}, ["conv_transpose1d", "3-D weight"]),
    ((2, 5, 10), (4, 6, 3), {}, ["conv_transpose1d", "(2, 5, 10)"]),
    ((2, 4, 10), (4, 6, 3), {"output_padding": 2, "stride": 2},
     ["conv_transpose1d", "output_padding"]),
])
def test_conv_transpose1d_bad_calls_raise_pytorchs_type(torch, xs: tuple, ws: tuple,  # noqa: ANN001
                                                        kwargs: dict, names: list) -> None:
    with pytest.raises(Exception) as theirs:  # noqa: PT011, B017
        torch.nn.functional.conv_transpose1d(torch.ones(xs), torch.ones(ws), **kwargs)
    with pytest.raises(type(theirs.value)) as ours:
        F.conv_transpose1d(mg.ones(*xs), mg.ones(*ws), **kwargs)
    for part in names:
        assert part in str(ours.value), (part, str(ours.value))
