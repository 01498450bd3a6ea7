"""median, nanmedian, kthvalue, mode, cummax and cummin: gradcheck and gradgradcheck in
float64; PyTorch parity of values, indices, dtypes and gradients on random shapes (0-d,
size-1, negative dims, keepdim, NaN/Inf, ties), and PyTorch's exception types."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import assert_gradchecks, assert_raises_as_torch, compare_with_torch, optional_torch

import minigrad as mg

torch = optional_torch()  # torch-free tests run without it
rng = np.random.default_rng(5)


def distinct(*shape: int) -> np.ndarray:
    """No two values equal: the chosen element (and its gradient) is unique."""
    return (rng.permutation(int(np.prod(shape))).reshape(shape) * 0.37 - 1.1).astype(float)


def with_ties(*shape: int) -> np.ndarray:
    return rng.integers(-2, 3, size=shape).astype(float)


def special(*shape: int) -> np.ndarray:
    a = distinct(*shape)
    a.reshape(-1)[[0, -1]] = [np.nan, np.inf]
    return a


CASES = {  # name: (the call, written once for both libraries, the input)
    "median all": (lambda x: x.median(), distinct(3, 4)),
    "median all ties share the gradient": (lambda x: x.median(), with_ties(3, 4)),
    "median all even count (lower)": (lambda x: x.median(), distinct(4)),
    "median all NaN": (lambda x: x.median(), special(2, 3)),
    "median all 0-d": (lambda x: x.median(), np.array(1.5)),
    "median dim": (lambda x: x.median(1).values, distinct(3, 4)),
    "median dim -1 keepdim": (lambda x: x.median(-1, True).values, distinct(2, 3, 4)),
    "median dim NaN": (lambda x: x.median(0).values, special(3, 2)),
    "median dim 0-d": (lambda x: x.median(0).values, np.array(2.0)),
    "nanmedian all": (lambda x: x.nanmedian(), special(3, 3)),
    "nanmedian dim": (lambda x: x.nanmedian(1).values, special(2, 5)),
    "kthvalue": (lambda x: x.kthvalue(2, 0).values, distinct(4, 3)),
    "kthvalue default dim keepdim": (lambda x: x.kthvalue(3, keepdim=True).values,
                                     distinct(2, 5)),
    "kthvalue NaN is largest": (lambda x: x.kthvalue(5).values, special(5)),
    "mode": (lambda x: x.mode(1).values, with_ties(3, 6)),
    "mode 3-D dim 0 keepdim": (lambda x: x.mode(0, True).values, with_ties(4, 2, 3)),
    "mode all distinct": (lambda x: x.mode().values, distinct(2, 4)),
    "cummax": (lambda x: x.cummax(1).values, distinct(3, 5)),
    "cummax ties": (lambda x: x.cummax(0).values, with_ties(6, 2)),
    "cummax NaN": (lambda x: x.cummax(-1).values, special(2, 4)),
    "cummin": (lambda x: x.cummin(0).values, distinct(4, 3)),
    "cummin 0-d": (lambda x: x.cummin(0).values, np.array(-3.0)),
    "cummin zero-size": (lambda x: x.cummin(1).values, np.zeros((2, 0))),
}
SMOOTH = ["median all", "median dim", "median dim -1 keepdim", "kthvalue",
          "kthvalue default dim keepdim", "mode all distinct", "cummax", "cummin",
          "median all even count (lower)"]


@pytest.mark.parametrize("name", SMOOTH)
def test_gradcheck_and_gradgradcheck(name: str) -> None:
    call, array = CASES[name]
    assert_gradchecks(call, [array])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", list(CASES))
def test_matches_pytorch(name: str, dtype: type) -> None:
    call, array = CASES[name]
    compare_with_torch(call, call, [array.astype(dtype)], None, 1e-6 if dtype == np.float32
                       else 1e-12)


ORDERED = {  # (values, indices) functions and their arguments, both libraries
    "median": lambda T, x, d, k: T.median(x, d),
    "median keepdim": lambda T, x, d, k: T.median(x, d, keepdim=True),
    "nanmedian": lambda T, x, d, k: T.nanmedian(x, d),
    "kthvalue": lambda T, x, d, k: T.kthvalue(x, k, d),
    "mode": lambda T, x, d, k: T.mode(x, d),
    "cummax": lambda T, x, d, k: T.cummax(x, d),
    "cummin": lambda T, x, d, k: T.cummin(x, d),
}


def _random_input(r: np.random.Generator) -> np.ndarray:
    shape = tuple(r.integers(1, 5, size=r.integers(0, 4)))
    x = r.standard_normal(shape)
    if r.random() < 0.4:
        x = np.round(x)
    if x.size and r.random() < 0.3:
        x.reshape(-1)[r.integers(0, x.size)] = r.choice([np.nan, np.inf, -np.inf])
    return x.astype(np.float32) if r.random() < 0.3 else x


@pytest.mark.parametrize("name", list(ORDERED))
def test_values_indices_and_gradients_match_pytorch_on_random_inputs(name: str) -> None:
    """Where values tie, PyTorch's kthvalue and median(dim) pick an unspecified one of the
    equal elements: there only the values are compared (docs/faq.md). A row of mode's
    holding NaN is left out: PyTorch's result there depends on how its sort orders NaN."""
    if torch is None or isinstance(torch, type):
        pytest.skip("needs PyTorch as the oracle (pip install torch==2.13.0)")
    r = np.random.default_rng(list(ORDERED).index(name))
    for _ in range(150):
        x = _random_input(r)
        if name == "mode" and np.isnan(x).any():
            continue
        d = int(r.integers(-max(x.ndim, 1), max(x.ndim, 1)))
        k = int(r.integers(1, (x.shape[d] if x.ndim else 1) + 1))
        a, b = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        ours, theirs = ORDERED[name](mg, a, d, k), ORDERED[name](torch, b, d, k)
        assert ours.values.shape == tuple(theirs.values.shape), (x, d)
        assert ours.values.dtype == x.dtype and ours.indices.dtype == np.int64
        np.testing.assert_array_equal(ours.values.detach().numpy(), theirs.values.detach().numpy())
        unique = np.unique(x).size == x.size or name in ("mode", "cummax", "cummin")
        if unique or name in ("median", "median keepdim", "nanmedian"):
            np.testing.assert_array_equal(ours.indices.numpy(), theirs.indices.numpy(),
                                          err_msg=f"{x}, dim {d}")
        if unique:
            g = r.standard_normal(ours.values.shape).astype(x.dtype)
            (ours.values * mg.tensor(g)).sum().backward()
            (theirs.values * torch.tensor(g)).sum().backward()
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-6)  # sums


