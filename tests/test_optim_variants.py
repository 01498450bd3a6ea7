"""NAdam, RAdam and Adamax: every parameter and every state tensor against torch.optim at every
step, their signatures and defaults, use on a model with a scheduler, state dicts (resumed,
and ported from and to PyTorch), and their refusals of bad hyperparameters."""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn, optim
from minigrad.optim.lr_scheduler import StepLR

NAMES = ("NAdam", "RAdam", "Adamax")
STATE_KEYS = {"NAdam": ["exp_avg", "exp_avg_sq", "mu_product", "step"],
              "RAdam": ["exp_avg", "exp_avg_sq", "step"],
              "Adamax": ["exp_avg", "exp_inf", "step"]}

# (name, kwargs, second group's own hyperparameters or None for one group)
CONFIGS: list[tuple[str, dict, dict | None]] = [
    ("NAdam", {}, None),
    ("NAdam", dict(lr=0.01, weight_decay=0.1), None),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True), None),
    ("NAdam", dict(lr=0.02, betas=(0.8, 0.95), momentum_decay=0.05, maximize=True), None),
    ("NAdam", dict(lr=0.01, eps=1e-3, weight_decay=0.05, maximize=True), {"lr": 0.1}),
    ("NAdam", dict(lr=0.01, weight_decay=0.2, decoupled_weight_decay=True),
     {"lr": 0.003, "betas": (0.5, 0.9), "momentum_decay": 0.0}),
    ("RAdam", {}, None),  # default betas: rho_t passes 5 at step 6, rectified after
    ("RAdam", dict(lr=0.01, weight_decay=0.1), None),
    ("RAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True), None),
    ("RAdam", dict(lr=0.02, betas=(0.8, 0.9), maximize=True), {"lr": 0.2}),
    ("RAdam", dict(lr=0.01, betas=(0.9, 0.6)), None),  # rho_inf = 4: never rectified
    ("RAdam", dict(lr=0.01, eps=1e-2, weight_decay=0.3, decoupled_weight_decay=True,
                   maximize=True), {"lr": 0.05, "weight_decay": 0.0}),
    ("Adamax", {}, None),
    ("Adamax", dict(lr=0.01, weight_decay=0.1), None),
    ("Adamax", dict(lr=0.05, betas=(0.7, 0.9), eps=1e-3, maximize=True), None),
    ("Adamax", dict(lr=0.01, weight_decay=0.05, maximize=True), {"lr": 0.1, "betas": (0.5, 0.99)}),
]
SHAPES = [(3, 4), (), (5,)]  # a 0-d parameter too (a learned scale)
STEPS = 30


def _tol(dtype: type) -> dict[str, float]:
    # float64: rounding only (PyTorch's lerp uses a fused multiply-add); float32: its round-off
    return dict(rtol=1e-10, atol=1e-12) if dtype == np.float64 else dict(rtol=1e-5, atol=1e-7)


def _grads(step: int, dtype: type) -> list[np.ndarray]:
    rng = np.random.default_rng(100 + step)
    return [np.asarray(rng.standard_normal(s), dtype) for s in SHAPES]


def _groups(params: list[Any], second: dict | None) -> list[Any]:
    if second is None:
        return list(params)
    return [{"params": params[:2]}, {"params": params[2:], **second}]


def _rho_t(step: int, beta2: float) -> float:
    rho_inf = 2 / (1 - beta2) - 1
    return rho_inf - 2 * step * beta2**step / (1 - beta2**step)


def _assert_state_equal(opt: optim.Optimizer, ours: list, topt: Any, theirs: list,
                        tol: dict[str, float], name: str) -> None:
    for p, tp in zip(ours, theirs):
        state, tstate = opt.state[p], topt.state[tp]
        assert sorted(state) == sorted(tstate) == STATE_KEYS[name]
        for key, value in state.items():
            expected = tstate[key].numpy()
            if key in ("step", "mu_product"):  # numbers in minigrad, 0-d tensors in PyTorch
                assert isinstance(value, (int, float))
                np.testing.assert_allclose(value, expected, rtol=1e-12 if key == "mu_product"
                                           else 0, err_msg=key)
            else:
                assert isinstance(value, np.ndarray) and value.dtype == p.dtype
                assert value.shape == p.shape
                np.testing.assert_allclose(value, expected, **tol, err_msg=key)


