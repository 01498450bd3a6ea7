"""``nn.utils.parametrize``, ``nn.utils.parametrizations`` (weight_norm, spectral_norm), the
older hook-based ``nn.utils.weight_norm``/``spectral_norm`` and ``nn.utils.fusion``, against
PyTorch: state-dict keys, forward values and every parameter's gradient after loading
PyTorch's weights."""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.gradcheck import gradcheck, gradgradcheck
from minigrad.nn.utils import parametrizations, parametrize


def _to_numpy_dict(sd) -> dict:  # noqa: ANN001
    return {k: v.detach().numpy().copy() for k, v in sd.items()}


def _np(t) -> np.ndarray:  # noqa: ANN001
    return t.detach().numpy()


def _tol(dtype: str) -> dict:
    return dict(rtol=1e-4, atol=2e-5) if dtype == "float32" else dict(rtol=1e-10, atol=1e-12)


def _layers(lib, kind: str, dtype: str):  # noqa: ANN001, ANN202
    L = lib.nn  # noqa: N806
    make = {"linear": lambda: L.Linear(4, 3), "conv": lambda: L.Conv2d(2, 3, 3),
            "convT": lambda: L.ConvTranspose2d(2, 3, 3)}[kind]
    return make().to(getattr(lib, dtype))


_INPUTS = {"linear": (5, 4), "conv": (2, 2, 5, 5), "convT": (2, 2, 4, 4)}


def _compare_run(torch, ours, theirs, kind: str, dtype: str, steps: int = 1) -> None:  # noqa: ANN001
    """Forward (``steps`` times: a stateful parametrization moves on) and backward in
    both, then every output and every parameter's gradient compared."""
    x = np.random.default_rng(0).standard_normal(_INPUTS[kind]).astype(dtype)
    for _ in range(steps):
        y_ours, y_theirs = ours(mg.tensor(x)), theirs(torch.from_numpy(x))
        np.testing.assert_allclose(_np(y_ours), _np(y_theirs), **_tol(dtype))
        assert y_ours.dtype == np.dtype(dtype)
    (y_ours ** 2).sum().backward()
    (y_theirs ** 2).sum().backward()
    named = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(_np(p.grad), _np(named[name].grad), **_tol(dtype),
                                   err_msg=name)


# ---------------------------------------------------------------- parametrizations


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kind", ["linear", "conv", "convT"])
@pytest.mark.parametrize("dim", [0, 1, None, -1, -2])
def test_weight_norm_matches_pytorch(torch, kind: str, dtype: str, dim: int | None) -> None:
    ours, theirs = _layers(mg, kind, dtype), _layers(torch, kind, dtype)
    parametrizations.weight_norm(ours, dim=dim)
    torch.nn.utils.parametrizations.weight_norm(theirs, dim=dim)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert list(ours.state_dict()) == ["bias", "parametrizations.weight.original0",
                                       "parametrizations.weight.original1"]
    ours.load_state_dict(_to_numpy_dict(theirs.state_dict()))
    assert type(ours).__name__ == type(theirs).__name__
    _compare_run(torch, ours, theirs, kind, dtype)


def test_weight_norm_loads_the_old_layout(torch) -> None:
    old = torch.nn.Linear(4, 3).double()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        torch.nn.utils.weight_norm(old)
    ours = parametrizations.weight_norm(nn.Linear(4, 3).double())
    result = ours.load_state_dict(_to_numpy_dict(old.state_dict()))
    assert not result.missing_keys and not result.unexpected_keys
    x = mg.randn(2, 4, dtype=mg.float64)
    np.testing.assert_allclose(_np(ours(x)), _np(old(torch.from_numpy(x.numpy()))))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kind", ["linear", "conv", "convT"])
