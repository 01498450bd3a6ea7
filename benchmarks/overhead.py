"""Framework overhead: what one op costs beyond the arithmetic, beside PyTorch in the same run.

Run: python benchmarks/overhead.py
Prints microseconds per forward+backward of (a) one elementwise op on a 1-element tensor and
(b) one training step of a 100-unit MLP, and the ratio minigrad / PyTorch (lower is better).
"""

from __future__ import annotations

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import timeit  # noqa: E402

import numpy as np  # noqa: E402

import minigrad as mg  # noqa: E402


def best_us(fn, number: int, repeat: int = 5) -> float:
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number * 1e6


def cases(lib) -> dict[str, callable]:
    """The same two workloads for ``lib`` (minigrad or torch: they share these names)."""
    x = lib.tensor([1.5], requires_grad=True)

    def tiny() -> None:
        (x * 2.0).sum().backward()

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

    return {"1-element op fwd+bwd": tiny, "100-unit MLP step": mlp}


def torch_cases() -> dict[str, callable] | None:
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    return cases(torch)


def main() -> None:
    print("threads: 1 (OMP/OpenBLAS/MKL and torch.set_num_threads)")
    ours = cases(mg)
    theirs = torch_cases()
    print(f"{'case':24s} {'minigrad us':>12s} {'torch us':>10s} {'ratio':>7s}")
    for name, fn in ours.items():
        mine = best_us(fn, 2000)
        if theirs is None:
            print(f"{name:24s} {mine:12.1f} {'-':>10s} {'-':>7s}")
            continue
        other = best_us(theirs[name], 2000)
        print(f"{name:24s} {mine:12.1f} {other:10.1f} {mine / other:7.2f}x")


if __name__ == "__main__":
    main()
