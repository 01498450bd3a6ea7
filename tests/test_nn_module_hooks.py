"""Module backward hooks (register_full_backward_hook / _pre_hook, the global ones), the
Module methods PyTorch code reaches for (get_parameter, half, to_empty, named_modules'
signature, state-dict hooks, compile), ``nn.modules``' paths and ``nn.init``'s sparse_,
dirac_ and eye_, against PyTorch."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.gradcheck import gradcheck, gradgradcheck

DTYPES = [np.float32, np.float64]


def _tol(dtype: type) -> dict:
    return dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)


def _copy_to_torch(torch, ours: nn.Module, theirs) -> None:  # noqa: ANN001
    theirs.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                            for k, v in ours.state_dict().items()})


def _np(t) -> np.ndarray | None:  # noqa: ANN001
    if t is None:
        return None
    return t.detach().numpy()


class _Mul(nn.Module):
    """forward(a, b, scale) = a * b * scale: two tensors, one number."""

    def forward(self, a, b, scale):  # noqa: ANN001, ANN201
        return a * b * scale


class _TorchMul:
    @staticmethod
    def make(torch):  # noqa: ANN001, ANN205
        class M(torch.nn.Module):
            def forward(self, a, b, scale):  # noqa: ANN001, ANN201
                return a * b * scale
        return M()


def _record(log: list, tag: str):  # noqa: ANN202
    def full(module, grad_input, grad_output):  # noqa: ANN001, ANN202
        log.append((tag, tuple(_np(g) for g in grad_input), tuple(_np(g) for g in grad_output)))

    def pre(module, grad_output):  # noqa: ANN001, ANN202
        log.append((tag, tuple(_np(g) for g in grad_output)))

    return full, pre


def _same_logs(ours: list, theirs: list, dtype: type) -> None:
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert a[0] == b[0]
        for xs, ys in zip(a[1:], b[1:]):
            assert [x is None for x in xs] == [y is None for y in ys]
            for x, y in zip(xs, ys):
                if x is not None:
                    assert x.shape == y.shape and x.dtype == y.dtype
                    np.testing.assert_allclose(x, y, **_tol(dtype))


# ---------------------------------------------------------------- backward hooks


@pytest.mark.parametrize("dtype", DTYPES)
def test_full_backward_hook_values_match_pytorch(torch, dtype: type) -> None:
    rng = np.random.default_rng(0)
    ours = nn.Linear(4, 3).to(dtype)
    theirs = torch.nn.Linear(4, 3).to(getattr(torch, np.dtype(dtype).name))
    _copy_to_torch(torch, ours, theirs)
    x = rng.standard_normal((5, 4)).astype(dtype)
    logs = []
    for lib, layer in ((mg, ours), (torch, theirs)):
        log: list = []
        full, pre = _record(log, "h")
        layer.register_full_backward_hook(full)
        layer.register_full_backward_pre_hook(pre)
        xt = lib.tensor(x, requires_grad=True)
        (layer(xt) ** 2).sum().backward()
        logs.append((log, _np(xt.grad), _np(layer.weight.grad)))
    _same_logs(logs[0][0], logs[1][0], dtype)
    np.testing.assert_allclose(logs[0][1], logs[1][1], **_tol(dtype))
    np.testing.assert_allclose(logs[0][2], logs[1][2], **_tol(dtype))


@pytest.mark.parametrize("needs", [(True, True), (True, False), (False, True)])
def test_grad_input_is_none_where_pytorch_has_none(torch, needs: tuple) -> None:
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((1, 3))  # b broadcasts
    logs = []
    for lib, layer in ((mg, _Mul()), (torch, _TorchMul.make(torch))):
        log: list = []
        layer.register_full_backward_hook(_record(log, "h")[0])
        ta = lib.tensor(a, requires_grad=needs[0])
        tb = lib.tensor(b, requires_grad=needs[1])
        layer(ta, tb, 2.0).sum().backward()
        logs.append(log)
    _same_logs(logs[0], logs[1], np.float64)
    assert logs[0][0][1][2] is None  # the number


def test_hooks_fire_in_pytorchs_order_with_prepend_and_globals(torch) -> None:
    from minigrad.nn.modules.module import (
        register_module_full_backward_hook,
        register_module_full_backward_pre_hook,
    )

    orders = []
    for lib, layer, glob, glob_pre in (
        (mg, nn.Linear(2, 2), register_module_full_backward_hook,
         register_module_full_backward_pre_hook),
        (torch, torch.nn.Linear(2, 2), torch.nn.modules.module.register_module_full_backward_hook,
         torch.nn.modules.module.register_module_full_backward_pre_hook),
    ):
        order: list = []

        def tag(name: str, pre: bool = False, order: list = order):  # noqa: ANN202
            if pre:
                return lambda m, go: order.append(name)
            return lambda m, gi, go: order.append(name)

        handles = [
            layer.register_full_backward_hook(tag("full1")),
            layer.register_full_backward_hook(tag("full2")),
            layer.register_full_backward_hook(tag("full0"), prepend=True),
            layer.register_full_backward_pre_hook(tag("pre1", True)),
            layer.register_full_backward_pre_hook(tag("pre0", True), prepend=True),
            glob(tag("global")),
            glob_pre(tag("global_pre", True)),
        ]
        try:
            layer(lib.ones(1, 2, requires_grad=True)).sum().backward()
            handles[1].remove()
            handles[-1].remove()
            order.append("|")
            layer(lib.ones(1, 2, requires_grad=True)).sum().backward()
        finally:
            for h in handles:
                h.remove()
        order.append("|")
        layer(lib.ones(1, 2, requires_grad=True)).sum().backward()  # all removed
        orders.append(order)
    assert orders[0] == orders[1]
    assert orders[0][:7] == ["global_pre", "pre0", "pre1", "global", "full0", "full1", "full2"]


def test_hooks_replacing_gradients_match_pytorch(torch) -> None:
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 4))
    results = []
    for lib, layer in ((mg, nn.Linear(4, 2).double()),
                       (torch, torch.nn.Linear(4, 2).double())):
        if lib is torch:
            _copy_to_torch(torch, results[0][2], layer)
        layer.register_full_backward_pre_hook(lambda m, go: (go[0] * 3,))
        layer.register_full_backward_hook(lambda m, gi, go: (gi[0] + 1,))
        xt = lib.tensor(x, requires_grad=True)
        layer(xt).sum().backward()
        results.append((_np(xt.grad), _np(layer.weight.grad), layer))
    np.testing.assert_allclose(results[0][0], results[1][0])
    np.testing.assert_allclose(results[0][1], results[1][1])  # the pre-hook's 3x reaches W
    np.testing.assert_allclose(results[0][1], 3 * np.ones((2, 3)) @ x)


@pytest.mark.parametrize("use", ["both", "first", "second"])
def test_multiple_outputs_and_an_unused_one(torch, use: str) -> None:
    logs = []
    for lib in (mg, torch):
        class Split(lib.nn.Module):
            def forward(self, x):  # noqa: ANN001, ANN201
                return x * 2, 5, x * 3

        log: list = []
        m = Split()
        full, pre = _record(log, "h")
        m.register_full_backward_hook(full)
        m.register_full_backward_pre_hook(pre)
        x = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        a, _, b = m(x)
        loss = {"both": a * b, "first": a * a, "second": b}[use].sum()
        loss.backward()
        logs.append((log, _np(x.grad)))
    _same_logs(logs[0][0], logs[1][0], np.float64)
    np.testing.assert_allclose(logs[0][1], logs[1][1])


def test_hook_fires_once_per_call_and_backward() -> None:
    calls = []
    layer = nn.Linear(2, 2)
    layer.register_full_backward_hook(lambda m, gi, go: calls.append(1))
    x = mg.ones(1, 2, requires_grad=True)
    y = layer(x)
    (y * y + y).sum().backward()  # y used twice: still one call
    assert len(calls) == 1
    (layer(x) + layer(x)).sum().backward()  # two calls of the module
    assert len(calls) == 3
    with mg.no_grad():
        layer(x)
    assert len(calls) == 3


def test_no_input_requiring_grad_warns_and_fires_with_nones(torch) -> None:
    results = []
    for lib, layer in ((mg, nn.Linear(2, 2)), (torch, torch.nn.Linear(2, 2))):
        log: list = []
        layer.register_full_backward_hook(_record(log, "h")[0])
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            layer(lib.ones(1, 2)).sum().backward()
        assert any("no inputs require gradients" in str(w.message) for w in caught)
        results.append(log)
        layer.register_full_backward_hook(lambda m, gi, go, lib=lib: (lib.ones(1, 2),))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(RuntimeError, match="no input requires gradient"):
                layer(lib.ones(1, 2)).sum().backward()
    assert results[0][0][1] == (None,) and results[1][0][1] == (None,)


def test_bad_hook_results_raise_like_pytorch(torch) -> None:
    for lib, layer in ((mg, nn.Linear(2, 2)), (torch, torch.nn.Linear(2, 2))):
        h = layer.register_full_backward_hook(lambda m, gi, go: (gi[0], gi[0]))
        with pytest.raises(RuntimeError, match="invalid number of grad_input"):
            layer(lib.ones(1, 2, requires_grad=True)).sum().backward()
        h.remove()
        layer.register_full_backward_pre_hook(lambda m, go: (go[0], go[0]))
        with pytest.raises(RuntimeError, match="invalid number of grad_output"):
            layer(lib.ones(1, 2, requires_grad=True)).sum().backward()
    with pytest.raises(TypeError, match="callable"):
        nn.Linear(2, 2).register_full_backward_hook(3)


def test_in_place_change_of_a_hooked_output_raises_as_in_pytorch(torch) -> None:
    for lib, layer in ((mg, nn.Linear(2, 2)), (torch, torch.nn.Linear(2, 2))):
        layer.register_full_backward_hook(lambda m, gi, go: None)
        y = layer(lib.ones(1, 2, requires_grad=True))
        with pytest.raises(RuntimeError, match="BackwardHookFunction.* is a view and is being "
                                               "modified inplace"):
            y.add_(1)
    with mg.no_grad():
        ours = nn.Linear(2, 2)
        ours.register_full_backward_hook(lambda m, gi, go: None)
        ours(mg.ones(1, 2, requires_grad=True)).add_(1)  # nothing recorded: allowed


def test_hooked_output_grad_fn_and_shared_storage() -> None:
    layer = nn.Linear(2, 2)
    layer.register_full_backward_hook(lambda m, gi, go: None)
    y = layer(mg.ones(1, 2, requires_grad=True))
    assert repr(y.grad_fn) == "<BackwardHookFunctionBackward>"


def test_old_register_backward_hook_is_refused_clearly() -> None:
    with pytest.raises(NotImplementedError, match="register_full_backward_hook"):
        nn.Linear(2, 2).register_backward_hook(lambda m, gi, go: None)


def test_gradcheck_through_a_hooked_module() -> None:
    mg.manual_seed(0)
    layer = nn.Linear(3, 2).double()
    layer.register_full_backward_hook(lambda m, gi, go: None)
    layer.register_full_backward_pre_hook(lambda m, go: None)
    x = mg.randn(2, 3, dtype=mg.float64, requires_grad=True)
    assert gradcheck(lambda t: layer(t).tanh(), (x,))
    assert gradgradcheck(lambda t: layer(t).tanh(), (x,))


def _cnn(lib):  # noqa: ANN001, ANN202
    L = lib.nn  # noqa: N806
    return L.Sequential(L.Conv2d(2, 4, 3, padding=1), L.ReLU(), L.Conv2d(4, 5, 3, padding=1),
                        L.ReLU(), L.AdaptiveAvgPool2d(1), L.Flatten(), L.Linear(5, 3))


def _grad_cam(lib, model, x: np.ndarray, target: int) -> np.ndarray:  # noqa: ANN001
    """Grad-CAM: the target layer's activations weighted by its mean output gradient."""
    store: dict = {}
    layer = model[2]
    h1 = layer.register_forward_hook(lambda m, i, o: store.__setitem__("act", o))
    h2 = layer.register_full_backward_hook(lambda m, gi, go: store.__setitem__("grad", go[0]))
    scores = model(lib.tensor(x))
    scores[:, target].sum().backward()
    h1.remove()
    h2.remove()
    weights = store["grad"].mean(dim=(2, 3), keepdim=True)
    cam = (weights * store["act"]).sum(dim=1).relu()
    return _np(cam)


