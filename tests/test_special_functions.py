"""minigrad.special's gamma, error-function and Bessel families (and the torch.* and
Tensor names of the same functions) against PyTorch: values on wide grids (tiny, huge,
negative, near the poles, inf and NaN) in float64 to ~1e-13 relative and in float32, every
input's gradient, gradcheck and gradgradcheck in float64, 0-d and empty inputs, bad calls;
and against high-precision values (mpmath's, written down here) where PyTorch's float64
answer is itself off (ndtr's left tail, trigamma, igamma near a = x)."""

from __future__ import annotations

import subprocess
import sys
import warnings
from collections.abc import Callable

import numpy as np
import pytest
from helpers import assert_raises_as_torch

import minigrad as mg
from minigrad import special_math

nan, inf = float("nan"), float("inf")
rng = np.random.default_rng(7)


def _grid(*parts: object) -> np.ndarray:
    return np.concatenate([np.atleast_1d(np.asarray(p, dtype=np.float64)) for p in parts])


# the gamma family: no negative integers here (PyTorch's trigamma is finite garbage there,
# see test_poles_and_edges); tiny, huge, negative, both sides of Stirling's switch at 13
GAMMA = _grid([-inf, -1e10 - 0.5, -50.5, -10.3, -2.5, -0.5, -1e-300, -0.0, 0.0, 5e-324,
               1e-300, 1e-8, 0.1, 0.5, 1.0, 1.4616321449683623, 2.0, 2.5, 3.0, 10.0, 12.99,
               13.0, 13.01, 100.5, 1e5, 1e15, 1e300, inf, nan],
              rng.uniform(-20, 20, 120), 10 ** rng.uniform(-5, 5, 60))
GAMMA = GAMMA[~((GAMMA < 0) & (GAMMA == np.floor(GAMMA)))]
POSITIVE = _grid([1e-300, 1e-8, 0.1, 0.5, 1.0, 2.0, 9.99, 10.0, 13.0, 1e3, 1e8, inf, nan],
                 10 ** rng.uniform(-4, 4, 80))
ERF = _grid([-inf, -30.0, -27.0, -5.0, -1.0, -0.5, -1e-300, 0.0, 1e-10, 0.3, 0.99, 1.0, 1.5,
             5.0, 10.0, 26.0, 27.0, 27.5, 30.0, 1e10, inf, nan],
            rng.uniform(-10, 10, 150), rng.uniform(0, 27, 100))
UNIT = _grid([-inf, -2.0, -1.0, -1 + 2 ** -53, -0.999999, -0.5, -1e-300, -0.0, 0.0, 1e-10, 0.3,
              0.7, 1 - 2 ** -53, 1.0, 1.0000001, 2.0, inf, nan], rng.uniform(-1, 1, 150))
PROB = _grid([-1.0, 0.0, 1e-300, 1e-20, 0.01, 0.25, 0.5, 0.75, 0.99, 1 - 2 ** -53, 1.0, 2.0,
              nan], rng.uniform(0, 1, 120), 10 ** rng.uniform(-300, 0, 50))
BESSEL = _grid([-inf, -710.0, -8.0, -1e-300, 0.0, 1e-20, 7.999, 8.0, 8.001, 100.0, 700.0,
                710.0, inf, nan], rng.uniform(-20, 20, 150), rng.uniform(-700, 700, 50))
REAL = _grid([-inf, -100.0, -1.0, -1e-300, 0.0, 1e-300, 0.5, 1.0, 3.0, 1e3, 1e300, inf, nan],
             rng.uniform(-10, 10, 100))

