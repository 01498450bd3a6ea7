"""``F.affine_grid`` and ``F.grid_sample``: a spatial transformer's sampling step.

``affine_grid`` maps PyTorch's base grid (each output pixel's normalised position in
[-1, 1], x along the width first) through a batch of affine matrices: one batched matmul,
so the gradient of ``theta`` is the matmul's. ``grid_sample`` reads the input at those
positions. Both are compositions of core ops, so their gradients of every order come
from the ops' own:

- each grid coordinate is unnormalised to a pixel position with the formula of PyTorch's
  CPU kernel (``(g + 1) * size/2 - 1/2``, or ``(g + 1) * (size-1)/2`` with
  ``align_corners``; the 5-D kernel's own formulas for 5-D), then, for ``'border'``,
  clipped to [0, size - 1] and for ``'reflection'`` first reflected off the borders
  (PyTorch's arithmetic, ``where`` choosing the branch). The clip passes the gradient
  only strictly inside, as PyTorch's kernel does (a border counts as outside).
- ``'bilinear'`` (trilinear for 5-D input) sums, over the 2 (or 8) neighbouring pixels,
  the pixel (gathered from the flattened planes; 0 outside the input) times the product
  of the distances to the opposite neighbours. Those weights are differentiable in the
  grid; ``floor`` is not, so the grid's gradient is PyTorch's (from the cell ``floor``
  picks, the right or lower one at an integer position, where it is not smooth).
- ``'nearest'`` gathers the pixel at ``rint`` (half to even, as PyTorch's kernel); its grid
  gradient is 0, kept in the graph as PyTorch gives zeros, not None.
- ``'bicubic'`` (4-D only, as in PyTorch) is PyTorch's cubic convolution (A = -0.75) over
  the 4x4 neighbours, each tap clipped or reflected on its own for the padding modes.
"""

from __future__ import annotations

import itertools
import warnings
from typing import Any

import numpy as np

from ..im2col import _is_int
from ..ops.elementwise import where
from ..ops.index import Gather
from ..tensor import Tensor, require_tensor
from .linalg import matmul

__all__ = ["affine_grid", "grid_sample"]

_MODES = ("bilinear", "nearest", "bicubic")
_PADDINGS = ("zeros", "border", "reflection")
_CUBIC_A = -0.75  # PyTorch's (and OpenCV's) cubic convolution constant


def _align_corners(op: str, align_corners: Any) -> bool:
    """PyTorch's default, False, with its warning when not given; a bool otherwise."""
    if align_corners is None:
        warnings.warn(f"{op}: Default grid_sample and affine_grid behavior has changed to "
                      "align_corners=False since 1.3.0. Please specify align_corners=True if "
                      "the old behavior is desired. See the documentation of grid_sample for "
                      "details.", UserWarning, stacklevel=3)
        return False
    if not isinstance(align_corners, (bool, np.bool_)):
        raise TypeError(f"{op}: align_corners must be a bool or None, got {align_corners!r}")
    return bool(align_corners)


# ----------------------------------------------------------------------------- affine_grid


def _linspace(steps: int, align_corners: bool, dtype: np.dtype) -> np.ndarray:
    """PyTorch's ``linspace_from_neg_one``: its ``linspace(-1, 1, steps)`` (each half
    counted from its own end), scaled by ``(steps - 1) / steps`` unless ``align_corners``;
    a single step is 0."""
    if steps <= 1:
        return np.zeros(1, dtype)
    t = dtype.type
    step, i = t(2) / t(steps - 1), np.arange(steps)
    line = np.where(i < steps // 2, t(-1) + step * i.astype(dtype),
                    t(1) - step * (steps - 1 - i).astype(dtype)).astype(dtype)
    return line if align_corners else line * t(steps - 1) / t(steps)


def _base_grid(spatial: tuple[int, ...], align_corners: bool, dtype: np.dtype) -> np.ndarray:
    """(1, prod(spatial), k + 1): every output position's (x, y[, z], 1), x along the last
    spatial dim (the width), as PyTorch's ``make_base_grid``."""
    k = len(spatial)
    base = np.ones((*spatial, k + 1), dtype)
    for j, steps in enumerate(spatial):
        shape = [1] * k
        shape[j] = -1
        base[..., k - 1 - j] = _linspace(steps, align_corners, dtype).reshape(shape)
    return base.reshape(1, int(np.prod(spatial)), k + 1)


def _affine_size(op: str, size: Any) -> tuple[int, ...]:
    if not isinstance(size, (tuple, list)) or not all(map(_is_int, size)):
        raise TypeError(f"{op}: size must be a sequence of ints (N, C, H, W) or (N, C, D, H, "
                        f"W), got {size!r}")
    if len(size) not in (4, 5):
        raise NotImplementedError(f"{op}: only 4-D and 5-D sizes are supported, for 2-D and "
                                  f"3-D affine transforms respectively; got size {tuple(size)}")
    return tuple(int(v) for v in size)


