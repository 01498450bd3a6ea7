"""``minigrad.amp`` (GradScaler, autocast) and the deprecated ``minigrad.cuda.amp`` /
``minigrad.cpu.amp`` names against PyTorch's CPU ones: the scaled loss, the unscaled
gradients, skipped steps, the scale and growth tracker after every ``update``, the state
dict; the warnings and errors; autocast's no-op cases and its refusals."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest

import minigrad as mg
import minigrad.optim as optim

# gradients per iteration (a coefficient per parameter element): clean ones, an inf, a NaN
PLAN = [
    ([1.5, -2.0, 0.25], [3.0]), ([0.1, 0.2, 0.3], [-1.0]), ([1e-3, 7.0, -2.5], [0.5]),
    ([np.inf, 1.0, 1.0], [1.0]), ([1.0, 2.0, 3.0], [np.nan]), ([0.7, -0.7, 0.3], [2.0]),
    ([1.0, 1.0, 1.0], [1.0]), ([3e4, -1.0, 2.0], [1.0]), ([0.5, 0.5, 0.5], [0.5]),
    ([1.0, 2.0, 3.0], [4.0]), ([-1.0, 0.0, 1.0], [1e-5]),
]


def run(lib, dtype: str, explicit_unscale: bool, **kw) -> list[tuple]:  # noqa: ANN001, ANN003
    """A few iterations of scale -> backward -> (unscale_) -> step -> update with ``lib``;
    what is seen at each: loss, gradients, parameters, scale, tracker, state dict."""
    w = lib.tensor(np.array([0.5, -1.0, 2.0], dtype=dtype), requires_grad=True)
    b = lib.tensor(np.array([0.25], dtype=dtype), requires_grad=True)
    opt = lib.optim.SGD([w, b], lr=0.1, momentum=0.9)
    scaler = lib.amp.GradScaler("cpu", **kw)
    seen = []
    for cw, cb in PLAN:
        opt.zero_grad()
        loss = (w * lib.tensor(np.array(cw, dtype=dtype))).sum() + (
            b * lib.tensor(np.array(cb, dtype=dtype))).sum()
        scaled = scaler.scale(loss)
        scaled.backward()
        if explicit_unscale:
            scaler.unscale_(opt)
        grads = [p.grad.detach().numpy().copy() for p in (w, b)]
        scaler.step(opt)
        scaler.update()
        seen.append((float(scaled.detach().numpy()), grads,
                     [p.detach().numpy().copy() for p in (w, b)], scaler.get_scale(),
                     scaler._get_growth_tracker(), scaler.state_dict()))
    return seen


SETTINGS = [dict(), dict(init_scale=1000.0, growth_factor=1.7, backoff_factor=0.3,
                         growth_interval=2),
            dict(init_scale=2.0**10, growth_interval=1), dict(init_scale=3e38, growth_interval=1)]


@pytest.mark.parametrize("explicit", [False, True])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kw", SETTINGS, ids=["defaults", "odd-factors", "grow-each", "to-inf"])
def test_grad_scaler_matches_pytorch(torch, kw: dict, dtype: str, explicit: bool) -> None:  # noqa: ANN001
    ours, theirs = run(mg, dtype, explicit, **kw), run(torch, dtype, explicit, **kw)
    for i, (a, b) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(a[0], b[0], rtol=1e-6 if dtype == "float32" else 1e-14,
                                   err_msg=f"scaled loss, iteration {i}")
        for x, y in zip(a[1], b[1]):  # the unscaled gradients: the same bits
            np.testing.assert_array_equal(x, y, err_msg=f"gradient, iteration {i}")
        for x, y in zip(a[2], b[2]):  # the SGD steps round a last bit differently
            np.testing.assert_allclose(x, y, rtol=1e-6 if dtype == "float32" else 1e-14,
                                       err_msg=f"parameter, iteration {i}")
        assert a[3:] == b[3:], f"scale, tracker, state dict at iteration {i}"


def test_scale_keeps_the_outputs_dtype_and_structure(torch) -> None:  # noqa: ANN001
    for lib in (mg, torch):
        scaler = lib.amp.GradScaler("cpu", init_scale=8.0)
        half = scaler.scale(lib.ones(2, dtype=lib.float16))
        assert str(half.dtype).endswith("float16") and half.tolist() == [8.0, 8.0]
        assert scaler.scale(lib.ones((), dtype=lib.float64)).dtype == lib.float64
        nested = scaler.scale([lib.ones(1), (lib.ones(1), lib.ones(1))])
        assert isinstance(nested, list) and isinstance(nested[1], tuple)
        assert float(nested[1][0]) == 8.0
        assert [float(t) for t in scaler.scale(iter([lib.ones(1)]))] == [8.0]
        with pytest.raises(ValueError, match="outputs must be a Tensor or an iterable"):
            scaler.scale([lib.ones(1), 3])


def test_update_with_new_scale_and_state_dict_round_trip(torch) -> None:  # noqa: ANN001
    for lib in (mg, torch):
        scaler = lib.amp.GradScaler("cpu", growth_interval=5)
        scaler.scale(lib.ones(1))
        scaler.update(new_scale=12.5)
        assert scaler.get_scale() == 12.5
        scaler.update(new_scale=lib.tensor(3.0))
        assert scaler.get_scale() == 3.0
        other = lib.amp.GradScaler("cpu")
        other.load_state_dict(scaler.state_dict())
        assert other.state_dict() == scaler.state_dict()
        assert other.get_scale() == 3.0 and other.get_growth_interval() == 5
        again = pickle.loads(pickle.dumps(scaler))
        assert again.state_dict() == scaler.state_dict()
        with pytest.raises(AssertionError):
            scaler.update(new_scale=lib.tensor([1.0, 2.0]))


def test_disabled_scaler_is_a_pass_through() -> None:
    w = mg.tensor([1.0], requires_grad=True)
    opt = optim.SGD([w], lr=1.0)
    scaler = mg.amp.GradScaler("cpu", enabled=False)
    loss = (w * 2).sum()
    assert scaler.scale(loss) is loss
    loss.backward()
    scaler.unscale_(opt)
    scaler.step(opt)
    scaler.update()
    assert w.tolist() == [-1.0] and scaler.get_scale() == 1.0 and scaler.state_dict() == {}
    assert not scaler.is_enabled()
    scaler.load_state_dict({})


def test_cuda_scalers_warn_and_disable_themselves_as_pytorch(torch) -> None:  # noqa: ANN001
    import minigrad.cuda.amp

    for lib in (mg, torch):
        with pytest.warns(UserWarning, match="CUDA is not available.  Disabling"):
            assert not lib.amp.GradScaler().is_enabled()
        with pytest.warns(FutureWarning, match=r"torch.cuda.amp.GradScaler\(args...\)` is "
                          "deprecated"), pytest.warns(UserWarning, match="Disabling"):
            assert not lib.cuda.amp.GradScaler().is_enabled()
        with pytest.warns(FutureWarning, match=r"torch.cpu.amp.GradScaler\(args...\)` is "
                          "deprecated"):
            assert lib.cpu.amp.GradScaler().is_enabled()
    assert minigrad.cuda.amp is mg.cuda.amp and mg.cuda.amp.amp_definitely_not_available()


def _stepped(lib):  # noqa: ANN001, ANN202
    w = lib.tensor([1.0], requires_grad=True)
    opt = lib.optim.SGD([w], lr=1.0)
    scaler = lib.amp.GradScaler("cpu")
    scaler.scale((w * 2).sum()).backward()
    return scaler, opt, w


ORDER_ERRORS = [
    ("unscale twice", lambda s, o: (s.unscale_(o), s.unscale_(o)), RuntimeError,
     r"unscale_\(\) has already been called on this optimizer since the last update"),
    ("unscale after step", lambda s, o: (s.step(o), s.unscale_(o)), RuntimeError,
     r"unscale_\(\) is being called after step\(\)"),
    ("step twice", lambda s, o: (s.step(o), s.step(o)), RuntimeError,
     r"step\(\) has already been called since the last update"),
    ("closure", lambda s, o: s.step(o, closure=lambda: 0), RuntimeError,
     "Closure use is not currently supported"),
    ("update before step", lambda s, o: s.update(), AssertionError,
     "No inf checks were recorded prior to update"),
]


@pytest.mark.parametrize("case", ORDER_ERRORS, ids=[c[0] for c in ORDER_ERRORS])
def test_out_of_order_calls_raise_as_pytorch(torch, case: tuple) -> None:  # noqa: ANN001
    _, call, kind, match = case
    for lib in (mg, torch):
        scaler, opt, _ = _stepped(lib)
        with pytest.raises(kind, match=match):
            call(scaler, opt)


def test_more_bad_calls_raise_as_pytorch(torch) -> None:  # noqa: ANN001
    for lib in (mg, torch):
        with pytest.raises(AssertionError, match="The growth factor must be > 1.0"):
            lib.amp.GradScaler("cpu", growth_factor=1.0)
        with pytest.raises(AssertionError, match="The backoff factor must be < 1.0"):
            lib.amp.GradScaler("cpu", backoff_factor=1.0)
        scaler = lib.amp.GradScaler("cpu")
        with pytest.raises(AssertionError, match="Attempted step but _scale is None"):
            scaler.step(lib.optim.SGD([lib.ones(1, requires_grad=True)], lr=1.0))
        with pytest.raises(RuntimeError, match="The source state dict is empty"):
            scaler.load_state_dict({})
        w = lib.ones(2, dtype=lib.float16, requires_grad=True)
        opt = lib.optim.SGD([w], lr=1.0)
        scaler.scale(w.sum()).backward()
        with pytest.raises(ValueError, match="Attempting to unscale FP16 gradients"):
            scaler.unscale_(opt)


def test_no_gradients_is_an_assertion_as_pytorch(torch) -> None:  # noqa: ANN001
    for lib in (mg, torch):
        scaler = lib.amp.GradScaler("cpu")
        scaler.scale(lib.ones(1))
        with pytest.raises(AssertionError, match="No inf checks were recorded for this"):
            scaler.step(lib.optim.SGD([lib.ones(1, requires_grad=True)], lr=1.0))


# ------------------------------------------------------------------ autocast
def test_disabled_autocast_is_a_no_op(torch) -> None:  # noqa: ANN001
    x = np.ones((2, 3), np.float32)
    for lib in (mg, torch):
        a, w = lib.tensor(x), lib.tensor(x.T.copy())
        for ctx in (lib.autocast("cpu", enabled=False), lib.amp.autocast("cpu", enabled=False),
                    lib.autocast("cpu", dtype=lib.float16, enabled=False)):
            with ctx:
                assert not lib.is_autocast_enabled("cpu")
                assert (a @ w).dtype == lib.float32
        with pytest.warns(UserWarning, match="CUDA is not available or torch_xla is "
                          "imported. Disabling autocast"):
            ctx = lib.autocast("cuda")
        with ctx:
            assert not lib.is_autocast_enabled() and not lib.is_autocast_enabled("cuda")
        with pytest.warns(UserWarning, match="In CPU autocast, but the target dtype is not "
                          "supported. Disabling autocast"):
            ctx = lib.autocast("cpu", dtype=lib.float32)
        with ctx:
            assert not lib.is_autocast_enabled("cpu")
        with pytest.warns(FutureWarning, match=r"torch.cuda.amp.autocast\(args...\)` is "
                          "deprecated"), pytest.warns(UserWarning, match="Disabling"):
            lib.cuda.amp.autocast()
        assert lib.get_autocast_dtype("cuda") == lib.float16


def test_autocast_as_a_decorator_and_bad_calls(torch) -> None:  # noqa: ANN001
    for lib in (mg, torch):
        @lib.autocast("cpu", enabled=False)
        def f(x, lib=lib):  # noqa: ANN001, ANN202
            return x * 2, lib.is_autocast_enabled("cpu")

        assert f(3) == (6, False)
        with pytest.raises(ValueError, match="Expected `device_type` of type `str`"):
            lib.autocast(lib.device("cpu"))
        with pytest.raises(RuntimeError, match="Expected one of cpu, cuda"):
            lib.autocast("foo")
        with pytest.raises(TypeError, match="requires a callable"):
            lib.autocast("cpu", enabled=False)(3)


def test_enabled_cpu_autocast_is_refused_by_name() -> None:
    """bfloat16 (PyTorch's default CPU dtype, torch.cpu.amp's too) does not exist in numpy;
    float16 autocast is not implemented (docs/amp.md)."""
    with pytest.raises(TypeError, match="autocast: minigrad has no bfloat16"):
        mg.autocast("cpu")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        with pytest.raises(TypeError, match="autocast: minigrad has no bfloat16"):
            mg.cpu.amp.autocast()
    with pytest.raises(NotImplementedError, match=r"autocast: running ops in float16 "
                       r"\(enabled=True\) is not supported"):
        mg.autocast("cpu", dtype=mg.float16)
    with pytest.raises(TypeError, match="get_autocast_dtype: minigrad has no bfloat16"):
        mg.get_autocast_dtype("cpu")


def test_import_minigrad_does_not_import_amp() -> None:
    import subprocess
    import sys

    code = ("import sys, minigrad; assert 'minigrad.amp' not in sys.modules; "
            "minigrad.autocast; assert 'minigrad.amp' in sys.modules; "
            "import minigrad.cuda.amp, minigrad.cpu.amp")
    subprocess.run([sys.executable, "-c", code], check=True)
