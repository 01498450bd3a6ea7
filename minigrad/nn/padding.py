"""Padding layers over ``F.pad``, with PyTorch's names and reprs.

* ``ConstantPad1d/2d/3d(padding, value)`` pad the last 1, 2 or 3 dims of any input with at
  least that many dims with ``value``; a negative width crops that side, as in PyTorch.
  ``ZeroPad1d/2d/3d(padding)`` are the same with ``value=0.0``.
* ``ReflectionPad1d/2d/3d`` mirror at the edge (the edge not repeated; each width below
  that dim's size), ``ReplicationPad1d/2d/3d`` repeat the edge and ``CircularPad1d/2d/3d``
  wrap around. They take a ``(C, *)`` or ``(N, C, *)`` input, as PyTorch's.

``padding`` is one int for every side or one width per side, from the last dim back:
``(left, right)``, ``(left, right, top, bottom)`` or ``(left, right, top, bottom, front,
back)``."""

from __future__ import annotations

import operator
from collections.abc import Sequence

from ..functional.resize import pad
from ..tensor import Tensor
from .module import Module

_SIDES = {1: "(left, right)", 2: "(left, right, top, bottom)",
          3: "(left, right, top, bottom, front, back)"}
_DIMS = {1: "W", 2: "H, W", 3: "D, H, W"}


class PadInputError(NotImplementedError, ValueError):
    """A mode padding layer given an input of the wrong rank. PyTorch raises
    ``NotImplementedError`` there; minigrad's 2-D layers raised ``ValueError`` before, so
    this is both and either ``except`` catches it."""


def _widths(padding: int | Sequence[int], dims: int, layer: str) -> tuple[int, ...]:
    """``padding`` as ``2 * dims`` int widths (one int is every side's)."""
    n = 2 * dims
    try:
        if isinstance(padding, Sequence) and not isinstance(padding, (str, bytes)):
            widths = tuple(operator.index(p) for p in padding)
        else:
            widths = (operator.index(padding),) * n  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(f"{layer}: padding must be an int or a {n}-tuple of ints "
                        f"{_SIDES[dims]}, got {padding!r}") from None
    if len(widths) != n:
        raise ValueError(f"{layer}: padding must be an int or a {n}-tuple {_SIDES[dims]}, "
                         f"got {tuple(padding)} of length {len(widths)}")  # type: ignore
    return widths


def _input(x: object, layer: str) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{layer}: expected a Tensor input, got {type(x).__name__}")
    return x


