"""``nn.MultiheadAttention`` and its functional form ``F.multi_head_attention_forward``, with
PyTorch's parameters, state-dict keys, initialisation, masks and output shapes.

The heads are computed as PyTorch's reference path does: with ``need_weights=True`` the
weights are ``softmax(q k^T / sqrt(head_dim) + mask)`` (a query whose keys are all masked
gets NaN, as in PyTorch), otherwise ``F.scaled_dot_product_attention`` computes the output
(such a query gets zeros, as in PyTorch). Bool masks here are True where attending is NOT
allowed, the opposite of ``scaled_dot_product_attention``'s.

>>> import minigrad as mg
>>> mha = mg.nn.MultiheadAttention(8, 2, batch_first=True)
>>> out, weights = mha(mg.randn(3, 5, 8), mg.randn(3, 7, 8), mg.randn(3, 7, 8))
>>> out.shape, weights.shape
((3, 5, 8), (3, 5, 7))
"""

from __future__ import annotations

import contextlib
import enum
import math
import warnings
from collections.abc import Iterator
from typing import Any, NamedTuple

import numpy as np

from ..dtypes import check_same_dtype, get_default_dtype
from ..functional.activation import dropout, linear
from ..functional.attention import scaled_dot_product_attention
from ..functional.linalg import matmul
from ..functional.shape import cat
from ..ops.shape import pad
from ..tensor import Tensor, require_tensor
from . import init
from ._checks import size_arg
from .linear import NonDynamicallyQuantizableLinear
from .module import Module
from .parameter import Parameter

__all__ = ["MultiheadAttention", "SDPBackend", "multi_head_attention_forward", "sdpa_kernel"]

_F_OP = "multi_head_attention_forward"


class _Weights(NamedTuple):
    """The learned tensors of one attention layer (and PyTorch's static keys/values)."""

    in_proj_weight: Tensor | None
    in_proj_bias: Tensor | None
    bias_k: Tensor | None
    bias_v: Tensor | None
    out_proj_weight: Tensor
    out_proj_bias: Tensor | None
    separate: bool = False
    q_proj_weight: Tensor | None = None
    k_proj_weight: Tensor | None = None
    v_proj_weight: Tensor | None = None
    static_k: Tensor | None = None
    static_v: Tensor | None = None


class _Call(NamedTuple):
    """One call's settings, besides the inputs and weights."""

    op: str
    embed_dim: int
    num_heads: int
    add_zero_attn: bool
    dropout_p: float
    need_weights: bool
    average_attn_weights: bool
    is_causal: bool


def multi_head_attention_forward(
    query: Tensor, key: Tensor, value: Tensor, embed_dim_to_check: int, num_heads: int,
    in_proj_weight: Tensor | None, in_proj_bias: Tensor | None, bias_k: Tensor | None,
    bias_v: Tensor | None, add_zero_attn: bool, dropout_p: float, out_proj_weight: Tensor,
    out_proj_bias: Tensor | None, training: bool = True,
    key_padding_mask: Tensor | None = None, need_weights: bool = True,
    attn_mask: Tensor | None = None, use_separate_proj_weight: bool = False,
    q_proj_weight: Tensor | None = None, k_proj_weight: Tensor | None = None,
    v_proj_weight: Tensor | None = None, static_k: Tensor | None = None,
    static_v: Tensor | None = None, average_attn_weights: bool = True,
    is_causal: bool = False,
) -> tuple[Tensor, Tensor | None]:
    """``MultiheadAttention``'s computation with its weights passed in (PyTorch's signature).

    ``query (L, N, E)``, ``key (S, N, kdim)``, ``value (S, N, vdim)`` (or 2-D, unbatched)
    give ``(attn_output (L, N, E), attn_weights (N, L, S) or per head (N, heads, L, S))``;
    see ``nn.MultiheadAttention.forward`` for the masks. ``static_k``/``static_v``
    ``(N*heads, S, head_dim)`` replace the projected keys/values.
    """
    weights = _Weights(in_proj_weight, in_proj_bias, bias_k, bias_v, out_proj_weight,
                       out_proj_bias, use_separate_proj_weight, q_proj_weight, k_proj_weight,
                       v_proj_weight, static_k, static_v)
    call = _Call(_F_OP, embed_dim_to_check, num_heads, add_zero_attn,
                 dropout_p if training else 0.0, need_weights, average_attn_weights, is_causal)
    return _attend(call, weights, query, key, value, key_padding_mask, attn_mask)


