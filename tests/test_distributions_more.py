"""The second batch of minigrad.distributions against torch.distributions: transforms and
``biject_to``/``transform_to``, ``TransformedDistribution`` and the distributions built on it,
the discrete counts, ``StudentT``/``Chi2``, ``MixtureSameFamily``, the relaxed (Gumbel-softmax)
distributions, and the cross-type KL pairs PyTorch registers. Values and gradients on the
same parameters in float64 (and float32 for some); samples by shape and moments; rsample's
reparameterised gradients by gradcheck with the generator's state fixed."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest

import minigrad as mg
from minigrad import distributions as D
from minigrad.distributions import constraints as C
from minigrad.distributions import transforms as T

RNG = np.random.default_rng(7)


def close(ours: mg.Tensor, theirs: object, rtol: float = 1e-7, atol: float = 1e-9) -> None:
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=rtol,
                               atol=atol, equal_nan=True)


@dataclass
class Case:
    """A distribution built the same way in both libraries from numpy parameters."""

    name: str
    params: dict
    values: np.ndarray
    cdf: bool = False
    icdf: bool = False
    entropy: bool = True
    mode: bool = True
    moments: bool = True  # finite mean and variance: checked against samples
    sample_shape: tuple = (4000,)
    value_dtype: str = "float64"

    def build(self, lib: object, dtype: object, requires_grad: bool = False) -> tuple:
        def conv(v: object) -> object:
            if not isinstance(v, np.ndarray):
                return v
            grad = requires_grad and v.dtype.kind == "f"
            return lib.tensor(v, dtype=dtype, requires_grad=grad)

        tensors = {k: conv(v) for k, v in self.params.items()}
        return getattr(lib.distributions, self.name)(**tensors), tensors


def _cases() -> list[Case]:
    loc, scale = RNG.standard_normal((2, 3)), RNG.uniform(0.5, 2, (2, 3))
    pos = RNG.uniform(0.1, 4, (4, 2, 3))
    return [
        Case("LogNormal", {"loc": loc, "scale": scale * 0.5}, pos, cdf=True, icdf=True),
        Case("Cauchy", {"loc": loc, "scale": scale}, RNG.standard_normal((4, 2, 3)) * 3,
             cdf=True, icdf=True, moments=False),
        Case("HalfNormal", {"scale": scale}, pos, cdf=True, icdf=True),
        Case("HalfCauchy", {"scale": scale}, pos, cdf=True, icdf=True, moments=False),
        Case("Gumbel", {"loc": loc, "scale": scale}, loc + RNG.uniform(-0.5, 2, (4, 2, 3)),
             cdf=True, icdf=True),
        Case("StudentT", {"df": np.array([0.8, 1.5, 2.5, 7.0]), "loc": RNG.standard_normal(4),
                          "scale": RNG.uniform(0.5, 2, 4)}, RNG.standard_normal((3, 4)) * 2,
             moments=False),
        Case("Chi2", {"df": np.array([0.7, 2.0, 5.5])}, RNG.uniform(0.1, 6, (4, 3)), cdf=True),
        Case("Poisson", {"rate": np.array([0.0, 0.4, 3.0, 12.5])},
             np.array([[0.0, 1.0, 2.0, 9.0], [3.0, 0.0, 5.0, 14.0]]), entropy=False),
        Case("Binomial", {"total_count": np.array([5.0, 5.0, 5.0]),
                          "probs": np.array([0.0, 0.3, 0.9])},
             np.array([[0.0, 1.0, 5.0], [0.0, 3.0, 4.0]])),
        Case("Binomial", {"total_count": 7, "logits": np.array([[-1.0], [2.0]])},
             np.array([0.0, 3.0, 7.0])),
        Case("Geometric", {"probs": np.array([0.2, 0.5, 1.0])},
             np.array([[0.0, 3.0, 0.0], [5.0, 1.0, 0.0]])),
        Case("Geometric", {"logits": np.array([-1.0, 0.5])}, np.array([[2.0, 0.0], [1.0, 7.0]])),
        Case("NegativeBinomial", {"total_count": np.array([2.5, 4.0]),
                                  "logits": np.array([-0.5, 0.3])},
             np.array([[0.0, 3.0], [6.0, 1.0]]), entropy=False),
        Case("NegativeBinomial", {"total_count": np.array([3.0]),
                                  "probs": np.array([0.2, 0.6])}, np.array([[2.0, 0.0]]),
             entropy=False),
        Case("Multinomial", {"total_count": 6, "probs": np.array([[0.2, 0.3, 0.5],
                                                                  [0.1, 0.6, 0.3]])},
             np.array([[1.0, 2.0, 3.0], [0.0, 6.0, 0.0]]), mode=False),
        Case("Multinomial", {"total_count": 4, "logits": RNG.standard_normal(4)},
             np.array([[1.0, 0.0, 2.0, 1.0], [4.0, 0.0, 0.0, 0.0]]), mode=False),
        Case("ContinuousBernoulli", {"probs": np.array([0.05, 0.3, 0.4995, 0.5, 0.8])},
             RNG.uniform(0.01, 0.99, (3, 5)), cdf=True, icdf=True, mode=False),
        Case("ContinuousBernoulli", {"logits": np.array([[-2.0, 0.001], [0.7, 3.0]])},
             RNG.uniform(0.01, 0.99, (3, 2, 2)), cdf=True, icdf=True, mode=False),
        Case("LogisticNormal", {"loc": RNG.standard_normal((2, 3)) * 0.5,
                                "scale": RNG.uniform(0.3, 1.0, (2, 3))},
             np.array([[0.1, 0.2, 0.3, 0.4], [0.4, 0.3, 0.2, 0.1]]), entropy=False, mode=False,
             moments=False),
        Case("LowRankMultivariateNormal", {"loc": RNG.standard_normal((2, 4)),
                                           "cov_factor": RNG.standard_normal((4, 2)),
                                           "cov_diag": RNG.uniform(0.5, 1.5, (2, 4))},
             RNG.standard_normal((3, 2, 4))),
        Case("RelaxedBernoulli", {"temperature": np.array(0.7), "probs": np.array([0.2, 0.6])},
             RNG.uniform(0.05, 0.95, (3, 2)), entropy=False, mode=False, moments=False),
        Case("RelaxedOneHotCategorical", {"temperature": np.array(0.5),
                                          "logits": RNG.standard_normal((2, 3))},
             np.array([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]]), entropy=False, mode=False,
             moments=False),
    ]


CASES = _cases()
IDS = [f"{c.name}-{'-'.join(c.params)}" for c in CASES]


def _optional(fn: Callable) -> object:
    try:
        return fn()
    except NotImplementedError:
        return NotImplementedError


def _check_moments(ours: D.Distribution, theirs: object, case: Case) -> None:
    for prop in ("mean", "variance", "stddev") + (("mode",) if case.mode else ()):
        close(getattr(ours, prop), getattr(theirs, prop))
    if case.entropy:
        rtol = 1e-6 if case.name == "Multinomial" else 1e-7  # PyTorch's lgamma(n+1) in fp32
        close(ours.entropy(), theirs.entropy(), rtol=rtol)
    else:
        assert _optional(ours.entropy) is NotImplementedError
        assert _optional(theirs.entropy) is NotImplementedError


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_shapes_moments_and_densities_match_pytorch(torch, case: Case) -> None:
    ours, _ = case.build(mg, mg.float64)
    theirs, _ = case.build(torch, torch.float64)
    assert tuple(ours.batch_shape) == tuple(theirs.batch_shape)
    assert tuple(ours.event_shape) == tuple(theirs.event_shape)
    assert ours.has_rsample == theirs.has_rsample
    assert ours.has_enumerate_support == theirs.has_enumerate_support
    assert repr(ours.support) == repr(theirs.support).replace("torch.", "")
    assert repr(ours) == repr(theirs).replace("torch.", "")
    if not case.name.startswith(("Relaxed", "LogisticNormal")):
        _check_moments(ours, theirs, case)
    else:  # no moments in either library
        assert _optional(lambda: ours.mean) is NotImplementedError
        assert _optional(lambda: theirs.mean) is NotImplementedError
    _check_densities(ours, theirs, case, torch)


def _check_densities(ours: D.Distribution, theirs: object, case: Case, torch: object) -> None:
    value = mg.tensor(case.values)
    close(ours.log_prob(value), theirs.log_prob(torch.tensor(case.values)))
    if case.cdf:
        close(ours.cdf(value), theirs.cdf(torch.tensor(case.values)), atol=1e-12)
    if case.icdf:
        q = np.linspace(0.05, 0.95, ours.batch_shape[-1])
        close(ours.icdf(mg.tensor(q)), theirs.icdf(torch.tensor(q)))
    if ours.has_enumerate_support:
        close(ours.enumerate_support(), theirs.enumerate_support())
        close(ours.enumerate_support(expand=False), theirs.enumerate_support(expand=False))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_gradients_of_log_prob_and_entropy_match_pytorch(torch, case: Case) -> None:
    ours, ours_params = case.build(mg, mg.float64, requires_grad=True)
    theirs, their_params = case.build(torch, torch.float64, requires_grad=True)
    loss = ours.log_prob(mg.tensor(case.values)).sum()
    their_loss = theirs.log_prob(torch.tensor(case.values)).sum()
    if case.entropy:
        loss = loss + (ours.entropy() * 0.5).sum()
        their_loss = their_loss + (theirs.entropy() * 0.5).sum()
    loss.backward()
    their_loss.backward()
    for k, p in ours_params.items():
        if isinstance(p, mg.Tensor) and p.requires_grad:
            close(p.grad, their_params[k].grad, rtol=1e-6)


@pytest.mark.parametrize("case", [c for c in CASES if c.name in (
    "LogNormal", "Gumbel", "StudentT", "Binomial", "Poisson")], ids=lambda c: c.name)
def test_float32_matches_pytorch(torch, case: Case) -> None:
    ours, _ = case.build(mg, mg.float32)
    theirs, _ = case.build(torch, torch.float32)
    value = case.values.astype(np.float32)
    close(ours.log_prob(mg.tensor(value)), theirs.log_prob(torch.tensor(value)), rtol=1e-5,
          atol=1e-5)
    assert ours.sample((3,)).dtype == np.float32


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_sample_shapes_support_and_moments(case: Case) -> None:
    mg.manual_seed(0)
    dist, _ = case.build(mg, mg.float64)
    batch_event = (*dist.batch_shape, *dist.event_shape)
    assert tuple(dist.sample().shape) == batch_event
    assert tuple(dist.sample((2, 3)).shape) == (2, 3, *batch_event)
    assert tuple(dist.sample((0,)).shape) == (0, *batch_event)
    x = dist.sample(case.sample_shape)
    assert x.grad_fn is None and x.dtype == np.float64
    assert bool(dist.support.check(x).all())
    if not case.moments:
        return
    n = case.sample_shape[0]
    mean, std = dist.mean.numpy(), dist.stddev.numpy()
    np.testing.assert_allclose(x.numpy().mean(0), mean, atol=float(6 * std.max() / n ** 0.5))
    np.testing.assert_allclose(x.numpy().std(0), std, rtol=0.1, atol=0.03)


def test_heavy_tailed_samples_by_quantiles() -> None:
    """Cauchy, HalfCauchy and StudentT have no finite moments: compare sample quantiles
    with the cdf instead."""
    mg.manual_seed(2)
    for dist, q in ((D.Cauchy(1.0, 2.0), [0.25, 0.5, 0.75]),
                    (D.HalfCauchy(2.0), [0.25, 0.5, 0.75])):
        x = dist.sample((20000,))
        expected = dist.icdf(mg.tensor(q, dtype=mg.float32)).numpy()
        np.testing.assert_allclose(np.quantile(x.numpy(), q), expected, rtol=0.05, atol=0.05)
    x = D.StudentT(mg.tensor(5.0, dtype=mg.float64)).sample((20000,)).numpy()
    np.testing.assert_allclose(x.var(), 5 / 3, rtol=0.1)
    assert abs(x.mean()) < 0.05


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
    "LogNormal": lambda a, b: D.LogNormal(a, b.abs() + 0.5).rsample((3,)),
    "Cauchy": lambda a, b: D.Cauchy(a, b.abs() + 0.5).rsample((3,)),
    "HalfNormal": lambda a, b: D.HalfNormal(b.abs() + 0.5).rsample((3,)) * a,
    "HalfCauchy": lambda a, b: D.HalfCauchy(b.abs() + 0.5).rsample((2,)) + a,
    "Gumbel": lambda a, b: D.Gumbel(a, b.abs() + 0.5).rsample((3,)),
    "StudentT": lambda a, b: D.StudentT(mg.tensor([2.0, 3.0, 9.0], dtype=mg.float64), a,
                                        b.abs() + 0.5).rsample((3,)),
    "RelaxedBernoulli": lambda a, b: D.RelaxedBernoulli(b.abs() + 0.5, logits=a).rsample((3,)),
    "ContinuousBernoulli": lambda a, b: D.ContinuousBernoulli(logits=a * 2).rsample((3,)) * b,
    "LogisticNormal": lambda a, b: D.LogisticNormal(a, b.exp()).rsample((2,)),
    "LowRankMultivariateNormal": lambda a, b: D.LowRankMultivariateNormal(
        a, b.reshape(3, 1), a.exp()).rsample((2,)),
    "RelaxedOneHotCategorical": lambda a, b: D.RelaxedOneHotCategorical(
        b[0].abs() + 0.5, logits=a * b).rsample((2,)),
    "TransformedDistribution": lambda a, b: D.TransformedDistribution(
        D.Normal(a, b.exp()), [T.AffineTransform(1.0, 2.0), T.TanhTransform()]).rsample((2,)),
}


@pytest.mark.parametrize("name", list(RSAMPLE))
def test_rsample_gradients_by_gradcheck(name: str) -> None:
    a = mg.tensor(RNG.standard_normal(3), requires_grad=True)
    b = mg.tensor(RNG.standard_normal(3) * 0.5, requires_grad=True)
    fn = _fixed_noise(RSAMPLE[name])
    assert fn(a, b).grad_fn is not None
    assert mg.gradcheck(fn, (a, b))
    assert mg.gradgradcheck(fn, (a, b))


def test_student_t_and_chi2_rsample_gradients_in_df_are_unbiased() -> None:
    """d E[x] / d df through the gamma draw's implicit gradient: E[Chi2(df)] = df."""
    mg.manual_seed(4)
    df = mg.tensor([1.5, 6.0], dtype=mg.float64, requires_grad=True)
    D.Chi2(df).rsample((20000,)).mean(0).sum().backward()
    np.testing.assert_allclose(df.grad.numpy(), [1.0, 1.0], rtol=0.05)
    scale = mg.tensor([2.0], dtype=mg.float64, requires_grad=True)
    x = D.StudentT(mg.tensor([5.0], dtype=mg.float64), 0.0, scale).rsample((20000,))
    (x.abs()).mean().backward()  # E|x| is linear in scale
    np.testing.assert_allclose(scale.grad.numpy(), x.detach().abs().numpy().mean() / 2.0,
                               rtol=1e-10)


