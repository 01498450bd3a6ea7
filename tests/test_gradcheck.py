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


def test_gradcheck_upcasts_float32_inputs_to_float64() -> None:
    x = mg.tensor([0.3, 0.7], requires_grad=True)  # float32
    seen = []
    assert mg.gradcheck(lambda a: seen.append(a.dtype) or a.tanh(), (x,))
    assert set(seen) == {np.dtype(np.float64)}
    assert x.dtype == np.float32


def test_gradcheck_needs_an_input_that_requires_grad() -> None:
    with pytest.raises(ValueError, match="no input requires grad"):
        mg.gradcheck(lambda a: a * 2, (mg.tensor([1.0]),))
