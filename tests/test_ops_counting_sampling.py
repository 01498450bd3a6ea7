"""meshgrid, logspace, searchsorted, bucketize, histc, bincount, bernoulli and multinomial
against PyTorch: values, dtypes and shapes on random inputs (0-d, empty and size-1 ones,
NaN and inf, float32/float64/int64), and PyTorch's exception types for bad calls, with
messages that name the function. The random draws cannot match PyTorch's numbers, so they
are checked by their statistics (frequencies within a few standard errors over many draws
from a fixed seed), their reproducibility under ``manual_seed`` and ``generator=``, and by
PyTorch's dtypes and shapes (and its values where a draw is certain)."""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import pytest

import minigrad as mg


def same(ours, theirs, rtol: float = 0.0, atol: float = 0.0) -> None:  # noqa: ANN001
    """One minigrad tensor against one PyTorch tensor: shape, dtype and values (NaN at the
    same places)."""
    assert isinstance(ours, mg.Tensor), type(ours)
    assert tuple(ours.shape) == tuple(theirs.shape), (ours.shape, theirs.shape)
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", ""), (ours.dtype,
                                                                      theirs.dtype)
    np.testing.assert_allclose(ours.detach().numpy().astype(float),
                               theirs.detach().numpy().astype(float), rtol=rtol, atol=atol,
                               equal_nan=True)


def raises_as_torch(torch, call, fn: str, match: str | None = None) -> None:  # noqa: ANN001
    """``call(lib)`` raises with ``lib`` torch and with ``lib`` minigrad, the same exception
    type; minigrad's message names ``fn`` (and matches ``match``, e.g. the argument)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(Exception) as theirs:  # noqa: B017, PT011
            call(torch)
        with pytest.raises(Exception) as ours:  # noqa: B017, PT011
            call(mg)
    assert ours.type is theirs.type, (ours.value, theirs.value)
    assert fn in str(ours.value), ours.value
    if match is not None:
        assert match in str(ours.value), ours.value


def raises(exc: type, call, fn: str, match: str | None = None) -> None:  # noqa: ANN001
    """``call(minigrad)`` raises ``exc`` (PyTorch's type, written out: tests without torch)."""
    with pytest.raises(exc) as info:
        call(mg)
    assert fn in str(info.value), info.value
    if match is not None:
        assert match in str(info.value), info.value


def params(fn) -> list[tuple[str, object, str]]:  # noqa: ANN001
    return [(p.name, p.default, p.kind.name) for p in inspect.signature(fn).parameters.values()]


EMPTY = inspect.Parameter.empty


def test_signatures_are_pytorchs() -> None:
    """As ``torch``'s (its builtins show them in their docstrings and overload lists)."""
    kw, pos, var = "KEYWORD_ONLY", "POSITIONAL_OR_KEYWORD", "VAR_POSITIONAL"
    assert params(mg.meshgrid) == [("tensors", EMPTY, var), ("indexing", None, kw)]
    assert params(mg.logspace)[:4] == [("start", EMPTY, pos), ("end", EMPTY, pos),
                                       ("steps", EMPTY, pos), ("base", 10.0, pos)]
    assert {"dtype", "device", "requires_grad"} <= {p[0] for p in params(mg.logspace)}
    assert params(mg.bernoulli) == [("input", EMPTY, pos), ("p", None, pos),
                                    ("generator", None, kw)]
    assert params(mg.multinomial) == [("input", EMPTY, pos), ("num_samples", EMPTY, pos),
                                      ("replacement", False, pos), ("generator", None, kw)]
    assert params(mg.searchsorted) == [("sorted_sequence", EMPTY, pos), ("values", EMPTY, pos),
                                       ("out_int32", False, kw), ("right", False, kw),
                                       ("side", None, kw), ("sorter", None, kw)]
    assert params(mg.bucketize) == [("input", EMPTY, pos), ("boundaries", EMPTY, pos),
                                    ("out_int32", False, kw), ("right", False, kw)]
    assert params(mg.histc) == [("input", EMPTY, pos), ("bins", 100, pos), ("min", 0, pos),
                                ("max", 0, pos)]
    assert params(mg.bincount) == [("input", EMPTY, pos), ("weights", None, pos),
                                   ("minlength", 0, pos)]
    t = mg.Tensor
    assert params(t.histc) == [("self", EMPTY, pos), ("bins", 100, pos), ("min", 0, pos),
                               ("max", 0, pos)]
    assert params(t.bincount) == [("self", EMPTY, pos), ("weights", None, pos),
                                  ("minlength", 0, pos)]
    assert params(t.multinomial) == [("self", EMPTY, pos), ("num_samples", EMPTY, pos),
                                     ("replacement", False, pos), ("generator", None, kw)]
    assert params(t.bernoulli) == [("self", EMPTY, pos), ("p", None, pos),
                                   ("generator", None, kw)]
    assert params(t.bernoulli_) == [("self", EMPTY, pos), ("p", 0.5, pos),
                                    ("generator", None, kw)]


# ----------------------------------------------------------------------------- meshgrid


def _grid_inputs(rng: np.random.Generator, dtype: str) -> list[np.ndarray]:
    sizes = [int(rng.choice([0, 1, 3, 4])) for _ in range(int(rng.integers(1, 4)))]
    arrays = [rng.standard_normal(n).astype(dtype) if dtype != "int64" else
              rng.integers(-9, 9, n) for n in sizes]
    if rng.random() < 0.3:  # a 0-d tensor counts as one of size 1
        arrays[0] = arrays[0].reshape(-1)[:1].reshape(()) if arrays[0].size else arrays[0]
    return arrays


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
def test_meshgrid_matches_pytorch(torch, dtype: str) -> None:  # noqa: ANN001
    rng = np.random.default_rng(0)
    for _ in range(30):
        arrays = _grid_inputs(rng, dtype)
        for indexing in ("ij", "xy"):
            ours = mg.meshgrid(*[mg.tensor(a) for a in arrays], indexing=indexing)
            as_list = mg.meshgrid([mg.tensor(a) for a in arrays], indexing=indexing)
            theirs = torch.meshgrid(*[torch.tensor(a) for a in arrays], indexing=indexing)
            assert isinstance(ours, tuple) and len(ours) == len(theirs) == len(as_list)
            for o, lo, t in zip(ours, as_list, theirs):
                same(o, t)
                same(lo, t)


def test_meshgrid_gradients_reach_the_inputs_as_pytorchs(torch) -> None:  # noqa: ANN001
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal(n) for n in (3, 2, 4)]
    for indexing in ("ij", "xy"):
        ours = [mg.tensor(a, requires_grad=True) for a in arrays]
        theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
        go, gt = mg.meshgrid(*ours, indexing=indexing), torch.meshgrid(*theirs,
                                                                       indexing=indexing)
        weights = [rng.standard_normal(tuple(g.shape)) for g in gt]
        sum(g * mg.tensor(w) for g, w in zip(go, weights)).sum().backward()
        sum(g * torch.tensor(w) for g, w in zip(gt, weights)).sum().backward()
        for o, t in zip(ours, theirs):
            same(o.grad, t.grad, rtol=1e-12)


