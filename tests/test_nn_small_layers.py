"""The small layers PyTorch programs use, against PyTorch itself: RMSNorm (F.rms_norm), GLU
(F.glu), Softmin (F.softmin), Threshold (F.threshold), Hardshrink (F.hardshrink),
Softshrink (F.softshrink), Bilinear (F.bilinear), CircularPad1d/2d/3d (F.pad's circular
mode) and ReflectionPad3d.

Each: values, shape, dtype and the gradients of the input and of the parameters against
PyTorch (float32 and float64; 0-d, size-1 and zero-size dims where PyTorch takes them;
NaN/Inf for the elementwise ones), gradcheck and gradgradcheck in float64, the constructor's
signature, repr and state dict, and bad input (PyTorch's exception type, with a message that
opens with the function's or layer's name). Tests that need PyTorch take the ``torch``
fixture and skip without it; the rest run anyway."""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable

import numpy as np
import pytest
from helpers import assert_gradchecks, assert_raises_as_torch, compare_with_torch, optional_torch

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F

_torch = optional_torch()
rng = np.random.default_rng(29)
DTYPES = [np.float32, np.float64]
TOL = {np.float32: 2e-5, np.float64: 1e-11}
inf, nan = float("inf"), float("nan")


def L(t):  # noqa: N802, ANN001, ANN201  (the library a tensor belongs to)
    return mg if isinstance(t, mg.Tensor) else _torch


def Fn(t):  # noqa: N802, ANN001, ANN201  (that library's functional namespace)
    return F if isinstance(t, mg.Tensor) else _torch.nn.functional


def normal(*shape: int) -> np.ndarray:
    return rng.normal(size=shape)


def special(*shape: int) -> np.ndarray:
    a = rng.normal(size=shape)
    a.reshape(-1)[:3] = [nan, inf, -inf]
    return a


def around(lambd: float, *shape: int) -> np.ndarray:
    """Values on both sides of +-lambd, none within 1e-3 of the kinks."""
    a = rng.uniform(-3 * lambd - 1, 3 * lambd + 1, size=shape)
    near = np.abs(np.abs(a) - lambd) < 1e-3
    return np.where(near, a + 0.01, a)


# ------------------------------------------------------------------ the functions

