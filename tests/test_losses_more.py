"""The Gaussian and Poisson NLL losses, the multi-label soft margin loss and the triplet loss
with a distance of one's own, against PyTorch: gradcheck and gradgradcheck in float64, and
PyTorch parity of the value (shape, dtype, NaN/Inf pattern) and of every input's gradient,
for every reduction, float32 and float64, batches of 4, 1 and 0 and extreme values;
the modules, and bad calls with PyTorch's exception types."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from helpers import assert_raises_as_torch, compare_with_torch, optional_torch

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F

torch = optional_torch()  # torch-free tests run without it
TF = torch.nn.functional

rng = np.random.default_rng(2026)
TOL = {np.float32: 3e-5, np.float64: 1e-10}
REDUCTIONS = ["none", "mean", "sum"]
nan, inf = float("nan"), float("inf")


def slow_but(values: list, *fast: object) -> list:
    """``values`` for parametrize, all but ``fast`` marked slow (the full matrix runs in CI)."""
    return [v if v in fast else pytest.param(v, marks=pytest.mark.slow) for v in values]


def normal(*shape: int, dtype: type = np.float64) -> np.ndarray:
    return rng.normal(size=shape).astype(dtype)


def positive(*shape: int, dtype: type = np.float64, low: float = 0.2) -> np.ndarray:
    return rng.uniform(low, 3.0, size=shape).astype(dtype)


def counts(*shape: int, dtype: type = np.float64) -> np.ndarray:
    return rng.poisson(2.0, size=shape).astype(dtype)


def labels(*shape: int, dtype: type = np.float64) -> np.ndarray:
    return rng.integers(0, 2, size=shape).astype(dtype)


def cosine_distance(lib: object) -> Callable:
    return lambda x, y: 1.0 - lib.nn.functional.cosine_similarity(x, y)


def _pair(name: str, **kw: object) -> tuple[Callable, Callable]:
    return (lambda r: lambda *a: getattr(F, name)(*a, reduction=r, **kw),
            lambda r: lambda *a: getattr(TF, name)(*a, reduction=r, **kw))


# name -> (ours(reduction), theirs(reduction), make(batch, dtype) -> arrays, grads)
LOSSES: dict[str, tuple] = {
    "gaussian": (*_pair("gaussian_nll_loss"),
                 lambda n, dt: [normal(n, 4, dtype=dt), normal(n, 4, dtype=dt),
                                positive(n, 4, dtype=dt)], [True, True, True]),
    "gaussian_full_var_per_row": (*_pair("gaussian_nll_loss", full=True),
                                  lambda n, dt: [normal(n, 3, dtype=dt), normal(n, 3, dtype=dt),
                                                 positive(n, dtype=dt)], [True, True, True]),
    "gaussian_var_shared_along_dim1": (
        *_pair("gaussian_nll_loss", eps=1e-3),
        lambda n, dt: [normal(n, 3, 2, dtype=dt), normal(n, 3, 2, dtype=dt),
                       positive(n, 1, 2, dtype=dt)], [True, True, True]),
    "gaussian_float_var": (
        lambda r: lambda x, t: F.gaussian_nll_loss(x, t, 0.7, reduction=r),
        lambda r: lambda x, t: TF.gaussian_nll_loss(x, t, 0.7, reduction=r),
        lambda n, dt: [normal(n, 3, dtype=dt), normal(n, 3, dtype=dt)], [True, True]),
    "gaussian_target_broadcast": (*_pair("gaussian_nll_loss"),
                                  lambda n, dt: [normal(n, 3, dtype=dt), normal(3, dtype=dt),
                                                 positive(n, 3, dtype=dt)], [True, True, True]),
    "poisson": (*_pair("poisson_nll_loss"),
                lambda n, dt: [normal(n, 4, dtype=dt), counts(n, 4, dtype=dt)], [True, True]),
    "poisson_rate": (*_pair("poisson_nll_loss", log_input=False, eps=1e-4),
                     lambda n, dt: [positive(n, 4, dtype=dt), counts(n, 4, dtype=dt)],
                     [True, True]),
    "poisson_full": (*_pair("poisson_nll_loss", full=True),
                     lambda n, dt: [normal(n, 5, dtype=dt), positive(n, 5, dtype=dt, low=0.1)
                                    * 2], [True, True]),
    "multilabel_soft_margin": (*_pair("multilabel_soft_margin_loss"),
                               lambda n, dt: [normal(n, 5, dtype=dt) * 3, labels(n, 5, dtype=dt)],
                               [True, True]),
    "multilabel_soft_margin_weight": (
        lambda r: lambda x, t, w: F.multilabel_soft_margin_loss(x, t, w, reduction=r),
        lambda r: lambda x, t, w: TF.multilabel_soft_margin_loss(x, t, w, reduction=r),
        lambda n, dt: [normal(n, 4, dtype=dt), labels(n, 4, dtype=dt),
                       positive(4, dtype=dt)], [True, True, True]),
    "multilabel_soft_margin_3d_soft_targets": (
        *_pair("multilabel_soft_margin_loss"),
        lambda n, dt: [normal(n, 2, 3, dtype=dt), rng.uniform(size=(n, 2, 3)).astype(dt)],
        [True, True]),
    "triplet_distance_default": (
        *_pair("triplet_margin_with_distance_loss"),
        lambda n, dt: [normal(n, 5, dtype=dt), normal(n, 5, dtype=dt), normal(n, 5, dtype=dt)],
        [True, True, True]),
    "triplet_distance_cosine_swap": (
        lambda r: lambda a, p, q: F.triplet_margin_with_distance_loss(
            a, p, q, distance_function=cosine_distance(mg), margin=0.4, swap=True, reduction=r),
        lambda r: lambda a, p, q: TF.triplet_margin_with_distance_loss(
            a, p, q, distance_function=cosine_distance(torch), margin=0.4, swap=True,
            reduction=r),
        lambda n, dt: [normal(n, 4, dtype=dt), normal(n, 4, dtype=dt), normal(n, 4, dtype=dt)],
        [True, True, True]),
}


@pytest.mark.parametrize("reduction", slow_but(REDUCTIONS, "none"))
@pytest.mark.parametrize("name", sorted(LOSSES))
def test_gradcheck_and_gradgradcheck(name: str, reduction: str) -> None:
    ours, _, make, grads = LOSSES[name]
    inputs = [mg.tensor(a, requires_grad=g) for a, g in zip(make(3, np.float64), grads)]
    fn = ours(reduction)
    assert mg.gradcheck(fn, inputs)
    assert mg.gradgradcheck(fn, inputs)


@pytest.mark.parametrize("dtype", slow_but([np.float32, np.float64], np.float64))
@pytest.mark.parametrize("batch", [4, 1, 0])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", sorted(LOSSES))
def test_matches_pytorch(name: str, reduction: str, batch: int, dtype: type) -> None:
    ours, theirs, make, grads = LOSSES[name]
    compare_with_torch(ours(reduction), theirs(reduction), make(batch, dtype), grads,
                       TOL[dtype])


EXTREME = np.array([-inf, -1e4, -30.0, -1.0, 0.0, 1e-8, 1.0, 30.0, 1e4, inf, nan])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_extreme_values_match_pytorch(dtype: type) -> None:
    x = EXTREME.astype(dtype)
    y = x[::-1].copy()
    var = np.array([0.0, 1e-9, 1e-6, 0.5, 1.0, 2.0, 1e4, 1e30, inf, nan, 3.0], dtype)
    cnt = np.array([0.0, 1.0, 2.0, 0.5, 1.5, 10.0, 1e4, 3.0, inf, nan, 0.0], dtype)
    tol = TOL[dtype]
    for r in REDUCTIONS:
        for full in (False, True):
            compare_with_torch(
                lambda a, b, v, f=full, r=r: F.gaussian_nll_loss(a, b, v, f, reduction=r),
                lambda a, b, v, f=full, r=r: TF.gaussian_nll_loss(a, b, v, f, reduction=r),
                [x, y, var], tol=tol)
            for log in (True, False):
                compare_with_torch(
                    lambda a, t, g=log, f=full, r=r: F.poisson_nll_loss(a, t, g, f, reduction=r),
                    lambda a, t, g=log, f=full, r=r: TF.poisson_nll_loss(a, t, g, f,
                                                                         reduction=r),
                    [x, cnt], tol=tol)
        compare_with_torch(lambda a, t, r=r: F.multilabel_soft_margin_loss(a, t, reduction=r),
                           lambda a, t, r=r: TF.multilabel_soft_margin_loss(a, t, reduction=r),
                           [np.stack([x, y]), labels(2, 11, dtype=dtype)], tol=tol)


def test_gaussian_var_below_eps_is_clamped_and_passes_its_gradient() -> None:
    """PyTorch clamps a clone of var in place under no_grad: the loss sees eps, the
    gradient flows to var as if there were no clamp."""
    args = [np.zeros(3), np.ones(3), np.array([1e-9, 1e-7, 2.0])]
    for eps in (1e-6, 1e-3):
        compare_with_torch(lambda a, b, v, e=eps: F.gaussian_nll_loss(a, b, v, eps=e),
                           lambda a, b, v, e=eps: TF.gaussian_nll_loss(a, b, v, eps=e), args,
                           tol=1e-9)
    v = mg.tensor([1e-9], requires_grad=True)
    F.gaussian_nll_loss(mg.zeros(1), mg.ones(1), v, reduction="sum").backward()
    assert v.grad.item() == pytest.approx(0.5 * (1e6 - 1e12))


def test_mixed_dtypes_and_integer_operands_promote_as_pytorch() -> None:
    x, t = normal(2, 3, dtype=np.float32), normal(2, 3)
    compare_with_torch(lambda a, b, v: F.gaussian_nll_loss(a, b, v, reduction="none"),
                       lambda a, b, v: TF.gaussian_nll_loss(a, b, v, reduction="none"),
                       [x, t, positive(2, 3, dtype=np.float32)], tol=3e-5)
    compare_with_torch(lambda a, b: F.poisson_nll_loss(a, b, full=True, reduction="none"),
                       lambda a, b: TF.poisson_nll_loss(a, b, full=True, reduction="none"),
                       [x, rng.integers(0, 5, (2, 3))], tol=3e-5)
    compare_with_torch(lambda a, b: F.multilabel_soft_margin_loss(a, b, reduction="none"),
                       lambda a, b: TF.multilabel_soft_margin_loss(a, b, reduction="none"),
                       [x, rng.integers(0, 2, (2, 3))], tol=3e-5)


def test_poisson_stirling_term_target_gradient_matches_pytorch() -> None:
    """Where ``target <= 1`` the term is masked out; at a target of 0 PyTorch's gradient of
    the masked ``target * log(target)`` is ``0 * -inf``, NaN, and so is minigrad's."""
    t = np.array([0.0, 0.5, 1.0, 1.5, 4.0])
    compare_with_torch(lambda a, b: F.poisson_nll_loss(a, b, full=True, reduction="sum"),
                       lambda a, b: TF.poisson_nll_loss(a, b, full=True, reduction="sum"),
                       [normal(5), t], [True, True])


