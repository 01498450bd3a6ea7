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
from ..nn.hooks import evaluating, watch_calls
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


def _chosen_modules(model: Any, names: Sequence[str] | None) -> list[tuple[str, Any]]:
    """``(name, module)`` for the modules named, or for every leaf module; unknown names
    are refused with the list of the names there are."""
    if names is None:
        return _leaf_modules(model)
    modules = dict(model.named_modules())
    missing = [n for n in names if n not in modules]
    if missing:
        raise ValueError(
            f"no module named {', '.join(map(repr, missing))} in {type(model).__name__}; "
            f"its modules are: {', '.join(n for n in modules if n)}"
        )
    return [(n, modules[n]) for n in names]


@contextmanager
def record_calls(model: Any, names: Sequence[str] | None = None) -> Iterator[list[_Call]]:
    """Record the calls of ``model``'s leaf modules (or of the modules named) in order,
    through forward hooks that are gone again on exit."""
    chosen = _chosen_modules(model, names)
    name_of = {id(m): name for name, m in chosen}
    calls: list[_Call] = []

    def before(module: Any, args: tuple, kwargs: dict) -> _Call:
        call = _Call(name_of[id(module)], module, _tensors(args) + _tensors(kwargs))
        calls.append(call)
        return call

    def after(module: Any, args: tuple, kwargs: dict, out: Any, call: _Call) -> None:
        call.outputs = _tensors(out)

    with watch_calls([m for _, m in chosen], before, after):
        yield calls


def _param_dtype(model: Any) -> np.dtype:
    for p in model.parameters():
        if p.dtype.kind == "f":
            return p.dtype
    return np.dtype(np.float32)


def _shape_text(shape: tuple) -> str:
    return "(" + ", ".join(str(s) for s in shape) + ")"


class _LayerDiagram:
    """The diagram being drawn: a box per layer call, an ellipse per functional op between
    layers, and the edges (an ordered set), which are emitted last."""

    def __init__(self, graph: graphviz.Digraph, x: Tensor) -> None:
        self.graph = graph
        self.producer: dict[tuple, str] = {_tensor_key(x): "input"}
        self.op_vertices: dict[int, str] = {}
        self.edges: dict[tuple[str, str], None] = {}

    def sources(self, t: Tensor) -> list[str]:
        """Vertices that ``t`` comes from, creating vertices for functional ops on the way."""
        start = _tensor_key(t)
        if start in self.producer:
            return [self.producer[start]]
        if t.grad_fn is None:
            return []
        found: list[str] = []
        pending = [(t.grad_fn, None)]  # (op node, vertex that consumes it)
        new_ops: list[tuple[str, str]] = []  # found walking back: declared in reverse
        while pending:
            node, consumer = pending.pop()
            vid = self.op_vertices.get(id(node))
            if vid is None:
                vid = self.op_vertices[id(node)] = f"f{len(self.op_vertices)}"
                new_ops.append((vid, _op_text(node)))
                pending += self._unseen_parents(node, vid)
            if consumer is None:
                found.append(vid)
            else:
                self.edges[(vid, consumer)] = None
        for vid, label in reversed(new_ops):
            self.graph.node(vid, label=label, shape="ellipse", style="filled",
                            fillcolor=COLOURS["op"], fontsize="9")
        return found

    def _unseen_parents(self, node: Any, vid: str) -> list[tuple[Any, str]]:
        """Link ``node``'s inputs that already have a vertex to ``vid``; return the op nodes
        still to walk, each with ``vid`` as its consumer."""
        pending = []
        for edge in node.edges:
            if edge is None:
                continue
            parent, where, _, _ = edge
            key = ("t", id(where)) if parent is None else ("o", id(parent), where)
            if key in self.producer:
                self.edges[(self.producer[key], vid)] = None
            elif parent is not None:
                pending.append((parent, vid))
        return pending

    def add_layer(self, vid: str, call: _Call) -> None:
        """A box for one module call: its title, output shapes and parameter count."""
        n_params = sum(p.numel() for p in call.module.parameters())
        lines = [_module_title(call.name, call.module)]
        lines += [_shape_text(o.shape) for o in call.outputs]
        if n_params:
            lines.append(f"{n_params:,} params")
        fill = COLOURS["parameter"] if n_params else COLOURS["intermediate"]
        feeding = [src for t in call.inputs for src in self.sources(t)]  # declares ops first
        self.graph.node(vid, label="\\n".join(_escape(s) for s in lines), shape="box",
                        style="filled,rounded", fillcolor=fill)
        for src in feeding:
            self.edges[(src, vid)] = None
        for o in call.outputs:
            self.producer[_tensor_key(o)] = vid

    def add_output(self, vid: str, o: Tensor) -> None:
        """A box for one of the model's outputs."""
        self.graph.node(vid, label=f"output\\n{_shape_text(o.shape)}", shape="box",
                        style="filled", fillcolor=COLOURS["output"])
        for src in self.sources(o):
            self.edges[(src, vid)] = None

    def emit_edges(self) -> None:
        """The edges, after every node, in the order they were found."""
        for a, b in self.edges:
            self.graph.edge(a, b)


def _op_text(node: Any) -> str:
    """A functional op's label: its name and output shape (when the value is still known)."""
    value = node.output_array(0)
    out_shape = "" if value is None else _shape_text(value.shape)
    return f"{node.name}\\n{out_shape}"


def forward_graph(model: Any, input_shape: Sequence[int]) -> graphviz.Digraph:
    """The layer-level diagram of ``model`` for an input of ``input_shape`` (batch included).

    One node per leaf-module call with its output shape and parameter count; functional
    ops between layers appear as small ellipses. Render it with ``minigrad.viz.render``.
    """
    if not hasattr(model, "named_modules"):
        raise TypeError(f"forward_graph: expected an nn.Module, got {type(model).__name__}")
    shape = tuple(int(s) for s in input_shape)
    x = Tensor(np.zeros(shape, dtype=_param_dtype(model)), requires_grad=True)
    with evaluating(model), enable_grad(), record_calls(model) as calls:
        out = model(x)

    graph = graphviz.Digraph(name="forward", comment=f"{type(model).__name__} layers")
    graph.attr(rankdir="TB")
    graph.attr("node", fontname="Helvetica", fontsize="10")
    graph.attr("edge", color="#555555")
    graph.node("input", label=f"input\\n{_shape_text(shape)}", shape="box", style="filled",
               fillcolor=COLOURS["constant"])
    diagram = _LayerDiagram(graph, x)
    for i, call in enumerate(calls):
        diagram.add_layer(f"m{i}", call)
    for j, o in enumerate(_tensors(out)):
        diagram.add_output(f"out{j}", o)
    diagram.emit_edges()
    n_all = sum(p.numel() for p in model.parameters())
    graph.attr(label=f"{type(model).__name__}: {n_all:,} parameters", labelloc="b",
               fontname="Helvetica", fontsize="11")
    return graph
