"""``F.interpolate``'s modes (``functional/resize.py``, ``resize_modes.py``) against PyTorch:
'nearest', 'nearest-exact', 'linear', 'bilinear', 'bicubic', 'trilinear' and 'area', by size
and by scale factor (integer and not, up and down, ``recompute_scale_factor``), with
``align_corners`` both ways, size-1 and unchanged axes, an empty batch, NaN and inf; values,
dtypes and gradients; gradcheck and gradgradcheck in float64; ``nn.Upsample``; bad calls
raise PyTorch's exception type with a message naming ``interpolate``."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
from helpers import assert_gradchecks

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F

TOL = {np.float32: 2e-5, np.float64: 1e-12}
rng = np.random.default_rng(5)

RANK = {"linear": 3, "bilinear": 4, "bicubic": 4, "trilinear": 5}
SMOOTH = ["linear", "bilinear", "bicubic", "trilinear"]
ANY_RANK = ["nearest", "nearest-exact", "area"]

# (input spatial size per axis, size= or scale_factor= keyword), per spatial axis count
CASES = {
    1: [((7,), dict(size=11)), ((7,), dict(size=3)), ((5,), dict(scale_factor=2.5)),
        ((9,), dict(scale_factor=0.45)), ((1,), dict(size=4)), ((6,), dict(size=1)),
        ((9,), dict(scale_factor=1.05)), ((4,), dict(scale_factor=(3,)))],
    2: [((5, 7), dict(size=(3, 11))), ((4, 6), dict(scale_factor=1.7)),
        ((8, 5), dict(scale_factor=(0.6, 2.3))), ((1, 5), dict(size=(3, 1))),
        ((6, 6), dict(scale_factor=0.5)), ((5, 4), dict(scale_factor=1.1))],
    3: [((3, 4, 5), dict(size=(5, 2, 7))), ((2, 3, 4), dict(scale_factor=1.5)),
        ((4, 1, 6), dict(scale_factor=(0.7, 3, 0.5)))],
}


def compare(torch, x: np.ndarray, tol: float | None = None, **kw) -> None:  # noqa: ANN001, ANN003
    """``F.interpolate(x, **kw)`` on both sides: shape, dtype, values (NaN where NaN) and the
    gradient of the input for one random cotangent (not for bicubic that keeps the size
    with a scale factor other than 1: PyTorch's backward copies there, see below)."""
    tol = TOL[x.dtype.type] if tol is None else tol
    ours, theirs = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = F.interpolate(ours, **kw)
        ref = torch.nn.functional.interpolate(theirs, **kw)
    assert out.shape == tuple(ref.shape), kw
    assert out.dtype == np.dtype(str(ref.dtype).replace("torch.", ""))
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=tol, atol=tol,
                               equal_nan=True, err_msg=str(kw))
    if out.numel() == 0 or (kw["mode"] == "bicubic" and out.shape == x.shape):
        return
    w = rng.normal(size=out.shape).astype(x.dtype)
    (out * mg.tensor(w)).sum().backward()
    (ref * torch.tensor(w)).sum().backward()
    expected = theirs.grad.numpy()
    if kw["mode"].startswith("nearest"):
        expected = nearest_gradient(torch, x, w, kw)
    np.testing.assert_allclose(ours.grad.numpy(), expected, rtol=tol, atol=tol,
                               equal_nan=True, err_msg=f"gradient, {kw}")


def nearest_gradient(torch, x: np.ndarray, w: np.ndarray, kw: dict) -> np.ndarray:  # noqa: ANN001
    """The gradient of PyTorch's nearest forward: ``w`` added up at the input each output
    reads (found by resizing the inputs' flat indices). PyTorch's own backward uses other
    index arithmetic, which disagrees with its forward for some sizes (docs/faq.md)."""
    index = np.arange(x.size, dtype=x.dtype).reshape(x.shape)
    read = torch.nn.functional.interpolate(torch.tensor(index), **kw).numpy().astype(np.int64)
    grad = np.zeros(x.size, np.float64)
    np.add.at(grad, read.ravel(), w.ravel())
    return grad.reshape(x.shape).astype(x.dtype)


