"""The optimizers' speed paths: Adam's and SGD-with-momentum's updates in one compiled pass
each where the ``fast`` extra is installed (``optim_compiled``); the numpy passes in
``optim.Adam`` and ``optim.SGD`` are the reference, and these give their bits."""

from __future__ import annotations

import numpy as np

from . import compiled, fast

__all__ = ["adam", "sgd_momentum"]


def adam(p: np.ndarray, grad: np.ndarray, m: np.ndarray, v: np.ndarray, beta1: float,
         beta2: float, bc2_sqrt: float, eps: float, step_size: float) -> bool:
    """Adam's update of ``p``, ``m`` and ``v`` in place; False, changing nothing, where the
    compiled pass does not apply (``_flat``)."""
    flat = _flat(p, grad, m, v)
    if flat is None:
        return False
    from .optim_compiled import adam as kernel

    t = p.dtype.type
    kernel(*flat, t(1 - beta1), t(beta2), t(1 - beta2), t(bc2_sqrt), t(eps), t(step_size))
    return True


def sgd_momentum(p: np.ndarray, grad: np.ndarray, buf: np.ndarray, momentum: float,
                 dampening: float, lr: float, nesterov: bool) -> bool:
    """SGD's update of ``p`` and the momentum buffer ``buf`` in place (a step after the
    first); False, changing nothing, where the compiled pass does not apply."""
    flat = _flat(p, grad, buf)
    if flat is None:
        return False
    from .optim_compiled import sgd_momentum as kernel

    t = p.dtype.type
    kernel(*flat, t(momentum), t(1 - dampening), t(lr), nesterov)
    return True


def _flat(p: np.ndarray, *state: np.ndarray) -> list[np.ndarray] | None:
    """The parameter and its arrays as flat views in memory order, compiled kernels ready;
    None where the fast kernels are off, numba is missing, the dtype is not float32/float64
    or the arrays are not one dense layout alike."""
    if not (fast() and p.dtype in compiled.DTYPES and compiled.available()
            and all(a.dtype == p.dtype and a.strides == p.strides for a in state)
            and p.flags.writeable and (p.flags.c_contiguous or p.flags.f_contiguous)):
        return None
    compiled.compile_for(p.dtype)
    return [a.ravel(order="K") for a in (p, *state)]
