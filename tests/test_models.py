"""SimpleConvNet, LeNet, AlexNet: shapes, init, bad input, and weights to/from PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.models import AlexNet, LeNet, SimpleConvNet

RNG = np.random.default_rng(0)


def images(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape).astype(np.float32)


def assert_close_relative(ours: np.ndarray, theirs: np.ndarray, rtol: float = 1e-4) -> None:
    """Elementwise error within ``rtol`` of the output's scale."""
    scale = max(float(np.abs(theirs).max()), 1e-12)
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=rtol * scale)


def to_torch(model: nn.Module, tmodel, torch) -> None:  # noqa: ANN001
    """Array by array: what docs/nn.md shows."""
    tmodel.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                            for k, v in model.state_dict().items()})


def from_torch(tmodel, model: nn.Module) -> None:  # noqa: ANN001
    model.load_state_dict({k: v.detach().numpy() for k, v in tmodel.state_dict().items()})


def check_both_directions(model: nn.Module, make_ours, tmodel, torch, x: np.ndarray) -> None:  # noqa: ANN001
    model.eval()
    tmodel.eval()
    assert list(model.state_dict()) == list(tmodel.state_dict())
    to_torch(model, tmodel, torch)
    with torch.no_grad():
        expected = tmodel(torch.from_numpy(x)).numpy()
    with mg.no_grad():
        assert_close_relative(model(mg.tensor(x)).data, expected)
    fresh = make_ours().eval()
    with torch.no_grad():
        for p in tmodel.parameters():  # new weights, so the reverse trip is a real test
            p.mul_(-0.5)
        expected = tmodel(torch.from_numpy(x)).numpy()
    from_torch(tmodel, fresh)
    with mg.no_grad():
        assert_close_relative(fresh(mg.tensor(x)).data, expected)


# --------------------------------------------------------------------------- SimpleConvNet


