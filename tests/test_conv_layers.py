"""nn.Conv2d / nn.ConvTranspose2d: PyTorch's signatures, defaults and init, bad settings
refused where they are written, zero channels, strict shapes and the floor record."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F


def test_float_channels_are_refused_not_truncated():
    with pytest.raises(TypeError, match=r"Conv2d: out_channels must be an int, got 2.5"):
        nn.Conv2d(1, 2.5, 3)
    with pytest.raises(TypeError, match=r"ConvTranspose2d: in_channels must be an int"):
        nn.ConvTranspose2d(1.0, 2, 3)
    with pytest.raises(ValueError, match=r"Conv2d: in_channels must be >= 0, got -1"):
        nn.Conv2d(-1, 2, 3)
    with pytest.raises(ValueError, match=r"Conv2d: in_channels \(3\) must be divisible by "
                                         r"groups \(2\)"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="Conv2d: padding='same' is not supported for strided"):
        nn.Conv2d(1, 1, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="Conv2d: padding_mode must be one of"):
        nn.Conv2d(1, 1, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match=r"Conv2d: kernel size must be positive, got \(0, 3\)"):
        nn.Conv2d(1, 1, (0, 3))
    with pytest.raises(TypeError, match="Conv2d: kernel_size must be an int or a pair"):
        nn.Conv2d(3, 4, "5")


def test_zero_channels_are_allowed_as_in_pytorch():
    conv = nn.Conv2d(0, 2, 3)
    assert conv.weight.shape == (2, 0, 3, 3)
    y = conv(mg.zeros(1, 0, 5, 5))
    assert y.shape == (1, 2, 3, 3)
    np.testing.assert_array_equal(y.data, np.broadcast_to(conv.bias.data[:, None, None],
                                                          (1, 2, 3, 3)))
    assert nn.Conv2d(2, 0, 3)(mg.zeros(1, 2, 5, 5)).shape == (1, 0, 3, 3)


def test_floors_by_default_and_strict_inside_strict_shapes():
    conv = nn.Conv2d(1, 1, 3, stride=2)
    x = mg.zeros(1, 1, 6, 6)
    assert conv(x).shape == (1, 1, 2, 2)
    assert F.conv2d(x, conv.weight, stride=2).shape == (1, 1, 2, 2)  # one default for both
    with mg.strict_shapes():
        with pytest.raises(ValueError, match="conv2d: the output height is not a whole number"):
            conv(x)
        with pytest.raises(ValueError, match="max_pool2d: the output height"):
            F.max_pool2d(mg.zeros(1, 1, 5, 4), 2)
        assert F.conv2d(x, conv.weight, stride=2, exact=False).shape == (1, 1, 2, 2)
    assert conv(x).shape == (1, 1, 2, 2)  # the block ends, flooring is back

    @mg.strict_shapes()
    def strict_forward(t):
        return F.avg_pool2d(t, 2)

    with pytest.raises(ValueError, match="avg_pool2d: the output width is not a whole"):
        strict_forward(mg.zeros(1, 1, 4, 5))
    with pytest.raises(ValueError, match="Conv2d|conv2d: the output width"):
        nn.Conv2d(1, 1, 2, stride=2, exact=True)(mg.zeros(1, 1, 4, 5))


def test_a_floored_op_records_the_rows_and_columns_it_dropped():
    x = mg.zeros(1, 1, 7, 6, requires_grad=True)
    y = F.conv2d(x, mg.zeros(1, 1, 3, 3), stride=(2, 2))
    assert y.grad_fn.dropped == (0, 1)  # (7-3) % 2 = 0 rows, (6-3) % 2 = 1 column
    assert F.max_pool2d(mg.zeros(1, 1, 5, 5, requires_grad=True), 2).grad_fn.dropped == (1, 1)
    assert not hasattr(F.max_pool2d(mg.zeros(1, 1, 4, 4, requires_grad=True), 2).grad_fn,
                       "dropped")
    # padding rows that are dropped are not input rows
    assert not hasattr(F.max_pool2d(mg.zeros(1, 1, 4, 4, requires_grad=True), 2, 2, 1).grad_fn,
                       "dropped")


def test_repr_reads_like_pytorch():
    torch = pytest.importorskip("torch")
    for ours, theirs in [
        (nn.Conv2d(3, 96, 11, stride=4), torch.nn.Conv2d(3, 96, 11, stride=4)),
        (nn.Conv2d(4, 8, 3, padding="same", dilation=2, groups=2, bias=False),
         torch.nn.Conv2d(4, 8, 3, padding="same", dilation=2, groups=2, bias=False)),
        (nn.ConvTranspose2d(4, 2, 3, stride=2, output_padding=1),
         torch.nn.ConvTranspose2d(4, 2, 3, stride=2, output_padding=1)),
    ]:
        assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("cls,kwargs,shape", [
    ("Conv2d", dict(stride=2, padding=1, dilation=2, groups=2), (2, 4, 9, 8)),
    ("Conv2d", dict(padding="same", groups=4), (1, 4, 6, 7)),
    ("ConvTranspose2d", dict(stride=2, padding=1, output_padding=1, groups=2), (2, 4, 5, 4)),
])
def test_layers_match_torch_with_the_same_weights(cls, kwargs, shape):
    torch = pytest.importorskip("torch")
    theirs = getattr(torch.nn, cls)(4, 6 if cls == "ConvTranspose2d" else 8, 3, **kwargs)
    ours = getattr(nn, cls)(4, 6 if cls == "ConvTranspose2d" else 8, 3, **kwargs)
    assert ours.weight.shape == tuple(theirs.weight.shape)
    ours.load_state_dict({k: mg.tensor(v.detach().numpy()) for k, v in
                          theirs.state_dict().items()})
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    mx, tx = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, ty = ours(mx), theirs(tx)
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-5, atol=1e-5)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(mx.grad.data, tx.grad.numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(ours.weight.grad.data, theirs.weight.grad.numpy(), rtol=1e-4,
                               atol=1e-4)


def test_default_init_bounds_follow_pytorch_fan_in():
    conv = nn.Conv2d(4, 6, 3, groups=2)  # fan_in = 4/2 * 9 = 18
    assert np.abs(conv.weight.data).max() <= 1 / np.sqrt(18)
    assert np.abs(conv.bias.data).max() <= 1 / np.sqrt(18)
    tconv = nn.ConvTranspose2d(4, 6, 3, groups=2)  # weight (4, 3, 3, 3): fan_in 27
    assert tconv.weight.shape == (4, 3, 3, 3)
    assert np.abs(tconv.bias.data).max() <= 1 / np.sqrt(27)


def test_conv_transpose2d_output_size_picks_the_output_padding():
    torch = pytest.importorskip("torch")
    ours = nn.ConvTranspose2d(2, 3, 3, stride=2)
    theirs = torch.nn.ConvTranspose2d(2, 3, 3, stride=2)
    assert ours(mg.zeros(1, 2, 4, 4), output_size=(10, 9)).shape == tuple(
        theirs(torch.zeros(1, 2, 4, 4), output_size=(10, 9)).shape)
    with pytest.raises(ValueError, match="ConvTranspose2d: requested an output size"):
        ours(mg.zeros(1, 2, 4, 4), output_size=(12, 12))


def test_the_graph_drawing_marks_an_op_that_floored():
    pytest.importorskip("graphviz")
    from minigrad.viz import draw_graph

    x = mg.zeros(1, 1, 7, 6, requires_grad=True)
    floored = F.conv2d(x, mg.zeros(1, 1, 3, 3), stride=2).sum()
    assert "floored: 0 input row(s), 1 column(s) unused" in draw_graph(floored).source
    exact = F.conv2d(x, mg.zeros(1, 1, 3, 2), stride=(2, 2)).sum()
    assert "floored" not in draw_graph(exact).source


def test_unbatched_chw_input_is_a_batch_of_one_as_in_pytorch() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 9, 8))
    w = rng.standard_normal((4, 3, 3, 3))
    cases = [
        (lambda lib, t, k: lib.nn.functional.conv2d(t, k, padding=1), True),
        (lambda lib, t, k: lib.nn.functional.conv_transpose2d(t, k.transpose(0, 1), stride=2),
         True),
        (lambda lib, t, k: lib.nn.functional.max_pool2d(t, 2, return_indices=True)[0], False),
        (lambda lib, t, k: lib.nn.functional.avg_pool2d(t, 3, 1, 1), False),
        (lambda lib, t, k: lib.nn.functional.adaptive_avg_pool2d(t, (2, 3)), False),
        (lambda lib, t, k: lib.nn.functional.adaptive_max_pool2d(t, 3), False),
    ]
    for fn, uses_weight in cases:
        ours = [mg.tensor(x, requires_grad=True), mg.tensor(w, requires_grad=True)]
        theirs = [torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)]
        out, ref = fn(mg, *ours), fn(torch, *theirs)
        assert out.shape == tuple(ref.shape) and out.ndim == 3
        np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-10)
        out.sum().backward()
        ref.sum().backward()
        for a, b in zip(ours, theirs if uses_weight else theirs[:1]):
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-12)
    layer = nn.Conv2d(3, 2, 3, padding=1, padding_mode="circular")
    t_layer = torch.nn.Conv2d(3, 2, 3, padding=1, padding_mode="circular").double()
    t_layer.load_state_dict({k: torch.tensor(v.detach().numpy(), dtype=torch.float64)
                             for k, v in layer.state_dict().items()})
    got = layer.to(mg.float64)(mg.tensor(x))
    np.testing.assert_allclose(got.detach().numpy(), t_layer(torch.tensor(x)).detach().numpy(),
                               rtol=1e-10)
