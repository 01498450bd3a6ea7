"""Activation layers: ``ReLU``, ``Sigmoid``, ``Tanh``, ``Softmax``, ``Softmax2d`` (over the
channels), ``LogSoftmax`` and the smooth or clipped variants (``LeakyReLU``, ``ELU``,
``GELU``, ``SiLU``, ``Softplus``, ``Hardtanh``, ``ReLU6``, ``Mish``, ``Hardswish``,
``Hardsigmoid``, ``SELU``, ``CELU``, ``Softsign``, ``Tanhshrink``, ``LogSigmoid``,
``GLU``, ``Softmin``, ``Threshold``, ``Hardshrink``, ``Softshrink``), each a thin wrapper
over its ``F.`` function, ``RReLU`` (random slopes in training) and ``PReLU`` with its
learnable slope."""

from __future__ import annotations

import numpy as np

from ..dtypes import get_default_dtype
from ..functional import activation as F
from ..tensor import Tensor
from ._checks import size_arg
from .module import Module
from .parameter import Parameter


class ReLU(Module):
    """max(x, 0) elementwise; any shape. ``inplace`` is accepted for PyTorch code and ignored:
    the result is always a new tensor (the same values and gradients)."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def extra_repr(self) -> str:
        """What ``repr(layer)`` shows in the parentheses."""
        return "inplace=True" if self.inplace else ""

    def forward(self, x: Tensor) -> Tensor:
        """``x.relu()``, same shape as ``x``."""
        return x.relu()


class Sigmoid(Module):
    """1 / (1 + exp(-x)) elementwise; any shape (LeNet's original activation)."""

    def forward(self, x: Tensor) -> Tensor:
        """``x.sigmoid()``, same shape as ``x``."""
        return x.sigmoid()


class Tanh(Module):
    """tanh(x) elementwise; any shape."""

    def forward(self, x: Tensor) -> Tensor:
        """``x.tanh()``, same shape as ``x``."""
        return x.tanh()


class Softmax(Module):
    """Softmax over ``dim``. For training use ``CrossEntropyLoss`` on the logits instead: it
    fuses the softmax with the log loss and stays finite for huge logits."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        """Probabilities along ``dim`` (inferred as PyTorch does when None)."""
        dim = self.dim
        if dim is None:  # PyTorch's legacy implicit choice
            dim = 0 if x.ndim in (0, 1, 3) else 1
        return x.softmax(dim)

    def extra_repr(self) -> str:
        """What ``repr(layer)`` shows in the parentheses."""
        return f"dim={self.dim}"


class Softmax2d(Module):
    """Softmax over the channels (dim -3) at each pixel of a ``(C, H, W)`` or ``(N, C, H, W)``
    input: per-pixel class probabilities for segmentation."""

    def forward(self, x: Tensor) -> Tensor:
        """Probabilities along dim -3, same shape as ``x``."""
        if not isinstance(x, Tensor):
            raise TypeError(f"Softmax2d: expected a Tensor input, got {type(x).__name__}")
        if x.ndim not in (3, 4):
            raise ValueError(f"Softmax2d: expected input to be 3D or 4D, got {x.ndim}D "
                             f"instead (input of shape {x.shape})")
        if x.dtype.kind != "f":
            raise NotImplementedError(f"Softmax2d: softmax needs a floating point input, got "
                                      f"dtype {x.dtype} (input of shape {x.shape})")
        return x.softmax(-3)


class LogSoftmax(Module):
    """log(softmax(x)) over ``dim``, stable; pair it with ``NLLLoss``."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        """Log-probabilities along ``dim`` (inferred as PyTorch does when None)."""
        dim = self.dim
        if dim is None:
            dim = 0 if x.ndim in (0, 1, 3) else 1
        return x.log_softmax(dim)

    def extra_repr(self) -> str:
        """What ``repr(layer)`` shows in the parentheses."""
        return f"dim={self.dim}"


class LeakyReLU(Module):
    """``x`` where positive, ``negative_slope * x`` elsewhere."""

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x: Tensor) -> Tensor:
        """``F.leaky_relu(x, negative_slope)``."""
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        """What ``repr(layer)`` shows in the parentheses."""
        return f"negative_slope={self.negative_slope}"


class RReLU(Module):
    """Randomised leaky ReLU: a random slope in ``[lower, upper]`` for each non-positive
    element in training, their mean ``(lower + upper) / 2`` in evaluation."""

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
                 inplace: bool = False) -> None:
        super().__init__()
        self.lower, self.upper, self.inplace = lower, upper, inplace

    def forward(self, x: Tensor) -> Tensor:
        """``F.rrelu(x, lower, upper, self.training)``."""
        return F.rrelu(x, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self) -> str:
        """What ``repr(layer)`` shows in the parentheses."""
        inplace = ", inplace=True" if self.inplace else ""
        return f"lower={self.lower}, upper={self.upper}{inplace}"


class ELU(Module):
    """``x`` where positive, ``alpha * (exp(x) - 1)`` elsewhere."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = alpha

    def forward(self, x: Tensor) -> Tensor:
        """``F.elu(x, alpha)``."""
        return F.elu(x, self.alpha)

    def extra_repr(self) -> str:
        """What ``repr(layer)`` shows in the parentheses."""
        return f"alpha={self.alpha}"


class GELU(Module):
    """``x * Phi(x)``; ``approximate='tanh'`` for the tanh formula."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, x: Tensor) -> Tensor:
        """``F.gelu(x, approximate)``."""
        return F.gelu(x, self.approximate)

    def extra_repr(self) -> str:
        """What ``repr(layer)`` shows in the parentheses."""
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    """``x * sigmoid(x)``."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()

    def forward(self, x: Tensor) -> Tensor:
        """``F.silu(x)``."""
        return F.silu(x)


class Softplus(Module):
    """``log(1 + exp(beta*x)) / beta`` (linear above ``threshold``)."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, x: Tensor) -> Tensor:
        """``F.softplus(x, beta, threshold)``."""
        return F.softplus(x, self.beta, self.threshold)

    def extra_repr(self) -> str:
        """What ``repr(layer)`` shows in the parentheses."""
        return f"beta={self.beta}, threshold={self.threshold}"


class Hardtanh(Module):
    """``x`` clamped to ``[min_val, max_val]``."""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0,
                 inplace: bool = False) -> None:
        super().__init__()
        if min_val > max_val:
            raise ValueError(f"Hardtanh: min_val ({min_val}) must not exceed max_val "
                             f"({max_val})")
        self.min_val, self.max_val = min_val, max_val

    def forward(self, x: Tensor) -> Tensor:
        """``F.hardtanh(x, min_val, max_val)``."""
        return F.hardtanh(x, self.min_val, self.max_val)

    def extra_repr(self) -> str:
        """What ``repr(layer)`` shows in the parentheses."""
        return f"min_val={self.min_val}, max_val={self.max_val}"


class ReLU6(Hardtanh):
    """``min(max(x, 0), 6)`` (MobileNet)."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__(0.0, 6.0)

    def extra_repr(self) -> str:
        """What ``repr(layer)`` shows in the parentheses."""
        return ""


class _Inplace(Module):
    """An elementwise activation whose ``inplace`` flag PyTorch code may pass: accepted and
    shown in the repr, computed out of place (the same values and gradients)."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def extra_repr(self) -> str:
        """What ``repr(layer)`` shows in the parentheses."""
        return "inplace=True" if self.inplace else ""


class Mish(_Inplace):
    """``x * tanh(softplus(x))``."""

    def forward(self, x: Tensor) -> Tensor:
        """``F.mish(x)``, same shape as ``x``."""
        return F.mish(x)


class Hardswish(_Inplace):
    """``x * relu6(x + 3) / 6`` (MobileNetV3)."""

    def forward(self, x: Tensor) -> Tensor:
        """``F.hardswish(x)``, same shape as ``x``."""
        return F.hardswish(x)


class Hardsigmoid(_Inplace):
    """``relu6(x + 3) / 6``."""

    def forward(self, x: Tensor) -> Tensor:
        """``F.hardsigmoid(x)``, same shape as ``x``."""
        return F.hardsigmoid(x)


class SELU(_Inplace):
    """``scale * elu(x, alpha)`` with the self-normalising constants."""

    def forward(self, x: Tensor) -> Tensor:
        """``F.selu(x)``, same shape as ``x``."""
        return F.selu(x)


class CELU(Module):
    """``x`` where positive, ``alpha * (exp(x / alpha) - 1)`` elsewhere."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, x: Tensor) -> Tensor:
        """``F.celu(x, alpha)``, same shape as ``x``."""
        return F.celu(x, self.alpha)

    def extra_repr(self) -> str:
        """What ``repr(layer)`` shows in the parentheses."""
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class Softsign(Module):
    """``x / (1 + |x|)``."""

    def forward(self, x: Tensor) -> Tensor:
        """``F.softsign(x)``, same shape as ``x``."""
        return F.softsign(x)


class Tanhshrink(Module):
    """``x - tanh(x)``."""

    def forward(self, x: Tensor) -> Tensor:
        """``F.tanhshrink(x)``, same shape as ``x``."""
        return F.tanhshrink(x)


class LogSigmoid(Module):
    """``log(sigmoid(x))``, computed stably (finite for any finite ``x``)."""

    def forward(self, x: Tensor) -> Tensor:
        """``F.logsigmoid(x)``, same shape as ``x``."""
        return F.logsigmoid(x)


class PReLU(Module):
    """``x`` where positive, ``weight * x`` elsewhere, with a learnable slope ``weight``:
    one shared (``num_parameters=1``) or one per channel (dim 1 of the input), each
    starting at ``init``."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device: object = None,
                 dtype: object = None) -> None:
        super().__init__()
        self.num_parameters = size_arg(num_parameters, "num_parameters", "PReLU")
        self.init = init
        dtype = np.dtype(dtype or get_default_dtype())
        self.weight = Parameter(np.full((self.num_parameters,), init, dtype))

    def reset_parameters(self) -> None:
        """Set every slope back to ``init``."""
        self.weight._data[...] = self.init

    def forward(self, x: Tensor) -> Tensor:
        """``F.prelu(x, weight)``, same shape as ``x``."""
        return F.prelu(x, self.weight)

    def extra_repr(self) -> str:
        """What ``repr(layer)`` shows in the parentheses."""
        return f"num_parameters={self.num_parameters}"


class GLU(Module):
    """The gated linear unit: the input halved along ``dim`` into ``a`` and ``b``, then
    ``a * sigmoid(b)`` (that dim's size halves)."""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        """``F.glu(x, dim)``."""
        return F.glu(x, self.dim)

    def extra_repr(self) -> str:
        """What ``repr(layer)`` shows in the parentheses."""
        return f"dim={self.dim}"


class Softmin(Module):
    """``softmax(-x)`` over ``dim``: the smallest value gets the largest probability."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        """``F.softmin(x, dim)`` (PyTorch's legacy dim when None, with its warning)."""
        return F.softmin(x, self.dim, _stacklevel=5)

    def extra_repr(self) -> str:
        """What ``repr(layer)`` shows in the parentheses."""
        return f"dim={self.dim}"


class Threshold(Module):
    """``value`` where the input is ``<= threshold``, else the input."""

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        self.threshold, self.value, self.inplace = threshold, value, inplace

    def forward(self, x: Tensor) -> Tensor:
        """``F.threshold(x, threshold, value)``, same shape as ``x``."""
        return F.threshold(x, self.threshold, self.value)

    def extra_repr(self) -> str:
        """What ``repr(layer)`` shows in the parentheses."""
        inplace = ", inplace=True" if self.inplace else ""
        return f"threshold={self.threshold}, value={self.value}{inplace}"


class Hardshrink(Module):
    """0 where ``|x| <= lambd``, else ``x``."""

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = lambd

    def forward(self, x: Tensor) -> Tensor:
        """``F.hardshrink(x, lambd)``, same shape as ``x``."""
        return F.hardshrink(x, self.lambd)

    def extra_repr(self) -> str:
        """What ``repr(layer)`` shows in the parentheses."""
        return f"{self.lambd}"


class Softshrink(Module):
    """``x`` moved ``lambd`` towards 0, and 0 where ``|x| <= lambd``."""

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = lambd

    def forward(self, x: Tensor) -> Tensor:
        """``F.softshrink(x, lambd)``, same shape as ``x``."""
        return F.softshrink(x, self.lambd)

    def extra_repr(self) -> str:
        """What ``repr(layer)`` shows in the parentheses."""
        return f"{self.lambd}"
