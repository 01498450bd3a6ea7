"""``minigrad evaluate``: test accuracy and confusion matrix of a checkpoint."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

from . import figures, runs
from .data import describe_data, load_data
from .errors import CLIError, check_output_file, model_name, warn
from .predict import probabilities
from .registry import ONLY_FOR, TRAINABLE


def add_parser(sub: Any) -> None:
    """Register ``minigrad evaluate``."""
    p = sub.add_parser("evaluate", help="accuracy and confusion matrix of a trained model",
                       description="Evaluate a checkpoint on the MNIST test set: print the "
                       "accuracy and the confusion matrix, and draw the matrix (default: "
                       "beside the checkpoint, named after it, e.g. model-confusion.png).")
    p.add_argument("checkpoint", metavar="RUN_DIR_or_CHECKPOINT",
                   help=f"a run directory (uses its {runs.BEST}) or a .safetensors checkpoint")
    p.add_argument("--data", metavar="DIR", default=None,
                   help="as for train: IDX folder, 'sample', or the default lookup")
    p.add_argument("--download", action="store_true", help="download MNIST if missing")
    p.add_argument("--model", choices=TRAINABLE, default=None,
                   type=model_name(TRAINABLE, ONLY_FOR, "evaluate"),
                   help="check that the checkpoint is for this model (needed for a bare "
                   "state dict)")
    p.add_argument("--out", type=Path, default=None, metavar="PICTURE.png",
                   help="where to draw the confusion matrix (.png is added to a name "
                   "without a suffix)")
    p.set_defaults(func=run)


def picture_path(checkpoint: Path) -> Path:
    """``model.safetensors`` -> ``model-confusion.png`` beside it."""
    return checkpoint.with_name(checkpoint.name.split(".")[0] + "-confusion.png")


def run(args: argparse.Namespace) -> int:
    """Print the accuracy and confusion matrix; a picture that cannot be drawn is a warning."""
    path = runs.checkpoint_path(args.checkpoint)
    out = picture_path(path)
    if args.out is not None:
        try:
            out = figures.picture_file(args.out)
        except ValueError as e:
            raise CLIError(f"--out {args.out}: {e}") from None
        check_output_file(out, "--out")
    model, meta = runs.load_model(path, args.model)
    data = load_data(args.data, args.download, False, splits=("test",))["test"]
    probs = probabilities(model, data.images)
    pred = probs.argmax(axis=1)
    k = probs.shape[1]
    matrix = np.bincount(data.labels * k + pred, minlength=k * k).reshape(k, k)
    correct = int(np.trace(matrix))
    accuracy = correct / max(len(pred), 1)
    print(f"Model: {meta['model']} from {path}")
    print(f"Data: {describe_data({'test': data})}")
    print(f"Accuracy: {accuracy:.4f} ({correct:,}/{len(pred):,})")
    print("Confusion matrix (rows: true digit, columns: predicted):")
    width = max(4, len(str(matrix.max())) + 1)
    print("     " + "".join(f"{j:>{width}}" for j in range(k)))
    for i in range(k):
        print(f"{i:>4} " + "".join(f"{matrix[i, j]:>{width}}" for j in range(k)))
    try:
        figures.plot_confusion(matrix, out, title=f"{meta['model']}: accuracy {accuracy:.4f}")
    except ImportError:
        warn("no picture: matplotlib is not installed (pip install matplotlib)")
    except OSError as e:
        warn(f"could not write {out} ({e.strerror or e}); pass --out to draw it elsewhere")
    else:
        print(f"Wrote {out}")
    return 0