@pytest.mark.parametrize("name,kwargs,second", CONFIGS,
                         ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(CONFIGS)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_every_step_and_state_match_torch(name: str, kwargs: dict, second: dict | None,
                                          dtype: type) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    init = [np.asarray(rng.standard_normal(s), dtype) for s in SHAPES]
    ours = [nn.Parameter(mg.tensor(a)) for a in init]
    theirs = [torch.tensor(a, requires_grad=True) for a in init]
    opt = getattr(optim, name)(_groups(ours, second), **kwargs)
    topt = getattr(torch.optim, name)(_groups(theirs, second), **kwargs)
    tol = _tol(dtype)
    for step in range(STEPS):
        for p, tp, g in zip(ours, theirs, _grads(step, dtype)):
            p.grad, tp.grad = mg.tensor(g), torch.tensor(g)
        opt.step()
        topt.step()
        for p, tp in zip(ours, theirs):
            assert p.dtype == dtype and p.shape == tuple(tp.shape)
            np.testing.assert_allclose(p.detach().numpy(), tp.detach().numpy(), **tol,
                                       err_msg=f"step {step + 1}")
    _assert_state_equal(opt, ours, topt, theirs, tol, name)
    for g, tg in zip(opt.param_groups, topt.param_groups):
        assert {k: v for k, v in g.items() if k != "params"} == {
            k: v for k, v in tg.items()
            if k not in ("params", "foreach", "capturable", "differentiable")}


def test_radam_crosses_the_rectification_threshold_in_the_parity_runs() -> None:
    """The default betas switch to rectified steps inside the compared steps; betas
    (0.9, 0.6) never do, so both of torch's branches are checked."""
    crossed = [t for t in range(1, STEPS + 1) if _rho_t(t, 0.999) > 5]
    assert crossed and 1 < crossed[0] < STEPS and crossed[0] == 6
    assert all(_rho_t(t, 0.6) <= 5 for t in range(1, STEPS + 1))


@pytest.mark.parametrize("name", NAMES)
def test_signature_and_defaults_are_torchs(name: str) -> None:
    torch = pytest.importorskip("torch")
    ours = inspect.signature(getattr(optim, name)).parameters
    theirs = inspect.signature(getattr(torch.optim, name)).parameters
    assert list(ours) == list(theirs)
    for key, param in ours.items():
        assert param.kind == theirs[key].kind, key  # the same keyword-only marker
        assert param.default == theirs[key].default, key
    p, tp = [nn.Parameter(mg.zeros(2))], [torch.zeros(2, requires_grad=True)]
    defaults = getattr(optim, name)(p).defaults
    tdefaults = getattr(torch.optim, name)(tp).defaults
    assert set(tdefaults) - set(defaults) == {"foreach", "capturable", "differentiable"}
    for key, value in defaults.items():
        assert tdefaults[key] == value, key


def test_defaults_without_torch() -> None:
    p = [nn.Parameter(mg.zeros(2))]
    assert optim.NAdam(p).defaults == dict(lr=2e-3, betas=(0.9, 0.999), eps=1e-8,
                                           weight_decay=0, momentum_decay=4e-3,
                                           decoupled_weight_decay=False, maximize=False)
    assert optim.RAdam(p).defaults == dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8,
                                           weight_decay=0, decoupled_weight_decay=False,
                                           maximize=False)
    assert optim.Adamax(p).defaults == dict(lr=2e-3, betas=(0.9, 0.999), eps=1e-8,
                                            weight_decay=0, maximize=False)
    optim.Adamax(p, 0.1, (0.9, 0.99), 1e-8, 0.0, True)  # foreach is positional in Adamax
    with pytest.raises(TypeError):
        optim.NAdam(p, 0.1, (0.9, 0.99), 1e-8, 0.0, 4e-3, False, None)  # not in NAdam


