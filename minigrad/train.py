"""A small, readable training loop: epochs, mini-batches, an optimizer step, and evaluation.

``fit`` is what ``minigrad train`` runs (``examples/train_mnist.py`` writes the same loop out
without the bookkeeping). Everything it needs to
continue exactly where it stopped (the epoch, the step inside it, the running sums and the random
generator's state) lives in a ``Progress`` object, which the caller checkpoints together with the
model and optimizer state; a resumed run then reaches the same numbers as an uninterrupted one.

Ctrl-C is turned into a request to stop after the current step (the optimizer never stops half
way through an update); ``fit`` then checkpoints and returns ``interrupted=True``. A second
Ctrl-C outside an update stops at once, still leaving a consistent checkpoint behind.
"""

from __future__ import annotations

import contextlib
import copy
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from . import autograd
from .data import DataLoader
from .nn import functional as F
from .rng import get_rng


@dataclass
class EpochMetrics:
    """One row of ``metrics.csv``."""

    epoch: int
    train_loss: float
    train_acc: float
    test_loss: float
    test_acc: float
    seconds: float


@dataclass
class Progress:
    """Where training stands. ``epoch`` epochs are complete and ``step`` steps of the next one."""

    epoch: int = 0
    step: int = 0
    loss_sum: float = 0.0  # sums over the steps done so far in the current epoch
    correct: int = 0
    seen: int = 0
    seconds: float = 0.0
    rng_epoch_start: dict | None = None  # generator state before this epoch's shuffle
    rng: dict | None = None  # generator state after the last completed step
    history: list[EpochMetrics] = field(default_factory=list)

    @property
    def best(self) -> EpochMetrics | None:
        """The epoch with the highest test accuracy (the first one, on ties)."""
        return max(self.history, key=lambda m: m.test_acc, default=None)

    def to_dict(self) -> dict[str, Any]:
        """Plain dicts, lists and numbers: what ``minigrad.save`` can write."""
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Progress:
        """The inverse of ``to_dict`` (as read back from a checkpoint)."""
        d = dict(d)
        d["history"] = [EpochMetrics(**m) for m in d.get("history", [])]
        return cls(**d)


def _rng_state() -> dict:
    return copy.deepcopy(get_rng().bit_generator.state)


def _set_rng_state(state: dict) -> None:
    get_rng().bit_generator.state = state


class _StopRequest:
    """SIGINT handler: the first Ctrl-C asks to stop after the current step; a second one
    raises KeyboardInterrupt at once, except inside an optimizer update (``critical``)."""

    def __init__(self) -> None:
        self.requested = False
        self.critical = False

    def __call__(self, signum: int, frame: Any) -> None:
        if self.requested and not self.critical:
            raise KeyboardInterrupt
        self.requested = True

    @contextlib.contextmanager
    def installed(self) -> Iterator[_StopRequest]:
        if threading.current_thread() is not threading.main_thread():
            yield self  # signals only reach the main thread; KeyboardInterrupt is still caught
            return
        previous = signal.signal(signal.SIGINT, self)
        try:
            yield self
        finally:
            signal.signal(signal.SIGINT, previous)


def _progress_bar(total: int, desc: str, initial: int, quiet: bool) -> Any:
    """A tqdm bar, or a silent stand-in when quiet or tqdm is not installed."""
    if not quiet:
        try:
            from tqdm.auto import tqdm

            # disable=None: no bar when stderr is not a terminal (logs get the epoch lines)
            return tqdm(total=total, desc=desc, initial=initial, leave=False, unit="batch",
                        dynamic_ncols=True, file=sys.stderr, disable=None)
        except ImportError:
            pass

    class _Silent:
        def update(self, n: int = 1) -> None: ...
        def set_postfix(self, **kw: Any) -> None: ...
        def close(self) -> None: ...

    return _Silent()


