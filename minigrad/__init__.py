"""minigrad: a small, exact and fast autograd tensor framework on numpy."""

import numpy as _np

from . import (  # the engine first: tensor.py builds on it
    autograd,
    autograd_api,  # installs autograd.functional, .gradcheck, .Variable (on first touch)
    kernels,
    linalg,  # minigrad.linalg.vector_norm
)
from .autograd import (
    Function,
    detect_anomaly,
    enable_grad,
    grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from .compiler import compile  # eager: the model itself (minigrad/compiler.py)
from .creation import (
    arange,
    as_tensor,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    logspace,
    normal,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    tensor,
    zeros,
    zeros_like,
)
from .device import accelerator, cuda, device  # minigrad.cuda: module objects
from .dtypes import dtype, get_default_dtype, result_type, set_default_dtype
from .flags import (  # PyTorch's process-wide switches, recorded (minigrad/flags.py)
    are_deterministic_algorithms_enabled,
    get_float32_matmul_precision,
    get_num_interop_threads,
    is_deterministic_algorithms_warn_only_enabled,
    set_float32_matmul_precision,
    set_num_interop_threads,
    use_deterministic_algorithms,
)
from .functional import (
    allclose,
    argsort,
    cat,
    chunk,
    cumprod,
    cumsum,
    diff,
    divide,
    einsum,
    equal,
    flip,
    gather,
    index_add,
    isclose,
    log1p,
    masked_fill,
    repeat_interleave,
    roll,
    round,
    scatter,
    scatter_add,
    scatter_reduce,
    sort,
    split,
    stack,
    tile,
    topk,
    unbind,
    unflatten,
)
from .functional.blas import addbmm, addmm, addmv, addr, baddbmm
from .functional.conv_nd import conv1d, conv3d  # torch.conv1d, torch.conv3d
from .functional.counting import bincount, bucketize, histc, isin, searchsorted
from .functional.elementwise import (
    bitwise_and,
    bitwise_not,
    bitwise_or,
    bitwise_xor,
    copysign,
    deg2rad,
    float_power,
    frac,
    gcd,
    heaviside,
    is_complex,
    isneginf,
    isposinf,
    isreal,
    lcm,
    logit,
    rad2deg,
    sgn,
    signbit,
    true_divide,
    xlogy,
)
from .functional.elementwise_more import (  # atan2, hypot, fmax, the shifts...
    abs_,
    acosh,
    arccosh,
    arcsinh,
    arctan2,
    arctanh,
    asinh,
    atan2,
    atanh,
    bitwise_left_shift,
    bitwise_right_shift,
    fmax,
    fmin,
    frexp,
    hypot,
    ldexp,
    multiply,
    nextafter,
    positive,
    rsub,
    subtract,
    where,
)
from .functional.index import take, take_along_dim
from .functional.index_writes import index_put, masked_scatter
from .functional.info import can_cast, finfo, iinfo, is_nonzero, promote_types
from .functional.linalg import (
    block_diag,
    cdist,
    cross,
    diag,
    diag_embed,
    diagflat,
    dot,
    kron,
    mv,
    outer,
    pdist,
    tensordot,
    trace,
)
from .functional.linalg import outer as ger
from .functional.loss import cosine_similarity, pairwise_distance  # F's, at the top level too
from .functional.manipulation import fliplr, flipud, index_copy, index_fill, rot90
from .functional.norms import dist, renorm
from .functional.numeric import (
    addcdiv,
    addcmul,
    count_nonzero,
    floor_divide,
    fmod,
    lerp,
    logaddexp,
    norm,  # torch.norm (minigrad.ops.norm is a module)
    remainder,
    trapezoid,
    trapz,
    vander,
)
from .functional.order import (
    cummax,
    cummin,
    kthvalue,
    median,
    mode,
    nanmedian,
    nanquantile,
    quantile,
)
from .functional.pool_nd import adaptive_avg_pool1d, avg_pool1d, max_pool1d, max_pool3d
from .functional.pool_nd import (  # torch.adaptive_max_pool1d returns (values, indices)
    adaptive_max_pool1d_with_indices as adaptive_max_pool1d,
)
from .functional.prod import prod
from .functional.reduce import corrcoef, cov, nanmean, nansum, std_mean, var_mean
from .functional.reduce import logical_reduce as _logical_reduce
from .functional.samplers import poisson
from .functional.sampling import bernoulli, multinomial
from .functional.scans import cumulative_trapezoid, gradient, logcumsumexp
from .functional.select import (
    argwhere,
    index_select,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    masked_select,
    narrow,
    nonzero,
    select,
    tril,
    tril_indices,
    triu,
    triu_indices,
    unique,
)
from .functional.shape import meshgrid
from .functional.stacking import (
    atleast_1d,
    atleast_2d,
    atleast_3d,
    broadcast_tensors,
    broadcast_to,
    cartesian_prod,
    column_stack,
    combinations,
    dsplit,
    dstack,
    hsplit,
    hstack,
    tensor_split,
    vsplit,
    vstack,
)
from .functional.stacking import vstack as row_stack
from .functional.strided import diagonal
from .functional.summaries import aminmax, histogram, msort, unique_consecutive
from .functional.views import as_strided, asarray, empty_strided, frombuffer, scalar_tensor
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .im2col import strict_shapes
from .kernels import get_kernels, set_kernels
from .kernels.parallel import get_num_threads, set_num_threads
from .legacy_tensors import (  # torch.FloatTensor([1, 2]), isinstance(t, torch.FloatTensor)
    BoolTensor,
    ByteTensor,
    CharTensor,
    DoubleTensor,
    FloatTensor,
    HalfTensor,
    IntTensor,
    LongTensor,
    ShortTensor,
)
from .linalg.decompositions import pinverse  # torch.pinverse, torch.svd (U, S, V)
from .linalg.decompositions import torch_svd as svd
from .linalg.matrix_functions import chain_matmul, matrix_exp, matrix_power, vdot
from .linalg.solve import cholesky_solve, det, inverse, logdet, slogdet, triangular_solve
from .memory_format import (  # t.contiguous(memory_format=torch.channels_last), t.layout
    channels_last,
    channels_last_3d,
    contiguous_format,
    layout,
    memory_format,
    preserve_format,
    sparse_coo,
    strided,
)
from .ops import pad  # torch.where: functional/elementwise_more.py (one-argument form too)
from .printing import set_printoptions
from .rng import (
    Generator,
    default_generator,
    get_rng_state,
    initial_seed,
    manual_seed,
    seed,
    set_rng_state,
)
from .serialization import load, save  # checkpoints: safetensors files, no pickle
from .tensor import Size, Tensor

if kernels.malloc.asked_for_by_environment():  # opt-in only: import changes no process setting
    kernels.tune_malloc()

__version__ = "0.1.0"

# dtypes are numpy's scalar types, so ``x.dtype == minigrad.float32`` and ``x.to(minigrad.long)``
# work and a dtype can be handed to numpy as is. PyTorch's aliases shadow Python's builtins
# inside this namespace only, as in ``torch``.
float32 = float = _np.float32
float64 = double = _np.float64
float16 = half = _np.float16
int64 = long = _np.int64
int32 = int = _np.int32
int16 = short = _np.int16
int8, uint8 = _np.int8, _np.uint8
uint16, uint32, uint64 = _np.uint16, _np.uint32, _np.uint64  # numpy's promotion (docs/faq.md)
bool = bool_ = _np.bool_


def is_tensor(obj: object) -> "bool_":  # noqa: UP037
    """True if ``obj`` is a minigrad Tensor."""
    return isinstance(obj, Tensor)


def is_floating_point(input: Tensor) -> "bool_":  # noqa: A002, UP037
    """True if ``input``'s dtype is a floating-point one."""
    return input.is_floating_point()


def numel(input: Tensor) -> "int":  # noqa: A002, UP037
    """The number of elements of ``input``."""
    return input.numel()


def _assert(condition: object, message: object) -> None:
    """``torch._assert``: Python's ``assert`` as a function (torchvision's MaxViT checks its
    partitions with it); an AssertionError carrying ``message`` when ``condition`` is false."""
    assert condition, message  # noqa: S101


def _unary(name: str):  # noqa: ANN202
    def fn(x: Tensor, *args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        return getattr(x, name)(*args, **kwargs)

    fn.__name__ = name
    fn.__doc__ = f"``minigrad.{name}(x, ...)`` is ``x.{name}(...)``."
    return fn


exp, log, sqrt, abs, tanh, sigmoid, relu = (
    _unary(n) for n in ("exp", "log", "sqrt", "abs", "tanh", "sigmoid", "relu")
)
sum, mean, var, std, max, min, argmax, argmin, logsumexp = (
    _unary(n) for n in ("sum", "mean", "var", "std", "max", "min", "argmax", "argmin",
                        "logsumexp")
)
softmax, log_softmax, reshape, transpose, permute, flatten, squeeze, unsqueeze = (
    _unary(n)
    for n in ("softmax", "log_softmax", "reshape", "transpose", "permute", "flatten",
              "squeeze", "unsqueeze")
)
matmul, mm, bmm, t = _unary("matmul"), _unary("mm"), _unary("bmm"), _unary("t")
maximum, minimum = _unary("maximum"), _unary("minimum")
amax, amin, square, neg = _unary("amax"), _unary("amin"), _unary("square"), _unary("neg")
add, sub, mul, div = _unary("add"), _unary("sub"), _unary("mul"), _unary("div")
sin, cos, tan, sinh, cosh, reciprocal, rsqrt, log2, log10 = (
    _unary(n) for n in ("sin", "cos", "tan", "sinh", "cosh", "reciprocal", "rsqrt", "log2",
                        "log10")
)
asin, acos, atan, expm1 = _unary("asin"), _unary("acos"), _unary("atan"), _unary("expm1")
arcsin, arccos, arctan = asin, acos, atan
floor, ceil, trunc, sign, isnan, isinf, isfinite = (
    _unary(n) for n in ("floor", "ceil", "trunc", "sign", "isnan", "isinf", "isfinite")
)
clamp_min, clamp_max = _unary("clamp_min"), _unary("clamp_max")
erf, nan_to_num, swapaxes, swapdims, movedim, ravel = (
    _unary(n) for n in ("erf", "nan_to_num", "swapaxes", "swapdims", "movedim", "ravel")
)
clone, moveaxis, negative, absolute, fix, get_device = (
    _unary(n) for n in ("clone", "moveaxis", "negative", "absolute", "fix", "get_device")
)


def all(input: Tensor, dim: int | tuple[int, ...] | None = None,  # noqa: A001, A002
        keepdim: bool = False) -> Tensor:
    """Whether every element (over everything, or along ``dim``) is non-zero: bool (uint8
    for a uint8 input), as ``torch.all``."""
    return _logical_reduce("all", input, dim, keepdim)


def any(input: Tensor, dim: int | tuple[int, ...] | None = None,  # noqa: A001, A002
        keepdim: bool = False) -> Tensor:
    """Whether any element (over everything, or along ``dim``) is non-zero, as
    ``torch.any``."""
    return _logical_reduce("any", input, dim, keepdim)


def pow(input: Tensor | float, exponent: Tensor | float) -> Tensor:  # noqa: A001, A002
    """``input ** exponent``; as in ``torch.pow``, ``input`` may be a number when ``exponent``
    is a Tensor (RegNet's widths are ``torch.pow(w_m, capacity)``)."""
    if not isinstance(input, Tensor) and isinstance(exponent, Tensor):
        return exponent.__rpow__(input)
    return input.pow(exponent)

eq, ne, lt, le, gt, ge = (_unary(n) for n in ("eq", "ne", "lt", "le", "gt", "ge"))
clamp = clip = _unary("clamp")

# The subpackages a PyTorch script reaches through the top-level name (``torch.nn.Linear``,
# ``torch.optim.SGD``, ``torch.utils.data.DataLoader``, ``torch.backends.cudnn.benchmark``,
# ``torch.jit.is_scripting()``, ``torch.testing.assert_close``, ...) are imported on first
# touch, so ``import minigrad`` stays quick and loads none of them.
_LAZY_SUBMODULES = frozenset(
    ("backends", "distributed", "func", "fx", "jit", "multiprocessing", "nn", "onnx",
     "optim", "special", "testing", "utils", "random", "version", "types",
     "amp", "cpu", "signal", "distributions", "profiler",
     "hub")
)


# torch-level names defined in a module imported on first touch: name -> module
_LAZY_NAMES = {
    **dict.fromkeys(("autocast", "is_autocast_enabled", "get_autocast_dtype"), "amp"),
    **dict.fromkeys(("hann_window", "hamming_window", "blackman_window", "bartlett_window",
                     "kaiser_window"), "windows"),
    **dict.fromkeys(("digamma", "erfc", "erfinv", "exp2", "i0", "igamma", "igammac", "lgamma",
                     "logaddexp2", "mvlgamma", "polygamma", "sinc"), "special"),
    "nuclear_norm": "linalg.matrix_functions",
    "lu_unpack": "linalg.lu_decomposition",
}


def __getattr__(name: str) -> object:
    """``minigrad.nn`` and the other subpackages above, imported when first touched."""
    if name in _LAZY_SUBMODULES:
        import importlib

        return importlib.import_module(f"{__name__}.{name}")  # also sets it as an attribute
    if name in _LAZY_NAMES:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{_LAZY_NAMES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list:
    """The namespace's names, the not yet imported subpackages included."""
    return sorted(globals().keys() | _LAZY_SUBMODULES | _LAZY_NAMES.keys())
