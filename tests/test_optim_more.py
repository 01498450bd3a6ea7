"""ASGD, Rprop, LBFGS and optim.swa_utils against torch.optim: the same model, data and
hyperparameters give the same parameters (float64, 1e-10) and the same state-dict layout;
AveragedModel, SWALR and update_bn give PyTorch's numbers; bad arguments are refused."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn, optim
from minigrad.optim import swa_utils

TOL64 = dict(rtol=1e-10, atol=1e-12)
TOL32 = dict(rtol=2e-5, atol=1e-6)


def _tol(dtype: str) -> dict[str, float]:
    return TOL64 if dtype == "float64" else TOL32


# ---------------------------------------------------------------------- the shared problem
def _model(mod: Any, dtype: str) -> Any:
    """A small MLP with fixed weights (a 0-d parameter too)."""
    rng = np.random.default_rng(0)
    shapes = [(3, 5), (5,), (5, 2), ()]
    dt = getattr(mod, dtype)
    return [mod.tensor(rng.standard_normal(s), dtype=dt, requires_grad=True) for s in shapes]


def _loss(mod: Any, params: list, x: Any, y: Any, sign: float = 1.0) -> Any:
    w1, b1, w2, s = params
    out = ((x @ w1 + b1).tanh() @ w2) * s
    return ((out - y) ** 2).mean() * sign


def _data(mod: Any, dtype: str, step: int) -> tuple[Any, Any]:
    rng = np.random.default_rng(10 + step)
    dt = getattr(mod, dtype)
    return (mod.tensor(rng.standard_normal((8, 3)), dtype=dt),
            mod.tensor(rng.standard_normal((8, 2)), dtype=dt))


def _train(mod: Any, cls: Any, kwargs: dict, dtype: str, steps: int = 25,
           groups: dict | None = None) -> tuple[list, Any]:
    params = _model(mod, dtype)
    spec = params if groups is None else [{"params": params[:2]},
                                          {"params": params[2:], **groups}]
    opt = cls(spec, **kwargs)
    for step in range(steps):
        x, y = _data(mod, dtype, step)
        opt.zero_grad()
        # the sign flips now and then, so Rprop's step sizes grow and shrink
        _loss(mod, params, x, y, -1.0 if step % 7 == 3 else 1.0).backward()
        opt.step()
    return params, opt


def _state_layout(opt: Any) -> dict:
    """Each state entry's key, shape and dtype name, per parameter index."""
    sd = opt.state_dict()
    return {i: [(k, tuple(v.shape), str(v.dtype).replace("torch.", ""))
                for k, v in s.items()] for i, s in sd["state"].items()}


FIRST_ORDER = [
    ("ASGD", {}),
    ("ASGD", dict(lr=0.05, lambd=1e-3, alpha=0.6, t0=5)),  # averaging from step 5
    ("ASGD", dict(lr=0.05, t0=3, weight_decay=0.1, maximize=True)),
    ("ASGD", dict(lr=0.02, t0=0, foreach=False)),
    ("Rprop", {}),
    ("Rprop", dict(lr=0.05, etas=(0.3, 1.7), step_sizes=(1e-3, 0.1))),
    ("Rprop", dict(lr=0.05, maximize=True, foreach=False)),
]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(("name", "kwargs"), FIRST_ORDER)
def test_first_order_matches_pytorch(torch: Any, name: str, kwargs: dict, dtype: str) -> None:
    ours, opt = _train(mg, getattr(optim, name), kwargs, dtype)
    theirs, topt = _train(torch, getattr(torch.optim, name), kwargs, dtype)
    for p, tp in zip(ours, theirs):
        assert p.dtype == np.dtype(dtype)
        np.testing.assert_allclose(p.detach().numpy(), tp.detach().numpy(), **_tol(dtype))
    assert _state_layout(opt) == _state_layout(topt)
    for i, state in opt.state_dict()["state"].items():
        for key, value in state.items():
            np.testing.assert_allclose(value.numpy(), topt.state_dict()["state"][i][key].numpy(),
                                       **_tol(dtype), err_msg=key)
    assert set(opt.param_groups[0]) == set(topt.param_groups[0])