def test_meshgrid_without_indexing_warns_and_uses_ij() -> None:
    a, b = mg.tensor([1, 2, 3]), mg.tensor([4, 5])
    with pytest.warns(UserWarning, match="meshgrid: .*indexing argument"):
        x, y = mg.meshgrid(a, b)
    assert x.shape == (3, 2) and x.tolist() == [[1, 1], [2, 2], [3, 3]]
    assert y.tolist() == [[4, 5], [4, 5], [4, 5]]


def test_meshgrid_bad_calls_fail_as_pytorch(torch) -> None:  # noqa: ANN001
    def t(lib, *rows, dtype=None):  # noqa: ANN001, ANN002, ANN202
        return [lib.tensor(r) if dtype is None else lib.tensor(r, dtype=dtype) for r in rows]

    raises_as_torch(torch, lambda L: L.meshgrid(indexing="ij"), "meshgrid", "non-empty")
    raises_as_torch(torch, lambda L: L.meshgrid([], indexing="ij"), "meshgrid")
    raises_as_torch(torch, lambda L: L.meshgrid(*t(L, [1.0], [[1.0, 2.0]]), indexing="ij"),
                    "meshgrid", "0D or 1D")
    raises_as_torch(torch, lambda L: L.meshgrid(*t(L, [1.0], [1]), indexing="ij"),
                    "meshgrid", "same dtype")
    raises_as_torch(torch, lambda L: L.meshgrid(*t(L, [1.0], [2.0]), indexing="IJ"),
                    "meshgrid", "indexing")
    raises_as_torch(torch, lambda L: L.meshgrid(*t(L, [1.0]), indexing=1), "meshgrid",
                    "indexing")
    raises_as_torch(torch, lambda L: L.meshgrid(L.tensor([1.0]), [1.0], indexing="ij"),
                    "meshgrid", "element 1")


# ----------------------------------------------------------------------------- logspace

LOGSPACE = [  # (start, end, steps, base, dtype)
    (0, 2, 3, 10.0, None), (-2, 1, 4, 10.0, None), (2, -3, 6, 10.0, None),
    (0.5, 1.7, 7, 2.0, None), (-1.3, 4.2, 50, 0.5, None), (3, 3, 4, 10.0, None),
    (0, 2, 0, 10.0, None), (1.5, 2, 1, 10.0, None), (0, 3, 4, -2.0, None),
    (0, 2, 3, 0.0, None), (-7.25, 9.5, 33, 10.0, "float64"), (0.1, 0.9, 9, 3.0, "float64"),
    (0, 2, 3, 10.0, "int64"), (-1, 1, 5, 10.0, "int64"), (0.5, 2.5, 3, 10.0, "int64"),
    (-1.5, 1.5, 3, 10.0, "int32"), (0, 2, 3, 2.5, "int64"), (0, 3, 4, -2.0, "int64"),
    (0, 40, 3, 2.0, "float16"), (float("nan"), 2, 3, 10.0, None), (0, float("inf"), 3, 10.0,
                                                                    None),
    (float("-inf"), 0, 3, 10.0, None), (0, float("-inf"), 4, 10.0, None),
    (0, 1000, 3, 10.0, None), (0, 2, 3, float("nan"), None),
]


