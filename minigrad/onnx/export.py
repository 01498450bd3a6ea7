"""``export``: a model as an ONNX file, as ``torch.onnx.export`` writes one.

The model runs twice in eval mode: on the given inputs, and on random inputs with every
dynamic axis one longer. Both graphs are written (``graph.emit``) and must come out the
same; anything that differs was computed from the input outside the graph (a mask made
with numpy, Python control flow on values) or fixes a size that should follow a dynamic
axis, and a graph holding it would give other inputs wrong numbers, so export refuses and
names the op. Only then is the first one converted to ONNX's protobuf and written.
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..checkpoint import atomic_write
from ..tensor import Tensor
from . import ops  # noqa: F401  (registers the emitters)
from .graph import Builder, OnnxNode, UnsupportedOperatorError, emit, layer_mapped
from .trace import Node, Trace, Value, run_trace

__all__ = ["export"]

DEFAULT_OPSET = 17
MIN_OPSET = 13  # Squeeze/Unsqueeze/ReduceSum with axes as inputs, Softmax over one axis


def _require_onnx() -> Any:
    try:
        import onnx
    except ImportError as e:
        raise ModuleNotFoundError(
            'minigrad.onnx.export needs the onnx package: pip install "minigrad[onnx]" '
            "(onnx, and onnxruntime to run the file)", name="onnx"
        ) from e
    return onnx


def _inputs(args: Any) -> list[Tensor]:
    items = list(args) if isinstance(args, (tuple, list)) else [args]
    for i, a in enumerate(items):
        if not isinstance(a, Tensor):
            raise TypeError(f"minigrad.onnx.export: args must be a Tensor or a tuple of "
                            f"Tensors, got a {type(a).__name__} at position {i}")
    return items


def _names(given: Sequence[str] | None, n: int, default: str, what: str) -> list[str]:
    if given is None:
        return [default] if n == 1 else [f"{default}_{i}" for i in range(n)]
    names = list(given)
    if len(names) != n or len(set(names)) != n or not all(isinstance(s, str) for s in names):
        raise ValueError(f"minigrad.onnx.export: {what} must be {n} distinct strings (the "
                         f"model has {n}), got {given!r}")
    return names


def _dynamic(dynamic_axes: Mapping | None, ranks: dict[str, int]) -> dict[str, dict[int, str]]:
    """``{name: {axis: dim name}}`` from torch's forms: ``{axis: name}`` or ``[axis, ...]``."""
    out: dict[str, dict[int, str]] = {}
    for name, axes in (dynamic_axes or {}).items():
        if name not in ranks:
            raise ValueError(f"minigrad.onnx.export: dynamic_axes names {name!r}, which is "
                             f"not an input or output name ({', '.join(map(repr, ranks))})")
        if isinstance(axes, Mapping):
            items = [(int(a), str(d)) for a, d in axes.items()]
        else:
            items = [(int(a), f"{name}_dynamic_axes_{i + 1}") for i, a in enumerate(axes)]
        rank = ranks[name]
        for a, _ in items:
            if not -rank <= a < rank:
                raise ValueError(f"minigrad.onnx.export: dynamic_axes[{name!r}] has axis {a}, "
                                 f"but {name!r} has {rank} dims")
        out[name] = {a % rank: d for a, d in items}
    return out


def _other_inputs(inputs: list[Tensor], names: list[str],
                  dynamic: dict[str, dict[int, str]]) -> list[Tensor]:
    """Inputs for the second trace: other values, each dynamic axis one longer. Floats are
    drawn at random; integers (indices, say) move one step within the traced values' range,
    so each stays a valid index and a value used outside the graph shows as a constant that
    changed."""
    rng = np.random.default_rng(0)
    out = []
    for t, name in zip(inputs, names):
        a = t.detach().numpy()
        for axis in sorted(dynamic.get(name, {})):
            a = np.take(a, np.arange(a.shape[axis] + 1) % max(a.shape[axis], 1), axis=axis)
        if a.dtype.kind == "f":
            a = rng.standard_normal(a.shape).astype(a.dtype)
        elif a.dtype.kind in "iu" and a.size:
            b = a.astype(np.int64)
            lo, hi = int(b.min()), int(b.max())
            a = (lo + (b - lo + 1) % (hi - lo + 1)).astype(a.dtype)
        out.append(Tensor(np.ascontiguousarray(a)))
    return out


def _differ(where: str) -> RuntimeError:
    """The error for a second trace that is not the first one's graph."""
    return RuntimeError(
        f"minigrad.onnx.export: the model builds a different graph for other inputs "
        f"({where}): Python control flow on the input's values or sizes cannot be "
        "exported; make forward the same for every input of the dynamic shape"
    )