@pytest.mark.parametrize("name", ["ASGD", "Rprop"])
def test_param_groups_of_their_own(torch: Any, name: str) -> None:
    second = {"lr": 0.2} if name == "ASGD" else {"lr": 0.3, "etas": (0.4, 1.5)}
    ours, _ = _train(mg, getattr(optim, name), {"lr": 0.03}, "float64", groups=second)
    theirs, _ = _train(torch, getattr(torch.optim, name), {"lr": 0.03}, "float64",
                       groups=second)
    for p, tp in zip(ours, theirs):
        np.testing.assert_allclose(p.detach().numpy(), tp.detach().numpy(), **TOL64)


@pytest.mark.parametrize("name", ["ASGD", "Rprop"])
def test_state_dict_resumes_exactly(name: str) -> None:
    kwargs = dict(lr=0.05, t0=3) if name == "ASGD" else dict(lr=0.05)
    full, _ = _train(mg, getattr(optim, name), kwargs, "float64", steps=12)
    params, opt = _train(mg, getattr(optim, name), kwargs, "float64", steps=6)
    saved = opt.state_dict()
    fresh = getattr(optim, name)(params, **kwargs)
    fresh.load_state_dict(saved)
    assert [k for k in fresh.state[params[0]]] == [k for k in opt.state[params[0]]]
    assert all(v.ndim == 0 for k, v in fresh.state[params[0]].items()
               if k in ("step", "eta", "mu"))
    for step in range(6, 12):
        x, y = _data(mg, "float64", step)
        fresh.zero_grad()
        _loss(mg, params, x, y, -1.0 if step % 7 == 3 else 1.0).backward()
        fresh.step()
    for p, q in zip(params, full):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())


def test_asgd_averages_from_t0(torch: Any) -> None:
    """``ax`` is the parameter itself until step t0, then the running mean of the iterates."""
    params, opt = _train(mg, optim.ASGD, dict(lr=0.05, t0=4), "float64", steps=10)
    ax = opt.state[params[0]]["ax"]
    assert not np.allclose(ax, params[0].detach().numpy())
    p = mg.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.ASGD([p], lr=0.1, t0=1e6)
    p.grad = mg.tensor([1.0, -1.0])
    opt.step()
    np.testing.assert_array_equal(opt.state[p]["ax"], p.detach().numpy())


# ---------------------------------------------------------------------------------- LBFGS
def _rosenbrock(x: Any) -> Any:
    return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2


def _lbfgs_rosenbrock(mod: Any, kwargs: dict, steps: int) -> tuple[list, list, Any]:
    x = mod.tensor([-1.5, 2.0], dtype=mod.float64, requires_grad=True)
    opt = (mod.optim.LBFGS)([x], **kwargs)

    def closure() -> Any:
        opt.zero_grad()
        loss = _rosenbrock(x)
        loss.backward()
        return loss

    iterates, losses = [], []
    for _ in range(steps):
        losses.append(float(opt.step(closure).detach()))
        iterates.append(x.detach().numpy().copy())
    return iterates, losses, opt


# the last: a short history on Rosenbrock's valley is ill-conditioned, and it turns the
# one-ulp differences of a dot product (numpy's BLAS against PyTorch's) into 1e-9 by the
# sixth step; the path (every evaluation, every line-search decision) is the same
LBFGS_CONFIGS = [
    (dict(line_search_fn=None, lr=0.01), TOL64),
    (dict(line_search_fn=None, lr=0.02, history_size=3, max_iter=7), TOL64),
    (dict(line_search_fn="strong_wolfe"), TOL64),
    (dict(line_search_fn="strong_wolfe", history_size=2, max_iter=3, max_eval=5), TOL64),
    (dict(line_search_fn="strong_wolfe", lr=0.5, tolerance_change=1e-6), TOL64),
    (dict(line_search_fn="strong_wolfe", history_size=4, max_iter=6, max_eval=9),
     dict(rtol=1e-7, atol=1e-9)),
]


