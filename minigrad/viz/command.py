"""``minigrad graph``: draw one training step of a ready-made model, loss and gradients included.

``minigrad/cli.py`` only registers this command; its arguments and logic live here, with the
rest of the visualisation code.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

# the models ``minigrad graph --model`` knows, with their default input shape
MODELS: dict[str, tuple[int, ...]] = {
    "simpleconvnet": (1, 1, 28, 28),
    "lenet": (1, 1, 28, 28),
    "lenet-relu": (1, 1, 28, 28),
    "alexnet": (1, 3, 227, 227),
}


def build_model(name: str) -> Any:
    """The same networks as ``minigrad train --model`` (plus AlexNet), freshly initialised."""
    from .. import models

    if name == "simpleconvnet":
        return models.SimpleConvNet()
    if name == "lenet":
        return models.LeNet(num_classes=10, activation="sigmoid", pool="avg")
    if name == "lenet-relu":
        return models.LeNet(num_classes=10, activation="relu", pool="max")
    if name == "alexnet":
        return models.AlexNet()
    raise ValueError(f"unknown model {name!r} (choose from {', '.join(MODELS)})")


def training_step_graph(model: Any, input_shape: tuple[int, ...], *, seed: int = 0,
                        show_attrs: bool = False, max_nodes: int = 500) -> Any:
    """Run one training step (forward, cross-entropy loss, backward) on random data of
    ``input_shape`` and random labels, and draw it with the gradients it produced."""
    import minigrad as mg
    from minigrad.nn import functional as F

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
    from .graph import draw_graph

    names = [model, {"input": x, "labels": labels, "logits": logits, "loss": loss}]
    return draw_graph(loss, params=names, show_attrs=show_attrs, max_nodes=max_nodes)


def _shape(text: str) -> tuple[int, ...]:
    try:
        shape = tuple(int(s) for s in text.replace("x", ",").split(",") if s.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated integers like 1,1,28,28, got {text!r}") from None
    if not shape or any(s < 1 for s in shape):
        raise argparse.ArgumentTypeError(f"expected positive sizes like 1,1,28,28, got {text!r}")
    return shape


def add_graph_command(sub: Any) -> None:
    """Register ``minigrad graph`` on the CLI's subparsers."""
    p = sub.add_parser(
        "graph", help="draw one training step's autograd graph (svg, png, pdf or dot)",
        description="Run one training step (forward, loss, backward) of a model on random "
        "data and draw its autograd graph: every tensor with its shape and gradient norm, "
        "every op, grouped by layer, NaN/Inf in red. Needs Graphviz's dot program for svg, "
        "png and pdf.",
    )
    p.add_argument("--model", choices=list(MODELS), default="lenet",
                   help="network to draw (default lenet)")
    p.add_argument("--out", required=True, type=Path,
                   help="file to write; the suffix picks the format (.svg .png .pdf .dot)")
    p.add_argument("--input-shape", type=_shape, default=None, metavar="N,C,H,W",
                   help="input batch shape (default 1,1,28,28; 1,3,227,227 for alexnet)")
    p.add_argument("--show-attrs", action="store_true",
                   help="also print each op's arguments (stride, padding, dim...)")
    p.add_argument("--max-nodes", type=int, default=500,
                   help="draw at most this many nodes (default 500)")
    p.add_argument("--seed", type=int, default=0, help="seed of the weights and data")
    p.set_defaults(func=run_graph_command)


def run_graph_command(args: argparse.Namespace) -> int:
    """``minigrad graph``: draw one training step's graph to ``--out``; returns the exit code."""
    from ..cli import CLIError
    from .render import DotNotFoundError, render

    out = Path(args.out)
    fmt = out.suffix.lstrip(".").lower()
    if fmt not in {"svg", "png", "pdf", "dot", "gv"}:
        raise CLIError(f"--out {out}: the suffix must be .svg, .png, .pdf or .dot")
    if args.max_nodes < 1:
        raise CLIError(f"--max-nodes must be at least 1, got {args.max_nodes}")
    import minigrad as mg

    mg.manual_seed(args.seed)
    model = build_model(args.model)
    shape = args.input_shape or MODELS[args.model]
    try:
        graph = training_step_graph(model, shape, seed=args.seed, show_attrs=args.show_attrs,
                                    max_nodes=args.max_nodes)
    except ValueError as e:
        raise CLIError(f"--input-shape {','.join(map(str, shape))}: {e}") from None
    if fmt in {"dot", "gv"}:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(graph.source, encoding="utf-8")
    else:
        try:
            render(graph, out)
        except DotNotFoundError as e:
            raise CLIError(str(e)) from None
    n_ops = sum(1 for line in graph.body if "shape=ellipse" in line)
    print(f"wrote {out}: one training step of {args.model} "
          f"({n_ops} ops drawn, input shape {tuple(shape)})")
    return 0
