"""``nn.utils.parametrizations``: weight normalisation, spectral normalisation and
orthogonal weights as parametrizations (``nn.utils.parametrize``), PyTorch's current form.

``weight_norm(layer)`` keeps ``weight`` as ``g * v / ||v||``: the state dict holds
``parametrizations.weight.original0`` (g) and ``original1`` (v), as PyTorch's, and a checkpoint
of the old form (``weight_g``/``weight_v``) loads into it. ``spectral_norm(layer)`` divides
``weight`` by its largest singular value, estimated by power iteration (one step per forward
in training mode) with the vectors ``_u`` and ``_v`` kept as buffers. ``orthogonal(layer)``
keeps ``weight`` orthogonal through the matrix exponential, the Cayley map or Householder
reflections of an unconstrained matrix, as PyTorch's.
"""

from __future__ import annotations

from enum import Enum, auto
from typing import Any

import numpy as np

from ...functional.numeric import normalize
from ...rng import get_rng
from ...tensor import Tensor
from ..conv import ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from ..module import Module
from . import parametrize

__all__ = ["orthogonal", "spectral_norm", "weight_norm"]


def _norm_except_dim(v: Tensor, dim: int) -> Tensor:
    """PyTorch's ``norm_except_dim(v, 2, dim)``: the 2-norm over every dim but ``dim``,
    kept in ``v``'s shape (``dim=-1``: the norm of the whole tensor, 0-d)."""
    if dim == -1:
        return (v * v).sum().sqrt()
    keep = dim % v.ndim
    axes = tuple(i for i in range(v.ndim) if i != keep)
    return (v * v).sum(dim=axes, keepdim=True).sqrt() if axes else v.abs()


class _WeightNorm(Module):
    """``weight = g * v / ||v||`` with the norm over every dim but ``dim``."""

    def __init__(self, dim: int | None = 0) -> None:
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g: Tensor, weight_v: Tensor) -> Tensor:
        return weight_v * (weight_g / _norm_except_dim(weight_v, self.dim))

    def right_inverse(self, weight: Tensor) -> tuple[Tensor, Tensor]:
        return _norm_except_dim(weight, self.dim), weight


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """Reparametrize ``module.<name>`` as a magnitude ``g`` (``original0``) and a direction
    ``v`` (``original1``), Salimans & Kingma (2016); ``dim=None`` normalises the whole
    tensor. Returns ``module``."""
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)

    def _weight_norm_compat_hook(module: Module, state_dict: dict, prefix: str, *_: Any) -> None:
        """A checkpoint of ``nn.utils.weight_norm`` (``weight_g``, ``weight_v``) loads too."""
        g_key, v_key = f"{prefix}{name}_g", f"{prefix}{name}_v"
        if g_key in state_dict and v_key in state_dict:
            state_dict[f"{prefix}parametrizations.{name}.original0"] = state_dict.pop(g_key)
            state_dict[f"{prefix}parametrizations.{name}.original1"] = state_dict.pop(v_key)

    module.register_load_state_dict_pre_hook(_weight_norm_compat_hook)
    return module


def _normalized(x: np.ndarray, eps: float) -> np.ndarray:
    """``F.normalize(x, dim=0, eps=eps)`` of a vector, in numpy."""
    return x / max(float(np.linalg.norm(x)), eps)


