"""``Optimizer``: parameter groups, per-parameter state, and a state dict to resume from.

Subclasses write ``_update(p, grad, state, group)`` on numpy arrays, in place on ``p._data``
(so a model's parameters stay the same objects) and in the parameter's dtype.
"""

from __future__ import annotations

import copy
import numbers
import warnings
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ..autograd import enable_grad, no_grad
from ..functional.autograd import zero_grads
from ..tensor import Tensor


class _Required:
    def __repr__(self) -> str:
        return "<required parameter>"


required = _Required()


def as_array(value: Any) -> np.ndarray:
    """``value`` as an array: numpy arithmetic on 0-d arrays returns scalars, and an update
    written in place (``buf *= momentum``) on a scalar would only rebind a local name, so the
    optimizers pass every intermediate through here to update 0-d parameters' state too."""
    return value if isinstance(value, np.ndarray) else np.asarray(value)


def check_numbers(optimizer: str, **values: Any) -> None:
    """TypeError unless every hyperparameter is a real number (PyTorch refuses ``lr="a"``
    and ``lr=None`` with a TypeError too, though a less readable one)."""
    for key, v in values.items():
        for item in v if isinstance(v, (tuple, list)) else [v]:
            if isinstance(item, Tensor) and item.numel() == 1:
                continue
            if isinstance(item, bool) or not isinstance(item, numbers.Real):
                raise TypeError(f"{optimizer}: {key} must be a number, got "
                                f"{type(item).__name__} {item!r}")


def check_adam_family(name: str, lr: Any, betas: Any, eps: Any, weight_decay: Any,
                      **more: Any) -> None:
    """PyTorch's checks of an Adam-like optimizer's hyperparameters: a TypeError unless each
    is a number, a ValueError naming the optimizer, the argument and its value unless ``lr``,
    ``eps``, ``weight_decay`` (and ``more``) are >= 0 and each beta is in [0, 1)."""
    check_numbers(name, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, **more)
    if not 0.0 <= lr:
        raise ValueError(f"{name}: invalid learning rate lr={lr} (must be >= 0)")
    if not 0.0 <= eps:
        raise ValueError(f"{name}: invalid eps value {eps} (must be >= 0)")
    for i in (0, 1):
        if not 0.0 <= betas[i] < 1.0:
            raise ValueError(f"{name}: invalid betas[{i}] value {betas[i]} (must be in [0, 1))")
    for key, v in (("weight_decay", weight_decay), *more.items()):
        if not 0.0 <= v:
            raise ValueError(f"{name}: invalid {key} value {v} (must be >= 0)")


def refuse_unsupported(name: str, capturable: bool, differentiable: bool) -> None:
    """``capturable`` (CUDA graphs) and ``differentiable`` (autograd through the step) have
    no meaning for a step written in numpy: True is refused rather than silently ignored
    (``foreach``, a speed choice with the same result, is accepted and ignored)."""
    if capturable:
        raise NotImplementedError(f"{name}: capturable=True is for CUDA graphs; minigrad runs "
                                  "on numpy, leave it False")
    if differentiable:
        raise NotImplementedError(f"{name}: differentiable=True is not supported, the step is "
                                  "computed outside autograd; leave it False")


def _loaded_state(saved: dict[str, Any], idx: Any, p: Tensor) -> dict[str, Any]:
    """One parameter's saved state, copied: arrays in ``p``'s dtype and shape (a 0-d
    ``step`` becomes a number), anything else deep-copied."""
    entry = {}
    for k, v in saved.items():
        if not isinstance(v, (Tensor, np.ndarray)):
            entry[k] = copy.deepcopy(v)
            continue
        arr = v._data if isinstance(v, Tensor) else v
        if arr.ndim == 0 and k == "step":
            entry[k] = arr.item()
        elif arr.shape != p.shape:
            raise ValueError(f"loaded state '{k}' of parameter {idx} has shape "
                             f"{arr.shape}, the parameter {p.shape}")
        else:
            entry[k] = np.array(arr, dtype=p.dtype)
    return entry