def torch_simple_convnet(torch, c: int = 1, fn: int = 30, fs: int = 5, pad: int = 0,  # noqa: ANN001
                         stride: int = 1, flat: int = 4320, hidden: int = 100, out: int = 10):
    F = torch.nn.functional

    class TorchSimpleConvNet(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv1 = torch.nn.Conv2d(c, fn, fs, stride=stride, padding=pad)
            self.fc1 = torch.nn.Linear(flat, hidden)
            self.fc2 = torch.nn.Linear(hidden, out)

        def forward(self, x):  # noqa: ANN001, ANN202
            x = F.max_pool2d(F.relu(self.conv1(x)), 2)
            return self.fc2(F.relu(self.fc1(x.flatten(1))))

    return TorchSimpleConvNet()


def test_simple_convnet_shapes_and_book_layout() -> None:
    net = SimpleConvNet()
    assert net.conv1.weight.shape == (30, 1, 5, 5)
    assert net.fc1.weight.shape == (100, 4320) and net.fc2.weight.shape == (10, 100)
    x = mg.tensor(images(3, 1, 28, 28))
    out = net(x)
    assert out.shape == (3, 10) and out.dtype == np.float32
    loss = nn.CrossEntropyLoss()(out, mg.tensor([1, 2, 3]))
    loss.backward()
    assert all(p.grad is not None and p.grad.shape == p.shape for p in net.parameters())


def test_simple_convnet_init_is_the_books() -> None:
    mg.manual_seed(0)
    net = SimpleConvNet(weight_init_std=0.01)
    assert net.fc1.weight._data.std() == pytest.approx(0.01, rel=0.02)
    assert np.all(net.fc1.bias.data == 0) and np.all(net.conv1.bias.data == 0)
    he = SimpleConvNet(weight_init_std="he")
    assert he.fc1.weight._data.std() == pytest.approx(np.sqrt(2 / 4320), rel=0.02)
    xavier = SimpleConvNet(weight_init_std="xavier")
    assert xavier.fc2.weight._data.std() == pytest.approx(np.sqrt(1 / 100), rel=0.1)
    with pytest.raises(ValueError, match="weight_init_std"):
        SimpleConvNet(weight_init_std="normal")


def test_simple_convnet_derives_sizes_from_the_input() -> None:
    net = SimpleConvNet(input_dim=(3, 32, 30), conv_param={"filter_num": 8, "filter_size": 3,
                                                           "pad": 1, "stride": 1},
                        hidden_size=20, output_size=4)
    assert net.fc1.in_features == 8 * 16 * 15
    assert net(mg.tensor(images(2, 3, 32, 30))).shape == (2, 4)


def test_simple_convnet_sizes_that_do_not_fit_are_explained() -> None:
    with pytest.raises(ValueError, match=r"does not fit input height 28.*whole number"):
        SimpleConvNet(conv_param={"filter_size": 4, "stride": 5})
    with pytest.raises(ValueError, match="too small for the 2x2 max-pool"):
        SimpleConvNet(input_dim=(1, 5, 5))


def test_simple_convnet_matches_pytorch_both_ways() -> None:
    torch = pytest.importorskip("torch")
    check_both_directions(SimpleConvNet(weight_init_std="he"),
                          lambda: SimpleConvNet(), torch_simple_convnet(torch), torch,
                          images(2, 1, 28, 28))


# --------------------------------------------------------------------------- LeNet


def torch_lenet(torch, activation: str = "sigmoid", pool: str = "avg", classes: int = 10):  # noqa: ANN001, ANN201
    tnn = torch.nn
    act = {"sigmoid": tnn.Sigmoid, "relu": tnn.ReLU}[activation]
    pooling = {"avg": tnn.AvgPool2d, "max": tnn.MaxPool2d}[pool]

    class TorchLeNet(tnn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.features = tnn.Sequential(tnn.Conv2d(1, 6, 5, padding=2), act(), pooling(2, 2),
                                           tnn.Conv2d(6, 16, 5), act(), pooling(2, 2))
            self.flatten = tnn.Flatten()
            self.classifier = tnn.Sequential(tnn.Linear(400, 120), act(), tnn.Linear(120, 84),
                                             act(), tnn.Linear(84, classes))

        def forward(self, x):  # noqa: ANN001, ANN202
            return self.classifier(self.flatten(self.features(x)))

    return TorchLeNet()


@pytest.mark.parametrize("activation,pool", [("sigmoid", "avg"), ("relu", "max")])
def test_lenet_matches_pytorch_both_ways(activation: str, pool: str) -> None:
    torch = pytest.importorskip("torch")
    check_both_directions(LeNet(activation=activation, pool=pool),
                          lambda: LeNet(activation=activation, pool=pool),
                          torch_lenet(torch, activation, pool), torch, images(2, 1, 28, 28))


def test_lenet_shapes_variants_and_parameter_count() -> None:
    net = LeNet(num_classes=7, activation="relu", pool="max")
    assert isinstance(net.features[1], nn.ReLU) and isinstance(net.features[2], nn.MaxPool2d)
    assert isinstance(LeNet().features[2], nn.AvgPool2d)
    out = net(mg.tensor(images(4, 1, 28, 28)))
    assert out.shape == (4, 7)
    out.sum().backward()
    assert LeNet().num_parameters() == 61706
    with pytest.raises(ValueError, match="activation"):
        LeNet(activation="gelu")
    with pytest.raises(ValueError, match="pool"):
        LeNet(pool="min")


# --------------------------------------------------------------------------- AlexNet


def torch_alexnet(torch, classes: int = 1000, lrn: bool = True):  # noqa: ANN001, ANN201
    tnn = torch.nn

    def norm():  # noqa: ANN202
        return tnn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=2.0) if lrn else tnn.Identity()

    class TorchAlexNet(tnn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.features = tnn.Sequential(
                tnn.Conv2d(3, 96, 11, stride=4), tnn.ReLU(), norm(), tnn.MaxPool2d(3, 2),
                tnn.Conv2d(96, 256, 5, padding=2), tnn.ReLU(), norm(), tnn.MaxPool2d(3, 2),
                tnn.Conv2d(256, 384, 3, padding=1), tnn.ReLU(),
                tnn.Conv2d(384, 384, 3, padding=1), tnn.ReLU(),
                tnn.Conv2d(384, 256, 3, padding=1), tnn.ReLU(), tnn.MaxPool2d(3, 2))
            self.flatten = tnn.Flatten()
            self.classifier = tnn.Sequential(
                tnn.Dropout(0.5), tnn.Linear(9216, 4096), tnn.ReLU(),
                tnn.Dropout(0.5), tnn.Linear(4096, 4096), tnn.ReLU(),
                tnn.Linear(4096, classes))

        def forward(self, x):  # noqa: ANN001, ANN202
            return self.classifier(self.flatten(self.features(x)))

    return TorchAlexNet()


def test_alexnet_parameter_count_and_layout() -> None:
    net = AlexNet()
    assert net.num_parameters() == 62_378_344
    assert isinstance(net.features[2], nn.LocalResponseNorm)
    assert net.features[2].k == 2.0 and net.features[2].size == 5
    assert net.classifier[1].weight.shape == (4096, 9216)
    small = AlexNet(num_classes=10, lrn=False)
    assert isinstance(small.features[2], nn.Identity)
    assert small.num_parameters() == 62_378_344 - 4096 * 990 - 990
    assert list(small.state_dict()) == list(net.state_dict())  # LRN off: same keys


def test_alexnet_parameter_count_matches_pytorch() -> None:
    torch = pytest.importorskip("torch")
    assert sum(p.numel() for p in torch_alexnet(torch).parameters()) == 62_378_344


def test_alexnet_forward_and_backward_on_a_batch_of_two() -> None:
    mg.manual_seed(0)
    net = AlexNet(num_classes=10)
    out = net(mg.tensor(images(2, 3, 227, 227)))
    assert out.shape == (2, 10) and out.dtype == np.float32
    nn.functional.cross_entropy(out, mg.tensor([3, 7])).backward()
    grads = [p.grad for p in net.parameters()]
    assert all(g is not None and np.all(np.isfinite(g.data)) for g in grads)
    assert np.abs(net.features[0].weight.grad.data).sum() > 0


@pytest.mark.slow
def test_alexnet_matches_pytorch_both_ways() -> None:
    torch = pytest.importorskip("torch")
    check_both_directions(AlexNet(num_classes=10), lambda: AlexNet(num_classes=10),
                          torch_alexnet(torch, classes=10), torch, images(1, 3, 227, 227))


def test_alexnet_dropout_only_in_training() -> None:
    net = AlexNet(num_classes=3, dropout=0.5)
    x = mg.tensor(images(1, 3, 227, 227))
    net.eval()
    with mg.no_grad():
        np.testing.assert_array_equal(net(x).data, net(x).data)


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("make,shape,expected", [
    (SimpleConvNet, (2, 1, 32, 32), r"SimpleConvNet: layer 'conv1' \(Conv2d\): expected input "
                                    r"of shape \(N, 1, 28, 28\), got \(2, 1, 32, 32\)"),
    (LeNet, (2, 3, 28, 28), r"LeNet: layer 'features.0' \(Conv2d\): expected input of shape "
                            r"\(N, 1, 28, 28\), got \(2, 3, 28, 28\)"),
    (LeNet, (1, 28, 28), r"LeNet: layer 'features.0' .*got \(1, 28, 28\)"),
    (lambda: AlexNet(num_classes=2), (1, 3, 224, 224),
     r"AlexNet: layer 'features.0' \(Conv2d\): expected input of shape \(N, 3, 227, 227\), "
     r"got \(1, 3, 224, 224\)"),
])
def test_wrong_input_shape_names_the_layer(make, shape: tuple, expected: str) -> None:  # noqa: ANN001
    with pytest.raises(ValueError, match=expected):
        make()(mg.zeros(*shape))


def test_graph_nodes_are_tagged_with_model_layers() -> None:
    net = LeNet()
    out = net(mg.tensor(images(1, 1, 28, 28)))
    names = dict((id(m), n) for n, m in net.named_modules())
    scope = out.grad_fn.scope
    assert scope[0][1] is net and names[id(scope[-1][1])] == "classifier.4"


def test_simple_convnet_whose_conv_output_the_pool_cannot_tile_is_refused() -> None:
    # filter_size 4 on 28x28 gives 25x25, which the book's 2x2 pooling cannot tile
    with pytest.raises(ValueError, match=r"conv output height 25 .*filter_size=4.*cannot tile"
                                         r".*= \(25 \+ 2\*0 - 2\) / 2 \+ 1 = 12\.5"):
        SimpleConvNet(conv_param={"filter_num": 30, "filter_size": 4, "pad": 0, "stride": 1})
    net = SimpleConvNet(conv_param={"filter_num": 30, "filter_size": 5, "pad": 0, "stride": 1})
    assert net(mg.tensor(images(1, 1, 28, 28))).shape == (1, 10)  # 24x24 tiles: still fine
