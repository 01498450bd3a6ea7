"""Stochastic Weight Averaging and EMA, as ``torch.optim.swa_utils``: ``AveragedModel``
keeps a running average of a model's weights, ``SWALR`` anneals the learning rate to a
constant for the averaging phase, ``update_bn`` recomputes batch-norm statistics for the
averaged weights with one pass over the data."""

from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ..autograd import no_grad
from ..nn.module import Module
from ..nn.normalization import _BatchNorm
from ..tensor import Tensor
from .lr_scheduler import LRScheduler
from .optimizer import Optimizer

__all__ = ["SWALR", "AveragedModel", "get_ema_avg_fn", "get_ema_multi_avg_fn",
           "get_swa_avg_fn", "get_swa_multi_avg_fn", "update_bn"]

def _lerp_(start: Tensor, end: Tensor, weight: float) -> None:
    """``start.lerp_(end, weight)`` in place with PyTorch's formula (its two branches)."""
    a, b = start._data, np.asarray(end._data, dtype=start.dtype)
    if weight < 0.5:
        a += weight * (b - a)
    else:
        a[...] = b - (b - a) * (1 - weight)
    start._bump_version()


def _set(t: Tensor, value: Any) -> None:
    """``t.copy_(value)`` on the data (a float average into an integer buffer truncates,
    as PyTorch's copy does)."""
    arr = value._data if isinstance(value, Tensor) else np.asarray(value)
    t._data[...] = np.trunc(arr) if t.dtype.kind in "iub" and arr.dtype.kind == "f" else arr
    t._bump_version()


def _is_float(t: Tensor) -> bool:
    return t.dtype.kind in "fc"


def _count(num_averaged: Tensor | int) -> int:
    return int(num_averaged.item() if isinstance(num_averaged, Tensor) else num_averaged)


def get_ema_multi_avg_fn(decay: float = 0.999) -> Callable[..., None]:
    """An in-place exponential moving average of lists of tensors:
    ``ema = decay * ema + (1 - decay) * current`` (PyTorch's lerp for floating tensors)."""
    if decay < 0.0 or decay > 1.0:
        raise ValueError(f"get_ema_multi_avg_fn: invalid decay value {decay} provided. "
                         "Please provide a value in [0,1] range.")

    def ema_update(ema_param_list: Any, current_param_list: Any, _: Any) -> None:
        for p_ema, p_model in zip(ema_param_list, current_param_list):
            if _is_float(ema_param_list[0]):
                _lerp_(p_ema, p_model, 1 - decay)
            else:
                _set(p_ema, p_ema._data * decay + p_model._data * (1 - decay))

    return ema_update


def get_swa_multi_avg_fn() -> Callable[..., None]:
    """An in-place equal-weight running average of lists of tensors:
    ``avg += (current - avg) / (n + 1)``."""

    def swa_update(averaged_param_list: Any, current_param_list: Any,
                   num_averaged: Tensor | int) -> None:
        n = _count(num_averaged)
        for p_avg, p_model in zip(averaged_param_list, current_param_list):
            if _is_float(averaged_param_list[0]):
                # PyTorch's weight is 1 / (n + 1) computed as a float32 tensor for a tensor n
                weight = (float(np.float32(1) / np.float32(n + 1))
                          if isinstance(num_averaged, Tensor) else 1 / (n + 1))
                _lerp_(p_avg, p_model, weight)
            else:  # PyTorch's addcdiv/add refuse integer tensors with a fractional weight
                raise RuntimeError("get_swa_multi_avg_fn: integer tensors (e.g. a batch "
                                   "norm's num_batches_tracked with use_buffers=True) can't "
                                   "be averaged in place; PyTorch refuses them too")

    return swa_update


def get_ema_avg_fn(decay: float = 0.999) -> Callable[..., Tensor]:
    """``(ema, current, n) -> decay * ema + (1 - decay) * current``."""
    if decay < 0.0 or decay > 1.0:
        raise ValueError(f"get_ema_avg_fn: invalid decay value {decay} provided. "
                         "Please provide a value in [0,1] range.")

    def ema_update(ema_param: Tensor, current_param: Tensor, num_averaged: Any) -> Tensor:
        with no_grad():
            return decay * ema_param + (1 - decay) * current_param

    return ema_update


def get_swa_avg_fn() -> Callable[..., Tensor]:
    """``(avg, current, n) -> avg + (current - avg) / (n + 1)``."""

    def swa_update(averaged_param: Tensor, current_param: Tensor,
                   num_averaged: Tensor | int) -> Tensor:
        with no_grad():
            return averaged_param + (current_param - averaged_param) / (num_averaged + 1)

    return swa_update


