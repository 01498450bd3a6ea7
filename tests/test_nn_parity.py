"""nn.functional and nn layers against PyTorch: same inputs, same outputs (shape, dtype,
values, NaN/Inf pattern) and the same gradient of every input."""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import pytest
from helpers import compare_with_torch, optional_torch

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F

torch = optional_torch()  # torch-free tests run without it
TF = torch.nn.functional

rng = np.random.default_rng(0)
DTYPES = [np.float32, np.float64]
TOL = {np.float32: 2e-5, np.float64: 1e-10}


def compare(mg_fn: Callable, torch_fn: Callable, arrays: list[np.ndarray],
            grad: list[bool] | None = None, dtype: type = np.float64) -> None:
    """``helpers.compare_with_torch`` at this dtype's tolerance."""
    compare_with_torch(mg_fn, torch_fn, arrays, grad, TOL[dtype])


def x(*shape: int, dtype: type = np.float64, scale: float = 2.0) -> np.ndarray:
    return (rng.normal(size=shape) * scale).astype(dtype)


ACTIVATIONS = {
    "leaky_relu": (lambda a: F.leaky_relu(a, 0.2), lambda a: TF.leaky_relu(a, 0.2)),
    "elu": (lambda a: F.elu(a, 0.5), lambda a: TF.elu(a, 0.5)),
    "gelu": (F.gelu, TF.gelu),
    "gelu_tanh": (lambda a: F.gelu(a, approximate="tanh"),
                  lambda a: TF.gelu(a, approximate="tanh")),
    "silu": (F.silu, TF.silu),
    "softplus": (lambda a: F.softplus(a, 2.0, 5.0), lambda a: TF.softplus(a, 2.0, 5.0)),
    "relu6": (lambda a: F.relu6(a * 4), lambda a: TF.relu6(a * 4)),
    "hardtanh": (lambda a: F.hardtanh(a, -0.5, 1.5), lambda a: TF.hardtanh(a, -0.5, 1.5)),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
@pytest.mark.parametrize("shape", [(3, 4), (), (1,), (0, 3)])
def test_activation_matches_pytorch(name: str, shape: tuple, dtype: type) -> None:
    ours, theirs = ACTIVATIONS[name]
    compare(ours, theirs, [x(*shape, dtype=dtype)], dtype=dtype)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_extreme_values_match_pytorch(name: str) -> None:
    values = np.array([-1e4, -50.0, -20.0, -1e-8, 0.0, 1e-8, 20.0, 50.0, 1e4])
    compare(*ACTIVATIONS[name], [values])


def test_activation_modules_are_the_functions() -> None:
    a = x(4, 5)
    for layer, ref in [(nn.LeakyReLU(0.3), torch.nn.LeakyReLU(0.3)), (nn.ELU(), torch.nn.ELU()),
                       (nn.GELU("tanh"), torch.nn.GELU("tanh")), (nn.SiLU(), torch.nn.SiLU()),
                       (nn.Softplus(3.0), torch.nn.Softplus(3.0)), (nn.ReLU6(), torch.nn.ReLU6()),
                       (nn.Hardtanh(), torch.nn.Hardtanh()), (nn.LogSoftmax(1),
                                                             torch.nn.LogSoftmax(1)),
                       (nn.ReLU(inplace=True), torch.nn.ReLU())]:
        compare(layer, ref, [a])


@pytest.mark.parametrize("dtype", DTYPES)
def test_layer_and_group_norm_match_pytorch(dtype: type) -> None:
    a, w, b = x(2, 6, 3, 4, dtype=dtype), x(3, 4, dtype=dtype), x(3, 4, dtype=dtype)
    compare(lambda i, ww, bb: F.layer_norm(i, (3, 4), ww, bb, 1e-3),
            lambda i, ww, bb: TF.layer_norm(i, (3, 4), ww, bb, 1e-3), [a, w, b], dtype=dtype)
    compare(lambda i: F.layer_norm(i, 4), lambda i: TF.layer_norm(i, (4,)), [a], dtype=dtype)
    gw, gb = x(6, dtype=dtype), x(6, dtype=dtype)
    compare(lambda i, ww, bb: F.group_norm(i, 3, ww, bb), lambda i, ww, bb: TF.group_norm(
        i, 3, ww, bb), [a, gw, gb], dtype=dtype)
    compare(lambda i: F.group_norm(i, 1), lambda i: TF.group_norm(i, 1), [x(2, 4, dtype=dtype)],
            dtype=dtype)


def test_norm_layers_match_pytorch_with_the_same_parameters() -> None:
    a = x(3, 6, 4, 4, dtype=np.float32)
    for ours, theirs in [(nn.LayerNorm([4, 4]), torch.nn.LayerNorm([4, 4])),
                         (nn.GroupNorm(2, 6), torch.nn.GroupNorm(2, 6)),
                         (nn.GroupNorm(3, 6, affine=False), torch.nn.GroupNorm(3, 6,
                                                                               affine=False)),
                         (nn.LayerNorm(4, elementwise_affine=False),
                          torch.nn.LayerNorm(4, elementwise_affine=False))]:
        for p in theirs.parameters():
            torch.nn.init.normal_(p)
        ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
        assert list(ours.state_dict()) == list(theirs.state_dict())
        compare(ours, theirs, [a], dtype=np.float32)


@pytest.mark.parametrize("momentum", [0.1, None])
@pytest.mark.parametrize("affine,track", [(True, True), (False, True), (True, False)])
def test_batchnorm_running_stats_match_pytorch(momentum: float | None, affine: bool,
                                               track: bool) -> None:
    ours = nn.BatchNorm2d(3, momentum=momentum, affine=affine, track_running_stats=track)
    theirs = torch.nn.BatchNorm2d(3, momentum=momentum, affine=affine, track_running_stats=track)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for _ in range(3):
        compare(ours, theirs, [x(4, 3, 2, 2, dtype=np.float32)], dtype=np.float32)
    for k, v in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[k].data, v.numpy(), rtol=1e-5, err_msg=k)
    ours.eval()
    theirs.eval()
    compare(ours, theirs, [x(2, 3, 2, 2, dtype=np.float32)], dtype=np.float32)