def _mlp_pair(torch: Any) -> tuple[nn.Module, Any]:
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3))
    tmodel = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3))
    tmodel.load_state_dict({k: torch.tensor(v.detach().numpy())
                            for k, v in model.state_dict().items()})
    return model, tmodel


@pytest.mark.parametrize("name", NAMES)
def test_a_training_loop_with_step_lr_follows_torch(name: str) -> None:
    """As programs use them: ``Opt(model.parameters())``, ``zero_grad``, ``backward``,
    ``step`` and a ``StepLR`` that lowers lr every 5 steps."""
    torch = pytest.importorskip("torch")
    model, tmodel = _mlp_pair(torch)
    opt = getattr(optim, name)(model.parameters(), lr=0.05, weight_decay=1e-3)
    topt = getattr(torch.optim, name)(tmodel.parameters(), lr=0.05, weight_decay=1e-3)
    sched = StepLR(opt, step_size=5, gamma=0.5)
    tsched = torch.optim.lr_scheduler.StepLR(topt, step_size=5, gamma=0.5)
    rng = np.random.default_rng(3)
    x = rng.standard_normal((16, 4)).astype(np.float32)
    y = rng.standard_normal((16, 3)).astype(np.float32)
    losses = []
    for _ in range(20):
        opt.zero_grad()
        topt.zero_grad()
        loss = nn.functional.mse_loss(model(mg.tensor(x)), mg.tensor(y))
        tloss = torch.nn.functional.mse_loss(tmodel(torch.tensor(x)), torch.tensor(y))
        loss.backward()
        tloss.backward()
        opt.step()
        topt.step()
        sched.step()
        tsched.step()
        losses.append(loss.item())
        np.testing.assert_allclose(loss.item(), tloss.item(), rtol=1e-5)
        assert opt.param_groups[0]["lr"] == topt.param_groups[0]["lr"]
    assert opt.param_groups[0]["lr"] == 0.05 * 0.5**4
    assert losses[-1] < losses[0]
    for (key, p), (tkey, tp) in zip(model.named_parameters(), tmodel.named_parameters()):
        assert key == tkey
        np.testing.assert_allclose(p.detach().numpy(), tp.detach().numpy(), rtol=1e-4,
                                   atol=1e-6)


@pytest.mark.parametrize("name", NAMES)
def test_training_reduces_the_loss_without_torch(name: str) -> None:
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    opt = getattr(optim, name)(model.parameters(), lr=0.05)
    x, y = mg.randn(16, 4), mg.randint(0, 3, (16,))
    losses = []
    for _ in range(60):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    # RAdam's first steps are small (momentum only, then a rectification that grows slowly)
    assert losses[-1] < losses[0] * 0.7 and all(b <= a * 1.05 for a, b in zip(losses, losses[1:]))
    assert all(p.grad is not None for p in model.parameters())
    opt.zero_grad()
    assert all(p.grad is None for p in model.parameters())


