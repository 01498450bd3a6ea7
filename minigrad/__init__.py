"""minigrad: a small, exact and fast autograd tensor framework on numpy."""

import numpy as _np

from . import autograd  # noqa: I001  (the engine first: tensor.py builds on it)
from .autograd import (
    Function,
    detect_anomaly,
    enable_grad,
    grad,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from .creation import (
    arange,
    eye,
    full,
    ones,
    ones_like,
    rand,
    randint,
    randn,
    tensor,
    zeros,
    zeros_like,
)
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .im2col import strict_shapes
from .ops import cat, clamp, pad, stack, where
from .rng import manual_seed
from .serialization import load, save  # checkpoints: .npz + JSON manifest, no pickle
from .tensor import Tensor

__version__ = "0.1.0"

float32, float64, int64, bool_ = _np.float32, _np.float64, _np.int64, _np.bool_


def _unary(name: str):  # noqa: ANN202
    def fn(x: Tensor, *args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        return getattr(x, name)(*args, **kwargs)

    fn.__name__ = name
    fn.__doc__ = f"``minigrad.{name}(x, ...)`` is ``x.{name}(...)``."
    return fn


exp, log, sqrt, abs, tanh, sigmoid, relu = (
    _unary(n) for n in ("exp", "log", "sqrt", "abs", "tanh", "sigmoid", "relu")
)
sum, mean, var, max, min, argmax, argmin, logsumexp = (
    _unary(n) for n in ("sum", "mean", "var", "max", "min", "argmax", "argmin", "logsumexp")
)
softmax, log_softmax, reshape, transpose, permute, flatten, squeeze, unsqueeze = (
    _unary(n)
    for n in ("softmax", "log_softmax", "reshape", "transpose", "permute", "flatten",
              "squeeze", "unsqueeze")
)
matmul = _unary("__matmul__")
maximum, minimum = _unary("maximum"), _unary("minimum")
clip = clamp
