"""The optimizers' speed path: Adam's update in one compiled pass where the ``fast`` extra
is installed (``optim_compiled``); ``optim.Adam``'s numpy passes are the reference."""

from __future__ import annotations

import numpy as np

from . import compiled, fast

__all__ = ["adam"]


def adam(p: np.ndarray, grad: np.ndarray, m: np.ndarray, v: np.ndarray, beta1: float,
         beta2: float, bc2_sqrt: float, eps: float, step_size: float) -> bool:
    """Adam's update of ``p``, ``m`` and ``v`` in place, bit for bit as ``optim.Adam``'s
    numpy passes; False, changing nothing, where the compiled pass does not apply (fast
    kernels off, numba missing, another dtype, or arrays not laid out alike and dense)."""
    arrays = (p, grad, m, v)
    if not (fast() and p.dtype in compiled.DTYPES and compiled.available()
            and all(a.dtype == p.dtype and a.strides == p.strides for a in arrays)
            and p.flags.writeable and (p.flags.c_contiguous or p.flags.f_contiguous)):
        return False
    from .optim_compiled import adam as kernel

    compiled.compile_for(p.dtype)
    t = p.dtype.type
    kernel(*(a.ravel(order="K") for a in arrays), t(1 - beta1), t(beta2), t(1 - beta2),
           t(bc2_sqrt), t(eps), t(step_size))
    return True
