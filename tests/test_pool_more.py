"""The LP pools, max unpooling, adaptive_max_pool3d and fractional max pooling
(``functional/lp_pool.py``, ``unpool.py``, ``pool_nd.py``, ``fractional_pool.py``) and their
layers against PyTorch: values, shapes, dtypes, indices and input gradients, ties, NaN and
inf, zero-sum windows; gradcheck and gradgradcheck in float64; reprs and signatures; bad
calls raise PyTorch's exception type with a message naming the op. Tests that need torch
take the ``torch`` fixture (skipped without it); the others run anywhere."""

from __future__ import annotations

import inspect
import math

import numpy as np
import pytest
import test_pool_nd
from helpers import assert_gradchecks

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F

TOL = {np.float32: 3e-5, np.float64: 1e-10}
DTYPES = [np.float32, np.float64]
rng = np.random.default_rng(12)
inf = math.inf


def normal(*shape: int, dtype: type = np.float64) -> np.ndarray:
    return rng.normal(size=shape).astype(dtype)


def distinct(*shape: int, low: float = 0.0) -> np.ndarray:
    """Tie-free float64 values (0.1 apart, shuffled, from ``low`` + 0.1): no window's winner
    moves under gradcheck's perturbations."""
    return low + 0.1 + rng.permutation(int(np.prod(shape))).reshape(shape) * 0.1


def compare(torch, ours, theirs, arrays: list[np.ndarray], grads: list[bool],  # noqa: ANN001
            tol: float | None = None) -> None:
    """``ours(*tensors)`` against ``theirs(*torch tensors)``: shape, dtype, values (NaN where
    NaN), indices exactly where a pair is returned, and the gradient of every input whose
    ``grads`` flag is set for one random cotangent (an undefined one counts as zeros)."""
    tol = TOL[arrays[0].dtype.type] if tol is None else tol
    xs = [mg.tensor(a, requires_grad=g) for a, g in zip(arrays, grads)]
    ts = [torch.tensor(a, requires_grad=g) for a, g in zip(arrays, grads)]
    out, ref = ours(*xs), theirs(*ts)
    if isinstance(ref, tuple):
        assert isinstance(out, tuple) and len(out) == 2 and out[1].dtype == np.int64
        np.testing.assert_array_equal(out[1].numpy(), ref[1].numpy(), err_msg="indices")
        out, ref = out[0], ref[0]
    assert out.shape == tuple(ref.shape)
    assert out.dtype == np.dtype(str(ref.dtype).replace("torch.", ""))
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=tol, atol=tol,
                               equal_nan=True)
    if out.numel() == 0 or not any(grads):
        return
    w = rng.normal(size=out.shape).astype(out.dtype)
    (out * mg.tensor(w)).sum().backward()
    (ref * torch.tensor(w)).sum().backward()
    for i, (x, t) in enumerate(zip(xs, ts)):
        if grads[i]:
            got = x.grad.numpy() if x.grad is not None else np.zeros(x.shape)
            want = t.grad.numpy() if t.grad is not None else np.zeros(x.shape)
            np.testing.assert_allclose(got, want, rtol=tol, atol=tol, equal_nan=True,
                                       err_msg=f"gradient of input {i}")


def compare_op(torch, op: str, a: np.ndarray, kw: dict, tol: float | None = None) -> None:  # noqa: ANN001
    compare(torch, lambda x: getattr(F, op)(x, **kw),
            lambda t: getattr(torch.nn.functional, op)(t, **kw), [a], [True], tol)


def _id(case: tuple) -> str:
    return f"{case[0]}-{case[1]}"


# ----------------------------------------------------------------------------- LP pools

