"""A generic training loop: ``fit(model, loader, optimizer, loss_fn, metrics)``.

``fit`` knows nothing of MNIST or of a command line: the loss and the metrics are functions of
the model's output and the targets, passed in (``minigrad train`` passes cross-entropy and
``accuracy``; its recipe lives in ``minigrad.cli``). After every epoch the model is evaluated
on ``val_loader`` when one is given, one line is logged and ``checkpoint`` is called.

Everything needed to continue exactly where training stopped (the epoch, the step inside it,
the running sums and the random generator's state) lives in a ``Progress`` object, which the
caller checkpoints with the model and optimizer state; a resumed run then reaches the same
numbers as an uninterrupted one.

A loss that is not finite (NaN or Inf: the learning rate is too high, training diverged)
stops training at that step with ``Diverged``, before the step's update and without calling
``checkpoint``, so the last checkpoint written is the last good one. Weights that became NaN
or Inf by the last update of an epoch are caught the same way before that epoch's checkpoint.

Ctrl-C is turned into a request to stop after the current step (the optimizer never stops half
way through an update); ``fit`` then checkpoints and returns ``interrupted=True``. A second
Ctrl-C outside an update stops at once, still leaving a consistent checkpoint behind.
"""

from __future__ import annotations

import contextlib
import copy
import math
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from . import autograd
from .rng import get_rng
from .tensor import Tensor

__all__ = ["Diverged", "Progress", "accuracy", "evaluate", "fit"]

Metric = Callable[[Tensor, Tensor], float]  # the mean over one batch of (outputs, targets)


class Diverged(FloatingPointError):
    """Training stopped because the loss (or a weight) became NaN or Inf.

    ``epoch`` and ``step`` (both counted from 1) say where: the step whose loss was not
    finite, or, for weights found non-finite at the end of an epoch, that epoch's last step.
    ``value`` is the loss (None when a weight is to blame) and ``parameter`` the name of the
    first non-finite parameter (None when the loss is to blame)."""

    def __init__(self, epoch: int, step: int, value: float | None = None,
                 parameter: str | None = None) -> None:
        self.epoch, self.step, self.value, self.parameter = epoch, step, value, parameter
        if parameter is None:
            what = f"loss became {_nonfinite_name(value)}"
        else:
            what = f"weight {parameter!r} became NaN or Inf"
        super().__init__(f"{what} at epoch {epoch}, step {step}")


def _nonfinite_name(value: float | None) -> str:
    if value is None or math.isnan(value):
        return "NaN"
    return "Inf" if value > 0 else "-Inf"


def _nonfinite_parameter(model: Any) -> str | None:
    """The name of the first parameter holding NaN or Inf, or None."""
    named = model.named_parameters() if hasattr(model, "named_parameters") else []
    for name, param in named:
        if not np.isfinite(param._data).all():
            return name
    return None


def accuracy(outputs: Tensor, targets: Tensor) -> float:
    """The fraction of rows whose largest output is at the target class."""
    return float((outputs._data.argmax(axis=1) == targets._data).mean())


