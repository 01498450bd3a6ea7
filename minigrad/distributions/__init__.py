"""``torch.distributions``: probability distributions with PyTorch's classes and shapes,
``rsample``'s reparameterised gradients, ``log_prob``/``entropy``/``cdf`` written in
differentiable Tensor ops, and ``kl_divergence``.

Draws come from minigrad's one generator (``minigrad.manual_seed``); for the same seed they
differ from PyTorch's, while every density, moment and divergence agrees with PyTorch's.
"""

from __future__ import annotations

from . import constraints
from .bernoulli import Bernoulli
from .beta import Beta
from .categorical import Categorical, OneHotCategorical
from .dirichlet import Dirichlet
from .distribution import Distribution
from .exponential import Exponential
from .gamma import Gamma
from .independent import Independent
from .kl import kl_divergence, register_kl
from .laplace import Laplace
from .multivariate_normal import MultivariateNormal
from .normal import Normal
from .uniform import Uniform

__all__ = ["Bernoulli", "Beta", "Categorical", "Dirichlet", "Distribution", "Exponential",
           "Gamma", "Independent", "Laplace",
           "MultivariateNormal", "Normal", "OneHotCategorical", "Uniform", "constraints",
           "kl_divergence", "register_kl"]