def evaluate(model: Any, loader: DataLoader) -> tuple[float, float]:
    """Mean cross-entropy loss and accuracy over ``loader``, in eval mode without a graph."""
    model.eval()
    loss_sum, correct, seen = 0.0, 0, 0
    with autograd.no_grad():
        for x, y in loader:
            logits = model(x)
            loss_sum += float(F.cross_entropy(logits, y, reduction="sum").item())
            correct += int((logits.data.argmax(axis=1) == y.data).sum())
            seen += len(y.data)
    return loss_sum / max(seen, 1), correct / max(seen, 1)


def predict(model: Any, images: np.ndarray, batch_size: int = 500) -> np.ndarray:
    """Class probabilities ``(N, classes)`` for a float32 image array, in eval mode."""
    from .tensor import Tensor

    model.eval()
    out = []
    with autograd.no_grad():
        for start in range(0, len(images), batch_size):
            logits = model(Tensor(np.ascontiguousarray(images[start:start + batch_size])))
            out.append(logits.softmax(1).data)
    return np.concatenate(out) if out else np.zeros((0, 0), np.float32)


def fit(
    model: Any,
    optimizer: Any,
    train_loader: DataLoader,
    test_loader: DataLoader,
    epochs: int,
    progress: Progress | None = None,
    checkpoint: Callable[[Progress], None] | None = None,
    quiet: bool = False,
    log: Callable[[str], None] = print,
) -> tuple[Progress, bool]:
    """Train for ``epochs`` epochs in total (continuing from ``progress`` when given).

    Train loss and accuracy are averaged over the epoch's steps as they happen; after every
    epoch the model is evaluated on ``test_loader``, one line is logged and ``checkpoint`` is
    called. Returns the final ``Progress`` and whether training was interrupted by Ctrl-C (in
    which case ``checkpoint`` has been called with the state after the last completed step).

    For an exact resume, ``train_loader`` should shuffle with minigrad's generator (no
    ``seed`` of its own): that generator's state is what ``Progress`` records.
    """
    p = progress if progress is not None else Progress()
    stop = _StopRequest()
    with stop.installed():
        while p.epoch < epochs:
            epoch = p.epoch + 1
            model.train()
            # the generator's state before this epoch's shuffle is part of the checkpoint, so a
            # resumed run replays the same permutation, then skips the steps already done
            if p.rng_epoch_start is None:
                p.rng_epoch_start = _rng_state()
            _set_rng_state(p.rng_epoch_start)
            batches = train_loader.iter_from(p.step)  # draws the permutation
            if p.step:
                _set_rng_state(p.rng)
            bar = _progress_bar(len(train_loader), f"epoch {epoch}/{epochs}", p.step, quiet)
            t0 = time.perf_counter() - p.seconds
            try:
                for x, y in batches:
                    logits = model(x)
                    loss = F.cross_entropy(logits, y)
                    optimizer.zero_grad()
                    loss.backward()
                    stop.critical = True  # a Ctrl-C now waits until the update is complete
                    optimizer.step()
                    n = len(y.data)
                    p.step += 1
                    p.loss_sum += float(loss.item()) * n
                    p.correct += int((logits.data.argmax(axis=1) == y.data).sum())
                    p.seen += n
                    p.rng = _rng_state()
                    stop.critical = False
                    bar.update()
                    bar.set_postfix(loss=f"{p.loss_sum / p.seen:.4f}",
                                    acc=f"{p.correct / p.seen:.4f}")
                    if stop.requested:
                        raise KeyboardInterrupt
                bar.close()
                train_loss, train_acc = p.loss_sum / max(p.seen, 1), p.correct / max(p.seen, 1)
                test_loss, test_acc = evaluate(model, test_loader)
            except KeyboardInterrupt:
                stop.critical = False
                bar.close()
                p.seconds = time.perf_counter() - t0
                if checkpoint is not None:
                    checkpoint(p)
                return p, True
            m = EpochMetrics(epoch, train_loss, train_acc, test_loss, test_acc,
                             round(time.perf_counter() - t0, 3))
            p.history.append(m)
            p.epoch, p.step, p.loss_sum, p.correct, p.seen, p.seconds = epoch, 0, 0.0, 0, 0, 0.0
            p.rng_epoch_start, p.rng = _rng_state(), None
            if not quiet:
                log(f"epoch {epoch:>2}/{epochs}  train loss {train_loss:.4f} acc {train_acc:.4f}"
                    f"  |  test loss {test_loss:.4f} acc {test_acc:.4f}  |  {m.seconds:.1f}s")
            if checkpoint is not None:
                checkpoint(p)
            if stop.requested:  # Ctrl-C during evaluation: the checkpoint above is the stop
                return p, True
    return p, False


