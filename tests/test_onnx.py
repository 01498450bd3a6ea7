"""ONNX export: the file passes onnx's checker and onnxruntime computes minigrad's numbers.

Every model and op is exported with a dynamic batch axis and run at two batch sizes that
differ from the traced one, so a size baked into the graph fails here.
"""

from __future__ import annotations

import io
import re
import sys
import types
from pathlib import Path

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import models, nn

onnx = pytest.importorskip("onnx", reason="ONNX export needs onnx: pip install 'minigrad[onnx]'")
ort = pytest.importorskip("onnxruntime",
                          reason="the export is checked with onnxruntime: pip install "
                          "'minigrad[onnx]'")

from minigrad.onnx import UnsupportedOperatorError, export  # noqa: E402

ZOO = Path(__file__).with_name("zoo") / "classic_cnns.py"
AXES = {"input": {0: "batch"}, "output": {0: "batch"}}


def load_zoo() -> types.ModuleType:
    """tests/zoo/classic_cnns.py (PyTorch code) with its imports pointed at minigrad."""
    text = ZOO.read_text()
    for line, ported in {"import torch": "import minigrad as torch",
                         "from torch import nn": "from minigrad import nn",
                         "from torch.nn import functional as F":
                             "from minigrad.nn import functional as F"}.items():
        text, count = re.subn(rf"^{re.escape(line)}$", ported, text, flags=re.M)
        assert count == 1, line
    module = types.ModuleType("minigrad_zoo_for_onnx")
    exec(compile(text, str(ZOO), "exec"), module.__dict__)
    return module


def to_onnx(model, x, **kwargs) -> bytes:  # noqa: ANN001
    buf = io.BytesIO()
    kwargs.setdefault("dynamic_axes", AXES)
    export(model, x, buf, input_names=["input"], output_names=["output"], **kwargs)
    data = buf.getvalue()
    onnx.checker.check_model(onnx.load_from_string(data), full_check=True)
    return data


def assert_runs_the_same(model, shape, batches=(3, 5), rtol=1e-4, atol=1e-5, **kwargs):  # noqa: ANN001
    """Export at batch 2, run onnxruntime at ``batches``, compare with minigrad in eval mode."""
    mg.manual_seed(0)
    data = to_onnx(model, mg.randn(2, *shape), **kwargs)
    session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    model.eval()
    for n in batches:
        x = np.random.default_rng(n).standard_normal((n, *shape)).astype(np.float32)
        with mg.no_grad():
            expected = model(mg.tensor(x)).numpy()
        (got,) = session.run(None, {"input": x})
        assert got.shape == expected.shape and got.dtype == expected.dtype
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol)
    return onnx.load_from_string(data)


def op_types(proto) -> set[str]:  # noqa: ANN001
    return {n.op_type for n in proto.graph.node}


def randomise_batch_norms(model) -> None:  # noqa: ANN001
    """Running statistics and affine parameters away from their identity start."""
    rng = np.random.default_rng(1)
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            c = m.num_features
            m.running_mean._data[...] = 0.1 * rng.standard_normal(c)
            m.running_var._data[...] = rng.uniform(0.5, 1.5, c)
            if m.weight is not None:
                m.weight._data[...] = rng.uniform(0.5, 1.5, c)
                m.bias._data[...] = 0.1 * rng.standard_normal(c)


class Fn(nn.Module):
    """A layer made of a function, for exporting one op alone."""

    def __init__(self, fn) -> None:  # noqa: ANN001
        super().__init__()
        self.fn = fn

    def forward(self, x):  # noqa: ANN001, ANN201
        return self.fn(x)


def depthwise_separable(c_in: int, c_out: int, stride: int) -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(c_in, c_in, 3, stride=stride, padding=1, groups=c_in, bias=False),
        nn.BatchNorm2d(c_in), nn.ReLU6(),
        nn.Conv2d(c_in, c_out, 1, bias=False), nn.BatchNorm2d(c_out), nn.Hardtanh(0.0, 6.0))


