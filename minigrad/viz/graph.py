"""``draw_graph``: the autograd graph as a picture, built to find the op that went wrong.

Tensors are boxes (name, shape, dtype, gradient statistics after ``backward``), ops are
ellipses, and anything holding NaN or Inf is red, so the first bad node stands out. Ops that
ran inside an ``nn.Module`` are grouped into nested clusters named like the layer. The walk
is iterative and capped, so a 100,000-op chain draws (partly) instead of overflowing the stack.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import graphviz
import numpy as np

from ..autograd import Context
from ..tensor import Tensor

__all__ = ["COLOURS", "draw_graph"]

# fill colour per role; the legend shows the same table
COLOURS = {
    "parameter": "#9ecae1",  # leaf that requires grad (a parameter or an input you differentiate)
    "constant": "#e5e5e5",  # tensor that needs no gradient (data, labels, lifted scalars)
    "output": "#a1d99b",  # the tensors draw_graph was called with
    "intermediate": "#ffffff",  # op results
    "op": "#fdd49e",
    "bad": "#fb6a4a",  # holds NaN or Inf, in its value or its gradient
}
# what a node holding NaN or Inf gets on top of its role's style
_BAD_STYLE = {"fillcolor": COLOURS["bad"], "color": "#a50f15", "penwidth": "2"}
_LEGEND = (
    ("parameter", "leaf requiring grad", "box"),
    ("constant", "constant (no grad)", "box"),
    ("intermediate", "intermediate result", "box"),
    ("output", "output", "box"),
    ("op", "op", "ellipse"),
    ("bad", "NaN / Inf", "box"),
)
# what --show-attrs prints: the op's arguments under PyTorch's names, never the values an op
# keeps for its backward (counts, masks, saved shapes)
_ARGUMENTS = {"dim", "dims", "keepdim", "reduction", "label_smoothing", "ignore_index", "shape",
              "stride", "k", "exponent", "negative_slope", "p", "eps", "momentum", "alpha",
              "beta", "approximate", "start_dim", "end_dim", "min", "max", "correction",
              "largest", "descending", "diagonal", "normalized_shape", "output_size"}
_ARGUMENT_ALIASES = {"ls": "label_smoothing"}  # internal name -> PyTorch's


# --------------------------------------------------------------------------- the walk


def _collect(roots: list[Tensor]) -> list[Context]:
    """Every op reachable from ``roots``, nearest first (breadth-first, no recursion)."""
    order: list[Context] = []
    seen: set[int] = set()
    queue = deque(r.grad_fn for r in roots if r.grad_fn is not None)
    while queue:
        node = queue.popleft()
        if id(node) in seen:
            continue
        seen.add(id(node))
        order.append(node)
        for edge in node.edges:
            if edge is not None and edge[0] is not None and id(edge[0]) not in seen:
                queue.append(edge[0])
    return order


def _tensor_key(t: Tensor) -> tuple:
    if t.grad_fn is not None:
        return ("o", id(t.grad_fn), t.output_nr)
    return ("t", id(t))


def _inputs(node: Context) -> list[tuple]:
    """``(position, key, source)`` for each tensor input of ``node``, in argument order.

    ``source`` is what the tensor can be read from: a live Tensor, a ``(node, index)`` pair
    for another op's output, or ``(shape, dtype)`` for a constant that no longer exists.
    """
    found = []
    for i, edge in enumerate(node.edges):
        if edge is None:
            continue
        parent, where, shape, dtype = edge
        if parent is None:
            found.append((i, ("t", id(where)), where))
        else:
            found.append((i, ("o", id(parent), where), (parent, where, shape, dtype)))
    for i, ref, shape, dtype in node.constant_inputs:
        t = ref()
        if t is None:
            found.append((i, ("c", id(node), i), (shape, dtype)))
        else:
            found.append((i, _tensor_key(t), t))
    found.sort(key=lambda item: item[0])
    return found


class _TensorView:
    """What is known about one tensor node: value and gradient when still available."""

    def __init__(self, source: Any) -> None:
        self.tensor: Tensor | None = None
        self.data: np.ndarray | None = None
        self.producer: Context | None = None
        if isinstance(source, Tensor):
            self.tensor = source
            self.shape, self.dtype = source.shape, source.dtype
            self.producer = source.grad_fn
        elif len(source) == 4:  # another op's output
            node, index, self.shape, self.dtype = source
            self.producer = node
            ref = node.outputs[index] if index < len(node.outputs) else None
            self.tensor = ref() if ref is not None else None
            if self.tensor is None:
                self.data = node.output_array(index)
        else:  # a constant that has been garbage collected
            self.shape, self.dtype = source
        if self.tensor is not None:
            self.data = self.tensor.detach().numpy()

    @property
    def grad(self) -> np.ndarray | None:
        g = self.tensor.grad if self.tensor is not None else None
        return None if g is None else g.detach().numpy()

    @property
    def requires_grad(self) -> bool:
        return self.tensor is not None and self.tensor.requires_grad


def _non_finite(a: np.ndarray | None) -> list[str]:
    if a is None or a.dtype.kind not in "fc" or np.isfinite(a).all():
        return []
    return [w for w, bad in (("NaN", np.isnan(a).any()), ("Inf", np.isinf(a).any())) if bad]


def _fmt(v: float) -> str:
    return f"{v:.3g}"


# --------------------------------------------------------------------------- names


def _names(params: Any, roots: list[Tensor]) -> tuple[dict[int, str], dict[int, str], set]:
    """Tensor names and module names by ``id``, from a Module, a ``name -> Tensor`` map or a
    list of those; and the ids of module buffers (state that belongs inside its layer)."""
    tensor_names: dict[int, str] = {}
    module_names: dict[int, str] = {}
    buffers: set[int] = set()
    sources = params if isinstance(params, (list, tuple)) else [params]
    for source in sources:
        _add_names(source, tensor_names, module_names, buffers)
    for i, r in enumerate(roots):
        default = "output" if len(roots) == 1 else f"output {i}"
        tensor_names.setdefault(id(r), default)
    return tensor_names, module_names, buffers


def _add_names(params: Any, tensor_names: dict, module_names: dict, buffers: set) -> None:
    if params is None:
        return
    if hasattr(params, "named_parameters"):
        _add_module_names(params, tensor_names, module_names, buffers)
    elif isinstance(params, Mapping):
        _add_mapping_names(params, tensor_names)
    else:
        raise TypeError(
            "draw_graph: params must be an nn.Module, a mapping name -> Tensor or a list of "
            f"those, got {type(params).__name__}"
        )


def _add_module_names(module: Any, tensor_names: dict, module_names: dict, buffers: set) -> None:
    """Parameter and buffer names (dotted paths), and each submodule's name."""
    for name, p in module.named_parameters():
        tensor_names.setdefault(id(p), name)
    if hasattr(module, "named_buffers"):
        for name, b in module.named_buffers():
            if isinstance(b, Tensor):
                tensor_names.setdefault(id(b), name)
                buffers.add(id(b))
    if hasattr(module, "named_modules"):
        for name, m in module.named_modules():
            module_names.setdefault(id(m), name or type(m).__name__)


