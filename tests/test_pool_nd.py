"""The 1-D and 3-D pools (``minigrad.functional.pool_nd``, built on the 2-D pools) and their
layers against PyTorch: values, shapes, dtypes, indices and input gradients, ties, NaN and
inf, PyTorch's divisors; gradcheck and gradgradcheck in float64; reprs and signatures; bad
calls raise PyTorch's exception type with a message naming the op. Tests that need torch
take the ``torch`` fixture (skipped without it); the others run anywhere."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from helpers import assert_gradchecks

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F

TOL = {np.float32: 2e-5, np.float64: 1e-10}
DTYPES = [np.float32, np.float64]
rng = np.random.default_rng(11)


def normal(*shape: int, dtype: type = np.float64) -> np.ndarray:
    return rng.normal(size=shape).astype(dtype)


def distinct(*shape: int) -> np.ndarray:
    """Tie-free float64 values (0.1 apart, shuffled): no window's winner moves under
    gradcheck's perturbations."""
    return rng.permutation(int(np.prod(shape))).reshape(shape) * 0.1


def compare(torch, op: str, a: np.ndarray, kwargs: dict, tol: float | None = None,  # noqa: ANN001
            module: tuple | None = None) -> None:
    """``F.<op>(a, **kwargs)`` (or the ``(ours, theirs)`` layers) against PyTorch: output
    shape, dtype and values (NaN where NaN), indices where returned (exactly, int64), and
    the input gradient for one random cotangent."""
    tol = TOL[a.dtype.type] if tol is None else tol
    ours_fn, theirs_fn = module or (getattr(F, op), getattr(torch.nn.functional, op))
    x = mg.tensor(a, requires_grad=True)
    t = torch.tensor(a, requires_grad=True)
    out, ref = ours_fn(x, **kwargs), theirs_fn(t, **kwargs)
    if isinstance(ref, tuple):
        assert isinstance(out, tuple) and len(out) == 2
        assert out[1].dtype == np.int64
        np.testing.assert_array_equal(out[1].numpy(), ref[1].numpy(), err_msg="indices")
        out, ref = out[0], ref[0]
    assert out.shape == tuple(ref.shape)
    assert out.dtype == np.dtype(str(ref.dtype).replace("torch.", ""))
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=tol, atol=tol,
                               equal_nan=True)
    if out.numel() == 0:
        return
    g = rng.normal(size=out.shape).astype(a.dtype)
    (out * mg.tensor(g)).sum().backward()
    (ref * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=tol, atol=tol,
                               err_msg="input gradient")


def _id(case: tuple) -> str:
    return f"{case[0]}-{case[1]}"


# ----------------------------------------------------------------------------- 1-D