class MobileNetish(nn.Module):
    """MobileNet v1's pattern, small: depthwise 3x3 + pointwise 1x1, BatchNorm, ReLU6."""

    def __init__(self, classes: int = 10) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=1, bias=False),
                                  nn.BatchNorm2d(8), nn.ReLU6())
        self.blocks = nn.Sequential(depthwise_separable(8, 16, 1),
                                    depthwise_separable(16, 32, 2),
                                    depthwise_separable(32, 32, 1))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.head = nn.Linear(32, classes)

    def forward(self, x):  # noqa: ANN001, ANN201
        return self.head(self.pool(self.blocks(self.stem(x))).flatten(1))


# --------------------------------------------------------------------------- whole models


def test_simpleconvnet_runs_in_onnxruntime_with_the_same_numbers():
    proto = assert_runs_the_same(models.SimpleConvNet(weight_init_std="relu"), (1, 28, 28))
    assert op_types(proto) == {"Conv", "Relu", "MaxPool", "Flatten", "Gemm"}


def test_lenet_runs_in_onnxruntime_with_the_same_numbers():
    proto = assert_runs_the_same(models.LeNet(), (1, 28, 28))
    assert {"AveragePool", "Sigmoid", "Gemm"} <= op_types(proto)


def test_mobilenet_style_depthwise_net_runs_in_onnxruntime_with_the_same_numbers():
    model = MobileNetish()
    randomise_batch_norms(model)
    proto = assert_runs_the_same(model, (3, 16, 16))
    assert {"BatchNormalization", "Clip", "GlobalAveragePool"} <= op_types(proto)
    groups = [a.i for n in proto.graph.node if n.op_type == "Conv" for a in n.attribute
              if a.name == "group"]
    assert 8 in groups and 32 in groups  # the depthwise convolutions kept their groups


@pytest.mark.slow
def test_vgg11_runs_in_onnxruntime_with_the_same_numbers():
    assert_runs_the_same(load_zoo().vgg11(), (1, 32, 32))


@pytest.mark.slow
def test_resnet18_runs_in_onnxruntime_with_the_same_numbers():
    model = load_zoo().ResNet18()
    randomise_batch_norms(model)
    model.eval()
    with mg.no_grad():  # the test means something: the output depends on the input
        out = model(mg.randn(2, 3, 32, 32)).numpy()
    assert np.abs(out[0] - out[1]).max() > 1e-4
    proto = assert_runs_the_same(model, (3, 32, 32))
    assert {"BatchNormalization", "Add", "GlobalAveragePool", "Reshape"} <= op_types(proto)


@pytest.mark.slow
def test_alexnet_runs_in_onnxruntime_with_the_same_numbers():
    proto = assert_runs_the_same(models.AlexNet(num_classes=10), (3, 227, 227), batches=(1, 3))
    assert "LRN" in op_types(proto)


# --------------------------------------------------------------------------- one op each

