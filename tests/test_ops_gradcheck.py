"""One gradient check (and a second-order check) per core op, from a registry of ops.

Adding an op to minigrad.ops without a case here fails ``test_every_core_op_has_a_case``.
The registry becomes ``minigrad.testing.OpCase``s, and ``parametrize_ops`` turns them into
one test per op and check: gradcheck, gradgradcheck and (where the same code runs on torch
tensors) a comparison of values and gradients with PyTorch. Every ``Function`` class of
minigrad.ops also passes ``check_function``, the doctor for custom Functions, on a call
recorded from these cases (or ``DOCTOR_CASES``); a class no case reaches fails its test.
"""

from __future__ import annotations

import functools
import inspect

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import ops, testing
from minigrad.autograd import Function
from minigrad.functional import activation as activation_fn
from minigrad.grad_mode import observing_records
from minigrad.ops import activation, elementwise, index, linalg, reduce, shape, unary
from minigrad.testing import OpCase, check_function, parametrize_ops, run_op_check

rng = np.random.default_rng(0)


def t(*shape: int, low: float = -2.0, high: float = 2.0, positive: bool = False) -> mg.Tensor:
    data = rng.uniform(0.5 if positive else low, high, size=shape)
    return mg.tensor(data, dtype=np.float64, requires_grad=True)


def distinct(*shape: int) -> mg.Tensor:
    """Values far apart: max/min/maximum/relu have no ties or kinks nearby."""
    data = rng.permutation(np.prod(shape, dtype=int)).reshape(shape) * 0.1 - 0.05 * np.prod(shape)
    return mg.tensor(data.astype(np.float64) + 0.013, requires_grad=True)


def transposed(*shape: int) -> mg.Tensor:
    """A non-contiguous input: a transposed view."""
    base = rng.uniform(-2, 2, size=shape[::-1])
    return mg.Tensor(base.T, requires_grad=True)


