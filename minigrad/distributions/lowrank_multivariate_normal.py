"""``LowRankMultivariateNormal(loc, cov_factor, cov_diag)``: the Gaussian with covariance
``W W^T + diag(D)``, ``W`` of rank ``m``; densities through the ``m x m`` capacitance matrix
``I + W^T D^-1 W`` (Woodbury and the matrix determinant lemma), as PyTorch's."""

from __future__ import annotations

import math
from typing import Any

from ..creation import eye
from ..functional.stacking import broadcast_tensors
from ..linalg import cholesky, solve_triangular
from ..tensor import Size, Tensor
from . import constraints
from .distribution import Distribution
from .multivariate_normal import _batch_mahalanobis
from .utils import lazy_property, standard_normal

__all__ = ["LowRankMultivariateNormal"]


def _batch_capacitance_tril(W: Tensor, D: Tensor) -> Tensor:  # noqa: N803  (PyTorch's names)
    """The Cholesky factor of ``I + W^T D^-1 W``."""
    m = W.shape[-1]
    K = (W.transpose(-2, -1) / D.unsqueeze(-2)) @ W
    return cholesky(K + eye(m, dtype=K.dtype))


def _batch_lowrank_logdet(W: Tensor, D: Tensor, capacitance_tril: Tensor) -> Tensor:  # noqa: N803
    """``log det(W W^T + D)`` by the matrix determinant lemma."""
    return 2 * capacitance_tril.diagonal(0, -2, -1).log().sum(-1) + D.log().sum(-1)


def _batch_lowrank_mahalanobis(W: Tensor, D: Tensor, x: Tensor,  # noqa: N803
                               capacitance_tril: Tensor) -> Tensor:
    """``x^T (W W^T + D)^-1 x`` by the Woodbury identity."""
    wt_dinv_x = ((W.transpose(-2, -1) / D.unsqueeze(-2)) @ x.unsqueeze(-1)).squeeze(-1)
    return (x.pow(2) / D).sum(-1) - _batch_mahalanobis(capacitance_tril, wt_dinv_x)


def _check_shapes(loc: Any, cov_factor: Any, cov_diag: Any) -> None:
    if not isinstance(loc, Tensor) or loc.ndim < 1:
        raise ValueError("LowRankMultivariateNormal: loc must be at least one-dimensional.")
    n = loc.shape[-1]
    if cov_factor.ndim < 2:
        raise ValueError("LowRankMultivariateNormal: cov_factor must be at least "
                         "two-dimensional, with optional leading batch dimensions")
    if cov_factor.shape[-2] != n:
        raise ValueError(f"LowRankMultivariateNormal: cov_factor must be a batch of matrices "
                         f"with shape {n} x m")
    if tuple(cov_diag.shape[-1:]) != (n,):
        raise ValueError(f"LowRankMultivariateNormal: cov_diag must be a batch of vectors "
                         f"with shape {Size((n,))}")