OPS = {
    "conv stride padding": (lambda: nn.Conv2d(3, 4, 3, stride=2, padding=1), (3, 9, 9)),
    "conv dilation no bias": (lambda: nn.Conv2d(3, 4, 3, dilation=2, bias=False), (3, 9, 9)),
    "conv groups": (lambda: nn.Conv2d(4, 6, 3, groups=2, padding=(0, 1)), (4, 7, 8)),
    "conv padding same": (lambda: nn.Conv2d(2, 3, 4, padding="same"), (2, 7, 7)),
    "conv transpose": (lambda: nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1,
                                                  output_padding=1, groups=2), (4, 5, 5)),
    "max pool ceil_mode": (lambda: nn.MaxPool2d(3, 2, ceil_mode=True), (2, 8, 8)),
    "max pool padding dilation": (lambda: nn.MaxPool2d(3, 1, padding=1, dilation=2), (2, 7, 7)),
    "avg pool count_include_pad": (lambda: nn.AvgPool2d(3, 2, padding=1), (2, 7, 7)),
    "avg pool exclude pad": (lambda: nn.AvgPool2d(3, 2, padding=1, count_include_pad=False),
                             (2, 7, 7)),
    "avg pool ceil_mode": (lambda: nn.AvgPool2d(2, 2, ceil_mode=True), (2, 7, 7)),
    "avg pool ceil_mode padding exclude": (
        lambda: nn.AvgPool2d(3, 2, padding=1, ceil_mode=True, count_include_pad=False),
        (2, 8, 8)),
    "adaptive avg pool global": (lambda: nn.AdaptiveAvgPool2d(1), (3, 5, 6)),
    "adaptive avg pool divisible": (lambda: nn.AdaptiveAvgPool2d((2, 3)), (3, 4, 6)),
    "adaptive max pool divisible": (lambda: nn.AdaptiveMaxPool2d(2), (3, 4, 4)),
    "linear": (lambda: nn.Linear(5, 3), (5,)),
    "linear on 3-d input": (lambda: nn.Linear(5, 3), (2, 5)),
    "linear on 3-d input, no bias": (lambda: nn.Linear(5, 3, bias=False), (2, 5)),
    "F.linear with a bias of one value": (lambda: Fn(lambda x: F.linear(x, x[0], x[0, :1])),
                                          (5, 5)),
    "matmul": (lambda: Fn(lambda x: x @ x.mT), (3, 4)),
    "add mul sub div pow": (lambda: Fn(lambda x: ((x + 1.5) * x - 2.0) / (x * x + 1.0)
                                       + (x * x) ** 1.5), (3, 4)),
    "relu sigmoid tanh": (lambda: Fn(lambda x: x.relu() + x.sigmoid() - x.tanh()), (6,)),
    "leaky relu": (lambda: nn.LeakyReLU(0.2), (6,)),
    "elu": (lambda: nn.ELU(0.5), (6,)),
    "gelu (erf)": (lambda: nn.GELU(), (6,)),
    "gelu tanh": (lambda: nn.GELU(approximate="tanh"), (6,)),
    "hardtanh": (lambda: nn.Hardtanh(-0.5, 0.5), (6,)),
    "relu6": (lambda: nn.ReLU6(), (6,)),
    "prelu": (lambda: nn.PReLU(3, 0.1), (3, 4, 4)),
    "hardswish hardsigmoid": (lambda: nn.Sequential(nn.Hardswish(), nn.Hardsigmoid()), (6,)),
    "selu": (lambda: nn.SELU(), (6,)),
    "clamp": (lambda: Fn(lambda x: x.clamp(-0.3, 0.4)), (6,)),
    "softmax negative dim": (lambda: nn.Softmax(dim=-1), (3, 4)),
    "log softmax": (lambda: nn.LogSoftmax(dim=1), (3, 4)),
    "batch norm 2d": (lambda: nn.BatchNorm2d(3), (3, 4, 4)),
    "batch norm 1d": (lambda: nn.BatchNorm1d(5), (5,)),
    "batch norm no affine": (lambda: nn.BatchNorm2d(3, affine=False), (3, 4, 4)),
    "lrn": (lambda: nn.LocalResponseNorm(3, alpha=0.1, beta=0.75, k=2.0), (6, 3, 3)),
    "dropout (eval)": (lambda: nn.Sequential(nn.Dropout(0.5), nn.Dropout2d(0.3)), (3, 4, 4)),
    "flatten": (lambda: nn.Flatten(), (2, 3, 4)),
    "flatten negative dims": (lambda: nn.Flatten(-2, -1), (2, 3, 4)),
    "view batch by size": (lambda: Fn(lambda x: x.view(x.size(0), -1)), (2, 3, 4)),
    "reshape": (lambda: Fn(lambda x: x.reshape(-1, 3, 2, 4).reshape(x.shape[0], 6, 4)),
                (3, 2, 4)),
    "transpose permute": (lambda: Fn(lambda x: x.transpose(1, 2).permute(0, 3, 1, 2)),
                          (2, 3, 4)),
    "concat": (lambda: Fn(lambda x: mg.cat([x, x * 2.0, x.relu()], dim=1)), (2, 3)),
    "slice": (lambda: Fn(lambda x: mg.cat([x[:, 1:3, ::2].flatten(1),
                                           x[..., -1:, 1:5:2].flatten(1)], 1)), (3, 4, 6)),
    "index int and None": (lambda: Fn(lambda x: x[:, 0, None] * x[:, -1][:, None]), (3, 4)),
    "pad": (lambda: Fn(lambda x: F.pad(x, (1, 2, 0, 1), value=0.5)), (2, 3, 3)),
    "sum mean": (lambda: Fn(lambda x: x.sum(1) + x.mean((1, 2)).unsqueeze(1)), (3, 4)),
    "expand": (lambda: Fn(lambda x: x.mean(1, keepdim=True).expand(-1, 4) * x), (4,)),
    "upsample nearest": (lambda: nn.Upsample(scale_factor=2, mode="nearest"), (2, 3, 4)),
    "upsample bilinear": (lambda: nn.Upsample(size=(5, 7), mode="bilinear"), (2, 3, 4)),
    "upsample bilinear align_corners": (
        lambda: nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True), (2, 3, 4)),
    "interpolate functional": (lambda: Fn(lambda x: F.interpolate(x, size=(5, 6),
                                                                  mode="bilinear")), (2, 3, 4)),
    # the 1-D and 3-D layers are compositions of the 2-D ops: they export through them
    "conv1d": (lambda: nn.Conv1d(3, 4, 3, stride=2, padding=1, groups=1), (3, 9)),
    "conv3d batch norm 3d": (lambda: nn.Sequential(nn.Conv3d(2, 4, 3, padding=(1, 0, 1)),
                                                   nn.BatchNorm3d(4)), (2, 5, 6, 6)),
    "conv transpose 1d": (lambda: nn.ConvTranspose1d(4, 2, 3, stride=2, output_padding=1),
                          (4, 6)),
    "max and avg pool 1d": (lambda: nn.Sequential(nn.MaxPool1d(3, 2, padding=1),
                                                  nn.AvgPool1d(2)), (2, 11)),
    "adaptive avg pool 3d": (lambda: nn.AdaptiveAvgPool3d(1), (2, 4, 4, 4)),
}


