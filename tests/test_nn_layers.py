"""Layers: gradchecks of every layer (float64), PyTorch parity, defaults and bad inputs."""

from __future__ import annotations

import math

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.nn import functional as F

RNG = np.random.default_rng(1234)


def t64(*shape: int, requires_grad: bool = True, scale: float = 1.0) -> mg.Tensor:
    return mg.Tensor(RNG.standard_normal(shape) * scale, requires_grad=requires_grad)


# --------------------------------------------------------------------------- gradchecks


@pytest.mark.parametrize("shape", [(4, 3), (2, 5, 3)])
def test_linear_gradcheck_input_weight_and_bias(shape: tuple) -> None:
    w, b = t64(2, 3), t64(2)
    assert mg.gradcheck(F.linear, (t64(*shape), w, b))
    assert mg.gradgradcheck(F.linear, (t64(*shape), w, b))
    assert mg.gradcheck(lambda x, w: F.linear(x, w), (t64(*shape), w))


def test_linear_layer_gradcheck_and_matches_formula() -> None:
    layer = nn.Linear(3, 2).double()
    x = t64(4, 3)
    assert mg.gradcheck(layer, (x,))
    np.testing.assert_allclose(layer(x).data, x.data @ layer.weight._data.T + layer.bias.data)


@pytest.mark.parametrize("layer", [nn.ReLU(), nn.Sigmoid(), nn.Tanh(), nn.Softmax(dim=1),
                                   nn.Softmax(dim=0), nn.Flatten(), nn.Identity()],
                         ids=lambda m: repr(m))
def test_activation_and_shape_layers_gradcheck_twice(layer: nn.Module) -> None:
    x = t64(3, 4, 2)
    x.data[np.abs(x.data) < 1e-3] = 0.5  # keep away from ReLU's kink
    assert mg.gradcheck(layer, (x,))
    assert mg.gradgradcheck(layer, (x,))


def test_softmax_default_dim_follows_pytorch() -> None:
    x = mg.randn(2, 3)
    np.testing.assert_allclose(nn.Softmax()(x)._data.sum(1), 1.0, rtol=1e-6)


@pytest.mark.parametrize("stride,padding", [(1, 0), (2, 1), ((2, 1), (0, 1))])
def test_conv2d_layer_gradcheck(stride: object, padding: object) -> None:
    layer = nn.Conv2d(2, 3, (3, 2), stride=stride, padding=padding).double()
    assert mg.gradcheck(layer, (t64(2, 2, 5, 4),))


def test_conv2d_layer_weights_gradcheck_via_functional() -> None:
    x, w, b = t64(2, 2, 5, 5), t64(3, 2, 3, 3), t64(3)
    assert mg.gradcheck(lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1), (x, w, b))


@pytest.mark.parametrize("layer", [nn.MaxPool2d(2), nn.MaxPool2d(3, 2, 1), nn.AvgPool2d(2),
                                   nn.AvgPool2d(3, 2, padding=1), nn.MaxPool2d(2, 2)],
                         ids=lambda m: repr(m))
def test_pool_layers_gradcheck(layer: nn.Module) -> None:
    assert mg.gradcheck(layer, (t64(2, 2, 5, 5),))


def test_pool_layers_floor_like_pytorch_unless_exact() -> None:
    x = mg.randn(1, 1, 7, 7)
    assert nn.MaxPool2d(2)(x).shape == (1, 1, 3, 3)
    with pytest.raises(ValueError):
        nn.MaxPool2d(2, exact=True)(x)


def test_dropout_gradcheck_with_fixed_mask() -> None:
    layer = nn.Dropout(0.4)

    def fixed_mask(x: mg.Tensor) -> mg.Tensor:
        mg.manual_seed(7)  # the same mask on every call gradcheck makes
        return layer(x)

    x = t64(4, 5)
    assert mg.gradcheck(fixed_mask, (x,))
    assert mg.gradgradcheck(fixed_mask, (x,))