LOG_PROB_FNS = {
    "LogNormal": lambda a, b: D.LogNormal(a, b.exp()).log_prob(a.exp() + 0.5)
    + D.LogNormal(a, b.exp()).entropy(),
    "Cauchy": lambda a, b: D.Cauchy(a, b.exp()).log_prob(a * 0.3 + 1.0)
    + D.Cauchy(a, b.exp()).cdf(b),
    "Gumbel": lambda a, b: D.Gumbel(a, b.exp()).log_prob(b) + D.Gumbel(a, b.exp()).cdf(b),
    "HalfNormal": lambda a, b: D.HalfNormal(b.exp()).log_prob(a.abs()),
    "StudentT": lambda a, b: D.StudentT(b.exp() + 0.5, a, b.exp()).log_prob(b)
    + D.StudentT(b.exp() + 0.5, a, b.exp()).entropy(),
    "Poisson": lambda a, b: D.Poisson(a.exp()).log_prob(mg.tensor([0.0, 2.0, 5.0],
                                                                   dtype=mg.float64)),
    "Binomial": lambda a, b: D.Binomial(6, logits=a).log_prob(mg.tensor(
        [0.0, 2.0, 6.0], dtype=mg.float64)) + D.Binomial(6, logits=a).entropy(),
    "Geometric": lambda a, b: D.Geometric(logits=a).log_prob(mg.tensor(
        [0.0, 2.0, 5.0], dtype=mg.float64)) + D.Geometric(logits=b).entropy(),
    "NegativeBinomial": lambda a, b: D.NegativeBinomial(b.exp(), logits=a).log_prob(mg.tensor(
        [0.0, 2.0, 5.0], dtype=mg.float64)),
    "Multinomial": lambda a, b: D.Multinomial(5, logits=a).log_prob(mg.tensor(
        [1.0, 4.0, 0.0], dtype=mg.float64)) + D.Multinomial(3, logits=b).entropy(),
    "RelaxedBernoulli": lambda a, b: D.RelaxedBernoulli(b.exp(), logits=a).log_prob(
        b.sigmoid()),
    "ContinuousBernoulli": lambda a, b: D.ContinuousBernoulli(logits=a * 3).log_prob(
        b.sigmoid()) + D.ContinuousBernoulli(logits=a * 3).entropy()
    + D.ContinuousBernoulli(logits=a * 3).cdf(b.sigmoid()),
    "LogisticNormal": lambda a, b: D.LogisticNormal(a[:2], b[:2].exp()).log_prob(b.softmax(-1)),
    "RelaxedOneHotCategorical": lambda a, b: D.RelaxedOneHotCategorical(
        b[0].exp(), logits=a).log_prob(b.softmax(-1)),
    "LowRankMultivariateNormal": lambda a, b: D.LowRankMultivariateNormal(
        a, (a * b).reshape(3, 1), b.exp()).log_prob(b) + D.LowRankMultivariateNormal(
        a, mg.stack([a, b], -1), b.exp()).entropy(),
    "MixtureSameFamily": lambda a, b: D.MixtureSameFamily(
        D.Categorical(logits=a), D.Normal(b, a.exp())).log_prob(b * 0.5),
}


