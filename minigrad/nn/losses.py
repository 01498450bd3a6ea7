"""Loss modules: thin wrappers that remember ``reduction`` (and friends) for ``F``'s losses.

PyTorch's signatures and argument order: ``weight`` (class weights) comes first where
PyTorch has it, then the deprecated ``size_average``/``reduce`` (which must stay None), so
pass ``reduction=`` by keyword as PyTorch code does. Weights are buffers, as in PyTorch.
"""

from __future__ import annotations

from typing import Any

from ..ops.loss import (
    _check_reduction,
    _legacy,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    l1_loss,
    mse_loss,
    nll_loss,
    smooth_l1_loss,
)
from ..tensor import Tensor, as_tensor
from .module import Module


def _buffer(value: Any) -> Tensor | None:
    return value if value is None else as_tensor(value)


class _Loss(Module):
    def __init__(self, size_average: None = None, reduce: None = None,
                 reduction: str = "mean") -> None:
        super().__init__()
        _legacy(size_average, reduce, type(self).__name__)
        _check_reduction(reduction, type(self).__name__)
        self.reduction = reduction

    def extra_repr(self) -> str:
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


class _WeightedLoss(_Loss):
    def __init__(self, weight: Tensor | None = None, size_average: None = None,
                 reduce: None = None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", _buffer(weight))


class CrossEntropyLoss(_WeightedLoss):
    """Softmax + cross entropy on logits (the book's SoftmaxWithLoss), fused and stable;
    ``weight`` per class (PyTorch's weighted mean), ``ignore_index``, ``label_smoothing``."""

    def __init__(self, weight: Tensor | None = None, size_average: None = None,
                 ignore_index: int = -100, reduce: None = None, reduction: str = "mean",
                 label_smoothing: float = 0.0) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.label_smoothing, self.ignore_index = label_smoothing, ignore_index

    def forward(self, input: Tensor, target: Any) -> Tensor:
        """Loss of logits ``(N, classes)`` against class indices ``(N,)`` (int64)."""
        return cross_entropy(input, target, self.weight, ignore_index=self.ignore_index,
                             reduction=self.reduction, label_smoothing=self.label_smoothing)


class NLLLoss(_WeightedLoss):
    """Negative log likelihood of class indices, on log-probabilities."""

    def __init__(self, weight: Tensor | None = None, size_average: None = None,
                 ignore_index: int = -100, reduce: None = None,
                 reduction: str = "mean") -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Any) -> Tensor:
        """Loss of log-probabilities ``(N, classes)`` against class indices ``(N,)``."""
        return nll_loss(input, target, self.weight, ignore_index=self.ignore_index,
                        reduction=self.reduction)


class MSELoss(_Loss):
    """Mean squared error ``(input - target)**2``, averaged (or summed: ``reduction``)."""

    def forward(self, input: Tensor, target: Any) -> Tensor:
        """Loss of ``input`` against a ``target`` of the same shape."""
        return mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """Mean absolute error ``|input - target|``."""

    def forward(self, input: Tensor, target: Any) -> Tensor:
        """Loss of ``input`` against a ``target`` of the same shape."""
        return l1_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    """Squared error below ``beta``, absolute error above (Fast R-CNN's box loss)."""

    def __init__(self, size_average: None = None, reduce: None = None,
                 reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input: Tensor, target: Any) -> Tensor:
        """Loss of ``input`` against a ``target`` of the same shape."""
        return smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class BCELoss(_WeightedLoss):
    """Binary cross entropy on probabilities (after a sigmoid); ``weight`` per element."""

    def __init__(self, weight: Tensor | None = None, size_average: None = None,
                 reduce: None = None, reduction: str = "mean") -> None:
        super().__init__(weight, size_average, reduce, reduction)

    def forward(self, input: Tensor, target: Any) -> Tensor:
        """Loss of probabilities ``input`` against 0/1 (or soft) targets of its shape."""
        return binary_cross_entropy(input, target, self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_WeightedLoss):
    """Sigmoid + binary cross entropy on logits, stable; ``pos_weight`` per class."""

    def __init__(self, weight: Tensor | None = None, size_average: None = None,
                 reduce: None = None, reduction: str = "mean",
                 pos_weight: Tensor | None = None) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.register_buffer("pos_weight", _buffer(pos_weight))

    def forward(self, input: Tensor, target: Any) -> Tensor:
        """Loss of logits ``input`` against 0/1 (or soft) targets of its shape."""
        return binary_cross_entropy_with_logits(input, target, self.weight,
                                                reduction=self.reduction,
                                                pos_weight=self.pos_weight)
