"""Running array work on several cores: numpy's ufuncs release the GIL.

BLAS spreads a GEMM over every core, but numpy's elementwise ops run on one, so on a
2-core machine compute-heavy glue (max-pool's comparisons, the block-by-block conv) would
use half of it. ``for_blocks`` splits such work into blocks along one axis (images,
usually) and runs them on a small pool of threads; each block touches its own slice of
the output, so no locks are needed, and blocks small enough to stay in cache also run
faster on one core. Plain copies and adds of training-sized arrays gain nothing (memory
bandwidth is the limit, measured), so im2col/col2im do not use it, and ReLU only for
outputs of tens of megabytes (``elementwise.BLOCKS_FROM``, measured).

``set_num_threads``/``get_num_threads`` are PyTorch's names. They set minigrad's own
threads; the BLAS pool follows ``OPENBLAS_NUM_THREADS``/``OMP_NUM_THREADS`` (or
threadpoolctl). The default is ``OMP_NUM_THREADS`` when set, else the CPUs this process may
use.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait

__all__ = ["for_blocks", "for_parts", "get_num_threads", "set_num_threads"]


def _default_threads() -> int:
    env = os.environ.get("OMP_NUM_THREADS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class _Pool(threading.local):
    worker = False  # True inside a pool thread: nested calls run inline, never deadlock


_local = _Pool()
_lock = threading.Lock()
_threads = _default_threads()
_executor: ThreadPoolExecutor | None = None


def get_num_threads() -> int:
    """How many threads minigrad's own array work (not BLAS) uses."""
    return _threads


def set_num_threads(n: int) -> None:
    """Use ``n`` threads for minigrad's own array work (1: everything on the caller's)."""
    global _threads, _executor
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"set_num_threads: expected a positive int, got {n!r}")
    with _lock:
        _threads = n
        if _executor is not None:
            _executor.shutdown(wait=True)
            _executor = None


def _mark_worker() -> None:
    _local.worker = True


def _pool() -> ThreadPoolExecutor:
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(_threads, thread_name_prefix="minigrad",
                                           initializer=_mark_worker)
        return _executor


def for_blocks(fn: Callable[[int, int], None], n: int, per_item: int,
               min_block: int = 1 << 18, max_block: int = 1 << 19) -> None:
    """Call ``fn(start, stop)`` over consecutive blocks covering ``range(n)``.

    ``per_item`` is roughly how many array elements one item costs; blocks hold between
    ``min_block`` (not worth a thread below) and ``max_block`` (about what stays in a
    core's cache) elements' work. ``fn`` must only write its own block's part of the
    output. The calling thread and one fewer pool threads take the blocks in turn, so
    the caller works instead of waiting for a hand-off (SimpleConvNet's max pool: 0.65
    against 0.71 ms when every block went to the pool). Exceptions propagate; all blocks
    have finished when this returns.
    """
    if n <= 0:
        return
    size = _block_size(n, per_item, min_block, max_block)
    if size >= n or _threads == 1 or _local.worker:
        for start in range(0, n, size):
            fn(start, min(n, start + size))
        return
    starts = iter(range(0, n, size))
    lock = threading.Lock()

    def take() -> None:
        while True:
            with lock:
                start = next(starts, None)
            if start is None:
                return
            fn(start, min(n, start + size))

    _alongside(take, [(take,)] * (min(_threads, -(-n // size)) - 1))


def for_parts(fn: Callable[[int, int], None], n: int) -> None:
    """Call ``fn(start, stop)`` over one near-equal share of ``range(n)`` per thread, the
    first share on the calling thread: for work already cut to one piece per core (a
    GEMM's halves), where the caller would only wait, and each hand-off to a sleeping
    thread costs tens of microseconds. All shares have finished when this returns."""
    size = -(-n // _threads) if n > 0 else 0
    if size == 0 or size >= n or _local.worker:
        if n > 0:
            fn(0, n)
        return
    _alongside(lambda: fn(0, size), [(fn, s, min(n, s + size)) for s in range(size, n, size)])


def _alongside(work: Callable[[], None], jobs: list[tuple]) -> None:
    """``work()`` on the calling thread while the pool runs ``jobs`` (``(fn, *args)``
    each); returns when all have finished, raising the caller's error, else a job's."""
    futures = [_pool().submit(*job) for job in jobs]
    try:
        work()
    finally:
        wait(futures)
    for f in futures:
        f.result()


def _block_size(n: int, per_item: int, min_block: int, max_block: int) -> int:
    """Items per block: what fits ``max_block``, but split over the threads when the whole
    job is one block yet big enough (``2 * min_block``) to keep two cores busy."""
    size = max(1, min(n, max_block // max(per_item, 1)))
    if _threads > 1 and size >= n and n * per_item >= 2 * min_block:
        size = -(-n // _threads)  # one cache-sized block would leave the other cores idle
    return size

