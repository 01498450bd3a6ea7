"""What ``detect_anomaly`` adds to the engine: where each node was made, and a check of its
outputs and of its backward's gradients for NaN/Inf, naming the op (``minigrad.autograd``
calls these only while anomaly mode is on)."""

from __future__ import annotations

import os
import traceback
from collections.abc import Iterable
from typing import Any

import numpy as np

from .grad_mode import _state

__all__ = ["check_backward", "note_creation", "run_backward"]


def note_creation(ctx: Any, arrays: tuple) -> None:
    """Where the node was made, and no NaN/Inf in its outputs (not for the ops a backward
    rule runs: its result is checked instead)."""
    if not _state.in_backward:
        ctx.created_at = _user_stack()
        _check_finite(arrays, ctx, "forward output")


def run_backward(node: Any, grads: list) -> Any:
    """``node``'s backward rule, flagged so that the ops inside it are not checked one by one
    (``check_backward`` checks the rule's result instead)."""
    _state.in_backward = True
    try:
        return node.fn.backward(node, *grads)
    finally:
        _state.in_backward = False


def check_backward(node: Any, in_grads: tuple) -> None:
    """Name the node whose backward produced NaN or Inf."""
    arrays = [getattr(g, "_data", g) for g in in_grads if g is not None]
    _check_finite(arrays, node, "backward gradient")


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def _user_stack() -> list:
    """The call stack without minigrad's own frames: where the user's code made the op."""
    return [f for f in traceback.extract_stack() if not f.filename.startswith(_PACKAGE_DIR)]


def _check_finite(arrays: Iterable[np.ndarray], node: Any, what: str) -> None:
    for a in arrays:
        if a is None or a.dtype.kind not in "fc":
            continue
        if not np.all(np.isfinite(a)):
            bad = "NaN" if np.isnan(a).any() else "Inf"
            where = "".join(traceback.format_list(node.created_at or [])[-2:])
            raise RuntimeError(
                f"detect_anomaly: {node.name} produced {bad} in its {what} "
                f"(shape {a.shape}). The op was created at:\n{where}"
            )