@pytest.mark.parametrize(("kwargs", "tol"), LBFGS_CONFIGS)
def test_lbfgs_rosenbrock_iterates_match_pytorch(torch: Any, kwargs: dict, tol: dict) -> None:
    ours, our_losses, opt = _lbfgs_rosenbrock(mg, kwargs, 6)
    theirs, their_losses, topt = _lbfgs_rosenbrock(torch, kwargs, 6)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, **tol)
    np.testing.assert_allclose(our_losses, their_losses, **tol)
    ours_s, theirs_s = opt.state_dict()["state"][0], topt.state_dict()["state"][0]
    assert list(ours_s) == list(theirs_s)
    for key in ("func_evals", "n_iter"):
        assert ours_s[key] == theirs_s[key]
    for key in ("d", "prev_flat_grad", "H_diag"):
        np.testing.assert_allclose(ours_s[key].numpy(), theirs_s[key].numpy(), **tol)
        assert tuple(ours_s[key].shape) == tuple(theirs_s[key].shape)
    assert len(ours_s["old_dirs"]) == len(theirs_s["old_dirs"])
    assert type(ours_s["t"]) is type(theirs_s["t"]) or hasattr(theirs_s["t"], "shape")


def test_lbfgs_strong_wolfe_converges_on_rosenbrock(torch: Any) -> None:
    ours, _, _ = _lbfgs_rosenbrock(mg, dict(line_search_fn="strong_wolfe"), 10)
    np.testing.assert_allclose(ours[-1], [1.0, 1.0], atol=1e-5)


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_lbfgs_mlp_matches_pytorch(torch: Any, line_search_fn: str | None) -> None:
    def run(mod: Any) -> tuple[list, Any]:
        params = _model(mod, "float64")
        opt = mod.optim.LBFGS(params, lr=0.5 if line_search_fn is None else 1,
                              max_iter=8, history_size=5, line_search_fn=line_search_fn)
        for step in range(3):
            x, y = _data(mod, "float64", step)

            def closure(x: Any = x, y: Any = y) -> Any:
                opt.zero_grad()
                loss = _loss(mod, params, x, y)
                loss.backward()
                return loss

            opt.step(closure)
        return params, opt

    ours, opt = run(mg)
    theirs, topt = run(torch)
    for p, tp in zip(ours, theirs):
        np.testing.assert_allclose(p.detach().numpy(), tp.detach().numpy(), **TOL64)
    assert opt.state_dict()["state"][0]["func_evals"] == topt.state_dict()["state"][0][
        "func_evals"]


def test_lbfgs_state_dict_round_trip() -> None:
    """A resumed LBFGS continues exactly: the history survives state_dict/load_state_dict."""
    kwargs = dict(line_search_fn="strong_wolfe", max_iter=3)
    full, _, _ = _lbfgs_rosenbrock(mg, kwargs, 4)
    x = mg.tensor([-1.5, 2.0], dtype=mg.float64, requires_grad=True)
    opt = optim.LBFGS([x], **kwargs)

    def closure() -> Any:
        opt.zero_grad()
        loss = _rosenbrock(x)
        loss.backward()
        return loss

    opt.step(closure)
    opt.step(closure)
    sd = opt.state_dict()
    assert all(isinstance(v, mg.Tensor) for v in sd["state"][0]["old_dirs"])
    fresh = optim.LBFGS([x], **kwargs)
    fresh.load_state_dict(sd)
    opt = fresh
    opt.step(closure)
    opt.step(closure)
    np.testing.assert_array_equal(x.detach().numpy(), full[-1])


def test_lbfgs_stops_at_a_minimum_and_returns_the_first_loss() -> None:
    x = mg.tensor([1.0, 1.0], dtype=mg.float64, requires_grad=True)
    opt = optim.LBFGS([x])

    def closure() -> Any:
        opt.zero_grad()
        loss = _rosenbrock(x)
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert isinstance(loss, mg.Tensor) and float(loss) == 0.0
    assert opt.state[x]["func_evals"] == 1 and "d" not in opt.state[x]


