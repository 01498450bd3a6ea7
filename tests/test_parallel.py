"""minigrad.parallel: blocks cover the range exactly once, errors surface, and the ops
that use it give the same bits on one thread as on several."""

import threading
import time

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad.kernels import parallel


@pytest.fixture
def threads():
    before = parallel.get_num_threads()
    yield
    parallel.set_num_threads(before)


@pytest.mark.parametrize("n, per_item, max_block", [(1, 1, 8), (7, 3, 8), (100, 1, 10),
                                                     (5, 1000, 10), (64, 1 << 16, 1 << 19)])
def test_blocks_cover_the_range_once(threads, n, per_item, max_block):
    parallel.set_num_threads(3)
    seen = np.zeros(n, int)
    lock = threading.Lock()

    def fn(a, b):
        assert 0 <= a < b <= n
        with lock:
            seen[a:b] += 1

    parallel.for_blocks(fn, n, per_item, min_block=1, max_block=max_block)
    assert (seen == 1).all()


def test_the_calling_thread_takes_blocks_too(threads):
    """The caller works through the blocks beside the pool's threads instead of waiting
    for a hand-off; with two threads, one pool thread helps it."""
    parallel.set_num_threads(2)
    who = []
    lock = threading.Lock()

    def fn(a, b):
        with lock:
            who.append(threading.current_thread().name)
        time.sleep(0.002)  # releases the GIL, as the kernels' passes do

    parallel.for_blocks(fn, 16, 1, min_block=1, max_block=1)
    assert len(who) == 16
    assert threading.current_thread().name in who
    assert len(set(who)) <= 2


def test_empty_range_calls_nothing():
    parallel.for_blocks(lambda a, b: pytest.fail("called"), 0, 10)


def test_errors_propagate_and_nested_calls_run_inline(threads):
    parallel.set_num_threads(2)
    inner = []

    def fn(a, b):
        parallel.for_blocks(lambda c, d: inner.append((c, d)), 4, 1, min_block=1, max_block=1)
        if a == 0:
            raise KeyError("block 0")

    with pytest.raises(KeyError, match="block 0"):
        parallel.for_blocks(fn, 4, 1, min_block=1, max_block=1)
    assert len(inner) >= 4  # the nested loops ran (inline in the workers, no deadlock)


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_set_num_threads_refuses_bad_values(bad):
    with pytest.raises(ValueError, match="set_num_threads"):
        mg.set_num_threads(bad)


def test_ops_agree_on_one_and_two_threads(threads):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 64, 32, 32)).astype(np.float32)  # big enough to split
    x[0, 0, :2, :2] = 1.0  # a tie in the first window
    results = []
    for n in (1, 2):
        mg.set_num_threads(n)
        xt = mg.tensor(x, requires_grad=True)
        out = F.max_pool2d(xt, 2) + F.max_pool2d(xt, 3, 2, padding=1).sum()
        out.sum().backward()
        results.append((out.data, xt.grad.data))
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)


def test_relu_on_a_big_array_is_the_plain_pass(threads):
    """ReLU on a big feature-major array (a conv output's layout): the values, dtype, layout
    and NaN rule (NaN passes the gradient, as in PyTorch) of one numpy pass, on any thread
    count."""
    rng = np.random.default_rng(1)
    base = rng.standard_normal((4, 8, 200, 200)).astype(np.float32)
    base[0, 0, 0, :4] = [np.nan, 0.0, -0.0, np.inf]
    x = base.transpose(1, 0, 2, 3)  # feature-major, like a conv output
    g = rng.standard_normal(x.shape).astype(np.float32)
    want_y = np.maximum(x, 0)
    want_dx = np.where(~(x <= 0), g, 0).astype(np.float32)
    for n in (1, 2):
        mg.set_num_threads(n)
        leaf = mg.tensor(base, requires_grad=True)
        y = F.relu(leaf.permute(1, 0, 2, 3))
        y.backward(mg.tensor(g))
        assert y.dtype == np.float32 and y._data.strides == want_y.strides  # x's layout
        np.testing.assert_array_equal(y.data, want_y)
        np.testing.assert_array_equal(leaf.grad._data.transpose(1, 0, 2, 3), want_dx)
