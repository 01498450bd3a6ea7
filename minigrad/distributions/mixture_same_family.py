"""``MixtureSameFamily(mixture, components)``: a ``Categorical`` picks one of K components
of one family (the rightmost batch dim of ``components``); the log density is a logsumexp
over the components, as in mixture-density networks."""

from __future__ import annotations

from typing import Any

from ..autograd import no_grad
from ..tensor import Size, Tensor
from . import constraints
from .categorical import Categorical
from .distribution import Distribution

__all__ = ["MixtureSameFamily"]


class _MixtureSameFamilyConstraint(constraints.Constraint):
    """The components' support, asked of every component (PyTorch's
    ``MixtureSameFamilyConstraint``)."""

    def __init__(self, base_constraint: constraints.Constraint) -> None:
        self.base_constraint = base_constraint

    @property
    def is_discrete(self) -> bool:  # type: ignore[override]
        """The components'."""
        return self.base_constraint.is_discrete

    @property
    def event_dim(self) -> int:  # type: ignore[override]
        """The components'."""
        return self.base_constraint.event_dim

    def check(self, value: Any) -> Tensor:
        """The components' check with a component dim added, all-reduced over it."""
        result = self.base_constraint.check(value.unsqueeze(-1 - self.event_dim))
        keep = value.ndim - self.event_dim
        return result.reshape(*result.shape[:keep], -1).all(-1)

    def __repr__(self) -> str:
        return f"MixtureSameFamilyConstraint({self.base_constraint!r})"


def _check_shapes(mixture: Any, component: Any) -> None:
    if not isinstance(mixture, Categorical):
        raise ValueError("MixtureSameFamily: The Mixture distribution needs to be an instance "
                         "of torch.distributions.Categorical")
    if not isinstance(component, Distribution):
        raise ValueError("MixtureSameFamily: The Component distribution needs to be an "
                         "instance of torch.distributions.Distribution")
    mdbs, cdbs = mixture.batch_shape, component.batch_shape[:-1]
    for size1, size2 in zip(reversed(mdbs), reversed(cdbs)):
        if size1 != 1 and size2 != 1 and size1 != size2:
            raise ValueError(f"MixtureSameFamily: `mixture_distribution.batch_shape` ({mdbs}) "
                             f"is not compatible with `component_distribution.batch_shape`"
                             f"({cdbs})")
    km, kc = mixture.logits.shape[-1], component.batch_shape[-1]
    if km != kc:
        raise ValueError(f"MixtureSameFamily: `mixture_distribution component` ({km}) does not "
                         f"equal `component_distribution.batch_shape[-1]` ({kc})")


class MixtureSameFamily(Distribution):
    """A mixture of K distributions of one family: ``mixture_distribution`` (a
    ``Categorical`` over K) weighs ``component_distribution`` (batch shape ``(..., K)``)."""

    arg_constraints: dict[str, constraints.Constraint] = {}
    has_rsample = False

    def __init__(self, mixture_distribution: Categorical,
                 component_distribution: Distribution,
                 validate_args: bool | None = None) -> None:
        _check_shapes(mixture_distribution, component_distribution)
        self._mixture_distribution = mixture_distribution
        self._component_distribution = component_distribution
        self._num_component = mixture_distribution.logits.shape[-1]
        event_shape = component_distribution.event_shape
        self._event_ndims = len(event_shape)
        super().__init__(component_distribution.batch_shape[:-1], event_shape,
                         validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> MixtureSameFamily:
        """The mixture with its batch expanded to ``batch_shape``."""
        batch_shape = Size(batch_shape)
        new = self._get_checked_instance(MixtureSameFamily, _instance)
        new._component_distribution = self._component_distribution.expand(
            (*batch_shape, self._num_component))
        new._mixture_distribution = self._mixture_distribution.expand(batch_shape)
        new._num_component, new._event_ndims = self._num_component, self._event_ndims
        Distribution.__init__(new, batch_shape, new._component_distribution.event_shape,
                              validate_args=False)
        new._validate_args = self._validate_args
        return new

    @constraints.dependent_property
    def support(self) -> constraints.Constraint:
        """The components' support."""
        return _MixtureSameFamilyConstraint(self._component_distribution.support)

    @property
    def mixture_distribution(self) -> Categorical:
        """The ``Categorical`` over the components."""
        return self._mixture_distribution

    @property
    def component_distribution(self) -> Distribution:
        """The K components (the rightmost batch dim)."""
        return self._component_distribution

    @property
    def mean(self) -> Tensor:
        """The weighted mean of the components' means."""
        probs = self._pad_mixture_dimensions(self.mixture_distribution.probs)
        return (probs * self.component_distribution.mean).sum(-1 - self._event_ndims)

    @property
    def variance(self) -> Tensor:
        """The law of total variance: mean of the variances plus variance of the means."""
        probs = self._pad_mixture_dimensions(self.mixture_distribution.probs)
        dim = -1 - self._event_ndims
        mean_cond_var = (probs * self.component_distribution.variance).sum(dim)
        diff = self.component_distribution.mean - self._pad(self.mean)
        return mean_cond_var + (probs * diff.pow(2.0)).sum(dim)

    def cdf(self, x: Tensor) -> Tensor:
        """The weighted sum of the components' cdfs."""
        cdf_x = self.component_distribution.cdf(self._pad(x))
        return (cdf_x * self.mixture_distribution.probs).sum(-1)

    def log_prob(self, x: Tensor) -> Tensor:
        """``logsumexp_k(log p_k(x) + log w_k)``."""
        if self._validate_args:
            self._validate_sample(x)
        log_prob_x = self.component_distribution.log_prob(self._pad(x))
        log_mix_prob = self.mixture_distribution.logits.log_softmax(-1)
        return (log_prob_x + log_mix_prob).logsumexp(-1)

    def sample(self, sample_shape: Any = Size()) -> Tensor:  # noqa: B008
        """A component index per draw, then that component's draw (no history)."""
        sample_shape = Size(sample_shape)
        with no_grad():
            gather_dim = len(sample_shape) + len(self.batch_shape)
            es = tuple(self.event_shape)
            mix_sample = self.mixture_distribution.sample(sample_shape)
            comp_samples = self.component_distribution.sample(sample_shape)
            index = mix_sample.reshape(*mix_sample.shape, *([1] * (len(es) + 1)))
            index = index.expand(*mix_sample.shape, 1, *es)
            return comp_samples.gather(gather_dim, index).squeeze(gather_dim)

    def _pad(self, x: Tensor) -> Tensor:
        return x.unsqueeze(-1 - self._event_ndims)

    def _pad_mixture_dimensions(self, x: Tensor) -> Tensor:
        dist_batch_ndims = len(self.batch_shape)
        cat_batch_ndims = len(self.mixture_distribution.batch_shape)
        pad_ndims = 0 if cat_batch_ndims == 1 else dist_batch_ndims - cat_batch_ndims
        xs = tuple(x.shape)
        return x.reshape(*xs[:-1], *([1] * pad_ndims), *xs[-1:], *([1] * self._event_ndims))

    def __repr__(self) -> str:
        return (f"MixtureSameFamily(\n  {self.mixture_distribution},\n  "
                f"{self.component_distribution})")