def test_unbatched_and_zero_label_inputs_match_pytorch() -> None:
    for r in REDUCTIONS:
        compare_with_torch(lambda a, t, r=r: F.multilabel_soft_margin_loss(a, t, reduction=r),
                           lambda a, t, r=r: TF.multilabel_soft_margin_loss(a, t, reduction=r),
                           [normal(5), labels(5)])
        compare_with_torch(lambda a, t, r=r: F.multilabel_soft_margin_loss(a, t, reduction=r),
                           lambda a, t, r=r: TF.multilabel_soft_margin_loss(a, t, reduction=r),
                           [normal(3, 0), labels(3, 0)])
        compare_with_torch(lambda a, b, v, r=r: F.gaussian_nll_loss(a, b, v, reduction=r),
                           lambda a, b, v, r=r: TF.gaussian_nll_loss(a, b, v, reduction=r),
                           [normal(4), normal(4), np.array(0.5)])
        compare_with_torch(
            lambda a, p, q, r=r: F.triplet_margin_with_distance_loss(a, p, q, reduction=r),
            lambda a, p, q, r=r: TF.triplet_margin_with_distance_loss(a, p, q, reduction=r),
            [normal(5), normal(5), normal(5)])


def test_triplet_margin_loss_still_matches_pytorch_after_sharing_its_hinge() -> None:
    for swap in (False, True):
        compare_with_torch(
            lambda a, p, q, s=swap: F.triplet_margin_loss(a, p, q, swap=s, reduction="none"),
            lambda a, p, q, s=swap: TF.triplet_margin_loss(a, p, q, swap=s, reduction="none"),
            [normal(4, 3), normal(4, 3), normal(4, 3)])


