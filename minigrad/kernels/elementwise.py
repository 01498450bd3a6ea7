"""The ReLU and sigmoid gradients as plain numpy passes.

The reference rules in ``minigrad.ops.elementwise`` (``g * (a > 0)``, ``g * s * (1 - s)``)
are Tensor ops, so they can be differentiated again. A plain ``backward()`` (no
``create_graph``) needs no graph of the gradient; there ``minigrad.kernels.plain_backward()``
says so and these passes skip the Tensor ops' promotion of the mask (a float copy of it:
0.8 ms of SimpleConvNet's ReLU gradient) and, for the sigmoid, two of its three buffers.

They run on the calling thread. Both ReLU passes are memory-bound: run in blocks on
minigrad's threads they measured 0.75-0.85x of one pass alone, but inside the training
steps, where OpenBLAS's idle thread still spins on the other core after each GEMM, one pass
was the faster: 0.78-0.83x of the threaded time forward, 0.83-0.94x backward
(docs/changelog.md, 6 Dec 2026, night). ReLU's forward is its reference, ``max(a, 0)``.
"""

from __future__ import annotations

import numpy as np

from . import plain_backward

__all__ = ["plain_backward", "relu_grad", "sigmoid_grad"]


def relu_grad(y: np.ndarray, g: np.ndarray) -> np.ndarray:
    """``g`` where ReLU's output ``y`` is not <= 0 (PyTorch: NaN passes), else 0."""
    return np.multiply(g, ~(y <= 0))


def sigmoid_grad(s: np.ndarray, g: np.ndarray) -> np.ndarray:
    """``g * s * (1 - s)`` for the sigmoid's output ``s``: one buffer, in place (LeNet's
    hot path)."""
    slope = 1 - s
    slope *= s
    slope *= g
    return slope