def test_lbfgs_refusals() -> None:
    p = mg.tensor([1.0], requires_grad=True)
    q = mg.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="LBFGS doesn't support per-parameter options"):
        optim.LBFGS([{"params": [p]}, {"params": [q]}])
    with pytest.raises(ValueError, match="LBFGS: invalid learning rate"):
        optim.LBFGS([p], lr=-1)
    with pytest.raises(TypeError, match="LBFGS: max_iter must be a number"):
        optim.LBFGS([p], max_iter="a")
    opt = optim.LBFGS([p], line_search_fn="armijo")

    def closure() -> Any:
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    with pytest.raises(RuntimeError, match="LBFGS: only 'strong_wolfe' is supported"):
        opt.step(closure)
    with pytest.raises(TypeError, match="LBFGS.step: a closure"):
        opt.step(None)
    assert optim.LBFGS([p], max_iter=8).defaults["max_eval"] == 10


def test_lbfgs_defaults_match_pytorch(torch: Any) -> None:
    p = mg.tensor([1.0], requires_grad=True)
    tp = torch.tensor([1.0], requires_grad=True)
    assert optim.LBFGS([p]).defaults == torch.optim.LBFGS([tp]).defaults
    assert optim.ASGD([p]).defaults == torch.optim.ASGD([tp]).defaults
    assert optim.Rprop([p]).defaults == torch.optim.Rprop([tp]).defaults


def test_first_order_refusals() -> None:
    p = mg.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="ASGD: invalid learning rate"):
        optim.ASGD([p], lr=-0.1)
    with pytest.raises(ValueError, match="ASGD: invalid weight_decay value"):
        optim.ASGD([p], weight_decay=-1)
    with pytest.raises(TypeError, match="ASGD: lambd must be a number"):
        optim.ASGD([p], lambd=None)
    with pytest.raises(NotImplementedError, match="ASGD: capturable=True"):
        optim.ASGD([p], capturable=True)
    with pytest.raises(NotImplementedError, match="Rprop: differentiable=True"):
        optim.Rprop([p], differentiable=True)
    with pytest.raises(ValueError, match=r"Rprop: invalid eta values: 1.5, 1.2"):
        optim.Rprop([p], etas=(1.5, 1.2))
    with pytest.raises(ValueError, match="Rprop: invalid learning rate"):
        optim.Rprop([p], lr=-1)
    with pytest.raises(TypeError, match="Rprop: etas must be a number"):
        optim.Rprop([p], etas=("a", 1.2))


# ------------------------------------------------------------------------------ swa_utils
def _net(mod: Any) -> Any:
    m = mod.nn.Sequential(mod.nn.Linear(3, 4), mod.nn.BatchNorm1d(4), mod.nn.ReLU(),
                          mod.nn.Linear(4, 2)).double()
    rng = np.random.default_rng(0)
    with mod.no_grad():
        for p in m.parameters():
            p.copy_(mod.tensor(rng.standard_normal(tuple(p.shape))))
    return m


def _swa_run(mod: Any, su: Any, avg_kwargs: dict, sched_kwargs: dict) -> tuple:
    m = _net(mod)
    kw = dict(avg_kwargs)
    for key in ("avg_fn", "multi_avg_fn"):
        if key in kw:
            name, *args = kw[key]
            kw[key] = getattr(su, name)(*args)
    avg = su.AveragedModel(m, **kw)
    opt = mod.optim.SGD([{"params": list(m.parameters())[:2]},
                         {"params": list(m.parameters())[2:], "lr": 0.05}], lr=0.1)
    sched = su.SWALR(opt, **sched_kwargs)
    rng = np.random.default_rng(1)
    lrs = []
    for _ in range(6):
        x = mod.tensor(rng.standard_normal((5, 3)))
        opt.zero_grad()
        m(x).pow(2).sum().backward()
        opt.step()
        avg.update_parameters(m)
        sched.step()
        lrs.append([g["lr"] for g in opt.param_groups])
    loader = [(mod.tensor(rng.standard_normal((5, 3))), 0) for _ in range(3)]
    su.update_bn(loader, avg)
    out = avg(mod.tensor(rng.standard_normal((4, 3))))
    sd = avg.state_dict()
    return sd, lrs, out.detach().numpy(), avg.training