def test_ties_and_nan_choices_match_pytorch_on_fixed_examples() -> None:
    nan = float("nan")
    rows = mg.tensor([[3.0, nan, 1.0, nan, 2.0], [1.0, 2.0, 2.0, 1.0, 5.0]])
    assert mg.median(rows, 1).indices.tolist() == [1, 1]  # a row with NaN: its first NaN
    assert mg.nanmedian(rows, 1).indices.tolist() == [4, 1]
    assert mg.mode(rows[1]).indices.item() == 3  # the smallest most frequent, last index
    assert mg.mode(mg.tensor([1.0, 2, 2, 1, 5, 1, 2])).indices.item() == 5
    assert mg.mode(mg.tensor([nan, nan])).indices.item() == 0
    out = mg.cummax(mg.tensor([1.0, 3, 3, nan, 2, nan, 5]), 0)
    assert out.indices.tolist() == [0, 1, 2, 3, 3, 5, 5]  # ties: the later; NaN: the latest
    zeros = mg.median(mg.tensor([0.0, -0.0, 0.0]), 0)
    assert zeros.indices.item() == 1 and np.signbit(zeros.values.item())
    x = mg.tensor([2.0, nan, 2.0, nan, 2.0], requires_grad=True)
    x.median().backward()
    assert x.grad.tolist() == [0.0, 0.5, 0.0, 0.5, 0.0]  # NaN: the NaNs share it
    assert np.isnan(mg.median(mg.tensor([])).item())
    assert mg.median(mg.tensor([1, 3, 2])).dtype == np.int64


@pytest.mark.parametrize("call, kind, match", [
    (lambda T: T.median(T.zeros(0), 0), IndexError, "median.*non-zero size"),
    (lambda T: T.mode(T.zeros(2, 0)), IndexError, "mode.*non-zero size"),
    (lambda T: T.kthvalue(T.ones(2), 3), RuntimeError, "kthvalue.*out of range"),
    (lambda T: T.kthvalue(T.ones(2), 0), RuntimeError, "kthvalue.*out of range"),
    (lambda T: T.median(T.ones(2, 3), 2), IndexError, "[Dd]imension out of range"),
    (lambda T: T.cummax(T.ones(2), -2), IndexError, "[Dd]imension out of range"),
])
def test_bad_calls_raise_pytorchs_exception_type(call, kind, match) -> None:
    assert_raises_as_torch(call, kind, match)
