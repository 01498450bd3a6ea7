"""The benchmark's reference contestant really is PyTorch's im2col + GEMM convolution.

``benchmarks/cnn_workloads.py`` reports minigrad's time against PyTorch with oneDNN and
NNPACK switched off, and docs/performance.md reads that column as "PyTorch's own im2col
path". These tests pin the claim: with the switch on, PyTorch selects ``Slow2d`` for the
workloads' convolutions (training and inference), and the switch puts the flags back.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

HARNESS = Path(__file__).resolve().parents[1] / "benchmarks" / "_harness.py"

# (input shape, weight shape, stride, padding): LeNet's two convs, SimpleConvNet's, the
# conv workload's and a ResNet-18 stride-2 layer
CONVS = [
    ((100, 1, 28, 28), (6, 1, 5, 5), 1, 2),
    ((100, 6, 14, 14), (16, 6, 5, 5), 1, 0),
    ((100, 1, 28, 28), (30, 1, 5, 5), 1, 0),
    ((32, 64, 32, 32), (128, 64, 3, 3), 1, 1),
    ((32, 64, 32, 32), (128, 64, 3, 3), 2, 1),
]


@pytest.fixture
def harness():  # noqa: ANN201
    spec = importlib.util.spec_from_file_location("bench_harness", HARNESS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    before = torch.backends.mkldnn.enabled, torch._C._get_nnpack_enabled()
    yield module
    torch.backends.mkldnn.enabled = before[0]
    torch.backends.nnpack.set_flags(before[1])


def _backend(x_shape: tuple, w_shape: tuple, stride: int, padding: int,
             requires_grad: bool) -> str:
    select = getattr(torch._C, "_select_conv_backend", None)
    if select is None:
        pytest.skip("this PyTorch has no torch._C._select_conv_backend to ask")
    x = torch.zeros(x_shape, requires_grad=requires_grad)
    w = torch.zeros(w_shape, requires_grad=requires_grad)
    backend = select(x, w, None, [stride] * 2, [padding] * 2, [1, 1], False, [0, 0], 1, None)
    return str(backend).rsplit(".", 1)[-1]


@pytest.mark.parametrize("requires_grad", [True, False])
@pytest.mark.parametrize("conv", CONVS, ids=lambda c: f"{c[0]}x{c[1]}/s{c[2]}")
def test_the_reference_runs_pytorchs_im2col_kernels(harness, conv, requires_grad) -> None:  # noqa: ANN001
    harness.torch_on_im2col(torch, True)
    assert _backend(*conv, requires_grad) == "Slow2d"
    harness.torch_on_im2col(torch, False)
    assert _backend(*conv, requires_grad) != "Slow2d"  # as its users run it: oneDNN
    assert torch.backends.mkldnn.enabled and torch._C._get_nnpack_enabled()
