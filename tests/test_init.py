"""nn.init: PyTorch's fan rules and gains, distributions, dtype, reproducibility."""

from __future__ import annotations

import math

import numpy as np
import pytest

import minigrad as mg
from minigrad.nn import init


@pytest.mark.parametrize("shape", [(5, 3), (8, 4, 3, 3), (2, 6, 5)])
def test_fans_match_pytorch(shape: tuple) -> None:
    torch = pytest.importorskip("torch")
    ours = init._calculate_fan_in_and_fan_out(mg.zeros(*shape))
    assert ours == torch.nn.init._calculate_fan_in_and_fan_out(torch.zeros(shape))


@pytest.mark.parametrize("name,param", [("linear", None), ("conv2d", None), ("sigmoid", None),
                                        ("tanh", None), ("relu", None), ("leaky_relu", None),
                                        ("leaky_relu", math.sqrt(5)), ("selu", None)])
def test_calculate_gain_matches_pytorch(name: str, param: float | None) -> None:
    torch = pytest.importorskip("torch")
    assert init.calculate_gain(name, param) == pytest.approx(
        torch.nn.init.calculate_gain(name, param))


def test_calculate_gain_rejects_unknown() -> None:
    with pytest.raises(ValueError, match="unsupported nonlinearity"):
        init.calculate_gain("swish")


def _bound_and_std(fn, shape: tuple, **kw) -> tuple[float, float]:  # noqa: ANN001
    t = mg.zeros(*shape)
    out = fn(t, **kw)
    assert out is t
    return float(np.abs(t.data).max()), float(t._data.std())


def test_kaiming_uniform_bound_and_default_layer_init() -> None:
    mg.manual_seed(0)
    shape = (64, 32, 3, 3)
    fan_in = 32 * 9
    bound, _ = _bound_and_std(init.kaiming_uniform_, shape, nonlinearity="relu")
    expected = math.sqrt(2.0) * math.sqrt(3.0 / fan_in)
    assert expected * 0.98 < bound <= expected
    bound, _ = _bound_and_std(init.kaiming_uniform_, shape, a=math.sqrt(5))
    assert 0.98 / math.sqrt(fan_in) < bound <= 1 / math.sqrt(fan_in)
    bound, _ = _bound_and_std(init.kaiming_uniform_, shape, mode="fan_out",
                              nonlinearity="relu")
    assert bound <= math.sqrt(6.0 / (64 * 9))


def test_kaiming_normal_and_xavier_stds() -> None:
    mg.manual_seed(1)
    shape = (200, 300)
    _, std = _bound_and_std(init.kaiming_normal_, shape, nonlinearity="relu")
    assert std == pytest.approx(math.sqrt(2.0 / 300), rel=0.02)
    _, std = _bound_and_std(init.xavier_normal_, shape, gain=2.0)
    assert std == pytest.approx(2.0 * math.sqrt(2.0 / 500), rel=0.02)
    bound, std = _bound_and_std(init.xavier_uniform_, shape)
    a = math.sqrt(6.0 / 500)
    assert bound <= a and std == pytest.approx(a / math.sqrt(3), rel=0.02)


def test_simple_fills_and_dtype_is_kept() -> None:
    t = mg.zeros(3, 4, dtype=np.float64)
    assert np.all(init.ones_(t).data == 1)
    assert np.all(init.constant_(t, 2.5).data == 2.5)
    assert np.all(init.zeros_(t).data == 0)
    assert t.dtype == np.float64
    u = init.uniform_(mg.zeros(1000), -2, 3).data
    assert u.dtype == np.float32 and u.min() >= -2 and u.max() <= 3
    n = init.normal_(mg.zeros(20000), 1.0, 0.5).data
    assert n.mean() == pytest.approx(1.0, abs=0.02) and n.std() == pytest.approx(0.5, rel=0.03)


def test_init_in_place_keeps_identity_and_requires_grad() -> None:
    from minigrad.nn import Parameter

    p = Parameter(mg.zeros(4, 4))
    data = p._data
    init.xavier_uniform_(p)
    assert p._data is data and p.requires_grad


def test_draws_follow_manual_seed() -> None:
    mg.manual_seed(11)
    a = init.kaiming_normal_(mg.zeros(5, 5))._data.copy()
    mg.manual_seed(11)
    np.testing.assert_array_equal(a, init.kaiming_normal_(mg.zeros(5, 5)).data)