@pytest.mark.parametrize("shape", [(4, 3, 5, 2), (6, 3), (2, 3, 7), (1, 3, 1, 2), (4, 3, 5, 4),
                                   (2, 3, 17)])
@pytest.mark.parametrize("dtype", DTYPES)
def test_training_batch_norm_gradients_match_pytorch(shape: tuple, dtype: type) -> None:
    """The fused training-mode node: output, input/weight/bias gradients and a second
    derivative (through create_graph) against torch. Maps of 16 positions or more take the
    compiled passes where numba is installed (minigrad[fast])."""
    a, w, b = x(*shape, dtype=dtype), x(3, dtype=dtype), x(3, dtype=dtype)
    ours = [mg.tensor(v, requires_grad=True) for v in (a, w, b)]
    theirs = [torch.tensor(v, requires_grad=True) for v in (a, w, b)]
    out = F.batch_norm(ours[0], None, None, *ours[1:], training=True, eps=1e-3)
    ref = TF.batch_norm(theirs[0], None, None, *theirs[1:], training=True, eps=1e-3)
    tol = 1e-4 if dtype == np.float32 else 1e-10
    assert out.dtype == np.dtype(dtype)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=tol, atol=tol)
    g = x(*shape, dtype=dtype)
    grads = mg.autograd.grad((out * mg.tensor(g)).sum(), ours, create_graph=True)
    tgrads = torch.autograd.grad((ref * torch.tensor(g)).sum(), theirs, create_graph=True)
    for i, (u, v) in enumerate(zip(grads, tgrads)):
        np.testing.assert_allclose(u.data, v.detach().numpy(), rtol=tol, atol=tol,
                                   err_msg=f"gradient of input {i}")
    (grads[0] * grads[0]).sum().backward()
    (tgrads[0] * tgrads[0]).sum().backward()
    for i, (u, v) in enumerate(zip(ours, theirs)):  # dx does not depend on the bias
        ug = np.zeros(u.shape) if u.grad is None else u.grad.data
        vg = np.zeros(v.shape) if v.grad is None else v.grad.numpy()
        np.testing.assert_allclose(ug, vg, rtol=10 * tol, atol=10 * tol,
                                   err_msg=f"second derivative, input {i}")


