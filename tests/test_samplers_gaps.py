"""Tensor.random_/exponential_/geometric_/log_normal_/cauchy_ and torch.poisson: their
distributions (moments, ranges), dtypes and shapes, the one generator (a seed repeats the
draws, ``generator=`` is honoured), the in-place rules, and PyTorch's refusals. The values
are not compared with PyTorch's (another generator)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from helpers import assert_raises_as_torch

import minigrad as mg

N = 200_000


@pytest.mark.parametrize("dtype,high", [(np.float32, 2**24), (np.float64, 2**53),
                                        (np.float16, 2**11), (np.int64, 2**63 - 1),
                                        (np.int32, 2**31 - 1), (np.int16, 2**15 - 1),
                                        (np.int8, 127), (np.uint8, 255), (np.bool_, 1)])
def test_random_without_bounds_covers_the_dtypes_exact_integers(dtype: type, high: int) -> None:
    x = mg.empty(N, dtype=dtype).random_()
    assert x.dtype == dtype and x.shape == (N,)
    values = x.numpy().astype(np.float64)
    assert values.min() >= 0 and values.max() <= high
    assert np.all(values == np.round(values))
    assert abs(values.mean() / high - 0.5) < 0.01  # uniform over [0, high]


def test_random_with_bounds_is_uniform_on_from_to_minus_one() -> None:
    for args, kwargs, lo, hi in (((10,), {}, 0, 9), ((3, 7), {}, 3, 6), ((), {"to": 4}, 0, 3),
                                 ((-3, 7), {}, -3, 6), ((2, None), {}, 2, 2**24)):
        x = mg.empty(N).random_(*args, **kwargs).numpy()
        assert x.min() >= lo and x.max() <= hi
        if hi - lo < 20:
            assert x.min() == lo and x.max() == hi
            counts = np.bincount((x - lo).astype(int))
            assert np.all(np.abs(counts / N - 1 / (hi - lo + 1)) < 0.01)
    x = mg.empty(3, 4, dtype=mg.int8).random_(100, None)
    assert x.shape == (3, 4) and x.dtype == np.int8 and x.numpy().min() >= 100


def test_continuous_samplers_have_the_right_moments() -> None:
    x = mg.empty(N, dtype=mg.float64).exponential_(2.0).numpy()
    assert x.min() >= 0 and abs(x.mean() - 0.5) < 0.01 and abs(x.std() - 0.5) < 0.01
    x = mg.empty(N).log_normal_(0.5, 0.25).numpy()
    assert x.dtype == np.float32 and x.min() > 0
    assert abs(np.log(x).mean() - 0.5) < 0.005 and abs(np.log(x).std() - 0.25) < 0.005
    x = mg.empty(N, dtype=mg.float64).cauchy_(3.0, 2.0).numpy()
    assert abs(np.median(x) - 3.0) < 0.05  # the quartiles are median -+ sigma
    assert abs(np.percentile(x, 75) - np.percentile(x, 25) - 4.0) < 0.1
    x = mg.empty(N, dtype=mg.int64).geometric_(0.25).numpy()
    assert x.dtype == np.int64 and x.min() == 1
    assert abs(x.mean() - 4.0) < 0.05 and abs(x.var() - 12.0) < 0.5  # (1 - p) / p**2


def test_poisson_draws_counts_of_the_rates() -> None:
    rates = np.repeat(np.array([0.0, 0.5, 4.0, 100.0]), 50_000).reshape(4, -1)
    x = mg.poisson(mg.tensor(rates))
    assert x.dtype == np.float64 and x.shape == rates.shape
    data = x.numpy()
    assert np.all(data == np.round(data)) and np.all(data[0] == 0)
    for row, lam in zip(data[1:], (0.5, 4.0, 100.0)):
        assert abs(row.mean() - lam) < 4 * math.sqrt(lam / row.size) + 1e-3
        assert abs(row.var() / lam - 1) < 0.05
    assert mg.poisson(mg.tensor([1.0], dtype=mg.float32)).dtype == np.float32
    assert mg.poisson(mg.zeros(0, 3)).shape == (0, 3)
    assert mg.poisson(mg.tensor(3.0)).shape == ()


def test_poisson_gradient_is_zero_as_pytorchs(torch) -> None:
    x, t = mg.tensor([1.0, 2.0], requires_grad=True), torch.tensor([1.0, 2.0], requires_grad=True)
    y, r = mg.poisson(x), torch.poisson(t)
    assert y.requires_grad == r.requires_grad
    y.sum().backward()
    r.sum().backward()
    assert x.grad.tolist() == t.grad.tolist() == [0.0, 0.0]


@pytest.mark.parametrize("call", [
    lambda t, g: t.random_(generator=g), lambda t, g: t.random_(5, generator=g),
    lambda t, g: t.exponential_(generator=g), lambda t, g: t.geometric_(0.3, generator=g),
    lambda t, g: t.log_normal_(generator=g), lambda t, g: t.cauchy_(generator=g),
    lambda t, g: mg.poisson(t.abs(), g),
])
def test_a_seed_repeats_the_draws_and_generator_is_honoured(call) -> None:  # noqa: ANN001
    mg.manual_seed(3)
    first = call(mg.ones(50), None).numpy().copy()
    mg.manual_seed(3)
    assert np.array_equal(call(mg.ones(50), None).numpy(), first)
    g1, g2 = mg.Generator().manual_seed(9), mg.Generator().manual_seed(9)
    a = call(mg.ones(50), g1).numpy().copy()
    mg.manual_seed(4)  # the default generator does not matter
    assert np.array_equal(call(mg.ones(50), g2).numpy(), a)


def test_samplers_work_in_place_and_respect_the_leaf_rule() -> None:
    x = mg.zeros(2, 3)
    for name, args in (("random_", (5,)), ("exponential_", ()), ("geometric_", (0.5,)),
                       ("log_normal_", ()), ("cauchy_", ())):
        version = x._version
        assert getattr(x, name)(*args) is x and x.shape == (2, 3)
        assert x._version == version + 1
    leaf = mg.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        leaf.exponential_()
    with mg.no_grad():
        leaf.exponential_()
    assert leaf.numpy(force=True).min() >= 0
    y = mg.ones(3, requires_grad=True) * 2
    y.cauchy_()
    y.sum().backward()  # the draw replaced the values: no gradient reaches the old ones


BAD = [
    (lambda L: L.empty(3).random_(5, 2), RuntimeError,
     "random_: expects 'from' to be less than 'to'"),
    (lambda L: L.empty(3).random_(0), RuntimeError, "random_: expects 'from'"),
    (lambda L: L.empty(3, dtype=L.uint8).random_(0, 300), RuntimeError,
     "random_: to - 1 is out of bounds for unsigned char"),
    (lambda L: L.empty(3, dtype=L.uint8).random_(-1, 5), RuntimeError,
     "random_: from is out of bounds"),
    (lambda L: L.empty(3, dtype=L.bool).random_(3), RuntimeError, "random_: to - 1 is out of"),
    (lambda L: L.empty(3).exponential_(0), RuntimeError, "exponential_: expects lambda > 0.0"),
    (lambda L: L.empty(3, dtype=L.long).exponential_(), RuntimeError,
     "exponential_: Exponential distribution is a continuous"),
    (lambda L: L.empty(3).geometric_(1), RuntimeError, r"geometric_: expects p to be in \(0, 1\)"),
    (lambda L: L.empty(3, dtype=L.bool).geometric_(0.5), NotImplementedError, "geometric_:"),
    (lambda L: L.empty(3).log_normal_(0, 0), RuntimeError, "log_normal_: expects std > 0.0"),
    (lambda L: L.empty(3, dtype=L.long).log_normal_(), NotImplementedError, "log_normal_:"),
    (lambda L: L.empty(3).cauchy_(0, -1), RuntimeError, "cauchy_: expects sigma > 0.0"),
    (lambda L: L.empty(3, dtype=L.long).cauchy_(), RuntimeError, "cauchy_: Cauchy"),
    (lambda L: L.poisson(L.tensor([1, 2])), NotImplementedError, "poisson: not implemented"),
    (lambda L: L.poisson(L.tensor([-1.0])), RuntimeError, "poisson: invalid Poisson rate"),
]


@pytest.mark.parametrize("i", range(len(BAD)))
def test_bad_calls_raise_pytorchs_exception_types(i: int) -> None:
    call, kind, match = BAD[i]
    assert_raises_as_torch(call, kind, match)