@pytest.mark.parametrize("case", LOGSPACE, ids=str)
def test_logspace_matches_pytorch(torch, case: tuple) -> None:  # noqa: ANN001
    start, end, steps, base, dtype = case
    ours = mg.logspace(start, end, steps, base, dtype=None if dtype is None else
                       getattr(mg, dtype))
    theirs = torch.logspace(start, end, steps, base, dtype=None if dtype is None else
                            getattr(torch, dtype))
    same(ours, theirs, rtol=2e-6 if str(ours.dtype) == "float32" else 1e-3
         if str(ours.dtype) == "float16" else 1e-14)


def test_logspace_takes_0d_tensors_keywords_and_the_default_dtype(torch) -> None:  # noqa: ANN001
    same(mg.logspace(mg.tensor(-1.0), mg.tensor(2), steps=4, base=mg.tensor(2.0)),
         torch.logspace(torch.tensor(-1.0), torch.tensor(2), steps=4, base=2.0))
    x = mg.logspace(0, 1, 3, requires_grad=True)
    assert x.requires_grad and x.grad_fn is None
    mg.set_default_dtype(mg.float64)
    try:
        assert mg.logspace(0, 1, 3).dtype == np.float64
        assert mg.logspace(0, 1, 3, dtype=mg.float32).dtype == np.float32
    finally:
        mg.set_default_dtype(mg.float32)


def test_logspace_bad_calls_fail_as_pytorch(torch) -> None:  # noqa: ANN001
    raises_as_torch(torch, lambda L: L.logspace(0, 2, -1), "steps", "non-negative")
    raises_as_torch(torch, lambda L: L.logspace(0, 2, 2.5), "logspace", "steps")
    raises_as_torch(torch, lambda L: L.logspace(0, 2, True), "logspace", "steps")
    raises_as_torch(torch, lambda L: L.logspace("a", 2, 3), "logspace", "start")
    raises_as_torch(torch, lambda L: L.logspace(0, 2, 3, "a"), "logspace", "base")
    raises_as_torch(torch, lambda L: L.logspace(L.ones(2), 2, 3), "logspace", "start")
    raises_as_torch(torch, lambda L: L.logspace(0, 2, 3, dtype=L.bool), "logspace")


# ----------------------------------------------------------------------------- searchsorted


def _sorted_case(rng: np.random.Generator, k: int) -> tuple[np.ndarray, np.ndarray]:
    """A sorted sequence (1-D, or 2-D/3-D with rows) and values, with repeats, NaN and inf
    in some cases, in float32, float64 or int64."""
    nd = k % 3 + 1
    n = int(rng.choice([0, 1, 2, 5, 9]))
    lead = tuple(int(rng.choice([0, 1, 2, 3])) for _ in range(nd - 1))
    seq = np.sort(rng.integers(-5, 5, lead + (n,)) / 2, axis=-1)
    if nd == 1:
        vshape = tuple(int(s) for s in rng.choice([0, 1, 4], size=int(rng.integers(0, 3))))
    else:
        vshape = lead + (int(rng.choice([0, 1, 4])),)
    values = np.asarray(rng.integers(-6, 6, vshape) / 2)
    dtype = ("float32", "float64", "int64")[k % 3 if k % 4 else 0]
    if dtype != "int64" and k % 2:
        seq[rng.random(seq.shape) < 0.2] = np.nan  # PyTorch's search passes over NaN its way
        seq[rng.random(seq.shape) < 0.1] = np.inf
        values[rng.random(values.shape) < 0.2] = np.nan
        values[rng.random(values.shape) < 0.1] = -np.inf
    vdtype = ("float32", "float64", "int64")[int(rng.integers(3))]
    with np.errstate(invalid="ignore"):
        return (seq.astype(dtype), np.nan_to_num(values).astype(vdtype) if vdtype == "int64"
                else values.astype(vdtype))


def test_searchsorted_and_bucketize_match_pytorch_on_random_inputs(torch) -> None:  # noqa: ANN001
    rng = np.random.default_rng(2)
    for k in range(240):
        seq, values = _sorted_case(rng, k)
        for right in (False, True):
            out_int32 = bool(k % 5 == 0)
            same(mg.searchsorted(mg.tensor(seq), mg.tensor(values), right=right,
                                 out_int32=out_int32),
                 torch.searchsorted(torch.tensor(seq), torch.tensor(values), right=right,
                                    out_int32=out_int32))
            same(mg.searchsorted(mg.tensor(seq), mg.tensor(values),
                                 side="right" if right else "left"),
                 torch.searchsorted(torch.tensor(seq), torch.tensor(values),
                                    side="right" if right else "left"))
            if seq.ndim == 1:
                same(mg.bucketize(mg.tensor(values), mg.tensor(seq), right=right,
                                  out_int32=out_int32),
                     torch.bucketize(torch.tensor(values), torch.tensor(seq), right=right,
                                     out_int32=out_int32))


