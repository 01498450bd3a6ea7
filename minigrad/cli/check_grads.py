"""``minigrad check-grads``: check every parameter's gradient of a ready-made model against
finite differences (``minigrad.testing.gradcheck_module``), one line per parameter."""

from __future__ import annotations

import argparse
from typing import Any

import minigrad as mg
from minigrad.nn import functional as F
from minigrad.testing import gradcheck_module

from .errors import CLIError, positive_int
from .registry import MODELS, build_model


def add_parser(sub: Any) -> None:
    """Register ``minigrad check-grads``."""
    p = sub.add_parser(
        "check-grads", help="check a model's gradients against finite differences",
        description="Build a model, copy it to float64 and compare the gradient of every "
        "parameter (a sample of the elements of large ones) with central finite "
        "differences of a loss on random data. Prints one line per parameter with its "
        "relative error; exits with status 1 if one is wrong.",
    )
    p.add_argument("--model", choices=[m for m, spec in MODELS.items() if spec.trains_on_mnist],
                   default="simpleconvnet", help="network to check (default simpleconvnet)")
    p.add_argument("--samples", type=positive_int, default=20,
                   help="elements checked per parameter (default 20; all if fewer)")
    p.add_argument("--batch-size", type=positive_int, default=2,
                   help="random images in the batch (default 2)")
    p.add_argument("--loss", choices=("projection", "cross-entropy"), default="projection",
                   help="the scalar checked: a fixed random projection of the logits "
                   "(default; most precise) or the cross-entropy on random labels")
    p.add_argument("--eps", type=float, default=1e-6, help="finite-difference step")
    p.add_argument("--tol", type=float, default=1e-6,
                   help="largest relative error accepted (default 1e-6)")
    p.add_argument("--seed", type=int, default=0, help="seed of the weights and data")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the table; 0 when every parameter agrees, 1 when one does not."""
    if not args.eps > 0:
        raise CLIError(f"--eps {args.eps}: must be positive")
    if not args.tol > 0:
        raise CLIError(f"--tol {args.tol}: must be positive")
    mg.manual_seed(args.seed)
    model = build_model(args.model)
    images = mg.rand(args.batch_size, *MODELS[args.model].input_shape, dtype=mg.float64)
    labels = mg.randint(0, 10, (args.batch_size,))
    loss_fn = None
    if args.loss == "cross-entropy":
        def loss_fn(out: Any) -> Any:
            return F.cross_entropy(out, labels)
    result = gradcheck_module(model, images, loss_fn=loss_fn, samples=args.samples,
                              eps=args.eps, tol=args.tol, seed=args.seed, verbose=False)
    print(f"minigrad check-grads --model {args.model}: {args.samples} samples per "
          f"parameter, eps {args.eps:g}, batch {args.batch_size}")
    print(result)
    return 0 if result.ok else 1
