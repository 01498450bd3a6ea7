"""``functional_call``: run a module with some of its parameters and buffers replaced by
given tensors (so gradients flow to those tensors), and put the module's own back afterwards,
even when the call raises. ``torch.func.functional_call`` and PyTorch's older
``torch.nn.utils.stateless.functional_call`` (deprecated there, with a FutureWarning)."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from ...tensor import Tensor

__all__ = ["functional_call"]

_MISSING = object()  # a name the module did not have before the swap


def _all_names(module: Any, prefix: str = "") -> Iterator[tuple[str, Tensor]]:
    """Every ``(dotted name, tensor)`` of parameters and buffers, tied ones under each of
    their names (PyTorch's ``remove_duplicate=False``)."""
    for store in ("_parameters", "_buffers"):
        for name, t in getattr(module, store).items():
            if t is not None:
                yield prefix + name, t
    for name, child in module._modules.items():
        if child is not None:
            yield from _all_names(child, f"{prefix}{name}.")


def _merge(dicts: Mapping | Sequence[Mapping]) -> dict:
    if isinstance(dicts, Mapping):
        return dict(dicts)
    merged: dict = {}
    for d in dicts:
        repeated = sorted(set(merged) & set(d))
        if repeated:
            raise ValueError(f"{repeated} appeared in multiple dictionaries; behavior of "
                             "functional call is ambiguous")
        merged.update(d)
    return merged


def _tie(module: Any, given: dict) -> dict:
    """Give every name of a tied tensor the value given for any of its names."""
    groups: dict[int, list[str]] = {}
    for name, t in _all_names(module):
        groups.setdefault(id(t), []).append(name)
    result = dict(given)
    for names in groups.values():
        chosen = [n for n in names if n in given]
        if len(names) < 2 or not chosen:
            continue
        values = {id(given[n]) for n in chosen}
        if len(values) > 1:
            raise ValueError(f"functional_call got multiple values for keys {chosen}, which "
                             "are tied. Consider using tie_weights=False")
        result.update({n: given[chosen[0]] for n in names})
    return result


def _check_strict(module: Any, given: dict) -> None:
    names = {n for n, _ in _all_names(module)}
    missing, unexpected = sorted(names - set(given)), sorted(set(given) - names)
    lines = []
    if missing:
        lines.append("Missing key(s): " + ", ".join(f"'{k}'" for k in missing) + ".")
    if unexpected:
        lines.append("Unexpected key(s): " + ", ".join(f"'{k}'" for k in unexpected) + ".")
    if lines:
        raise RuntimeError(f"Error(s) in reparametrizing for {type(module).__name__}:\n\t"
                           + "\n\t".join(lines))


def _swap(owner: Any, name: str, value: Any) -> Any:
    """Put ``value`` under ``name`` in ``owner``; return what was there."""
    for store in (owner._parameters, owner._buffers):
        if name in store:
            old, store[name] = store[name], value
            return old
    old = owner.__dict__.get(name, _MISSING)
    object.__setattr__(owner, name, value)
    return old


def _restore(owner: Any, name: str, old: Any) -> None:
    for store in (owner._parameters, owner._buffers):
        if name in store:
            store[name] = old
            return
    if old is _MISSING:
        owner.__dict__.pop(name, None)
    else:
        object.__setattr__(owner, name, old)


@contextlib.contextmanager
def _reparametrize(module: Any, values: dict) -> Iterator[None]:
    done = []
    try:
        for key, value in values.items():
            path, _, name = key.rpartition(".")
            owner = module.get_submodule(path) if path else module
            done.append((owner, name, _swap(owner, name, value)))
        yield
    finally:
        for owner, name, old in reversed(done):
            _restore(owner, name, old)


def _functional_call(module: Any, parameter_and_buffer_dicts: Mapping | Sequence[Mapping],
                     args: Any = None, kwargs: dict | None = None, *, tie_weights: bool = True,
                     strict: bool = False) -> Any:
    given = _merge(parameter_and_buffer_dicts)
    if tie_weights:
        given = _tie(module, given)
    if strict:
        _check_strict(module, given)
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    with _reparametrize(module, given):
        return module(*args, **(kwargs or {}))


def functional_call(module: Any, parameters_and_buffers: Mapping[str, Tensor],
                    args: Any = None, kwargs: dict | None = None, *, tie_weights: bool = True,
                    strict: bool = False) -> Any:
    """``module(*args, **kwargs)`` with the named parameters and buffers replaced for the
    call; deprecated as in PyTorch 2 (use ``minigrad.func.functional_call``)."""
    warnings.warn("`torch.nn.utils.stateless.functional_call` is deprecated as of PyTorch 2.0 "
                  "and will be removed in a future version of PyTorch. Please use "
                  "`torch.func.functional_call` instead which is a drop-in replacement.",
                  FutureWarning, stacklevel=2)
    return _functional_call(module, parameters_and_buffers, args, kwargs,
                            tie_weights=tie_weights, strict=strict)
