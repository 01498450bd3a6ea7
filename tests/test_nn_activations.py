"""Activations against PyTorch (mish, hardswish, hardsigmoid, selu, celu, prelu, softsign,
tanhshrink, and the LogSigmoid module): gradcheck and gradgradcheck in float64, and PyTorch
parity of values, dtype, NaN/Inf pattern and every input's gradient, modules included."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from helpers import compare_with_torch, optional_torch

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F

torch = optional_torch()  # torch-free tests run without it
TF = torch.nn.functional

rng = np.random.default_rng(25)
TOL = {np.float32: 2e-5, np.float64: 1e-10}


def compare(mg_fn: Callable, torch_fn: Callable, arrays: list[np.ndarray],
            dtype: type = np.float64, grad_tol: float | None = None) -> None:
    """``helpers.compare_with_torch`` at this dtype's tolerance, every input differentiated."""
    compare_with_torch(mg_fn, torch_fn, arrays, [True] * len(arrays), TOL[dtype], grad_tol)


ACTIVATIONS = {
    "mish": (F.mish, TF.mish),
    "hardswish": (F.hardswish, TF.hardswish),
    "hardsigmoid": (F.hardsigmoid, TF.hardsigmoid),
    "selu": (F.selu, TF.selu),
    "celu": (F.celu, TF.celu),
    "celu_alpha": (lambda a: F.celu(a, 0.4), lambda a: TF.celu(a, 0.4)),
    "softsign": (F.softsign, TF.softsign),
    "tanhshrink": (F.tanhshrink, TF.tanhshrink),
    "logsigmoid": (F.logsigmoid, TF.logsigmoid),
}


# PyTorch's celu backward uses 1 / float32(alpha) (derivatives.yaml: alpha.toFloat()), so for
# an alpha not exact in float32 its float64 gradient is off by ~1e-7, and its hardsigmoid
# backward multiplies by the float32 constant 1.0f / 6.0f; minigrad's float64 is exact.
GRAD_TOL = {"celu_alpha": 1e-6, "hardsigmoid": 1e-7}


def x(*shape: int, dtype: type = np.float64, scale: float = 2.5) -> np.ndarray:
    return (rng.normal(size=shape) * scale).astype(dtype)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_gradcheck_and_gradgradcheck(name: str) -> None:
    fn = ACTIVATIONS[name][0]
    a = mg.tensor(x(3, 5), requires_grad=True)
    assert mg.gradcheck(fn, (a,))
    assert mg.gradgradcheck(fn, (a,))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
@pytest.mark.parametrize("shape", [(3, 4), (), (1,), (0, 3), (2, 3, 0)])
def test_matches_pytorch(name: str, shape: tuple, dtype: type) -> None:
    compare(*ACTIVATIONS[name], [x(*shape, dtype=dtype)], dtype=dtype,
            grad_tol=GRAD_TOL.get(name) if dtype == np.float64 else None)


EXTREMES = np.array([-np.inf, -1e4, -50.0, -20.0, -3.0, -1e-8, 0.0, 1e-8, 3.0, 20.0, 50.0,
                     1e4, np.inf, np.nan])


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_extreme_values_and_kinks_match_pytorch(name: str) -> None:
    compare(*ACTIVATIONS[name], [EXTREMES.copy()], grad_tol=GRAD_TOL.get(name))


@pytest.mark.parametrize("shape,channels", [((4, 3), 3), ((2, 3, 5), 3), ((2, 3, 4, 4), 3),
                                            ((5,), 1), ((), 1), ((0, 3, 2), 3),
                                            ((2, 3), 1)])
def test_prelu_matches_pytorch(shape: tuple, channels: int) -> None:
    w = rng.uniform(-1, 1, size=channels)
    compare(F.prelu, TF.prelu, [x(*shape), w])