@pytest.mark.parametrize("dtype", DTYPES)
def test_training_batch_norm_nan_inf_and_large_mean_match_pytorch(dtype: type) -> None:
    """A NaN in one channel, an infinity in another, a mean far from zero in the third:
    outputs and gradients with the same NaN pattern as torch (maps of 20 positions, so the
    compiled passes run where numba is installed)."""
    a = x(4, 3, 5, 4, dtype=dtype)
    a[1, 0, 2, 3] = np.nan
    a[0, 1, 0, 0] = np.inf
    a[:, 2] += 1e3
    w, b, g = x(3, dtype=dtype), x(3, dtype=dtype), x(4, 3, 5, 4, dtype=dtype)
    ours = [mg.tensor(v, requires_grad=True) for v in (a, w, b)]
    theirs = [torch.tensor(v, requires_grad=True) for v in (a, w, b)]
    out = F.batch_norm(ours[0], None, None, *ours[1:], training=True)
    ref = TF.batch_norm(theirs[0], None, None, *theirs[1:], training=True)
    (out * mg.tensor(g)).sum().backward()
    (ref * torch.tensor(g)).sum().backward()
    tol = 1e-3 if dtype == np.float32 else 1e-9
    pairs = [(out.data, ref.detach().numpy())] + [(u.grad.data, v.grad.numpy())
                                                   for u, v in zip(ours, theirs)]
    for i, (u, v) in enumerate(pairs):
        assert np.array_equal(np.isnan(u), np.isnan(v)), f"NaN pattern of array {i}"
        np.testing.assert_allclose(u, v, rtol=tol, atol=tol, equal_nan=True,
                                   err_msg=f"array {i}")


