"""Hypothesis strategies for tensors and broadcastable shapes (size-1 and zero-size dims,
negative dims); ``hypothesis`` is imported only when a strategy is made."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..tensor import Tensor

# --------------------------------------------------------------------------- strategies


def shapes(min_dims: int = 0, max_dims: int = 4, min_side: int = 0,
           max_side: int = 4) -> Any:
    """A hypothesis strategy of shapes; by default with size-1 and zero-size dims."""
    from hypothesis.extra import numpy as hnp

    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                            max_side=max_side)


def broadcastable_shapes(num_shapes: int = 2, min_dims: int = 0, max_dims: int = 4,
                         min_side: int = 0, max_side: int = 4) -> Any:
    """A hypothesis strategy of ``(input_shapes, result_shape)``: ``num_shapes`` shapes that
    broadcast together (size-1 and zero-size dims included) and the shape they broadcast to."""
    from hypothesis.extra import numpy as hnp

    return hnp.mutually_broadcastable_shapes(
        num_shapes=num_shapes, min_dims=min_dims, max_dims=max_dims, min_side=min_side,
        max_side=max_side,
    ).map(lambda s: (tuple(s.input_shapes), s.result_shape))


def dims(ndim: int, *, allow_tuple: bool = True) -> Any:
    """A hypothesis strategy of valid ``dim`` arguments for a tensor of ``ndim`` dimensions:
    one dim (negative ones included) or a tuple of distinct dims."""
    from hypothesis import strategies as st

    if ndim == 0:
        return st.sampled_from([0, -1]) if not allow_tuple else st.sampled_from([0, -1, ()])
    one = st.integers(-ndim, ndim - 1)
    if not allow_tuple:
        return one
    many = st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True).flatmap(
        lambda ds: st.tuples(*[st.sampled_from([d, d - ndim]) for d in ds]))
    return st.one_of(one, many)


def tensors(shape: Any = None, *, dtype: Any = np.float64, low: float = -2.0,
            high: float = 2.0, requires_grad: bool = False) -> Any:
    """A hypothesis strategy of minigrad Tensors: ``shape`` is a shape or a strategy of
    shapes (default ``shapes()``), values finite in ``[low, high]``."""
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp

    dt = np.dtype(dtype)
    if shape is None:
        shape = shapes()
    if dt.kind == "f":
        elements = st.floats(low, high, allow_nan=False, allow_infinity=False,
                             width=8 * dt.itemsize if dt.itemsize in (2, 4, 8) else 64)
    elif dt.kind == "b":
        elements = st.booleans()
    else:
        elements = st.integers(int(math.ceil(low)), int(math.floor(high)))
    return hnp.arrays(dt, shape, elements=elements).map(
        lambda a: Tensor(a, requires_grad=requires_grad and dt.kind == "f"))
