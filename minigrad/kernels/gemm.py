"""minigrad's GEMMs under the thread policy: OpenBLAS on one thread, split over minigrad's
own threads.

After each GEMM it runs on two threads, OpenBLAS's second thread spins for about 0.1 s
(2^28 cycles) waiting for the next one. On two cores that spinner takes a core from
whatever runs next: the compiled loops, minigrad's threaded passes, the next layer. The
compiled kernels therefore run inside ``compiled_region()``, where OpenBLAS is on one
thread (``threads.py``). One GEMM outside them was enough to leave the spinner behind
all the same: a linear layer, a 1x1 convolution on the numpy kernels. So where the
compiled extra is installed, once a compiled convolution or a product of ``BIG`` flops
has run, every product minigrad's ops compute runs under the policy too (``policy``),
and ``matmul`` spreads the big ones over minigrad's threads itself, one single-threaded
OpenBLAS call per thread. OpenBLAS's pool then never wakes, and never spins. Without the
extra nothing changes: numpy's ``matmul`` on OpenBLAS's threads.

Why not from the start: a network whose convolutions are numpy GEMMs (SimpleConvNet's)
measured a few percent slower under the policy, because splitting a small product by
hand costs more than OpenBLAS's own threads do (handing a part to a sleeping thread
costs about 60 us, and each part packs its operands again). One whose convolutions are
compiled loops (LeNet's) runs them up to twice as fast without a spinner beside them:
its step took 6.8-7.2 ms under the policy against 8.0-8.2 ms without. Under the policy,
products under ``MIN_SPLIT`` flops run whole on the calling thread: splitting them by
hand would cost more than it saves. docs/performance.md has the measurements.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator

import numpy as np

from . import compiled, fast
from .parallel import for_parts, get_num_threads
from .threads import blas_single_threaded, compiled_region

__all__ = ["BIG", "MIN_SPLIT", "applies", "hold", "linear_grads", "matmul", "matmul_grads",
           "outer", "policy", "product"]

# flops (537M): ResNet-18's stride-2 and 4x4 convolutions at batch 32, SimpleConvNet's conv
# and fc1 at batch 1000; not SimpleConvNet's or LeNet's layers at the batch of 500 that
# ``minigrad train`` validates with (432M at most)
BIG = 1 << 29
MIN_SPLIT = 1 << 24  # flops (17M): under the policy, smaller products run whole

_holds = False  # the policy holds for every product from now on (``hold``)


def hold() -> None:
    """From now on the policy holds for every product: called by the first compiled
    convolution pass (whose loops an OpenBLAS spinner would slow down) and the first
    product of ``BIG`` flops."""
    global _holds
    _holds = True


def applies(flops: int) -> bool:
    """Whether the thread policy applies to GEMMs of ``flops`` in all: the fast kernels on,
    the compiled extra installed, and since a compiled convolution or a product of ``BIG``
    flops ran in this process (this one or an earlier one)."""
    return (_holds or flops >= BIG) and fast() and compiled.available()


@contextlib.contextmanager
def policy(flops: int) -> Iterator[None]:
    """The thread policy around an op's GEMMs (``flops`` in all) where it ``applies``;
    elsewhere nothing changes."""
    if applies(flops):
        hold()
        with compiled_region():
            yield
    else:
        yield


def product(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` as ``minigrad.matmul`` (a linear layer) computes it: numpy's ``matmul``;
    with the fast kernels a contraction of length 1 as a multiply (``outer``), the rest
    under the policy where it applies."""
    if a.ndim < 2 or b.ndim < 2 or a.shape[-1] != b.shape[-2] or not fast():
        return np.matmul(a, b)  # (and numpy's error for shapes that do not match)
    if a.shape[-1] == 1:
        return outer(a, b)
    flops = _flops(a, b)
    if not applies(flops):
        return np.matmul(a, b)  # (a context manager costs more than a small product)
    with policy(flops):
        return matmul(a, b)


