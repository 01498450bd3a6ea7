"""``minigrad.device``: the CPU is the only device, so code written for PyTorch's ``device``
idiom (``torch.device("cpu")``, ``x.to(device)``, ``model.to(device)``) runs unchanged, and a
request for an accelerator fails at once with an error that says why.

The accelerator queries live here too: ``minigrad.cuda`` and ``minigrad.accelerator`` are
module objects built at the end of this file (and registered in ``sys.modules``, so
``import minigrad.cuda`` works as ``import torch.cuda`` does). Their queries answer "no"
(``cuda.is_available()`` is False, ``device_count()`` 0), their seeding and cache calls do
nothing, exactly as PyTorch's do on a machine without CUDA, and the calls that need a GPU
(``cuda.current_device()``, ``synchronize()``, ``set_device()``, ...) raise the error
``device("cuda")`` raises.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Callable
from typing import Any

_ACCELERATORS = ("cuda", "mps", "xpu", "xla", "hip", "meta", "mtia", "privateuseone")


def _no_accelerator(what: str) -> RuntimeError:
    return RuntimeError(
        f"{what}: minigrad runs on the CPU only (numpy), there is no CUDA or other "
        "accelerator support; use device='cpu' or leave the device out "
        "(see docs/porting.md, 'Tensors and the torch namespace')"
    )


class device:  # noqa: N801  (PyTorch's spelling)
    """A device: ``device("cpu")`` or ``device("cpu", 0)``; ``str()`` of it is ``"cpu"``."""

    __slots__ = ("type", "index")

    def __init__(self, type: Any, index: int | None = None) -> None:  # noqa: A002
        if isinstance(type, device):
            type, index = type.type, type.index
        if not isinstance(type, str):
            raise TypeError(f"device: argument 'type' must be str, not {_name(type)}")
        kind, _, num = type.partition(":")
        if kind in _ACCELERATORS:
            raise _no_accelerator(f"device({type!r})")
        if kind != "cpu":
            raise RuntimeError(
                f"device: expected one of cpu, cuda, mps, ... device type at start of "
                f"device string: {type!r}"
            )
        if num:
            if not num.isdigit():
                raise RuntimeError(f"device: invalid device string: {type!r}")
            index = int(num)
        if index is not None and (not isinstance(index, int) or index < 0):
            raise RuntimeError(f"device: device index must be a non-negative int, got {index!r}")
        self.type, self.index = "cpu", index

    def __repr__(self) -> str:
        tail = "" if self.index is None else f", index={self.index}"
        return f"device(type='{self.type}'{tail})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, device):  # as PyTorch: device("cpu") != "cpu"
            return NotImplemented
        return (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))


CPU = device("cpu")


def check_device(value: Any, fn: str) -> None:
    """Accept ``None``, ``"cpu"`` and ``device("cpu")``; refuse accelerators clearly."""
    if value is None or isinstance(value, device):
        return
    if isinstance(value, str):
        device(value)
        return
    if isinstance(value, int) and not isinstance(value, bool):  # an accelerator ordinal
        raise _no_accelerator(f"{fn}(device={value})")
    raise TypeError(f"{fn}: argument 'device' must be a str or minigrad.device, not "
                    f"{_name(value)}")


def _name(value: Any) -> str:
    cls = type(value)
    return cls.__name__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__name__}"


# ------------------------------------------------------------------ minigrad.cuda, .accelerator
def _namespace(name: str, doc: str, members: dict[str, Any]) -> types.ModuleType:
    """A module object ``minigrad.<name>`` holding ``members``, importable by that name."""
    module = types.ModuleType(f"minigrad.{name}", doc)
    for key, value in members.items():
        if callable(value):
            value.__module__ = module.__name__
            value.__qualname__ = key
        setattr(module, key, value)
    module.__all__ = sorted(members)
    return sys.modules.setdefault(module.__name__, module)  # type: ignore[return-value]


def _refuse(name: str) -> Callable[..., Any]:
    def refused(*args: Any, **kwargs: Any) -> Any:
        raise _no_accelerator(f"cuda.{name}")

    refused.__name__ = name
    refused.__doc__ = f"Refused with a clear RuntimeError: ``cuda.{name}`` needs a GPU."
    return refused


def _make_cuda() -> types.ModuleType:
    def is_available() -> bool:
        """Always False: minigrad runs on the CPU only."""
        return False

    def device_count() -> int:
        """Always 0."""
        return 0

    def is_initialized() -> bool:
        """Always False: there is no CUDA to initialise."""
        return False

    def is_bf16_supported(including_emulation: bool = True) -> bool:
        """Always False."""
        return False

    def manual_seed(seed: int) -> None:
        """Nothing to seed (as in PyTorch without CUDA); use ``minigrad.manual_seed``."""

    def seed() -> None:
        """Nothing to seed (as in PyTorch without CUDA)."""

    def empty_cache() -> None:
        """Nothing to free (as in PyTorch without CUDA)."""

    def memory_allocated(device: Any = None) -> int:
        """0 bytes: no GPU memory is ever allocated (PyTorch answers 0 without CUDA too)."""
        return 0

    def reset_peak_memory_stats(device: Any = None) -> None:
        """Nothing to reset."""

    members: dict[str, Any] = dict(
        is_available=is_available, device_count=device_count, is_initialized=is_initialized,
        is_bf16_supported=is_bf16_supported, manual_seed=manual_seed,
        manual_seed_all=manual_seed, seed=seed, seed_all=seed, empty_cache=empty_cache,
        memory_allocated=memory_allocated, max_memory_allocated=memory_allocated,
        memory_reserved=memory_allocated, max_memory_reserved=memory_allocated,
        reset_peak_memory_stats=reset_peak_memory_stats,
    )
    for name in ("current_device", "set_device", "synchronize", "get_device_name",
                 "get_device_capability", "get_device_properties", "init", "stream",
                 "Stream", "Event", "device"):
        members[name] = _refuse(name)
    return _namespace("cuda", "``minigrad.cuda``: there is no GPU support, so the queries "
                      "PyTorch scripts make answer \"no\", and the seeding and cache calls do "
                      "nothing, exactly as PyTorch's do on a machine without CUDA; the calls "
                      "that need a GPU raise a RuntimeError saying so.", members)


def _make_accelerator() -> types.ModuleType:
    def is_available() -> bool:
        """Always False: minigrad runs on the CPU only."""
        return False

    def current_accelerator(check_available: bool = False) -> None:
        """None: no accelerator (as PyTorch answers on a CPU-only machine)."""
        return None

    def device_count() -> int:
        """Always 0."""
        return 0

    return _namespace("accelerator", "``minigrad.accelerator``: PyTorch 2.x's device-neutral "
                      "query; there is no accelerator here.",
                      dict(is_available=is_available, current_accelerator=current_accelerator,
                           device_count=device_count))


cuda = _make_cuda()
accelerator = _make_accelerator()
# minigrad.cuda.amp (GradScaler, autocast) is minigrad/_cuda/amp.py: imported on first touch
cuda.__path__ = [__file__.rpartition("device.py")[0] + "_cuda"]


def _cuda_amp(name: str) -> Any:
    if name != "amp":
        raise AttributeError(f"module 'minigrad.cuda' has no attribute {name!r}")
    import importlib

    return importlib.import_module("minigrad.cuda.amp")


cuda.__getattr__ = _cuda_amp