def test_spectral_norm_matches_pytorch(torch, kind: str, dtype: str) -> None:
    ours, theirs = _layers(mg, kind, dtype), _layers(torch, kind, dtype)
    parametrizations.spectral_norm(ours, n_power_iterations=2)
    torch.nn.utils.parametrizations.spectral_norm(theirs, n_power_iterations=2)
    keys = ["bias", "parametrizations.weight.original", "parametrizations.weight.0._u",
            "parametrizations.weight.0._v"]
    assert list(ours.state_dict()) == list(theirs.state_dict()) == keys
    ours.load_state_dict(_to_numpy_dict(theirs.state_dict()))
    _compare_run(torch, ours, theirs, kind, dtype, steps=3)  # the power iteration steps
    for key in keys[2:]:
        np.testing.assert_allclose(_np(ours.state_dict()[key]), _np(theirs.state_dict()[key]),
                                   **_tol(dtype))
    ours.eval()
    theirs.eval()
    frozen = _np(ours.parametrizations.weight[0]._u).copy()
    _compare_run(torch, ours, theirs, kind, dtype, steps=2)
    np.testing.assert_array_equal(_np(ours.parametrizations.weight[0]._u), frozen)


def test_spectral_norm_of_a_vector_and_bad_arguments(torch) -> None:
    ours, theirs = nn.Linear(3, 4).double(), torch.nn.Linear(3, 4).double()
    theirs.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                            for k, v in ours.state_dict().items()})
    parametrizations.spectral_norm(ours, "bias")
    torch.nn.utils.parametrizations.spectral_norm(theirs, "bias")
    np.testing.assert_allclose(_np(ours.bias), _np(theirs.bias))
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for lib, sn in ((mg, parametrizations.spectral_norm),
                    (torch, torch.nn.utils.parametrizations.spectral_norm)):
        with pytest.raises(ValueError, match="n_power_iterations"):
            sn(lib.nn.Linear(2, 2), n_power_iterations=0)
        with pytest.raises(IndexError, match="Dimension out of range"):
            sn(lib.nn.Linear(2, 2), dim=2)
        with pytest.raises(ValueError, match="has no parameter or buffer"):
            sn(lib.nn.Linear(2, 2), "nope")


def test_weight_norm_gradcheck() -> None:
    wn = parametrizations._WeightNorm(0)
    g = mg.randn(3, 1, dtype=mg.float64, requires_grad=True)
    v = mg.randn(3, 4, dtype=mg.float64, requires_grad=True)
    assert gradcheck(wn, (g, v))
    assert gradgradcheck(wn, (g, v))


@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5)])
@pytest.mark.parametrize("orthogonal_map", [None, "matrix_exp", "cayley", "householder"])
@pytest.mark.parametrize("trivialization", [True, False])
def test_orthogonal_matches_pytorch(torch, shape: tuple, orthogonal_map: str | None,
                                    trivialization: bool) -> None:
    ours = nn.Linear(shape[1], shape[0]).double()
    theirs = torch.nn.Linear(shape[1], shape[0]).double()
    theirs.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                            for k, v in ours.state_dict().items()})
    parametrizations.orthogonal(ours, orthogonal_map=orthogonal_map,
                                use_trivialization=trivialization)
    torch.nn.utils.parametrizations.orthogonal(theirs, orthogonal_map=orthogonal_map,
                                               use_trivialization=trivialization)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    w = _np(ours.weight)
    small = min(shape)
    gram = w @ w.T if shape[0] == small else w.T @ w
    np.testing.assert_allclose(gram, np.eye(small), atol=1e-12)
    if not trivialization and orthogonal_map == "householder":  # no random completion
        np.testing.assert_allclose(_np(ours.parametrizations.weight.original),
                                   _np(theirs.parametrizations.weight.original), atol=1e-12)
    with torch.no_grad():
        theirs.parametrizations.weight.original.add_(0.1 * torch.randn(shape,
                                                                       dtype=torch.float64))
    ours.load_state_dict(_to_numpy_dict(theirs.state_dict()))
    x = np.random.default_rng(2).standard_normal((2, shape[1]))
    y_ours, y_theirs = ours(mg.tensor(x)), theirs(torch.from_numpy(x))
    np.testing.assert_allclose(_np(y_ours), _np(y_theirs), atol=1e-12)
    (y_ours ** 2).sum().backward()
    (y_theirs ** 2).sum().backward()
    np.testing.assert_allclose(_np(ours.parametrizations.weight.original.grad),
                               _np(theirs.parametrizations.weight.original.grad), atol=1e-12)


