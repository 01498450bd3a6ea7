"""The autograd engine: ``Function``, the graph it records, and the reverse-mode walk.

A differentiable op is a ``Function`` subclass with ``forward`` (Tensors in, numpy out) and
``backward`` (Tensors in, Tensors out). ``Fn.apply`` runs ``forward`` and, when a gradient is
wanted, keeps the ``ctx`` as the node of the graph: it knows which tensors fed it (its
``edges``) and what it saved for backward. ``backward`` rules are written with Tensor ops,
so the same code gives plain gradients (run under ``no_grad``) and, with
``create_graph=True``, gradients that are themselves differentiable.

The walk is an iterative topological sort (no recursion, so a 100,000-op chain is fine),
and the gradient of a broadcast input is summed back to its shape here, in one place.
"""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import anomaly as _anomaly
from .grad_mode import (  # the thread's switches, re-exported under PyTorch's names
    _state,
    detect_anomaly,
    enable_grad,
    inference_mode,
    is_anomaly_enabled,
    is_grad_enabled,
    is_inference_mode_enabled,
    module_scope,
    no_grad,
    set_grad_enabled,
)
from .graph_gc import GraphGC as _GraphGC

__all__ = [
    "Function",
    "backward",
    "detect_anomaly",
    "enable_grad",
    "grad",
    "inference_mode",
    "is_anomaly_enabled",
    "is_inference_mode_enabled",
    "is_grad_enabled",
    "module_scope",
    "no_grad",
    "set_grad_enabled",
]


class _SavedOutput:
    """Marks an output saved for backward: the node keeps only its array (an output that
    pointed at its own node would be a reference cycle) and makes the Tensor on unpacking.
    ``cell`` is the output's version counter, so an in-place change of it is caught."""

    __slots__ = ("index", "cell")

    def __init__(self, index: int, cell: list) -> None:
        self.index = index
        self.cell = cell


class Context:
    """The ``ctx`` of a ``Function`` call, and the node of the graph once recorded.

    Like PyTorch: ``save_for_backward``, ``saved_tensors``, ``needs_input_grad``; any other
    attribute (``ctx.stride = 2``) is free to set in ``forward`` and read in ``backward``.
    """

    # defaults on the class: a ctx made under no_grad (most of backward) sets only two
    edges: tuple = ()
    outputs: tuple = ()
    scope: tuple = ()
    created_at: list | None = None
    _saved: tuple | None = ()
    _versions: tuple = ()
    _const_inputs: tuple = ()
    _output_arrays: list | None = None
    _freed = False

    def __init__(self, fn: type[Function], needs_input_grad: tuple[bool, ...]) -> None:
        self.fn = fn
        self.needs_input_grad = needs_input_grad

    @property
    def name(self) -> str:
        return self.fn.__name__

    @property
    def constant_inputs(self) -> tuple:
        """``(position, weakref, shape, dtype)`` of each Tensor input that needed no gradient:
        what a picture of the graph draws as a constant (the Tensor may be gone)."""
        return self._const_inputs

    def output_array(self, index: int) -> np.ndarray | None:
        """The value of output ``index`` while the node keeps it (until backward frees it),
        even when the output Tensor itself is gone; None after that."""
        arrays = self._output_arrays
        return arrays[index][0] if arrays else None

    def save_for_backward(self, *items: Any) -> None:
        self._saved = items

    @property
    def saved_tensors(self) -> tuple:
        if self._freed:
            raise RuntimeError(_second_backward_message(self))
        saved = self._saved
        if not saved:
            return ()
        versions = self._versions or (None,) * len(saved)
        return tuple([
            s if v is not None and v == (0 if s._vc is None else s._vc[0])  # unchanged Tensor
            else self._unpack(s, v)
            for s, v in zip(saved, versions)
        ])

    def _unpack(self, item: Any, expected: int | None) -> Any:
        """The saved item, after checking no in-place op changed it since it was saved."""
        if isinstance(item, _SavedOutput):
            data, requires_grad = self._output_arrays[item.index]
            if item.cell[0]:
                raise RuntimeError(_modified_message(self, data.shape, 0, item.cell[0]))
            t = Tensor._make(data, requires_grad, self, item.index)
            t._vc = item.cell
            return t
        if expected is not None and item._version != expected:
            raise RuntimeError(_modified_message(self, item.shape, expected, item._version))
        return item

    def _release(self) -> None:
        self._saved = None
        self._output_arrays = None
        self._freed = True

    def __repr__(self) -> str:
        return f"<{self.name}Backward>"


