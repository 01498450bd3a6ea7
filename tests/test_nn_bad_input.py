"""Bad input to nn / optim / losses: PyTorch's exception type and a message that names the
function, the argument and the value or shapes. One row per case."""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
import minigrad.optim as optim


def _param(*shape: int) -> nn.Parameter:
    return nn.Parameter(mg.ones(*shape))


def _step_with_wrong_grad() -> None:
    w = _param(2)
    opt = optim.SGD([w], lr=0.1)
    w.grad = mg.ones(3)
    opt.step()


CASES: list[tuple[str, Callable[[], object], type[BaseException], list[str]]] = [
    ("linear_float_features", lambda: nn.Linear(2.5, 3), TypeError,
     ["Linear", "in_features", "int", "2.5"]),
    ("linear_negative_features", lambda: nn.Linear(-1, 4), RuntimeError,
     ["Linear", "negative dimension -1", "in_features"]),
    ("linear_bool_features", lambda: nn.Linear(True, 4), TypeError, ["in_features", "bool"]),
    ("batchnorm_negative", lambda: nn.BatchNorm2d(-3), RuntimeError,
     ["BatchNorm2d", "negative dimension -3", "num_features"]),
    ("batch_norm_running_stats_size", lambda: F.batch_norm(
        mg.randn(2, 3), mg.zeros(4), mg.ones(4)), RuntimeError,
     ["batch_norm", "running_mean", "3 elements", "not 4"]),
    ("batch_norm_mixed_dtype", lambda: nn.BatchNorm2d(3)(mg.randn(2, 3, 4, 4, dtype=np.float64)),
     RuntimeError, ["batch_norm", "running_mean", "float32", "float64", "input's dtype"]),
    ("batch_norm_mixed_dtype_stats", lambda: F.batch_norm(
        mg.randn(2, 3), mg.zeros(3, dtype=np.float64), mg.ones(3), training=True), RuntimeError,
     ["batch_norm", "running_mean", "float64", "float32"]),
    ("linear_float64_input", lambda: nn.Linear(2, 3)(mg.ones(1, 2, dtype=np.float64)),
     RuntimeError, ["Linear: input and weight must have the same dtype", "float64", "float32"]),
    ("linear_int_input", lambda: nn.Linear(2, 3)(mg.tensor([[1, 2]])), RuntimeError,
     ["same dtype", "int64", "float32"]),
    ("linear_float64_bias", lambda: F.linear(
        mg.ones(1, 2), mg.ones(3, 2), mg.ones(3, dtype=np.float64)), RuntimeError,
     ["linear: input and bias must have the same dtype", "float32", "float64", "(3,)"]),
    ("functional_linear_float64_input", lambda: F.linear(
        mg.ones(1, 2, dtype=np.float64), mg.ones(3, 2)), RuntimeError,
     ["linear: input and weight must have the same dtype", "float64", "float32"]),
    ("sgd_lr_string", lambda: optim.SGD([_param(2)], lr="a"), TypeError,
     ["SGD", "lr", "number", "'a'"]),
    ("adam_lr_none", lambda: optim.Adam([_param(2)], lr=None), TypeError,
     ["Adam", "lr", "None"]),
    ("sgd_negative_lr", lambda: optim.SGD([_param(2)], lr=-1.0), ValueError,
     ["SGD", "learning rate -1.0"]),
    ("group_lr_string", lambda: optim.SGD([{"params": [_param(2)], "lr": "x"}], lr=0.1),
     TypeError, ["SGD", "lr", "'x'"]),
    ("step_grad_wrong_shape", _step_with_wrong_grad, RuntimeError,
     ["SGD.step", "shape (2,)", "shape (3,)"]),
    ("sequential_string_index", lambda: nn.Sequential(nn.ReLU())["a"], TypeError,
     ["Sequential", "integers or slices", "str"]),
    ("sequential_index_out_of_range", lambda: nn.Sequential(nn.ReLU())[3], IndexError,
     ["Sequential", "index 3", "1 items"]),
    ("load_state_dict_none", lambda: nn.Linear(2, 3).load_state_dict(None), TypeError,
     ["load_state_dict", "dict-like", "NoneType"]),
    ("load_state_dict_pairs", lambda: nn.Linear(2, 3).load_state_dict(
        [("weight", mg.ones(3, 2))]), TypeError, ["load_state_dict", "dict-like", "list"]),
    ("load_state_dict_size_mismatch", lambda: nn.Linear(2, 3).load_state_dict(
        {"weight": mg.ones(2, 2), "bias": mg.ones(3)}, strict=False), RuntimeError,
     ["Linear", "size mismatch", "weight", "(2, 2)", "(3, 2)"]),
    ("cross_entropy_batch_mismatch", lambda: F.cross_entropy(
        mg.randn(3, 4), mg.tensor([1, 2])), ValueError, ["cross_entropy", "(3,)", "(2,)"]),
    ("cross_entropy_weight_size", lambda: F.cross_entropy(
        mg.randn(3, 4), mg.tensor([1, 2, 0]), weight=mg.ones(3)), RuntimeError,
     ["cross_entropy", "weight", "4 classes", "(3,)"]),
    ("cross_entropy_reduction_positional", lambda: F.cross_entropy(
        mg.randn(3, 4), mg.tensor([1, 2, 0]), "sum"), TypeError,
     ["cross_entropy", "weight", "'sum'", "reduction="]),
    ("nll_target_float", lambda: F.nll_loss(mg.randn(3, 4), mg.randn(3)), TypeError,
     ["nll_loss", "int64", "float32"]),
    ("mse_not_broadcastable", lambda: F.mse_loss(mg.randn(3, 4), mg.randn(2, 4)),
     RuntimeError, ["mse_loss", "(3, 4)", "(2, 4)"]),
    ("l1_not_broadcastable", lambda: F.l1_loss(mg.randn(3), mg.randn(2)), RuntimeError,
     ["l1_loss", "(3,)", "(2,)"]),
    ("bce_size", lambda: F.binary_cross_entropy(mg.rand(3), mg.rand(4)), ValueError,
     ["binary_cross_entropy", "(4,)", "(3,)"]),
    ("bce_out_of_range", lambda: F.binary_cross_entropy(mg.tensor([1.5]), mg.tensor([1.0])),
     RuntimeError, ["binary_cross_entropy", "between 0 and 1"]),
    ("bce_logits_size", lambda: F.binary_cross_entropy_with_logits(mg.randn(3), mg.rand(2)),
     ValueError, ["binary_cross_entropy_with_logits", "(2,)", "(3,)"]),
    ("loss_reduction", lambda: nn.L1Loss(reduction="avg"), ValueError,
     ["L1Loss", "reduction", "'avg'"]),
    ("loss_legacy_positional", lambda: nn.MSELoss("sum"), TypeError,
     ["MSELoss", "size_average", "reduction="]),
    ("embedding_out_of_range", lambda: nn.Embedding(3, 2)(mg.tensor([5])), IndexError,
     ["embedding", "index out of range", "3 rows"]),
    ("embedding_float_index", lambda: nn.Embedding(3, 2)(mg.tensor([0.5])), RuntimeError,
     ["embedding", "integer", "float32"]),
    ("one_hot_too_small", lambda: F.one_hot(mg.tensor([3]), 2), RuntimeError,
     ["one_hot", "num_classes (2)"]),
    ("pad_fractional", lambda: F.pad(mg.ones(2, 2), (1.5, 1)), TypeError,
     ["pad", "tuple of ints", "1.5"]),
    ("pad_string", lambda: F.pad(mg.ones(2, 2), "ab"), TypeError, ["pad", "'ab'"]),
    ("pad_reflect_too_wide", lambda: F.pad(mg.ones(1, 1, 3, 3), (3, 3), mode="reflect"),
     NotImplementedError, ["pad", "padding size 2", "4D"]),
    ("pad_reflect_wider_than_input", lambda: F.pad(mg.ones(1, 2, 3), (3, 0), mode="reflect"),
     RuntimeError, ["pad", "less than the corresponding input dimension", "(3, 0)"]),
    ("pad_mode", lambda: F.pad(mg.ones(1, 2, 3), (1, 1), mode="bogus"),
     NotImplementedError, ["pad", "'bogus'"]),
    ("pad_circular_wraps_twice", lambda: F.pad(mg.ones(1, 2, 3), (4, 0), mode="circular"),
     RuntimeError, ["pad", "wrapping around more than once", "(4, 0)"]),
    ("interpolate_both", lambda: F.interpolate(mg.ones(1, 1, 2, 2), size=3, scale_factor=2),
     ValueError, ["interpolate", "exactly one of size or scale_factor"]),
    ("interpolate_mode", lambda: F.interpolate(mg.ones(1, 1, 2, 2), size=3, mode="bogus"),
     NotImplementedError, ["interpolate", "'bogus'"]),
    ("layer_norm_shape", lambda: F.layer_norm(mg.ones(2, 3), (4,)), RuntimeError,
     ["layer_norm", "normalized_shape=[4]", "(2, 3)"]),
    ("group_norm_groups", lambda: nn.GroupNorm(4, 6), ValueError,
     ["GroupNorm", "num_channels (6)", "num_groups (4)"]),
    ("group_norm_input", lambda: F.group_norm(mg.ones(2, 6, 3), 4), RuntimeError,
     ["group_norm", "channels 6", "num_groups=4"]),
    ("dropout_p", lambda: nn.Dropout2d(1.5), ValueError, ["Dropout2d", "between 0 and 1"]),
    ("module_to_cuda", lambda: nn.Linear(2, 2).to("cuda"), RuntimeError,
     ["Module.to", "CPU only", "'cuda'"]),
    ("module_to_int_dtype", lambda: nn.Linear(2, 2).to(np.int64), TypeError,
     ["Module.to", "floating point", "int64"]),
    ("clip_nonfinite", lambda: _clip_nonfinite(), RuntimeError,
     ["clip_grad_norm_", "non-finite"]),
    ("vector_to_parameters_size", lambda: nn.utils.vector_to_parameters(
        mg.ones(3), [_param(2, 2)]), RuntimeError, ["vector_to_parameters", "4 elements", "(3,)"]),
    ("scheduler_needs_optimizer", lambda: optim.lr_scheduler.StepLR(object(), 2), TypeError,
     ["StepLR", "not an Optimizer"]),
    ("onecycle_too_many_steps", lambda: _onecycle_past_end(), ValueError,
     ["OneCycleLR", "total steps is 2"]),
]