# name -> (covered Function classes, fn, input factory, twice differentiable?)
CASES = {
    "add_broadcast": (["Add"], lambda a, b: a + b, lambda: (t(2, 3), t(3)), True),
    "add_broadcast_other_way": (["Add"], lambda a, b: a + b, lambda: (t(4, 1), t(1, 5)), True),
    "sub_scalar_reflected": (["Sub"], lambda a, b: 1.5 - a - b, lambda: (t(2, 3), t(2, 1)), True),
    "mul_broadcast": (["Mul"], lambda a, b: a * b, lambda: (t(3, 1, 2), t(4, 2)), True),
    "div": (["Div"], lambda a, b: a / b, lambda: (t(2, 3), t(3, positive=True)), True),
    "rdiv": (["Div"], lambda a: 2.0 / a, lambda: (t(2, 3, positive=True),), True),
    "neg": (["Neg"], lambda a: -a, lambda: (t(3, 2),), True),
    "pow_const": (["Pow"], lambda a: a**3, lambda: (t(2, 3),), True),
    "pow_tensor": (["Pow"], lambda a, b: a**b, lambda: (t(2, 3, positive=True), t(3)), True),
    "rpow": (["Pow"], lambda a: 2.0**a, lambda: (t(4),), True),
    "sin": (["Sin"], lambda a: a.sin(), lambda: (t(2, 3),), True),
    "cos": (["Cos"], lambda a: a.cos(), lambda: (t(2, 3),), True),
    "tan": (["Tan"], lambda a: a.tan(), lambda: (t(2, 3, low=-1.2, high=1.2),), True),
    "sinh": (["Sinh"], lambda a: a.sinh(), lambda: (t(2, 3),), True),
    "cosh": (["Cosh"], lambda a: a.cosh(), lambda: (t(2, 3),), True),
    "reciprocal": (["Reciprocal"], lambda a: a.reciprocal(), lambda: (t(3, positive=True),),
                   True),
    "rsqrt": (["Rsqrt"], lambda a: a.rsqrt(), lambda: (t(3, positive=True),), True),
    "log2": (["Log2"], lambda a: a.log2(), lambda: (t(2, 2, positive=True),), True),
    "log10": (["Log10"], lambda a: a.log10(), lambda: (t(2, 2, positive=True),), True),
    "asin": (["Asin"], lambda a: a.asin(), lambda: (t(2, 3, low=-0.9, high=0.9),), True),
    "acos": (["Acos"], lambda a: a.acos(), lambda: (t(2, 3, low=-0.9, high=0.9),), True),
    "atan": (["Atan"], lambda a: a.atan(), lambda: (t(2, 3),), True),
    "expm1": (["Expm1"], lambda a: a.expm1(), lambda: (t(2, 3),), True),
    "floor_ceil_trunc_sign": (["Floor", "Ceil", "Trunc", "Sign"],
                              lambda a: a.floor() + a.ceil() * a + a.trunc() - a * a.sign(),
                              lambda: (distinct(2, 3),), True),
    "exp": (["Exp"], lambda a: a.exp(), lambda: (t(2, 3),), True),
    "log": (["Log"], lambda a: a.log(), lambda: (t(2, 3, positive=True),), True),
    "sqrt": (["Sqrt"], lambda a: a.sqrt(), lambda: (t(2, 3, positive=True),), True),
    "abs": (["Abs"], lambda a: a.abs(), lambda: (distinct(2, 3),), True),
    "tanh": (["Tanh"], lambda a: a.tanh(), lambda: (t(2, 3),), True),
    "sigmoid": (["Sigmoid"], lambda a: a.sigmoid(), lambda: (t(2, 3),), True),
    "logsigmoid": (["LogSigmoid"], lambda a: mg.nn.functional.logsigmoid(a * 10),
                   lambda: (t(2, 3),), True),
    "relu": (["Relu"], lambda a: a.relu(), lambda: (distinct(3, 4),), True),
    "clamp": (["Clamp"], lambda a: a.clamp(-0.5, 0.7), lambda: (distinct(3, 4),), True),
    "clamp_min_only": (["Clamp"], lambda a: a.clamp(min=0.1), lambda: (distinct(3, 4),), True),
    "maximum": (["Maximum"], lambda a, b: a.maximum(b), lambda: (distinct(2, 3), t(3)), True),
    "minimum": (["Minimum"], lambda a, b: a.minimum(b), lambda: (distinct(2, 3), t(3)), True),
    "where": (
        ["Where"],
        lambda a, b: mg.where(a.detach() > 0, a, b),
        lambda: (t(3, 4), t(4)),
        True,
    ),
    "clone": (["Cast"], lambda a: a.clone() * 2.0, lambda: (t(3),), True),
    "matmul_2d": (["MatMul"], lambda a, b: a @ b, lambda: (t(2, 3), t(3, 4)), True),
    "matmul_batched_broadcast": (["MatMul"], lambda a, b: a @ b, lambda: (t(2, 2, 3), t(3, 4)),
                                 True),
    "matmul_vec_mat": (["MatMul"], lambda a, b: a @ b, lambda: (t(3), t(2, 3, 4)), True),
    "matmul_mat_vec": (["MatMul"], lambda a, b: a @ b, lambda: (t(2, 3), t(3)), True),
    "matmul_vec_vec": (["MatMul"], lambda a, b: a @ b, lambda: (t(3), t(3)), True),
    "matmul_transposed_view": (["MatMul"], lambda a, b: a @ b, lambda: (transposed(3, 2), t(2, 4)),
                               True),
    "linear": (["Linear"], F.linear, lambda: (t(2, 3), t(4, 3), t(4)), True),
    "linear_batched_no_bias": (["Linear"], F.linear, lambda: (t(2, 2, 3), transposed(4, 3)),
                               True),
    "linear_vector": (["Linear"], F.linear, lambda: (t(3), t(4, 3), t(4)), True),
    "linear_no_rows": (["Linear"], F.linear, lambda: (t(0, 3), t(4, 3), t(4)), True),
    "sum_all": (["Sum"], lambda a: a.sum(), lambda: (t(2, 3),), True),
    "sum_dim_keepdim": (["Sum"], lambda a: a.sum(1, keepdim=True), lambda: (t(2, 3, 4),), True),
    "sum_negative_tuple": (["Sum"], lambda a: a.sum((-1, 0)), lambda: (t(2, 3, 4),), True),
    "mean": (["Sum"], lambda a: a.mean(-1), lambda: (t(2, 3),), True),
    "var": (["Var"], lambda a: a.var(0, keepdim=True), lambda: (t(4, 3),), True),
    "var_all": (["Var"], lambda a: a.var(), lambda: (t(4, 3),), True),
    "std_dims": (["Var"], lambda a: a.std((0, 2), correction=0), lambda: (t(3, 2, 4),), True),
    "max_all": (["Amax"], lambda a: a.max(), lambda: (distinct(3, 4),), True),
    "max_dim": (["MaxDim"], lambda a: a.max(1).values, lambda: (distinct(3, 4),), True),
    "min_dim_keepdim": (["MaxDim"], lambda a: a.min(0, keepdim=True).values,
                        lambda: (distinct(3, 4),), True),
    "min_tuple_keepdim": (["Amax"], lambda a: a.amin((0, 2), keepdim=True),
                          lambda: (distinct(2, 3, 2),), True),
    "logsumexp": (["LogSumExp"], lambda a: a.logsumexp(1), lambda: (t(3, 4),), True),
    "logsumexp_keepdim": (["LogSumExp"], lambda a: a.logsumexp((0, 1), keepdim=True),
                          lambda: (t(2, 3),), True),
    "softmax": (["Softmax"], lambda a: a.softmax(-1), lambda: (t(3, 4),), True),
    "log_softmax": (["LogSoftmax"], lambda a: a.log_softmax(0), lambda: (t(3, 4),), True),
    "reshape": (["Reshape"], lambda a: a.reshape(3, -1), lambda: (t(2, 3, 2),), True),
    "flatten": (["Reshape"], lambda a: a.flatten(1), lambda: (t(2, 3, 2),), True),
    "squeeze_unsqueeze": (["Reshape"], lambda a: a.squeeze(1).unsqueeze(0),
                          lambda: (t(2, 1, 3),), True),
    "transpose": (["Permute"], lambda a: a.transpose(0, -1) * 2, lambda: (t(2, 3, 4),), True),
    "permute": (["Permute"], lambda a: a.permute(2, 0, 1), lambda: (transposed(2, 3, 4),), True),
    "T": (["Permute"], lambda a: a.T, lambda: (t(2, 3),), True),
    "expand": (["BroadcastTo"], lambda a: a.expand(2, -1, 3), lambda: (t(4, 1),), True),
    "sum_to": (["SumTo"], lambda a: a.sum_to((1, 3)), lambda: (t(2, 4, 3),), True),
    "pad": (["Pad"], lambda a: mg.pad(a, (1, 2, 0, 1)), lambda: (t(2, 3, 2),), True),
    "cat": (["Cat"], lambda a, b: mg.cat([a, b, a], dim=1), lambda: (t(2, 3), t(2, 1)), True),
    "stack": (["Cat"], lambda a, b: mg.stack([a, b], dim=-1), lambda: (t(2, 3), t(2, 3)), True),
    "getitem_basic": (["GetItem"], lambda a: a[1, ..., None, ::2], lambda: (t(3, 4, 5),), True),
    "getitem_repeated_fancy": (
        ["GetItem", "IndexAdd"],
        lambda a: a[np.array([0, 2, 0, 0]), 1:],
        lambda: (t(3, 4),),
        True,
    ),
    "getitem_bool_mask": (
        ["GetItem"],
        lambda a: a[np.array([[True, False, True], [False, True, True]])],
        lambda: (t(2, 3),),
        True,
    ),
    "getitem_tensor_index": (["GetItem"], lambda a: a[mg.tensor([1, 1, 0])], lambda: (t(2, 3),),
                             True),
}

