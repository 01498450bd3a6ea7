"""``minigrad.multiprocessing``: Python's ``multiprocessing``, under ``torch.multiprocessing``'s
name, so ``import minigrad.multiprocessing as mp`` in a script works (``mp.Process``,
``mp.Queue``, ``mp.get_context``, ``mp.set_start_method``, ``mp.cpu_count``, ...), plus
``torch.multiprocessing``'s own ``spawn`` and sharing-strategy calls.

As in PyTorch, a Tensor that multiprocessing sends to another process (a ``Process``'s
arguments under the ``spawn``/``forkserver`` start methods, a ``Queue``, a ``Pipe``) travels
as shared memory, not as a copy: it is moved there first (``share_memory_()``) and the
receiver maps the same memory, so writes in one process are seen in all (Hogwild training).
What travels is a duplicate of the memory file's descriptor (PyTorch's ``file_descriptor``
strategy); the memory has no name and is freed when the last process lets go of it. A
tensor's ``grad`` does not travel. A forked child inherits shared tensors as they are.
"""

from __future__ import annotations

import multiprocessing as _mp
from collections.abc import Callable
from multiprocessing import (
    Array,
    AuthenticationError,
    Barrier,
    BoundedSemaphore,
    BufferTooShort,
    Condition,
    Event,
    JoinableQueue,
    Lock,
    Manager,
    Pipe,
    Pool,
    Process,
    ProcessError,
    Queue,
    RLock,
    Semaphore,
    SimpleQueue,
    TimeoutError,  # noqa: A004  (multiprocessing's own name)
    Value,
    active_children,
    cpu_count,
    current_process,
    freeze_support,
    get_all_start_methods,
    get_context,
    get_logger,
    get_start_method,
    log_to_stderr,
    parent_process,
    set_start_method,
)
from multiprocessing.reduction import DupFd, ForkingPickler
from typing import Any

import numpy as np

from . import _shared_memory
from .tensor import Tensor

__all__ = [
    "Array", "AuthenticationError", "Barrier", "BoundedSemaphore", "BufferTooShort",
    "Condition", "Event", "JoinableQueue", "Lock", "Manager", "Pipe", "Pool", "Process",
    "ProcessContext", "ProcessError", "Queue", "RLock", "Semaphore", "SimpleQueue",
    "TimeoutError", "Value", "active_children", "cpu_count", "current_process",
    "freeze_support", "get_all_sharing_strategies", "get_all_start_methods", "get_context",
    "get_logger", "get_sharing_strategy", "get_start_method", "init_reductions", "log_to_stderr",
    "parent_process", "set_sharing_strategy", "set_start_method", "spawn",
]

_STRATEGIES = {"file_descriptor", "file_system"}
_strategy = "file_descriptor"


def get_all_sharing_strategies() -> set[str]:
    """``{'file_descriptor', 'file_system'}``, as PyTorch on Linux."""
    return set(_STRATEGIES)


def get_sharing_strategy() -> str:
    """The strategy last set (``'file_descriptor'`` at first); it changes nothing here."""
    return _strategy


def set_sharing_strategy(new_strategy: str) -> None:
    """Record the strategy (one of ``get_all_sharing_strategies()``); inert: tensors always
    travel as descriptors of nameless memory files (``'file_descriptor'``), which leave
    nothing behind to clean up."""
    global _strategy
    if new_strategy not in _STRATEGIES:
        raise ValueError(f"set_sharing_strategy: new_strategy must be one of "
                         f"{sorted(_STRATEGIES)}, got {new_strategy!r}")
    _strategy = new_strategy


def _rebuild_tensor(cls: type, fd: Any, size: int, offset: int, shape: tuple[int, ...],
                    strides: tuple[int, ...], dtype: str, requires_grad: bool) -> Tensor:
    """The receiving side: map the sender's memory and view it as the sender's tensor."""
    block = _shared_memory.attach(fd.detach(), size)
    arr = np.ndarray(shape, np.dtype(dtype), buffer=block, offset=offset, strides=strides)
    return cls._make(arr, requires_grad, None, 0)


def _reduce_tensor(t: Tensor) -> tuple:
    """The sending side: the tensor moves into shared memory, and a duplicate of its memory
    file's descriptor travels, with where the tensor lies in it."""
    if t.requires_grad and t.grad_fn is not None:
        raise RuntimeError(
            "Cowardly refusing to serialize non-leaf tensor which requires_grad, since "
            "autograd does not support crossing process boundaries.  If you just want to "
            "transfer the data, call detach() on the tensor before serializing (e.g., putting "
            "it on the queue)."
        )
    t.share_memory_()
    arr = t._data
    block = _shared_memory.block_of(arr)
    assert block is not None
    return _rebuild_tensor, (type(t), _send_fd(block.fd), len(block),
                             _shared_memory.offset_in(arr, block), arr.shape, arr.strides,
                             arr.dtype.str, t.requires_grad)


def _send_fd(fd: int) -> Any:
    """``multiprocessing``'s wrapper that carries a duplicate of ``fd`` to the receiver. The
    spawn start method refuses a descriptor listed twice (two tensors of one module share a
    memory file): the second one reuses the first's place in the list."""
    from multiprocessing import context

    popen = context.get_spawning_popen()
    if popen is not None and type(popen).__module__.endswith("popen_spawn_posix") and \
            fd in getattr(popen, "_fds", ()):
        return popen.DupFd(fd)
    return DupFd(fd)


def init_reductions() -> None:
    """Make multiprocessing send Tensors, Parameters and Buffers as shared memory (done on
    import of this module and by ``share_memory_()``; ordinary ``pickle`` still copies)."""
    from .nn.parameter import Buffer, Parameter

    for cls in (Tensor, Parameter, Buffer):
        ForkingPickler.register(cls, _reduce_tensor)


init_reductions()


class ProcessContext:
    """The processes ``spawn(..., join=False)`` started; ``join()`` waits for them."""

    def __init__(self, processes: list[Any]) -> None:
        self.processes = processes

    def pids(self) -> list[int]:
        """The processes' ids."""
        return [p.pid for p in self.processes]

    def join(self, timeout: float | None = None) -> bool:
        """Wait for every process; True when all have finished. A process that failed
        raises a ``RuntimeError`` naming it and its exit code (the others are terminated)."""
        for p in self.processes:
            p.join(timeout)
        failed = [(i, p.exitcode) for i, p in enumerate(self.processes)
                  if p.exitcode not in (None, 0)]
        if failed:
            for p in self.processes:
                if p.is_alive():
                    p.terminate()
            i, code = failed[0]
            raise RuntimeError(f"spawn: process {i} terminated with exit code {code}")
        return all(p.exitcode is not None for p in self.processes)


def spawn(fn: Callable[..., Any], args: tuple = (), nprocs: int = 1, join: bool = True,
          daemon: bool = False, start_method: str = "spawn") -> ProcessContext | None:
    """Run ``fn(i, *args)`` in ``nprocs`` processes, as ``torch.multiprocessing.spawn``:
    waits for them (``join=True``, returns None) or returns a ``ProcessContext``."""
    ctx = _mp.get_context(start_method)
    processes = [ctx.Process(target=fn, args=(i, *args), daemon=daemon) for i in range(nprocs)]
    for p in processes:
        p.start()
    context = ProcessContext(processes)
    if not join:
        return context
    while not context.join():
        pass
    return None