# ----------------------------------------------------------------------------- what to train

def _model_factories() -> dict[str, Callable[[], Any]]:
    from . import models

    return {
        # He initialisation (the book's advice for ReLU, ch. 6): with the default std 0.01
        # the network needs far more epochs on the 4,000-image sample
        "simpleconvnet": lambda: models.SimpleConvNet(weight_init_std="relu"),
        "lenet": lambda: models.LeNet(num_classes=10, activation="sigmoid", pool="avg"),
        "lenet-relu": lambda: models.LeNet(num_classes=10, activation="relu", pool="max"),
    }


MODEL_NAMES = ("simpleconvnet", "lenet", "lenet-relu")

# epochs that reach the targets on the offline sample (measured: docs/training.md)
DEFAULT_EPOCHS = {"simpleconvnet": 15, "lenet": 30, "lenet-relu": 15}

# random translation of training images, in pixels (data.RandomShift); 0 turns it off. The
# sigmoid LeNet still underfits after its 30 epochs, where shifts only slow it down.
DEFAULT_SHIFT = {"simpleconvnet": 2, "lenet": 0, "lenet-relu": 2}

# learning rate per optimizer when --lr is not given (Adam's is the book's 0.001)
DEFAULT_LR = {"adam": 1e-3, "sgd": 0.1, "momentum": 0.01, "adagrad": 0.01, "rmsprop": 1e-3}


def build_model(name: str) -> Any:
    """One of ``MODEL_NAMES``, freshly initialised from ``minigrad``'s generator."""
    factories = _model_factories()
    if name not in factories:
        raise ValueError(f"unknown model {name!r} (choose from {', '.join(MODEL_NAMES)})")
    return factories[name]()


def build_optimizer(name: str, params: Any, lr: float | None = None) -> Any:
    """``adam|sgd|momentum|adagrad|rmsprop``; ``momentum`` is SGD with momentum 0.9."""
    from . import optim

    if name not in DEFAULT_LR:
        raise ValueError(f"unknown optimizer {name!r} (choose from {', '.join(DEFAULT_LR)})")
    lr = DEFAULT_LR[name] if lr is None else lr
    if name == "adam":
        return optim.Adam(params, lr=lr)
    if name == "sgd":
        return optim.SGD(params, lr=lr)
    if name == "momentum":
        return optim.SGD(params, lr=lr, momentum=0.9)
    if name == "adagrad":
        return optim.Adagrad(params, lr=lr)
    return optim.RMSprop(params, lr=lr)


def first_layer_weight(model: Any) -> np.ndarray | None:
    """The weight of the model's first 2-D convolution (what ``filters.png`` shows)."""
    from .nn import Conv2d

    for m in model.modules():
        if isinstance(m, Conv2d):
            return m.weight.data.copy()
    return None


# ----------------------------------------------------------------------------- checkpoints
#
# model.npz  {"kind": "minigrad-model", "model_name", "model": state_dict, "epoch", "test_acc",
#             "config"}: the best epoch's weights, what `evaluate` and `predict` load.
# last.npz   {"kind": "minigrad-train-state", "model_name", "model", "optimizer", "progress",
#             "config", "initial_filters"}: everything `--resume` needs, written every epoch
#             and on Ctrl-C. Both are minigrad.save archives (npz + JSON manifest, no pickle).