def test_searchsorted_scalars_sorter_and_promotion_as_pytorch(torch) -> None:  # noqa: ANN001
    s = [1.0, 3.0, 3.0, 5.0]
    for value in (3, 3.5, 0, 9, True, float("nan"), np.float64(3.0)):
        for right in (False, True):
            same(mg.searchsorted(mg.tensor(s), value, right=right),
                 torch.searchsorted(torch.tensor(s), value, right=right))
            same(mg.bucketize(value, mg.tensor(s), right=right),
                 torch.bucketize(value, torch.tensor(s), right=right))
    same(mg.searchsorted(mg.tensor(s), mg.tensor(3.0)), torch.searchsorted(torch.tensor(s),
                                                                          torch.tensor(3.0)))
    # the comparison is in the promoted dtype: a dimensioned float64 tensor lifts a float32
    # sequence, a number or a 0-d tensor does not; an int64 sequence meets a float value
    for values in (0.1, mg.tensor(0.1, dtype=mg.float64), mg.tensor([0.1], dtype=mg.float64)):
        theirs = torch.tensor(values.numpy()) if isinstance(values, mg.Tensor) else values
        same(mg.searchsorted(mg.tensor([0.1]), values, right=True),
             torch.searchsorted(torch.tensor([0.1]), theirs, right=True))
    same(mg.searchsorted(mg.tensor([1, 2]), 1.5), torch.searchsorted(torch.tensor([1, 2]), 1.5))
    rng = np.random.default_rng(3)
    for shape in [(7,), (3, 6), (2, 2, 5), (1,), (0,)]:
        seq = rng.integers(-4, 4, shape).astype(np.float32)
        sorter = np.argsort(seq, axis=-1, kind="stable")
        values = rng.integers(-5, 5, shape[:-1] + (4,)).astype(np.float32)
        same(mg.searchsorted(mg.tensor(seq), mg.tensor(values), sorter=mg.tensor(sorter)),
             torch.searchsorted(torch.tensor(seq), torch.tensor(values),
                                sorter=torch.tensor(sorter)))
    out = mg.searchsorted(mg.tensor([1.0, 2.0], requires_grad=True), mg.tensor([1.5]))
    assert not out.requires_grad and out.grad_fn is None


def test_searchsorted_and_bucketize_bad_calls_fail_as_pytorch(torch) -> None:  # noqa: ANN001
    def s(L):  # noqa: ANN001, ANN202
        return L.tensor([1.0, 3.0, 5.0])

    def v(L):  # noqa: ANN001, ANN202
        return L.tensor([2.0])

    cases = [
        (lambda L: L.searchsorted(s(L), v(L), side="middle"), "side"),
        (lambda L: L.searchsorted(s(L), v(L), side="left", right=True), "opposites"),
        (lambda L: L.searchsorted(s(L), v(L), side=1), "side"),
        (lambda L: L.searchsorted(s(L), v(L), right=1), "right"),
        (lambda L: L.searchsorted(s(L), v(L), out_int32=1), "out_int32"),
        (lambda L: L.searchsorted(s(L), v(L), sorter=[0, 1, 2]), "sorter"),
        (lambda L: L.searchsorted(s(L), v(L), sorter=L.tensor([0.0, 1.0, 2.0])), "sorter"),
        (lambda L: L.searchsorted(s(L), v(L), sorter=L.tensor([0, 1])), "sorter"),
        (lambda L: L.searchsorted(s(L), v(L), sorter=L.tensor([0, 1, 3])), "sorter"),
        (lambda L: L.searchsorted(s(L), v(L), sorter=L.tensor([0, -1, 2])), "sorter"),
        (lambda L: L.searchsorted(L.tensor(1.0), v(L)), "dimension"),
        (lambda L: L.searchsorted(L.ones(2, 3), 2.0), "scalar"),
        (lambda L: L.searchsorted(L.ones(2, 3), L.ones(3, 1)), "first N-1"),
        (lambda L: L.searchsorted(L.ones(2, 3), L.ones(2)), "first N-1"),
        (lambda L: L.searchsorted(L.ones(2, 2, 3), L.ones(2, 1, 5)), "first N-1"),
        (lambda L: L.searchsorted(s(L), [2.0]), "values"),
        (lambda L: L.searchsorted([1.0, 2.0], v(L)), "sorted_sequence"),
        (lambda L: L.searchsorted(L.tensor([True, False]), L.tensor([True])), "bool"),
    ]
    for call, match in cases:
        raises_as_torch(torch, call, "searchsorted", match)
    cases = [
        (lambda L: L.bucketize(v(L), L.ones(2, 2)), "1 dimension"),
        (lambda L: L.bucketize(v(L), L.tensor(1.0)), "1 dimension"),
        (lambda L: L.bucketize([2.0], s(L)), "input"),
        (lambda L: L.bucketize(v(L), [1.0, 2.0]), "boundaries"),
        (lambda L: L.bucketize(v(L), s(L), right=1), "right"),
        (lambda L: L.bucketize(L.tensor([True]), L.tensor([True, False])), "bool"),
    ]
    for call, match in cases:
        raises_as_torch(torch, call, "bucketize", match)


# ----------------------------------------------------------------------------- histc


