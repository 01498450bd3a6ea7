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
changelog.md, 6 Dec 2026, night). Those ReLUs are 2-8 MiB. Outputs of ``BLOCKS_FROM`` or
more run in blocks on minigrad's threads instead: the batch-1000 SimpleConvNet inference's
66 MiB ReLU took 9.2-11.5 ms that way against 13.2-13.5 ms as one pass, in runs after a
pause as the benchmark times them (7 Dec 2026). The boundary lies between the sizes
measured; it is not tuned.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from . import fast, plain_backward
from .parallel import for_blocks

__all__ = ["BLOCKS_FROM", "fast", "plain_backward", "relu", "relu_grad", "sigmoid_grad"]

BLOCKS_FROM = 32 << 20  # bytes: ReLU's outputs this big are written in blocks on threads


def relu(x: np.ndarray) -> np.ndarray:
    """``max(x, 0)``, as the reference computes it."""
    if x.nbytes < BLOCKS_FROM or x.dtype.kind != "f":
        return np.maximum(x, 0)
    out = np.empty_like(x)
    _in_blocks(lambda o, a: np.maximum(a, 0, out=o), out, x)
    return out


def relu_grad(y: np.ndarray, g: np.ndarray) -> np.ndarray:
    """``g`` where ReLU's output ``y`` is not <= 0 (PyTorch: NaN passes), else 0."""
    if g.nbytes < BLOCKS_FROM or g.dtype.kind != "f":
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
