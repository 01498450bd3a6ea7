"""One forward pass of a model, recorded as the graph ONNX export walks.

The engine already records the graph of Functions a pass builds (``Tensor.grad_fn``,
``Context.edges``); this module runs the model in eval mode with recording on, and turns
that graph into a plain list of nodes in topological order, each with the Tensors it read
and the numbers it was called with. Two things the engine does not keep are kept here, for
the length of the pass only:

* the arguments of each Function call: a constant made inside ``forward`` (the ``2`` of
  ``x * 2``) is held by the graph only weakly, and non-Tensor arguments (a pad's value) are
  not held at all. The engine's ``observing_records`` hands them over for the pass (on
  this thread only), and a copy of each constant's value is kept as it was read;
* the calls of the layers that map to one ONNX operator as a whole (``BatchNorm2d``,
  ``Linear``...): seen through forward hooks (``nn.hooks.watch_calls``), as minigrad.viz
  sees them.

The model is left as it was: training flags restored, no gradients, no wrappers.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..autograd import Context, enable_grad
from ..grad_mode import observing_records
from ..nn.hooks import evaluating, watch_calls
from ..tensor import Tensor

__all__ = ["Node", "Trace", "Value", "run_trace"]


@dataclass(eq=False)
class Value:
    """A tensor of the graph: a model input, a parameter or buffer, a constant, or the
    output of a node. ``index`` is its place in the walk (the same in two traces of one
    model); ``data`` is known for parameters and constants."""

    index: int
    shape: tuple[int, ...]
    dtype: np.dtype
    kind: str  # "input", "param", "const" or "op"
    name: str | None = None  # input name or state_dict name
    data: np.ndarray | None = None


@dataclass(eq=False)
class Node:
    """One recorded op: a Function call (``ctx`` set) or a whole mapped layer (``module``)."""

    op: type  # the Function subclass or the Module class
    inputs: list[Value | None]  # one per positional argument; None for non-Tensors
    outputs: list[Value]
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    ctx: Context | None = None
    module: Any = None  # the layer, for a mapped layer
    where: str = ""  # dotted name of the innermost module the op ran in ("" = the model)
    where_type: str = ""  # that module's class name

    def argument(self, name: str, default: Any = None) -> Any:
        """A forward argument by name, however it was passed (``dim`` of ``Sum``)."""
        try:
            bound = inspect.signature(self.op.forward).bind(None, *self.args, **self.kwargs)
        except TypeError:
            return default
        return bound.arguments.get(name, default)


@dataclass
class Trace:
    """The nodes in topological order, the input and output Values, every Value by index."""

    nodes: list[Node]
    inputs: list[Value]
    outputs: list[Value]
    values: list[Value]
    params: dict[int, str]  # id of each parameter/buffer -> its state_dict name


@dataclass(eq=False)
class _Call:
    """A mapped layer's call: input keys and the output key, taken when it returned."""

    module: Any
    inputs: list[tuple | None]
    tensors: list[Any]
    output: tuple


def _key(t: Tensor) -> tuple:
    """Where a Tensor's value comes from right now: an op's output or a leaf."""
    fn = t.grad_fn
    return ("op", id(fn), t.output_nr) if fn is not None else ("leaf", id(t))


@contextmanager
def _keep_arguments() -> Iterator[dict[int, tuple]]:
    """Each recorded call's arguments (and a copy of the value of each constant Tensor
    among them), by ``id(ctx)``, through the engine's ``observing_records``."""
    calls: dict[int, tuple] = {}

    def keep(ctx: Context, args: tuple, kwargs: dict) -> None:
        consts = {i: (a, np.array(a.detach().numpy(), copy=True))
                  for i, a in enumerate(args) if isinstance(a, Tensor) and not a.requires_grad}
        calls[id(ctx)] = (ctx, args, kwargs, consts)

    with observing_records(keep):
        yield calls