def _check_theta(op: str, theta: Tensor, size: tuple[int, ...], align_corners: bool) -> None:
    """PyTorch's checks: float matrices (N, 2, 3) for a 4-D size, (N, 3, 4) for a 5-D one;
    positive sizes (unit spatial sizes with ``align_corners`` only warn); N agrees."""
    if theta.dtype.kind != "f":
        raise ValueError(f"{op}: expected theta to have floating point type, but got "
                         f"{theta.dtype}")
    k = len(size) - 2
    if theta.ndim != 3 or theta.shape[1:] != (k, k + 1):
        raise ValueError(f"{op}: expected a batch of {k}-D affine matrices of shape "
                         f"(N, {k}, {k + 1}) for size {size}, got theta {theta.shape}")
    if align_corners and min(size[2:]) == 1:
        warnings.warn(f"{op}: Since version 1.3.0, affine_grid behavior has changed for "
                      "unit-size grids when align_corners=True. This is not an intended use "
                      "case of affine_grid. See the documentation of affine_grid for details.",
                      UserWarning, stacklevel=3)
    elif min(size) <= 0:
        raise ValueError(f"{op}: expected non-zero, positive output size, got {size}")
    if theta.shape[0] != size[0]:
        raise RuntimeError(f"{op}: theta holds {theta.shape[0]} matrices but size asks for a "
                           f"batch of {size[0]}")


def affine_grid(theta: Tensor, size: Any, align_corners: bool | None = None) -> Tensor:
    """The sampling grid of a batch of affine maps: ``theta`` (N, 2, 3) and ``size`` (N, C,
    H, W) give (N, H, W, 2), each output pixel's normalised (x, y) source position
    ``theta @ (x, y, 1)`` for ``grid_sample``; (N, 3, 4) and (N, C, D, H, W) give (N, D, H,
    W, 3). ``align_corners`` as in ``grid_sample`` (default False, with PyTorch's warning
    when not given). Differentiable in ``theta``. Example, the identity::

        >>> import minigrad as mg, minigrad.nn.functional as F
        >>> F.affine_grid(mg.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]]), (1, 1, 2, 2),
        ...               align_corners=False)
        tensor([[[[-0.5000, -0.5000],
                  [ 0.5000, -0.5000]],
        <BLANKLINE>
                 [[-0.5000,  0.5000],
                  [ 0.5000,  0.5000]]]])
    """
    op = "affine_grid"
    theta = require_tensor(theta, op, "theta")
    align = _align_corners(op, align_corners)
    size = _affine_size(op, size)
    _check_theta(op, theta, size, align)
    spatial = size[2:]
    base = Tensor(_base_grid(spatial, align, theta.dtype))
    return matmul(base, theta.transpose(1, 2)).reshape(size[0], *spatial, len(spatial))


# ----------------------------------------------------------------------------- coordinates


def _unnormalize(g: Tensor, size: int, align_corners: bool, k: int) -> Tensor:
    """A normalised coordinate as a pixel position, in PyTorch's CPU kernels' arithmetic
    (the vectorised 2-D kernel's, or the 3-D kernel's)."""
    if k == 2:
        if align_corners:
            return (g + 1) * ((size - 1) / 2)
        return (g + 1) * (size / 2) - 0.5
    if align_corners:
        return (g + 1) / 2 * (size - 1)
    return ((g + 1) * size - 1) / 2


def _clip_array(a: np.ndarray, size: int) -> np.ndarray:
    """Positions clipped to [0, size - 1]; NaN to 0, as PyTorch's kernel."""
    return np.where(np.isnan(a), 0, np.clip(a, 0, size - 1)).astype(a.dtype, copy=False)


def _clip(c: Tensor, size: int) -> Tensor:
    """'border': positions clipped to [0, size - 1]; the gradient passes only strictly
    inside (PyTorch's kernel counts a border as outside)."""
    inside = (c._data > 0) & (c._data < size - 1)
    return where(inside, c, Tensor(_clip_array(c._data, size)))


def _span(size: int, align_corners: bool) -> tuple[float, int] | None:
    """Where reflection happens: (low, twice the span), or None for an empty span."""
    if align_corners:
        return (0.0, 2 * (size - 1)) if size > 1 else None
    return -0.5, 2 * size