def _add_mapping_names(mapping: Mapping, tensor_names: dict) -> None:
    """The names of a ``name -> Tensor`` mapping; anything but a Tensor is refused."""
    for name, t in mapping.items():
        if not isinstance(t, Tensor):
            raise TypeError(
                f"draw_graph: params[{name!r}] is a {type(t).__name__}, expected a Tensor"
            )
        tensor_names.setdefault(id(t), str(name))


def _module_title(name: str, module: Any) -> str:
    """``conv1: Conv2d(1, 30, kernel_size=5)``; containers get just their type."""
    kind = type(module).__name__
    extra = ""
    if hasattr(module, "extra_repr"):
        try:
            extra = module.extra_repr()
        except Exception:  # noqa: BLE001 - a broken repr must not stop the drawing
            extra = ""
    desc = f"{kind}({extra})" if extra and "\n" not in extra else kind
    return f"{name}: {desc}" if name and name != kind else desc


def _op_attrs(node: Context) -> list[str]:
    """The op's own arguments as set in forward (``stride=2``), short enough to read."""
    lines = []
    for key, value in vars(node).items():
        key = _ARGUMENT_ALIASES.get(key, key)
        if isinstance(value, Tensor) or callable(value):
            continue
        if all(hasattr(value, a) for a in ("kh", "kw", "sh", "sw", "ph", "pw")):
            # a window geometry (conv, pool): the settings a person passed
            lines += [f"kernel_size=({value.kh}, {value.kw})", f"stride=({value.sh}, {value.sw})",
                      f"padding=({value.ph}, {value.pw})"]
            continue
        if key not in _ARGUMENTS:
            continue
        if isinstance(value, np.ndarray):
            if value.size > 8:
                continue
            value = value.tolist()
        text = repr(value)
        if len(text) > 40:
            text = text[:37] + "..."
        lines.append(f"{key}={text}")
    return lines