def test_orthogonal_assignment_and_errors(torch) -> None:
    m = parametrizations.orthogonal(nn.Linear(3, 3).double())
    q = np.linalg.qr(np.random.default_rng(3).standard_normal((3, 3)))[0]
    m.weight = mg.tensor(q)
    np.testing.assert_allclose(_np(m.weight), q, atol=1e-12)
    for lib, orth in ((mg, parametrizations.orthogonal),
                      (torch, torch.nn.utils.parametrizations.orthogonal)):
        with pytest.raises(ValueError, match="Expected a matrix or batch of matrices"):
            orth(lib.nn.Linear(2, 2), "bias")
        with pytest.raises(ValueError, match="orthogonal_map has to be one of"):
            orth(lib.nn.Linear(2, 2), orthogonal_map="svd")
        m = orth(lib.nn.Linear(3, 3), orthogonal_map="cayley", use_trivialization=False)
        with pytest.raises(NotImplementedError, match="use_trivialization=False"):
            m.weight = lib.eye(3)
        with pytest.raises(ValueError, match="Expected a matrix or batch of matrices of shape"):
            orth(lib.nn.Linear(3, 3)).weight = lib.eye(2)


def test_householder_product_gradcheck() -> None:
    a = mg.randn(4, 3, dtype=mg.float64, requires_grad=True)
    tau = mg.rand(3, dtype=mg.float64, requires_grad=True)
    assert gradcheck(parametrizations._householder_product, (a, tau))
    assert gradgradcheck(parametrizations._householder_product, (a, tau))


# ---------------------------------------------------------------- parametrize


def _symmetric(lib):  # noqa: ANN001, ANN202
    class Symmetric(lib.nn.Module):
        def forward(self, x):  # noqa: ANN001, ANN201
            return x.triu() + x.triu(1).transpose(-1, -2)

        def right_inverse(self, a):  # noqa: ANN001, ANN201
            return a.triu()

    return Symmetric()


def _scale(lib, factor: float):  # noqa: ANN001, ANN202
    class Scale(lib.nn.Module):
        def forward(self, x):  # noqa: ANN001, ANN201
            return x * factor

        def right_inverse(self, x):  # noqa: ANN001, ANN201
            return x / factor

    return Scale()


def test_custom_parametrizations_chain_and_assignment_match_pytorch(torch) -> None:
    ours, theirs = nn.Linear(3, 3).double(), torch.nn.Linear(3, 3).double()
    for lib, m in ((mg, ours), (torch, theirs)):
        lib.nn.utils.parametrize.register_parametrization(m, "weight", _symmetric(lib))
        lib.nn.utils.parametrize.register_parametrization(m, "weight", _scale(lib, 2.0))
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict(_to_numpy_dict(theirs.state_dict()))
    x = np.random.default_rng(1).standard_normal((2, 3))
    y_ours, y_theirs = ours(mg.tensor(x)), theirs(torch.from_numpy(x))
    np.testing.assert_allclose(_np(y_ours), _np(y_theirs))
    y_ours.sum().backward()
    y_theirs.sum().backward()
    np.testing.assert_allclose(_np(ours.parametrizations.weight.original.grad),
                               _np(theirs.parametrizations.weight.original.grad))
    target = np.arange(9.0).reshape(3, 3)
    original = ours.parametrizations.weight.original
    ours.weight = mg.tensor(target)
    theirs.weight = torch.from_numpy(target)
    assert ours.parametrizations.weight.original is original  # kept for the optimizer
    np.testing.assert_allclose(_np(original), _np(theirs.parametrizations.weight.original))
    np.testing.assert_allclose(_np(ours.weight), _np(theirs.weight))
    assert parametrize.is_parametrized(ours) and parametrize.is_parametrized(ours, "weight")
    assert not parametrize.is_parametrized(ours, "bias")
    assert parametrize.type_before_parametrizations(ours) is nn.Linear
    assert repr(ours).splitlines()[0] == "ParametrizedLinear("