def test_plain_and_graph_batch_norm_backward_agree() -> None:
    """The numpy backward and the Tensor-op backward (create_graph) give the same grads."""
    a = mg.tensor(x(4, 3, 3, 3), requires_grad=True)
    w = mg.tensor(x(3), requires_grad=True)
    g = mg.tensor(x(4, 3, 3, 3))
    plain = mg.autograd.grad((F.batch_norm(a, None, None, w, training=True) * g).sum(), [a, w])
    graph = mg.autograd.grad((F.batch_norm(a, None, None, w, training=True) * g).sum(), [a, w],
                             create_graph=True)
    for u, v in zip(plain, graph):
        np.testing.assert_allclose(u.data, v.data, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("shape", [(5, 3, 4, 4), (2, 3, 1, 1), (0, 3, 2, 2), (3, 3, 0, 2)])
def test_batch_norm_on_channel_major_memory_matches_pytorch(shape: tuple) -> None:
    """conv2d's outputs, and the gradients flowing back to them, are (N, C, H, W) views of
    (C, N, H, W) memory; batch norm sums them along that memory. Output, running stats and
    the plain backward against torch, empty batches and maps included."""
    n, c, h, w_ = shape
    base = x(c, n, h, w_, dtype=np.float32)
    g = x(c, n, h, w_, dtype=np.float32)
    ours, theirs = nn.BatchNorm2d(c), torch.nn.BatchNorm2d(c)
    xa = mg.tensor(base, requires_grad=True)
    xt = torch.tensor(base.transpose(1, 0, 2, 3), requires_grad=True)
    a = xa.permute(1, 0, 2, 3)  # a view: channel-major underneath
    assert a._data.transpose(1, 0, 2, 3).flags.c_contiguous and a.shape == shape
    if n * h * w_ == 0:  # PyTorch refuses an empty batch in training: so must we
        with pytest.raises(ValueError):
            ours(a)
        return
    out, ref = ours(a), theirs(xt)
    tol = 1e-5
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=tol, atol=tol)
    # the gradient reaching batch norm is channel-major too: a view of g's (C, N, H, W)
    (out.permute(1, 0, 2, 3) * mg.tensor(g)).sum().backward()
    (ref.permute(1, 0, 2, 3) * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(xa.grad._data.transpose(1, 0, 2, 3), xt.grad.numpy(), rtol=tol,
                               atol=tol)
    for name in ("weight", "bias"):
        np.testing.assert_allclose(getattr(ours, name).grad.data,
                                   getattr(theirs, name).grad.numpy(), rtol=tol, atol=tol)
    for name in ("running_mean", "running_var"):
        np.testing.assert_allclose(getattr(ours, name).data,
                                   getattr(theirs, name).numpy(), rtol=tol, atol=tol)


REDUCTIONS = ["mean", "sum", "none"]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("smoothing", [0.0, 0.3])
def test_cross_entropy_with_class_weights_matches_pytorch(reduction: str,
                                                          smoothing: float) -> None:
    logits, w = x(6, 4), rng.uniform(0.2, 3, 4)
    target = np.array([0, 3, -100, 1, 3, 2])
    compare(lambda a, ww: F.cross_entropy(a, mg.tensor(target), ww, reduction=reduction,
                                          label_smoothing=smoothing),
            lambda a, ww: TF.cross_entropy(a, torch.tensor(target), ww, reduction=reduction,
                                           label_smoothing=smoothing), [logits, w],
            grad=[True, False])
    probs = rng.dirichlet(np.ones(4), 6)
    compare(lambda a, p: F.cross_entropy(a, p, weight=mg.tensor(w), reduction=reduction,
                                         label_smoothing=smoothing),
            lambda a, p: TF.cross_entropy(a, p, weight=torch.tensor(w), reduction=reduction,
                                          label_smoothing=smoothing), [logits, probs])


def test_cross_entropy_weights_on_spatial_targets_match_pytorch() -> None:
    logits, w = x(2, 3, 4, 5), rng.uniform(0.5, 2, 3)
    target = rng.integers(0, 3, (2, 4, 5))
    compare(lambda a: F.cross_entropy(a, mg.tensor(target), mg.tensor(w)),
            lambda a: TF.cross_entropy(a, torch.tensor(target), torch.tensor(w)), [logits])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss_with_weights_matches_pytorch(reduction: str) -> None:
    target = np.array([1, 0, -100, 2])
    w = rng.uniform(0.5, 2, 3)
    compare(lambda a: F.nll_loss(a, mg.tensor(target), mg.tensor(w), reduction=reduction),
            lambda a: TF.nll_loss(a, torch.tensor(target), torch.tensor(w),
                                  reduction=reduction), [x(4, 3)])


def test_losses_with_every_target_ignored_give_nan_and_zero_gradients_as_pytorch() -> None:
    target = np.full(3, -100)
    for ours, theirs in [(F.cross_entropy, TF.cross_entropy), (F.nll_loss, TF.nll_loss)]:
        a, b = mg.tensor(x(3, 4), requires_grad=True), torch.tensor(x(3, 4), requires_grad=True)
        out, ref = ours(a, mg.tensor(target)), theirs(b, torch.tensor(target))
        out.backward()
        ref.backward()
        assert np.isnan(out.item()) and torch.isnan(ref)
        np.testing.assert_array_equal(a.grad.data, b.grad.numpy())


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_regression_and_binary_losses_match_pytorch(reduction: str, dtype: type) -> None:
    a, t = x(3, 4, dtype=dtype), x(3, 4, dtype=dtype)
    p, y = rng.uniform(0.01, 0.99, (3, 4)).astype(dtype), rng.uniform(0, 1, (3, 4)).astype(dtype)
    w, pw = rng.uniform(0.5, 2, (3, 4)).astype(dtype), rng.uniform(0.5, 2, 4).astype(dtype)
    pairs = [
        (lambda i, j: F.mse_loss(i, j, reduction=reduction),
         lambda i, j: TF.mse_loss(i, j, reduction=reduction), [a, t]),
        (lambda i, j: F.l1_loss(i, j, reduction=reduction),
         lambda i, j: TF.l1_loss(i, j, reduction=reduction), [a, t]),
        (lambda i, j: F.smooth_l1_loss(i, j, reduction=reduction, beta=0.7),
         lambda i, j: TF.smooth_l1_loss(i, j, reduction=reduction, beta=0.7), [a, t]),
        (lambda i, j: F.smooth_l1_loss(i, j, reduction=reduction, beta=0.0),
         lambda i, j: TF.smooth_l1_loss(i, j, reduction=reduction, beta=0.0), [a, t]),
        (lambda i, j: F.binary_cross_entropy(i, j, mg.tensor(w), reduction=reduction),
         lambda i, j: TF.binary_cross_entropy(i, j, torch.tensor(w), reduction=reduction),
         [p, y]),
        (lambda i, j: F.binary_cross_entropy_with_logits(
            i, j, reduction=reduction, pos_weight=mg.tensor(pw)),
         lambda i, j: TF.binary_cross_entropy_with_logits(
             i, j, reduction=reduction, pos_weight=torch.tensor(pw)), [a * 20, y]),
    ]
    for ours, theirs, arrays in pairs:
        compare(ours, theirs, arrays, dtype=dtype)


def test_binary_cross_entropy_at_saturated_probabilities_is_finite_as_pytorch() -> None:
    p, y = np.array([0.0, 1.0, 0.0, 1.0]), np.array([1.0, 0.0, 0.0, 1.0])
    compare(F.binary_cross_entropy, TF.binary_cross_entropy, [p, y], grad=[False, True])


def test_loss_modules_match_pytorch() -> None:
    logits, target = x(5, 3), rng.integers(0, 3, 5)
    w = rng.uniform(0.5, 2, 3)
    ours = nn.CrossEntropyLoss(mg.tensor(w), ignore_index=1, label_smoothing=0.1)
    theirs = torch.nn.CrossEntropyLoss(torch.tensor(w), ignore_index=1, label_smoothing=0.1)
    compare(lambda a: ours(a, mg.tensor(target)), lambda a: theirs(a, torch.tensor(target)),
            [logits])
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]
    y = rng.uniform(0, 1, (5, 3))
    pw = rng.uniform(0.5, 2, 3)
    for ours, theirs in [(nn.BCEWithLogitsLoss(pos_weight=mg.tensor(pw)),
                          torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(pw))),
                         (nn.L1Loss(reduction="sum"), torch.nn.L1Loss(reduction="sum")),
                         (nn.SmoothL1Loss(beta=0.5), torch.nn.SmoothL1Loss(beta=0.5)),
                         (nn.MSELoss(), torch.nn.MSELoss())]:
        compare(lambda a, o=ours: o(a, mg.tensor(y)), lambda a, t=theirs: t(a, torch.tensor(y)),
                [logits])
    compare(lambda a: nn.BCELoss()(a, mg.tensor(y)), lambda a: torch.nn.BCELoss()(
        a, torch.tensor(y)), [rng.uniform(0.05, 0.95, (5, 3))])
    compare(lambda a: nn.NLLLoss(mg.tensor(w))(a, mg.tensor(target)),
            lambda a: torch.nn.NLLLoss(torch.tensor(w))(a, torch.tensor(target)), [logits])


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate"])
@pytest.mark.parametrize("shape,pad", [((2, 5), (2, 3)), ((2, 3, 5), (1, 4)),
                                       ((1, 2, 4, 5), (1, 2, 3, 0)),
                                       ((1, 1, 3, 3, 4), (1, 1, 2, 2, 1, 0))])