def test_grad_cam_heat_map_matches_pytorch(torch) -> None:
    mg.manual_seed(3)
    ours = _cnn(mg)
    theirs = _cnn(torch)
    _copy_to_torch(torch, ours, theirs)
    x = np.random.default_rng(3).standard_normal((2, 2, 6, 6)).astype(np.float32)
    cam = _grad_cam(mg, ours, x, 1)
    expected = _grad_cam(torch, theirs, x, 1)
    assert cam.shape == (2, 6, 6)
    np.testing.assert_allclose(cam, expected, rtol=1e-4, atol=1e-6)
    assert cam.max() > 0


# ---------------------------------------------------------------- Module methods


def _net(lib):  # noqa: ANN001, ANN202
    L = lib.nn  # noqa: N806
    return L.Sequential(L.Linear(3, 4), L.BatchNorm1d(4))


def test_get_parameter_and_get_buffer(torch) -> None:
    ours, theirs = _net(mg), _net(torch)
    assert ours.get_parameter("0.weight") is ours[0].weight
    assert ours.get_buffer("1.running_var") is ours[1].running_var
    for m in (ours, theirs):
        with pytest.raises(AttributeError, match="has no attribute `nope`"):
            m.get_parameter("0.nope")
        with pytest.raises(AttributeError, match="is not an nn.Parameter"):
            m.get_parameter("1.running_mean")
        with pytest.raises(AttributeError, match="is not a buffer"):
            m.get_buffer("0.weight")
        with pytest.raises(AttributeError):
            m.get_parameter("5.weight")