def _modified_message(node: Context, shape: tuple, expected: int, found: int) -> str:
    return (
        f"{node.name}.backward: one of the variables needed for gradient computation has been "
        f"modified by an inplace operation: the tensor of shape {tuple(shape)} saved by "
        f"{node.name} is at version {found}; expected version {expected} instead. Change it "
        "after backward(), or change a clone() of it"
    )


def _second_backward_message(node: Context) -> str:
    return (
        f"{node.name}: trying to backward through the graph a second time, but its saved "
        "values were freed after the first backward. Pass retain_graph=True to the first "
        "backward() (or grad()) if you need to go through the graph again."
    )


class Function:
    """Base class of every differentiable op, in the style of ``torch.autograd.Function``.

    Subclasses write two static methods::

        class Square(Function):
            @staticmethod
            def forward(ctx, x):            # x is a Tensor; return a Tensor or array
                ctx.save_for_backward(x)
                return x._data ** 2

            @staticmethod
            def backward(ctx, grad):        # grad is a Tensor; return one per input
                (x,) = ctx.saved_tensors
                return 2 * x * grad

        y = Square.apply(x)

    ``forward`` may return a numpy array, a Tensor (its data is taken) or a tuple of them.
    ``backward`` returns one gradient (Tensor, array or None) per positional input of
    ``forward``; a gradient shaped like a broadcast of the input is summed back for you.
    """

    @staticmethod
    def forward(ctx: Context, *args: Any, **kwargs: Any) -> Any:
        """Compute the op outside the graph: Tensors arrive as Tensors (``x.data`` is ``x``
        without history, ``x.detach().numpy()`` its array).

        Save what backward needs with ``ctx.save_for_backward`` or as ``ctx`` attributes;
        return a Tensor or numpy array (or a tuple of them for several outputs). Must not modify its
        inputs and must keep their dtype.
        """
        raise NotImplementedError(
            f"{ctx.name} (a Function subclass) does not define forward(ctx, *args); write it "
            "as a @staticmethod"
        )

    _view = False  # True for ops whose output may share the input's memory (reshape...)

    @staticmethod
    def backward(ctx: Context, *grad_outputs: Any) -> Any:
        """Gradients of the inputs from ``grad_outputs`` (one Tensor per output).

        Return one gradient per positional input of ``forward`` (None for non-Tensors or
        inputs in ``ctx.needs_input_grad`` that are False). Written with Tensor ops, so it is
        differentiable again under ``create_graph=True``.
        """
        raise NotImplementedError(
            f"{ctx.name} (a Function subclass) does not define backward(ctx, *grad_outputs); "
            "write it as a @staticmethod"
        )

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run ``forward`` and, when any input requires grad, record the node.

        The outputs are Tensors whose ``grad_fn`` is the ``ctx``; under ``no_grad`` (or with
        no input requiring grad) nothing is recorded and the call costs one ``forward``.
        """
        state = _state
        needs = _needs(args) if state.grad_enabled else (
            _NO_NEEDS.get(len(args)) or (False,) * len(args))
        ctx = Context(cls, needs)
        result = cls.forward(ctx, *args, **kwargs)
        if type(result) is np.ndarray and True not in needs and not state.anomaly:
            # one array, nothing to record (every op of a plain backward): the short way
            out = Tensor._make(result, False, None, 0)
            if cls._view:
                _share_version(out, args[0])
            return out
        multiple = isinstance(result, tuple)
        arrays = _as_arrays(result, multiple)
        if state.anomaly:
            _anomaly.note_creation(ctx, arrays)
        if True in needs:
            outputs = tuple([Tensor._make(a, a.dtype.kind == "f", ctx, i)
                             for i, a in enumerate(arrays)])
            _record(ctx, args, kwargs, needs, outputs)
            if ctx._saved:
                ctx._saved, ctx._versions = _pack_saved(ctx._saved, result, arrays, outputs)
        else:
            outputs = tuple([Tensor._make(a, False, None, 0) for a in arrays])
        if cls._view:
            _share_version(outputs[0], args[0])
        return outputs if multiple else outputs[0]


def _as_arrays(result: Any, multiple: bool) -> tuple[np.ndarray, ...]:
    """What forward returned, as a tuple of arrays."""
    if multiple:
        return tuple([_as_array(r) for r in result])
    return (result if type(result) is np.ndarray else _as_array(result),)  # the usual case


def _needs(args: tuple) -> tuple[bool, ...]:
    """Which arguments require grad (one shared tuple per pattern: a live graph keeps one
    copy of each)."""
    needs = tuple([isinstance(a, Tensor) and a.requires_grad for a in args])
    return _SHARED_NEEDS.get(needs, needs)


def _record(ctx: Context, args: tuple, kwargs: dict, needs: tuple, outputs: tuple) -> None:
    """Make ``ctx`` the node of ``outputs``: its edges, outputs, scope, the constants; and
    tell the observer of ``observing_records``, if there is one."""
    ctx.edges, const = _edges(args, needs)
    if const:
        ctx._const_inputs = const
    if len(outputs) == 1:  # literals, not comprehensions: no spare capacity kept
        out = outputs[0]
        ctx.outputs = (weakref.ref(out),)
        ctx._output_arrays = [(out._data, out.requires_grad)]
    else:
        ctx.outputs = tuple([weakref.ref(t) for t in outputs])
        ctx._output_arrays = [(t._data, t.requires_grad) for t in outputs]
    state = _state
    if state.scope:
        ctx.scope = state.scope
    if state.on_record is not None:
        state.on_record(ctx, args, kwargs)
    graph = _graph
    graph.recorded += 1
    if graph.recorded >= graph.freeze_at:
        graph.freeze()


def _edges(args: tuple, needs: tuple) -> tuple[tuple, tuple]:
    """The node's edges (one per argument: ``(grad_fn, output index, shape, dtype)``, a leaf
    as ``(None, tensor, ...)``, None where no gradient flows) and its constant Tensor
    inputs, kept weakly so that minigrad.viz can draw them."""
    edges = []
    const = ()
    for i, a in enumerate(args):
        if needs[i]:
            fn, data = a.grad_fn, a._data
            edges.append((fn, a._output_index if fn is not None else a, data.shape, data.dtype))
            continue
        edges.append(None)
        if isinstance(a, Tensor):
            const += ((i, weakref.ref(a), a._data.shape, a._data.dtype),)
    return tuple(edges), const


def _pack_saved(saved: tuple, result: Any, arrays: list, outputs: list) -> tuple[tuple, tuple]:
    """What a node keeps of what forward saved: an output of its own (the array, or what
    forward returned, that became ``outputs[i]``) as a ``_SavedOutput``, so no cycle runs
    through the node; and each saved Tensor's version, checked when it is unpacked."""
    produced = result if isinstance(result, tuple) else (result,)
    items = []
    versions = []
    for s in saved:
        for i, a in enumerate(arrays):
            if s is a or s is produced[i]:
                s = _SavedOutput(i, outputs[i]._version_cell())
                versions.append(None)
                break
        else:
            versions.append(s._version if isinstance(s, Tensor) else None)
        items.append(s)
    versions = tuple(versions)
    return tuple(items), _SHARED_VERSIONS.get(versions, versions)