CASES = {  # name: (the call, written once for both libraries, the inputs)
    "rms_norm": (lambda x: Fn(x).rms_norm(x, [4]), [normal(2, 3, 4)]),
    "rms_norm two dims, weight": (lambda x, w: Fn(x).rms_norm(x, (3, 4), w, 1e-3),
                                  [normal(2, 3, 4), normal(3, 4)]),
    "rms_norm 1-D": (lambda x, w: Fn(x).rms_norm(x, [3], weight=w), [normal(3), normal(3)]),
    "rms_norm zero-size batch": (lambda x: Fn(x).rms_norm(x, [3]), [normal(0, 3)]),
    "rms_norm size-1 dims": (lambda x: Fn(x).rms_norm(x, [1]), [normal(2, 1)]),
    "rms_norm zeros": (lambda x: Fn(x).rms_norm(x, [2]), [np.zeros((1, 2))]),
    "rms_norm NaN/Inf": (lambda x: Fn(x).rms_norm(x, [2]), [special(3, 2)]),
    "glu": (lambda x: Fn(x).glu(x), [normal(2, 4)]),
    "glu dim 0": (lambda x: Fn(x).glu(x, 0), [normal(2, 3)]),
    "glu negative dim": (lambda x: Fn(x).glu(x, -2), [normal(2, 6, 1)]),
    "glu zero-size": (lambda x: Fn(x).glu(x, 1), [normal(2, 0)]),
    "glu NaN/Inf": (lambda x: Fn(x).glu(x), [special(2, 4)]),
    "softmin": (lambda x: Fn(x).softmin(x, 1), [normal(2, 3)]),
    "softmin negative dim": (lambda x: Fn(x).softmin(x, dim=-1), [normal(2, 2, 3)]),
    "softmin 0-d": (lambda x: Fn(x).softmin(x, 0), [np.array(1.5)]),
    "softmin dtype": (lambda x: Fn(x).softmin(x, 0, dtype=L(x).float64), [normal(3, 2)]),
    "softmin NaN/Inf": (lambda x: Fn(x).softmin(x, 1), [special(2, 3)]),
    "threshold": (lambda x: Fn(x).threshold(x, 0.25, -2.0), [around(0.25, 3, 4)]),
    "threshold 0-d": (lambda x: Fn(x).threshold(x, 0.0, 5.0), [np.array(-1.0)]),
    "threshold NaN/Inf": (lambda x: Fn(x).threshold(x, 0.1, 20.0), [special(2, 3)]),
    "hardshrink": (lambda x: Fn(x).hardshrink(x), [around(0.5, 3, 4)]),
    "hardshrink lambd": (lambda x: Fn(x).hardshrink(x, 1.5), [around(1.5, 5)]),
    "hardshrink negative lambd": (lambda x: Fn(x).hardshrink(x, -1.0), [normal(4)]),
    "hardshrink NaN/Inf": (lambda x: Fn(x).hardshrink(x), [special(2, 3)]),
    "softshrink": (lambda x: Fn(x).softshrink(x), [around(0.5, 3, 4)]),
    "softshrink lambd 0": (lambda x: Fn(x).softshrink(x, 0.0), [normal(4)]),
    "softshrink zero-size": (lambda x: Fn(x).softshrink(x, 1.0), [normal(0, 2)]),
    "softshrink NaN/Inf": (lambda x: Fn(x).softshrink(x), [special(2, 3)]),
    "bilinear": (lambda a, b, w, c: Fn(a).bilinear(a, b, w, c),
                 [normal(4, 3), normal(4, 2), normal(5, 3, 2), normal(5)]),
    "bilinear no bias": (lambda a, b, w: Fn(a).bilinear(a, b, w),
                         [normal(2, 3), normal(2, 4), normal(2, 3, 4)]),
    "bilinear 1-D": (lambda a, b, w, c: Fn(a).bilinear(a, b, w, c),
                     [normal(3), normal(2), normal(4, 3, 2), normal(4)]),
    "bilinear batch dims": (lambda a, b, w: Fn(a).bilinear(a, b, w),
                            [normal(2, 3, 2), normal(2, 3, 3), normal(1, 2, 3)]),
    "bilinear zero-size batch": (lambda a, b, w: Fn(a).bilinear(a, b, w),
                                 [normal(0, 3), normal(0, 2), normal(4, 3, 2)]),
    "pad circular 1-D": (lambda x: Fn(x).pad(x, (2, 1), mode="circular"), [normal(2, 3, 4)]),
    "pad circular 2-D": (lambda x: Fn(x).pad(x, (1, 2, 3, 0), mode="circular"),
                         [normal(1, 2, 3, 4)]),
    "pad circular 3-D": (lambda x: Fn(x).pad(x, (1, 0, 0, 2, 1, 1), mode="circular"),
                         [normal(2, 2, 3, 2)]),
    "pad reflect 3-D": (lambda x: Fn(x).pad(x, (1, 2, 0, 1, 2, 0), mode="reflect"),
                        [normal(1, 2, 3, 3, 4)]),
}
NOT_SMOOTH = {"rms_norm zeros", "rms_norm NaN/Inf", "glu NaN/Inf", "softmin NaN/Inf",
              "threshold NaN/Inf", "hardshrink NaN/Inf", "softshrink NaN/Inf",
              "hardshrink negative lambd"}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(CASES))
def test_functions_match_pytorch(torch, name: str, dtype: type) -> None:
    call, arrays = CASES[name]
    compare_with_torch(call, call, [a.astype(dtype) for a in arrays], None, TOL[dtype])


@pytest.mark.parametrize("name", [n for n in CASES if n not in NOT_SMOOTH])
def test_functions_gradcheck_and_gradgradcheck(name: str) -> None:
    call, arrays = CASES[name]
    assert_gradchecks(call, arrays)


