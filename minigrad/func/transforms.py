"""torch.func's gradient transforms (grad, grad_and_value, vjp, jvp, jacrev, jacfwd,
hessian) on minigrad's one reverse mode: each call copies its inputs into fresh tensors
that require grad, runs the function, and asks ``autograd.grad`` for the derivative.

The derivative keeps a graph (``create_graph=True``) when something outside may still
differentiate it: an enclosing transform (``grad(grad(f))``), or a tensor that requires
grad outside the transform (an argument, or a closed-over parameter). Otherwise the results
are plain tensors, as PyTorch's are at the top level. Forward mode (``jvp``, ``jacfwd``) is
the double-vjp trick: the same values, by reverse mode twice."""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Callable, Iterator
from typing import Any

from ..autograd import enable_grad, is_grad_enabled
from ..functional.autograd import grad as _autograd_grad
from ..tensor import Tensor
from ._pytree import tree_flatten, tree_map, tree_unflatten

__all__ = ["grad", "grad_and_value", "hessian", "jacfwd", "jacrev", "jvp", "vjp"]


class _Nesting(threading.local):
    depth = 0  # how many transforms are running their function on this thread


_nesting = _Nesting()


@contextlib.contextmanager
def _level() -> Iterator[bool]:
    """Run a transform's function one level deeper; yields whether this one is nested."""
    nested = _nesting.depth > 0
    _nesting.depth += 1
    try:
        with enable_grad():  # transforms differentiate even under an outer no_grad
            yield nested
    finally:
        _nesting.depth -= 1


def _argnums_tuple(argnums: Any) -> tuple:
    ok = isinstance(argnums, int) and not isinstance(argnums, bool)
    if isinstance(argnums, tuple):
        ok = all(isinstance(a, int) and not isinstance(a, bool) for a in argnums)
    if not ok:
        raise RuntimeError(f"argnums must be int or Tuple[int, ...], got: {type(argnums)}")
    return argnums if isinstance(argnums, tuple) else (argnums,)


def _positions(argnums: Any, n: int) -> tuple[int, ...]:
    """``argnums`` checked against ``n`` positional arguments, as non-negative positions."""
    nums = _argnums_tuple(argnums)
    if not nums:
        raise RuntimeError("argnums must be non-empty")
    if len(set(nums)) != len(nums):
        raise RuntimeError(f"argnums elements must be unique, got {argnums}")
    for a in nums:
        if not -n <= a < n:
            raise RuntimeError(f"Got argnum={a}, but only {n} positional inputs")
    return tuple(a % n for a in nums)


def _fresh(x: Any) -> Tensor:
    """A new tensor for ``x`` that requires grad: a copy in the graph where ``x`` itself
    requires grad (so an outer derivative flows through), else a detached leaf."""
    if not isinstance(x, Tensor):
        raise ValueError(f"Thing passed to transform API must be Tensor, got {type(x)}")
    if x.requires_grad:
        return x.clone()  # a new node (minigrad's same-shape view_as is x itself)
    if not x.is_floating_point():
        raise RuntimeError("only Tensors of floating point dtype can require gradients")
    return x.detach().requires_grad_(True)


def _prepare(args: tuple, argnums: Any) -> tuple[list, list, Any]:
    """The arguments with those at ``argnums`` replaced by fresh tensors; the fresh tensors
    (flat) and the spec of the result's structure (one tree, or a tuple for tuple argnums)."""
    new_args = list(args)
    trees = []
    for p in _positions(argnums, len(args)):
        new_args[p] = tree_map(_fresh, args[p])
        trees.append(new_args[p])
    leaves, spec = tree_flatten(trees[0] if isinstance(argnums, int) else tuple(trees))
    return new_args, leaves, spec


def _outside_leaf(t: Any, inside: set) -> bool:
    return isinstance(t, Tensor) and t.requires_grad and t.grad_fn is None and \
        id(t) not in inside


def _parents(node: Any, inside: set) -> list | None:
    """The nodes feeding ``node``; None if it takes a leaf from outside the transform."""
    parents = []
    for edge in node.edges:
        if edge is None:
            continue
        if edge[0] is None and id(edge[1]) not in inside:
            return None
        if edge[0] is not None:
            parents.append(edge[0])
    return parents