@pytest.mark.parametrize("name", list(LOG_PROB_FNS))
def test_log_prob_and_entropy_gradcheck(name: str) -> None:
    a = mg.tensor(RNG.standard_normal(3) * 0.5, requires_grad=True)
    b = mg.tensor(RNG.standard_normal(3) * 0.5, requires_grad=True)
    assert mg.gradcheck(LOG_PROB_FNS[name], (a, b))
    assert mg.gradgradcheck(LOG_PROB_FNS[name], (a, b))


# ---------------------------------------------------------------- transforms


def _transforms(lib: object, scale: np.ndarray) -> list:
    t = lib.distributions.transforms
    return [
        t.ExpTransform(), t.SigmoidTransform(), t.TanhTransform(), t.SoftplusTransform(),
        t.AffineTransform(0.5, -2.0), t.AffineTransform(lib.tensor(scale), lib.tensor(scale)),
        t.AffineTransform(1.0, lib.tensor(scale), event_dim=1),
        t.PowerTransform(lib.tensor(2.5)), t.ExpTransform().inv,
        t.ComposeTransform([t.AffineTransform(0.0, 3.0), t.SigmoidTransform()]),
        t.StickBreakingTransform(), t.IndependentTransform(t.ExpTransform(), 1),
        t.ReshapeTransform((2, 3), (6,)), t.identity_transform,
        t.ComposeTransform([t.ExpTransform(), t.StickBreakingTransform()]),
    ]


def _transform_input(tr: T.Transform, x: np.ndarray) -> np.ndarray:
    """An input in the transform's domain."""
    if isinstance(tr, (T.PowerTransform, T._InverseTransform)):
        return np.abs(x) + 0.1
    return x


def test_transforms_match_pytorch(torch) -> None:
    scale = RNG.uniform(0.5, 2.0, 3)
    x0 = RNG.standard_normal((2, 3))
    for ours, theirs in zip(_transforms(mg, scale), _transforms(torch, scale)):
        _check_transform(ours, theirs, _transform_input(ours, x0), torch)
        assert repr(ours.domain) == repr(theirs.domain)
        assert repr(ours.codomain) == repr(theirs.codomain)
        assert ours.bijective == theirs.bijective
        assert ours.domain.event_dim == theirs.domain.event_dim
        assert ours.codomain.event_dim == theirs.codomain.event_dim
        assert tuple(ours.forward_shape((4, 2, 3))) == tuple(theirs.forward_shape((4, 2, 3)))
        assert repr(ours) == repr(theirs)


def _check_transform(ours: T.Transform, theirs: object, x: np.ndarray, torch: object) -> None:
    """Forward, inverse, log-Jacobian and its gradient against PyTorch's."""
    xo = mg.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    yo, yt = ours(xo), theirs(xt)
    close(yo, yt)
    if not ours.bijective:
        return
    close(ours.inv(yo), theirs.inv(yt), rtol=1e-6)
    lo, lt = ours.log_abs_det_jacobian(xo, yo), theirs.log_abs_det_jacobian(xt, yt)
    close(lo, lt, rtol=1e-7)
    assert lo.requires_grad == lt.requires_grad
    if lt.requires_grad:
        lo.sum().backward()
        lt.sum().backward()
        close(xo.grad, xt.grad, rtol=1e-6)