@pytest.mark.parametrize("name", list(OPS))
def test_one_op_runs_in_onnxruntime_with_the_same_numbers(name):
    factory, shape = OPS[name]
    mg.manual_seed(0)
    model = factory()
    randomise_batch_norms(model)
    assert_runs_the_same(model, shape)


def test_gelu_maps_to_the_onnx_gelu_operator_from_opset_20():
    proto = assert_runs_the_same(nn.GELU(), (6,), opset_version=20)
    assert op_types(proto) == {"Gelu"}
    assert "Erf" in op_types(assert_runs_the_same(nn.GELU(), (6,)))  # opset 17: erf


def test_a_reshape_never_bakes_in_the_traced_batch_size():
    proto = assert_runs_the_same(Fn(lambda x: x.view(x.size(0), -1)), (2, 3), batches=(1, 7))
    (shape,) = [i for i in proto.graph.initializer if i.data_type == onnx.TensorProto.INT64]
    assert onnx.numpy_helper.to_array(shape).tolist() in ([0, 6], [-1, 6])


# --------------------------------------------------------------------------- refusals


class Cumulative(nn.Module):
    def forward(self, x):  # noqa: ANN001, ANN201
        return x.cumsum(1)


def test_an_op_without_a_mapping_names_the_op_and_its_module():
    model = nn.Sequential(nn.Linear(4, 4), Cumulative())
    with pytest.raises(UnsupportedOperatorError, match=r"Cumsum.*module '1' \(Cumulative\)"):
        export(model, mg.randn(2, 4), io.BytesIO())


