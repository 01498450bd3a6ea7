"""The block-by-block conv forward (``conv._per_image_blocks``: no column buffer is kept, so
the columns are unfolded and multiplied a block of images at a time, on threads) gives the
one-buffer path's numbers, and PyTorch's, wherever it is chosen."""

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad.kernels import conv, parallel

pytestmark = pytest.mark.usefixtures("fast_kernels")  # about the fast kernels themselves


CASES = [  # (N, C, H, W, FN, K, stride, padding, dilation, bias)
    (1000, 1, 28, 28, 30, 5, 1, 0, 1, True),  # SimpleConvNet's conv at inference
    (700, 1, 28, 28, 6, 5, 1, 2, 1, True),  # LeNet's first
    (90, 3, 33, 31, 16, 3, 1, 1, 1, False),  # odd sizes, no bias
    (600, 2, 30, 30, 8, 3, 2, 1, 2, True),  # stride and dilation
    (1000, 6, 14, 14, 16, 5, 1, 0, 1, True),  # LeNet's second
]


@pytest.fixture
def spy(monkeypatch):
    calls = []
    real = conv._per_image_blocks

    def counted(*args):
        calls.append(args[2])
        return real(*args)

    monkeypatch.setattr(conv, "_per_image_blocks", counted)
    return calls


def run(x, w, b, stride, padding, dilation, grad_w):
    xt, wt = mg.tensor(x), mg.tensor(w, requires_grad=grad_w)
    bt = None if b is None else mg.tensor(b, requires_grad=grad_w)
    return F.conv2d(xt, wt, bt, stride=stride, padding=padding, dilation=dilation)


def inputs(case, dtype, seed=0):
    n, c, h, w_, fn, k, s, p, d, bias = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, c, h, w_)).astype(dtype)
    w = (rng.standard_normal((fn, c, k, k)) / k).astype(dtype)
    b = rng.standard_normal(fn).astype(dtype) if bias else None
    return x, w, b, s, p, d


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_blocks_equal_the_one_buffer_path(case, dtype, spy):
    x, w, b, s, p, d = inputs(case, dtype)
    one_buffer = run(x, w, b, s, p, d, grad_w=True)  # the weight gradient keeps the columns
    assert spy == []
    with mg.no_grad():
        blocked = run(x, w, b, s, p, d, grad_w=True)
    assert len(spy) == 1 and spy[0].n == x.shape[0]
    assert blocked.shape == one_buffer.shape and blocked.dtype == one_buffer.dtype
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(blocked.data, one_buffer.data, rtol=tol, atol=tol)


def test_same_bits_on_one_and_two_threads(spy):
    x, w, b, s, p, d = inputs(CASES[0], np.float32)
    before = parallel.get_num_threads()
    out = []
    try:
        for n in (1, 2):
            parallel.set_num_threads(n)
            with mg.no_grad():
                out.append(run(x, w, b, s, p, d, grad_w=False).data)
    finally:
        parallel.set_num_threads(before)
    np.testing.assert_array_equal(*out)


def test_frozen_weights_still_give_the_input_gradient(spy):
    x, w, b, s, p, d = inputs(CASES[1], np.float64)
    xt = mg.tensor(x, requires_grad=True)
    y = F.conv2d(xt, mg.tensor(w), mg.tensor(b), padding=p)  # weights frozen: blocks
    assert len(spy) == 1
    g = np.random.default_rng(1).standard_normal(y.shape)
    y.backward(mg.tensor(g))
    xr, wr = mg.tensor(x, requires_grad=True), mg.tensor(w, requires_grad=True)
    ref = F.conv2d(xr, wr, mg.tensor(b), padding=p)
    ref.backward(mg.tensor(g))
    np.testing.assert_allclose(y.data, ref.data, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(xt.grad.data, xr.grad.data, rtol=1e-12, atol=1e-12)


def test_small_batches_keep_one_buffer(spy):
    x, w, b, s, p, d = inputs((100, 1, 28, 28, 30, 5, 1, 0, 1, True), np.float32)
    with mg.no_grad():
        run(x, w, b, s, p, d, grad_w=False)
    assert spy == []  # 26 x 57,600 columns: under the 2M elements where blocks pay


@pytest.mark.parametrize("case", CASES[:4])
def test_matches_torch(case):
    torch = pytest.importorskip("torch")
    x, w, b, s, p, d = inputs(case, np.float64, seed=2)
    x[0, 0, 0, :3] = [np.nan, np.inf, -np.inf]
    with mg.no_grad():
        ours = run(x, w, b, s, p, d, grad_w=False).data
    theirs = torch.nn.functional.conv2d(
        torch.from_numpy(x), torch.from_numpy(w), None if b is None else torch.from_numpy(b),
        stride=s, padding=p, dilation=d).numpy()
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(theirs))
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-10)