def test_transform_signs_equality_and_errors(torch) -> None:
    exp = T.ExpTransform()
    assert exp.inv.inv is exp and exp == T.ExpTransform() and exp != T.SigmoidTransform()
    assert exp.sign == 1 and T.AffineTransform(0.0, -2.0).sign == -1
    np.testing.assert_array_equal(T.AffineTransform(0.0, mg.tensor([-1.0, 2.0])).sign.numpy(),
                                  [-1.0, 1.0])
    assert T.ComposeTransform([exp, T.AffineTransform(0.0, -1.0)]).sign == -1
    assert T.AffineTransform(1.0, 2.0) == T.AffineTransform(1.0, 2.0)
    assert T.AffineTransform(1.0, 2.0).event_dim == 0
    assert not T.AbsTransform().bijective and T.AbsTransform().inv(mg.tensor(2.0)).item() == 2.0
    with pytest.raises(ValueError, match="cache_size must be 0 or 1"):
        T.ExpTransform(cache_size=2)
    with pytest.raises(ValueError, match="cache_size must be 0 or 1"):
        torch.distributions.transforms.ExpTransform(cache_size=2)


def test_transform_caching() -> None:
    cached = T.ExpTransform(cache_size=1)
    x = mg.tensor([0.5, -1.0], requires_grad=True)
    y = cached(x)
    assert cached(x) is y and cached.inv(y) is x  # the cached pair, not recomputed
    uncached = T.ExpTransform()
    assert uncached.inv(uncached(x)) is not x
    exp = T.ExpTransform()
    assert exp.with_cache(1)._cache_size == 1 and exp.with_cache(0) is exp
    compose = T.ComposeTransform([T.ExpTransform(), T.AffineTransform(1.0, 2.0)], cache_size=1)
    assert all(p._cache_size == 1 for p in compose.parts)
    assert compose.inv.inv is compose
    with pytest.raises(ValueError, match="Please use either .domain.event_dim"):
        _ = T.StickBreakingTransform().inv.inv.domain.event_dim + T.ComposeTransform(
            [T.ReshapeTransform((2,), (2, 1))]).event_dim
    with pytest.raises(ValueError, match="^ReshapeTransform: in_shape, out_shape have "
                       "different numbers of elements"):
        T.ReshapeTransform((2, 3), (5,))


def test_transforms_gradcheck() -> None:
    def chain(x: mg.Tensor, s: mg.Tensor) -> tuple:
        t = T.ComposeTransform([T.AffineTransform(0.3, s.exp()), T.TanhTransform(),
                                T.AffineTransform(1.5, 0.5), T.PowerTransform(1.7)])
        y = t(x)
        return y, t.log_abs_det_jacobian(x, y), t.inv(y)

    def stick(x: mg.Tensor, s: mg.Tensor) -> tuple:
        t = T.StickBreakingTransform()
        y = t(x * s)
        return y, t.log_abs_det_jacobian(x * s, y), t.inv(y)

    for fn in (chain, stick):
        x = mg.tensor(RNG.standard_normal((2, 3)) * 0.5, requires_grad=True)
        s = mg.tensor(RNG.standard_normal(3) * 0.3, requires_grad=True)
        assert mg.gradcheck(fn, (x, s))
        assert mg.gradgradcheck(fn, (x, s))


def test_biject_to_and_transform_to_match_pytorch(torch) -> None:
    tc = torch.distributions.constraints
    pairs = [(C.real, tc.real), (C.positive, tc.positive), (C.nonnegative, tc.nonnegative),
             (C.unit_interval, tc.unit_interval), (C.greater_than(1.5), tc.greater_than(1.5)),
             (C.greater_than_eq(-1.0), tc.greater_than_eq(-1.0)),
             (C.less_than(2.0), tc.less_than(2.0)), (C.interval(-2.0, 3.0), tc.interval(-2.0, 3.0)),
             (C.half_open_interval(0.0, 2.0), tc.half_open_interval(0.0, 2.0)),
             (C.simplex, tc.simplex), (C.real_vector, tc.real_vector),
             (C.independent(C.positive, 1), tc.independent(tc.positive, 1)),
             (C.lower_cholesky, tc.lower_cholesky)]
    x = RNG.standard_normal((3, 3))
    for registry in ("biject_to", "transform_to"):
        for ours_c, their_c in pairs:
            theirs = _optional(functools.partial(getattr(torch.distributions, registry), their_c))
            if theirs is NotImplementedError:
                with pytest.raises(NotImplementedError, match="Cannot transform"):
                    getattr(D, registry)(ours_c)
                continue
            ours = getattr(D, registry)(ours_c)
            assert repr(ours) == repr(theirs)
            y = ours(mg.tensor(x))
            close(y, theirs(torch.tensor(x)))
            assert bool(ours_c.check(y).all())
    with pytest.raises(NotImplementedError, match="^Cannot transform _Boolean constraints"):
        D.transform_to(C.boolean)
    with pytest.raises(TypeError, match="^register: Expected constraint"):
        D.biject_to.register(int, lambda c: T.ExpTransform())


def test_unconstrained_optimisation_through_transform_to() -> None:
    """The use transform_to exists for: optimise an unconstrained number, read it
    constrained."""
    to_pos = D.transform_to(D.Normal.arg_constraints["scale"])
    u = mg.zeros(1, requires_grad=True)
    opt = mg.optim.Adam([u], lr=0.1)
    for _ in range(200):
        loss = (to_pos(u) - 3.0).pow(2).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert abs(to_pos(u).item() - 3.0) < 1e-2


# ---------------------------------------------------- TransformedDistribution


def _transformed(lib: object, loc: np.ndarray, scale: np.ndarray) -> list:
    d, t = lib.distributions, lib.distributions.transforms
    base = d.Normal(lib.tensor(loc), lib.tensor(scale))
    return [
        d.TransformedDistribution(base, [t.AffineTransform(0.5, -2.0), t.ExpTransform()]),
        d.TransformedDistribution(base, t.SigmoidTransform()),
        d.TransformedDistribution(base, [t.StickBreakingTransform()]),
        d.TransformedDistribution(base, [t.AffineTransform(lib.tensor(loc), lib.tensor(scale),
                                                           event_dim=1)]),
        d.TransformedDistribution(d.Uniform(lib.tensor(0.1), lib.tensor(0.9)),
                                  [t.SigmoidTransform().inv, t.AffineTransform(1.0, -3.0)]),
        d.TransformedDistribution(base, []),
    ]


def _check_expand(ours: D.Distribution, theirs: object) -> None:
    expanded_ours = ours.expand((5, *ours.batch_shape))
    expanded_theirs = theirs.expand((5, *theirs.batch_shape))
    assert tuple(expanded_ours.batch_shape) == tuple(expanded_theirs.batch_shape)
    assert tuple(expanded_ours.sample().shape) == tuple(expanded_theirs.sample().shape)