class FunctionalLeakyRelu(nn.Module):
    def forward(self, x):  # noqa: ANN001, ANN201
        return F.leaky_relu(x, 0.1)


def test_a_value_computed_outside_the_graph_is_refused_not_baked_in():
    # F.leaky_relu picks the branch with a numpy mask of x: a graph holding that mask
    # would compute the traced input's pattern for every input
    model = nn.Sequential(nn.Linear(4, 4), FunctionalLeakyRelu())
    with pytest.raises(UnsupportedOperatorError, match=r"Where.*'1' \(FunctionalLeakyRelu\)"):
        export(model, mg.randn(2, 4), io.BytesIO())
    # the layer maps as a whole
    assert_runs_the_same(nn.Sequential(nn.Linear(4, 4), nn.LeakyReLU(0.1)), (4,))


def test_return_indices_and_even_lrn_are_refused_with_the_reason():
    with pytest.raises(UnsupportedOperatorError, match="return_indices"):
        export(Fn(lambda x: F.max_pool2d(x, 2, return_indices=True)[0]), mg.randn(1, 2, 4, 4),
               io.BytesIO())
    with pytest.raises(UnsupportedOperatorError, match=r"return_indices.*\(MaxPool3d\)|"
                                                       r"\(MaxPool3d\).*return_indices"):
        export(nn.MaxPool3d(2), mg.randn(1, 2, 4, 4, 4), io.BytesIO())
    with pytest.raises(UnsupportedOperatorError, match="divisor_override"):
        export(nn.AvgPool3d(2), mg.randn(1, 2, 4, 4, 4), io.BytesIO())
    with pytest.raises(UnsupportedOperatorError, match="even size 4"):
        export(nn.LocalResponseNorm(4), mg.randn(1, 6, 3, 3), io.BytesIO())


def test_an_in_place_change_of_a_view_in_the_graph_is_refused_with_the_reason():
    def zero_a_slice(x):  # noqa: ANN001, ANN202  (Swin V2 zeroes a slice of its qkv bias)
        y = x * 2
        y[:, 1:3].zero_()
        return y

    with pytest.raises(RuntimeError, match=r"^fill_: an in-place change of a view .* cannot "
                                           r"be traced \(minigrad.onnx.export\)"):
        export(Fn(zero_a_slice), mg.randn(2, 4), io.BytesIO())
    out = zero_a_slice(mg.ones(1, 4, requires_grad=True))  # run eagerly, it records
    assert out.tolist() == [[2.0, 0.0, 0.0, 2.0]] and out.grad_fn is not None


def test_without_onnx_export_says_which_extra_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(ModuleNotFoundError, match=re.escape('pip install "minigrad[onnx]"')):
        export(nn.Linear(2, 2), mg.randn(1, 2), io.BytesIO())


def test_bad_names_and_axes_are_value_errors():
    model, x = nn.Linear(2, 2), mg.randn(1, 2)
    with pytest.raises(ValueError, match="input_names"):
        export(model, x, io.BytesIO(), input_names=["a", "b"])
    with pytest.raises(ValueError, match="'logits'.*not an input or output name"):
        export(model, x, io.BytesIO(), dynamic_axes={"logits": {0: "batch"}})
    with pytest.raises(ValueError, match="opset_version"):
        export(model, x, io.BytesIO(), opset_version=7)


# --------------------------------------------------------------------------- names, effects


def test_initializers_are_named_by_the_state_dict_and_io_as_given(tmp_path):
    model = models.SimpleConvNet()
    path = tmp_path / "net.onnx"
    export(model, mg.randn(1, 1, 28, 28), path, input_names=["images"],
           output_names=["logits"], dynamic_axes={"images": {0: "n"}, "logits": {0: "n"}})
    proto = onnx.load(str(path))
    assert {i.name for i in proto.graph.initializer} == set(model.state_dict())
    assert [i.name for i in proto.graph.input] == ["images"]
    assert [o.name for o in proto.graph.output] == ["logits"]
    dims = proto.graph.input[0].type.tensor_type.shape.dim
    assert dims[0].dim_param == "n" and [d.dim_value for d in dims[1:]] == [1, 28, 28]


