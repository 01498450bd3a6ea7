"""``backward`` and ``grad`` with PyTorch's signatures: their arguments checked and turned into
the seeds the engine starts from and the tensors it captures (``minigrad.autograd`` walks the
graph; both are importable from there, as ``torch.autograd.backward`` and ``.grad`` are)."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from ..autograd import _add_to_grad, _engine, _retained, set_grad_enabled
from ..tensor import Tensor

__all__ = ["backward", "grad", "zero_grads"]


def _seed_grads(outputs: Sequence[Tensor], grad_outputs: Sequence[Any] | None) -> list[Tensor]:
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    if len(grad_outputs) != len(outputs):
        raise ValueError(
            f"grad_outputs has {len(grad_outputs)} entries but there are {len(outputs)} outputs"
        )
    seeds = []
    for out, g in zip(outputs, grad_outputs):
        if g is None:
            if out.numel() != 1:
                raise RuntimeError(
                    f"grad can be implicitly created only for scalar outputs, but the output "
                    f"has shape {out.shape}; pass gradient= (or grad_outputs=) of that shape"
                )
            g = Tensor._make(np.ones(out._data.shape, out._data.dtype), False, None, 0)
        else:
            if not isinstance(g, (Tensor, np.ndarray, int, float, np.generic)) or isinstance(
                g, (str, bytes)
            ):
                raise TypeError(
                    f"backward: gradients can be either Tensors or None, but got "
                    f"{type(g).__name__} ({g!r})"
                )
            if not isinstance(g, Tensor):
                g = Tensor._make(np.asarray(g, out.dtype), False, None, 0)
            if g.shape != out.shape:
                raise RuntimeError(
                    f"backward: gradient has shape {g.shape} but the output has shape {out.shape}"
                )
        seeds.append(g)
    return seeds


def _check_requires_grad(outputs: Sequence[Tensor]) -> None:
    for out in outputs:
        if not out.requires_grad:
            raise RuntimeError(
                "backward: the tensor does not require grad and has no grad_fn: nothing it was "
                "computed from has requires_grad=True (or it was made under no_grad)"
            )


def backward(
    tensors: Tensor | Sequence[Tensor],
    grad_tensors: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    grad_variables: Any = None,
    inputs: Tensor | Sequence[Tensor] | None = None,
) -> None:
    """Accumulate d(tensors)/d(leaf) into every leaf's ``.grad`` (``Tensor.backward``); with
    ``inputs``, into those tensors' ``.grad`` only (leaves or not), as in PyTorch.
    ``grad_variables`` is PyTorch's deprecated name for ``grad_tensors``."""
    tensors = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    if grad_variables is not None:
        warnings.warn("backward: `grad_variables` is deprecated. Use `grad_tensors` instead.",
                      FutureWarning, stacklevel=2)
        if grad_tensors is not None:
            raise RuntimeError("backward: 'grad_tensors' and 'grad_variables' (deprecated) "
                               "arguments both passed; only use 'grad_tensors'")
        grad_tensors = grad_variables
    if isinstance(grad_tensors, (Tensor, np.ndarray)):
        grad_tensors = [grad_tensors]
    _check_requires_grad(tensors)
    seeds = _seed_grads(tensors, grad_tensors)
    retain = create_graph if retain_graph is None else retain_graph
    if inputs is None:
        _engine(tensors, seeds, retain, create_graph)
        return
    targets = _backward_inputs(inputs)
    capture: dict[int, Tensor | None] = {id(x): None for x in targets}
    _engine(tensors, seeds, retain, create_graph, capture)
    with set_grad_enabled(create_graph):
        for x in targets:
            g = capture[id(x)]
            if g is not None:
                if x.grad_fn is None:
                    _add_to_grad(x, g)
                else:
                    x.grad = _retained(x.grad, g)