MODULES = [
    (lambda lib: lib.GaussianNLLLoss(full=True, eps=1e-2), LOSSES["gaussian"][2],
     [True, True, True]),
    (lambda lib: lib.PoissonNLLLoss(log_input=False, full=True, reduction="sum"),
     LOSSES["poisson_rate"][2], [True, True]),
    (lambda lib: lib.PoissonNLLLoss(), LOSSES["poisson"][2], [True, True]),
    (lambda lib: lib.MultiLabelSoftMarginLoss(weight=mg.tensor([1.0, 2.0, 0.5, 1.0, 3.0])
                                              if lib is nn else
                                              torch.tensor([1.0, 2.0, 0.5, 1.0, 3.0]),
                                              reduction="none"),
     LOSSES["multilabel_soft_margin"][2], [True, True]),
    (lambda lib: lib.TripletMarginWithDistanceLoss(margin=0.5, swap=True),
     LOSSES["triplet_distance_default"][2], [True, True, True]),
    (lambda lib: lib.TripletMarginWithDistanceLoss(
        distance_function=lib.PairwiseDistance(p=1.0), reduction="sum"),
     LOSSES["triplet_distance_default"][2], [True, True, True]),
]


@pytest.mark.parametrize("make,arrays,grads", MODULES)
def test_modules_match_pytorch(make: Callable, arrays: Callable, grads: list[bool]) -> None:
    compare_with_torch(make(nn), make(torch.nn), arrays(4, np.float64), grads)


