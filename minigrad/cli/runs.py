"""The files of a run directory, and how ``evaluate``/``predict`` find and rebuild a model.

- ``model.safetensors``: the weights of the epoch with the best validation accuracy; the
  metadata says which model, epoch and scores, and the run's configuration. PyTorch reads it
  with ``safetensors.torch.load_file`` (state-dict names and layouts).
- ``last.safetensors``: the weights after the last completed step, with the configuration and
  ``Progress`` (where training stands) in its metadata; ``last.state.safetensors`` beside it
  holds the optimizer state and the initial filters. Both carry the same stamp, so a pair
  from two different moments is refused instead of resumed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

import minigrad as mg
from minigrad import checkpoint
from minigrad.train import Progress

from .errors import CLIError
from .registry import MODELS, build_model

BEST, LAST, LAST_STATE = "model.safetensors", "last.safetensors", "last.state.safetensors"


@dataclass
class TrainingState:
    """What ``load_training_state`` returns besides loading the model and optimizer."""

    progress: Progress
    config: dict
    initial_filters: np.ndarray | None


def _weights(model: Any) -> dict[str, np.ndarray]:
    return {k: v.detach().numpy() for k, v in model.state_dict().items()}


def _stamp(progress: Progress) -> str:
    return f"{progress.epoch}.{progress.step}.{progress.seen}"


def save_model(path: Path, model: Any, config: dict, metrics: dict | None) -> None:
    """The weights ``evaluate``/``predict`` use, with the model's name so they can rebuild it."""
    checkpoint.write(path, _weights(model), {"kind": "minigrad-model", "model": config["model"],
                                             "metrics": metrics, "config": config},
                     what="minigrad train")


def save_training_state(run_dir: Path, model: Any, optimizer: Any, progress: Progress,
                        config: dict, initial_filters: np.ndarray | None) -> None:
    """Everything needed to continue training exactly: model, optimizer, progress, RNG."""
    stamp = _stamp(progress)
    mg.save({"optimizer": optimizer.state_dict(), "initial_filters": initial_filters,
             "stamp": stamp}, run_dir / LAST_STATE)
    checkpoint.write(run_dir / LAST, _weights(model),
                     {"kind": "minigrad-train-state", "model": config["model"], "stamp": stamp,
                      "progress": progress.to_dict(), "config": config}, what="minigrad train")


def _read(path: Path, expect_model: str | None) -> tuple[dict, dict]:
    try:  # NaN or Inf weights are refused, naming the tensor: they only predict NaN
        tensors, meta = checkpoint.read(path, what="", check_finite=True)
    except checkpoint.CheckpointError as e:
        raise CLIError(str(e)) from None
    if meta is None:  # a bare state dict (e.g. from PyTorch)
        if expect_model is None:
            raise CLIError(f"{path}: a bare state dict with no model name; pass --model")
        meta = {"model": expect_model}
    name = meta.get("model") if isinstance(meta, dict) else None
    if name is None:
        raise CLIError(f"{path}: not a checkpoint written by minigrad train (its metadata "
                       "names no model)")
    if name not in MODELS:
        raise CLIError(f"{path}: not a checkpoint written by minigrad train (it names the "
                       f"model {name!r}; this minigrad knows {', '.join(MODELS)})")
    if expect_model is not None and name != expect_model:
        raise CLIError(f"{path} holds a {name} checkpoint, not {expect_model}")
    return tensors, meta


def _fit(model: Any, tensors: dict, name: str, path: Path) -> None:
    try:
        model.load_state_dict(tensors)
    except (RuntimeError, ValueError, KeyError) as e:
        first = str(e).splitlines()[1:2] or [str(e)]
        raise CLIError(f"{path}: weights do not fit {name}: {first[0].strip()}") from None


def load_model(path: Path, expect_model: str | None = None) -> tuple[Any, dict]:
    """Rebuild the model a checkpoint was written for, in eval mode; returns ``(model, meta)``."""
    tensors, meta = _read(path, expect_model)
    model = build_model(meta["model"])
    _fit(model, tensors, meta["model"], path)
    model.eval()
    return model, meta


def load_training_state(run_dir: Path, model: Any, optimizer: Any,
                        expect_model: str | None = None) -> TrainingState:
    """Load ``last.safetensors`` and its state file into ``model`` and ``optimizer``."""
    tensors, meta = _read(run_dir / LAST, expect_model)
    if meta.get("kind") != "minigrad-train-state":
        raise CLIError(f"{run_dir / LAST}: not a resumable training state")
    try:
        state = mg.load(run_dir / LAST_STATE)
    except (OSError, ValueError) as e:
        raise CLIError(f"--resume {run_dir}: {e}") from None
    if state.get("stamp") != meta.get("stamp"):
        raise CLIError(f"--resume {run_dir}: {LAST} and {LAST_STATE} are from different "
                       "moments (a save was cut short); the run cannot be resumed exactly")
    _fit(model, tensors, meta["model"], run_dir / LAST)
    try:
        optimizer.load_state_dict(state["optimizer"])
    except (RuntimeError, ValueError, KeyError) as e:
        raise CLIError(f"--resume {run_dir}: the optimizer state does not fit: {e}") from None
    filters = state.get("initial_filters")
    return TrainingState(Progress.from_dict(meta["progress"]), meta["config"],
                         None if filters is None else filters.detach().numpy())


def checkpoint_path(text: str) -> Path:
    """A run directory (its best checkpoint) or a checkpoint file, as ``evaluate`` takes it."""
    path = Path(text)
    if path.is_dir():
        if not (path / BEST).is_file() and (path / LAST).is_file():
            raise CLIError(f"{text} has no {BEST} yet (training stopped before the first epoch "
                           f"ended); its last checkpoint is {path / LAST}: "
                           f"minigrad evaluate {path / LAST}")
        path = path / BEST
    if not path.is_file():
        raise CLIError(f"{text}: no such checkpoint (expected a run directory with {BEST}, "
                       "or a .safetensors file)")
    return path
