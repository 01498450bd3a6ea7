"""Losses: fused cross entropy (stable, smoothed, soft targets), NLL, MSE; PyTorch parity."""

from __future__ import annotations

import math

import numpy as np
import pytest
from helpers import same

import minigrad as mg
from minigrad import nn
from minigrad.nn import functional as F

RNG = np.random.default_rng(99)


def t64(*shape: int, requires_grad: bool = True) -> mg.Tensor:
    return mg.Tensor(RNG.standard_normal(shape), requires_grad=requires_grad)


def labels(*shape: int, classes: int = 4) -> mg.Tensor:
    return mg.Tensor(RNG.integers(0, classes, shape).astype(np.int64))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_cross_entropy_gradcheck_twice(reduction: str, smoothing: float) -> None:
    target = labels(5)

    def fn(x: mg.Tensor) -> mg.Tensor:
        return F.cross_entropy(x, target, reduction=reduction, label_smoothing=smoothing)

    assert mg.gradcheck(fn, (t64(5, 4),))
    assert mg.gradgradcheck(fn, (t64(5, 4),))


def test_cross_entropy_gradcheck_spatial_and_ignore_index() -> None:
    target = labels(2, 3, 2)
    target.data[0, 1, 1] = -100

    def fn(x: mg.Tensor) -> mg.Tensor:
        return F.cross_entropy(x, target)

    assert mg.gradcheck(fn, (t64(2, 4, 3, 2),))


def test_cross_entropy_probability_targets_gradcheck_in_both_inputs() -> None:
    def fn(x: mg.Tensor, p: mg.Tensor) -> mg.Tensor:
        return F.cross_entropy(x, p, label_smoothing=0.1)

    probs = mg.Tensor(RNG.dirichlet(np.ones(4), size=3), requires_grad=True)
    assert mg.gradcheck(fn, (t64(3, 4), probs))
    assert mg.gradgradcheck(fn, (t64(3, 4), probs))


def test_cross_entropy_is_stable_for_huge_logits() -> None:
    x = mg.tensor([[1e4, 0.0, -1e4], [0.0, 1e4, 1e4]], requires_grad=True)
    loss = F.cross_entropy(x, mg.tensor([2, 0]), reduction="none")
    assert np.all(np.isfinite(loss.data))
    np.testing.assert_allclose(loss.data, [2e4, 1e4 + np.log(2)], rtol=1e-6)
    loss.sum().backward()
    assert np.all(np.isfinite(x.grad.data))
    np.testing.assert_allclose(x.grad.data, [[1, 0, -1], [-1, 0.5, 0.5]], atol=1e-6)
    easy = F.cross_entropy(mg.tensor([[1e4, -1e4]]), mg.tensor([0]))
    assert easy.item() == 0.0


def test_cross_entropy_keeps_float32() -> None:
    x = mg.randn(3, 5, requires_grad=True)
    loss = F.cross_entropy(x, mg.tensor([0, 1, 4]))
    loss.backward()
    assert loss.dtype == np.float32 and x.grad.dtype == np.float32


def test_one_hot_targets_equal_index_targets() -> None:
    x = mg.randn(4, 3)
    idx = mg.tensor([0, 2, 1, 1])
    one_hot = mg.tensor(np.eye(3, dtype=np.float32)[idx.data])
    np.testing.assert_allclose(F.cross_entropy(x, idx).item(),
                               F.cross_entropy(x, one_hot).item(), rtol=1e-6)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("smoothing", [0.0, 0.3])
def test_cross_entropy_matches_pytorch(reduction: str, smoothing: float) -> None:
    torch = pytest.importorskip("torch")
    x = RNG.standard_normal((6, 5, 3)).astype(np.float32) * 3
    t = RNG.integers(0, 5, (6, 3))
    t[1, 2] = -100
    p = RNG.dirichlet(np.ones(5), size=(6,)).astype(np.float32)
    for target, ttarget, logits in [(t, torch.tensor(t), x), (p, torch.tensor(p), x[:, :, 0])]:
        ours = mg.tensor(logits, requires_grad=True)
        loss = nn.CrossEntropyLoss(reduction=reduction, label_smoothing=smoothing)(
            ours, mg.tensor(target))
        tx = torch.tensor(logits, requires_grad=True)
        tloss = torch.nn.CrossEntropyLoss(reduction=reduction, label_smoothing=smoothing)(
            tx, ttarget)
        np.testing.assert_allclose(loss.data, tloss.detach().numpy(), rtol=1e-5, atol=1e-6)
        loss.sum().backward()
        tloss.sum().backward()
        np.testing.assert_allclose(ours.grad.data, tx.grad.numpy(), rtol=1e-4, atol=1e-6)


