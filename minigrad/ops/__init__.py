"""The reference ops: each a ``Function``, its forward and backward side by side.

The PyTorch-signature functions that check arguments and call these live in
``minigrad.functional``; the speed paths some of them choose live in ``minigrad.kernels``.
"""

from .activation import Erf, LogSigmoid
from .elementwise import (
    Abs,
    Add,
    Cast,
    Clamp,
    Div,
    Exp,
    Log,
    Maximum,
    Minimum,
    Mul,
    Neg,
    Pow,
    Relu,
    Sigmoid,
    Sqrt,
    Sub,
    Tanh,
    Where,
    where,
)
from .index import Cumsum, Gather, MaskedFill, ReverseCumsum, ScatterAdd
from .linalg import Linear, MatMul
from .manipulation import Flip, IndexSelect, IndexSelectBackward, Roll, Scatter, Tile
from .numeric import Cumprod, Einsum, Log1p, Round, RoundedDiv, VectorNorm
from .reduce import Amax, LogSoftmax, LogSumExp, MaxDim, Softmax, Sum, Var
from .shape import (
    BroadcastTo,
    Cat,
    GetItem,
    IndexAdd,
    Pad,
    Permute,
    Reshape,
    SumTo,
    normalize_dim,
    normalize_dims,
    pad,
)

# isort: off
from .unary import Acos, Asin, Atan, Ceil, Cos, Cosh, Floor, Log2, Log10, Reciprocal  # a row each
from .unary import Expm1, Rsqrt, Sign, Sin, Sinh, Tan, Trunc
# isort: on

__all__ = [name for name in dir() if not name.startswith("_")]