# name: (ours, PyTorch's, grid, rtol in float64, atol in float64)
UNARY: dict[str, tuple[Callable, Callable, np.ndarray, float, float]] = {
    "lgamma": (mg.lgamma, lambda t: t.lgamma(), GAMMA, 1e-13, 1e-13),
    "gammaln": (mg.special.gammaln, lambda t: __import__("torch").special.gammaln(t), GAMMA,
                1e-13, 1e-13),
    "digamma": (mg.digamma, lambda t: t.digamma(), GAMMA, 1e-14, 1e-15),
    "psi": (lambda t: t.digamma(), lambda t: __import__("torch").special.psi(t), POSITIVE,
            1e-13, 1e-14),
    "erfc": (mg.erfc, lambda t: t.erfc(), ERF, 1e-14, 1e-300),
    "erfcx": (mg.special.erfcx, "erfcx", ERF, 1e-13, 1e-300),
    "erfinv": (lambda t: t.erfinv(), lambda t: t.erfinv(), UNIT, 5e-15, 0.0),
    "ndtri": (mg.special.ndtri, "ndtri", PROB, 1e-13, 0.0),
    "log_ndtr": (mg.special.log_ndtr, "log_ndtr", ERF, 1e-14, 1e-300),
    "i0": (mg.i0, lambda t: t.i0(), BESSEL, 1e-14, 0.0),
    "i0e": (mg.special.i0e, "i0e", BESSEL, 1e-14, 0.0),
    "i1": (mg.special.i1, "i1", BESSEL, 1e-14, 0.0),
    "i1e": (mg.special.i1e, "i1e", BESSEL, 1e-14, 0.0),
    "entr": (mg.special.entr, "entr", REAL, 1e-15, 0.0),
    "sinc": (lambda t: t.sinc(), lambda t: t.sinc(), REAL, 1e-15, 1e-300),
    "exp2": (mg.exp2, lambda t: t.exp2(), REAL, 1e-15, 0.0),
    "special exp2": (mg.special.exp2, "exp2", REAL, 1e-15, 0.0),
    "special erfinv": (mg.special.erfinv, "erfinv", UNIT, 5e-15, 0.0),
    "special erfc": (mg.special.erfc, "erfc", ERF, 1e-14, 1e-300),
    "special i0": (mg.special.i0, "i0", BESSEL, 1e-14, 0.0),
    "special sinc": (mg.special.sinc, "sinc", REAL, 1e-15, 1e-300),
    "special digamma": (mg.special.digamma, "digamma", GAMMA, 1e-13, 1e-14),
}
# PyTorch's float64 trigamma (the gradient of digamma) is good to ~5e-10 only
# (1e-12: ndtri's gradient exp(y**2 / 2) magnifies y's last bit, the Bessel ones cancel)
GRAD_RTOL = {"digamma": 2e-9, "psi": 2e-9, "special digamma": 2e-9, "ndtri": 1e-12,
             "i0e": 1e-12, "i1e": 1e-12, "i1": 1e-12, "special i0": 1e-12, "i0": 1e-12}


def _theirs(torch: object, fn: Callable | str) -> Callable:
    return (lambda t: getattr(torch.special, fn)(t)) if isinstance(fn, str) else fn


def _assert_close(got: np.ndarray, want: np.ndarray, rtol: float, atol: float,
                  what: str) -> None:
    """Values to ``rtol`` (``atol`` near 0), NaN and +-inf exactly where PyTorch's are."""
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want), err_msg=f"{what}: NaNs")
    np.testing.assert_array_equal(np.isposinf(got), np.isposinf(want), err_msg=f"{what}: +inf")
    np.testing.assert_array_equal(np.isneginf(got), np.isneginf(want), err_msg=f"{what}: -inf")
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, equal_nan=True, err_msg=what)


