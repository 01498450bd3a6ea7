"""Small helpers shared by several test files (import as ``from helpers import grads, same``)."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg

nan, inf = float("nan"), float("inf")


def grads(fn, *values, dtype=np.float64):
    xs = [mg.tensor(np.array(v, dtype=dtype), requires_grad=True) for v in values]
    out = fn(*xs)
    out.sum().backward()
    return out.data, [x.grad.data for x in xs]


def under_both(fn):  # noqa: ANN001, ANN201
    """``fn()`` (a list of arrays) under the fast kernels and under the reference; the
    caller restores the setting (an autouse fixture in the kernel tests)."""
    out = {}
    for name in ("fast", "reference"):
        mg.set_kernels(name)
        out[name] = fn()
    return out["fast"], out["reference"]


def laid_out(a: np.ndarray, layout: str) -> np.ndarray:
    """``a``'s values, in memory as a conv output (channels outermost), sliced, or as is."""
    if layout == "channels outermost":
        return np.ascontiguousarray(a.transpose(1, 0, 2, 3)).transpose(1, 0, 2, 3)
    if layout == "sliced":
        return np.pad(a, ((0, 0), (0, 0), (0, 0), (0, 3)))[..., :-3]
    return a


def same(a, b) -> bool:
    return np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True)


def compare_with_torch(mg_fn, torch_fn, arrays, grads=None, tol=1e-10, grad_tol=None):
    """The same arrays through minigrad and PyTorch: output shape, dtype, values (NaN/Inf
    where NaN/Inf) and, weighted by one random cotangent, the gradient of every input whose
    ``grads`` flag is set (default: the float ones). A gradient one library leaves undefined
    counts as zeros. Needs torch: call it from a module that did ``importorskip("torch")``."""
    import warnings

    torch = optional_torch()
    grads = grads or [a.dtype.kind == "f" for a in arrays]
    ours = [mg.tensor(a, requires_grad=g) for a, g in zip(arrays, grads)]
    theirs = [torch.tensor(a, requires_grad=g) for a, g in zip(arrays, grads)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out, ref = mg_fn(*ours), torch_fn(*theirs)
    assert out.shape == tuple(ref.shape)
    assert out.dtype == np.dtype(str(ref.dtype).replace("torch.", ""))
    np.testing.assert_allclose(out.numpy(force=True), ref.detach().numpy(), rtol=tol, atol=tol,
                               equal_nan=True)
    if out.numel() == 0 or not ref.requires_grad:
        return
    g = np.random.default_rng(0).normal(size=out.shape).astype(out.dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (out * mg.tensor(g)).sum().backward()
        (ref * torch.tensor(g)).sum().backward()
    tol = grad_tol or tol
    for i, (a, b) in enumerate(zip(ours, theirs)):
        if grads[i]:
            want = b.grad.numpy() if b.grad is not None else np.zeros_like(arrays[i])
            got = a.grad.numpy() if a.grad is not None else np.zeros_like(arrays[i])
            np.testing.assert_allclose(got, want, rtol=tol, atol=tol, equal_nan=True,
                                       err_msg=f"gradient of input {i}")


def assert_gradchecks(call, arrays) -> None:
    """gradcheck and gradgradcheck of ``call`` at float64 ``arrays`` (skipped where an input
    or the output is empty: there is nothing to differentiate)."""
    inputs = [mg.tensor(a, requires_grad=True) for a in arrays]
    if all(t.numel() for t in inputs) and call(*inputs).numel():
        assert mg.gradcheck(call, inputs)
        assert mg.gradgradcheck(call, inputs)


def assert_raises_as_torch(call, kind, match) -> None:
    """``call(library)`` raises ``kind`` with ``match`` in its message for minigrad, and
    the same type for PyTorch where it is installed."""
    with pytest.raises(kind, match=match):
        call(mg)
    torch = optional_torch()
    if torch is not _NoTorch:
        with pytest.raises(kind):
            call(torch)


class _Skip(type):
    def __getattr__(cls, name: str) -> type:
        return cls

    def __call__(cls, *args: object, **kwargs: object) -> None:
        pytest.skip("needs PyTorch as the oracle (pip install torch==2.13.0)")


class _NoTorch(metaclass=_Skip):
    """Stands for ``torch`` where it is not installed: a module may name torch's functions
    in its tables, and the first call of one skips the test that makes it, with the reason;
    the module's torch-free tests (gradcheck, bad calls) still run."""


def optional_torch():
    """``torch``, or a stand-in that skips a test at its first use of torch."""
    try:
        import torch
    except ImportError:
        return _NoTorch
    return torch


needs_torch = pytest.mark.skipif(optional_torch() is _NoTorch,
                                 reason="needs PyTorch as the oracle (pip install torch==2.13.0)")
