"""``minigrad.testing``: test helpers with PyTorch's names, and gradient checks as a product.

- ``assert_close`` and ``make_tensor``: ``torch.testing``'s, with its tolerances and messages.
- ``gradcheck_module``: every parameter of a model checked against finite differences (on
  a float64 copy), one line per parameter, as the book's ``gradient_check.py`` prints.
- ``check_function``: a doctor for a custom ``Function``: it runs a battery of checks and
  explains each problem found in plain words, with the fix.
- ``OpCase``, ``parametrize_ops``, ``run_op_check``: a list of ops becomes parametrised
  gradcheck + gradgradcheck + PyTorch comparisons (the project's own op tests use it).
- ``tensors``, ``shapes``, ``broadcastable_shapes``, ``dims``: hypothesis strategies (needs
  the ``hypothesis`` package, imported only when a strategy is made).
"""

from __future__ import annotations

from .compare import assert_close, make_tensor
from .doctor import Diagnosis, FunctionReport, check_function
from .modules import ModuleGradcheck, ParameterCheck, gradcheck_module
from .ops import OpCase, op_check_params, parametrize_ops, run_op_check
from .strategies import broadcastable_shapes, dims, shapes, tensors

__all__ = [
    "Diagnosis",
    "FunctionReport",
    "ModuleGradcheck",
    "OpCase",
    "ParameterCheck",
    "assert_close",
    "broadcastable_shapes",
    "check_function",
    "dims",
    "gradcheck_module",
    "make_tensor",
    "op_check_params",
    "parametrize_ops",
    "run_op_check",
    "shapes",
    "tensors",
]
