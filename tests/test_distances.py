"""F.normalize, F.cosine_similarity and the distance modules (nn.CosineSimilarity,
nn.PairwiseDistance): gradcheck and gradgradcheck in float64, and PyTorch parity of values,
dtypes and every input's gradient on broadcast, 0-d, zero-size, tiny-norm and NaN/Inf
inputs; bad calls raise PyTorch's exception types."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import compare_with_torch, optional_torch

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F

torch = optional_torch()  # torch-free tests run without it
rng = np.random.default_rng(7)


def normal(*shape: int, dtype: type = np.float64) -> np.ndarray:
    return rng.normal(size=shape).astype(dtype)


def tiny_rows(dtype: type = np.float64) -> np.ndarray:
    """Rows whose norms straddle the clamps (1e-8 and 1e-12): zero, tiny, ordinary."""
    return np.array([[0.0, 0.0, 0.0], [1e-10, -2e-10, 3e-11], [1e-13, 0.0, 0.0],
                     [1.0, -2.0, 0.5]], dtype=dtype)


def special_rows(dtype: type = np.float64) -> np.ndarray:
    return np.array([[np.inf, 1.0, 0.0], [np.nan, 1.0, 2.0], [1e30, 1e30, -1e30]], dtype=dtype)


CASES = {  # name: (ours, theirs, arrays(dtype), which inputs take a gradient)
    "normalize": (lambda x: F.normalize(x), lambda x: torch.nn.functional.normalize(x),
                  lambda dt: [normal(4, 5, dtype=dt)], [True]),
    "normalize p=1 dim=-1": (lambda x: F.normalize(x, p=1, dim=-1),
                             lambda x: torch.nn.functional.normalize(x, p=1, dim=-1),
                             lambda dt: [normal(2, 3, 4, dtype=dt)], [True]),
    "normalize p=3 dim=0": (lambda x: F.normalize(x, 3.0, 0),
                            lambda x: torch.nn.functional.normalize(x, 3.0, 0),
                            lambda dt: [normal(5, 2, dtype=dt)], [True]),
    "normalize a vector": (lambda x: F.normalize(x, dim=0),
                           lambda x: torch.nn.functional.normalize(x, dim=0),
                           lambda dt: [normal(6, dtype=dt)], [True]),
    "normalize 0-d": (lambda x: F.normalize(x, dim=0),
                      lambda x: torch.nn.functional.normalize(x, dim=0),
                      lambda dt: [np.array(-2.5, dtype=dt)], [True]),
    "normalize zero-size": (lambda x: F.normalize(x), lambda x: torch.nn.functional.normalize(x),
                            lambda dt: [normal(0, 3, dtype=dt)], [True]),
    "normalize tiny rows": (lambda x: F.normalize(x, dim=1),
                            lambda x: torch.nn.functional.normalize(x, dim=1),
                            lambda dt: [tiny_rows(dt)], [True]),
    "normalize inf and nan": (lambda x: F.normalize(x, dim=1),
                              lambda x: torch.nn.functional.normalize(x, dim=1),
                              lambda dt: [special_rows(dt)], [True]),
    "cosine": (lambda a, b: F.cosine_similarity(a, b),
               lambda a, b: torch.nn.functional.cosine_similarity(a, b),
               lambda dt: [normal(4, 5, dtype=dt), normal(4, 5, dtype=dt)], [True, True]),
    "cosine broadcast dim=-1": (lambda a, b: F.cosine_similarity(a, b, dim=-1),
                                lambda a, b: torch.nn.functional.cosine_similarity(a, b, dim=-1),
                                lambda dt: [normal(3, 1, 4, dtype=dt), normal(2, 4, dtype=dt)],
                                [True, True]),
    "cosine one operand": (lambda a, b: F.cosine_similarity(a, b, 0),
                           lambda a, b: torch.nn.functional.cosine_similarity(a, b, 0),
                           lambda dt: [normal(5, 2, dtype=dt), normal(5, 2, dtype=dt)],
                           [True, False]),
    "cosine 0-d": (lambda a, b: F.cosine_similarity(a, b, dim=0),
                   lambda a, b: torch.nn.functional.cosine_similarity(a, b, dim=0),
                   lambda dt: [np.array(2.0, dtype=dt), np.array(-3.0, dtype=dt)], [True, True]),
    "cosine zero-size": (lambda a, b: F.cosine_similarity(a, b),
                         lambda a, b: torch.nn.functional.cosine_similarity(a, b),
                         lambda dt: [normal(0, 3, dtype=dt), normal(0, 3, dtype=dt)],
                         [True, True]),
    "cosine tiny norms (the clamp passes the gradient)": (
        lambda a, b: F.cosine_similarity(a, b, eps=1e-8),
        lambda a, b: torch.nn.functional.cosine_similarity(a, b, eps=1e-8),
        lambda dt: [tiny_rows(dt), tiny_rows(dt)[::-1].copy()], [True, True]),
    "cosine inf and nan": (lambda a, b: F.cosine_similarity(a, b),
                           lambda a, b: torch.nn.functional.cosine_similarity(a, b),
                           lambda dt: [special_rows(dt), normal(3, 3, dtype=dt)], [True, True]),
    "CosineSimilarity module": (lambda a, b: nn.CosineSimilarity(dim=0, eps=1e-6)(a, b),
                                lambda a, b: torch.nn.CosineSimilarity(dim=0, eps=1e-6)(a, b),
                                lambda dt: [normal(3, 2, dtype=dt), normal(3, 2, dtype=dt)],
                                [True, True]),
    "PairwiseDistance module": (lambda a, b: nn.PairwiseDistance(p=1.5, keepdim=True)(a, b),
                                lambda a, b: torch.nn.PairwiseDistance(p=1.5, keepdim=True)(a, b),
                                lambda dt: [normal(3, 4, dtype=dt), normal(3, 4, dtype=dt)],
                                [True, True]),
}
SMOOTH = [n for n in CASES if not any(w in n for w in ("tiny", "inf", "zero-size"))]


@pytest.mark.parametrize("name", SMOOTH)
def test_gradcheck_and_gradgradcheck(name: str) -> None:
    ours, _, make, grads = CASES[name]
    inputs = [mg.tensor(a, requires_grad=g) for a, g in zip(make(np.float64), grads)]
    assert mg.gradcheck(ours, inputs)
    assert mg.gradgradcheck(ours, inputs)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", list(CASES))
def test_matches_pytorch(name: str, dtype: type) -> None:
    ours, theirs, make, grads = CASES[name]
    tol = 3e-5 if dtype == np.float32 else 1e-10
    compare_with_torch(ours, theirs, make(dtype), grads, tol)


def test_mixed_dtypes_promote_as_pytorch() -> None:
    out = F.cosine_similarity(mg.ones(2, 3), mg.ones(2, 3, dtype=mg.float64))
    assert out.dtype == np.float64
    np.testing.assert_allclose(out.numpy(), [1.0, 1.0])


def test_the_modules_print_as_pytorchs() -> None:
    assert repr(nn.CosineSimilarity()) == "CosineSimilarity()"
    assert repr(nn.PairwiseDistance()) == "PairwiseDistance()"


@pytest.mark.parametrize("call, kind, match", [
    (lambda: F.cosine_similarity(mg.tensor([[1, 2]]), mg.tensor([[3, 4]])), RuntimeError,
     "cosine_similarity: expected common dtype to be floating point"),
    (lambda: F.cosine_similarity(mg.ones(2, 3), mg.ones(4, 3)), RuntimeError,
     r"cosine_similarity: the sizes of x1 \(2, 3\), x2 \(4, 3\) do not broadcast"),
    (lambda: F.cosine_similarity(mg.ones(2, 3), mg.ones(2, 3), dim=2), IndexError,
     "cosine_similarity"),
    (lambda: F.normalize(mg.tensor([[1, 2]])), RuntimeError,
     r"normalize: expected a floating point input, got dtype int64 \(shape \(1, 2\)\)"),
    (lambda: F.normalize(mg.ones(2), dim=1), IndexError, "normalize: dimension out of range"),
    (lambda: F.normalize("x"), TypeError, "normalize"),
])
def test_bad_calls_raise_pytorchs_exception_type(call, kind, match) -> None:
    with pytest.raises(kind, match=match):
        call()
