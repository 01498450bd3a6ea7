"""Losses against PyTorch (kl_div, huber, margin ranking, hinge embedding, multi margin,
soft margin, triplet margin, cosine embedding, multilabel margin): gradcheck and
gradgradcheck in float64, and PyTorch parity of the value (shape, dtype, NaN/Inf pattern)
and of every input's gradient, for every reduction, empty batches and extreme values;
modules and bad calls too."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from helpers import compare_with_torch, optional_torch

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F

torch = optional_torch()  # torch-free tests run without it
TF = torch.nn.functional

rng = np.random.default_rng(2025)
TOL = {np.float32: 3e-5, np.float64: 1e-10}
REDUCTIONS = ["none", "mean", "sum"]


def _tensors(lib: object, arrays: list[np.ndarray], grads: list[bool]) -> list:
    make = mg.tensor if lib is mg else torch.tensor
    return [make(a, requires_grad=g) for a, g in zip(arrays, grads)]


def compare(mg_fn: Callable, torch_fn: Callable, arrays: list[np.ndarray],
            grads: list[bool], tol: float = 1e-10) -> None:
    """``helpers.compare_with_torch``, every flagged input's gradient included."""
    compare_with_torch(mg_fn, torch_fn, arrays, grads, tol)


def normal(*shape: int, dtype: type = np.float64) -> np.ndarray:
    return rng.normal(size=shape).astype(dtype)


def signs(*shape: int, dtype: type = np.float64) -> np.ndarray:
    return rng.choice([-1.0, 1.0], size=shape).astype(dtype)


def probs(*shape: int, dtype: type = np.float64) -> np.ndarray:
    p = rng.uniform(0.05, 1, size=shape)
    return (p / p.sum(-1, keepdims=True) if p.ndim else p).astype(dtype)


def classes(n: int, c: int) -> np.ndarray:
    return rng.integers(0, c, size=n).astype(np.int64)


def label_lists(n: int, c: int) -> np.ndarray:
    out = np.full((n, c), -1, np.int64)
    for i in range(n):
        k = rng.integers(0, c + 1)
        out[i, :k] = rng.choice(c, size=k, replace=False)
    return out


# name -> (ours(reduction), theirs(reduction), make(batch, dtype) -> arrays, grads)
def _pair(name: str, **kw: object) -> tuple[Callable, Callable]:
    return (lambda r: lambda *a: getattr(F, name)(*a, reduction=r, **kw),
            lambda r: lambda *a: getattr(TF, name)(*a, reduction=r, **kw))