def _indices(values: list) -> list[int | None]:
    """Where each Value sits in its trace (None for a non-Tensor argument)."""
    return [None if v is None else v.index for v in values]


def _same_node(a: Node, b: Node) -> bool:
    """The same op (or layer) on the same Values, making the same Values."""
    return (a.op is b.op and a.module is b.module
            and _indices(a.inputs) == _indices(b.inputs)
            and _indices(a.outputs) == _indices(b.outputs))


def _same_nodes(a: Trace, b: Trace) -> None:
    """Refuse when the traces differ in their ops, what the ops read, or the outputs."""
    if len(a.nodes) != len(b.nodes) or len(a.values) != len(b.values):
        raise _differ(f"{len(a.nodes)} ops, then {len(b.nodes)}")
    for na, nb in zip(a.nodes, b.nodes):
        if not _same_node(na, nb):
            raise _differ(f"at {na.op.__name__} in '{na.where}'")
    if _indices(a.outputs) != _indices(b.outputs):
        raise _differ("the outputs")


def _varying_dims(va: Value, vb: Value) -> frozenset:
    """The dims whose size differs between the traces (one Value, seen in each)."""
    if len(va.shape) != len(vb.shape) or va.kind != vb.kind:
        raise _differ(f"a tensor of shape {va.shape}, then {vb.shape}")
    return frozenset(d for d, (x, y) in enumerate(zip(va.shape, vb.shape)) if x != y)


def _same_structure(a: Trace, b: Trace) -> dict[int, frozenset]:
    """Check the two traces are one graph; return the dims of each Value that differ."""
    _same_nodes(a, b)
    return {va.index: dims for va, vb in zip(a.values, b.values)
            if (dims := _varying_dims(va, vb))}


def _plain(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.dtype):
        return value.str
    return value


def _changes(origin: str, what: str) -> UnsupportedOperatorError:
    """The error for a part of the written graph that differs between the traces."""
    return UnsupportedOperatorError(
        f"minigrad.onnx.export: {origin} cannot be exported: {what} changes with the "
        "input. It was computed from the input outside the graph (with numpy, a mask of "
        "the values, a size of the traced batch), so a graph holding it would give other "
        "inputs wrong numbers. See docs/onnx.md, 'When an op does not map'."
    )


def _written(n: OnnxNode) -> tuple:
    """What an ONNX node writes into the file, comparable across the traces."""
    return n.op_type, n.inputs, n.outputs, {k: _plain(v) for k, v in n.attrs.items()}


def _same_array(x: np.ndarray, y: np.ndarray) -> bool:
    """Equal shapes and values, a NaN equal to a NaN."""
    return x.shape == y.shape and np.array_equal(x, y, equal_nan=x.dtype.kind in "fc")


def _same_graph(a: Builder, b: Builder) -> None:
    """Refuse when the two traces wrote different graphs, naming the op that differs."""
    for na, nb in zip(a.nodes, b.nodes):
        if _written(na) != _written(nb):
            raise _changes(na.origin, f"its ONNX node {na.op_type}")
    if len(a.nodes) != len(b.nodes) or a.initializers.keys() != b.initializers.keys():
        raise RuntimeError("minigrad.onnx.export: the two traces wrote different graphs")
    for name, x in a.initializers.items():
        if not _same_array(x, b.initializers[name]):
            raise _changes(a.origins[name], f"a constant of shape {x.shape}")


def _value_info(onnx: Any, name: str, dtype: np.dtype, shape: tuple, dims: Mapping[int, str]
                ) -> Any:
    elem = onnx.helper.np_dtype_to_tensor_dtype(np.dtype(dtype))
    return onnx.helper.make_tensor_value_info(
        name, elem, [dims.get(d, s) for d, s in enumerate(shape)])


def _rename(nodes: list[OnnxNode], old: str, new: str) -> None:
    """Every use of the name ``old``, as a node's input or output, becomes ``new``."""
    for n in nodes:
        n.inputs = [new if x == old else x for x in n.inputs]
        n.outputs = [new if x == old else x for x in n.outputs]


def _name_outputs(b: Builder, internal: list[str], names: list[str], fixed: set[str]) -> None:
    """Give the graph's outputs their names: the producing node's output is renamed, or an
    Identity is added (an output that is an input, a constant or another output)."""
    produced = {o for n in b.nodes for o in n.outputs}
    current: dict[str, str] = {}  # internal name -> the output name it was renamed to
    for old, new in zip(internal, names):
        if old in produced and old not in fixed and old not in current:
            current[old] = new
            _rename(b.nodes, old, new)
        else:
            b.op("Identity", [current.get(old, old)])
            b.nodes[-1].outputs = [new]


