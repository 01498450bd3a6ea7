"""torch.logit (and Tensor.logit), F.pdist, F.rrelu / nn.RReLU, F.gumbel_softmax and
minigrad.special against PyTorch: values, dtypes and gradients, NaN where PyTorch's are NaN
(logit outside [0, 1]); gradcheck and gradgradcheck in float64; the random ones by their
statistics and, with the noise fixed, by PyTorch's formula; bad calls with PyTorch's
exception types."""

from __future__ import annotations

import subprocess
import sys
import warnings
from collections.abc import Callable

import numpy as np
import pytest
from helpers import assert_raises_as_torch, compare_with_torch, optional_torch

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad.functional import activation

torch = optional_torch()  # torch-free tests run without it
rng = np.random.default_rng(31)
TOL = {np.float32: 3e-5, np.float64: 1e-10}
nan, inf = float("nan"), float("inf")

# ----------------------------------------------------------------------------- logit

GRID = np.array([-inf, -1.0, -1e-12, 0.0, 1e-8, 1e-6, 0.3, 0.5, 0.7, 1 - 1e-6, 1.0,
                 1 + 1e-12, 2.0, inf, nan])


def _with_cotangent(fn: Callable, cotangent: float) -> Callable:
    """``fn(x) * cotangent``: the gradient PyTorch gives for a cotangent of 0 (NaN where
    its formula is 0 * inf) is checked as well as for +1 and -1."""
    return lambda x: fn(x) * cotangent


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("eps", [None, 0.0, 1e-6, 0.3, 0.6, -1.0])
def test_logit_values_and_gradients_match_pytorch_nan_included(eps: float | None,
                                                               dtype: type) -> None:
    for cotangent in (1.0, -1.0, 0.0):
        compare_with_torch(_with_cotangent(lambda x: mg.logit(x, eps), cotangent),
                           _with_cotangent(lambda x: torch.logit(x, eps), cotangent),
                           [GRID.astype(dtype)], tol=TOL[dtype])
    compare_with_torch(lambda x: x.logit(eps), lambda x: x.logit(eps),
                       [rng.uniform(-0.5, 1.5, (3, 4)).astype(dtype)], tol=TOL[dtype])


def test_logit_of_integers_gives_the_default_float_and_special_logit_is_it() -> None:
    for eps in (None, 0.1):
        compare_with_torch(lambda x, e=eps: mg.logit(x, e), lambda x, e=eps: torch.logit(x, e),
                           [np.array([0, 1, 2])])
    x = mg.tensor([0.2, 0.9])
    assert mg.special.logit(x, eps=0.1).tolist() == mg.logit(x, 0.1).tolist()
    assert mg.logit(mg.zeros(0, 3)).shape == (0, 3)


def test_logit_gradcheck_and_gradgradcheck() -> None:
    x = mg.tensor(rng.uniform(0.05, 0.95, (2, 3)), requires_grad=True)
    for eps in (None, 0.2):  # 0.2: some inside, some clamped (gradient 0)
        assert mg.gradcheck(lambda t, e=eps: mg.logit(t, e), [x])
        assert mg.gradgradcheck(lambda t, e=eps: mg.logit(t, e), [x])


# ----------------------------------------------------------------------------- pdist

P_VALUES = [0.0, 0.5, 1.0, 1.5, 2.0, 3.0, inf]


def ties(dtype: type = np.float64) -> np.ndarray:
    """Rows with repeated rows, equal coordinates and several coordinates at the maximum
    difference (p = inf ties), from small integers."""
    return rng.integers(-2, 3, size=(6, 3)).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("p", P_VALUES)