def _cases(modes: list[str]) -> list[tuple]:
    out = []
    for mode in modes:
        ranks = [RANK[mode] - 2] if mode in RANK else [1, 2, 3]
        corners = [False, True] if mode in RANK else [None]
        for k, corner in itertools.product(ranks, corners):
            out += [(mode, corner, shape, kw) for shape, kw in CASES[k]]
    return out


ALL = _cases(SMOOTH + ANY_RANK)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", ALL, ids=[f"{c[0]}-{c[1]}-{c[2]}-{c[3]}" for c in ALL])
def test_interpolate_matches_pytorch(torch, case: tuple, dtype: type) -> None:  # noqa: ANN001
    mode, corners, shape, kw = case
    x = rng.normal(size=(2, 3, *shape)).astype(dtype)
    compare(torch, x, mode=mode, align_corners=corners, **kw)


@pytest.mark.parametrize("mode", SMOOTH + ANY_RANK)
def test_recompute_scale_factor_matches_pytorch(torch, mode: str) -> None:  # noqa: ANN001
    """With ``recompute_scale_factor=True`` the positions come from the sizes, not the
    factor (different numbers whenever ``n * factor`` is not an integer)."""
    k = RANK.get(mode, 4) - 2
    x = rng.normal(size=(1, 2, *[5, 7, 4][:k]))
    for factor in (1.3, 0.55, 2):
        compare(torch, x, mode=mode, scale_factor=factor, recompute_scale_factor=True)
        compare(torch, x, mode=mode, scale_factor=factor, recompute_scale_factor=False)


@pytest.mark.parametrize("mode", SMOOTH + ANY_RANK)
def test_nan_inf_empty_batch_and_float16(torch, mode: str) -> None:  # noqa: ANN001
    k = RANK.get(mode, 4) - 2
    x = rng.normal(size=(2, 2, *[6, 5, 4][:k]))
    x.flat[[3, 17, 20]] = [np.nan, np.inf, -np.inf]
    compare(torch, x, mode=mode, size=[9, 3, 5][:k])
    compare(torch, np.zeros((0, 2, *[6, 5, 4][:k])), mode=mode, size=[9, 3, 5][:k])
    x16 = rng.normal(size=(1, 2, *[6, 5, 4][:k])).astype(np.float16)
    out = F.interpolate(mg.tensor(x16), mode=mode, size=[9, 3, 5][:k])
    ref = torch.nn.functional.interpolate(torch.tensor(x16), mode=mode, size=[9, 3, 5][:k])
    assert out.dtype == np.float16
    np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=2e-3, atol=2e-3)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("mode", ["nearest", "nearest-exact"])
@pytest.mark.parametrize("rank", [3, 4])
def test_nearest_indices_match_pytorch_for_many_sizes(torch, mode: str, dtype: type,  # noqa: ANN001
                                                      rank: int) -> None:
    """The nearest index is a float32 ``floorf`` of PyTorch's position (and, in float32, a
    fused multiply-add; the 2-D 'nearest' has shortcuts): every size pair and factor here
    picks PyTorch's pixel."""
    for n_in in range(1, 24):
        x = np.arange(n_in, dtype=dtype).reshape((1,) * (rank - 1) + (n_in,))
        for n_out in range(1, 50, 3):
            compare(torch, x, mode=mode, size=n_out if rank == 3 else (1, n_out))
        for factor in np.arange(0.15, 3.5, 0.15):
            if int(n_in * factor) >= 1:
                f = float(factor)
                compare(torch, x, mode=mode, scale_factor=f if rank == 3 else (1.0, f))