def test_half_casts_floats_and_bfloat16_refuses(torch) -> None:
    ours = _net(mg).half()
    theirs = _net(torch).half()
    for (k, a), (_, b) in zip(ours.state_dict().items(), theirs.state_dict().items()):
        assert a.dtype.name == str(b.dtype).replace("torch.", ""), k
    with pytest.raises(TypeError, match="bfloat16: minigrad has no bfloat16"):
        _net(mg).bfloat16()


def test_to_empty_keeps_the_parameters_and_their_layout() -> None:
    m = _net(mg).double()
    w = m[0].weight
    assert m.to_empty(device="cpu") is m
    assert m[0].weight is w and w.shape == (4, 3) and w.dtype == np.float64
    assert m[1].num_batches_tracked.dtype == np.int64
    with pytest.raises(RuntimeError, match="CPU only"):
        m.to_empty(device="cuda")
    with pytest.raises(TypeError):
        m.to_empty("cpu")  # keyword-only, as PyTorch's


def test_named_modules_signature_and_duplicates(torch) -> None:
    def shared(lib):  # noqa: ANN001, ANN202
        lin = lib.nn.Linear(2, 2)
        return lib.nn.Sequential(lin, lib.nn.ReLU(), lin)

    ours, theirs = shared(mg), shared(torch)
    for kwargs in ({}, {"remove_duplicate": False}, {"prefix": "net"},
                   {"memo": None, "prefix": "p", "remove_duplicate": False}):
        assert ([n for n, _ in ours.named_modules(**kwargs)]
                == [n for n, _ in theirs.named_modules(**kwargs)])
    assert ([n for n, _ in ours.named_modules(None, "x", False)]
            == [n for n, _ in theirs.named_modules(None, "x", False)])
    assert ([n for n, _ in ours.named_parameters(remove_duplicate=False)]
            == [n for n, _ in theirs.named_parameters(remove_duplicate=False)])
    memo = {ours[0]}
    assert [n for n, _ in ours.named_modules(memo)] == ["", "1"]