def test_rms_norm_computes_float16_in_float32_and_casts_the_weight(torch) -> None:
    x = normal(2, 3)
    for dtype in ("float16", "float32"):
        ours = F.rms_norm(mg.tensor(x).to(getattr(mg, dtype)), [3],
                          mg.ones(3, dtype=mg.float64))
        theirs = torch.nn.functional.rms_norm(torch.tensor(x).to(getattr(torch, dtype)), [3],
                                              torch.ones(3, dtype=torch.float64))
        assert ours.dtype == np.dtype(dtype) and str(theirs.dtype) == f"torch.{dtype}"
        np.testing.assert_allclose(ours.numpy().astype(float), theirs.numpy().astype(float),
                                   rtol=1e-3)


def test_softmin_without_dim_warns_and_picks_pytorchs_dim(torch) -> None:
    for shape in [(3,), (2, 3), (2, 3, 4), (1, 2, 3, 4)]:
        a = normal(*shape)
        with pytest.warns(UserWarning, match="Implicit dimension choice for softmin"):
            ours = F.softmin(mg.tensor(a))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs = torch.nn.functional.softmin(torch.tensor(a))
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)


def test_threshold_repr_shows_inplace(torch) -> None:
    assert repr(nn.Threshold(0.1, 20, True)) == repr(torch.nn.Threshold(0.1, 20, True)) == \
        "Threshold(threshold=0.1, value=20, inplace=True)"


def test_threshold_of_integers_keeps_the_dtype(torch) -> None:
    for lib in (mg, torch):
        out = (F if lib is mg else torch.nn.functional).threshold(lib.tensor([0, 1, 2, 3]),
                                                                   1.5, 20.7)
        assert out.tolist() == [20, 20, 2, 3] and str(out.dtype).endswith("int64")


# ------------------------------------------------------------------ the layers

LAYERS = [  # (name, constructor arguments, input shapes)
    ("RMSNorm", ([4],), [(2, 3, 4), (4,), (0, 4)]),
    ("RMSNorm", (4, 1e-2), [(3, 4)]),
    ("RMSNorm", ((2, 3),), [(4, 2, 3)]),
    ("RMSNorm", (3, None, False), [(2, 3)]),
    ("GLU", (), [(2, 4), (6,)]),
    ("GLU", (0,), [(4, 3), (2, 0)]),
    ("Softmin", (1,), [(2, 3), (2, 1, 3)]),
    ("Softmin", (-1,), [(3,), (2, 0)]),
    ("Threshold", (0.1, 20.0), [(2, 3), (), (0,)]),
    ("Threshold", (-0.5, 0.0), [(4,)]),
    ("Hardshrink", (), [(2, 3), ()]),
    ("Hardshrink", (0.3,), [(5,)]),
    ("Softshrink", (), [(2, 3), ()]),
    ("Softshrink", (1.2,), [(5, 0), (4,)]),
    ("CircularPad1d", (2,), [(2, 3, 4), (3, 4), (1, 1, 2)]),
    ("CircularPad1d", ((0, 3),), [(2, 3, 4), (0, 2, 3)]),
    ("CircularPad2d", (1,), [(2, 3, 4, 5), (3, 4, 5), (1, 1, 1, 1)]),
    ("CircularPad2d", ((1, 0, 2, 3),), [(1, 2, 3, 4)]),
    ("CircularPad3d", (1,), [(1, 2, 2, 3, 4), (2, 2, 3, 4)]),
    ("CircularPad3d", ((0, 1, 2, 0, 1, 1),), [(1, 1, 2, 3, 2)]),
    ("ReflectionPad3d", (1,), [(1, 2, 2, 3, 4), (2, 3, 3, 3)]),
    ("ReflectionPad3d", ((2, 0, 0, 1, 1, 1),), [(1, 1, 2, 3, 3), (0, 1, 2, 2, 3)]),
]


def _state_from(theirs, torch) -> dict:  # noqa: ANN001
    return {k: mg.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()}