def test_dropout_is_inverted_and_identity_in_eval() -> None:
    mg.manual_seed(0)
    x = mg.ones(200, 100)
    layer = nn.Dropout(0.3)
    y = layer(x).data
    kept = y != 0
    assert abs(kept.mean() - 0.7) < 0.01
    np.testing.assert_allclose(y[kept], 1 / 0.7, rtol=1e-6)
    assert y.dtype == np.float32
    layer.eval()
    assert layer(x) is x
    assert nn.Dropout(0.0)(x) is x
    assert np.all(nn.Dropout(1.0)(x).data == 0)
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(1.5)


def test_dropout_mask_follows_manual_seed() -> None:
    x = mg.ones(10, 10)
    mg.manual_seed(3)
    a = F.dropout(x, 0.5).data
    mg.manual_seed(3)
    b = F.dropout(x, 0.5).data
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("size", [1, 2, 3, 5])
def test_local_response_norm_gradcheck_twice(size: int) -> None:
    layer = nn.LocalResponseNorm(size, alpha=0.5, beta=0.75, k=2.0)
    x = t64(2, 6, 2, 3)
    assert mg.gradcheck(layer, (x,))
    assert mg.gradgradcheck(layer, (x,))


@pytest.mark.parametrize("shape", [(2, 6, 3, 3), (2, 7, 5), (1, 3, 2, 2, 2)])
@pytest.mark.parametrize("size", [1, 2, 4, 5, 9])
def test_local_response_norm_matches_pytorch(shape: tuple, size: int) -> None:
    torch = pytest.importorskip("torch")
    x = RNG.standard_normal(shape).astype(np.float32) * 3
    g = RNG.standard_normal(shape).astype(np.float32)
    ours = mg.tensor(x, requires_grad=True)
    out = nn.LocalResponseNorm(size, alpha=0.3, beta=0.75, k=2.0)(ours)
    out.backward(mg.tensor(g))
    tx = torch.tensor(x, requires_grad=True)
    tout = torch.nn.LocalResponseNorm(size, alpha=0.3, beta=0.75, k=2.0)(tx)
    tout.backward(torch.tensor(g))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours.grad.data, tx.grad.numpy(), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5)])
def test_batch_norm_training_gradcheck_input_weight_bias(shape: tuple) -> None:
    w, b = t64(3), t64(3)

    def fn(x: mg.Tensor, w: mg.Tensor, b: mg.Tensor) -> mg.Tensor:
        return F.batch_norm(x, None, None, w, b, training=True)

    assert mg.gradcheck(fn, (t64(*shape), w, b))
    assert mg.gradgradcheck(fn, (t64(*shape), w, b))


def test_batch_norm_gradcheck_on_channel_major_memory() -> None:
    """conv2d's layout, (N, C, H, W) views of (C, N, H, W) memory, going in and (through the
    second permute) coming back as the gradient: the sums along that memory."""
    w, b = t64(3), t64(3)

    def fn(x: mg.Tensor, w: mg.Tensor, b: mg.Tensor) -> mg.Tensor:
        out = F.batch_norm(x.permute(1, 0, 2, 3), None, None, w, b, training=True)
        return out.permute(1, 0, 2, 3)

    assert mg.gradcheck(fn, (t64(3, 4, 2, 3), w, b))
    assert mg.gradgradcheck(fn, (t64(3, 4, 2, 3), w, b))


def test_batch_norm_layers_gradcheck_in_train_and_eval() -> None:
    bn2 = nn.BatchNorm2d(3).double()
    x = t64(2, 3, 2, 3)
    assert mg.gradcheck(bn2, (x,))
    bn2.eval()
    assert mg.gradcheck(bn2, (x,))
    bn1 = nn.BatchNorm1d(3).double()
    assert mg.gradcheck(bn1, (t64(5, 3),))


