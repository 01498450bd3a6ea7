"""``minigrad.utils.checkpoint``: activation checkpointing, as ``torch.utils.checkpoint``.

``checkpoint(fn, *args)`` gives ``fn(*args)`` and the same gradients, but keeps only the
inputs and the outputs: the activations inside ``fn`` are freed as soon as its forward pass
ends, and recomputed (with the same random numbers, for dropout) when backward reaches it.
Memory for time: a network split into checkpointed segments holds one segment's activations
at a time.

How: ``fn`` runs once with a graph, only to learn which leaves (the inputs that require grad,
and the parameters ``fn`` used) its outputs depend on; that graph is then dropped. One node,
``_Recompute``, stands for ``fn`` in the caller's graph, with those leaves as its inputs; its
backward runs ``fn`` again and takes the gradients of the fresh graph. Under
``create_graph=True`` the recomputation runs on the original inputs, so second derivatives
flow through it too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..autograd import Context, Function, enable_grad, grad, is_grad_enabled
from ..rng import get_rng
from ..tensor import Tensor

__all__ = ["checkpoint", "checkpoint_sequential"]


def _leaves(outputs: Sequence[Tensor]) -> list[Tensor]:
    """The leaf Tensors requiring grad that ``outputs`` were computed from, in first-seen
    order (walks the graph's public edges)."""
    found: dict[int, Tensor] = {}
    seen: set[int] = set()
    stack = [o.grad_fn for o in outputs if o.grad_fn is not None]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        for edge in node.edges:
            if edge is None:
                continue
            parent, where = edge[0], edge[1]
            if parent is None:
                found.setdefault(id(where), where)
            else:
                stack.append(parent)
    return list(found.values())


def _as_outputs(result: Any, fn: Callable) -> tuple[tuple[Tensor, ...], bool]:
    if isinstance(result, Tensor):
        return (result,), False
    if isinstance(result, (tuple, list)) and result and all(isinstance(r, Tensor)
                                                            for r in result):
        return tuple(result), True
    raise TypeError(f"checkpoint: the function {getattr(fn, '__name__', fn)!r} must return a "
                    f"Tensor or a tuple of Tensors, got {type(result).__name__}")


def _detached(args: Sequence[Any]) -> list[Any]:
    """``args`` with each Tensor cut from its graph (same ``requires_grad``): a run of
    ``fn`` on these builds a graph of its own, whose leaves they are."""
    return [a.detach().requires_grad_(a.requires_grad) if isinstance(a, Tensor) else a
            for a in args]


class _Recompute(Function):
    """``fn``'s outputs, recorded as one node whose backward runs ``fn`` again."""

    @staticmethod
    def forward(ctx: Context, run: Any, values: tuple, *leaves: Tensor) -> tuple:
        ctx.run = run
        return tuple(values)

    @staticmethod
    def backward(ctx: Context, *grads: Tensor) -> tuple:
        outputs, wrt = ctx.run(differentiable=is_grad_enabled())
        pairs = [(o, g) for o, g in zip(outputs, grads) if g is not None and o.requires_grad]
        found = grad([o for o, _ in pairs], list(wrt), [g for _, g in pairs],
                     allow_unused=True, create_graph=is_grad_enabled())
        return (None, None, *found)


def checkpoint(function: Callable[..., Any], *args: Any, use_reentrant: bool | None = None,
               context_fn: Callable[[], Any] | None = None, determinism_check: str = "default",
               debug: bool = False, preserve_rng_state: bool = True, **kwargs: Any) -> Any:
    """``function(*args, **kwargs)`` without keeping its activations: backward recomputes
    them. Same values and gradients as the plain call (``use_reentrant`` and the other
    PyTorch options are accepted; both of PyTorch's variants give these gradients)."""
    if not is_grad_enabled():  # nothing will be differentiated: no graph to save
        return function(*args, **kwargs)
    rng_state = get_rng().bit_generator.state if preserve_rng_state else None
    cut = _detached(args)
    with enable_grad():
        first, several = _as_outputs(function(*cut, **kwargs), function)
    originals = {id(c): a for c, a in zip(cut, args) if isinstance(c, Tensor)}
    leaves = [originals.get(id(leaf), leaf) for leaf in _leaves(first)]
    values = tuple(o.detach() for o in first)
    del first, cut  # the graph of the first run goes: only the outputs' values stay

    def run(differentiable: bool) -> tuple[tuple[Tensor, ...], list[Tensor]]:
        """``function`` again, on the same random numbers; returns its outputs and the
        Tensors its gradient is taken with respect to (as ``leaves``, in order)."""
        rng = get_rng().bit_generator
        now = rng.state
        if rng_state is not None:
            rng.state = rng_state
        try:
            inputs = list(args) if differentiable else _detached(args)
            with enable_grad():
                outputs, _ = _as_outputs(function(*inputs, **kwargs), function)
        finally:
            rng.state = now
        swap = {id(a): i for a, i in zip(args, inputs) if isinstance(a, Tensor)}
        return outputs, [swap.get(id(leaf), leaf) for leaf in leaves]

    out = _Recompute.apply(run, values, *leaves)
    out = out if isinstance(out, tuple) else (out,)
    return out if several else out[0]


def checkpoint_sequential(functions: Any, segments: int, input: Any,  # noqa: A002
                          use_reentrant: bool | None = None, **kwargs: Any) -> Any:
    """Run ``functions`` (an ``nn.Sequential`` or a list of modules) in ``segments`` chunks,
    each but the last checkpointed, as ``torch.utils.checkpoint.checkpoint_sequential``."""
    if isinstance(segments, bool) or not isinstance(segments, int) or segments < 1:
        raise ValueError(f"checkpoint_sequential: segments must be a positive int, got "
                         f"{segments!r}")
    layers = list(functions.children() if hasattr(functions, "children") else functions)
    size = max(len(layers) // segments, 1)

    def run_segment(start: int, end: int) -> Callable[[Tensor], Tensor]:
        def forward(x: Tensor) -> Tensor:
            for layer in layers[start:end]:
                x = layer(x)
            return x
        return forward

    end = 0
    for start in range(0, size * (segments - 1), size):
        end = start + size
        input = checkpoint(run_segment(start, end), input,  # noqa: A001
                           use_reentrant=use_reentrant, **kwargs)
    return run_segment(end, len(layers))(input)