def test_prelu_extremes_match_pytorch() -> None:
    compare(F.prelu, TF.prelu, [EXTREMES.reshape(2, 7).copy(), np.array([0.3, -0.2] * 1)[:1]])
    compare(F.prelu, TF.prelu, [EXTREMES.reshape(1, 2, 7).copy(), np.array([0.3, -0.2])])


def test_prelu_gradcheck_in_input_and_weight() -> None:
    a = mg.tensor(x(2, 3, 4), requires_grad=True)
    w = mg.tensor(rng.uniform(0, 1, 3), requires_grad=True)
    assert mg.gradcheck(F.prelu, (a, w))
    assert mg.gradgradcheck(F.prelu, (a, w))


def test_prelu_module_learns_a_weight_per_channel() -> None:
    layer, ref = nn.PReLU(3, init=0.1), torch.nn.PReLU(3, init=0.1)
    assert layer.weight.shape == (3,) and layer.weight.dtype == np.float32
    assert [n for n, _ in layer.named_parameters()] == ["weight"]
    a = x(2, 3, 4, 4, dtype=np.float32)
    out, expect = layer(mg.tensor(a)), ref(torch.tensor(a))
    np.testing.assert_allclose(out.numpy(force=True), expect.detach().numpy(), rtol=1e-6)
    out.sum().backward()
    expect.sum().backward()
    np.testing.assert_allclose(layer.weight.grad.numpy(), ref.weight.grad.numpy(), rtol=1e-5)
    assert repr(layer) == "PReLU(num_parameters=3)"
    state = {k: v.numpy() for k, v in ref.state_dict().items()}
    assert set(layer.state_dict()) == set(state)
    shared = nn.PReLU()
    np.testing.assert_array_equal(shared.weight.numpy(force=True), [0.25])


MODULES = [
    (lambda: nn.Mish(), lambda: torch.nn.Mish()),
    (lambda: nn.Hardswish(), lambda: torch.nn.Hardswish()),
    (lambda: nn.Hardsigmoid(), lambda: torch.nn.Hardsigmoid()),
    (lambda: nn.SELU(), lambda: torch.nn.SELU()),
    (lambda: nn.CELU(0.5), lambda: torch.nn.CELU(0.5)),
    (lambda: nn.Softsign(), lambda: torch.nn.Softsign()),
    (lambda: nn.Tanhshrink(), lambda: torch.nn.Tanhshrink()),
    (lambda: nn.LogSigmoid(), lambda: torch.nn.LogSigmoid()),
    (lambda: nn.PReLU(), lambda: torch.nn.PReLU()),
]


@pytest.mark.parametrize("make,make_ref", MODULES)
def test_modules_match_pytorch(make: Callable, make_ref: Callable) -> None:
    layer, ref = make(), make_ref().double()
    name = type(layer).__name__.lower()
    compare(layer, ref, [x(2, 3, 4)], grad_tol=GRAD_TOL.get(name))
    assert repr(layer) == repr(make_ref())


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_non_tensor_and_integer_inputs_are_refused(name: str) -> None:
    fn = ACTIVATIONS[name][0]
    with pytest.raises(TypeError, match="input"):
        fn([1.0, 2.0])
    with pytest.raises(RuntimeError, match="floating point"):
        fn(mg.tensor([1, 2]))


def test_bad_arguments_raise_pytorchs_exceptions() -> None:
    with pytest.raises(RuntimeError, match=r"celu.*alpha cannot be 0"):
        F.celu(mg.ones(2), alpha=0.0)
    with pytest.raises(RuntimeError, match=r"prelu.*parameter numbers = 3.*channel size = 4"):
        F.prelu(mg.ones(2, 4), mg.ones(3))
    with pytest.raises(RuntimeError):
        TF.prelu(torch.ones(2, 4), torch.ones(3))
    with pytest.raises(TypeError, match="prelu.*weight"):
        F.prelu(mg.ones(2, 4), 0.25)
    with pytest.raises(TypeError, match="PReLU.*num_parameters"):
        nn.PReLU(2.0)