@pytest.mark.parametrize("leave", [True, False])
def test_remove_parametrizations_matches_pytorch(torch, leave: bool) -> None:
    ours, theirs = nn.Linear(3, 3).double(), torch.nn.Linear(3, 3).double()
    theirs.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                            for k, v in ours.state_dict().items()})
    for lib, m in ((mg, ours), (torch, theirs)):
        lib.nn.utils.parametrize.register_parametrization(m, "weight", _scale(lib, 3.0))
    original = ours.parametrizations.weight.original
    parametrize.remove_parametrizations(ours, "weight", leave_parametrized=leave)
    torch.nn.utils.parametrize.remove_parametrizations(theirs, "weight",
                                                       leave_parametrized=leave)
    assert type(ours) is nn.Linear and not hasattr(ours, "parametrizations")
    assert ours.weight is original and isinstance(ours.weight, nn.Parameter)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["bias", "weight"]
    np.testing.assert_allclose(_np(ours.weight), _np(theirs.weight))
    with pytest.raises(ValueError, match="does not have a parametrization on weight"):
        parametrize.remove_parametrizations(ours, "weight")


def test_remove_weight_norm_parametrization_needs_leave_parametrized() -> None:
    m = parametrizations.weight_norm(nn.Linear(2, 2))
    w = _np(m.weight).copy()
    with pytest.raises(ValueError, match="sequence of tensors"):
        parametrize.remove_parametrizations(m, "weight", leave_parametrized=False)
    parametrize.remove_parametrizations(m, "weight")
    np.testing.assert_allclose(_np(m.weight), w, rtol=1e-6)
    assert list(m.state_dict()) == ["bias", "weight"]


def test_registration_errors_match_pytorch(torch) -> None:
    for lib in (mg, torch):
        reg = lib.nn.utils.parametrize.register_parametrization

        class Shrink(lib.nn.Module):
            def forward(self, x):  # noqa: ANN001, ANN201
                return x[:1]

        class ToDouble(lib.nn.Module):
            target = lib.float64

            def forward(self, x):  # noqa: ANN001, ANN201
                return x.to(self.target)

        with pytest.raises(ValueError, match="may not change the shape"):
            reg(lib.nn.Linear(2, 2), "weight", Shrink())
        with pytest.raises(ValueError, match="may not change the dtype"):
            reg(lib.nn.Linear(2, 2), "weight", ToDouble())
        reg(lib.nn.Linear(2, 2), "weight", Shrink(), unsafe=True)
        with pytest.raises(ValueError, match="does not have a parameter, a buffer"):
            reg(lib.nn.Linear(2, 2), "nope", Shrink())
        m = lib.nn.Linear(2, 2)
        reg(m, "weight", _scale(lib, 2.0))
        with pytest.raises(ValueError, match="may not change the shape"):
            reg(m, "weight", Shrink())


def test_cached_computes_once_and_buffers_can_be_parametrized() -> None:
    calls = []

    class Count(nn.Module):
        def forward(self, x):  # noqa: ANN001, ANN201
            calls.append(1)
            return x

    m = nn.BatchNorm1d(3)
    parametrize.register_parametrization(m, "running_mean", Count())
    assert "parametrizations.running_mean.original" in m.state_dict()
    calls.clear()
    assert m.running_mean is not None and m.running_mean is not None
    assert len(calls) == 2
    with parametrize.cached():
        a, b = m.running_mean, m.running_mean
    assert a is b and len(calls) == 3
    assert m.running_mean is not None
    assert len(calls) == 4
    m(mg.randn(4, 3))  # one forward reads it once
    assert len(calls) == 5