# index ops (minigrad/ops/index.py): gather and its adjoint, masked_fill, cumsum, sort/topk
CASES.update({
    "gather_repeated": (
        ["Gather", "ScatterAdd"],
        lambda a: a.gather(1, mg.tensor([[0, 0, 2], [1, 2, 1]])),
        lambda: (t(2, 3),),
        True,
    ),
    "scatter_reduce_prod": (
        ["ScatterReduce"],
        lambda a, b: a.scatter_reduce(1, mg.tensor([[0, 0, 2], [1, 2, 1]]), b, "prod"),
        lambda: (t(2, 3), t(2, 3)),
        True,
    ),
    "nuclear_norm": (["NuclearNorm", "PolarFactor"], lambda a: mg.norm(a, "nuc"),
                     lambda: (t(3, 2),), True),
    "gather_dim0_smaller_index": (
        ["Gather"], lambda a: a.gather(0, mg.tensor([[2, 0], [1, 1]])), lambda: (t(3, 4),), True),
    "masked_fill": (
        ["MaskedFill"],
        lambda a: a.masked_fill(mg.tensor([[True, False, True]]), -1.5),
        lambda: (t(2, 3),),
        True,
    ),
    "cumsum": (["Cumsum", "ReverseCumsum"], lambda a: a.cumsum(-2), lambda: (t(3, 4),), True),
    "sort_descending": (["Gather"], lambda a: a.sort(1, descending=True).values,
                        lambda: (distinct(3, 4),), True),
    "topk": (["Gather"], lambda a: a.topk(2, dim=0).values, lambda: (distinct(4, 3),), True),
})

