"""Loss modules: thin wrappers that remember ``reduction`` (and friends) for ``F``'s losses.

Options are keyword-only: PyTorch's first positional arguments are ``weight`` /
``size_average``, so ``MSELoss("sum")`` would mean something else there. Class weights are
not supported (``weight`` must be None)."""

from __future__ import annotations

from typing import Any

from ..ops.loss import _check_reduction, cross_entropy, mse_loss, nll_loss
from ..tensor import Tensor
from .module import Module


def _no_weight(weight: object, name: str) -> None:
    if weight is not None:
        raise NotImplementedError(f"{name}: per-class weights are not supported (weight must "
                                  "be None); pass options such as reduction= by keyword")


class _Loss(Module):
    def __init__(self, *, reduction: str = "mean") -> None:
        super().__init__()
        _check_reduction(reduction, type(self).__name__)
        self.reduction = reduction

    def extra_repr(self) -> str:
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


class CrossEntropyLoss(_Loss):
    """Softmax + cross entropy on logits (the book's SoftmaxWithLoss), fused and stable."""

    def __init__(self, weight: None = None, *, reduction: str = "mean",
                 label_smoothing: float = 0.0, ignore_index: int = -100) -> None:
        _no_weight(weight, "CrossEntropyLoss")
        super().__init__(reduction=reduction)
        self.label_smoothing, self.ignore_index = label_smoothing, ignore_index

    def forward(self, input: Tensor, target: Any) -> Tensor:
        """Loss of logits ``(N, classes)`` against class indices ``(N,)`` (int64)."""
        return cross_entropy(input, target, self.reduction, self.label_smoothing,
                             self.ignore_index)


class NLLLoss(_Loss):
    """Negative log likelihood of class indices, on log-probabilities."""

    def __init__(self, weight: None = None, *, reduction: str = "mean",
                 ignore_index: int = -100) -> None:
        _no_weight(weight, "NLLLoss")
        super().__init__(reduction=reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Any) -> Tensor:
        """Loss of log-probabilities ``(N, classes)`` against class indices ``(N,)``."""
        return nll_loss(input, target, self.reduction, self.ignore_index)


class MSELoss(_Loss):
    """Mean squared error ``(input - target)**2``, averaged (or summed: ``reduction``)."""

    def forward(self, input: Tensor, target: Any) -> Tensor:
        """Loss of ``input`` against a ``target`` of the same shape."""
        return mse_loss(input, target, self.reduction)