def test_bicubic_of_unchanged_size_has_the_true_gradient(torch) -> None:  # noqa: ANN001
    """A scale factor of 1.1 on 5 rows keeps 5 rows: PyTorch's bicubic forward still
    interpolates (with positions 1/1.1 apart) but its backward copies the gradient as if
    the resize were the identity, and fails its own gradcheck. minigrad's gradient is the
    derivative of the forward both compute (docs/faq.md)."""
    x = rng.normal(size=(1, 2, 5, 4))
    compare(torch, x, mode="bicubic", scale_factor=1.1)  # the values agree
    w = rng.normal(size=x.shape)
    theirs = torch.tensor(x, requires_grad=True)
    (torch.nn.functional.interpolate(theirs, scale_factor=1.1, mode="bicubic")
     * torch.tensor(w)).sum().backward()
    np.testing.assert_array_equal(theirs.grad.numpy(), w)  # PyTorch: a copy
    assert_gradchecks(lambda a: F.interpolate(a, scale_factor=1.1, mode="bicubic"), [x])


GRADCHECK = [("linear", dict(size=7), False), ("linear", dict(scale_factor=0.6), True),
             ("bilinear", dict(size=(3, 5)), False), ("bicubic", dict(size=(5, 3)), False),
             ("bicubic", dict(scale_factor=1.5), True), ("trilinear", dict(size=(3, 2, 4)), True),
             ("nearest-exact", dict(size=(5, 2)), None), ("area", dict(size=(3, 2)), None),
             ("area", dict(scale_factor=0.5), None)]


@pytest.mark.parametrize("case", GRADCHECK, ids=[f"{c[0]}-{c[1]}-{c[2]}" for c in GRADCHECK])
def test_gradcheck_and_gradgradcheck(case: tuple) -> None:
    mode, kw, corners = case
    k = len(kw["size"]) if isinstance(kw.get("size"), tuple) else RANK.get(mode, 4) - 2
    x = rng.normal(size=(1, 2, *[4, 3, 3][:k]))
    assert_gradchecks(lambda a: F.interpolate(a, mode=mode, align_corners=corners, **kw), [x])


@pytest.mark.parametrize("mode", ["linear", "bicubic", "trilinear", "nearest-exact", "area"])
def test_upsample_layer_takes_the_new_modes(torch, mode: str) -> None:  # noqa: ANN001
    k = RANK.get(mode, 4) - 2
    x = rng.normal(size=(2, 3, *[4, 5, 3][:k]))
    ours = nn.Upsample(scale_factor=1.5, mode=mode)
    theirs = torch.nn.Upsample(scale_factor=1.5, mode=mode)
    assert repr(ours) == repr(theirs)
    np.testing.assert_allclose(ours(mg.tensor(x)).numpy(), theirs(torch.tensor(x)).numpy(),
                               rtol=1e-12, atol=1e-12)


def _x(*shape: int) -> np.ndarray:
    return np.zeros(shape)