# nn ops (helper "nn"): activations, norms, losses, padding modes, resizing, embedding
_TARGET = mg.tensor([0, 3, -100, 1])
_ROWS = mg.tensor([[0, 2], [4, 2]])
CASES.update({
    "erf": (["Erf"], lambda a: activation_fn.erf(a), lambda: (t(3, 4, low=-3, high=3),), True),
    "erf_tail": (["Erf"], lambda a: activation_fn.erf(a), lambda: (t(5, low=2.1, high=4),), True),
    "leaky_relu": ([], lambda a: F.leaky_relu(a, 0.1), lambda: (distinct(3, 4),), True),
    "elu": ([], lambda a: F.elu(a, 0.7), lambda: (distinct(3, 4),), True),
    "gelu": ([], lambda a: F.gelu(a), lambda: (t(3, 4, low=-3, high=3),), True),
    "gelu_tanh": ([], lambda a: F.gelu(a, approximate="tanh"), lambda: (t(3, 4),), True),
    "silu": ([], lambda a: F.silu(a), lambda: (t(3, 4),), True),
    "tanhshrink": (["Tanhshrink"], lambda a: F.tanhshrink(a), lambda: (t(3, 4),), True),
    "softplus": ([], lambda a: F.softplus(a, beta=2.0), lambda: (t(3, 4, low=-5, high=5),),
                 True),
    "hardtanh": ([], lambda a: F.hardtanh(a, -0.3, 0.3), lambda: (distinct(3, 4),), True),
    "relu6": ([], lambda a: F.relu6(a * 20.0), lambda: (distinct(3, 4),), True),
    "layer_norm": ([], lambda a, w, b: F.layer_norm(a, (3, 4), w, b),
                   lambda: (t(2, 3, 4), t(3, 4), t(3, 4)), True),
    "group_norm": ([], lambda a, w, b: F.group_norm(a, 2, w, b),
                   lambda: (t(2, 4, 3), t(4), t(4)), True),
    "batch_norm_train": (["BatchNormTrain"],
                         lambda a, w, b: F.batch_norm(a, None, None, w, b, training=True),
                         lambda: (t(3, 4, 2, 3), t(4), t(4)), True),
    "batch_norm_train_1d_no_affine": (
        ["BatchNormTrain"], lambda a: F.batch_norm(a, None, None, training=True),
        lambda: (t(5, 3),), True),
    "cross_entropy_weighted_smoothed": (
        [], lambda a, w: F.cross_entropy(a, _TARGET, weight=w, label_smoothing=0.1),
        lambda: (t(4, 5), t(5, positive=True)), True),
    "nll_loss_weighted": ([], lambda a, w: F.nll_loss(a, _TARGET, weight=w),
                          lambda: (t(4, 5), t(5, positive=True)), True),
    "l1_loss": ([], lambda a: F.l1_loss(a, mg.zeros(3, 4, dtype=np.float64)),
                lambda: (distinct(3, 4),), True),
    "smooth_l1_loss": ([], lambda a: F.smooth_l1_loss(a, mg.zeros(3, 4, dtype=np.float64),
                                                      beta=0.25), lambda: (distinct(3, 4),),
                       True),
    "binary_cross_entropy": (["BinaryCrossEntropy"], lambda p, y: F.binary_cross_entropy(p, y),
                             lambda: (t(3, 4, low=0.1, high=0.9), t(3, 4, low=0, high=1)),
                             True),
    "bce_with_logits_pos_weight": (
        [], lambda x, y, pw: F.binary_cross_entropy_with_logits(x, y, pos_weight=pw),
        lambda: (t(3, 4, low=-4, high=4), t(3, 4, low=0, high=1), t(4, positive=True)), True),
    "pad_reflect": ([], lambda a: F.pad(a, (2, 1, 1, 2), mode="reflect"),
                    lambda: (t(2, 3, 4),), True),
    "pad_replicate": ([], lambda a: F.pad(a, (3, 0), mode="replicate"),
                      lambda: (t(1, 2, 3),), True),
    "interpolate_nearest": ([], lambda a: F.interpolate(a, scale_factor=1.5),
                            lambda: (t(1, 2, 3, 2),), True),
    "interpolate_bilinear": ([], lambda a: F.interpolate(a, size=(4, 5), mode="bilinear"),
                             lambda: (t(1, 2, 3, 2),), True),
    "interpolate_bilinear_corners": (
        [], lambda a: F.interpolate(a, size=(2, 5), mode="bilinear", align_corners=True),
        lambda: (t(2, 1, 3, 3),), True),
    # the padding row gets no gradient by design (tested against PyTorch in test_nn_parity)
    "embedding_padding_idx": ([], lambda w: F.embedding(_ROWS, w, padding_idx=3),
                              lambda: (t(5, 3),), True),
})