class LowRankMultivariateNormal(Distribution):
    """The multivariate normal with mean ``loc`` and covariance
    ``cov_factor @ cov_factor.mT + diag(cov_diag)``."""

    arg_constraints = {"loc": constraints.real_vector,
                       "cov_factor": constraints.independent(constraints.real, 2),
                       "cov_diag": constraints.independent(constraints.positive, 1)}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc: Tensor, cov_factor: Tensor, cov_diag: Tensor,
                 validate_args: bool | None = None) -> None:
        _check_shapes(loc, cov_factor, cov_diag)
        try:
            loc_, self.cov_factor, cov_diag_ = broadcast_tensors(
                loc.unsqueeze(-1), cov_factor, cov_diag.unsqueeze(-1))
        except (RuntimeError, ValueError) as error:
            raise ValueError(f"LowRankMultivariateNormal: Incompatible batch shapes: loc "
                             f"{loc.size()}, cov_factor {cov_factor.size()}, cov_diag "
                             f"{cov_diag.size()}") from error
        self.loc, self.cov_diag = loc_[..., 0], cov_diag_[..., 0]
        self._unbroadcasted_cov_factor = cov_factor
        self._unbroadcasted_cov_diag = cov_diag
        self._capacitance_tril = _batch_capacitance_tril(cov_factor, cov_diag)
        super().__init__(self.loc.shape[:-1], loc.shape[-1:], validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> LowRankMultivariateNormal:
        """The distribution with its parameters expanded to ``batch_shape``."""
        new = self._get_checked_instance(LowRankMultivariateNormal, _instance)
        loc_shape = (*Size(batch_shape), *self.event_shape)
        new.loc, new.cov_diag = self.loc.expand(loc_shape), self.cov_diag.expand(loc_shape)
        new.cov_factor = self.cov_factor.expand((*loc_shape, self.cov_factor.shape[-1]))
        new._unbroadcasted_cov_factor = self._unbroadcasted_cov_factor
        new._unbroadcasted_cov_diag = self._unbroadcasted_cov_diag
        new._capacitance_tril = self._capacitance_tril
        Distribution.__init__(new, Size(batch_shape), self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self) -> Tensor:
        """``loc``."""
        return self.loc

    @property
    def mode(self) -> Tensor:
        """``loc``."""
        return self.loc

    @lazy_property
    def variance(self) -> Tensor:  # type: ignore[override]
        """The covariance's diagonal: ``sum(W^2, -1) + D``."""
        var = self._unbroadcasted_cov_factor.pow(2).sum(-1) + self._unbroadcasted_cov_diag
        return var.expand((*self._batch_shape, *self._event_shape))

    def _matrix_shape(self) -> tuple:
        n = self._event_shape[0]
        return (*self._batch_shape, n, n)

    @lazy_property
    def scale_tril(self) -> Tensor:
        """The covariance's lower Cholesky factor, as ``sqrt(D) chol(I + D^-1/2 W W^T
        D^-1/2)``."""
        n = self._event_shape[0]
        d_sqrt = self._unbroadcasted_cov_diag.sqrt().unsqueeze(-1)
        dinvsqrt_w = self._unbroadcasted_cov_factor / d_sqrt
        K = dinvsqrt_w @ dinvsqrt_w.transpose(-2, -1) + eye(n, dtype=d_sqrt.dtype)
        return (d_sqrt * cholesky(K)).expand(self._matrix_shape())

    @lazy_property
    def covariance_matrix(self) -> Tensor:
        """``W W^T + diag(D)``."""
        W = self._unbroadcasted_cov_factor
        cov = W @ W.transpose(-2, -1) + self._unbroadcasted_cov_diag.diag_embed()
        return cov.expand(self._matrix_shape())

    @lazy_property
    def precision_matrix(self) -> Tensor:
        """``D^-1 - D^-1 W C^-1 W^T D^-1`` (Woodbury), ``C`` the capacitance."""
        wt_dinv = (self._unbroadcasted_cov_factor.transpose(-2, -1)
                   / self._unbroadcasted_cov_diag.unsqueeze(-2))
        A = solve_triangular(self._capacitance_tril, wt_dinv, upper=False)
        precision = (self._unbroadcasted_cov_diag.reciprocal().diag_embed()
                     - A.transpose(-2, -1) @ A)
        return precision.expand(self._matrix_shape())

    def rsample(self, sample_shape: Any = Size()) -> Tensor:  # noqa: B008
        """``loc + W eps_W + sqrt(D) eps_D`` with standard normal ``eps``."""
        shape = tuple(self._extended_shape(sample_shape))
        eps_w = standard_normal((*shape[:-1], self.cov_factor.shape[-1]), self.loc.dtype)
        eps_d = standard_normal(shape, self.loc.dtype)
        w_eps = (self._unbroadcasted_cov_factor @ eps_w.unsqueeze(-1)).squeeze(-1)
        return self.loc + w_eps + self._unbroadcasted_cov_diag.sqrt() * eps_d

    def _log_det(self) -> Tensor:
        return _batch_lowrank_logdet(self._unbroadcasted_cov_factor,
                                     self._unbroadcasted_cov_diag, self._capacitance_tril)

    def log_prob(self, value: Tensor) -> Tensor:
        """``-(k log(2 pi) + log det + mahalanobis) / 2``."""
        if self._validate_args:
            self._validate_sample(value)
        M = _batch_lowrank_mahalanobis(self._unbroadcasted_cov_factor,
                                       self._unbroadcasted_cov_diag, value - self.loc,
                                       self._capacitance_tril)
        return -0.5 * (self._event_shape[0] * math.log(2 * math.pi) + self._log_det() + M)

    def entropy(self) -> Tensor:
        """``(k (1 + log(2 pi)) + log det) / 2``."""
        H = 0.5 * (self._event_shape[0] * (1.0 + math.log(2 * math.pi)) + self._log_det())
        return H if len(self._batch_shape) == 0 else H.expand(self._batch_shape)
