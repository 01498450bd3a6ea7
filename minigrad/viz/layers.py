"""``forward_graph``: the network diagram of a model (one box per layer), not the op graph.

One forward pass on zeros records, for every leaf module, what it was given and what it
returned; the autograd graph of that pass says how the layers connect, including through
functional code between them (``F.relu``, ``x.flatten(1)``), which is drawn as small ops.
The model is left exactly as it was: training flags restored, no gradients, no wrappers.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import graphviz
import numpy as np

from ..autograd import enable_grad
from ..tensor import Tensor
from .graph import COLOURS, _escape, _module_title, _tensor_key

__all__ = ["forward_graph", "record_calls"]


class _Call:
    """One call of a module: its dotted name, inputs and outputs (Tensors only)."""

    def __init__(self, name: str, module: Any, inputs: list[Tensor]) -> None:
        self.name, self.module, self.inputs = name, module, inputs
        self.outputs: list[Tensor] = []


def _tensors(value: Any) -> list[Tensor]:
    if isinstance(value, Tensor):
        return [value]
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in _tensors(v)]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _tensors(v)]
    return []


def _leaf_modules(model: Any) -> list[tuple[str, Any]]:
    return [(n, m) for n, m in model.named_modules() if not any(True for _ in m.children())]


@contextmanager
def record_calls(model: Any, names: Sequence[str] | None = None) -> Iterator[list[_Call]]:
    """Record the calls of ``model``'s leaf modules (or of the modules named) in order.

    Works by giving each module an instance-level ``forward`` that wraps the class's, and
    removing it again on exit, so the model is unchanged afterwards.
    """
    modules = dict(model.named_modules())
    if names is None:
        chosen = _leaf_modules(model)
    else:
        missing = [n for n in names if n not in modules]
        if missing:
            raise ValueError(
                f"no module named {', '.join(map(repr, missing))} in {type(model).__name__}; "
                f"its modules are: {', '.join(n for n in modules if n)}"
            )
        chosen = [(n, modules[n]) for n in names]
    calls: list[_Call] = []
    patched = []
    for name, module in chosen:
        if "forward" in module.__dict__:  # already wrapped or customised: leave it alone
            continue
        original = module.forward

        def wrapper(*args: Any, _name: str = name, _m: Any = module, _f: Any = original,
                    **kwargs: Any) -> Any:
            call = _Call(_name, _m, _tensors(args) + _tensors(kwargs))
            calls.append(call)
            out = _f(*args, **kwargs)
            call.outputs = _tensors(out)
            return out

        module.__dict__["forward"] = wrapper
        patched.append(module)
    try:
        yield calls
    finally:
        for module in patched:
            module.__dict__.pop("forward", None)


@contextmanager
def _eval_mode(model: Any) -> Iterator[None]:
    """``model.eval()`` for the duration (no dropout, BatchNorm statistics untouched)."""
    flags = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        yield
    finally:
        for m, flag in flags:
            object.__setattr__(m, "training", flag)


def _param_dtype(model: Any) -> np.dtype:
    for p in model.parameters():
        if p.dtype.kind == "f":
            return p.dtype
    return np.dtype(np.float32)


def _shape_text(shape: tuple) -> str:
    return "(" + ", ".join(str(s) for s in shape) + ")"


def forward_graph(model: Any, input_shape: Sequence[int]) -> graphviz.Digraph:
    """The layer-level diagram of ``model`` for an input of ``input_shape`` (batch included).

    One node per leaf-module call with its output shape and parameter count; functional
    ops between layers appear as small ellipses. Render it with ``minigrad.viz.render``.
    """
    if not hasattr(model, "named_modules"):
        raise TypeError(f"forward_graph: expected an nn.Module, got {type(model).__name__}")
    shape = tuple(int(s) for s in input_shape)
    x = Tensor(np.zeros(shape, dtype=_param_dtype(model)), requires_grad=True)
    with _eval_mode(model), enable_grad(), record_calls(model) as calls:
        out = model(x)
    outputs = _tensors(out)

    graph = graphviz.Digraph(name="forward", comment=f"{type(model).__name__} layers")
    graph.attr(rankdir="TB")
    graph.attr("node", fontname="Helvetica", fontsize="10")
    graph.attr("edge", color="#555555")
    graph.node("input", label=f"input\\n{_shape_text(shape)}", shape="box", style="filled",
               fillcolor=COLOURS["constant"])

    producer: dict[tuple, str] = {_tensor_key(x): "input"}
    op_vertices: dict[int, str] = {}
    edges: dict[tuple[str, str], None] = {}  # an ordered set

    def sources(t: Tensor) -> list[str]:
        """Vertices that ``t`` comes from, creating vertices for functional ops on the way."""
        found: list[str] = []
        start = _tensor_key(t)
        if start in producer:
            return [producer[start]]
        if t.grad_fn is None:
            return found
        pending = [(t.grad_fn, None)]  # (op node, vertex that consumes it)
        new_ops: list[tuple[str, str]] = []  # found walking back: declared in reverse
        while pending:
            node, consumer = pending.pop()
            vid = op_vertices.get(id(node))
            if vid is None:
                vid = op_vertices[id(node)] = f"f{len(op_vertices)}"
                value = node.output_array(0)
                out_shape = "" if value is None else _shape_text(value.shape)
                new_ops.append((vid, f"{node.name}\\n{out_shape}"))
                for edge in node.edges:
                    if edge is None:
                        continue
                    parent, where, _, _ = edge
                    key = ("t", id(where)) if parent is None else ("o", id(parent), where)
                    if key in producer:
                        edges[(producer[key], vid)] = None
                    elif parent is not None:
                        pending.append((parent, vid))
            if consumer is None:
                found.append(vid)
            else:
                edges[(vid, consumer)] = None
        for vid, label in reversed(new_ops):
            graph.node(vid, label=label, shape="ellipse", style="filled",
                       fillcolor=COLOURS["op"], fontsize="9")
        return found

    for i, call in enumerate(calls):
        vid = f"m{i}"
        n_params = sum(p.numel() for p in call.module.parameters())
        lines = [_module_title(call.name, call.module)]
        lines += [_shape_text(o.shape) for o in call.outputs]
        if n_params:
            lines.append(f"{n_params:,} params")
        fill = COLOURS["parameter"] if n_params else COLOURS["intermediate"]
        feeding = [src for t in call.inputs for src in sources(t)]  # declares ops first
        graph.node(vid, label="\\n".join(_escape(s) for s in lines), shape="box",
                   style="filled,rounded", fillcolor=fill)
        for src in feeding:
            edges[(src, vid)] = None
        for o in call.outputs:
            producer[_tensor_key(o)] = vid
    for j, o in enumerate(outputs):
        vid = f"out{j}"
        graph.node(vid, label=f"output\\n{_shape_text(o.shape)}", shape="box", style="filled",
                   fillcolor=COLOURS["output"])
        for src in sources(o):
            edges[(src, vid)] = None
    for a, b in edges:
        graph.edge(a, b)
    n_all = sum(p.numel() for p in model.parameters())
    graph.attr(label=f"{type(model).__name__}: {n_all:,} parameters", labelloc="b",
               fontname="Helvetica", fontsize="11")
    return graph
