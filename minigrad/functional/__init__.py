"""The PyTorch-signature functions (``torch.cat``, ``F.cross_entropy``...): argument checks,
defaults and composites, each calling the reference ops in ``minigrad.ops``."""

from . import blas, order, select, stacking, strided
from .elementwise import cast, clamp, nan_to_num, power
from .index import argsort, cumsum, gather, masked_fill, sort, topk
from .linalg import matmul
from .manipulation import (
    chunk,
    flip,
    index_add,
    repeat,
    repeat_interleave,
    roll,
    scatter,
    scatter_add,
    scatter_reduce,
    split,
    tile,
    unbind,
    unflatten,
)
from .numeric import (
    allclose,
    cumprod,
    diff,
    divide,
    einsum,
    equal,
    isclose,
    log1p,
    round,
    vector_norm,
)
from .reduce import arg_extreme, extreme, mean, var
from .shape import (
    cat,
    expand,
    flatten,
    index_put,
    movedim,
    normalize_index,
    reshape,
    squeeze,
    stack,
    transpose,
    unsqueeze,
)

__all__ = [name for name in dir() if not name.startswith("_")]