def test_pdist_matches_pytorch(p: float, dtype: type) -> None:
    for x in (rng.normal(size=(5, 4)), ties(), rng.normal(size=(1, 3)), np.zeros((0, 3)),
              np.zeros((3, 0)), rng.normal(size=(2, 1))):
        compare_with_torch(lambda a: F.pdist(a, p), lambda a: torch.nn.functional.pdist(a, p),
                           [x.astype(dtype)], tol=TOL[dtype])
    compare_with_torch(lambda a: mg.pdist(a, p=p), lambda a: torch.pdist(a, p=p),
                       [rng.normal(size=(3, 2)).astype(dtype)], tol=TOL[dtype])


@pytest.mark.parametrize("p", P_VALUES)
def test_pdist_with_inf_and_nan_matches_pytorch(p: float) -> None:
    """Values always; the gradient too (NaN where PyTorch's is), except for p < 1 and
    p = inf at pairs holding an inf or NaN coordinate (docs/faq.md)."""
    data = [np.array([[0.0, 1.0], [inf, 1.0], [2.0, 3.0], [1e30, -1e30]]),
            np.array([[0.0, 1.0], [-inf, inf], [2.0, 3.0]]),
            np.array([[0.0, 1.0], [nan, 1.0], [2.0, 3.0]])]
    for i, x in enumerate(data):
        grads = [p in (0.0, 1.0, 1.5, 2.0, 3.0) or (p == inf and i == 2)]
        compare_with_torch(lambda a: F.pdist(a, p), lambda a: torch.nn.functional.pdist(a, p),
                           [x], grads=grads)


@pytest.mark.parametrize("p", [1.0, 1.5, 2.0, 3.0, inf])
def test_pdist_gradcheck_and_gradgradcheck(p: float) -> None:
    x = mg.tensor(rng.normal(size=(4, 3)), requires_grad=True)
    assert mg.gradcheck(lambda a: F.pdist(a, p), [x])
    assert mg.gradgradcheck(lambda a: F.pdist(a, p), [x])


# ----------------------------------------------------------------------------- rrelu

SPECIAL = np.array([-inf, -1e4, -2.0, -1e-30, -0.0, 0.0, 1e-30, 3.0, 1e4, inf, nan])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("bounds", [(1 / 8, 1 / 3), (0.1, 0.1), (-0.5, 0.2), (0.3, 0.9)])
def test_rrelu_in_evaluation_is_pytorchs_exactly(bounds: tuple, dtype: type) -> None:
    lower, upper = bounds
    for x in (SPECIAL.astype(dtype), rng.normal(size=(3, 4)).astype(dtype)):
        compare_with_torch(lambda a: F.rrelu(a, lower, upper),
                           lambda a: torch.nn.functional.rrelu(a, lower, upper), [x], tol=0.0)
        compare_with_torch(lambda a: nn.RReLU(lower, upper).eval()(a),
                           lambda a: torch.nn.RReLU(lower, upper).eval()(a), [x], tol=0.0)


def test_rrelu_in_training_draws_a_uniform_slope_per_non_positive_element() -> None:
    mg.manual_seed(0)
    x = mg.tensor(-np.abs(rng.normal(size=(200, 100))) - 0.01, requires_grad=True)
    out = F.rrelu(x, 0.1, 0.3, training=True)
    out.sum().backward()
    slopes = (out.detach().numpy() / x.detach().numpy()).ravel()
    assert 0.1 <= slopes.min() and slopes.max() <= 0.3
    assert abs(slopes.mean() - 0.2) < 2e-3 and abs(slopes.std() - 0.2 / np.sqrt(12)) < 2e-3
    assert len(np.unique(slopes)) > 0.99 * slopes.size  # one draw per element
    np.testing.assert_allclose(x.grad.numpy().ravel(), slopes, rtol=1e-12)  # d out / d x
    hist = np.histogram(slopes, bins=10, range=(0.1, 0.3))[0]
    assert hist.min() > 0.9 * slopes.size / 10  # flat