def _flops(a: np.ndarray, b: np.ndarray) -> int:
    """Twice the multiply-adds of ``a @ b`` (stacked: the longer stack's)."""
    m, k, n = a.shape[-2], a.shape[-1], b.shape[-1]
    return 2 * m * k * n * max(a.size // max(1, m * k), b.size // max(1, k * n))


def linear_grads(x: np.ndarray, w: np.ndarray, g: np.ndarray, needs: tuple,
                 with_bias: bool) -> tuple:
    """``ops.linalg.Linear``'s gradients ``g @ w``, ``g.T @ x`` and ``sum(g)`` (None where
    ``needs`` says no) as numpy products, for a plain backward. The reference rules are
    Tensor ops, whose per-op costs were 5% of a 784-100-10 MLP's step (0.95x, faster in 16
    of 16 rounds), 2-3% of LeNet's and SimpleConvNet's (0.98x, 11 of 16)."""
    rows = g.reshape(math.prod(g.shape[:-1]), w.shape[0])
    return (product(g, w) if needs[0] else None,
            product(rows.T, x.reshape(rows.shape[0], w.shape[1])) if needs[1] else None,
            rows.sum(0) if with_bias and needs[2] else None)


def matmul_grads(a: np.ndarray, b: np.ndarray, g: np.ndarray, needs: tuple) -> tuple:
    """``ops.linalg.MatMul``'s gradients ``g @ b.T`` and ``a.T @ g`` (None where ``needs``
    says no) as numpy products, for a plain backward; a 1-D operand taken as a row (``a``)
    or a column (``b``), as the reference rules take it. Their Tensor ops (transposes,
    reshapes, the products) cost a 100-unit MLP's step about a tenth (``overhead.py``)."""
    a2 = a[None] if a.ndim == 1 else a
    b2 = b[:, None] if b.ndim == 1 else b
    g2 = g[..., None] if b.ndim == 1 else g
    g2 = g2[..., None, :] if a.ndim == 1 else g2
    ga = product(g2, b2.swapaxes(-1, -2)) if needs[0] else None
    gb = product(a2.swapaxes(-1, -2), g2) if needs[1] else None
    return (None if ga is None else ga[..., 0, :] if a.ndim == 1 else ga,
            None if gb is None else gb[..., 0] if b.ndim == 1 else gb)


def outer(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` where the contraction has length 1 (a linear layer's weight gradient at
    batch 1): each output is one product, so a broadcast multiply gives the same numbers.
    numpy's ``matmul`` took 3-10x as long: SimpleConvNet's fc1 (4,320 x 100) 0.50 against
    0.17 ms, (100 x 4,320) 0.46 against 0.04 ms."""
    shape = np.broadcast_shapes(a.shape[:-2], b.shape[:-2]) + (a.shape[-2], b.shape[-1])
    return np.multiply(a, b, out=np.empty(shape, dtype=np.result_type(a, b)))


def matmul(a: np.ndarray, b: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``np.matmul(a, b, out=out)`` (2-D or stacked). Under the policy, split over
    minigrad's threads: whole matrices of a stack when there are enough (Winograd's 36),
    else the long contraction of a short product (partial sums, added), else bands of
    output rows or columns, whichever is longer."""
    threads = get_num_threads()
    m, k, n = a.shape[-2], a.shape[-1], b.shape[-1]
    if threads == 1 or _flops(a, b) < MIN_SPLIT or not blas_single_threaded():
        return np.matmul(a, b, out=out)
    if out is None:
        shape = np.broadcast_shapes(a.shape[:-2], b.shape[:-2]) + (m, n)
        out = np.empty(shape, dtype=np.result_type(a, b))
    if out.ndim == 3 and out.shape[0] >= threads:
        def part(lo: int, hi: int) -> None:  # an operand with no stack, or one of 1, is shared
            np.matmul(a[lo:hi] if a.ndim == 3 and len(a) > 1 else a,
                      b[lo:hi] if b.ndim == 3 and len(b) > 1 else b, out=out[lo:hi])

        for_parts(part, out.shape[0])
    elif out.ndim == 2 and k >= 4 * max(m, n):
        size = -(-k // threads)
        partial = np.empty((-(-k // size), m, n), dtype=out.dtype)

        def part(lo: int, hi: int) -> None:
            np.matmul(a[:, lo:hi], b[lo:hi], out=partial[lo // size])

        for_parts(part, k)
        np.sum(partial, axis=0, out=out)
    elif m >= n:
        def part(lo: int, hi: int) -> None:
            np.matmul(a[..., lo:hi, :], b, out=out[..., lo:hi, :])

        for_parts(part, m)
    else:
        def part(lo: int, hi: int) -> None:  # BLAS writes a band of columns in place
            np.matmul(a, b[..., lo:hi], out=out[..., lo:hi])

        for_parts(part, n)
    return out
