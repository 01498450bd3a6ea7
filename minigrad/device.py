"""``minigrad.device``: the CPU is the only device, so code written for PyTorch's ``device``
idiom (``torch.device("cpu")``, ``x.to(device)``, ``model.to(device)``) runs unchanged, and a
request for an accelerator fails at once with an error that says why."""

from __future__ import annotations

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
            raise TypeError(f"device(): argument 'type' must be str, not {_name(type)}")
        kind, _, num = type.partition(":")
        if kind in _ACCELERATORS:
            raise _no_accelerator(f"device({type!r})")
        if kind != "cpu":
            raise RuntimeError(
                f"device(): expected one of cpu, cuda, mps, ... device type at start of "
                f"device string: {type!r}"
            )
        if num:
            if not num.isdigit():
                raise RuntimeError(f"device(): invalid device string: {type!r}")
            index = int(num)
        if index is not None and (not isinstance(index, int) or index < 0):
            raise RuntimeError(f"device(): device index must be a non-negative int, got {index!r}")
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
    raise TypeError(f"{fn}(): argument 'device' must be a str or minigrad.device, not "
                    f"{_name(value)}")


def _name(value: Any) -> str:
    cls = type(value)
    return cls.__name__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__name__}"
