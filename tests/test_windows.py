"""Window functions against PyTorch: ``minigrad.hann_window``, ``hamming_window``,
``blackman_window``, ``bartlett_window``, ``kaiser_window`` (``minigrad/windows.py``) and
``minigrad.signal.windows`` (``minigrad/signal/windows.py``): values for every length from 0
to 33, periodic and symmetric, float64 to about an ulp and float32 (and float16 for the
torch-level ones); the dtype default; ``requires_grad``; bad calls raise PyTorch's type."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.signal.windows as W

LENGTHS = list(range(0, 34))
TOL = {"float64": dict(rtol=2e-15, atol=1e-15), "float32": dict(rtol=2e-6, atol=2e-6),
       "float16": dict(rtol=0, atol=4e-3)}  # PyTorch rounds every step to float16, minigrad once

TORCH_LEVEL = [("hann_window", ()), ("hamming_window", ()), ("hamming_window", (0.6,)),
               ("hamming_window", (0.6, 0.3)), ("blackman_window", ()),
               ("bartlett_window", ()), ("kaiser_window", ()), ("kaiser_window", (3.3,)),
               ("kaiser_window", (0.0,))]
SIGNAL = [("bartlett", {}), ("blackman", {}), ("cosine", {}), ("exponential", {}),
          ("exponential", {"tau": 2.5}), ("gaussian", {}), ("gaussian", {"std": 1.7}),
          ("general_cosine", {"a": [0.4, 0.3, 0.2, 0.1]}), ("general_cosine", {"a": (1.0,)}),
          ("general_hamming", {}), ("general_hamming", {"alpha": 0.6}), ("hamming", {}),
          ("hann", {}), ("kaiser", {}), ("kaiser", {"beta": 3.3}), ("nuttall", {})]


def same(ours: mg.Tensor, theirs, dtype: str) -> None:  # noqa: ANN001
    assert ours.shape == tuple(theirs.shape)
    assert ours.dtype == np.dtype(dtype)
    np.testing.assert_allclose(ours.numpy().astype(np.float64),
                               theirs.numpy().astype(np.float64), **TOL[dtype])


@pytest.mark.parametrize("dtype", ["float64", "float32", "float16"])
@pytest.mark.parametrize("case", TORCH_LEVEL, ids=[f"{c[0]}{c[1]}" for c in TORCH_LEVEL])
def test_torch_level_windows_match_pytorch(torch, case: tuple, dtype: str) -> None:  # noqa: ANN001
    name, args = case
    for n in LENGTHS:
        for periodic in (True, False):
            same(getattr(mg, name)(n, periodic, *args, dtype=getattr(mg, dtype)),
                 getattr(torch, name)(n, periodic, *args, dtype=getattr(torch, dtype)), dtype)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("case", SIGNAL, ids=[f"{c[0]}{c[1]}" for c in SIGNAL])
def test_signal_windows_match_pytorch(torch, case: tuple, dtype: str) -> None:  # noqa: ANN001
    name, kw = case
    for n in LENGTHS:
        for sym in (True, False):
            same(getattr(W, name)(n, sym=sym, dtype=getattr(mg, dtype), **kw),
                 getattr(torch.signal.windows, name)(n, sym=sym, dtype=getattr(torch, dtype),
                                                     **kw), dtype)


def test_exponential_center_matches_pytorch(torch) -> None:  # noqa: ANN001
    for n in (1, 4, 9):
        for center in (0.0, 2.5, 7.0):
            same(W.exponential(n, center=center, sym=False, tau=1.5, dtype=mg.float64),
                 torch.signal.windows.exponential(n, center=center, sym=False, tau=1.5,
                                                  dtype=torch.float64), "float64")


def test_defaults_dtype_and_requires_grad() -> None:
    assert mg.hann_window(4).dtype == mg.float32
    assert W.hann(4).dtype == mg.float32
    before = mg.get_default_dtype()
    mg.set_default_dtype(mg.float64)
    try:
        assert mg.kaiser_window(5).dtype == mg.float64 and W.gaussian(5).dtype == mg.float64
    finally:
        mg.set_default_dtype(before)
    for w in (mg.hann_window(4, requires_grad=True), W.kaiser(4, requires_grad=True),
              mg.bartlett_window(0, requires_grad=True)):
        assert w.requires_grad
    assert not mg.blackman_window(3).requires_grad
    assert mg.hann_window(1).tolist() == [1.0] and mg.hann_window(0).shape == (0,)
    assert mg.hann_window(4, device="cpu").tolist() == [0.0, 0.5, 1.0, 0.5]
    assert mg.hann_window(4, False).tolist() == pytest.approx([0.0, 0.75, 0.75, 0.0])


def test_windows_are_in_the_namespace_without_importing_at_startup() -> None:
    import subprocess
    import sys

    code = ("import sys, minigrad; assert 'minigrad.windows' not in sys.modules; "
            "assert 'minigrad.signal' not in sys.modules; minigrad.hann_window(3); "
            "minigrad.signal.windows.hann(3); import minigrad.signal.windows; "
            "assert 'hann_window' in dir(minigrad)")
    subprocess.run([sys.executable, "-c", code], check=True)


BAD = [
    ("negative length", lambda m: m.hann_window(-1), RuntimeError,
     r"hann_window: hann_window requires non-negative window_length, got window_length=-1"),
    ("float length", lambda m: m.kaiser_window(2.0), TypeError,
     r"kaiser_window: argument 'window_length' \(position 1\) must be int, not float"),
    ("integer dtype", lambda m: m.blackman_window(3, dtype=m.int64), RuntimeError,
     r"blackman_window: blackman_window expects floating point dtypes"),
    ("signal negative", lambda m: m.signal.windows.hann(-1), ValueError,
     r"hann: hann requires non-negative window length, got M=-1"),
    ("signal float16", lambda m: m.signal.windows.cosine(3, dtype=m.float16), ValueError,
     r"cosine: cosine expects float32 or float64 dtypes, got: float16"),
    ("signal positional sym", lambda m: m.signal.windows.hann(3, True), TypeError, ""),
    ("gaussian std", lambda m: m.signal.windows.gaussian(3, std=0), ValueError,
     r"gaussian: Standard deviation must be positive, got: 0 instead"),
    ("exponential tau", lambda m: m.signal.windows.exponential(3, tau=0), ValueError,
     r"exponential: Tau must be positive, got: 0 instead"),
    ("exponential center", lambda m: m.signal.windows.exponential(3, center=1.0), ValueError,
     r"exponential: Center must be None for symmetric windows"),
    ("kaiser beta", lambda m: m.signal.windows.kaiser(3, beta=-1), ValueError,
     r"kaiser: beta must be non-negative, got: -1 instead"),
    ("empty coefficients", lambda m: m.signal.windows.general_cosine(3, a=[]), ValueError,
     r"general_cosine: Coefficients cannot be empty"),
    ("scalar coefficients", lambda m: m.signal.windows.general_cosine(3, a=3), TypeError,
     r"general_cosine: Coefficients must be a list/tuple"),
    ("sparse layout", lambda m: m.signal.windows.hann(3, layout=m.sparse_coo), ValueError,
     r"hann: hann is implemented for strided tensors only"),
]


@pytest.mark.parametrize("case", BAD, ids=[c[0] for c in BAD])
def test_bad_calls(case: tuple) -> None:
    _, call, kind, match = case
    with pytest.raises(kind, match=match):
        call(mg)


@pytest.mark.parametrize("case", BAD, ids=[c[0] for c in BAD])
def test_bad_calls_raise_what_pytorch_raises(torch, case: tuple) -> None:  # noqa: ANN001
    _, call, kind, _ = case
    import torch.signal.windows  # noqa: F401

    with pytest.raises(kind):
        call(torch)


def test_accelerator_device_is_refused() -> None:
    with pytest.raises(RuntimeError, match="minigrad runs on the CPU only"):
        mg.hann_window(4, device="cuda")
    with pytest.raises(RuntimeError, match="minigrad runs on the CPU only"):
        W.hann(4, device="cuda")