# --------------------------------------------------------------------------- drawing
#
# draw_graph = collect (the ops reachable from the roots and their inputs) -> select (what
# fits in max_nodes) -> place (each node's layer cluster) -> label (the text and colour of
# each node) -> emit (the graphviz statements).


@dataclass
class _Selection:
    """The nodes chosen for drawing and their DOT ids."""

    roots: dict[tuple, Tensor]
    views: dict[tuple, _TensorView]
    ops: list[Context]
    inputs: dict[int, list[tuple]]
    hidden: int
    op_ids: dict[int, str] = field(default_factory=dict)
    tensor_ids: dict[tuple, str] = field(default_factory=dict)


def _select(roots: list[Tensor], max_nodes: int) -> _Selection:
    """The roots, then whole ops (with their inputs) nearest first, while they fit."""
    ops = _collect(roots)
    inputs = {id(node): _inputs(node) for node in ops}
    root_keys: dict[tuple, Tensor] = {}
    for r in roots:
        root_keys.setdefault(_tensor_key(r), r)
    total = _count_nodes(root_keys, ops, inputs)
    budget = max_nodes if total <= max_nodes else max_nodes - 1  # room for "... more"
    views = {k: _TensorView(r) for k, r in root_keys.items()}
    drawn = _fill(ops, inputs, views, budget)
    sel = _Selection(root_keys, views, drawn, inputs, total - len(views) - len(drawn))
    sel.op_ids = {id(node): f"op{i}" for i, node in enumerate(drawn)}
    sel.tensor_ids = {key: f"t{i}" for i, key in enumerate(views)}
    return sel


def _count_nodes(root_keys: dict[tuple, Tensor], ops: list[Context],
                 inputs: dict[int, list[tuple]]) -> int:
    """How many nodes the whole graph has: every distinct tensor and every op."""
    all_tensors = set(root_keys)
    for node_inputs in inputs.values():
        all_tensors.update(key for _, key, _ in node_inputs)
    return len(all_tensors) + len(ops)


def _fill(ops: list[Context], inputs: dict[int, list[tuple]], views: dict[tuple, _TensorView],
          budget: int) -> list[Context]:
    """The ops, in order, that fit in ``budget`` nodes with their new inputs (added to
    ``views``), up to the first one that does not fit."""
    drawn: list[Context] = []
    for node in ops:
        new = {key: src for _, key, src in inputs[id(node)] if key not in views}
        if len(views) + len(drawn) + 1 + len(new) > budget:
            break
        drawn.append(node)
        views.update((key, _TensorView(src)) for key, src in new.items())
    return drawn


def _common_scope(scopes: list[tuple]) -> tuple:
    common = scopes[0]
    for s in scopes[1:]:
        n = 0
        while n < min(len(common), len(s)) and common[n][1] is s[n][1]:
            n += 1
        common = common[:n]
    return common


def _placer(sel: _Selection, buffers: set, group_modules: bool) -> Any:
    """``place(key, view) -> scope``: an op's result goes with the op that made it; a leaf
    or constant into the innermost module holding every op that reads it; data fed in
    from outside (an input batch, labels) outside the model."""
    readers: dict[tuple, list[tuple]] = {}
    for node in sel.ops:
        for _, key, _ in sel.inputs[id(node)]:
            readers.setdefault(key, []).append(node.scope)

    def place(key: tuple, view: _TensorView) -> tuple:
        if not group_modules:
            return ()
        if view.producer is not None and id(view.producer) in sel.op_ids:
            return view.producer.scope
        if (view.tensor is not None and not view.requires_grad and view.tensor.numel() > 1
                and id(view.tensor) not in buffers):
            return ()
        scopes = readers.get(key)
        if not scopes:
            return view.producer.scope if view.producer is not None else ()
        return _common_scope(scopes)

    return place


