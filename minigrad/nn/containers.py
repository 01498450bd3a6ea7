"""Containers: ``Sequential`` (layers applied in order), ``ModuleList``, ``ModuleDict`` and
``ParameterList``: they register what they hold, so the parent's ``parameters()`` and
``state_dict()`` see it. Children are named ``'0'``, ``'1'``, ... as in PyTorch, so state
dict keys read ``features.0.weight``."""

from __future__ import annotations

import operator
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from .module import Module
from .parameter import Parameter


def _position(owner: object, idx: Any, n: int) -> int:
    """``idx`` as a position in ``range(n)`` (negative counts from the end)."""
    try:
        i = operator.index(idx)
    except TypeError:
        raise TypeError(f"{type(owner).__name__} indices must be integers or slices, not "
                        f"{type(idx).__name__} ({idx!r})") from None
    if not -n <= i < n:
        raise IndexError(f"{type(owner).__name__}: index {i} is out of range (it holds {n} "
                         "items)")
    return i % n


class _IndexedModules(Module):
    def _index(self, idx: Any) -> str:
        return list(self._modules)[_position(self, idx, len(self._modules))]

    def __getitem__(self, idx: int | slice) -> Any:
        if isinstance(idx, slice):  # keeps the original names, as PyTorch does
            out = type(self)()
            for name, m in list(self._modules.items())[idx]:
                out.add_module(name, m)
            return out
        return self._modules[self._index(idx)]

    def __setitem__(self, idx: int, module: Module) -> None:
        self.add_module(self._index(idx), module)

    def __delitem__(self, idx: int | slice) -> None:
        names = list(self._modules)[idx] if isinstance(idx, slice) else [self._index(idx)]
        for name in names:
            del self._modules[name]
        # renumber, as PyTorch does, so indices stay 0..n-1
        kept = list(self._modules.values())
        self._modules.clear()
        for i, m in enumerate(kept):
            self._modules[str(i)] = m

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def append(self, module: Module) -> _IndexedModules:
        """Add ``module`` at the end (named by its position); returns self."""
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> _IndexedModules:
        """Append each of ``modules``; returns self."""
        for m in modules:
            self.append(m)
        return self

    def insert(self, index: int, module: Module) -> None:
        """Put ``module`` before position ``index``."""
        kept = list(self._modules.values())
        n = len(kept)
        i = operator.index(index)
        i = max(0, min(n, i + n if i < 0 else i))
        kept.insert(i, module)
        self._modules.clear()
        for j, m in enumerate(kept):
            self.add_module(str(j), m)


class Sequential(_IndexedModules):
    """``Sequential(a, b, c)(x) == c(b(a(x)))``; indexable, sliceable and iterable.
    ``Sequential(OrderedDict([("conv", ...), ("relu", ...)]))`` names the children."""

    def __init__(self, *modules: Module | Mapping[str, Module]) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], (OrderedDict, dict)):
            items = list(modules[0].items())
        else:
            items = [(str(i), m) for i, m in enumerate(modules)]
        for name, m in items:
            if not isinstance(m, Module):
                raise TypeError(f"Sequential: argument {name} is a {type(m).__name__}, "
                                "not a Module")
            self.add_module(name, m)

    def forward(self, x: Any) -> Any:
        """Feed ``x`` through each module in order; the last one's output."""
        for m in self._modules.values():
            x = m(x)
        return x


class ModuleList(_IndexedModules):
    """A list of modules whose parameters the parent sees (a plain list would hide them)."""

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def forward(self, *args: Any) -> Any:
        """Not callable: a ModuleList only holds modules; iterate over it."""
        raise NotImplementedError("ModuleList has no forward(): iterate over it instead")


class ModuleDict(Module):
    """A dict of modules, registered under their keys (insertion order kept)."""

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] | None
                 = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        if key not in self._modules:
            raise KeyError(key)
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        del self._modules[key]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def keys(self) -> Iterable[str]:
        """The keys, in insertion order."""
        return self._modules.keys()

    def values(self) -> Iterable[Module]:
        """The modules, in insertion order."""
        return self._modules.values()

    def items(self) -> Iterable[tuple[str, Module]]:
        """``(key, module)`` pairs, in insertion order."""
        return self._modules.items()

    def pop(self, key: str) -> Module:
        """Remove ``key`` and return its module."""
        return self._modules.pop(key)

    def clear(self) -> None:
        """Remove every module."""
        self._modules.clear()

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        """Add (or replace) modules from a mapping or from ``(key, module)`` pairs."""
        items = modules.items() if isinstance(modules, Mapping) else modules
        for key, m in items:
            self.add_module(key, m)

    def forward(self, *args: Any) -> Any:
        """Not callable: a ModuleDict only holds modules; index it."""
        raise NotImplementedError("ModuleDict has no forward(): index it instead")


class ParameterList(Module):
    """A list of Parameters that the parent module registers (named ``'0'``, ``'1'``...)."""

    def __init__(self, values: Iterable[Any] | None = None) -> None:
        super().__init__()
        if values is not None:
            self.extend(values)

    def __getitem__(self, idx: int | slice) -> Any:
        params = list(self._parameters.values())
        if isinstance(idx, slice):
            return ParameterList(params[idx])
        return params[_position(self, idx, len(params))]

    def __setitem__(self, idx: int, value: Any) -> None:
        i = _position(self, idx, len(self._parameters))
        self.register_parameter(str(i), value if isinstance(value, Parameter)
                                else Parameter(value))

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[Parameter]:
        return iter(self._parameters.values())

    def append(self, value: Any) -> ParameterList:
        """Add a Parameter (a Tensor or array is wrapped into one); returns self."""
        p = value if isinstance(value, Parameter) else Parameter(value)
        self._parameters[str(len(self._parameters))] = p
        return self

    def extend(self, values: Iterable[Any]) -> ParameterList:
        """Append each of ``values``; returns self."""
        for v in values:
            self.append(v)
        return self

    def forward(self, *args: Any) -> Any:
        """Not callable: a ParameterList only holds parameters."""
        raise NotImplementedError("ParameterList has no forward(): index it instead")

    def extra_repr(self) -> str:
        """One line per parameter: its shape and dtype."""
        return "\n".join(f"({i}): Parameter containing: [{p.dtype} of size {p.shape}]"
                         for i, p in enumerate(self))
