"""Containers: ``Sequential`` (layers applied in order), ``ModuleList``, ``ModuleDict``,
``ParameterList`` and ``ParameterDict``: they register what they hold, so the parent's
``parameters()`` and ``state_dict()`` see it. Children are named ``'0'``, ``'1'``, ... as in
PyTorch, so state dict keys read ``features.0.weight``; a ``ParameterDict``'s under their
keys (``heads.left``). ``Container`` is PyTorch's deprecated ancestor of them."""

from __future__ import annotations

import operator
import warnings
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from itertools import chain
from typing import Any

from ..tensor import Tensor
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
        if not isinstance(modules, Iterable):
            raise TypeError(f"{type(self).__name__}.extend: expected an iterable of Modules, "
                            f"got {type(modules).__name__}")
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

    def __iadd__(self, modules: Iterable[Module]) -> ModuleList:
        return self.extend(modules)

    def __add__(self, other: Iterable[Module]) -> ModuleList:
        """A new ModuleList: this one's modules, then ``other``'s, renumbered from 0."""
        return ModuleList(chain(self, other))

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


class MissingKeyError(KeyError, AttributeError):
    """A key a ParameterDict does not hold: PyTorch raises ``AttributeError`` there (the
    lookup is an attribute's), dict users expect ``KeyError``; this is both."""