SWA_CONFIGS = [
    ({}, dict(swa_lr=0.05)),
    ({"use_buffers": True}, dict(swa_lr=[0.01, 0.2], anneal_epochs=3,
                                 anneal_strategy="linear")),
    ({"multi_avg_fn": ("get_ema_multi_avg_fn", 0.9)}, dict(swa_lr=0.05, anneal_epochs=0)),
    ({"multi_avg_fn": ("get_swa_multi_avg_fn",)}, dict(swa_lr=0.3, anneal_epochs=2)),
    ({"avg_fn": ("get_ema_avg_fn", 0.8), "use_buffers": True}, dict(swa_lr=0.05)),
    ({"avg_fn": ("get_swa_avg_fn",)}, dict(swa_lr=0.05, anneal_strategy="linear")),
]


@pytest.mark.parametrize(("avg_kwargs", "sched_kwargs"), SWA_CONFIGS)
def test_swa_utils_match_pytorch(torch: Any, avg_kwargs: dict, sched_kwargs: dict) -> None:
    import torch.optim.swa_utils as tsu

    sd, lrs, out, training = _swa_run(mg, swa_utils, avg_kwargs, sched_kwargs)
    tsd, tlrs, tout, ttraining = _swa_run(torch, tsu, avg_kwargs, sched_kwargs)
    assert list(sd) == list(tsd)
    for key in tsd:
        assert sd[key].dtype == np.dtype(str(tsd[key].dtype).replace("torch.", "")), key
        np.testing.assert_allclose(sd[key].numpy(), tsd[key].numpy(), **TOL64, err_msg=key)
    np.testing.assert_allclose(lrs, tlrs, rtol=1e-15)
    np.testing.assert_allclose(out, tout, **TOL64)
    assert training == ttraining
    assert int(sd["n_averaged"].item()) == 6


