"""The nested containers torch.func's transforms look through (tuples, lists, dicts and
namedtuples of Tensors): flattened to a list of leaves and a spec to rebuild them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["tree_flatten", "tree_map", "tree_unflatten"]

_LEAF = None  # the spec of a leaf


def _children(tree: Any) -> tuple[Any, list] | None:
    """``(rebuild key, children)`` of a container, None for a leaf."""
    if isinstance(tree, dict):
        return ("dict", list(tree)), list(tree.values())
    if isinstance(tree, tuple) and hasattr(tree, "_fields"):  # a namedtuple
        return ("namedtuple", type(tree)), list(tree)
    if isinstance(tree, (tuple, list)):
        return ("seq", type(tree)), list(tree)
    return None


def tree_flatten(tree: Any) -> tuple[list, Any]:
    """The leaves of ``tree`` in order, and the spec ``tree_unflatten`` rebuilds it from."""
    parts = _children(tree)
    if parts is None:
        return [tree], _LEAF
    key, children = parts
    leaves: list = []
    specs = []
    for child in children:
        sub, spec = tree_flatten(child)
        leaves += sub
        specs.append((len(sub), spec))
    return leaves, (key, specs)


def tree_unflatten(leaves: list, spec: Any) -> Any:
    """The tree of ``spec`` with ``leaves`` in its leaves' places."""
    if spec is _LEAF:
        return leaves[0]
    (kind, info), specs = spec
    children, start = [], 0
    for count, sub in specs:
        children.append(tree_unflatten(leaves[start:start + count], sub))
        start += count
    if kind == "dict":
        return dict(zip(info, children))
    if kind == "namedtuple":
        return info(*children)
    return info(children)


def tree_map(fn: Callable[[Any], Any], tree: Any) -> Any:
    """``tree`` with ``fn`` applied to each leaf."""
    leaves, spec = tree_flatten(tree)
    return tree_unflatten([fn(x) for x in leaves], spec)


def is_leaf_spec(spec: Any) -> bool:
    """Whether ``spec`` is a single leaf's."""
    return spec is _LEAF


def num_leaves(spec: Any) -> int:
    """How many leaves a tree of ``spec`` has."""
    return 1 if spec is _LEAF else sum(count for count, _ in spec[1])
