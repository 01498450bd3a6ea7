"""Sub-pixel convolution's rearrangement: ``pixel_shuffle`` moves ``r*r`` channels into an
``r``-times larger image, ``pixel_unshuffle`` undoes it. Both are a reshape, a permute and
a reshape, so their gradients are the same moves backwards."""

from __future__ import annotations

import operator

from ..tensor import Tensor, require_tensor
from .module import Module


def _factor(value: object, op: str, name: str) -> int:
    try:
        r = operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(f"{op}: argument '{name}' must be int, not "
                        f"{type(value).__name__}") from None
    if r <= 0:
        raise RuntimeError(f"{op} expects a positive {name}, but got {r}")
    return r


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """``(*, C*r*r, H, W)`` -> ``(*, C, H*r, W*r)`` with ``r = upscale_factor``."""
    x = require_tensor(input, "pixel_shuffle", "input")
    r = _factor(upscale_factor, "pixel_shuffle", "upscale_factor")
    if x.ndim < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but "
                           f"got input with {x.ndim} dimension(s)")
    *batch, c, h, w = x.shape
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be "
                           f"divisible by the square of upscale_factor, but input.size(-3)={c} "
                           f"is not divisible by {r * r}")
    b = len(batch)
    out = x.reshape(*batch, c // (r * r), r, r, h, w)
    out = out.permute(*range(b), b, b + 3, b + 1, b + 4, b + 2)  # (*, C, H, r, W, r)
    return out.reshape(*batch, c // (r * r), h * r, w * r)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """``(*, C, H*r, W*r)`` -> ``(*, C*r*r, H, W)`` with ``r = downscale_factor``."""
    x = require_tensor(input, "pixel_unshuffle", "input")
    r = _factor(downscale_factor, "pixel_unshuffle", "downscale_factor")
    if x.ndim < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, "
                           f"but got input with {x.ndim} dimension(s)")
    *batch, c, h, w = x.shape
    for dim, size in (("height", h), ("width", w)):
        if size % r:
            raise RuntimeError(f"pixel_unshuffle expects {dim} to be divisible by "
                               f"downscale_factor, but input.size({-2 if dim == 'height' else -1})"
                               f"={size} is not divisible by {r}")
    b = len(batch)
    out = x.reshape(*batch, c, h // r, r, w // r, r)
    out = out.permute(*range(b), b, b + 2, b + 4, b + 1, b + 3)  # (*, C, r, r, H, W)
    return out.reshape(*batch, c * r * r, h // r, w // r)


class PixelShuffle(Module):
    """``(*, C*r*r, H, W)`` -> ``(*, C, H*r, W*r)`` (ESPCN's sub-pixel upsampling)."""

    def __init__(self, upscale_factor: int) -> None:
        super().__init__()
        self.upscale_factor = _factor(upscale_factor, "PixelShuffle", "upscale_factor")

    def forward(self, x: Tensor) -> Tensor:
        """``F.pixel_shuffle(x, upscale_factor)``."""
        return pixel_shuffle(x, self.upscale_factor)

    def extra_repr(self) -> str:
        """What ``repr(layer)`` shows in the parentheses."""
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """``(*, C, H*r, W*r)`` -> ``(*, C*r*r, H, W)``, the inverse of ``PixelShuffle``."""

    def __init__(self, downscale_factor: int) -> None:
        super().__init__()
        self.downscale_factor = _factor(downscale_factor, "PixelUnshuffle",
                                        "downscale_factor")

    def forward(self, x: Tensor) -> Tensor:
        """``F.pixel_unshuffle(x, downscale_factor)``."""
        return pixel_unshuffle(x, self.downscale_factor)

    def extra_repr(self) -> str:
        """What ``repr(layer)`` shows in the parentheses."""
        return f"downscale_factor={self.downscale_factor}"