def _model(onnx: Any, b: Builder, trace: Trace, input_names: list[str],
           output_names: list[str], dynamic: dict[str, dict[int, str]], dyn: dict,
           opset: int) -> Any:
    from .. import __version__

    helper = onnx.helper
    internal = [b.names[v.index] for v in trace.outputs]
    _name_outputs(b, internal, output_names, set(input_names) | set(b.initializers))
    nodes = []
    for k, n in enumerate(b.nodes):
        attrs = {key: (helper.np_dtype_to_tensor_dtype(v) if isinstance(v, np.dtype) else v)
                 for key, v in n.attrs.items()}
        nodes.append(helper.make_node(n.op_type, n.inputs, n.outputs,
                                      name=f"{n.op_type}_{k}", **attrs))
    inputs = [_value_info(onnx, name, v.dtype, v.shape, dynamic.get(name, {}))
              for name, v in zip(input_names, trace.inputs)]
    outputs = []
    for name, v in zip(output_names, trace.outputs):
        dims = {d: f"{name}_dim{d}" for d in dyn.get(v.index, ())}
        dims.update(dynamic.get(name, {}))
        outputs.append(_value_info(onnx, name, v.dtype, v.shape, dims))
    inits = [onnx.numpy_helper.from_array(np.array(a, order="C"), name)  # keeps 0-d
             for name, a in b.initializers.items()]
    graph = helper.make_graph(nodes, "minigrad", inputs, outputs, inits)
    opsets = [helper.make_opsetid("", opset)]
    model = helper.make_model(graph, opset_imports=opsets, producer_name="minigrad",
                              producer_version=__version__,
                              ir_version=helper.find_min_ir_version_for(opsets))
    return model


def export(model: Any, args: Any, f: str | os.PathLike | io.IOBase,
           input_names: Sequence[str] | None = None, output_names: Sequence[str] | None = None,
           dynamic_axes: Mapping[str, Any] | None = None,
           opset_version: int | None = None) -> None:
    """Write ``model`` as an ONNX file, with ``torch.onnx.export``'s meaning.

    ``args``: a Tensor or a tuple of Tensors, the inputs of one forward pass. ``f``: a path
    (written atomically) or a binary file object. ``input_names``/``output_names`` name the
    graph's inputs and outputs (default ``input``/``output``, numbered when several);
    parameters and buffers become initializers named as in ``state_dict``.
    ``dynamic_axes`` (``{"input": {0: "batch"}, "output": {0: "batch"}}``, or a list of
    axes) marks the sizes the file accepts at any value. The model runs in eval mode (its
    modes are restored after) and no gradient is kept. ``opset_version``: default 17.

    An op with no ONNX mapping raises ``UnsupportedOperatorError`` naming the op and the
    module it ran in; so does a value computed outside the graph (see docs/onnx.md).
    """
    onnx = _require_onnx()
    opset = DEFAULT_OPSET if opset_version is None else int(opset_version)
    latest = onnx.defs.onnx_opset_version()
    if not MIN_OPSET <= opset <= latest:
        raise ValueError(f"minigrad.onnx.export: opset_version must be in [{MIN_OPSET}, "
                         f"{latest}], got {opset_version!r}")
    inputs = _inputs(args)
    input_names = _names(input_names, len(inputs), "input", "input_names")

    def mapped(module: Any, call_args: Any) -> bool:
        return layer_mapped(module, call_args, opset)

    first = run_trace(model, inputs, input_names, mapped)
    output_names = _names(output_names, len(first.outputs), "output", "output_names")
    ranks = {n: len(v.shape) for n, v in zip(input_names, first.inputs)}
    ranks.update((n, len(v.shape)) for n, v in zip(output_names, first.outputs))
    dynamic = _dynamic(dynamic_axes, ranks)
    try:
        second = run_trace(model, _other_inputs(inputs, input_names, dynamic), input_names,
                           mapped)
    except (ValueError, RuntimeError, TypeError, IndexError) as e:
        raise RuntimeError(f"minigrad.onnx.export: the model does not run with the dynamic "
                           f"axes {dynamic} one longer than traced ({e}); mark only the axes "
                           "that may change") from e
    dyn = _same_structure(first, second)
    shapes = ({v.index: v.shape for v in first.values}, {v.index: v.shape for v in second.values})
    reserved = set(input_names) | set(output_names) | set(first.params.values())
    built = emit(first, opset, dyn, shapes[1], reserved)
    _same_graph(built, emit(second, opset, dyn, shapes[0], reserved))
    proto = _model(onnx, built, first, input_names, output_names, dynamic, dyn, opset)
    data = proto.SerializeToString()
    if isinstance(f, (str, os.PathLike)):
        atomic_write(f, [data], what="minigrad.onnx.export")
    else:
        f.write(data)