def _reflect(c: Tensor, size: int, align_corners: bool) -> Tensor:
    """'reflection': positions reflected off the borders until inside, PyTorch's arithmetic
    (|c - low| folded by twice the span, then the nearer of ``extra`` and its mirror)."""
    span = _span(size, align_corners)
    if span is None:  # one pixel with align_corners: every position is 0 (gradient 0)
        return where(np.zeros(c.shape, bool), c, 0.0)
    low, twice = span
    folded = (c - low).abs()
    extra = folded - Tensor((np.trunc(folded._data / twice) * twice).astype(c.dtype))
    mirror = twice - extra
    return where(extra._data > mirror._data, mirror, extra) + low


def _reflect_array(a: np.ndarray, size: int, align_corners: bool) -> np.ndarray:
    """``_reflect`` on plain positions (bicubic's taps)."""
    span = _span(size, align_corners)
    if span is None:
        return np.zeros_like(a)
    low, twice = span
    folded = np.abs(a - a.dtype.type(low))
    extra = folded - np.trunc(folded / twice) * twice
    return (np.minimum(extra, twice - extra) + a.dtype.type(low)).astype(a.dtype, copy=False)


def _source(g: Tensor, size: int, padding_mode: str, align_corners: bool, k: int) -> Tensor:
    """The pixel position a grid coordinate reads under ``padding_mode``."""
    c = _unnormalize(g, size, align_corners, k)
    if padding_mode == "reflection":
        c = _reflect(c, size, align_corners)
    return c if padding_mode == "zeros" else _clip(c, size)


# ----------------------------------------------------------------------------- sampling


def _gather(x: Tensor, positions: list[np.ndarray]) -> Tensor:
    """``x[n, :, p_0, p_1...]`` for integer-valued float positions (N, *S) per spatial dim:
    (N, C, *S), 0 where a position is outside the input (or NaN)."""
    n, c, sizes = x.shape[0], x.shape[1], x.shape[2:]
    out_spatial = positions[0].shape[1:]
    inside = np.ones(positions[0].shape, bool)
    flat = np.zeros(positions[0].shape, np.int64)
    for p, size in zip(positions, sizes):
        inside &= (p >= 0) & (p < size)
        flat = flat * size + _clip_array(p, size).astype(np.int64)
    m = int(np.prod(out_spatial))
    index = np.ascontiguousarray(np.broadcast_to(flat.reshape(n, 1, m), (n, c, m)))
    vals = Gather.apply(x.reshape(n, c, int(np.prod(sizes))), 2, index)
    vals = vals.reshape(n, c, *out_spatial)
    return vals if inside.all() else where(inside[:, None], vals, 0.0)


def _linear(x: Tensor, coords: list[Tensor]) -> Tensor:
    """Bilinear (trilinear): the 2**k neighbours, each times the product over the dims of
    its distance factor (``1 - frac`` toward the lower pixel, ``frac`` toward the upper)."""
    lows = [np.floor(c._data) for c in coords]
    fracs = [(c - Tensor(lo)).unsqueeze(1) for c, lo in zip(coords, lows)]
    factors = [(1 - f, f) for f in fracs]
    out = None
    for corner in itertools.product((0, 1), repeat=len(coords)):
        weight = factors[0][corner[0]]
        for j in range(1, len(coords)):
            weight = weight * factors[j][corner[j]]
        term = _gather(x, [lo + b for lo, b in zip(lows, corner)]) * weight
        out = term if out is None else out + term
    return out


def _cubic(t: Tensor) -> list[Tensor]:
    """PyTorch's cubic convolution coefficients of the 4 taps at distance ``t`` in [0, 1)
    past the second one."""
    a = _CUBIC_A

    def near(d: Tensor) -> Tensor:  # |distance| <= 1
        return ((a + 2) * d - (a + 3)) * d * d + 1

    def far(d: Tensor) -> Tensor:  # 1 < |distance| < 2
        return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a

    return [far(t + 1), near(t), near(1 - t), far(2 - t)]


def _tap(p: np.ndarray, size: int, padding_mode: str, align_corners: bool) -> np.ndarray:
    """Where a bicubic tap reads: clipped ('border'), reflected and clipped ('reflection')."""
    if padding_mode == "reflection":
        p = _reflect_array(p, size, align_corners)
    return p if padding_mode == "zeros" else _clip_array(p, size)


def _bicubic(x: Tensor, grid: Tensor, padding_mode: str, align_corners: bool) -> Tensor:
    """PyTorch's bicubic grid sample: 4 taps along x combined per row, then the 4 rows."""
    ys, xs = (_unnormalize(grid[..., 1 - j], x.shape[2 + j], align_corners, 2)
              for j in range(2))
    y0, x0 = np.floor(ys._data), np.floor(xs._data)
    wy = [w.unsqueeze(1) for w in _cubic(ys - Tensor(y0))]
    wx = [w.unsqueeze(1) for w in _cubic(xs - Tensor(x0))]
    h, w = x.shape[2:]
    out = None
    for i in range(4):
        rows = _tap(y0 + (i - 1), h, padding_mode, align_corners)
        row = None
        for j in range(4):
            cols = _tap(x0 + (j - 1), w, padding_mode, align_corners)
            term = wx[j] * _gather(x, [rows, cols])
            row = term if row is None else row + term
        out = wy[i] * row if out is None else out + wy[i] * row
    return out


