"""Optimizers: torch.optim parity step by step, param groups, dtype, exact resume."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn, optim

CONFIGS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.5, dampening=0.3, weight_decay=0.1)),
    ("Adagrad", dict()),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.1, initial_accumulator_value=0.5)),
    ("RMSprop", dict()),
    ("RMSprop", dict(lr=0.01, momentum=0.9, centered=True, weight_decay=0.1)),
    ("Adam", dict()),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.9), weight_decay=0.1, amsgrad=True)),
    ("AdamW", dict()),
    ("AdamW", dict(lr=0.01, weight_decay=0.5, amsgrad=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, eps=1e-4, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.02, alpha=0.7, eps=1e-3, momentum=0.5)),
    ("SGD", dict(lr=0.1, momentum=0.9, maximize=True)),
    ("Adam", dict(lr=0.01, maximize=True, weight_decay=0.01)),
]


def _grads(step: int, shapes: list[tuple]) -> list[np.ndarray]:
    rng = np.random.default_rng(step)
    return [rng.standard_normal(s) for s in shapes]


@pytest.mark.parametrize("name,kwargs", CONFIGS, ids=[f"{n}-{i}" for i, (n, _) in
                                                      enumerate(CONFIGS)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_steps_match_torch_optim(name: str, kwargs: dict, dtype: type) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    shapes = [(3, 4), (4,)]
    init = [rng.standard_normal(s).astype(dtype) for s in shapes]
    ours = [nn.Parameter(mg.tensor(a)) for a in init]
    theirs = [torch.tensor(a, requires_grad=True) for a in init]
    opt = getattr(optim, name)(ours, **kwargs)
    topt = getattr(torch.optim, name)(theirs, **kwargs)
    for step in range(6):
        for p, tp, g in zip(ours, theirs, _grads(step, shapes)):
            p.grad = mg.tensor(g.astype(dtype))
            tp.grad = torch.tensor(g.astype(dtype))
        opt.step()
        topt.step()
    tol = 1e-6 if dtype == np.float32 else 1e-12
    for p, tp in zip(ours, theirs):
        assert p.dtype == dtype
        np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=tol, atol=tol)


def test_defaults_match_torch() -> None:
    torch = pytest.importorskip("torch")
    p = [nn.Parameter(mg.zeros(2))]
    tp = [torch.zeros(2, requires_grad=True)]
    for name in ("SGD", "Adagrad", "RMSprop", "Adam", "AdamW", "Adadelta"):
        ours = getattr(optim, name)(p).defaults
        theirs = getattr(torch.optim, name)(tp).defaults
        for key, value in ours.items():
            assert theirs[key] == value, (name, key)


def test_param_groups_have_their_own_lr() -> None:
    a, b = nn.Parameter(mg.ones(2)), nn.Parameter(mg.ones(2))
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)
    a.grad, b.grad = mg.ones(2), mg.ones(2)
    opt.step()
    np.testing.assert_allclose(a.data, 0.9)
    np.testing.assert_allclose(b.data, 0.5)
    assert opt.param_groups[0]["lr"] == 0.1 and opt.param_groups[1]["lr"] == 0.5
    with pytest.raises(ValueError, match="more than one parameter group"):
        optim.SGD([{"params": [a]}, {"params": [a]}], lr=0.1)


def test_step_skips_params_without_grad_and_updates_in_place() -> None:
    model = nn.Linear(3, 2)
    weight = model.weight._data
    opt = optim.Adam(model.parameters(), lr=0.1)
    model.weight.grad = mg.ones(2, 3)
    before = model.bias._data.copy()
    opt.step()
    assert model.weight._data is weight
    np.testing.assert_array_equal(model.bias.data, before)


def test_zero_grad_sets_to_none_or_zero() -> None:
    p = nn.Parameter(mg.ones(2))
    opt = optim.SGD([p], lr=0.1)
    p.grad = mg.ones(2)
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(p.grad.data, 0)
    opt.zero_grad()
    assert p.grad is None


def test_training_step_reduces_the_loss() -> None:
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    opt = optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    x, y = mg.randn(16, 4), mg.randint(0, 3, (16,))
    losses = []
    for _ in range(20):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0] * 0.5


@pytest.mark.parametrize("name", ["SGD", "Adagrad", "RMSprop", "Adam", "AdamW"])
def test_state_dict_through_a_checkpoint_resumes_exactly(name: str, tmp_path) -> None:  # noqa: ANN001
    kwargs = {"lr": 0.1, "momentum": 0.9} if name in ("SGD", "RMSprop") else {"lr": 0.1}

    def make() -> tuple[nn.Module, optim.Optimizer]:
        mg.manual_seed(0)
        model = nn.Linear(3, 2)
        groups = [{"params": [model.weight]}, {"params": [model.bias], "lr": 0.01}]
        return model, getattr(optim, name)(groups, **kwargs)

    def train(model: nn.Module, opt: optim.Optimizer, steps: range) -> None:
        for step in steps:
            for p, g in zip(model.parameters(), _grads(step, [(2, 3), (2,)])):
                p.grad = mg.tensor(g.astype(np.float32))
            opt.step()

    model, opt = make()
    train(model, opt, range(6))

    model2, opt2 = make()
    train(model2, opt2, range(3))
    mg.save({"model": model2.state_dict(), "optim": opt2.state_dict()}, tmp_path / "ck.npz")
    model3, opt3 = make()
    ck = mg.load(tmp_path / "ck.npz")
    model3.load_state_dict(ck["model"])
    opt3.load_state_dict(ck["optim"])
    assert opt3.param_groups[1]["lr"] == 0.01
    train(model3, opt3, range(3, 6))
    for p, q in zip(model.parameters(), model3.parameters()):
        np.testing.assert_array_equal(p.data, q.data)
        assert q.dtype == np.float32


def test_state_dict_layout_is_torchs() -> None:
    p = nn.Parameter(mg.ones(2))
    opt = optim.Adam([p])
    p.grad = mg.ones(2)
    opt.step()
    sd = opt.state_dict()
    assert list(sd) == ["state", "param_groups"]
    assert sorted(sd["state"][0]) == ["exp_avg", "exp_avg_sq", "step"]
    assert sd["param_groups"][0]["params"] == [0] and sd["param_groups"][0]["lr"] == 1e-3
    sd["state"][0]["exp_avg"].data[...] = 99  # a copy: the optimizer is not affected
    assert opt.state[p]["exp_avg"][0] != 99


def test_load_state_dict_rejects_a_different_layout() -> None:
    a = optim.SGD([nn.Parameter(mg.ones(2))], lr=0.1)
    b = optim.SGD([nn.Parameter(mg.ones(2)), nn.Parameter(mg.ones(2))], lr=0.1)
    with pytest.raises(ValueError, match="parameter group 0 has 1 parameters"):
        b.load_state_dict(a.state_dict())


def test_bad_arguments_are_explained() -> None:
    p = [nn.Parameter(mg.ones(2))]
    with pytest.raises(ValueError, match="learning rate"):
        optim.SGD(p, lr=-1)
    with pytest.raises(ValueError, match="Nesterov"):
        optim.SGD(p, lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="betas"):
        optim.Adam(p, betas=(1.0, 0.9))
    with pytest.raises(TypeError, match="single Tensor"):
        optim.SGD(p[0], lr=0.1)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.Adam([])


def test_param_groups_are_torchs_dicts_and_lr_changes_take_effect() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    init = [rng.standard_normal((3,)) for _ in range(3)]
    ours = [nn.Parameter(mg.tensor(a)) for a in init]
    theirs = [torch.tensor(a, requires_grad=True) for a in init]
    opt = optim.SGD([{"params": ours[:1]}, {"params": ours[1:2], "lr": 0.5}], lr=0.1,
                    momentum=0.9)
    topt = torch.optim.SGD([{"params": theirs[:1]}, {"params": theirs[1:2], "lr": 0.5}],
                           lr=0.1, momentum=0.9)
    opt.add_param_group({"params": [ours[2]], "momentum": 0.0})
    topt.add_param_group({"params": [theirs[2]], "momentum": 0.0})
    assert isinstance(opt.param_groups, list) and all(isinstance(g, dict)
                                                      for g in opt.param_groups)
    for step in range(5):
        if step == 2:
            for g, tg in zip(opt.param_groups, topt.param_groups):
                g["lr"] *= 0.1
                tg["lr"] *= 0.1
        for p, tp in zip(ours, theirs):
            g = rng.standard_normal(3)
            p.grad, tp.grad = mg.tensor(g), torch.tensor(g)
        opt.step()
        topt.step()
    for p, tp in zip(ours, theirs):
        np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=1e-12)
    for g, tg in zip(opt.param_groups, topt.param_groups):
        assert {k: v for k, v in g.items() if k != "params"} == {
            k: v for k, v in tg.items() if k not in ("params", "foreach", "differentiable",
                                                     "fused")}


def test_state_is_keyed_by_the_parameter_as_in_pytorch():
    torch = pytest.importorskip("torch")
    start = np.array([[0.5, -1.0], [2.0, 0.25]], dtype=np.float32)
    ours = mg.tensor(start.copy(), requires_grad=True)
    theirs = torch.tensor(start.copy(), requires_grad=True)
    opt_m = optim.Adam([ours], lr=0.1)
    opt_t = torch.optim.Adam([theirs], lr=0.1)
    for _ in range(2):
        (ours * ours).sum().backward()
        (theirs * theirs).sum().backward()
        opt_m.step()
        opt_t.step()
    for key in ("exp_avg", "exp_avg_sq"):
        np.testing.assert_allclose(np.asarray(opt_m.state[ours][key]),
                                   opt_t.state[theirs][key].numpy(), rtol=1e-6)
    assert list(opt_m.state) == [ours]


ZERO_D_CONFIGS = CONFIGS + [
    ("SGD", dict(lr=0.1, weight_decay=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9, weight_decay=0.1)),
    ("SGD", dict(lr=0.1, weight_decay=0.1, maximize=True)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1, maximize=True)),
    ("Adam", dict(lr=0.01, amsgrad=True, maximize=True)),
    ("AdamW", dict(lr=0.01, maximize=True)),
    ("RMSprop", dict(lr=0.01, centered=True, maximize=True, weight_decay=0.1)),
    ("Adagrad", dict(maximize=True, weight_decay=0.1)),
    ("Adadelta", dict(maximize=True, weight_decay=0.1)),
]


@pytest.mark.parametrize("name,kwargs", ZERO_D_CONFIGS,
                         ids=[f"{n}-{i}" for i, (n, _) in enumerate(ZERO_D_CONFIGS)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_0d_parameters_from_a_generator_follow_torchs_trajectory(name: str, kwargs: dict,
                                                                  dtype: type) -> None:
    """A 0-d parameter (a learned scale or temperature) beside an ordinary one, handed over
    as a generator as ``model.parameters()`` is: every step as PyTorch's, state included."""
    torch = pytest.importorskip("torch")
    shapes = [(), (3,)]
    init = [np.asarray(np.random.default_rng(i).standard_normal(s), dtype)
            for i, s in enumerate(shapes)]
    ours = [nn.Parameter(mg.tensor(a)) for a in init]
    theirs = [torch.tensor(a, requires_grad=True) for a in init]
    opt = getattr(optim, name)((p for p in ours), **kwargs)
    topt = getattr(torch.optim, name)((p for p in theirs), **kwargs)
    for step in range(5):
        for p, tp, s in zip(ours, theirs, shapes):
            g = np.asarray(np.random.default_rng(10 + step).standard_normal(s), dtype)
            p.grad, tp.grad = mg.tensor(g), torch.tensor(g)
        opt.step()
        topt.step()
    tol = 1e-6 if dtype == np.float32 else 1e-12
    for p, tp in zip(ours, theirs):
        assert p.dtype == dtype and p.shape == tuple(tp.shape)
        np.testing.assert_allclose(p.detach().numpy(), tp.detach().numpy(), rtol=tol, atol=tol)
    for key, value in opt.state[ours[0]].items():  # the 0-d state is kept, as arrays
        if key != "step":
            assert isinstance(value, np.ndarray) and value.shape == ()
            np.testing.assert_allclose(value, topt.state[theirs[0]][key].numpy(), rtol=tol,
                                       atol=tol)


def test_every_optimizer_takes_model_parameters_a_generator() -> None:
    for name in ("SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta"):
        model = nn.Linear(3, 2)
        opt = getattr(optim, name)(model.parameters(), lr=0.1)
        assert [p for g in opt.param_groups for p in g["params"]] == list(model.parameters())
        grouped = getattr(optim, name)([{"params": (p for p in model.parameters())}], lr=0.1)
        assert len(grouped.param_groups[0]["params"]) == 2


def test_optimizer_step_bumps_the_version() -> None:
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    (w * w).sum().backward()
    y = (w * w).sum()
    opt.step()
    with pytest.raises(RuntimeError, match="MulBackward|Mul"):
        y.backward()
