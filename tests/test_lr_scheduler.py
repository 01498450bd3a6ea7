"""optim.lr_scheduler: every scheduler's lr (and momentum) sequence over 20-40 steps equals
PyTorch's (two param groups), state_dict / load_state_dict resume a schedule exactly, and bad
arguments raise PyTorch's exception types."""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn, optim
from minigrad.optim import lr_scheduler as sched

torch = pytest.importorskip("torch")
TS = torch.optim.lr_scheduler

# name -> (make(scheduler module, optimizer), optimizer name, optimizer kwargs, steps)
SCHEDULES: dict[str, tuple[Callable, str, dict, int]] = {
    "StepLR": (lambda s, o: s.StepLR(o, 3, 0.5), "SGD", {}, 25),
    "MultiStepLR": (lambda s, o: s.MultiStepLR(o, [2, 5, 5, 9], 0.3), "SGD", {}, 25),
    "ExponentialLR": (lambda s, o: s.ExponentialLR(o, 0.9), "SGD", {}, 25),
    "CosineAnnealingLR": (lambda s, o: s.CosineAnnealingLR(o, 7, 0.01), "SGD", {}, 40),
    "LambdaLR": (lambda s, o: s.LambdaLR(o, lambda e: 0.95 ** e), "SGD", {}, 25),
    "LambdaLR_per_group": (lambda s, o: s.LambdaLR(o, [lambda e: 1 / (e + 1),
                                                       lambda e: 0.9 ** e]), "SGD", {}, 25),
    "LinearLR": (lambda s, o: s.LinearLR(o, 0.2, 1.0, 6), "SGD", {}, 25),
    "OneCycleLR": (lambda s, o: s.OneCycleLR(o, [1.0, 2.0], total_steps=25), "SGD",
                   {"momentum": 0.9}, 25),
    "OneCycleLR_three_phase_adam": (lambda s, o: s.OneCycleLR(
        o, 1.0, epochs=5, steps_per_epoch=5, three_phase=True, anneal_strategy="linear"),
        "Adam", {}, 25),
    "SequentialLR_warmup_cosine": (lambda s, o: s.SequentialLR(
        o, [s.LinearLR(o, 0.1, total_iters=4), s.CosineAnnealingLR(o, 10)], [5]), "SGD", {},
        25),
    "SequentialLR_three": (lambda s, o: s.SequentialLR(
        o, [s.ExponentialLR(o, 0.9), s.StepLR(o, 2), s.LambdaLR(o, lambda e: 1 / (e + 1))],
        [3, 8]), "SGD", {}, 25),
    # the schedulers added for issue 25
    "CosineAnnealingWarmRestarts": (
        lambda s, o: s.CosineAnnealingWarmRestarts(o, 5, eta_min=0.01), "SGD", {}, 35),
    "CosineAnnealingWarmRestarts_T_mult": (
        lambda s, o: s.CosineAnnealingWarmRestarts(o, 3, T_mult=2), "SGD", {}, 40),
    "CyclicLR_triangular": (
        lambda s, o: s.CyclicLR(o, 0.01, [0.1, 0.2], step_size_up=4), "SGD",
        {"momentum": 0.9}, 35),
    "CyclicLR_triangular2_asym": (
        lambda s, o: s.CyclicLR(o, [0.01, 0.02], 0.1, step_size_up=3, step_size_down=5,
                                mode="triangular2", base_momentum=0.7, max_momentum=0.95),
        "SGD", {"momentum": 0.9}, 40),
    "CyclicLR_exp_range": (
        lambda s, o: s.CyclicLR(o, 0.001, 0.1, step_size_up=5, mode="exp_range",
                                gamma=0.97), "SGD", {"momentum": 0.5}, 35),
    "CyclicLR_no_momentum": (
        lambda s, o: s.CyclicLR(o, 0.001, 0.1, step_size_up=2, cycle_momentum=False),
        "SGD", {}, 30),
    "CyclicLR_adam_beta1": (
        lambda s, o: s.CyclicLR(o, 0.001, 0.01, step_size_up=3), "Adam", {}, 30),
    "CyclicLR_scale_fn": (
        lambda s, o: s.CyclicLR(o, 0.001, 0.1, step_size_up=3,
                                scale_fn=lambda x: 1 / (1 + x), scale_mode="iterations"),
        "SGD", {"momentum": 0.9}, 30),
    "PolynomialLR": (lambda s, o: s.PolynomialLR(o, total_iters=20, power=2.0), "SGD", {},
                     32),
    "PolynomialLR_linear": (lambda s, o: s.PolynomialLR(o), "SGD", {}, 30),
    "ConstantLR": (lambda s, o: s.ConstantLR(o, factor=0.25, total_iters=7), "SGD", {}, 30),
    "MultiplicativeLR": (lambda s, o: s.MultiplicativeLR(o, lambda e: 0.95), "SGD", {}, 30),
    "MultiplicativeLR_per_group": (
        lambda s, o: s.MultiplicativeLR(o, [lambda e: 0.9, lambda e: 1 - e / 100]), "SGD", {},
        30),
    "ChainedScheduler": (lambda s, o: s.ChainedScheduler(
        [s.ConstantLR(o, factor=0.1, total_iters=4), s.ExponentialLR(o, gamma=0.9)]), "SGD",
        {}, 30),
    "ChainedScheduler_poly_cosine": (lambda s, o: s.ChainedScheduler(
        [s.PolynomialLR(o, total_iters=25, power=0.5), s.CosineAnnealingLR(o, 6)], o), "SGD",
        {}, 30),
    "SequentialLR_constant_then_poly": (lambda s, o: s.SequentialLR(
        o, [s.ConstantLR(o, 0.5, total_iters=3), s.PolynomialLR(o, total_iters=20)], [4]),
        "SGD", {}, 30),
}
METRICS = [1.0, 0.9, 0.95, 0.95, 0.95, 0.8, 0.85, 0.85, 0.85, 0.85, 0.85, 0.84] * 3
PLATEAUS = {
    "min_rel": lambda s, o: s.ReduceLROnPlateau(o, patience=2, cooldown=1),
    "max_abs": lambda s, o: s.ReduceLROnPlateau(o, mode="max", patience=1, threshold=0.1,
                                                threshold_mode="abs", min_lr=[0.01, 0.2]),
}