def _hist_case(rng: np.random.Generator, k: int) -> tuple[np.ndarray, int, float, float]:
    dtype = ("float32", "float64", "float16")[k % 3]
    shape = [(), (0,), (1,), (13,), (3, 4), (40,)][k % 6]
    x = rng.integers(-24, 24, shape) / rng.integers(1, 8)
    if k % 4 == 1 and x.size:  # NaN and inf: left out of a given range
        x.reshape(-1)[rng.random(x.size) < 0.2] = np.nan
        x.reshape(-1)[rng.random(x.size) < 0.1] = np.inf
    bins = int(rng.integers(1, 25))
    if k % 4 in (0, 2):
        lo = hi = float(rng.choice([0.0, 2.0]))  # min == max: the data's own range
    else:
        lo = float(rng.integers(-12, 0)) / rng.integers(1, 6)
        hi = float(rng.integers(1, 12)) / rng.integers(1, 6)
    return np.asarray(x).astype(dtype), bins, lo, hi


def test_histc_matches_pytorch_on_random_inputs(torch) -> None:  # noqa: ANN001
    rng = np.random.default_rng(4)
    for k in range(300):
        x, bins, lo, hi = _hist_case(rng, k)
        same(mg.histc(mg.tensor(x), bins, lo, hi), torch.histc(torch.tensor(x), bins, lo, hi))
        same(mg.tensor(x).histc(bins=bins, min=lo, max=hi),
             torch.tensor(x).histc(bins=bins, min=lo, max=hi))
    for x in ([3.0], [3.0, 3.0], [], [0.0, 1.0, 2.0, 3.0, 4.0], [-1e10, 1e10]):  # edges
        for bins in (1, 3, 4, 100):
            same(mg.histc(mg.tensor(x), bins), torch.histc(torch.tensor(x), bins))
    same(mg.histc(mg.tensor([1.0, 2.0]), 4, mg.tensor(0.0), 3),
         torch.histc(torch.tensor([1.0, 2.0]), 4, torch.tensor(0.0), 3))
    out = mg.histc(mg.tensor([1.0, 2.0], requires_grad=True))
    assert not out.requires_grad and out.grad_fn is None


def test_histc_bad_calls_fail_as_pytorch(torch) -> None:  # noqa: ANN001
    def x(L):  # noqa: ANN001, ANN202
        return L.tensor([1.0, 2.0, 4.0])

    cases = [
        (lambda L: L.histc(x(L), 0), "bins"), (lambda L: L.histc(x(L), -1), "bins"),
        (lambda L: L.histc(x(L), 4.0), "bins"), (lambda L: L.histc(x(L), True), "bins"),
        (lambda L: L.histc(x(L), 4, "a"), "min"), (lambda L: L.histc(x(L), 4, 0, "b"), "max"),
        (lambda L: L.histc(x(L), 4, 2, 1), "max must be larger than min"),
        (lambda L: L.histc(x(L), 4, float("nan"), 1), "not finite"),
        (lambda L: L.histc(x(L), 4, 0, float("inf")), "not finite"),
        (lambda L: L.histc(x(L), 4, float("inf"), 0), "not finite"),
        (lambda L: L.histc(L.tensor([1.0, float("nan")]), 4), "not finite"),
        (lambda L: L.histc(L.tensor([1.0, float("inf")]), 4), "not finite"),
        (lambda L: L.histc(L.tensor([1, 2]), 4), "int64"),
        (lambda L: L.histc(L.tensor([True]), 4), "bool"),
        (lambda L: L.histc([1.0, 2.0], 4), "input"),
    ]
    for call, match in cases:
        raises_as_torch(torch, call, "histc", match)


# ----------------------------------------------------------------------------- bincount

WEIGHTS = [None, "float32", "float64", "float16", "int64", "int32", "bool"]


def test_bincount_matches_pytorch_on_random_inputs(torch) -> None:  # noqa: ANN001
    rng = np.random.default_rng(5)
    for k in range(200):
        n = int(rng.choice([0, 1, 7, 60]))
        x = rng.integers(0, int(rng.choice([1, 5, 30])), n).astype(
            ("int64", "int32", "uint8", "int16")[k % 4])
        minlength = int(rng.choice([0, 1, 3, 40]))
        wdtype = WEIGHTS[k % len(WEIGHTS)]
        w = None if wdtype is None else (rng.standard_normal(n) * 10).astype(wdtype)
        if w is not None and wdtype.startswith("float") and n > 2 and k % 3 == 0:
            w[:2] = np.nan, np.inf  # they add up into their bins
        ours = mg.bincount(mg.tensor(x), None if w is None else mg.tensor(w), minlength)
        theirs = torch.bincount(torch.tensor(x), None if w is None else torch.tensor(w),
                                minlength)
        same(ours, theirs, rtol=1e-6)
        same(mg.tensor(x).bincount(None if w is None else mg.tensor(w), minlength=minlength),
             theirs, rtol=1e-6)
    out = mg.bincount(mg.tensor([1, 0]), mg.tensor([1.0, 2.0], requires_grad=True))
    assert out.grad_fn is None


