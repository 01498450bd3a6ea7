"""``F.scaled_dot_product_attention``: ``softmax(q @ k^T * scale + mask) @ v``, with
PyTorch 2.x's signature, mask rules, causal mask, grouped-query heads and dropout.

It is a composition of core ops (matmul, softmax, where, dropout), so it is differentiable
twice and needs no Function of its own. A row whose every score is masked out gives zeros
and a zero gradient, as PyTorch's CPU kernels do, rather than softmax's 0/0 NaN.

>>> import minigrad as mg
>>> import minigrad.nn.functional as F
>>> q, k, v = mg.ones(2, 3, 4), mg.ones(2, 5, 4), mg.randn(2, 5, 6)
>>> F.scaled_dot_product_attention(q, k, v, is_causal=True).shape
(2, 3, 6)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..ops.elementwise import where
from ..tensor import Tensor, require_tensor
from .activation import dropout
from .linalg import matmul

_OP = "scaled_dot_product_attention"


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor,
                                 attn_mask: Tensor | None = None, dropout_p: float = 0.0,
                                 is_causal: bool = False, *, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """Attention of ``query (..., L, E)`` over ``key (..., S, E)`` and ``value (..., S, Ev)``,
    giving ``(..., L, Ev)``: ``softmax(query @ key^T * scale + bias) @ value``.

    ``scale`` defaults to ``1 / sqrt(E)``. A bool ``attn_mask`` says which pairs take part
    (True: attend; the opposite of ``nn.MultiheadAttention``'s bool masks), a float one is
    added to the scores; either broadcasts to ``(..., L, S)``. ``is_causal`` lets query ``i``
    see keys ``0..i`` (the upper-left ``L x S`` triangle) and excludes ``attn_mask``.
    ``enable_gqa`` repeats each key/value head for its group of query heads (dim -3).
    Dropout with ``dropout_p`` is applied to the weights whenever it is positive, in or out
    of training, as in PyTorch: pass ``0.0`` at evaluation.
    """
    _check_tensors(query, key, value, attn_mask)
    dropout_p = _check_flags(dropout_p, is_causal, enable_gqa, scale, attn_mask)
    if enable_gqa:
        key, value = _repeat_kv_heads(query, key, value)
    batch = _check_shapes(query, key, value)
    scores_shape = (*batch, query.shape[-2], key.shape[-2])
    bias = _attn_bias(attn_mask, is_causal, scores_shape, query.dtype)
    if scale is None:
        scale = 1.0 / math.sqrt(query.shape[-1]) if query.shape[-1] else 1.0
    half = query.dtype == np.float16  # PyTorch's CPU kernels work in float32 for half inputs
    if half:
        query, key, value = query.float(), key.float(), value.float()
        bias = bias.float() if bias is not None else None
    out = _attention(query, key, value, bias, float(scale), dropout_p)
    return out.half() if half else out


def _attention(query: Tensor, key: Tensor, value: Tensor, bias: Tensor | None, scale: float,
               dropout_p: float) -> Tensor:
    """The computation itself, on checked and prepared inputs."""
    scores = matmul(query, key.transpose(-2, -1))
    if query.shape[-1]:  # no features: the scores are 0 whatever the scale (even 1/sqrt(0))
        scores = scores * scale
    if bias is not None:
        scores = scores + bias
    weights = _safe_softmax(scores)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p, training=True)
    return matmul(weights, value)


def _safe_softmax(scores: Tensor) -> Tensor:
    """Softmax over the last dim, with zeros (and a zero gradient) for a row that is -inf
    throughout: such a query attends to nothing, and PyTorch's CPU kernels return 0 there
    where a plain softmax would give 0/0."""
    empty = np.all(scores._data == -np.inf, axis=-1, keepdims=True)
    if not empty.any():
        return scores.softmax(-1)
    return where(empty, 0.0, where(empty, 0.0, scores).softmax(-1))


def _attn_bias(attn_mask: Tensor | None, is_causal: bool, scores_shape: tuple,
               dtype: np.dtype) -> Tensor | None:
    """What is added to the scores: 0 where a pair takes part, -inf where it does not (bool
    and causal masks), or the float mask itself (which keeps its gradient)."""
    if is_causal:
        allowed = np.tri(scores_shape[-2], scores_shape[-1], dtype=bool)
    elif attn_mask is None:
        return None
    else:
        _check_mask_shape(attn_mask, scores_shape)
        if attn_mask.dtype != np.bool_:
            return attn_mask
        allowed = attn_mask._data
    return Tensor(np.where(allowed, 0.0, -np.inf).astype(dtype))


# ------------------------------------------------------------------ argument checks


def _check_tensors(query: Any, key: Any, value: Any, attn_mask: Any) -> None:
    """Tensors of one floating dtype and at least 2-D; a bool, float32 or query-dtype mask."""
    for t, name in ((query, "query"), (key, "key"), (value, "value")):
        require_tensor(t, _OP, name)
    if not query.dtype == key.dtype == value.dtype:
        raise RuntimeError(f"{_OP}: expected query, key and value to have the same dtype, "
                           f"but got query {query.dtype}, key {key.dtype} and value "
                           f"{value.dtype}")
    if query.dtype.kind != "f":
        raise RuntimeError(f"{_OP}: expected floating point query, key and value, but got "
                           f"dtype {query.dtype}")
    if min(query.ndim, key.ndim, value.ndim) < 2:
        raise RuntimeError(f"{_OP}: expected query, key and value to be at least 2-D "
                           f"(..., sequence, features), but got shapes {query.shape}, "
                           f"{key.shape} and {value.shape}")
    if attn_mask is None:
        return
    require_tensor(attn_mask, _OP, "attn_mask")
    if attn_mask.dtype not in (np.bool_, np.float32, query.dtype):
        raise RuntimeError(f"{_OP}: expected attn_mask to be bool, float32 or the query's "
                           f"dtype {query.dtype}, but got {attn_mask.dtype}")


def _check_flags(dropout_p: Any, is_causal: Any, enable_gqa: Any, scale: Any,
                 attn_mask: Tensor | None) -> float:
    """The scalar arguments' types (PyTorch's TypeErrors) and ranges; ``dropout_p`` as a
    float. A negative ``dropout_p`` means no dropout, as in PyTorch."""
    for flag, name in ((is_causal, "is_causal"), (enable_gqa, "enable_gqa")):
        if not isinstance(flag, bool):
            raise TypeError(f"{_OP}: argument '{name}' must be bool, not {type(flag).__name__}")
    p = _as_float(dropout_p, "dropout_p")
    if scale is not None:
        _as_float(scale, "scale")
    if p > 1.0:
        raise RuntimeError(f"{_OP}: dropout probability has to be between 0 and 1, "
                           f"but got dropout_p={p}")
    if is_causal and attn_mask is not None:
        raise RuntimeError(f"{_OP}: explicit attn_mask should not be set when is_causal=True "
                           f"(got an attn_mask of shape {attn_mask.shape})")
    return p


def _as_float(value: Any, name: str) -> float:
    if isinstance(value, Tensor) and value.ndim == 0:
        return float(value.item())
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        raise TypeError(f"{_OP}: argument '{name}' must be float, not {type(value).__name__}")
    return float(value)


def _repeat_kv_heads(query: Tensor, key: Tensor, value: Tensor) -> tuple[Tensor, Tensor]:
    """Grouped-query attention: each of key's and value's heads (dim -3) serves a group of
    consecutive query heads, so it is repeated that many times."""
    for t, name in ((query, "query"), (key, "key"), (value, "value")):
        if t.ndim < 3:
            raise IndexError(f"{_OP}: enable_gqa=True needs a heads dimension (-3), but "
                             f"{name} has shape {t.shape}")
    hq, hk, hv = query.shape[-3], key.shape[-3], value.shape[-3]
    if hq == hk == hv:
        return key, value
    if 0 in (hk, hv) or hq % hk or hq % hv:
        raise RuntimeError(f"{_OP}: with enable_gqa=True the number of heads in key ({hk}) "
                           f"and value ({hv}) must divide the number of heads in query ({hq})")
    return key.repeat_interleave(hq // hk, dim=-3), value.repeat_interleave(hq // hv, dim=-3)


def _check_shapes(query: Tensor, key: Tensor, value: Tensor) -> tuple:
    """The feature and sequence sizes agree and the leading dims broadcast; returns the
    broadcast leading dims of the scores."""
    shapes = f"query {query.shape}, key {key.shape} and value {value.shape}"
    if query.shape[-1] != key.shape[-1]:
        raise RuntimeError(f"{_OP}: expected query and key to have the same last dim E, "
                           f"got {shapes}")
    if key.shape[-2] != value.shape[-2]:
        raise RuntimeError(f"{_OP}: expected key and value to have the same sequence length "
                           f"S (dim -2), got {shapes}")
    try:
        batch = np.broadcast_shapes(query.shape[:-2], key.shape[:-2])
        np.broadcast_shapes(batch, value.shape[:-2])
    except ValueError:
        raise RuntimeError(f"{_OP}: the leading (batch, heads) dims of query, key and value "
                           f"must broadcast, got {shapes}") from None
    return batch


def _check_mask_shape(attn_mask: Tensor, scores_shape: tuple) -> None:
    """The mask broadcasts to the scores ``(..., L, S)`` without making them bigger."""
    try:
        fits = np.broadcast_shapes(attn_mask.shape, scores_shape) == scores_shape
    except ValueError:
        fits = False
    if not fits:
        raise RuntimeError(f"{_OP}: attn_mask of shape {attn_mask.shape} must broadcast to "
                           f"the attention weights' shape {scores_shape} (..., L, S)")
