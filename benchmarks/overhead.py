"""Framework overhead: what an op costs beyond its arithmetic, beside PyTorch in the same run.

Run: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/overhead.py [--rounds N]

Two figures from issue 13, both measured in CPU time (``time.process_time``: the machine is
shared, and another process's load costs wall time, not this one's CPU time), as the median
over interleaved rounds (minigrad and its peer run one after the other inside a round):

1. ``((x*2+1).tanh()*x).sum()`` forward + backward on a 1-element tensor: microseconds per
   call, minigrad / PyTorch (goal <= 1.0x).
2. the forward of a 100,000-op chain ``y = y * 1.0``, per op, against a 100-op chain built
   1,000 times (goal <= 1.2x): what a large live graph costs per op beyond a small one
   (the cyclic garbage collector re-walking it, allocator growth). Freeing a chain is not
   timed. PyTorch's own figure is printed beside it. Part of the difference is fresh
   memory: about 0.3 page faults per op (one per 4 KiB page a graph of ~1.1 KiB
   per op touches first), which cost ~2.5 us each on this project's VMs: the allocator
   hands the memory back when a graph is freed, so every large graph pays them again.
   PyTorch's count is printed too (its nodes are C++ objects, outside Python's allocator).
   The rest is memory traffic: a graph that outgrows the caches (docs/performance.md).

Also printed: a 100-unit MLP training step (the overhead of a small realistic model).
"""

from __future__ import annotations

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import argparse  # noqa: E402
import gc  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import minigrad as mg  # noqa: E402

CPU = time.process_time
SHORT, LONG, SHORT_BUILDS = 100, 100_000, 1_000


def tiny_case(lib: Any) -> Callable[[], None]:
    """Issue 13's overhead expression on a 1-element tensor, forward and backward."""
    x = lib.tensor([1.5], requires_grad=True)

    def tiny() -> None:
        ((x * 2 + 1).tanh() * x).sum().backward()
        x.grad = None

    return tiny


def mlp_case(lib: Any) -> Callable[[], None]:
    """One SGD step of a 100-100-10 MLP on a batch of 32 (the same code for both libraries)."""
    rng = np.random.default_rng(0)
    data = lib.tensor(rng.normal(size=(32, 100)).astype(np.float32))
    w1 = lib.tensor(rng.normal(size=(100, 100)).astype(np.float32) * 0.1, requires_grad=True)
    b1 = lib.zeros(100, requires_grad=True)
    w2 = lib.tensor(rng.normal(size=(100, 10)).astype(np.float32) * 0.1, requires_grad=True)
    b2 = lib.zeros(10, requires_grad=True)

    def mlp() -> None:
        loss = (((data @ w1 + b1).relu() @ w2 + b2) ** 2).mean()
        loss.backward()
        for p in (w1, b1, w2, b2):
            p.data -= 0.01 * p.grad.data  # .data: outside the graph in both libraries
            p.grad = None

    return mlp


def chain_seconds(lib: Any, length: int) -> tuple[float, int]:
    """CPU seconds to record ``y = y * 1.0`` ``length`` times (freeing it is not timed), and
    the page faults taken meanwhile (fresh memory the kernel had to hand over)."""
    x = lib.tensor(1.0, requires_grad=True)
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    t = CPU()
    y = x
    for _ in range(length):
        y = y * 1.0
    elapsed = CPU() - t
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults
    del y
    return elapsed, faults


def per_op_ratio(lib: Any) -> tuple[float, float, float, float]:
    """ns per op in 1,000 chains of 100 and in one chain of 100,000, their ratio, and the
    long chain's page faults per op."""
    short = sum(chain_seconds(lib, SHORT)[0] for _ in range(SHORT_BUILDS)) / (SHORT * SHORT_BUILDS)
    seconds, faults = chain_seconds(lib, LONG)
    long = seconds / LONG
    return short * 1e9, long * 1e9, long / short, faults / LONG


def per_call_us(fn: Callable[[], None], calls: int) -> float:
    t = CPU()
    for _ in range(calls):
        fn()
    return (CPU() - t) / calls * 1e6


def load_torch() -> Any:
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    return torch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40, help="interleaved rounds")
    args = parser.parse_args()
    torch = load_torch()
    libs = {"minigrad": mg} if torch is None else {"minigrad": mg, "torch": torch}
    print("threads: 1 (OMP/OpenBLAS/MKL and torch.set_num_threads); CPU time "
          f"(time.process_time), median of {args.rounds} interleaved rounds")

    for name, make, calls in (("((x*2+1).tanh()*x).sum() fwd+bwd, 1 element", tiny_case, 300),
                              ("100-unit MLP SGD step, batch 32", mlp_case, 50)):
        fns = {lib: make(mod) for lib, mod in libs.items()}
        for fn in fns.values():
            per_call_us(fn, calls)  # warm-up
        times: dict[str, list[float]] = {lib: [] for lib in fns}
        for _ in range(args.rounds):
            for lib, fn in fns.items():
                times[lib].append(per_call_us(fn, calls))
        mine = statistics.median(times["minigrad"])
        if torch is None:
            print(f"{name}: minigrad {mine:.1f} us (torch not installed: no ratio)")
            continue
        ratio = statistics.median(m / t for m, t in zip(times["minigrad"], times["torch"]))
        goal = "  (goal <= 1.00x)" if make is tiny_case else ""
        print(f"{name}: minigrad {mine:.1f} us, torch {statistics.median(times['torch']):.1f}"
              f" us, ratio {ratio:.2f}x{goal}")

    rounds = max(3, args.rounds // 8)
    figures: dict[str, list[tuple[float, float, float, float]]] = {lib: [] for lib in libs}
    for _ in range(rounds):
        for lib, mod in libs.items():
            gc.collect()
            figures[lib].append(per_op_ratio(mod))
    for lib, rows in figures.items():
        short, long, ratio, faults = (statistics.median(col) for col in zip(*rows))
        goal = "  (goal <= 1.20x)" if lib == "minigrad" else ""
        print(f"{lib}: chain of {LONG:,} ops {long:.0f} ns/op, chains of {SHORT} "
              f"{short:.0f} ns/op, ratio {ratio:.2f}x{goal}; {faults:.2f} page faults/op in "
              f"the long chain (median of {rounds} rounds)")


if __name__ == "__main__":
    main()
