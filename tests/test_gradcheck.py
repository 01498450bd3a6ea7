"""gradcheck itself: it must catch a wrong backward and say where."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad.autograd import Function


class WrongSquare(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.data**2

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 2.1 * x * g  # wrong on purpose


def test_gradcheck_catches_a_wrong_backward_and_names_input_and_element() -> None:
    x = mg.tensor([1.0, 2.0, 3.0], dtype=np.float64, requires_grad=True)
    with pytest.raises(mg.GradcheckError, match=r"input 0 \(shape \(3,\)\).*element \(2,\)"):
        mg.gradcheck(WrongSquare.apply, (x,))
    assert mg.gradcheck(WrongSquare.apply, (x,), raise_exception=False) is False


def test_gradgradcheck_catches_a_wrong_second_derivative() -> None:
    class WrongSecond(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.data**3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 3 * x.detach() ** 2 * g  # first derivative right, second lost by detach

    x = mg.tensor([0.5, -1.0], dtype=np.float64, requires_grad=True)
    assert mg.gradcheck(WrongSecond.apply, (x,))
    assert not mg.gradgradcheck(WrongSecond.apply, (x,), raise_exception=False)


def test_gradcheck_warns_for_a_float32_input_and_does_not_upcast_it() -> None:
    """PyTorch's rule: a warning, and the check runs in float32 (where it likely fails)."""
    x = mg.tensor([0.3, 0.7], requires_grad=True)  # float32
    seen = []
    with pytest.warns(UserWarning, match=r"Input #0 requires gradient and is not a double "
                      r"precision floating point"):
        mg.gradcheck(lambda a: seen.append(a.dtype) or a.tanh(), (x,), raise_exception=False)
    assert set(seen) == {np.dtype(np.float32)}
    assert x.dtype == np.float32


def test_gradcheck_does_not_warn_for_float64_or_for_inputs_without_grad() -> None:
    import warnings

    x = mg.tensor([0.3, 0.7], dtype=np.float64, requires_grad=True)
    c = mg.tensor([1.0, 2.0])  # float32, but constant: no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert mg.gradcheck(lambda a, b: a.tanh() * b, (x, c))


def test_gradcheck_needs_an_input_that_requires_grad() -> None:
    with pytest.raises(ValueError, match="no input requires grad"):
        mg.gradcheck(lambda a: a * 2, (mg.tensor([1.0]),))


def test_gradcheck_keyword_arguments_are_pytorchs() -> None:
    import inspect

    params = inspect.signature(mg.gradcheck).parameters
    for name in ("eps", "atol", "rtol", "raise_exception", "nondet_tol", "check_undefined_grad",
                 "check_grad_dtypes", "fast_mode"):
        assert params[name].kind is inspect.Parameter.KEYWORD_ONLY
    assert "fast_mode" in inspect.signature(mg.gradgradcheck).parameters


class NoisyBackward(Function):
    """Right on average, but different on every call: not reentrant."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.data * 2

    @staticmethod
    def backward(ctx, g):
        return g * (2 + mg.tensor(np.random.default_rng().normal(0, 1e-9, g.shape)))


def test_gradcheck_catches_a_nondeterministic_backward_within_nondet_tol() -> None:
    x = mg.tensor([1.0, 2.0], dtype=np.float64, requires_grad=True)
    with pytest.raises(mg.GradcheckError, match="Backward is not reentrant"):
        mg.gradcheck(NoisyBackward.apply, (x,))
    assert mg.gradcheck(NoisyBackward.apply, (x,), nondet_tol=1e-6)


class GradientFromNothing(Function):
    """Backward returns a nonzero gradient even when the output gradient is zero."""

    @staticmethod
    def forward(ctx, x):
        return x.data * 3

    @staticmethod
    def backward(ctx, g):
        return g * 3 + (g == 0).all().to(g.dtype) * 1e-3


def test_gradcheck_checks_zero_output_gradients_give_zero_input_gradients() -> None:
    x = mg.tensor([1.0, 2.0], dtype=np.float64, requires_grad=True)
    with pytest.raises(mg.GradcheckError, match="handle undefined output grads"):
        mg.gradcheck(GradientFromNothing.apply, (x,))
    assert mg.gradcheck(GradientFromNothing.apply, (x,), check_undefined_grad=False)


def test_gradcheck_fast_mode_passes_right_and_catches_wrong_backwards() -> None:
    x = mg.tensor(np.random.default_rng(0).uniform(0.5, 2, (4, 5)), requires_grad=True)
    assert mg.gradcheck(lambda a: (a * a.exp()).log_softmax(-1), (x,), fast_mode=True)
    assert mg.gradgradcheck(lambda a: a.tanh() * a, (x,), fast_mode=True)
    with pytest.raises(mg.GradcheckError, match=r"fast_mode.*input 0 \(shape \(3,\)\)"):
        mg.gradcheck(WrongSquare.apply, (mg.tensor([1.0, 2.0, 3.0], dtype=np.float64,
                                                   requires_grad=True),), fast_mode=True)


class SineWithOneWrongElement(Function):
    """sin, whose backward is off by 1e-3 (relative) in one element of the gradient."""

    wrong_at = None

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.sin(x.detach().numpy())

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        scale = np.ones(x.shape)
        if SineWithOneWrongElement.wrong_at is not None:
            scale[SineWithOneWrongElement.wrong_at] = 1 + 1e-3
        return g * mg.tensor(np.cos(x.detach().numpy()) * scale)


@pytest.mark.slow
def test_gradcheck_fast_mode_checks_100_000_elements_in_seconds_and_finds_a_1e_3_error() -> None:
    import time

    n = 100_000
    x = mg.tensor(np.random.default_rng(1).uniform(-3, 3, n), requires_grad=True)
    w = mg.tensor(np.random.default_rng(2).standard_normal(n))

    calls = []

    def loss(a):
        calls.append(1)
        return (SineWithOneWrongElement.apply(a) * w).sum() / np.sqrt(n)

    tight = {"atol": 1e-9, "rtol": 1e-7}  # float64 finite differences are this accurate
    start = time.perf_counter()
    SineWithOneWrongElement.wrong_at = None
    assert mg.gradcheck(loss, (x,), fast_mode=True, **tight)
    # what makes it take seconds, not hours: a handful of evaluations, not two per element
    # (wall-clock times are not asserted; this one is printed: about 0.1 s on 2 cores)
    assert len(calls) <= 8, len(calls)
    print(f"fast_mode on {n:,} elements: {time.perf_counter() - start:.2f} s")
    wrong = int(np.argmax(np.abs(np.cos(x.detach().numpy()) * w.numpy())))  # a large gradient
    SineWithOneWrongElement.wrong_at = wrong
    try:
        assert not mg.gradcheck(loss, (x,), fast_mode=True, raise_exception=False, **tight)
    finally:
        SineWithOneWrongElement.wrong_at = None