class _SpectralNorm(Module):
    """``weight / sigma``, ``sigma`` the largest singular value of ``weight`` seen as a
    matrix (``dim`` first), from the power iteration's ``u^T W v``."""

    def __init__(self, weight: Tensor, n_power_iterations: int = 1, dim: int = 0,
                 eps: float = 1e-12) -> None:
        super().__init__()
        ndim = weight.ndim
        if dim >= ndim or dim < -ndim:
            raise IndexError(f"spectral_norm: Dimension out of range (expected to be in range "
                             f"of [-{ndim}, {ndim - 1}] but got {dim})")
        if n_power_iterations <= 0:
            raise ValueError("spectral_norm: Expected n_power_iterations to be positive, but "
                             f"got n_power_iterations={n_power_iterations}")
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:  # a vector is normalised exactly
            self.n_power_iterations = n_power_iterations
            weight_mat = self._reshape_weight_to_matrix(weight)
            h, w = weight_mat.shape
            rng = get_rng()
            self.register_buffer("_u", Tensor(_normalized(rng.standard_normal(h), eps)
                                              .astype(weight.dtype)))
            self.register_buffer("_v", Tensor(_normalized(rng.standard_normal(w), eps)
                                              .astype(weight.dtype)))
            self._power_method(weight_mat, 15)

    def _reshape_weight_to_matrix(self, weight: Tensor) -> Tensor:
        if self.dim != 0:
            weight = weight.permute(self.dim, *(d for d in range(weight.ndim) if d != self.dim))
        return weight.reshape(weight.shape[0], -1)

    def _power_method(self, weight_mat: Tensor, n_power_iterations: int) -> None:
        """Move ``_u`` and ``_v`` towards the first singular vectors, in place, unrecorded."""
        w = weight_mat._data
        for _ in range(n_power_iterations):
            self._u._data[...] = _normalized(w @ self._v._data, self.eps)
            self._v._data[...] = _normalized(w.conj().T @ self._u._data, self.eps)
        self._u._bump_version()
        self._v._bump_version()

    def forward(self, weight: Tensor) -> Tensor:
        if weight.ndim == 1:
            return normalize(weight, dim=0, eps=self.eps)
        weight_mat = self._reshape_weight_to_matrix(weight)
        if self.training:
            self._power_method(weight_mat, self.n_power_iterations)
        u, v = self._u.clone(), self._v.clone()
        sigma = (u * weight_mat.mv(v)).sum()
        return weight / sigma

    def right_inverse(self, value: Tensor) -> Tensor:
        return value


def spectral_norm(module: Module, name: str = "weight", n_power_iterations: int = 1,
                  eps: float = 1e-12, dim: int | None = None) -> Module:
    """Divide ``module.<name>`` by its spectral norm on every access (Miyato et al., 2018):
    GAN discriminators' Lipschitz constraint. ``dim`` defaults to 1 for transposed
    convolutions, else 0. Returns ``module``."""
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"spectral_norm: Module '{module}' has no parameter or buffer with "
                         f"name '{name}'")
    if dim is None:
        dim = 1 if isinstance(module, (ConvTranspose1d, ConvTranspose2d, ConvTranspose3d)) else 0
    parametrize.register_parametrization(
        module, name, _SpectralNorm(weight, n_power_iterations, dim, eps))
    return module


class _OrthMaps(Enum):
    matrix_exp = auto()
    cayley = auto()
    householder = auto()


def _householder_product(a: Tensor, tau: Tensor) -> Tensor:
    """``torch.linalg.householder_product``: the first ``k`` columns of ``H_0 ... H_{k-1}``,
    ``H_i = I - tau_i v_i v_i^T`` with ``v_i`` column ``i`` of ``a`` below the diagonal and
    a 1 on it; composed of Tensor ops, so differentiable (twice)."""
    n, k = a.shape[-2], a.shape[-1]
    below = Tensor(np.tril(np.ones((n, k), a.dtype), -1))
    unit = Tensor(np.eye(n, k, dtype=a.dtype))
    vs = a * below + unit
    q = unit.expand(*a.shape)
    for i in reversed(range(k)):
        v = vs[..., :, i:i + 1]
        q = q - tau[..., i:i + 1].unsqueeze(-1) * (v @ (v.mT @ q))
    return q


def _make_orthogonal(a: np.ndarray) -> np.ndarray:
    """The Q of ``a = QR`` (``a`` tall) with ``diag(R) >= 0``, as PyTorch's helper."""
    q, r = np.linalg.qr(a)
    return q * np.sign(np.diagonal(r, axis1=-2, axis2=-1))[..., None, :]


def _is_orthogonal(q: np.ndarray) -> bool:
    n, k = q.shape[-2], q.shape[-1]
    eps = 10.0 * n * np.finfo(q.dtype).eps
    return bool(np.allclose(np.swapaxes(q, -1, -2).conj() @ q, np.eye(k), atol=eps))


