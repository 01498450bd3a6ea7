"""minigrad.distributions against torch.distributions: log_prob, entropy, moments, cdf/icdf,
KL divergences and their gradients on the same parameters (float64 and float32); samples
(which come from minigrad's generator) by shape and moments; rsample's reparameterised
gradients by gradcheck with the generator's state fixed; PyTorch's ValueErrors."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pytest

import minigrad as mg
from minigrad import distributions as D

RNG = np.random.default_rng(0)


@dataclass
class Case:
    """A distribution built the same way in both libraries from numpy parameters."""

    name: str
    params: dict[str, np.ndarray]
    values: np.ndarray  # points in the support, broadcastable against the batch
    has_cdf: bool = False
    has_icdf: bool | None = None  # as has_cdf unless given
    sample_shape: tuple = (2000,)
    extra: dict = field(default_factory=dict)

    def build(self, lib: object, dtype: object, requires_grad: bool = False) -> tuple:
        tensors = {k: lib.tensor(v, dtype=dtype, requires_grad=requires_grad
                                 and np.asarray(v).dtype.kind == "f")
                   for k, v in self.params.items()}
        return getattr(lib.distributions, self.name)(**tensors, **self.extra), tensors


def _spd(n: int, batch: tuple = ()) -> np.ndarray:
    a = RNG.standard_normal((*batch, n, n))
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


CASES = [
    Case("Normal", {"loc": RNG.standard_normal((3, 2)), "scale": RNG.uniform(0.5, 2, (3, 2))},
         RNG.standard_normal((4, 3, 2)), has_cdf=True),
    Case("Uniform", {"low": np.array([-1.0, 0.5]), "high": np.array([2.0, 0.75])},
         np.array([[0.0, 0.6], [1.5, 0.7]]), has_cdf=True),
    Case("Exponential", {"rate": RNG.uniform(0.5, 3, (2, 3))}, RNG.uniform(0, 3, (5, 2, 3)),
         has_cdf=True),
    Case("Laplace", {"loc": RNG.standard_normal(3), "scale": RNG.uniform(0.5, 2, 3)},
         RNG.standard_normal((4, 3)) * 2, has_cdf=True),
    Case("Bernoulli", {"probs": np.array([0.1, 0.5, 0.93])}, np.array([[0.0, 1.0, 1.0],
                                                                         [1.0, 0.0, 0.0]])),
    Case("Bernoulli", {"logits": np.array([[-2.0, 0.0], [3.0, 0.5]])}, np.array([1.0, 0.0])),
    Case("Categorical", {"probs": RNG.uniform(0.1, 1, (3, 4))}, np.array([[0, 3, 2], [1, 1, 0]])),
    Case("Categorical", {"logits": RNG.standard_normal((2, 5))}, np.array([4, 0])),
    Case("OneHotCategorical", {"probs": RNG.uniform(0.1, 1, (2, 3))}, np.eye(3)[[[0, 2], [1, 1]]]),
    Case("MultivariateNormal", {"loc": RNG.standard_normal((2, 3)),
                                "covariance_matrix": _spd(3, (2,))},
         RNG.standard_normal((4, 2, 3))),
    Case("MultivariateNormal", {"loc": RNG.standard_normal(3), "scale_tril":
                                np.linalg.cholesky(_spd(3))}, RNG.standard_normal((5, 3))),
    Case("MultivariateNormal", {"loc": RNG.standard_normal(2), "precision_matrix": _spd(2)},
         RNG.standard_normal((3, 2))),
    Case("Gamma", {"concentration": np.array([0.5, 2.0, 7.5]), "rate": np.array([1.5, 0.7, 2.0])},
         RNG.uniform(0.1, 4, (4, 3)), has_cdf=True, has_icdf=False, sample_shape=(4000,)),
    Case("Beta", {"concentration1": np.array([[0.5, 2.0], [3.0, 1.2]]),
                  "concentration0": np.array([1.5, 0.7])}, RNG.uniform(0.05, 0.95, (3, 2, 2)),
         sample_shape=(4000,)),
    Case("Dirichlet", {"concentration": np.array([[0.5, 2.0, 1.0], [0.3, 0.4, 0.9]])},
         np.array([[0.2, 0.3, 0.5], [0.6, 0.1, 0.3]]), sample_shape=(4000,)),
]
IDS = [f"{c.name}-{'-'.join(c.params)}" for c in CASES]


def close(ours: mg.Tensor, theirs: object, rtol: float = 1e-7, atol: float = 1e-9) -> None:
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=rtol,
                               atol=atol, equal_nan=True)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_shapes_moments_and_densities_match_pytorch(torch, case: Case) -> None:
    ours, _ = case.build(mg, mg.float64)
    theirs, _ = case.build(torch, torch.float64)
    assert tuple(ours.batch_shape) == tuple(theirs.batch_shape)
    assert tuple(ours.event_shape) == tuple(theirs.event_shape)
    assert ours.has_rsample == theirs.has_rsample
    assert ours.has_enumerate_support == theirs.has_enumerate_support
    for prop in ("mean", "variance", "stddev", "mode"):
        close(getattr(ours, prop), getattr(theirs, prop))
    close(ours.entropy(), theirs.entropy())
    kind = "int64" if case.name == "Categorical" else "float64"
    value = mg.tensor(case.values, dtype=getattr(mg, kind))
    close(ours.log_prob(value), theirs.log_prob(torch.tensor(case.values,
                                                             dtype=getattr(torch, kind))))
    if case.has_cdf:
        close(ours.cdf(value), theirs.cdf(torch.tensor(case.values)))
    if case.has_cdf and case.has_icdf is not False:
        q = np.linspace(0.05, 0.95, ours.batch_shape[-1])
        close(ours.icdf(mg.tensor(q)), theirs.icdf(torch.tensor(q)))
    if ours.has_enumerate_support:
        close(ours.enumerate_support(), theirs.enumerate_support())
        close(ours.enumerate_support(expand=False), theirs.enumerate_support(expand=False))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_gradients_of_log_prob_and_entropy_match_pytorch(torch, case: Case) -> None:
    ours, ours_params = case.build(mg, mg.float64, requires_grad=True)
    theirs, their_params = case.build(torch, torch.float64, requires_grad=True)
    kind = "int64" if case.name == "Categorical" else "float64"
    loss = ours.log_prob(mg.tensor(case.values, dtype=getattr(mg, kind))).sum() + (
        ours.entropy() * 0.5).sum()
    their_loss = theirs.log_prob(torch.tensor(case.values, dtype=getattr(torch, kind))).sum() + (
        theirs.entropy() * 0.5).sum()
    loss.backward()
    their_loss.backward()
    for k in ours_params:
        if ours_params[k].requires_grad:
            close(ours_params[k].grad, their_params[k].grad, rtol=1e-6)


@pytest.mark.parametrize("case", CASES[:4] + CASES[9:10], ids=IDS[:4] + IDS[9:10])
def test_float32_matches_pytorch(torch, case: Case) -> None:
    ours, _ = case.build(mg, mg.float32)
    theirs, _ = case.build(torch, torch.float32)
    value = case.values.astype(np.float32)
    close(ours.log_prob(mg.tensor(value)), theirs.log_prob(torch.tensor(value)), rtol=1e-5,
          atol=1e-5)
    close(ours.entropy(), theirs.entropy(), rtol=1e-5, atol=1e-6)
    assert ours.sample((3,)).dtype == np.float32
    assert ours.rsample((3,)).dtype == np.float32


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_sample_shapes_and_moments(case: Case) -> None:
    mg.manual_seed(0)
    dist, _ = case.build(mg, mg.float64)
    batch_event = (*dist.batch_shape, *dist.event_shape)
    assert tuple(dist.sample().shape) == batch_event
    assert tuple(dist.sample((2, 3)).shape) == (2, 3, *batch_event)
    x = dist.sample(case.sample_shape)
    assert x.grad_fn is None
    assert bool(dist.support.check(x).all())
    if case.name == "Categorical":  # class frequencies against probs
        freq = np.stack([(x.numpy() == k).mean(0) for k in range(dist.probs.shape[-1])], -1)
        np.testing.assert_allclose(freq, dist.probs.numpy(), atol=0.05)
        return
    n = case.sample_shape[0]
    mean, std = dist.mean.numpy(), dist.stddev.numpy()
    np.testing.assert_allclose(x.numpy().mean(0), mean, atol=float(5 * std.max() / n ** 0.5))
    np.testing.assert_allclose(x.numpy().std(0), std, rtol=0.1, atol=0.02)


def _fixed_noise(fn: Callable) -> Callable:
    """``fn`` run from one generator state each time, so its draws are a function of the
    parameters alone (what gradcheck needs)."""
    mg.manual_seed(1)
    state = mg.get_rng_state()

    def wrapped(*args: mg.Tensor) -> mg.Tensor:
        mg.set_rng_state(state)
        return fn(*args)

    return wrapped


RSAMPLE = {
    "Normal": lambda a, b: D.Normal(a, b.abs() + 0.5).rsample((3,)),
    "Uniform": lambda a, b: D.Uniform(a, a + b.abs() + 0.5).rsample((3,)),
    "Exponential": lambda a, b: D.Exponential(b.abs() + 0.5).rsample((3,)) * a,
    "Laplace": lambda a, b: D.Laplace(a, b.abs() + 0.5).rsample((3,)),
    "Independent": lambda a, b: D.Independent(D.Normal(a, b.abs() + 0.5), 1).rsample((2,)),
    "MultivariateNormal": lambda a, b: D.MultivariateNormal(
        a, scale_tril=(b.abs() + 0.5).diag_embed()).rsample((2,)),
}


@pytest.mark.parametrize("name", list(RSAMPLE))
def test_rsample_gradients_by_gradcheck(name: str) -> None:
    a = mg.tensor(RNG.standard_normal(3), requires_grad=True)
    b = mg.tensor(RNG.standard_normal(3), requires_grad=True)
    fn = _fixed_noise(RSAMPLE[name])
    assert fn(a, b).grad_fn is not None
    assert mg.gradcheck(fn, (a, b))
    assert mg.gradgradcheck(fn, (a, b))


def test_standard_gamma_gradient_matches_pytorchs(torch) -> None:
    """The implicit reparameterisation gradient dx/da at the same (a, x) as PyTorch's
    ``_standard_gamma_grad`` (an approximation good to about 1e-4; ours to about 1e-9)."""
    from minigrad.distributions.gamma import _standard_gamma_grad

    a = np.array([0.05, 0.3, 1.0, 2.5, 10.0, 150.0])
    x = np.array([1e-3, 0.05, 0.7, 3.1, 8.0, 160.0])
    theirs = torch._standard_gamma_grad(torch.tensor(a), torch.tensor(x)).numpy()
    np.testing.assert_allclose(_standard_gamma_grad(a, x), theirs, rtol=2e-3)
    alpha = mg.tensor([0.7, 3.0], dtype=mg.float64, requires_grad=True)
    rate = mg.tensor([2.0, 0.5], dtype=mg.float64, requires_grad=True)
    draws = D.Gamma(alpha, rate).rsample((5,))
    draws.sum().backward()
    expected = _standard_gamma_grad(np.broadcast_to(alpha.detach().numpy(), (5, 2)),
                                    (draws.detach() * rate.detach()).numpy())
    np.testing.assert_allclose(alpha.grad.numpy(), expected.sum(0) / rate.detach().numpy())
    np.testing.assert_allclose(rate.grad.numpy(), -(draws.detach() / rate.detach()).numpy().sum(0))


def test_gamma_family_rsample_gradients_are_unbiased() -> None:
    """The mean of the pathwise gradient is the gradient of the mean."""
    mg.manual_seed(3)
    c1 = mg.tensor([0.8, 2.5], dtype=mg.float64, requires_grad=True)
    c0 = mg.tensor([1.5, 0.6], dtype=mg.float64, requires_grad=True)
    D.Beta(c1, c0).rsample((20000,)).mean(0).sum().backward()
    a, b = c1.detach().numpy(), c0.detach().numpy()
    np.testing.assert_allclose(c1.grad.numpy(), b / (a + b) ** 2, rtol=0.05)
    np.testing.assert_allclose(c0.grad.numpy(), -a / (a + b) ** 2, rtol=0.05)
    conc = mg.tensor([2.0, 0.5], dtype=mg.float64, requires_grad=True)
    D.Gamma(conc, 1.0).rsample((20000,)).mean(0).sum().backward()
    np.testing.assert_allclose(conc.grad.numpy(), [1.0, 1.0], rtol=0.05)
    y = D.Gamma(conc, 1.0).rsample()
    (g,) = mg.autograd.grad(y.sum(), conc, create_graph=True)
    with pytest.raises(NotImplementedError, match="^_standard_gamma_grad: the derivative"):
        g.sum().backward()


def test_gamma_with_scalar_parameters_draws_0d(torch) -> None:
    """Gamma(2.0, 3.0).rsample() drew through numpy's Python float for a 0-d shape (it
    raised AttributeError); the draw is 0-d in the parameters' dtype, as PyTorch's."""
    conc = mg.tensor(2.0, requires_grad=True)
    for dist, theirs in ((D.Gamma(2.0, 3.0), torch.distributions.Gamma(2.0, 3.0)),
                         (D.Gamma(conc, 3.0), torch.distributions.Gamma(torch.tensor(2.0), 3.0))):
        for draw, their_draw in ((dist.sample(), theirs.sample()),
                                 (dist.rsample(), theirs.rsample())):
            assert draw.shape == tuple(their_draw.shape) == ()
            assert str(draw.dtype) == str(their_draw.dtype).replace("torch.", "")
            assert draw.item() > 0
    D.Gamma(conc, 3.0).rsample().backward()
    assert conc.grad.shape == () and np.isfinite(conc.grad.item())


def test_rsample_is_loc_plus_scale_times_noise() -> None:
    loc = mg.tensor([1.0, -2.0], dtype=mg.float64, requires_grad=True)
    scale = mg.tensor([0.5, 3.0], dtype=mg.float64, requires_grad=True)
    x = D.Normal(loc, scale).rsample((5,))
    x.sum().backward()
    np.testing.assert_allclose(loc.grad.numpy(), [5.0, 5.0])
    eps = (x.detach() - loc.detach()) / scale.detach()
    np.testing.assert_allclose(scale.grad.numpy(), eps.numpy().sum(0))


LOG_PROB_FNS = {
    "Normal": lambda a, b: D.Normal(a, b.exp()).log_prob(a * 0.3 + 0.1).sum()
    + D.Normal(a, b.exp()).entropy().sum(),
    "Laplace": lambda a, b: D.Laplace(a, b.exp()).log_prob(a * 0.5 + 1.0),
    "Exponential": lambda a, b: D.Exponential(b.exp()).log_prob(a.abs() + 0.1),
    "Bernoulli": lambda a, b: D.Bernoulli(logits=a).log_prob((b > 0).double())
    + D.Bernoulli(logits=a).entropy(),
    "Categorical": lambda a, b: D.Categorical(logits=a.reshape(1, 3) * b).entropy(),
    "Gamma": lambda a, b: D.Gamma(a.exp(), b.exp()).log_prob(a.exp() * 0.5 + 0.1)
    + D.Gamma(a.exp(), b.exp()).entropy(),
    "Beta": lambda a, b: D.Beta(a.exp(), b.exp()).log_prob(a.sigmoid())
    + D.Beta(a.exp(), b.exp()).entropy(),
    "Dirichlet": lambda a, b: D.Dirichlet((a + b).exp()).log_prob(a.softmax(-1))
    + D.Dirichlet(a.exp()).entropy(),
    "MultivariateNormal": lambda a, b: D.MultivariateNormal(
        a, scale_tril=(b.exp()).diag_embed() + mg.ones(3, 3, dtype=mg.float64).tril(-1)
    ).log_prob(a * 0.5),
}


@pytest.mark.parametrize("name", list(LOG_PROB_FNS))
def test_log_prob_and_entropy_gradcheck(name: str) -> None:
    a = mg.tensor(RNG.standard_normal(3), requires_grad=True)
    b = mg.tensor(RNG.standard_normal(3) * 0.5, requires_grad=True)
    assert mg.gradcheck(LOG_PROB_FNS[name], (a, b))
    assert mg.gradgradcheck(LOG_PROB_FNS[name], (a, b))


KL_PAIRS = [
    ("Normal", {"loc": RNG.standard_normal(3), "scale": RNG.uniform(0.5, 2, 3)},
     {"loc": RNG.standard_normal(3), "scale": RNG.uniform(0.5, 2, 3)}),
    ("Exponential", {"rate": RNG.uniform(0.5, 2, 3)}, {"rate": RNG.uniform(0.5, 2, 3)}),
    ("Laplace", {"loc": RNG.standard_normal(3), "scale": RNG.uniform(0.5, 2, 3)},
     {"loc": RNG.standard_normal(3), "scale": RNG.uniform(0.5, 2, 3)}),
    ("Uniform", {"low": np.array([0.0, 0.0, -1.0]), "high": np.array([1.0, 2.0, 1.0])},
     {"low": np.array([-1.0, 0.5, -2.0]), "high": np.array([2.0, 3.0, 2.0])}),
    ("Bernoulli", {"probs": np.array([0.0, 0.3, 1.0, 0.5])},
     {"probs": np.array([0.2, 0.0, 0.6, 1.0])}),
    ("Categorical", {"probs": np.array([[0.2, 0.3, 0.5], [0.0, 0.5, 0.5]])},
     {"probs": np.array([[0.1, 0.1, 0.8], [0.3, 0.7, 0.0]])}),
    ("OneHotCategorical", {"logits": RNG.standard_normal((2, 4))},
     {"logits": RNG.standard_normal((2, 4))}),
    ("Gamma", {"concentration": RNG.uniform(0.5, 3, 3), "rate": RNG.uniform(0.5, 2, 3)},
     {"concentration": RNG.uniform(0.5, 3, 3), "rate": RNG.uniform(0.5, 2, 3)}),
    ("Beta", {"concentration1": RNG.uniform(0.5, 3, 3), "concentration0": RNG.uniform(0.5, 3, 3)},
     {"concentration1": RNG.uniform(0.5, 3, 3), "concentration0": RNG.uniform(0.5, 3, 3)}),
    ("Dirichlet", {"concentration": RNG.uniform(0.5, 3, (2, 4))},
     {"concentration": RNG.uniform(0.5, 3, 4)}),
    ("MultivariateNormal", {"loc": RNG.standard_normal((2, 3)), "covariance_matrix": _spd(3)},
     {"loc": RNG.standard_normal(3), "scale_tril": np.linalg.cholesky(_spd(3, (2,)))}),
]


@pytest.mark.parametrize(("name", "p", "q"), KL_PAIRS, ids=[k[0] for k in KL_PAIRS])
def test_kl_divergence_matches_pytorch(torch, name: str, p: dict, q: dict) -> None:
    def make(lib: object, params: dict) -> tuple:
        tensors = {k: lib.tensor(v, dtype=lib.float64, requires_grad=True)
                   for k, v in params.items()}
        return getattr(lib.distributions, name)(**tensors, validate_args=False), tensors

    (op, opt), (oq, oqt) = make(mg, p), make(mg, q)
    (tp, tpt), (tq, tqt) = make(torch, p), make(torch, q)
    ours, theirs = D.kl_divergence(op, oq), torch.distributions.kl_divergence(tp, tq)
    close(ours, theirs)
    finite_ours, finite_theirs = ours.isfinite(), theirs.isfinite()
    (ours * finite_ours).nan_to_num().sum().backward()
    (theirs * finite_theirs).nan_to_num().sum().backward()
    for ours_params, their_params in ((opt, tpt), (oqt, tqt)):
        for k in ours_params:
            close(ours_params[k].grad, their_params[k].grad, rtol=1e-6)


def test_kl_of_independent_and_gradcheck() -> None:
    def kl(a: mg.Tensor, b: mg.Tensor) -> mg.Tensor:
        p = D.Independent(D.Normal(a.reshape(2, 3), b.reshape(2, 3).exp()), 1)
        q = D.Independent(D.Normal(mg.zeros(2, 3, dtype=mg.float64),
                                   mg.ones(2, 3, dtype=mg.float64)), 1)
        return D.kl_divergence(p, q)

    a = mg.tensor(RNG.standard_normal(6), requires_grad=True)
    b = mg.tensor(RNG.standard_normal(6) * 0.3, requires_grad=True)
    assert tuple(kl(a, b).shape) == (2,)
    an, bn = a.detach().numpy(), b.detach().numpy()
    expected = 0.5 * (np.exp(2 * bn) + an ** 2 - 1 - 2 * bn)
    np.testing.assert_allclose(kl(a, b).detach().numpy(), expected.reshape(2, 3).sum(-1))
    assert mg.gradcheck(kl, (a, b))
    assert mg.gradgradcheck(kl, (a, b))


def test_register_kl_and_missing_pairs() -> None:
    class MyNormal(D.Normal):
        pass

    p, q = MyNormal(0.0, 1.0), D.Normal(1.0, 2.0)
    assert float(D.kl_divergence(p, q)) == pytest.approx(float(D.kl_divergence(
        D.Normal(0.0, 1.0), q)))

    @D.register_kl(MyNormal, D.Normal)
    def _kl_mine(p: D.Distribution, q: D.Distribution) -> mg.Tensor:
        return mg.tensor(42.0)

    assert float(D.kl_divergence(p, q)) == 42.0
    assert float(D.kl_divergence(D.Normal(0.0, 1.0), q)) != 42.0
    with pytest.raises(NotImplementedError, match="^kl_divergence: No KL\\(p \\|\\| q\\) is "
                       "implemented for p type Normal and q type Cauchy"):
        D.kl_divergence(D.Normal(0.0, 1.0), D.Cauchy(0.0, 1.0))
    with pytest.raises(TypeError, match="^register_kl: Expected type_p"):
        D.register_kl(int, D.Normal)


def test_independent_shapes_and_log_prob(torch) -> None:
    loc, scale = RNG.standard_normal((4, 2, 3)), RNG.uniform(0.5, 1.5, (4, 2, 3))
    ours = D.Independent(D.Normal(mg.tensor(loc), mg.tensor(scale)), 2)
    theirs = torch.distributions.Independent(torch.distributions.Normal(
        torch.tensor(loc), torch.tensor(scale)), 2)
    assert tuple(ours.batch_shape) == (4,) and tuple(ours.event_shape) == (2, 3)
    x = RNG.standard_normal((5, 4, 2, 3))
    close(ours.log_prob(mg.tensor(x)), theirs.log_prob(torch.tensor(x)))
    close(ours.entropy(), theirs.entropy())
    assert tuple(ours.sample((7,)).shape) == (7, 4, 2, 3)
    assert repr(ours.support) == repr(theirs.support)
    with pytest.raises(ValueError, match="^Independent: Expected reinterpreted_batch_ndims <= "
                       "len\\(base_distribution.batch_shape\\), actual 4 vs 3"):
        D.Independent(D.Normal(mg.tensor(loc), mg.tensor(scale)), 4)


def test_expand(torch) -> None:
    makers = [
        (lambda lib: lib.distributions.Normal(lib.tensor([0.0, 1.0]), lib.tensor([1.0, 2.0])),
         (3, 2)),
        (lambda lib: lib.distributions.Bernoulli(probs=lib.tensor([0.2, 0.7])), (4, 2)),
        (lambda lib: lib.distributions.Categorical(logits=lib.tensor([[0.0, 1.0, 2.0]])), (5,)),
        (lambda lib: lib.distributions.MultivariateNormal(lib.zeros(2), scale_tril=lib.eye(2)),
         (3,)),
        (lambda lib: lib.distributions.Independent(lib.distributions.Laplace(
            lib.zeros(2, 3), lib.ones(2, 3)), 1), (4, 2)),
    ]
    for make, shape in makers:
        ours, theirs = make(mg).expand(shape), make(torch).expand(shape)
        assert tuple(ours.batch_shape) == tuple(theirs.batch_shape) == shape
        assert tuple(ours.event_shape) == tuple(theirs.event_shape)
        assert tuple(ours.sample().shape) == tuple(theirs.sample().shape)
        close(ours.entropy(), theirs.entropy(), rtol=1e-6)


def test_scalar_parameters_give_an_empty_batch(torch) -> None:
    ours, theirs = D.Normal(0.0, 1.0), torch.distributions.Normal(0.0, 1.0)
    assert tuple(ours.batch_shape) == tuple(theirs.batch_shape) == ()
    close(ours.log_prob(mg.tensor(0.5)), theirs.log_prob(torch.tensor(0.5)))
    assert tuple(ours.sample((4,)).shape) == (4,)
    assert tuple(D.Bernoulli(0.3).sample((2,)).shape) == (2,)
    assert D.Normal(0.0, 1.0).sample((0,)).shape == (0,)


def test_validate_args_errors_as_pytorch(torch) -> None:
    cases = [
        (lambda lib: lib.distributions.Normal(lib.tensor([0.0]), lib.tensor([-1.0])),
         "Expected parameter scale"),
        (lambda lib: lib.distributions.Bernoulli(probs=lib.tensor([1.5])),
         "Expected parameter probs"),
        (lambda lib: lib.distributions.Categorical(probs=lib.tensor([[-0.5, 1.5]])),
         "Expected parameter probs"),
        (lambda lib: lib.distributions.Uniform(lib.tensor([1.0]), lib.tensor([0.0])),
         "Expected parameter low .* to satisfy the constraint LessThan"),
        (lambda lib: lib.distributions.Bernoulli(), "Either `probs` or `logits` must be"),
        (lambda lib: lib.distributions.Categorical(probs=lib.tensor(0.5)),
         "`probs` parameter must be at least one-dimensional."),
        (lambda lib: lib.distributions.MultivariateNormal(lib.zeros(2)),
         "Exactly one of covariance_matrix or precision_matrix or scale_tril"),
        (lambda lib: lib.distributions.MultivariateNormal(lib.zeros(2), scale_tril=-lib.eye(2)),
         "Expected parameter scale_tril"),
        # checked before the Cholesky factorisation (that raised LinAlgError here)
        (lambda lib: lib.distributions.MultivariateNormal(
            lib.zeros(2), lib.tensor([[1.0, 2.0], [2.0, 1.0]])),
         "Expected parameter covariance_matrix .* PositiveDefinite"),
        (lambda lib: lib.distributions.MultivariateNormal(
            lib.zeros(2), precision_matrix=lib.tensor([[1.0, 2.0], [2.0, 1.0]])),
         "Expected parameter precision_matrix .* PositiveDefinite"),
    ]
    for make, message in cases:
        with pytest.raises(ValueError, match=message):
            make(torch)
        with pytest.raises(ValueError, match=message):
            make(mg)
    D.Normal(mg.tensor([0.0]), mg.tensor([-1.0]), validate_args=False)  # no check asked for
    normal = D.Normal(mg.tensor([0.0, 1.0]), mg.tensor([1.0, 1.0]))
    with pytest.raises(ValueError, match="^Normal: The value argument to log_prob must be a "
                       "Tensor"):
        normal.log_prob(0.5)
    with pytest.raises(ValueError, match="^Normal: Value is not broadcastable with "
                       "batch_shape\\+event_shape"):
        normal.log_prob(mg.zeros(3))
    with pytest.raises(ValueError, match="^Bernoulli: Expected value argument .* to be within "
                       "the support \\(Boolean\\(\\)\\)"):
        D.Bernoulli(probs=mg.tensor([0.5])).log_prob(mg.tensor([0.5]))
    with pytest.raises(ValueError, match="^MultivariateNormal: The right-most size of value "
                       "must match event_shape"):
        D.MultivariateNormal(mg.zeros(2), mg.eye(2)).log_prob(mg.zeros(3))


def test_constraints_match_pytorch(torch) -> None:
    from minigrad.distributions import constraints as C

    tc = torch.distributions.constraints
    x = np.array([[-1.0, 0.0, 0.5, 1.0, 2.0], [np.nan, 3.0, 0.2, 0.0, 1.0]])
    for name in ("real", "positive", "nonnegative", "unit_interval", "boolean",
                 "nonnegative_integer", "simplex", "real_vector"):
        ours, theirs = getattr(C, name), getattr(tc, name)
        assert repr(ours) == repr(theirs)
        np.testing.assert_array_equal(ours.check(mg.tensor(x)).numpy(),
                                      theirs.check(torch.tensor(x)).numpy())
    for ours, theirs in ((C.interval(0, 1), tc.interval(0, 1)),
                         (C.greater_than(0.5), tc.greater_than(0.5)),
                         (C.integer_interval(0, 2), tc.integer_interval(0, 2))):
        assert repr(ours) == repr(theirs)
        np.testing.assert_array_equal(ours.check(mg.tensor(x)).numpy(),
                                      theirs.check(torch.tensor(x)).numpy())
    assert C.is_dependent(D.Uniform.support) and C.is_dependent(C.dependent)


def test_one_hot_categorical_samples_are_one_hot() -> None:
    dist = D.OneHotCategorical(probs=mg.tensor([[0.2, 0.8, 0.0], [1.0, 0.0, 0.0]]))
    x = dist.sample((50,))
    assert tuple(x.shape) == (50, 2, 3) and x.dtype == np.float32
    np.testing.assert_array_equal(x.numpy().sum(-1), 1)
    assert not x.numpy()[..., 2].any()
    np.testing.assert_array_equal(x.numpy()[:, 1], np.tile([1.0, 0.0, 0.0], (50, 1)))


def test_reinforce_gradient_estimator_points_uphill() -> None:
    """The score-function estimator on a 3-armed bandit raises the best arm's logit."""
    mg.manual_seed(0)
    logits = mg.zeros(3, requires_grad=True)
    reward = mg.tensor([0.0, 1.0, 0.2])
    dist = D.Categorical(logits=logits)
    actions = dist.sample((500,))
    loss = -(dist.log_prob(actions) * reward[actions]).mean()
    loss.backward()
    assert int(logits.grad.argmin()) == 1


def test_module_is_lazy() -> None:
    import subprocess
    import sys

    code = ("import sys, minigrad as torch\n"
            "assert 'minigrad.distributions' not in sys.modules\n"
            "assert torch.distributions.Normal and 'distributions' in dir(torch)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


def test_default_validation_switch_and_small_helpers(torch) -> None:
    try:
        D.Distribution.set_default_validate_args(False)
        D.Normal(mg.tensor([0.0]), mg.tensor([-1.0]))  # not checked now
    finally:
        D.Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError, match="^set_default_validate_args: value must be True or "
                       "False"):
        D.Distribution.set_default_validate_args(1.5)
    ours, theirs = D.Beta(2.0, 3.0), torch.distributions.Beta(2.0, 3.0)
    assert tuple(ours.batch_shape) == tuple(theirs.batch_shape) == ()
    close(ours.perplexity(), theirs.perplexity(), rtol=1e-6)
    assert tuple(D.Gamma(2.0, 1.0).sample_n(4).shape) == (4,)
    assert tuple(D.Dirichlet(mg.ones(3)).sample((0,)).shape) == (0, 3)
    assert repr(D.Normal(0.0, 1.0)) == repr(torch.distributions.Normal(0.0, 1.0))