class Optimizer:
    """Base class: ``params`` is an iterable of Tensors, or of dicts (parameter groups) with
    a ``'params'`` list and their own hyperparameters (e.g. a different ``lr``)."""

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        # keyed by the parameter itself, as in PyTorch (``opt.state[p]``): a Tensor hashes by
        # identity, and a dict compares keys by identity before it would call the elementwise ==
        self.state: dict[Tensor, dict[str, Any]] = {}
        self.param_groups: list[dict[str, Any]] = []
        if isinstance(params, Tensor):
            raise TypeError(f"{type(self).__name__}: params should be an iterable of Tensors "
                            "or dicts, got a single Tensor (wrap it in a list)")
        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__} got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for g in groups:
            self.add_param_group(g)

    def add_param_group(self, group: dict[str, Any]) -> None:
        """Add parameters with their own hyperparameters (missing ones take the defaults)."""
        if not isinstance(group, dict):
            raise TypeError(f"param group must be a dict, got {type(group).__name__}")
        group = self._with_defaults({**group, "params": self._group_params(group["params"])})
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in group["params"]):
            raise ValueError("some parameters appear in more than one parameter group")
        self._check_group(group)
        self.param_groups.append(group)

    def _group_params(self, params: Any) -> list[Tensor]:
        """A group's ``'params'`` (a Tensor or an iterable of them) as a list of leaf
        Tensors, each once."""
        params = [params] if isinstance(params, Tensor) else list(params)
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"{type(self).__name__} can only optimize Tensors, got "
                                f"{type(p).__name__}")
            if not p.is_leaf:
                raise ValueError(f"{type(self).__name__}: can't optimize a non-leaf Tensor")
        unique = list({id(p): p for p in params}.values())
        if len(unique) != len(params):
            warnings.warn(f"{type(self).__name__}: optimizer contains a parameter group with "
                          "duplicate parameters; each is kept once (minigrad de-duplicates, "
                          "so it is updated once per step)", UserWarning, stacklevel=4)
        return unique

    def _with_defaults(self, group: dict[str, Any]) -> dict[str, Any]:
        """``group`` with the defaults for the hyperparameters it does not set; a required
        one (an SGD without ``lr``) must be set."""
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError(f"parameter group didn't specify a value of required "
                                 f"optimization parameter {name}")
            group.setdefault(name, default)
        return group

    def _check_group(self, group: dict[str, Any]) -> None:
        """Refuse hyperparameters that are not numbers (``lr="a"``, ``lr=None``) with a
        TypeError, and negative ones with a ValueError, naming the optimizer and value."""
        name = type(self).__name__
        check_numbers(name, **{k: v for k, v in group.items() if k in self.defaults
                               and not isinstance(self.defaults[k], bool)})
        if group["lr"] < 0.0:
            raise ValueError(f"{name}: invalid learning rate {group['lr']} (must be >= 0)")

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the gradients of every parameter (to None by default, else zeroed in place,
        as in PyTorch)."""
        zero_grads((p for group in self.param_groups for p in group["params"]), set_to_none)

    @no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter that has a gradient."""
        loss = None
        if closure is not None:  # re-evaluates the loss (with gradients) before the update
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad = p.grad._data
                if grad.shape != p.shape:
                    raise RuntimeError(
                        f"{type(self).__name__}.step: the gradient of a parameter of shape "
                        f"{p.shape} has shape {grad.shape}; a .grad must have its "
                        "parameter's shape"
                    )
                if grad.dtype != p.dtype:
                    grad = grad.astype(p.dtype)
                if group.get("maximize", False):
                    grad = as_array(-grad)
                self._update(p, grad, self.state.setdefault(p, {}), group)
                p._bump_version()  # in place: a graph that saved p is now stale
        return loss

    def _update(self, p: Tensor, grad: np.ndarray, state: dict, group: dict) -> None:
        raise NotImplementedError

    # ------------------------------------------------------------------ state
    def state_dict(self) -> dict[str, Any]:
        """PyTorch's layout: ``{'state': {index: {...}}, 'param_groups': [{..., 'params':
        [index, ...]}]}``, parameters numbered across groups in order. Arrays are copied
        into Tensors, so ``minigrad.save`` can write it."""
        index: dict[int, int] = {}
        groups = []
        for g in self.param_groups:
            ids = []
            for p in g["params"]:
                index.setdefault(id(p), len(index))
                ids.append(index[id(p)])
            groups.append({**{k: v for k, v in g.items() if k != "params"}, "params": ids})
        state = {}
        for p, s in self.state.items():
            if id(p) in index and s:
                state[index[id(p)]] = {
                    k: Tensor(v.copy()) if isinstance(v, np.ndarray) else v for k, v in s.items()
                }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore hyperparameters and per-parameter state (copied, in each parameter's
        dtype), so training continues exactly where ``state_dict()`` was taken."""
        groups = state_dict["param_groups"]
        params = self._params_by_index(groups)
        state: dict[Tensor, dict[str, Any]] = {}
        for idx, s in state_dict["state"].items():
            p = params.get(int(idx))
            if p is not None:
                state[p] = _loaded_state(s, idx, p)
        for saved, own in zip(groups, self.param_groups):
            for k, v in saved.items():
                if k != "params":
                    own[k] = tuple(v) if isinstance(own.get(k), tuple) else copy.deepcopy(v)
        self.state = state

    def _params_by_index(self, groups: list[dict[str, Any]]) -> dict[int, Tensor]:
        """The parameter each index of a saved state dict stands for; the saved groups must
        have the sizes of this optimizer's."""
        if len(groups) != len(self.param_groups):
            raise ValueError(f"loaded state dict has {len(groups)} parameter groups, the "
                             f"optimizer has {len(self.param_groups)}")
        params = {}
        for i, (saved, own) in enumerate(zip(groups, self.param_groups)):
            if len(saved["params"]) != len(own["params"]):
                raise ValueError(f"loaded state dict's parameter group {i} has "
                                 f"{len(saved['params'])} parameters, the optimizer's has "
                                 f"{len(own['params'])}")
            for idx, p in zip(saved["params"], own["params"]):
                params[int(idx)] = p
        return params

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, g in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(g.items()) if k != "params"]
        return "\n".join(lines) + "\n)"