def _reaches_outside(roots: list, fresh: list) -> bool:
    """Whether the graph of ``roots`` reaches a tensor requiring grad other than ``fresh``:
    then the results must keep their graph for whoever differentiates outside."""
    inside = {id(t) for t in fresh}
    if any(_outside_leaf(r, inside) for r in roots):
        return True
    stack = [r.grad_fn for r in roots if isinstance(r, Tensor) and r.grad_fn is not None]
    seen = set()
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            parents = _parents(node, inside)
            if parents is None:
                return True
            stack += parents
    return False


def _keeps_graph(nested: bool, enabled: bool, roots: list, fresh: list) -> bool:
    return nested or (enabled and _reaches_outside(roots, fresh))


def _grads(outputs: list, cotangents: list, leaves: list, create_graph: bool) -> list:
    """d(outputs . cotangents)/d(leaves): zeros where an output does not depend on a leaf."""
    pairs = [(o, c) for o, c in zip(outputs, cotangents) if o.requires_grad]
    found: tuple = (None,) * len(leaves)
    if pairs:
        found = _autograd_grad([o for o, _ in pairs], leaves, [c for _, c in pairs],
                               retain_graph=True, create_graph=create_graph,
                               allow_unused=True)
    grads = [x.new_zeros(x.shape) if g is None else g for g, x in zip(found, leaves)]
    return grads if create_graph else [g.detach() for g in grads]


def _detach(x: Any) -> Any:
    return x.detach() if isinstance(x, Tensor) else x


def _split_aux(output: Any, has_aux: bool, api: str) -> tuple[Any, Any]:
    if not has_aux:
        return output, None
    if not (isinstance(output, tuple) and len(output) == 2):
        raise RuntimeError(f"{api}: output of function f should be a tuple: (output, aux) "
                           "if has_aux is True")
    for leaf in tree_flatten(output[1])[0]:
        if not isinstance(leaf, Tensor):
            raise RuntimeError(f"{api}: Expected tensors, got unsupported type {type(leaf)}")
    return output


def _tensor_leaves(output: Any, api: str) -> tuple[list, Any]:
    leaves, spec = tree_flatten(output)
    for leaf in leaves:
        if not isinstance(leaf, Tensor):
            raise RuntimeError(f"{api}: expected f(*primals) to return only tensors, got "
                               f"unsupported type {type(leaf)}")
    return leaves, spec


def _check_scalar(out: Any) -> None:
    api = "grad_and_value(f)(*args)"
    if not isinstance(out, Tensor):
        raise RuntimeError(f"{api}: Expected f(*args) to return a Tensor, got {type(out)}")
    if out.ndim != 0:
        raise RuntimeError(f"{api}: Expected f(*args) to return a scalar Tensor, got tensor "
                           f"with {out.ndim} dims. Maybe you wanted to use the vjp or "
                           "jacrev APIs instead?")


def _finish(keep: bool, tree: Any) -> Any:
    return tree if keep else tree_map(_detach, tree)


