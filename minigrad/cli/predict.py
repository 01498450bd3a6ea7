"""``minigrad predict``: the digit in each image file, or a plain "no digit-like content"."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

import numpy as np

import minigrad as mg

from . import runs
from .errors import CLIError, model_name
from .registry import ONLY_FOR, TRAINABLE

MIN_SIDE = 8  # smaller images hold no digit a person could draw
MIN_CONTRAST = 0.15  # brightest minus darkest pixel, in [0, 1], below which it is blank


def add_parser(sub: Any) -> None:
    """Register ``minigrad predict``."""
    p = sub.add_parser("predict", help="classify digit images with a trained model",
                       description="Predict the digit in each image (any size; transparency "
                       "is composited onto white, then the image is converted to 28x28 grey "
                       "and inverted when dark-on-light, as MNIST is white on black). Images "
                       "without digit-like content (blank, tiny) are reported as such.")
    p.add_argument("checkpoint", metavar="CHECKPOINT",
                   help="a run directory or .safetensors checkpoint")
    p.add_argument("images", metavar="IMAGE", nargs="+", help="image files (PNG, JPEG, ...)")
    p.add_argument("--model", choices=TRAINABLE, default=None,
                   type=model_name(TRAINABLE, ONLY_FOR, "predict"),
                   help="check that the checkpoint is for this model (needed for a bare "
                   "state dict)")
    p.set_defaults(func=run)


def probabilities(model: Any, images: np.ndarray, batch_size: int = 500) -> np.ndarray:
    """Class probabilities ``(N, classes)`` for a float32 image array, in eval mode."""
    model.eval()
    out = []
    with mg.no_grad():
        for start in range(0, len(images), batch_size):
            logits = model(mg.tensor(np.ascontiguousarray(images[start:start + batch_size])))
            out.append(logits.softmax(1).numpy())
    return np.concatenate(out) if out else np.zeros((0, 10), np.float32)


NO_PILLOW = ('predict reads images with Pillow, which is not installed: '
             'pip install "minigrad[examples]" (or pip install pillow)')


def require_pillow() -> None:
    """Raise ``CLIError`` (one line: what to install) unless Pillow can be imported."""
    try:
        import PIL.Image  # noqa: F401
    except ImportError:
        raise CLIError(NO_PILLOW) from None


def _grey(path: str | os.PathLike) -> np.ndarray:
    """The image as grey values in [0, 1], transparency composited onto white."""
    require_pillow()
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            im.load()
            has_alpha = im.mode in ("RGBA", "LA", "PA") or "transparency" in im.info
            if has_alpha:  # drawing programs save dark strokes on a transparent canvas
                rgba = im.convert("RGBA")
                im = Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba)
            return np.asarray(im.convert("L"), dtype=np.float32) / 255.0
    except FileNotFoundError:
        raise CLIError(f"{path}: no such file") from None
    except (UnidentifiedImageError, OSError) as e:
        raise CLIError(f"{path}: not an image Pillow can read ({e})") from None


def load_digit_image(path: str | os.PathLike) -> np.ndarray | str:
    """An image file as a float32 (1, 28, 28) array in [0, 1], white digit on black, centred
    the way MNIST's digits are (fitted in 20x20, centre of mass in the middle); or, when it
    holds no digit-like content, a string saying why. An unreadable file is a ``CLIError``."""
    grey = _grey(path)
    from PIL import Image

    if min(grey.shape) < MIN_SIDE:
        return (f"image is {grey.shape[1]}x{grey.shape[0]} pixels; a digit needs at least "
                f"{MIN_SIDE}x{MIN_SIDE}")
    if grey.max() - grey.min() < MIN_CONTRAST:
        return "blank image (no strokes stand out from the background)"
    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    if border.mean() > 0.5:  # dark digit on a light background: make it light on dark
        grey = 1.0 - grey
    ink = grey > 0.2 * grey.max()
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    crop = grey[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    scale = 20.0 / max(crop.shape)
    h, w = max(1, round(crop.shape[0] * scale)), max(1, round(crop.shape[1] * scale))
    small = Image.fromarray((crop * 255).astype(np.uint8)).resize((w, h), Image.LANCZOS)
    small = np.asarray(small, dtype=np.float32) / 255.0
    total = small.sum()
    cy, cx = ((np.indices(small.shape) * small).reshape(2, -1).sum(axis=1) / total
              if total > 0 else (h / 2, w / 2))
    out = np.zeros((28, 28), np.float32)
    top = int(np.clip(round(14 - cy), 0, 28 - h))
    left = int(np.clip(round(14 - cx), 0, 28 - w))
    out[top:top + h, left:left + w] = small
    return out[None]


def run(args: argparse.Namespace) -> int:
    """The digit and top-3 probabilities for each image (or why there is none). An image
    that cannot be read is reported (one line on stderr) and the others are still
    classified; the exit status is then 2."""
    path = runs.checkpoint_path(args.checkpoint)
    require_pillow()
    model, _ = runs.load_model(path, args.model)
    loaded = _read_images(args.images)
    digits = [x for x in loaded if isinstance(x, np.ndarray)]
    probs = iter(probabilities(model, np.stack(digits)) if digits else [])
    unreadable = 0
    for name, x in zip(args.images, loaded):
        if isinstance(x, CLIError):
            unreadable += 1
            sys.stdout.flush()  # the lines stay in the order of the images
            print(f"minigrad predict: error: {x}", file=sys.stderr, flush=True)
        elif isinstance(x, str):
            print(f"{name}: no digit-like content ({x})")
        else:
            print(_prediction_line(name, next(probs)))
    return 2 if unreadable else 0


def _read_images(names: list[str]) -> list[np.ndarray | str | CLIError]:
    """Each image as a 28x28 digit, the reason it holds none, or the error reading it."""
    loaded: list[np.ndarray | str | CLIError] = []
    for name in names:
        try:
            loaded.append(load_digit_image(name))
        except CLIError as e:
            loaded.append(e)
    return loaded


def _prediction_line(name: str, pr: np.ndarray) -> str:
    """``name: 7  (top 3: 7: 0.981, 1: 0.010, 9: 0.004)``."""
    top = np.argsort(-pr, kind="stable")[:3]
    ranked = ", ".join(f"{d}: {pr[d]:.3f}" for d in top)
    return f"{name}: {top[0]}  (top 3: {ranked})"
