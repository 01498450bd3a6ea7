"""``nn.utils.spectral_norm``: the older form of spectral normalisation (a forward pre-hook),
kept for the GAN code and checkpoints that use it.

``weight`` becomes ``weight_orig`` (the parameter) with buffers ``weight_u`` and ``weight_v``
(the power iteration's vectors); before each call ``weight = weight_orig / sigma``, one power
iteration stepping first in training mode only, as PyTorch's.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...autograd import no_grad
from ...rng import get_rng
from ...tensor import Tensor
from ..conv import ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from ..module import Module
from ..parameter import Parameter, UninitializedParameter
from .parametrizations import _normalized

__all__ = ["SpectralNorm", "remove_spectral_norm", "spectral_norm"]


class SpectralNorm:
    """The forward pre-hook that sets ``module.<name>`` to ``<name>_orig / sigma``
    (PyTorch's class of the same name)."""

    _version = 1  # the metadata key "spectral_norm" holds "<name>.version": 1

    def __init__(self, name: str = "weight", n_power_iterations: int = 1, dim: int = 0,
                 eps: float = 1e-12) -> None:
        if n_power_iterations <= 0:
            raise ValueError("spectral_norm: Expected n_power_iterations to be positive, but "
                             f"got n_power_iterations={n_power_iterations}")
        self.name, self.dim = name, dim
        self.n_power_iterations, self.eps = n_power_iterations, eps

    def reshape_weight_to_matrix(self, weight: Tensor) -> Tensor:
        """``weight`` as a matrix: ``dim`` first, the other dims flattened."""
        if self.dim != 0:
            weight = weight.permute(self.dim, *(d for d in range(weight.ndim) if d != self.dim))
        return weight.reshape(weight.shape[0], -1)

    def compute_weight(self, module: Module, do_power_iteration: bool) -> Tensor:
        """``<name>_orig / sigma``, after the power iteration's steps if asked for."""
        weight = getattr(module, self.name + "_orig")
        u = getattr(module, self.name + "_u")
        v = getattr(module, self.name + "_v")
        weight_mat = self.reshape_weight_to_matrix(weight)
        if do_power_iteration:
            w = weight_mat._data
            for _ in range(self.n_power_iterations):
                v._data[...] = _normalized(w.T @ u._data, self.eps)
                u._data[...] = _normalized(w @ v._data, self.eps)
            u._bump_version()
            v._bump_version()
            u, v = u.clone(), v.clone()
        sigma = (u * weight_mat.mv(v)).sum()
        return weight / sigma

    def remove(self, module: Module) -> None:
        """Put the normalised weight back as a plain parameter."""
        with no_grad():
            weight = self.compute_weight(module, do_power_iteration=False)
        for suffix in ("", "_u", "_v", "_orig"):
            delattr(module, self.name + suffix)
        module.register_parameter(self.name, Parameter(weight.detach()))

    def __call__(self, module: Module, inputs: Any) -> None:
        """The forward pre-hook: the power iteration steps in training mode only."""
        setattr(module, self.name, self.compute_weight(module, module.training))

    @staticmethod
    def apply(module: Module, name: str, n_power_iterations: int, dim: int,
              eps: float) -> SpectralNorm:
        hooks = module.__dict__.get("_forward_pre_hooks", {})
        if any(isinstance(h, SpectralNorm) and h.name == name for h, _ in hooks.values()):
            raise RuntimeError(f"spectral_norm: Cannot register two spectral_norm hooks on "
                               f"the same parameter {name}")
        fn = SpectralNorm(name, n_power_iterations, dim, eps)
        weight = module._parameters.get(name)
        if weight is None:
            raise ValueError(f"spectral_norm: `SpectralNorm` cannot be applied as parameter "
                             f"`{name}` is None")
        if isinstance(weight, UninitializedParameter):
            raise ValueError("spectral_norm: The module passed to `SpectralNorm` can't have "
                             "uninitialized parameters. Make sure to run the dummy forward "
                             "before applying spectral normalization")
        h, w = fn.reshape_weight_to_matrix(weight).shape
        rng = get_rng()
        u = Tensor(_normalized(rng.standard_normal(h).astype(weight.dtype), eps))
        v = Tensor(_normalized(rng.standard_normal(w).astype(weight.dtype), eps))
        delattr(module, fn.name)
        module.register_parameter(fn.name + "_orig", weight)
        setattr(module, fn.name, weight.detach())  # a plain attribute, as PyTorch's
        module.register_buffer(fn.name + "_u", u)
        module.register_buffer(fn.name + "_v", v)
        module.register_forward_pre_hook(fn)
        module.register_state_dict_post_hook(_StateDictHook(fn))
        module.register_load_state_dict_pre_hook(_LoadStateDictPreHook(fn))
        return fn


class _StateDictHook:
    """Notes the format's version in the module's metadata, as PyTorch's."""

    def __init__(self, fn: SpectralNorm) -> None:
        self.fn = fn

    def __call__(self, module: Module, state_dict: dict, prefix: str,
                 local_metadata: dict) -> None:
        versions = local_metadata.setdefault("spectral_norm", {})
        key = self.fn.name + ".version"
        if key in versions:
            raise RuntimeError(f"Unexpected key in metadata['spectral_norm']: {key}")
        versions[key] = self.fn._version


class _LoadStateDictPreHook:
    """A checkpoint from before version 1 (``weight``, ``weight_orig``, ``weight_u``, no
    ``weight_v``) gets its ``weight_v`` solved for, as PyTorch converts it."""

    def __init__(self, fn: SpectralNorm) -> None:
        self.fn = fn

    def __call__(self, module: Module, state_dict: dict, prefix: str, local_metadata: dict,
                 strict: bool, missing_keys: list, unexpected_keys: list,
                 error_msgs: list) -> None:
        fn = self.fn
        version = local_metadata.get("spectral_norm", {}).get(fn.name + ".version")
        weight_key = prefix + fn.name
        if not _older_layout(version, state_dict, weight_key):
            return
        missing = [weight_key + s for s in ("_orig", "", "_u") if weight_key + s not in state_dict]
        if missing:
            if strict:
                missing_keys.extend(missing)
            return
        state_dict[weight_key + "_v"] = _solve_v(fn, state_dict, weight_key)


def _older_layout(version: int | None, state_dict: dict, weight_key: str) -> bool:
    """Whether the checkpoint predates version 1 (a current layout without metadata, from
    a hand-made or converted dict, does not)."""
    if version is not None:
        return version < 1
    return weight_key in state_dict or not all(
        weight_key + s in state_dict for s in ("_orig", "_u", "_v"))


def _solve_v(fn: SpectralNorm, state_dict: dict, weight_key: str) -> np.ndarray:
    """PyTorch's ``_solve_v_and_rescale``: the ``v`` with ``u^T W v`` the saved sigma."""
    weight_orig = _array(state_dict[weight_key + "_orig"])
    weight = _array(state_dict.pop(weight_key))
    sigma = (weight_orig / weight).mean()
    w = fn.reshape_weight_to_matrix(Tensor(weight_orig))._data
    u = _array(state_dict[weight_key + "_u"])
    v = np.linalg.pinv(w.T @ w) @ w.T @ u
    return (v * (sigma / (u @ (w @ v)))).astype(weight_orig.dtype)


def _array(value: Any) -> np.ndarray:
    return value._data if isinstance(value, Tensor) else np.asarray(value)


def spectral_norm(module: Module, name: str = "weight", n_power_iterations: int = 1,
                  eps: float = 1e-12, dim: int | None = None) -> Module:
    """Divide ``module.<name>`` by its spectral norm before each forward (Miyato et al.,
    2018); ``dim`` defaults to 1 for transposed convolutions, else 0. Returns ``module``."""
    if dim is None:
        dim = 1 if isinstance(module, (ConvTranspose1d, ConvTranspose2d, ConvTranspose3d)) else 0
    SpectralNorm.apply(module, name, n_power_iterations, dim, eps)
    return module


def remove_spectral_norm(module: Module, name: str = "weight") -> Module:
    """Make ``module.<name>`` a plain parameter again, holding ``weight_orig / sigma``."""
    hooks = module.__dict__.get("_forward_pre_hooks", {})
    for key, (hook, _) in list(hooks.items()):
        if isinstance(hook, SpectralNorm) and hook.name == name:
            hook.remove(module)
            del hooks[key]
            break
    else:
        raise ValueError(f"remove_spectral_norm: spectral_norm of '{name}' not found in "
                         f"{module}")
    for store in ("_state_dict_hooks", "_load_state_dict_pre_hooks"):
        hooks = module.__dict__.get(store, {})
        for key, (hook, _) in list(hooks.items()):
            if isinstance(hook, (_StateDictHook, _LoadStateDictPreHook)) and hook.fn.name == name:
                del hooks[key]
    return module
