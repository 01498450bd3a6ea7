"""Elementwise ops. Each forward works on numpy arrays; each backward is written with Tensor
ops so it can itself be differentiated. Broadcast inputs need no care here: the engine sums
every gradient back to its input's shape."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Context, Function
from ..kernels import elementwise as kernels
from ..tensor import Tensor, _broadcast_error, _pair


class _Binary(Function):
    """A numpy binary op with a clear error when the shapes do not broadcast."""

    numpy_op: Any = None
    quiet = False

    @classmethod
    def compute(cls, a: Tensor, b: Tensor) -> np.ndarray:
        try:
            if cls.quiet:  # inf/NaN from finite inputs is a value here, not a warning
                with np.errstate(all="ignore"):
                    return cls.numpy_op(a._data, b._data)
            return cls.numpy_op(a._data, b._data)
        except ValueError:
            raise _broadcast_error(cls.__name__.lower(), a.shape, b.shape) from None


class Add(_Binary):
    """a + b (broadcast); the gradient of each input is ``g``, summed back to its shape."""

    numpy_op = np.add

    @staticmethod
    def forward(ctx: Context, a: Tensor, b: Tensor) -> np.ndarray:
        return Add.compute(a, b)

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        return g, g


class Sub(_Binary):
    """a - b (broadcast); gradients ``g`` and ``-g``."""

    numpy_op = np.subtract

    @staticmethod
    def forward(ctx: Context, a: Tensor, b: Tensor) -> np.ndarray:
        return Sub.compute(a, b)

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        return g, (-g if ctx.needs_input_grad[1] else None)


class Mul(_Binary):
    """a * b (broadcast); gradients ``g * b`` and ``g * a``."""

    numpy_op = np.multiply

    @staticmethod
    def forward(ctx: Context, a: Tensor, b: Tensor) -> np.ndarray:
        ctx.save_for_backward(a, b)
        return Mul.compute(a, b)

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        a, b = ctx.saved_tensors
        ga, gb = ctx.needs_input_grad
        return (g * b if ga else None), (g * a if gb else None)


class Div(_Binary):
    """a / b (broadcast); gradients ``g / b`` and ``-g * a / b**2``."""

    numpy_op = np.true_divide
    quiet = True

    @staticmethod
    def forward(ctx: Context, a: Tensor, b: Tensor) -> np.ndarray:
        ctx.save_for_backward(a, b)
        return Div.compute(a, b)

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        a, b = ctx.saved_tensors
        ga, gb = ctx.needs_input_grad
        return (g / b if ga else None), (-g * a / (b * b) if gb else None)


class Pow(_Binary):
    """a ** b; the gradient of ``b`` (``log(a) * a**b * g``) is only worked out when needed."""

    numpy_op = np.power
    quiet = True

    @staticmethod
    def forward(ctx: Context, a: Tensor, b: Tensor) -> np.ndarray:
        out = Pow.compute(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        a, b, out = ctx.saved_tensors
        ga, gb = ctx.needs_input_grad
        grad_a = grad_b = None
        with np.errstate(invalid="ignore"):  # 0 * inf where masked below: no warning
            if ga:  # PyTorch: 0 where the exponent is 0 (x**0 at x=0 is not NaN)
                grad_a = _zero_where(b._data == 0, g * b * a ** (b - 1))
            if gb:  # PyTorch: 0 where the base is 0 and the exponent >= 0 (no log(0))
                grad_b = _zero_where((a._data == 0) & (b._data >= 0), g * out * a.log())
        return grad_a, grad_b


def _zero_where(mask: np.ndarray, grad: Tensor) -> Tensor:
    """``grad`` with 0 where ``mask`` holds; no op where it never does (``x ** 2``)."""
    return where(mask, 0.0, grad) if mask.any() else grad


class Maximum(_Binary):
    """Elementwise max(a, b); the gradient goes to the larger, half each on a tie."""

    numpy_op = np.maximum

    @staticmethod
    def forward(ctx: Context, a: Tensor, b: Tensor) -> np.ndarray:
        ctx.save_for_backward(a, b)
        return Maximum.compute(a, b)

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        a, b = ctx.saved_tensors
        return _split_by_winner(g, a._data, b._data, ctx.needs_input_grad)


class Minimum(_Binary):
    """Elementwise min(a, b); the gradient goes to the smaller, half each on a tie."""

    numpy_op = np.minimum

    @staticmethod
    def forward(ctx: Context, a: Tensor, b: Tensor) -> np.ndarray:
        ctx.save_for_backward(a, b)
        return Minimum.compute(a, b)

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        a, b = ctx.saved_tensors
        return _split_by_winner(g, b._data, a._data, ctx.needs_input_grad)


def _split_by_winner(g: Tensor, a: np.ndarray, b: np.ndarray, needs: tuple) -> tuple:
    """Gradient to the winner (``a`` wins when larger); a tie shares it half and half.

    PyTorch's masks exactly: an input loses only where the other is strictly better, so
    where either is NaN both get the whole gradient.
    """
    dtype = g.dtype
    tie = (a == b).astype(dtype) * dtype.type(0.5)
    to_a = np.where(a < b, dtype.type(0), np.where(a == b, tie, dtype.type(1)))
    to_b = np.where(a > b, dtype.type(0), np.where(a == b, tie, dtype.type(1)))
    return (g * to_a if needs[0] else None), (g * to_b if needs[1] else None)


class Neg(Function):
    """-a."""

    @staticmethod
    def forward(ctx: Context, a: Tensor) -> np.ndarray:
        return np.negative(a._data)

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> Tensor:
        return -g


class Exp(Function):
    """e**a; its backward reuses the output (``g * exp(a)``)."""

    @staticmethod
    def forward(ctx: Context, a: Tensor) -> np.ndarray:
        out = np.exp(a._data)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> Tensor:
        (out,) = ctx.saved_tensors
        return g * out


class Log(Function):
    """Natural logarithm; gradient ``g / a``."""

    @staticmethod
    def forward(ctx: Context, a: Tensor) -> np.ndarray:
        ctx.save_for_backward(a)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(a._data)

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> Tensor:
        (a,) = ctx.saved_tensors
        return g / a


class Sqrt(Function):
    """Square root; its backward reuses the output (``g / (2 sqrt(a))``)."""

    @staticmethod
    def forward(ctx: Context, a: Tensor) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            out = np.sqrt(a._data)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> Tensor:
        (out,) = ctx.saved_tensors
        return g / (2 * out)


class Abs(Function):
    """|a|; gradient ``g * sign(a)`` (0 at 0, as in PyTorch)."""

    @staticmethod
    def forward(ctx: Context, a: Tensor) -> np.ndarray:
        ctx.save_for_backward(a)
        return np.abs(a._data)

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> Tensor:
        (a,) = ctx.saved_tensors
        return g * np.nan_to_num(np.sign(a._data), nan=0.0)  # PyTorch: sgn(NaN) is 0 here


class Tanh(Function):
    """tanh(a); its backward reuses the output (``g * (1 - tanh**2)``)."""

    @staticmethod
    def forward(ctx: Context, a: Tensor) -> np.ndarray:
        out = np.tanh(a._data)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> Tensor:
        (out,) = ctx.saved_tensors
        return g * (1 - out * out)


class Sigmoid(Function):
    """1 / (1 + exp(-x)), as exp(x) / (1 + exp(x)) for x < 0: no overflow, and the negative
    tail keeps its full relative precision (sigmoid(-20) is 2.06e-9, not 0)."""

    @staticmethod
    def forward(ctx: Context, a: Tensor) -> np.ndarray:
        out = sigmoid_array(a._data)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> Tensor:
        (out,) = ctx.saved_tensors
        if kernels.plain_backward():
            return kernels.sigmoid_grad(out._data, g._data)
        return g * out * (1 - out)


def sigmoid_array(x: np.ndarray) -> np.ndarray:
    """The stable logistic function on an array (float in, same float dtype out)."""
    if x.dtype.kind not in "fc":
        x = x.astype(np.float32)
    e = np.exp(-np.abs(x))  # in (0, 1]: never overflows
    with np.errstate(invalid="ignore"):
        return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


class Relu(Function):
    """max(a, 0); the gradient passes where ``a > 0`` (0 at exactly 0, as in PyTorch)."""

    @staticmethod
    def forward(ctx: Context, a: Tensor) -> np.ndarray:
        out = kernels.relu(a._data) if kernels.fast() else np.maximum(a._data, 0)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> Tensor:
        (out,) = ctx.saved_tensors
        if kernels.plain_backward():
            return Tensor(kernels.relu_grad(out._data, g._data))
        return g * Tensor(~(out._data <= 0))  # PyTorch: NaN passes the gradient


class Clamp(Function):
    """a limited to [low, high]; the gradient passes only where ``a`` was inside.

    The bounds are numbers (or None), or Tensors (or None) broadcast against ``a``, as in
    PyTorch's ``clamp(Tensor, Tensor? min, Tensor? max)``: the result is
    ``minimum(maximum(a, low), high)`` (so ``high`` wins where ``low > high``), and each
    bound Tensor gets the gradient where it was chosen (``low`` where ``a < low < high``,
    ``high`` where ``a > high`` or ``high < low``; at a tie ``a`` gets it), summed back to
    its shape.
    """

    @staticmethod
    def forward(ctx: Context, a: Tensor, low: Any, high: Any) -> np.ndarray:
        if isinstance(low, Tensor) or isinstance(high, Tensor):
            ctx.save_for_backward(a, low, high)
            ctx.tensors = True
            out = a._data
            try:
                if low is not None:
                    out = np.maximum(out, low._data)
                if high is not None:
                    out = np.minimum(out, high._data)
            except ValueError:
                shapes = [t.shape for t in (low, high) if t is not None]
                raise _broadcast_error("clamp", a.shape, np.broadcast_shapes(*shapes)
                                       if len(shapes) > 1 else shapes[0]) from None
            return out
        ctx.save_for_backward(a)
        ctx.tensors = False
        ctx.low, ctx.high = low, high
        return np.clip(a._data, low, high)

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        if ctx.tensors:
            return Clamp._tensor_bounds_backward(ctx, g)
        (a,) = ctx.saved_tensors
        inside = np.ones(a.shape, dtype=bool)
        if ctx.low is not None:
            inside &= a._data >= ctx.low
        if ctx.high is not None:
            inside &= a._data <= ctx.high
        return g * inside.astype(g.dtype), None, None

    @staticmethod
    def _tensor_bounds_backward(ctx: Context, g: Tensor) -> tuple:
        """PyTorch's ``clamp_backward`` and ``clamp_backward_min_max``."""
        a, low, high = ctx.saved_tensors
        masks = _clamp_masks(a._data, None if low is None else low._data,
                             None if high is None else high._data)
        zero = Tensor._make(np.zeros((), g.dtype), False, None, 0)
        return tuple(Where.apply(np.broadcast_to(m, g.shape), g, zero)
                     if m is not None and need else None
                     for m, need in zip(masks, ctx.needs_input_grad))


