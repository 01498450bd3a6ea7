"""What ``minigrad`` can train and draw: one ``ModelSpec`` per network, and the recipe.

Every subcommand (train, evaluate, predict, graph) builds its networks from ``MODELS``, so a
checkpoint written by ``train`` is rebuilt by ``evaluate`` exactly as it was trained. The
training recipe (optimizer, learning rate, batch size, epochs, augmentation, validation
split) is configuration here, not code paths in the loop.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from minigrad import models, nn, optim


@dataclass(frozen=True)
class ModelSpec:
    """A network the command line knows: how to build it and how to train it."""

    factory: Callable[[], nn.Module]
    input_shape: tuple[int, ...]  # one image (C, H, W)
    epochs: int  # default epochs, measured to reach docs/training.md's figures
    shift: int  # augmentation: random translation of training images, in pixels (0: none)
    description: str

    @property
    def trains_on_mnist(self) -> bool:
        """Whether ``minigrad train`` offers it (it takes 28x28 grey digits)."""
        return self.input_shape == (1, 28, 28)


def _simpleconvnet() -> nn.Module:
    # He initialisation (the book's advice for ReLU, ch. 6) learns fast, but it starts the
    # 5x5 filters so large (std 0.28) that after training they still look random
    # (filter_smoothness 0.10). conv1 starts small instead, as in the book, so what training
    # adds dominates: smoothness above 0.35 at the same accuracy (benchmarks/filter_recipe.py)
    model = models.SimpleConvNet(weight_init_std="relu")
    nn.init.normal_(model.conv1.weight, 0.0, CONV1_INIT_STD)
    return model


CONV1_INIT_STD = 0.035

MODELS: dict[str, ModelSpec] = {
    "simpleconvnet": ModelSpec(_simpleconvnet, (1, 28, 28), 15, 2, "the book's SimpleConvNet"),
    # the sigmoid LeNet still underfits after 30 epochs, where shifts only slow it down
    "lenet": ModelSpec(lambda: models.LeNet(num_classes=10, activation="sigmoid", pool="avg"),
                       (1, 28, 28), 30, 0, "LeNet-5 as in 1998 (sigmoid, average pooling)"),
    "lenet-relu": ModelSpec(lambda: models.LeNet(num_classes=10, activation="relu",
                                                 pool="max"),
                            (1, 28, 28), 15, 2, "LeNet-5 with ReLU and max pooling"),
    "alexnet": ModelSpec(models.AlexNet, (3, 227, 227), 0, 0, "AlexNet (graph only)"),
}

TRAINABLE = tuple(name for name, spec in MODELS.items() if spec.trains_on_mnist)
# where the other models can be used, for the error that refuses them elsewhere
ONLY_FOR = {name: "graph" for name, spec in MODELS.items() if not spec.trains_on_mnist}

# learning rate per optimizer when --lr is not given (Adam's is the book's 0.001)
LEARNING_RATES = {"adam": 1e-3, "sgd": 0.1, "momentum": 0.01, "adagrad": 0.01, "rmsprop": 1e-3}

# the rest of the recipe: what `minigrad train` uses unless told otherwise
DEFAULTS: dict[str, Any] = {"model": "simpleconvnet", "batch_size": 100, "optimizer": "adam",
                            "seed": 0, "val_size": 500}
VALIDATION_SEED = 0  # the validation split is the same on every machine, for every seed


def build_model(name: str) -> nn.Module:
    """The network ``name`` (any case), freshly initialised from minigrad's generator."""
    name = name.lower()
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r} (choose from {', '.join(MODELS)})")
    return MODELS[name].factory()


def build_optimizer(name: str, params: Iterable[Any], lr: float | None = None) -> Any:
    """``adam|sgd|momentum|adagrad|rmsprop``; ``momentum`` is SGD with momentum 0.9."""
    if name not in LEARNING_RATES:
        raise ValueError(f"unknown optimizer {name!r} (choose from "
                         f"{', '.join(LEARNING_RATES)})")
    lr = LEARNING_RATES[name] if lr is None else lr
    if name == "momentum":
        return optim.SGD(params, lr=lr, momentum=0.9)
    cls = {"adam": optim.Adam, "sgd": optim.SGD, "adagrad": optim.Adagrad,
           "rmsprop": optim.RMSprop}[name]
    return cls(params, lr=lr)


def first_layer_weight(model: nn.Module) -> Any:
    """A copy of the weight of the model's first 2-D convolution (``filters.png``), or None."""
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            return m.weight.detach().numpy().copy()
    return None