def test_bincount_bad_calls_fail_as_pytorch(torch) -> None:  # noqa: ANN001
    def i(L):  # noqa: ANN001, ANN202
        return L.tensor([0, 1, 1, 3])

    cases = [
        (lambda L: L.bincount(L.tensor([0, -1])), "non-negative"),
        (lambda L: L.bincount(L.tensor([[0, 1]])), "1-d"),
        (lambda L: L.bincount(L.tensor(1)), "1-d"),
        (lambda L: L.bincount(L.tensor([1.0, 2.0])), "float32"),
        (lambda L: L.bincount(L.tensor([True])), "bool"),
        (lambda L: L.bincount(i(L), minlength=-1), "minlength"),
        (lambda L: L.bincount(i(L), minlength=2.0), "minlength"),
        (lambda L: L.bincount(i(L), minlength=None), "minlength"),
        (lambda L: L.bincount(i(L), L.tensor([1.0, 2.0, 3.0])), "weights"),
        (lambda L: L.bincount(i(L), L.ones(2, 2)), "weights"),
        (lambda L: L.bincount(i(L), [1.0, 2.0, 3.0, 4.0]), "weights"),
        (lambda L: L.bincount([0, 1]), "input"),
    ]
    for call, match in cases:
        raises_as_torch(torch, call, "bincount", match)


def test_counting_errors_without_torch() -> None:
    """The same refusals, PyTorch's types written out, for a machine without torch."""
    raises(RuntimeError, lambda L: L.searchsorted(L.tensor([1.0]), 1.0, side="mid"),
           "searchsorted", "side")
    raises(TypeError, lambda L: L.searchsorted(L.tensor([1.0]), [1.0]), "searchsorted",
           "values")
    raises(RuntimeError, lambda L: L.bucketize(L.tensor([1.0]), L.ones(2, 2)), "bucketize")
    raises(RuntimeError, lambda L: L.histc(L.tensor([1.0]), 4, 2, 1), "histc", "min")
    raises(NotImplementedError, lambda L: L.histc(L.tensor([1]), 4), "histc", "int64")
    raises(RuntimeError, lambda L: L.bincount(L.tensor([-1])), "bincount", "non-negative")
    raises(TypeError, lambda L: L.bincount(L.tensor([1]), minlength=1.0), "bincount",
           "minlength")


# ----------------------------------------------------------------------------- bernoulli

SE = 5  # frequencies must lie within this many standard errors


def test_bernoulli_dtype_shape_and_certain_values_as_pytorch(torch) -> None:  # noqa: ANN001
    rng = np.random.default_rng(6)
    for dtype in ("float32", "float64", "float16"):
        for shape in [(), (0,), (1,), (3, 4)]:
            certain = rng.integers(0, 2, shape).astype(dtype)  # p 0 or 1: no chance at all
            same(mg.bernoulli(mg.tensor(certain)), torch.bernoulli(torch.tensor(certain)))
            same(mg.tensor(certain).bernoulli(), torch.tensor(certain).bernoulli())
            probs = rng.random(shape).astype(dtype)
            ours, theirs = mg.bernoulli(mg.tensor(probs)), torch.bernoulli(torch.tensor(probs))
            assert ours.shape == tuple(theirs.shape) and str(ours.dtype) == dtype
            assert set(np.unique(ours.numpy())) <= {0.0, 1.0}
    for dtype in ("float32", "float64", "int64", "bool"):  # with p: input gives shape, dtype
        for p in (0.0, 1.0):
            x = np.zeros((2, 3), dtype=dtype)
            same(mg.bernoulli(mg.tensor(x), p), torch.bernoulli(torch.tensor(x), p))
            same(mg.tensor(x).bernoulli(p), torch.tensor(x).bernoulli(p))
    same(mg.bernoulli(mg.zeros(3), p=mg.tensor(1.0)), torch.bernoulli(torch.zeros(3), 1.0))


def test_bernoulli_gives_a_zero_gradient_as_pytorch(torch) -> None:  # noqa: ANN001
    x = mg.full((4,), 0.5, requires_grad=True)
    t = torch.full((4,), 0.5, requires_grad=True)
    y, u = mg.bernoulli(x), torch.bernoulli(t)
    assert y.requires_grad and u.requires_grad
    (y * 3).sum().backward()
    (u * 3).sum().backward()
    same(x.grad, t.grad)


def test_bernoulli_frequencies_follow_the_probabilities() -> None:
    mg.manual_seed(0)
    p = np.linspace(0.05, 0.95, 7)
    n = 20000
    draws = mg.bernoulli(mg.tensor(np.tile(p, (n, 1)))).numpy()
    assert np.all(np.abs(draws.mean(0) - p) < SE * np.sqrt(p * (1 - p) / n))
    for q in (0.1, 0.5, 0.8):
        freq = mg.bernoulli(mg.zeros(n), q).mean().item()
        assert abs(freq - q) < SE * np.sqrt(q * (1 - q) / n)
    filled = mg.empty(n, 7).bernoulli_(mg.tensor(p)).numpy()  # a Tensor p, broadcast
    assert np.all(np.abs(filled.mean(0) - p) < SE * np.sqrt(p * (1 - p) / n))
    ints = mg.zeros(n, dtype=mg.int64).bernoulli_(0.3)
    assert ints.dtype == np.int64 and abs(ints.numpy().mean() - 0.3) < SE * np.sqrt(.21 / n)