@pytest.mark.parametrize("momentum", [0.1, None])
def test_batch_norm2d_running_stats_match_pytorch(momentum: float | None) -> None:
    torch = pytest.importorskip("torch")
    bn = nn.BatchNorm2d(3, momentum=momentum)
    tbn = torch.nn.BatchNorm2d(3, momentum=momentum)
    bn.weight.data[...] = RNG.standard_normal(3)
    bn.bias.data[...] = RNG.standard_normal(3)
    tbn.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                         for k, v in bn.state_dict().items()})
    for _ in range(3):
        x = (RNG.standard_normal((4, 3, 5, 5)) * 2 + 1).astype(np.float32)
        g = RNG.standard_normal((4, 3, 5, 5)).astype(np.float32)
        ours = mg.tensor(x, requires_grad=True)
        out = bn(ours)
        out.backward(mg.tensor(g))
        tx = torch.tensor(x, requires_grad=True)
        tout = tbn(tx)
        tout.backward(torch.tensor(g))
        np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(ours.grad.data, tx.grad.numpy(), rtol=1e-3, atol=1e-5)
    for key, value in tbn.state_dict().items():
        np.testing.assert_allclose(bn.state_dict()[key].data, value.numpy(), rtol=1e-5,
                                   err_msg=key)
    bn.eval()
    tbn.eval()
    x = RNG.standard_normal((2, 3, 4, 4)).astype(np.float32)
    np.testing.assert_allclose(bn(mg.tensor(x)).data, tbn(torch.tensor(x)).detach().numpy(),
                               rtol=1e-4, atol=1e-5)


def test_batch_norm1d_matches_pytorch_on_3d_input_and_keeps_float32() -> None:
    torch = pytest.importorskip("torch")
    bn, tbn = nn.BatchNorm1d(4), torch.nn.BatchNorm1d(4)
    x = RNG.standard_normal((3, 4, 5)).astype(np.float32)
    out = bn(mg.tensor(x))
    assert out.dtype == np.float32 and bn.running_var.dtype == np.float32
    np.testing.assert_allclose(out.data, tbn(torch.tensor(x)).detach().numpy(), rtol=1e-4,
                               atol=1e-5)
    np.testing.assert_allclose(bn.running_var.data, tbn.running_var.numpy(), rtol=1e-5)
    assert bn.num_batches_tracked.item() == 1


def test_batch_norm_without_running_stats_or_affine() -> None:
    bn = nn.BatchNorm1d(2, affine=False, track_running_stats=False)
    assert bn.state_dict() == {} and list(bn.parameters()) == []
    bn.eval()
    y = bn(mg.randn(10, 2)).data
    np.testing.assert_allclose(y.mean(0), 0, atol=1e-5)


def test_batch_norm_rejects_wrong_shapes() -> None:
    with pytest.raises(ValueError, match=r"BatchNorm2d\(3\) expected input of shape "
                                         r"\(N, 3, H, W\), got \(2, 4, 5, 5\)"):
        nn.BatchNorm2d(3)(mg.randn(2, 4, 5, 5))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3)(mg.randn(1, 3))


# --------------------------------------------------------------------------- parity, init