def test_transformed_distribution_matches_pytorch(torch) -> None:
    loc, scale = RNG.standard_normal((2, 3)) * 0.3, RNG.uniform(0.5, 1.0, (2, 3))
    for i, (ours, theirs) in enumerate(zip(_transformed(mg, loc, scale),
                                           _transformed(torch, loc, scale))):
        assert tuple(ours.batch_shape) == tuple(theirs.batch_shape), i
        assert tuple(ours.event_shape) == tuple(theirs.event_shape), i
        assert repr(ours.support) == repr(theirs.support)
        mg.manual_seed(0)
        value = ours.sample((4,))
        assert tuple(value.shape) == (4, *theirs.batch_shape, *theirs.event_shape)
        assert bool(ours.support.check(value).all())
        close(ours.log_prob(value), theirs.log_prob(torch.tensor(value.numpy())), rtol=1e-6)
        if i in (0, 1, 4):  # scalar events: cdf and icdf (a decreasing chain flips them)
            close(ours.cdf(value), theirs.cdf(torch.tensor(value.numpy())), rtol=1e-6)
            q = np.linspace(0.1, 0.9, ours.batch_shape[-1] if ours.batch_shape else 1)
            close(ours.icdf(mg.tensor(q)), theirs.icdf(torch.tensor(q)), rtol=1e-6)
        _check_expand(ours, theirs)
    with pytest.raises(ValueError, match="^TransformedDistribution: transforms must be a "
                       "Transform or list"):
        D.TransformedDistribution(D.Normal(0.0, 1.0), "exp")
    with pytest.raises(ValueError, match="^TransformedDistribution: base_distribution needs "
                       "to have shape with size at least 1"):
        D.TransformedDistribution(D.Normal(0.0, 1.0), T.StickBreakingTransform())


def test_validate_args_errors_as_pytorch(torch) -> None:
    cases = [
        (lambda lib: lib.distributions.LogNormal(lib.tensor([0.0]), lib.tensor([-1.0])),
         "Expected parameter scale"),
        (lambda lib: lib.distributions.Poisson(lib.tensor([-1.0])), "Expected parameter rate"),
        (lambda lib: lib.distributions.Binomial(3, lib.tensor([1.5])),
         "Expected parameter probs"),
        (lambda lib: lib.distributions.Binomial(lib.tensor([2.5]), lib.tensor([0.5])),
         "Expected parameter total_count"),
        (lambda lib: lib.distributions.Binomial(3), "Either `probs` or `logits` must be"),
        (lambda lib: lib.distributions.Geometric(lib.tensor([0.0, 0.5])),
         "Expected parameter probs .* to be positive"),
        (lambda lib: lib.distributions.StudentT(lib.tensor([-1.0])), "Expected parameter df"),
        (lambda lib: lib.distributions.Chi2(lib.tensor([0.0])), "Expected parameter df"),
        (lambda lib: lib.distributions.Gumbel(lib.tensor([0.0]), lib.tensor([0.0])),
         "Expected parameter scale"),
        (lambda lib: lib.distributions.NegativeBinomial(lib.tensor([2.0]), lib.tensor([1.0])),
         "Expected parameter probs"),
        (lambda lib: lib.distributions.Multinomial(3, lib.tensor([-0.5, 1.5])),
         "Expected parameter probs"),
        (lambda lib: lib.distributions.MixtureSameFamily(
            lib.distributions.Normal(0.0, 1.0), lib.distributions.Normal(0.0, 1.0)),
         "The Mixture distribution needs to be an"),
        (lambda lib: lib.distributions.MixtureSameFamily(
            lib.distributions.Categorical(lib.ones(3)),
            lib.distributions.Normal(lib.zeros(2), lib.ones(2))),
         "`mixture_distribution component` \\(3\\) does not equal"),
        (lambda lib: lib.distributions.MixtureSameFamily(
            lib.distributions.Categorical(lib.ones(4, 2)),
            lib.distributions.Normal(lib.zeros(3, 2), lib.ones(3, 2))),
         "is not compatible with `component_distribution.batch_shape`"),
    ]
    for make, message in cases:
        with pytest.raises(ValueError, match=message):
            make(torch)
        with pytest.raises(ValueError, match=message):
            make(mg)
    with pytest.raises(ValueError, match="The parameter probs has invalid values"):
        torch.distributions.ContinuousBernoulli(torch.tensor([1.5]), validate_args=True)
    with pytest.raises(ValueError, match="^ContinuousBernoulli: The parameter probs has "
                       "invalid values"):
        D.ContinuousBernoulli(mg.tensor([1.5]), validate_args=True)
    with pytest.raises(NotImplementedError, match="inhomogeneous total_count"):
        D.Multinomial(mg.tensor(3), mg.tensor([0.5, 0.5]))
    with pytest.raises(NotImplementedError, match="^Binomial: Inhomogeneous total count not "
                       "supported by `entropy`"):
        D.Binomial(mg.tensor([2.0, 3.0]), mg.tensor([0.5, 0.5])).entropy()
    with pytest.raises(ValueError, match="^Poisson: Expected value argument .* to be within "
                       "the support \\(IntegerGreaterThan\\(lower_bound=0\\)\\)"):
        D.Poisson(mg.tensor([1.0])).log_prob(mg.tensor([0.5]))
    with pytest.raises(ValueError, match="^Binomial: Expected value argument"):
        D.Binomial(3, mg.tensor([0.5])).log_prob(mg.tensor([4.0]))
    with pytest.raises(ValueError, match="^LogNormal: Expected value argument"):
        D.LogNormal(0.0, 1.0).log_prob(mg.tensor([-1.0]))
    with pytest.raises(ValueError, match="^Multinomial: Expected value argument"):
        D.Multinomial(2, mg.tensor([0.5, 0.5])).log_prob(mg.tensor([2.0, 1.0]))


def test_expand(torch) -> None:
    makers = [
        (lambda lib: lib.distributions.LogNormal(lib.tensor([0.0, 1.0]), lib.tensor([1.0, 2.0])),
         (3, 2)),
        (lambda lib: lib.distributions.Gumbel(lib.tensor([0.0, 1.0]), lib.tensor([1.0, 2.0])),
         (3, 2)),
        (lambda lib: lib.distributions.HalfNormal(lib.tensor([1.0, 2.0])), (4, 2)),
        (lambda lib: lib.distributions.HalfCauchy(lib.tensor([1.0])), (4, 2)),
        (lambda lib: lib.distributions.Cauchy(lib.tensor([1.0]), 2.0), (3,)),
        (lambda lib: lib.distributions.StudentT(lib.tensor([3.0, 4.0])), (2, 2)),
        (lambda lib: lib.distributions.Chi2(lib.tensor([3.0, 4.0])), (5, 2)),
        (lambda lib: lib.distributions.Binomial(4, logits=lib.tensor([0.3])), (3,)),
        (lambda lib: lib.distributions.Geometric(lib.tensor([0.3, 0.6])), (3, 2)),
        (lambda lib: lib.distributions.Multinomial(3, lib.tensor([0.3, 0.7])), (3,)),
        (lambda lib: lib.distributions.RelaxedBernoulli(lib.tensor(0.5), lib.tensor([0.3])),
         (3,)),
        (lambda lib: lib.distributions.RelaxedOneHotCategorical(
            lib.tensor(0.5), lib.tensor([0.3, 0.7])), (3,)),
        (lambda lib: lib.distributions.MixtureSameFamily(
            lib.distributions.Categorical(lib.tensor([0.3, 0.7])),
            lib.distributions.Normal(lib.tensor([0.0, 1.0]), lib.tensor([1.0, 2.0]))), (4,)),
    ]
    for make, shape in makers:
        ours, theirs = make(mg).expand(shape), make(torch).expand(shape)
        assert type(ours).__name__ == type(theirs).__name__
        assert tuple(ours.batch_shape) == tuple(theirs.batch_shape) == shape
        assert tuple(ours.event_shape) == tuple(theirs.event_shape)
        assert tuple(ours.sample().shape) == tuple(theirs.sample().shape)
        x = theirs.sample((2,))
        close(ours.log_prob(mg.tensor(x.numpy())), theirs.log_prob(x), rtol=1e-5, atol=1e-6)