def _backward_inputs(inputs: Tensor | Sequence[Tensor]) -> list[Tensor]:
    """``backward``'s ``inputs``, checked, each once."""
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if not inputs:
        raise RuntimeError("backward: `inputs` argument to `backward()` cannot be empty.")
    for i, x in enumerate(inputs):
        if not isinstance(x, Tensor):
            raise TypeError(f"backward: inputs[{i}] must be a Tensor, got {type(x).__name__}")
        if not x.requires_grad:
            raise RuntimeError(
                f"backward: inputs[{i}] (shape {x.shape}) does not require grad; can't "
                "accumulate a gradient into a tensor that has requires_grad=False"
            )
    return list({id(x): x for x in inputs}.values())


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    only_inputs: bool = True,
    allow_unused: bool | None = None,
    is_grads_batched: bool = False,
    materialize_grads: bool = False,
) -> tuple[Tensor | None, ...]:
    """Gradients of ``outputs`` w.r.t. ``inputs``, returned rather than stored in ``.grad``.

    PyTorch's arguments: an input the outputs do not depend on is an error unless
    ``allow_unused`` (then its gradient is None) or ``materialize_grads`` (then zeros);
    ``only_inputs`` is deprecated and ignored, as in PyTorch; ``is_grads_batched`` (vmap over
    ``grad_outputs``) is not supported.

    With ``create_graph=True`` the result is itself differentiable: this is how a gradient
    penalty or a Hessian-vector product is written (examples/gradient_penalty.py)::

        >>> import minigrad as mg
        >>> x = mg.tensor([1.0], requires_grad=True)
        >>> (dy,) = mg.grad((x ** 3).sum(), x, create_graph=True)   # 3x^2
        >>> dy
        tensor([3.], grad_fn=<MulBackward>)
        >>> mg.grad(dy.sum(), x)                                     # 6x
        (tensor([6.]),)
    """
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    allow_unused = _unused_policy(only_inputs, allow_unused, is_grads_batched,
                                  materialize_grads)
    if isinstance(grad_outputs, (Tensor, np.ndarray)):
        grad_outputs = [grad_outputs]
    _check_requires_grad(outputs)
    for i, x in enumerate(inputs):
        if not x.requires_grad:
            raise RuntimeError(f"grad: input {i} (shape {x.shape}) does not require grad")
    seeds = _seed_grads(outputs, grad_outputs)
    capture: dict[int, Tensor | None] = {id(x): None for x in inputs}
    retain = create_graph if retain_graph is None else retain_graph
    _engine(outputs, seeds, retain, create_graph, capture)
    return tuple(_captured(i, x, capture[id(x)], allow_unused, create_graph, materialize_grads)
                 for i, x in enumerate(inputs))


def _unused_policy(only_inputs: bool, allow_unused: bool | None, is_grads_batched: bool,
                   materialize_grads: bool) -> bool:
    """``grad``'s ``allow_unused`` once PyTorch's other arguments are taken into account."""
    if not only_inputs:
        warnings.warn("grad: only_inputs argument is deprecated and is ignored now (defaults "
                      "to True). To accumulate gradient for other parts of the graph, please "
                      "use minigrad.autograd.backward.", FutureWarning, stacklevel=3)
    if is_grads_batched:
        raise NotImplementedError(
            "grad: is_grads_batched=True (vmap over the first dim of grad_outputs) is not "
            "supported by minigrad; call grad once per row of grad_outputs, with "
            "retain_graph=True"
        )
    if materialize_grads and allow_unused is False:
        raise ValueError("grad: Expected allow_unused to be True or not passed when "
                         "materialize_grads=True, but got: allow_unused=False.")
    return materialize_grads if allow_unused is None else allow_unused


def _captured(i: int, x: Tensor, g: Tensor | None, allow_unused: bool, create_graph: bool,
              materialize: bool) -> Tensor | None:
    """``grad``'s answer for input ``i``: its gradient (detached unless ``create_graph``),
    or, where it was unused and that is allowed, None (zeros with ``materialize``)."""
    if g is None and not allow_unused:
        raise RuntimeError(
            f"grad: input {i} (shape {x.shape}) was not used to compute the outputs; "
            "pass allow_unused=True to get None for it"
        )
    if g is None:
        return Tensor._make(np.zeros_like(x._data), False, None, 0) if materialize else None
    return g if create_graph else g.detach()


def zero_grads(tensors: Iterable[Tensor], set_to_none: bool = True) -> None:
    """``Optimizer.zero_grad`` and ``Module.zero_grad`` for each tensor, as PyTorch does it:
    ``.grad`` set to None, or else zeroed in place, so whoever holds it sees the zeros (a
    gradient that is part of a graph, or a read-only one, is replaced by zeros instead)."""
    for t in tensors:
        g = t.grad
        if g is None or set_to_none:
            t.grad = None
        elif g.grad_fn is not None or not g._data.flags.writeable:
            t.grad = Tensor(np.zeros_like(t._data))
        else:
            g.requires_grad = False
            g._data.fill(0)
            g._bump_version()
