"""Make the pictures of docs/training.md: ``python docs/make_training_images.py``.

Runs the default ``minigrad train`` (SimpleConvNet on the offline sample, seed 0) and
``minigrad evaluate`` in a temporary run directory and copies the pictures they write to
``docs/images/training_curves.png``, ``training_filters.png`` and ``training_confusion.png``
(or into ``--out DIR``). ``--epochs N`` makes a shorter run (for trying the script out).
Seeded, so the pictures only change when the code does (about half a minute on two cores).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from minigrad.cli import main

HERE = Path(__file__).resolve().parent


def make(out: Path, epochs: int | None = None) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        run = Path(tmp) / "run"
        extra = ["--epochs", str(epochs)] if epochs else []
        if main(["train", "--data", "sample", "--out", str(run), "--quiet", *extra]) != 0:
            raise SystemExit("minigrad train failed")
        if main(["evaluate", str(run), "--data", "sample"]) != 0:
            raise SystemExit("minigrad evaluate failed")
        written = []
        for name, source in (("curves", "curves"), ("filters", "filters"),
                             ("confusion", "model-confusion")):
            target = out / f"training_{name}.png"
            shutil.copyfile(run / f"{source}.png", target)
            written.append(target)
    return written


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE / "images")
    parser.add_argument("--epochs", type=int, default=None)
    args = parser.parse_args()
    for path in make(args.out, args.epochs):
        print(f"wrote {path}")