def test_pad_modes_match_pytorch(mode: str, shape: tuple, pad: tuple) -> None:
    compare(lambda a: F.pad(a, pad, mode=mode), lambda a: TF.pad(a, pad, mode=mode), [x(*shape)])


def test_pad_constant_value_matches_pytorch() -> None:
    compare(lambda a: F.pad(a, (1, 1, 0, 2), value=-3.5),
            lambda a: TF.pad(a, (1, 1, 0, 2), value=-3.5), [x(2, 3, 4, dtype=np.float32)],
            dtype=np.float32)


@pytest.mark.parametrize("kwargs", [dict(size=(7, 9)), dict(size=5), dict(scale_factor=2),
                                    dict(scale_factor=0.5), dict(scale_factor=(1.7, 0.6)),
                                    dict(size=(1, 1))])
@pytest.mark.parametrize("mode,corners", [("nearest", None), ("bilinear", False),
                                          ("bilinear", True)])
def test_interpolate_matches_pytorch(kwargs: dict, mode: str, corners: bool | None) -> None:
    for dtype in DTYPES:
        compare(lambda a: F.interpolate(a, mode=mode, align_corners=corners, **kwargs),
                lambda a: TF.interpolate(a, mode=mode, align_corners=corners, **kwargs),
                [x(2, 3, 5, 6, dtype=dtype)], dtype=dtype)