def test_state_dict_hooks_match_pytorch(torch) -> None:
    logs = []
    for lib in (mg, torch):
        m = _net(lib)
        log: list = []
        m.register_state_dict_pre_hook(
            lambda mod, prefix, keep, log=log: log.append(("pre", prefix, keep)))
        m[0].register_state_dict_pre_hook(
            lambda mod, prefix, keep, log=log: log.append(("pre0", prefix)))

        def post(mod, sd, prefix, meta, log=log):  # noqa: ANN001, ANN202
            log.append(("post", prefix, sorted(sd), dict(meta)))
            sd["extra"] = sd["0.bias"]

        m.register_state_dict_post_hook(post)
        sd = m.state_dict(keep_vars=True)
        logs.append((log, list(sd)))
    assert logs[0] == logs[1]
    m = nn.Linear(2, 2)
    m.register_state_dict_post_hook(lambda *a: {})
    with pytest.raises(RuntimeError, match="must return None"):
        m.state_dict()


def test_load_state_dict_hooks_match_pytorch(torch) -> None:
    outcomes = []
    for lib in (mg, torch):
        m = lib.nn.Linear(2, 2)
        seen: list = []

        def rename(mod, sd, prefix, meta, strict, missing, unexpected, errors,  # noqa: ANN001, ANN202, PLR0913
                   seen=seen):
            seen.append(("pre", prefix, strict))
            if prefix + "w" in sd:
                sd[prefix + "weight"] = sd.pop(prefix + "w")

        def forgive(mod, keys, seen=seen):  # noqa: ANN001, ANN202
            seen.append(("post", list(keys.missing_keys), list(keys.unexpected_keys)))
            keys.missing_keys.clear()

        m.register_load_state_dict_pre_hook(rename)
        m.register_load_state_dict_post_hook(forgive)
        result = m.load_state_dict({"w": lib.full((2, 2), 7.0)})
        outcomes.append((seen, list(result.missing_keys), _np(m.weight).tolist()))
    assert outcomes[0] == outcomes[1]
    m = nn.Linear(2, 2)
    m.register_load_state_dict_post_hook(lambda mod, keys: 1)
    with pytest.raises(AssertionError, match="not expected to return new values"):
        m.load_state_dict(m.state_dict())