LOSSES: dict[str, tuple] = {
    "kl_div": (*_pair("kl_div"),
               lambda n, dt: [np.log(probs(n, 5, dtype=dt)), probs(n, 5, dtype=dt)],
               [True, True]),
    "kl_div_log_target": (*_pair("kl_div", log_target=True),
                          lambda n, dt: [np.log(probs(n, 5, dtype=dt)),
                                         np.log(probs(n, 5, dtype=dt))], [True, True]),
    "huber": (*_pair("huber_loss"), lambda n, dt: [normal(n, 4, dtype=dt) * 2,
                                                  normal(n, 4, dtype=dt)], [True, True]),
    "huber_delta": (*_pair("huber_loss", delta=0.3),
                    lambda n, dt: [normal(n, 3, 2, dtype=dt), normal(n, 3, 2, dtype=dt)],
                    [True, True]),
    "margin_ranking": (*_pair("margin_ranking_loss", margin=0.2),
                       lambda n, dt: [normal(n, dtype=dt), normal(n, dtype=dt),
                                      signs(n, dtype=dt)], [True, True, False]),
    "hinge_embedding": (*_pair("hinge_embedding_loss", margin=1.5),
                        lambda n, dt: [np.abs(normal(n, 3, dtype=dt)) * 2,
                                       signs(n, 3, dtype=dt)], [True, False]),
    "soft_margin": (*_pair("soft_margin_loss"),
                    lambda n, dt: [normal(n, 4, dtype=dt) * 3, signs(n, 4, dtype=dt)],
                    [True, False]),
    "multi_margin": (*_pair("multi_margin_loss"),
                     lambda n, dt: [normal(n, 5, dtype=dt), classes(n, 5)], [True, False]),
    "multi_margin_p2": (*_pair("multi_margin_loss", p=2, margin=0.7),
                        lambda n, dt: [normal(n, 4, dtype=dt), classes(n, 4)],
                        [True, False]),
    "multi_margin_weight": (
        lambda r: lambda x, t, w: F.multi_margin_loss(x, t, weight=w, reduction=r),
        lambda r: lambda x, t, w: TF.multi_margin_loss(x, t, weight=w, reduction=r),
        lambda n, dt: [normal(n, 4, dtype=dt), classes(n, 4),
                       rng.uniform(0.2, 2, 4).astype(dt)], [True, False, False]),
    "triplet": (*_pair("triplet_margin_loss"),
                lambda n, dt: [normal(n, 6, dtype=dt), normal(n, 6, dtype=dt),
                               normal(n, 6, dtype=dt)], [True, True, True]),
    "triplet_p1_swap": (*_pair("triplet_margin_loss", p=1, margin=2.0, swap=True),
                        lambda n, dt: [normal(n, 6, dtype=dt), normal(n, 6, dtype=dt),
                                       normal(n, 6, dtype=dt)], [True, True, True]),
    "triplet_p3_eps": (*_pair("triplet_margin_loss", p=3, eps=1e-3, swap=True),
                       lambda n, dt: [normal(n, 6, dtype=dt), normal(n, 6, dtype=dt),
                                      normal(n, 6, dtype=dt)], [True, True, True]),
    "cosine_embedding": (*_pair("cosine_embedding_loss", margin=0.1),
                         lambda n, dt: [normal(n, 5, dtype=dt), normal(n, 5, dtype=dt),
                                        signs(n, dtype=dt)], [True, True, False]),
    "multilabel_margin": (*_pair("multilabel_margin_loss"),
                          lambda n, dt: [normal(n, 5, dtype=dt), label_lists(n, 5)],
                          [True, False]),
}
# PyTorch's multi_margin_loss / multilabel_margin_loss reduced over an empty batch return
# uninitialised memory (a random number); minigrad returns NaN for the mean, as every other
# PyTorch loss does for a mean over nothing, and 0 for the sum.
EMPTY_MEAN_GARBAGE = {"multi_margin", "multi_margin_p2", "multi_margin_weight",
                      "multilabel_margin"}


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", sorted(LOSSES))
def test_gradcheck_and_gradgradcheck(name: str, reduction: str) -> None:
    ours, _, make, grads = LOSSES[name]
    arrays = make(3, np.float64)
    inputs = _tensors(mg, arrays, grads)
    fn = ours(reduction)
    assert mg.gradcheck(fn, inputs)
    assert mg.gradgradcheck(fn, inputs)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("batch", [4, 1, 0])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", sorted(LOSSES))
def test_matches_pytorch(name: str, reduction: str, batch: int, dtype: type) -> None:
    ours, theirs, make, grads = LOSSES[name]
    arrays = make(batch, dtype)
    if batch == 0 and reduction != "none" and name in EMPTY_MEAN_GARBAGE:
        out = ours(reduction)(*_tensors(mg, arrays, grads))
        assert out.shape == () and out.dtype == dtype
        assert np.isnan(out.item()) if reduction == "mean" else out.item() == 0.0
        return
    compare(ours(reduction), theirs(reduction), arrays, grads, TOL[dtype])


def test_kl_div_batchmean_and_zero_targets_match_pytorch() -> None:
    logp = np.log(probs(3, 4))
    target = probs(3, 4)
    target[0, 1] = 0.0
    for reduction in ("batchmean", "sum", "none"):
        compare(lambda a, b, r=reduction: F.kl_div(a, b, reduction=r),
                lambda a, b, r=reduction: TF.kl_div(a, b, reduction=r), [logp, target],
                [True, False])
        compare(lambda a, b, r=reduction: F.kl_div(a, b, reduction=r),
                lambda a, b, r=reduction: TF.kl_div(a, b, reduction=r), [logp, target],
                [True, True])


EXTREME = np.array([-np.inf, -1e4, -30.0, -1.0, 0.0, 1e-8, 1.0, 30.0, 1e4, np.inf, np.nan])


