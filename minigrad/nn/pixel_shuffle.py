"""Channel rearrangements. Sub-pixel convolution's ``pixel_shuffle`` moves ``r*r`` channels
into an ``r``-times larger image, ``pixel_unshuffle`` undoes it; ShuffleNet's
``channel_shuffle`` interleaves ``groups`` channel groups so the next grouped convolution
mixes them. Each is a reshape, a permute and a reshape, so their gradients are the same
moves backwards."""

from __future__ import annotations

import operator

from ..tensor import Tensor, require_tensor
from .module import Module


def _factor(value: object, op: str, name: str, refusal: str | None = None) -> int:
    """``value`` as a positive int, refused with PyTorch's exception types (and, for a
    non-positive one, ``refusal`` followed by the value)."""
    try:
        r = operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(f"{op}: argument '{name}' must be int, not "
                        f"{type(value).__name__}") from None
    if r <= 0:
        raise RuntimeError(f"{refusal or f'{op} expects a positive {name}, but got '}{r}")
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


def _groups(value: object, op: str) -> int:
    """``groups`` as a positive int, with PyTorch's words for a non-positive one."""
    return _factor(value, op, "groups", f"{op}: Number of groups to divide channels in must "
                   "be positive. Value of groups: ")


def _channel_shuffle(x: Tensor, g: int, op: str) -> Tensor:
    if x.ndim <= 2:
        raise RuntimeError(f"{op} expects input with > 2 dims, but got input with sizes "
                           f"{list(x.shape)}")
    n, c, *rest = x.shape
    if c % g:
        raise RuntimeError(f"{op}: Number of channels must be divisible by groups. Got {c} "
                           f"channels and {g} groups (input of shape {x.shape}).")
    out = x.reshape(n, g, c // g, *rest).transpose(1, 2)  # (N, C/g, g, *)
    return out.reshape(*x.shape)


def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """``(N, C, *)`` with its channels seen as ``(groups, C/groups)`` and transposed to
    ``(C/groups, groups)``: channel ``i*(C/groups) + j`` moves to ``j*groups + i``."""
    x = require_tensor(input, "channel_shuffle", "input")
    return _channel_shuffle(x, _groups(groups, "channel_shuffle"), "channel_shuffle")


class ChannelShuffle(Module):
    """ShuffleNet's channel shuffle: interleave ``groups`` channel groups of ``(N, C, *)``."""

    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = _groups(groups, "ChannelShuffle")

    def forward(self, x: Tensor) -> Tensor:
        """``F.channel_shuffle(x, groups)``, same shape as ``x``."""
        x = require_tensor(x, "ChannelShuffle", "input")
        return _channel_shuffle(x, self.groups, "ChannelShuffle")

    def extra_repr(self) -> str:
        """What ``repr(layer)`` shows in the parentheses."""
        return f"groups={self.groups}"
