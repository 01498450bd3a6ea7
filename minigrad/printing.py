"""``set_printoptions``: how a Tensor's repr shows its numbers (PyTorch's options and
profiles), kept here and read by the repr on every call.

The repr is numpy's ``array2string`` with PyTorch's separators and defaults (4 decimals in
fixed notation for non-integral floats, summaries past 1000 elements, 80 columns); numpy
decides when scientific notation is clearer unless ``sci_mode`` says.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

__all__ = ["get_printoptions", "set_printoptions"]

_PROFILES: dict[str, dict[str, Any]] = {
    "default": {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80},
    "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80},
    "full": {"precision": 4, "threshold": float("inf"), "edgeitems": 3, "linewidth": 80},
}
_options: dict[str, Any] = {**_PROFILES["default"], "sci_mode": None}


def set_printoptions(precision: int | None = None, threshold: float | None = None,
                     edgeitems: int | None = None, linewidth: int | None = None,
                     profile: str | None = None, sci_mode: bool | None = None) -> None:
    """PyTorch's ``torch.set_printoptions``: a profile ("default", "short", "full") first,
    then the options given; ``sci_mode`` is always set (None: automatic)."""
    if profile in _PROFILES:
        _options.update(_PROFILES[profile])
    given = {"precision": precision, "threshold": threshold, "edgeitems": edgeitems,
             "linewidth": linewidth}
    _options.update({k: v for k, v in given.items() if v is not None})
    _options["sci_mode"] = sci_mode


def get_printoptions() -> dict[str, Any]:
    """The current options (``torch._tensor_str.get_printoptions``)."""
    return dict(_options)


def array_options(data: np.ndarray) -> dict[str, Any]:
    """The ``np.array2string`` arguments that print ``data`` as PyTorch would."""
    threshold = _options["threshold"]
    opts: dict[str, Any] = {
        "separator": ", ", "prefix": "tensor(", "edgeitems": int(_options["edgeitems"]),
        "max_line_width": int(_options["linewidth"]) + 1,  # numpy counts the last ","
        "threshold": sys.maxsize if threshold == float("inf") else int(threshold),
    }
    if data.dtype.kind == "f":
        opts.update(_float_options(data, int(_options["precision"]), _options["sci_mode"]))
    return opts


def _float_options(data: np.ndarray, precision: int, sci_mode: bool | None) -> dict[str, Any]:
    if sci_mode:  # numpy has no forced scientific mode: a formatter, padded to one width
        finite = data[np.isfinite(data)]
        width = max((len(f"{x:.{precision}e}") for x in (finite.min(), finite.max())),
                    default=0) if finite.size else 0
        return {"formatter": {"float_kind": lambda x: f"{x:.{precision}e}".rjust(width)}}
    opts: dict[str, Any] = {"suppress_small": True} if sci_mode is False else {}
    if data.size and np.all(np.isfinite(data)) and not np.all(data == np.round(data)):
        opts.update(precision=precision, floatmode="fixed")
    return opts
