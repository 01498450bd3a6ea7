"""The ONNX graph being built, independent of the ``onnx`` package, and the registry that
says how each op is written into it.

One registry per kind of source: ``FUNCTIONS`` maps a Function class (``Conv2d``) to the
emitter that writes it as ONNX operators; ``LAYERS`` maps a layer class (``BatchNorm2d``)
whose whole call is one ONNX operator. ``emit`` runs the emitters over a ``Trace`` in
order. The result is plain Python (``Builder.nodes``, ``Builder.initializers``), so two
traces of one model can be compared before anything is written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .trace import Node, Trace, Value

__all__ = [
    "FUNCTIONS",
    "LAYERS",
    "Builder",
    "Emit",
    "UnsupportedOperatorError",
    "emit",
    "register_function",
    "register_layer",
]


class UnsupportedOperatorError(RuntimeError):
    """An op of the model has no ONNX mapping (or not with these arguments): raised
    instead of writing a graph that would compute something else."""


FUNCTIONS: dict[type, Callable[[Emit], Any]] = {}
LAYERS: dict[type, tuple[Callable[[Emit], Any], Callable[[Any, Any], bool], int]] = {}


def register_function(*functions: type) -> Callable:
    """Decorator: ``emitter(e: Emit)`` writes calls of these Function classes."""

    def decorate(emitter: Callable[[Emit], Any]) -> Callable[[Emit], Any]:
        for fn in functions:
            FUNCTIONS[fn] = emitter
        return emitter

    return decorate


def register_layer(*layers: type, accepts: Callable[[Any, Any], bool] | None = None,
                   min_opset: int = 1) -> Callable:
    """Decorator: ``emitter(e: Emit)`` writes a whole call of these layer classes (exact
    classes, not subclasses, which may change ``forward``). ``accepts(module, args)``
    (``args`` None: the layer itself) and ``min_opset`` say when; otherwise the layer's
    Functions are written one by one."""

    def decorate(emitter: Callable[[Emit], Any]) -> Callable[[Emit], Any]:
        for layer in layers:
            LAYERS[layer] = (emitter, accepts or (lambda module, args: True), min_opset)
        return emitter

    return decorate


def layer_mapped(module: Any, args: Any, opset: int) -> bool:
    """Whether this layer (``args`` None) or this call of it is written as a whole."""
    entry = LAYERS.get(type(module))
    return entry is not None and opset >= entry[2] and bool(entry[1](module, args))


@dataclass
class OnnxNode:
    """One ONNX operator call, and the model op (``origin``) it was written for."""

    op_type: str
    inputs: list[str]
    outputs: list[str]
    attrs: dict[str, Any]
    origin: str


@dataclass
class Builder:
    """Nodes and initializers (numpy arrays) under unique names."""

    opset: int
    nodes: list[OnnxNode] = field(default_factory=list)
    initializers: dict[str, np.ndarray] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)  # initializer -> op it serves
    taken: set[str] = field(default_factory=set)
    names: dict[int, str] = field(default_factory=dict)  # Value index -> ONNX name
    params: dict[int, str] = field(default_factory=dict)  # id(Tensor) -> state_dict name
    origin: str = ""
    _count: int = 0

    def fresh(self, hint: str) -> str:
        """A new unique name, ``hint_N``."""
        while True:
            self._count += 1
            name = f"{hint}_{self._count}"
            if name not in self.taken:
                self.taken.add(name)
                return name

    def op(self, op_type: str, inputs: list[str], outputs: int = 1, **attrs: Any) -> Any:
        """Add a node; returns its output name (a list of them when ``outputs > 1``)."""
        names = [self.fresh(op_type) for _ in range(outputs)]
        attrs = {k: v for k, v in attrs.items() if v is not None}
        self.nodes.append(OnnxNode(op_type, list(inputs), names, attrs, self.origin))
        return names[0] if outputs == 1 else names

    def initializer(self, name: str, array: np.ndarray) -> str:
        """Add ``array`` as the initializer ``name``; returns the name."""
        self.taken.add(name)
        self.initializers[name] = array
        self.origins[name] = self.origin
        return name

    def const(self, array: Any, dtype: Any = None) -> str:
        """A constant input (an initializer with a fresh name)."""
        return self.initializer(self.fresh("const"), np.asarray(array, dtype))

    def tensor(self, t: Any) -> str:
        """A parameter or buffer as the initializer of its state_dict name (once); any
        other Tensor as a constant."""
        name = self.params.get(id(t))
        if name is None:
            return self.const(np.array(t.detach().numpy(), copy=True))
        if name not in self.initializers:
            self.initializer(name, np.array(t.detach().numpy(), copy=True))
        return name

    def ints(self, values: Any) -> str:
        """A 1-D int64 constant (shapes, axes, pads)."""
        return self.const(np.asarray(list(values), np.int64).reshape(-1), np.int64)


def describe(node: Node) -> str:
    """``Conv2d (a Function) in module 'features.0' (Conv2d)``: for error messages."""
    kind = "layer" if node.module is not None else "Function"
    where = (f"in module '{node.where}' ({node.where_type})" if node.where
             else f"in the model's own forward ({node.where_type})" if node.where_type
             else "outside any module")
    return f"{node.op.__name__} (a {kind} from {node.op.__module__}) {where}"


class Emit:
    """What an emitter sees of one node: input names, shapes, which dims vary with the
    dynamic axes, the node's arguments, and the builder to write to."""

    def __init__(self, b: Builder, node: Node, dyn: dict[int, frozenset],
                 other: dict[int, tuple]) -> None:
        self.b, self.node, self._names, self._dyn, self._other = b, node, b.names, dyn, other
        self.ctx = node.ctx
        self.module = node.module

    def has(self, i: int) -> bool:
        """Whether positional argument ``i`` is a Tensor (not None, not a number)."""
        return i < len(self.node.inputs) and self.node.inputs[i] is not None

    def input(self, i: int) -> str:
        """The ONNX name of positional argument ``i``."""
        return self._names[self.node.inputs[i].index]

    def value(self, i: int) -> Value:
        """The traced Value of positional argument ``i``."""
        return self.node.inputs[i]

    def shape(self, i: int) -> tuple[int, ...]:
        """The traced shape of positional argument ``i``."""
        return self.node.inputs[i].shape

    def dyn(self, i: int) -> frozenset:
        """The dims of argument ``i`` whose size follows a dynamic axis."""
        return self._dyn.get(self.node.inputs[i].index, frozenset())

    def out_shape(self, j: int = 0) -> tuple[int, ...]:
        """The traced shape of output ``j``."""
        return self.node.outputs[j].shape

    def out_dyn(self, j: int = 0) -> frozenset:
        """The dims of output ``j`` whose size follows a dynamic axis."""
        return self._dyn.get(self.node.outputs[j].index, frozenset())

    def other_shape(self, i: int) -> tuple[int, ...]:
        """Input ``i``'s shape in the other trace (with the dynamic axes resized)."""
        v = self.node.inputs[i]
        return self._other.get(v.index, v.shape)

    def other_out_shape(self, j: int = 0) -> tuple[int, ...]:
        """Output ``j``'s shape in the other trace."""
        v = self.node.outputs[j]
        return self._other.get(v.index, v.shape)

    @property
    def dtype(self) -> np.dtype:
        """The dtype of the (first) output."""
        return self.node.outputs[0].dtype

    def argument(self, name: str, default: Any = None) -> Any:
        """A forward argument of the Function by name (``Node.argument``)."""
        return self.node.argument(name, default)

    def refuse(self, why: str) -> UnsupportedOperatorError:
        """The error for a node this emitter cannot write faithfully."""
        return UnsupportedOperatorError(
            f"minigrad.onnx.export: {describe(self.node)} has no ONNX mapping {why}. "
            "See docs/onnx.md, 'When an op does not map'."
        )

    def require_static(self, i: int, dims: Any, why: str) -> None:
        """Refuse when a dynamic axis reaches a dim whose size the ONNX node fixes."""
        bad = sorted(set(dims) & self.dyn(i))
        if bad:
            raise self.refuse(f"with a dynamic size in dim {bad} of input {i} ({why})")