class AveragedModel(Module):
    """A copy of ``model`` whose weights are a running average of ``model``'s, updated by
    ``update_parameters(model)``: equal weights (SWA) by default, or ``avg_fn`` (one tensor
    at a time, returning the new average) or ``multi_avg_fn`` (lists, in place), e.g.
    ``get_ema_multi_avg_fn(0.999)`` for an EMA. ``use_buffers=True`` averages the buffers
    too; otherwise they are copied from ``model``. ``n_averaged`` (an int64 buffer) counts
    the updates; the first copies ``model``'s weights."""

    def __init__(self, model: Module, device: Any = None,
                 avg_fn: Callable[[Tensor, Tensor, Tensor | int], Tensor] | None = None,
                 multi_avg_fn: Callable[[Any, Any, Tensor | int], None] | None = None,
                 use_buffers: bool = False) -> None:
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError("AveragedModel: only one of avg_fn and multi_avg_fn should "
                                 "be provided")
        self.module = copy.deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer("n_averaged", Tensor(np.array(0, dtype=np.int64)))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The averaged model's output."""
        return self.module(*args, **kwargs)

    def _pairs(self, model: Module) -> tuple[list[Tensor], list[Tensor]]:
        if self.use_buffers:
            mine = itertools.chain(self.module.parameters(), self.module.buffers())
            theirs = itertools.chain(model.parameters(), model.buffers())
        else:
            mine, theirs = self.parameters(), model.parameters()
        pairs = list(zip(mine, theirs))
        return [a.detach() for a, _ in pairs], [b.detach() for _, b in pairs]

    @no_grad()
    def update_parameters(self, model: Module) -> None:
        """Fold ``model``'s current weights into the average (copy them on the first call)."""
        averaged, current = self._pairs(model)
        n = self.n_averaged
        if _count(n) == 0:
            for a, c in zip(averaged, current):
                _set(a, c)
        elif self.avg_fn is not None:
            for a, c in zip(averaged, current):
                _set(a, self.avg_fn(a, c, n))
        else:
            for mine, theirs in _by_dtype(averaged, current):
                if self.multi_avg_fn is not None:
                    self.multi_avg_fn(mine, theirs, n)
                else:  # PyTorch's CPU path: get_swa_avg_fn, one tensor at a time
                    for a, c in zip(mine, theirs):
                        _set(a, get_swa_avg_fn()(a, c, n))
        if not self.use_buffers:
            for b_swa, b_model in zip(self.module.buffers(), model.buffers()):
                _set(b_swa, b_model.detach())
        self.n_averaged._data += 1
        self.n_averaged._bump_version()


def _by_dtype(averaged: list[Tensor],
              current: list[Tensor]) -> list[tuple[list[Tensor], list[Tensor]]]:
    """The pairs grouped by the averaged tensor's dtype, groups in order of first
    appearance (PyTorch groups by device and dtype before calling ``multi_avg_fn``)."""
    groups: dict[Any, tuple[list[Tensor], list[Tensor]]] = {}
    for a, c in zip(averaged, current):
        mine, theirs = groups.setdefault(a.dtype, ([], []))
        mine.append(a)
        theirs.append(c)
    return list(groups.values())


@no_grad()
def update_bn(loader: Iterable[Any], model: Module, device: Any = None) -> None:
    """One pass over ``loader`` in training mode to recompute every batch norm's running
    statistics as a plain average over the batches (momentum None), then each layer's
    momentum and the model's mode are put back. A batch that is a list or tuple gives its
    first element to the model."""
    momenta = {}
    for module in model.modules():
        if isinstance(module, _BatchNorm):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    for batch in loader:
        if isinstance(batch, (list, tuple)):
            batch = batch[0]
        if device is not None:
            batch = batch.to(device)
        model(batch)
    for module, momentum in momenta.items():
        module.momentum = momentum
    model.train(was_training)


class SWALR(LRScheduler):
    """Anneal each group's lr to ``swa_lr`` (one value, or one per group) over
    ``anneal_epochs`` epochs, by ``anneal_strategy`` ``'cos'`` or ``'linear'``, then keep it
    there: the schedule of the SWA phase."""

    def __init__(self, optimizer: Optimizer, swa_lr: float | list[float],
                 anneal_epochs: int = 10, anneal_strategy: str = "cos",
                 last_epoch: int = -1) -> None:
        groups = optimizer.param_groups
        if isinstance(swa_lr, (list, tuple)):
            if len(swa_lr) != len(groups):
                raise ValueError(f"SWALR: swa_lr must have the same length as "
                                 f"optimizer.param_groups. swa_lr has {len(swa_lr)} values, "
                                 f"param_groups has {len(groups)}.")
            swa_lrs = list(swa_lr)
        else:
            swa_lrs = [swa_lr] * len(groups)
        for lr, group in zip(swa_lrs, groups):
            group["swa_lr"] = lr
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"SWALR: anneal_strategy must be one of 'cos' or 'linear', "
                             f"instead got {anneal_strategy}")
        self._set_anneal_func(anneal_strategy)
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"SWALR: anneal_epochs must be equal or greater than 0, got "
                             f"{anneal_epochs}")
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _linear_anneal(t: float) -> float:
        return t

    @staticmethod
    def _cosine_anneal(t: float) -> float:
        return (1 - math.cos(math.pi * t)) / 2

    @staticmethod
    def _get_initial_lr(lr: float, swa_lr: float, alpha: float) -> float:
        if alpha == 1:
            return swa_lr
        return (lr - alpha * swa_lr) / (1 - alpha)

    def get_lr(self) -> list[float]:
        """PyTorch's arithmetic: recover the lr the anneal started from, step it once."""
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        prev_t = max(0, min(1, (step - 1) / max(1, self.anneal_epochs)))
        prev_alpha = self.anneal_func(prev_t)
        groups = self.optimizer.param_groups
        prev_lrs = [self._get_initial_lr(g["lr"], g["swa_lr"], prev_alpha) for g in groups]
        t = max(0, min(1, step / max(1, self.anneal_epochs)))
        alpha = self.anneal_func(t)
        return [g["swa_lr"] * alpha + lr * (1 - alpha) for g, lr in zip(groups, prev_lrs)]

    def _set_anneal_func(self, anneal_strategy: str) -> None:
        self._anneal_strategy = anneal_strategy
        self.anneal_func = (self._cosine_anneal if anneal_strategy == "cos"
                            else self._linear_anneal)

    def state_dict(self) -> dict[str, Any]:
        """Everything but the optimizer and the anneal function."""
        return {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "anneal_func")}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what ``state_dict()`` returned (the anneal function from its name)."""
        self.__dict__.update(state_dict)
        self._set_anneal_func(self._anneal_strategy)
