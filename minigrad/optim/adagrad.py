"""Adagrad, as ``torch.optim.Adagrad``: per-element step sizes shrink with the summed
squared gradients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ..tensor import Tensor
from .optimizer import Optimizer, check_numbers


class Adagrad(Optimizer):
    """Adagrad: each element's step is ``lr / sqrt(sum of its squared gradients)``.

    Often-updated weights slow down, rarely updated ones keep large steps. ``lr_decay``
    divides ``lr`` by ``1 + (step-1)*lr_decay``. State: ``step``, ``sum``.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, lr_decay: float = 0,
                 weight_decay: float = 0, initial_accumulator_value: float = 0,
                 eps: float = 1e-10, maximize: bool = False) -> None:
        check_numbers(type(self).__name__, lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                      eps=eps)
        for name, v in (("lr_decay", lr_decay), ("weight_decay", weight_decay),
                        ("initial_accumulator_value", initial_accumulator_value),
                        ("eps", eps)):
            if v < 0.0:
                raise ValueError(f"Adagrad: invalid {name} value {v}")
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      eps=eps, maximize=maximize))

    def _update(self, p: Tensor, grad: np.ndarray, state: dict, group: dict) -> None:
        if not state:
            state["step"] = 0
            state["sum"] = np.full_like(p._data, group["initial_accumulator_value"])
        state["step"] += 1
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * p._data
        clr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        state["sum"] += grad * grad
        std = np.sqrt(state["sum"]) + group["eps"]
        p._data -= clr * (grad / std)