def test_compile_returns_none() -> None:
    m = nn.Linear(2, 2)
    assert m.compile() is None
    assert m.compile(mode="max-autotune", fullgraph=True) is None
    assert m(mg.ones(1, 2)).shape == (1, 2)


def test_to_memory_format_lays_out_conv_weights_as_pytorch(torch) -> None:
    ours, theirs = _cnn(mg), _cnn(torch)
    _copy_to_torch(torch, ours, theirs)
    assert ours.to(memory_format=mg.channels_last) is ours
    theirs.to(memory_format=torch.channels_last)
    for (name, a), (_, b) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert a.stride() == b.stride(), name
    x = np.random.default_rng(5).standard_normal((1, 2, 5, 5)).astype(np.float32)
    np.testing.assert_allclose(_np(ours(mg.tensor(x))), _np(theirs(torch.from_numpy(x))),
                               rtol=1e-5, atol=1e-6)
    ours.to(mg.float64, memory_format=mg.contiguous_format)
    assert ours[0].weight.dtype == np.float64 and ours[0].weight.is_contiguous()
    assert ours.to(memory_format=mg.preserve_format) is ours
    with pytest.raises(RuntimeError, match="required rank 4"):
        nn.Conv3d(1, 1, 1).to(memory_format=mg.channels_last)
    with pytest.raises(TypeError, match="memory_format"):
        ours.to(memory_format="channels_last")


# ---------------------------------------------------------------- nn.modules


def test_nn_modules_paths(torch) -> None:
    from minigrad.nn.modules.batchnorm import _BatchNorm, _NormBase
    from minigrad.nn.modules.conv import _ConvNd
    from minigrad.nn.modules.loss import _Loss, _WeightedLoss
    from minigrad.nn.modules.module import Module
    from minigrad.nn.modules.utils import _pair, _quadruple, _single, _triple

    assert nn.modules.conv.Conv2d is nn.Conv2d and nn.modules.Linear is nn.Linear
    assert Module is nn.Module and nn.modules.linear.Linear is nn.Linear
    assert isinstance(nn.Conv2d(1, 1, 1), _ConvNd) and isinstance(nn.BatchNorm2d(2), _BatchNorm)
    assert isinstance(nn.CrossEntropyLoss(), _WeightedLoss) and isinstance(nn.L1Loss(), _Loss)
    assert isinstance(nn.BatchNorm1d(2), _NormBase) and isinstance(nn.InstanceNorm2d(2),
                                                                   _NormBase)
    assert not isinstance(nn.LayerNorm(2), _NormBase)
    tu = torch.nn.modules.utils
    for ours, theirs in ((_single, tu._single), (_pair, tu._pair), (_triple, tu._triple),
                         (_quadruple, tu._quadruple)):
        assert ours(3) == theirs(3) and ours([1, 2]) == theirs([1, 2])
        assert ours.__name__ == theirs.__name__
    assert nn.modules.utils._reverse_repeat_tuple((1, 2), 2) == tu._reverse_repeat_tuple((1, 2),
                                                                                          2)
    assert nn.modules.utils._list_with_default([None, 3], [1, 2, 5, 6]) == [5, 3]
    for name in ("activation", "pooling", "dropout", "padding", "rnn", "transformer",
                 "normalization", "instancenorm", "container", "sparse", "upsampling"):
        sub = getattr(nn.modules, name)
        theirs_sub = getattr(torch.nn.modules, name)
        missing = [n for n in theirs_sub.__all__ if hasattr(nn, n) and not hasattr(sub, n)]
        assert not missing, (name, missing)
    from minigrad.nn.common_types import _size_2_t, _size_any_t  # noqa: F401