def _compare(torch: object, ours: Callable, theirs: Callable, arrays: list[np.ndarray],
             rtol: float, atol: float, grad_rtol: float | None = None,
             grads: list[bool] | None = None, grad_atol: float | None = None) -> None:
    """Output shape, dtype, values and each float input's gradient (one random cotangent)."""
    grads = grads or [a.dtype.kind == "f" for a in arrays]
    a_ours = [mg.tensor(a, requires_grad=g) for a, g in zip(arrays, grads)]
    a_theirs = [torch.tensor(a, requires_grad=g) for a, g in zip(arrays, grads)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out, ref = ours(*a_ours), theirs(*a_theirs)
    assert out.shape == tuple(ref.shape)
    assert out.dtype == np.dtype(str(ref.dtype).replace("torch.", ""))
    _assert_close(out.detach().numpy(), ref.detach().numpy(), rtol, atol, "values")
    if out.numel() == 0 or not ref.requires_grad:
        return
    g = rng.normal(size=out.shape).astype(out.dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (out * mg.tensor(g)).sum().backward()
        (ref * torch.tensor(g)).sum().backward()
    for i, (a, b) in enumerate(zip(a_ours, a_theirs)):
        if grads[i]:
            _assert_close(a.grad.numpy(), b.grad.numpy(), grad_rtol or rtol,
                          atol if grad_atol is None else grad_atol,
                          f"gradient of input {i}")


@pytest.mark.parametrize("name", list(UNARY))
def test_float64_values_and_gradients_match_pytorch(torch: object, name: str) -> None:
    ours, theirs, grid, rtol, atol = UNARY[name]
    _compare(torch, ours, _theirs(torch, theirs), [grid], rtol, atol,
             grad_rtol=GRAD_RTOL.get(name, max(rtol, 1e-13)),
             grad_atol=1e-15 if "erfcx" in name else None)  # 2x erfcx(x) - 2/sqrt(pi)


@pytest.mark.parametrize("name", [n for n in UNARY if " " not in n])
def test_float32_values_and_gradients_match_pytorch(torch: object, name: str) -> None:
    """float32 in, float32 out; minigrad computes in float64 and rounds once, PyTorch in
    float32, so the agreement is float32's (absolute near zeros, sinc's sin(pi x))."""
    ours, theirs, grid, _, _ = UNARY[name]
    grid = grid[np.abs(grid) < 1e30].astype(np.float32)
    grid = grid[~((grid < 0) & (grid == np.floor(grid)))]  # no new poles (see below)
    if name == "sinc":
        grid = grid[np.abs(grid) < 100]
    _compare(torch, ours, _theirs(torch, theirs), [grid], 2e-5, 2e-5,
             grad_rtol=1e-4)


@pytest.mark.parametrize("name", [n for n in UNARY if " " not in n])
def test_integers_give_the_default_float_dtype_and_0d_and_empty_work(torch: object,
                                                                      name: str) -> None:
    ours, theirs, _, _, _ = UNARY[name]
    theirs = _theirs(torch, theirs)
    if name not in ("erfinv",):  # torch.erfinv of an integer: inf/nan, checked below too
        ints = np.array([0, 1, 2, 3])
        _compare(torch, ours, theirs, [ints], 2e-6, 1e-6)
    for shape in [(), (0,), (2, 0, 3), (1,)]:
        _compare(torch, ours, theirs, [np.full(shape, 0.375)], 1e-13, 0.0,
                 grad_rtol=GRAD_RTOL.get(name))


# ----------------------------------------------------------------------------- polygamma


@pytest.mark.parametrize("n", [0, 1, 2, 3, 5])
def test_polygamma_matches_pytorch_for_each_order(torch: object, n: int) -> None:
    grid = GAMMA[np.abs(GAMMA) < 1e8]
    rtol = 1e-9 if n == 1 else 1e-12  # n = 1: PyTorch's trigamma (to ~5e-10)
    grad_rtol = 1e-9 if n <= 1 else 1e-12
    _compare(torch, lambda t: mg.polygamma(n, t), lambda t: torch.polygamma(n, t), [grid],
             rtol, 1e-14 * (1 + n) ** 4, grad_rtol=grad_rtol)
    _compare(torch, lambda t: t.polygamma(n), lambda t: t.polygamma(n),
             [rng.uniform(0.1, 5, (3, 4))], rtol, 0.0, grad_rtol=grad_rtol)
    _compare(torch, lambda t: mg.special.polygamma(n, t),
             lambda t: torch.special.polygamma(n, t), [POSITIVE.astype(np.float32)], 1e-4, 1e-4)


def test_trigamma_is_accurate_where_pytorchs_is_not() -> None:
    """High-precision values (mpmath): PyTorch's float64 trigamma is 5e-10 off here."""
    got = mg.polygamma(1, mg.tensor([7.25, -2.5], dtype=mg.float64)).numpy()
    np.testing.assert_allclose(got, [0.14787923315893217, 9.539246644989124], rtol=1e-14)


@pytest.mark.parametrize("p", [1, 2, 3, 5])
def test_multigammaln_is_mvlgamma_and_matches_pytorch(torch: object, p: int) -> None:
    x = rng.uniform((p - 1) / 2 + 0.01, 20, (3, 4))
    _compare(torch, lambda t: mg.mvlgamma(t, p), lambda t: torch.mvlgamma(t, p), [x],
             1e-13, 1e-13)
    _compare(torch, lambda t: mg.special.multigammaln(t, p),
             lambda t: torch.special.multigammaln(t, p), [x.astype(np.float32)], 1e-5, 1e-5)
    _compare(torch, lambda t: t.mvlgamma(p=p), lambda t: t.mvlgamma(p=p),
             [np.full((), p + 0.5)], 1e-13, 1e-13)
    # PyTorch 2.13 no longer refuses x <= (p - 1) / 2: log |Gamma| of what is there
    _compare(torch, lambda t: mg.mvlgamma(t, p), lambda t: torch.mvlgamma(t, p),
             [np.array([0.3, -0.7, 0.0, 1.0])], 1e-13, 1e-13)


# ----------------------------------------------------------------------------- binary


def _pairs(a_values: list[float], x_values: list[float]) -> tuple[np.ndarray, np.ndarray]:
    a, x = np.meshgrid(np.array(a_values), np.array(x_values))
    return a.ravel(), x.ravel()


IGAMMA_A = [0.0, 1e-3, 0.1, 0.5, 1.0, 2.5, 10.0, 25.0, 100.0, 250.0, 1e3, 1e4, -1.0, inf, nan]
IGAMMA_X = [0.0, 1e-5, 0.1, 0.5, 1.0, 1.05, 2.0, 10.0, 24.0, 30.0, 100.0, 240.0, 1050.0,
            1e4, -1.0, inf, nan]


@pytest.mark.parametrize("name", ["igamma", "igammac"])
def test_incomplete_gamma_matches_pytorch_and_its_x_gradient(torch: object, name: str) -> None:
    a, x = _pairs(IGAMMA_A, IGAMMA_X)
    special = {"igamma": "gammainc", "igammac": "gammaincc"}[name]
    # PyTorch's asymptotic branch (a > 20, x near a) is good to ~2e-9 (pi taken in float32)
    for ours, theirs in [(getattr(mg, name), getattr(torch, name)),
                         (getattr(mg.special, special), getattr(torch.special, special)),
                         (lambda u, v: getattr(u, name)(v), lambda u, v: getattr(u, name)(v))]:
        _compare(torch, ours, theirs, [a, x], 3e-9, 1e-300, grads=[False, True])
    _compare(torch, getattr(mg, name), getattr(torch, name),
             [a.astype(np.float32), x.astype(np.float32)], 1e-4, 1e-6, grads=[False, True])
    _compare(torch, getattr(mg, name), getattr(torch, name),  # broadcasting, 0-d, empty
             [rng.uniform(0.5, 5, (3, 1)), rng.uniform(0.1, 8, (4,))], 1e-13, 0.0,
             grads=[False, True])
    _compare(torch, getattr(mg, name), getattr(torch, name), [np.full((), 2.0), np.zeros((0,))],
             1e-13, 0.0, grads=[False, True])


def test_incomplete_gamma_is_accurate_near_a_equals_x() -> None:
    """mpmath's values, where PyTorch's float64 answer is ~2e-10 off."""
    p = mg.igamma(mg.tensor([100.0], dtype=mg.float64), mg.tensor([100.0], dtype=mg.float64))
    q = mg.igammac(mg.tensor([1000.0], dtype=mg.float64), mg.tensor([1050.0], dtype=mg.float64))
    np.testing.assert_allclose(p.numpy(), [0.5132987982791487], rtol=1e-14)
    np.testing.assert_allclose(q.numpy(), [0.05867111137731808], rtol=1e-13)


def test_zeta_matches_pytorch_with_numbers_on_either_side(torch: object) -> None:
    s, q = _pairs([0.5, 1.0, 1.5, 2.0, 3.0, 4.5, 10.0, 50.0, inf, nan],
                  [-100.25, -70.75, -2.5, -2.0, -1.5, 0.0, 1e-3, 0.5, 1.0, 2.5, 10.0, 100.0, 1e8,
                   nan])
    _compare(torch, mg.special.zeta, torch.special.zeta, [s, q], 1e-13, 1e-300,
             grads=[False, True])
    _compare(torch, lambda v: mg.special.zeta(2.0, v), lambda v: torch.special.zeta(2.0, v),
             [POSITIVE], 1e-13, 0.0)
    _compare(torch, lambda v: mg.special.zeta(v, 3.0), lambda v: torch.special.zeta(v, 3.0),
             [np.array([1.0, 1.5, 2.0, 30.0])], 1e-13, 0.0, grads=[False])
    _compare(torch, mg.special.zeta, torch.special.zeta,
             [np.array([2, 3]), np.array([1, 2])], 1e-6, 0.0)


def test_xlog1py_matches_pytorch_zero_times_log_included(torch: object) -> None:
    x = np.array([0.0, 0.0, 0.0, 0.0, 1.0, 2.0, -3.0, nan, 0.0, 1.5])
    y = np.array([-1.0, -2.0, inf, nan, 0.5, -1.0, 1e-12, 1.0, 3.0, -0.5])
    _compare(torch, mg.special.xlog1py, torch.special.xlog1py, [x, y], 1e-15, 0.0)
    _compare(torch, lambda v: mg.special.xlog1py(2.0, v),
             lambda v: torch.special.xlog1py(2.0, v), [REAL], 1e-15, 0.0)
    _compare(torch, lambda v: mg.special.xlog1py(v, 3), lambda v: torch.special.xlog1py(v, 3),
             [np.array([0, 1, 2])], 1e-7, 0.0)


def test_logaddexp2_matches_pytorch(torch: object) -> None:
    a = _grid([-inf, -inf, inf, inf, 0.0, -1000.0, 1000.0, nan, 3.0], rng.normal(0, 20, 50))
    b = _grid([-inf, inf, inf, 5.0, 0.0, -1001.0, 1000.5, 1.0, nan], rng.normal(0, 20, 50))
    _compare(torch, mg.logaddexp2, torch.logaddexp2, [a, b], 1e-14, 0.0)
    _compare(torch, lambda u, v: u.logaddexp2(v), lambda u, v: u.logaddexp2(v),
             [rng.normal(size=(3, 1)).astype(np.float32), rng.normal(size=(4,)).astype(
                 np.float32)], 1e-6, 1e-6)


# ----------------------------------------------------------------------------- edges


def test_poles_and_edges() -> None:
    x = mg.tensor([-inf, -2.0, -1.0, -0.0, 0.0, inf, nan], dtype=mg.float64)
    assert mg.lgamma(x).tolist()[:6] == [inf] * 6
    np.testing.assert_array_equal(mg.digamma(x).numpy(), [nan, nan, nan, inf, -inf, inf, nan])
    # minigrad: +inf at the poles; PyTorch's trigamma gives a large finite number there
    np.testing.assert_array_equal(mg.polygamma(1, x).numpy(), [nan, inf, inf, inf, inf, 0, nan])
    np.testing.assert_array_equal(mg.erfinv(mg.tensor([-1.0, 1.0, 1.5, -0.0])).numpy(),
                                  [-inf, inf, nan, -0.0])
    assert np.signbit(mg.erfinv(mg.tensor([-0.0])).numpy()[0])


def test_the_left_tail_of_ndtr_keeps_its_digits(torch: object) -> None:
    """PyTorch computes ndtr as (1 + erf(x / sqrt(2))) / 2: 2% off at -8, 0 below -8.3;
    minigrad as erfc(-x / sqrt(2)) / 2 (mpmath's values below)."""
    got = mg.special.ndtr(mg.tensor([-10.0, -30.0], dtype=mg.float64)).numpy()
    np.testing.assert_allclose(got, [7.619853024160525e-24, 4.906713927148187e-198],
                               rtol=1e-13)
    x = _grid([-5.0, -1.0, 0.0, 0.3, 1.0, 5.0, 9.0, 40.0, inf, -inf, nan],
              rng.uniform(-5, 10, 100))
    _compare(torch, mg.special.ndtr, torch.special.ndtr, [x], 1e-13, 3e-16)
    _compare(torch, mg.special.ndtr, torch.special.ndtr, [x.astype(np.float32)], 1e-5, 1e-7)
    np.testing.assert_allclose(mg.special.log_ndtr(mg.tensor([-40.0], dtype=mg.float64)).numpy(),
                               [-804.6084420137538], rtol=1e-14)


def test_erfc_and_lgamma_far_out() -> None:
    np.testing.assert_allclose(mg.erfc(mg.tensor([20.0], dtype=mg.float64)).numpy(),
                               [5.395865611607901e-176], rtol=1e-14)
    np.testing.assert_allclose(mg.erfinv(mg.tensor([1 - 2 ** -52], dtype=mg.float64)).numpy(),
                               [5.805018683193453], rtol=1e-14)
    np.testing.assert_allclose(mg.lgamma(mg.tensor([1e300], dtype=mg.float64)).numpy(),
                               [6.897755278982137e302], rtol=1e-14)


# ----------------------------------------------------------------------------- gradcheck

GRADCHECK = {  # name: (function, a float64 input where it is smooth)
    "lgamma": (mg.lgamma, rng.uniform(0.2, 6, (2, 3)) * np.array([1, -1, 1])),
    "digamma": (mg.digamma, rng.uniform(0.2, 6, (2, 3))),
    "polygamma 2": (lambda t: mg.polygamma(2, t), rng.uniform(0.5, 4, (4,))),
    "mvlgamma": (lambda t: mg.mvlgamma(t, 3), rng.uniform(1.5, 5, (3,))),
    "erfc": (mg.erfc, rng.uniform(-3, 3, (5,))),
    "erfcx": (mg.special.erfcx, rng.uniform(-2, 5, (5,))),
    "erfinv": (mg.erfinv, rng.uniform(-0.9, 0.9, (5,))),
    "ndtr": (mg.special.ndtr, rng.uniform(-4, 4, (5,))),
    "ndtri": (mg.special.ndtri, rng.uniform(0.05, 0.95, (5,))),
    "log_ndtr": (mg.special.log_ndtr, rng.uniform(-5, 4, (5,))),
    "i0": (mg.i0, rng.uniform(-10, 10, (5,))),
    "i0e": (mg.special.i0e, rng.uniform(0.1, 10, (5,)) * np.array([1, -1, 1, -1, 1])),
    "i1": (mg.special.i1, rng.uniform(-10, 10, (5,))),
    "i1e": (mg.special.i1e, rng.uniform(0.1, 10, (5,)) * np.array([1, -1, 1, -1, 1])),
    "entr": (mg.special.entr, rng.uniform(0.1, 3, (5,))),
    "sinc": (mg.sinc, rng.uniform(-3, 3, (5,))),
    "exp2": (mg.exp2, rng.uniform(-3, 3, (5,))),
    "igamma": (lambda x: mg.igamma(mg.tensor([0.5, 2.0, 30.0], dtype=mg.float64), x),
               np.array([0.3, 2.5, 29.0])),
    "igammac": (lambda x: mg.igammac(mg.tensor([0.5, 2.0, 30.0], dtype=mg.float64), x),
                np.array([0.3, 2.5, 29.0])),
    "zeta": (lambda q: mg.special.zeta(3.0, q), np.array([0.5, 2.0, 7.0])),
    "xlog1py": (lambda x: mg.special.xlog1py(x, x * 2), rng.uniform(0.1, 2, (4,))),
    "logaddexp2": (lambda x: mg.logaddexp2(x, x.flip(0)), rng.normal(size=(4,))),
}


@pytest.mark.parametrize("name", list(GRADCHECK))
def test_gradcheck_and_gradgradcheck_in_float64(name: str) -> None:
    fn, value = GRADCHECK[name]
    x = mg.tensor(value, dtype=mg.float64, requires_grad=True)
    assert mg.gradcheck(fn, (x,))
    assert mg.gradcheck(fn, (x,), fast_mode=True)
    assert mg.gradgradcheck(fn, (x,))


def test_numerics_keep_the_dtype_and_take_any_shape() -> None:
    for fn in (special_math.lgamma, special_math.digamma, special_math.erfc,
               special_math.erfinv, special_math.i0e, special_math.ndtri, special_math.erfcx,
               special_math.log_ndtr, special_math.i1, special_math.ndtr):
        for dtype in (np.float32, np.float64):
            out = fn(np.full((2, 0, 3), 0.25, dtype=dtype))
            assert out.dtype == dtype and out.shape == (2, 0, 3)
            assert fn(np.array(0.25, dtype=dtype)).shape == ()


# ----------------------------------------------------------------------------- bad calls


BAD = [  # (call(lib), PyTorch's exception type, the start of minigrad's message)
    (lambda lib: lib.lgamma([1.0]), TypeError, r"^lgamma: argument 'input' must be Tensor"),
    (lambda lib: lib.special.digamma(2.0), TypeError, r"^digamma: argument 'input'"),
    (lambda lib: lib.special.erfcx(None), TypeError, r"^erfcx: argument 'input'"),
    (lambda lib: lib.polygamma(-1, lib.ones(2)), RuntimeError,
     r"^polygamma: polygamma\(n, x\) does not support negative n, got n = -1"),
    (lambda lib: lib.polygamma(1.5, lib.ones(2)), TypeError,
     r"^polygamma: argument 'n' must be int, not float"),
    (lambda lib: lib.mvlgamma(lib.ones(2), 0), RuntimeError,
     r"^mvlgamma: p has to be greater than or equal to 1, got p = 0"),
    (lambda lib: lib.igamma(lib.tensor([1, 2]), lib.tensor([1, 2])), NotImplementedError,
     r"^igamma: \"igamma_cpu\" not implemented for 'Long'"),
    (lambda lib: lib.igamma(2.0, lib.ones(2)), TypeError,
     r"^igamma: argument 'input' must be Tensor, not float"),
    (lambda lib: lib.logaddexp2(lib.tensor([1]), lib.tensor([1])), NotImplementedError,
     r"^logaddexp2: \"logaddexp2_cpu\" not implemented for 'Long'"),
    (lambda lib: lib.special.zeta(2.0, 3.0), TypeError, r"^zeta: argument 'input'"),
    (lambda lib: lib.igamma(lib.ones(2, dtype=lib.float64, requires_grad=True),
                            lib.ones(2, dtype=lib.float64)).sum().backward(),
     NotImplementedError, r"^igamma: the derivative for 'igamma: input' is not implemented"),
    (lambda lib: lib.special.zeta(lib.full((2,), 2.0, requires_grad=True),
                                  lib.ones(2)).sum().backward(),
     NotImplementedError, r"^zeta: the derivative for 'zeta: input' is not implemented"),
    (lambda lib: lib.lgamma(lib.ones(2), lib.ones(2)), TypeError, r""),
]


@pytest.mark.parametrize("call,exc,match", BAD)
def test_bad_calls_raise_pytorchs_exception_type(call: Callable, exc: type,
                                                  match: str) -> None:
    assert_raises_as_torch(call, exc, match)


def test_in_place_forms_match_pytorch(torch: object) -> None:
    x = rng.uniform(0.2, 0.9, (3,))
    for name, args in [("lgamma_", ()), ("digamma_", ()), ("polygamma_", (2,)),
                       ("mvlgamma_", (1,)), ("erfinv_", ()), ("erfc_", ()), ("i0_", ()),
                       ("sinc_", ()), ("exp2_", ()), ("igamma_", ()), ("igammac_", ())]:
        ours, theirs = mg.tensor(x), torch.tensor(x)
        extra = (ours,) if name.startswith("igamma") else args
        extra_t = (theirs.clone(),) if name.startswith("igamma") else args
        assert getattr(ours, name)(*extra) is ours
        getattr(theirs, name)(*extra_t)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-9, err_msg=name)
    leaf = mg.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError):
        leaf.lgamma_()


def test_import_minigrad_does_not_load_special() -> None:
    code = ("import sys, minigrad as torch\n"
            "assert 'minigrad.special' not in sys.modules\n"
            "assert 'minigrad.special_math' not in sys.modules\n"
            "x = torch.tensor([1.5])\n"
            "print(round(x.lgamma().item(), 6), round(torch.digamma(x).item(), 6))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["-0.120782", "0.03649"]