class ParameterDict(Module):
    """A dict of Parameters registered under their keys, so the parent's ``parameters()``,
    ``state_dict()`` (``name.key``) and ``to()`` see them; insertion order is kept. As in
    PyTorch, a Tensor stored in it becomes a Parameter, any other value is kept as a plain
    attribute (not trained, not saved), and a plain ``dict`` is added in sorted key order
    (an ``OrderedDict``, a ParameterDict or ``(key, value)`` pairs keep theirs)."""

    def __init__(self, parameters: Any = None) -> None:
        super().__init__()
        object.__setattr__(self, "_keys", {})
        if parameters is not None:
            self.update(parameters)

    @staticmethod
    def _key(key: Any) -> str:
        if not isinstance(key, str):
            raise TypeError("Index given to ParameterDict cannot be used as a key as it is "
                            f"not a string (type is '{type(key).__name__}')")
        return key

    def __getitem__(self, key: str) -> Any:
        name = self._key(key)
        if name not in self._keys:
            raise MissingKeyError(f"'{type(self).__name__}' object has no attribute (key) "
                                  f"'{name}'; its keys are {list(self._keys)}")
        for store in (self._parameters, self._modules, self._buffers):
            if name in store:  # before methods: a key named 'keys' is still the entry
                return store[name]
        return getattr(self, name)

    def __setitem__(self, key: str, value: Any) -> None:
        name = self._key(key)
        if isinstance(value, Tensor) and not isinstance(value, Parameter):
            value = Parameter(value)
        setattr(self, name, value)  # registers a Parameter (or Module), as PyTorch's
        self._keys[name] = None

    def __delitem__(self, key: str) -> None:
        name = self._key(key)
        if name not in self._keys:
            raise MissingKeyError(f"'{type(self).__name__}' has no key '{name}'; its keys "
                                  f"are {list(self._keys)}")
        del self._keys[name]
        delattr(self, name)

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __reversed__(self) -> Iterator[str]:
        return reversed(self._keys)

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def keys(self) -> Iterable[str]:
        """The keys, in insertion order."""
        return self._keys.keys()

    def values(self) -> Iterator[Any]:
        """The values, in insertion order."""
        return (self[k] for k in self._keys)

    def items(self) -> Iterator[tuple[str, Any]]:
        """``(key, value)`` pairs, in insertion order."""
        return ((k, self[k]) for k in self._keys)

    def get(self, key: str, default: Any = None) -> Any:
        """``self[key]`` if ``key`` is present, else ``default``."""
        return self[key] if key in self else default

    def setdefault(self, key: str, default: Any = None) -> Any:
        """``self[key]``, first storing ``default`` there if ``key`` is absent."""
        if key not in self:
            self[key] = default
        return self[key]

    def pop(self, key: str) -> Any:
        """Remove ``key`` and return its value (the parameter leaves ``parameters()``)."""
        value = self[key]
        del self[key]
        return value

    def popitem(self) -> tuple[str, Any]:
        """Remove and return the last inserted ``(key, value)`` pair."""
        if not self._keys:
            raise KeyError("ParameterDict.popitem: dictionary is empty")
        key = next(reversed(self._keys))
        return key, self.pop(key)

    def clear(self) -> None:
        """Remove every entry."""
        for key in list(self._keys):
            del self[key]

    def copy(self) -> ParameterDict:
        """A new ParameterDict holding the same Parameters (not copies of them)."""
        return ParameterDict(OrderedDict((k, self[k]) for k in self._keys))

    def fromkeys(self, keys: Iterable[str], default: Any = None) -> ParameterDict:
        """A new ParameterDict with ``keys``, each set to ``default``."""
        return ParameterDict((k, default) for k in keys)

    def update(self, parameters: Any) -> None:
        """Add (or replace) entries from a mapping or from ``(key, value)`` pairs."""
        if not isinstance(parameters, Iterable):
            raise TypeError("ParameterDict.update should be called with an iterable of "
                            f"key/value pairs, but got {type(parameters).__name__}")
        if isinstance(parameters, (OrderedDict, ParameterDict)):
            pairs: Iterable[Any] = list(parameters.items())
        elif isinstance(parameters, Mapping):
            pairs = sorted(parameters.items())  # PyTorch sorts a plain dict's keys
        else:
            pairs = list(parameters)
            for j, pair in enumerate(pairs):
                if not isinstance(pair, Iterable):
                    raise TypeError(f"ParameterDict update sequence element #{j} should be "
                                    f"Iterable; is {type(pair).__name__}")
                if len(pair) != 2:
                    raise ValueError(f"ParameterDict update sequence element #{j} has "
                                     f"length {len(pair)}; 2 is required")
        for key, value in pairs:
            self[key] = value

    def __or__(self, other: ParameterDict) -> ParameterDict:
        out = self.copy()
        out.update(other)
        return out

    def __ror__(self, other: ParameterDict) -> ParameterDict:
        out = other.copy()
        out.update(self)
        return out

    def __ior__(self, other: ParameterDict) -> ParameterDict:
        self.update(other)
        return self

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Not callable, as in PyTorch: a ParameterDict only holds parameters."""
        raise RuntimeError("ParameterDict should not be called.")

    def extra_repr(self) -> str:
        """One line per entry, as PyTorch prints them."""
        lines = []
        for key, value in self.items():
            if isinstance(value, Tensor):
                size = "x".join(str(n) for n in value.shape)
                kind = "Parameter" if isinstance(value, Parameter) else "Tensor"
                lines.append(f"  ({key}): {kind} containing: [{value.type()} of size {size}]")
            else:
                lines.append(f"  ({key}): Object of type: {type(value).__name__}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        # PyTorch's layout: a one-line body stays inline, more lines go one per line
        lines = self.extra_repr().split("\n") if self._keys else []
        children = [(n, m) for n, m in self._modules.items() if m is not None]
        lines += [f"({n}): " + repr(m).replace("\n", "\n  ") for n, m in children]
        name = type(self).__name__
        if len(lines) == 1 and not children:
            return f"{name}({lines[0]})"
        if not lines:
            return f"{name}()"
        return f"{name}(\n  " + "\n  ".join(lines) + "\n)"


class Container(Module):
    """PyTorch's deprecated ``nn.Container``: a Module holding the modules given by keyword
    (``Container(conv=nn.Conv2d(...))``), kept so old programs run; it warns, as PyTorch
    does, to subclass ``Module`` instead."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__()
        warnings.warn("`nn.Container` is deprecated. All of its functionality is now "
                      "implemented in `nn.Module`. Subclass that instead.", FutureWarning,
                      stacklevel=2)
        for key, value in kwargs.items():
            self.add_module(key, value)