MAX1D = [
    ((2, 3, 9), {"kernel_size": 3}),
    ((2, 3, 9), {"kernel_size": 3, "stride": 2, "padding": 1, "dilation": 2, "ceil_mode": True}),
    ((1, 1, 7), {"kernel_size": 2, "ceil_mode": True}),                  # batch 1, partial
    ((2, 3, 10), {"kernel_size": 4, "stride": 3, "padding": 2, "ceil_mode": True}),
    ((2, 3, 11), {"kernel_size": (3,), "stride": (2,), "padding": (1,), "dilation": (3,)}),
    ((3, 8), {"kernel_size": 2, "stride": 1}),                          # unbatched (C, L)
    ((2, 4, 1), {"kernel_size": 1}),                                    # length 1
    ((2, 1, 6), {"kernel_size": 2, "stride": []}),                      # [] = kernel size
    ((0, 2, 5), {"kernel_size": 2}),                                    # empty batch
]
AVG1D = [
    ((2, 3, 9), {"kernel_size": 3}),
    ((2, 3, 9), {"kernel_size": 3, "stride": 2, "padding": 1}),
    ((2, 3, 9), {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False}),
    ((2, 3, 10), {"kernel_size": 4, "stride": 3, "padding": 2, "ceil_mode": True}),
    ((2, 3, 10), {"kernel_size": 4, "stride": 3, "padding": 2, "ceil_mode": True,
                  "count_include_pad": False}),
    ((1, 1, 7), {"kernel_size": (2,), "ceil_mode": True}),
    ((3, 8), {"kernel_size": 3, "stride": 1, "padding": 1}),            # unbatched
    ((2, 4, 1), {"kernel_size": 1}),
    ((0, 2, 5), {"kernel_size": 2}),
]
ADAPTIVE1D = [
    ((2, 3, 10), {"output_size": 1}),                                   # global
    ((2, 3, 10), {"output_size": 3}),                                   # bins overlap
    ((2, 3, 8), {"output_size": 4}),                                    # bins tile
    ((2, 3, 5), {"output_size": 12}),                                   # more than L
    ((1, 2, 7), {"output_size": (5,)}),
    ((3, 9), {"output_size": 4}),                                       # unbatched
    ((2, 3, 1), {"output_size": 2}),
    ((2, 3, 5), {"output_size": 0}),
    ((0, 2, 5), {"output_size": 3}),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", MAX1D, ids=_id)
@pytest.mark.parametrize("indices", [False, True])
def test_max_pool1d_matches_torch(torch, case: tuple, dtype: type, indices: bool) -> None:  # noqa: ANN001
    shape, kw = case
    compare(torch, "max_pool1d", normal(*shape, dtype=dtype), {**kw, "return_indices": indices})


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", AVG1D, ids=_id)
def test_avg_pool1d_matches_torch(torch, case: tuple, dtype: type) -> None:  # noqa: ANN001
    shape, kw = case
    compare(torch, "avg_pool1d", normal(*shape, dtype=dtype), kw)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", ADAPTIVE1D, ids=_id)
def test_adaptive_avg_pool1d_matches_torch(torch, case: tuple, dtype: type) -> None:  # noqa: ANN001
    shape, kw = case
    compare(torch, "adaptive_avg_pool1d", normal(*shape, dtype=dtype), kw)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", ADAPTIVE1D, ids=_id)
@pytest.mark.parametrize("indices", [False, True])
def test_adaptive_max_pool1d_matches_torch(torch, case: tuple, dtype: type,  # noqa: ANN001
                                           indices: bool) -> None:
    shape, kw = case
    compare(torch, "adaptive_max_pool1d", normal(*shape, dtype=dtype),
            {**kw, "return_indices": indices})


# ----------------------------------------------------------------------------- 3-D

MAX3D = [
    ((2, 3, 5, 6, 7), {"kernel_size": 2}),
    ((2, 3, 5, 6, 7), {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}),
    ((1, 2, 7, 6, 8), {"kernel_size": (3, 2, 3), "stride": (2, 1, 3), "padding": (1, 1, 0),
                       "dilation": (2, 1, 2)}),
    ((2, 2, 7, 6, 8), {"kernel_size": (3, 2, 3), "stride": (2, 1, 3), "padding": (1, 0, 1),
                       "dilation": (2, 2, 1), "ceil_mode": True}),
    ((2, 2, 6, 5, 5), {"kernel_size": (4, 3, 2), "stride": (3, 2, 2), "padding": (2, 1, 1),
                       "ceil_mode": True}),                             # partial in all dims
    ((3, 5, 6, 7), {"kernel_size": 2, "stride": 1}),                    # unbatched
    ((2, 3, 1, 1, 4), {"kernel_size": (1, 1, 2)}),                      # size-1 dims
    ((2, 3, 4, 4, 4), {"kernel_size": 2, "stride": []}),
    ((0, 2, 3, 4, 4), {"kernel_size": 2}),                              # empty batch
]
AVG3D = [
    ((2, 3, 5, 6, 7), {"kernel_size": 2}),
    ((2, 3, 5, 6, 7), {"kernel_size": 3, "stride": 2, "padding": 1}),
    ((2, 3, 5, 6, 7), {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False}),
    ((2, 2, 6, 5, 5), {"kernel_size": (4, 3, 2), "stride": (3, 2, 2), "padding": (2, 1, 1),
                       "ceil_mode": True}),
    ((2, 2, 6, 5, 5), {"kernel_size": (4, 3, 2), "stride": (3, 2, 2), "padding": (2, 1, 1),
                       "ceil_mode": True, "count_include_pad": False}),
    ((2, 2, 6, 5, 5), {"kernel_size": (4, 3, 2), "stride": (3, 2, 2), "padding": (2, 1, 1),
                       "ceil_mode": True, "divisor_override": 5}),
    ((1, 2, 5, 6, 7), {"kernel_size": (2, 3, 2), "stride": (3, 2, 1), "padding": 1,
                       "divisor_override": -3}),                        # negative, as torch
    ((3, 5, 6, 7), {"kernel_size": 2, "stride": 1, "padding": 1}),      # unbatched
    ((2, 3, 1, 1, 4), {"kernel_size": (1, 1, 2)}),
    ((0, 2, 3, 4, 4), {"kernel_size": 2}),
]
ADAPTIVE3D = [
    ((2, 3, 5, 6, 7), {"output_size": 1}),                              # global
    ((2, 3, 5, 6, 7), {"output_size": (2, 4, 3)}),                      # bins overlap
    ((2, 3, 6, 4, 8), {"output_size": (3, 2, 4)}),                      # bins tile
    ((2, 3, 5, 6, 7), {"output_size": (None, 4, None)}),                # None keeps
    ((1, 2, 3, 2, 4), {"output_size": (5, 3, 7)}),                      # more than input
    ((3, 5, 6, 7), {"output_size": 3}),                                 # unbatched
    ((2, 3, 1, 1, 4), {"output_size": (2, 1, 3)}),
    ((2, 3, 4, 4, 4), {"output_size": (0, 2, 2)}),
    ((0, 2, 3, 4, 4), {"output_size": 2}),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", MAX3D, ids=_id)
@pytest.mark.parametrize("indices", [False, True])
def test_max_pool3d_matches_torch(torch, case: tuple, dtype: type, indices: bool) -> None:  # noqa: ANN001
    shape, kw = case
    compare(torch, "max_pool3d", normal(*shape, dtype=dtype), {**kw, "return_indices": indices})


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", AVG3D, ids=_id)
def test_avg_pool3d_matches_torch(torch, case: tuple, dtype: type) -> None:  # noqa: ANN001
    shape, kw = case
    compare(torch, "avg_pool3d", normal(*shape, dtype=dtype), kw)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", ADAPTIVE3D, ids=_id)
def test_adaptive_avg_pool3d_matches_torch(torch, case: tuple, dtype: type) -> None:  # noqa: ANN001
    shape, kw = case
    compare(torch, "adaptive_avg_pool3d", normal(*shape, dtype=dtype), kw)


def _window_sees_input(n: int, k: int, s: int, p: int, d: int, out: int) -> bool:
    """Whether every window along a dim holds at least one input element. One that holds
    padding only (small inputs, dilation) has -inf; PyTorch then reports an index computed
    past the padding (even outside the input) and sends the gradient there: not compared."""
    return all(any(0 <= o * s - p + j * d < n for j in range(k)) for o in range(out))


def _random_max3d_case(gen: np.random.Generator) -> tuple[np.ndarray, dict]:
    shape = (1, 2, *(int(v) for v in gen.integers(1, 6, size=3)))
    a = gen.integers(0, 3, size=shape).astype(np.float64)  # many ties
    k = tuple(int(v) for v in gen.integers(1, 4, size=3))
    kw = {"kernel_size": k, "stride": tuple(int(v) for v in gen.integers(1, 4, size=3)),
          "padding": tuple(int(gen.integers(0, ki // 2 + 1)) for ki in k),
          "dilation": tuple(int(v) for v in gen.integers(1, 3, size=3)),
          "ceil_mode": bool(gen.integers(0, 2)), "return_indices": True}
    return a, kw


@pytest.mark.parametrize("fill", ["ties", "nan", "inf"])
def test_max_pool3d_ties_nan_and_inf_go_where_torch_sends_them(torch, fill: str) -> None:  # noqa: ANN001
    """Random windows over small-integer inputs (ties everywhere), with NaNs or with
    +-inf added: the first maximum in (d, h, w) order wins, a NaN wins (the last one),
    padding never does; values, indices and gradients as PyTorch's."""
    gen, checked = np.random.default_rng({"ties": 0, "nan": 1, "inf": 2}[fill]), 0
    while checked < 60:
        a, kw = _random_max3d_case(gen)
        if fill == "nan":
            a[gen.random(a.shape) < 0.1] = np.nan
        if fill == "inf":
            a[gen.random(a.shape) < 0.3] = -np.inf
            a[gen.random(a.shape) < 0.05] = np.inf
        try:
            ref = torch.nn.functional.max_pool3d(torch.tensor(a), **kw)[0]
        except RuntimeError:
            continue
        if not all(_window_sees_input(a.shape[2 + i], kw["kernel_size"][i], kw["stride"][i],
                                      kw["padding"][i], kw["dilation"][i], ref.shape[2 + i])
                   for i in range(3)):
            continue
        try:
            F.max_pool3d(mg.tensor(a), **kw)
        except RuntimeError:  # ceil_mode with a kernel over the input: see the 2-D pools
            continue
        compare(torch, "max_pool3d", a, kw)
        checked += 1


@pytest.mark.parametrize("op, kw", [
    ("max_pool1d", {"kernel_size": 3, "stride": 2, "padding": 1, "return_indices": True}),
    ("max_pool1d", {"kernel_size": 4, "stride": 1, "dilation": 2, "ceil_mode": True,
                    "return_indices": True}),
    ("adaptive_max_pool1d", {"output_size": 4, "return_indices": True}),
    ("adaptive_max_pool1d", {"output_size": 3, "return_indices": True}),
])
@pytest.mark.parametrize("fill", ["ties", "nan", "inf"])
def test_1d_max_ties_nan_and_inf_as_torch(torch, op: str, kw: dict, fill: str) -> None:  # noqa: ANN001
    a = rng.integers(0, 3, size=(3, 4, 11)).astype(np.float64)
    if fill == "nan":
        a[rng.random(a.shape) < 0.15] = np.nan
    if fill == "inf":
        a[rng.random(a.shape) < 0.3] = -np.inf
        a[rng.random(a.shape) < 0.1] = np.inf
    compare(torch, op, a, kw)
    compare(torch, op, a.astype(np.float32), kw)


def test_max_pool3d_all_minus_inf_window_gives_the_input_its_gradient(torch) -> None:  # noqa: ANN001
    """A window of -inf only, next to depth padding: its winner is the first input element
    (not the padding, also -inf), as in PyTorch."""
    a = np.full((1, 1, 3, 2, 2), -np.inf)
    a[0, 0, 2] = 1.0
    compare(torch, "max_pool3d", a, {"kernel_size": (3, 2, 2), "stride": 1, "padding": (1, 0, 0),
                                     "return_indices": True})


def test_avg_pool3d_divisors_over_random_settings(torch) -> None:  # noqa: ANN001
    """PyTorch's divisor rules (count_include_pad, divisor_override, ceil_mode's partial
    windows clipped to the padded input) over random settings."""
    gen, checked = np.random.default_rng(5), 0
    while checked < 60:
        shape = (2, 2, *(int(v) for v in gen.integers(1, 7, size=3)))
        k = tuple(int(v) for v in gen.integers(1, 4, size=3))
        kw = {"kernel_size": k, "stride": tuple(int(v) for v in gen.integers(1, 4, size=3)),
              "padding": tuple(int(gen.integers(0, ki // 2 + 1)) for ki in k),
              "ceil_mode": bool(gen.integers(0, 2)),
              "count_include_pad": bool(gen.integers(0, 2)),
              "divisor_override": [None, None, 1, 3, -2][checked % 5]}
        a = gen.normal(size=shape)
        try:
            torch.nn.functional.avg_pool3d(torch.tensor(a), **kw)
            F.avg_pool3d(mg.tensor(a), **kw)
        except RuntimeError:
            continue
        compare(torch, "avg_pool3d", a, kw)
        checked += 1


# ----------------------------------------------------------------------------- gradients

GRADCHECKS = [
    ("max_pool1d", (2, 2, 9), {"kernel_size": 3, "stride": 2, "padding": 1, "dilation": 2,
                               "ceil_mode": True}),
    ("avg_pool1d", (2, 2, 9), {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True,
                               "count_include_pad": False}),
    ("adaptive_avg_pool1d", (2, 2, 7), {"output_size": 3}),
    ("adaptive_max_pool1d", (2, 2, 7), {"output_size": 3}),
    ("max_pool3d", (1, 2, 5, 4, 5), {"kernel_size": (3, 2, 2), "stride": (2, 1, 2),
                                     "padding": (1, 1, 0), "dilation": (1, 2, 1),
                                     "ceil_mode": True}),
    ("avg_pool3d", (1, 2, 5, 4, 5), {"kernel_size": (3, 2, 2), "stride": (2, 1, 2),
                                     "padding": (1, 1, 0), "ceil_mode": True,
                                     "count_include_pad": False}),
    ("avg_pool3d", (1, 2, 4, 4, 3), {"kernel_size": 2, "padding": 1, "divisor_override": 3}),
    ("adaptive_avg_pool3d", (1, 2, 5, 4, 5), {"output_size": (3, 3, 2)}),
    ("max_pool3d", (2, 4, 5, 3), {"kernel_size": 2, "stride": 1}),    # unbatched
]


@pytest.mark.parametrize("op, shape, kw", GRADCHECKS, ids=[f"{c[0]}-{c[2]}" for c in GRADCHECKS])
def test_gradcheck_and_gradgradcheck(op: str, shape: tuple, kw: dict) -> None:
    assert_gradchecks(lambda x: getattr(F, op)(x, **kw), [distinct(*shape)])


def test_max_pool3d_indices_point_at_the_values() -> None:
    a = distinct(2, 3, 5, 6, 7)
    out, idx = F.max_pool3d(mg.tensor(a), 3, 2, 1, return_indices=True)
    np.testing.assert_array_equal(np.take_along_axis(a.reshape(2, 3, -1),
                                                     idx.numpy().reshape(2, 3, -1), axis=2),
                                  out.numpy().reshape(2, 3, -1))


# ----------------------------------------------------------------------------- layers

LAYERS = [
    ("MaxPool1d", (3,), {}, (2, 3, 10)),
    ("MaxPool1d", ((3,), (2,), 1, 2, True, True), {}, (2, 3, 10)),
    ("MaxPool1d", (2,), {"stride": 1, "ceil_mode": True}, (3, 7)),
    ("AvgPool1d", (3,), {}, (2, 3, 10)),
    ("AvgPool1d", ((3,), 2, (1,), True, False), {}, (2, 3, 10)),
    ("AdaptiveAvgPool1d", (3,), {}, (2, 3, 10)),
    ("AdaptiveAvgPool1d", ((4,),), {}, (3, 10)),
    ("AdaptiveMaxPool1d", (3,), {}, (2, 3, 10)),
    ("AdaptiveMaxPool1d", (3, True), {}, (2, 3, 10)),
    ("MaxPool3d", (2,), {}, (2, 3, 4, 6, 6)),
    ("MaxPool3d", ((3, 2, 2), (1, 2, 2), (1, 1, 0), 2, True, True), {}, (2, 2, 6, 5, 6)),
    ("AvgPool3d", (2,), {}, (2, 3, 4, 6, 6)),
    ("AvgPool3d", ((3, 2, 2), None, 1, True, False, 5), {}, (2, 2, 6, 5, 6)),
    ("AvgPool3d", ((3, 2, 2),), {"stride": (2, 1, 1), "padding": (1, 0, 1)}, (2, 6, 5, 6)),
    ("AdaptiveAvgPool3d", (2,), {}, (2, 3, 5, 6, 7)),
    ("AdaptiveAvgPool3d", ((2, None, 3),), {}, (2, 3, 5, 6, 7)),
]


@pytest.mark.parametrize("name, args, kw, shape", LAYERS,
                         ids=[f"{c[0]}{c[1]}{c[2]}" for c in LAYERS])
def test_layer_repr_attributes_forward_and_backward_match_torch(torch, name: str, args: tuple,  # noqa: ANN001
                                                                kw: dict, shape: tuple) -> None:
    ours, theirs = getattr(nn, name)(*args, **kw), getattr(torch.nn, name)(*args, **kw)
    assert repr(ours) == repr(theirs)
    for attr in ("kernel_size", "stride", "padding", "dilation", "ceil_mode",
                 "count_include_pad", "divisor_override", "output_size", "return_indices"):
        assert getattr(ours, attr, "absent") == getattr(theirs, attr, "absent"), attr
    for dtype in DTYPES:
        compare(torch, "", normal(*shape, dtype=dtype), {}, module=(ours, theirs))


def test_layer_signatures_are_torchs(torch) -> None:  # noqa: ANN001
    for name in ("MaxPool1d", "MaxPool3d", "AvgPool1d", "AvgPool3d", "AdaptiveAvgPool1d",
                 "AdaptiveAvgPool3d", "AdaptiveMaxPool1d"):
        ours = inspect.signature(getattr(nn, name).__init__).parameters
        theirs = inspect.signature(getattr(torch.nn, name).__init__).parameters
        assert [(p.name, p.default) for p in ours.values()] == \
            [(p.name, p.default) for p in theirs.values()], name


def test_2d_layers_keep_their_repr_and_exact() -> None:
    assert repr(nn.MaxPool2d(3, 2)) == \
        "MaxPool2d(kernel_size=3, stride=2, padding=0, dilation=1, ceil_mode=False)"
    assert repr(nn.AvgPool2d((2, 2), exact=True)) == \
        "AvgPool2d(kernel_size=2, stride=2, padding=0, exact=True)"
    assert nn.MaxPool2d(2, exact=True).exact is True


# ----------------------------------------------------------------------------- API


def _signature_line(fn) -> str:  # noqa: ANN001
    params = []
    for p in inspect.signature(fn).parameters.values():
        params.append(p.name if p.default is p.empty else f"{p.name}={p.default!r}")
    return f"{fn.__name__}({', '.join(params)})"


def test_function_signatures_are_torchs(torch) -> None:  # noqa: ANN001
    tf = torch.nn.functional
    for name in ("avg_pool1d", "avg_pool3d", "adaptive_avg_pool1d"):  # builtins: the docs say
        assert getattr(tf, name).__doc__.strip().startswith(_signature_line(getattr(F, name)) +
                                                            " -> Tensor"), name
    for ours, theirs in [("max_pool1d", "max_pool1d_with_indices"),
                         ("max_pool3d", "max_pool3d_with_indices"),
                         ("adaptive_max_pool1d", "adaptive_max_pool1d_with_indices"),
                         ("adaptive_max_pool1d_with_indices", "adaptive_max_pool1d_with_indices"),
                         ("adaptive_avg_pool3d", "adaptive_avg_pool3d")]:
        a = inspect.signature(getattr(F, ours)).parameters.values()
        b = inspect.signature(getattr(tf, theirs)).parameters.values()
        assert [(p.name, p.default) for p in a] == [(p.name, p.default) for p in b], ours


def test_top_level_names_are_torchs(torch) -> None:  # noqa: ANN001
    for name in ("max_pool1d", "max_pool3d", "avg_pool1d", "adaptive_avg_pool1d",
                 "adaptive_max_pool1d"):
        assert hasattr(torch, name) and hasattr(mg, name), name
    for name in ("avg_pool3d", "adaptive_avg_pool3d"):
        assert not hasattr(torch, name) and not hasattr(mg, name), name
    assert mg.max_pool1d is F.max_pool1d and mg.max_pool3d is F.max_pool3d
    assert mg.avg_pool1d is F.avg_pool1d and mg.adaptive_avg_pool1d is F.adaptive_avg_pool1d
    a = normal(2, 3, 9)
    out, idx = mg.adaptive_max_pool1d(mg.tensor(a), 4)  # torch's returns both, always
    ref, ref_idx = torch.adaptive_max_pool1d(torch.tensor(a), 4)
    np.testing.assert_array_equal(out.numpy(), ref.numpy())
    np.testing.assert_array_equal(idx.numpy(), ref_idx.numpy())


def test_max_pool3d_sends_each_windows_gradient_to_one_element() -> None:
    """Tie-free windows that tile the input: every element gets the gradient of its own
    window if it wins, so the gradient sums to the number of windows."""
    x = mg.tensor(distinct(1, 2, 4, 4, 4), requires_grad=True)
    F.max_pool3d(x, 2).sum().backward()
    assert x.grad.numpy().sum() == 1 * 2 * 2 * 2 * 2


# ----------------------------------------------------------------------------- bad calls

X1, X3 = normal(2, 3, 5), normal(2, 3, 4, 5, 5)
BAD = [
    ("max_pool1d", X1, (7,), {}, "length 7"),                           # kernel > input
    ("max_pool1d", X1, (2,), {"padding": 2}, "half the kernel"),
    ("max_pool1d", normal(5), (2,), {}, r"\(5,\)"),                     # rank
    ("max_pool1d", normal(1, 2, 3, 5), (2,), {}, r"\(1, 2, 3, 5\)"),
    ("max_pool1d", X1, (2.0,), {}, "kernel_size"),                      # float
    ("max_pool1d", X1, (True,), {}, "kernel_size"),
    ("max_pool1d", X1, (0,), {}, "kernel size must be positive"),
    ("max_pool1d", X1, (2, 0), {}, "stride"),
    ("max_pool1d", X1, (2,), {"dilation": 0}, "dilation"),
    ("max_pool1d", X1, (2,), {"padding": -1}, "padding"),
    ("max_pool1d", X1, ((2, 2),), {}, "kernel_size"),                   # two values
    ("max_pool1d", X1, (2,), {"stride": (1, 1)}, "stride"),
    ("max_pool1d", normal(1, 2, 0), (1,), {}, r"\(1, 2, 0\)"),          # empty length
    ("max_pool1d", normal(1, 0, 4), (1,), {}, r"\(1, 0, 4\)"),          # no channels
    ("avg_pool1d", X1, (7,), {}, "length 7"),
    ("avg_pool1d", X1, (2,), {"padding": 2}, "half the kernel"),
    ("avg_pool1d", normal(1, 2, 3, 5), (2,), {}, r"\(1, 2, 3, 5\)"),
    ("avg_pool1d", X1, (2.0,), {}, "kernel_size"),
    ("avg_pool1d", X1, ((2, 2),), {}, "kernel_size"),
    ("adaptive_avg_pool1d", X1, ((2, 2),), {}, "output_size"),
    ("adaptive_avg_pool1d", X1, (2.0,), {}, "output_size"),
    ("adaptive_avg_pool1d", X1, (None,), {}, "output_size"),
    ("adaptive_avg_pool1d", X1, (-1,), {}, "output_size"),
    ("adaptive_avg_pool1d", normal(1, 2, 0), (2,), {}, r"\(1, 2, 0\)"),
    ("adaptive_max_pool1d", X1, ((2, 2),), {}, "output_size"),
    ("adaptive_max_pool1d", X1, (2.0,), {}, "output_size"),
    ("adaptive_max_pool1d", normal(1, 2, 3, 5), (2,), {}, r"\(1, 2, 3, 5\)"),
    ("adaptive_max_pool1d", normal(1, 0, 5), (2,), {}, r"\(1, 0, 5\)"),
    ("max_pool3d", X3, ((5, 2, 2),), {}, "depth 5"),
    ("max_pool3d", X3, ((2, 2, 7),), {}, "width 7"),
    ("max_pool3d", X3, (2,), {"padding": (2, 0, 0)}, "half the kernel"),
    ("max_pool3d", X1, (2,), {}, r"\(2, 3, 5\)"),
    ("max_pool3d", normal(1, 1, 2, 3, 4, 5), (2,), {}, r"\(1, 1, 2, 3, 4, 5\)"),
    ("max_pool3d", X3, (2.0,), {}, "kernel_size"),
    ("max_pool3d", X3, ((2, 2),), {}, "kernel_size"),
    ("max_pool3d", X3, (2,), {"stride": (1, 1)}, "stride"),
    ("max_pool3d", X3, (2,), {"padding": (1, 1)}, "padding"),
    ("max_pool3d", X3, (2,), {"dilation": 0}, "dilation"),
    ("max_pool3d", normal(1, 0, 3, 3, 3), (2,), {}, r"\(1, 0, 3, 3, 3\)"),
    ("avg_pool3d", X3, ((5, 2, 2),), {}, "depth 5"),
    ("avg_pool3d", X3, (2,), {"padding": (2, 0, 0)}, "half the kernel"),
    ("avg_pool3d", X1, (2,), {}, r"\(2, 3, 5\)"),
    ("avg_pool3d", X3, (2.0,), {}, "kernel_size"),
    ("avg_pool3d", X3, ((2, 2),), {}, "kernel_size"),
    ("avg_pool3d", X3, (2,), {"divisor_override": 0}, "divisor_override"),
    ("avg_pool3d", X3, (2,), {"divisor_override": 2.0}, "divisor_override"),
    ("avg_pool3d", X3, (2,), {"divisor_override": True}, "divisor_override"),
    ("adaptive_avg_pool3d", X1, (2,), {}, r"\(2, 3, 5\)"),
    ("adaptive_avg_pool3d", X3, ((2, 2),), {}, "output_size"),
    ("adaptive_avg_pool3d", X3, (2.0,), {}, "output_size"),
    ("adaptive_avg_pool3d", X3, ((2, 2, 2.0),), {}, "output_size"),
    ("adaptive_avg_pool3d", X3, (-1,), {}, "output_size"),
    ("adaptive_avg_pool3d", normal(1, 2, 0, 3, 3), (2,), {}, r"\(1, 2, 0, 3, 3\)"),
]


def _raised(call) -> type:  # noqa: ANN001
    try:
        call()
    except Exception as e:  # noqa: BLE001
        return type(e)
    raise AssertionError("no exception")


@pytest.mark.parametrize("op, a, args, kw, match", BAD,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(BAD)])
def test_bad_calls_raise_torchs_exception_type_naming_the_op(op: str, a: np.ndarray, args: tuple,
                                                             kw: dict, match: str) -> None:
    try:
        import torch
    except ImportError:
        kind = None
    else:
        kind = _raised(lambda: getattr(torch.nn.functional, op)(torch.tensor(a), *args, **kw))
    with pytest.raises(Exception, match=match) as info:
        getattr(F, op)(mg.tensor(a), *args, **kw)
    assert str(info.value).startswith(f"{op}: ")
    assert isinstance(info.value, (RuntimeError, TypeError))
    if kind is not None:
        assert info.type is kind, (info.type, kind)


def test_non_tensor_and_integer_inputs_are_type_errors() -> None:
    with pytest.raises(TypeError, match="max_pool1d: argument 'input' must be Tensor"):
        F.max_pool1d([[1.0, 2.0]], 2)
    with pytest.raises(TypeError, match="avg_pool3d: input has dtype int64"):
        F.avg_pool3d(mg.ones(1, 1, 2, 2, 2, dtype=mg.int64), 2)


@pytest.mark.parametrize("layer, kw, match", [
    ("MaxPool1d", {"kernel_size": 2, "padding": 2}, "MaxPool1d: padding"),
    ("MaxPool1d", {"kernel_size": (2, 2)}, "MaxPool1d: kernel_size"),
    ("AvgPool1d", {"kernel_size": 0}, "AvgPool1d: kernel size"),
    ("MaxPool3d", {"kernel_size": 2, "stride": (1, 1)}, "MaxPool3d: stride"),
    ("AvgPool3d", {"kernel_size": (2, 2, 2), "padding": (0, 0, 2)}, "AvgPool3d: padding"),
])
def test_layers_check_their_settings_when_built(layer: str, kw: dict, match: str) -> None:
    """PyTorch raises the same RuntimeError at the layer's first call; here it is raised
    where the layer is written."""
    with pytest.raises(RuntimeError, match=match):
        getattr(nn, layer)(**kw)