def _attend(call: _Call, w: _Weights, query: Any, key: Any, value: Any,
            key_padding_mask: Any, attn_mask: Any) -> tuple[Tensor, Tensor | None]:
    """The steps of PyTorch's ``multi_head_attention_forward``, in its order."""
    batched = _check_ranks(call, query, key, value, key_padding_mask, attn_mask)
    if not batched:  # a batch of one, squeezed again at the end
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    key_padding_mask, attn_mask, call = _canonical_masks(call, key_padding_mask, attn_mask,
                                                         query.dtype)
    head_dim = _check_sizes(call, query, key, value, w.separate)
    q, k, v = _in_projection(call, w, query, key, value)
    tgt_len, bsz = query.shape[:2]
    attn_mask = _check_attn_mask(call, attn_mask, (tgt_len, key.shape[0]), bsz)
    k, v, attn_mask, key_padding_mask = _add_bias_kv(call, w, k, v, attn_mask,
                                                     key_padding_mask)
    q, k, v = _split_heads(call, w, q, k, v, head_dim)
    if call.add_zero_attn:
        zeros = Tensor(np.zeros((k.shape[0], 1, head_dim), k.dtype))
        k, v = cat([k, zeros], dim=1), cat([v, zeros.to(v.dtype)], dim=1)
        attn_mask, key_padding_mask = _pad_masks(attn_mask, key_padding_mask)
    attn_mask = _merge_padding(call, attn_mask, key_padding_mask, bsz, k.shape[1])
    _check_dropout(call)
    if call.need_weights:
        out, weights = _with_weights(call, q, k, v, attn_mask, bsz)
    else:
        out, weights = _with_sdpa(call, q, k, v, attn_mask, bsz), None
    out = out.reshape(tgt_len * bsz, call.embed_dim)
    out = linear(out, w.out_proj_weight, w.out_proj_bias)
    out = out.reshape(tgt_len, bsz, out.shape[-1])
    if not batched:
        out = out.squeeze(1)
        weights = weights.squeeze(0) if weights is not None else None
    return out, weights


# ------------------------------------------------------------------ the two ways to attend


def _with_weights(call: _Call, q: Tensor, k: Tensor, v: Tensor, attn_mask: Tensor | None,
                  bsz: int) -> tuple[Tensor, Tensor]:
    """PyTorch's path when the weights are returned: a plain softmax (a query with every
    key masked gets NaN), dropout on the weights, then the weighted sum of the values."""
    scores = matmul(q * math.sqrt(1.0 / q.shape[-1]), k.transpose(-2, -1))
    if attn_mask is not None:
        if attn_mask.dtype != scores.dtype:  # PyTorch's baddbmm refuses a mixed dtype
            raise RuntimeError(f"{call.op}: the attention mask's dtype {attn_mask.dtype} "
                               f"must be the query's dtype {scores.dtype} when "
                               "need_weights=True")
        scores = attn_mask + scores
    weights = scores.softmax(-1)
    if call.dropout_p > 0.0:
        weights = dropout(weights, call.dropout_p)
    out = matmul(weights, v).transpose(0, 1)  # (L, N*heads, head_dim)
    weights = weights.reshape(bsz, call.num_heads, *weights.shape[1:])
    return out, weights.mean(dim=1) if call.average_attn_weights else weights


