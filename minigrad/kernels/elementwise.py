"""Fast paths for the two activations on a CNN's hot path: ReLU and sigmoid.

The reference rules in ``minigrad.ops.elementwise`` are one line each (``max(a, 0)``,
``g * (a > 0)``, ``g * s * (1 - s)``) in Tensor ops, so they can be differentiated again.
A plain ``backward()`` (no ``create_graph``) needs no graph of the gradient, and on a conv
output of a million elements or more these passes are worth doing on numpy in place,
in blocks on minigrad's threads (``parallel.for_rows``: 0.75-0.85x of one pass on two
cores), when ``minigrad.kernels.plain_backward()`` says no graph of it is wanted.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import fast, plain_backward
from .parallel import for_rows

__all__ = ["fast", "plain_backward", "relu", "relu_grad", "sigmoid_grad"]


def relu(x: np.ndarray) -> np.ndarray:
    """``max(x, 0)`` in blocks on threads, in x's layout and ``np.maximum``'s dtype."""
    out = np.empty_like(x, dtype=np.result_type(x, 0))
    for_rows(lambda rows: np.maximum(x[rows], 0, out=out[rows]), x)
    return out


def relu_grad(y: np.ndarray, g: np.ndarray) -> np.ndarray:
    """``g`` where ReLU's output ``y`` is not <= 0 (PyTorch: NaN passes), else 0."""
    dx = np.empty_like(g)  # the layout np.multiply would give

    def block(rows: Any) -> None:
        np.multiply(g[rows], ~(y[rows] <= 0), out=dx[rows])

    for_rows(block, dx)
    return dx


def sigmoid_grad(s: np.ndarray, g: np.ndarray) -> np.ndarray:
    """``g * s * (1 - s)`` for the sigmoid's output ``s``: one buffer, in place (LeNet's
    hot path)."""
    slope = 1 - s
    slope *= s
    slope *= g
    return slope
