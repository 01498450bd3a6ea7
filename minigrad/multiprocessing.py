"""``minigrad.multiprocessing``: Python's ``multiprocessing``, under ``torch.multiprocessing``'s
name, so ``import minigrad.multiprocessing as mp`` in a script works (``mp.Process``,
``mp.Queue``, ``mp.get_context``, ``mp.set_start_method``, ``mp.cpu_count``, ...), plus
``torch.multiprocessing``'s own ``spawn`` and sharing-strategy calls.

Tensors are not placed in shared memory: a Tensor sent through a ``Queue`` is pickled, so the
receiver gets a copy (the sharing strategy is recorded and changes nothing).
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
from typing import Any

__all__ = [
    "Array", "AuthenticationError", "Barrier", "BoundedSemaphore", "BufferTooShort",
    "Condition", "Event", "JoinableQueue", "Lock", "Manager", "Pipe", "Pool", "Process",
    "ProcessContext", "ProcessError", "Queue", "RLock", "Semaphore", "SimpleQueue",
    "TimeoutError", "Value", "active_children", "cpu_count", "current_process",
    "freeze_support", "get_all_sharing_strategies", "get_all_start_methods", "get_context",
    "get_logger", "get_sharing_strategy", "get_start_method", "log_to_stderr",
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
    """Record the strategy (one of ``get_all_sharing_strategies()``); inert, since Tensors
    travel between processes as pickled copies."""
    global _strategy
    if new_strategy not in _STRATEGIES:
        raise ValueError(f"set_sharing_strategy(): new_strategy must be one of "
                         f"{sorted(_STRATEGIES)}, got {new_strategy!r}")
    _strategy = new_strategy


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
            raise RuntimeError(f"spawn(): process {i} terminated with exit code {code}")
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
