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