@dataclass
class TrainingState:
    """What ``load_training_state`` returns besides loading the model and optimizer."""

    progress: Progress
    config: dict
    initial_filters: np.ndarray | None


def _state_arrays(state: dict[str, Any]) -> dict[str, np.ndarray]:
    return {k: (v.data if hasattr(v, "data") else np.asarray(v)).copy() for k, v in state.items()}


def save_model(path: Any, model: Any, config: dict, metrics: EpochMetrics | None) -> None:
    """The weights ``evaluate``/``predict`` use, with the model's name so they can rebuild it."""
    from .serialization import save

    save({"kind": "minigrad-model", "model_name": config["model"],
          "model": _state_arrays(model.state_dict()),
          "epoch": metrics.epoch if metrics else 0,
          "test_acc": metrics.test_acc if metrics else None, "config": config}, path)


def save_training_state(path: Any, model: Any, optimizer: Any, progress: Progress,
                        config: dict, initial_filters: np.ndarray | None) -> None:
    """Everything needed to continue training exactly: model, optimizer, progress, RNG."""
    from .serialization import save

    save({"kind": "minigrad-train-state", "model_name": config["model"],
          "model": _state_arrays(model.state_dict()), "optimizer": optimizer.state_dict(),
          "progress": progress.to_dict(), "config": config,
          "initial_filters": initial_filters}, path)


def _read_checkpoint(path: Any, expect_model: str | None) -> dict:
    from .serialization import load

    obj = load(path)
    if not isinstance(obj, dict) or "model" not in obj or "model_name" not in obj:
        if isinstance(obj, dict) and obj and expect_model is not None \
                and all(hasattr(v, "data") for v in obj.values()):
            return {"model_name": expect_model, "model": obj}  # a bare state dict
        raise ValueError(f"{path}: not a checkpoint written by minigrad train (no model name); "
                         "for a bare state dict pass --model")
    name = obj["model_name"]
    if expect_model is not None and name != expect_model:
        raise ValueError(f"{path} holds a {name} checkpoint, not {expect_model}")
    if name not in MODEL_NAMES:
        raise ValueError(f"{path}: unknown model {name!r} in checkpoint")
    return obj


def load_model(path: Any, expect_model: str | None = None) -> tuple[Any, dict]:
    """Rebuild the model a checkpoint (``model.npz`` or ``last.npz``) was written for.

    Returns ``(model, info)``; raises ``ValueError`` when the file is not such a checkpoint,
    is for another model than ``expect_model``, or its weights do not fit."""
    obj = _read_checkpoint(path, expect_model)
    model = build_model(obj["model_name"])
    try:
        model.load_state_dict(obj["model"])
    except (RuntimeError, ValueError) as e:
        first = str(e).splitlines()[1:2] or [str(e)]
        raise ValueError(f"{path}: weights do not fit {obj['model_name']}: "
                         f"{first[0].strip()}") from None
    model.eval()
    info = {k: v for k, v in obj.items() if k not in ("model", "optimizer", "initial_filters")}
    info["model"] = obj["model_name"]
    return model, info


def load_training_state(path: Any, model: Any, optimizer: Any,
                        expect_model: str | None = None) -> TrainingState:
    """Load ``last.npz`` into ``model`` and ``optimizer``; returns where training stands."""
    obj = _read_checkpoint(path, expect_model)
    if obj.get("kind") != "minigrad-train-state":
        raise ValueError(f"{path}: not a resumable training state (written by minigrad train "
                         "as last.npz)")
    try:
        model.load_state_dict(obj["model"])
        optimizer.load_state_dict(obj["optimizer"])
    except (RuntimeError, ValueError, KeyError) as e:
        first = str(e).splitlines()[1:2] or [str(e)]
        raise ValueError(f"{path}: state does not fit {obj['model_name']}: "
                         f"{first[0].strip()}") from None
    filters = obj.get("initial_filters")
    return TrainingState(Progress.from_dict(obj["progress"]), obj["config"],
                         None if filters is None else np.asarray(filters.data))