@contextmanager
def _record_layers(model: Any, mapped: Callable[[Any, Any], bool]
                   ) -> Iterator[dict[tuple, _Call]]:
    """Record the calls of the layers that map as a whole, by their output's key:
    ``mapped(module, None)`` says whether a layer may, ``mapped(module, args)`` whether
    this call does."""
    calls: dict[tuple, _Call] = {}

    def before(module: Any, args: tuple, kwargs: dict) -> list:
        return [_key(a) if isinstance(a, Tensor) else None for a in args]

    def after(module: Any, args: tuple, kwargs: dict, out: Any, keys: list) -> None:
        if (isinstance(out, Tensor) and not kwargs and _key(out) not in keys
                and mapped(module, args)):
            calls[_key(out)] = _Call(module, keys, list(args), _key(out))

    layers = [m for _, m in model.named_modules() if mapped(m, None)]
    with watch_calls(layers, before, after):
        yield calls


def _outputs(out: Any) -> list[Tensor]:
    items = list(out) if isinstance(out, (tuple, list)) else [out]
    for o in items:
        if not isinstance(o, Tensor):
            raise TypeError(f"minigrad.onnx.export: the model must return a Tensor or a tuple "
                            f"of Tensors, got a {type(o).__name__}")
    return items


def run_trace(model: Any, inputs: list[Tensor], input_names: list[str],
              mapped: Callable[[Any, Any], bool]) -> Trace:
    """Run ``model(*inputs)`` once in eval mode and return its graph as a ``Trace``."""
    leaves = [t.detach().requires_grad_(True) if t.dtype.kind == "f" else t.detach()
              for t in inputs]
    with evaluating(model), enable_grad(), _keep_arguments() as calls, \
            _record_layers(model, mapped) as layers:
        outputs = _outputs(model(*leaves))
    return _Walk(model, leaves, input_names, calls, layers).run(outputs)


