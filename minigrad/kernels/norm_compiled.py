"""Training-mode batch norm as compiled loops (the ``fast`` extra): three passes over the
activations forward, two back, where the numpy code makes some seven and eight.

Per channel, forward: the mean (one pass), the variance around it (a second: the two-pass
formula, not E[x^2] - mean^2, which cancels badly when the mean is large), then
``y = x * scale + shift`` with ``scale = w / sigma`` and ``shift = b - mean * scale``. The
sums are taken in float64 for float32 inputs too. Nothing else is kept: the normalised
input ``xhat`` is worked out again in backward from ``x``, the mean and ``1/sigma``, which
costs no more reading than keeping it and saves an activation-sized array per layer.
Backward: ``db = sum(g)`` and ``dw = sum(g * xhat)`` in one pass, then
``dx = w/sigma * (g - db/M - xhat * dw/M)`` in a second.

The loops are serial over the channels of a block and release the GIL; blocks of channels
run on minigrad's own threads (``compiled.run_blocks``), as the compiled max pool's do.
The (N, C, L) arrays may lie either way in memory, (N, C, L) or channels-outermost
(C, N, L) underneath, as conv2d's outputs and the gradients flowing back to them do; the
loops take each as a C-contiguous array in its own order (a flag per array says which),
so the innermost loop runs along contiguous L.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .compiled import DTYPES, compile_for, in_memory_order, run_blocks
from .compiled import numba as _numba

numba = _numba()

__all__ = ["applies", "backward", "forward", "signatures"]

MIN_MAP = 16  # positions per image and channel: below it (BatchNorm1d) numpy's passes win


def applies(a: np.ndarray) -> bool:
    """An (N, C, L) float32/float64 array with maps of ``MIN_MAP`` or more."""
    return a.dtype in DTYPES and a.size > 0 and a.shape[2] >= MIN_MAP


def _view(a: np.ndarray, cmajor: bool) -> np.ndarray:
    """The (N, C, L) view of a C-contiguous array in the order ``cmajor`` says."""
    return a.transpose(1, 0, 2) if cmajor else a


def forward(a: np.ndarray, weight: np.ndarray | None, bias: np.ndarray | None,
            eps: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple]:
    """``(y, mean, var, moments)``: the normalised (N, C, L) output in ``a``'s memory order,
    the batch mean and biased variance per channel (``a``'s dtype), and what ``backward``
    takes: the mean and ``1/sigma`` in float64."""
    c = a.shape[1]
    compile_for(a.dtype)
    x, xc = in_memory_order(a)
    y = np.empty_like(x)
    mean, var = np.empty(c, np.float64), np.empty(c, np.float64)
    w = np.ones(c, a.dtype) if weight is None else np.ascontiguousarray(weight, a.dtype)
    b = np.zeros(c, a.dtype) if bias is None else np.ascontiguousarray(bias, a.dtype)
    run_blocks(_forward, c, a.size // c, x, xc, w, b, eps, y, mean, var)
    moments = (mean, 1.0 / np.sqrt(var + eps))
    return _view(y, xc), mean.astype(a.dtype), var.astype(a.dtype), moments


def backward(g: np.ndarray, a: np.ndarray, moments: tuple, weight: np.ndarray | None,
             need_x: bool) -> tuple:
    """``(dx, dweight, dbias)`` for the (N, C, L) gradient ``g`` of the output of
    ``forward(a, ...)``, which gave ``moments``; ``dx`` is None unless ``need_x``."""
    c = a.shape[1]
    compile_for(a.dtype)
    x, xc = in_memory_order(a)
    gm, gc = in_memory_order(g)
    dx = np.empty_like(gm) if need_x else np.empty((0, 0, 0), g.dtype)
    dw, db = np.empty(c, np.float64), np.empty(c, np.float64)
    w = np.ones(c, a.dtype) if weight is None else np.ascontiguousarray(weight, a.dtype)
    m, iv = moments
    run_blocks(_backward, c, a.size // c, gm, gc, x, xc, m, iv, w, need_x, dx, dw, db)
    return (_view(dx, gc) if need_x else None), dw.astype(g.dtype), db.astype(g.dtype)


def _jit(fn: Any) -> Any:
    # reassoc: the sums may be split into vector lanes (float64 accumulators keep them exact
    # enough); no assumption about NaN or infinity, which pass through as in numpy
    return numba.njit(cache=True, nogil=True, error_model="numpy",
                      fastmath={"reassoc", "contract", "nsz"})(fn)


@_jit
def _forward(lo, hi, x, xc, w, b, eps, y, mean, var):  # noqa: ANN001, ANN202
    """Per channel: mean, variance around it, then ``y = x * scale + shift``; ``xc``: ``x``
    and ``y`` lie as (C, N, L)."""
    nn, ll = (x.shape[1] if xc else x.shape[0]), x.shape[2]
    count = nn * ll
    for c in range(lo, hi):
        s = 0.0
        for n in range(nn):
            row = x[c, n] if xc else x[n, c]
            for q in range(ll):
                s += row[q]
        m = s / count
        s = 0.0
        for n in range(nn):
            row = x[c, n] if xc else x[n, c]
            for q in range(ll):
                d = row[q] - m
                s += d * d
        v = s / count
        mean[c], var[c] = m, v
        scale = w[c] / np.sqrt(v + eps)
        shift = b[c] - m * scale
        for n in range(nn):
            row, out = (x[c, n], y[c, n]) if xc else (x[n, c], y[n, c])
            for q in range(ll):
                out[q] = row[q] * scale + shift


@_jit
def _backward(lo, hi, g, gc, x, xc, mean, inv, w, need_x, dx, dw, db):  # noqa: ANN001, ANN202
    """Per channel: ``sum(g)`` and ``sum(g * (x - mean))``, then ``dx`` (in ``g``'s order);
    ``gc``, ``xc``: ``g`` (and ``dx``), ``x`` lie as (C, N, L)."""
    nn, ll = (x.shape[1] if xc else x.shape[0]), x.shape[2]
    count = nn * ll
    for c in range(lo, hi):
        m, iv = mean[c], inv[c]
        sg, sgx = 0.0, 0.0
        for n in range(nn):
            grow = g[c, n] if gc else g[n, c]
            xrow = x[c, n] if xc else x[n, c]
            for q in range(ll):
                sg += grow[q]
                sgx += grow[q] * (xrow[q] - m)
        db[c], dw[c] = sg, sgx * iv
        if need_x:
            # dx = scale * (g - db/M - xhat * dw/M) with xhat = (x - m) * iv
            scale = w[c] * iv
            k0 = -scale * sg / count
            k1 = -scale * iv * iv * sgx / count
            for n in range(nn):
                grow, out = (g[c, n], dx[c, n]) if gc else (g[n, c], dx[n, c])
                xrow = x[c, n] if xc else x[n, c]
                for q in range(ll):
                    out[q] = grow[q] * scale + (xrow[q] - m) * k1 + k0


def signatures(dtype: Any) -> list[tuple[Any, tuple]]:
    """Every compiled function with the argument types it is called with, for ``dtype``."""
    t = numba.from_dtype(np.dtype(dtype))
    a3, v, v8 = t[:, :, ::1], t[::1], numba.float64[::1]
    i8, f8, b1 = numba.int64, numba.float64, numba.boolean
    return [(_forward, (i8, i8, a3, b1, v, v, f8, a3, v8, v8)),
            (_backward, (i8, i8, a3, b1, a3, b1, v8, v8, v, b1, a3, v8, v8))]
