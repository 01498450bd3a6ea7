"""minigrad.train: the loop, evaluation mode, reproducibility, Ctrl-C and exact resume."""

from __future__ import annotations

import signal

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn, optim
from minigrad import train as T
from minigrad.data import DataLoader, TensorDataset


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
    return [p.data.copy() for p in model.parameters()]


def rows(progress) -> list[tuple]:
    return [(m.epoch, m.train_loss, m.train_acc, m.test_loss, m.test_acc)
            for m in progress.history]


def test_fit_learns_and_reports_one_row_per_epoch(capsys):
    model, opt, train, test = setup()
    progress, interrupted = T.fit(model, opt, train, test, epochs=4)
    assert not interrupted and [m.epoch for m in progress.history] == [1, 2, 3, 4]
    assert progress.history[-1].test_acc == 1.0
    assert progress.history[-1].train_loss < progress.history[0].train_loss
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 4 and out[0].startswith("epoch  1/4  train loss")


def test_evaluation_runs_in_eval_mode_without_grad_and_training_in_train_mode():
    model, opt, train, test = setup()
    T.fit(model, opt, train, test, epochs=1, quiet=True)
    n_train = len(train)
    assert set(model.seen_modes[:n_train]) == {(True, True)}
    assert set(model.seen_modes[n_train:]) == {(False, False)}
    model.seen_modes.clear()
    loss, acc = T.evaluate(model, test)
    assert set(model.seen_modes) == {(False, False)} and 0 <= acc <= 1 and loss > 0


def test_same_seed_gives_identical_metrics_to_the_last_digit():
    a = T.fit(*setup(3), epochs=2, quiet=True)[0]
    b = T.fit(*setup(3), epochs=2, quiet=True)[0]
    c = T.fit(*setup(4), epochs=2, quiet=True)[0]
    assert rows(a) == rows(b)
    assert rows(a) != rows(c)


def test_quiet_prints_nothing(capsys):
    T.fit(*setup(), epochs=1, quiet=True)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


class Interrupt:
    """Raise SIGINT (as Ctrl-C would) or KeyboardInterrupt at the n-th training loss."""

    def __init__(self, monkeypatch, at: int, how: str) -> None:
        self.calls, self.at, self.how = 0, at, how
        real = T.F.cross_entropy

        def loss(logits, y, reduction="mean"):
            if reduction == "mean":
                self.calls += 1
                if self.calls == self.at:
                    if self.how == "signal":
                        signal.raise_signal(signal.SIGINT)
                    else:
                        raise KeyboardInterrupt
            return real(logits, y, reduction=reduction)

        monkeypatch.setattr(T.F, "cross_entropy", loss)


@pytest.mark.parametrize("how", ["signal", "keyboardinterrupt"])
def test_ctrl_c_checkpoints_and_resume_equals_an_uninterrupted_run(monkeypatch, how):
    model, opt, train, test = setup()
    full, _ = T.fit(model, opt, train, test, epochs=3, quiet=True)
    expected = weights(model)

    saved = {}

    def checkpoint(p):
        saved["model"] = {k: v.data.copy() for k, v in model.state_dict().items()}
        saved["opt"] = opt.state_dict()
        saved["progress"] = T.Progress.from_dict(p.to_dict())

    model, opt, train, test = setup()
    steps_per_epoch = len(train)
    with monkeypatch.context() as m:
        Interrupt(m, at=steps_per_epoch + 3, how=how)  # epoch 2, during step 3
        p, interrupted = T.fit(model, opt, train, test, epochs=3, checkpoint=checkpoint,
                               quiet=True)
    assert interrupted
    p = saved["progress"]
    # the signal lets step 3 finish; a raw KeyboardInterrupt abandons it
    assert (p.epoch, p.step) == ((1, 3) if how == "signal" else (1, 2))

    # a new process: fresh model, optimizer and a different global generator state
    model, opt, train, test = setup(seed=99)
    model.load_state_dict(saved["model"])
    opt.load_state_dict(saved["opt"])
    resumed, interrupted = T.fit(model, opt, train, test, epochs=3, progress=p, quiet=True)
    assert not interrupted
    assert rows(resumed) == rows(full)
    for a, b in zip(weights(model), expected):
        np.testing.assert_array_equal(a, b)


def test_progress_round_trips_through_a_checkpoint(tmp_path):
    from minigrad.serialization import load, save

    model, opt, train, test = setup()
    p, _ = T.fit(model, opt, train, test, epochs=1, quiet=True)
    save({"progress": p.to_dict()}, tmp_path / "p.npz")
    back = T.Progress.from_dict(load(tmp_path / "p.npz")["progress"])
    assert back == p


def test_build_model_and_optimizer_know_the_cli_names():
    for name in T.MODEL_NAMES:
        assert T.first_layer_weight(T.build_model(name)) is not None
    params = list(T.build_model("lenet").parameters())
    for name, lr in T.DEFAULT_LR.items():
        assert T.build_optimizer(name, params).param_groups[0]["lr"] == lr
    assert T.build_optimizer("momentum", params, 0.5).param_groups[0]["momentum"] == 0.9
    with pytest.raises(ValueError, match="unknown model"):
        T.build_model("resnet")
    with pytest.raises(ValueError, match="unknown optimizer"):
        T.build_optimizer("lbfgs", params)
