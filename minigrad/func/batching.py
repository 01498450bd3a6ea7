"""torch.func.vmap, honestly: a Python loop over the mapped dimension that calls the function
once per slice and stacks the results. PyTorch's argument rules (in_dims per argument, nested
like the arguments; out_dims like the outputs; its randomness modes) and its errors; the speed
of a batched kernel it does not have."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from .. import rng
from ..tensor import Tensor
from ._pytree import tree_flatten, tree_unflatten

__all__ = ["vmap"]

_RANDOMNESS = ("error", "different", "same")


def check_randomness(randomness: str) -> None:
    if randomness not in _RANDOMNESS:
        raise RuntimeError("Only allowed values for randomness are 'error', 'different', or "
                           f"'same'. Got {randomness}")


def _state() -> dict:
    return rng.get_rng().bit_generator.state


@contextlib.contextmanager
def rng_guard(randomness: str) -> Iterator[None]:
    """In "error" mode, refuse a draw from the library's generator made inside the block."""
    before = _state() if randomness == "error" else None
    yield
    if before is not None and _state() != before:
        raise RuntimeError("vmap: called random operation while in randomness error mode. "
                           "Please either use the 'same' or 'different' randomness flags on "
                           "vmap or perform the randomness operation out of vmap")


def _name(func: Callable) -> str:
    return getattr(func, "__name__", repr(func))


def _broadcast_dims(dims: Any, spec_tree: Any, where: str) -> list:
    """One in_dim per leaf of the arguments: an int or None applies to a whole subtree."""
    if dims is None or isinstance(dims, int):
        return [dims] * len(tree_flatten(spec_tree)[0])
    if isinstance(dims, (tuple, list, dict)) and type(dims) is type(spec_tree):
        keys = list(dims) if isinstance(dims, dict) else range(len(dims))
        subs = list(spec_tree) if isinstance(spec_tree, dict) else range(len(spec_tree))
        if list(keys) != list(subs):
            raise ValueError(where)
        return [d for k in keys for d in _broadcast_dims(dims[k], spec_tree[k], where)]
    raise ValueError(where)


def _in_dims(func: Callable, in_dims: Any, args: tuple) -> list:
    head = f"vmap({_name(func)}, in_dims={in_dims}, ...)(<inputs>)"
    if not isinstance(in_dims, (int, tuple)) or isinstance(in_dims, bool):
        raise ValueError(f"{head}: expected `in_dims` to be int or a (potentially nested) "
                         f"tuple matching the structure of inputs, got: {type(in_dims)}.")
    if not args:
        raise ValueError(f"vmap({_name(func)})(<inputs>): got no inputs. Maybe you forgot to "
                         "add inputs, or you are trying to vmap over a function with no "
                         "inputs. The latter is unsupported.")
    wrong = (f"{head}: in_dims is not compatible with the structure of `inputs`. in_dims has "
             f"structure {in_dims} but inputs has structure {tree_flatten(args)[1]}.")
    return _broadcast_dims(in_dims, args, wrong)


def _check_leaf(head: str, x: Any, d: int | None) -> int | None:
    if d is None:
        return None
    if not isinstance(d, int) or isinstance(d, bool):
        raise ValueError(f"{head}: in_dim must be an int or None, got {type(d)}")
    if not isinstance(x, Tensor):
        raise ValueError(f"{head}: Got in_dim={d} for an input but the input is of type "
                         f"{type(x)}. We cannot vmap over non-Tensor arguments, please use "
                         "None as the respective in_dim")
    if not -x.ndim <= d < x.ndim:
        raise ValueError(f"{head}: Got in_dim={d} for some input, but that input is a Tensor "
                         f"of dimensionality {x.ndim} so expected in_dim to satisfy "
                         f"-{x.ndim} <= in_dim < {x.ndim}.")
    return d % x.ndim


def _batch_size(leaves: list, dims: list) -> int:
    sizes = [x.shape[d] for x, d in zip(leaves, dims) if d is not None]
    if not sizes:
        raise ValueError("vmap: Expected at least one Tensor to vmap over")
    if len(set(sizes)) != 1:
        raise ValueError("vmap: Expected all tensors to have the same size in the mapped "
                         f"dimension, got sizes {sizes} for the mapped dimension")
    return sizes[0]


