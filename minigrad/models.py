"""Ready-made networks: the book's ``SimpleConvNet``, ``LeNet`` (1998) and ``AlexNet`` (2012).

Each has PyTorch's state dict keys and layouts, so its weights move to the same module
written in PyTorch and back (see docs/nn.md). A wrong input shape is reported up front,
naming the first layer and the shape it expected.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import nn
from .im2col import output_size as _window_size
from .nn import init
from .nn.module import blame
from .tensor import Tensor

__all__ = ["AlexNet", "LeNet", "SimpleConvNet"]


def _out(size: int, kernel: int, stride: int = 1, padding: int = 0) -> int:
    """Output size of a conv/pool window sweep, floored as in PyTorch."""
    return (size + 2 * padding - kernel) // stride + 1


def _check_input(model: nn.Module, x: Any, layer: str, expected: tuple[int, ...],
                 fits: bool | None = None) -> None:
    """Raise, blaming ``layer`` (``Module.__call__`` names it), unless ``x`` is
    ``(N, *expected)`` (or ``fits`` says the spatial size is acceptable)."""
    ok = isinstance(x, Tensor) and x.ndim == len(expected) + 1
    if ok:
        ok = x.shape[1] == expected[0] and (
            fits if fits is not None else tuple(x.shape[1:]) == expected)
    if not ok:
        got = x.shape if isinstance(x, Tensor) else type(x).__name__
        raise blame(ValueError(f"expected input of shape (N, {', '.join(map(str, expected))}), "
                               f"got {got}"), model.get_submodule(layer))


def _book_std(weight_init_std: float | str, fan_in: int) -> float:
    """The book's choices: a fixed std, 'relu'/'he' = sqrt(2/fan_in), 'sigmoid'/'xavier' =
    sqrt(1/fan_in) (as in its MultiLayerNet)."""
    if isinstance(weight_init_std, str):
        key = weight_init_std.lower()
        if key in ("relu", "he"):
            return math.sqrt(2.0 / fan_in)
        if key in ("sigmoid", "xavier"):
            return math.sqrt(1.0 / fan_in)
        raise ValueError(f"SimpleConvNet: weight_init_std must be a number or one of 'relu', "
                         f"'he', 'sigmoid', 'xavier', got {weight_init_std!r}")
    return float(weight_init_std)


def _pooled_size(h: int, w: int, fs: int, pad: int, stride: int) -> tuple[int, int]:
    """SimpleConvNet's feature-map size after the conv and the 2x2 max-pool. Both must fit
    exactly (strict: a conv_param that floors is an error), checked by the one geometry
    helper."""
    conv_h, conv_w = (
        _window_size(size, fs, stride, pad, exact=True, dim=dim, kernel_symbol="F",
                     op=f"SimpleConvNet: conv_param (filter_size={fs}, pad={pad}, "
                        f"stride={stride}) does not fit input {dim} {size}")
        for size, dim in ((h, "height"), (w, "width")))
    if conv_h < 2 or conv_w < 2:
        raise ValueError(f"SimpleConvNet: the conv output {conv_h}x{conv_w} is too small "
                         "for the 2x2 max-pool")
    pool_h, pool_w = (
        _window_size(conv, 2, 2, 0, exact=True, dim=dim,
                     op=f"SimpleConvNet: the conv output {dim} {conv} (input {size}, "
                        f"conv_param filter_size={fs}, pad={pad}, stride={stride}) is odd, "
                        "so the 2x2 max-pool cannot tile it; choose conv_param so that it "
                        "is even")
        for conv, size, dim in ((conv_h, h, "height"), (conv_w, w, "width")))
    return pool_h, pool_w


class SimpleConvNet(nn.Module):
    """The book's network: conv - ReLU - max-pool(2) - affine - ReLU - affine (the softmax is
    in the loss: use ``nn.CrossEntropyLoss`` on the output logits).

    Weights are drawn from N(0, weight_init_std^2) and biases are zero, as in the book.
    """

    def __init__(self, input_dim: tuple[int, int, int] = (1, 28, 28),
                 conv_param: dict[str, int] | None = None, hidden_size: int = 100,
                 output_size: int = 10, weight_init_std: float | str = 0.01) -> None:
        super().__init__()
        param = {"filter_num": 30, "filter_size": 5, "pad": 0, "stride": 1, **(conv_param or {})}
        fn, fs, pad, stride = (int(param[k]) for k in ("filter_num", "filter_size", "pad",
                                                       "stride"))
        if len(input_dim) != 3:
            raise ValueError(f"SimpleConvNet: input_dim must be (channels, height, width), "
                             f"got {input_dim}")
        c, h, w = (int(v) for v in input_dim)
        if fn < 1:
            raise ValueError(f"SimpleConvNet: conv_param filter_num must be >= 1, got {fn}")
        pool_h, pool_w = _pooled_size(h, w, fs, pad, stride)
        self.input_dim = (c, h, w)
        pool_output_size = fn * pool_h * pool_w
        self.conv1 = nn.Conv2d(c, fn, fs, stride=stride, padding=pad, exact=True)
        self.relu1 = nn.ReLU()
        self.pool1 = nn.MaxPool2d(2, 2, exact=True)  # tiles the conv output (checked above)
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(pool_output_size, hidden_size)
        self.relu2 = nn.ReLU()
        self.fc2 = nn.Linear(hidden_size, output_size)
        for layer in (self.conv1, self.fc1, self.fc2):
            fan_in = int(np.prod(layer.weight.shape[1:]))
            init.normal_(layer.weight, 0.0, _book_std(weight_init_std, fan_in))
            init.zeros_(layer.bias)

    def forward(self, x: Tensor) -> Tensor:
        """Logits ``(N, output_size)`` for images ``(N, *input_dim)``."""
        _check_input(self, x, "conv1", self.input_dim)
        x = self.pool1(self.relu1(self.conv1(x)))
        return self.fc2(self.relu2(self.fc1(self.flatten(x))))


_ACTIVATIONS = {"sigmoid": nn.Sigmoid, "relu": nn.ReLU, "tanh": nn.Tanh}
_POOLS = {"avg": nn.AvgPool2d, "max": nn.MaxPool2d}


class LeNet(nn.Module):
    """LeNet-5 on 1x28x28 input (the first conv padded by 2, as for MNIST): conv 6@5x5 -
    pool - conv 16@5x5 - pool - 400 -> 120 -> 84 -> classes. ``activation='sigmoid',
    pool='avg'`` is the 1998 network; ``'relu', 'max'`` the modern variant."""

    def __init__(self, num_classes: int = 10, activation: str = "sigmoid",
                 pool: str = "avg") -> None:
        super().__init__()
        if activation not in _ACTIVATIONS:
            raise ValueError(f"LeNet: activation must be one of {sorted(_ACTIVATIONS)}, "
                             f"got {activation!r}")
        if pool not in _POOLS:
            raise ValueError(f"LeNet: pool must be 'avg' or 'max', got {pool!r}")
        act, pooling = _ACTIVATIONS[activation], _POOLS[pool]
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, 5, padding=2, exact=True), act(), pooling(2, 2, exact=True),
            nn.Conv2d(6, 16, 5, exact=True), act(), pooling(2, 2, exact=True),
        )
        self.flatten = nn.Flatten()
        self.classifier = nn.Sequential(
            nn.Linear(16 * 5 * 5, 120), act(),
            nn.Linear(120, 84), act(),
            nn.Linear(84, num_classes),
        )

    def forward(self, x: Tensor) -> Tensor:
        """Logits ``(N, num_classes)`` for images ``(N, 1, 28, 28)``."""
        _check_input(self, x, "features.0", (1, 28, 28))
        return self.classifier(self.flatten(self.features(x)))


class AlexNet(nn.Module):
    """The 2012 network (single tower, no grouped convolutions) on 3x227x227 input.

    ``lrn=False`` puts ``Identity`` where the LRN layers were, so state dict keys do not
    change; ``dropout`` is the probability of both Dropout layers. 62,378,344 parameters
    for 1000 classes.
    """

    def __init__(self, num_classes: int = 1000, lrn: bool = True, dropout: float = 0.5) -> None:
        super().__init__()

        def norm() -> nn.Module:
            return nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=2.0) if lrn else nn.Identity()

        self.features = nn.Sequential(
            nn.Conv2d(3, 96, 11, stride=4, exact=True), nn.ReLU(), norm(),
            nn.MaxPool2d(3, 2, exact=True),
            nn.Conv2d(96, 256, 5, padding=2, exact=True), nn.ReLU(), norm(),
            nn.MaxPool2d(3, 2, exact=True),
            nn.Conv2d(256, 384, 3, padding=1, exact=True), nn.ReLU(),
            nn.Conv2d(384, 384, 3, padding=1, exact=True), nn.ReLU(),
            nn.Conv2d(384, 256, 3, padding=1, exact=True), nn.ReLU(),
            nn.MaxPool2d(3, 2, exact=True),
        )
        self.flatten = nn.Flatten()
        self.classifier = nn.Sequential(
            nn.Dropout(dropout), nn.Linear(256 * 6 * 6, 4096), nn.ReLU(),
            nn.Dropout(dropout), nn.Linear(4096, 4096), nn.ReLU(),
            nn.Linear(4096, num_classes),
        )

    @staticmethod
    def _feature_size(size: int) -> int:
        size = _out(_out(size, 11, 4), 3, 2)  # conv1, pool1
        size = _out(_out(size, 5, 1, 2), 3, 2)  # conv2, pool2
        return _out(size, 3, 2)  # conv3-5 keep the size; pool5

    def forward(self, x: Tensor) -> Tensor:
        """Logits ``(N, num_classes)`` for images ``(N, 3, 227, 227)``."""
        fits = isinstance(x, Tensor) and x.ndim == 4 and all(
            s >= 11 and self._feature_size(s) == 6 for s in x.shape[2:])
        _check_input(self, x, "features.0", (3, 227, 227), fits)
        return self.classifier(self.flatten(self.features(x)))
