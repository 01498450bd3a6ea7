"""ONNX export: ``minigrad.onnx.export(model, args, "model.onnx")``, as ``torch.onnx.export``.

The file runs in onnxruntime (or any ONNX runtime) with the numbers minigrad computes.
``onnx`` is an optional extra (``pip install "minigrad[onnx]"``); it is imported when
``export`` is called, not with this package. ``register_function`` and ``register_layer``
add a mapping for an op of your own (see docs/onnx.md).
"""

from __future__ import annotations

from .export import DEFAULT_OPSET, export
from .graph import Emit, UnsupportedOperatorError, register_function, register_layer

__all__ = [
    "DEFAULT_OPSET",
    "Emit",
    "UnsupportedOperatorError",
    "export",
    "register_function",
    "register_layer",
]