BAD = [
    ("mode for 4-D on 3-D", lambda m: m.nn.functional.interpolate(
        m.tensor(_x(1, 2, 3)), size=4, mode="bilinear"), NotImplementedError,
     r"interpolate: mode 'bilinear' expects a 4-D input \(N, C, H, W\), got shape \(1, 2, 3\)"),
    ("linear on 4-D", lambda m: m.nn.functional.interpolate(
        m.tensor(_x(1, 2, 3, 3)), size=4, mode="linear"), NotImplementedError,
     r"interpolate: mode 'linear' expects a 3-D input \(N, C, W\), got shape \(1, 2, 3, 3\)"),
    ("trilinear on 4-D", lambda m: m.nn.functional.interpolate(
        m.tensor(_x(1, 2, 3, 3)), size=4, mode="trilinear"), NotImplementedError,
     r"interpolate: mode 'trilinear' expects a 5-D input"),
    ("bicubic on 5-D", lambda m: m.nn.functional.interpolate(
        m.tensor(_x(1, 2, 3, 3, 3)), size=4, mode="bicubic"), NotImplementedError,
     r"interpolate: mode 'bicubic' expects a 4-D input"),
    ("unknown mode", lambda m: m.nn.functional.interpolate(
        m.tensor(_x(1, 2, 3)), size=4, mode="bogus"), NotImplementedError,
     r"interpolate: mode 'bogus' is not supported; use one of nearest \| linear"),
    ("2-D input", lambda m: m.nn.functional.interpolate(
        m.tensor(_x(2, 3)), size=4, mode="linear"), NotImplementedError,
     r"interpolate: expected a 3-D, 4-D or 5-D input .*\(2, 3\)"),
    ("align_corners with area", lambda m: m.nn.functional.interpolate(
        m.tensor(_x(1, 2, 3)), size=4, mode="area", align_corners=False), ValueError,
     r"interpolate: align_corners option can only be set with the interpolating modes"),
    ("align_corners with nearest-exact", lambda m: m.nn.functional.interpolate(
        m.tensor(_x(1, 2, 3)), size=4, mode="nearest-exact", align_corners=True), ValueError,
     r"interpolate: align_corners option"),
    ("size and scale", lambda m: m.nn.functional.interpolate(
        m.tensor(_x(1, 2, 3)), size=4, scale_factor=2, mode="linear"), ValueError,
     r"interpolate: exactly one of size or scale_factor .*only one of"),
    ("neither", lambda m: m.nn.functional.interpolate(
        m.tensor(_x(1, 2, 3)), mode="linear"), ValueError,
     r"interpolate: exactly one of size or scale_factor .*either"),
    ("recompute with size", lambda m: m.nn.functional.interpolate(
        m.tensor(_x(1, 2, 3)), size=4, mode="linear", recompute_scale_factor=True), ValueError,
     r"interpolate: recompute_scale_factor is not meaningful with an explicit size"),
    ("size of 2 on 1", lambda m: m.nn.functional.interpolate(
        m.tensor(_x(1, 2, 3)), size=(2, 3), mode="linear"), ValueError,
     r"interpolate: size must be 1 ints for input of shape \(1, 2, 3\), got \(2, 3\)"),
    ("scale of 2 on 1", lambda m: m.nn.functional.interpolate(
        m.tensor(_x(1, 2, 3)), scale_factor=(2, 3), mode="linear"), ValueError,
     r"interpolate: scale_factor must be 1 numbers for input of shape \(1, 2, 3\)"),
    ("fractional size", lambda m: m.nn.functional.interpolate(
        m.tensor(_x(1, 2, 3)), size=[2.5], mode="linear"), TypeError,
     r"interpolate: expected size to be one of int .*\[2.5\]"),
    ("negative factor", lambda m: m.nn.functional.interpolate(
        m.tensor(_x(1, 2, 3)), scale_factor=-1.0, mode="linear"), RuntimeError,
     r"interpolate: input and output sizes should be greater than 0, but got input "
     r"\(1, 2, 3\) and output size \(-3,\)"),
    ("size 0", lambda m: m.nn.functional.interpolate(
        m.tensor(_x(1, 2, 3, 3)), size=(0, 2), mode="bicubic"), RuntimeError,
     r"interpolate: input and output sizes should be greater than 0"),
    ("empty spatial input", lambda m: m.nn.functional.interpolate(
        m.tensor(_x(1, 2, 0)), size=3, mode="linear"), RuntimeError,
     r"interpolate: input and output sizes should be greater than 0, but got input "
     r"\(1, 2, 0\)"),
    ("no channels", lambda m: m.nn.functional.interpolate(
        m.tensor(_x(1, 0, 3)), size=3, mode="linear"), RuntimeError,
     r"interpolate: non-empty 3D data tensor expected but got a tensor with sizes "
     r"\(1, 0, 3\)"),
    ("inf factor", lambda m: m.nn.functional.interpolate(
        m.tensor(_x(1, 2, 3)), scale_factor=float("inf"), mode="linear"), RuntimeError,
     r"interpolate: value cannot be converted to type int64_t without overflow"),
    ("antialias with linear", lambda m: m.nn.functional.interpolate(
        m.tensor(_x(1, 2, 3)), size=2, mode="linear", antialias=True), ValueError,
     r"interpolate: Anti-alias option is restricted to bilinear, bicubic"),
    ("antialias with nearest", lambda m: m.nn.functional.interpolate(
        m.tensor(_x(1, 2, 3, 3)), size=2, mode="nearest", antialias=True), ValueError,
     r"interpolate: Anti-alias option"),
    ("integer input", lambda m: m.nn.functional.interpolate(
        m.tensor(_x(1, 2, 3).astype(np.int64)), size=2, mode="linear"), NotImplementedError,
     r"interpolate: needs a floating point input, got dtype int64"),
]