def _with_sdpa(call: _Call, q: Tensor, k: Tensor, v: Tensor, attn_mask: Tensor | None,
               bsz: int) -> Tensor:
    """PyTorch's path without weights: ``scaled_dot_product_attention`` per head (a query
    with every key masked gets zeros)."""
    heads = call.num_heads
    if attn_mask is not None:
        if attn_mask.shape[0] == 1:
            attn_mask = attn_mask.unsqueeze(0)
        else:
            attn_mask = attn_mask.reshape(bsz, heads, -1, attn_mask.shape[-1])
    q, k, v = (t.reshape(bsz, heads, t.shape[1], t.shape[2]) for t in (q, k, v))
    out = scaled_dot_product_attention(q, k, v, attn_mask, call.dropout_p,
                                       call.is_causal and attn_mask is None)
    return out.permute(2, 0, 1, 3)  # (L, N, heads, head_dim)


# ------------------------------------------------------------------ the steps


def _check_ranks(call: _Call, query: Any, key: Any, value: Any, key_padding_mask: Any,
                 attn_mask: Any) -> bool:
    """Batched (3-D) or unbatched (2-D) inputs and masks of matching ranks, as PyTorch's
    ``_mha_shape_check`` (AssertionError); True for batched."""
    for t, name in ((query, "query"), (key, "key"), (value, "value"),
                    (key_padding_mask, "key_padding_mask"), (attn_mask, "attn_mask")):
        if t is not None:
            require_tensor(t, call.op, name)
    if query.ndim not in (2, 3):
        raise AssertionError(f"{call.op}: query should be unbatched 2D or batched 3D tensor "
                             f"but received {query.ndim}-D query tensor of shape {query.shape}")
    n = query.ndim
    kind = f"{'batched' if n == 3 else 'unbatched'} ({n}-D) query"
    if key.ndim != n or value.ndim != n:
        raise AssertionError(f"{call.op}: for {kind}, expected key and value to be {n}-D but "
                             f"got shapes {key.shape} and {value.shape}")
    if key_padding_mask is not None and key_padding_mask.ndim != n - 1:
        raise AssertionError(f"{call.op}: for {kind}, expected key_padding_mask to be None "
                             f"or {n - 1}-D but got shape {key_padding_mask.shape}")
    if attn_mask is not None:
        _check_mask_rank(call, attn_mask, kind, (call.num_heads, query.shape[0], key.shape[0]))
    return n == 3


def _check_mask_rank(call: _Call, attn_mask: Tensor, kind: str, unbatched: tuple) -> None:
    """2-D or 3-D; with an unbatched query, a 3-D mask is ``(num_heads, L, S)``."""
    if attn_mask.ndim not in (2, 3):
        raise AssertionError(f"{call.op}: for {kind}, expected attn_mask to be None, 2-D or "
                             f"3-D but got shape {attn_mask.shape}")
    if kind.startswith("unbatched") and attn_mask.ndim == 3 and attn_mask.shape != unbatched:
        raise AssertionError(f"{call.op}: expected attn_mask's shape to be {unbatched} "
                             f"(num_heads, L, S) but got {attn_mask.shape}")


def _canonical_masks(call: _Call, key_padding_mask: Tensor | None, attn_mask: Tensor | None,
                     dtype: np.dtype) -> tuple[Tensor | None, Tensor | None, _Call]:
    """Bool masks as float ones (-inf where True); ``is_causal`` checked and turned into
    what PyTorch does with the hint."""
    if key_padding_mask is not None and attn_mask is not None and (
            key_padding_mask.dtype != attn_mask.dtype):
        warnings.warn(f"{call.op}: Support for mismatched key_padding_mask and attn_mask is "
                      "deprecated. Use same type for both instead.", stacklevel=4)
    key_padding_mask = _float_mask(call, key_padding_mask, "key_padding_mask", dtype)
    if call.is_causal and attn_mask is None:
        raise RuntimeError(f"{call.op}: Need attn_mask if specifying the is_causal hint. You "
                           "may use the Transformer module method "
                           "`generate_square_subsequent_mask` to create this mask.")
    if call.is_causal and key_padding_mask is None and not call.need_weights:
        return None, None, call  # the hint alone: SDPA builds the causal mask (as PyTorch)
    attn_mask = _float_mask(call, attn_mask, "attn_mask", dtype)
    return key_padding_mask, attn_mask, call._replace(is_causal=False)