def test_scalar_parameters_give_an_empty_batch(torch) -> None:
    for name, args in (("LogNormal", (0.0, 1.0)), ("Cauchy", (0.0, 1.0)),
                       ("Gumbel", (0.0, 1.0)), ("HalfNormal", (1.0,)), ("Poisson", (2.0,)),
                       ("Geometric", (0.3,)), ("Chi2", (3.0,)), ("HalfCauchy", (1.0,))):
        ours, theirs = getattr(D, name)(*args), getattr(torch.distributions, name)(*args)
        assert tuple(ours.batch_shape) == tuple(theirs.batch_shape) == ()
        assert tuple(ours.sample((4,)).shape) == (4,)
        close(ours.log_prob(mg.tensor(1.0)), theirs.log_prob(torch.tensor(1.0)), rtol=1e-6)


# ---------------------------------------------------------- MixtureSameFamily


def _mixtures(lib: object, w: np.ndarray, loc: np.ndarray, scale: np.ndarray) -> list:
    d = lib.distributions
    return [
        d.MixtureSameFamily(d.Categorical(logits=lib.tensor(w)),
                            d.Normal(lib.tensor(loc[..., 0]), lib.tensor(scale[..., 0]))),
        d.MixtureSameFamily(d.Categorical(logits=lib.tensor(w)),
                            d.Independent(d.Normal(lib.tensor(loc), lib.tensor(scale)), 1)),
        d.MixtureSameFamily(d.Categorical(logits=lib.tensor(w)),
                            d.MultivariateNormal(lib.tensor(loc), scale_tril=lib.tensor(
                                scale[..., None] * np.eye(2)))),
    ]


def test_mixture_same_family_matches_pytorch(torch) -> None:
    w = RNG.standard_normal((3, 4))
    loc, scale = RNG.standard_normal((3, 4, 2)), RNG.uniform(0.5, 1.5, (3, 4, 2))
    built = zip(_mixtures(mg, w, loc, scale), _mixtures(torch, w, loc, scale))
    for i, (ours, theirs) in enumerate(built):
        assert tuple(ours.batch_shape) == tuple(theirs.batch_shape)
        assert tuple(ours.event_shape) == tuple(theirs.event_shape)
        close(ours.mean, theirs.mean)
        close(ours.variance, theirs.variance)
        x = RNG.standard_normal((5, *theirs.batch_shape, *theirs.event_shape))
        close(ours.log_prob(mg.tensor(x)), theirs.log_prob(torch.tensor(x)))
        if i == 0:
            close(ours.cdf(mg.tensor(x)), theirs.cdf(torch.tensor(x)))
        assert repr(ours.support) == repr(theirs.support)
        mg.manual_seed(0)
        s = ours.sample((6000,))
        assert tuple(s.shape) == (6000, *theirs.batch_shape, *theirs.event_shape)
        np.testing.assert_allclose(s.numpy().mean(0), ours.mean.numpy(), atol=0.15)
        np.testing.assert_allclose(s.numpy().var(0), ours.variance.numpy(), rtol=0.15)
    assert repr(ours).startswith("MixtureSameFamily(\n  Categorical(")
    assert not ours.has_rsample


def test_mixture_density_network_gradients_match_pytorch(torch) -> None:
    """The mixture-density-network loss: -log p(y) of a Gaussian mixture whose weights,
    means and scales are all learned."""
    w, loc, log_scale = RNG.standard_normal((5, 3)), RNG.standard_normal((5, 3)), \
        RNG.standard_normal((5, 3)) * 0.3
    y = RNG.standard_normal(5)
    grads = []
    for lib in (mg, torch):
        params = [lib.tensor(a, requires_grad=True) for a in (w, loc, log_scale)]
        d = lib.distributions
        mix = d.MixtureSameFamily(d.Categorical(logits=params[0]),
                                  d.Normal(params[1], params[2].exp()))
        (-mix.log_prob(lib.tensor(y)).mean()).backward()
        grads.append([p.grad for p in params])
    for ours, theirs in zip(*grads):
        close(ours, theirs, rtol=1e-6)


# ---------------------------------------------------------------- relaxed


def test_relaxed_draws_approach_one_hot_at_low_temperature() -> None:
    mg.manual_seed(0)
    probs = mg.tensor([0.1, 0.6, 0.3], dtype=mg.float64)
    x = D.RelaxedOneHotCategorical(mg.tensor(0.05, dtype=mg.float64), probs).sample((4000,))
    np.testing.assert_allclose(x.numpy().sum(-1), 1.0)
    assert (x.numpy().max(-1) > 0.9).mean() > 0.9
    np.testing.assert_allclose((x.numpy().argmax(-1)[:, None] == np.arange(3)).mean(0),
                               probs.numpy(), atol=0.03)
    b = D.RelaxedBernoulli(mg.tensor(0.05, dtype=mg.float64), mg.tensor([0.3, 0.8],
                                                                        dtype=mg.float64))
    draws = b.sample((4000,)).numpy()
    assert ((draws < 0.05) | (draws > 0.95)).mean() > 0.9
    np.testing.assert_allclose((draws > 0.5).mean(0), [0.3, 0.8], atol=0.03)
    logit_b = D.LogitRelaxedBernoulli(mg.tensor(0.5), logits=mg.tensor([0.0]))
    assert tuple(logit_b.rsample((3,)).shape) == (3, 1)


# ---------------------------------------------------------------- KL pairs


def _p(name: str, lib: object, **params: np.ndarray) -> tuple:
    tensors = {k: lib.tensor(v, dtype=lib.float64, requires_grad=True) for k, v in params.items()}
    return getattr(lib.distributions, name)(**tensors, validate_args=False), tensors


def _u(n: int, lo: float = 0.5, hi: float = 2.0) -> np.ndarray:
    return RNG.uniform(lo, hi, n)


def _z(n: int) -> np.ndarray:
    return RNG.standard_normal(n)


