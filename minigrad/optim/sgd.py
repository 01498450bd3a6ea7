"""Stochastic gradient descent with momentum / Nesterov, as ``torch.optim.SGD``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ..kernels import optim as kernels
from ..tensor import Tensor
from .optimizer import Optimizer, as_array, check_numbers


class SGD(Optimizer):
    """``buf = momentum*buf + (1-dampening)*g`` (``buf = g`` on the first step);
    ``p -= lr * (g + momentum*buf if nesterov else buf)``; ``g`` includes weight decay."""

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, momentum: float = 0,
                 dampening: float = 0, weight_decay: float = 0, nesterov: bool = False,
                 maximize: bool = False) -> None:
        check_numbers(type(self).__name__, lr=lr, momentum=momentum, dampening=dampening,
                      weight_decay=weight_decay)
        if momentum < 0.0:
            raise ValueError(f"SGD: invalid momentum value {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"SGD: invalid weight_decay value {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov,
                                      maximize=maximize))

    def _update(self, p: Tensor, grad: np.ndarray, state: dict, group: dict) -> None:
        # Python floats, as PyTorch takes them: each scalar rounds to the parameter's dtype
        lr, momentum, dampening, wd = (float(group[k]) for k in
                                       ("lr", "momentum", "dampening", "weight_decay"))
        if wd:
            grad = as_array(grad + wd * p._data)
        if momentum:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = np.array(grad, copy=True)
            elif kernels.sgd_momentum(p._data, grad, buf, momentum, dampening, lr,
                                      group["nesterov"]):
                return  # the same arithmetic in one compiled pass (the fast extra)
            else:
                buf *= momentum
                buf += (1 - dampening) * grad
            grad = grad + momentum * buf if group["nesterov"] else buf
        p._data -= lr * grad
