"""optim.lr_scheduler: the lr sequence over 20+ epochs equals PyTorch's (two param groups),
and state_dict / load_state_dict resume a schedule exactly."""

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

# name -> (make(scheduler module, optimizer), optimizer name, optimizer kwargs, epochs)
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
    return group["momentum"] if "momentum" in group else group["betas"][0]


def _run(make: Callable, opt_name: str, kwargs: dict, epochs: int,
         metrics: list[float] | None = None) -> tuple[np.ndarray, np.ndarray]:
    seqs = []
    for opt, lib in zip(_optimizers(opt_name, kwargs), (sched, TS)):
        s = make(lib, opt)
        seq = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch's "step() before optimizer.step()"
            for epoch in range(epochs):
                opt.step()
                s.step(metrics[epoch]) if metrics else s.step()
                seq.append([*s.get_last_lr(), _momentum(opt.param_groups[0]),
                            s.last_epoch])
        seqs.append(np.array(seq, dtype=float))
    return seqs[0], seqs[1]


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_lr_sequence_equals_pytorchs(name: str) -> None:
    ours, theirs = _run(*SCHEDULES[name])
    np.testing.assert_allclose(ours, theirs, rtol=1e-13, atol=0)


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
                                  "OneCycleLR"])
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
