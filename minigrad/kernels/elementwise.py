"""The sigmoid's gradient in one buffer, in place (LeNet's hot path).

The reference rule in ``minigrad.ops.elementwise`` is ``g * s * (1 - s)`` in Tensor ops, so
it can be differentiated again. A plain ``backward()`` (no ``create_graph``) needs no graph
of the gradient; there ``minigrad.kernels.plain_backward()`` says so and this pass, with
one buffer instead of three, is worth it.

ReLU has no kernel: its reference passes (``np.maximum(a, 0)``, ``g * (a > 0)``) are one
numpy pass each, memory-bound. Run in blocks on minigrad's threads they measured 0.75-0.85x
of one pass alone, but inside the training steps, where OpenBLAS's idle thread still spins
on the other core after each GEMM, one pass was the faster: 0.78-0.83x of the threaded
forward and 0.83-0.94x of the threaded backward (docs/changelog.md, 6 Dec 2026, night).
"""

from __future__ import annotations

import numpy as np

from . import plain_backward

__all__ = ["plain_backward", "sigmoid_grad"]


def sigmoid_grad(s: np.ndarray, g: np.ndarray) -> np.ndarray:
    """``g * s * (1 - s)`` for the sigmoid's output ``s``: one buffer, in place (LeNet's
    hot path)."""
    slope = 1 - s
    slope *= s
    slope *= g
    return slope