def _float_mask(call: _Call, mask: Tensor | None, name: str,
                dtype: np.dtype) -> Tensor | None:
    if mask is None or mask.dtype.kind == "f":
        return mask
    if mask.dtype != np.bool_:
        raise AssertionError(f"{call.op}: only bool and floating types of {name} are "
                             f"supported, got {mask.dtype}")
    return Tensor(np.where(mask._data, -np.inf, 0.0).astype(dtype))


def _check_sizes(call: _Call, query: Tensor, key: Tensor, value: Tensor,
                 separate: bool) -> int:
    """The embedding size, heads and key/value agreement; returns the head size."""
    embed_dim = query.shape[2]
    if embed_dim != call.embed_dim:
        raise AssertionError(f"{call.op}: was expecting embedding dimension of "
                             f"{call.embed_dim}, but got query of shape {query.shape}")
    if call.num_heads <= 0 or embed_dim % call.num_heads:
        raise AssertionError(f"{call.op}: embed_dim {embed_dim} not divisible by num_heads "
                             f"{call.num_heads}")
    if separate and key.shape[:2] != value.shape[:2]:
        raise AssertionError(f"{call.op}: key's sequence and batch dims {key.shape[:2]} do "
                             f"not match value's {value.shape[:2]}")
    if not separate and key.shape != value.shape:
        raise AssertionError(f"{call.op}: key shape {key.shape} does not match value shape "
                             f"{value.shape}")
    if key.shape[1] != query.shape[1]:
        raise RuntimeError(f"{call.op}: key and value have batch size {key.shape[1]} (dim 1) "
                           f"but query has {query.shape[1]}: shapes {query.shape} and "
                           f"{key.shape}")
    return embed_dim // call.num_heads