def test_rrelu_in_training_keeps_positive_and_nan_elements_as_pytorch() -> None:
    """Positive elements and NaN pass with slope 1 (PyTorch's ``x <= 0`` test fails for
    NaN); zero and -inf take a random slope (0 stays 0, -inf stays -inf)."""
    for lib in (mg, torch):
        x = lib.tensor(SPECIAL, requires_grad=True)
        out = lib.nn.functional.rrelu(x, 0.2, 0.4, training=True)
        out.sum().backward()
        got, grad = out.detach().numpy(), x.grad.numpy()
        np.testing.assert_array_equal(got[SPECIAL > 0], SPECIAL[SPECIAL > 0])
        assert np.isnan(got[-1]) and grad[-1] == 1.0 and (grad[SPECIAL > 0] == 1.0).all()
        assert got[0] == -inf and (got[4:6] == 0).all()
        assert ((0.2 <= grad[:6]) & (grad[:6] <= 0.4)).all()


def test_rrelu_draws_from_minigrads_generator_and_the_module_follows_train_mode() -> None:
    x = mg.tensor(-np.ones(50))
    mg.manual_seed(3)
    first = F.rrelu(x, training=True).numpy()
    mg.manual_seed(3)
    np.testing.assert_array_equal(F.rrelu(x, training=True).numpy(), first)
    layer = nn.RReLU()
    assert len(np.unique(layer(x).numpy())) > 40  # training: random
    np.testing.assert_array_equal(layer.eval()(x).numpy(), -(1 / 8 + 1 / 3) / 2 * np.ones(50))
    assert repr(nn.RReLU()) == repr(torch.nn.RReLU())
    assert repr(nn.RReLU(0.1, 0.2, inplace=True)) == repr(torch.nn.RReLU(0.1, 0.2, True))


