"""Loss modules: thin wrappers that remember ``reduction`` (and friends) for ``F``'s losses.

PyTorch's signatures and argument order: ``weight`` (class weights) comes first where
PyTorch has it, then the deprecated ``size_average``/``reduce`` (which must stay None), so
pass ``reduction=`` by keyword as PyTorch code does. Weights are buffers, as in PyTorch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..functional.ctc import ctc_loss
from ..functional.loss import (
    _check_reduction,
    _check_reduction_kl,
    _legacy,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cosine_embedding_loss,
    cross_entropy,
    gaussian_nll_loss,
    hinge_embedding_loss,
    huber_loss,
    kl_div,
    l1_loss,
    margin_ranking_loss,
    mse_loss,
    multi_margin_loss,
    multilabel_margin_loss,
    multilabel_soft_margin_loss,
    nll_loss,
    poisson_nll_loss,
    smooth_l1_loss,
    soft_margin_loss,
    triplet_margin_loss,
    triplet_margin_with_distance_loss,
)
from ..tensor import Tensor, as_tensor
from .distance import PairwiseDistance
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


class KLDivLoss(_Loss):
    """Kullback-Leibler divergence of ``target`` from log-probabilities ``input``;
    ``reduction='batchmean'`` gives the mathematical KL per sample."""

    def __init__(self, size_average: None = None, reduce: None = None,
                 reduction: str = "mean", log_target: bool = False) -> None:
        _check_reduction_kl(reduction)
        super().__init__(size_average, reduce,
                         "mean" if reduction == "batchmean" else reduction)
        self.reduction, self.log_target = reduction, log_target

    def forward(self, input: Tensor, target: Any) -> Tensor:
        """Loss of log-probabilities ``input`` against ``target`` of the same shape."""
        return kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class HuberLoss(_Loss):
    """Squared error below ``delta``, ``delta``-scaled absolute error above."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input: Tensor, target: Any) -> Tensor:
        """Loss of ``input`` against a ``target`` of the same shape."""
        return huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class MarginRankingLoss(_Loss):
    """``max(0, -target * (input1 - input2) + margin)`` for ``target`` in {1, -1}."""

    def __init__(self, margin: float = 0.0, size_average: None = None, reduce: None = None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1: Tensor, input2: Tensor, target: Any) -> Tensor:
        """Loss of the pair ``(input1, input2)`` against the ranking ``target``."""
        return margin_ranking_loss(input1, input2, target, margin=self.margin,
                                   reduction=self.reduction)


class HingeEmbeddingLoss(_Loss):
    """``input`` where ``target == 1``, ``max(0, margin - input)`` where ``target == -1``."""

    def __init__(self, margin: float = 1.0, size_average: None = None, reduce: None = None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input: Tensor, target: Any) -> Tensor:
        """Loss of distances ``input`` against similar (1) / dissimilar (-1) labels."""
        return hinge_embedding_loss(input, target, margin=self.margin,
                                    reduction=self.reduction)


class MultiMarginLoss(_WeightedLoss):
    """Multi-class hinge loss on scores ``(N, C)`` and class indices ``(N,)``."""

    def __init__(self, p: int = 1, margin: float = 1.0, weight: Tensor | None = None,
                 size_average: None = None, reduce: None = None,
                 reduction: str = "mean") -> None:
        if p != 1 and p != 2:
            raise ValueError(f"MultiMarginLoss: only p == 1 and p == 2 supported, got p={p}")
        if weight is not None and as_tensor(weight).ndim != 1:
            raise ValueError(f"MultiMarginLoss: weight must be one-dimensional, got shape "
                             f"{as_tensor(weight).shape}")
        super().__init__(weight, size_average, reduce, reduction)
        self.p, self.margin = p, margin

    def forward(self, input: Tensor, target: Any) -> Tensor:
        """Loss of scores ``input`` against class indices ``target``."""
        return multi_margin_loss(input, target, p=self.p, margin=self.margin,
                                 weight=self.weight, reduction=self.reduction)


class SoftMarginLoss(_Loss):
    """Two-class logistic loss ``log(1 + exp(-target * input))``, ``target`` in {1, -1}."""

    def forward(self, input: Tensor, target: Any) -> Tensor:
        """Loss of ``input`` against a ``target`` of the same shape."""
        return soft_margin_loss(input, target, reduction=self.reduction)


