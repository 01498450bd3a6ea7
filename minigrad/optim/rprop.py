"""Rprop, as ``torch.optim.Rprop``: each weight moves by a step size of its own, in the
direction of its gradient's sign; the step grows while the sign holds and shrinks when it
flips. Made for full-batch training (the gradient's size is ignored)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ..tensor import Tensor
from ._scalar_state import check_group_numbers, load_with_scalars, scalar
from .optimizer import Optimizer, check_numbers, refuse_unsupported


class Rprop(Optimizer):
    """Resilient backpropagation.

    Where ``g * prev > 0`` the step size is multiplied by ``etaplus``, where ``< 0`` by
    ``etaminus`` (and that gradient counts as 0 this step), then clamped to ``step_sizes``;
    ``p -= sign(g) * step_size``. State per parameter, PyTorch's names: ``step`` (0-d),
    ``prev``, ``step_size``. ``foreach`` is accepted and ignored; ``capturable`` and
    ``differentiable`` must be False.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2,
                 etas: tuple[float, float] = (0.5, 1.2),
                 step_sizes: tuple[float, float] = (1e-6, 50), *, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        check_numbers("Rprop", lr=lr, etas=etas, step_sizes=step_sizes)
        if not 0.0 <= lr:
            raise ValueError(f"Rprop: invalid learning rate: {lr} (must be >= 0)")
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Rprop: invalid eta values: {etas[0]}, {etas[1]} (need "
                             "0 < etaminus < 1 < etaplus)")
        refuse_unsupported("Rprop", capturable, differentiable)
        super().__init__(params, dict(lr=lr, etas=tuple(etas), step_sizes=tuple(step_sizes),
                                      foreach=foreach, maximize=maximize,
                                      differentiable=differentiable, capturable=capturable))

    def _check_group(self, group: dict[str, Any]) -> None:
        check_group_numbers(self, group)

    def _update(self, p: Tensor, grad: np.ndarray, state: dict, group: dict) -> None:
        if not state:
            state.update(step=scalar(0), prev=np.zeros_like(p._data),
                         step_size=np.full_like(p._data, float(group["lr"])))
        etaminus, etaplus = map(float, group["etas"])
        lo, hi = map(float, group["step_sizes"])
        state["step"] += 1
        sign = np.sign(np.multiply(grad, state["prev"], dtype=p.dtype))
        factor = np.where(sign > 0, etaplus, np.where(sign < 0, etaminus, 1.0)).astype(p.dtype)
        step_size = state["step_size"]
        step_size *= factor
        np.clip(step_size, lo, hi, out=step_size)
        grad = np.array(grad, dtype=p.dtype)
        grad[factor == p.dtype.type(etaminus)] = 0
        p._data -= np.sign(grad) * step_size
        state["prev"][...] = grad

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """As the base's, keeping ``step`` 0-d, as PyTorch's."""
        load_with_scalars(self, state_dict, ("step",))
