"""ReLU's passes and the sigmoid gradient as plain numpy passes.

The reference rules in ``minigrad.ops.elementwise`` (``max(a, 0)``, ``g * (a > 0)``,
``g * s * (1 - s)``) are Tensor ops, so they can be differentiated again. A plain
``backward()`` (no ``create_graph``) needs no graph of the gradient; there
``minigrad.kernels.plain_backward()`` says so and these passes skip the Tensor ops'
promotion of the mask (a float copy of it: 0.8 ms of SimpleConvNet's ReLU gradient) and,
for the sigmoid, two of its three buffers.

ReLU's passes are memory-bound and run as one numpy pass on the calling thread: in blocks
on minigrad's threads they measured 0.75-0.85x of one pass alone, but inside the training
steps, where OpenBLAS's idle thread still spins on the other core after each GEMM, one pass
was the faster (0.78-0.83x of the threaded time forward, 0.83-0.94x backward; docs/
changelog.md, 6 Dec 2026, night). Outputs of ``FRESH_PAGES`` or more are the exception:
glibc hands out blocks that big as new pages from the kernel every time, even with
``tune_malloc()``, and the first write to each page is a page fault. Written in blocks on
minigrad's threads, those faults are shared by the cores: the batch-1000 SimpleConvNet
inference (a 66 MiB ReLU) took 51-56 ms against 59-61 ms as one pass (7 Dec 2026).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from . import fast, plain_backward
from .parallel import for_blocks

__all__ = ["FRESH_PAGES", "fast", "plain_backward", "relu", "relu_grad", "sigmoid_grad"]

FRESH_PAGES = 32 << 20  # glibc's largest mmap threshold (64-bit): blocks this big are mmapped


def relu(x: np.ndarray) -> np.ndarray:
    """``max(x, 0)``, as the reference computes it."""
    if x.nbytes < FRESH_PAGES or x.dtype.kind != "f":
        return np.maximum(x, 0)
    out = np.empty_like(x)
    _in_blocks(lambda o, a: np.maximum(a, 0, out=o), out, x)
    return out


def relu_grad(y: np.ndarray, g: np.ndarray) -> np.ndarray:
    """``g`` where ReLU's output ``y`` is not <= 0 (PyTorch: NaN passes), else 0."""
    if g.nbytes < FRESH_PAGES or g.dtype.kind != "f":
        return np.multiply(g, ~(y <= 0))
    out = np.empty_like(g)
    _in_blocks(lambda o, a, b: np.multiply(b, ~(a <= 0), out=o), out, y, g)
    return out


def sigmoid_grad(s: np.ndarray, g: np.ndarray) -> np.ndarray:
    """``g * s * (1 - s)`` for the sigmoid's output ``s``: one buffer, in place (LeNet's
    hot path)."""
    slope = 1 - s
    slope *= s
    slope *= g
    return slope


def _in_blocks(fn: Callable[..., None], out: np.ndarray, *arrays: np.ndarray) -> None:
    """``fn(out, *arrays)`` for arrays of one shape: in blocks of their memory on minigrad's
    threads where all lie in memory as ``out`` does (dense, from ``empty_like``: the same
    strides make them dense too, element for element), else in one call."""
    if any(a.strides != out.strides for a in arrays):
        fn(out, *arrays)
        return
    flat, parts = out.ravel(order="K"), [a.ravel(order="K") for a in arrays]
    for_blocks(lambda lo, hi: fn(flat[lo:hi], *(p[lo:hi] for p in parts)), flat.size, 1)