# convolution and pooling (minigrad.ops.conv / minigrad.ops.pool): the backward Functions
# are reached through first and second derivatives of the public ops
CONV_POOL_CASES = {
    "conv2d_bias_stride_pad": (
        ["Conv2d", "ConvTranspose2d", "Conv2dWeightGrad"],
        lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=(1, 0)),
        lambda: (t(2, 2, 5, 4), t(3, 2, 3, 2), t(3)), True),
    "conv2d_groups_dilation_noncontiguous": (
        ["Conv2d", "ConvTranspose2d", "Conv2dWeightGrad", "BiasGrad"],
        lambda x, w, b: F.conv2d(x.transpose(2, 3), w, b, padding=2, dilation=(2, 1), groups=2),
        lambda: (t(1, 4, 4, 5), t(2, 2, 2, 3), t(2)), True),
    "conv2d_1x1_pointwise": (["Conv2d", "ConvTranspose2d", "Conv2dWeightGrad"],
                             lambda x, w, b: F.conv2d(x, w, b),
                             lambda: (transposed(3, 2, 4, 5), t(3, 2, 1, 1), t(3)), True),
    "conv2d_padding_same": (["Conv2d"], lambda x, w: F.conv2d(x, w, padding="same"),
                            lambda: (t(1, 2, 4, 5), t(2, 2, 2, 3)), True),
    "conv_transpose2d": (
        ["ConvTranspose2d", "Conv2d", "Conv2dWeightGrad"],
        lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1,
                                           groups=2),
        lambda: (t(1, 4, 3, 3), t(4, 1, 3, 3), t(2)), True),
    "im2col_col2im": (["Im2Col", "Col2Im"],
                      lambda x: F.col2im(F.im2col(x, 2, 1, 1) ** 2, (1, 2, 3, 4), 2, 1, 1),
                      lambda: (t(1, 2, 3, 4),), True),
    "max_pool2d_overlap_dilation_ceil": (
        ["MaxPool2d", "MaxPool2dScatter", "MaxPool2dGather"],
        lambda x: F.max_pool2d(x, 2, 2, 1, dilation=(1, 2), ceil_mode=True),
        lambda: (distinct(1, 2, 5, 6),), True),
    "max_pool2d_tiling": (["MaxPool2d", "MaxPool2dScatter", "MaxPool2dGather"],
                          lambda x: F.max_pool2d(x, 2), lambda: (distinct(2, 1, 4, 6),), True),
    "avg_pool2d_ceil_exclude_pad": (
        ["AvgPool2d", "AvgPool2dBackward"],
        lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
        lambda: (t(1, 2, 6, 5),), True),
    "avg_pool2d_divisor_override": (
        ["AvgPool2d", "AvgPool2dBackward"],
        lambda x: F.avg_pool2d(x, 2, 1, divisor_override=3), lambda: (t(1, 1, 3, 4),), True),
    "adaptive_avg_pool2d": (["Gather", "ScatterAdd"], lambda x: F.adaptive_avg_pool2d(x, (2, 3)),
                            lambda: (t(1, 2, 5, 7),), True),
    "adaptive_max_pool2d": (["Gather", "ScatterAdd"], lambda x: F.adaptive_max_pool2d(x, (3, 2)),
                            lambda: (distinct(1, 2, 5, 7),), True),
}
CASES.update(CONV_POOL_CASES)


def test_every_conv_and_pool_op_has_a_case() -> None:
    from minigrad.ops import conv, pool

    covered = {cls for case in CONV_POOL_CASES.values() for cls in case[0]}
    defined = {
        name
        for module in (conv, pool)
        for name, obj in vars(module).items()
        if inspect.isclass(obj) and issubclass(obj, Function) and obj.__module__ == module.__name__
        and not name.startswith("_")
    }
    assert defined - covered == set()