def test_interpolate_nearest_on_1d_and_3d_inputs_matches_pytorch() -> None:
    compare(lambda a: F.interpolate(a, scale_factor=3), lambda a: TF.interpolate(
        a, scale_factor=3), [x(2, 3, 4)])
    compare(lambda a: F.interpolate(a, size=(3, 2, 5)), lambda a: TF.interpolate(
        a, size=(3, 2, 5)), [x(1, 2, 2, 3, 4)])


def test_embedding_with_padding_idx_matches_pytorch() -> None:
    idx = np.array([[0, 2, 2], [4, 1, 0]])
    compare(lambda w: F.embedding(mg.tensor(idx), w, padding_idx=2),
            lambda w: TF.embedding(torch.tensor(idx), w, padding_idx=2), [x(5, 3)])
    layer, ref = nn.Embedding(6, 4, padding_idx=-1), torch.nn.Embedding(6, 4, padding_idx=-1)
    assert layer.padding_idx == ref.padding_idx == 5
    np.testing.assert_array_equal(layer.weight.data[5], 0)
    layer.load_state_dict({"weight": ref.weight.detach().numpy()})
    compare(lambda i: layer(i), lambda i: ref(i),
            [np.array([5, 1, 5])], grad=[False])


def test_one_hot_matches_pytorch() -> None:
    for t, n in [(np.array([0, 3, 1]), -1), (np.array([[1], [0]]), 4), (np.zeros(0, int), 3)]:
        ours = F.one_hot(mg.tensor(t), n)
        theirs = TF.one_hot(torch.tensor(t), n)
        assert ours.dtype == np.int64 and ours.shape == tuple(theirs.shape)
        np.testing.assert_array_equal(ours.data, theirs.numpy())


def test_dropout2d_zeroes_whole_channels_and_scales_the_rest() -> None:
    mg.manual_seed(0)
    out = F.dropout2d(mg.ones(8, 16, 3, 3), 0.5)
    per_channel = out._data.reshape(8, 16, 9)
    assert set(np.unique(per_channel)) <= {0.0, 2.0}
    assert (per_channel.min(-1) == per_channel.max(-1)).all()  # a channel is all or nothing
    layer = nn.Dropout2d(0.5).eval()
    assert layer(mg.ones(2, 3, 2, 2))._data.sum() == 24


@pytest.mark.parametrize("name,shape", [("dropout1d", (8, 16, 5)), ("dropout1d", (16, 5)),
                                        ("dropout3d", (4, 16, 2, 3, 3)),
                                        ("dropout3d", (16, 2, 3, 3))])
def test_dropout1d_and_3d_zero_whole_channels_as_pytorch(name: str, shape: tuple) -> None:
    """Batched or not; the same statistics as PyTorch's (its masks come from another
    generator): a channel is all or nothing, about half dropped, the rest scaled by 2."""
    mg.manual_seed(0)
    torch.manual_seed(0)  # both seeded: the share check below is then not left to chance
    ours = getattr(F, name)(mg.ones(*shape), 0.5)._data
    theirs = getattr(TF, name)(torch.ones(shape), 0.5).numpy()
    for out in (ours, theirs):
        spatial = 1 if name == "dropout1d" else 3
        per_channel = out.reshape(*shape[:-spatial], -1)
        assert set(np.unique(per_channel)) <= {0.0, 2.0}
        assert (per_channel.min(-1) == per_channel.max(-1)).all()
        assert 0.2 < (per_channel[..., 0] == 0).mean() < 0.8
    layer = getattr(nn, name.capitalize())
    assert repr(layer(0.2)) == f"{layer.__name__}(p=0.2)"
    assert (layer(0.5).eval()(mg.ones(*shape))._data == 1).all()
    with pytest.raises(ValueError, match=f"{name}: expected"):
        getattr(F, name)(mg.ones(2, 3, 4, 5, 6, 7), 0.5)


