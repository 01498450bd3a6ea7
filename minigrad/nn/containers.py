"""Containers: ``Sequential`` (layers applied in order) and ``ModuleList`` (a list that
registers what it holds). Children are named ``'0'``, ``'1'``, ... as in PyTorch, so
state dict keys read ``features.0.weight``."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from .module import Module


class _IndexedModules(Module):
    def _index(self, idx: int) -> str:
        n = len(self._modules)
        if not -n <= idx < n:
            raise IndexError(f"{type(self).__name__}: index {idx} is out of range "
                             f"(it holds {n} modules)")
        return list(self._modules)[idx % n]

    def __getitem__(self, idx: int | slice) -> Any:
        if isinstance(idx, slice):  # keeps the original names, as PyTorch does
            out = type(self)()
            for name, m in list(self._modules.items())[idx]:
                out.add_module(name, m)
            return out
        return self._modules[self._index(idx)]

    def __setitem__(self, idx: int, module: Module) -> None:
        self.add_module(self._index(idx), module)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def append(self, module: Module) -> _IndexedModules:
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> _IndexedModules:
        for m in modules:
            self.append(m)
        return self


class Sequential(_IndexedModules):
    """``Sequential(a, b, c)(x) == c(b(a(x)))``; indexable, sliceable and iterable."""

    def __init__(self, *modules: Module) -> None:
        super().__init__()
        for i, m in enumerate(modules):
            if not isinstance(m, Module):
                raise TypeError(f"Sequential: argument {i} is a {type(m).__name__}, "
                                "not a Module")
            self.add_module(str(i), m)

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
