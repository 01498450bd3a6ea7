"""The reductions and scans a probe of real PyTorch programs found missing (logcumsumexp,
aminmax, renorm, dist, cosine_similarity/pairwise_distance at the top level, msort,
unique_consecutive, histogram, gradient, cumulative_trapezoid, var/std's ``unbiased``
spellings, ``torch.where(condition)``) against PyTorch: values, dtypes, shapes, NaN/Inf
patterns and gradients; gradcheck and gradgradcheck in float64; bad calls."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import assert_gradchecks, assert_raises_as_torch, compare_with_torch

import minigrad as mg

rng = np.random.default_rng(11)
TOL = {np.float32: 3e-5, np.float64: 1e-10}
nan, inf = float("nan"), float("inf")
FLOATS = [np.float32, np.float64]

# ----------------------------------------------------------------------------- logcumsumexp

LCSE = [rng.normal(size=(3, 4)) * 30, np.array([[-inf, -inf, 1.0, 2.0], [inf, 2.0, nan, 1.0]]),
        np.array([[1e3, -1e3, 1e3, 0.0]]), np.array(0.7), np.zeros((0, 3)), np.array([[5.0]])]


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("i", range(len(LCSE)))
def test_logcumsumexp_matches_pytorch_values_and_gradients(torch, i: int, dtype: type) -> None:
    a = LCSE[i].astype(dtype)
    for dim in range(-max(a.ndim, 1), max(a.ndim, 1)):
        compare_with_torch(lambda x, d=dim: mg.logcumsumexp(x, d),
                           lambda x, d=dim: torch.logcumsumexp(x, d), [a], tol=TOL[dtype])
        compare_with_torch(lambda x, d=dim: x.logcumsumexp(d),
                           lambda x, d=dim: x.logcumsumexp(d), [a], tol=TOL[dtype])


def test_logcumsumexp_gradcheck_and_gradgradcheck() -> None:
    for dim in (0, 1, -1):
        assert_gradchecks(lambda x, d=dim: mg.logcumsumexp(x, d), [rng.normal(size=(3, 4))])


def test_logcumsumexp_zero_cotangent_entries_match_pytorch(torch) -> None:
    a = rng.normal(size=(2, 5))
    x, t = mg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    g = np.array([[1.0, 0.0, -2.0, 0.0, 3.0], [0.0, 0.0, 0.0, 0.0, 1.0]])
    mg.logcumsumexp(x, 1).backward(mg.tensor(g))
    torch.logcumsumexp(t, 1).backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-12)


# ----------------------------------------------------------------------------- aminmax

@pytest.mark.parametrize("dtype", FLOATS + [np.int64, np.int8, np.bool_])
def test_aminmax_matches_pytorch_with_ties(torch, dtype: type) -> None:
    a = np.array([[1, 3, 3], [2, 0, 5], [2, 0, -1]]).astype(dtype)
    for kwargs in ({}, {"keepdim": True}, {"dim": 0}, {"dim": -1, "keepdim": True}):
        for k in (0, 1):
            compare_with_torch(lambda x, kw=kwargs, j=k: mg.aminmax(x, **kw)[j],
                               lambda x, kw=kwargs, j=k: torch.aminmax(x, **kw)[j], [a])
    result = mg.tensor(a).aminmax(dim=1)
    assert type(result).__name__ == "AminmaxResult" and result._fields == ("min", "max")
    assert result.min.tolist() == torch.tensor(a).aminmax(dim=1).min.tolist()


def test_aminmax_sums_share_tied_gradients_and_edge_shapes(torch) -> None:
    a = np.array([[1.0, 3.0, 3.0], [2.0, 0.0, 5.0]])
    compare_with_torch(lambda x: sum(mg.aminmax(x, dim=1)), lambda x: sum(torch.aminmax(x, dim=1)),
                       [a])
    compare_with_torch(lambda x: mg.aminmax(x).max, lambda x: torch.aminmax(x).max, [a])
    compare_with_torch(lambda x: mg.aminmax(x, dim=0).min, lambda x: torch.aminmax(x, dim=0).min,
                       [np.array(3.0)])
    compare_with_torch(lambda x: mg.aminmax(x, dim=1).min, lambda x: torch.aminmax(x, dim=1).min,
                       [np.zeros((0, 3))])
    compare_with_torch(lambda x: mg.aminmax(x).min, lambda x: torch.aminmax(x).min,
                       [np.array([1.0, nan])])


# ----------------------------------------------------------------------------- renorm, dist

@pytest.mark.parametrize("dtype", FLOATS)
def test_renorm_matches_pytorch_values_and_gradients(torch, dtype: type) -> None:
    a = rng.normal(size=(3, 4, 2)).astype(dtype)
    for p, dim, maxnorm in ((2, 0, 1.0), (1, 1, 2.0), (inf, -1, 0.5), (3.5, 2, 100.0),
                            (2, 1, 0.0)):
        compare_with_torch(lambda x, p=p, d=dim, m=maxnorm: mg.renorm(x, p, d, m),
                           lambda x, p=p, d=dim, m=maxnorm: torch.renorm(x, p, d, m), [a],
                           tol=TOL[dtype])
        compare_with_torch(lambda x, p=p, d=dim, m=maxnorm: x.renorm(p, d, m),
                           lambda x, p=p, d=dim, m=maxnorm: x.renorm(p, d, m), [a],
                           tol=TOL[dtype])
    x, t = mg.tensor(a), torch.tensor(a)
    assert x.renorm_(2, 0, 1.0) is x
    np.testing.assert_allclose(x.numpy(), t.renorm_(2, 0, 1.0).numpy(), rtol=TOL[dtype])


def test_renorm_and_dist_gradchecks() -> None:
    a = rng.normal(size=(3, 4))
    assert_gradchecks(lambda x: mg.renorm(x, 2, 0, 1.0), [a])
    assert_gradchecks(lambda x: mg.renorm(x, 3, 1, 0.5), [a])
    for p in (2, 1.5, 3):
        assert_gradchecks(lambda x, y, p=p: mg.dist(x, y, p), [a, rng.normal(size=(4,))])


@pytest.mark.parametrize("p", [2, 1, 0, 3.5, inf, -inf, -1])
def test_dist_matches_pytorch_broadcast_and_promoted(torch, p: float) -> None:
    a, b = rng.normal(size=(3, 4)), rng.normal(size=(4,))
    grads = [p != 0] * 2  # p = 0: PyTorch's gradient is undefined (None); ours is 0
    compare_with_torch(lambda x, y: mg.dist(x, y, p), lambda x, y: torch.dist(x, y, p), [a, b],
                       grads=grads)
    compare_with_torch(lambda x, y: x.dist(y, p), lambda x, y: x.dist(y, p),
                       [a.astype(np.float32), b], grads=grads, tol=1e-6)
    if p in (inf, -inf, -1):  # no identity: both refuse an empty input
        assert_raises_as_torch(lambda L: L.dist(L.zeros(0), L.zeros(0), p), RuntimeError,
                               "vector_norm: cannot compute")
    else:
        compare_with_torch(lambda x, y: mg.dist(x, y, p), lambda x, y: torch.dist(x, y, p),
                           [np.zeros(0), np.zeros(0)], grads=grads)
    compare_with_torch(lambda x, y: mg.dist(x, y, p), lambda x, y: torch.dist(x, y, p),
                       [np.array(2.0), np.array([1.0, -1.0])], grads=grads)


def test_cosine_similarity_and_pairwise_distance_at_the_top_level(torch) -> None:
    a, b = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    compare_with_torch(mg.cosine_similarity, torch.cosine_similarity, [a, b])
    compare_with_torch(lambda x, y: mg.cosine_similarity(x, y, 0, 1e-6),
                       lambda x, y: torch.cosine_similarity(x, y, 0, 1e-6), [a, b])
    compare_with_torch(mg.pairwise_distance, torch.pairwise_distance, [a, b])
    compare_with_torch(lambda x, y: mg.pairwise_distance(x, y, 1, keepdim=True),
                       lambda x, y: torch.pairwise_distance(x, y, 1, keepdim=True), [a, b])
    import minigrad.nn.functional as F

    assert mg.cosine_similarity is F.cosine_similarity


# ----------------------------------------------------------------------------- msort, unique

def test_msort_matches_pytorch(torch) -> None:
    for a in (rng.normal(size=(4, 3)), np.array([[3, 1], [0, 2]]), np.array(3.0), np.zeros((0, 2)),
              np.array([2.0, nan, 1.0])):
        compare_with_torch(mg.msort, torch.msort, [a])
        compare_with_torch(lambda x: x.msort(), lambda x: x.msort(), [a])


UC = [np.array([1, 1, 2, 2, 3, 1, 1, 2]), np.array([[1, 1, 2], [2, 2, 3]]), np.array(3),
      np.array([], np.float32), np.array([1.0, nan, nan, 2.0, 2.0]),
      np.array([[1, 1], [1, 1], [2, 3], [1, 1]]), np.zeros((0, 3)), np.array([True, True, False])]


@pytest.mark.parametrize("i", range(len(UC)))
def test_unique_consecutive_matches_pytorch(torch, i: int) -> None:
    a = UC[i]
    dims = [None] + [d for d in range(-a.ndim, a.ndim)
                     if all(n for k, n in enumerate(a.shape) if k != d % a.ndim)]
    for dim in dims:
        for inv in (False, True):
            for counts in (False, True):
                ours = mg.unique_consecutive(mg.tensor(a), inv, counts, dim)
                theirs = torch.unique_consecutive(torch.tensor(a), return_inverse=inv,
                                                  return_counts=counts, dim=dim)
                ours = ours if isinstance(ours, tuple) else (ours,)
                theirs = theirs if isinstance(theirs, tuple) else (theirs,)
                assert len(ours) == len(theirs)
                for o, t in zip(ours, theirs):
                    assert o.shape == tuple(t.shape) and str(o.dtype) == str(t.dtype)[6:]
                    np.testing.assert_array_equal(o.numpy(), t.numpy())
    assert mg.tensor(a).unique_consecutive(return_counts=True)[1].tolist() == \
        torch.tensor(a).unique_consecutive(return_counts=True)[1].tolist()


# ----------------------------------------------------------------------------- histogram

HIST = [
    (np.array([1.0, 2.0, 1.0, 4.0]), 4, {"range": (0.0, 3.0)}),
    (np.array([1.0, 2.0, 1.0, 4.0]), 4, {"range": (0.0, 3.0), "density": True}),
    (np.array([1.0, 2.0, 1.0, 4.0]), 3, {"weight": np.array([1.0, 2.0, 4.0, 8.0])}),
    (np.array([1.0, 2.0, 1.0]), np.array([0.0, 1.0, 2.5, 3.0]), {"density": True}),
    (np.array([1.0, 2.0, 1.0]), np.array([0.0, 1.0, 2.5, 3.0]),
     {"weight": np.array([0.5, 1.0, 1.0])}),
    (np.array([]), 3, {}),
    (np.array([2.0, 2.0]), 3, {}),
    (np.array([[1.0, 2.0], [3.0, 4.0]]), 2, {}),
    (np.array([0.0, 0.1, 0.2, 0.3, 0.7, 1.0, 1.3, nan]), 7, {"range": (0.1, 1.0)}),
]


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("i", range(len(HIST)))
def test_histogram_matches_pytorch(torch, i: int, dtype: type) -> None:
    data, bins, kwargs = HIST[i]
    ours_kw, theirs_kw = dict(kwargs), dict(kwargs)
    if "weight" in kwargs:
        ours_kw["weight"] = mg.tensor(kwargs["weight"].astype(dtype))
        theirs_kw["weight"] = torch.tensor(kwargs["weight"].astype(dtype))
    ob = mg.tensor(bins.astype(dtype)) if isinstance(bins, np.ndarray) else bins
    tb = torch.tensor(bins.astype(dtype)) if isinstance(bins, np.ndarray) else bins
    ours = mg.histogram(mg.tensor(data.astype(dtype)), ob, **ours_kw)
    theirs = torch.histogram(torch.tensor(data.astype(dtype)), tb, **theirs_kw)
    assert type(ours).__name__ == "HistogramResult" and ours._fields == ("hist", "bin_edges")
    for o, t in zip(ours, theirs):
        assert o.dtype == dtype and o.shape == tuple(t.shape)
        np.testing.assert_allclose(o.numpy(), t.numpy(), rtol=TOL[dtype], atol=TOL[dtype])
    method = mg.tensor(data.astype(dtype)).histogram(ob, **ours_kw)
    np.testing.assert_array_equal(method.hist.numpy(), ours.hist.numpy())


def test_histogram_bins_on_float32_edges_match_pytorch(torch) -> None:
    data = rng.normal(size=2000).astype(np.float32)
    for bins in (10, 37, 100):
        ours = mg.histogram(mg.tensor(data), bins)
        theirs = torch.histogram(torch.tensor(data), bins)
        # PyTorch's float32 linspace rounds its middle edges as its SIMD width decides
        np.testing.assert_allclose(ours.bin_edges.numpy(), theirs.bin_edges.numpy(), rtol=1e-6)
        np.testing.assert_array_equal(ours.hist.numpy(), theirs.hist.numpy())


# ----------------------------------------------------------------------------- gradient

@pytest.mark.parametrize("dtype", FLOATS)
def test_gradient_matches_pytorch_spacings_dims_and_edge_orders(torch, dtype: type) -> None:
    a = rng.normal(size=(4, 5)).astype(dtype)
    coords = [np.array([0.0, 0.5, 2.0, 2.5]), np.array([-1.0, 0.0, 0.3, 1.0, 4.0])]
    cases = [({}, {}), ({"spacing": 2.0}, {"spacing": 2.0}), ({"dim": 1}, {"dim": 1}),
             ({"dim": -2, "spacing": [0.5]}, {"dim": -2, "spacing": [0.5]}),
             ({"spacing": [2.0, -1.0]}, {"spacing": [2.0, -1.0]}),
             ({"spacing": [mg.tensor(c.astype(dtype)) for c in coords]},
              {"spacing": [torch.tensor(c.astype(dtype)) for c in coords]}),
             ({"spacing": [mg.tensor(coords[1].astype(dtype))], "dim": 1},
              {"spacing": [torch.tensor(coords[1].astype(dtype))], "dim": 1}),
             ({"dim": (1, 0)}, {"dim": (1, 0)})]
    for edge_order in (1, 2):
        for ours_kw, theirs_kw in cases:
            ours = mg.gradient(mg.tensor(a), edge_order=edge_order, **ours_kw)
            theirs = torch.gradient(torch.tensor(a), edge_order=edge_order, **theirs_kw)
            assert isinstance(ours, tuple) and len(ours) == len(theirs)
            for k in range(len(ours)):
                compare_with_torch(
                    lambda x, kw=ours_kw, e=edge_order, j=k: mg.gradient(x, edge_order=e, **kw)[j],
                    lambda x, kw=theirs_kw, e=edge_order, j=k: torch.gradient(
                        x, edge_order=e, **kw)[j], [a], tol=TOL[dtype] * 10)


def test_gradient_of_integers_small_and_0d_inputs(torch) -> None:
    for a in (np.array([1, 2, 4, 8]), np.array([1.0, 3.0]), np.array([[1.0, 2.0, 4.0]] * 2)):
        ours, theirs = mg.gradient(mg.tensor(a)), torch.gradient(torch.tensor(a))
        for o, t in zip(ours, theirs):
            assert o.dtype == np.dtype(str(t.dtype)[6:])
            np.testing.assert_allclose(o.numpy(), t.numpy())
    assert mg.gradient(mg.tensor(1.0)) == () == torch.gradient(torch.tensor(1.0))


def test_gradient_gradcheck() -> None:
    for edge_order in (1, 2):
        assert_gradchecks(lambda x, e=edge_order: mg.gradient(x, edge_order=e, dim=1)[0],
                          [rng.normal(size=(3, 5))])
        assert_gradchecks(lambda x, c, e=edge_order: mg.gradient(x, spacing=[c], dim=0,
                                                                 edge_order=e)[0],
                          [rng.normal(size=(4, 2)), np.array([0.0, 0.5, 2.0, 2.5])])


# ----------------------------------------------------------------------------- cumulative_trapezoid

@pytest.mark.parametrize("dtype", FLOATS)
def test_cumulative_trapezoid_matches_pytorch(torch, dtype: type) -> None:
    y = rng.normal(size=(3, 4)).astype(dtype)
    xs = np.array([0.0, 1.0, 3.0, 4.0]).astype(dtype)
    compare_with_torch(mg.cumulative_trapezoid, torch.cumulative_trapezoid, [y], tol=TOL[dtype])
    compare_with_torch(lambda v: mg.cumulative_trapezoid(v, dx=2.5, dim=0),
                       lambda v: torch.cumulative_trapezoid(v, dx=2.5, dim=0), [y],
                       tol=TOL[dtype])
    compare_with_torch(mg.cumulative_trapezoid, torch.cumulative_trapezoid, [y, xs],
                       tol=TOL[dtype])
    compare_with_torch(lambda v, x: mg.cumulative_trapezoid(v, x, dim=0),
                       lambda v, x: torch.cumulative_trapezoid(v, x, dim=0),
                       [y, np.array([[0.0], [1.0], [1.5]]).astype(dtype)], tol=TOL[dtype])
    for edge in (np.array([1, 2, 3]), np.array([1.0]), np.zeros((2, 0))):
        compare_with_torch(mg.cumulative_trapezoid, torch.cumulative_trapezoid, [edge])


def test_cumulative_trapezoid_gradcheck() -> None:
    assert_gradchecks(lambda y, x: mg.cumulative_trapezoid(y, x), [rng.normal(size=(2, 4)),
                                                                  np.array([0.0, 1, 3, 4])])
    assert_gradchecks(lambda y: mg.cumulative_trapezoid(y, dx=0.5, dim=0),
                      [rng.normal(size=(3, 2))])


# ----------------------------------------------------------------------------- var/std, where

def test_var_std_accept_unbiased_as_pytorch_does(torch) -> None:
    a = rng.normal(size=(3, 4))
    calls = [
        lambda L, x: L.std(x, unbiased=False), lambda L, x: x.std(0, True),
        lambda L, x: x.std(0, False, True), lambda L, x: L.var(x, 1, False),
        lambda L, x: L.var(x, False), lambda L, x: x.var(False),
        lambda L, x: x.std(unbiased=False, dim=1, keepdim=True),
        lambda L, x: L.var(x, (0, 1), True, True), lambda L, x: x.var(1, correction=0),
        lambda L, x: L.std_mean(x, 0, False)[0], lambda L, x: L.var_mean(x, unbiased=False)[0],
        lambda L, x: L.std_mean(x, False)[0], lambda L, x: x.var(dim=0),
    ]
    for call in calls:
        compare_with_torch(lambda x, c=call: c(mg, x), lambda x, c=call: c(torch, x), [a])
    assert_raises_as_torch(lambda L: L.ones(3).var(0, True, correction=0), TypeError,
                           "var: got both 'unbiased' and 'correction'")


def test_where_with_the_condition_alone_is_nonzero_as_tuple(torch) -> None:
    for a in (np.array([[0, 1], [1, 0]]), np.array([0.0, 2.0, -1.0]), np.array(True),
              np.zeros((0, 2), bool)):
        ours, theirs = mg.where(mg.tensor(a)), torch.where(torch.tensor(a))
        assert isinstance(ours, tuple) and len(ours) == len(theirs)
        for o, t in zip(ours, theirs):
            assert o.dtype == np.int64 and o.tolist() == t.tolist()
    c = np.array([True, False, True])
    compare_with_torch(lambda x, y: mg.where(mg.tensor(c), x, y),
                       lambda x, y: torch.where(torch.tensor(c), x, y),
                       [np.array([1.0, 2.0, 3.0]), np.array([[4.0], [5.0]])])


# ----------------------------------------------------------------------------- bad calls

BAD = [
    (lambda L: L.logcumsumexp(L.tensor([1, 2]), 0), NotImplementedError,
     "logcumsumexp: not implemented for dtype int64"),
    (lambda L: L.logcumsumexp(L.ones(2), 1), IndexError, "logcumsumexp: dimension out of range"),
    (lambda L: L.aminmax(L.tensor([])), RuntimeError, "aminmax: cannot compute aminmax"),
    (lambda L: L.aminmax(L.zeros(0, 3), dim=0), IndexError, "aminmax: Expected reduction dim 0"),
    (lambda L: L.aminmax(L.ones(2, 2), dim=(0, 1)), TypeError, "aminmax: argument 'dim'"),
    (lambda L: L.renorm(L.tensor([3.0, 4.0]), 2, 0, 1.0), RuntimeError,
     "renorm: input needs at least 2 dimensions"),
    (lambda L: L.renorm(L.ones(2, 2), 0, 0, 1.0), RuntimeError, "renorm: non-positive-norm"),
    (lambda L: L.renorm(L.ones(2, 2), 2, 0, -1.0), RuntimeError, "renorm: expected maxnorm"),
    (lambda L: L.renorm(L.ones(2, 2, dtype=L.long), 2, 0, 1.0), RuntimeError, "renorm:"),
    (lambda L: L.dist(L.tensor([1, 2]), L.tensor([3, 4])), RuntimeError, "dist:"),
    (lambda L: L.dist(L.ones(2), L.ones(3)), RuntimeError, "dist: the size of tensor a"),
    (lambda L: L.histogram(L.tensor([1, 2]), 3), NotImplementedError,
     "histogram: not implemented for dtype int64"),
    (lambda L: L.histogram(L.tensor([1.0, 2.0]), 3, range=(2.0, 1.0)), RuntimeError,
     "histogram: min should not exceed max"),
    (lambda L: L.histogram(L.tensor([1.0, inf]), 2), RuntimeError, "histogram: range"),
    (lambda L: L.histogram(L.tensor([1.0, 2.0]), 0), RuntimeError, "histogram: bins must be > 0"),
    (lambda L: L.histogram(L.tensor([1.0, 2.0], dtype=L.float64), L.tensor([0.0, 1.0, 2.0])),
     RuntimeError, "histogram: input tensor and bins tensors should have the same dtype"),
    (lambda L: L.gradient(L.tensor([1.0, 2.0]), edge_order=2), RuntimeError,
     "gradient: expected each dimension size to be at least edge_order"),
    (lambda L: L.gradient(L.tensor([1.0, 2.0, 3.0]), edge_order=3), RuntimeError,
     "gradient: only supports edge_order=1 and edge_order=2"),
    (lambda L: L.gradient(L.ones(2, 3), spacing=[1.0, 2.0, 3.0]), RuntimeError,
     "gradient: expected spacing"),
    (lambda L: L.gradient(L.ones(3, 3), spacing=L.tensor([1.0, 2.0, 3.0])), TypeError,
     "gradient: argument 'spacing'"),
    (lambda L: L.cumulative_trapezoid(L.tensor(1.0)), IndexError, "cumulative_trapezoid:"),
    (lambda L: L.cumulative_trapezoid(L.ones(3), L.ones(3), dx=1.0), TypeError,
     "cumulative_trapezoid: received both"),
    (lambda L: L.unique_consecutive(L.ones(2), dim=1), IndexError,
     "unique_consecutive: dimension out of range"),
    (lambda L: L.where(L.tensor([True]), L.ones(1)), TypeError, "where:"),
    (lambda L: L.unique_consecutive(L.zeros(0, 3), dim=1), RuntimeError,
     "unique_consecutive: There are 0 sized dimensions"),
]


@pytest.mark.parametrize("i", range(len(BAD)))
def test_bad_calls_raise_pytorchs_exception_types(i: int) -> None:
    call, kind, match = BAD[i]
    assert_raises_as_torch(call, kind, match)