_NO_NEEDS = {n: (False,) * n for n in range(8)}
# The common small tuples every node stores, one shared copy each: a large live graph holds
# fewer objects (less memory, less for the cyclic collector to walk).
_SHARED_NEEDS = {t: t for n in range(1, 5) for t in itertools.product((False, True), repeat=n)}
_SHARED_VERSIONS = {t: t for n in range(1, 4) for t in itertools.product((None, 0), repeat=n)}
_graph = _GraphGC()  # graph_gc.py: the collector kept off a big graph while it is recorded


def _share_version(view: Tensor, base: Any) -> None:
    """A view shares its base's version counter, so an in-place change of either is seen."""
    if isinstance(base, Tensor) and np.may_share_memory(view._data, base._data):
        view._vc = base._version_cell()


def _as_array(value: Any) -> np.ndarray:
    """What forward returned, as the array an output Tensor holds (a ufunc of 0-d arrays
    gives a numpy scalar: made a 0-d array)."""
    if type(value) is np.ndarray:
        return value
    if isinstance(value, Tensor):
        return value._data
    return np.asarray(value)


# --------------------------------------------------------------------------- the walk


def _topological_order(roots: Sequence[Context]) -> list[Context]:
    """Nodes reachable from ``roots``, each before every node it feeds gradient to.

    Reverse post-order of an iterative depth-first search: no recursion, any depth.
    """
    order: list[Context] = []
    seen: set[Context] = set()  # a Context hashes by identity
    stack: list[tuple[Context, bool]] = [(r, False) for r in roots]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if node in seen:
            continue
        seen.add(node)
        stack.append((node, True))
        for edge in node.edges:
            if edge is not None:
                parent = edge[0]
                if parent is not None and parent not in seen:
                    stack.append((parent, False))
    order.reverse()
    return order


