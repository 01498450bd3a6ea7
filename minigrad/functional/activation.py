"""The functional forms of activations, affine maps and dropout (``F.relu``, ``F.linear``,
``F.dropout``...). They are compositions of core ops, so they are differentiable twice;
the few that need their own Function (logsigmoid, erf, tanhshrink) call ``minigrad.ops.activation``,
and ``linear`` is one node, ``ops.linalg.Linear``.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from ..dtypes import check_same_dtype
from ..ops.activation import Erf, LogSigmoid, Tanhshrink
from ..ops.elementwise import where
from ..ops.linalg import Linear
from ..ops.shape import normalize_dim
from ..rng import get_rng
from ..tensor import Tensor, require_tensor


def relu(x: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0) elementwise (``inplace`` is accepted and computed out of place)."""
    return x.relu()


def sigmoid(x: Tensor) -> Tensor:
    """1 / (1 + exp(-x)) elementwise."""
    return x.sigmoid()


def logsigmoid(x: Tensor) -> Tensor:
    """log(1 / (1 + exp(-x))) elementwise, computed stably (``F.logsigmoid``)."""
    return LogSigmoid.apply(_float_input(x, "logsigmoid"))


def tanh(x: Tensor) -> Tensor:
    """Hyperbolic tangent, elementwise."""
    return x.tanh()


def softmax(x: Tensor, dim: int) -> Tensor:
    """exp(x) / sum(exp(x)) along ``dim``; for training prefer ``cross_entropy`` on logits."""
    return x.softmax(dim)


def log_softmax(x: Tensor, dim: int) -> Tensor:
    """log(softmax(x)) along ``dim``, computed stably."""
    return x.log_softmax(dim)


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``x @ weight.T + bias`` with PyTorch's weight layout ``(out_features, in_features)``."""
    if weight.ndim != 2:
        raise ValueError(f"linear: weight must be 2-D (out_features, in_features), got shape "
                         f"{weight.shape}")
    if x.ndim == 0 or x.shape[-1] != weight.shape[1]:
        raise ValueError(
            f"linear: expected input with {weight.shape[1]} features in its last dimension, "
            f"got shape {x.shape}"
        )
    check_same_dtype("linear", "input", x, "weight", weight)
    per_output = isinstance(bias, Tensor) and bias.shape == (weight.shape[0],)
    if per_output:  # the usual bias, added inside the node; PyTorch refuses another dtype
        check_same_dtype("linear", "input", x, "bias", bias)
    out = Linear.apply(x, weight, bias if per_output else None)
    return out if bias is None or per_output else out + bias  # any other bias broadcasts


def dropout(x: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Inverted dropout: zero each element with probability ``p`` and scale the survivors by
    ``1 / (1 - p)``, so nothing changes at evaluation time. Identity when not training."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: probability p must be between 0 and 1, got {p}")
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    keep = get_rng().random(x.shape) >= p
    mask = keep.astype(x.dtype) * x.dtype.type(1.0 / (1.0 - p))
    return x * Tensor(mask)


def erf(x: Tensor) -> Tensor:
    """The error function, elementwise (GELU's building block)."""
    return Erf.apply(_float_input(x, "erf"))


def _float_input(x: Any, op: str) -> Tensor:
    require_tensor(x, op, "input")
    if x.dtype.kind != "f":
        raise RuntimeError(f"{op}: expected a floating point input, got dtype {x.dtype}")
    return x