def _slice(x: Any, d: int | None, i: int) -> Any:
    if d is None:
        return x
    if x.shape[d] == 0:  # an empty batch: the function runs once on zeros to learn its shapes
        shape = x.shape[:d] + x.shape[d + 1:]
        return x.new_zeros(shape)
    return x.select(d, i)


def _out_dims(func: Callable, out_dims: Any, out_spec: Any, n: int) -> list:
    if out_dims is None or isinstance(out_dims, int):
        return [out_dims] * n
    wrong = (f"vmap({_name(func)}, ..., out_dims={out_dims})(<inputs>): out_dims is not "
             f"compatible with the structure of `outputs`. out_dims has structure {out_dims} "
             f"but outputs has structure {out_spec}.")
    dims, spec = tree_flatten(out_dims)
    if len(dims) == n and spec == out_spec:
        return dims
    if isinstance(out_dims, tuple) and len(out_dims) == 1 and n == 1:
        return list(out_dims)
    raise ValueError(wrong)


def _check_outputs(func: Callable, outputs: list) -> None:
    for leaf in outputs:
        if not isinstance(leaf, Tensor):
            raise ValueError(f"vmap({_name(func)}, ...): `{_name(func)}` must only return "
                             f"Tensors, got type {type(leaf)}. Did you mean to set out_dims= "
                             "to None for output?")


def _stack(func: Callable, results: list, d: int | None, size: int) -> Tensor:
    """Slice results joined along ``d``; ``None``: one unbatched result, as PyTorch's."""
    from ..functional import stack

    if d is None:  # unbatched: every slice must have given the same values
        first = results[0]._data
        if any(r.shape != results[0].shape or not np.array_equal(r._data, first, equal_nan=True)
               for r in results[1:]):
            raise ValueError(f"vmap({_name(func)}, ...): `{_name(func)}` can not return a "
                             "BatchedTensor when out_dim is None")
        return results[0]
    if size == 0:
        first = results[0]
        shape = list(first.shape)
        shape.insert(d % (first.ndim + 1), 0)
        return first.new_zeros(tuple(shape))
    return stack(results, dim=d)


def _run(func: Callable, leaves: list, dims: list, spec: Any, randomness: str,
         size: int, kwargs: dict) -> list:
    """The function's flat outputs, once per slice (once on zeros for an empty batch)."""
    start = _state() if randomness == "same" else None
    runs = []
    for i in range(max(size, 1)):
        if start is not None:
            rng.get_rng().bit_generator.state = start
        sliced = tree_unflatten([_slice(x, d, i) for x, d in zip(leaves, dims)], spec)
        with rng_guard(randomness):
            runs.append(func(*sliced, **kwargs))
    return runs


def vmap(func: Callable, in_dims: int | tuple = 0, out_dims: int | tuple = 0,
         randomness: str = "error", *, chunk_size: int | None = None) -> Callable:
    """``func`` mapped over a dimension of its inputs (``in_dims``), the results stacked along
    ``out_dims``: PyTorch's rules, run as a loop over the slices (``chunk_size`` changes
    nothing but is checked). Composes with the gradient transforms: ``vmap(grad(f))`` gives
    per-sample gradients."""
    check_randomness(randomness)
    if chunk_size is not None and (not isinstance(chunk_size, int) or chunk_size <= 0):
        raise ValueError(f"vmap: chunk_size should be None or greater than 0. (got {chunk_size})")

    @functools.wraps(func)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        dims_in = _in_dims(func, in_dims, args)
        leaves, spec = tree_flatten(args)
        head = f"vmap({_name(func)}, in_dims={in_dims}, ...)(<inputs>)"
        dims_in = [_check_leaf(head, x, d) for x, d in zip(leaves, dims_in)]
        size = _batch_size(leaves, dims_in)
        runs = _run(func, leaves, dims_in, spec, randomness, size, kwargs)
        flat_runs = [tree_flatten(r) for r in runs]
        out_leaves, out_spec = flat_runs[0]
        _check_outputs(func, out_leaves)
        dims = _out_dims(func, out_dims, out_spec, len(out_leaves))
        stacked = [_stack(func, [f[0][k] for f in flat_runs], d, size)
                   for k, d in enumerate(dims)]
        return tree_unflatten(stacked, out_spec)

    return wrapped