def _sum_to_shape(g: Tensor, shape: tuple, dtype: np.dtype, node: Context) -> Tensor:
    """The one place a broadcast gradient is summed back to its input's shape."""
    if g.shape != shape:
        try:
            ok = np.broadcast_shapes(shape, g.shape) == g.shape
        except ValueError:
            ok = False
        if not ok:
            raise RuntimeError(
                f"{node.name}.backward returned a gradient of shape {g.shape} for an input "
                f"of shape {shape}; it must have the input's shape or broadcast from it"
            )
        g = g.sum_to(shape)
    if g.dtype != dtype:
        g = g.to(dtype)
    return g


def _accumulate(current: Tensor | None, g: Tensor) -> Tensor:
    if current is None:
        return g
    if not _state.grad_enabled and current._data.shape == g._data.shape:
        return Tensor._make(current._data + g._data, False, None, 0)  # no graph: plain numpy
    return current + g


def _as_tensor(g: Any) -> Tensor | None:
    if g is None or isinstance(g, Tensor):
        return g
    if type(g) is np.ndarray:  # the common case: a backward rule computed in numpy
        return Tensor._make(g, False, None, 0)
    return as_tensor(g)


class AfterAccumulation:
    """A ``register_post_accumulate_grad_hook`` hook, kept among the leaf's hooks: run with
    the leaf once its ``.grad`` holds the sum, not with the gradient."""

    __slots__ = ("fn",)

    def __init__(self, fn: Any) -> None:
        self.fn = fn


def _run_hooks(t: Tensor, g: Tensor) -> Tensor:
    for hook in list(t._hooks.values()):
        if type(hook) is AfterAccumulation:
            continue
        new = hook(g)
        if new is not None:
            g = _as_tensor(new)
    return g