def leaky_relu(x: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """``x`` where positive, ``negative_slope * x`` elsewhere."""
    x = _float_input(x, "leaky_relu")
    return where(x._data > 0, x, x * negative_slope)


def elu(x: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``x`` where positive, ``alpha * (exp(x) - 1)`` elsewhere."""
    x = _float_input(x, "elu")
    neg = x._data <= 0
    safe = where(neg, x, 0.0)  # exp only of the negative part: no overflow, no inf * 0
    return where(neg, (safe.exp() - 1.0) * alpha, x)


def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    """``x * Phi(x)`` (exact, through erf) or PyTorch's tanh approximation."""
    x = _float_input(x, "gelu")
    if approximate == "none":
        return x * 0.5 * (erf(x * (1.0 / math.sqrt(2.0))) + 1.0)
    if approximate == "tanh":
        inner = (x + x * x * x * 0.044715) * math.sqrt(2.0 / math.pi)
        return x * 0.5 * (inner.tanh() + 1.0)
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


def silu(x: Tensor, inplace: bool = False) -> Tensor:
    """``x * sigmoid(x)`` (swish)."""
    x = _float_input(x, "silu")
    return x * x.sigmoid()


def softplus(x: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """``log(1 + exp(beta*x)) / beta``, and ``x`` itself where ``beta*x > threshold``."""
    x = _float_input(x, "softplus")
    z = x * beta
    linear_part = z._data > threshold
    neg = z._data <= 0
    low, high = where(neg, z, 0.0), where(neg | linear_part, 0.0, z)
    # log(1 + e^z), and z + log(1 + e^-z) for positive z: finite everywhere, exact slopes
    soft = where(neg, (low.exp() + 1.0).log(), high + ((-high).exp() + 1.0).log())
    soft = soft * (1.0 / beta)
    return where(linear_part, x, soft)


def hardtanh(x: Tensor, min_val: float = -1.0, max_val: float = 1.0,
             inplace: bool = False) -> Tensor:
    """``x`` clamped to ``[min_val, max_val]``."""
    x = _float_input(x, "hardtanh")
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) must not exceed max_val ({max_val})")
    inside = (x._data > min_val) & (x._data < max_val)  # PyTorch: gradient 0 at the edges
    return where(inside, x, x.detach().clamp(min_val, max_val))


def relu6(x: Tensor, inplace: bool = False) -> Tensor:
    """``min(max(x, 0), 6)``."""
    return hardtanh(_float_input(x, "relu6"), 0.0, 6.0)


def _channel_dropout(x: Tensor, p: float, training: bool, spatial: int, op: str) -> Tensor:
    """Zero whole channels of ``(N, C, *spatial)`` (or ``(C, *spatial)``) with probability
    ``p`` and scale the kept ones by ``1 / (1 - p)``: neighbouring values in a feature map
    are correlated, so dropping single ones would leak through."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{op}: probability p must be between 0 and 1, got {p}")
    if x.ndim not in (spatial + 1, spatial + 2):
        dims = ", ".join(("L",) if spatial == 1 else ("D", "H", "W")[3 - spatial:])
        raise ValueError(f"{op}: expected a {spatial + 1}-D (C, {dims}) or {spatial + 2}-D "
                         f"(N, C, {dims}) input, got shape {x.shape}")
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    mask_shape = x.shape[:-spatial] + (1,) * spatial
    keep = get_rng().random(mask_shape) >= p
    return x * Tensor(keep.astype(x.dtype) * x.dtype.type(1.0 / (1.0 - p)))


def dropout1d(x: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Channel dropout over ``(N, C, L)`` or ``(C, L)``: whole signals zeroed with
    probability ``p``, the kept ones scaled by ``1 / (1 - p)``."""
    return _channel_dropout(x, p, training, 1, "dropout1d")


def dropout2d(x: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Channel dropout: zero whole feature maps ``(N, C, H, W)`` (or ``(C, H, W)``) with
    probability ``p`` and scale the kept ones by ``1 / (1 - p)``."""
    return _channel_dropout(x, p, training, 2, "dropout2d")


def dropout3d(x: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Channel dropout over ``(N, C, D, H, W)`` or ``(C, D, H, W)``: whole volumes zeroed
    with probability ``p``, the kept ones scaled by ``1 / (1 - p)``."""
    return _channel_dropout(x, p, training, 3, "dropout3d")


def mish(x: Tensor, inplace: bool = False) -> Tensor:
    """``x * tanh(softplus(x))`` (``inplace`` is accepted and computed out of place)."""
    x = _float_input(x, "mish")
    return x * softplus(x).tanh()


def hardswish(x: Tensor, inplace: bool = False) -> Tensor:
    """``x * relu6(x + 3) / 6``: 0 below -3, ``x`` above 3 (MobileNetV3)."""
    x = _float_input(x, "hardswish")
    a = x._data
    inside = (a > -3) & (a < 3)  # PyTorch: slope 0 at -3, 1 at 3 and for NaN
    safe = where(inside, x, 0.0)  # no inf in the unused branch: its zero gradient stays 0
    middle = safe * (safe + 3.0) * (1.0 / 6.0)
    return where(a <= -3, x * 0.0, where(inside, middle, x))


def hardsigmoid(x: Tensor, inplace: bool = False) -> Tensor:
    """``relu6(x + 3) / 6``: 0 below -3, 1 above 3, a line between."""
    x = _float_input(x, "hardsigmoid")
    a = x._data
    # 0 or 1 (NaN stays NaN) with gradient 0, at and beyond +-3 as in PyTorch
    flat = Tensor(np.where(np.isnan(a), a, a >= 3).astype(x.dtype))
    return where((a > -3) & (a < 3), x * (1.0 / 6.0) + 0.5, flat)

_SELU_ALPHA = 1.6732632423543772848170429916717

_SELU_SCALE = 1.0507009873554804934193349852946


def selu(x: Tensor, inplace: bool = False) -> Tensor:
    """``scale * elu(x, alpha)`` with the self-normalising constants of Klambauer et al."""
    x = _float_input(x, "selu")
    return elu(x, _SELU_ALPHA) * _SELU_SCALE


def celu(x: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``x`` where positive, ``alpha * (exp(x / alpha) - 1)`` elsewhere."""
    x = _float_input(x, "celu")
    if alpha == 0:
        raise RuntimeError("celu: ZeroDivisionError: alpha cannot be 0 for CELU "
                           f"(got alpha={alpha})")
    neg = x._data <= 0
    safe = where(neg, x, 0.0)
    return where(neg, ((safe * (1.0 / alpha)).exp() - 1.0) * alpha, x)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """``x`` where positive, ``weight * x`` elsewhere; ``weight`` has one slope, or one per
    channel (dim 1 of the input, broadcast over the other dims)."""
    x = _float_input(input, "prelu")
    require_tensor(weight, "prelu", "weight")
    channels = x.shape[1] if x.ndim >= 2 else 1
    n = weight.numel()
    if weight.ndim > 1 or (n != 1 and n != channels):
        raise RuntimeError(f"prelu: Mismatch of parameter numbers and input channel size. "
                           f"Found parameter numbers = {n} and channel size = {channels} "
                           f"(weight shape {weight.shape}, input shape {x.shape}).")
    w = weight.reshape((1, n) + (1,) * (x.ndim - 2)) if x.ndim >= 2 and n > 1 else (
        weight.reshape(()) if n == 1 else weight)
    if w.dtype != x.dtype:
        w = w.to(x.dtype)
    return where(x._data > 0, x, x * w)


def softsign(x: Tensor) -> Tensor:
    """``x / (1 + |x|)``."""
    x = _float_input(x, "softsign")
    return x / (x.abs() + 1.0)


def tanhshrink(x: Tensor) -> Tensor:
    """``x - tanh(x)``."""
    return Tanhshrink.apply(_float_input(x, "tanhshrink"))


def glu(input: Tensor, dim: int = -1) -> Tensor:  # noqa: A002  (PyTorch's names)
    """The gated linear unit: ``input`` halved along ``dim`` into ``a`` and ``b``, then
    ``a * sigmoid(b)``."""
    x = require_tensor(input, "glu", "input")
    if x.ndim == 0:
        raise RuntimeError("glu: glu does not support scalars because halving size must be "
                           "even")
    if x.dtype.kind != "f":
        raise NotImplementedError(f"glu: not implemented for dtype {x.dtype}")
    d = normalize_dim(dim, x.ndim, "glu")
    n = x.shape[d]
    if n % 2:
        raise RuntimeError(f"glu: halving dimension must be even, but dimension {d} is size "
                           f"{n}")
    a, b = x.split([n // 2, n // 2], d)
    return a * b.sigmoid()


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3,  # noqa: A002
            dtype: Any = None) -> Tensor:
    """``softmax(-input)`` along ``dim`` (cast to ``dtype`` first if given): the smallest
    value gets the largest probability. Without ``dim``, PyTorch's legacy choice (0 for
    0-, 1- and 3-D inputs, else 1) with its warning."""
    x = require_tensor(input, "softmin", "input")
    if dim is None:
        warnings.warn("Implicit dimension choice for softmin has been deprecated. Change the "
                      "call to include dim=X as an argument.", UserWarning,
                      stacklevel=_stacklevel)
        dim = 0 if x.ndim in (0, 1, 3) else 1
    if dtype is not None:
        x = x.to(dtype)
    if x.dtype.kind != "f":
        raise NotImplementedError(f"softmin: not implemented for dtype {x.dtype}")
    return (-x).softmax(dim)


def threshold(input: Tensor, threshold: float, value: float,  # noqa: A002
              inplace: bool = False) -> Tensor:
    """``value`` where ``input <= threshold``, else ``input`` (NaN kept); the gradient
    passes where the input is kept. ``inplace`` is accepted and computed out of place."""
    x = require_tensor(input, "threshold", "input")
    return where(x._data <= threshold, Tensor(np.asarray(value).astype(x.dtype)), x)


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:  # noqa: A002
    """0 where ``-lambd <= input <= lambd``, else ``input``."""
    x = _shrink_input(input, "hardshrink")
    inside = (x._data >= -lambd) & (x._data <= lambd)
    return where(inside, Tensor(np.zeros((), x.dtype)), x)


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:  # noqa: A002
    """``input`` moved ``lambd`` towards 0, and 0 where it is within ``lambd`` of 0 (the
    proximal step of an L1 penalty); ``lambd`` must be >= 0."""
    x = _shrink_input(input, "softshrink")
    if not lambd >= 0:
        raise RuntimeError(f"softshrink: lambda must be greater or equal to 0, but found to "
                           f"be {lambd}")
    a = x._data
    inside = (a >= -lambd) & (a <= lambd)
    return where(inside, x * 0.0, where(a > lambd, x - lambd, x + lambd))


def _shrink_input(x: Any, op: str) -> Tensor:
    x = require_tensor(x, op, "input")
    if x.dtype.kind != "f":
        raise NotImplementedError(f"{op}: not implemented for dtype {x.dtype}")
    return x


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor,
             bias: Tensor | None = None) -> Tensor:
    """``y[..., o] = sum_ij input1[..., i] weight[o, i, j] input2[..., j] + bias[o]``, with
    PyTorch's ``(out, in1, in2)`` weight: one matmul by the weight flattened to
    ``(in1, out * in2)``, then a product with ``input2`` summed over ``in2``."""
    x1, x2 = require_tensor(input1, "bilinear", "input1"), require_tensor(input2, "bilinear",
                                                                         "input2")
    w = require_tensor(weight, "bilinear", "weight")
    _check_bilinear(x1, x2, w, bias)
    out_f, in1, in2 = w.shape
    t = x1 @ w.permute(1, 0, 2).reshape(in1, out_f * in2)
    y = (t.reshape(*t.shape[:-1], out_f, in2) * x2.unsqueeze(-2)).sum(-1)
    return y if bias is None else y + bias


def _check_bilinear(x1: Tensor, x2: Tensor, w: Tensor, bias: Tensor | None) -> None:
    """PyTorch's checks of bilinear's shapes and dtypes, with its messages."""
    tensors = [x1, x2, w] + ([] if bias is None else [require_tensor(bias, "bilinear",
                                                                     "bias")])
    if len({t.dtype for t in tensors}) > 1:
        raise RuntimeError(f"bilinear: all tensors must have the same dtype, got "
                           f"{', '.join(str(t.dtype) for t in tensors)}")
    if x1.ndim != x2.ndim:
        raise RuntimeError(f"bilinear: input dimensions do not match: got {x1.ndim} and "
                           f"{x2.ndim}")
    for d, (s1, s2) in enumerate(zip(x1.shape[:-1], x2.shape[:-1])):
        if s1 != s2:
            raise RuntimeError(f"bilinear: input batch dimensions do not match at dim {d}: "
                               f"got {s1} and {s2}")
    if w.ndim != 3:
        raise RuntimeError(f"bilinear: weight must be 3-D (out, in1, in2), got shape "
                           f"{tuple(w.shape)}")
    _check_bilinear_sizes(x1, x2, w, bias)


def _check_bilinear_sizes(x1: Tensor, x2: Tensor, w: Tensor, bias: Tensor | None) -> None:
    """The inputs' last dims and the bias against the weight's ``(out, in1, in2)``."""
    for name, x, i in (("input1", x1, 1), ("input2", x2, 2)):
        got = x.shape[-1] if x.ndim else 0
        if got != w.shape[i]:
            raise RuntimeError(f"bilinear: {name} size does not match weight size: got "
                               f"{got} but expected {w.shape[i]}")
    if bias is not None and tuple(bias.shape) != w.shape[:1]:
        raise RuntimeError(f"bilinear: bias size does not match weight size: got "
                           f"{bias.shape[-1] if bias.ndim else 0} but expected {w.shape[0]}")


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3,  # noqa: A002
          training: bool = False, inplace: bool = False) -> Tensor:
    """The randomised leaky ReLU: in training, each non-positive element is multiplied by
    its own slope drawn uniformly from ``[lower, upper]`` (a regulariser, like dropout); in
    evaluation by the mean slope ``(lower + upper) / 2``, i.e. ``leaky_relu``. The draws
    come from minigrad's generator (``manual_seed``). ``inplace`` is computed out of place."""
    x = require_tensor(input, "rrelu", "input")
    if x.dtype.kind != "f":
        raise NotImplementedError(f"rrelu: not implemented for {x.dtype} input (a floating "
                                  "point one)")
    if lower > upper:
        raise RuntimeError(f"rrelu: Lower bound should be less than or equal to the upper "
                           f"bound, got lower={lower} and upper={upper}")
    if not training:
        return leaky_relu(x, (lower + upper) / 2)
    slopes = get_rng().uniform(lower, upper, x.shape).astype(x.dtype)
    with np.errstate(invalid="ignore"):
        negative = x._data <= 0  # NaN keeps slope 1, as in PyTorch
    return where(negative, x * Tensor(slopes), x)


def _gumbel_noise(shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """Standard Gumbel draws, ``-log(E)`` with ``E`` exponential, as PyTorch draws them
    (from minigrad's generator, so other numbers than PyTorch's)."""
    return (-np.log(get_rng().standard_exponential(shape))).astype(dtype)


def gumbel_softmax(logits: Tensor, tau: float = 1, hard: bool = False, eps: float = 1e-10,
                   dim: int = -1) -> Tensor:
    """A differentiable sample of a categorical distribution: ``softmax((logits + g) /
    tau)`` along ``dim``, with ``g`` standard Gumbel noise. ``hard`` returns the one-hot
    vector of its largest entry, with the soft sample's gradient (the straight-through
    estimator). ``eps`` is deprecated in PyTorch and has no effect."""
    x = _float_input(logits, "gumbel_softmax")
    if eps != 1e-10:
        warnings.warn("gumbel_softmax: `eps` parameter is deprecated and has no effect.",
                      UserWarning, stacklevel=2)
    d = normalize_dim(dim, max(x.ndim, 1), "gumbel_softmax")
    y_soft = ((x + Tensor(_gumbel_noise(x.shape, x.dtype))) / tau).softmax(d)
    if not hard:
        return y_soft
    return Tensor(_one_hot_of_max(y_soft._data, d)) - y_soft.detach() + y_soft


def _one_hot_of_max(y: np.ndarray, dim: int) -> np.ndarray:
    """1 at the largest entry along ``dim`` (the first of ties; NaN counts as the
    largest, as in ``torch.max``), 0 elsewhere."""
    if y.ndim == 0:
        return np.ones_like(y)
    out = np.zeros_like(y)
    np.put_along_axis(out, np.expand_dims(np.argmax(y, axis=dim), dim), 1.0, axis=dim)
    return out
