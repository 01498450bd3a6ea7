"""``nn.utils`` with what a training loop passes: ``model.parameters()``, a generator that
can be read once, against ``torch.nn.utils``."""

from __future__ import annotations

import math

import numpy as np
import pytest
from helpers import optional_torch

import minigrad as mg
from minigrad import nn

torch = optional_torch()  # torch-free tests run without it


def _pair(seed: int = 0) -> tuple[nn.Module, torch.nn.Module]:
    """The same two-layer MLP in both frameworks, with gradients of one backward pass."""
    mg.manual_seed(seed)
    ours = nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 3))
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.Tanh(), torch.nn.Linear(5, 3))
    theirs.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                            for k, v in ours.state_dict().items()})
    x = np.random.default_rng(seed).standard_normal((6, 4)).astype(np.float32)
    (ours(mg.tensor(x)) ** 2).sum().mul(10.0).backward()
    (theirs(torch.from_numpy(x)) ** 2).sum().mul(10.0).backward()
    return ours, theirs


def _assert_grads_equal(ours: nn.Module, theirs: torch.nn.Module) -> None:
    for p, q in zip(ours.parameters(), theirs.parameters()):
        # float32 sums in another order: torch.testing's float32 tolerances
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1.3e-6, atol=1e-5)


@pytest.mark.parametrize("norm_type", [2.0, 1.0, math.inf, 3])
def test_clip_grad_norm_clips_a_generator_of_parameters(norm_type: float) -> None:
    ours, theirs = _pair()
    before = [p.grad.numpy().copy() for p in ours.parameters()]
    total = nn.utils.clip_grad_norm_(ours.parameters(), 1.0, norm_type=norm_type)
    ref = torch.nn.utils.clip_grad_norm_(theirs.parameters(), 1.0, norm_type=norm_type)
    assert total.shape == () and total.dtype == np.float32
    np.testing.assert_allclose(total.item(), ref.item(), rtol=1e-5)
    assert ref.item() > 1.0  # so the gradients must have changed
    assert not np.allclose(before[0], ours[0].weight.grad.numpy())
    _assert_grads_equal(ours, theirs)


def test_clip_grad_value_clips_a_generator_of_parameters() -> None:
    ours, theirs = _pair()
    nn.utils.clip_grad_value_(ours.parameters(), 0.1)
    torch.nn.utils.clip_grad_value_(theirs.parameters(), 0.1)
    assert max(np.abs(p.grad.numpy()).max() for p in ours.parameters()) <= 0.1
    _assert_grads_equal(ours, theirs)


def test_parameter_vectors_read_a_generator_once() -> None:
    ours, theirs = _pair()
    vec = nn.utils.parameters_to_vector(ours.parameters())
    ref = torch.nn.utils.parameters_to_vector(theirs.parameters())
    np.testing.assert_array_equal(vec.numpy(), ref.detach().numpy())
    new = np.arange(vec.shape[0], dtype=np.float32)
    nn.utils.vector_to_parameters(mg.tensor(new), ours.parameters())
    torch.nn.utils.vector_to_parameters(torch.from_numpy(new), theirs.parameters())
    for p, q in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())


def test_get_total_norm_and_clip_grads_with_norm_match_pytorch() -> None:
    ours, theirs = _pair()
    total = nn.utils.get_total_norm(p.grad for p in ours.parameters())
    ref = torch.nn.utils.get_total_norm(p.grad for p in theirs.parameters())
    np.testing.assert_allclose(total.item(), ref.item(), rtol=1e-6)
    nn.utils.clip_grads_with_norm_(ours.parameters(), 0.5, total)
    torch.nn.utils.clip_grads_with_norm_(theirs.parameters(), 0.5, ref)
    _assert_grads_equal(ours, theirs)
    assert nn.utils.get_total_norm([]).item() == torch.nn.utils.get_total_norm([]).item() == 0.0


def test_clip_grad_norm_of_no_gradients_is_zero_as_pytorch() -> None:
    ours = nn.Linear(2, 2)
    assert nn.utils.clip_grad_norm_(ours.parameters(), 1.0).item() == 0.0
    assert torch.nn.utils.clip_grad_norm_(torch.nn.Linear(2, 2).parameters(), 1.0).item() == 0.0