@pytest.mark.parametrize("name", ["huber", "huber_delta"])
def test_huber_extremes_match_pytorch(name: str) -> None:
    ours, theirs, _, _ = LOSSES[name]
    for r in REDUCTIONS:
        compare(ours(r), theirs(r), [EXTREME.copy(), np.zeros_like(EXTREME)], [True, True])


def test_margin_losses_extremes_match_pytorch() -> None:
    y = np.array([1.0, -1.0] * 5 + [1.0])
    for r in REDUCTIONS:
        compare(lambda a, b, t, r=r: F.margin_ranking_loss(a, b, t, reduction=r),
                lambda a, b, t, r=r: TF.margin_ranking_loss(a, b, t, reduction=r),
                [EXTREME.copy(), EXTREME[::-1].copy(), y], [True, True, False])
        compare(lambda a, t, r=r: F.hinge_embedding_loss(a, t, reduction=r),
                lambda a, t, r=r: TF.hinge_embedding_loss(a, t, reduction=r),
                [EXTREME.copy(), y], [True, False])
    x = np.array([[1e4, -1e4, 0.0, 3.0], [np.inf, 0.0, 1.0, 2.0], [np.nan, 1, 2, 3]])
    for p in (1, 2):
        compare(lambda a, t, p=p: F.multi_margin_loss(a, t, p=p, reduction="none"),
                lambda a, t, p=p: TF.multi_margin_loss(a, t, p=p, reduction="none"),
                [x, np.array([1, 0, 2])], [True, False])
        compare(lambda a, t: F.multilabel_margin_loss(a, t, reduction="none"),
                lambda a, t: TF.multilabel_margin_loss(a, t, reduction="none"),
                [x, np.array([[1, 2, -1, 0], [0, -1, 1, 1], [3, -1, -1, -1]])], [True, False])


def test_soft_margin_loss_stays_finite_where_pytorch_overflows() -> None:
    """PyTorch's log1p(exp(-y*x)) is inf (gradient NaN) once -y*x passes ~710; minigrad's
    softplus form gives the exact |y*x| and gradient -y. Below that they agree."""
    x = mg.tensor(np.array([1e4, -1e4, 800.0, -800.0, 30.0]), requires_grad=True)
    y = mg.tensor(np.array([-1.0, 1.0, -1.0, -1.0, 1.0]))
    loss = F.soft_margin_loss(x, y, reduction="none")
    np.testing.assert_allclose(loss.numpy(force=True), [1e4, 1e4, 800.0, 0.0, np.log1p(
        np.exp(-30.0))], rtol=1e-12)
    loss.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, -1.0, 1.0, 0.0,
                                                -1 / (1 + np.exp(30.0))], rtol=1e-12)
    moderate = np.array([-700.0, -30.0, -1.0, 0.0, 1.0, 30.0, 700.0, np.nan])
    compare(lambda a, t: F.soft_margin_loss(a, t, reduction="none"),
            lambda a, t: TF.soft_margin_loss(a, t, reduction="none"),
            [moderate, np.ones(8)], [True, False])


def test_triplet_and_cosine_with_identical_vectors_match_pytorch() -> None:
    a = normal(3, 4)
    compare(lambda x, p, n: F.triplet_margin_loss(x, p, n, eps=0.0, reduction="none"),
            lambda x, p, n: TF.triplet_margin_loss(x, p, n, eps=0.0, reduction="none"),
            [a, a.copy(), normal(3, 4)], [True, True, True])
    compare(lambda x, y, t: F.cosine_embedding_loss(x, y, t, reduction="none"),
            lambda x, y, t: TF.cosine_embedding_loss(x, y, t, reduction="none"),
            [np.zeros((2, 4)), normal(2, 4), np.array([1.0, -1.0])], [True, True, False],
            tol=1e-8)  # a zero vector: gradients ~1e6 through the 1e-12 epsilon
    big = np.array([[1e4, -1e4, 3.0], [1e-8, 0.0, 1.0]])
    compare(lambda x, y, t: F.cosine_embedding_loss(x, y, t, reduction="none"),
            lambda x, y, t: TF.cosine_embedding_loss(x, y, t, reduction="none"),
            [big, big[::-1].copy(), np.array([1.0, -1.0])], [True, True, False])