def test_swalr_state_dict_and_refusals(torch: Any) -> None:
    p = mg.tensor([1.0], requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    sched = swa_utils.SWALR(opt, swa_lr=0.01, anneal_epochs=4)
    sched.step()
    sd = sched.state_dict()
    assert "anneal_func" not in sd and "optimizer" not in sd
    tp = torch.tensor([1.0], requires_grad=True)
    tsched = torch.optim.swa_utils.SWALR(torch.optim.SGD([tp], lr=0.1), swa_lr=0.01,
                                         anneal_epochs=4)
    tsched.step()
    # PyTorch's base scheduler keeps a flag of its own (a warning's), minigrad's has none
    assert set(sd) == set(tsched.state_dict()) - {"_get_lr_called_within_step"}
    again = swa_utils.SWALR(optim.SGD([p], lr=0.1), swa_lr=0.5, anneal_strategy="linear")
    again.load_state_dict(sd)
    assert again.anneal_func is swa_utils.SWALR._cosine_anneal
    with pytest.raises(ValueError, match="SWALR: anneal_strategy must be one of"):
        swa_utils.SWALR(opt, swa_lr=0.1, anneal_strategy="exp")
    with pytest.raises(ValueError, match="SWALR: anneal_epochs must be equal or greater"):
        swa_utils.SWALR(opt, swa_lr=0.1, anneal_epochs=-1)
    with pytest.raises(ValueError, match="SWALR: swa_lr must have the same length"):
        swa_utils.SWALR(opt, swa_lr=[0.1, 0.2])
    with pytest.raises(ValueError, match="get_ema_avg_fn: invalid decay value 1.5"):
        swa_utils.get_ema_avg_fn(1.5)
    with pytest.raises(ValueError, match="get_ema_multi_avg_fn: invalid decay value -1"):
        swa_utils.get_ema_multi_avg_fn(-1)
    with pytest.raises(AssertionError, match="only one of avg_fn and multi_avg_fn"):
        swa_utils.AveragedModel(nn.Linear(2, 2), avg_fn=swa_utils.get_swa_avg_fn(),
                                multi_avg_fn=swa_utils.get_swa_multi_avg_fn())


def test_averaged_model_is_a_copy_and_update_bn_leaves_other_models_alone() -> None:
    m = nn.Linear(2, 2)
    avg = swa_utils.AveragedModel(m)
    assert avg.module is not m and avg.module.weight is not m.weight
    assert avg.n_averaged.dtype == np.int64 and avg.n_averaged.item() == 0
    swa_utils.update_bn([mg.zeros(3, 2)], m)  # no batch norm: nothing to do
    swa_multi = swa_utils.AveragedModel(nn.BatchNorm1d(2), use_buffers=True,
                                        multi_avg_fn=swa_utils.get_swa_multi_avg_fn())
    swa_multi.update_parameters(swa_multi.module)
    with pytest.raises(RuntimeError, match="get_swa_multi_avg_fn: integer tensors"):
        swa_multi.update_parameters(swa_multi.module)


def test_optim_namespace() -> None:
    for name in ("ASGD", "Rprop", "LBFGS", "swa_utils"):
        assert name in optim.__all__ and hasattr(optim, name)
    assert set(swa_utils.__all__) == {"AveragedModel", "SWALR", "update_bn",
                                      "get_ema_multi_avg_fn", "get_swa_multi_avg_fn",
                                      "get_ema_avg_fn", "get_swa_avg_fn"}


@pytest.mark.parametrize(("name", "args", "n"), [
    ("get_swa_multi_avg_fn", (), 1),  # weight 0.5: lerp's second formula
    ("get_swa_multi_avg_fn", (), 4),
    ("get_ema_multi_avg_fn", (0.3,), 0),  # weight 0.7
    ("get_ema_multi_avg_fn", (0.9,), 0),
])
def test_multi_avg_fns_are_bitwise_pytorchs(torch: Any, name: str, args: tuple, n: int) -> None:
    """PyTorch's lerp (a formula for each half of the weights) and its float32 weight
    1/(n+1): the averages agree to an ulp (PyTorch's vectorised lerp is a fused
    multiply-add, numpy has none)."""
    import torch.optim.swa_utils as tsu

    rng = np.random.default_rng(3)
    avg, cur = rng.standard_normal((2, 7)) * 10
    ours = [mg.tensor(avg.copy())]
    theirs = [torch.tensor(avg.copy())]
    getattr(swa_utils, name)(*args)(ours, [mg.tensor(cur)], mg.tensor(n))
    getattr(tsu, name)(*args)(theirs, [torch.tensor(cur)], torch.tensor(n))
    np.testing.assert_allclose(ours[0].numpy(), theirs[0].numpy(), rtol=1e-15, atol=0)


def _wolfe_problem(mod: Any) -> tuple[Any, Any]:
    """A bumpy function of 3 variables and the closure PyTorch's line search calls."""
    x = mod.tensor([0.3, -1.2, 2.0], dtype=mod.float64, requires_grad=True)

    def loss_at(v: Any) -> Any:
        return ((v ** 4) - 3 * v ** 2 + v).sum() + (v[0] * v[1]).sin() * 2

    def obj_func(x0: Any, t: Any, d: Any) -> tuple[float, Any]:
        with mod.enable_grad():
            v = mod.tensor(np.asarray(x0[0]) + float(t) * np.asarray(d), dtype=mod.float64,
                           requires_grad=True)
            loss = loss_at(v)
            loss.backward()
        g = v.grad.detach()
        return float(loss.detach()), (g.numpy().copy() if mod is mg else g.clone())

    return x, loss_at, obj_func


@pytest.mark.parametrize("t", [1e-3, 0.05, 0.3, 1.0, 4.0, 50.0])
@pytest.mark.parametrize("max_ls", [3, 25])
def test_strong_wolfe_search_is_pytorchs(torch: Any, t: float, max_ls: int) -> None:
    """The line search alone, from steps too short (bracketing by extrapolation) and too
    long (zooming in, the safeguards against slow progress): the same step, loss, gradient
    and number of evaluations as torch.optim.lbfgs._strong_wolfe."""
    from torch.optim.lbfgs import _strong_wolfe as torch_wolfe

    from minigrad.optim.lbfgs import _strong_wolfe

    results = []
    for mod, search in ((mg, _strong_wolfe), (torch, torch_wolfe)):
        x, loss_at, obj_func = _wolfe_problem(mod)
        loss = loss_at(x)
        loss.backward()
        g = x.grad.detach()
        g = g.numpy().copy() if mod is mg else g.clone()
        d = -g
        x0 = [x.detach().numpy().copy()] if mod is mg else [x.detach().clone()]
        f_new, g_new, t_new, evals = search(obj_func, x0, t, d, float(loss.detach()), g,
                                            g.dot(d), max_ls=max_ls)
        results.append((float(f_new), np.asarray(g_new, dtype=np.float64), float(t_new),
                        evals))
    (f1, g1, t1, e1), (f2, g2, t2, e2) = results
    assert e1 == e2
    np.testing.assert_allclose([f1, t1], [f2, t2], **TOL64)
    np.testing.assert_allclose(g1, g2, **TOL64)


def _bumpy(c: np.ndarray) -> Any:
    """A 2-variable function with exponential, oscillating and non-smooth parts: its
    line searches take every branch (bracketing, zooming, the slow-progress safeguard)."""

    def fn(v: np.ndarray) -> tuple[float, np.ndarray]:
        e = np.exp(np.clip(c[2] * v, -50, 50))
        f = np.sum(c[0] ** 2 * v ** 2 + c[1] * e + c[3] * np.sin(c[4] * v)
                   + c[5] * np.abs(v) ** 1.5)
        g = (2 * c[0] ** 2 * v + c[1] * c[2] * e + c[3] * c[4] * np.cos(c[4] * v)
             + c[5] * 1.5 * np.sign(v) * np.abs(v) ** 0.5)
        return float(f), g

    return fn


def test_strong_wolfe_branches_as_pytorch(torch: Any) -> None:
    """300 random line searches, each given to both implementations on the same function
    (numpy computes it for both): the same evaluation count, step and loss every time. The
    cubic fits between close points cancel digits, so a one-ulp difference of a dot product
    (numpy's against PyTorch's) can show at 1e-7: the tolerance here is 1e-6, far below
    what a different branch gives."""
    from torch.optim.lbfgs import _strong_wolfe as torch_wolfe

    from minigrad.optim.lbfgs import _strong_wolfe

    rng = np.random.default_rng(0)
    compared = 0
    for _ in range(300):
        c = rng.uniform(-3, 3, 6)
        c[0], c[2] = rng.uniform(0.7, 2), abs(c[2])  # a quadratic bowl bounds the searches
        t, tol = 10 ** rng.uniform(-3, 2), 10 ** rng.uniform(-9, -1)
        x0 = rng.standard_normal(2)
        fn = _bumpy(c)
        f0, g0 = fn(x0)
        if g0.dot(-g0) >= 0:
            continue
        ours = _strong_wolfe(lambda x, s, d, fn=fn: fn(x[0] + s * d), [x0], t, -g0, f0, g0,
                             g0.dot(-g0), tolerance_change=tol)

        def torch_obj(x: Any, s: Any, d: Any, fn: Any = fn) -> tuple[float, Any]:
            f, g = fn(x[0].numpy() + float(s) * d.numpy())
            return f, torch.tensor(g)

        tg = torch.tensor(g0)
        theirs = torch_wolfe(torch_obj, [torch.tensor(x0)], t, -tg, f0, tg, tg.dot(-tg),
                             tolerance_change=tol)
        assert ours[3] == theirs[3]
        np.testing.assert_allclose([float(ours[0]), float(ours[2])],
                                   [float(theirs[0]), float(theirs[2])], rtol=1e-6)
        np.testing.assert_allclose(ours[1], theirs[1].numpy(), rtol=1e-6, atol=1e-9)
        compared += 1
    assert compared > 250


@pytest.mark.parametrize("name", ["ASGD", "Rprop"])
def test_zero_size_parameters_as_pytorch(torch: Any, name: str) -> None:
    results = []
    for mod in (mg, torch):
        p = mod.zeros(0, 3, dtype=mod.float64, requires_grad=True)
        q = mod.ones(2, dtype=mod.float64, requires_grad=True)
        opt = getattr(mod.optim, name)([p, q], lr=0.1)
        for _ in range(3):
            opt.zero_grad()
            ((q * 2).sum() + p.sum()).backward()
            opt.step()
        layout = {k: tuple(v.shape) for k, v in opt.state_dict()["state"][0].items()}
        results.append((q.detach().numpy().copy(), layout))
    np.testing.assert_allclose(results[0][0], results[1][0], **TOL64)
    assert results[0][1] == results[1][1]