def test_fan_needs_two_dims() -> None:
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(mg.zeros(5))
    with pytest.raises(ValueError, match="mode"):
        init.kaiming_uniform_(mg.zeros(2, 2), mode="fan_avg")


# ---------------------------------------------------------------- trunc_normal_, orthogonal_


@pytest.mark.parametrize("mean,std,a,b", [(0.0, 1.0, -2.0, 2.0), (1.0, 0.5, 0.5, 3.0),
                                          (0.0, 0.02, -0.04, 0.04), (-3.0, 2.0, -4.0, 10.0)])
def test_trunc_normal_stays_in_bounds_with_the_truncated_moments(mean: float, std: float,
                                                                 a: float, b: float) -> None:
    t = mg.zeros(200, 300)
    assert init.trunc_normal_(t, mean, std, a, b) is t
    values = t.numpy().astype(np.float64)
    assert values.min() >= np.float32(a) and values.max() <= np.float32(b)
    # the moments of N(mean, std^2) truncated to [a, b]
    alpha, beta = (a - mean) / std, (b - mean) / std
    pdf = lambda z: math.exp(-z * z / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    cdf = lambda z: 0.5 * (1 + math.erf(z / math.sqrt(2)))  # noqa: E731
    mass = cdf(beta) - cdf(alpha)
    mu = mean + std * (pdf(alpha) - pdf(beta)) / mass
    var = std ** 2 * (1 + (alpha * pdf(alpha) - beta * pdf(beta)) / mass
                      - ((pdf(alpha) - pdf(beta)) / mass) ** 2)
    assert values.mean() == pytest.approx(mu, abs=5 * math.sqrt(var / values.size))
    assert values.std() == pytest.approx(math.sqrt(var), rel=0.01)


def test_trunc_normal_matches_pytorchs_distribution_and_takes_a_generator() -> None:
    torch = pytest.importorskip("torch")
    ours = init.trunc_normal_(mg.zeros(100_000, dtype=np.float64), 0.5, 2.0, -1.0, 3.0)
    theirs = torch.nn.init.trunc_normal_(torch.zeros(100_000, dtype=torch.float64), 0.5, 2.0,
                                         -1.0, 3.0).numpy()
    assert ours.dtype == np.float64
    np.testing.assert_allclose(np.quantile(ours.numpy(), [0.1, 0.25, 0.5, 0.75, 0.9]),
                               np.quantile(theirs, [0.1, 0.25, 0.5, 0.75, 0.9]), atol=0.05)
    draws = [init.trunc_normal_(mg.zeros(5), generator=mg.Generator().manual_seed(3)).numpy()
             for _ in range(2)]
    np.testing.assert_array_equal(*draws)


def test_trunc_normal_warns_far_from_the_interval_and_refuses_empty_bounds() -> None:
    with pytest.warns(UserWarning, match="more than 2 std"):
        init.trunc_normal_(mg.zeros(10), mean=10.0, std=1.0, a=-2.0, b=2.0)
    with pytest.raises(ValueError, match=r"trunc_normal_.*a=2.0.*b=1.0"):
        init.trunc_normal_(mg.zeros(3), a=2.0, b=1.0)


@pytest.mark.parametrize("shape", [(6, 6), (4, 9), (9, 4), (8, 3, 3, 3), (3, 2, 5)])
@pytest.mark.parametrize("gain", [1.0, 2.5])
def test_orthogonal_rows_or_columns_are_orthonormal(shape: tuple, gain: float) -> None:
    t = mg.zeros(*shape, dtype=np.float64)
    assert init.orthogonal_(t, gain=gain) is t
    flat = t.numpy().reshape(shape[0], -1) / gain
    small = flat @ flat.T if flat.shape[0] <= flat.shape[1] else flat.T @ flat
    np.testing.assert_allclose(small, np.eye(len(small)), atol=1e-12)


def test_orthogonal_is_seeded_float32_and_refuses_vectors() -> None:
    a, b = mg.zeros(5, 7), mg.zeros(5, 7)
    init.orthogonal_(a, generator=mg.Generator().manual_seed(1))
    init.orthogonal_(b, generator=mg.Generator().manual_seed(1))
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert a.dtype == np.float32
    with pytest.raises(ValueError, match=r"orthogonal_.*2 or more dimensions.*\(5,\)"):
        init.orthogonal_(mg.zeros(5))
    empty = mg.zeros(0, 4)
    assert init.orthogonal_(empty) is empty