class TripletMarginLoss(_Loss):
    """``max(d(a, p) - d(a, n) + margin, 0)`` with the p-norm distance ``d``."""

    def __init__(self, margin: float = 1.0, p: float = 2.0, eps: float = 1e-6,
                 swap: bool = False, size_average: None = None, reduce: None = None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        if margin <= 0:
            raise ValueError(f"TripletMarginLoss: margin must be greater than 0, got "
                             f"{margin}")
        self.margin, self.p, self.eps, self.swap = margin, p, eps, swap

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        """Loss of the triplets ``(anchor, positive, negative)``, each ``(N, D)`` or ``(D,)``."""
        return triplet_margin_loss(anchor, positive, negative, margin=self.margin, p=self.p,
                                   eps=self.eps, swap=self.swap, reduction=self.reduction)


class CosineEmbeddingLoss(_Loss):
    """``1 - cos(x1, x2)`` for ``target == 1``, ``max(0, cos(x1, x2) - margin)`` for -1."""

    def __init__(self, margin: float = 0.0, size_average: None = None, reduce: None = None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1: Tensor, input2: Tensor, target: Any) -> Tensor:
        """Loss of the pairs ``(input1, input2)`` against labels 1 / -1."""
        return cosine_embedding_loss(input1, input2, target, margin=self.margin,
                                     reduction=self.reduction)


class MultiLabelMarginLoss(_Loss):
    """Multi-label hinge loss; ``target`` holds each sample's class indices, -1 padded."""

    def forward(self, input: Tensor, target: Any) -> Tensor:
        """Loss of scores ``(N, C)`` against label lists ``(N, C)`` (int64)."""
        return multilabel_margin_loss(input, target, reduction=self.reduction)


class GaussianNLLLoss(_Loss):
    """Negative log likelihood of ``target`` under Gaussians of mean ``input`` and variance
    ``var`` (a regression that predicts its own uncertainty); ``full`` adds the constant."""

    def __init__(self, *, full: bool = False, eps: float = 1e-6,
                 reduction: str = "mean") -> None:
        super().__init__(reduction=reduction)
        self.full, self.eps = full, eps

    def forward(self, input: Tensor, target: Any, var: Tensor | float) -> Tensor:
        """Loss of means ``input`` and variances ``var`` against ``target``."""
        return gaussian_nll_loss(input, target, var, full=self.full, eps=self.eps,
                                 reduction=self.reduction)


class PoissonNLLLoss(_Loss):
    """Negative log likelihood of counts ``target`` under Poisson rates ``exp(input)`` (or
    ``input`` when not ``log_input``); ``full`` adds Stirling's term."""

    def __init__(self, log_input: bool = True, full: bool = False, size_average: None = None,
                 eps: float = 1e-8, reduce: None = None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_input, self.full, self.eps = log_input, full, eps

    def forward(self, log_input: Tensor, target: Any) -> Tensor:
        """Loss of (log-)rates ``log_input`` against counts ``target``."""
        return poisson_nll_loss(log_input, target, log_input=self.log_input, full=self.full,
                                eps=self.eps, reduction=self.reduction)


class MultiLabelSoftMarginLoss(_WeightedLoss):
    """Binary cross entropy on logits per label, averaged over the labels (the last dim);
    ``weight`` per label."""

    def __init__(self, weight: Tensor | None = None, size_average: None = None,
                 reduce: None = None, reduction: str = "mean") -> None:
        super().__init__(weight, size_average, reduce, reduction)

    def forward(self, input: Tensor, target: Any) -> Tensor:
        """Loss of logits ``(N, C)`` against 0/1 labels of the same shape."""
        return multilabel_soft_margin_loss(input, target, weight=self.weight,
                                           reduction=self.reduction)


class TripletMarginWithDistanceLoss(_Loss):
    """``max(margin + d(a, p) - d(a, n), 0)`` with a distance ``d`` of one's own
    (``PairwiseDistance()`` by default, a child module as in PyTorch)."""

    def __init__(self, *, distance_function: Callable[[Tensor, Tensor], Tensor] | None = None,
                 margin: float = 1.0, swap: bool = False, reduction: str = "mean") -> None:
        super().__init__(reduction=reduction)
        if margin <= 0:
            raise ValueError(f"TripletMarginWithDistanceLoss: expected margin to be greater "
                             f"than 0, got {margin} instead")
        self.distance_function = (distance_function if distance_function is not None
                                  else PairwiseDistance())
        self.margin, self.swap = margin, swap

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        """Loss of the triplets ``(anchor, positive, negative)``."""
        return triplet_margin_with_distance_loss(
            anchor, positive, negative, distance_function=self.distance_function,
            margin=self.margin, swap=self.swap, reduction=self.reduction)


class CTCLoss(_Loss):
    """The connectionist temporal classification loss of unsegmented sequences (speech,
    handwriting): every alignment of each target to its input's time steps, summed."""

    def __init__(self, blank: int = 0, reduction: str = "mean",
                 zero_infinity: bool = False) -> None:
        super().__init__(reduction=reduction)
        self.blank, self.zero_infinity = blank, zero_infinity

    def forward(self, log_probs: Tensor, targets: Tensor, input_lengths: Any,
                target_lengths: Any) -> Tensor:
        """Loss of log-probabilities ``(T, N, C)`` against ``targets`` and their lengths."""
        return ctc_loss(log_probs, targets, input_lengths, target_lengths, self.blank,
                        self.reduction, self.zero_infinity)
