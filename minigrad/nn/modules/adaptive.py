"""``torch.nn.modules.adaptive``: ``AdaptiveLogSoftmaxWithLoss`` under PyTorch's module path."""

from __future__ import annotations

from ..adaptive import AdaptiveLogSoftmaxWithLoss

__all__ = ["AdaptiveLogSoftmaxWithLoss"]