def test_linear_conv_pool_layers_match_pytorch() -> None:
    torch = pytest.importorskip("torch")
    x = RNG.standard_normal((2, 3, 9, 8)).astype(np.float32)
    conv = nn.Conv2d(3, 4, 3, stride=2, padding=1)
    tconv = torch.nn.Conv2d(3, 4, 3, stride=2, padding=1)
    tconv.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                           for k, v in conv.state_dict().items()})
    np.testing.assert_allclose(conv(mg.tensor(x)).data, tconv(torch.tensor(x)).detach().numpy(),
                               rtol=1e-4, atol=1e-5)
    for ours, theirs in [(nn.MaxPool2d(3, 2), torch.nn.MaxPool2d(3, 2)),
                         (nn.AvgPool2d(2), torch.nn.AvgPool2d(2)),
                         (nn.AvgPool2d(3, 2, 1), torch.nn.AvgPool2d(3, 2, 1)),
                         (nn.MaxPool2d(2, 2, 1), torch.nn.MaxPool2d(2, 2, 1))]:
        np.testing.assert_allclose(ours(mg.tensor(x)).data,
                                   theirs(torch.tensor(x)).numpy(), rtol=1e-6, err_msg=repr(ours))
    lin, tlin = nn.Linear(8, 5), torch.nn.Linear(8, 5)
    tlin.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                          for k, v in lin.state_dict().items()})
    np.testing.assert_allclose(lin(mg.tensor(x)).data, tlin(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)


def test_default_init_follows_pytorch_bounds() -> None:
    mg.manual_seed(0)
    conv = nn.Conv2d(16, 32, 3)
    bound = 1 / math.sqrt(16 * 9)  # kaiming_uniform(a=sqrt(5)) == U(+-1/sqrt(fan_in))
    w = conv.weight.data
    assert w.dtype == np.float32 and np.abs(w).max() <= bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.05 * bound
    assert np.abs(conv.bias.data).max() <= bound
    lin = nn.Linear(400, 10)
    assert np.abs(lin.weight.data).max() <= 1 / 20 and np.abs(lin.bias.data).max() <= 1 / 20


def test_init_is_reproducible_with_manual_seed() -> None:
    mg.manual_seed(5)
    a = nn.Linear(3, 3).weight._data.copy()
    mg.manual_seed(5)
    np.testing.assert_array_equal(a, nn.Linear(3, 3).weight.data)


# --------------------------------------------------------------------------- bad input


def test_conv2d_rejects_wrong_channels_and_too_small_input() -> None:
    conv = nn.Conv2d(3, 4, 5)
    with pytest.raises(ValueError, match=r"expected input of shape \(N, 3, H, W\), "
                                         r"got \(2, 1, 8, 8\)"):
        conv(mg.randn(2, 1, 8, 8))
    with pytest.raises(ValueError, match="kernel height 5 is larger than the padded input"):
        conv(mg.randn(2, 3, 4, 8))
    with pytest.raises(TypeError, match="kernel_size"):
        nn.Conv2d(3, 4, "5")


def test_repr_of_layers_reads_like_pytorch() -> None:
    assert repr(nn.Conv2d(3, 96, 11, stride=4)) == \
        "Conv2d(3, 96, kernel_size=(11, 11), stride=(4, 4))"
    assert repr(nn.LocalResponseNorm(5, k=2.0)) == \
        "LocalResponseNorm(5, alpha=0.0001, beta=0.75, k=2.0)"
    assert repr(nn.Dropout(0.5)) == "Dropout(p=0.5)"
    assert repr(nn.MaxPool2d(3, 2)) == \
        "MaxPool2d(kernel_size=3, stride=2, padding=0, dilation=1, ceil_mode=False)"


@pytest.mark.parametrize("make", [lambda: nn.Linear(2, 3), lambda: nn.Conv2d(1, 2, 3),
                                  lambda: nn.BatchNorm2d(3), lambda: nn.LayerNorm(4),
                                  lambda: nn.GroupNorm(2, 4), lambda: nn.Embedding(5, 2)])
def test_layers_are_built_in_the_current_default_dtype(make):
    """As in PyTorch: set_default_dtype(float64) before building gives float64 weights."""
    mg.set_default_dtype(mg.float64)
    try:
        layer = make()
    finally:
        mg.set_default_dtype(mg.float32)
    floats = [v for k, v in layer.state_dict().items() if k != "num_batches_tracked"]
    assert floats and all(v.dtype == np.float64 for v in floats)
    assert all(v.dtype == np.float32 for k, v in make().state_dict().items()
               if k != "num_batches_tracked")


def test_sigmoid_keeps_its_negative_tail_and_logsigmoid_is_stable() -> None:
    assert np.isclose(mg.tensor([-20.0]).sigmoid().item(), 2.0611537e-09, rtol=1e-6)
    assert np.isclose(mg.tensor([-100.0], dtype=np.float64).sigmoid().item(), 3.7200759760e-44)
    x = mg.tensor([-200.0, 0.0, 50.0], dtype=np.float64, requires_grad=True)
    y = F.logsigmoid(x)
    assert np.allclose(y.data, [-200.0, -np.log(2.0), -np.exp(-50.0)])
    y.sum().backward()
    assert np.allclose(x.grad.data, [1.0, 0.5, np.exp(-50.0)])
    for dtype in (np.float32, np.float64):
        info = np.finfo(dtype)
        xs = np.linspace(-np.log(info.max) * 0.99, np.log(info.max) * 0.99, 2001).astype(dtype)
        got = mg.tensor(xs).sigmoid()._data.astype(np.float64)
        exact = 1 / (1 + np.exp(-xs.astype(np.longdouble)))
        rel = np.abs(got - exact) / exact
        assert rel.max() < 4 * info.eps