class _ConstantPadNd(Module):
    """Pad the last ``_dims`` dims with ``value`` (negative widths crop)."""

    _dims = 2

    def __init__(self, padding: int | Sequence[int], value: float) -> None:
        super().__init__()
        self.padding = _widths(padding, self._dims, type(self).__name__)
        self.value = value

    def forward(self, x: Tensor) -> Tensor:
        """``x`` with its last dims padded (or cropped, for negative widths)."""
        name = type(self).__name__
        x = _input(x, name)
        if x.ndim < self._dims:
            raise RuntimeError(
                f"{name}: padding length should be less than or equal to two times the input "
                f"dimension, but got padding length {len(self.padding)} and input of shape "
                f"{x.shape} ({x.ndim} dims)")
        widths = self.padding
        if min(widths) < 0:  # a negative width crops that side first, as PyTorch's narrow
            key = [slice(None)] * x.ndim
            for i in range(self._dims):
                axis, before, after = x.ndim - 1 - i, widths[2 * i], widths[2 * i + 1]
                size = x.shape[axis]
                kept = size + min(before, 0) + min(after, 0)
                if kept < 0:
                    raise RuntimeError(
                        f"{name}: padding {widths} crops dimension {axis} of the input of "
                        f"shape {x.shape} to a negative length ({kept})")
                key[axis] = slice(max(0, -before), size - max(0, -after))
            x = x[tuple(key)]
            widths = tuple(max(0, w) for w in widths)
        return pad(x, widths, "constant", self.value)

    def extra_repr(self) -> str:
        """What ``repr(layer)`` shows in the parentheses (PyTorch's text)."""
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dim with ``value``: ``padding`` is an int or ``(left, right)``."""

    _dims = 1


class ConstantPad2d(_ConstantPadNd):
    """Pad the last two dims with ``value``: an int or ``(left, right, top, bottom)``."""

    _dims = 2


class ConstantPad3d(_ConstantPadNd):
    """Pad the last three dims with ``value``: an int or ``(left, right, top, bottom,
    front, back)``."""

    _dims = 3


class ZeroPad1d(ConstantPad1d):
    """Pad the last dim with zeros (negative widths crop)."""

    def __init__(self, padding: int | Sequence[int]) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        """What ``repr(layer)`` shows in the parentheses (PyTorch's text)."""
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    """Pad the last two dims with zeros (negative widths crop)."""

    def __init__(self, padding: int | Sequence[int]) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        """What ``repr(layer)`` shows in the parentheses (PyTorch's text)."""
        return f"{self.padding}"


class ZeroPad3d(ConstantPad3d):
    """Pad the last three dims with zeros (negative widths crop)."""

    def __init__(self, padding: int | Sequence[int]) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        """What ``repr(layer)`` shows in the parentheses (PyTorch's text)."""
        return f"{self.padding}"


class _ModePadNd(Module):
    """``F.pad(x, padding, mode)`` on a ``(C, *)`` or ``(N, C, *)`` input with ``_dims``
    spatial dims."""

    mode = "reflect"
    _dims = 2

    def __init__(self, padding: int | Sequence[int]) -> None:
        super().__init__()
        self.padding = _widths(padding, self._dims, type(self).__name__)

    def forward(self, x: Tensor) -> Tensor:
        """``x`` padded on its last ``_dims`` dims."""
        name, k = type(self).__name__, self._dims
        x = _input(x, name)
        if x.ndim not in (k + 1, k + 2):
            raise PadInputError(f"{name}: expected a {k + 1}-D (C, {_DIMS[k]}) or {k + 2}-D "
                                f"(N, C, {_DIMS[k]}) input, got {x.shape}")
        if 0 in x.shape[x.ndim - k - 1:]:  # PyTorch: only the batch may be empty
            raise RuntimeError(f"{name}: expected a {k + 1}-D or {k + 2}-D (batch mode) input "
                               f"with possibly 0 batch size and other non-zero dimensions, "
                               f"got {x.shape}")
        try:
            return pad(x, self.padding, self.mode)
        except (RuntimeError, ValueError) as e:  # F.pad's reason, with the layer's name
            e.args = (f"{name}: {e.args[0]}", *e.args[1:]) if e.args else e.args
            raise

    def extra_repr(self) -> str:
        """What ``repr(layer)`` shows in the parentheses (PyTorch's text)."""
        return f"{self.padding}"


class ReflectionPad1d(_ModePadNd):
    """Pad the last dim of ``(C, W)`` / ``(N, C, W)`` with its reflection at the edge
    (each width < W)."""

    _dims = 1


class ReflectionPad2d(_ModePadNd):
    """Pad with the reflection of the input at its edge (each width < that dim's size)."""

    _dims = 2


class ReplicationPad1d(_ModePadNd):
    """Pad the last dim of ``(C, W)`` / ``(N, C, W)`` by repeating the edge value."""

    mode = "replicate"
    _dims = 1


class ReplicationPad2d(_ModePadNd):
    """Pad by repeating the edge row / column."""

    mode = "replicate"
    _dims = 2


class ReplicationPad3d(_ModePadNd):
    """Pad the last three dims of ``(C, D, H, W)`` / ``(N, C, D, H, W)`` by repeating the
    edge (volumes: video, medical scans)."""

    mode = "replicate"
    _dims = 3


class ReflectionPad3d(_ModePadNd):
    """Pad the last three dims of ``(C, D, H, W)`` / ``(N, C, D, H, W)`` with their
    reflection at the edge (each width < that dim's size)."""

    _dims = 3


class CircularPad1d(_ModePadNd):
    """Pad the last dim of ``(C, W)`` / ``(N, C, W)`` by wrapping around: the last
    columns come before the first (periodic signals)."""

    mode = "circular"
    _dims = 1


class CircularPad2d(_ModePadNd):
    """Pad the last two dims of ``(C, H, W)`` / ``(N, C, H, W)`` by wrapping around (a
    torus: periodic images)."""

    mode = "circular"
    _dims = 2


class CircularPad3d(_ModePadNd):
    """Pad the last three dims of ``(C, D, H, W)`` / ``(N, C, D, H, W)`` by wrapping
    around."""

    mode = "circular"
    _dims = 3