@dataclass
class Progress:
    """Where training stands. ``epoch`` epochs are complete and ``step`` steps of the next one.

    ``history`` has one dict per completed epoch: ``epoch``, ``train_loss``,
    ``train_<metric>``, ``val_loss`` and ``val_<metric>`` (with a validation loader) and
    ``seconds``."""

    epoch: int = 0
    step: int = 0
    sums: dict[str, float] = field(default_factory=dict)  # over this epoch's steps so far
    seen: int = 0
    seconds: float = 0.0
    rng_epoch_start: dict | None = None  # generator state before this epoch's shuffle
    rng: dict | None = None  # generator state after the last completed step
    history: list[dict[str, float]] = field(default_factory=list)

    def best(self, key: str, mode: str = "max") -> dict[str, float] | None:
        """The epoch with the highest (``mode="min"``: lowest) ``key``; the first on ties."""
        if mode not in ("max", "min"):
            raise ValueError(f"Progress.best: mode must be 'max' or 'min', got {mode!r}")
        sign = 1 if mode == "max" else -1
        return max(self.history, key=lambda m: sign * m[key], default=None)

    def to_dict(self) -> dict[str, Any]:
        """Plain dicts, lists and numbers: what a checkpoint's metadata can hold."""
        return asdict(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Progress:
        """The inverse of ``to_dict`` (as read back from a checkpoint)."""
        return cls(**{k: copy.deepcopy(v) for k, v in d.items()})


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


def _length(loader: Any) -> int | None:
    """``len(loader)``, or None for a stream without a length (an ``IterableDataset``)."""
    try:
        return len(loader)
    except TypeError:
        return None


def _progress_bar(total: int | None, desc: str, initial: int, quiet: bool) -> Any:
    """A tqdm bar (no total for a loader without a length: an ``IterableDataset``'s), or a
    silent stand-in when quiet or tqdm is not installed."""
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


def _batch_size(targets: Any) -> int:
    return len(targets._data) if isinstance(targets, Tensor) else len(targets)


def evaluate(model: Any, loader: Iterable, loss_fn: Callable[[Tensor, Tensor], Tensor],
             metrics: Mapping[str, Metric] | None = None) -> dict[str, float]:
    """``{"loss": ..., <metric>: ...}`` averaged over ``loader``, in eval mode without a graph."""
    model.eval()
    sums, seen = dict.fromkeys(["loss", *(metrics or {})], 0.0), 0
    with autograd.no_grad():
        for x, y in loader:
            out = model(x)
            n = _batch_size(y)
            sums["loss"] += float(loss_fn(out, y).item()) * n
            for name, fn in (metrics or {}).items():
                sums[name] += fn(out, y) * n
            seen += n
    return {k: v / max(seen, 1) for k, v in sums.items()}


def _line(epoch: int, epochs: int, row: Mapping[str, float]) -> str:
    parts = [f"epoch {epoch:>2}/{epochs}"]
    for split in ("train", "val"):
        items = [(k[len(split) + 1:], v) for k, v in row.items() if k.startswith(split + "_")]
        if items:
            parts.append(f"{split} " + " ".join(f"{k} {v:.4f}" for k, v in items))
    return "  |  ".join(parts) + f"  |  {row['seconds']:.1f}s"


def fit(
    model: Any,
    loader: Iterable,
    optimizer: Any,
    loss_fn: Callable[[Tensor, Tensor], Tensor],
    metrics: Mapping[str, Metric] | None = None,
    *,
    epochs: int = 1,
    val_loader: Iterable | None = None,
    progress: Progress | None = None,
    checkpoint: Callable[[Progress], None] | None = None,
    quiet: bool = False,
    log: Callable[[str], None] = print,
    check_finite: bool = True,
) -> tuple[Progress, bool]:
    """Train for ``epochs`` epochs in total (continuing from ``progress`` when given).

    ``loss_fn(outputs, targets)`` returns the batch's mean loss; each ``metrics`` function
    returns a float averaged the same way. Train figures are averaged over the epoch's steps as
    they happen; ``val_loader`` (optional) is evaluated after each epoch. Returns the final
    ``Progress`` and whether training was interrupted by Ctrl-C (in which case ``checkpoint``
    has been called with the state after the last completed step).

    With ``check_finite`` (the default) a loss that is NaN or Inf raises ``Diverged`` at
    that step, before its update, and ``checkpoint`` is not called: the last checkpoint
    written stays the last good one. Weights that became NaN or Inf are caught before an
    epoch's checkpoint (and before the one written on Ctrl-C) the same way.

    For an exact resume, ``loader`` should shuffle with minigrad's generator (no ``seed`` of
    its own) and offer ``iter_from(step)``: that generator's state is what ``Progress``
    records.
    """
    loop = _Loop(model, loader, optimizer, loss_fn, dict(metrics or {}), epochs, val_loader,
                 checkpoint, quiet, log, check_finite)
    return loop.run(progress if progress is not None else Progress())


@dataclass
class _Loop:
    """``fit``'s arguments, and the training it runs with them: epochs made of steps."""

    model: Any
    loader: Iterable
    optimizer: Any
    loss_fn: Callable[[Tensor, Tensor], Tensor]
    metrics: dict[str, Metric]
    epochs: int
    val_loader: Iterable | None
    checkpoint: Callable[[Progress], None] | None
    quiet: bool
    log: Callable[[str], None]
    check_finite: bool
    stop: _StopRequest = field(default_factory=_StopRequest)

    def run(self, p: Progress) -> tuple[Progress, bool]:
        """Epochs until ``self.epochs`` are complete; ``(p, True)`` when Ctrl-C stopped it."""
        with self.stop.installed():
            while p.epoch < self.epochs:
                if self.run_epoch(p):
                    return p, True
        return p, False

    def run_epoch(self, p: Progress) -> bool:
        """One epoch (the rest of it, when resuming), then its checkpoint; returns whether
        Ctrl-C asked to stop (the checkpoint then holds the state after the last step)."""
        epoch = p.epoch + 1
        self.model.train()
        batches = _epoch_batches(self.loader, p)
        total = _length(self.loader)
        bar = _progress_bar(total, f"epoch {epoch}/{self.epochs}", p.step, self.quiet)
        t0 = time.perf_counter() - p.seconds
        try:
            for x, y in batches:
                self.step(p, epoch, x, y)
                bar.update()
                bar.set_postfix(**{k: f"{v / p.seen:.4f}" for k, v in p.sums.items()})
                if self.stop.requested:
                    raise KeyboardInterrupt
            bar.close()
            row = _epoch_row(p, epoch, self.model, self.val_loader, self.loss_fn, self.metrics)
        except KeyboardInterrupt:
            self.stop.critical = False
            bar.close()
            p.seconds = time.perf_counter() - t0
            _check_parameters(self.model, epoch, p, self.check_finite, interrupted=True)
            self.save(p)
            return True
        except BaseException:
            bar.close()
            raise
        _check_parameters(self.model, epoch, p, self.check_finite)
        _end_epoch(p, epoch, row, t0)
        if not self.quiet:
            self.log(_line(epoch, self.epochs, row))
        self.save(p)
        return self.stop.requested  # Ctrl-C during evaluation: the checkpoint is the stop

    def step(self, p: Progress, epoch: int, x: Any, y: Any) -> None:
        """Forward, the loss checked, backward, update; counted in ``p``."""
        out = self.model(x)
        loss = self.loss_fn(out, y)
        value = float(loss.item())
        if self.check_finite and not math.isfinite(value):
            raise Diverged(epoch, p.step + 1, value)
        self.optimizer.zero_grad()
        loss.backward()
        self.stop.critical = True  # a Ctrl-C now waits until the update is complete
        self.optimizer.step()
        _record_step(p, self.metrics, out, y, value)
        self.stop.critical = False

    def save(self, p: Progress) -> None:
        """Call the caller's ``checkpoint``, when there is one."""
        if self.checkpoint is not None:
            self.checkpoint(p)


def _epoch_batches(loader: Iterable, p: Progress) -> Iterator:
    """The epoch's batches, from the step ``p`` has reached, in the order of an unbroken run.

    The generator's state before this epoch's shuffle is part of the checkpoint, so a resumed
    run replays the same permutation, then skips the steps already done.
    """
    if p.rng_epoch_start is None:
        p.rng_epoch_start = _rng_state()
    _set_rng_state(p.rng_epoch_start)
    batches = loader.iter_from(p.step) if hasattr(loader, "iter_from") else iter(loader)
    if p.step:
        _set_rng_state(p.rng)
    return batches


def _record_step(p: Progress, metrics: Mapping[str, Metric], out: Tensor, targets: Any,
                 value: float) -> None:
    """Count a completed step in ``p``: its loss and metrics, weighted by the batch size."""
    n = _batch_size(targets)
    p.step += 1
    p.sums["loss"] = p.sums.get("loss", 0.0) + value * n
    for name, fn in metrics.items():
        p.sums[name] = p.sums.get(name, 0.0) + fn(out, targets) * n
    p.seen += n
    p.rng = _rng_state()


def _epoch_row(p: Progress, epoch: int, model: Any, val_loader: Iterable | None,
               loss_fn: Callable[[Tensor, Tensor], Tensor],
               metrics: Mapping[str, Metric]) -> dict[str, float]:
    """The epoch's history row: the train averages, then the validation scores."""
    row: dict[str, float] = {"epoch": epoch}
    row.update({f"train_{k}": v / max(p.seen, 1) for k, v in p.sums.items()})
    if val_loader is not None:
        scores = evaluate(model, val_loader, loss_fn, metrics)
        row.update({f"val_{k}": v for k, v in scores.items()})
    return row


def _check_parameters(model: Any, epoch: int, p: Progress, check_finite: bool,
                      interrupted: bool = False) -> None:
    """Raise ``Diverged`` before a checkpoint could save NaN or Inf weights."""
    if check_finite and (name := _nonfinite_parameter(model)) is not None:
        if interrupted:  # raised while handling Ctrl-C: that is not the error's cause
            raise Diverged(epoch, p.step, parameter=name) from None
        raise Diverged(epoch, p.step, parameter=name)


def _end_epoch(p: Progress, epoch: int, row: dict[str, float], t0: float) -> None:
    """Add the finished epoch to the history and start the next one from step 0."""
    row["seconds"] = round(time.perf_counter() - t0, 3)
    p.history.append(row)
    p.epoch, p.step, p.sums, p.seen, p.seconds = epoch, 0, {}, 0, 0.0
    p.rng_epoch_start, p.rng = _rng_state(), None