class _Clusters:
    """Node statements grouped by the path of modules they belong to."""

    def __init__(self, module_names: dict[int, str]) -> None:
        self.module_names = module_names
        self.statements: dict[tuple, list[tuple]] = {(): []}
        self.titles: dict[tuple, str] = {}

    def add(self, scope: tuple, node_id: str, lines: list[str], attrs: dict) -> None:
        path: tuple = ()
        for name, module in scope:
            path = path + (id(module),)
            if path not in self.statements:
                self.statements[path] = []
                self.titles[path] = _module_title(self.module_names.get(id(module), name),
                                                  module)
        label = "\\n".join(_escape(x) for x in lines)
        self.statements[path].append((node_id, label, attrs))


def _grad_lines(grad: np.ndarray) -> list[str]:
    g = grad.astype(np.float64, copy=False)
    lines = [f"grad norm {_fmt(float(np.sqrt(np.sum(g * g))))}"]
    if g.size > 1:
        lines.append(f"grad min {_fmt(g.min())} max {_fmt(g.max())}")
    return lines


def _role(key: tuple, view: _TensorView, roots: dict) -> str:
    if key in roots:
        return "output"
    if view.producer is not None:
        return "intermediate"
    return "parameter" if view.requires_grad else "constant"


def _tensor_label(key: tuple, view: _TensorView, sel: _Selection, tensor_names: dict,
                  show_grads: bool) -> tuple[list[str], dict]:
    """A tensor's lines (name, shape and dtype, value, gradient, NaN/Inf) and style."""
    name = tensor_names.get(id(view.tensor)) if view.tensor is not None else None
    shape = "scalar" if view.shape == () else str(tuple(view.shape))
    lines = [name or sel.tensor_ids[key], f"{shape} {np.dtype(view.dtype).name}"]
    lines += _value_lines(view.data)
    bad_value, grad = _non_finite(view.data), view.grad
    bad_grad = _non_finite(grad)
    if show_grads and grad is not None and not bad_grad:
        lines += _grad_lines(grad)
    lines += _non_finite_lines(bad_value, bad_grad)
    attrs = {"shape": "box", "style": "filled", "fillcolor": COLOURS[_role(key, view, sel.roots)]}
    if bad_value or bad_grad:
        attrs.update(_BAD_STYLE)
    return lines, attrs


def _non_finite_lines(bad_value: list[str], bad_grad: list[str]) -> list[str]:
    """``NaN in value``, ``NaN and Inf in grad``: what went wrong, and where."""
    lines = []
    if bad_value:
        lines.append(f"{' and '.join(bad_value)} in value")
    if bad_grad:
        lines.append(f"{' and '.join(bad_grad)} in grad")
    return lines


def _value_lines(data: np.ndarray | None) -> list[str]:
    """The value of a one-element numeric tensor (a loss, a scalar); nothing otherwise."""
    if data is None or data.size != 1 or data.dtype.kind not in "fiub":
        return []
    return [f"value {_fmt(data.item())}"]


def _op_label(node: Context, sel: _Selection, show_attrs: bool) -> tuple[list[str], dict]:
    """An op's lines (name, arguments, where NaN/Inf starts) and style."""
    lines = [node.name] + (_op_attrs(node) if show_attrs else [])
    dropped = getattr(node, "dropped", None)  # set by conv/pool ops whose size floored
    if dropped:
        lines.append(f"floored: {dropped[0]} input row(s), {dropped[1]} column(s) unused")
    attrs = {"shape": "ellipse", "style": "filled", "fillcolor": COLOURS["op"]}
    if any(_output_bad(node, i) for i in range(len(node.outputs))):
        attrs.update(_BAD_STYLE)
        views = sel.views
        if not any(key in views and _non_finite(views[key].data)
                   for _, key, _ in sel.inputs[id(node)]):
            lines.append("NaN/Inf starts here")
            attrs["penwidth"] = "4"
    return lines, attrs


def _emit_edges(graph: graphviz.Digraph, sel: _Selection) -> None:
    """Input tensor -> op -> output tensor, and the "... N more nodes" stand-in."""
    for node in sel.ops:
        for _, key, _ in sel.inputs[id(node)]:
            graph.edge(sel.tensor_ids[key], sel.op_ids[id(node)])
    for key, view in sel.views.items():
        if view.producer is not None and id(view.producer) in sel.op_ids:
            graph.edge(sel.op_ids[id(view.producer)], sel.tensor_ids[key])
    if sel.hidden > 0:
        graph.node("more", label=f"... {sel.hidden} more nodes\\n(raise max_nodes to draw them)",
                   shape="note", style="filled,dashed", fillcolor="#f7f7f7")
        for key, view in sel.views.items():
            if view.producer is not None and id(view.producer) not in sel.op_ids:
                graph.edge("more", sel.tensor_ids[key], style="dashed")