def test_norm_base_can_be_subclassed_as_in_pytorch(torch) -> None:
    from minigrad.nn.modules.batchnorm import _NormBase

    class MyNorm(_NormBase):
        def _check_input_dim(self, x):  # noqa: ANN001, ANN202
            pass

    class TheirNorm(torch.nn.modules.batchnorm._NormBase):
        def _check_input_dim(self, x):  # noqa: ANN001, ANN202
            pass

    ours, theirs = MyNorm(3), TheirNorm(3)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours).replace("MyNorm", "") == repr(theirs).replace("TheirNorm", "")
    assert issubclass(MyNorm, _NormBase) and not issubclass(nn.BatchNorm1d, MyNorm)
    sd = {k: v for k, v in ours.state_dict().items() if k != "num_batches_tracked"}
    ours.load_state_dict(sd)  # no metadata: the version-1 conversion, as PyTorch's


def test_batchnorm_subclass_with_check_input_dim_as_in_pytorch(torch) -> None:
    from minigrad.nn.modules.batchnorm import _BatchNorm, _NormBase

    outputs = []
    for base in (_BatchNorm, torch.nn.modules.batchnorm._BatchNorm):
        class Only4D(base):
            def _check_input_dim(self, x):  # noqa: ANN001, ANN202
                if x.dim() != 4:
                    raise ValueError(f"expected 4D input (got {x.dim()}D input)")

        layer = Only4D(3)
        x = np.random.default_rng(6).standard_normal((2, 3, 4, 4)).astype(np.float32)
        lib = mg if base is _BatchNorm else torch
        outputs.append((_np(layer(lib.tensor(x))), _np(layer.running_mean)))
        with pytest.raises(ValueError, match="expected 4D input"):
            layer(lib.ones(2, 3))
    np.testing.assert_allclose(outputs[0][0], outputs[1][0], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(outputs[0][1], outputs[1][1], rtol=1e-5, atol=1e-7)
    assert issubclass(nn.BatchNorm3d, _BatchNorm) and isinstance(nn.BatchNorm1d(2), _BatchNorm)
    assert isinstance(nn.SyncBatchNorm(2), _NormBase)
    assert not isinstance(nn.InstanceNorm1d(2), _BatchNorm)
    with pytest.raises(NotImplementedError):
        _BatchNorm(2)(mg.ones(2, 2))


def test_consume_prefix_in_state_dict_if_present(torch) -> None:
    from minigrad.nn.modules.utils import consume_prefix_in_state_dict_if_present

    wrapped = nn.Sequential(nn.Linear(2, 2))
    sd = nn.Module.state_dict(wrapped, prefix="module.")
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 2)).state_dict(prefix="module.")
    consume_prefix_in_state_dict_if_present(sd, "module.")
    torch.nn.modules.utils.consume_prefix_in_state_dict_if_present(theirs, "module.")
    assert list(sd) == list(theirs) and list(sd._metadata) == list(theirs._metadata)


# ---------------------------------------------------------------- nn.init


def test_eye_and_dirac_match_pytorch(torch) -> None:
    for shape in [(3, 5), (4, 2), (0, 3)]:
        ours, theirs = mg.zeros(*shape), torch.zeros(*shape)
        nn.init.eye_(ours)
        torch.nn.init.eye_(theirs)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    for shape, groups in [((4, 2, 3), 1), ((6, 3, 3, 3), 2), ((4, 4, 3, 2, 5), 1),
                          ((6, 1, 3, 3), 3), ((2, 5, 1, 1), 1)]:
        ours, theirs = mg.ones(*shape), torch.ones(*shape)
        assert nn.init.dirac_(ours, groups) is ours
        torch.nn.init.dirac_(theirs, groups)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_dirac_conv_passes_its_input_through() -> None:
    conv = nn.Conv2d(3, 3, 3, padding=1, bias=False)
    nn.init.dirac_(conv.weight)
    x = mg.randn(2, 3, 5, 5)
    np.testing.assert_allclose(conv(x).detach().numpy(), x.numpy(), atol=1e-6)