KL_PAIRS = [
    ("Poisson", {"rate": _u(3)}, "Poisson", {"rate": _u(3)}),
    ("Binomial", {"total_count": np.array([5.0, 6.0, 5.0]), "probs": _u(3, 0.1, 0.9)},
     "Binomial", {"total_count": np.array([5.0, 5.0, 5.0]), "probs": _u(3, 0.1, 0.9)}),
    ("Geometric", {"probs": _u(3, 0.1, 0.9)}, "Geometric", {"probs": _u(3, 0.1, 0.9)}),
    ("Gumbel", {"loc": _z(3), "scale": _u(3)}, "Gumbel", {"loc": _z(3), "scale": _u(3)}),
    ("HalfNormal", {"scale": _u(3)}, "HalfNormal", {"scale": _u(3)}),
    ("Cauchy", {"loc": _z(3), "scale": _u(3)}, "Cauchy", {"loc": _z(3), "scale": _u(3)}),
    ("LogNormal", {"loc": _z(3), "scale": _u(3)}, "LogNormal", {"loc": _z(3), "scale": _u(3)}),
    ("Chi2", {"df": _u(3, 1, 5)}, "Chi2", {"df": _u(3, 1, 5)}),
    ("Bernoulli", {"probs": _u(3, 0.1, 0.9)}, "Poisson", {"rate": _u(3)}),
    ("Beta", {"concentration1": _u(3), "concentration0": _u(3)}, "Exponential",
     {"rate": _u(3)}),
    ("Beta", {"concentration1": _u(3), "concentration0": _u(3)}, "Gamma",
     {"concentration": _u(3), "rate": _u(3)}),
    ("Beta", {"concentration1": _u(3), "concentration0": _u(3)}, "Normal",
     {"loc": _z(3), "scale": _u(3)}),
    ("Beta", {"concentration1": _u(3), "concentration0": _u(3)}, "Uniform",
     {"low": np.array([-0.5, 0.2, 0.0]), "high": np.array([1.5, 1.0, 1.0])}),
    ("Exponential", {"rate": _u(3)}, "Gamma", {"concentration": _u(3), "rate": _u(3)}),
    ("Exponential", {"rate": _u(3)}, "Gumbel", {"loc": _z(3), "scale": _u(3)}),
    ("Exponential", {"rate": _u(3)}, "Normal", {"loc": _z(3), "scale": _u(3)}),
    ("Exponential", {"rate": _u(3)}, "Uniform", {"low": _z(3) - 3, "high": _z(3) + 3}),
    ("Gamma", {"concentration": _u(3), "rate": _u(3)}, "Exponential", {"rate": _u(3)}),
    ("Gamma", {"concentration": _u(3), "rate": _u(3)}, "Gumbel",
     {"loc": _z(3), "scale": _u(3)}),
    ("Gamma", {"concentration": _u(3), "rate": _u(3)}, "Normal",
     {"loc": _z(3), "scale": _u(3)}),
    ("Gamma", {"concentration": _u(3), "rate": _u(3)}, "Beta",
     {"concentration1": _u(3), "concentration0": _u(3)}),
    ("Gumbel", {"loc": _z(3), "scale": _u(3)}, "Normal", {"loc": _z(3), "scale": _u(3)}),
    ("Gumbel", {"loc": _z(3), "scale": _u(3)}, "Exponential", {"rate": _u(3)}),
    ("Laplace", {"loc": _z(3), "scale": _u(3)}, "Normal", {"loc": _z(3), "scale": _u(3)}),
    ("Laplace", {"loc": _z(3), "scale": _u(3)}, "Gamma",
     {"concentration": _u(3), "rate": _u(3)}),
    ("Normal", {"loc": _z(3), "scale": _u(3)}, "Gumbel", {"loc": _z(3), "scale": _u(3)}),
    ("Normal", {"loc": _z(3), "scale": _u(3)}, "Laplace", {"loc": _z(3), "scale": _u(3)}),
    ("Normal", {"loc": _z(3), "scale": _u(3)}, "Uniform", {"low": _z(3) - 3,
                                                           "high": _z(3) + 3}),
    ("Poisson", {"rate": _u(3)}, "Binomial", {"total_count": np.array([3.0, 3.0, 3.0]),
                                              "probs": _u(3, 0.1, 0.9)}),
    ("Uniform", {"low": np.array([0.1, -0.2, 0.0]), "high": np.array([0.8, 0.5, 1.0])}, "Beta",
     {"concentration1": _u(3), "concentration0": _u(3)}),
    ("Uniform", {"low": np.array([0.1, -0.2, 0.0]), "high": np.array([0.8, 0.5, 1.0])},
     "Exponential", {"rate": _u(3)}),
    ("Uniform", {"low": np.array([0.1, -0.2, 0.5]), "high": np.array([0.8, 0.5, 3.0])},
     "Gamma", {"concentration": _u(3), "rate": _u(3)}),
    ("Uniform", {"low": _z(3) - 2, "high": _z(3) + 2}, "Gumbel", {"loc": _z(3), "scale": _u(3)}),
    ("Uniform", {"low": _z(3) - 2, "high": _z(3) + 2}, "Normal", {"loc": _z(3), "scale": _u(3)}),
    ("ContinuousBernoulli", {"probs": np.array([0.2, 0.5, 0.9])}, "ContinuousBernoulli",
     {"probs": np.array([0.6, 0.3, 0.4999])}),
    ("ContinuousBernoulli", {"probs": np.array([0.2, 0.5, 0.9])}, "Normal",
     {"loc": _z(3), "scale": _u(3)}),
    ("ContinuousBernoulli", {"logits": _z(3)}, "Exponential", {"rate": _u(3)}),
    ("ContinuousBernoulli", {"logits": _z(3)}, "Uniform",
     {"low": np.array([-0.5, 0.0, -1.0]), "high": np.array([1.5, 2.0, 1.0])}),
    ("Beta", {"concentration1": _u(3), "concentration0": _u(3)}, "ContinuousBernoulli",
     {"probs": np.array([0.2, 0.5, 0.9])}),
    ("Uniform", {"low": np.array([0.1, 0.0, 0.3]), "high": np.array([0.8, 0.5, 1.0])},
     "ContinuousBernoulli", {"probs": np.array([0.2, 0.5, 0.9])}),
    ("Normal", {"loc": _z(3), "scale": _u(3)}, "ContinuousBernoulli", {"logits": _z(3)}),
    ("LowRankMultivariateNormal", {"loc": RNG.standard_normal((2, 3)),
                                   "cov_factor": RNG.standard_normal((3, 2)),
                                   "cov_diag": _u(3)},
     "LowRankMultivariateNormal", {"loc": _z(3), "cov_factor": RNG.standard_normal((2, 3, 1)),
                                   "cov_diag": RNG.uniform(0.5, 2, (2, 3))}),
    ("MultivariateNormal", {"loc": _z(3), "scale_tril": np.tril(RNG.uniform(0.3, 1, (3, 3)))},
     "LowRankMultivariateNormal", {"loc": RNG.standard_normal((2, 3)),
                                   "cov_factor": RNG.standard_normal((3, 2)),
                                   "cov_diag": _u(3)}),
    ("LowRankMultivariateNormal", {"loc": RNG.standard_normal((2, 3)),
                                   "cov_factor": RNG.standard_normal((2, 3, 2)),
                                   "cov_diag": _u(3)},
     "MultivariateNormal", {"loc": _z(3), "scale_tril": np.tril(RNG.uniform(0.3, 1, (3, 3)))}),
]


@pytest.mark.parametrize(("pn", "p", "qn", "q"), KL_PAIRS,
                         ids=[f"{k[0]}-{k[2]}" for k in KL_PAIRS])