def test_parametrized_module_deepcopies_but_does_not_pickle() -> None:
    import pickle

    m = parametrizations.weight_norm(nn.Linear(2, 2))
    twin = copy.deepcopy(m)
    np.testing.assert_allclose(_np(twin.weight), _np(m.weight))
    assert twin.parametrizations.weight.original1 is not m.parametrizations.weight.original1
    with pytest.raises(RuntimeError, match="only supported through state_dict"):
        pickle.dumps(m)


def test_transfer_parametrizations_and_params() -> None:
    a = parametrizations.weight_norm(nn.Linear(2, 2))
    b = nn.Linear(2, 2)
    parametrize.transfer_parametrizations_and_params(a, b)
    np.testing.assert_allclose(_np(b.weight), _np(a.weight), rtol=1e-6)
    assert list(b.state_dict()) == list(a.state_dict())


# ---------------------------------------------------------------- the older forms


@pytest.mark.parametrize("dim", [0, 1, None])
def test_old_weight_norm_matches_pytorch(torch, dim: int | None) -> None:
    ours, theirs = _layers(mg, "conv", "float64"), _layers(torch, "conv", "float64")
    with pytest.warns(FutureWarning, match="deprecated"):
        nn.utils.weight_norm(ours, dim=dim)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        torch.nn.utils.weight_norm(theirs, dim=dim)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["bias", "weight_g",
                                                                    "weight_v"]
    ours.load_state_dict(_to_numpy_dict(theirs.state_dict()))
    _compare_run(torch, ours, theirs, "conv", "float64")
    with pytest.raises(RuntimeError, match="Cannot register two weight_norm hooks"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            nn.utils.weight_norm(ours, dim=dim)
    nn.utils.remove_weight_norm(ours)
    torch.nn.utils.remove_weight_norm(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["bias", "weight"]
    np.testing.assert_allclose(_np(ours.weight), _np(theirs.weight))
    with pytest.raises(ValueError, match="weight_norm of 'weight' not found"):
        nn.utils.remove_weight_norm(ours)


@pytest.mark.parametrize("kind", ["linear", "convT"])
def test_old_spectral_norm_matches_pytorch(torch, kind: str) -> None:
    ours, theirs = _layers(mg, kind, "float64"), _layers(torch, kind, "float64")
    nn.utils.spectral_norm(ours)
    torch.nn.utils.spectral_norm(theirs)
    keys = ["bias", "weight_orig", "weight_u", "weight_v"]
    assert list(ours.state_dict()) == list(theirs.state_dict()) == keys
    assert ours.state_dict()._metadata[""] == theirs.state_dict()._metadata[""]
    ours.load_state_dict(_to_numpy_dict(theirs.state_dict()))
    _compare_run(torch, ours, theirs, kind, "float64", steps=3)
    np.testing.assert_allclose(_np(ours.weight_u), _np(theirs.weight_u), rtol=1e-10)
    ours.eval()
    theirs.eval()
    _compare_run(torch, ours, theirs, kind, "float64", steps=2)
    with pytest.raises(RuntimeError, match="Cannot register two spectral_norm hooks"):
        nn.utils.spectral_norm(ours)
    nn.utils.remove_spectral_norm(ours)
    torch.nn.utils.remove_spectral_norm(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["bias", "weight"]
    np.testing.assert_allclose(_np(ours.weight), _np(theirs.weight))
    with pytest.raises(ValueError, match="spectral_norm of 'weight' not found"):
        nn.utils.remove_spectral_norm(ours)


def test_old_spectral_norm_converts_a_version_0_checkpoint(torch) -> None:
    theirs = torch.nn.utils.spectral_norm(torch.nn.Linear(4, 3).double())
    theirs(torch.randn(2, 4, dtype=torch.float64))
    old = _to_numpy_dict(theirs.state_dict())
    old["weight"] = _np(theirs.weight).copy()
    del old["weight_v"]  # what a checkpoint from before version 1 holds
    ours = nn.utils.spectral_norm(nn.Linear(4, 3).double()).eval()
    ours.load_state_dict(old)
    theirs.eval()
    np.testing.assert_allclose(_np(ours(mg.ones(1, 4, dtype=mg.float64))),
                               _np(theirs(torch.ones(1, 4, dtype=torch.float64))), rtol=1e-8)


# ---------------------------------------------------------------- fusion


@pytest.mark.parametrize("transpose", [False, True])
@pytest.mark.parametrize("conv_bias", [True, False])
def test_fuse_conv_bn_eval_matches_unfused_and_pytorch(torch, transpose: bool,
                                                       conv_bias: bool) -> None:
    conv_cls = nn.ConvTranspose2d if transpose else nn.Conv2d
    conv = conv_cls(3, 4, 3, bias=conv_bias).double().eval()
    bn = nn.BatchNorm2d(4).double()
    bn.train()
    for _ in range(3):
        bn(mg.randn(5, 4, 6, 6, dtype=mg.float64) * 2 + 1)
    bn.weight.data.mul_(1.5)
    bn.bias.data.add_(0.3)
    bn.eval()
    fused = nn.utils.fuse_conv_bn_eval(conv, bn, transpose=transpose)
    assert fused is not conv and isinstance(fused.weight, nn.Parameter)
    x = mg.randn(2, 3, 7, 7, dtype=mg.float64)
    np.testing.assert_allclose(_np(fused(x)), _np(bn(conv(x))), rtol=1e-10, atol=1e-12)
    t_conv = (torch.nn.ConvTranspose2d if transpose else torch.nn.Conv2d)(
        3, 4, 3, bias=conv_bias).double().eval()
    t_conv.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                            for k, v in conv.state_dict().items()})
    t_bn = torch.nn.BatchNorm2d(4).double().eval()
    t_bn.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                          for k, v in bn.state_dict().items()})
    t_fused = torch.nn.utils.fuse_conv_bn_eval(t_conv, t_bn, transpose=transpose)
    np.testing.assert_allclose(_np(fused.weight), _np(t_fused.weight), rtol=1e-12)
    np.testing.assert_allclose(_np(fused.bias), _np(t_fused.bias), rtol=1e-12)


