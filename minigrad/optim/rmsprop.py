"""RMSprop, as ``torch.optim.RMSprop`` (optionally centred, with momentum)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ..tensor import Tensor
from .optimizer import Optimizer, check_numbers


class RMSprop(Optimizer):
    """RMSprop: Adagrad with a forgetting average ``v = alpha*v + (1-alpha)*g^2``.

    ``p -= lr * g / (sqrt(v) + eps)``; ``centered`` subtracts the squared mean gradient from
    ``v``, ``momentum`` accumulates the scaled steps. State: ``step``, ``square_avg`` (and
    ``momentum_buffer``, ``grad_avg``).
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0, momentum: float = 0,
                 centered: bool = False, maximize: bool = False) -> None:
        check_numbers(type(self).__name__, lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                      momentum=momentum)
        for name, v in (("alpha", alpha), ("eps", eps), ("weight_decay", weight_decay),
                        ("momentum", momentum)):
            if v < 0.0:
                raise ValueError(f"RMSprop: invalid {name} value {v}")
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered, maximize=maximize))

    def _update(self, p: Tensor, grad: np.ndarray, state: dict, group: dict) -> None:
        alpha, momentum = group["alpha"], group["momentum"]
        if not state:
            state["step"] = 0
            state["square_avg"] = np.zeros_like(p._data)
            if momentum > 0:
                state["momentum_buffer"] = np.zeros_like(p._data)
            if group["centered"]:
                state["grad_avg"] = np.zeros_like(p._data)
        state["step"] += 1
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * p._data
        sq = state["square_avg"]
        sq *= alpha
        sq += (1 - alpha) * grad * grad
        if group["centered"]:
            ga = state["grad_avg"]
            ga += (1 - alpha) * (grad - ga)
            avg = np.sqrt(sq - ga * ga)
        else:
            avg = np.sqrt(sq)
        avg += group["eps"]
        if momentum > 0:
            buf = state["momentum_buffer"]
            buf *= momentum
            buf += grad / avg
            p._data -= group["lr"] * buf
        else:
            p._data -= group["lr"] * (grad / avg)