def test_cross_entropy_accepts_numpy_targets_as_before() -> None:
    loss = F.cross_entropy(mg.zeros(2, 3), np.array([0, 2]))
    assert math.isclose(loss.item(), math.log(3), rel_tol=1e-6)


def test_cross_entropy_unbatched_input() -> None:
    x = mg.randn(5)
    expected = -x.log_softmax(0).data[3]
    np.testing.assert_allclose(F.cross_entropy(x, mg.tensor(3)).item(), expected, rtol=1e-6)


def test_cross_entropy_bad_targets_say_what_was_expected() -> None:
    x = mg.randn(3, 4)
    with pytest.raises(IndexError, match="target 4 is out of bounds for 4 classes"):
        F.cross_entropy(x, mg.tensor([0, 4, 1]))
    with pytest.raises(ValueError, match=r"must have shape \(3,\)"):
        F.cross_entropy(x, mg.tensor([0, 1]))
    with pytest.raises(ValueError, match="probability target must have the input's shape"):
        F.cross_entropy(x, mg.randn(3, 5))
    with pytest.raises(ValueError, match="reduction"):
        F.cross_entropy(x, mg.tensor([0, 1, 2]), reduction="avg")
    with pytest.raises(TypeError, match="floating point"):
        F.cross_entropy(mg.tensor([[1, 2]]), mg.tensor([0]))


def test_nll_loss_gradcheck_and_equals_cross_entropy_on_log_softmax() -> None:
    target = labels(5)
    assert mg.gradcheck(lambda x: F.nll_loss(x.log_softmax(1), target), (t64(5, 4),))
    assert mg.gradgradcheck(lambda x: F.nll_loss(x, target, reduction="sum"), (t64(5, 4),))
    x = mg.randn(5, 4)
    np.testing.assert_allclose(nn.NLLLoss()(x.log_softmax(1), target).item(),
                               F.cross_entropy(x, target).item(), rtol=1e-6)


def test_nll_and_mse_match_pytorch() -> None:
    torch = pytest.importorskip("torch")
    x = RNG.standard_normal((4, 3, 2)).astype(np.float32)
    t = RNG.integers(0, 3, (4, 2))
    y = RNG.standard_normal((4, 3, 2)).astype(np.float32)
    for reduction in ("mean", "sum", "none"):
        np.testing.assert_allclose(
            F.nll_loss(mg.tensor(x), mg.tensor(t), reduction=reduction).data,
            torch.nn.functional.nll_loss(torch.tensor(x), torch.tensor(t),
                                         reduction=reduction).numpy(), rtol=1e-6)
        np.testing.assert_allclose(
            nn.MSELoss(reduction=reduction)(mg.tensor(x), mg.tensor(y)).data,
            torch.nn.functional.mse_loss(torch.tensor(x), torch.tensor(y),
                                         reduction=reduction).numpy(), rtol=1e-6)


def test_mse_loss_gradcheck_and_shape_check() -> None:
    assert mg.gradcheck(F.mse_loss, (t64(3, 2), t64(3, 2)))
    assert mg.gradgradcheck(F.mse_loss, (t64(3, 2), t64(3, 2)))
    with pytest.raises(RuntimeError, match=r"input shape \(3, 2\) and target shape \(3,\)"):
        F.mse_loss(mg.randn(3, 2), mg.randn(3))


def test_loss_modules_repr() -> None:
    assert repr(nn.CrossEntropyLoss()) == "CrossEntropyLoss()"
    assert repr(nn.MSELoss(reduction="sum")) == "MSELoss(reduction='sum')"
    with pytest.raises(TypeError, match="size_average and reduce are deprecated"):
        nn.MSELoss("sum")


def test_losses_with_every_target_ignored_have_zero_gradients() -> None:
    x = mg.tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
    target = mg.tensor([-100, -100, -100])
    for loss in (F.cross_entropy, F.nll_loss):
        x.grad = None
        out = loss(x, target)
        out.backward()
        assert np.isnan(out.item())  # PyTorch: the mean over no targets is NaN
        assert same(np.abs(x.grad.data), np.zeros((3, 4)))  # ... but the gradient is 0