@pytest.mark.parametrize("name", NAMES)
def test_state_dict_through_a_checkpoint_resumes_exactly(name: str, tmp_path) -> None:  # noqa: ANN001
    def make() -> tuple[nn.Module, optim.Optimizer]:
        mg.manual_seed(0)
        model = nn.Linear(3, 2)
        groups = [{"params": [model.weight]}, {"params": [model.bias], "lr": 0.01}]
        return model, getattr(optim, name)(groups, lr=0.1, weight_decay=0.01)

    def train(model: nn.Module, opt: optim.Optimizer, steps: range) -> None:
        for step in steps:
            rng = np.random.default_rng(step)
            for p in model.parameters():
                p.grad = mg.tensor(rng.standard_normal(p.shape).astype(np.float32))
            opt.step()

    model, opt = make()
    train(model, opt, range(10))
    model2, opt2 = make()
    train(model2, opt2, range(4))
    sd = opt2.state_dict()
    assert sorted(sd["state"][0]) == STATE_KEYS[name]
    mg.save({"model": model2.state_dict(), "optim": sd}, tmp_path / "ck.npz")
    model3, opt3 = make()
    ck = mg.load(tmp_path / "ck.npz")
    model3.load_state_dict(ck["model"])
    opt3.load_state_dict(ck["optim"])
    assert opt3.param_groups[1]["lr"] == 0.01
    train(model3, opt3, range(4, 10))
    for p, q in zip(model.parameters(), model3.parameters()):
        np.testing.assert_array_equal(p.data, q.data)
        assert q.dtype == np.float32
    for key in STATE_KEYS[name]:
        np.testing.assert_array_equal(opt.state[model.weight][key],
                                      opt3.state[model3.weight][key])


def _torch_state_as_numpy(sd: dict) -> dict:
    return {"state": {i: {k: v.detach().numpy().copy() for k, v in s.items()}
                      for i, s in sd["state"].items()},
            "param_groups": [dict(g) for g in sd["param_groups"]]}


def _minigrad_state_as_torch(torch: Any, sd: dict) -> dict:
    return {"state": {i: {k: torch.tensor(v.numpy()) if isinstance(v, mg.Tensor) else v
                          for k, v in s.items()} for i, s in sd["state"].items()},
            "param_groups": [dict(g) for g in sd["param_groups"]]}


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("direction", ["torch_to_minigrad", "minigrad_to_torch"])
def test_state_dicts_port_between_torch_and_minigrad(name: str, direction: str) -> None:
    """Three steps in one library, the state dict (converted between numpy arrays and torch
    tensors) loaded into the other, three more steps there: the same as six steps in
    PyTorch."""
    torch = pytest.importorskip("torch")
    kwargs = dict(lr=0.05, weight_decay=0.01)
    rng = np.random.default_rng(5)
    init = [rng.standard_normal(s) for s in SHAPES]
    ref = [torch.tensor(a, requires_grad=True) for a in init]
    ref_opt = getattr(torch.optim, name)([{"params": ref[:2]}, {"params": ref[2:], "lr": 0.1}],
                                         **kwargs)
    first = [torch.tensor(a, requires_grad=True) for a in init]
    first_opt = getattr(torch.optim, name)([{"params": first[:2]},
                                            {"params": first[2:], "lr": 0.1}], **kwargs)
    if direction == "minigrad_to_torch":
        first = [nn.Parameter(mg.tensor(a)) for a in init]
        first_opt = getattr(optim, name)([{"params": first[:2]},
                                          {"params": first[2:], "lr": 0.1}], **kwargs)
    for step in range(3):
        for p, tp, g in zip(first, ref, _grads(step, np.float64)):
            p.grad = mg.tensor(g) if isinstance(p, mg.Tensor) else torch.tensor(g)
            tp.grad = torch.tensor(g)
        first_opt.step()
        ref_opt.step()
    if direction == "torch_to_minigrad":
        second = [nn.Parameter(mg.tensor(p.detach().numpy().copy())) for p in first]
        second_opt = getattr(optim, name)([{"params": second[:2]}, {"params": second[2:]}])
        second_opt.load_state_dict(_torch_state_as_numpy(first_opt.state_dict()))
        assert second_opt.param_groups[1]["lr"] == 0.1
        assert second_opt.param_groups[0]["weight_decay"] == 0.01
    else:
        second = [torch.tensor(p.detach().numpy().copy(), requires_grad=True) for p in first]
        second_opt = getattr(torch.optim, name)([{"params": second[:2]},
                                                 {"params": second[2:]}])
        second_opt.load_state_dict(_minigrad_state_as_torch(torch, first_opt.state_dict()))
    for step in range(3, 6):
        for p, tp, g in zip(second, ref, _grads(step, np.float64)):
            p.grad = mg.tensor(g) if isinstance(p, mg.Tensor) else torch.tensor(g)
            tp.grad = torch.tensor(g)
        second_opt.step()
        ref_opt.step()
    for p, tp in zip(second, ref):
        np.testing.assert_allclose(p.detach().numpy(), tp.detach().numpy(), rtol=1e-10,
                                   atol=1e-12)
    if direction == "torch_to_minigrad":
        _assert_state_equal(second_opt, second, ref_opt, ref, _tol(np.float64), name)