def test_unbatched_inputs_match_pytorch() -> None:
    for r in REDUCTIONS:
        compare(lambda x, t, r=r: F.multi_margin_loss(x, t, reduction=r),
                lambda x, t, r=r: TF.multi_margin_loss(x, t, reduction=r),
                [normal(5), np.array(2)], [True, False])
        compare(lambda x, t, r=r: F.multilabel_margin_loss(x, t, reduction=r),
                lambda x, t, r=r: TF.multilabel_margin_loss(x, t, reduction=r),
                [normal(4), np.array([3, 0, -1, 1])], [True, False])
        compare(lambda a, p, n, r=r: F.triplet_margin_loss(a, p, n, reduction=r),
                lambda a, p, n, r=r: TF.triplet_margin_loss(a, p, n, reduction=r),
                [normal(5), normal(5), normal(5)], [True, True, True])
        compare(lambda a, b, t, r=r: F.cosine_embedding_loss(a, b, t, reduction=r),
                lambda a, b, t, r=r: TF.cosine_embedding_loss(a, b, t, reduction=r),
                [normal(5), normal(5), np.array(-1.0)], [True, True, False])
        compare(lambda a, p, n, r=r: F.triplet_margin_loss(a, p, n, reduction=r),
                lambda a, p, n, r=r: TF.triplet_margin_loss(a, p, n, reduction=r),
                [normal(2, 3, 4), normal(2, 3, 4), normal(2, 3, 4)], [True, True, True])


MODULES = [
    (lambda lib: lib.KLDivLoss(reduction="batchmean"), LOSSES["kl_div"][2], [True, True]),
    (lambda lib: lib.KLDivLoss(reduction="sum", log_target=True),
     LOSSES["kl_div_log_target"][2], [True, True]),
    (lambda lib: lib.HuberLoss(delta=0.5), LOSSES["huber"][2], [True, True]),
    (lambda lib: lib.MarginRankingLoss(margin=0.3), LOSSES["margin_ranking"][2],
     [True, True, False]),
    (lambda lib: lib.HingeEmbeddingLoss(margin=2.0, reduction="sum"),
     LOSSES["hinge_embedding"][2], [True, False]),
    (lambda lib: lib.MultiMarginLoss(p=2, margin=0.5), LOSSES["multi_margin"][2],
     [True, False]),
    (lambda lib: lib.SoftMarginLoss(reduction="none"), LOSSES["soft_margin"][2],
     [True, False]),
    (lambda lib: lib.TripletMarginLoss(margin=0.5, p=1.5, swap=True), LOSSES["triplet"][2],
     [True, True, True]),
    (lambda lib: lib.CosineEmbeddingLoss(margin=-0.2), LOSSES["cosine_embedding"][2],
     [True, True, False]),
    (lambda lib: lib.MultiLabelMarginLoss(), LOSSES["multilabel_margin"][2], [True, False]),
]


@pytest.mark.parametrize("make,arrays,grads", MODULES)
def test_modules_match_pytorch(make: Callable, arrays: Callable, grads: list[bool]) -> None:
    compare(make(nn), make(torch.nn), arrays(4, np.float64), grads)


def test_multi_margin_module_weight_is_a_buffer() -> None:
    w = mg.tensor([1.0, 2.0, 0.5])
    layer = nn.MultiMarginLoss(weight=w)
    assert "weight" in dict(layer.named_buffers())
    assert list(layer.state_dict()) == list(torch.nn.MultiMarginLoss(
        weight=torch.ones(3)).state_dict())


