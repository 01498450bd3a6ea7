"""Module API and containers as torch.nn: traversal, buffers, to(), zero_grad, state dicts,
Sequential / ModuleList / ModuleDict / ParameterList."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest
from helpers import assert_raises_as_torch, optional_torch

import minigrad as mg
import minigrad.nn as nn


class Block(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3)
        self.bn = nn.BatchNorm2d(2)
        self.head = nn.Sequential(OrderedDict([("flat", nn.Flatten()), ("fc", nn.Linear(8, 3))]))
        self.register_buffer("scale", mg.ones(1))
        self.register_buffer("cache", mg.zeros(2), persistent=False)

    def forward(self, x: mg.Tensor) -> mg.Tensor:
        return self.head(self.bn(self.conv(x)).relu()) * self.scale


def test_traversal_names_match_pytorch() -> None:
    torch = pytest.importorskip("torch")
    tnn = torch.nn

    class TBlock(tnn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = tnn.Conv2d(1, 2, 3)
            self.bn = tnn.BatchNorm2d(2)
            self.head = tnn.Sequential(OrderedDict([("flat", tnn.Flatten()),
                                                    ("fc", tnn.Linear(8, 3))]))
            self.register_buffer("scale", torch.ones(1))
            self.register_buffer("cache", torch.zeros(2), persistent=False)

    ours, theirs = Block(), TBlock()
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert len(list(ours.modules())) == len(list(theirs.modules()))
    assert len(list(ours.children())) == 3


def test_apply_visits_children_first_and_returns_self() -> None:
    seen = []
    block = Block()
    assert block.apply(lambda m: seen.append(type(m).__name__)) is block
    assert seen == ["Conv2d", "BatchNorm2d", "Flatten", "Linear", "Sequential", "Block"]


def test_add_module_requires_grad_and_zero_grad() -> None:
    block = Block()
    block.add_module("extra", nn.Linear(2, 2))
    assert "extra.weight" in block.state_dict()
    block.requires_grad_(False)
    assert not any(p.requires_grad for p in block.parameters())
    block.requires_grad_()
    out = block(mg.randn(2, 1, 4, 4)).sum()
    out.backward()
    block.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad._data.any() for p in block.head.parameters())
    block.zero_grad()
    assert all(p.grad is None for p in block.parameters())


def test_to_accepts_devices_dtypes_and_tensors() -> None:
    block = Block()
    assert block.to("cpu") is block and block.to(mg.float64) is block
    assert block.conv.weight.dtype == np.float64
    assert block.bn.num_batches_tracked.dtype == np.int64  # integer buffers stay
    block.to("cpu", np.float32)
    assert block.head.fc.weight.dtype == np.float32
    block.to(mg.zeros(1, dtype=np.float64))
    assert block.scale.dtype == np.float64
    block.to(device="cpu", dtype=np.float32, non_blocking=True)
    assert block.scale.dtype == np.float32


def test_load_state_dict_strict_and_not() -> None:
    block, other = Block(), Block()
    result = block.load_state_dict(other.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    sd = dict(other.state_dict())
    del sd["scale"]
    sd["ghost"] = mg.zeros(1)
    with pytest.raises(RuntimeError, match="missing keys: scale") as info:
        block.load_state_dict(sd)
    assert "unexpected keys: ghost" in str(info.value)
    assert block.load_state_dict(sd, strict=False) == (["scale"], ["ghost"])
    torch = pytest.importorskip("torch")
    lin, tlin = nn.Linear(2, 2), torch.nn.Linear(2, 2)
    assert repr(lin.load_state_dict(lin.state_dict())) == repr(
        tlin.load_state_dict(tlin.state_dict())) == "<All keys matched successfully>"
    assert repr(lin.load_state_dict({"weight": lin.weight}, strict=False)) == repr(
        tlin.load_state_dict({"weight": tlin.weight}, strict=False))
    np.testing.assert_array_equal(block.conv.weight.data, other.conv.weight.data)


def test_sequential_indexing_slicing_and_append() -> None:
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert isinstance(seq[0], nn.Linear) and seq[-1] is seq[2]
    head = seq[:2]
    assert isinstance(head, nn.Sequential) and len(head) == 2 and head[1] is seq[1]
    assert list(seq[1:].state_dict()) == ["2.weight", "2.bias"]  # names kept, as PyTorch
    assert [type(m).__name__ for m in seq] == ["Linear", "ReLU", "Linear"]
    seq.append(nn.Sigmoid())
    assert len(seq) == 4 and seq(mg.randn(5, 2)).shape == (5, 1)
    named = nn.Sequential(OrderedDict([("a", nn.Linear(2, 2)), ("b", nn.Tanh())]))
    assert named.a is named[0] and list(named.state_dict()) == ["a.weight", "a.bias"]
    del seq[1]
    assert len(seq) == 3 and [n for n, _ in seq.named_children()] == ["0", "1", "2"]
    seq.insert(0, nn.Identity())
    assert isinstance(seq[0], nn.Identity)


def test_modulelist_moduledict_parameterlist_register_what_they_hold() -> None:
    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
            self.heads = nn.ModuleDict({"cls": nn.Linear(2, 4), "box": nn.Linear(2, 1)})
            self.scales = nn.ParameterList([mg.ones(2), nn.Parameter(mg.zeros(1))])

        def forward(self, x: mg.Tensor) -> dict:
            for layer in self.layers:
                x = layer(x) * self.scales[0]
            return {k: h(x) for k, h in self.heads.items()}

    net = Net()
    keys = list(net.state_dict())
    assert keys[:2] == ["layers.0.weight", "layers.0.bias"]
    assert "heads.cls.weight" in keys and "scales.0" in keys and "scales.1" in keys
    assert len(net.layers) == 3 and len(net.heads) == 2 and len(net.scales) == 2
    assert list(net.heads) == ["cls", "box"] and "cls" in net.heads
    assert all(isinstance(p, nn.Parameter) for p in net.scales)
    out = net(mg.randn(4, 2))
    assert out["cls"].shape == (4, 4)
    net.heads["extra"] = nn.Identity()
    assert net.heads.pop("extra").__class__ is nn.Identity
    assert len(list(net.parameters())) == 6 + 4 + 2


def test_modulelist_plus_and_plus_equals_match_pytorch() -> None:
    """MaxViT builds its blocks with ``self.layers += [MaxVitLayer(...)]``."""
    torch = optional_torch()
    for lib in (mg, torch):
        first, second, third = lib.nn.Linear(2, 2), lib.nn.ReLU(), lib.nn.Tanh()
        layers = lib.nn.ModuleList([first])
        same_list = layers
        layers += [second]
        layers += (m for m in [third])  # any iterable
        assert layers is same_list and list(layers) == [first, second, third]
        assert [n for n, _ in layers.named_children()] == ["0", "1", "2"]
        both = layers[1:] + lib.nn.ModuleList([first])  # a new list, renumbered from 0
        assert type(both) is lib.nn.ModuleList and both is not layers and len(layers) == 3
        assert [(n, m) for n, m in both.named_children()] == [("0", second), ("1", third),
                                                              ("2", first)]
        assert list(lib.nn.Sequential().extend([second])) == [second]
    assert_raises_as_torch(lambda lib: lib.nn.ModuleList().__iadd__(3), TypeError,
                           "^ModuleList.extend: expected an iterable of Modules, got int")
    assert_raises_as_torch(lambda lib: lib.nn.ModuleList() + [3], TypeError, "Module")


def test_error_inside_a_layer_names_it_once() -> None:
    model = nn.Sequential(nn.Linear(4, 3), nn.Sequential(nn.ReLU(), nn.Linear(5, 2)))
    with pytest.raises(ValueError) as info:
        model(mg.randn(2, 4))
    message = str(info.value)
    assert message.startswith("Sequential: layer '1.1' (Linear): ")
    assert message.count("layer '") == 1
