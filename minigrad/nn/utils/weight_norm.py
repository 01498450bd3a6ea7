"""``nn.utils.weight_norm``: the older form of weight normalisation, kept for the model code
and checkpoints that use it (PyTorch deprecates it for ``parametrizations.weight_norm``).

``weight`` stops being a parameter: ``weight_g`` (the magnitude) and ``weight_v`` (the
direction) are, and a forward pre-hook recomputes ``weight = g * v / ||v||`` before each call.
"""

from __future__ import annotations

import warnings
from typing import Any

from ...tensor import Tensor
from ..module import Module
from ..parameter import Parameter, UninitializedParameter
from .parametrizations import _norm_except_dim

__all__ = ["WeightNorm", "remove_weight_norm", "weight_norm"]


class WeightNorm:
    """The forward pre-hook that recomputes ``module.<name>`` from ``<name>_g`` and
    ``<name>_v`` (PyTorch's class of the same name)."""

    def __init__(self, name: str, dim: int | None) -> None:
        self.name = name
        self.dim = -1 if dim is None else dim

    def compute_weight(self, module: Module) -> Tensor:
        """``g * v / ||v||`` from the module's ``<name>_g`` and ``<name>_v``."""
        g = getattr(module, self.name + "_g")
        v = getattr(module, self.name + "_v")
        return v * (g / _norm_except_dim(v, self.dim))

    @staticmethod
    def apply(module: Module, name: str, dim: int | None) -> WeightNorm:
        warnings.warn("torch.nn.utils.weight_norm is deprecated in favor of "
                      "torch.nn.utils.parametrizations.weight_norm.", FutureWarning,
                      stacklevel=3)
        if any(isinstance(h, WeightNorm) and h.name == name for h in _pre_hooks(module)):
            raise RuntimeError(f"weight_norm: Cannot register two weight_norm hooks on the "
                               f"same parameter {name}")
        fn = WeightNorm(name, dim)
        weight = getattr(module, name)
        if isinstance(weight, UninitializedParameter):
            raise ValueError("weight_norm: The module passed to `WeightNorm` can't have "
                             "uninitialized parameters. Make sure to run the dummy forward "
                             "before applying weight normalization")
        del module._parameters[name]
        module.register_parameter(name + "_g",
                                  Parameter(_norm_except_dim(weight, fn.dim).detach()))
        module.register_parameter(name + "_v", Parameter(weight.detach()))
        setattr(module, name, fn.compute_weight(module))
        module.register_forward_pre_hook(fn)
        return fn

    def remove(self, module: Module) -> None:
        """Put the recombined weight back as a plain parameter."""
        weight = self.compute_weight(module)
        delattr(module, self.name)
        del module._parameters[self.name + "_g"]
        del module._parameters[self.name + "_v"]
        setattr(module, self.name, Parameter(weight.detach()))

    def __call__(self, module: Module, inputs: Any) -> None:
        """The forward pre-hook: the weight recomputed from ``g`` and ``v``."""
        setattr(module, self.name, self.compute_weight(module))


def _pre_hooks(module: Module) -> list:
    return [h for h, _ in module.__dict__.get("_forward_pre_hooks", {}).values()]


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """Split ``module.<name>`` into ``<name>_g`` and ``<name>_v`` parameters (Salimans &
    Kingma, 2016), recombined before each forward; ``dim=None``: one norm for the whole
    tensor. Returns ``module``."""
    WeightNorm.apply(module, name, dim)
    return module


def remove_weight_norm(module: Module, name: str = "weight") -> Module:
    """Make ``module.<name>`` a plain parameter again, holding ``g * v / ||v||``."""
    hooks = module.__dict__.get("_forward_pre_hooks", {})
    for key, (hook, _) in list(hooks.items()):
        if isinstance(hook, WeightNorm) and hook.name == name:
            hook.remove(module)
            del hooks[key]
            return module
    raise ValueError(f"remove_weight_norm: weight_norm of '{name}' not found in {module}")