# the cases whose code runs unchanged on torch tensors: also compared with PyTorch
SAME_IN_TORCH = {
    "T", "abs", "add_broadcast", "add_broadcast_other_way", "clamp", "clamp_min_only",
    "clone", "cumsum", "div", "exp", "expand", "flatten", "getitem_basic", "getitem_bool_mask",
    "getitem_repeated_fancy", "log", "log_softmax", "logsumexp", "logsumexp_keepdim",
    "matmul_2d", "matmul_batched_broadcast", "matmul_mat_vec", "matmul_transposed_view",
    "matmul_vec_mat", "matmul_vec_vec", "max_all", "max_dim", "maximum", "mean",
    "min_dim_keepdim", "min_tuple_keepdim", "minimum", "mul_broadcast", "neg", "permute",
    "pow_const", "pow_tensor", "rdiv", "relu", "reshape", "rpow", "sigmoid", "softmax",
    "sort_descending", "sqrt", "squeeze_unsqueeze", "std_dims", "sub_scalar_reflected",
    "sum_all", "sum_dim_keepdim", "sum_negative_tuple", "tanh", "topk", "transpose", "var",
    "var_all", "sin", "cos", "tan", "sinh", "cosh", "reciprocal", "rsqrt", "log2", "log10",
    "asin", "acos", "atan", "expm1", "floor_ceil_trunc_sign",
}
OPS = [
    OpCase(name, fn, make, tuple(covers), twice, torch_fn=fn if name in SAME_IN_TORCH else None)
    for name, (covers, fn, make, twice) in sorted(CASES.items())
]


@parametrize_ops(OPS)
def test_op(case: OpCase, check: str) -> None:
    torch = pytest.importorskip("torch") if check == "torch" else None
    run_op_check(case, check, torch=torch)


# ---------------------------------------------------------------- the doctor on every Function
#
# Each op's forward and two levels of create_graph backward run with every recorded Function
# call kept (observing_records sees calls made through any path: keyword arguments, a
# Function called inside another's backward); then each Function class of minigrad.ops is
# checked by check_function on its smallest recorded call. A Function no case reaches fails
# its own test, so a new op without a case cannot slip through.

# ops that CASES does not reach, run only to record their Functions' calls
DOCTOR_CASES = {
    "flip": (lambda a: mg.flip(a, (0, -1)), lambda: (t(2, 3),)),
    "roll": (lambda a: mg.roll(a, (1, -2), (0, 1)), lambda: (t(2, 3),)),
    "tile": (lambda a: mg.tile(a, (2, 1, 2)), lambda: (t(2, 3),)),
    "repeat_interleave": (lambda a: a.repeat_interleave(2, dim=1), lambda: (t(2, 3),)),
    "scatter": (lambda a, s: a.scatter(1, mg.tensor([[2, 0], [1, 0]]), s),
                lambda: (t(2, 3), t(2, 2))),  # no repeated place: the last write would win
    "log1p": (lambda a: mg.log1p(a), lambda: (t(2, 3, positive=True),)),
    "round": (lambda a: mg.round(a * 3, decimals=1), lambda: (t(2, 3),)),
    "div_floor": (lambda a, b: mg.div(a, b, rounding_mode="floor"),
                  lambda: (t(2, 3), t(3, positive=True))),
    "cumprod": (lambda a: mg.cumprod(a, 1), lambda: (t(2, 3),)),
    "vector_norm": (lambda a: mg.linalg.vector_norm(a, 3, dim=1), lambda: (t(2, 3),)),
    "einsum": (lambda a, b: mg.einsum("ij,jk->ik", a, b), lambda: (t(2, 3), t(3, 2))),
    "cross_entropy": (lambda a: F.cross_entropy(a, mg.tensor([0, 2])), lambda: (t(2, 3),)),
    "kl_div": (lambda a, b: F.kl_div(a, b, reduction="sum"),
               lambda: (t(2, 3), t(2, 3, positive=True))),
    "local_response_norm": (lambda a: F.local_response_norm(a, 2), lambda: (t(1, 3, 2, 2),)),
    "conv2d_bias_only": (
        lambda b: F.conv2d(mg.ones(1, 1, 3, 3, dtype=mg.float64),
                           mg.ones(2, 1, 2, 2, dtype=mg.float64), b),
        lambda: (t(2),)),
}

# Function class -> why check_function cannot run it (none today: every one passes)
NOT_DOCTORED: dict[str, str] = {}


def _ops_functions() -> dict[str, type]:
    """Every Function class defined in minigrad.ops (bases such as ``_Binary`` left out)."""
    import importlib
    import pkgutil

    found = {}
    for info in pkgutil.iter_modules(ops.__path__):
        module = importlib.import_module(f"minigrad.ops.{info.name}")
        for name, obj in vars(module).items():
            if (inspect.isclass(obj) and issubclass(obj, Function)
                    and obj.__module__ == module.__name__ and not name.startswith("_")):
                found[name] = obj
    return found


def _kept(value: object) -> object:
    """A recorded argument, copied so that later ops cannot change it. A conv's kernel
    object is replaced by None (the Function then picks its own): it carries state from
    the forward that made it (the kept-kernel test below runs the kernel reused too)."""
    from minigrad.kernels.conv import FastConv

    if isinstance(value, FastConv):
        return None
    if isinstance(value, mg.Tensor):
        return mg.Tensor(value._data.copy(), requires_grad=value.requires_grad)
    return value


