"""``minigrad train``: the MNIST recipe around the library's generic ``fit``."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

import minigrad as mg
from minigrad import checkpoint, train
from minigrad.data import DataLoader, RandomShift
from minigrad.nn import functional as F

from . import figures, runs
from .data import describe_data, load_data, validation_split
from .errors import (
    CLIError,
    bounded,
    check_output_folder,
    model_name,
    nonnegative_int,
    plural,
    positive_float,
    positive_int,
    warn,
)
from .registry import (
    DEFAULTS,
    LEARNING_RATES,
    MODELS,
    ONLY_FOR,
    TRAINABLE,
    VALIDATION_SEED,
    build_model,
    build_optimizer,
    first_layer_weight,
)

IMAGE_SIDE = 28
METRICS = {"accuracy": train.accuracy}
SELECT_ON = "val_accuracy"  # the best checkpoint is chosen on held-out training data
COLUMNS = ("epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "seconds")
KEYS = ("model", "epochs", "batch_size", "optimizer", "lr", "shift", "seed", "val_size", "data")


def add_parser(sub: Any) -> None:
    """Register ``minigrad train``."""
    p = sub.add_parser(
        "train", help="train a convnet on MNIST (the offline sample unless you have the data)",
        description="Train SimpleConvNet or LeNet on MNIST and write a run directory with "
        f"checkpoints ({runs.BEST}: best on the validation split, {runs.LAST}: last, "
        "resumable), metrics.csv, curves.png, filters.png and config.json. The validation "
        "split is held out of the training data; the test set is scored once, at the end.",
    )
    epochs = ", ".join(f"{m} {MODELS[m].epochs}" for m in TRAINABLE)
    lrs = ", ".join(f"{o} {lr:g}" for o, lr in LEARNING_RATES.items())
    shifts = ", ".join(f"{m} {MODELS[m].shift}" for m in TRAINABLE)
    p.add_argument("--model", choices=TRAINABLE, default=None,
                   type=model_name(TRAINABLE, ONLY_FOR, "train"),
                   help=f"network to train, in any case (default {DEFAULTS['model']})")
    p.add_argument("--epochs", type=positive_int, default=None,
                   help=f"epochs in total (default per model: {epochs})")
    p.add_argument("--batch-size", type=positive_int, default=None,
                   help=f"mini-batch size (default {DEFAULTS['batch_size']})")
    p.add_argument("--optimizer", choices=tuple(LEARNING_RATES), default=None,
                   help=f"default {DEFAULTS['optimizer']}; momentum is SGD with momentum 0.9")
    p.add_argument("--lr", type=positive_float, default=None,
                   help=f"learning rate (default per optimizer: {lrs})")
    p.add_argument("--shift", default=None, metavar="PIXELS",
                   type=bounded(int, 0, True, f"an integer from 0 to {IMAGE_SIDE - 1} (the "
                                f"images are {IMAGE_SIDE}x{IMAGE_SIDE})", IMAGE_SIDE - 1),
                   help="augment: move each training image by up to PIXELS pixels at random "
                   f"(0 turns it off; default per model: {shifts})")
    p.add_argument("--val-size", type=positive_int, default=None, metavar="N",
                   help="images held out of the training data (stratified by digit, fixed "
                   "seed) to choose the best epoch on (default "
                   f"{DEFAULTS['val_size']})")
    p.add_argument("--seed", type=nonnegative_int, default=None,
                   help=f"random seed for initialisation and shuffling (default "
                   f"{DEFAULTS['seed']})")
    p.add_argument("--data", metavar="DIR", default=None,
                   help="folder with the MNIST IDX files, or 'sample' for the offline sample "
                   "(default: $MINIGRAD_DATA or ~/.cache/minigrad/mnist if the files are there, "
                   "else the offline sample)")
    p.add_argument("--download", action="store_true",
                   help="download the full MNIST set (11 MB, SHA-256 checked) if missing")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--out", metavar="RUN_DIR", default=None,
                       help="run directory (default runs/<model>-<timestamp>)")
    group.add_argument("--resume", metavar="RUN_DIR", default=None,
                       help="continue the run in RUN_DIR from its last checkpoint")
    p.add_argument("--quiet", action="store_true",
                   help="no progress bars or per-epoch lines; only the final result")
    p.set_defaults(func=run)


def _new_run_dir(model: str) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = Path("runs") / f"{model}-{stamp}"
    n = 2
    while path.exists():
        path = Path("runs") / f"{model}-{stamp}-{n}"
        n += 1
    return path


def _resume_config(args: argparse.Namespace) -> tuple[dict[str, Any], Path]:
    run_dir = Path(args.resume)
    cfg_path = run_dir / "config.json"
    if not (run_dir / runs.LAST).is_file() or not cfg_path.is_file():
        raise CLIError(f"--resume {run_dir}: not a run directory (it needs {runs.LAST} and "
                       "config.json from minigrad train)")
    try:
        config = json.loads(cfg_path.read_text())
    except (OSError, ValueError) as e:
        raise CLIError(f"--resume {run_dir}: cannot read config.json ({e})") from None
    for key in KEYS:
        given = getattr(args, key)
        if key == "epochs" or given is None or given == config.get(key):
            continue
        flag = "--" + key.replace("_", "-")
        raise CLIError(f"--resume {run_dir}: {flag} {given} differs from the run's "
                       f"{config.get(key)!r} (only --epochs may change on resume)")
    if args.epochs is not None:
        config["epochs"] = args.epochs
    check_output_folder(run_dir, "--resume")
    return config, run_dir


def _config(args: argparse.Namespace) -> tuple[dict[str, Any], Path, bool]:
    """The run's configuration (the recipe filled in), its directory, and whether it resumes."""
    if args.resume is not None:
        return (*_resume_config(args), True)
    config = _filled_in({k: getattr(args, k) for k in KEYS})
    run_dir = Path(args.out) if args.out is not None else _new_run_dir(config["model"])
    check_output_folder(run_dir, "--out" if args.out is not None else None)
    if (run_dir / runs.LAST).exists():
        raise CLIError(f"--out {run_dir} already holds a run; use --resume {run_dir} to "
                       "continue it, or choose another directory")
    return config, run_dir, False


