"""ReLU's passes and the sigmoid gradient as plain numpy passes (ReLU's gradient as one
compiled pass where the ``fast`` extra is installed: ``elementwise_compiled``).

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

from . import compiled, fast, plain_backward
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
    """``g`` where ReLU's output ``y`` is not <= 0 (PyTorch: NaN passes), else 0.

    With the ``fast`` extra, float32/float64 arrays lying alike in memory take one
    compiled pass (``elementwise_compiled``) instead of numpy's three."""
    if _compiled(y, g):
        out = np.empty_like(g)
        flat = _flat(out, y, g)
        if flat is not None:
            _compiled_relu_grad(*flat)
            return out
    if g.nbytes < BLOCKS_FROM or g.dtype.kind != "f":
        return np.multiply(g, ~(y <= 0))
    out = np.empty_like(g)
    _in_blocks(lambda o, a, b: np.multiply(b, ~(a <= 0), out=o), out, y, g)
    return out


def _compiled(y: np.ndarray, g: np.ndarray) -> bool:
    """Whether ReLU's gradient may take the compiled pass: the ``fast`` extra installed,
    one dtype it is compiled for, the two arrays laid out alike."""
    return (y.dtype == g.dtype and g.dtype in compiled.DTYPES and y.strides == g.strides
            and compiled.available())


def _compiled_relu_grad(out: np.ndarray, y: np.ndarray, g: np.ndarray) -> None:
    """The compiled pass over flat arrays: on the calling thread, or in blocks on minigrad's
    threads from ``BLOCKS_FROM`` bytes, as numpy's passes run."""
    from .elementwise_compiled import relu_grad as kernel

    compiled.compile_for(g.dtype)
    if out.nbytes < BLOCKS_FROM:
        kernel(y, g, out)
    else:
        for_blocks(lambda lo, hi: kernel(y[lo:hi], g[lo:hi], out[lo:hi]), out.size, 1)


def sigmoid_grad(s: np.ndarray, g: np.ndarray) -> np.ndarray:
    """``g * s * (1 - s)`` for the sigmoid's output ``s``: one buffer, in place (LeNet's
    hot path)."""
    slope = 1 - s
    slope *= s
    slope *= g
    return slope


def _flat(out: np.ndarray, *arrays: np.ndarray) -> list[np.ndarray] | None:
    """``out`` and ``arrays`` (of one shape) as flat arrays in memory order, element for
    element, where all lie in memory as ``out`` does (dense, from ``empty_like``: the same
    strides make them dense too); else None."""
    if any(a.strides != out.strides for a in arrays):
        return None
    return [a.ravel(order="K") for a in (out, *arrays)]


def _in_blocks(fn: Callable[..., None], out: np.ndarray, *arrays: np.ndarray) -> None:
    """``fn(out, *arrays)`` for arrays of one shape: in blocks of their memory on minigrad's
    threads where all lie in memory alike (``_flat``), else in one call."""
    flat = _flat(out, *arrays)
    if flat is None:
        fn(out, *arrays)
        return
    o, parts = flat[0], flat[1:]
    for_blocks(lambda lo, hi: fn(o[lo:hi], *(p[lo:hi] for p in parts)), o.size, 1)