def test_bernoulli_repeats_under_manual_seed_and_generators() -> None:
    p = mg.rand(100)
    mg.manual_seed(7)
    a = mg.bernoulli(p)
    mg.manual_seed(7)
    assert mg.bernoulli(p).tolist() == a.tolist()
    g1, g2 = mg.Generator().manual_seed(3), mg.Generator().manual_seed(3)
    assert (mg.bernoulli(p, generator=g1).tolist() == mg.bernoulli(p, generator=g2).tolist())
    assert (p.bernoulli(0.4, generator=g1).tolist() == p.bernoulli(0.4, generator=g2).tolist())
    mg.manual_seed(1)
    before = mg.rand(3).tolist()
    mg.manual_seed(1)
    mg.bernoulli(p, generator=g1)  # its own stream: the global one is untouched
    assert mg.rand(3).tolist() == before


def test_bernoulli_bad_calls_fail_as_pytorch(torch) -> None:  # noqa: ANN001
    for bad in (1.5, -0.5, float("nan"), float("inf")):
        raises_as_torch(torch, lambda L, b=bad: L.bernoulli(L.tensor([0.5, b])), "bernoulli",
                        "[0, 1]")
        raises_as_torch(torch, lambda L, b=bad: L.zeros(3).bernoulli_(L.tensor([0.5, b, 0.])),
                        "bernoulli_", "[0, 1]")
    for bad in (1.5, -0.1, float("nan")):
        raises_as_torch(torch, lambda L, b=bad: L.bernoulli(L.zeros(3), b), "bernoulli_",
                        f"p={bad}")
        raises_as_torch(torch, lambda L, b=bad: L.zeros(3).bernoulli_(b), "bernoulli_",
                        f"p={bad}")
    raises_as_torch(torch, lambda L: L.bernoulli(L.tensor([0, 1])), "bernoulli", "int64")
    raises_as_torch(torch, lambda L: L.bernoulli(L.tensor([True])), "bernoulli", "bool")
    raises_as_torch(torch, lambda L: L.bernoulli([0.5]), "bernoulli", "input")
    raises_as_torch(torch, lambda L: L.bernoulli(L.zeros(3), "a"), "bernoulli", "'p'")
    raises_as_torch(torch, lambda L: L.bernoulli(L.zeros(3), L.ones(3)), "bernoulli", "'p'")
    raises_as_torch(torch, lambda L: L.zeros(3).bernoulli_(L.tensor([0, 1, 1])), "bernoulli_",
                    "int64")
    raises_as_torch(torch, lambda L: L.zeros(3).bernoulli_(L.tensor([0.0, 1.0])), "bernoulli_",
                    "broadcast")
    raises_as_torch(torch, lambda L: L.zeros(3).bernoulli_(L.zeros(2, 3)), "bernoulli_",
                    "broadcast")
    raises_as_torch(torch, lambda L: L.zeros(3, requires_grad=True).bernoulli_(0.5),
                    "bernoulli_", "leaf")


# ----------------------------------------------------------------------------- multinomial


def test_multinomial_dtype_shape_and_certain_draws_as_pytorch(torch) -> None:  # noqa: ANN001
    rng = np.random.default_rng(8)
    for dtype in ("float32", "float64", "float16"):
        for shape, n, replacement in [((4,), 2, False), ((4,), 4, False), ((4,), 9, True),
                                      ((3, 5), 3, False), ((3, 5), 7, True), ((1,), 1, False),
                                      ((1,), 3, True), ((0, 3), 2, False), ((0, 3), 5, True),
                                      ((2, 1), 1, False), ((0, 0), 1, True)]:
            w = (rng.random(shape) + 0.1).astype(dtype)
            ours = mg.multinomial(mg.tensor(w), n, replacement)
            theirs = torch.multinomial(torch.tensor(w), n, replacement)
            assert ours.shape == tuple(theirs.shape) and ours.dtype == np.int64
            assert ((ours.numpy() >= 0) & (ours.numpy() < max(shape[-1], 1))).all()
            if not replacement:  # each category at most once per row
                rows = ours.numpy().reshape(-1, n)
                assert all(len(set(r)) == n for r in rows)
            assert mg.tensor(w).multinomial(n, replacement).shape == ours.shape
    one_hot = np.eye(4, dtype=np.float32)[[2, 0, 3]]  # one category only: a certain draw
    same(mg.multinomial(mg.tensor(one_hot), 6, True),
         torch.multinomial(torch.tensor(one_hot), 6, True))
    same(mg.multinomial(mg.tensor(one_hot), 1), torch.multinomial(torch.tensor(one_hot), 1))
    # without replacement, weight-0 categories come only once the others are used up
    same(mg.multinomial(mg.tensor([0.2, 0.0]), 2), torch.multinomial(torch.tensor([0.2, 0.0]),
                                                                     2))
    draws = mg.multinomial(mg.tensor([[0.0, 3.0, 0.0, 1.0]] * 50), 4).numpy()
    assert all(set(r[:2]) == {1, 3} and set(r[2:]) == {0, 2} for r in draws)
    x = mg.tensor([0.2, 0.8], requires_grad=True)
    assert not mg.multinomial(x, 1).requires_grad