def _filled_in(config: dict[str, Any]) -> dict[str, Any]:
    """``config`` with what was not given taken from the recipe: the general defaults, then
    the model's epochs and shift and the optimizer's learning rate."""
    for key, default in DEFAULTS.items():
        if config[key] is None:
            config[key] = default
    spec = MODELS[config["model"]]
    if config["epochs"] is None:
        config["epochs"] = spec.epochs
    if config["lr"] is None:
        config["lr"] = LEARNING_RATES[config["optimizer"]]
    if config["shift"] is None:
        config["shift"] = spec.shift
    return config


def _metrics_csv(history: list[dict]) -> bytes:
    text = io.StringIO()
    w = csv.writer(text, lineterminator="\n")
    w.writerow(COLUMNS)
    for m in history:
        w.writerow([m["epoch"], *(f"{m[c]:.6f}" for c in COLUMNS[1:-1]), f"{m['seconds']:.2f}"])
    return text.getvalue().encode()


def _pictures(run_dir: Path, config: dict, progress: train.Progress, before: Any,
              model: Any) -> list[str]:
    """Draw curves.png and filters.png; returns the names of those written. A picture that
    cannot be written is a warning naming its file."""
    written = []
    for name, draw in _drawings(config, progress, before, model):
        try:
            draw(run_dir / name)
        except ImportError:
            warn("no pictures: matplotlib is not installed (pip install matplotlib)")
            break
        except OSError as e:
            warn(f"could not write {run_dir / name} ({e.strerror or e})")
        else:
            written.append(name)
    return written


def _drawings(config: dict, progress: train.Progress, before: Any,
              model: Any) -> list[tuple[str, Any]]:
    """``(file name, draw(path))`` for each picture there is something to draw for: the
    learning curves once an epoch has ended, the filters when the model has a first layer."""
    h = progress.history
    after = first_layer_weight(model)
    drawings = []
    if h:
        drawings.append(("curves.png", lambda path: figures.plot_curves(
            [m["epoch"] for m in h], [m["train_accuracy"] for m in h],
            [m["val_accuracy"] for m in h], path,
            title=f"{config['model']} on {config['data_name']}")))
    if before is not None and after is not None:
        drawings.append(("filters.png",
                         lambda path: figures.plot_filters_before_after(before, after, path)))
    return drawings


def _diverged(e: train.Diverged, run_dir: Path, config: dict) -> CLIError:
    """The one-line error for a run whose loss became NaN or Inf: where, what to change, and
    which checkpoint is kept (none is written from the diverged weights)."""
    kept = (f"the last good checkpoint {run_dir / runs.LAST} is kept"
            if (run_dir / runs.LAST).is_file()
            else "no checkpoint was written (none had been saved before it diverged)")
    return CLIError(f"{e}; lower --lr (it was {config['lr']:g}); training stopped and {kept}")


def _resumed(run_dir: Path, model: Any, optimizer: Any,
             config: dict) -> tuple[train.Progress, Any]:
    """Load the last checkpoint into ``model`` and ``optimizer``; returns where training
    stands and the first layer's initial filters. A run with no epoch left is an error."""
    state = runs.load_training_state(run_dir, model, optimizer, config["model"])
    progress = state.progress
    if config["epochs"] <= progress.epoch:  # nothing left to do (a begun epoch counts)
        raise CLIError(f"--resume {run_dir}: the run has finished "
                       f"{plural(progress.epoch, 'epoch')} "
                       f"(total asked for: {config['epochs']}); pass --epochs N with "
                       f"N > {progress.epoch} to train further")
    return progress, state.initial_filters