def _check_modes(op: str, mode: Any, padding_mode: Any) -> None:
    """PyTorch's ValueErrors for an unknown mode or padding mode."""
    if mode not in _MODES:
        raise ValueError(f"{op}: expected mode to be 'bilinear', 'nearest' or 'bicubic', but "
                         f"got: {mode!r}")
    if padding_mode not in _PADDINGS:
        raise ValueError(f"{op}: expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: {padding_mode!r}")


def _check_tensors(op: str, x: Tensor, grid: Tensor, mode: str) -> None:
    """PyTorch's RuntimeErrors for the ranks, batch, the grid's last dim, empty spatial dims
    and dtypes; a non-float input is NotImplementedError, as PyTorch's kernels are not
    implemented for it."""
    if x.ndim not in (4, 5) or grid.ndim != x.ndim:
        raise RuntimeError(f"{op}: expected a 4-D or 5-D input and a grid of the same rank, "
                           f"got input {x.shape} and grid {grid.shape}")
    k = x.ndim - 2
    if grid.shape[0] != x.shape[0] or grid.shape[-1] != k:
        raise RuntimeError(f"{op}: expected grid (N, *out, {k}) with the input's batch N, got "
                           f"input {x.shape} and grid {grid.shape}")
    if 0 in x.shape[2:]:
        raise RuntimeError(f"{op}: expected input to have non-empty spatial dimensions, got "
                           f"input {x.shape}")
    if mode == "bicubic" and k == 3:
        raise RuntimeError(f"{op}: bicubic interpolation only supports 4-D input, got input "
                           f"{x.shape}")
    if x.dtype not in (np.float32, np.float64):
        raise NotImplementedError(f"{op}: input has dtype {x.dtype}; only float32 and float64 "
                                  "are supported")
    if grid.dtype != x.dtype:
        raise RuntimeError(f"{op}: expected input and grid to have the same dtype, got "
                           f"{x.dtype} and {grid.dtype}")


def grid_sample(input: Tensor, grid: Tensor, mode: str = "bilinear",
                padding_mode: str = "zeros", align_corners: bool | None = None) -> Tensor:
    """Sample ``input`` (N, C, H, W) at the normalised (x, y) positions of ``grid`` (N, OH,
    OW, 2), -1 and 1 being the image's outer edges (or the corner pixels' centres with
    ``align_corners=True``): (N, C, OH, OW). A 5-D input (N, C, D, H, W) takes a grid (N,
    OD, OH, OW, 3) of (x, y, z). ``mode`` 'bilinear' (trilinear in 5-D), 'nearest' or
    'bicubic' (4-D); outside the input ``padding_mode`` reads 0 ('zeros'), the nearest
    border pixel ('border') or the reflection ('reflection'). Differentiable in the input
    and, except for 'nearest', the grid; PyTorch's arithmetic (module docstring).
    Example, a 2x zoom into the centre::

        >>> import minigrad as mg, minigrad.nn.functional as F
        >>> image = mg.arange(16.0).reshape(1, 1, 4, 4)
        >>> theta = mg.tensor([[[0.5, 0.0, 0.0], [0.0, 0.5, 0.0]]])
        >>> grid = F.affine_grid(theta, (1, 1, 2, 2), align_corners=False)
        >>> F.grid_sample(image, grid, align_corners=False)
        tensor([[[[ 5.,  6.],
                  [ 9., 10.]]]])
    """
    op = "grid_sample"
    x, g = require_tensor(input, op, "input"), require_tensor(grid, op, "grid")
    _check_modes(op, mode, padding_mode)
    _check_tensors(op, x, g, mode)
    align = _align_corners(op, align_corners)
    if mode == "bicubic":
        return _bicubic(x, g, padding_mode, align)
    k = x.ndim - 2
    coords = [_source(g[..., k - 1 - j], x.shape[2 + j], padding_mode, align, k)
              for j in range(k)]
    if mode == "bilinear":
        return _linear(x, coords)
    out = _gather(x, [np.rint(c._data) for c in coords])
    if not g.requires_grad:
        return out
    # PyTorch's grid gradient in 'nearest' mode is zeros, not None: keep the grid in the
    # graph through a branch that is never chosen
    return where(np.zeros((1,) * out.ndim, bool), g[..., 0].unsqueeze(1), out)