def grad_and_value(func: Callable, argnums: int | tuple[int, ...] = 0,
                   has_aux: bool = False) -> Callable:
    """``func``'s gradient with respect to the arguments at ``argnums`` and its value:
    ``(grads, value)``, or ``(grads, (value, aux))`` with ``has_aux``."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> tuple:
        enabled = is_grad_enabled()
        with _level() as nested:
            new_args, leaves, spec = _prepare(args, argnums)
            out, aux = _split_aux(func(*new_args, **kwargs), has_aux,
                                  "grad_and_value(f)(*args)")
            _check_scalar(out)
            keep = _keeps_graph(nested, enabled, [out], leaves)
            grads = tree_unflatten(_grads([out], [None], leaves, keep), spec)
        value = _finish(keep, out)
        return (grads, (value, _finish(keep, aux))) if has_aux else (grads, value)

    return wrapper


def grad(func: Callable, argnums: int | tuple[int, ...] = 0, has_aux: bool = False) -> Callable:
    """``func``'s gradient with respect to the arguments at ``argnums`` (a scalar output);
    ``(grads, aux)`` with ``has_aux``. Composes: ``grad(grad(f))`` is the second derivative::

        >>> import minigrad as mg
        >>> from minigrad.func import grad
        >>> grad(lambda x: x.sin())(mg.tensor(0.0))
        tensor(1.)
        >>> grad(grad(lambda x: x ** 3))(mg.tensor(2.0))
        tensor(12.)
    """
    both = grad_and_value(func, argnums, has_aux)

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        grads, value = both(*args, **kwargs)
        return (grads, value[1]) if has_aux else grads

    return wrapper


def _check_cotangents(cotangents: Any, out_leaves: list, out_spec: Any) -> list:
    ct_leaves, ct_spec = tree_flatten(cotangents)
    if ct_spec != out_spec:
        raise RuntimeError("vjp_fn: Expected pytree structure of cotangents to be the same as "
                           "pytree structure of outputs to the function. cotangents: "
                           f"{cotangents!r}, primal output structure: {out_spec}")
    for i, (c, o) in enumerate(zip(ct_leaves, out_leaves)):
        if not isinstance(c, Tensor) or c.shape != o.shape:
            got = c.shape if isinstance(c, Tensor) else type(c)
            raise RuntimeError(f"vjp_fn: Mismatch in shape: grad_output[{i}] has a shape of "
                               f"{got} and output[{i}] has a shape of {o.shape}.")
    return ct_leaves


def vjp(func: Callable, *primals: Any, has_aux: bool = False) -> tuple:
    """``(func(*primals), vjp_fn)``: ``vjp_fn(cotangents)`` is the tuple (one per primal)
    of cotangents . d(output)/d(primal); it may be called many times."""
    enabled = is_grad_enabled()
    with _level() as nested:
        new_args, leaves, spec = _prepare(primals, tuple(range(len(primals))))
        out, aux = _split_aux(func(*new_args), has_aux, "vjp(f, *primals)")
        out_leaves, out_spec = _tensor_leaves(out, "vjp(f, *primals)")
        keep = _keeps_graph(nested, enabled, out_leaves, leaves)

    def vjp_fn(cotangents: Any, *, retain_graph: bool = True,
               create_graph: bool | None = None) -> tuple:
        ct_leaves = _check_cotangents(cotangents, out_leaves, out_spec)
        with enable_grad():
            graph = create_graph if create_graph is not None else (
                keep or _nesting.depth > 0 or any(c.requires_grad for c in ct_leaves))
            return tree_unflatten(_grads(out_leaves, ct_leaves, leaves, graph), spec)

    result = (_finish(keep, out), vjp_fn)
    return result + (_finish(keep, aux),) if has_aux else result


def _check_tangents(primals: Any, tangents: Any) -> list:
    api = "jvp(f, primals, tangents)"
    if not isinstance(primals, tuple):
        raise RuntimeError(f"{api}: Expected primals to be a tuple. E.g. it should be valid "
                           "to call f(*primals).")
    p_leaves, p_spec = tree_flatten(primals)
    t_leaves, t_spec = tree_flatten(tangents)
    if p_spec != t_spec or not isinstance(tangents, tuple):
        raise RuntimeError(f"{api}: Expected primals and tangents to have the same python "
                           "structure. For example, if primals is a tuple of 3 tensors, "
                           f"tangents also must be. Got primals with structure {p_spec} and "
                           f"tangents with structure {t_spec}")
    for p, t in zip(p_leaves, t_leaves):
        if not isinstance(t, Tensor) or t.shape != p.shape:
            got = list(t.shape) if isinstance(t, Tensor) else type(t)
            raise RuntimeError(f"{api}: Trying to set a forward gradient that has a different "
                               f"size than that of the original Tensor, this is not supported. "
                               f"Tensor is of size {list(p.shape)} while the given forward "
                               f"gradient is of size {got}.")
    return t_leaves


def _seeds(out_leaves: list) -> list:
    """``(position, output, zero seed requiring grad)`` of each differentiable output."""
    return [(k, o, o.new_zeros(o.shape).requires_grad_(True)) for k, o in enumerate(out_leaves)
            if o.is_floating_point() and _has_graph(o)]


def _forward_by_double_vjp(out_leaves: list, leaves: list, t_leaves: list,
                           graph: bool) -> list:
    """J t by the double-vjp trick: g(u) = J^T u is linear in u, so d(g . t)/du = J t."""
    live = _seeds(out_leaves)
    result = [o.new_zeros(o.shape) for o in out_leaves]
    if live:
        for (k, _, _), f in zip(live, _tangents_of(live, leaves, t_leaves, graph)):
            result[k] = f
    return result


def _tangents_of(live: list, leaves: list, t_leaves: list, graph: bool) -> list:
    us = [u for _, _, u in live]
    g = _autograd_grad([o for _, o, _ in live], leaves, us, create_graph=True,
                       retain_graph=True, allow_unused=True)
    pairs = [(gi, t) for gi, t in zip(g, t_leaves) if _has_graph(gi)]
    if not pairs:
        return [u.new_zeros(u.shape) for u in us]
    return _grads([gi for gi, _ in pairs], [t for _, t in pairs], us, graph)


def _has_graph(t: Tensor | None) -> bool:
    return t is not None and t.requires_grad


def jvp(func: Callable, primals: tuple, tangents: tuple, *, strict: bool = False,
        has_aux: bool = False) -> tuple:
    """``(func(*primals), J . tangents)``, forward mode's answer computed by reverse mode
    twice (the double-vjp trick): the same values as PyTorch's forward AD."""
    t_leaves = _check_tangents(primals, tangents)
    enabled = is_grad_enabled()
    with _level() as nested:
        new_args, leaves, _ = _prepare(primals, tuple(range(len(primals))))
        out, aux = _split_aux(func(*new_args), has_aux, "jvp(f, primals, tangents)")
        out_leaves, out_spec = _tensor_leaves(out, "jvp(f, primals, tangents)")
        keep = _keeps_graph(nested, enabled, out_leaves, leaves) or (
            enabled and any(t.requires_grad for t in t_leaves))
        tangent_out = tree_unflatten(
            _forward_by_double_vjp(out_leaves, leaves, t_leaves, keep), out_spec)
    result = (_finish(keep, out), tangent_out)
    return result + (_finish(keep, aux),) if has_aux else result