@pytest.mark.parametrize("case", BAD, ids=[c[0] for c in BAD])
def test_bad_calls_raise_with_a_message(case: tuple) -> None:
    _, call, kind, match = case
    with pytest.raises(kind, match=match):
        call(mg)


@pytest.mark.parametrize("case", BAD, ids=[c[0] for c in BAD])
def test_bad_calls_raise_what_pytorch_raises(torch, case: tuple) -> None:  # noqa: ANN001
    _, call, kind, _ = case
    with pytest.raises(kind):
        call(torch)


AA = [((9, 13), dict(size=(4, 5))), ((9, 13), dict(scale_factor=0.37)),
      ((5, 6), dict(size=(11, 13))), ((8, 8), dict(scale_factor=(0.5, 2.5))),
      ((30, 7), dict(size=(3, 7))), ((6, 6), dict(size=(1, 1))), ((1, 5), dict(size=(3, 2))),
      ((12, 12), dict(scale_factor=0.25, recompute_scale_factor=True))]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("corners", [False, True])
@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
def test_antialias_matches_pytorch(torch, mode: str, corners: bool, dtype: type) -> None:  # noqa: ANN001
    """PyTorch's antialiased resize (Pillow's filters), down and up, odd factors."""
    for shape, kw in AA:
        x = rng.normal(size=(2, 3, *shape)).astype(dtype)
        compare(torch, x, tol=TOL[dtype] * 10, mode=mode, align_corners=corners,
                antialias=True, **kw)


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
def test_antialias_nan_inf_gradcheck(torch, mode: str) -> None:  # noqa: ANN001
    x = rng.normal(size=(1, 2, 9, 7))
    x.flat[[5, 40, 77]] = [np.nan, np.inf, -np.inf]
    compare(torch, x, mode=mode, antialias=True, size=(4, 3))
    edge = np.zeros((1, 1, 2, 9))
    edge[..., 3] = np.inf  # inside output 0's widest window, outside its taps: no NaN there
    compare(torch, edge, mode=mode, antialias=True, size=(2, 4))
    y = rng.normal(size=(1, 1, 7, 5))
    assert_gradchecks(lambda a: F.interpolate(a, size=(3, 2), mode=mode, antialias=True), [y])


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
def test_antialias_of_a_one_pixel_wide_column(torch, mode: str) -> None:  # noqa: ANN001
    """PyTorch 2.13's antialiased resize of an (H, 1) image to (h, 1) repeats its first
    output row (docs/faq.md); minigrad resizes the column as it resizes the same row
    ((1, H) to (1, h)), which PyTorch gets right."""
    x = rng.normal(size=(1, 2, 9, 1))
    ours = F.interpolate(mg.tensor(x), size=(4, 1), mode=mode, antialias=True)
    row = torch.nn.functional.interpolate(torch.tensor(x.transpose(0, 1, 3, 2)), size=(1, 4),
                                          mode=mode, antialias=True)
    np.testing.assert_allclose(ours.numpy(), row.numpy().transpose(0, 1, 3, 2), rtol=1e-12,
                               atol=1e-12)
    theirs = torch.nn.functional.interpolate(torch.tensor(x), size=(4, 1), mode=mode,
                                             antialias=True).numpy()
    assert (theirs == theirs[:, :, :1]).all()  # PyTorch: the first row, four times