def draw_graph(
    *roots: Tensor,
    params: Any = None,
    show_grads: bool = True,
    show_attrs: bool = False,
    group_modules: bool = True,
    max_nodes: int = 500,
) -> graphviz.Digraph:
    """Draw the autograd graph that produced ``roots`` (tensors and ops, data flowing down).

    ``params`` (an ``nn.Module``, a ``name -> Tensor`` mapping, or a list of them) names
    tensors, e.g. ``conv1.weight`` (a Module also names the layer clusters); other tensors
    get a short id. After ``backward()`` a tensor with a ``.grad`` (a leaf, or one that
    called ``retain_grad``) shows its norm, min and max. Tensors and gradients holding NaN or
    Inf are red, and the op where a NaN/Inf first appears is marked. Values of intermediate
    results are known until ``backward()`` frees them (draw before it, or use
    ``retain_graph=True``). At most ``max_nodes`` nodes are drawn, nearest the outputs
    first; the rest are counted in a "... N more nodes" node. Display the result in
    Jupyter, or save it with ``minigrad.viz.render``.
    """
    if not roots:
        raise ValueError("draw_graph: give at least one tensor to draw")
    for r in roots:
        if not isinstance(r, Tensor):
            raise TypeError(f"draw_graph: expected Tensors, got a {type(r).__name__}")
    if max_nodes < 1:
        raise ValueError(f"draw_graph: max_nodes must be at least 1, got {max_nodes}")
    tensor_names, module_names, buffers = _names(params, list(roots))
    sel = _select(list(roots), max_nodes)
    place = _placer(sel, buffers, group_modules)
    clusters = _Clusters(module_names)
    for key, view in sel.views.items():
        clusters.add(place(key, view), sel.tensor_ids[key],
                     *_tensor_label(key, view, sel, tensor_names, show_grads))
    for node in sel.ops:
        clusters.add(node.scope if group_modules else (), sel.op_ids[id(node)],
                     *_op_label(node, sel, show_attrs))
    graph = graphviz.Digraph(name="minigrad", comment="minigrad autograd graph")
    graph.attr(rankdir="TB")
    graph.attr("node", fontname="Helvetica", fontsize="10")
    graph.attr("edge", color="#555555")
    _emit(graph, (), clusters.statements, clusters.titles)
    _emit_edges(graph, sel)
    _legend(graph)
    return graph


def _output_bad(node: Context, index: int) -> bool:
    ref = node.outputs[index]
    t = ref()
    if t is not None:
        return bool(_non_finite(t.detach().numpy()))
    value = node.output_array(index)
    return value is not None and bool(_non_finite(value))


def _escape(text: str) -> str:
    """Backslashes doubled (graphviz reads them as escapes); quotes graphviz escapes itself."""
    return text.replace("\\", "\\\\")


def _emit(graph: graphviz.Digraph, path: tuple, statements: dict, titles: dict) -> None:
    for node_id, label, attrs in statements.get(path, ()):
        graph.node(node_id, label=label, **attrs)
    for number, child in enumerate(statements):
        if len(child) != len(path) + 1 or child[: len(path)] != path:
            continue
        with graph.subgraph(name=f"cluster_{number}") as sub:
            sub.attr(label=_escape(titles[child]), style="rounded,dashed", color="#777777",
                     fontname="Helvetica", fontsize="11", labeljust="l")
            _emit(sub, child, statements, titles)


def _legend(graph: graphviz.Digraph) -> None:
    """One compact table node: a swatch and a line of text per role."""
    rows = "".join(
        f'<tr><td bgcolor="{COLOURS[role]}" width="18" border="1"></td>'
        f'<td align="left">{text}</td></tr>'
        for role, text, _ in _LEGEND
    )
    table = (
        '<<table border="1" cellborder="0" cellspacing="3" cellpadding="2" color="#bbbbbb">'
        f'<tr><td colspan="2"><b>legend</b></td></tr>{rows}</table>>'
    )
    graph.node("legend", label=table, shape="plaintext", fontsize="9")