class _Walk:
    """The recorded graph as nodes in topological order (an explicit stack, any depth)."""

    def __init__(self, model: Any, leaves: list[Tensor], input_names: list[str],
                 calls: dict[int, tuple], layers: dict[tuple, _Call]) -> None:
        self.calls, self.layers = calls, layers
        self.values: dict[tuple, Value] = {}
        self.order: list[Value] = []
        self.names = {id(t): n for n, t in model.named_parameters()}
        self.names.update((id(t), n) for n, t in model.named_buffers() if isinstance(t, Tensor))
        self.modules = {id(m): n for n, m in model.named_modules()}
        self.inputs = [self._value(("leaf", id(t)), t.shape, t.dtype, "input", name)
                       for t, name in zip(leaves, input_names)]
        self.leaves = {id(t): t for t in leaves}

    def _value(self, key: tuple, shape: tuple, dtype: Any, kind: str, name: str | None = None,
               data: np.ndarray | None = None) -> Value:
        v = self.values.get(key)
        if v is None:
            v = self.values[key] = Value(len(self.order), tuple(shape), np.dtype(dtype), kind,
                                         name, data)
            self.order.append(v)
        return v

    def _leaf(self, t: Tensor, data: np.ndarray | None = None) -> Value:
        """A Tensor no recorded op made: an input, a parameter/buffer, or a constant."""
        key = ("leaf", id(t))
        if key in self.values:
            return self.values[key]
        name = self.names.get(id(t))
        value = t.detach().numpy() if data is None else data
        return self._value(key, t.shape, t.dtype, "param" if name else "const", name,
                           np.array(value, copy=True))

    def _sources(self, key: tuple) -> tuple[str, Any]:
        if key in self.layers:
            return "layer", self.layers[key]
        if key[0] == "op":
            record = self.calls.get(key[1])
            if record is None:
                raise RuntimeError("minigrad.onnx.export: an op of the graph was recorded "
                                   "outside the export's trace (on another thread?)")
            return "function", record
        return "leaf", None

    def _parents(self, kind: str, source: Any) -> list[tuple]:
        if kind == "layer":
            return [k for k in source.inputs if k is not None]
        ctx = source[0]
        return [("op", id(e[0]), e[1]) for e in ctx.edges if e is not None and e[0] is not None]

    def run(self, outputs: list[Tensor]) -> Trace:
        out_keys = [_key(t) for t in outputs]
        nodes = [self._node(key) for key in self._post_order(out_keys)]
        outs = [self._output(t, key) for t, key in zip(outputs, out_keys)]
        return Trace(nodes, self.inputs, outs, self.order, self.names)

    def _post_order(self, out_keys: list[tuple]) -> list[tuple]:
        """The keys of the recorded calls the outputs depend on, every producer before its
        consumers (depth-first, on an explicit stack)."""
        order: list[tuple] = []
        seen: set[tuple] = set()
        stack: list[tuple[tuple, bool]] = [(k, False) for k in reversed(out_keys)]
        while stack:
            key, expanded = stack.pop()
            if expanded:  # its parents are all in order
                order.append(key)
                continue
            if key in seen:
                continue
            seen.add(key)
            kind, source = self._sources(key)
            if kind == "leaf":
                continue
            stack.append((key, True))
            stack.extend((p, False) for p in reversed(self._parents(kind, source))
                         if p not in seen)
        return order

    def _output(self, t: Tensor, key: tuple) -> Value:
        """An output's Value: its producer's, or a leaf's (an input, a parameter or a
        constant returned as it is)."""
        v = self.values.get(key)
        return v if v is not None else self._leaf(self.leaves.get(id(t), t))

    def _where(self, scope: tuple) -> tuple[str, str]:
        if not scope:
            return "", ""
        module = scope[-1][1]
        return self.modules.get(id(module), ""), type(module).__name__

    def _input(self, key: tuple | None, tensor: Any, data: np.ndarray | None = None) -> Value:
        if key is not None and key in self.values:
            return self.values[key]
        if key is not None and key[0] == "op":
            raise RuntimeError("minigrad.onnx.export: the graph was walked out of order")
        return self._leaf(tensor, data)

    def _node(self, key: tuple) -> Node:
        kind, source = self._sources(key)
        if kind == "layer":
            return self._layer_node(key, source)
        return self._function_node(source)

    def _layer_node(self, key: tuple, call: _Call) -> Node:
        """A mapped layer's call, as one node."""
        inputs = [None if k is None else self._input(k, t)
                  for k, t in zip(call.inputs, call.tensors)]
        node = Node(type(call.module), inputs, [], module=call.module,
                    where=self.modules.get(id(call.module), ""),
                    where_type=type(call.module).__name__)
        shape_dtype = self._layer_output(key, call)
        node.outputs = [self._value(key, *shape_dtype, "op")]
        return node

    def _function_node(self, record: tuple) -> Node:
        """A Function call, with the arguments it was called with."""
        ctx, args, kwargs, consts = record
        inputs = [self._argument(ctx, i, a, consts) for i, a in enumerate(args)]
        outputs = []
        for j in range(len(ctx.outputs)):
            array = ctx.output_array(j)
            outputs.append(self._value(("op", id(ctx), j), array.shape, array.dtype, "op"))
        where, where_type = self._where(ctx.scope)
        return Node(ctx.fn, inputs, outputs, args, kwargs, ctx, where=where,
                    where_type=where_type)

    def _argument(self, ctx: Context, i: int, a: Any, consts: dict) -> Value | None:
        """Positional argument ``i``'s Value: what its edge leads to (an op's output or a
        leaf), a constant Tensor as it was read, or None for a non-Tensor."""
        edge = ctx.edges[i] if i < len(ctx.edges) else None
        if edge is not None:
            parent, where = edge[0], edge[1]  # where: the output index, or the leaf Tensor
            if parent is None:
                return self._input(("leaf", id(where)), where)
            return self._input(("op", id(parent), where), None)
        if isinstance(a, Tensor):
            tensor, data = consts[i]
            return self._input(None, tensor, data)
        return None

    def _layer_output(self, key: tuple, call: _Call) -> tuple[tuple, np.dtype]:
        record = self.calls.get(key[1]) if key[0] == "op" else None
        if record is None:
            raise RuntimeError("minigrad.onnx.export: a layer's output was not recorded")
        array = record[0].output_array(key[2])
        return array.shape, array.dtype
