"""The GEMMs under the thread policy (``minigrad.kernels.gemm``): each way of splitting a
product over minigrad's threads against numpy's ``matmul``, the conv and linear layers
under the policy against the reference ops, and when the policy applies (with the
compiled extra, from the first compiled convolution or product of ``BIG`` flops on,
never with the reference kernels). Without numba and threadpoolctl these tests skip:
there is no policy then."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import numpy as np
import pytest
from helpers import under_both

import minigrad as mg
import minigrad.nn.functional as F
from minigrad.kernels import gemm, parallel
from minigrad.kernels.threads import blas_single_threaded, compiled_region

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("numba") is None
    or importlib.util.find_spec("threadpoolctl") is None,
    reason="numba and threadpoolctl are not installed (pip install 'minigrad[fast]')")


@pytest.fixture(autouse=True)
def restore_kernels():
    before = mg.get_kernels()
    yield
    mg.set_kernels(before)


@pytest.fixture
def parts(monkeypatch):
    """Every product splits (``MIN_SPLIT`` 0) on two threads; returns the list of the
    ``(n, calls)`` each split made, so a case can assert how it was cut."""
    seen = []

    def spy(fn, n):
        calls = []
        parallel.for_parts(lambda lo, hi: (calls.append((lo, hi)), fn(lo, hi)), n)
        seen.append((n, sorted(calls)))

    monkeypatch.setattr(gemm, "MIN_SPLIT", 0)
    monkeypatch.setattr(gemm, "for_parts", spy)
    before = parallel.get_num_threads()
    parallel.set_num_threads(2)
    yield seen
    parallel.set_num_threads(before)


SPLITS = {  # name: (shape of a, shape of b, the axis length cut in two)
    "stack": ((36, 5, 7), (36, 7, 9), 36),
    "stack, a broadcast": ((5, 7), (4, 7, 9), 4),
    "stack, b a stack of one": ((4, 5, 7), (1, 7, 9), 4),
    "stack, a a stack of one": ((1, 5, 7), (4, 7, 9), 4),
    "long contraction": ((3, 50), (50, 4), 50),
    "rows": ((9, 4), (4, 5), 9),
    "columns": ((3, 4), (4, 11), 11),
    "rows of a short stack": ((1, 9, 4), (1, 4, 5), 9),
    "columns of a 4-D stack": ((1, 1, 3, 4), (4, 11), 11),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", list(SPLITS))
def test_each_split_gives_numpys_product(name, dtype, parts):
    sa, sb, cut = SPLITS[name]
    rng = np.random.default_rng(sorted(SPLITS).index(name))
    a, b = rng.standard_normal(sa).astype(dtype), rng.standard_normal(sb).astype(dtype)
    with compiled_region():
        assert blas_single_threaded()
        got = gemm.matmul(a, b)
    want = np.matmul(a, b)
    assert got.shape == want.shape and got.dtype == want.dtype
    tol = 1e-5 if dtype == np.float32 else 1e-13  # partial sums add in another order
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)
    half = -(-cut // 2)
    assert parts == [(cut, [(0, half), (half, cut)])]


def test_outside_the_policy_a_product_is_numpys_own(parts, monkeypatch):
    monkeypatch.setattr(gemm, "_holds", False)
    a, b = np.ones((40, 30)), np.ones((30, 20))
    assert not blas_single_threaded()
    np.testing.assert_array_equal(gemm.matmul(a, b), a @ b)
    mg.set_kernels("fast")
    np.testing.assert_array_equal(gemm.product(a, b), a @ b)  # small, and no big one seen
    assert parts == [] and not gemm._holds


def test_a_product_that_does_not_fit_gives_numpys_error(monkeypatch):
    monkeypatch.setattr(gemm, "_holds", True)
    mg.set_kernels("fast")
    with pytest.raises(ValueError):
        gemm.product(np.ones((3, 4)), np.ones((5, 2)))
    with pytest.raises(RuntimeError, match="matmul: shapes"):
        mg.tensor(np.ones((3, 4))) @ mg.tensor(np.ones((5, 2)))


CONVS = {  # name: (x shape, weight shape, stride, padding, groups): numpy kernels all
    "strided": ((2, 6, 9, 9), (8, 6, 3, 3), 2, 1, 1),
    "pointwise": ((3, 8, 5, 5), (6, 8, 1, 1), 1, 0, 1),
    "grouped": ((2, 6, 8, 7), (9, 2, 3, 2), 1, (1, 0), 3),
    "5x5, 48 channels": ((2, 48, 10, 10), (48, 48, 5, 5), 1, 2, 1),
    "one channel, 30 filters": ((4, 1, 12, 12), (30, 1, 5, 5), 1, 0, 1),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", list(CONVS))
def test_conv2d_under_the_policy_agrees_with_the_reference(name, dtype, parts, monkeypatch):
    """Forward, all three gradients and their gradients (``create_graph``), with every
    GEMM of the numpy kernels split."""
    monkeypatch.setattr(gemm, "_holds", True)
    xs, ws, stride, padding, groups = CONVS[name]
    rng = np.random.default_rng(sorted(CONVS).index(name))
    x, w = rng.standard_normal(xs).astype(dtype), rng.standard_normal(ws).astype(dtype)
    b = rng.standard_normal(ws[0]).astype(dtype)

    def run():
        mx, mw, mb = (mg.tensor(v, requires_grad=True) for v in (x, w, b))
        y = F.conv2d(mx, mw, mb, stride=stride, padding=padding, groups=groups)
        grads = mg.grad((y * y).sum(), [mx, mw, mb], create_graph=True)
        second = mg.grad(sum((g * g).sum() for g in grads), [mx, mw, mb])
        return [y.detach().numpy()] + [g.detach().numpy() for g in (*grads, *second)]

    fast, ref = under_both(run)
    assert parts, "no GEMM of the numpy conv kernels was split"
    tol = 2e-4 if dtype == np.float32 else 1e-10
    for f, r in zip(fast, ref):
        assert f.shape == r.shape and f.dtype == r.dtype
        np.testing.assert_allclose(f, r, rtol=tol, atol=tol * max(1.0, np.abs(r).max()))


def test_a_linear_layer_under_the_policy_agrees_with_the_reference(parts, monkeypatch):
    monkeypatch.setattr(gemm, "_holds", True)
    rng = np.random.default_rng(0)
    x, w, b = (rng.standard_normal(s) for s in ((7, 40), (9, 40), (9,)))

    def run():
        mx, mw, mb = (mg.tensor(v, requires_grad=True) for v in (x, w, b))
        y = F.linear(mx, mw, mb)
        (y * y).sum().backward()
        return [y.detach().numpy(), mx.grad.numpy(), mw.grad.numpy(), mb.grad.numpy()]

    fast, ref = under_both(run)
    assert len(parts) >= 3  # forward, and both gradients' products
    for f, r in zip(fast, ref):
        np.testing.assert_allclose(f, r, rtol=1e-12, atol=1e-12)


POLICY_SCRIPT = """
import numpy as np, minigrad as mg
from minigrad.kernels import gemm
from threadpoolctl import threadpool_info
def blas(): return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]
before = blas()
x = mg.tensor(np.ones((64, 100), np.float32))
small = x @ mg.tensor(np.ones((100, 10), np.float32))
print(gemm._holds)
big = mg.tensor(np.ones((1000, 3000), np.float32)) @ mg.tensor(np.ones((3000, 100), np.float32))
print(gemm._holds, float(big.numpy()[0, 0]))
print(blas() == before)
"""


def _policy_run(**env: str) -> list[str]:
    out = subprocess.run([sys.executable, "-c", POLICY_SCRIPT], capture_output=True, text=True,
                         env={**os.environ, **env}, timeout=120, check=True)
    return out.stdout.split("\n")[:3]


def test_the_policy_holds_from_the_first_big_product_on_and_changes_nothing_after():
    assert _policy_run() == ["False", "True 3000.0", "True"]


HOLD_SCRIPT = """
import numpy as np, minigrad as mg
import minigrad.nn.functional as F
from minigrad.kernels import gemm
F.conv2d(mg.randn(2, 1, 12, 12), mg.randn(8, 1, 3, 3))  # 8 pairs: the direct loops
print(gemm._holds)
"""


def test_the_policy_holds_from_the_first_compiled_convolution_on():
    run = [sys.executable, "-c", HOLD_SCRIPT]
    env = {**os.environ, "MINIGRAD_KERNELS": "fast"}
    assert subprocess.run(run, capture_output=True, text=True, env=env, timeout=120,
                          check=True).stdout.split() == ["True"]
    assert subprocess.run(run, capture_output=True, text=True, timeout=120, check=True,
                          env={**env, "MINIGRAD_COMPILED": "0"}).stdout.split() == ["False"]


@pytest.mark.parametrize("env", [{"MINIGRAD_COMPILED": "0"}, {"MINIGRAD_KERNELS": "reference"}])
def test_the_policy_never_holds_without_the_extra_or_with_the_reference_kernels(env):
    assert _policy_run(**env) == ["False", "False 3000.0", "True"]
