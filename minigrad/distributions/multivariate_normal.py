"""``MultivariateNormal(loc, covariance_matrix | precision_matrix | scale_tril)``: the
Gaussian over vectors, kept as its lower Cholesky factor ``L`` (``cov = L L^T``);
reparameterised as ``loc + L eps``."""

from __future__ import annotations

import math
from typing import Any

from ..creation import eye
from ..linalg import cholesky, solve_triangular
from ..tensor import Size, Tensor
from . import constraints
from .distribution import Distribution
from .utils import broadcast_shapes, lazy_property, standard_normal

__all__ = ["MultivariateNormal"]


def _batch_mahalanobis(bL: Tensor, bx: Tensor) -> Tensor:  # noqa: N803  (PyTorch's name)
    """``x^T (L L^T)^-1 x`` for each batch of ``x``: one triangular solve, squared norms."""
    n = bx.shape[-1]
    batch = broadcast_shapes(bL.shape[:-2], bx.shape[:-1])
    L = bL.expand((*batch, n, n))
    return solve_triangular(L, bx.expand((*batch, n)).unsqueeze(-1), upper=False).squeeze(
        -1).pow(2).sum(-1)


def _precision_to_scale_tril(P: Tensor) -> Tensor:  # noqa: N803
    """The lower Cholesky factor of ``P^-1``, without forming the inverse (PyTorch's way)."""
    Lf = cholesky(P.flip((-2, -1)))
    L_inv = Lf.flip((-2, -1)).transpose(-2, -1)
    Id = eye(P.shape[-1], dtype=P.dtype)
    return solve_triangular(L_inv, Id.expand(L_inv.shape), upper=False)


def _check_matrix(name: str, value: Tensor) -> None:
    if not isinstance(value, Tensor) or value.ndim < 2:
        raise ValueError(f"MultivariateNormal: {name} matrix must be at least two-dimensional, "
                         "with optional leading batch dimensions")


class MultivariateNormal(Distribution):
    """The multivariate normal with mean ``loc`` and one of ``covariance_matrix``,
    ``precision_matrix`` or ``scale_tril`` (the covariance's lower Cholesky factor)."""

    arg_constraints = {"loc": constraints.real_vector,
                       "covariance_matrix": constraints.positive_definite,
                       "precision_matrix": constraints.positive_definite,
                       "scale_tril": constraints.lower_cholesky}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc: Tensor, covariance_matrix: Tensor | None = None,
                 precision_matrix: Tensor | None = None, scale_tril: Tensor | None = None,
                 validate_args: bool | None = None) -> None:
        if not isinstance(loc, Tensor) or loc.ndim < 1:
            raise ValueError("MultivariateNormal: loc must be at least one-dimensional.")
        given = {"scale_tril": scale_tril, "covariance": covariance_matrix,
                 "precision": precision_matrix}
        given = {k: v for k, v in given.items() if v is not None}
        if len(given) != 1:
            raise ValueError("MultivariateNormal: Exactly one of covariance_matrix or "
                             "precision_matrix or scale_tril may be specified.")
        (name, matrix), = given.items()
        _check_matrix(name, matrix)
        batch_shape = broadcast_shapes(matrix.shape[:-2], loc.shape[:-1])
        full = matrix.expand((*batch_shape, -1, -1))
        setattr(self, {"covariance": "covariance_matrix",
                       "precision": "precision_matrix"}.get(name, name), full)
        self.loc = loc.expand((*batch_shape, -1))
        # validated before the factorisation, as PyTorch: a matrix that is not positive
        # definite is a ValueError naming the constraint, not the Cholesky's LinAlgError
        super().__init__(batch_shape, loc.shape[-1:], validate_args=validate_args)
        if name == "scale_tril":
            self._unbroadcasted_scale_tril = matrix
        elif name == "covariance":
            self._unbroadcasted_scale_tril = cholesky(matrix)
        else:
            self._unbroadcasted_scale_tril = _precision_to_scale_tril(matrix)

    def expand(self, batch_shape: Any, _instance: Any = None) -> MultivariateNormal:
        """The distribution with ``loc`` and the matrices expanded to ``batch_shape``."""
        new = self._get_checked_instance(MultivariateNormal, _instance)
        batch_shape = Size(batch_shape)
        loc_shape, cov_shape = (*batch_shape, *self.event_shape), (
            *batch_shape, *self.event_shape, *self.event_shape)
        new.loc = self.loc.expand(loc_shape)
        new._unbroadcasted_scale_tril = self._unbroadcasted_scale_tril
        for name in ("covariance_matrix", "scale_tril", "precision_matrix"):
            if name in self.__dict__:
                setattr(new, name, self.__dict__[name].expand(cov_shape))
        Distribution.__init__(new, batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @lazy_property
    def scale_tril(self) -> Tensor:
        """The lower Cholesky factor of the covariance."""
        n = self._event_shape[0]
        return self._unbroadcasted_scale_tril.expand((*self._batch_shape, n, n))

    @lazy_property
    def covariance_matrix(self) -> Tensor:
        """``L L^T``."""
        L = self._unbroadcasted_scale_tril
        n = self._event_shape[0]
        return (L @ L.transpose(-2, -1)).expand((*self._batch_shape, n, n))

    @lazy_property
    def precision_matrix(self) -> Tensor:
        """``(L L^T)^-1``, by two triangular solves."""
        L = self._unbroadcasted_scale_tril
        n = self._event_shape[0]
        L_inv = solve_triangular(L, eye(n, dtype=L.dtype).expand(L.shape), upper=False)
        return (L_inv.transpose(-2, -1) @ L_inv).expand((*self._batch_shape, n, n))

    @property
    def mean(self) -> Tensor:
        """``loc``."""
        return self.loc

    @property
    def mode(self) -> Tensor:
        """``loc``."""
        return self.loc

    @property
    def variance(self) -> Tensor:
        """The covariance's diagonal."""
        var = self._unbroadcasted_scale_tril.pow(2).sum(-1)
        return var.expand((*self._batch_shape, *self._event_shape))

    def rsample(self, sample_shape: Any = Size()) -> Tensor:  # noqa: B008
        """``loc + L eps`` with ``eps`` standard normal vectors."""
        eps = standard_normal(self._extended_shape(sample_shape), self.loc.dtype)
        return self.loc + (self._unbroadcasted_scale_tril @ eps.unsqueeze(-1)).squeeze(-1)

    def _half_log_det(self) -> Tensor:
        return self._unbroadcasted_scale_tril.diagonal(0, -2, -1).log().sum(-1)

    def log_prob(self, value: Tensor) -> Tensor:
        """``-(k log(2 pi) + mahalanobis) / 2 - log det L``."""
        if self._validate_args:
            self._validate_sample(value)
        diff = value - self.loc
        M = _batch_mahalanobis(self._unbroadcasted_scale_tril, diff)
        return -0.5 * (self._event_shape[0] * math.log(2 * math.pi) + M) - self._half_log_det()

    def entropy(self) -> Tensor:
        """``k (1 + log(2 pi)) / 2 + log det L``."""
        H = 0.5 * self._event_shape[0] * (1.0 + math.log(2 * math.pi)) + self._half_log_det()
        return H if len(self._batch_shape) == 0 else H.expand(self._batch_shape)
