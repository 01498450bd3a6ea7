"""nn.Module: registration order, traversal, modes, state dicts and error reporting."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest
from helpers import assert_raises_as_torch

import minigrad as mg
from minigrad import nn
from minigrad.autograd import module_scope


class Block(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(3, 4)
        self.scale = nn.Parameter(mg.ones(4))
        self.register_buffer("count", mg.zeros(1))
        self.act = nn.ReLU()

    def forward(self, x: mg.Tensor) -> mg.Tensor:
        return self.act(self.fc(x)) * self.scale


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.z_first = nn.Linear(2, 3)  # names are not sorted: definition order wins
        self.block = Block()
        self.a_last = nn.Linear(4, 1)

    def forward(self, x: mg.Tensor) -> mg.Tensor:
        return self.a_last(self.block(self.z_first(x)))


def test_attributes_register_in_definition_order() -> None:
    net = Net()
    assert [n for n, _ in net.named_parameters()] == [
        "z_first.weight", "z_first.bias", "block.scale", "block.fc.weight", "block.fc.bias",
        "a_last.weight", "a_last.bias",
    ]
    assert list(net.state_dict()) == [
        "z_first.weight", "z_first.bias", "block.scale", "block.count", "block.fc.weight",
        "block.fc.bias", "a_last.weight", "a_last.bias",
    ]
    assert [n for n, _ in net.named_buffers()] == ["block.count"]
    assert [n for n, _ in net.named_children()] == ["z_first", "block", "a_last"]
    assert [n for n, _ in net.named_modules()] == [
        "", "z_first", "block", "block.fc", "block.act", "a_last"]
    assert len(list(net.children())) == 3 and len(list(net.modules())) == 6
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in net.parameters())


def test_parameter_is_a_tensor_that_requires_grad_and_shares_data() -> None:
    t = mg.ones(3)
    p = nn.Parameter(t)
    assert isinstance(p, mg.Tensor) and p.requires_grad and p.is_leaf
    assert p._data is t._data
    assert "Parameter containing" in repr(p)
    assert not nn.Parameter(t, requires_grad=False).requires_grad


def test_unknown_attribute_raises_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = Net().nope


def test_shared_parameter_counted_once() -> None:
    a = nn.Linear(2, 2)
    seq = nn.Sequential(a, a)
    assert len(list(seq.parameters())) == 2
    assert seq.num_parameters() == 6


def test_reassigning_and_deleting_attributes() -> None:
    net = Block()
    net.fc = nn.Linear(3, 5)
    assert net.fc.out_features == 5 and list(net._modules) == ["fc", "act"]
    with pytest.raises(TypeError, match="parameter 'scale'"):
        net.scale = mg.ones(4)
    net.count = mg.ones(1)  # a buffer may be replaced by a Tensor
    assert net.state_dict()["count"].item() == 1
    del net.act
    assert "act" not in dict(net.named_children())
    with pytest.raises(AttributeError):
        _ = net.act


def test_assignment_before_init_is_explained() -> None:
    class Bad(nn.Module):
        def __init__(self) -> None:
            self.fc = nn.Linear(1, 1)

    with pytest.raises(AttributeError, match="super"):
        Bad()


def test_train_eval_and_training_flag_propagate() -> None:
    net = Net()
    assert net.training and net.block.act.training
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())


def test_zero_grad_and_requires_grad() -> None:
    net = Net()
    net(mg.randn(5, 2)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(np.all(p.grad.data == 0) for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())


def test_apply_visits_children_then_self() -> None:
    seen = []
    Net().apply(lambda m: seen.append(type(m).__name__))
    assert seen == ["Linear", "Linear", "ReLU", "Block", "Linear", "Net"]


def test_repr_is_an_indented_tree() -> None:
    text = repr(Net())
    assert text.splitlines()[0] == "Net("
    assert "  (z_first): Linear(in_features=2, out_features=3, bias=True)" in text
    assert "  (block): Block(\n    (fc): Linear(in_features=3, out_features=4, bias=True)" in text
    assert text.endswith(")")


def test_call_runs_forward_inside_module_scope() -> None:
    net = Net()
    out = net(mg.randn(2, 2, requires_grad=True))
    scopes = out.grad_fn.scope
    assert [name for name, _ in scopes] == ["Net", "Linear"]
    assert scopes[0][1] is net and scopes[1][1] is net.a_last
    with module_scope("x", None):
        pass


def test_error_inside_a_layer_names_the_layer() -> None:
    net = Net()
    with pytest.raises(ValueError, match=r"Net: layer 'z_first' \(Linear\).*expected input "
                                         r"of shape \(\.\.\., 2\), got \(5, 3\)"):
        net(mg.randn(5, 3))


def test_state_dict_values_are_detached_and_share_memory() -> None:
    net = Net()
    sd = net.state_dict()
    w = sd["z_first.weight"]
    assert type(w) is mg.Tensor and not w.requires_grad
    assert w._data is net.z_first.weight._data


def test_load_state_dict_accepts_arrays_and_copies_in_place() -> None:
    a, b = Net(), Net()
    weight = b.z_first.weight
    b.load_state_dict({k: v.numpy().copy() for k, v in a.state_dict().items()})
    assert b.z_first.weight is weight  # same object: an optimizer keeps working
    for (k, v), (_, w) in zip(a.state_dict().items(), b.state_dict().items()):
        np.testing.assert_array_equal(v.data, w.data, err_msg=k)
    x = mg.randn(3, 2)
    np.testing.assert_array_equal(a(x).data, b(x).data)


def test_load_state_dict_reports_every_problem_at_once_and_changes_nothing() -> None:
    net = Net()
    before = {k: v._data.copy() for k, v in net.state_dict().items()}
    sd = {k: v.data + 1 for k, v in Net().state_dict().items()}
    del sd["a_last.bias"]
    sd["extra.weight"] = np.zeros(2)
    sd["z_first.weight"] = np.zeros((7, 7))
    with pytest.raises(RuntimeError) as info:
        net.load_state_dict(sd)
    message = str(info.value)
    assert "missing keys: a_last.bias" in message
    assert "unexpected keys: extra.weight" in message
    assert "z_first.weight: checkpoint has shape (7, 7), the model (3, 2)" in message
    for k, v in net.state_dict().items():
        np.testing.assert_array_equal(v.data, before[k], err_msg=k)


def test_load_state_dict_non_strict_returns_the_problems_and_loads_the_rest() -> None:
    net = Net()
    sd = {k: v.data + 1 for k, v in net.state_dict().items()}
    del sd["a_last.bias"]
    sd["extra"] = np.zeros(2)
    result = net.load_state_dict(sd, strict=False)
    assert result == (["a_last.bias"], ["extra"])
    assert type(result).__name__ == "_IncompatibleKeys"
    assert result.missing_keys == ["a_last.bias"]
    assert result.unexpected_keys == ["extra"]
    np.testing.assert_array_equal(net.a_last.weight.data, sd["a_last.weight"])


def test_load_state_dict_size_mismatch_raises_even_when_not_strict() -> None:
    net = Net()
    sd = {k: v.data for k, v in net.state_dict().items()}
    sd["z_first.weight"] = np.zeros((7, 7))
    with pytest.raises(RuntimeError, match=r"size mismatch: z_first.weight"):
        net.load_state_dict(sd, strict=False)


def test_load_state_dict_keeps_the_model_dtype() -> None:
    net = nn.Linear(2, 2)
    net.load_state_dict({"weight": np.ones((2, 2)), "bias": np.zeros(2)})
    assert net.weight.dtype == np.float32


def test_non_persistent_buffer_is_not_saved() -> None:
    m = nn.Module()
    m.register_buffer("tmp", mg.zeros(2), persistent=False)
    assert m.state_dict() == {} and [n for n, _ in m.named_buffers()] == ["tmp"]


def test_to_double_casts_floating_state_only() -> None:
    bn = nn.BatchNorm1d(3).double()
    assert bn.weight.dtype == np.float64 and bn.running_var.dtype == np.float64
    assert bn.num_batches_tracked.dtype == np.int64


def test_sequential_is_indexable_iterable_and_sliceable() -> None:
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert len(seq) == 3 and isinstance(seq[-1], nn.Linear)
    assert [type(m).__name__ for m in seq] == ["Linear", "ReLU", "Linear"]
    head = seq[:2]
    assert isinstance(head, nn.Sequential) and len(head) == 2
    assert head(mg.randn(4, 2)).shape == (4, 3)
    assert list(seq.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    with pytest.raises(IndexError, match="out of range"):
        seq[3]
    with pytest.raises(TypeError, match="not a Module"):
        nn.Sequential(nn.ReLU(), lambda x: x)


def test_module_list_registers_its_modules() -> None:
    class Stack(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])

        def forward(self, x: mg.Tensor) -> mg.Tensor:
            for layer in self.layers:
                x = layer(x)
            return x

    s = Stack()
    assert len(s.layers) == 3 and s.num_parameters() == 18
    s.layers.append(nn.Linear(2, 1))
    assert "layers.3.weight" in s.state_dict()
    assert s(mg.randn(5, 2)).shape == (5, 1)


def test_state_dict_round_trips_through_torch_modules() -> None:
    torch = pytest.importorskip("torch")
    net = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.BatchNorm1d(3), nn.Linear(3, 2))
    tnet = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.BatchNorm1d(3),
                               torch.nn.Linear(3, 2))
    assert list(net.state_dict()) == list(tnet.state_dict())
    net(mg.randn(8, 4))  # moves the running statistics
    tnet.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                          for k, v in net.state_dict().items()})
    net.eval()
    tnet.eval()
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    np.testing.assert_allclose(net(mg.tensor(x)).data,
                               tnet(torch.from_numpy(x)).detach().numpy(), rtol=1e-5, atol=1e-6)
    back = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.BatchNorm1d(3), nn.Linear(3, 2))
    back.load_state_dict({k: v.detach().numpy() for k, v in tnet.state_dict().items()})
    assert back[2].num_batches_tracked.item() == 1


def test_load_state_dict_after_forward_is_caught_in_backward() -> None:
    lin = nn.Linear(2, 1)
    x = mg.ones(1, 2, requires_grad=True)
    y = lin(x).sum()
    lin.load_state_dict({k: mg.zeros(*v.shape) for k, v in lin.state_dict().items()})
    with pytest.raises(RuntimeError, match=r"modified by an inplace operation.*shape \(1, 2\) "
                                           r"saved by Linear.*version 1; expected version 0"):
        y.backward()


# ------------------------------------------- state dict metadata and _load_from_state_dict


def _norms(lib):  # noqa: ANN001, ANN202
    nn_ = lib.nn
    return nn_.Sequential(nn_.Linear(2, 3), nn_.BatchNorm1d(3),
                          nn_.Sequential(nn_.ReLU(), nn_.InstanceNorm1d(3)))


def test_state_dict_carries_pytorchs_metadata() -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = _norms(mg), _norms(torch)
    state, expected = ours.state_dict(), theirs.state_dict()
    assert type(state) is type(expected) is OrderedDict
    assert list(state._metadata.items()) == list(expected._metadata.items())
    assert expected._metadata["1"] == {"version": 2}  # BatchNorm added num_batches_tracked
    prefixed = ours.state_dict(prefix="net.")
    assert list(prefixed._metadata.items()) == list(
        theirs.state_dict(prefix="net.")._metadata.items())
    into, into_t = {}, {}
    assert ours.state_dict(destination=into) is into
    theirs.state_dict(destination=into_t)
    assert list(into) == list(into_t) == list(state)
    # PyTorch's deprecated positional form: (destination, prefix, keep_vars)
    with pytest.warns(FutureWarning, match="Positional args are being deprecated"):
        kept = ours.state_dict(None, "p.", True)
    with pytest.warns(FutureWarning, match="Positional args are being deprecated"):
        kept_t = theirs.state_dict(None, "p.", True)
    assert list(kept) == list(kept_t) and kept["p.0.weight"] is ours[0].weight


def _versioned(lib, calls: list):  # noqa: ANN001, ANN202
    """The same program for both libraries: a layer at version 3 (which renamed ``gain`` to
    ``scale``) whose ``_load_from_state_dict`` converts older checkpoints and logs its call."""

    class Scaled(lib.nn.Module):
        _version = 3

        def __init__(self) -> None:
            super().__init__()
            self.scale = lib.nn.Parameter(lib.ones(2))
            self.inner = lib.nn.Linear(2, 2)

        def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict,  # noqa: ANN001
                                  missing_keys, unexpected_keys, error_msgs) -> None:  # noqa: ANN001
            calls.append((prefix, dict(local_metadata), strict, sorted(state_dict)))
            version = local_metadata.get("version")
            if (version is None or version < 3) and prefix + "gain" in state_dict:
                state_dict[prefix + "scale"] = state_dict.pop(prefix + "gain")
            if prefix + "bad" in state_dict:
                error_msgs.append(f"{prefix}bad: refused")
            super()._load_from_state_dict(state_dict, prefix, local_metadata, strict,
                                          missing_keys, unexpected_keys, error_msgs)

    return lib.nn.Sequential(Scaled(), lib.nn.ReLU(), Scaled())


def _old_checkpoint(version: int | None, extra: str = "") -> OrderedDict:
    """Values for ``_versioned``'s model with ``0.scale`` saved as ``0.gain`` (``2.scale``
    as it is), marked with ``version`` for module 0 (None: no metadata)."""
    rng = np.random.default_rng(0)
    keys = ["0.gain", "0.inner.weight", "0.inner.bias", "2.scale", "2.inner.weight",
            "2.inner.bias", *([extra] if extra else [])]
    state = OrderedDict((k, rng.standard_normal((2, 2) if "weight" in k else 2)
                         .astype(np.float32)) for k in keys)
    if version is not None:
        state._metadata = OrderedDict([("", {"version": 1}), ("0", {"version": version}),
                                       ("0.inner", {"version": 1}), ("1", {"version": 1}),
                                       ("2", {"version": 3}), ("2.inner", {"version": 1})])
    return state


def _as_torch(torch, state: OrderedDict) -> OrderedDict:  # noqa: ANN001
    out = OrderedDict((k, torch.from_numpy(v.copy())) for k, v in state.items())
    if hasattr(state, "_metadata"):
        out._metadata = state._metadata
    return out


@pytest.mark.parametrize("version", [2, None])
def test_load_state_dict_calls_each_modules_load_from_state_dict_as_pytorch(
        version: int | None) -> None:
    """Each module's own ``_load_from_state_dict`` with PyTorch's arguments: the part of
    the dict under its prefix (after its parent's changes), its saved metadata ({} without
    any), strict=True whatever ``strict`` is; a version conversion renames a key."""
    torch = pytest.importorskip("torch")
    calls, calls_t = [], []
    ours, theirs = _versioned(mg, calls), _versioned(torch, calls_t)
    state = _old_checkpoint(version)
    assert not any(ours.load_state_dict(state))
    assert not any(theirs.load_state_dict(_as_torch(torch, state)))
    assert calls == calls_t and len(calls) == 2
    assert calls[0] == ("0.", {} if version is None else {"version": 2}, True,
                        ["0.gain", "0.inner.bias", "0.inner.weight"])
    np.testing.assert_array_equal(ours[0].scale.detach().numpy(), state["0.gain"])
    for key, value in theirs.state_dict().items():
        np.testing.assert_array_equal(ours.state_dict()[key].numpy(), value.numpy(), key)


def test_load_state_dict_reports_what_the_overrides_report() -> None:
    """At the current version nothing is renamed: missing and unexpected keys as PyTorch
    finds them; an override's ``error_msgs`` raise even with strict=False, and then no
    value has changed."""
    torch = pytest.importorskip("torch")
    ours, theirs = _versioned(mg, []), _versioned(torch, [])
    state = _old_checkpoint(3)
    result = ours.load_state_dict(state, strict=False)
    assert result == theirs.load_state_dict(_as_torch(torch, state), strict=False)
    assert result == (["0.scale"], ["0.gain"])
    before = {k: v.numpy().copy() for k, v in ours.state_dict().items()}
    state = _old_checkpoint(2, extra="0.bad")
    with pytest.raises(RuntimeError, match=r"Sequential:\n.*unexpected keys: 0.bad\n  "
                                           r"0.bad: refused"):
        ours.load_state_dict(state)
    with pytest.raises(RuntimeError, match=r"0.bad: refused"):
        ours.load_state_dict(state, strict=False)
    with pytest.raises(RuntimeError, match=r"0.bad: refused"):
        theirs.load_state_dict(_as_torch(torch, state), strict=False)
    for key, value in ours.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), before[key], key)


def test_norm_layers_convert_old_checkpoints_as_pytorch() -> None:
    """BatchNorm (version 2) keeps its own ``num_batches_tracked`` for a checkpoint from
    before it (or without metadata); InstanceNorm refuses, without metadata, running
    statistics it does not track (a checkpoint from before PyTorch 0.4)."""
    torch = pytest.importorskip("torch")
    for lib in (mg, torch):
        bn = lib.nn.BatchNorm1d(3)
        bn.num_batches_tracked.fill_(5)
        old = {"weight": lib.ones(3), "bias": lib.zeros(3), "running_mean": lib.zeros(3),
               "running_var": lib.ones(3)}
        assert not any(bn.load_state_dict(old)) and int(bn.num_batches_tracked) == 5, lib
        versioned = OrderedDict(old)
        versioned._metadata = {"": {"version": 2}}
        result = bn.load_state_dict(versioned, strict=False)
        assert result == (["num_batches_tracked"], []), lib
        norm = lib.nn.InstanceNorm1d(3)
        stats = {"running_mean": lib.zeros(3), "running_var": lib.ones(3)}
        with pytest.raises(RuntimeError, match='Unexpected running stats buffer\\(s\\) '
                           '"running_mean" and "running_var" for InstanceNorm1d with '
                           'track_running_stats=False'):
            norm.load_state_dict(stats, strict=False)
        versioned = OrderedDict(stats)
        versioned._metadata = {"": {"version": 2}}
        result = norm.load_state_dict(versioned, strict=False)
        assert result == ([], ["running_mean", "running_var"]), lib


def test_replacing_a_registered_entry_keeps_its_place_as_in_pytorch() -> None:
    """``seq[0] = layer`` replaces the first layer where it is (MNASNet's conversion of a
    version-1 checkpoint does that); re-registering a buffer or parameter keeps its key's
    place in the state dict."""
    torch = pytest.importorskip("torch")
    orders = []
    for lib in (mg, torch):
        seq = lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.ReLU(), lib.nn.Linear(3, 1))
        seq[0] = lib.nn.Linear(2, 3, bias=False)
        assert seq(lib.ones(4, 2)).shape == (4, 1)
        bn = lib.nn.BatchNorm1d(2)
        bn.register_buffer("running_mean", lib.ones(2), persistent=False)
        dropped = list(bn.state_dict())
        bn.register_buffer("running_mean", lib.ones(2))
        bn.register_parameter("weight", lib.nn.Parameter(lib.zeros(2)))
        orders.append(([(n, type(m).__name__) for n, m in seq.named_children()],
                       list(seq.state_dict()), dropped, list(bn.state_dict())))
    assert orders[0] == orders[1]
    assert orders[0][0][0] == ("0", "Linear") and orders[0][1][0] == "0.weight"


@pytest.mark.parametrize("call", [
    lambda lib: lib.nn.Linear(2, 2).register_buffer("weight", lib.ones(1)),
    lambda lib: lib.nn.Linear(2, 2).add_module("bias", lib.nn.ReLU()),
    lambda lib: lib.nn.BatchNorm1d(2).register_parameter("running_mean",
                                                         lib.nn.Parameter(lib.ones(2))),
    lambda lib: lib.nn.Linear(2, 2).register_buffer("in_features", lib.ones(1)),
    lambda lib: lib.nn.Linear(2, 2).add_module("forward", lib.nn.ReLU()),
], ids=["buffer_over_parameter", "module_over_parameter", "parameter_over_buffer",
        "buffer_over_attribute", "module_over_method"])
def test_registering_a_taken_name_raises_as_in_pytorch(call) -> None:  # noqa: ANN001
    assert_raises_as_torch(call, KeyError, r"attribute '\w+' already exists")


# --------------------------------------------------------------------------- forward hooks


def _hook_story(lib):
    """The same hook program for minigrad and torch: the events it logs and its outputs."""
    lib.manual_seed(0)
    net = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.ReLU(), lib.nn.Linear(4, 2)).double()
    log = []
    h1 = net[0].register_forward_hook(lambda m, a, out: log.append(("after", tuple(out.shape))))
    net[0].register_forward_hook(lambda m, a, out: log.append(("first",)), prepend=True)
    net[2].register_forward_pre_hook(lambda m, a: (a[0] * 0,))  # replaces the arguments
    net[1].register_forward_hook(lambda m, a, k, out: log.append(("kw", sorted(k))),
                                 with_kwargs=True)
    net[1].register_forward_pre_hook(lambda m, a, k: log.append(("pre-kw", len(a))),
                                     with_kwargs=True)
    doubled = net.register_forward_hook(lambda m, a, out: out * 2)  # replaces the output
    x = lib.ones(2, 3, dtype=lib.float64)
    first = net(x)
    h1.remove()
    h1.remove()  # twice: nothing more happens
    doubled.remove()
    with net[0].register_forward_hook(lambda m, a, out: log.append(("scoped",))):
        net(x)
    second = net(x)

    def fails(m, a):
        raise ValueError("stop")

    net[1].register_forward_pre_hook(fails)
    net[1].register_forward_hook(lambda m, a, out: log.append(("always", out)), always_call=True)
    with pytest.raises(ValueError):
        net(x)
    return log, first.detach().numpy(), second.detach().numpy()


def test_forward_hooks_behave_as_pytorchs():
    torch = pytest.importorskip("torch")
    log, first, second = _hook_story(mg)
    tlog, tfirst, tsecond = _hook_story(torch)
    assert log == tlog
    np.testing.assert_allclose(first, 2 * second)  # the output hook doubled the first call
    np.testing.assert_allclose(second, np.broadcast_to(tsecond[0] * 0 + second[0], (2, 2)))
    assert first.shape == tfirst.shape


def test_forward_hooks_log_in_order_and_come_out_again():
    log, first, second = _hook_story(mg)
    assert log[:5] == [("first",), ("after", (2, 4)), ("pre-kw", 1), ("kw", []),
                       ("first",)]
    assert ("scoped",) in log and log.count(("scoped",)) == 1
    np.testing.assert_allclose(first, 2 * second)


def test_a_pre_hook_must_return_args_and_kwargs_with_with_kwargs():
    lin = nn.Linear(2, 2)
    lin.register_forward_pre_hook(lambda m, a, k: "bad", with_kwargs=True)
    with pytest.raises(RuntimeError, match="forward pre-hook must return None or a tuple"):
        lin(mg.ones(1, 2))
    with pytest.raises(TypeError, match="expected a callable"):
        lin.register_forward_hook(3)