def _optimizers(name: str, kwargs: dict) -> tuple:
    ours = [nn.Parameter(mg.ones(2)), nn.Parameter(mg.ones(3))]
    theirs = [torch.nn.Parameter(torch.ones(2)), torch.nn.Parameter(torch.ones(3))]
    make = lambda lib, ps: getattr(lib, name)(  # noqa: E731
        [{"params": [ps[0]]}, {"params": [ps[1]], "lr": 0.5}], lr=0.1, **kwargs)
    return make(optim, ours), make(torch.optim, theirs)


def _momentum(group: dict) -> float:
    if "momentum" in group:
        return group["momentum"]
    return group["betas"][0] if "betas" in group else 0.0


def _state(s: object, opt: object) -> list[float]:
    """What a step leaves: the last lrs, every group's momentum and lr, the epoch count
    (-1 for a ChainedScheduler, which keeps none, in PyTorch too)."""
    groups = opt.param_groups
    return [*s.get_last_lr(), *map(_momentum, groups), *[g["lr"] for g in groups],
            getattr(s, "last_epoch", -1)]


def _run(make: Callable, opt_name: str, kwargs: dict, steps: int,
         metrics: list[float] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The state right after construction, then after every step, in both libraries."""
    seqs = []
    for opt, lib in zip(_optimizers(opt_name, kwargs), (sched, TS)):
        s = make(lib, opt)
        seq = [_state(s, opt)]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch's "step() before optimizer.step()"
            for step in range(steps):
                opt.step()
                s.step(metrics[step]) if metrics else s.step()
                seq.append(_state(s, opt))
        seqs.append(np.array(seq, dtype=float))
    return seqs[0], seqs[1]


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_lr_sequence_equals_pytorchs(name: str) -> None:
    ours, theirs = _run(*SCHEDULES[name])
    np.testing.assert_allclose(ours, theirs, rtol=1e-13, atol=1e-17)


@pytest.mark.parametrize("name", sorted(PLATEAUS))
def test_reduce_lr_on_plateau_equals_pytorchs(name: str) -> None:
    ours, theirs = _run(PLATEAUS[name], "SGD", {}, 30, METRICS)
    np.testing.assert_array_equal(ours, theirs)


def test_initial_lr_and_base_lrs_as_pytorch() -> None:
    opt, topt = _optimizers("SGD", {})
    s, ts = sched.StepLR(opt, 2), TS.StepLR(topt, 2)
    assert s.base_lrs == ts.base_lrs == [0.1, 0.5]
    assert s.last_epoch == ts.last_epoch == 0
    assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert s.get_last_lr() == ts.get_last_lr()


@pytest.mark.parametrize("name", ["StepLR", "CosineAnnealingLR", "SequentialLR_warmup_cosine",
                                  "OneCycleLR", "CyclicLR_triangular2_asym",
                                  "CosineAnnealingWarmRestarts", "ChainedScheduler",
                                  "MultiplicativeLR"])
def test_state_dict_resumes_the_schedule(name: str) -> None:
    make, opt_name, kwargs, epochs = SCHEDULES[name]
    full = [_optimizers(opt_name, kwargs)[0] for _ in range(2)]
    a = make(sched, full[0])
    lrs = []
    for _ in range(epochs):
        a.step()
        lrs.append(a.get_last_lr())
    b_opt = full[1]
    b = make(sched, b_opt)
    for _ in range(10):
        b.step()
    saved_sched, saved_opt = b.state_dict(), b_opt.state_dict()
    c_opt = _optimizers(opt_name, kwargs)[0]
    c = make(sched, c_opt)
    c_opt.load_state_dict(saved_opt)
    c.load_state_dict(saved_sched)
    rest = []
    for _ in range(epochs - 10):
        c.step()
        rest.append(c.get_last_lr())
    assert rest == lrs[10:]


def test_step_with_an_epoch_uses_the_closed_form() -> None:
    opt, _ = _optimizers("SGD", {})
    s = sched.StepLR(opt, 3, 0.5)
    s.step(7)
    assert s.get_last_lr() == [0.1 * 0.5 ** 2, 0.5 * 0.5 ** 2] and s.last_epoch == 7


@pytest.mark.parametrize("name", ["ConstantLR", "PolynomialLR"])
def test_step_with_an_epoch_follows_pytorch_for_the_new_schedulers(name: str) -> None:
    make = SCHEDULES[name][0]
    opt, topt = _optimizers("SGD", {})
    s, ts = make(sched, opt), make(TS, topt)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for epoch in (3, 9, 25):
            s.step(epoch)
            ts.step(epoch)
            np.testing.assert_allclose(s.get_last_lr(), ts.get_last_lr(), rtol=1e-13)


@pytest.mark.parametrize("epochs", [[0.5, 1.7, 4.2, 9.9, 13.0, 2.0], [0, 3, 21, 44.5]])
def test_warm_restarts_fractional_epochs_equal_pytorchs(epochs: list[float]) -> None:
    opt, topt = _optimizers("SGD", {})
    s = sched.CosineAnnealingWarmRestarts(opt, 4, T_mult=2, eta_min=0.001)
    ts = TS.CosineAnnealingWarmRestarts(topt, 4, T_mult=2, eta_min=0.001)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for e in epochs:
            s.step(e)
            ts.step(e)
            np.testing.assert_allclose(s.get_last_lr(), ts.get_last_lr(), rtol=1e-13)
            assert s.last_epoch == ts.last_epoch


BAD = [
    (lambda s, o: s.CosineAnnealingWarmRestarts(o, 0), ValueError, "T_0"),
    (lambda s, o: s.CosineAnnealingWarmRestarts(o, 2.5), ValueError, "T_0"),
    (lambda s, o: s.CosineAnnealingWarmRestarts(o, 3, T_mult=0), ValueError, "T_mult"),
    (lambda s, o: s.CosineAnnealingWarmRestarts(o, 3, eta_min="x"), ValueError, "eta_min"),
    (lambda s, o: s.CyclicLR(o, 0.1, 1.0, mode="sawtooth"), ValueError, "mode"),
    (lambda s, o: s.CyclicLR(o, [0.1], 1.0, cycle_momentum=False), ValueError, "base_lr"),
    (lambda s, o: s.ConstantLR(o, factor=1.5), ValueError, "between 0 and 1"),
    (lambda s, o: s.MultiplicativeLR(o, [lambda e: 1.0]), ValueError, "lr_lambdas"),
    (lambda s, o: s.MultiplicativeLR(o, 0.5), TypeError, "lr_lambda"),
    (lambda s, o: s.ChainedScheduler([]), ValueError, "at least one"),
]


@pytest.mark.parametrize("make,exc,words", BAD)
def test_bad_arguments_raise_pytorchs_exception(make: Callable, exc: type, words: str) -> None:
    opt, topt = _optimizers("SGD", {})
    with pytest.raises(exc, match=words):
        make(sched, opt)
    with pytest.raises(exc):
        make(TS, topt)


def test_cyclic_lr_needs_momentum_to_cycle_it() -> None:
    ps = [nn.Parameter(mg.ones(2))]
    with pytest.raises(ValueError, match="momentum or beta1"):
        sched.CyclicLR(optim.Adagrad(ps), 0.01, 0.1)
    with pytest.raises(ValueError):
        TS.CyclicLR(torch.optim.Adagrad([torch.nn.Parameter(torch.ones(2))]), 0.01, 0.1)


def test_chained_scheduler_rejects_a_foreign_optimizer() -> None:
    a, b = _optimizers("SGD", {})[0], _optimizers("SGD", {})[0]
    with pytest.raises(ValueError, match="same optimizer"):
        sched.ChainedScheduler([sched.ExponentialLR(a, 0.9), sched.ExponentialLR(b, 0.9)])
    with pytest.raises(ValueError, match="ReduceLROnPlateau"):
        sched.ChainedScheduler([sched.ReduceLROnPlateau(a)])