def test_multinomial_with_replacement_frequencies_follow_the_weights() -> None:
    mg.manual_seed(0)
    n = 40000
    w = np.array([[1.0, 2.0, 3.0, 4.0, 0.0], [0.0, 5.0, 0.0, 0.0, 5.0]])
    draws = mg.multinomial(mg.tensor(w), n, replacement=True).numpy()
    for row, weights in zip(draws, w):
        p = weights / weights.sum()
        freq = np.bincount(row, minlength=5) / n
        assert np.all(np.abs(freq - p) < SE * np.sqrt(p * (1 - p) / n) + 1e-12)
    flat = mg.multinomial(mg.tensor([0.1, 0.9], dtype=mg.float64), n, True).numpy()
    assert abs(flat.mean() - 0.9) < SE * np.sqrt(0.09 / n)


def test_multinomial_without_replacement_draws_in_weighted_order() -> None:
    """Two draws from weights p: the ordered pair (i, j) has chance p_i p_j / (1 - p_i)."""
    mg.manual_seed(1)
    p = np.array([0.5, 0.3, 0.2])
    n = 30000
    draws = mg.multinomial(mg.tensor(np.tile(p, (n, 1))), 2).numpy()
    assert draws.shape == (n, 2) and (draws[:, 0] != draws[:, 1]).all()
    for i in range(3):
        for j in range(3):
            if i != j:
                q = p[i] * p[j] / (1 - p[i])
                freq = np.mean((draws[:, 0] == i) & (draws[:, 1] == j))
                assert abs(freq - q) < SE * np.sqrt(q * (1 - q) / n), (i, j, freq, q)


def test_multinomial_repeats_under_manual_seed_and_generators() -> None:
    w = mg.rand(3, 10)
    for replacement in (False, True):
        mg.manual_seed(11)
        a = mg.multinomial(w, 5, replacement)
        mg.manual_seed(11)
        assert mg.multinomial(w, 5, replacement).tolist() == a.tolist()
        g1, g2 = mg.Generator().manual_seed(2), mg.Generator().manual_seed(2)
        assert (w.multinomial(5, replacement, generator=g1).tolist()
                == w.multinomial(5, replacement, generator=g2).tolist())


def test_multinomial_bad_calls_fail_as_pytorch(torch) -> None:  # noqa: ANN001
    cases = [
        (lambda L: L.multinomial(L.tensor([0.2, -0.8]), 1), "element < 0"),
        (lambda L: L.multinomial(L.tensor([0.2, float("nan")]), 1, True), "nan"),
        (lambda L: L.multinomial(L.tensor([0.2, float("inf")]), 1), "inf"),
        (lambda L: L.multinomial(L.tensor([[1.0, float("nan")], [0.0, 0.0]]), 1), "nan"),
        (lambda L: L.multinomial(L.tensor([0.0, 0.0]), 1), "sum of probabilities"),
        (lambda L: L.multinomial(L.tensor([[1.0, 0.0], [0.0, 0.0]]), 1, True),
         "sum of probabilities"),
        (lambda L: L.multinomial(L.tensor([0.2, 0.8]), 3), "without replacement"),
        (lambda L: L.multinomial(L.ones(0), 1), "without replacement"),
        (lambda L: L.multinomial(L.ones(3), 0), "n_sample <= 0"),
        (lambda L: L.multinomial(L.ones(3), -1, True), "n_sample <= 0"),
        (lambda L: L.multinomial(L.ones(3), 2.0), "num_samples"),
        (lambda L: L.multinomial(L.ones(3), True), "num_samples"),
        (lambda L: L.multinomial(L.ones(3), 2, 1), "replacement"),
        (lambda L: L.multinomial(L.tensor([1, 2]), 1), "floating"),
        (lambda L: L.multinomial(L.tensor([True, False]), 1), "floating"),
        (lambda L: L.multinomial(L.tensor(0.5), 1), "1 or 2 dim"),
        (lambda L: L.multinomial(L.ones(2, 2, 2), 1), "1 or 2 dim"),
        (lambda L: L.multinomial(L.ones(2, 0), 1, True), "multinomial"),
        (lambda L: L.multinomial([1.0, 2.0], 1), "input"),
    ]
    for call, match in cases:
        raises_as_torch(torch, call, "multinomial", match)


def test_sampling_errors_without_torch() -> None:
    """The same refusals, PyTorch's types written out, for a machine without torch."""
    raises(RuntimeError, lambda L: L.multinomial(L.tensor([0.0, 0.0]), 1), "multinomial",
           "sum of probabilities")
    raises(RuntimeError, lambda L: L.multinomial(L.tensor([1.0, -1.0]), 1), "multinomial",
           "element < 0")
    raises(RuntimeError, lambda L: L.multinomial(L.ones(2), 3), "multinomial",
           "without replacement")
    raises(RuntimeError, lambda L: L.bernoulli(L.tensor([2.0])), "bernoulli", "[0, 1]")
    raises(RuntimeError, lambda L: L.bernoulli(L.zeros(2), 1.5), "bernoulli_", "p=1.5")
    raises(TypeError, lambda L: L.meshgrid(L.ones(2), [1.0], indexing="ij"), "meshgrid")
    raises(RuntimeError, lambda L: L.logspace(0, 1, -1), "logspace", "steps")