def _clamp_masks(x: np.ndarray, lo: np.ndarray | None, hi: np.ndarray | None) -> tuple:
    """Where clamp's gradient goes: to the input inside ``[lo, hi]``; to ``lo`` where it
    was chosen (``x < lo``, unless ``lo >= hi``); to ``hi`` where it was chosen (``x > hi``,
    or everywhere ``hi < lo``). None for a missing bound."""
    inside = np.ones((), dtype=bool)
    low_chosen = high_chosen = None
    if lo is not None:
        inside = inside & (x >= lo)
        low_chosen = x < lo if hi is None else (x < lo) & (lo < hi)
    if hi is not None:
        inside = inside & (x <= hi)
        high_chosen = x > hi if lo is None else (x > hi) | (hi < lo)
    return inside, low_chosen, high_chosen


class Where(Function):
    """``a`` where the boolean array ``cond`` holds, else ``b``; each gets ``g`` where chosen."""

    @staticmethod
    def forward(ctx: Context, cond: np.ndarray, a: Tensor, b: Tensor) -> np.ndarray:
        ctx.cond = cond
        try:
            return np.where(cond, a._data, b._data)
        except ValueError as e:
            raise RuntimeError(
                f"where: condition {cond.shape}, x {a.shape} and y {b.shape} "
                "are not broadcastable"
            ) from e

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        zero = Tensor._make(np.zeros((), g.dtype), False, None, 0)
        ga = Where.apply(ctx.cond, g, zero) if ctx.needs_input_grad[1] else None
        gb = Where.apply(ctx.cond, zero, g) if ctx.needs_input_grad[2] else None
        return None, ga, gb


def where(condition: Any, x: Any, y: Any) -> Tensor:
    """``x`` where ``condition`` holds, else ``y`` (differentiable in ``x`` and ``y``)."""
    cond = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
    if not isinstance(x, Tensor) and not isinstance(y, Tensor):
        x = Tensor(x)
    return Where.apply(cond.astype(bool), *_pair(x, y))


class Cast(Function):
    """Change dtype; the gradient is cast back to the input's dtype."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, dtype: np.dtype, copy: bool = False) -> np.ndarray:
        ctx.dtype = a.dtype
        return a._data.astype(dtype, copy=copy)

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        return Cast.apply(g, ctx.dtype), None, None
