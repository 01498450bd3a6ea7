"""The lazy layers (LazyLinear, LazyConv1d/2d/3d, LazyConvTranspose1d/2d/3d,
LazyBatchNorm1d/2d/3d, LazyInstanceNorm1d/2d/3d), nn.Buffer, UninitializedParameter and
UninitializedBuffer, nn.SyncBatchNorm (convert_sync_batchnorm) and nn.Container against
PyTorch: signatures, reprs and state dicts before and after the first call, the class a
lazy layer becomes, the concrete layer's initialisation, values and gradients once
PyTorch's weights are loaded, and bad calls with PyTorch's exception types. Tests that
need torch take the ``torch`` fixture (skipped without it); the others run anyway."""

from __future__ import annotations

import copy
import inspect
import math
import warnings
from collections.abc import Callable

import numpy as np
import pytest
from helpers import compare_with_torch

import minigrad as mg
import minigrad.nn as nn

rng = np.random.default_rng(29)


def normal(*shape: int, dtype: type = np.float64) -> np.ndarray:
    return rng.normal(size=shape).astype(dtype)


def _params(fn: Callable) -> list[tuple[str, object, object]]:
    return [(p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()]


def _quiet(call: Callable) -> object:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return call()


# ------------------------------------------------------------------ lazy layers

# (name, arguments, keyword arguments, first input's shape, the class it becomes)
LAZY = [
    ("LazyLinear", (3,), {}, (2, 5), "Linear"),
    ("LazyLinear", (4,), {"bias": False}, (2, 3, 6), "Linear"),
    ("LazyConv1d", (4, 3), {"padding": "same", "padding_mode": "reflect"}, (3, 7), "Conv1d"),
    ("LazyConv2d", (4, 3), {"stride": 2, "groups": 2}, (2, 6, 7, 7), "Conv2d"),
    ("LazyConv3d", (2, 2), {"bias": False, "dilation": (1, 2, 1)}, (1, 3, 3, 5, 4), "Conv3d"),
    ("LazyConvTranspose1d", (4, 3), {"stride": 2, "output_padding": 1}, (2, 3, 5),
     "ConvTranspose1d"),
    ("LazyConvTranspose2d", (4, 2), {"groups": 2, "bias": False}, (2, 4, 3, 3),
     "ConvTranspose2d"),
    ("LazyConvTranspose3d", (3, 2), {"stride": (1, 2, 1), "padding": 1}, (3, 3, 4, 3),
     "ConvTranspose3d"),
    ("LazyBatchNorm1d", (), {}, (4, 3), "BatchNorm1d"),
    ("LazyBatchNorm1d", (), {"momentum": None, "bias": False}, (4, 3, 5), "BatchNorm1d"),
    ("LazyBatchNorm2d", (), {"affine": False}, (4, 3, 2, 2), "BatchNorm2d"),
    ("LazyBatchNorm3d", (), {"track_running_stats": False, "eps": 1e-3}, (2, 2, 2, 3, 2),
     "BatchNorm3d"),
    ("LazyInstanceNorm1d", (), {}, (2, 3, 5), "InstanceNorm1d"),
    ("LazyInstanceNorm2d", (), {"affine": False, "track_running_stats": False}, (2, 3, 4, 4),
     "InstanceNorm2d"),
    ("LazyInstanceNorm3d", (), {"bias": False}, (2, 2, 3, 3, 3), "InstanceNorm3d"),
]
LAZY_NAMES = sorted({case[0] for case in LAZY})


def _case_id(case: tuple) -> str:
    return f"{case[0]}-{case[2]}"


@pytest.mark.parametrize("name", LAZY_NAMES)
def test_lazy_signatures_are_pytorchs(torch, name: str) -> None:  # noqa: ANN001
    assert _params(getattr(nn, name)) == _params(getattr(torch.nn, name))
    assert name in nn.__all__


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", LAZY, ids=_case_id)
def test_lazy_layer_matches_pytorch_before_and_after_its_first_call(  # noqa: ANN001
        torch, case: tuple, dtype: type) -> None:
    name, args, kwargs, shape, becomes = case
    tdtype = getattr(torch, np.dtype(dtype).name)
    ours = getattr(nn, name)(*args, **kwargs, dtype=dtype)
    theirs = getattr(torch.nn, name)(*args, **kwargs, dtype=tdtype)
    assert repr(ours) == repr(theirs)
    state, ref = ours.state_dict(), theirs.state_dict()
    assert list(state) == list(ref) and [repr(v) for k, v in state.items()
                                         if k != "num_batches_tracked"] == [
        repr(v) for k, v in ref.items() if k != "num_batches_tracked"]
    assert ours.has_uninitialized_params() is theirs.has_uninitialized_params()
    x = normal(*shape, dtype=dtype)
    _quiet(lambda: (ours(mg.tensor(x)), theirs(torch.tensor(x))))
    assert type(ours) is getattr(nn, becomes) and type(theirs).__name__ == becomes
    assert repr(ours) == repr(theirs)
    state, ref = ours.state_dict(), theirs.state_dict()
    assert {k: (v.shape, v.dtype) for k, v in state.items()} == {
        k: (tuple(v.shape), np.dtype(str(v.dtype).replace("torch.", "")))
        for k, v in ref.items()}
    # PyTorch's values in, the same outputs and gradients out
    ours.load_state_dict({k: v.detach().numpy() for k, v in ref.items()})
    tol = 2e-5 if dtype == np.float32 else 1e-10
    compare_with_torch(ours, theirs, [normal(*shape, dtype=dtype)], tol=tol)
    params = dict(ours.named_parameters())
    for k, p in theirs.named_parameters():
        np.testing.assert_allclose(params[k].grad.numpy(), p.grad.numpy(), rtol=tol, atol=tol)


def test_lazy_layers_initialise_as_the_concrete_layer() -> None:
    mg.manual_seed(0)
    conv = nn.LazyConv2d(8, 3, groups=2)
    conv(mg.randn(1, 6, 5, 5))
    bound = 1 / math.sqrt(3 * 9)  # kaiming_uniform(a=sqrt(5)): U(+-1/sqrt(fan_in))
    for p in (conv.weight, conv.bias):
        assert bound * 0.5 < np.abs(p.detach().numpy()).max() <= bound
    linear = nn.LazyLinear(50)
    linear(mg.randn(2, 40))
    assert np.abs(linear.weight.detach().numpy()).max() <= 1 / math.sqrt(40)
    assert linear.weight.detach().numpy().std() > 0.5 / math.sqrt(3 * 40)
    norm = nn.LazyBatchNorm2d().train()
    x = mg.randn(4, 3, 2, 2) * 3 + 1
    out = norm(x)
    assert norm.weight.tolist() == [1.0] * 3 and norm.bias.tolist() == [0.0] * 3
    assert norm.num_batches_tracked.item() == 1
    mean = x.detach().numpy().mean(axis=(0, 2, 3))
    np.testing.assert_allclose(norm.running_mean.numpy(), 0.1 * mean, rtol=1e-5)
    np.testing.assert_allclose(out.detach().numpy().mean(axis=(0, 2, 3)), 0, atol=1e-6)


def test_lazy_layers_without_torch() -> None:
    conv = nn.LazyConv2d(4, 3, padding=1)
    assert conv.has_uninitialized_params() and isinstance(conv.weight, nn.UninitializedParameter)
    assert repr(conv.weight) == "<UninitializedParameter>"
    with pytest.raises(RuntimeError, match="Can't access the shape of an uninitialized"):
        conv.weight.shape  # noqa: B018
    assert conv(mg.randn(2, 3, 6, 6)).shape == (2, 4, 6, 6)
    assert type(conv) is nn.Conv2d and type(conv.weight) is nn.Parameter
    assert conv.in_channels == 3 and conv.weight.shape == (4, 3, 3, 3)
    assert "_initialize_hook" not in conv.__dict__ and "_forward_hooks" not in conv.__dict__
    # dtype changes before the first call are kept; hooks registered after creation see
    # the materialised weight; the optimizer made after one call trains
    lazy = nn.LazyLinear(2).double()
    seen = []
    lazy.register_forward_pre_hook(lambda m, args: seen.append(m.weight.shape))
    x = mg.randn(5, 3).double()
    lazy(x)
    assert seen == [(2, 3)] and lazy.weight.dtype == np.float64
    opt = mg.optim.SGD(lazy.parameters(), lr=0.1)
    loss = lazy(x).pow(2).sum()
    loss.backward()
    opt.step()
    assert lazy(x).pow(2).sum().item() < loss.item()
    norm = nn.LazyInstanceNorm1d()
    assert norm(mg.randn(3, 7)).shape == (3, 7) and norm.num_features == 3  # unbatched
    copied = copy.deepcopy(nn.LazyConv1d(2, 3))
    assert copied(mg.randn(1, 4, 5)).shape == (1, 2, 3) and type(copied) is nn.Conv1d


def test_lazy_layers_load_a_state_dict_before_their_first_call(torch) -> None:  # noqa: ANN001
    for ours, theirs, x in [
        (nn.LazyConv2d(4, 3, dtype=np.float64), torch.nn.Conv2d(3, 4, 3, dtype=torch.float64),
         normal(2, 3, 5, 5)),
        (nn.LazyLinear(3, dtype=np.float64), torch.nn.Linear(5, 3, dtype=torch.float64),
         normal(2, 5)),
        (nn.LazyBatchNorm1d(dtype=np.float64), torch.nn.BatchNorm1d(4, dtype=torch.float64),
         normal(6, 4)),
    ]:
        with torch.no_grad():
            for p in theirs.parameters():
                p.uniform_(-1, 1)
        ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
        assert not ours.has_uninitialized_params()
        ours.eval()
        theirs.eval()
        compare_with_torch(ours, theirs, [x])
        assert type(ours) is getattr(nn, type(theirs).__name__)
        # minigrad sets the size the weights imply (PyTorch's lazy layers keep 0 there)
        assert repr(ours).replace("(0,", f"({x.shape[1]},") == repr(theirs).replace(
            "(0,", f"({x.shape[1]},")


def test_a_lazy_state_dict_loads_into_a_lazy_layer(torch) -> None:  # noqa: ANN001
    """As in PyTorch: all keys match and the layer stays lazy; so with PyTorch's lazy state
    dict, and with a saved one (whose placeholders come back empty)."""
    for state in (nn.LazyBatchNorm1d().state_dict(), torch.nn.LazyBatchNorm1d().state_dict(),
                  {k: mg.tensor(v._data.copy()) for k, v in
                   nn.LazyBatchNorm1d().state_dict().items()}):
        norm = nn.LazyBatchNorm1d()
        result = norm.load_state_dict(state)
        assert result.missing_keys == result.unexpected_keys == []
        assert norm.has_uninitialized_params()
        assert norm(mg.randn(4, 3)).shape == (4, 3) and type(norm) is nn.BatchNorm1d
    theirs = torch.nn.Linear(2, 3)
    with pytest.raises(RuntimeError, match="Can't access the shape"):
        theirs.load_state_dict(torch.nn.LazyLinear(3).state_dict())
    with pytest.raises(RuntimeError, match="size mismatch: weight: checkpoint has shape"):
        nn.Linear(2, 3).load_state_dict(nn.LazyLinear(3).state_dict())
    half = nn.LazyLinear(3)  # a failed load that shaped the weight: the first call still works
    with pytest.raises(RuntimeError, match="missing keys: bias"):
        half.load_state_dict({"weight": mg.ones(3, 2)})
    assert half(mg.ones(4, 2)).shape == (4, 3) and half.in_features == 2


@pytest.mark.parametrize("call,kind,match", [
    (lambda lib: lib.nn.LazyConv2d(4, 3)(lib.ones(3, 5)), RuntimeError,
     r"^LazyConv2d: Expected 3D \(unbatched\) or 4D \(batched\) input to LazyConv2d, but got "
     r"input of size: \(3, 5\)"),
    (lambda lib: lib.nn.LazyConvTranspose3d(4, 3)(lib.ones(3, 5, 5)), RuntimeError,
     r"^LazyConvTranspose3d: Expected 4D \(unbatched\) or 5D"),
    (lambda lib: lib.nn.LazyConv1d(4, 3, groups=2)(lib.ones(1, 3, 5)), ValueError,
     r"^LazyConv1d: in_channels must be divisible by groups: 3 input channels, groups=2"),
    (lambda lib: lib.nn.LazyBatchNorm2d()(lib.ones(2, 3, 4)), ValueError,
     r"^LazyBatchNorm2d: expected input of shape \(N, C, H, W\), got 3D input"),
    (lambda lib: lib.nn.LazyInstanceNorm2d()(lib.ones(1, 2, 3, 4, 5)), ValueError,
     r"^LazyInstanceNorm2d: expected 3D or 4D input \(got 5D input\)"),
])
def test_lazy_layers_bad_first_inputs(torch, call: Callable, kind: type,  # noqa: ANN001
                                      match: str) -> None:
    with pytest.raises(kind):
        call(torch)
    with pytest.raises(kind, match=match):
        call(mg)


def test_a_lazy_layer_refused_its_input_stays_lazy() -> None:
    conv = nn.LazyConv2d(4, 3)
    with pytest.raises(RuntimeError):
        conv(mg.ones(3, 5))
    assert type(conv) is nn.LazyConv2d and conv.has_uninitialized_params()
    assert conv(mg.ones(1, 2, 5, 5)).shape == (1, 4, 3, 3)
    with pytest.raises(ValueError, match=r"^LazyLinear: expected an input of shape"):
        nn.LazyLinear(3)(mg.tensor(1.0))


# ------------------------------------------------------------------ Uninitialized*, Buffer

def test_uninitialized_tensors_materialise_into_what_they_stand_for(torch) -> None:  # noqa: ANN001
    for ours, theirs in [(nn.UninitializedParameter(), torch.nn.UninitializedParameter()),
                         (nn.UninitializedBuffer(), torch.nn.UninitializedBuffer())]:
        assert repr(ours) == repr(theirs) and ours.requires_grad is theirs.requires_grad
        for t in (ours, theirs):
            with pytest.raises(RuntimeError, match="Can't access the shape"):
                t.shape  # noqa: B018
        ours.materialize((2, 3), dtype=np.float64)
        theirs.materialize((2, 3), dtype=torch.float64)
        assert ours.shape == tuple(theirs.shape) and ours.dtype == np.float64
    assert type(ours) is nn.Buffer and ours.persistent
    assert _params(nn.UninitializedParameter) == _params(torch.nn.UninitializedParameter)
    with pytest.raises(RuntimeError, match="Can't share memory on an uninitialized"):
        nn.UninitializedParameter().share_memory_()


def test_buffer_registers_itself_as_pytorchs(torch) -> None:  # noqa: ANN001
    assert _params(nn.Buffer) == _params(torch.nn.Buffer)
    for lib in (mg, torch):
        m = lib.nn.Module()
        b = lib.nn.Buffer(lib.ones(2), persistent=False)
        m.stats = b
        assert m.stats is b and isinstance(m.stats, lib.nn.Buffer)
        assert list(m.state_dict()) == [] and [n for n, _ in m.named_buffers()] == ["stats"]
        m.stats = lib.nn.Buffer(lib.zeros(2))  # a Buffer brings its persistence
        assert list(m.state_dict()) == ["stats"] and m.stats.tolist() == [0.0, 0.0]
        m.stats = lib.ones(3)  # a plain tensor replaces it and keeps it a buffer
        assert list(m.state_dict()) == ["stats"] and list(m.parameters()) == []
        m.count = 3
        with pytest.raises(KeyError, match="attribute 'count' already exists"):
            m.count = lib.nn.Buffer(lib.ones(1))
        m.w = lib.nn.Parameter(lib.ones(1))
        with pytest.raises(TypeError, match="'w'"):
            m.w = lib.nn.Buffer(lib.ones(1))
        grad = lib.nn.Buffer(lib.ones(2, requires_grad=True))
        assert grad.requires_grad and grad.is_leaf
        assert tuple(lib.nn.Buffer().shape) == (0,)


# ------------------------------------------------------------------ SyncBatchNorm

def test_sync_batch_norm_is_batch_norm_of_any_rank(torch) -> None:  # noqa: ANN001
    assert _params(nn.SyncBatchNorm) == _params(torch.nn.SyncBatchNorm)
    assert _params(nn.SyncBatchNorm.convert_sync_batchnorm) == _params(
        torch.nn.SyncBatchNorm.convert_sync_batchnorm)
    for kwargs in ({}, {"momentum": None, "bias": False}, {"affine": False},
                   {"track_running_stats": False}):
        ours = nn.SyncBatchNorm(3, dtype=np.float64, **kwargs)
        theirs = torch.nn.SyncBatchNorm(3, dtype=torch.float64, **kwargs)
        assert repr(ours) == repr(theirs) and list(ours.state_dict()) == list(
            theirs.state_dict())
        for shape in [(4, 3), (2, 3, 5), (2, 3, 2, 2, 3)]:
            compare_with_torch(ours, theirs, [normal(*shape) * 2 + 1], tol=1e-9)
        for k, v in theirs.state_dict().items():
            np.testing.assert_allclose(ours.state_dict()[k].numpy(), v.numpy(), rtol=1e-12)
        ours.eval()
        theirs.eval()
        compare_with_torch(ours, theirs, [normal(2, 3, 4)], tol=1e-9)


def test_convert_sync_batchnorm_keeps_every_state(torch) -> None:  # noqa: ANN001
    def build(lib: object) -> object:
        inner = lib.nn.Sequential(lib.nn.Conv2d(2, 3, 1), lib.nn.BatchNorm2d(3, affine=False))
        return lib.nn.Sequential(lib.nn.Linear(4, 2), lib.nn.BatchNorm1d(2, bias=False), inner)

    ours, theirs = build(mg), build(torch)
    ours[1].train()(mg.randn(5, 2))  # running statistics to keep
    ours[2].eval()
    weight, mean = ours[1].weight, ours[1].running_mean
    ours, theirs = (nn.SyncBatchNorm.convert_sync_batchnorm(ours),
                    torch.nn.SyncBatchNorm.convert_sync_batchnorm(theirs, process_group=None))
    assert repr(ours) == repr(theirs)
    assert [type(m).__name__ for m in ours.modules()] == [
        type(m).__name__ for m in theirs.modules()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert ours[1].weight is weight and ours[1].running_mean is mean
    assert ours[1].num_batches_tracked.item() == 1 and ours[1].bias is None
    assert ours[1].training and not ours[2][1].training
    single = nn.SyncBatchNorm.convert_sync_batchnorm(nn.BatchNorm3d(2), process_group="g")
    assert type(single) is nn.SyncBatchNorm and single.process_group == "g"


@pytest.mark.parametrize("shape,kind,match", [
    ((3,), ValueError, r"^SyncBatchNorm: expected at least 2D input \(got 1D input"),
    ((2, 0, 3), ValueError, r"^SyncBatchNorm: number of input channels should be non-zero"),
    ((2, 4, 3), RuntimeError, r"^batch_norm: running_mean should contain 4 elements"),
])
def test_sync_batch_norm_bad_inputs(torch, shape: tuple, kind: type,  # noqa: ANN001
                                    match: str) -> None:
    with pytest.raises(kind):
        torch.nn.SyncBatchNorm(3)(torch.ones(shape))
    with pytest.raises(kind, match=match):
        nn.SyncBatchNorm(3)(mg.ones(*shape))


# ------------------------------------------------------------------ Container

def test_container_warns_and_holds_its_modules(torch) -> None:  # noqa: ANN001
    for lib in (mg, torch):
        with pytest.warns(FutureWarning, match="nn.Container` is deprecated"):
            box = lib.nn.Container(a=lib.nn.Linear(1, 2), b=lib.nn.ReLU())
        assert list(box.state_dict()) == ["a.weight", "a.bias"]
    assert repr(box) == repr(_quiet(lambda: nn.Container(a=nn.Linear(1, 2), b=nn.ReLU())))


def test_onnx_export_of_lazy_layers_wants_one_call_first() -> None:
    """Before its first call a lazy model initialises itself in the exporter's first trace,
    which the exporter refuses as a graph that changes; after one call it exports."""
    pytest.importorskip("onnx")
    import io

    from minigrad.onnx import export

    model, x = nn.Sequential(nn.LazyConv2d(3, 2), nn.LazyBatchNorm2d()).eval(), mg.randn(2, 2, 3, 3)
    with pytest.raises(RuntimeError, match=r"^minigrad.onnx.export: the model builds a "
                                           r"different graph"):
        export(model, x, io.BytesIO())
    model(x)
    export(model, x, io.BytesIO())