LP = [
    (1, (2, 3, 9), {"norm_type": 2, "kernel_size": 3}),
    (1, (2, 3, 10), {"norm_type": 1, "kernel_size": 4, "stride": 3, "ceil_mode": True}),
    (1, (3, 8), {"norm_type": 3, "kernel_size": 2, "stride": 1}),                 # unbatched
    (1, (2, 2, 1), {"norm_type": 1.5, "kernel_size": 1}),                         # length 1
    (1, (2, 3, 7), {"norm_type": inf, "kernel_size": 3, "stride": 2, "ceil_mode": True}),
    (1, (0, 2, 5), {"norm_type": 2, "kernel_size": 2}),                           # empty batch
    (2, (2, 3, 6, 7), {"norm_type": 2, "kernel_size": 3}),
    (2, (2, 3, 6, 7), {"norm_type": 1.5, "kernel_size": (2, 3), "stride": (1, 2)}),
    (2, (2, 3, 7, 8), {"norm_type": 3, "kernel_size": 3, "stride": 2, "ceil_mode": True}),
    (2, (2, 3, 6, 7), {"norm_type": -inf, "kernel_size": 2, "stride": 1}),
    (2, (3, 5, 5), {"norm_type": 2.5, "kernel_size": 2, "stride": []}),           # unbatched
    (2, (1, 1, 1, 1), {"norm_type": 2, "kernel_size": 1}),
    (3, (2, 2, 4, 5, 6), {"norm_type": 2, "kernel_size": 2}),
    (3, (2, 2, 5, 5, 6), {"norm_type": 1, "kernel_size": (3, 2, 2), "stride": (2, 1, 3),
                          "ceil_mode": True}),
    (3, (2, 4, 5, 6), {"norm_type": inf, "kernel_size": 2, "stride": 1}),        # unbatched
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", LP, ids=_id)
@pytest.mark.parametrize("sign", ["positive", "mixed"])
def test_lp_pool_matches_torch(torch, case: tuple, dtype: type, sign: str) -> None:  # noqa: ANN001
    """Positive inputs (every p defined) and mixed signs (odd p negative sums, fractional p
    NaN windows: as PyTorch's composition gives them)."""
    n, shape, kw = case
    a = normal(*shape, dtype=dtype)
    compare_op(torch, f"lp_pool{n}d", np.abs(a) + 0.1 if sign == "positive" else a, kw)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_lp_pool_zero_and_nan_windows_as_torch(torch, n: int) -> None:  # noqa: ANN001
    """A window of zeros has value 0 and gradient 0 (PyTorch's relu masks the root's
    infinite slope); a NaN makes its window NaN; ties and +-inf under p = inf."""
    a = np.abs(normal(2, 3, *[4] * n))
    a[0] = 0.0
    a[1, 0].flat[0] = np.nan
    a[1, 1].flat[1] = np.inf
    for p in (2, 1.5, 1, inf):
        compare_op(torch, f"lp_pool{n}d", a, {"norm_type": p, "kernel_size": 2})
    ties = rng.integers(-2, 3, size=(2, 2, *[5] * n)).astype(np.float64)
    compare_op(torch, f"lp_pool{n}d", ties, {"norm_type": inf, "kernel_size": 2, "stride": 1})
    compare_op(torch, f"lp_pool{n}d", ties, {"norm_type": -inf, "kernel_size": 3, "stride": 2,
                                             "ceil_mode": True})


@pytest.mark.slow
def test_lp_pool_random_settings_as_torch(torch) -> None:  # noqa: ANN001
    """Random ranks, sizes, kernels, strides, ceil_mode and norm types (zeros and NaNs
    sprinkled): the same values and gradients, or the same exception type."""
    gen = np.random.default_rng(7)
    for trial in range(300):
        n, dt = 1 + trial % 3, DTYPES[trial // 3 % 2]
        shape = (int(gen.integers(0, 3)), 2, *(int(v) for v in gen.integers(1, 7, size=n)))
        a = gen.normal(size=shape).astype(dt)
        a[gen.random(shape) < 0.2] = 0.0
        kw = {"norm_type": [1, 2, 3, 1.5, inf, -inf, 2.5][trial % 7],
              "kernel_size": int(gen.integers(1, 4)),
              "stride": [None, int(gen.integers(1, 4))][trial % 2],
              "ceil_mode": bool(gen.integers(0, 2))}
        try:
            getattr(torch.nn.functional, f"lp_pool{n}d")(torch.tensor(a), **kw)
        except RuntimeError:
            with pytest.raises(RuntimeError, match=f"lp_pool{n}d: "):
                getattr(F, f"lp_pool{n}d")(mg.tensor(a), **kw)
            continue
        compare_op(torch, f"lp_pool{n}d", np.abs(a) if trial % 4 else a, kw, tol=2e-4)


# ----------------------------------------------------------------------------- unpool


def _pooled(torch, n: int, a: np.ndarray, kw: dict) -> tuple[np.ndarray, np.ndarray]:  # noqa: ANN001
    out, idx = getattr(torch.nn.functional, f"max_pool{n}d")(torch.tensor(a),
                                                             return_indices=True, **kw)
    return out.numpy(), idx.numpy()


UNPOOL = [
    (1, (2, 3, 9), {"kernel_size": 2}, {}),
    (1, (2, 3, 9), {"kernel_size": 2}, {"output_size": (9,)}),            # floored: restore
    (1, (2, 3, 10), {"kernel_size": 3, "stride": 2, "padding": 1}, {"output_size": [10]}),
    (1, (3, 8), {"kernel_size": 3, "stride": 1}, {}),                      # unbatched, repeats
    (1, (2, 2, 7), {"kernel_size": 3, "stride": 2}, {"output_size": (2, 2, 8)}),  # N, C given
    (2, (2, 3, 6, 6), {"kernel_size": 2}, {}),
    (2, (2, 3, 7, 5), {"kernel_size": 2}, {"output_size": (7, 5)}),
    (2, (2, 3, 7, 8), {"kernel_size": (3, 2), "stride": (2, 1), "padding": (1, 0)}, {}),
    (2, (3, 6, 6), {"kernel_size": 3, "stride": 1, "padding": 1}, {}),     # unbatched
    (2, (1, 1, 1, 1), {"kernel_size": 1}, {}),
    (2, (0, 2, 4, 4), {"kernel_size": 2}, {}),                             # empty batch
    (3, (2, 2, 4, 4, 4), {"kernel_size": 2}, {}),
    (3, (2, 2, 5, 6, 7), {"kernel_size": (3, 2, 2), "stride": (2, 1, 2), "padding": (1, 1, 0)},
     {"output_size": (5, 6, 7)}),
    (3, (2, 2, 5, 5, 5), {"kernel_size": 2}, {"output_size": (5, 5, 5)}),
    (3, (2, 4, 4, 4), {"kernel_size": 2, "stride": 1}, {}),                # unbatched
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", UNPOOL, ids=lambda c: f"{c[0]}-{c[2]}-{c[3]}")
def test_max_unpool_matches_torch(torch, case: tuple, dtype: type) -> None:  # noqa: ANN001
    """Unpooling a max pool's output at its indices: values (where two indices collide the
    last write wins, as PyTorch's loop) and the gradient (gathered at every index)."""
    n, shape, kw, extra = case
    a = rng.integers(0, 4, size=shape).astype(dtype)  # ties: repeated indices
    out, idx = _pooled(torch, n, a, kw)
    settings = {"kernel_size": kw["kernel_size"], "stride": kw.get("stride"),
                "padding": kw.get("padding", 0)}
    compare(torch, lambda x, i: getattr(F, f"max_unpool{n}d")(x, i, **settings, **extra),
            lambda x, i: getattr(torch.nn.functional, f"max_unpool{n}d")(x, i, **settings,
                                                                         **extra),
            [out, idx], [True, False])


def test_max_unpool_colliding_indices_last_write_wins_gradient_to_all(torch) -> None:  # noqa: ANN001
    v = np.array([[[1.0, 7.0, 3.0]]])
    i = np.array([[[1, 1, 2]]])
    compare(torch, lambda x, j: F.max_unpool1d(x, j, 3, 1),
            lambda x, j: torch.nn.functional.max_unpool1d(x, j, 3, 1), [v, i], [True, False])
    out = F.max_unpool1d(mg.tensor(v), mg.tensor(i), 3, 1)
    np.testing.assert_array_equal(out.numpy(), [[[0.0, 7.0, 3.0, 0.0, 0.0]]])


def test_max_unpool_inverts_max_pool_on_the_winners() -> None:
    a = distinct(2, 3, 6, 8)
    out, idx = F.max_pool2d(mg.tensor(a), 2, return_indices=True)
    back = F.max_unpool2d(out, idx, 2).numpy()
    assert np.count_nonzero(back) == out.numel()
    np.testing.assert_array_equal(back[back != 0], a[back != 0])
    x = mg.tensor(distinct(1, 2, 5, 5, 5))
    out, idx = F.max_pool3d(x, 2, return_indices=True)
    assert F.max_unpool3d(out, idx, 2, output_size=x.shape).shape == x.shape


def test_max_unpool_with_an_empty_output_checks_no_index(torch) -> None:  # noqa: ANN001
    v, i = np.ones((1, 1, 1)), np.array([[[0]]])
    compare(torch, lambda x, j: F.max_unpool1d(x, j, 1, 2, output_size=(0,)),
            lambda x, j: torch.nn.functional.max_unpool1d(x, j, 1, 2, output_size=(0,)),
            [v, i], [False, False])


# ----------------------------------------------------------------------------- adaptive 3-D

ADAPTIVE3D = test_pool_nd.ADAPTIVE3D  # the settings the 3-D average pool is checked on


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", ADAPTIVE3D, ids=_id)
@pytest.mark.parametrize("indices", [False, True])
def test_adaptive_max_pool3d_matches_torch(torch, case: tuple, dtype: type,  # noqa: ANN001
                                           indices: bool) -> None:
    shape, kw = case
    compare_op(torch, "adaptive_max_pool3d", normal(*shape, dtype=dtype),
               {**kw, "return_indices": indices})


@pytest.mark.parametrize("fill", ["ties", "nan", "inf"])
def test_adaptive_max_pool3d_ties_nan_and_inf_as_torch(torch, fill: str) -> None:  # noqa: ANN001
    """The first maximum in (d, h, w) order wins, a NaN wins (the last one), a bin of -inf
    gives its first element: values, indices and gradients as PyTorch's."""
    gen = np.random.default_rng({"ties": 0, "nan": 1, "inf": 2}[fill])
    for _ in range(12):
        shape = (2, 2, *(int(v) for v in gen.integers(1, 7, size=3)))
        a = gen.integers(0, 3, size=shape).astype(np.float64)
        if fill == "nan":
            a[gen.random(shape) < 0.1] = np.nan
        if fill == "inf":
            a[gen.random(shape) < 0.4] = -np.inf
            a[gen.random(shape) < 0.05] = np.inf
        out = tuple(int(v) for v in gen.integers(1, 6, size=3))
        compare_op(torch, "adaptive_max_pool3d", a, {"output_size": out, "return_indices": True})
        compare_op(torch, "adaptive_max_pool3d_with_indices", a.astype(np.float32),
                   {"output_size": out})


# ----------------------------------------------------------------------------- fractional

FRACTIONAL = [
    ((2, 3, 7, 9), {"kernel_size": 2, "output_size": (3, 4)}),
    ((2, 3, 10, 10), {"kernel_size": (3, 2), "output_ratio": (0.5, 0.7)}),
    ((2, 3, 8, 8), {"kernel_size": 3, "output_size": 6}),               # overlapping windows
    ((2, 2, 5, 6), {"kernel_size": 2, "output_size": (1, 1)}),
    ((3, 9, 9), {"kernel_size": 2, "output_size": (4, 5)}),             # unbatched
    ((2, 2, 6, 6), {"kernel_size": 2, "output_size": (0, 3)}),
    ((0, 2, 6, 6), {"kernel_size": 2, "output_size": 3}),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", FRACTIONAL, ids=_id)
@pytest.mark.parametrize("indices", [False, True])
def test_fractional_max_pool2d_with_the_same_samples_matches_torch(torch, case: tuple,  # noqa: ANN001
                                                                   dtype: type,
                                                                   indices: bool) -> None:
    """With PyTorch's ``_random_samples`` the windows, values, indices and gradients are
    PyTorch's (ties among small integers, a NaN in one plane)."""
    shape, kw = case
    a = rng.integers(0, 4, size=shape).astype(dtype)
    if a.size:
        a.flat[3] = np.nan
    batch = shape[0] if len(shape) == 4 else 1
    samples = rng.random((batch, shape[-3], 2)).astype(dtype)
    compare(torch, lambda x, s: F.fractional_max_pool2d(x, **kw, return_indices=indices,
                                                        _random_samples=s),
            lambda x, s: torch.nn.functional.fractional_max_pool2d(
                x, **kw, return_indices=indices, _random_samples=s), [a, samples], [True, False])


def test_fractional_max_pool2d_draws_from_minigrads_generator() -> None:
    x = mg.tensor(distinct(2, 3, 11, 11))
    mg.manual_seed(3)
    out, idx = F.fractional_max_pool2d(x, 3, output_ratio=0.5, return_indices=True)
    mg.manual_seed(3)
    again = F.fractional_max_pool2d(x, 3, output_ratio=0.5)
    assert out.shape == (2, 3, 5, 5) and np.array_equal(out.numpy(), again.numpy())
    np.testing.assert_array_equal(np.take_along_axis(x.numpy().reshape(2, 3, -1),
                                                     idx.numpy().reshape(2, 3, -1), axis=2),
                                  out.numpy().reshape(2, 3, -1))
    layer = nn.FractionalMaxPool2d(2, output_size=4, _random_samples=mg.rand(2, 3, 2,
                                                                             dtype=mg.float64))
    assert list(layer.state_dict()) == ["_random_samples"]
    np.testing.assert_array_equal(layer(x).numpy(), layer(x).numpy())  # fixed windows


# ----------------------------------------------------------------------------- gradients

GRADCHECKS = [
    ("lp_pool1d", (2, 2, 7), {"norm_type": 2, "kernel_size": 3, "stride": 2, "ceil_mode": True}),
    ("lp_pool2d", (1, 2, 5, 6), {"norm_type": 1.5, "kernel_size": (2, 3), "stride": 1}),
    ("lp_pool2d", (2, 4, 4), {"norm_type": inf, "kernel_size": 2}),
    ("lp_pool3d", (1, 1, 3, 4, 4), {"norm_type": 3, "kernel_size": 2, "stride": (1, 2, 2)}),
    ("adaptive_max_pool3d", (1, 1, 5, 4, 5), {"output_size": (3, 3, 2)}),
    ("adaptive_max_pool3d", (2, 4, 3, 5), {"output_size": (2, None, 3)}),  # unbatched
]


@pytest.mark.parametrize("op, shape, kw", GRADCHECKS, ids=[f"{c[0]}-{c[2]}" for c in GRADCHECKS])
def test_gradcheck_and_gradgradcheck(op: str, shape: tuple, kw: dict) -> None:
    assert_gradchecks(lambda x: getattr(F, op)(x, **kw), [distinct(*shape)])


@pytest.mark.parametrize("n, kw", [
    (1, {"kernel_size": 2}),
    (2, {"kernel_size": (3, 2), "stride": (3, 2), "padding": (1, 0)}),
    (3, {"kernel_size": 2, "stride": (2, 3, 2)}),
])
def test_max_unpool_gradcheck_and_gradgradcheck(n: int, kw: dict) -> None:
    """In the input, the indices fixed and distinct: with a repeat PyTorch's gradient (the
    gather at every index, kept here) is not the derivative of the last write."""
    _, idx = getattr(F, f"max_pool{n}d")(mg.tensor(distinct(1, 2, *[5] * n)), return_indices=True,
                                         **kw)
    assert all(len(np.unique(plane)) == plane.size for plane in idx.numpy().reshape(2, -1))
    vals = distinct(*idx.shape)
    assert_gradchecks(lambda x: getattr(F, f"max_unpool{n}d")(x, idx, **kw, output_size=(5,) * n),
                      [vals])


def test_fractional_max_pool2d_gradcheck_and_gradgradcheck() -> None:
    samples = mg.tensor(rng.random((2, 2, 2)))
    assert_gradchecks(lambda x: F.fractional_max_pool2d(x, 2, (3, 4), _random_samples=samples),
                      [distinct(2, 2, 6, 7)])


# ----------------------------------------------------------------------------- layers

LAYERS = [
    ("LPPool1d", (2, 3), {}, (2, 3, 10)),
    ("LPPool1d", (1.5, 3, 2, True), {}, (3, 10)),
    ("LPPool2d", (2, 3), {}, (2, 3, 7, 8)),
    ("LPPool2d", (3, (2, 3)), {"stride": (1, 2), "ceil_mode": True}, (2, 3, 7, 8)),
    ("LPPool3d", (2, 2), {}, (2, 2, 4, 6, 6)),
    ("LPPool3d", (inf, (1, 2, 2)), {"stride": 1}, (2, 4, 5, 5)),
    ("AdaptiveMaxPool3d", (2,), {}, (2, 3, 5, 6, 7)),
    ("AdaptiveMaxPool3d", ((2, None, 3), True), {}, (2, 3, 5, 6, 7)),
]


@pytest.mark.parametrize("name, args, kw, shape", LAYERS,
                         ids=[f"{c[0]}{c[1]}{c[2]}" for c in LAYERS])
def test_layer_repr_attributes_forward_and_backward_match_torch(torch, name: str, args: tuple,  # noqa: ANN001
                                                                kw: dict, shape: tuple) -> None:
    ours, theirs = getattr(nn, name)(*args, **kw), getattr(torch.nn, name)(*args, **kw)
    assert repr(ours) == repr(theirs)
    for attr in ("norm_type", "kernel_size", "stride", "ceil_mode", "output_size",
                 "return_indices"):
        assert getattr(ours, attr, "absent") == getattr(theirs, attr, "absent"), attr
    for dtype in DTYPES:
        compare(torch, ours, theirs, [np.abs(normal(*shape, dtype=dtype)) + 0.1], [True])


@pytest.mark.parametrize("n, args", [(1, (2,)), (1, ((3,), 2, 1)), (2, (2,)), (2, ((3, 2), 1)),
                                     (3, (2, (1, 2, 2))), (3, ((2, 2, 2), None, 1))])
def test_max_unpool_layers_match_torch(torch, n: int, args: tuple) -> None:  # noqa: ANN001
    ours, theirs = getattr(nn, f"MaxUnpool{n}d")(*args), getattr(torch.nn, f"MaxUnpool{n}d")(*args)
    assert repr(ours) == repr(theirs)
    for attr in ("kernel_size", "stride", "padding"):
        assert getattr(ours, attr) == getattr(theirs, attr), attr
    pool = {"kernel_size": ours.kernel_size, "stride": ours.stride, "padding": ours.padding}
    a = normal(2, 2, *[6] * n)
    out, idx = _pooled(torch, n, a, pool)
    compare(torch, lambda x, i: ours(x, i, output_size=a.shape),
            lambda x, i: theirs(x, i, output_size=a.shape), [out, idx], [True, False])


def test_fractional_layer_repr_and_checks_match_torch(torch) -> None:  # noqa: ANN001
    for args, kw in [((3,), {"output_ratio": 0.5}), (((2, 3),), {"output_size": 4,
                                                                 "return_indices": True})]:
        ours, theirs = nn.FractionalMaxPool2d(*args, **kw), torch.nn.FractionalMaxPool2d(*args,
                                                                                         **kw)
        assert repr(ours) == repr(theirs)
        for attr in ("kernel_size", "output_size", "output_ratio", "return_indices"):
            assert getattr(ours, attr) == getattr(theirs, attr), attr
    samples = rng.random((2, 3, 2))
    ours = nn.FractionalMaxPool2d(3, output_ratio=(0.5, 0.6), _random_samples=mg.tensor(samples))
    theirs = torch.nn.FractionalMaxPool2d(3, output_ratio=(0.5, 0.6),
                                          _random_samples=torch.tensor(samples))
    compare(torch, ours, theirs, [normal(2, 3, 9, 10)], [True])
    for kw in ({}, {"output_size": 2, "output_ratio": 0.5}, {"output_ratio": 1.0}):
        with pytest.raises(ValueError, match="FractionalMaxPool2d: "):
            nn.FractionalMaxPool2d(2, **kw)
        with pytest.raises(ValueError):
            torch.nn.FractionalMaxPool2d(2, **kw)


def _params(fn) -> list:  # noqa: ANN001
    return [(p.name, p.default) for p in inspect.signature(fn).parameters.values()]


def test_signatures_are_torchs(torch) -> None:  # noqa: ANN001
    tf = torch.nn.functional
    for ours, theirs in [("lp_pool1d", "lp_pool1d"), ("lp_pool2d", "lp_pool2d"),
                         ("lp_pool3d", "lp_pool3d"), ("max_unpool1d", "max_unpool1d"),
                         ("max_unpool2d", "max_unpool2d"), ("max_unpool3d", "max_unpool3d"),
                         ("adaptive_max_pool3d", "adaptive_max_pool3d_with_indices"),
                         ("adaptive_max_pool3d_with_indices", "adaptive_max_pool3d_with_indices"),
                         ("fractional_max_pool2d", "fractional_max_pool2d_with_indices"),
                         ("fractional_max_pool2d_with_indices",
                          "fractional_max_pool2d_with_indices")]:
        assert _params(getattr(F, ours)) == _params(getattr(tf, theirs)), ours
    for name in ("LPPool1d", "LPPool2d", "LPPool3d", "MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d",
                 "AdaptiveMaxPool3d", "FractionalMaxPool2d"):
        assert _params(getattr(nn, name).__init__) == _params(getattr(torch.nn, name).__init__)
    for name in ("MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d"):
        assert _params(getattr(nn, name).forward) == _params(getattr(torch.nn, name).forward)


# ----------------------------------------------------------------------------- bad calls

X1, X2, X3 = normal(2, 3, 6), normal(2, 3, 6, 7), normal(2, 3, 4, 5, 5)
P1 = F.max_pool1d(mg.tensor(X1), 2, return_indices=True)
P2 = F.max_pool2d(mg.tensor(X2), 2, return_indices=True)
P3 = F.max_pool3d(mg.tensor(X3), 2, return_indices=True)
I2 = P2[1].numpy()
BAD = [
    ("lp_pool1d", (X1, 2, 7), "length 7"),                                # kernel > input
    ("lp_pool1d", (X1, 2, (2,)), "kernel_size"),                          # PyTorch: TypeError
    ("lp_pool1d", (X1, 2, (2, 2)), "kernel_size"),
    ("lp_pool1d", (X2, 2, 2), r"\(2, 3, 6, 7\)"),
    ("lp_pool1d", (X1, 0, 2), "norm_type"),                               # 1/0
    ("lp_pool1d", (X1, "2", 2), "norm_type"),
    ("lp_pool2d", (X2, 2, 8), "height 8"),
    ("lp_pool2d", (X2, 2, 0), "kernel"),
    ("lp_pool2d", (X2, 2, 2, 0), "stride"),
    ("lp_pool2d", (X2, 2, 2.0), "kernel_size"),
    ("lp_pool2d", (normal(2, 0, 4, 4), 2, 2), r"\(2, 0, 4, 4\)"),
    ("lp_pool3d", (X3, 2, (5, 2, 2)), "depth 5"),
    ("lp_pool3d", (X3, 2, (5, 2, 2), 3, True), "depth 5"),                # avg_pool3d's check
    ("lp_pool3d", (X3, 2, (2, 2)), "kernel_size"),
    ("lp_pool3d", (X1, 2, 2), r"\(2, 3, 6\)"),
    ("avg_pool3d", (normal(1, 1, 1, 4, 4), 3, 2, 1), "depth 3"),          # padded, it fits
    ("avg_pool3d", (normal(1, 1, 4, 2, 5), 3, 2, 0, True), "height 3"),   # ceil_mode
    ("lp_pool2d", (X2, 2, (2, 2, 2)), "kernel_size"),                     # PyTorch: ValueError
    ("max_unpool2d", (P2[0], P2[1].float(), 2), "int64"),
    ("max_unpool2d", (P2[0], P2[1][:, :2], 2), r"\(2, 2, 3, 3\)"),
    ("max_unpool2d", (P2[0], mg.tensor(I2 + 100), 2), "invalid max index 10"),
    ("max_unpool2d", (P2[0], mg.tensor(I2 - 100), 2), "invalid max index -"),
    ("max_unpool2d", (P2[0][0, 0], P2[1][0, 0], 2), r"\(3, 3\)"),
    ("max_unpool2d", (P2[0], P2[1], 2, None, 0, (5,)), "output_size"),
    ("max_unpool2d", (P2[0], P2[1], 2, None, 0, (8, 6)), "output_size"),  # out of range
    ("max_unpool2d", (P2[0], P2[1], 2, None, 0, 6), "output_size"),      # not a sequence
    ("max_unpool2d", (P2[0], P2[1], 2, None, 4), "non-negative"),
    ("max_unpool2d", (P2[0], P2[1], 2.0), "kernel_size"),
    ("max_unpool2d", (P2[0][:, :0], P2[1][:, :0], 2), r"\(2, 0, 3, 3\)"),
    ("max_unpool1d", (P1[0], P1[1] + 100, 2), "invalid max index"),
    ("max_unpool1d", (P1[0][0, 0], P1[1][0, 0], 2), r"\(3,\)"),
    ("max_unpool3d", (P3[0], P3[1], 2, 0), "stride"),
    ("max_unpool3d", (P3[0][0, 0], P3[1][0, 0], 2), r"\(2, 2, 2\)"),
    ("max_unpool3d", (P3[0], P3[1] + 1000, 2), "invalid max index"),
    ("adaptive_max_pool3d", (X1, 2), r"\(2, 3, 6\)"),
    ("adaptive_max_pool3d", (X3, (2, 2)), "output_size"),
    ("adaptive_max_pool3d", (X3, 2.0), "output_size"),
    ("adaptive_max_pool3d", (X3, -1), "output_size"),
    ("adaptive_max_pool3d", (normal(1, 2, 0, 3, 3), 2), r"\(1, 2, 0, 3, 3\)"),
    ("fractional_max_pool2d", (X2, 2), "output_size or an output_ratio"),
    ("fractional_max_pool2d", (X2, 3, (5, 4)), "height 3"),
    ("fractional_max_pool2d", (X2, (2, 2, 2), 3), "kernel_size"),
    ("fractional_max_pool2d", (X2, 2, (3, 4, 5)), "output_size"),
    ("fractional_max_pool2d", (X2, 2.0, 3), "kernel_size"),
    ("fractional_max_pool2d", (X2, 2, (3.0, 4)), "output_size"),
    ("fractional_max_pool2d", (X2, 2, (-1, 4)), "output_size"),
    ("fractional_max_pool2d", (X3, 2, 3), r"\(2, 3, 4, 5, 5\)"),
    ("fractional_max_pool2d", (normal(2, 0, 4, 4), 2, 2), r"\(2, 0, 4, 4\)"),
]
BAD_SAMPLES = [  # fractional_max_pool2d's _random_samples
    (np.random.default_rng(0).random((1, 3, 2)), r"\(1, 3, 2\)"),
    (np.random.default_rng(0).random((2, 2, 2)), r"\(2, 2, 2\)"),
    (np.random.default_rng(0).random((2, 3)), r"\(2, 3\)"),
    (np.random.default_rng(0).random((2, 3, 2)).astype(np.float32), "float32"),
]


def _convert(value, lib):  # noqa: ANN001, ANN202
    if isinstance(value, np.ndarray):
        return lib.tensor(value)
    if isinstance(value, mg.Tensor):
        return lib.tensor(value.numpy())
    return value


def _raised(call) -> type | None:  # noqa: ANN001
    try:
        call()
    except Exception as e:  # noqa: BLE001
        return type(e)
    return None


def _check_bad(op: str, args: tuple, kw: dict, match: str) -> None:
    """minigrad raises with ``op: `` and ``match``; PyTorch (where installed) raises the same
    exception type."""
    try:
        import torch
    except ImportError:
        kind = None
    else:
        kind = _raised(lambda: getattr(torch.nn.functional, op)(
            *(_convert(a, torch) for a in args), **{k: _convert(v, torch) for k, v in kw.items()}))
    with pytest.raises(Exception, match=match) as info:
        getattr(F, op)(*(_convert(a, mg) for a in args),
                       **{k: _convert(v, mg) for k, v in kw.items()})
    assert str(info.value).startswith(f"{op}: "), info.value
    if kind is not None:
        assert info.type is kind, (info.type, kind)


@pytest.mark.parametrize("op, args, match", BAD, ids=[f"{c[0]}-{i}" for i, c in enumerate(BAD)])
def test_bad_calls_raise_torchs_exception_type_naming_the_op(op: str, args: tuple,
                                                             match: str) -> None:
    _check_bad(op, args, {}, match)


@pytest.mark.parametrize("samples, match", BAD_SAMPLES, ids=[m for _, m in BAD_SAMPLES])
def test_bad_random_samples_raise_as_torch(samples: np.ndarray, match: str) -> None:
    _check_bad("fractional_max_pool2d", (X2, 2, 3), {"_random_samples": samples}, match)


def test_integer_inputs_and_non_tensors_are_refused() -> None:
    with pytest.raises(TypeError, match="lp_pool2d: input has dtype int64"):
        F.lp_pool2d(mg.ones(1, 1, 2, 2, dtype=mg.int64), 2, 2)  # PyTorch accepts int64 here
    with pytest.raises(TypeError, match="max_unpool2d: argument 'indices' must be Tensor"):
        F.max_unpool2d(mg.tensor(X2), I2, 2)
    with pytest.raises(NotImplementedError, match="fractional_max_pool2d: input has dtype"):
        F.fractional_max_pool2d(mg.ones(1, 1, 4, 4, dtype=mg.int64), 2, 2)


@pytest.mark.parametrize("layer, args, kind, match", [
    ("LPPool1d", (2, (2,)), TypeError, "LPPool1d: kernel_size"),
    ("LPPool2d", (2, 0), RuntimeError, "LPPool2d: kernel"),
    ("LPPool3d", (2, 2, (1, 1)), RuntimeError, "LPPool3d: stride"),
    ("LPPool3d", (2, (2, 2)), ValueError, "LPPool3d: kernel_size"),
    ("MaxUnpool2d", (2.0,), TypeError, "MaxUnpool2d: kernel_size"),
    ("FractionalMaxPool2d", ((2, 2, 2), 3), TypeError, "FractionalMaxPool2d: kernel_size"),
])
def test_layers_check_their_settings_when_built(layer: str, args: tuple, kind: type,
                                                match: str) -> None:
    """PyTorch raises at the layer's first call; here where the layer is written."""
    with pytest.raises(kind, match=match):
        getattr(nn, layer)(*args)