def _engine(
    roots: Sequence[Tensor],
    root_grads: Sequence[Tensor],
    retain_graph: bool,
    create_graph: bool,
    capture: dict[int, Tensor | None] | None = None,
) -> None:
    """Push ``root_grads`` back from ``roots``.

    Without ``capture`` gradients accumulate into leaves' ``.grad`` (``backward``); with it,
    the gradients of the captured tensors (by id) are stored there instead (``grad``).
    """
    pending: dict[int, list] = {}
    leaves: dict[int, list] = {}  # id -> [leaf, summed gradient]: hooks see the sum, once
    nodes = []
    try:
        _walk(roots, root_grads, retain_graph, create_graph, capture, pending, leaves, nodes)
        with set_grad_enabled(create_graph):
            given = {id(g._data) for g in root_grads}  # a gradient= of the caller's: theirs
            for leaf, g in leaves.values():
                data = g._data
                if not create_graph and (
                    not data.flags.writeable or data.base is not None or id(data) in given
                ):  # a .grad owns its memory, so an in-place change of it touches nothing else
                    g = Tensor._make(data.copy(), False, None, 0)
                given.add(id(g._data))
                _deliver_to_leaf(leaf, g, capture)
    finally:
        _graph.release()


def _to_leaf(leaves: dict, leaf: Tensor, g: Tensor) -> None:
    entry = leaves.get(id(leaf))
    if entry is None:
        leaves[id(leaf)] = [leaf, g]
    else:
        entry[1] = _accumulate(entry[1], g)


def _seed_pending(
    roots: Sequence[Tensor], root_grads: Sequence[Tensor], pending: dict, leaves: dict,
    nodes: list,
) -> None:
    """Enter the roots' gradients, so the walk starts from the nodes that made them."""
    for t, g in zip(roots, root_grads):
        node = t.grad_fn
        if node is None:  # a leaf is its own root
            _to_leaf(leaves, t, g)
            continue
        slots = pending.get(node)
        if slots is None:
            slots = pending[node] = [None] * len(node.outputs)
        slots[t._output_index] = _accumulate(slots[t._output_index], g)
        nodes.append(node)


def _grad_count_message(node: Context, in_grads: tuple) -> str:
    return (
        f"{node.name}.backward returned {len(in_grads)} gradients, "
        f"expected one per input ({len(node.edges)})"
    )


def _node_backward(node: Context, grads: list, capture: dict | None, anomaly: bool) -> tuple:
    """One gradient per input of ``node``, from the gradients of its outputs.

    Kept apart from ``_walk`` so that each stays simple; the rare work (hooks, retain_grad,
    grad()'s capture, anomaly mode) is in further helpers, called only when it is needed.
    """
    if _to_prepare(node, grads, capture):
        grads = _prepare_output_grads(node, grads, capture)
    if anomaly:
        in_grads = _anomaly.run_backward(node, grads)
    else:
        in_grads = node.fn.backward(node, *grads)
    if not isinstance(in_grads, tuple):
        in_grads = (in_grads,)
    if len(in_grads) < len(node.edges):
        raise RuntimeError(_grad_count_message(node, in_grads))
    if anomaly:
        _anomaly.check_backward(node, in_grads)
    return in_grads


def _to_prepare(node: Context, grads: list, capture: dict | None) -> bool:
    """Whether the output gradients need ``_prepare_output_grads``: not in the usual case,
    one output with a gradient and no hook or retain_grad on it."""
    if capture is not None or len(grads) != 1 or grads[0] is None:
        return True
    out = node.outputs[0]()
    return out is not None and bool(out._hooks or out._retains_grad)


def _walk(
    roots: Sequence[Tensor],
    root_grads: Sequence[Tensor],
    retain_graph: bool,
    create_graph: bool,
    capture: dict | None,
    pending: dict,
    leaves: dict,
    nodes: list,
) -> None:
    """Run every node's backward in topological order, summing what reaches each input.

    This loop is the hot path of every backward: the rare work is in helpers.
    """
    _seed_pending(roots, root_grads, pending, leaves, nodes)
    state = _state
    anomaly = state.anomaly
    previous = state.grad_enabled
    state.grad_enabled = create_graph
    try:
        for node in _topological_order(nodes):
            grads = pending.pop(node, None)
            if grads is None:
                continue
            if node._freed:
                raise RuntimeError(_second_backward_message(node))
            in_grads = _node_backward(node, grads, capture, anomaly)
            edges = node.edges
            if not retain_graph:
                node._release()
            _send(node, edges, in_grads, pending, leaves)
    finally:
        state.grad_enabled = previous