def _compare_layer(ours, theirs, arrays: list[np.ndarray], tol: float, torch) -> None:  # noqa: ANN001
    """Outputs, input gradients and parameter gradients of a random weighted sum."""
    ours.load_state_dict(_state_from(theirs, torch))
    compare_with_torch(ours, theirs, arrays, None, tol)
    if not list(theirs.parameters()):
        return
    xs = [mg.tensor(a) for a in arrays]
    ts = [torch.tensor(a) for a in arrays]
    out, ref = ours(*xs), theirs(*ts)
    if out.numel() == 0:
        return
    g = rng.normal(size=out.shape).astype(out.dtype)
    (out * mg.tensor(g)).sum().backward()
    (ref * torch.tensor(g)).sum().backward()
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=tol, atol=tol,
                                   err_msg=name)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,args,shapes", LAYERS, ids=[f"{n}{a}" for n, a, _ in LAYERS])
def test_layers_match_pytorch(torch, name: str, args: tuple, shapes: list,
                              dtype: type) -> None:
    ours, theirs = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    ours.to(dtype)
    theirs.to(getattr(torch, np.dtype(dtype).name))
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for shape in shapes:
        a = normal(*shape).astype(dtype)
        if getattr(theirs, "weight", None) is not None:  # not all ones: the product shows
            with torch.no_grad():
                theirs.weight.copy_(torch.tensor(normal(*theirs.weight.shape)))
        _compare_layer(ours, theirs, [a], TOL[dtype], torch)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("args,shapes", [((3, 2, 4), [(5, 3), (5, 2)]),
                                         ((3, 2, 4, False), [(2, 6, 3), (2, 6, 2)]),
                                         ((1, 1, 1), [(1,), (1,)]),
                                         ((2, 3, 2), [(0, 2), (0, 3)])])
def test_bilinear_layer_matches_pytorch(torch, args: tuple, shapes: list, dtype: type) -> None:
    ours, theirs = nn.Bilinear(*args), torch.nn.Bilinear(*args)
    ours.to(dtype)
    theirs.to(getattr(torch, np.dtype(dtype).name))
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert ours.weight.shape == tuple(theirs.weight.shape)
    _compare_layer(ours, theirs, [normal(*s).astype(dtype) for s in shapes], TOL[dtype], torch)


def test_bilinear_initialises_in_pytorchs_range() -> None:
    m = nn.Bilinear(16, 3, 5)
    for p in (m.weight.detach(), m.bias.detach()):
        assert p.dtype == np.float32 and np.abs(p.numpy()).max() <= 0.25
    assert np.abs(m.weight.detach().numpy()).max() > 0.2  # the whole range, not near 0
    assert nn.Bilinear(2, 3, 4, dtype=mg.float64).weight.dtype == np.float64
    assert nn.Bilinear(2, 3, 4, bias=False).bias is None


def test_rms_norm_layer_defaults_and_reset(torch) -> None:
    m = nn.RMSNorm([2, 3])
    assert m.normalized_shape == (2, 3) and m.eps is None and m.weight.shape == (2, 3)
    assert nn.RMSNorm(3, dtype=mg.float64).weight.dtype == np.float64
    assert nn.RMSNorm(3, elementwise_affine=False).weight is None
    assert list(nn.RMSNorm(3, elementwise_affine=False).state_dict()) == []
    with mg.no_grad():
        m.weight.mul_(3.0)
    m.reset_parameters()
    assert m.weight.tolist() == [[1.0] * 3] * 2
    assert torch.nn.RMSNorm([2, 3]).normalized_shape == (2, 3)


def test_layers_gradcheck() -> None:
    for layer, shapes in [(nn.RMSNorm(3).double(), [(2, 3)]), (nn.GLU(1), [(2, 4)]),
                          (nn.Softmin(0), [(3, 2)]), (nn.Threshold(0.0, -1.0), [(2, 3)]),
                          (nn.Softshrink(0.1), [(4,)]), (nn.Bilinear(2, 3, 2).double(),
                                                         [(2, 2), (2, 3)]),
                          (nn.CircularPad2d((1, 2, 0, 1)), [(1, 1, 2, 3)]),
                          (nn.ReflectionPad3d(1), [(1, 2, 2, 3)])]:
        assert_gradchecks(layer, [normal(*s) + 0.3 for s in shapes])