def test_export_leaves_the_model_as_it_was():
    model = MobileNetish()
    model.train()
    model.blocks.eval()
    before = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    export(model, mg.randn(2, 3, 16, 16), io.BytesIO(), dynamic_axes=AXES)
    assert model.training and model.stem.training and not model.blocks.training
    assert all(p.grad is None for p in model.parameters())
    assert "forward" not in model.head.__dict__
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), before[k], err_msg=k)


def test_several_inputs_and_outputs():
    class Two(nn.Module):
        def forward(self, a, b):  # noqa: ANN001, ANN201
            return a + b, a

    buf = io.BytesIO()
    export(Two(), (mg.randn(2, 3), mg.randn(2, 3)), buf, input_names=["a", "b"],
           output_names=["sum", "same"])
    session = ort.InferenceSession(buf.getvalue(), providers=["CPUExecutionProvider"])
    a, b = np.ones((2, 3), np.float32), np.full((2, 3), 2.0, np.float32)
    got_sum, got_same = session.run(["sum", "same"], {"a": a, "b": b})
    np.testing.assert_array_equal(got_sum, a + b)
    np.testing.assert_array_equal(got_same, a)


def test_minigrad_onnx_is_reached_from_import_minigrad():
    assert mg.onnx.export is export


# --------------------------------------------------------------------------- the command


@pytest.mark.slow
def test_minigrad_export_of_a_trained_run_predicts_as_minigrad_evaluate(tmp_path, capsys):
    from minigrad.cli import main
    from minigrad.cli.data import load_data

    run_dir = tmp_path / "run"
    assert main(["train", "--data", "sample", "--out", str(run_dir), "--epochs", "1",
                 "--val-size", "100", "--quiet"]) == 0
    assert main(["evaluate", str(run_dir), "--data", "sample",
                 "--out", str(tmp_path / "cm.png")]) == 0
    evaluated = capsys.readouterr().out
    assert main(["export", str(run_dir), str(tmp_path / "model.onnx")]) == 0
    assert "Wrote" in capsys.readouterr().out

    test = load_data("sample", False, True, splits=("test",))["test"]
    session = ort.InferenceSession(str(tmp_path / "model.onnx"),
                                   providers=["CPUExecutionProvider"])
    (logits,) = session.run(None, {"input": np.ascontiguousarray(test.images, np.float32)})
    pred = logits.argmax(axis=1)
    k = logits.shape[1]
    matrix = np.bincount(test.labels * k + pred, minlength=k * k).reshape(k, k)
    correct = int(np.trace(matrix))
    line = f"Accuracy: {correct / len(pred):.4f} ({correct:,}/{len(pred):,})"
    assert line in evaluated
    rows = [f"{i:>4} " + "".join(f"{matrix[i, j]:>{max(4, len(str(matrix.max())) + 1)}}"
                                 for j in range(k)) for i in range(k)]
    assert "\n".join(rows) in evaluated  # the same confusion matrix, digit for digit


class Lookup(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embedding, self.fc = nn.Embedding(10, 3), nn.Linear(3, 2)

    def forward(self, idx):  # noqa: ANN001, ANN201
        return self.fc(self.embedding(idx))


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8])
def test_integer_inputs_used_outside_the_graph_are_refused_not_baked_in(dtype):
    """The second trace moves integer inputs too (within the traced values' range), so an
    index read outside the graph (Embedding's rows) is refused; it was baked into the file,
    which then gave every other input the traced rows."""
    idx = mg.tensor(np.array([[1, 2, 3, 9]], dtype=dtype))
    with pytest.raises(UnsupportedOperatorError, match=r"GetItem.*'embedding' \(Embedding\)"):
        export(Lookup().eval(), (idx,), io.BytesIO())