def _recorded_calls(fn, make_inputs) -> list[tuple[type, tuple, dict]]:
    """The Function calls of one run of ``fn``: its forward, then its first and second
    derivatives under create_graph (where ConvTranspose2d, MaxPool2dGather... are called)."""
    calls = []
    r = np.random.default_rng(1)

    def wanted(values: tuple) -> list:
        return [v for v in values if isinstance(v, mg.Tensor) and v.requires_grad]

    def record(ctx, args, kwargs) -> None:
        calls.append((ctx.fn, tuple(map(_kept, args)), {k: _kept(v) for k, v in kwargs.items()}))

    xs = make_inputs()
    with observing_records(record):
        out = fn(*xs)
        roots, wants = wanted(out if isinstance(out, tuple) else (out,)), wanted(xs)
        for _ in range(2):
            seeds = [mg.tensor(r.standard_normal(o.shape), requires_grad=True) for o in roots]
            roots = wanted(mg.grad(roots, wants, seeds, create_graph=True, allow_unused=True))
            wants += seeds
            if not roots:
                break
    return calls


@functools.cache
def _calls_by_function() -> dict[type, list[tuple[str, tuple, dict]]]:
    """For each Function class reached, the first call each case made, (case, args, kwargs),
    recorded on the reference kernels."""
    runs = [(c.name, c.fn, c.make_inputs) for c in OPS]
    runs += [(name, fn, make) for name, (fn, make) in sorted(DOCTOR_CASES.items())]
    found: dict[type, dict[str, tuple]] = {}
    before = mg.get_kernels()
    mg.set_kernels("reference")
    try:
        for name, fn, make in runs:
            for cls, args, kwargs in _recorded_calls(fn, make):
                found.setdefault(cls, {}).setdefault(name, (name, args, kwargs))
    finally:
        mg.set_kernels(before)
    return {cls: list(by_case.values()) for cls, by_case in found.items()}


def _size(call: tuple) -> int:
    _, args, kwargs = call
    return sum(a.numel() for a in (*args, *kwargs.values()) if isinstance(a, mg.Tensor))


def _check(cls: type, call: tuple) -> None:
    name, args, kwargs = call
    report = check_function(cls, *args, example_kwargs=kwargs)
    assert report.ok, f"{cls.__name__} as called by case {name!r}:\n{report}"


@pytest.fixture
def reference_kernels():
    before = mg.get_kernels()
    mg.set_kernels("reference")
    yield
    mg.set_kernels(before)


DOCTORED = sorted(set(_ops_functions()) - set(NOT_DOCTORED))


@pytest.mark.parametrize("name", DOCTORED)
def test_builtin_function_passes_check_function(name: str, reference_kernels) -> None:
    cls = _ops_functions()[name]
    calls = _calls_by_function().get(cls)
    assert calls, f"no case calls {name}: add one to DOCTOR_CASES (or CASES)"
    _check(cls, min(calls, key=_size))  # the smallest call keeps the plain run fast


@pytest.mark.slow
@pytest.mark.parametrize("kernels", ["reference", "fast"])
@pytest.mark.parametrize("name", DOCTORED)
def test_builtin_function_passes_check_function_on_every_call(name: str, kernels: str) -> None:
    cls = _ops_functions()[name]
    before = mg.get_kernels()
    mg.set_kernels(kernels)
    try:
        for call in _calls_by_function().get(cls, []):
            _check(cls, call)
    finally:
        mg.set_kernels(before)


def test_check_function_reaches_every_builtin_function() -> None:
    defined = set(_ops_functions())
    reached = {cls.__name__ for cls in _calls_by_function() if cls.__name__ in defined}
    assert set(NOT_DOCTORED) <= defined - reached, "a listed Function is reached: unlist it"
    assert defined - reached - set(NOT_DOCTORED) == set()
    assert len(defined) >= 74


# a kernel object kept from the forward, and a gradient array changed in place between
# calls (finite differences do that): the layouts of the gradient are shared only inside
# one conv2d backward (FastConv.sharing_gradient), so nothing is read stale
def test_conv_backward_functions_pass_check_function_with_a_kept_kernel(fast_kernels) -> None:
    from minigrad.im2col import geometry
    from minigrad.kernels.conv import FastConv, choose
    from minigrad.ops.conv import Conv2dWeightGrad, ConvTranspose2d

    x, w = t(2, 2, 3, 3), t(3, 2, 2, 2)  # batch 2: one image's layout would be a view
    g = geometry(x.shape, (2, 2), 1, 0, 1, exact=True, op="conv2d")
    grad = t(2, 3, g.oh, g.ow)
    fast = choose(g, 3)
    assert type(fast) is FastConv  # the numpy kernels, not a compiled one
    report = check_function(ConvTranspose2d, grad, w, g, fast)
    report.problems += check_function(Conv2dWeightGrad, x, grad, g, False, fast).problems
    assert report.ok, str(report)


