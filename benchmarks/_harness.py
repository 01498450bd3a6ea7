"""What the benchmark scripts share: their command line, thread pinning, best-of-N timing.

Import it before numpy: ``parse_and_pin`` sets the BLAS/OpenMP thread counts through the
environment, which only takes effect if numpy has not been imported yet.
"""

from __future__ import annotations

import argparse
import gc
import os
import time
from collections.abc import Callable
from typing import Any

_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                "BLIS_NUM_THREADS", "NUMEXPR_NUM_THREADS")


def parse_and_pin(doc: str, repeat: int) -> argparse.Namespace:
    """``--threads`` and ``--repeat`` from the command line; pin the thread counts."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2, help="BLAS/OpenMP/torch threads")
    parser.add_argument("--repeat", type=int, default=repeat,
                        help="timed runs (or interleaved rounds) per case")
    parser.add_argument("--inner", type=int, default=1,
                        help="runs per function inside a round, the fastest kept "
                             "(interleaved rounds only)")
    args = parser.parse_args()
    for var in _THREAD_VARS:
        os.environ[var] = str(args.threads)
    return args


def start_thread_pools(threads: int, import_torch: bool = True) -> Any:
    """Limit the BLAS pools (threadpoolctl when installed) and torch to ``threads``.

    Returns the torch module, or None when torch is not installed (ratios need it; the
    absolute figures do not) or not asked for (``import_torch=False``).
    """
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=threads)
    except ImportError:
        pass
    if not import_torch:
        return None
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(threads)
    return torch


def torch_on_im2col(torch: Any, on: bool) -> None:
    """Switch PyTorch's CPU convolutions to (or back from) its own im2col + GEMM kernels,
    the reference for minigrad's design: with oneDNN off PyTorch picks NNPACK, and with
    NNPACK off too it picks ``Slow2d`` (``torch._C._select_conv_backend`` says which)."""
    torch.backends.mkldnn.enabled = not on
    torch.backends.nnpack.set_flags(not on)


def thread_report(threads: int, torch: Any) -> str:
    """One line saying which thread pools run with how many threads."""
    try:
        from threadpoolctl import threadpool_info

        pools = ", ".join(f"{p['internal_api']}={p['num_threads']}" for p in threadpool_info())
        blas = f"threadpoolctl: {pools}"
    except ImportError:
        blas = f"env OPENBLAS/OMP/MKL_NUM_THREADS={threads} (threadpoolctl not installed)"
    t = f"torch={torch.get_num_threads()}" if torch is not None else "torch not installed"
    return f"threads: {blas}; {t}"


def best_of(fns: dict[str, Callable[[], None]], repeat: int) -> dict[str, float]:
    """Best wall time of each function, run alternately after two warm-ups, so minigrad and
    its peer see the same machine load (best-of-N is the least noisy figure on a shared one)."""
    for fn in fns.values():
        fn()
        fn()
    best = {name: float("inf") for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            gc.collect()
            t = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - t)
    return best


def in_turn(names: list[str], round_index: int) -> list[str]:
    """The order of a round: ``names`` rotated by the round's index, so that over as many
    rounds as names each runs once in every position. A fixed order measured a bias: with
    the same minigrad checkout as two contestants, the later one's times read 0.90x the
    earlier one's (median of 9 per-round ratios, range 0.65-1.23)."""
    k = round_index % len(names) if names else 0
    return names[k:] + names[:k]


def interleaved_rounds(fns: dict[str, Callable[[], None]], rounds: int,
                       inner: int = 1) -> dict[str, list[float]]:
    """Wall time of each function in each of ``rounds`` rounds, the functions run one after
    the other inside a round (after one warm-up each; the order rotated each round,
    ``in_turn``), so a ratio taken within a round compares runs that saw the same machine
    load. With ``inner > 1`` each function runs that many times in a row inside the round
    and its fastest run counts: a burst from another process then spoils one run, not the
    round. The garbage collector runs once before each function's runs in a round, and
    normally during them. Report the median of per-round ratios."""
    for fn in fns.values():
        fn()
    times: dict[str, list[float]] = {name: [] for name in fns}
    for k in range(rounds):
        for name in in_turn(list(fns), k):
            fn, best = fns[name], float("inf")
            gc.collect()  # once per function and round: a full collection right before a
            # run slowed minigrad's threaded passes for a run or two after it (max-pool
            # 8.4 -> 13 ms, measured), which a training loop never sees
            for _ in range(max(1, inner)):
                t = time.perf_counter()
                fn()
                best = min(best, time.perf_counter() - t)
            times[name].append(best)
    return times


def blas_kernel() -> str:
    """The BLAS library, its version and the CPU kernel it selected (threadpoolctl)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "unknown (threadpoolctl not installed)"
    blas = [p for p in threadpool_info() if p.get("user_api") == "blas"]
    return ", ".join(f"{p['internal_api']} {p.get('version')} kernel={p.get('architecture')}"
                     for p in blas) or "no BLAS pool found"
