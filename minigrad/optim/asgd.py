"""ASGD, as ``torch.optim.ASGD``: SGD with a decaying step size that also keeps ``ax``, the
running (Polyak) average of the parameters from step ``t0`` on."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ..tensor import Tensor
from ._scalar_state import check_group_numbers, load_with_scalars, scalar
from .optimizer import Optimizer, check_numbers, refuse_unsupported


class ASGD(Optimizer):
    """Averaged SGD (Polyak and Juditsky).

    ``p *= 1 - lambd*eta``; ``p -= eta*g``; ``ax += mu*(p - ax)`` (``ax = p`` while
    ``mu == 1``); then ``eta = lr / (1 + lambd*lr*t)**alpha`` and ``mu = 1/max(1, t - t0)``.
    ``weight_decay`` adds ``wd * p`` to ``g``. State per parameter, PyTorch's names and
    types: ``step``, ``eta``, ``mu`` (0-d, float32 unless float64 is the default dtype, as
    PyTorch's) and ``ax``. The averaged weights are ``optimizer.state[p]['ax']``.
    ``foreach`` is accepted and ignored; ``capturable`` and ``differentiable`` must be False.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, lambd: float = 1e-4,
                 alpha: float = 0.75, t0: float = 1e6, weight_decay: float = 0,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False) -> None:
        check_numbers("ASGD", lr=lr, lambd=lambd, alpha=alpha, t0=t0,
                      weight_decay=weight_decay)
        if not 0.0 <= lr:
            raise ValueError(f"ASGD: invalid learning rate: {lr} (must be >= 0)")
        if not 0.0 <= weight_decay:
            raise ValueError(f"ASGD: invalid weight_decay value: {weight_decay} (must be >= 0)")
        refuse_unsupported("ASGD", capturable, differentiable)
        super().__init__(params, dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0,
                                      weight_decay=weight_decay, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable,
                                      capturable=capturable))

    def _check_group(self, group: dict[str, Any]) -> None:
        check_group_numbers(self, group)

    def _update(self, p: Tensor, grad: np.ndarray, state: dict, group: dict) -> None:
        lr, lambd, t0 = float(group["lr"]), float(group["lambd"]), float(group["t0"])
        if not state:
            state.update(step=scalar(0), eta=scalar(lr), mu=scalar(1),
                         ax=np.zeros_like(p._data))
        state["step"] += 1
        if group["weight_decay"] != 0:
            grad = np.asarray(grad + float(group["weight_decay"]) * p._data)
        eta = state["eta"].item()
        p._data *= 1 - lambd * eta  # the decay term
        p._data -= np.multiply(grad, eta, dtype=p.dtype)
        ax = state["ax"]
        if state["mu"].item() != 1:
            ax += (p._data - ax) * state["mu"]
        else:
            ax[...] = p._data
        step = state["step"].item()
        state["eta"][...] = lr / ((1 + lambd * lr * step) ** float(group["alpha"]))
        state["mu"][...] = 1 / max(1, step - t0)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """As the base's, keeping ``step``, ``eta`` and ``mu`` 0-d, as PyTorch's."""
        load_with_scalars(self, state_dict, ("step", "eta", "mu"))