def test_every_core_op_has_a_case() -> None:
    covered = {cls for case in CASES.values() for cls in case[0]}
    defined = {
        name
        for module in (elementwise, reduce, shape, linalg, index, activation, unary)
        for name, obj in vars(module).items()
        if inspect.isclass(obj) and issubclass(obj, Function) and obj.__module__ == module.__name__
        and not name.startswith("_")
    }
    assert defined - covered == set()
    core = {name for name in defined if getattr(activation, name, None) is None}
    assert set(ops.__all__) >= core  # activation ops are reached through nn.functional


# ---------------------------------------------------------------- hypothesis: random shapes

shapes = testing.shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)
UNARY = {
    "exp": lambda a: a.exp(),
    "tanh": lambda a: a.tanh(),
    "sigmoid": lambda a: a.sigmoid(),
    "square": lambda a: a * a,
    "softmax_last": lambda a: a.softmax(-1),
}


@settings(max_examples=15, deadline=None)
@given(shape=shapes, op=st.sampled_from(sorted(UNARY)), seed=st.integers(0, 2**16))
def test_unary_ops_on_random_shapes(shape: tuple, op: str, seed: int) -> None:
    x = mg.tensor(np.random.default_rng(seed).uniform(-2, 2, shape), requires_grad=True)
    assert mg.gradcheck(UNARY[op], (x,))


@settings(max_examples=15, deadline=None)
@given(
    shapes=testing.broadcastable_shapes(num_shapes=2, min_dims=1, max_dims=3, min_side=0,
                                        max_side=3),
    op=st.sampled_from(["add", "sub", "mul", "div"]),
    seed=st.integers(0, 2**16),
)
def test_binary_ops_broadcast_on_random_shapes(shapes, op: str, seed: int) -> None:
    r = np.random.default_rng(seed)
    (shape_a, shape_b), result_shape = shapes  # zero-size dims included
    a = mg.tensor(r.uniform(0.5, 2, shape_a), requires_grad=True)
    b = mg.tensor(r.uniform(0.5, 2, shape_b), requires_grad=True)
    fn = {"add": lambda x, y: x + y, "sub": lambda x, y: x - y,
          "mul": lambda x, y: x * y, "div": lambda x, y: x / y}[op]
    assert fn(a, b).shape == result_shape
    assert mg.gradcheck(fn, (a, b))


@settings(max_examples=15, deadline=None)
@given(
    shape=hnp.array_shapes(min_dims=2, max_dims=4, min_side=1, max_side=4),
    keepdim=st.booleans(),
    op=st.sampled_from(["sum", "mean", "var", "logsumexp", "amax"]),
    data=st.data(),
)
def test_reductions_on_random_shapes_and_dims(shape, keepdim: bool, op: str, data) -> None:
    ndim = len(shape)
    dim = data.draw(st.one_of(
        st.integers(-ndim, ndim - 1),
        st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True).map(tuple),
    ))
    values = np.random.default_rng(0).permutation(int(np.prod(shape))).reshape(shape) * 0.37
    x = mg.tensor(values.astype(np.float64), requires_grad=True)
    fn = lambda a: getattr(a, op)(dim, keepdim=keepdim)  # noqa: E731
    expected = {"sum": np.sum, "mean": np.mean, "var": lambda v, axis, keepdims: np.var(
        v, axis=axis, keepdims=keepdims, ddof=1), "amax": np.max,
        "logsumexp": lambda v, axis, keepdims: np.log(np.sum(np.exp(v), axis=axis,
                                                             keepdims=keepdims))}[op]
    np.testing.assert_allclose(fn(x).data, expected(values, axis=dim, keepdims=keepdim),
                               rtol=1e-10, atol=1e-12)
    if op == "var" and any(
        shape[d] == 1 for d in (dim if isinstance(dim, tuple) else (dim,))
    ) and np.prod([shape[d] for d in (dim if isinstance(dim, tuple) else (dim,))]) == 1:
        return  # variance of one element divides by zero, as in PyTorch
    assert mg.gradcheck(fn, (x,))