BAD = [
    (lambda: F.huber_loss(mg.ones(2), mg.ones(2), delta=0.0), RuntimeError,
     r"huber_loss.*delta"),
    (lambda: F.huber_loss(mg.ones(2), mg.ones(2), weight=mg.ones(3)), ValueError,
     r"huber_loss.*weight"),
    (lambda: F.kl_div(mg.ones(2), mg.ones(2), reduction="foo"), ValueError,
     r"kl_div.*reduction.*'foo'"),
    (lambda: F.soft_margin_loss(mg.ones(2, 3), mg.ones(2, 2)), RuntimeError,
     r"soft_margin_loss.*\(2, 3\).*\(2, 2\)"),
    (lambda: F.margin_ranking_loss(mg.ones(3), mg.ones(3), mg.ones(1, 3)), RuntimeError,
     r"margin_ranking_loss.*same dimension"),
    (lambda: F.margin_ranking_loss(mg.ones(3), mg.ones(3), mg.ones(2)), RuntimeError,
     r"margin_ranking_loss.*broadcast"),
    (lambda: F.hinge_embedding_loss(mg.ones(3), mg.ones(2)), RuntimeError,
     r"hinge_embedding_loss.*broadcast"),
    (lambda: F.multi_margin_loss(mg.ones(2, 3), mg.tensor([0, 3])), RuntimeError,
     r"multi_margin_loss.*target out of range: 3"),
    (lambda: F.multi_margin_loss(mg.ones(2, 3), mg.tensor([0, 1, 1])), RuntimeError,
     r"multi_margin_loss.*Expected target size \[2\]"),
    (lambda: F.multi_margin_loss(mg.ones(2, 3), mg.tensor([0, 1]), p=3), ValueError,
     r"multi_margin_loss.*p == 1 and p == 2.*p=3"),
    (lambda: F.multi_margin_loss(mg.ones(2, 3), mg.tensor([0, 1]), weight=mg.ones(2)),
     RuntimeError, r"multi_margin_loss.*weight size, expected 3"),
    (lambda: F.multi_margin_loss(mg.ones(2, 3), mg.tensor([0, 1]), weight=mg.ones(3, 1)),
     ValueError, r"multi_margin_loss.*one-dimensional"),
    (lambda: F.multilabel_margin_loss(mg.ones(2, 3), mg.tensor([0, 1])), RuntimeError,
     r"multilabel_margin_loss.*inconsistent target size"),
    (lambda: F.multilabel_margin_loss(mg.ones(2, 3), mg.tensor([[0, 3, -1], [1, -1, 0]])),
     RuntimeError, r"multilabel_margin_loss.*out of range"),
    (lambda: F.triplet_margin_loss(mg.ones(2, 3), mg.ones(3), mg.ones(2, 3)), RuntimeError,
     r"triplet_margin_loss.*anchor 2D, positive 1D, and negative 2D"),
    (lambda: F.triplet_margin_loss(mg.ones(2, 3), mg.ones(2, 3), mg.ones(2, 4)),
     RuntimeError, r"pairwise_distance.*\(2, 3\).*\(2, 4\)"),
    (lambda: F.triplet_margin_loss(mg.ones(3), mg.ones(3), mg.ones(3), margin=0.0),
     ValueError, r"triplet_margin_loss.*margin.*0.0"),
    (lambda: F.cosine_embedding_loss(mg.ones(2, 3), mg.ones(2, 3), mg.ones(3)),
     RuntimeError, r"cosine_embedding_loss.*do not match"),
    (lambda: F.cosine_embedding_loss(mg.ones(2, 3, 1), mg.ones(2, 3, 1), mg.ones(2)),
     RuntimeError, r"cosine_embedding_loss.*1D target tensor expects 2D input"),
    (lambda: F.cosine_embedding_loss(mg.ones(2, 3), mg.ones(2, 3), mg.ones(2, 1)),
     RuntimeError, r"cosine_embedding_loss.*1D or 0D target"),
    (lambda: F.kl_div([1.0], mg.ones(1)), TypeError, r"kl_div.*input"),
    (lambda: nn.TripletMarginLoss(margin=-1.0), ValueError, r"TripletMarginLoss.*margin"),
    (lambda: nn.MultiMarginLoss(p=0), ValueError, r"MultiMarginLoss.*p == 1"),
    (lambda: nn.HuberLoss(reduction="avg"), ValueError, r"HuberLoss.*reduction"),
    (lambda: nn.KLDivLoss(reduction="avg"), ValueError, r"kl_div.*reduction"),
]


@pytest.mark.parametrize("call,exc,match", BAD)
def test_bad_calls_raise_pytorchs_exception_type(call: Callable, exc: type,
                                                  match: str) -> None:
    with pytest.raises(exc, match=match):
        call()