def test_kl_divergence_matches_pytorch(torch, pn: str, p: dict, qn: str, q: dict) -> None:
    (op, opt), (oq, oqt) = _p(pn, mg, **p), _p(qn, mg, **q)
    (tp, tpt), (tq, tqt) = _p(pn, torch, **p), _p(qn, torch, **q)
    ours, theirs = D.kl_divergence(op, oq), torch.distributions.kl_divergence(tp, tq)
    close(ours, theirs, rtol=1e-7, atol=1e-10)
    assert ours.requires_grad == theirs.requires_grad
    if not theirs.requires_grad:  # an infinite constant (no overlap of supports)
        return
    (ours * ours.isfinite()).nan_to_num().sum().backward()
    (theirs * theirs.isfinite()).nan_to_num().sum().backward()
    for ours_params, their_params in ((opt, tpt), (oqt, tqt)):
        for k in ours_params:
            if their_params[k].grad is None:
                assert ours_params[k].grad is None or not ours_params[k].grad.numpy().any()
            else:
                close(ours_params[k].grad, their_params[k].grad, rtol=1e-6)


def test_kl_gradcheck_and_unregistered_pairs(torch) -> None:
    def kl(a: mg.Tensor, b: mg.Tensor) -> mg.Tensor:
        return (D.kl_divergence(D.Normal(a, b.exp()), D.Laplace(b, a.exp()))
                + D.kl_divergence(D.Gumbel(a, b.exp()), D.Gumbel(b, a.exp()))
                + D.kl_divergence(D.Uniform(a - 3, a + b.exp()), D.Normal(b, a.exp())))

    a = mg.tensor(RNG.standard_normal(3) * 0.3, requires_grad=True)
    b = mg.tensor(RNG.standard_normal(3) * 0.3, requires_grad=True)
    assert mg.gradcheck(kl, (a, b))
    assert mg.gradgradcheck(kl, (a, b))
    for p, q in ((D.Cauchy(0.0, 1.0), D.Normal(0.0, 1.0)),
                 (D.Poisson(1.0), D.Geometric(0.5)),
                 (D.StudentT(3.0), D.StudentT(4.0))):
        tp = getattr(torch.distributions, type(p).__name__)
        assert tp is not None
        with pytest.raises(NotImplementedError, match="^kl_divergence: No KL\\(p \\|\\| q\\) is "
                           f"implemented for p type {type(p).__name__}"):
            D.kl_divergence(p, q)
    with pytest.raises(NotImplementedError, match="different transforms"):
        D.kl_divergence(D.LogNormal(0.0, 1.0), D.TransformedDistribution(
            D.Normal(0.0, 1.0), T.SigmoidTransform()))
    with pytest.raises(NotImplementedError, match="q.total_count > p.total_count"):
        D.kl_divergence(D.Binomial(2, mg.tensor([0.5])), D.Binomial(3, mg.tensor([0.5])))


def test_module_stays_lazy() -> None:
    import subprocess
    import sys

    code = ("import sys, minigrad as torch\n"
            "assert 'minigrad.distributions' not in sys.modules\n"
            "assert torch.distributions.transforms.ExpTransform\n"
            "assert torch.distributions.LogNormal and torch.distributions.biject_to\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


@pytest.mark.parametrize(("name", "nargs"), [("LogNormal", 2), ("Cauchy", 2), ("Gumbel", 2),
                                             ("HalfNormal", 1), ("Poisson", 1),
                                             ("Geometric", 1), ("StudentT", 1), ("Chi2", 1)])
def test_zero_size_batches(torch, name: str, nargs: int) -> None:
    ours = getattr(D, name)(*[mg.ones(0, 3)] * nargs)
    theirs = getattr(torch.distributions, name)(*[torch.ones(0, 3)] * nargs)
    assert tuple(ours.batch_shape) == tuple(theirs.batch_shape) == (0, 3)
    assert tuple(ours.sample((2,)).shape) == (2, 0, 3)
    close(ours.log_prob(mg.ones(0, 3)), theirs.log_prob(torch.ones(0, 3)))


def test_lowrank_multivariate_normal_matrices_and_errors(torch) -> None:
    loc, w, d = RNG.standard_normal((2, 4)), RNG.standard_normal((4, 2)), _u(4)
    ours = D.LowRankMultivariateNormal(mg.tensor(loc), mg.tensor(w), mg.tensor(d))
    theirs = torch.distributions.LowRankMultivariateNormal(torch.tensor(loc), torch.tensor(w),
                                                           torch.tensor(d))
    for name in ("scale_tril", "covariance_matrix", "precision_matrix"):
        close(getattr(ours, name), getattr(theirs, name))
    close(ours.expand((3, 2)).log_prob(mg.tensor(loc)),
          theirs.expand((3, 2)).log_prob(torch.tensor(loc)))
    cases = [((mg.tensor(1.0), mg.ones(1, 1), mg.ones(1)), "loc must be at least one-dim"),
             ((mg.zeros(3), mg.ones(3), mg.ones(3)), "cov_factor must be at least two-dim"),
             ((mg.zeros(3), mg.ones(2, 1), mg.ones(3)), "cov_factor must be a batch of "
              "matrices with shape 3 x m"),
             ((mg.zeros(3), mg.ones(3, 1), mg.ones(2)), "cov_diag must be a batch of vectors"),
             ((mg.zeros(2, 3), mg.ones(4, 3, 1), mg.ones(3)), "Incompatible batch shapes")]
    for args, message in cases:
        with pytest.raises(ValueError, match="^LowRankMultivariateNormal: " + message):
            D.LowRankMultivariateNormal(*args)


def test_von_mises_matches_pytorch_and_samples(torch) -> None:
    """Agreement to PyTorch's polynomial fit of log I0 (about 1e-7; ours is exact)."""
    loc, k = np.array([0.5, -2.0, 3.0]), np.array([0.3, 2.0, 40.0])
    v = np.array([[0.1, -3.0, 2.9], [1.0, 0.0, -1.0]])
    ours_params = [mg.tensor(a, requires_grad=True) for a in (loc, k)]
    their_params = [torch.tensor(a, requires_grad=True) for a in (loc, k)]
    ours, theirs = D.VonMises(*ours_params), torch.distributions.VonMises(*their_params)
    assert repr(ours) == repr(theirs).replace("torch.", "") and not ours.has_rsample
    lo, lt = ours.log_prob(mg.tensor(v)), theirs.log_prob(torch.tensor(v))
    close(lo, lt, rtol=1e-6, atol=1e-6)
    close(ours.variance, theirs.variance, rtol=1e-6, atol=1e-6)
    close(ours.mean, theirs.mean)
    (lo.sum() + ours.variance.sum()).backward()
    (lt.sum() + theirs.variance.sum()).backward()
    for a, b in zip(ours_params, their_params):
        close(a.grad, b.grad, rtol=1e-5, atol=1e-6)
    mg.manual_seed(0)
    x = ours.sample((20000,)).numpy()
    assert x.shape == (20000, 3) and x.min() >= -np.pi and x.max() < np.pi
    resultant = np.exp(1j * x).mean(0)
    np.testing.assert_allclose(np.angle(resultant), loc, atol=0.05)
    np.testing.assert_allclose(np.abs(resultant), 1 - ours.variance.detach().numpy(), atol=0.02)
    assert tuple(ours.expand((2, 3)).batch_shape) == (2, 3)
    with pytest.raises(ValueError, match="^VonMises: Expected parameter concentration"):
        D.VonMises(mg.tensor([0.0]), mg.tensor([-1.0]))
    assert mg.gradcheck(lambda a, b: D.VonMises(a, b.exp()).log_prob(a * 0.5 + 1.0),
                        (mg.tensor(loc, requires_grad=True), mg.tensor(k * 0.1,
                                                                        requires_grad=True)))