def _in_projection(call: _Call, w: _Weights, query: Tensor, key: Tensor,
                   value: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """``query``, ``key`` and ``value`` projected to ``embed_dim`` features each, by the
    packed ``in_proj_weight (3E, E)`` or the three separate weights."""
    e = call.embed_dim
    if w.separate:
        weights = _separate_weights(call, w, query, key, value)
    else:
        if w.in_proj_weight is None:
            raise AssertionError(f"{call.op}: use_separate_proj_weight is False but "
                                 "in_proj_weight is None")
        weights = _packed_weights(call, w.in_proj_weight, key, value)
    biases = w.in_proj_bias.chunk(3) if w.in_proj_bias is not None else (None,) * 3
    for x, name in ((query, "query"), (key, "key"), (value, "value")):
        check_same_dtype(call.op, name, x, "the projection weights", weights[0])
    if w.in_proj_bias is not None and w.in_proj_bias.shape != (3 * e,):
        raise AssertionError(f"{call.op}: expecting in_proj_bias of shape {(3 * e,)}, but "
                             f"got {w.in_proj_bias.shape}")
    return tuple(linear(x, wt, b) for x, wt, b in zip((query, key, value), weights, biases))


def _packed_weights(call: _Call, weight: Tensor, key: Tensor,
                    value: Tensor) -> tuple[Tensor, ...]:
    e = call.embed_dim
    if weight.shape != (3 * e, e):
        raise RuntimeError(f"{call.op}: expecting in_proj_weight of shape {(3 * e, e)}, but "
                           f"got {weight.shape}")
    if key.shape[-1] != e:
        raise RuntimeError(f"{call.op}: key and value have {key.shape[-1]} features but the "
                           f"packed in_proj_weight takes embed_dim={e} (shapes {key.shape} "
                           f"and {value.shape}); build the layer with kdim and vdim")
    return weight.chunk(3)


def _separate_weights(call: _Call, w: _Weights, query: Tensor, key: Tensor,
                      value: Tensor) -> tuple[Tensor, ...]:
    e = call.embed_dim
    out = []
    for x, wt, name in ((query, w.q_proj_weight, "query"), (key, w.k_proj_weight, "key"),
                        (value, w.v_proj_weight, "value")):
        if wt is None:
            raise AssertionError(f"{call.op}: use_separate_proj_weight is True but "
                                 f"{name[0]}_proj_weight is None")
        if wt.shape != (e, x.shape[-1]):
            raise AssertionError(f"{call.op}: expecting {name} weights shape of "
                                 f"{(e, x.shape[-1])} for {name} of shape {x.shape}, but got "
                                 f"{wt.shape}")
        out.append(wt)
    return tuple(out)


def _check_attn_mask(call: _Call, attn_mask: Tensor | None, size: tuple[int, int],
                     bsz: int) -> Tensor | None:
    """A 2-D mask ``(L, S)`` (made ``(1, L, S)``) or a 3-D one ``(N*heads, L, S)``."""
    if attn_mask is None:
        return None
    want = size if attn_mask.ndim == 2 else (bsz * call.num_heads, *size)
    if attn_mask.shape != want:
        raise RuntimeError(f"{call.op}: The shape of the {attn_mask.ndim}D attn_mask is "
                           f"{attn_mask.shape}, but should be {want}.")
    return attn_mask.unsqueeze(0) if attn_mask.ndim == 2 else attn_mask


def _add_bias_kv(call: _Call, w: _Weights, k: Tensor, v: Tensor, attn_mask: Tensor | None,
                 key_padding_mask: Tensor | None) -> tuple:
    """``bias_k``/``bias_v`` appended to every sequence of keys/values (one more source
    position, which the masks let every query see)."""
    if (w.bias_k is None) != (w.bias_v is None):
        set_, unset = ("bias_k", "bias_v") if w.bias_k is not None else ("bias_v", "bias_k")
        raise AssertionError(f"{call.op}: {set_} is set but {unset} is None")
    if w.bias_k is None:
        return k, v, attn_mask, key_padding_mask
    if w.static_k is not None or w.static_v is not None:
        raise AssertionError(f"{call.op}: bias cannot be added to static key or value")
    bsz = k.shape[1]
    k = cat([k, w.bias_k.expand(1, bsz, call.embed_dim)])
    v = cat([v, w.bias_v.expand(1, bsz, call.embed_dim)])
    return (k, v, *_pad_masks(attn_mask, key_padding_mask))


def _pad_masks(*masks: Tensor | None) -> tuple:
    """Each mask with one more source column, 0 (attend)."""
    return tuple(m if m is None else pad(m, (0, 1)) for m in masks)


def _split_heads(call: _Call, w: _Weights, q: Tensor, k: Tensor, v: Tensor,
                 head_dim: int) -> tuple[Tensor, Tensor, Tensor]:
    """``(len, N, E)`` -> ``(N*heads, len, head_dim)``; the static keys/values as given."""
    rows = q.shape[1] * call.num_heads

    def heads(t: Tensor, static: Tensor | None, name: str) -> Tensor:
        if static is None:
            return t.reshape(t.shape[0], rows, head_dim).transpose(0, 1)
        require_tensor(static, call.op, name)
        if static.ndim != 3 or static.shape[0] != rows or static.shape[2] != head_dim:
            raise AssertionError(f"{call.op}: expecting {name} of shape ({rows}, S, "
                                 f"{head_dim}) (N*num_heads, S, head_dim), but got "
                                 f"{static.shape}")
        return static

    return heads(q, None, "query"), heads(k, w.static_k, "static_k"), heads(
        v, w.static_v, "static_v")


def _merge_padding(call: _Call, attn_mask: Tensor | None, key_padding_mask: Tensor | None,
                   bsz: int, src_len: int) -> Tensor | None:
    """The key padding mask ``(N, S)`` added to the attention mask, for every head."""
    if key_padding_mask is None:
        return attn_mask
    if key_padding_mask.shape != (bsz, src_len):
        raise AssertionError(f"{call.op}: expected key_padding_mask of shape {(bsz, src_len)} "
                             f"(N, S), but got {key_padding_mask.shape}")
    heads = call.num_heads
    padding = key_padding_mask.reshape(bsz, 1, 1, src_len).expand(bsz, heads, 1, src_len)
    padding = padding.reshape(bsz * heads, 1, src_len)
    return padding if attn_mask is None else attn_mask + padding


def _check_dropout(call: _Call) -> None:
    """PyTorch's refusals: F.dropout's ValueError with the weights, SDPA's RuntimeError
    without; a negative probability means no dropout, as there."""
    if call.dropout_p > 1.0:
        kind = ValueError if call.need_weights else RuntimeError
        raise kind(f"{call.op}: dropout probability has to be between 0 and 1, but got "
                   f"{call.dropout_p}")


# ------------------------------------------------------------------ the layer


class MultiheadAttention(Module):
    """Multi-head attention (Vaswani et al.): ``num_heads`` attentions of size
    ``embed_dim // num_heads`` side by side, with PyTorch's projections and state dict.

    ``in_proj_weight (3E, E)`` and ``in_proj_bias (3E,)`` project query, key and value (or
    ``q_proj_weight``, ``k_proj_weight (E, kdim)``, ``v_proj_weight (E, vdim)`` when the key
    or value size differs from ``embed_dim``); ``out_proj`` mixes the heads. ``add_bias_kv``
    appends a learned key and value to every sequence, ``add_zero_attn`` a zero one; both
    give every query something to attend to. Inputs are ``(L, N, E)``, ``(N, L, E)`` with
    ``batch_first=True``, or ``(L, E)`` unbatched. Initialised as PyTorch's: xavier_uniform_
    projections, zero biases, xavier_normal_ ``bias_k``/``bias_v``.
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0,
                 bias: bool = True, add_bias_kv: bool = False, add_zero_attn: bool = False,
                 kdim: int | None = None, vdim: int | None = None, batch_first: bool = False,
                 device: object = None, dtype: object = None) -> None:
        super().__init__()
        name = type(self).__name__
        _check_sizes_args(name, embed_dim, num_heads)
        self.embed_dim = int(embed_dim)
        self.kdim = size_arg(kdim, "kdim", name) if kdim is not None else self.embed_dim
        self.vdim = size_arg(vdim, "vdim", name) if vdim is not None else self.embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = int(num_heads)
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = self.embed_dim // self.num_heads
        dt = np.dtype(dtype or get_default_dtype())
        self._make_parameters(dt, bias, add_bias_kv)
        self.out_proj = NonDynamicallyQuantizableLinear(self.embed_dim, self.embed_dim,
                                                        bias=bias, device=device, dtype=dt)
        if not add_bias_kv:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _make_parameters(self, dt: np.dtype, bias: bool, add_bias_kv: bool) -> None:
        """PyTorch's parameters, in its order: the packed projection or three separate
        ones (the others registered as None), its bias, ``bias_k`` and ``bias_v``."""
        e = self.embed_dim
        separate = None if self._qkv_same_embed_dim else [(e, e), (e, self.kdim), (e, self.vdim)]
        self.register_parameter("in_proj_weight",
                                None if separate else Parameter(np.empty((3 * e, e), dt)))
        for p, shape in zip(("q", "k", "v"), separate or [None] * 3):
            self.register_parameter(f"{p}_proj_weight",
                                    Parameter(np.empty(shape, dt)) if shape else None)
        self.register_parameter("in_proj_bias", Parameter(np.empty(3 * e, dt)) if bias else None)
        if add_bias_kv:
            self.bias_k = Parameter(np.empty((1, 1, e), dt))
            self.bias_v = Parameter(np.empty((1, 1, e), dt))

    def _reset_parameters(self) -> None:
        """PyTorch's initialisation: Glorot-uniform projections, zero biases, Glorot-normal
        ``bias_k`` and ``bias_v``."""
        for name in ("in_proj_weight", "q_proj_weight", "k_proj_weight", "v_proj_weight"):
            if getattr(self, name) is not None:
                init.xavier_uniform_(getattr(self, name))
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        for b in (self.bias_k, self.bias_v):
            if b is not None:
                init.xavier_normal_(b)

    def forward(self, query: Tensor, key: Tensor, value: Tensor,
                key_padding_mask: Tensor | None = None, need_weights: bool = True,
                attn_mask: Tensor | None = None, average_attn_weights: bool = True,
                is_causal: bool = False) -> tuple[Tensor, Tensor | None]:
        """``(attn_output, attn_weights)``: the output ``(L, N, E)`` (``(N, L, E)`` with
        ``batch_first``, ``(L, E)`` unbatched) and, with ``need_weights``, the weights
        ``(N, L, S)`` averaged over heads or ``(N, num_heads, L, S)``, else None.

        ``key_padding_mask (N, S)`` and ``attn_mask`` (``(L, S)`` or ``(N*num_heads, L, S)``)
        are bool (True: may NOT attend) or float (added to the scores). ``is_causal`` is a
        hint that ``attn_mask`` is the causal mask, and needs it (as in PyTorch). Dropout
        acts on the weights in training mode only.
        """
        name = type(self).__name__
        for t, arg in ((query, "query"), (key, "key"), (value, "value")):
            require_tensor(t, name, arg)
        swap = self.batch_first and query.ndim == 3
        if swap:
            query, key, value = (x.transpose(1, 0) for x in (query, key, value))
        w = _Weights(self.in_proj_weight, self.in_proj_bias, self.bias_k, self.bias_v,
                     self.out_proj.weight, self.out_proj.bias, not self._qkv_same_embed_dim,
                     self.q_proj_weight, self.k_proj_weight, self.v_proj_weight)
        call = _Call(name, self.embed_dim, self.num_heads, self.add_zero_attn,
                     self.dropout if self.training else 0.0, need_weights,
                     average_attn_weights, is_causal)
        out, weights = _attend(call, w, query, key, value, key_padding_mask, attn_mask)
        return (out.transpose(1, 0) if swap else out), weights


def _check_sizes_args(name: str, embed_dim: Any, num_heads: Any) -> None:
    """PyTorch's refusals: not an int (TypeError), not positive (ValueError), heads that do
    not divide the embedding (AssertionError)."""
    for value, arg in ((embed_dim, "embed_dim"), (num_heads, "num_heads")):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"{name}: argument '{arg}' must be an int, got "
                            f"{type(value).__name__} {value!r}")
    if embed_dim <= 0 or num_heads <= 0:
        raise ValueError(f"{name}: embed_dim and num_heads must be greater than 0, got "
                         f"embed_dim={embed_dim} and num_heads={num_heads} instead")
    if embed_dim % num_heads:
        raise AssertionError(f"{name}: embed_dim must be divisible by num_heads, got "
                             f"embed_dim={embed_dim} and num_heads={num_heads}")


# ------------------------------------------------------------------ torch.nn.attention's switch


class SDPBackend(enum.IntEnum):
    """The names of PyTorch's attention kernels (``torch.nn.attention.SDPBackend``), so a
    program that picks one runs; minigrad has one implementation, the MATH composition."""

    ERROR = -1
    MATH = 0
    FLASH_ATTENTION = 1
    EFFICIENT_ATTENTION = 2
    CUDNN_ATTENTION = 3
    OVERRIDEABLE = 4


@contextlib.contextmanager
def sdpa_kernel(backends: list[SDPBackend] | SDPBackend,
                set_priority: bool = False) -> Iterator[dict]:
    """PyTorch's context manager that restricts SDPA to some kernels. The backends are
    checked as PyTorch checks them, and nothing changes: every choice computes the same
    ``scaled_dot_product_attention`` here."""
    if not isinstance(backends, (list, SDPBackend)) or (
            isinstance(backends, list) and not all(isinstance(b, SDPBackend) for b in backends)):
        raise AssertionError("sdpa_kernel: Backend must be an instance of SDPBackend or a list "
                             f"of SDPBackend instances, got {type(backends).__name__}")
    yield {}
