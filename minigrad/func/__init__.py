"""``minigrad.func``, as ``torch.func``: function transforms that compose. ``grad``,
``grad_and_value``, ``vjp``, ``jvp``, ``jacrev``, ``jacfwd``, ``hessian`` on the reverse-mode
engine (``create_graph=True`` where an outer derivative is wanted), ``vmap`` as a loop over the
mapped dimension, and ``functional_call`` (a module run with swapped-in tensors). See
docs/func.md."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..tensor import Tensor
from .batching import vmap
from .transforms import grad, grad_and_value, hessian, jacfwd, jacrev, jvp, vjp

__all__ = ["functional_call", "grad", "grad_and_value", "hessian", "jacfwd", "jacrev", "jvp",
           "vjp", "vmap"]


def functional_call(module: Any,
                    parameter_and_buffer_dicts: Mapping[str, Tensor] | Sequence[Mapping],
                    args: Any = None, kwargs: dict | None = None, *, tie_weights: bool = True,
                    strict: bool = False) -> Any:
    """``module(*args, **kwargs)`` with its parameters and buffers named in the dict(s)
    replaced by the given tensors for this call only (gradients flow to them); the module's
    own are put back afterwards, even if the call raises. A tensor given for one of several
    tied names serves them all (``tie_weights``); ``strict`` wants every name, no others."""
    from ..nn.utils.stateless import _functional_call  # nn is loaded by the module anyway

    return _functional_call(module, parameter_and_buffer_dicts, args, kwargs,
                            tie_weights=tie_weights, strict=strict)