def test_sparse_zeros_per_column_and_scale(torch) -> None:
    w = mg.empty(200, 50)
    assert nn.init.sparse_(w, 0.3, std=0.5) is w
    a = w.numpy()
    assert ((a == 0).sum(axis=0) == 60).all()  # ceil(0.3 * 200) zeros in every column
    assert abs(a[a != 0].std() - 0.5) < 0.03
    theirs = torch.empty(200, 50)
    torch.nn.init.sparse_(theirs, 0.3, std=0.5)
    assert (((theirs == 0).sum(dim=0)).numpy() == 60).all()
    g1, g2 = mg.Generator().manual_seed(4), mg.Generator().manual_seed(4)
    b, c = mg.empty(5, 4), mg.empty(5, 4)
    nn.init.sparse_(b, 0.5, generator=g1)
    nn.init.sparse_(c, 0.5, generator=g2)
    np.testing.assert_array_equal(b.numpy(), c.numpy())


@pytest.mark.parametrize(("fn", "args", "shape"), [
    ("sparse_", (0.1,), (3,)), ("sparse_", (0.1,), (2, 2, 2)), ("eye_", (), (3,)),
    ("eye_", (), (2, 2, 2)), ("dirac_", (), (3, 3)), ("dirac_", (), (1, 1, 1, 1, 1, 1)),
    ("dirac_", (2,), (3, 1, 3)),
])
def test_init_bad_shapes_raise_valueerror_as_pytorch(torch, fn: str, args: tuple,
                                                     shape: tuple) -> None:
    with pytest.raises(ValueError, match=f"^{fn}: "):
        getattr(nn.init, fn)(mg.zeros(*shape), *args)
    with pytest.raises(ValueError):
        getattr(torch.nn.init, fn)(torch.zeros(*shape), *args)


def test_nested_hooked_modules_fire_in_pytorchs_order(torch) -> None:
    orders = []
    for lib in (mg, torch):
        inner = lib.nn.Linear(2, 2)
        outer = lib.nn.Sequential(lib.nn.Linear(2, 2), inner, lib.nn.Tanh())
        order: list = []
        for name, m in (("outer", outer), ("inner", inner)):
            m.register_full_backward_pre_hook(
                lambda mod, go, name=name, order=order: order.append(name + ".pre"))
            m.register_full_backward_hook(
                lambda mod, gi, go, name=name, order=order: order.append(name))
        outer(lib.ones(3, 2, requires_grad=True)).sum().backward()
        orders.append(order)
    assert orders[0] == orders[1] == ["outer.pre", "inner.pre", "inner", "outer"]


@pytest.mark.parametrize("shape", [(), (0, 3), (1, 3)])
def test_hooks_on_0d_zero_size_and_size_1_inputs(torch, shape: tuple) -> None:
    logs = []
    for lib in (mg, torch):
        class Double(lib.nn.Module):
            def forward(self, x):  # noqa: ANN001, ANN201
                return x * 2

        log: list = []
        m = Double()
        m.register_full_backward_hook(_record(log, "h")[0])
        x = lib.ones(shape, dtype=lib.float64, requires_grad=True)
        m(x).sum().backward()
        logs.append((log, _np(x.grad)))
    _same_logs(logs[0][0], logs[1][0], np.float64)
    np.testing.assert_array_equal(logs[0][1], logs[1][1])


def test_nn_utils_namespace_and_foreach_arguments() -> None:
    assert nn.utils.parametrize.register_parametrization is not None
    assert nn.utils.parametrizations.weight_norm is not None
    assert nn.utils.fusion.fuse_conv_bn_eval is nn.utils.fuse_conv_bn_eval
    layer = nn.Linear(2, 2)
    layer(mg.ones(1, 2)).sum().backward()
    assert nn.utils.clip_grad_value_(layer.parameters(), 0.1, foreach=True) is None
    assert nn.utils.parameters_to_vector(layer.parameters()).shape == (6,)
