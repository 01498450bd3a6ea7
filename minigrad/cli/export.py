"""``minigrad export``: a trained run's model as an ONNX file for onnxruntime and friends."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

import minigrad as mg

from . import runs
from .errors import CLIError, check_output_file, model_name
from .registry import MODELS, ONLY_FOR, TRAINABLE

INPUT, OUTPUT = "input", "logits"


def add_parser(sub: Any) -> None:
    """Register ``minigrad export``."""
    p = sub.add_parser("export", help="write a trained model as an ONNX file",
                       description="Write the model of a run directory (its best checkpoint) "
                       f"or of a checkpoint as ONNX: input '{INPUT}' (N, 1, 28, 28) float32 "
                       f"images as 'minigrad train' reads them, output '{OUTPUT}' (N, 10), "
                       "any batch size. Needs the onnx package: "
                       'pip install "minigrad[onnx]".')
    p.add_argument("checkpoint", metavar="RUN_DIR_or_CHECKPOINT",
                   help=f"a run directory (uses its {runs.BEST}) or a .safetensors checkpoint")
    p.add_argument("out", type=Path, metavar="MODEL.onnx", help="the ONNX file to write")
    p.add_argument("--model", choices=TRAINABLE, default=None,
                   type=model_name(TRAINABLE, ONLY_FOR, "export"),
                   help="check that the checkpoint is for this model (needed for a bare "
                   "state dict)")
    p.add_argument("--opset", type=int, default=None, metavar="N",
                   help="ONNX opset version (default: minigrad.onnx's, 17)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Rebuild the checkpoint's model and export it with a dynamic batch axis."""
    path = runs.checkpoint_path(args.checkpoint)
    check_output_file(args.out, "MODEL.onnx")
    model, meta = runs.load_model(path, args.model)
    shape = MODELS[meta["model"]].input_shape
    example = mg.tensor(np.zeros((1, *shape), np.float32))
    axes = {INPUT: {0: "batch"}, OUTPUT: {0: "batch"}}
    try:
        mg.onnx.export(model, example, args.out, input_names=[INPUT], output_names=[OUTPUT],
                       dynamic_axes=axes, opset_version=args.opset)
    except ModuleNotFoundError as e:
        raise CLIError(str(e)) from None
    except (ValueError, RuntimeError, OSError) as e:
        raise CLIError(f"export {path}: {e}") from None
    print(f"Model: {meta['model']} from {path}")
    print(f"Wrote {args.out}: input '{INPUT}' (batch, {', '.join(map(str, shape))}) float32, "
          f"output '{OUTPUT}' (batch, classes)")
    return 0