# ----------------------------------------------------------------------------- gumbel


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("hard", [False, True])
@pytest.mark.parametrize("tau,dim", [(1.0, -1), (0.5, 0), (3.0, 1)])
def test_gumbel_softmax_with_fixed_noise_is_pytorchs_formula(tau: float, dim: int, hard: bool,
                                                            dtype: type,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    """The noise drawn, the rest is PyTorch's code: ``softmax((logits + g) / tau)``, and
    for ``hard`` the one-hot of its maximum with the soft sample's gradient (straight
    through). PyTorch's own function draws its noise inside, so its formula is spelled out
    here on the same noise."""
    logits = rng.normal(size=(3, 4, 5)).astype(dtype)
    noise = -np.log(rng.exponential(size=logits.shape)).astype(dtype)
    monkeypatch.setattr(activation, "_gumbel_noise", lambda shape, dt: noise.astype(dt))

    def theirs(x: object) -> object:
        y_soft = ((x + torch.tensor(noise)) / tau).softmax(dim)
        if not hard:
            return y_soft
        index = y_soft.max(dim, keepdim=True)[1]
        y_hard = torch.zeros_like(x).scatter_(dim, index, 1.0)
        return y_hard - y_soft.detach() + y_soft

    compare_with_torch(lambda x: F.gumbel_softmax(x, tau, hard, dim=dim), theirs, [logits],
                       tol=TOL[dtype])


def test_gumbel_softmax_and_rrelu_gradcheck_and_gradgradcheck(monkeypatch: pytest.MonkeyPatch
                                                              ) -> None:
    """With the noise fixed, the soft sample is a smooth function of the logits; rrelu in
    evaluation is leaky_relu (its random slopes in training change from call to call)."""
    noise = -np.log(rng.exponential(size=(3, 4)))
    monkeypatch.setattr(activation, "_gumbel_noise", lambda shape, dt: noise.astype(dt))
    x = mg.tensor(rng.normal(size=(3, 4)), requires_grad=True)
    for fn in (lambda a: F.gumbel_softmax(a, tau=0.7), lambda a: F.rrelu(a, 0.1, 0.3)):
        assert mg.gradcheck(fn, [x])
        assert mg.gradgradcheck(fn, [x])


def test_gumbel_softmax_samples_the_categorical_distribution() -> None:
    """The argmax of a sample is a draw of the categorical distribution of
    ``softmax(logits)``; soft samples sum to 1, hard ones are one-hot."""
    mg.manual_seed(1)
    logits = np.log(np.array([0.1, 0.2, 0.3, 0.4]))
    x = mg.tensor(np.tile(logits, (20000, 1)))
    soft = F.gumbel_softmax(x, tau=0.5).numpy()
    np.testing.assert_allclose(soft.sum(1), 1.0, rtol=1e-12)
    freq = np.bincount(soft.argmax(1), minlength=4) / len(soft)
    np.testing.assert_allclose(freq, [0.1, 0.2, 0.3, 0.4], atol=0.012)
    hard = F.gumbel_softmax(x, hard=True).numpy()
    assert set(np.unique(hard)) <= {0.0, 1.0} and (hard.sum(1) == 1).all()
    np.testing.assert_allclose(hard.mean(0), [0.1, 0.2, 0.3, 0.4], atol=0.012)
    sharp = F.gumbel_softmax(x, tau=1e-3).numpy()
    assert (sharp.max(1) > 0.99).mean() > 0.98  # a small tau: close to one-hot


def test_gumbel_softmax_gradient_flows_and_eps_warns_as_pytorch() -> None:
    x = mg.tensor(rng.normal(size=(2, 3)), requires_grad=True)
    out = F.gumbel_softmax(x, hard=True)
    (out * mg.tensor([[1.0, 2.0, 3.0]])).sum().backward()
    assert np.abs(x.grad.numpy()).sum() > 0
    np.testing.assert_allclose(x.grad.numpy().sum(1), 0.0, atol=1e-12)  # softmax's gradient
    for lib in (mg, torch):
        with pytest.warns(UserWarning, match="eps"):
            lib.nn.functional.gumbel_softmax(lib.zeros(2, 3), eps=1e-5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.gumbel_softmax(mg.zeros(2, 3))


# ----------------------------------------------------------------------------- special

SPECIAL_CASES = {  # name: (ours, theirs, arrays)
    "expit": (lambda x: mg.special.expit(x), lambda x: torch.special.expit(x),
              [np.array([-1e4, -3.0, 0.0, 2.0, 800.0, inf, -inf, nan])]),
    "expit int": (lambda x: mg.special.expit(x), lambda x: torch.special.expit(x),
                  [np.array([-2, 0, 3])]),
    "logit": (lambda x: mg.special.logit(x), lambda x: torch.special.logit(x), [GRID]),
    "logit eps": (lambda x: mg.special.logit(x, 1e-3), lambda x: torch.special.logit(x, 1e-3),
                  [GRID]),
    "erf": (lambda x: mg.special.erf(x), lambda x: torch.special.erf(x),
            [np.array([-inf, -3.0, 0.0, 0.5, 6.0, inf, nan])]),
    "log1p": (lambda x: mg.special.log1p(x), lambda x: torch.special.log1p(x),
              [np.array([-1.0, -0.5, 1e-12, 3.0, inf, nan])]),
    "expm1": (lambda x: mg.special.expm1(x), lambda x: torch.special.expm1(x),
              [np.array([-inf, -3.0, 1e-12, 3.0, 700.0, nan])]),
    "logsumexp": (lambda x: mg.special.logsumexp(x, 1), lambda x: torch.special.logsumexp(x, 1),
                  [rng.normal(size=(3, 4))]),
    "logsumexp keepdim": (lambda x: mg.special.logsumexp(x, (0, 1), keepdim=True),
                          lambda x: torch.special.logsumexp(x, (0, 1), keepdim=True),
                          [rng.normal(size=(3, 4))]),
    "softmax": (lambda x: mg.special.softmax(x, 0), lambda x: torch.special.softmax(x, 0),
                [rng.normal(size=(3, 4))]),
    "softmax dtype": (lambda x: mg.special.softmax(x, 1, dtype=mg.float64),
                      lambda x: torch.special.softmax(x, 1, dtype=torch.float64),
                      [rng.normal(size=(3, 4)).astype(np.float32)]),
    "log_softmax": (lambda x: mg.special.log_softmax(x, -1),
                    lambda x: torch.special.log_softmax(x, -1), [rng.normal(size=(3, 4))]),
    "log_softmax dtype": (lambda x: mg.special.log_softmax(x, 0, dtype=mg.float32),
                          lambda x: torch.special.log_softmax(x, 0, dtype=torch.float32),
                          [rng.normal(size=(3, 4))]),
    "xlogy": (lambda x, y: mg.special.xlogy(x, y), lambda x, y: torch.special.xlogy(x, y),
              [np.array([0.0, 1.0, 2.0, 0.0]), np.array([0.0, 3.0, 0.5, nan])]),
    "round": (lambda x: mg.special.round(x, decimals=1),
              lambda x: torch.special.round(x, decimals=1), [np.array([1.25, -2.35, 0.05])]),
}


@pytest.mark.parametrize("name", list(SPECIAL_CASES))
def test_special_functions_match_pytorch(name: str) -> None:
    ours, theirs, arrays = SPECIAL_CASES[name]
    tol = 1e-12 if all(a.dtype != np.float32 for a in arrays) and "dtype" not in name else 3e-7
    compare_with_torch(ours, theirs, arrays, tol=tol)


def test_special_is_reached_on_first_touch_as_torch_special() -> None:
    code = ("import sys, minigrad as torch\n"
            "assert 'minigrad.special' not in sys.modules\n"
            "assert 'special' in dir(torch)\n"
            "print(torch.special.expit(torch.tensor([0.0])).tolist())\n"
            "import minigrad.special\n"
            "assert minigrad.special is torch.special\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[0.5]"
    assert sorted(mg.special.__all__) == sorted(
        name for name in mg.special.__all__ if hasattr(torch.special, name))


# ----------------------------------------------------------------------------- bad calls


def _f(lib: object) -> object:
    return lib.nn.functional


BAD = [  # (call(lib), PyTorch's exception type, the start of minigrad's message)
    (lambda lib: _f(lib).pdist(lib.zeros(2, 3, 4)), RuntimeError,
     r"^pdist: pdist only supports 2D tensors, got: 3D \(shape \(2, 3, 4\)\)"),
    (lambda lib: _f(lib).pdist(lib.zeros(3)), RuntimeError,
     r"^pdist: pdist only supports 2D tensors, got: 1D"),
    (lambda lib: _f(lib).pdist(lib.zeros(3, 2, dtype=lib.int64)), RuntimeError,
     r"^pdist: pdist only supports floating-point dtypes, got int64"),
    (lambda lib: _f(lib).pdist(lib.zeros(3, 2), -1.0), RuntimeError,
     r"^pdist: pdist only supports non-negative p values, got p=-1.0"),
    (lambda lib: _f(lib).rrelu(lib.ones(2), 0.5, 0.1, training=True), RuntimeError,
     r"^rrelu: Lower bound should be less than or equal to the upper bound, got lower=0.5 "
     r"and upper=0.1"),
    (lambda lib: _f(lib).rrelu(lib.ones(2), 0.5, 0.1), RuntimeError, r"^rrelu: Lower bound"),
    (lambda lib: lib.nn.RReLU(0.5, 0.1)(lib.ones(2)), RuntimeError, r"^rrelu: Lower bound"),
    (lambda lib: _f(lib).rrelu(lib.tensor([-1, 2]), training=True), NotImplementedError,
     r"^rrelu: not implemented for int64"),
    (lambda lib: _f(lib).rrelu(lib.tensor([-1, 2])), NotImplementedError,
     r"^rrelu: not implemented for int64"),
]


@pytest.mark.parametrize("call,exc,match", BAD)
def test_bad_calls_raise_pytorchs_exception_type(call: Callable, exc: type,
                                                  match: str) -> None:
    assert_raises_as_torch(call, exc, match)
