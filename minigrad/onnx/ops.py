"""How each op a CNN uses is written as standard ONNX operators: the emitters.

An emitter takes an ``Emit`` (the node's inputs, shapes, arguments) and returns the ONNX
name of each output. Functions map one by one (``Conv2d`` -> ``Conv``); a few layers whose
``forward`` computes part of its work outside the graph (``Hardtanh``'s mask, the
evaluation-mode ``BatchNorm2d`` statistics) or that ONNX has as one operator (``Linear`` ->
``Gemm``) map as a whole. Anything else raises ``UnsupportedOperatorError`` naming it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import nn
from ..ops import activation as _act
from ..ops import conv as _conv
from ..ops import elementwise as _ew
from ..ops import index as _index
from ..ops import linalg as _linalg
from ..ops import norm as _norm
from ..ops import pool as _pool
from ..ops import reduce as _reduce
from ..ops import shape as _shape
from .graph import Emit, register_function, register_layer

INT64_MAX = np.iinfo(np.int64).max
INT64_MIN = np.iinfo(np.int64).min

# --------------------------------------------------------------------------- elementwise

_UNARY = {_ew.Neg: "Neg", _ew.Exp: "Exp", _ew.Log: "Log", _ew.Sqrt: "Sqrt", _ew.Abs: "Abs",
          _ew.Tanh: "Tanh", _ew.Sigmoid: "Sigmoid", _ew.Relu: "Relu", _act.Erf: "Erf"}
_BINARY = {_ew.Add: "Add", _ew.Sub: "Sub", _ew.Mul: "Mul", _ew.Div: "Div", _ew.Pow: "Pow",
           _ew.Maximum: "Max", _ew.Minimum: "Min", _linalg.MatMul: "MatMul"}


@register_function(*_UNARY)
def _unary(e: Emit) -> str:
    return e.b.op(_UNARY[e.node.op], [e.input(0)])


@register_function(*_BINARY)
def _binary(e: Emit) -> str:
    return e.b.op(_BINARY[e.node.op], [e.input(0), e.input(1)])


@register_function(_ew.Clamp)
def _clamp(e: Emit) -> str:
    x = e.input(0)
    if e.ctx.tensors:  # Tensor bounds: max then min, as minigrad computes it
        if e.has(1):
            x = e.b.op("Max", [x, e.input(1)])
        return e.b.op("Min", [x, e.input(2)]) if e.has(2) else x
    bounds = ["" if v is None else e.b.const(np.asarray(v, e.dtype))
              for v in (e.ctx.low, e.ctx.high)]
    return e.b.op("Clip", [x, *bounds])


@register_function(_ew.Where)
def _where(e: Emit) -> str:
    # the condition is a constant of the trace; if it came from the input's values the
    # second trace finds it different and export refuses
    cond = e.b.const(np.asarray(e.ctx.cond, bool))
    return e.b.op("Where", [cond, e.input(1), e.input(2)])


@register_function(_ew.Cast)
def _cast(e: Emit) -> str:
    return e.b.op("Cast", [e.input(0)], to=np.dtype(e.dtype))


# --------------------------------------------------------------------------- conv, pool


def _window(g: Any, dilation: bool = True) -> dict[str, list[int]]:
    attrs = {"kernel_shape": [g.kh, g.kw], "strides": [g.sh, g.sw],
             "pads": [g.ph, g.pw, g.ph, g.pw]}
    if dilation:
        attrs["dilations"] = [g.dh, g.dw]
    return attrs


def _floor_size(n: int, k: int, s: int, p: int, d: int) -> int:
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


def _ceil_mode(g: Any) -> int:
    """1 when the output keeps a last partial window (PyTorch's ``ceil_mode``)."""
    return int((g.oh, g.ow) != (_floor_size(g.h, g.kh, g.sh, g.ph, g.dh),
                                _floor_size(g.w, g.kw, g.sw, g.pw, g.dw)))


@register_function(_conv.Conv2d)
def _conv2d(e: Emit) -> str:
    g = e.ctx.geom
    inputs = [e.input(0), e.input(1)] + ([e.input(2)] if e.has(2) else [])
    return e.b.op("Conv", inputs, group=g.groups, **_window(g))


@register_function(_conv.ConvTranspose2d)
def _conv_transpose2d(e: Emit) -> str:
    g = e.ctx.geom  # here (h, w) is the output size and (oh, ow) the input's
    extra = [g.h - ((g.oh - 1) * g.sh - 2 * g.ph + g.dh * (g.kh - 1) + 1),
             g.w - ((g.ow - 1) * g.sw - 2 * g.pw + g.dw * (g.kw - 1) + 1)]
    return e.b.op("ConvTranspose", [e.input(0), e.input(1)], group=g.groups,
                  output_padding=extra, **_window(g))


@register_function(_pool.MaxPool2d)
def _max_pool2d(e: Emit) -> str:
    if len(e.node.outputs) != 1:
        raise e.refuse("with return_indices=True (ONNX counts indices over the whole "
                       "tensor, PyTorch per plane)")
    g = e.ctx.geom
    return e.b.op("MaxPool", [e.input(0)], ceil_mode=_ceil_mode(g), **_window(g))


def _divisors(g: Any, include_pad: bool) -> np.ndarray:
    """PyTorch's divisor of each window (as minigrad's ``avg_pool2d`` computes it)."""
    def sizes(n_out: int, s: int, p: int, k: int, n_in: int) -> np.ndarray:
        start = np.arange(n_out) * s - p
        end = np.minimum(start + k, n_in + p)
        return end - start if include_pad else np.minimum(end, n_in) - np.maximum(start, 0)

    return np.outer(sizes(g.oh, g.sh, g.ph, g.kh, g.h), sizes(g.ow, g.sw, g.pw, g.kw, g.w))


@register_function(_pool.AvgPool2d)
def _avg_pool2d(e: Emit) -> str:
    g, div = e.ctx.geom, np.asarray(e.ctx.div)
    if ((g.kh, g.kw) == (g.h, g.w) and (g.oh, g.ow) == (1, 1) and (g.ph, g.pw) == (0, 0)
            and np.all(div == g.kh * g.kw)):  # a global average (adaptive pool to 1x1)
        return e.b.op("GlobalAveragePool", [e.input(0)])
    e.require_static(0, (2, 3), "the window divisors depend on the plane size")
    for include in (0, 1):
        if np.array_equal(np.broadcast_to(div, (g.oh, g.ow)), _divisors(g, bool(include))):
            return e.b.op("AveragePool", [e.input(0)], ceil_mode=_ceil_mode(g),
                          count_include_pad=include, **_window(g, dilation=False))
    raise e.refuse("with divisor_override (ONNX's AveragePool divides by the window size)")


@register_function(_norm.LocalResponseNorm)
def _lrn(e: Emit) -> str:
    before, after = e.ctx.window
    size = before + after + 1
    if before != after:
        raise e.refuse(f"with an even size {size} (ONNX centres the window one channel "
                       "later than PyTorch)")
    return e.b.op("LRN", [e.input(0)], size=size, alpha=float(e.ctx.scale * size),
                  beta=float(e.ctx.beta), bias=float(e.ctx.k))


# --------------------------------------------------------------------------- softmax, sum


@register_function(_reduce.Softmax, _reduce.LogSoftmax)
def _softmax(e: Emit) -> str:
    if e.ctx.dim is None:
        raise e.refuse("for a 0-d input")
    name = "Softmax" if e.node.op is _reduce.Softmax else "LogSoftmax"
    return e.b.op(name, [e.input(0)], axis=int(e.ctx.dim))


@register_function(_reduce.Sum)
def _sum(e: Emit) -> str:
    dims = _shape.normalize_dims(e.argument("dim"), len(e.shape(0)), "sum")
    keep = int(bool(e.argument("keepdim", False)))
    inputs = [e.input(0)] + ([] if dims is None else [e.b.ints(dims)])
    return e.b.op("ReduceSum", inputs, keepdims=keep)


# --------------------------------------------------------------------------- shapes


def _reshape_target(e: Emit) -> list[int]:
    """The new shape with the dims that follow a dynamic axis left open: 0 (copy the input's
    dim) where the dim stays in place, else one -1; never the traced batch size."""
    out, other = list(e.out_shape()), e.other_out_shape()
    ins, other_in = e.shape(0), e.other_shape(0)
    open_dims = []
    for d in sorted(e.out_dyn()):
        if d < len(ins) and ins[d] == out[d] and other_in[d] == other[d]:
            out[d] = 0
        else:
            open_dims.append(d)
    if len(open_dims) > 1:
        raise e.refuse(f"for a reshape to {e.out_shape()} with several dims {open_dims} that "
                       "follow the dynamic axes")
    for d in open_dims:
        out[d] = -1
    if 0 in e.out_shape() and not e.out_dyn():
        raise e.refuse("for a reshape to a shape with a zero-size dim")
    return out


@register_function(_shape.Reshape)
def _reshape(e: Emit) -> str:
    return e.b.op("Reshape", [e.input(0), e.b.ints(_reshape_target(e))])


@register_function(_shape.Permute)
def _permute(e: Emit) -> str:
    return e.b.op("Transpose", [e.input(0)], perm=[int(d) for d in e.ctx.dims])


@register_function(_shape.BroadcastTo)
def _broadcast_to(e: Emit) -> str:
    out, ins = list(e.out_shape()), e.shape(0)
    lead = len(out) - len(ins)
    for d in e.out_dyn():  # a dim the input already has at full size: 1 keeps it
        i = d - lead
        if i < 0 or ins[i] != out[d] or e.other_shape(0)[i] != e.other_out_shape()[d]:
            raise e.refuse(f"for an expand along dim {d}, which follows a dynamic axis")
        out[d] = 1
    return e.b.op("Expand", [e.input(0), e.b.ints(out)])


@register_function(_shape.Pad)
def _pad(e: Emit) -> str:
    ins, out = e.shape(0), e.out_shape()
    before = [s.start for s in e.ctx.slices]
    after = [o - i - b for o, i, b in zip(out, ins, before)]
    value = e.b.const(np.asarray(e.argument("value", 0.0), e.dtype))
    return e.b.op("Pad", [e.input(0), e.b.ints(before + after), value], mode="constant")


@register_function(_shape.Cat)
def _cat(e: Emit) -> str:
    inputs = [e.input(i) for i in range(len(e.node.inputs)) if e.has(i)]
    return e.b.op("Concat", inputs, axis=int(e.ctx.dim))


def _slice_bounds(s: slice) -> tuple[int, int, int]:
    step = 1 if s.step is None else int(s.step)
    if step > 0:
        start = 0 if s.start is None else int(s.start)
        stop = INT64_MAX if s.stop is None else int(s.stop)
    else:
        start = INT64_MAX if s.start is None else int(s.start)
        stop = INT64_MIN if s.stop is None else int(s.stop)
    return start, stop, step


def _without_ellipsis(parts: list[Any], ndim: int) -> list[Any]:
    """The ``...`` of an index written out as the full slices it stands for."""
    if not any(p is Ellipsis for p in parts):
        return parts
    at = parts.index(Ellipsis)
    used = sum(p is not None for p in parts) - 1
    return parts[:at] + [slice(None)] * (ndim - used) + parts[at + 1:]


def _index_parts(e: Emit) -> list[Any]:
    """The index as a list of parts, the ``...`` written out; boolean masks and several
    index arrays are refused."""
    index = e.ctx.index
    parts = list(index) if isinstance(index, tuple) else [index]
    arrays = [p for p in parts if isinstance(p, np.ndarray)]
    if len(arrays) > 1 or any(a.dtype.kind not in "iu" for a in arrays):
        raise e.refuse("for boolean masks or several index arrays")
    return _without_ellipsis(parts, len(e.shape(0)))


def _slice(e: Emit, x: str, axis: int, s: slice) -> str:
    """A Slice along ``axis``, none for ``:``."""
    if s == slice(None):
        return x
    start, stop, step = _slice_bounds(s)
    return e.b.op("Slice", [x, e.b.ints([start]), e.b.ints([stop]), e.b.ints([axis]),
                            e.b.ints([step])])


def _index_part(e: Emit, x: str, axis: int, p: Any) -> tuple[str, int]:
    """Write one part of the index at ``axis`` of ``x``; returns the result and how many
    of its dims the part leaves at ``axis`` (where the next part applies after them)."""
    if p is None:
        return e.b.op("Unsqueeze", [x, e.b.ints([axis])]), 1
    if isinstance(p, slice):
        return _slice(e, x, axis, p), 1
    if isinstance(p, (int, np.integer)):
        return e.b.op("Gather", [x, e.b.const(np.asarray(int(p), np.int64))], axis=axis), 0
    if isinstance(p, np.ndarray):
        return e.b.op("Gather", [x, e.b.const(p.astype(np.int64))], axis=axis), p.ndim
    raise e.refuse(f"for an index part {p!r}")


@register_function(_shape.GetItem)
def _getitem(e: Emit) -> str:
    """Basic indexing (slices, ints, None, ...) and one int array, left to right: a Slice,
    a Gather or an Unsqueeze per part, with the slice bounds as written (not resolved
    against the traced size)."""
    x, axis = e.input(0), 0
    for p in _index_parts(e):
        x, kept = _index_part(e, x, axis, p)
        axis += kept
    if x == e.input(0):
        x = e.b.op("Identity", [x])
    return x


@register_function(_index.Gather)
def _gather(e: Emit) -> str:
    return e.b.op("GatherElements", [e.input(0), e.b.const(np.asarray(e.ctx.index, np.int64))],
                  axis=int(e.ctx.dim))


# --------------------------------------------------------------------------- layers


def _input_ndim(args: Any) -> int | None:
    return args[0].ndim if args and hasattr(args[0], "ndim") else None


@register_layer(nn.BatchNorm1d, nn.BatchNorm2d,
                accepts=lambda m, args: m.running_mean is not None and not m.training)
def _batch_norm(e: Emit) -> str:
    m = e.module
    c = m.num_features
    scale = e.b.tensor(m.weight) if m.weight is not None else e.b.const(np.ones(c, e.dtype))
    shift = e.b.tensor(m.bias) if m.bias is not None else e.b.const(np.zeros(c, e.dtype))
    return e.b.op("BatchNormalization", [e.input(0), scale, shift, e.b.tensor(m.running_mean),
                                         e.b.tensor(m.running_var)], epsilon=float(m.eps))


@register_function(_linalg.Linear)
def _linear_function(e: Emit) -> str:
    """``F.linear`` in a model's own forward, on an input of any rank (``nn.Linear`` on a
    2-D input is one ``Gemm``, below)."""
    y = e.b.op("MatMul", [e.input(0), e.b.op("Transpose", [e.input(1)], perm=[1, 0])])
    return e.b.op("Add", [y, e.input(2)]) if e.has(2) else y


@register_layer(nn.Linear, accepts=lambda m, args: args is None or _input_ndim(args) == 2)
def _linear(e: Emit) -> str:
    m = e.module
    inputs = [e.input(0), e.b.tensor(m.weight)] + ([e.b.tensor(m.bias)] if m.bias is not None
                                                   else [])
    return e.b.op("Gemm", inputs, transB=1)


def _flattens_to_2d(m: Any, args: Any) -> bool:
    if args is None:
        return True
    n = _input_ndim(args)
    return bool(n and n >= 2 and m.start_dim % n == 1 and m.end_dim % n == n - 1)


@register_layer(nn.Flatten, accepts=_flattens_to_2d)
def _flatten(e: Emit) -> str:
    return e.b.op("Flatten", [e.input(0)], axis=1)


@register_layer(nn.Hardtanh, nn.ReLU6)
def _hardtanh(e: Emit) -> str:
    m = e.module
    low, high = (e.b.const(np.asarray(v, e.dtype)) for v in (m.min_val, m.max_val))
    return e.b.op("Clip", [e.input(0), low, high])


@register_layer(nn.LeakyReLU)
def _leaky_relu(e: Emit) -> str:
    return e.b.op("LeakyRelu", [e.input(0)], alpha=float(e.module.negative_slope))


@register_layer(nn.ELU)
def _elu(e: Emit) -> str:
    return e.b.op("Elu", [e.input(0)], alpha=float(e.module.alpha))


@register_layer(nn.CELU, min_opset=12)
def _celu(e: Emit) -> str:
    return e.b.op("Celu", [e.input(0)], alpha=float(e.module.alpha))


@register_layer(nn.SELU)
def _selu(e: Emit) -> str:
    return e.b.op("Selu", [e.input(0)])  # ONNX's default alpha and gamma are SELU's


@register_layer(nn.GELU, min_opset=20)
def _gelu(e: Emit) -> str:
    return e.b.op("Gelu", [e.input(0)], approximate=e.module.approximate)


@register_layer(nn.Softplus, accepts=lambda m, args: m.beta == 1)
def _softplus(e: Emit) -> str:
    return e.b.op("Softplus", [e.input(0)])


@register_layer(nn.Hardswish, min_opset=14)
def _hardswish(e: Emit) -> str:
    return e.b.op("HardSwish", [e.input(0)])


@register_layer(nn.Hardsigmoid)
def _hardsigmoid(e: Emit) -> str:
    return e.b.op("HardSigmoid", [e.input(0)], alpha=1.0 / 6.0, beta=0.5)


@register_layer(nn.Mish, min_opset=18)
def _mish(e: Emit) -> str:
    return e.b.op("Mish", [e.input(0)])


@register_layer(nn.PReLU)
def _prelu(e: Emit) -> str:
    slope = e.b.tensor(e.module.weight)
    n, ndim = e.module.num_parameters, len(e.shape(0))
    if n > 1 and ndim > 2:  # one slope per channel (dim 1): (C, 1, 1) broadcasts there
        slope = e.b.op("Reshape", [slope, e.b.ints([n] + [1] * (ndim - 2))])
    return e.b.op("PRelu", [e.input(0), slope])


def _resizes(m: Any, args: Any) -> bool:
    return m.mode in ("nearest", "bilinear") and (args is None or _input_ndim(args) == 4)


@register_layer(nn.Upsample, accepts=_resizes)
def _upsample(e: Emit) -> str:
    """``Resize``: PyTorch's nearest is ONNX's asymmetric/floor; bilinear is linear with
    half-pixel centres (``pytorch_half_pixel``) or ``align_corners``."""
    m, x = e.module, e.input(0)
    if m.mode == "nearest":
        attrs = {"mode": "nearest", "coordinate_transformation_mode": "asymmetric",
                 "nearest_mode": "floor"}
    else:
        attrs = {"mode": "linear", "coordinate_transformation_mode":
                 "align_corners" if m.align_corners else "pytorch_half_pixel"}
    if m.scale_factor is not None and not m.recompute_scale_factor:
        f = m.scale_factor if isinstance(m.scale_factor, tuple) else (m.scale_factor,) * 2
        scales = e.b.const(np.asarray([1.0, 1.0, *f], np.float32))
        return e.b.op("Resize", [x, "", scales], **attrs)
    e.require_static(0, (2, 3), "recompute_scale_factor")
    lead = e.b.op("Slice", [e.b.op("Shape", [x]), e.b.ints([0]), e.b.ints([2])])
    sizes = e.b.op("Concat", [lead, e.b.ints(e.out_shape()[2:])], axis=0)
    return e.b.op("Resize", [x, "", "", sizes], **attrs)