def test_linear_unflatten_and_lazy_layers_match_pytorch_shapes() -> None:
    ours, theirs = nn.Linear(4, 3, bias=False), torch.nn.Linear(4, 3, bias=False)
    assert list(ours.state_dict()) == ["weight"]
    ours.load_state_dict({"weight": theirs.weight.detach().numpy()})
    compare(ours, theirs, [x(2, 5, 4, dtype=np.float32)], dtype=np.float32)
    unflat = nn.Unflatten(1, (2, 3))
    assert unflat(mg.zeros(4, 6, 5)).shape == (4, 2, 3, 5)
    assert nn.Unflatten(-1, (2, 2))(mg.zeros(3, 4)).shape == (3, 2, 2)
    lazy = nn.LazyLinear(7)
    assert lazy.has_uninitialized_params()
    assert lazy(mg.randn(2, 5)).shape == (2, 7) and lazy.weight.shape == (7, 5)
    assert type(lazy) is nn.Linear  # it becomes a Linear, as PyTorch's (cls_to_become)
    conv = nn.LazyConv2d(4, 3, padding=1)
    assert conv(mg.randn(2, 3, 6, 6)).shape == (2, 4, 6, 6) and conv.weight.shape == (4, 3, 3, 3)


def test_init_functions_follow_pytorch_bounds_and_gains() -> None:
    for nonlin, param in [("relu", None), ("leaky_relu", 0.2), ("tanh", None),
                          ("selu", None), ("linear", None), ("sigmoid", None)]:
        assert nn.init.calculate_gain(nonlin, param) == pytest.approx(
            torch.nn.init.calculate_gain(nonlin, param))
    mg.manual_seed(0)
    w = mg.zeros(400, 300)
    nn.init.kaiming_uniform_(w, a=0.1, mode="fan_out", nonlinearity="leaky_relu")
    bound = torch.nn.init.calculate_gain("leaky_relu", 0.1) * np.sqrt(3 / 400)
    assert np.abs(w.data).max() <= bound and np.abs(w.data).max() > 0.99 * bound
    nn.init.xavier_normal_(w, gain=2.0)
    assert w._data.std() == pytest.approx(2.0 * np.sqrt(2 / 700), rel=0.02)
    nn.init.kaiming_normal_(w, mode="fan_in", nonlinearity="relu")
    assert w._data.std() == pytest.approx(np.sqrt(2 / 300), rel=0.02)
    nn.init.xavier_uniform_(w)
    assert np.abs(w.data).max() <= np.sqrt(6 / 700)
    for fill, value in [(nn.init.zeros_, 0), (nn.init.ones_, 1)]:
        fill(w)
        assert (w._data == value).all()
    nn.init.constant_(w, 0.25)
    assert (w.data == 0.25).all() and w.dtype == np.float32


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.5, float("inf")])
def test_clip_grad_norm_matches_pytorch(norm_type: float) -> None:
    grads = [x(3, 4), x(5), x(2, 2)]
    ours = [nn.Parameter(mg.zeros(*g.shape, dtype=np.float64)) for g in grads]
    theirs = [torch.nn.Parameter(torch.zeros(g.shape, dtype=torch.float64)) for g in grads]
    for p, q, g in zip(ours, theirs, grads):
        p.grad, q.grad = mg.tensor(g.copy()), torch.tensor(g.copy())
    total = nn.utils.clip_grad_norm_(ours, 1.5, norm_type=norm_type)
    ref = torch.nn.utils.clip_grad_norm_(theirs, 1.5, norm_type=norm_type)
    assert total.item() == pytest.approx(ref.item(), rel=1e-12)
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.grad.data, q.grad.numpy(), rtol=1e-12)


def test_clip_grad_value_and_parameter_vectors_match_pytorch() -> None:
    g = x(3, 4)
    p, q = nn.Parameter(mg.zeros(3, 4)), torch.nn.Parameter(torch.zeros(3, 4))
    p.grad, q.grad = mg.tensor(g.astype(np.float32)), torch.tensor(g.astype(np.float32))
    nn.utils.clip_grad_value_([p], 0.5)
    torch.nn.utils.clip_grad_value_([q], 0.5)
    np.testing.assert_array_equal(p.grad.data, q.grad.numpy())
    model = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    vec = nn.utils.parameters_to_vector(model.parameters())
    assert vec.shape == (11,)
    nn.utils.vector_to_parameters(vec * 0 + 1, model.parameters())
    assert all((p._data == 1).all() for p in model.parameters())


def test_no_warnings_from_stable_losses_on_huge_logits() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.binary_cross_entropy_with_logits(mg.tensor([1e4, -1e4]), mg.tensor([0.0, 1.0]))
        F.softplus(mg.tensor([1e4, -1e4]))
