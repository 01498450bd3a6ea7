"""Shared-memory tensors and Hogwild training: ``share_memory_()``, ``Module.share_memory()``
and ``minigrad.multiprocessing`` sending tensors as the same memory, under every start
method; what the shared memory leaves behind when processes end (nothing)."""

from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
import sys
from multiprocessing.reduction import ForkingPickler

import numpy as np
import pytest

import minigrad as mg
import minigrad.multiprocessing as mp
from minigrad import nn

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX shared memory")

# a spawned child imports minigrad afresh (about a second): those runs are slow tests
METHODS = [pytest.param(m, marks=[pytest.mark.slow] if m != "fork" else [])
           for m in ("fork", "spawn", "forkserver") if m in multiprocessing.get_all_start_methods()]
FAST = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"


def _memory_files() -> int:
    """How many of this process's descriptors are minigrad's memory files (Linux)."""
    n = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            n += "minigrad-tensor" in os.readlink(f"/proc/self/fd/{fd}")
        except OSError:  # the descriptor listdir itself used, closed since
            pass
    return n


def test_share_memory_moves_the_array_in_place_and_keeps_values() -> None:
    for value in (np.arange(6.0).reshape(2, 3), np.array(2.5), np.zeros((0, 4)),
                  np.array([1, 2, 3], np.int32), np.array([True, False])):
        t = mg.tensor(value)
        assert not t.is_shared()
        assert t.share_memory_() is t and t.is_shared()
        assert t.dtype == value.dtype and t.shape == value.shape
        np.testing.assert_array_equal(t.numpy(), value)
        before = t.numpy()
        t.share_memory_()  # already shared: nothing moves
        assert t.numpy() is before
    t = mg.ones(2, 3).share_memory_()
    assert t.data.is_shared() and t[0].is_shared() and t.T.is_shared()
    assert not t.clone().is_shared()
    assert not pickle.loads(pickle.dumps(t)).is_shared()  # plain pickle still copies


def test_module_share_memory_shares_parameters_and_buffers_not_grads() -> None:
    model = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    model(mg.randn(4, 3)).sum().backward()
    values = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    assert model.share_memory() is model
    assert all(t.is_shared() for t in [*model.parameters(), *model.buffers()])
    assert not any(p.grad.is_shared() for p in model.parameters())
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), values[k])


def _add_rank(rank: int, t: mg.Tensor, lock: object, done: object) -> None:
    with lock:  # an in-place op rewrites the whole array: one writer at a time
        t[rank] += rank + 1
    done.put((t.is_shared(), t.grad is None))
    if t.grad is not None:  # a forked child has a copy of the parent's grad, its own
        t.grad.add_(100)


@pytest.mark.parametrize("method", METHODS)
def test_a_shared_tensor_given_to_processes_is_the_same_memory(method: str) -> None:
    ctx = mp.get_context(method)
    t = mg.zeros(3).share_memory_()
    t.grad = mg.ones(3)
    done, lock = ctx.Queue(), ctx.Lock()
    procs = [ctx.Process(target=_add_rank, args=(r, t, lock, done)) for r in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    assert t.tolist() == [1.0, 2.0, 3.0] and t.grad.tolist() == [1.0, 1.0, 1.0]
    # the grad does not travel (a forked child inherits a private copy)
    assert [done.get(timeout=10) for _ in procs] == [(True, method != "fork")] * 3


def _echo(inbox: object, outbox: object, received: object) -> None:
    t = inbox.get(timeout=30)
    t.data.mul_(10)
    outbox.put(t)
    received.wait(30)  # a sender stays alive until its tensor is received, as in PyTorch


def test_a_tensor_sent_through_a_queue_is_moved_to_shared_memory() -> None:
    ctx = mp.get_context(FAST)  # the tensor goes through the queue after the child started
    inbox, outbox, received = ctx.Queue(), ctx.Queue(), ctx.Event()
    proc = ctx.Process(target=_echo, args=(inbox, outbox, received))
    proc.start()
    t = nn.Parameter(mg.tensor([1.0, 2.0]))
    inbox.put(t)
    back = outbox.get(timeout=60)
    received.set()
    proc.join(60)
    assert proc.exitcode == 0 and t.is_shared()
    assert t.tolist() == [10.0, 20.0] and type(back) is nn.Parameter and back.requires_grad
    back.data.mul_(-1)
    assert t.tolist() == [-10.0, -20.0]  # the same memory again, not a copy


def test_a_non_leaf_that_requires_grad_is_refused_with_pytorchs_message() -> None:
    y = mg.ones(2, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="Cowardly refusing to serialize non-leaf tensor"):
        ForkingPickler.dumps(y)
    assert not y.is_shared()


def _hogwild_worker(rank: int, model: nn.Module, steps: int) -> None:
    mg.manual_seed(rank)
    opt = mg.optim.SGD(model.parameters(), lr=0.05)
    w_true = mg.tensor([[1.0, -2.0, 0.5]])
    for _ in range(steps):
        x = mg.randn(16, 3)
        loss = ((model(x) - x @ w_true.T) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()


@pytest.mark.parametrize("method", METHODS)
def test_hogwild_processes_train_one_model(method: str) -> None:
    mg.manual_seed(0)
    model = nn.Linear(3, 1)  # weight and bias: one memory file, sent twice
    start = model.weight.detach().numpy().copy()
    model.share_memory()
    mp.spawn(_hogwild_worker, args=(model, 40), nprocs=2, start_method=method)
    # 80 SGD steps in all: the shared weight is near the true one; the parent's grad untouched
    assert model.weight.grad is None
    assert not np.allclose(model.weight.detach().numpy(), start)
    np.testing.assert_allclose(model.weight.detach().numpy(), [[1.0, -2.0, 0.5]], atol=0.05)


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="reads Linux's /proc")
def test_shared_memory_leaves_nothing_behind() -> None:
    shm = set(os.listdir("/dev/shm")) if os.path.isdir("/dev/shm") else set()
    gc.collect()
    files = _memory_files()
    model = nn.Linear(50, 20).share_memory()
    weight = model.weight.data
    assert _memory_files() == files + 2  # the module's one memory file (and the mapping's)
    assert set(os.listdir("/dev/shm")) == shm if shm else True  # the files have no names
    del model
    gc.collect()
    assert _memory_files() == files + 2  # the weight still uses it
    del weight
    gc.collect()
    assert _memory_files() == files