def _jacobian_of(out: Tensor, leaves: list, keep: bool) -> list:
    """d(out)/d(leaf) for each leaf, shaped ``out.shape + leaf.shape``: one backward pass
    per element of ``out``."""
    from ..functional import stack

    flat = out.reshape(-1)
    rows: list[list] = [[] for _ in leaves]
    for j in range(out.numel()):
        for row, g in zip(rows, _grads([flat[j]], [None], leaves, keep)):
            row.append(g)
    return [stack(row).reshape(tuple(out.shape) + tuple(x.shape)) if row
            else x.new_zeros(tuple(out.shape) + tuple(x.shape))
            for row, x in zip(rows, leaves)]


def jacrev(func: Callable, argnums: int | tuple[int, ...] = 0, *, has_aux: bool = False,
           chunk_size: int | None = None, _preallocate_and_copy: bool = False) -> Callable:
    """The Jacobian of ``func`` with respect to the arguments at ``argnums``, by reverse mode:
    per output, a tree like the arguments with leaves shaped ``output.shape + arg.shape``."""
    if chunk_size is not None and chunk_size <= 0:
        raise ValueError("jacrev: `chunk_size` should be greater than 0.")

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        enabled = is_grad_enabled()
        with _level() as nested:
            new_args, leaves, spec = _prepare(args, argnums)
            out, aux = _split_aux(func(*new_args, **kwargs), has_aux, "jacrev(f)(*args)")
            out_leaves, out_spec = _tensor_leaves(out, "vjp(f, *primals)")
            keep = _keeps_graph(nested, enabled, out_leaves, leaves)
            jac = [tree_unflatten(_jacobian_of(o, leaves, keep), spec) for o in out_leaves]
        result = tree_unflatten(jac, out_spec)
        return (result, _finish(keep, aux)) if has_aux else result

    return wrapper


def jacfwd(func: Callable, argnums: int | tuple[int, ...] = 0, has_aux: bool = False, *,
           randomness: str = "error") -> Callable:
    """The Jacobian as ``jacrev`` computes it: minigrad has no forward mode, and the values
    are the same (docs/faq.md). ``randomness`` is checked as vmap's."""
    from .batching import check_randomness, rng_guard

    check_randomness(randomness)
    rev = jacrev(func, argnums, has_aux=has_aux)

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with rng_guard(randomness):
            return rev(*args, **kwargs)

    return wrapper


def hessian(func: Callable, argnums: int | tuple[int, ...] = 0) -> Callable:
    """The Hessian of a scalar ``func``: the Jacobian of its Jacobian (``jacfwd(jacrev(f))``
    in PyTorch; reverse over reverse here, the same values)."""
    return jacfwd(jacrev(func, argnums), argnums)