class _Orthogonal(Module):
    """An orthogonal (semi-orthogonal, when not square) matrix from an unconstrained one:
    the exponential or Cayley map of a skew-symmetric matrix, or a product of Householder
    reflections; with ``use_trivialization`` the result is ``base @ Q``, ``base`` (a
    buffer) the orthogonal matrix last assigned."""

    def __init__(self, weight: Tensor, orthogonal_map: _OrthMaps, *,
                 use_trivialization: bool = True) -> None:
        super().__init__()
        if np.iscomplexobj(weight._data) and orthogonal_map == _OrthMaps.householder:
            raise ValueError("orthogonal: The householder parametrization does not support "
                             "complex tensors.")
        self.shape = weight.shape
        self.orthogonal_map = orthogonal_map
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, x: Tensor) -> Tensor:
        n, k = x.shape[-2], x.shape[-1]
        transposed = n < k
        if transposed:
            x, n, k = x.mT, k, n
        if self.orthogonal_map == _OrthMaps.householder:
            a = x.tril(-1)
            tau = 2.0 / (1.0 + (a * a).sum(dim=-2))
            q = _householder_product(a, tau)
            q = q * x.diagonal(dim1=-2, dim2=-1).detach().to(np.int32).to(q.dtype).unsqueeze(-2)
        else:
            q = self._skew_map(x.tril(), n, k)
        if hasattr(self, "base"):
            q = self.base @ q
        return q.mT if transposed else q

    def _skew_map(self, x: Tensor, n: int, k: int) -> Tensor:
        from ... import linalg

        if n != k:  # embedded into a square matrix
            x = _cat_zeros(x, n, k)
        a = x - x.mH
        if self.orthogonal_map == _OrthMaps.matrix_exp:
            q = linalg.matrix_exp(a)
        else:
            eye = Tensor(np.eye(n, dtype=a.dtype))
            q = linalg.solve(eye - 0.5 * a, eye + 0.5 * a)
        return q[..., :k] if n != k else q

    def right_inverse(self, q: Tensor) -> Tensor:
        """The unconstrained matrix whose image is ``q`` (made orthogonal first)."""
        if q.shape != self.shape:
            raise ValueError(f"orthogonal: Expected a matrix or batch of matrices of shape "
                             f"{self.shape}. Got a tensor of shape {q.shape}.")
        arr = q._data
        n, k = arr.shape[-2], arr.shape[-1]
        transpose = n < k
        if transpose:
            arr, n, k = np.swapaxes(arr, -1, -2), k, n
        if not hasattr(self, "base"):
            return Tensor(self._householder_inverse(arr, transpose))
        if n == k:
            base = arr.copy() if _is_orthogonal(arr) else _make_orthogonal(arr)
        else:  # completed to a full n x n orthogonal matrix
            extra = get_rng().standard_normal((*arr.shape[:-2], n, n - k)).astype(arr.dtype)
            base = _make_orthogonal(np.concatenate([arr, extra], axis=-1))
        self.base = Tensor(base.astype(arr.dtype))
        neg_id = np.zeros(q.shape, q.dtype)
        idx = np.arange(k)
        neg_id[..., idx, idx] = -1.0
        return Tensor(neg_id)

    def _householder_inverse(self, arr: np.ndarray, transpose: bool) -> np.ndarray:
        if self.orthogonal_map != _OrthMaps.householder:
            raise NotImplementedError("It is not possible to assign to the matrix exponential "
                                      "or the Cayley parametrizations when "
                                      "use_trivialization=False.")
        h, tau = np.linalg.qr(arr, mode="raw")  # geqrf, transposed (LAPACK's order)
        a = np.swapaxes(h, -1, -2).copy()
        idx = np.arange(a.shape[-1])
        a[..., idx, idx] = np.sign(a[..., idx, idx]) * np.where(tau == 0.0, -1.0, 1.0)
        return np.swapaxes(a, -1, -2) if transpose else a


def _cat_zeros(x: Tensor, n: int, k: int) -> Tensor:
    from ...functional.shape import cat

    zeros = Tensor(np.zeros((*x.shape[:-2], n, n - k), x.dtype))
    return cat([x, zeros], dim=-1)


def orthogonal(module: Module, name: str = "weight", orthogonal_map: str | None = None, *,
               use_trivialization: bool = True) -> Module:
    """Keep ``module.<name>`` orthogonal (semi-orthogonal when not square): ``"matrix_exp"``
    (the default for square weights), ``"cayley"`` or ``"householder"`` (the default for
    others). Returns ``module``."""
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"orthogonal: Module '{module}' has no parameter or buffer with name "
                         f"'{name}'")
    if weight.ndim < 2:
        raise ValueError(f"orthogonal: Expected a matrix or batch of matrices. Got a tensor of "
                         f"{weight.ndim} dimensions.")
    if orthogonal_map is None:
        square = weight.shape[-2] == weight.shape[-1] or np.iscomplexobj(weight._data)
        orthogonal_map = "matrix_exp" if square else "householder"
    orth_enum = getattr(_OrthMaps, orthogonal_map, None)
    if orth_enum is None:
        raise ValueError('orthogonal: orthogonal_map has to be one of "matrix_exp", "cayley", '
                         f'"householder". Got: {orthogonal_map}')
    orth = _Orthogonal(weight, orth_enum, use_trivialization=use_trivialization)
    parametrize.register_parametrization(module, name, orth, unsafe=True)
    return module
