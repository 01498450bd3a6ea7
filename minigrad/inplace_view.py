"""An in-place change of a view in the graph: the base's history is rewritten with it, as
PyTorch's ``CopySlices`` does.

``y[1:3].mul_(3)``, with ``y`` in the graph, changes ``y``'s values through the storage they
share; ``y``'s history has to change with them. tensor.py's ``_inplace`` hands such a change
here (``base_of`` says whether it is one):

1. the view's new value ``new = op(view)`` is computed as for any in-place op;
2. the base ``b`` becomes ``where(mask, place(new), b)``, in place: ``place`` is the view op's
   own backward (the adjoint that puts a view-shaped tensor at the view's elements of the
   base, zeros elsewhere) and ``mask`` marks those elements. That change is an in-place op
   itself, so a base that is a view of another tensor hands it on to its own base;
3. the view's node is replayed on the new base: the same op (the backward of a view op reads
   only what its forward kept on ``ctx``), now fed by the base's new node. The view stays a
   view: a second change of it goes through the base again.

A view whose op copied (advanced indexing, a reshape of a strided tensor) shares nothing with
its input and is changed alone, as in PyTorch. A base that is gone (a temporary, as in
``y.view(-1)[0].zero_()``) is made again from its node, which keeps its array. A base changed
in place since the view was taken (``v = y[0]; y.mul_(2); v.add_(1)``) is found through
``replaced``, which every in-place change leaves on the node it took the tensor from (tensor.py's
``_rebase_history`` and ``_replay`` here); the view is then taken again from it first.
"""

from __future__ import annotations

import copy
import weakref
from collections.abc import Callable

import numpy as np

from . import autograd
from . import ops as _ops  # partly loaded here: where() is looked up when called
from .tensor import Tensor, _check_inplace_result, _inplace


def supersede(old: autograd.Context, index: int, new: autograd.Context, new_index: int) -> None:
    """Note on ``old`` that its output ``index`` lives on as ``new``'s output ``new_index``
    (weakly: an older graph does not keep a newer one alive)."""
    old.replaced = {**getattr(old, "replaced", {}), index: (weakref.ref(new), new_index)}


def _latest(node: autograd.Context, index: int) -> tuple[autograd.Context | None, int]:
    """The node that holds ``node``'s output ``index`` now, after the in-place changes since;
    None when that tensor and all that was computed from it are gone."""
    while node is not None and index in getattr(node, "replaced", {}):
        ref, index = node.replaced[index]
        node = ref()
    return node, index


def base_of(t: Tensor, name: str) -> Tensor | None:
    """The tensor whose storage ``t``, the output of a view op in the graph, shares; None
    when it is no view's output or its op copied (it shares nothing with the op's input)."""
    node = t.grad_fn
    if not node.fn._view or node.edges[0] is None:
        return None
    fn, found, *_ = node.edges[0]
    if fn is None:  # the input is a leaf
        if np.may_share_memory(t._data, found._data):
            raise RuntimeError(f"{name}: a view of a leaf Variable that requires grad is being "
                               "used in an in-place operation.")
        return None
    fn, found = _latest(fn, found)
    if fn is None:
        raise RuntimeError(
            f"{name}: in-place change of a view (made by {node.name}) whose base has been "
            "changed in place and is gone since, with all that was computed from it; keep "
            "the base, or clone() the view first (docs/faq.md)")
    base = _output(fn, found, t)
    if base is None:
        return None
    if fn is not node.edges[0][0]:  # the base was changed since: the view is taken again
        _replay(node, t, Tensor._make(t._data, True, node, t._output_index), base)
    return base


def _output(node: autograd.Context, index: int, view: Tensor) -> Tensor | None:
    """``node``'s output ``index`` if ``view`` shares its storage: the Tensor, or, if that is
    gone (a temporary), one made again from the array the node keeps; else None."""
    base = node.outputs[index]()
    storage = base._data if base is not None else _array(node, index)
    if storage is None or not np.may_share_memory(view._data, storage):
        return None
    if base is None:
        base = Tensor._make(storage, True, node, index)
        base._vc = view._vc
    return base


def _array(node: autograd.Context, index: int) -> np.ndarray | None:
    """The array of ``node``'s output ``index`` while the node keeps it (until backward)."""
    arrays = node._output_arrays
    return arrays[index][0] if arrays else None


def change_view(t: Tensor, base: Tensor, name: str, compute: Callable[[Tensor], Tensor]) -> Tensor:
    """``t``, a view of ``base``, takes ``compute(t)``'s value; ``base`` and ``t`` take the
    history of that change (steps 1-3 of the module docstring)."""
    if autograd._state.on_record is not None:  # the replayed node would escape the observer
        raise RuntimeError(f"{name}: an in-place change of a view of a tensor in the graph "
                           "cannot be traced (minigrad.onnx.export); clone() the view first")
    node = t.grad_fn
    alias = Tensor._make(t._data.copy(), True, node, t._output_index)
    result = compute(alias)
    if not isinstance(result, Tensor):
        result = Tensor(result)
    _check_inplace_result(t, name, result)
    if result.dtype != t.dtype:
        result = result.to(t.dtype)
    placed = node.fn.backward(node, result)[0]
    with autograd.no_grad():
        mask = node.fn.backward(node, Tensor(np.ones(t.shape, t.dtype)))[0]._data != 0
    _inplace(base, name, lambda b: _ops.where(mask, placed, b))
    _replay(node, t, alias, base)
    return t


def _replay(node: autograd.Context, t: Tensor, old_value: Tensor, base: Tensor) -> None:
    """Make ``t`` the output of a copy of its view node, fed by ``base``'s current node; the
    old node's output is now ``old_value``, as in tensor.py's ``_rebase_history``."""
    new = copy.copy(node)
    new.edges = ((base.grad_fn, base._output_index, base._data.shape, base._data.dtype),
                 *node.edges[1:])
    new.outputs, new._output_arrays = (weakref.ref(t),), [(t._data, True)]
    new.__dict__.pop("replaced", None)
    node.outputs = (weakref.ref(old_value),)
    supersede(node, t._output_index, new, 0)
    t.grad_fn, t._output_index = new, 0
