"""ReLU's gradient as one compiled pass (the ``fast`` extra).

numpy's ``g * ~(y <= 0)`` makes three passes: the comparison and its negation each write
a mask, then the product reads it with ``g``. The loop here reads ``y`` and ``g`` once and
writes the product, with the same arithmetic (``g * 1`` or ``g * 0``, so NaN, inf and
signed zeros come out as numpy's): 0.75 ms against 1.62 ms for SimpleConvNet's ReLU
(100 x 30 x 24 x 24 float32, one thread). The arrays are taken flat, in the order they lie
in memory, where all three lie alike (``elementwise.relu_grad`` checks).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .compiled import numba as _numba

numba = _numba()

__all__ = ["relu_grad", "signatures"]


@numba.njit(cache=True, nogil=True)
def relu_grad(y, g, out):  # noqa: ANN001, ANN201
    """``out = g * (not y <= 0)`` over flat arrays (NaN in ``y`` passes the gradient)."""
    one, zero = g.dtype.type(1), g.dtype.type(0)
    for i in range(out.size):
        out[i] = g[i] * (zero if y[i] <= 0 else one)


def signatures(dtype: Any) -> list[tuple[Any, tuple]]:
    """Every compiled function with the argument types it is called with, for ``dtype``."""
    a1 = numba.from_dtype(np.dtype(dtype))[::1]
    return [(relu_grad, (a1, a1, a1))]