BAD = [
    (dict(lr=-0.1), "lr=-0.1"),
    (dict(eps=-1e-8), "eps value -1e-08"),
    (dict(betas=(1.0, 0.999)), r"betas\[0\] value 1.0"),
    (dict(betas=(-0.1, 0.999)), r"betas\[0\] value -0.1"),
    (dict(betas=(0.9, 1.0)), r"betas\[1\] value 1.0"),
    (dict(weight_decay=-0.01), "weight_decay value -0.01"),
]
BAD_CASES = [(name, kwargs, match) for name in NAMES for kwargs, match in BAD] + [
    ("NAdam", dict(momentum_decay=-1.0), "momentum_decay value -1.0")]
BAD_IDS = [f"{name}-{next(iter(kwargs))}-{i}" for i, (name, kwargs, _) in enumerate(BAD_CASES)]


@pytest.mark.parametrize("name,kwargs,match", BAD_CASES, ids=BAD_IDS)
def test_bad_hyperparameters_raise_value_error_naming_them(name: str, kwargs: dict,
                                                            match: str) -> None:
    with pytest.raises(ValueError, match=f"^{name}: invalid .*{match}"):
        getattr(optim, name)([nn.Parameter(mg.ones(2))], **kwargs)


@pytest.mark.parametrize("name,kwargs,match", BAD_CASES, ids=BAD_IDS)
def test_torch_refuses_the_same_hyperparameters(name: str, kwargs: dict, match: str) -> None:
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError):
        getattr(torch.optim, name)([torch.ones(2, requires_grad=True)], **kwargs)


@pytest.mark.parametrize("name", NAMES)
def test_flags_pytorch_needs_and_minigrad_does_not(name: str) -> None:
    p = [nn.Parameter(mg.ones(2))]
    for foreach in (None, True, False):  # a speed choice with the same result: ignored
        getattr(optim, name)(p, foreach=foreach)
    for flag in ("capturable", "differentiable"):
        getattr(optim, name)(p, **{flag: False})
        with pytest.raises(NotImplementedError, match=f"{name}: {flag}=True"):
            getattr(optim, name)(p, **{flag: True})
    with pytest.raises(TypeError, match="lr must be a number"):
        getattr(optim, name)(p, lr="a")
    with pytest.raises(TypeError, match="betas must be a number"):
        getattr(optim, name)(p, betas=(0.9, None))
    with pytest.raises(ValueError, match="learning rate"):
        getattr(optim, name)(p).add_param_group({"params": [nn.Parameter(mg.ones(1))],
                                                 "lr": -1.0})


@pytest.mark.parametrize("name", NAMES)
def test_step_skips_params_without_grad_and_updates_in_place(name: str) -> None:
    model = nn.Linear(3, 2)
    weight = model.weight._data
    opt = getattr(optim, name)(model.parameters(), lr=0.1)
    model.weight.grad = mg.ones(2, 3)
    before, weight_before = model.bias._data.copy(), weight.copy()
    opt.step()
    assert model.weight._data is weight
    assert np.all(model.weight.data < weight_before)  # a positive gradient: every weight falls
    np.testing.assert_array_equal(model.bias.data, before)
    assert model.bias not in opt.state


def test_the_three_are_exported() -> None:
    for name in NAMES:
        assert name in optim.__all__
        assert issubclass(getattr(optim, name), optim.Optimizer)