LAYER_NAMES = ["RMSNorm", "GLU", "Softmin", "Threshold", "Hardshrink", "Softshrink",
               "Bilinear", "CircularPad1d", "CircularPad2d", "CircularPad3d", "ReflectionPad3d"]


def _params(fn: Callable) -> list[tuple[str, object, object]]:
    return [(p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()]


@pytest.mark.parametrize("name", LAYER_NAMES)
def test_constructor_signature_is_pytorchs(torch, name: str) -> None:
    assert _params(getattr(nn, name)) == _params(getattr(torch.nn, name))


@pytest.mark.parametrize("name", ["rms_norm", "glu", "softmin", "threshold"])
def test_functional_signature_is_pytorchs(torch, name: str) -> None:
    assert _params(getattr(F, name)) == _params(getattr(torch.nn.functional, name))


@pytest.mark.parametrize("name", ["hardshrink", "softshrink", "bilinear"])
def test_functional_argument_names_are_pytorchs(torch, name: str) -> None:
    # PyTorch's are builtins without a signature: their docstrings give the arguments
    doc = getattr(torch.nn.functional, name).__doc__
    names = [p.name for p in inspect.signature(getattr(F, name)).parameters.values()]
    assert f"{name}({', '.join(names)}" in doc.replace("=0.5", "").replace("=None", "")


def test_new_names_are_exported() -> None:
    for name in LAYER_NAMES:
        assert name in nn.__all__ and isinstance(getattr(nn, name), type)
    for name in ["rms_norm", "glu", "softmin", "threshold", "hardshrink", "softshrink",
                 "bilinear"]:
        assert callable(getattr(F, name))


# ------------------------------------------------------------------ bad input

BAD = [  # (call, written for either library, PyTorch's exception type, minigrad's message)
    (lambda T, F: F.rms_norm(T.ones(2, 3), [2]), RuntimeError,
     r"^rms_norm: given normalized_shape=\[2\], expected input with shape \[\*, 2\], but got "
     r"input of size \(2, 3\)"),
    (lambda T, F: F.rms_norm(T.ones(2, 3), [3], T.ones(2)), RuntimeError,
     r"^rms_norm: expected weight to be of same shape as normalized_shape, but got weight of "
     r"shape \[2\]"),
    (lambda T, F: F.rms_norm(T.ones(2, 3), 3), TypeError,
     "^rms_norm: argument 'normalized_shape' must be tuple of ints, not int"),
    (lambda T, F: F.rms_norm(T.arange(3), [3]), NotImplementedError, "^rms_norm: .*int64"),
    (lambda T, F: F.glu(T.ones(2, 3), 1), RuntimeError,
     "^glu: halving dimension must be even, but dimension 1 is size 3"),
    (lambda T, F: F.glu(T.tensor(1.0)), RuntimeError, "^glu: glu does not support scalars"),
    (lambda T, F: F.glu(T.arange(4)), NotImplementedError, "^glu: not implemented for"),
    (lambda T, F: F.glu(T.ones(2, 2), 2), IndexError, "^glu: dimension out of range"),
    (lambda T, F: F.softmin(T.arange(3), 0), NotImplementedError, "^softmin: "),
    (lambda T, F: F.softmin(T.ones(2, 3), 2), IndexError, "dimension out of range"),
    (lambda T, F: F.softshrink(T.ones(3), -1.0), RuntimeError,
     "^softshrink: lambda must be greater or equal to 0"),
    (lambda T, F: F.softshrink(T.arange(3), 1.0), NotImplementedError, "^softshrink: "),
    (lambda T, F: F.hardshrink(T.arange(3), 1.0), NotImplementedError, "^hardshrink: "),
    (lambda T, F: F.bilinear(T.ones(2, 3), T.ones(3, 4), T.ones(5, 3, 4)), RuntimeError,
     "^bilinear: input batch dimensions do not match at dim 0: got 2 and 3"),
    (lambda T, F: F.bilinear(T.ones(2, 2), T.ones(2, 4), T.ones(5, 3, 4)), RuntimeError,
     "^bilinear: input1 size does not match weight size: got 2 but expected 3"),
    (lambda T, F: F.bilinear(T.ones(2, 3), T.ones(2, 5), T.ones(5, 3, 4)), RuntimeError,
     "^bilinear: input2 size does not match weight size: got 5 but expected 4"),
    (lambda T, F: F.bilinear(T.ones(2, 3), T.ones(2, 4), T.ones(5, 3, 4), T.ones(4)),
     RuntimeError, "^bilinear: bias size does not match weight size: got 4 but expected 5"),
    (lambda T, F: F.bilinear(T.ones(1, 2, 3), T.ones(2, 4), T.ones(5, 3, 4)), RuntimeError,
     "^bilinear: input dimensions do not match: got 3 and 2"),
    (lambda T, F: F.bilinear(T.ones(2, 3), T.ones(2, 4, dtype=T.float64), T.ones(5, 3, 4)),
     RuntimeError, "^bilinear: all tensors must have the same dtype"),
    (lambda T, F: F.bilinear(T.ones(2, 3), T.ones(2, 4), T.ones(3, 4)), RuntimeError,
     "^bilinear: weight must be 3-D"),
    (lambda T, F: T.nn.RMSNorm(3)(T.ones(2, 4)), RuntimeError, "^rms_norm: given"),
    (lambda T, F: T.nn.RMSNorm(-1), RuntimeError, "^RMSNorm: .*negative dimension -1"),
    (lambda T, F: T.nn.Bilinear(2, -3, 4), RuntimeError, "^Bilinear: .*negative dimension -3"),
    (lambda T, F: T.nn.Bilinear(2, 3.0, 4), TypeError, "^Bilinear: argument 'in2_features'"),
    (lambda T, F: T.nn.Bilinear(2, 3, 4)(T.ones(2, 3), T.ones(2, 3)), RuntimeError,
     "^bilinear: input1 size"),
    (lambda T, F: T.nn.GLU()(T.ones(3)), RuntimeError, "^glu: halving dimension"),
    (lambda T, F: T.nn.Softshrink(-1.0)(T.ones(2)), RuntimeError, "^softshrink: lambda"),
    (lambda T, F: T.nn.CircularPad2d(1)(T.ones(2, 3)), ValueError,
     r"^CircularPad2d: expected a 3-D \(C, H, W\) or 4-D \(N, C, H, W\) input, got \(2, 3\)"),
    (lambda T, F: T.nn.CircularPad1d(4)(T.ones(1, 2, 3)), RuntimeError,
     "^CircularPad1d: pad: .*wrapping around more than once"),
    (lambda T, F: T.nn.ReflectionPad3d(2)(T.ones(1, 2, 2, 3, 3)), RuntimeError,
     "^ReflectionPad3d: pad: padding size should be less"),
    (lambda T, F: T.nn.ReflectionPad3d(1)(T.ones(3, 3, 3)), NotImplementedError,
     r"^ReflectionPad3d: expected a 4-D \(C, D, H, W\) or 5-D"),
]


@pytest.mark.parametrize("case", range(len(BAD)), ids=[m for _, _, m in BAD])
def test_bad_input_raises_pytorchs_exception_type(case: int) -> None:
    call, kind, match = BAD[case]
    assert_raises_as_torch(lambda T: call(T, F if T is mg else T.nn.functional), kind, match)


def test_circular_padding_refuses_negative_widths() -> None:
    """PyTorch crops there; minigrad's F.pad has no negative widths in its index modes
    (docs/faq.md), so neither have the CircularPad layers."""
    with pytest.raises(ValueError, match=r"CircularPad1d: pad: negative padding"):
        nn.CircularPad1d((-1, 2))(mg.ones(1, 2, 4))