def _data(config: dict, args: argparse.Namespace) -> tuple[dict, Any, Any]:
    """The data, and the training split cut into training and validation sets; what they
    are is noted in ``config``."""
    data = load_data(config["data"], args.download, args.quiet)
    train_set, val_set = validation_split(data["train"], config["val_size"], VALIDATION_SEED)
    config["data_description"] = (describe_data(data) + f" ({len(train_set):,} train, "
                                  f"{len(val_set):,} validation held out of it)")
    config["data_name"] = "MNIST sample" if data["train"].is_sample else "MNIST"
    return data, train_set, val_set


def _say_interrupted(progress: train.Progress, run_dir: Path) -> None:
    """Where an interrupted run stopped, and how to continue it (on stderr)."""
    where = f"epoch {progress.epoch + 1}, step {progress.step}" if progress.step else \
        f"after epoch {progress.epoch}"
    print(f"Interrupted {where}; checkpoint saved to {run_dir / runs.LAST}. "
          f"Continue with: minigrad train --resume {run_dir}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    """``minigrad train``: train, checkpoint every epoch, write the run directory."""
    config, run_dir, resuming = _config(args)
    say = (lambda *a: None) if args.quiet else (lambda *a: print(*a, flush=True))
    data, train_set, val_set = _data(config, args)
    say(f"Data: {config['data_description']}")

    mg.manual_seed(config["seed"])
    model = build_model(config["model"])
    optimizer = build_optimizer(config["optimizer"], model.parameters(), config["lr"])
    progress, before = train.Progress(), first_layer_weight(model)
    if resuming:
        progress, before = _resumed(run_dir, model, optimizer, config)
        say(f"Resuming {run_dir} at epoch {progress.epoch + 1}"
            + (f", step {progress.step}" if progress.step else ""))
    run_dir.mkdir(parents=True, exist_ok=True)
    config.update(minigrad_version=mg.__version__,
                  num_parameters=int(sum(p.numel() for p in model.parameters())))
    checkpoint.atomic_write(run_dir / "config.json", [json.dumps(config, indent=2).encode()])
    shifts = f", random shifts up to {config['shift']} px" if config["shift"] else ""
    say(f"Training {config['model']} ({plural(config['num_parameters'], 'parameter')}) for "
        f"{plural(config['epochs'], 'epoch')}: {config['optimizer']} lr {config['lr']:g}, "
        f"batch {config['batch_size']}{shifts}, seed {config['seed']} -> {run_dir}")

    shifted = RandomShift(train_set, config["shift"]) if config["shift"] else train_set
    train_loader = DataLoader(shifted, config["batch_size"], shuffle=True)
    val_loader = DataLoader(val_set, batch_size=500)

    def save(p: train.Progress) -> None:
        runs.save_training_state(run_dir, model, optimizer, p, config, before)
        if p.step == 0 and p.history and p.best(SELECT_ON) is p.history[-1]:
            runs.save_model(run_dir / runs.BEST, model, config, p.history[-1])
        checkpoint.atomic_write(run_dir / "metrics.csv", [_metrics_csv(p.history)])

    started = time.perf_counter()
    try:  # overflow warnings would bury the one line that says the run diverged
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            progress, interrupted = train.fit(model, train_loader, optimizer, F.cross_entropy,
                                              METRICS, epochs=config["epochs"],
                                              val_loader=val_loader, progress=progress,
                                              checkpoint=save, quiet=args.quiet, log=say)
    except train.Diverged as e:  # no pictures or checkpoint of NaN weights
        raise _diverged(e, run_dir, config) from None
    pictures = _pictures(run_dir, config, progress, before, model)
    if interrupted:
        _say_interrupted(progress, run_dir)
        return 130
    best = progress.best(SELECT_ON)
    model, _ = runs.load_model(run_dir / runs.BEST)
    test = train.evaluate(model, DataLoader(data["test"], batch_size=500), F.cross_entropy,
                          METRICS)
    print(f"Test accuracy {test['accuracy']:.4f} of the best epoch ({best['epoch']} of "
          f"{progress.epoch}, validation accuracy {best['val_accuracy']:.4f}) in "
          f"{time.perf_counter() - started:.0f}s; run saved to {run_dir}/")
    files = [f"{runs.BEST} (best)", runs.LAST, "metrics.csv", *pictures, "config.json"]
    say(f"  {', '.join(files)}\n  next: minigrad evaluate {run_dir}")
    return 0