def test_modules_state_and_children_are_pytorchs() -> None:
    ours = nn.MultiLabelSoftMarginLoss(weight=mg.ones(3))
    assert list(ours.state_dict()) == list(torch.nn.MultiLabelSoftMarginLoss(
        weight=torch.ones(3)).state_dict()) == ["weight"]
    triplet = nn.TripletMarginWithDistanceLoss()
    assert [name for name, _ in triplet.named_children()] == ["distance_function"]
    assert isinstance(triplet.distance_function, nn.PairwiseDistance)
    assert list(nn.GaussianNLLLoss().state_dict()) == list(nn.PoissonNLLLoss().state_dict()) == []
    for lib in (nn, torch.nn):
        with pytest.raises(TypeError):  # keyword-only, as in PyTorch
            lib.GaussianNLLLoss(True)
        with pytest.raises(TypeError):
            lib.TripletMarginWithDistanceLoss(None)


def _f(lib: object) -> object:
    return lib.nn.functional


BAD = [  # (call(lib), PyTorch's exception type, the start of minigrad's message)
    (lambda lib: _f(lib).gaussian_nll_loss(lib.ones(2, 3), lib.ones(2, 3), lib.ones(2, 2)),
     ValueError, r"^gaussian_nll_loss: var is of incorrect size: var \(2, 2\) for input "
                 r"\(2, 3\)"),
    (lambda lib: _f(lib).gaussian_nll_loss(lib.ones(2, 3), lib.ones(2, 3), lib.ones(1, 1)),
     ValueError, r"^gaussian_nll_loss: var is of incorrect size"),
    (lambda lib: _f(lib).gaussian_nll_loss(lib.ones(2, 3), lib.ones(2, 3), lib.ones(3)),
     ValueError, r"^gaussian_nll_loss: var is of incorrect size"),
    (lambda lib: _f(lib).gaussian_nll_loss(lib.ones(2, 3), lib.ones(2, 3), -lib.ones(2, 3)),
     ValueError, r"^gaussian_nll_loss: var has negative entry"),
    (lambda lib: _f(lib).gaussian_nll_loss(lib.ones(2, 3), lib.ones(2, 3), -1.0),
     ValueError, r"^gaussian_nll_loss: var has negative entry"),
    (lambda lib: _f(lib).gaussian_nll_loss(lib.ones(2, 3), lib.ones(2, 3), 1),
     TypeError, r"^gaussian_nll_loss: var must be a Tensor or a float, got int"),
    (lambda lib: _f(lib).gaussian_nll_loss(lib.ones(2, 3), lib.ones(2, 3),
                                           lib.ones(2, 3, dtype=lib.int64)),
     RuntimeError, r"^gaussian_nll_loss: var must be a floating point tensor"),
    (lambda lib: _f(lib).gaussian_nll_loss(lib.ones(2, 3), lib.ones(2, 3), lib.ones(2, 3),
                                           reduction="avg"),
     ValueError, r"^gaussian_nll_loss: reduction must be .*'avg'"),
    (lambda lib: _f(lib).gaussian_nll_loss(lib.ones(2, 3), lib.ones(4, 3), lib.ones(2, 3)),
     RuntimeError, r"^gaussian_nll_loss: the sizes of input \(2, 3\), target \(4, 3\)"),
    (lambda lib: _f(lib).poisson_nll_loss(lib.ones(2, 3), lib.ones(5, 3)),
     RuntimeError, r"^poisson_nll_loss: the sizes of input \(2, 3\), target \(5, 3\)"),
    (lambda lib: _f(lib).poisson_nll_loss(lib.ones(2, 3), lib.ones(2, 3), reduction="avg"),
     ValueError, r"^poisson_nll_loss: reduction must be"),
    (lambda lib: _f(lib).multilabel_soft_margin_loss(lib.ones(2, 3), lib.ones(4, 3)),
     RuntimeError, r"^multilabel_soft_margin_loss: the sizes of input \(2, 3\), target"),
    (lambda lib: _f(lib).multilabel_soft_margin_loss(lib.ones(2, 3), lib.ones(2, 3),
                                                     lib.ones(4)),
     RuntimeError, r"^multilabel_soft_margin_loss: the sizes of input \(2, 3\), weight \(4,\)"),
    (lambda lib: _f(lib).multilabel_soft_margin_loss(lib.ones(()), lib.ones(())),
     IndexError, r"^multilabel_soft_margin_loss: input must have a label dimension"),
    (lambda lib: _f(lib).multilabel_soft_margin_loss(lib.ones(2, 3), lib.ones(2, 3),
                                                     reduction="avg"),
     ValueError, r"^multilabel_soft_margin_loss: reduction must be"),
    (lambda lib: _f(lib).triplet_margin_with_distance_loss(lib.ones(2, 3), lib.ones(3),
                                                           lib.ones(2, 3)),
     RuntimeError, r"^triplet_margin_with_distance_loss: .*anchor 2D, positive 1D, and "
                   r"negative 2D"),
    (lambda lib: _f(lib).triplet_margin_with_distance_loss(lib.ones(3), lib.ones(3),
                                                           lib.ones(3), margin=0.0),
     ValueError, r"^triplet_margin_with_distance_loss: margin must be greater than 0, got 0"),
    (lambda lib: _f(lib).triplet_margin_with_distance_loss(lib.ones(3), lib.ones(3),
                                                           lib.ones(3), reduction="avg"),
     ValueError, r"^triplet_margin_with_distance_loss: reduction must be"),
    (lambda lib: _f(lib).triplet_margin_with_distance_loss(lib.ones(3), lib.ones(3),
                                                           lib.ones(3), None),
     TypeError, r"positional"),
    (lambda lib: lib.nn.TripletMarginWithDistanceLoss(margin=-1.0),
     ValueError, r"^TripletMarginWithDistanceLoss: expected margin to be greater than 0"),
]


