"""``Dropout`` and ``Dropout1d/2d/3d``: inverted dropout, active in ``train()`` mode only; and
``AlphaDropout`` / ``FeatureAlphaDropout`` (with ``F.alpha_dropout`` and
``F.feature_alpha_dropout``) for self-normalising (SELU) networks, which keep the mean and
variance of a standardised input instead of zeroing."""

from __future__ import annotations

import math

import numpy as np

from ..functional.activation import dropout, dropout1d, dropout2d, dropout3d
from ..rng import get_rng
from ..tensor import Tensor, require_tensor
from .module import Module

# SELU's negative saturation is -SELU_ALPHA: scale * alpha of F.selu
SELU_ALPHA = 1.7580993408473766


class Dropout(Module):
    """Zero each element with probability ``p`` while training and scale the rest by
    ``1/(1-p)``; the identity in ``eval()`` mode. Masks come from ``minigrad.rng``."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 <= p <= 1.0:
            raise ValueError(f"{type(self).__name__}: probability p must be between 0 and 1, "
                             f"got {p!r}")
        self.p = float(p)

    def forward(self, x: Tensor) -> Tensor:
        """``x`` with a fresh random mask in training mode; ``x`` itself in eval mode."""
        return dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        """What ``repr(layer)`` shows in the parentheses."""
        return f"p={self.p}"


class Dropout2d(Dropout):
    """Zero whole channels ``(N, C, H, W)`` with probability ``p`` while training (feature
    maps are correlated, so single pixels would leak through)."""

    def forward(self, x: Tensor) -> Tensor:
        """``x`` with a fresh channel mask in training mode; ``x`` itself in eval mode."""
        return dropout2d(x, self.p, self.training)


class Dropout1d(Dropout):
    """Zero whole channels ``(N, C, L)`` with probability ``p`` while training (after a
    Conv1d, as Dropout2d after a Conv2d)."""

    def forward(self, x: Tensor) -> Tensor:
        """``x`` with a fresh channel mask in training mode; ``x`` itself in eval mode."""
        return dropout1d(x, self.p, self.training)


class Dropout3d(Dropout):
    """Zero whole channels ``(N, C, D, H, W)`` with probability ``p`` while training (after
    a Conv3d)."""

    def forward(self, x: Tensor) -> Tensor:
        """``x`` with a fresh channel mask in training mode; ``x`` itself in eval mode."""
        return dropout3d(x, self.p, self.training)


def _check_p(p: float, op: str) -> None:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{op}: dropout probability has to be between 0 and 1, but got {p}")


def _alpha_dropout(x: Tensor, p: float, training: bool, feature: bool, op: str) -> Tensor:
    """Set dropped elements (whole channels with ``feature``) to SELU's saturation
    ``-SELU_ALPHA`` and apply the affine map ``a * y + b`` that brings a zero-mean,
    unit-variance input back to zero mean and unit variance (Klambauer et al., 2017)."""
    x = require_tensor(x, op, "input")
    _check_p(p, op)
    if not training or p == 0 or x.numel() == 0:
        return x
    if p == 1:  # PyTorch: the input times zero (not the saturation value)
        return x * 0.0
    if x.dtype.kind != "f":
        raise RuntimeError(f"{op}: result type Float can't be cast to the desired output "
                           f"type {x.dtype} (input of shape {x.shape}): pass a floating "
                           "point input")
    if feature and x.ndim < 2:
        raise RuntimeError(f"{op}: Feature dropout requires at least 2 dimensions in the "
                           f"input, got input of shape {x.shape}")
    shape = x.shape[:2] + (1,) * (x.ndim - 2) if feature else x.shape
    keep = get_rng().random(shape) >= p
    a = 1.0 / math.sqrt((SELU_ALPHA * SELU_ALPHA * p + 1.0) * (1.0 - p))
    scale = np.where(keep, a, 0.0).astype(x.dtype)
    shift = np.where(keep, SELU_ALPHA * a * p, SELU_ALPHA * a * (p - 1.0)).astype(x.dtype)
    return x * Tensor(scale) + Tensor(shift)


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,
                  inplace: bool = False) -> Tensor:
    """Alpha dropout for SELU networks: each element is dropped with probability ``p`` to
    SELU's saturation value and the result rescaled so a standardised input stays
    standardised. The identity unless ``training`` (PyTorch's default is ``False`` here);
    ``inplace`` is accepted and computed out of place."""
    return _alpha_dropout(input, p, training, False, "alpha_dropout")


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,
                          inplace: bool = False) -> Tensor:
    """``alpha_dropout`` that drops whole channels ``input[n, c]`` of an ``(N, C, *)``
    input (correlated feature maps would leak single elements through)."""
    return _alpha_dropout(input, p, training, True, "feature_alpha_dropout")


class _AlphaDropoutNd(Module):
    """PyTorch's ``_DropoutNd`` settings (``p`` as given, ``inplace`` shown in the repr)."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        _check_p(p, type(self).__name__)
        self.p, self.inplace = p, inplace

    def extra_repr(self) -> str:
        """What ``repr(layer)`` shows in the parentheses (PyTorch's text)."""
        return f"p={self.p}, inplace={self.inplace}"


class AlphaDropout(_AlphaDropoutNd):
    """``F.alpha_dropout`` while training (keeps a SELU network's activations standardised);
    the identity in ``eval()`` mode. Masks come from ``minigrad.rng``."""

    def forward(self, x: Tensor) -> Tensor:
        """``x`` with a fresh mask in training mode; ``x`` itself in eval mode."""
        return _alpha_dropout(x, self.p, self.training, False, "AlphaDropout")


class FeatureAlphaDropout(_AlphaDropoutNd):
    """``F.feature_alpha_dropout`` while training: whole channels of ``(N, C, *)`` go to
    SELU's saturation value; the identity in ``eval()`` mode."""

    def forward(self, x: Tensor) -> Tensor:
        """``x`` with a fresh channel mask in training mode; ``x`` itself in eval mode."""
        return _alpha_dropout(x, self.p, self.training, True, "FeatureAlphaDropout")
