"""NAdam, as ``torch.optim.NAdam``: Adam with Nesterov momentum (the step looks ahead along
the momentum), the usual choice where Adam's first steps overshoot; ``decoupled_weight_decay``
makes it NAdamW."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ..dtypes import get_default_dtype
from ..tensor import Tensor
from .adam import decayed, hyperparameters, next_step, update_moments
from .optimizer import Optimizer, check_adam_family, refuse_unsupported


class NAdam(Optimizer):
    """NAdam: Adam whose step mixes the current gradient into the momentum term.

    ``mu_t = b1 * (1 - 0.5 * 0.96^(t*momentum_decay))``; ``m`` and ``v`` as in Adam; then
    ``p -= lr * ((1-mu_t) g / (1 - prod mu_1..t) + mu_{t+1} m / (1 - prod mu_1..t+1))
    / (sqrt(v / (1-b2^t)) + eps)``. ``weight_decay`` adds ``wd * p`` to ``g``, or with
    ``decoupled_weight_decay`` scales ``p`` by ``1 - lr*wd`` (NAdamW). State per parameter:
    ``step``, ``mu_product`` (a number), ``exp_avg``, ``exp_avg_sq`` (PyTorch's names).
    ``foreach`` is accepted and ignored; ``capturable`` and ``differentiable`` must be False.
    """

    def __init__(self, params: Iterable[Any], lr: float = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        check_adam_family("NAdam", lr, betas, eps, weight_decay, momentum_decay=momentum_decay)
        refuse_unsupported("NAdam", capturable, differentiable)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, momentum_decay=momentum_decay,
                                      decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize))

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """As ``Optimizer.load_state_dict``; a ``mu_product`` saved as a 0-d array or Tensor
        (PyTorch keeps it so) becomes the number minigrad keeps."""
        state = {}
        for idx, s in state_dict["state"].items():
            mu = s.get("mu_product")
            if isinstance(mu, (Tensor, np.ndarray)):
                s = {**s, "mu_product": float(mu.item())}
            state[idx] = s
        super().load_state_dict({**state_dict, "state": state})

    def _update(self, p: Tensor, grad: np.ndarray, state: dict, group: dict) -> None:
        lr, wd, eps, beta1, beta2 = hyperparameters(group)
        psi = float(group["momentum_decay"])
        state.setdefault("step", 0)
        state.setdefault("mu_product", 1.0)
        step = next_step(state, p, "exp_avg", "exp_avg_sq")
        bias_correction2 = 1 - beta2**step
        grad = decayed(p, grad, lr, wd, group["decoupled_weight_decay"])
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * psi))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * psi))
        # PyTorch keeps the product in a 0-d tensor of its default float dtype (float32
        # unless changed), so it rounds to that dtype at every step
        scalar = get_default_dtype().type
        mu_product = float(scalar(state["mu_product"]) * scalar(mu))
        state["mu_product"] = mu_product
        m, v = state["exp_avg"], state["exp_avg_sq"]
        tmp = update_moments(grad, m, v, beta1, beta2)
        denom = np.empty_like(v)
        np.divide(v, bias_correction2, out=denom)
        np.sqrt(denom, out=denom)
        denom += eps
        # p.addcdiv_(g, denom, value=...) then p.addcdiv_(m, denom, value=...): (value*x)/denom
        np.multiply(grad, -lr * (1.0 - mu) / (1.0 - mu_product), out=tmp)
        tmp /= denom
        p._data += tmp
        np.multiply(m, (-lr * mu_next) / (1.0 - mu_product * mu_next), out=tmp)
        tmp /= denom
        p._data += tmp