def _name_leaves(b: Builder, node: Node) -> None:
    """Name the parameters and constants ``node`` reads, on their first use: a parameter
    becomes the initializer of its state_dict name, a constant a fresh one."""
    for v in node.inputs:
        if v is None or v.index in b.names:
            continue
        if v.kind == "param":
            b.names[v.index] = b.initializer(v.name, v.data)
        elif v.kind == "const":
            b.origin = describe(node)
            b.names[v.index] = b.const(v.data)


def _emitter(node: Node) -> Callable[[Emit], Any]:
    """The registered emitter of a mapped layer's call or of a Function's."""
    if node.module is not None:
        return LAYERS[type(node.module)][0]
    emitter = FUNCTIONS.get(node.op)
    if emitter is None:
        raise UnsupportedOperatorError(
            f"minigrad.onnx.export: no ONNX mapping for {describe(node)}. "
            "See docs/onnx.md, 'When an op does not map'."
        )
    return emitter


def _emit_node(b: Builder, node: Node, dyn: dict[int, frozenset],
               other: dict[int, tuple]) -> None:
    """Write one node with its emitter and name its outputs with what the emitter gave."""
    _name_leaves(b, node)
    b.origin = describe(node)
    e = Emit(b, node, dyn, other)
    out = _emitter(node)(e)
    out = [out] if isinstance(out, str) else list(out)
    if len(out) != len(node.outputs):
        raise RuntimeError(f"minigrad.onnx.export: the emitter of {node.op.__name__} gave "
                           f"{len(out)} outputs for {len(node.outputs)}")
    for v, name in zip(node.outputs, out):
        b.names[v.index] = name


def _output_leaf(b: Builder, v: Value) -> str:
    """The name of an output no op made: a parameter, a constant, or an input."""
    if v.kind == "param":
        return b.initializer(v.name, v.data)
    if v.kind == "const":
        return b.const(v.data)
    return v.name


def emit(trace: Trace, opset: int, dyn: dict[int, frozenset], other: dict[int, tuple],
         reserved: set[str]) -> Builder:
    """Write every node of ``trace`` with its emitter; values get ONNX names. ``dyn``:
    the dims of each Value that follow the dynamic axes; ``other``: each Value's shape in
    the other trace."""
    b = Builder(opset, taken=set(reserved), params=dict(trace.params))
    for v in trace.inputs:
        b.names[v.index] = v.name
    for node in trace.nodes:
        _emit_node(b, node, dyn, other)
    for v in trace.outputs:
        if v.index not in b.names:
            b.names[v.index] = _output_leaf(b, v)
    return b