def _clip_nonfinite() -> None:
    w = _param(2)
    w.grad = mg.tensor([np.inf, 1.0])
    nn.utils.clip_grad_norm_([w], 1.0, error_if_nonfinite=True)


def _onecycle_past_end() -> None:
    opt = optim.SGD([_param(2)], lr=0.1, momentum=0.9)
    sched = optim.lr_scheduler.OneCycleLR(opt, 1.0, total_steps=2)
    for _ in range(3):
        sched.step()


@pytest.mark.parametrize("name,call,exc,words", CASES, ids=[c[0] for c in CASES])
def test_bad_input_raises_a_clear_error(name: str, call: Callable[[], object],
                                        exc: type[BaseException], words: list[str]) -> None:
    with pytest.raises(exc) as info:
        call()
    assert type(info.value) is exc, f"{name}: {type(info.value).__name__}: {info.value}"
    message = str(info.value)
    for word in words:
        assert word in message, f"{name}: {word!r} not in {message!r}"


def test_duplicate_parameters_are_used_once_with_a_warning() -> None:
    w = _param(2)
    with pytest.warns(UserWarning, match="duplicate parameters"):
        opt = optim.SGD([w, w], lr=0.5)
    assert len(opt.param_groups[0]["params"]) == 1
    w.grad = mg.ones(2)
    opt.step()
    np.testing.assert_array_equal(w.data, [0.5, 0.5])  # updated once, not twice


def test_mse_with_broadcastable_shapes_warns_as_pytorch() -> None:
    with pytest.warns(UserWarning, match=re.escape("target size (4,)")):
        F.mse_loss(mg.randn(3, 4), mg.randn(4))