@pytest.mark.parametrize("call,exc,match", BAD)
def test_bad_calls_raise_pytorchs_exception_type(call: Callable, exc: type,
                                                  match: str) -> None:
    assert_raises_as_torch(call, exc, match)


def test_deprecated_size_average_and_reduce_raise_as_in_every_minigrad_loss() -> None:
    """PyTorch maps them onto ``reduction`` with a warning; minigrad refuses them
    (docs/faq.md), as it does for its other losses."""
    with pytest.raises(TypeError, match=r"^poisson_nll_loss: size_average and reduce"):
        F.poisson_nll_loss(mg.ones(2), mg.ones(2), size_average=False)
    with pytest.raises(TypeError, match=r"^multilabel_soft_margin_loss: size_average"):
        F.multilabel_soft_margin_loss(mg.ones(1, 2), mg.ones(1, 2), reduce=False)
    with pytest.raises(TypeError, match=r"^PoissonNLLLoss: size_average"):
        nn.PoissonNLLLoss(size_average=True)


def test_the_new_names_are_where_pytorch_has_them() -> None:
    for name in ("GaussianNLLLoss", "PoissonNLLLoss", "MultiLabelSoftMarginLoss",
                 "TripletMarginWithDistanceLoss", "CTCLoss", "RReLU"):
        assert name in nn.__all__ and hasattr(torch.nn, name)
    for name in ("gaussian_nll_loss", "poisson_nll_loss", "multilabel_soft_margin_loss",
                 "triplet_margin_with_distance_loss", "ctc_loss", "gumbel_softmax", "pdist",
                 "rrelu"):
        assert callable(getattr(F, name)) and hasattr(TF, name)
    assert callable(mg.logit) and callable(mg.pdist) and callable(mg.Tensor.logit)