def _send(node: Context, edges: tuple, in_grads: tuple, pending: dict, leaves: dict) -> None:
    """Route the gradients a node's backward returned along its edges: summed to each
    input's shape and dtype, into the parent node's pending slot or the leaf's total."""
    for edge, g in zip(edges, in_grads):
        if edge is None or g is None:
            continue
        parent, where, shape, dtype = edge
        if type(g) is np.ndarray:
            g = Tensor._make(g, False, None, 0)
        elif not isinstance(g, Tensor):
            g = _as_tensor(g)
        data = g._data
        if data.shape != shape or data.dtype != dtype:
            g = _sum_to_shape(g, shape, dtype, node)
        if parent is None:
            _to_leaf(leaves, where, g)
            continue
        slots = pending.get(parent)
        if slots is None:
            slots = pending[parent] = [None] * len(parent.outputs)
            slots[where] = g
        else:
            slots[where] = _accumulate(slots[where], g)


def _prepare_output_grads(node: Context, grads: list, capture: dict | None) -> list:
    """Run hooks and retain_grad on the node's outputs; fill missing slots with zeros."""
    for i, ref in enumerate(node.outputs):
        out = ref()
        g = grads[i]
        if g is None:
            data, _ = node._output_arrays[i]
            grads[i] = Tensor._make(np.zeros_like(data), False, None, 0)
            continue
        if out is None:
            continue
        if out._hooks:
            g = grads[i] = _run_hooks(out, g)
        if capture is not None:
            if id(out) in capture:
                capture[id(out)] = _accumulate(capture[id(out)], g)
        elif out._retains_grad:
            out.grad = _retained(out.grad, g)
    return grads


def _deliver_to_leaf(leaf: Tensor, g: Tensor, capture: dict | None) -> None:
    if leaf._hooks:
        g = _run_hooks(leaf, g)
    if capture is not None:
        if id(leaf) in capture:
            capture[id(leaf)] = _accumulate(capture[id(leaf)], g)
        return
    if leaf.requires_grad:
        _add_to_grad(leaf, g)


def _add_to_grad(leaf: Tensor, g: Tensor) -> None:
    """Add ``g`` to a leaf's ``.grad``: in place where no graph of it is recorded, as PyTorch
    accumulates (whoever holds the ``.grad`` tensor sees the sum), else as a new tensor;
    then run the leaf's post-accumulate hooks."""
    current = leaf.grad
    total = None if current is None else current._data
    if total is None:
        leaf.grad = g
    elif (not _state.grad_enabled and total.flags.writeable and total.shape == g._data.shape
            and total.dtype == g._data.dtype):
        np.add(total, g._data, out=total)
        current._bump_version()
    else:
        leaf.grad = current + g
    for hook in list(leaf._hooks.values()):
        if type(hook) is AfterAccumulation:
            hook.fn(leaf)


def _retained(current: Tensor | None, g: Tensor) -> Tensor:
    """A non-leaf's ``.grad`` after ``g`` arrives (``retain_grad``, ``backward(inputs=)``):
    first a copy of its own, as PyTorch clones it (the gradient flowing on may be a
    broadcast view, or the same array another tensor is given), then the sum."""
    if current is not None:
        return _accumulate(current, g)
    return g.clone() if _state.grad_enabled else Tensor._make(g._data.copy(), False, None, 0)


from .functional.autograd import backward, grad  # noqa: E402  (PyTorch's entry points)
from .tensor import Tensor, as_tensor  # noqa: E402  (Tensor uses this module; imported last)
