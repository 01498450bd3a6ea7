"""minigrad.train: the generic loop, evaluation mode, reproducibility, Ctrl-C, exact resume."""

from __future__ import annotations

import signal

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn, optim
from minigrad import train as T
from minigrad.data import DataLoader, TensorDataset
from minigrad.nn import functional as F

METRICS = {"acc": T.accuracy}


def blobs(n: int, seed: int) -> TensorDataset:
    """A learnable toy problem: 4 classes, each a bright square at its own corner."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 4
    x = rng.random((n, 1, 8, 8)).astype(np.float32) * 0.3
    for k, (r, c) in enumerate([(0, 0), (0, 4), (4, 0), (4, 4)]):
        x[y == k, 0, r:r + 4, c:c + 4] += 0.7
    return TensorDataset(x, y.astype(np.int64))


class Net(nn.Module):
    """Dropout makes training consume random numbers, so resume must restore the generator."""

    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Flatten(), nn.Linear(64, 16), nn.ReLU(), nn.Dropout(0.2),
                                  nn.Linear(16, 4))
        self.seen_modes: list[tuple[bool, bool]] = []

    def forward(self, x):
        self.seen_modes.append((self.training, mg.is_grad_enabled()))
        return self.body(x)


def setup(seed: int = 0):
    mg.manual_seed(seed)
    model = Net()
    opt = optim.Adam(model.parameters(), lr=0.01)
    train = DataLoader(blobs(60, 1), batch_size=8, shuffle=True)
    test = DataLoader(blobs(20, 2), batch_size=10)
    return model, opt, train, test


def weights(model) -> list[np.ndarray]:
    return [p._data.copy() for p in model.parameters()]


def rows(progress) -> list[tuple]:
    return [tuple(v for k, v in m.items() if k != "seconds") for m in progress.history]


def run(model, opt, train, test, loss_fn=F.cross_entropy, **kw):
    return T.fit(model, train, opt, loss_fn, METRICS, val_loader=test, **kw)


def test_fit_learns_and_reports_one_row_per_epoch(capsys):
    model, opt, train, test = setup()
    progress, interrupted = run(model, opt, train, test, epochs=4)
    assert not interrupted and [m["epoch"] for m in progress.history] == [1, 2, 3, 4]
    assert set(progress.history[0]) == {"epoch", "train_loss", "train_acc", "val_loss",
                                        "val_acc", "seconds"}
    assert progress.history[-1]["val_acc"] == 1.0
    assert progress.history[-1]["train_loss"] < progress.history[0]["train_loss"]
    assert progress.best("val_loss", "min") is min(progress.history, key=lambda m: m["val_loss"])
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 4 and out[0].startswith("epoch  1/4  |  train loss")


def test_fit_is_generic_any_loss_and_metric_and_no_validation():
    model, opt, train, _ = setup()

    def mse_of_probs(out, y):
        target = mg.tensor(np.eye(4, dtype=np.float32)[y.data])
        return ((out.softmax(1) - target) ** 2).mean()

    p, _ = T.fit(model, train, opt, mse_of_probs, {"half": lambda o, y: 0.5}, epochs=2,
                 quiet=True)
    assert set(p.history[0]) == {"epoch", "train_loss", "train_half", "seconds"}
    assert p.history[0]["train_half"] == pytest.approx(0.5)
    assert p.history[1]["train_loss"] < p.history[0]["train_loss"]


def test_fit_takes_a_stream_without_a_length(capsys):
    """An IterableDataset has no len(): the progress bar runs without a total."""
    from minigrad.utils.data import IterableDataset

    class Stream(IterableDataset):
        def __iter__(self):
            data = blobs(24, 1)
            return (data[i] for i in range(len(data)))

    model, opt, _, _ = setup()
    p, stopped = T.fit(model, DataLoader(Stream(), batch_size=8), opt, F.cross_entropy,
                       epochs=2, quiet=False)
    assert not stopped and [row["epoch"] for row in p.history] == [1, 2]
    assert "epoch  2/2" in capsys.readouterr().out


def test_evaluation_runs_in_eval_mode_without_grad_and_training_in_train_mode():
    model, opt, train, test = setup()
    run(model, opt, train, test, epochs=1, quiet=True)
    n_train = len(train)
    assert set(model.seen_modes[:n_train]) == {(True, True)}
    assert set(model.seen_modes[n_train:]) == {(False, False)}
    model.seen_modes.clear()
    scores = T.evaluate(model, test, F.cross_entropy, METRICS)
    assert set(model.seen_modes) == {(False, False)}
    assert 0 <= scores["acc"] <= 1 and scores["loss"] > 0


def test_same_seed_gives_identical_metrics_to_the_last_digit():
    a = run(*setup(3), epochs=2, quiet=True)[0]
    b = run(*setup(3), epochs=2, quiet=True)[0]
    c = run(*setup(4), epochs=2, quiet=True)[0]
    assert rows(a) == rows(b)
    assert rows(a) != rows(c)


def test_quiet_prints_nothing(capsys):
    run(*setup(), epochs=1, quiet=True)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


class Interrupt:
    """Raise SIGINT (as Ctrl-C would) or KeyboardInterrupt at the n-th training loss."""

    def __init__(self, at: int, how: str) -> None:
        self.calls, self.at, self.how = 0, at, how

    def __call__(self, logits, y):
        if mg.is_grad_enabled():  # a training step, not evaluation
            self.calls += 1
            if self.calls == self.at:
                if self.how == "signal":
                    signal.raise_signal(signal.SIGINT)
                else:
                    raise KeyboardInterrupt
        return F.cross_entropy(logits, y)


@pytest.mark.parametrize("how", ["signal", "keyboardinterrupt"])
def test_ctrl_c_checkpoints_and_resume_equals_an_uninterrupted_run(how):
    model, opt, train, test = setup()
    full, _ = run(model, opt, train, test, epochs=3, quiet=True)
    expected = weights(model)

    saved = {}

    def checkpoint(p):
        saved["model"] = {k: v._data.copy() for k, v in model.state_dict().items()}
        saved["opt"] = opt.state_dict()
        saved["progress"] = T.Progress.from_dict(p.to_dict())

    model, opt, train, test = setup()
    steps_per_epoch = len(train)
    p, interrupted = run(model, opt, train, test, Interrupt(steps_per_epoch + 3, how), epochs=3,
                         checkpoint=checkpoint, quiet=True)  # epoch 2, during step 3
    assert interrupted
    p = saved["progress"]
    # the signal lets step 3 finish; a raw KeyboardInterrupt abandons it
    assert (p.epoch, p.step) == ((1, 3) if how == "signal" else (1, 2))

    # a new process: fresh model, optimizer and a different global generator state
    model, opt, train, test = setup(seed=99)
    model.load_state_dict(saved["model"])
    opt.load_state_dict(saved["opt"])
    resumed, interrupted = run(model, opt, train, test, epochs=3, progress=p, quiet=True)
    assert not interrupted
    assert rows(resumed) == rows(full)
    for a, b in zip(weights(model), expected):
        np.testing.assert_array_equal(a, b)


def test_progress_round_trips_through_a_checkpoint(tmp_path):
    from minigrad.serialization import load, save

    model, opt, train, test = setup()
    p, _ = run(model, opt, train, test, epochs=1, quiet=True)
    save({"progress": p.to_dict()}, tmp_path / "p.safetensors")
    back = T.Progress.from_dict(load(tmp_path / "p.safetensors")["progress"])
    assert back == p


def test_a_nan_loss_stops_at_its_step_before_the_update_and_without_a_checkpoint():
    model, opt, train, test = setup()  # 60 images in batches of 8: 8 steps per epoch
    calls = {"n": 0}
    saved: list[tuple[int, int, bool]] = []

    def loss(out, y):
        value = F.cross_entropy(out, y)
        if mg.is_grad_enabled():
            calls["n"] += 1
            if calls["n"] == 11:  # epoch 2, step 3
                return value * float("nan")
        return value

    def checkpoint(p):
        saved.append((p.epoch, p.step, all(np.isfinite(w).all() for w in weights(model))))

    with pytest.raises(T.Diverged, match="loss became NaN at epoch 2, step 3") as info:
        run(model, opt, train, test, loss_fn=loss, epochs=3, checkpoint=checkpoint,
            quiet=True)
    assert (info.value.epoch, info.value.step) == (2, 3)
    assert saved == [(1, 0, True)]  # the epoch-1 checkpoint stays the last one
    assert all(np.isfinite(w).all() for w in weights(model))  # the NaN step was not applied


def test_a_learning_rate_that_diverges_raises_instead_of_saving_nan_weights():
    model, _, train, test = setup()
    opt = optim.SGD(model.parameters(), lr=1e12)
    saved = []
    with np.errstate(all="ignore"), pytest.raises(
            T.Diverged, match=r"(loss|weight .*) became (NaN|-?Inf|NaN or Inf) at epoch \d+, "
                              r"step \d+"):
        run(model, opt, train, test, epochs=5, quiet=True,
            checkpoint=lambda p: saved.append(all(np.isfinite(w).all()
                                                  for w in weights(model))))
    assert all(saved)
    # and the check can be turned off: training then runs on, as before
    model, _, train, test = setup()
    opt = optim.SGD(model.parameters(), lr=1e12)
    with np.errstate(all="ignore"):
        progress, _ = run(model, opt, train, test, epochs=1, quiet=True, check_finite=False)
    assert len(progress.history) == 1