def test_fuse_linear_bn_and_weights_functions(torch) -> None:
    lin = nn.Linear(3, 4).eval()
    bn = nn.BatchNorm1d(4)
    bn.running_mean.data.copy_(mg.tensor([0.1, -0.2, 0.3, 0.0]))
    bn.running_var.data.copy_(mg.tensor([1.5, 0.5, 2.0, 1.0]))
    bn.eval()
    fused = nn.utils.fuse_linear_bn_eval(lin, bn)
    x = mg.randn(5, 3)
    np.testing.assert_allclose(_np(fused(x)), _np(bn(lin(x))), rtol=1e-5, atol=1e-6)
    assert fused.weight.dtype == np.float32
    args = [lin.weight, None, bn.running_mean, bn.running_var, 1e-5, bn.weight, bn.bias]
    w, b = nn.utils.fuse_linear_bn_weights(*args)
    tw, tb = torch.nn.utils.fuse_linear_bn_weights(
        *[torch.from_numpy(_np(a).copy()) if isinstance(a, mg.Tensor) else a for a in args])
    np.testing.assert_allclose(_np(w), _np(tw), rtol=1e-6)
    np.testing.assert_allclose(_np(b), _np(tb), rtol=1e-6, atol=1e-7)
    assert b.requires_grad == tb.requires_grad
    with pytest.raises(AssertionError, match="Fusion only for eval"):
        nn.utils.fuse_linear_bn_eval(lin.train(), bn)
    with pytest.raises(AssertionError, match="out_features"):
        nn.utils.fuse_linear_bn_eval(lin.eval(), nn.BatchNorm1d(3).eval())
    with pytest.raises(AssertionError, match="Fusion only for eval"):
        nn.utils.fuse_conv_bn_eval(nn.Conv2d(1, 1, 1), nn.BatchNorm2d(1).eval())
