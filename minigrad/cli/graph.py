"""``minigrad graph``: draw one training step of a ready-made model, loss and gradients included."""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

import minigrad as mg
from minigrad import viz
from minigrad.nn import functional as F

from .errors import CLIError, check_output_file, model_name, plural, positive_int
from .registry import MODELS, build_model

FORMATS = ("svg", "png", "pdf", "dot", "gv")
MAX_INPUT_VALUES = 1 << 24  # 16.8 M values (64 MB of float32) per input batch
MAX_NODES = 100_000


def training_step_graph(model: Any, input_shape: tuple[int, ...], *, seed: int = 0,
                        show_attrs: bool = False, max_nodes: int = 500) -> Any:
    """Run one training step (forward, cross-entropy loss, backward) on random data of
    ``input_shape`` and random labels, and draw it with the gradients it produced."""
    mg.manual_seed(seed)
    model.train()
    model.zero_grad()
    x = mg.randn(*input_shape)
    logits = model(x)
    if logits.ndim != 2:
        raise ValueError(f"the model returned shape {logits.shape}; expected (N, classes)")
    labels = mg.randint(0, logits.shape[1], (logits.shape[0],))
    loss = F.cross_entropy(logits, labels)
    loss.backward(retain_graph=True)  # keep intermediate values for the picture
    names = [model, {"input": x, "labels": labels, "logits": logits, "loss": loss}]
    return viz.draw_graph(loss, params=names, show_attrs=show_attrs, max_nodes=max_nodes)


def _shape(text: str) -> tuple[int, ...]:
    try:
        shape = tuple(int(s) for s in text.replace("x", ",").split(",") if s.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated integers like 1,1,28,28, got {text!r}") from None
    if not shape or any(s < 1 for s in shape):
        raise argparse.ArgumentTypeError(f"expected positive sizes like 1,1,28,28, got {text!r}")
    if len(shape) != 4:
        raise argparse.ArgumentTypeError(f"expected 4 sizes N,C,H,W, got {text!r}")
    values = math.prod(shape)
    if values > MAX_INPUT_VALUES:
        raise argparse.ArgumentTypeError(
            f"{text} is {values:,} values; at most {MAX_INPUT_VALUES:,} (one training step's "
            "graph must fit in memory)")
    return shape


def add_parser(sub: Any) -> None:
    """Register ``minigrad graph``."""
    p = sub.add_parser(
        "graph", help="draw one training step's autograd graph (svg, png, pdf or dot)",
        description="Run one training step (forward, loss, backward) of a model on random "
        "data and draw its autograd graph: every tensor with its shape, the gradient norm, "
        "min and max of each tensor that keeps a gradient (the parameters; intermediate "
        "results keep none, as in PyTorch), every op, grouped by layer, NaN/Inf in red. "
        "Needs Graphviz's dot program for svg, png and pdf.",
    )
    p.add_argument("--model", choices=list(MODELS), default="lenet",
                   type=model_name(tuple(MODELS), {}, "graph"),
                   help="network to draw, in any case (default lenet)")
    p.add_argument("--out", required=True, type=Path,
                   help="file to write; the suffix picks the format (.svg .png .pdf .dot)")
    p.add_argument("--input-shape", type=_shape, default=None, metavar="N,C,H,W",
                   help="input batch shape (default 1,1,28,28; 1,3,227,227 for alexnet; at "
                   f"most {MAX_INPUT_VALUES:,} values)")
    p.add_argument("--show-attrs", action="store_true",
                   help="also print each op's arguments (stride, padding, dim...)")
    p.add_argument("--max-nodes", type=positive_int, default=500,
                   help="draw at most this many nodes (default 500)")
    p.add_argument("--seed", type=int, default=0, help="seed of the weights and data")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Draw one training step's graph to ``--out``."""
    out = Path(args.out)
    fmt = out.suffix.lstrip(".").lower()
    if fmt not in FORMATS:
        raise CLIError(f"--out {out}: the suffix must be .svg, .png, .pdf or .dot")
    check_output_file(out, "--out")
    if args.max_nodes > MAX_NODES:
        raise CLIError(f"--max-nodes {args.max_nodes}: at most {MAX_NODES:,}")
    mg.manual_seed(args.seed)
    model = build_model(args.model)
    shape = args.input_shape or (1, *MODELS[args.model].input_shape)
    try:
        graph = training_step_graph(model, shape, seed=args.seed, show_attrs=args.show_attrs,
                                    max_nodes=args.max_nodes)
    except (ValueError, RuntimeError) as e:
        raise CLIError(f"--input-shape {','.join(map(str, shape))}: {e}") from None
    if fmt in {"dot", "gv"}:
        out.write_text(graph.source, encoding="utf-8")
    else:
        try:
            viz.render(graph, out)
        except viz.DotNotFoundError as e:
            raise CLIError(str(e)) from None
    n_ops = sum(1 for line in graph.body if "shape=ellipse" in line)
    print(f"wrote {out}: one training step of {args.model} "
          f"({plural(n_ops, 'op')} drawn, input shape {tuple(shape)})")
    return 0
