"""What the window ops (conv2d, conv_transpose2d and the pools) share around their
geometry: an unbatched (C, H, W) input taken as a batch of one, as PyTorch takes it, and
the input rows and columns a floored output size left unread, noted on the op's node."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from ..im2col import Geometry
from ..tensor import Tensor


def batch_of_one(op: Callable[..., Any]) -> Callable[..., Any]:
    """Let ``op`` take a (C, H, W) input: it runs on (1, C, H, W) and the batch dim of every
    output is dropped again, as PyTorch's conv and pooling functions do."""

    @functools.wraps(op)
    def unbatched(input: Any, *args: Any, **kwargs: Any) -> Any:
        if not (isinstance(input, Tensor) and input.ndim == 3):
            return op(input, *args, **kwargs)
        out = op(input.unsqueeze(0), *args, **kwargs)
        return tuple(o.squeeze(0) for o in out) if isinstance(out, tuple) else out.squeeze(0)

    return unbatched


def note_dropped(out: Tensor, g: Geometry) -> None:
    """Record on the op's node how many input rows/columns a floored size left unread
    (``ctx.dropped``), so the graph drawing can mark it."""
    if out.grad_fn is not None and g.dropped != (0, 0):
        out.grad_fn.dropped = g.dropped
