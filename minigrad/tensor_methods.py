"""Tensor's PyTorch-compatible methods: ``t.flip(0)``, ``t.new_zeros(3)``, ``t.to(dtype)``...

Each forwards to a function in ``minigrad.functional`` or a Function in ``minigrad.ops``, as
PyTorch's method variants forward to its functions. ``minigrad.tensor`` keeps what makes a
Tensor a node of the graph (storage, gradient, version counter, hooks, ``backward``, the
operators); ``Tensor`` inherits these methods from ``TensorMethods``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import device as _device
from .dtypes import get_default_dtype
from .rng import get_rng


class TensorMethods:
    """The named methods of ``minigrad.Tensor`` (see its documentation)."""

    __slots__ = ()

    def share_memory_(self) -> Tensor:
        """Move this tensor's array into shared memory, in place; returns self.

        Processes of ``minigrad.multiprocessing`` that receive it (and forked children) then
        read and write the same memory: Hogwild training (docs/porting.md). Its ``grad`` stays
        private to each process. A no-op when already shared.
        """
        from . import _shared_memory, multiprocessing  # the latter sends shared tensors

        multiprocessing.init_reductions()
        if not _shared_memory.is_shared(self._data):
            self._data = _shared_memory.share(self._data)[0]
        return self

    def is_shared(self) -> bool:
        """Whether the array is in shared memory (``share_memory_()``, or received from
        another process through ``minigrad.multiprocessing``)."""
        from . import _shared_memory

        return _shared_memory.is_shared(self._data)

    def register_post_accumulate_grad_hook(self, hook: Callable[[Tensor], None]) -> Any:
        """Call ``hook(tensor)`` each time a backward has added into this leaf's ``.grad``
        (PyTorch's way to step an optimizer inside the backward); returns a handle whose
        ``remove()`` unregisters it."""
        from .autograd import AfterAccumulation

        if self.grad_fn is not None:
            raise RuntimeError("register_post_accumulate_grad_hook: post accumulate grad hooks "
                               "cannot be registered on non-leaf tensors")
        return self.register_hook(AfterAccumulation(hook))

    def numel(self) -> int:
        """Number of elements, as in PyTorch."""
        return self._data.size

    def dim(self) -> int:
        """Number of dimensions, as in PyTorch."""
        return self._data.ndim

    def nelement(self) -> int:
        """``numel()``: PyTorch's older name."""
        return self._data.size

    def ndimension(self) -> int:
        """``dim()``: PyTorch's older name."""
        return self._data.ndim

    def stride(self, dim: int | None = None) -> Any:
        """Steps in elements between neighbours along each dim (or ``dim``), read off the
        numpy array: a view shows its parent's layout, as in PyTorch."""
        steps = tuple(s // self._data.itemsize for s in self._data.strides)
        return steps if dim is None else steps[_ops.normalize_dim(dim, self.ndim, "stride")]

    def storage_offset(self) -> int:
        """Where this tensor's first element lies in the memory it shares with the tensors
        it is a view of, in elements (0 for a tensor that owns its memory)."""
        root = self._data
        while isinstance(root.base, np.ndarray):
            root = root.base
        return (self._data.ctypes.data - root.ctypes.data) // self._data.itemsize

    def data_ptr(self) -> int:
        """The address of the first element: equal for tensors that share memory there."""
        return self._data.ctypes.data

    @property
    def output_nr(self) -> int:
        """Which output of its ``grad_fn`` this tensor is (0 for a leaf), as in PyTorch."""
        return self._output_index

    @property
    def T(self) -> Tensor:
        """All dimensions reversed (a transpose for a matrix)."""
        return self.permute(*reversed(range(self.ndim)))

    @property
    def mT(self) -> Tensor:
        """The last two dimensions swapped: a batch of matrices transposed."""
        return self.transpose(-2, -1)

    def float(self) -> Tensor:
        """``to(float32)``."""
        return self.to(np.float32)

    def double(self) -> Tensor:
        """``to(float64)``: what ``gradcheck`` needs for accurate finite differences."""
        return self.to(np.float64)

    def long(self) -> Tensor:
        """``to(int64)``: labels and indices."""
        return self.to(np.int64)

    def clone(self) -> Tensor:
        """A differentiable copy with its own memory (``detach()`` shares memory instead)."""
        return _fn.cast(self, self.dtype, copy=True)

    # ------------------------------------------------------------------ in-place
    # PyTorch's rules (docs/autograd.md): refused on a leaf that requires grad unless under
    # no_grad(); every one bumps the version counter, so a stale saved tensor is caught.
    def add_(self, other: Any, alpha: float = 1) -> Tensor:
        """``self += alpha * other`` in place."""
        return _inplace(self, "add_", lambda a: a + (other if alpha == 1 else alpha * other))

    def sub_(self, other: Any, alpha: float = 1) -> Tensor:
        """``self -= alpha * other`` in place."""
        return _inplace(self, "sub_", lambda a: a - (other if alpha == 1 else alpha * other))

    def mul_(self, other: Any) -> Tensor:
        """``self *= other`` in place."""
        return _inplace(self, "mul_", lambda a: a * other)

    def div_(self, other: Any) -> Tensor:
        """``self /= other`` in place."""
        return _inplace(self, "div_", lambda a: a / other)

    def clamp_(self, min: float | Tensor | None = None,
               max: float | Tensor | None = None) -> Tensor:
        """Limit to ``[min, max]`` in place (numbers or Tensors broadcast to ``self``)."""
        return _inplace(self, "clamp_", lambda a: a.clamp(min, max))

    clip_ = clamp_

    def copy_(self, src: Any) -> Tensor:
        """Overwrite with ``src`` (broadcast to this shape, cast to this dtype)."""
        return _inplace(self, "copy_", lambda a: _replace(a, src))

    def fill_(self, value: Any) -> Tensor:
        """Set every element to ``value``."""
        return _inplace(self, "fill_", lambda a: _replace(a, value))

    def zero_(self) -> Tensor:
        """Set every element to 0 (``w.grad.zero_()``)."""
        return self.fill_(0)

    def normal_(self, mean: float = 0.0, std: float = 1.0) -> Tensor:
        """Fill with samples of N(mean, std**2) from minigrad's generator."""
        draw = get_rng().normal(mean, std, self.shape)
        return _inplace(self, "normal_", lambda a: _replace(a, draw))

    def uniform_(self, a: float = 0.0, b: float = 1.0) -> Tensor:
        """Fill with samples of U(a, b) from minigrad's generator."""
        draw = get_rng().uniform(a, b, self.shape)
        return _inplace(self, "uniform_", lambda t: _replace(t, draw))

    def bernoulli_(self, p: float | Tensor = 0.5, *, generator: Any = None) -> Tensor:
        """Fill with 1 with probability ``p`` (a number, or a Tensor of probabilities that
        broadcasts to this shape), else 0: the noise of stochastic depth and dropout."""
        from .functional import sampling

        draw = sampling.bernoulli_draw(self, p, generator)
        return _inplace(self, "bernoulli_", lambda t: _replace(t, draw))

    def bernoulli(self, p: float | None = None, *, generator: Any = None) -> Tensor:
        """Ones and zeros drawn with this tensor's elements as probabilities (or, with
        ``p``, each one with probability ``p``): ``minigrad.bernoulli(self, p)``."""
        from .functional import sampling

        return sampling.bernoulli(self, p, generator=generator)

    def multinomial(self, num_samples: int, replacement: bool = False, *,
                    generator: Any = None) -> Tensor:
        """``num_samples`` category indices (int64) drawn from each row of weights:
        ``minigrad.multinomial(self, ...)``."""
        from .functional import sampling

        return sampling.multinomial(self, num_samples, replacement, generator=generator)

    # ------------------------------------------------------------------ elementwise
    def exp(self) -> Tensor:
        """Elementwise e**x."""
        return _ops.Exp.apply(_floating(self))

    def log(self) -> Tensor:
        """Elementwise natural logarithm (-inf at 0, NaN below: see ``detect_anomaly``)."""
        return _ops.Log.apply(_floating(self))

    def sqrt(self) -> Tensor:
        """Elementwise square root."""
        return _ops.Sqrt.apply(_floating(self))

    def abs(self) -> Tensor:
        """Elementwise absolute value (gradient 0 at 0, as in PyTorch)."""
        return _ops.Abs.apply(self)

    def tanh(self) -> Tensor:
        """Elementwise hyperbolic tangent."""
        return _ops.Tanh.apply(_floating(self))

    def sigmoid(self) -> Tensor:
        """Elementwise 1 / (1 + e**-x), computed without overflow for large |x|."""
        return _ops.Sigmoid.apply(self)

    def relu(self) -> Tensor:
        """Elementwise max(x, 0); the gradient at exactly 0 is 0, as in PyTorch."""
        return _ops.Relu.apply(self)

    def clamp(self, min: float | Tensor | None = None,
              max: float | Tensor | None = None) -> Tensor:
        """Limit values to ``[min, max]`` (either may be None; numbers or Tensors, broadcast
        as in PyTorch); the gradient is 0 outside, and reaches a bound Tensor where it was
        chosen."""
        return _fn.clamp(self, min, max)

    clip = clamp

    def clamp_min(self, min: float | Tensor) -> Tensor:  # noqa: A002  (PyTorch's name)
        """``clamp(min=min)``."""
        return _fn.clamp(self, min, None)

    def clamp_max(self, max: float | Tensor) -> Tensor:  # noqa: A002  (PyTorch's name)
        """``clamp(max=max)``."""
        return _fn.clamp(self, None, max)

    def where(self, condition: Any, other: Any) -> Tensor:
        """``minigrad.where(condition, self, other)``: this tensor where ``condition`` holds,
        else ``other``."""
        return _ops.where(condition, self, other)

    # trigonometric and other smooth functions (ops/unary.py); an integer input gives the
    # default float dtype, as in PyTorch
    def sin(self) -> Tensor:
        """Elementwise sine."""
        return _ops.Sin.apply(_floating(self))

    def cos(self) -> Tensor:
        """Elementwise cosine."""
        return _ops.Cos.apply(_floating(self))

    def tan(self) -> Tensor:
        """Elementwise tangent."""
        return _ops.Tan.apply(_floating(self))

    def sinh(self) -> Tensor:
        """Elementwise hyperbolic sine."""
        return _ops.Sinh.apply(_floating(self))

    def cosh(self) -> Tensor:
        """Elementwise hyperbolic cosine."""
        return _ops.Cosh.apply(_floating(self))

    def reciprocal(self) -> Tensor:
        """Elementwise 1 / x (inf at 0)."""
        return _ops.Reciprocal.apply(_floating(self))

    def rsqrt(self) -> Tensor:
        """Elementwise 1 / sqrt(x) (inf at 0, NaN below)."""
        return _ops.Rsqrt.apply(_floating(self))

    def log2(self) -> Tensor:
        """Elementwise base-2 logarithm."""
        return _ops.Log2.apply(_floating(self))

    def log10(self) -> Tensor:
        """Elementwise base-10 logarithm."""
        return _ops.Log10.apply(_floating(self))

    def asin(self) -> Tensor:
        """Elementwise arcsine (NaN outside [-1, 1])."""
        return _ops.Asin.apply(_floating(self))

    def acos(self) -> Tensor:
        """Elementwise arccosine (NaN outside [-1, 1])."""
        return _ops.Acos.apply(_floating(self))

    def atan(self) -> Tensor:
        """Elementwise arctangent."""
        return _ops.Atan.apply(_floating(self))

    arcsin, arccos, arctan = asin, acos, atan

    def expm1(self) -> Tensor:
        """Elementwise ``exp(x) - 1``, without the cancellation for x near 0."""
        return _ops.Expm1.apply(_floating(self))

    # flat functions: gradient 0 everywhere, an integer dtype kept
    def floor(self) -> Tensor:
        """Elementwise largest integer <= x."""
        return _ops.Floor.apply(self)

    def ceil(self) -> Tensor:
        """Elementwise smallest integer >= x."""
        return _ops.Ceil.apply(self)

    def trunc(self) -> Tensor:
        """Elementwise x rounded toward zero."""
        return _ops.Trunc.apply(self)

    def sign(self) -> Tensor:
        """Elementwise -1, 0 or 1 (0 for NaN, as in PyTorch)."""
        return _ops.Sign.apply(self)

    def erf(self) -> Tensor:
        """Elementwise error function (its gradient ``2/sqrt(pi) exp(-x**2)``)."""
        return _ops.Erf.apply(_floating(self))

    def nan_to_num(self, nan: float = 0.0, posinf: float | None = None,
                   neginf: float | None = None) -> Tensor:
        """NaN, +inf and -inf replaced (0 and the dtype's extremes unless given); the
        gradient passes where the value was finite."""
        return _fn.nan_to_num(self, nan, posinf, neginf)

    # picking and masking (functional/select.py)
    def index_select(self, dim: int, index: Any) -> Tensor:
        """The slices along ``dim`` at the positions in ``index`` (1-D integers)."""
        return _fn.select.index_select(self, dim, index)

    def masked_select(self, mask: Any) -> Tensor:
        """The values where the bool ``mask`` (broadcast) holds, as a 1-D tensor."""
        return _fn.select.masked_select(self, mask)

    def narrow(self, dim: int, start: int, length: int) -> Tensor:
        """``length`` slices along ``dim`` from ``start``."""
        return _fn.select.narrow(self, dim, start, length)

    def select(self, dim: int, index: int) -> Tensor:
        """The slice at ``index`` along ``dim``, that dim removed."""
        return _fn.select.select(self, dim, index)

    def tril(self, diagonal: int = 0) -> Tensor:
        """The lower triangle of the last two dims, zeros above ``diagonal``."""
        return _fn.select.tril(self, diagonal)

    def triu(self, diagonal: int = 0) -> Tensor:
        """The upper triangle of the last two dims, zeros below ``diagonal``."""
        return _fn.select.triu(self, diagonal)

    def nonzero(self, *, as_tuple: bool = False) -> Any:
        """The indices of the non-zero elements ((n, ndim) int64, or one tensor per dim)."""
        return _fn.select.nonzero(self, as_tuple=as_tuple)

    def argwhere(self) -> Tensor:
        """``nonzero()``."""
        return _fn.select.argwhere(self)

    def logical_and(self, other: Any) -> Tensor:
        """Where both are non-zero (bool)."""
        return _fn.select.logical_and(self, other)

    def logical_or(self, other: Any) -> Tensor:
        """Where either is non-zero (bool)."""
        return _fn.select.logical_or(self, other)

    def logical_xor(self, other: Any) -> Tensor:
        """Where exactly one is non-zero (bool)."""
        return _fn.select.logical_xor(self, other)

    def logical_not(self) -> Tensor:
        """Where the value is zero (bool)."""
        return _fn.select.logical_not(self)

    def unique(self, sorted: bool = True, return_inverse: bool = False,  # noqa: A002
               return_counts: bool = False, dim: int | None = None) -> Any:
        """The distinct values (and where each element went, and how many there were)."""
        return _fn.select.unique(self, sorted, return_inverse, return_counts, dim)

    # products, remainders and friends (functional/numeric.py, functional/linalg.py)
    def count_nonzero(self, dim: Any = None) -> Tensor:
        """How many elements are not zero (int64)."""
        return _fn.numeric.count_nonzero(self, dim)

    def histc(self, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:  # noqa: A002
        """A histogram of the elements in ``bins`` equal bins: ``minigrad.histc(self, ...)``."""
        from .functional import counting

        return counting.histc(self, bins, min, max)

    def bincount(self, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
        """How often each value of this 1-D integer tensor occurs (or its weights' sums):
        ``minigrad.bincount(self, ...)``."""
        from .functional import counting

        return counting.bincount(self, weights, minlength)

    def remainder(self, other: Any) -> Tensor:
        """Python's modulo: the sign of ``other``."""
        return _fn.numeric.remainder(self, other)

    def fmod(self, other: Any) -> Tensor:
        """C's modulo: the sign of this tensor."""
        return _fn.numeric.fmod(self, other)

    def floor_divide(self, other: Any) -> Tensor:
        """``div(other, rounding_mode="floor")``."""
        return _fn.numeric.floor_divide(self, other)

    def lerp(self, end: Tensor, weight: Any) -> Tensor:
        """``self + weight * (end - self)``."""
        return _fn.numeric.lerp(self, end, weight)

    def logaddexp(self, other: Tensor) -> Tensor:
        """``log(exp(self) + exp(other))`` without overflow."""
        return _fn.numeric.logaddexp(self, other)

    def dot(self, other: Tensor) -> Tensor:
        """The inner product of two 1-D tensors."""
        return _fn.linalg.dot(self, other)

    def mv(self, vec: Tensor) -> Tensor:
        """This matrix times ``vec``."""
        return _fn.linalg.mv(self, vec)

    def outer(self, vec2: Tensor) -> Tensor:
        """``self[i] * vec2[j]``."""
        return _fn.linalg.outer(self, vec2)

    def diag(self, diagonal: int = 0) -> Tensor:
        """A vector laid on a diagonal, or a matrix's diagonal."""
        return _fn.linalg.diag(self, diagonal)

    def trace(self) -> Tensor:
        """The sum of the main diagonal."""
        return _fn.linalg.trace(self)

    def kron(self, other: Tensor) -> Tensor:
        """The Kronecker product with ``other``."""
        return _fn.linalg.kron(self, other)

    def cross(self, other: Tensor, dim: int | None = None) -> Tensor:
        """The cross product of 3-vectors along ``dim`` (default: the first dim of size 3)."""
        return _fn.linalg.cross(self, other, dim)

    # matrices: torch.linalg's functions (minigrad/linalg/, imported inside: it builds on Tensor)
    def det(self) -> Tensor:
        """The determinant of each square matrix (``torch.linalg.det``)."""
        from .linalg import det

        return det(self)

    def logdet(self) -> Tensor:
        """The log-determinant of each square matrix (``torch.logdet``)."""
        from .linalg.solve import logdet

        return logdet(self)

    def slogdet(self) -> Any:
        """``(sign, logabsdet)`` of each square matrix (``torch.linalg.slogdet``)."""
        from .linalg import slogdet

        return slogdet(self)

    def inverse(self) -> Tensor:
        """The inverse of each square matrix (``torch.linalg.inv``)."""
        from .linalg import inv

        return inv(self)

    def matrix_power(self, n: int) -> Tensor:
        """Each square matrix to the integer power ``n`` (``torch.linalg.matrix_power``)."""
        from .linalg import matrix_power

        return matrix_power(self, n)

    def matrix_exp(self) -> Tensor:
        """The exponential of each square matrix (``torch.linalg.matrix_exp``)."""
        from .linalg import matrix_exp

        return matrix_exp(self)

    def svd(self, some: bool = True, compute_uv: bool = True) -> Any:
        """``(U, S, V)`` as ``torch.svd`` (``V``, not ``Vh``; reduced unless ``some=False``)."""
        from .linalg.decompositions import torch_svd

        return torch_svd(self, some, compute_uv)

    def pinverse(self, rcond: float = 1e-15) -> Tensor:
        """The pseudo-inverse of each matrix (``torch.pinverse``)."""
        from .linalg.decompositions import pinverse

        return pinverse(self, rcond)

    def addcmul(self, tensor1: Tensor, tensor2: Tensor, *, value: float = 1) -> Tensor:
        """``self + value * tensor1 * tensor2``."""
        return _fn.numeric.addcmul(self, tensor1, tensor2, value=value)

    def addcmul_(self, tensor1: Tensor, tensor2: Tensor, *, value: float = 1) -> Tensor:
        """``addcmul`` in place."""
        return _inplace(self, "addcmul_", lambda a: a.addcmul(tensor1, tensor2, value=value))

    def addcdiv(self, tensor1: Tensor, tensor2: Tensor, *, value: float = 1) -> Tensor:
        """``self + value * tensor1 / tensor2``."""
        return _fn.numeric.addcdiv(self, tensor1, tensor2, value=value)

    def addcdiv_(self, tensor1: Tensor, tensor2: Tensor, *, value: float = 1) -> Tensor:
        """``addcdiv`` in place."""
        return _inplace(self, "addcdiv_", lambda a: a.addcdiv(tensor1, tensor2, value=value))

    def addmm(self, mat1: Tensor, mat2: Tensor, *, beta: float = 1, alpha: float = 1) -> Tensor:
        """``beta * self + alpha * (mat1 @ mat2)``."""
        return _fn.blas.addmm(self, mat1, mat2, beta=beta, alpha=alpha)

    def addmm_(self, mat1: Tensor, mat2: Tensor, *, beta: float = 1,
               alpha: float = 1) -> Tensor:
        """``addmm`` in place."""
        return _inplace(self, "addmm_", lambda a: a.addmm(mat1, mat2, beta=beta, alpha=alpha))

    def addbmm(self, batch1: Tensor, batch2: Tensor, *, beta: float = 1,
               alpha: float = 1) -> Tensor:
        """``beta * self + alpha * sum_i(batch1[i] @ batch2[i])``."""
        return _fn.blas.addbmm(self, batch1, batch2, beta=beta, alpha=alpha)

    def addbmm_(self, batch1: Tensor, batch2: Tensor, *, beta: float = 1,
                alpha: float = 1) -> Tensor:
        """``addbmm`` in place."""
        return _inplace(self, "addbmm_",
                        lambda a: a.addbmm(batch1, batch2, beta=beta, alpha=alpha))

    def baddbmm(self, batch1: Tensor, batch2: Tensor, *, beta: float = 1,
                alpha: float = 1) -> Tensor:
        """``beta * self + alpha * (batch1 @ batch2)``."""
        return _fn.blas.baddbmm(self, batch1, batch2, beta=beta, alpha=alpha)

    def baddbmm_(self, batch1: Tensor, batch2: Tensor, *, beta: float = 1,
                 alpha: float = 1) -> Tensor:
        """``baddbmm`` in place."""
        return _inplace(self, "baddbmm_",
                        lambda a: a.baddbmm(batch1, batch2, beta=beta, alpha=alpha))

    def addmv(self, mat: Tensor, vec: Tensor, *, beta: float = 1, alpha: float = 1) -> Tensor:
        """``beta * self + alpha * (mat @ vec)``."""
        return _fn.blas.addmv(self, mat, vec, beta=beta, alpha=alpha)

    def addmv_(self, mat: Tensor, vec: Tensor, *, beta: float = 1, alpha: float = 1) -> Tensor:
        """``addmv`` in place."""
        return _inplace(self, "addmv_", lambda a: a.addmv(mat, vec, beta=beta, alpha=alpha))

    def addr(self, vec1: Tensor, vec2: Tensor, *, beta: float = 1, alpha: float = 1) -> Tensor:
        """``beta * self + alpha * outer(vec1, vec2)``."""
        return _fn.blas.addr(self, vec1, vec2, beta=beta, alpha=alpha)

    def addr_(self, vec1: Tensor, vec2: Tensor, *, beta: float = 1, alpha: float = 1) -> Tensor:
        """``addr`` in place."""
        return _inplace(self, "addr_", lambda a: a.addr(vec1, vec2, beta=beta, alpha=alpha))

    # tests, outside any graph (bool results)
    def isnan(self) -> Tensor:
        """Where the values are NaN (a bool tensor)."""
        return Tensor(np.isnan(self._data))

    def isinf(self) -> Tensor:
        """Where the values are +inf or -inf (a bool tensor)."""
        return Tensor(np.isinf(self._data))

    def isfinite(self) -> Tensor:
        """Where the values are neither inf nor NaN (a bool tensor)."""
        return Tensor(np.isfinite(self._data))

    def maximum(self, other: Any) -> Tensor:
        """Elementwise maximum with ``other`` (broadcast); ties split the gradient evenly."""
        return _ops.Maximum.apply(*_pair(self, other))

    def minimum(self, other: Any) -> Tensor:
        """Elementwise minimum with ``other`` (broadcast); ties split the gradient evenly."""
        return _ops.Minimum.apply(*_pair(self, other))

    def square(self) -> Tensor:
        """Elementwise x * x."""
        return self * self

    # ------------------------------------------------------------------ reductions
    def sum(self, dim: int | tuple[int, ...] | None = None, keepdim: bool = False) -> Tensor:
        """Sum over ``dim`` (an int, a tuple, or None for all); ``keepdim`` keeps size-1 axes."""
        return _ops.Sum.apply(self, dim=dim, keepdim=keepdim)

    def mean(self, dim: int | tuple[int, ...] | None = None, keepdim: bool = False) -> Tensor:
        """Mean over ``dim`` (an int, a tuple, or None for all)."""
        return _fn.mean(self, dim, keepdim)

    def var(self, dim: int | tuple[int, ...] | None = None, unbiased: bool | None = None,
            keepdim: bool = False, *, correction: float | None = None) -> Tensor:
        """Variance over ``dim``, dividing by ``n - correction``.

        ``correction=1`` (the default, PyTorch's) is the unbiased sample variance; batch
        normalisation uses ``correction=0``. ``unbiased`` is the older spelling, positional
        after ``dim`` as in PyTorch (``x.var(0, False)``; ``x.var(False)``: over all).
        """
        dim, correction = _spread_args("var", dim, unbiased, correction)
        return _fn.var(self, dim, keepdim, correction)

    def std(self, dim: int | tuple[int, ...] | None = None, unbiased: bool | None = None,
            keepdim: bool = False, *, correction: float | None = None) -> Tensor:
        """Standard deviation: the square root of ``var(dim, unbiased, keepdim,
        correction=...)``, with a zero gradient where the spread is zero (as in PyTorch)."""
        dim, correction = _spread_args("std", dim, unbiased, correction)
        return _fn.var(self, dim, keepdim, correction, std=True)

    def max(self, dim: int | None = None, keepdim: bool = False) -> Tensor | MaxResult:
        """Largest element; with an int ``dim``, ``(values, indices)`` as in PyTorch.

        Over everything, tied maxima share the gradient evenly; along ``dim`` the gradient
        goes to the returned index only (PyTorch's two rules)."""
        return _fn.extreme(self, dim, keepdim, largest=True)

    def min(self, dim: int | None = None, keepdim: bool = False) -> Tensor | MaxResult:
        """Smallest element; with an int ``dim``, ``(values, indices)`` as in PyTorch."""
        return _fn.extreme(self, dim, keepdim, largest=False)

    def amax(self, dim: int | tuple[int, ...] | None = None, keepdim: bool = False) -> Tensor:
        """Maximum over ``dim`` (int or tuple; None: all); ties share the gradient evenly, as in
        PyTorch (and, as there, a NaN in the slice makes its whole gradient NaN)."""
        return _ops.Amax.apply(self, dim=_all_dims(self, dim), keepdim=keepdim, largest=True)

    def amin(self, dim: int | tuple[int, ...] | None = None, keepdim: bool = False) -> Tensor:
        """Minimum over ``dim`` (int or tuple; None: all); ties share the gradient evenly."""
        return _ops.Amax.apply(self, dim=_all_dims(self, dim), keepdim=keepdim, largest=False)

    def all(self, dim: int | tuple[int, ...] | None = None, keepdim: bool = False) -> Tensor:
        """Whether every element (over everything, or along ``dim``) is non-zero, as bool
        (uint8 for a uint8 tensor, as PyTorch)."""
        return _fn.reduce.logical_reduce("all", self, dim, keepdim)

    def any(self, dim: int | tuple[int, ...] | None = None, keepdim: bool = False) -> Tensor:
        """Whether any element (over everything, or along ``dim``) is non-zero, as bool
        (uint8 for a uint8 tensor)."""
        return _fn.reduce.logical_reduce("any", self, dim, keepdim)

    def argmax(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """Index of the largest element (over everything, or along ``dim``) as int64."""
        return _fn.arg_extreme(np.argmax, self, dim, keepdim)

    def argmin(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """Index of the smallest element (over everything, or along ``dim``) as int64."""
        return _fn.arg_extreme(np.argmin, self, dim, keepdim)

    def logsumexp(self, dim: int | tuple[int, ...], keepdim: bool = False) -> Tensor:
        """log(sum(exp(x))) over ``dim``, computed stably by subtracting the maximum first."""
        return _ops.LogSumExp.apply(self, dim=dim, keepdim=keepdim)

    def softmax(self, dim: int) -> Tensor:
        """exp(x) / sum(exp(x)) along ``dim``: probabilities that sum to 1."""
        return _ops.Softmax.apply(self, dim=dim)

    def log_softmax(self, dim: int) -> Tensor:
        """log(softmax(x)) along ``dim``, computed stably (better than ``softmax().log()``)."""
        return _ops.LogSoftmax.apply(self, dim=dim)

    # ------------------------------------------------------------------ shape
    def reshape(self, *shape: Any) -> Tensor:
        """The same elements in a new shape (one dimension may be -1); a view when possible."""
        return _fn.reshape(self, _shape_args(shape))

    view = reshape

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        """Merge dimensions ``start_dim``..``end_dim`` into one: ``x.flatten(1)`` is (N, C*H*W)."""
        return _fn.flatten(self, start_dim, end_dim)

    def transpose(self, dim0: int, dim1: int) -> Tensor:
        """Swap two dimensions."""
        return _fn.transpose(self, dim0, dim1)

    def swapaxes(self, axis0: int, axis1: int) -> Tensor:
        """``transpose(axis0, axis1)``."""
        return _fn.transpose(self, axis0, axis1)

    def swapdims(self, dim0: int, dim1: int) -> Tensor:
        """``transpose(dim0, dim1)``."""
        return _fn.transpose(self, dim0, dim1)

    def movedim(self, source: Any, destination: Any) -> Tensor:
        """The dims in ``source`` moved to the places in ``destination``."""
        return _fn.movedim(self, source, destination)

    def ravel(self) -> Tensor:
        """The elements as one dim (``flatten()``)."""
        return _fn.flatten(self)

    def permute(self, *dims: Any) -> Tensor:
        """Reorder the dimensions: ``x.permute(0, 2, 3, 1)`` makes (N, C, H, W) (N, H, W, C)."""
        return _ops.Permute.apply(self, dims=_shape_args(dims))

    def squeeze(self, dim: int | tuple[int, ...] | None = None) -> Tensor:
        """Remove size-1 dimensions (all of them, or those in ``dim``)."""
        return _fn.squeeze(self, dim)

    def unsqueeze(self, dim: int) -> Tensor:
        """Insert a size-1 dimension at ``dim``."""
        return _fn.unsqueeze(self, dim)

    def expand(self, *sizes: Any) -> Tensor:
        """Broadcast size-1 dimensions to ``sizes`` without copying (-1 keeps a size)."""
        return _fn.expand(self, _shape_args(sizes))

    def broadcast_to(self, size: tuple[int, ...]) -> Tensor:
        """``expand(size)`` (-1 keeps a size); the gradient is summed back."""
        return _fn.stacking.broadcast_to(self, size)

    def sum_to(self, shape: tuple[int, ...]) -> Tensor:
        """Sum a broadcast tensor back down to ``shape`` (the adjoint of ``broadcast_to``)."""
        return _ops.SumTo.apply(self, shape=tuple(shape))

    # ================================================================== PyTorch-compatible
    # conveniences: the everyday Tensor methods of PyTorch scripts, each a thin front for a
    # method above, a function in minigrad.functional or an op in minigrad.ops (see
    # docs/porting.md).
    def size(self, dim: int | None = None) -> Size | int:
        """The shape as a ``Size`` (a tuple), or the length of dimension ``dim``."""
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_ops.normalize_dim(dim, self.ndim, "size")] if self.ndim else 1

    @property
    def device(self) -> _device.device:
        """Always ``device(type='cpu')``: minigrad has no other device."""
        return _device.CPU

    @property
    def is_cuda(self) -> bool:
        """Always False."""
        return False

    @property
    def is_xpu(self) -> bool:
        """Always False."""
        return False

    @property
    def is_mps(self) -> bool:
        """Always False."""
        return False

    @property
    def layout(self) -> Any:
        """Always ``minigrad.strided``: every tensor is a dense numpy array."""
        from .memory_format import strided

        return strided

    is_sparse = is_quantized = is_meta = is_mkldnn = is_nested = property(
        lambda self: False, doc="Always False: every tensor is a dense CPU array.")

    def is_pinned(self, device: Any = None) -> bool:
        """Always False: there is no accelerator to pin memory for."""
        return False

    def cpu(self) -> Tensor:
        """The tensor itself: it already lives on the CPU."""
        return self

    def cuda(self, *args: Any, **kwargs: Any) -> Tensor:
        """Refused with a clear error: there is no GPU support."""
        raise _device._no_accelerator("Tensor.cuda")

    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        """``to(dtype)``, ``to(device)``, ``to(other)`` or ``to(device, dtype)``, as PyTorch.

        Returns the tensor itself when nothing changes (unless ``copy=True``); a dtype change
        is a differentiable copy whose gradient is cast back.
        """
        copy = bool(kwargs.pop("copy", False))
        kwargs.pop("non_blocking", None)
        if kwargs.get("memory_format") is not None:  # the layout after the rest
            fmt = kwargs.pop("memory_format")
            return _layout_to(self.to(*args, **kwargs), fmt)
        kwargs.pop("memory_format", None)
        dtype = kwargs.pop("dtype", None)
        _device.check_device(kwargs.pop("device", None), "to")
        if kwargs:
            raise TypeError(f"to() got an unexpected keyword argument {next(iter(kwargs))!r}")
        for a in args:
            if isinstance(a, Tensor):
                dtype = a.dtype
            elif isinstance(a, (str, _device.device)) or (isinstance(a, int)
                                                          and not isinstance(a, bool)):
                _device.check_device(a, "to")
            else:
                dtype = a
        if dtype is None:
            return _fn.cast(self, self.dtype, copy=True) if copy else self
        return _fn.cast(self, _dtype_of(dtype, "to"), copy=copy)

    def int(self) -> Tensor:
        """``to(int32)``."""
        return self.to(np.int32)

    def bool(self) -> Tensor:
        """``to(bool)``: nonzero is True."""
        return self.to(np.bool_)

    def half(self) -> Tensor:
        """``to(float16)``."""
        return self.to(np.float16)

    def type(self, dtype: Any = None) -> str | Tensor:
        """Without an argument, PyTorch's type name (``'torch.FloatTensor'``, kept for code that
        compares it); with a dtype or such a name, ``to(dtype)``."""
        if dtype is None:
            return _TYPE_NAMES.get(self.dtype, f"torch.{self.dtype.name}")
        dtype = getattr(dtype, "_type_name", dtype)  # the class minigrad.DoubleTensor
        if isinstance(dtype, str) and dtype in _NAME_TYPES:
            dtype = _NAME_TYPES[dtype]
        return self.to(dtype)

    def type_as(self, other: Tensor) -> Tensor:
        """``to(other.dtype)``."""
        return self.to(other.dtype)

    def is_floating_point(self) -> bool:
        """Whether the dtype is a floating-point one."""
        return self.dtype.kind == "f"

    def element_size(self) -> int:
        """Bytes per element."""
        return self.dtype.itemsize

    @property
    def itemsize(self) -> int:
        """Bytes per element (PyTorch's property; ``element_size()``)."""
        return self.dtype.itemsize

    @property
    def nbytes(self) -> int:
        """Bytes the elements take: ``numel() * itemsize``."""
        return self.numel() * self.dtype.itemsize

    def __format__(self, spec: str) -> str:
        if self.ndim == 0:  # as PyTorch: a 0-d tensor formats as its number
            return format(self._data.item(), spec)
        if spec:
            raise TypeError(f"unsupported format string {spec!r} passed to Tensor.__format__ "
                            f"for a tensor of shape {self.shape} (format a 0-d tensor or "
                            "t.item())")
        return str(self)

    def view_as(self, other: Tensor) -> Tensor:
        """``view(other.shape)``."""
        return self.view(other.shape)

    def reshape_as(self, other: Tensor) -> Tensor:
        """``reshape(other.shape)``."""
        return self.reshape(other.shape)

    def expand_as(self, other: Tensor) -> Tensor:
        """``expand(other.shape)``."""
        return self.expand(other.shape)

    def contiguous(self, memory_format: Any = None) -> Tensor:
        """The tensor itself if its memory is in row-major order (or ``memory_format``'s,
        e.g. ``minigrad.channels_last``), else a copy in that order."""
        from .memory_format import contiguous_format, with_format

        return with_format(self, memory_format or contiguous_format, "contiguous")

    def is_contiguous(self, memory_format: Any = None) -> bool:
        """Whether the memory is in row-major order (or ``memory_format``'s)."""
        from .memory_format import contiguous_format, is_contiguous

        return is_contiguous(self._data, memory_format or contiguous_format)

    def new_tensor(self, data: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
        """A new tensor from ``data``, in this tensor's dtype unless ``dtype``."""
        return Tensor(np.array(_to_array(data), dtype=dtype or self.dtype),
                      requires_grad=requires_grad)

    def new_zeros(self, *size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
        """Zeros of ``size`` in this tensor's dtype unless ``dtype``."""
        return self.new_full(_shape_args(size), 0, dtype=dtype, requires_grad=requires_grad)

    def new_ones(self, *size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
        """Ones of ``size`` in this tensor's dtype unless ``dtype``."""
        return self.new_full(_shape_args(size), 1, dtype=dtype, requires_grad=requires_grad)

    def new_full(self, size: Any, fill_value: Any, dtype: Any = None,
                 requires_grad: bool = False) -> Tensor:
        """``fill_value`` in a tensor of ``size``, in this tensor's dtype unless ``dtype``."""
        from .creation import full

        return full(size, fill_value, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_empty(self, *size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
        """Like ``new_zeros`` (minigrad's ``empty`` is zero-filled)."""
        return self.new_zeros(*size, dtype=dtype, requires_grad=requires_grad)

    # comparisons, by name
    def eq(self, other: Any) -> Tensor:
        """``self == other`` as a bool tensor."""
        return self == other

    def ne(self, other: Any) -> Tensor:
        """``self != other`` as a bool tensor."""
        return self != other

    def lt(self, other: Any) -> Tensor:
        """``self < other`` as a bool tensor."""
        return self < other

    def le(self, other: Any) -> Tensor:
        """``self <= other`` as a bool tensor."""
        return self <= other

    def gt(self, other: Any) -> Tensor:
        """``self > other`` as a bool tensor."""
        return self > other

    def ge(self, other: Any) -> Tensor:
        """``self >= other`` as a bool tensor."""
        return self >= other

    def equal(self, other: Tensor) -> bool:
        """True if both have the same shape and elements."""
        return self.shape == other.shape and bool(np.array_equal(self._data, other._data))

    # arithmetic, by name
    def add(self, other: Any, alpha: Any = 1) -> Tensor:
        """``self + alpha * other``."""
        return self + (other if alpha == 1 else other * alpha)

    def sub(self, other: Any, alpha: Any = 1) -> Tensor:
        """``self - alpha * other``."""
        return self - (other if alpha == 1 else other * alpha)

    def mul(self, other: Any) -> Tensor:
        """``self * other``."""
        return self * other

    def div(self, other: Any, rounding_mode: str | None = None) -> Tensor:
        """``self / other``; ``rounding_mode='trunc'|'floor'`` rounds (zero gradient, as torch)."""
        return _fn.divide(self, other, rounding_mode=rounding_mode)

    def neg(self) -> Tensor:
        """``-self``."""
        return -self

    def pow(self, exponent: Any) -> Tensor:
        """``self ** exponent``."""
        return self**exponent

    def matmul(self, other: Tensor) -> Tensor:
        """``self @ other``."""
        return self @ other

    def mm(self, other: Tensor) -> Tensor:
        """Matrix product of two 2-D tensors (``matmul`` broadcasts; ``mm`` does not)."""
        for name, t in (("self", self), ("mat2", other)):
            if not isinstance(t, Tensor) or t.ndim != 2:
                raise RuntimeError(f"mm: {name} must be a matrix (2-D), got shape "
                                   f"{getattr(t, 'shape', type(t).__name__)}")
        return self @ other

    def bmm(self, other: Tensor) -> Tensor:
        """Batched matrix product of two 3-D tensors (b, n, m) @ (b, m, p)."""
        for name, t in (("batch1", self), ("batch2", other)):
            if not isinstance(t, Tensor) or t.ndim != 3:
                raise RuntimeError(f"bmm: {name} must be a 3D tensor, got shape "
                                   f"{getattr(t, 'shape', type(t).__name__)}")
        if self.shape[0] != other.shape[0]:
            raise RuntimeError(f"bmm: batch1 and batch2 must have the same batch size, got "
                               f"{self.shape} and {other.shape}")
        return self @ other

    def t(self) -> Tensor:
        """Transpose of a matrix (a 0-d or 1-d tensor is returned as is)."""
        if self.ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is "
                               f"{self.ndim}D (use transpose or mT)")
        return self if self.ndim < 2 else self.transpose(0, 1)

    # indexing and ordering (minigrad.functional.index)
    def masked_fill(self, mask: Tensor, value: Any) -> Tensor:
        """``value`` where the bool ``mask`` is True, else this tensor's element."""
        return _fn.masked_fill(self, mask, value)

    def gather(self, dim: int, index: Tensor) -> Tensor:
        """Values along ``dim`` at the int64 ``index``: ``out[i][j] = self[i][index[i][j]]``."""
        return _fn.gather(self, dim, index)

    def topk(self, k: int, dim: int = -1, largest: bool = True,
             sorted: bool = True) -> MaxResult:  # noqa: A002
        """The ``k`` largest (or smallest) values along ``dim``: ``(values, indices)``."""
        return _fn.topk(self, k, dim, largest, sorted)

    def sort(self, dim: int = -1, descending: bool = False, *,
             stable: bool = False) -> MaxResult:
        """``(values, indices)`` sorted along ``dim`` (stable; NaN counts as largest)."""
        return _fn.sort(self, dim, descending, stable=stable)

    def argsort(self, dim: int = -1, descending: bool = False, *,
                stable: bool = False) -> Tensor:
        """The indices ``sort`` would return."""
        return _fn.argsort(self, dim, descending, stable=stable)

    def cumsum(self, dim: int, dtype: Any = None) -> Tensor:
        """Running sum along ``dim`` (integers and bools sum in int64)."""
        return _fn.cumsum(self, dim, dtype)

    def median(self, dim: int | None = None, keepdim: bool = False) -> Any:
        """The lower median: a 0-d tensor, or ``(values, indices)`` along ``dim``."""
        return _fn.order.median(self, dim, keepdim)

    def nanmedian(self, dim: int | None = None, keepdim: bool = False) -> Any:
        """``median`` ignoring NaN."""
        return _fn.order.nanmedian(self, dim, keepdim)

    def kthvalue(self, k: int, dim: int = -1, keepdim: bool = False) -> MaxResult:
        """The ``k``-th smallest value along ``dim`` and its index."""
        return _fn.order.kthvalue(self, k, dim, keepdim)

    def mode(self, dim: int = -1, keepdim: bool = False) -> MaxResult:
        """The most frequent value along ``dim`` and its last index."""
        return _fn.order.mode(self, dim, keepdim)

    def cummax(self, dim: int) -> MaxResult:
        """The running maximum along ``dim`` and its indices."""
        return _fn.order.cummax(self, dim)

    def cummin(self, dim: int) -> MaxResult:
        """The running minimum along ``dim`` and its indices."""
        return _fn.order.cummin(self, dim)

    # rearranging, numeric and scatter ops (minigrad.functional.manipulation and .numeric)
    def flip(self, *dims: Any) -> Tensor:
        """A copy reversed along ``dims`` (``x.flip(0)`` or ``x.flip([0, 1])``)."""
        return _fn.flip(self, _shape_args(dims))

    def roll(self, shifts: Any, dims: Any = None) -> Tensor:
        """Cyclic shift by ``shifts`` along ``dims`` (None: the flattened tensor)."""
        return _fn.roll(self, shifts, dims)

    def repeat(self, *sizes: Any) -> Tensor:
        """Copies of this tensor tiled ``sizes[i]`` times along each dim (at least ndim sizes)."""
        return _fn.repeat(self, _shape_args(sizes))

    def tile(self, *dims: Any) -> Tensor:
        """``torch.tile``: like ``repeat``, but a short ``dims`` is padded with leading 1s."""
        return _fn.tile(self, _shape_args(dims))

    def repeat_interleave(self, repeats: Any = None, dim: int | None = None, *,
                          output_size: int | None = None) -> Tensor:
        """Each element (or slice along ``dim``) repeated ``repeats`` times in a row."""
        return _fn.repeat_interleave(self, repeats, dim, output_size=output_size)

    def chunk(self, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
        """At most ``chunks`` pieces of equal size (the last smaller) along ``dim``: views."""
        return _fn.chunk(self, chunks, dim)

    def split(self, split_size: Any, dim: int = 0) -> tuple[Tensor, ...]:
        """Pieces of ``split_size`` (or of the sizes in a list) along ``dim``: views."""
        return _fn.split(self, split_size, dim)

    def unbind(self, dim: int = 0) -> tuple[Tensor, ...]:
        """The slices along ``dim``, with that dim removed."""
        return _fn.unbind(self, dim)

    def unflatten(self, dim: int, sizes: Any) -> Tensor:
        """Dim ``dim`` split into dims of ``sizes`` (one may be -1): the inverse of flatten."""
        return _fn.unflatten(self, dim, sizes)

    def scatter(self, dim: int, index: Tensor, src: Any = None, *, value: Any = None,
                reduce: str | None = None) -> Tensor:
        """A copy with ``src`` (a Tensor) or ``value`` written at ``index`` along ``dim``."""
        return _fn.scatter(self, dim, index, src, value=value, reduce=reduce)

    def scatter_(self, dim: int, index: Tensor, src: Any = None, *, value: Any = None,
                 reduce: str | None = None) -> Tensor:
        """``scatter`` in place."""
        return _inplace(self, "scatter_", lambda a: _fn.scatter(a, dim, index, src,
                                                                 value=value, reduce=reduce))

    def scatter_add(self, dim: int, index: Tensor, src: Tensor) -> Tensor:
        """A copy with ``src`` added at ``index`` along ``dim`` (repeated places add up)."""
        return _fn.scatter_add(self, dim, index, src)

    def scatter_add_(self, dim: int, index: Tensor, src: Tensor) -> Tensor:
        """``scatter_add`` in place."""
        return _inplace(self, "scatter_add_", lambda a: _fn.scatter_add(a, dim, index, src))

    def index_add(self, dim: int, index: Tensor, source: Tensor, *, alpha: float = 1) -> Tensor:
        """A copy with ``alpha * source``'s slices added at ``index`` along ``dim``."""
        return _fn.index_add(self, dim, index, source, alpha=alpha)

    def index_add_(self, dim: int, index: Tensor, source: Tensor, *,
                   alpha: float = 1) -> Tensor:
        """``index_add`` in place."""
        return _inplace(self, "index_add_",
                        lambda a: _fn.index_add(a, dim, index, source, alpha=alpha))

    def masked_fill_(self, mask: Any, value: Any) -> Tensor:
        """``masked_fill`` in place."""
        return _inplace(self, "masked_fill_", lambda a: _fn.masked_fill(a, mask, value))

    def fill_diagonal_(self, fill_value: Any, wrap: bool = False) -> Tensor:
        """``fill_value`` written on the main diagonal, in place (all dims equal past 2-D;
        ``wrap`` starts it again below a tall matrix's square, as numpy's)."""
        if self.ndim < 2:
            raise RuntimeError(f"fill_diagonal_: dimensions must larger than 1, got a "
                               f"{self.ndim}-D tensor")
        if self.ndim > 2 and len(set(self.shape)) > 1:
            raise RuntimeError(f"fill_diagonal_: all dimensions of input must be of equal "
                               f"length, got shape {tuple(self.shape)}")
        on = np.zeros(self.shape, bool)
        np.fill_diagonal(on, True, wrap=wrap)
        return _inplace(self, "fill_diagonal_", lambda a: _fn.masked_fill(a, on, fill_value))

    def scatter_reduce(self, dim: int, index: Tensor, src: Tensor, reduce: str, *,
                       include_self: bool = True) -> Tensor:
        """``src`` combined into a copy at ``index`` along ``dim`` by ``reduce``."""
        return _fn.scatter_reduce(self, dim, index, src, reduce, include_self=include_self)

    def scatter_reduce_(self, dim: int, index: Tensor, src: Tensor, reduce: str, *,
                        include_self: bool = True) -> Tensor:
        """``scatter_reduce`` in place."""
        return _inplace(self, "scatter_reduce_", lambda a: _fn.scatter_reduce(
            a, dim, index, src, reduce, include_self=include_self))

    def cumprod(self, dim: int, *, dtype: Any = None) -> Tensor:
        """Running product along ``dim`` (exact gradient also where there are zeros)."""
        return _fn.cumprod(self, dim, dtype=dtype)

    def diff(self, n: int = 1, dim: int = -1, prepend: Tensor | None = None,
             append: Tensor | None = None) -> Tensor:
        """The ``n``-th forward difference ``x[i + 1] - x[i]`` along ``dim``."""
        return _fn.diff(self, n, dim, prepend, append)

    def log1p(self) -> Tensor:
        """Elementwise ``log(1 + x)``, accurate for tiny ``x``."""
        return _fn.log1p(self)

    def round(self, *, decimals: int = 0) -> Tensor:
        """Round to ``decimals`` places, half to even (zero gradient, as in PyTorch)."""
        return _fn.round(self, decimals=decimals)

    def norm(self, p: Any = "fro", dim: Any = None, keepdim: bool = False,
             dtype: Any = None) -> Tensor:
        """The vector ``p``-norm over ``dim`` (``"fro"``: 2), as ``torch.norm``."""
        return _fn.numeric.norm(self, p, dim, keepdim, dtype)

    def divide(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        """``div``: ``self / other``, rounded with ``rounding_mode='trunc'|'floor'``."""
        return _fn.divide(self, other, rounding_mode=rounding_mode)

    def isclose(self, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
                equal_nan: bool = False) -> Tensor:
        """Elementwise ``|self - other| <= atol + rtol * |other|`` as a bool tensor."""
        return _fn.isclose(self, other, rtol, atol, equal_nan)

    def allclose(self, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
                 equal_nan: bool = False) -> bool:
        """Whether ``isclose`` holds for every element."""
        return _fn.allclose(self, other, rtol, atol, equal_nan)

    # ------------------------------------------------------------------ more of torch's names
    # (functional/stacking.py, strided.py, elementwise.py, reduce.py, order.py...)
    def diagonal(self, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
        """The diagonal of the planes of ``dim1`` and ``dim2``, appended as the last dim:
        ``minigrad.diagonal(self, ...)`` (a view where numpy can, docs/faq.md)."""
        return _fn.strided.diagonal(self, offset, dim1, dim2)

    def unfold(self, dimension: int, size: int, step: int) -> Tensor:
        """The windows of ``size`` along ``dimension``, ``step`` apart, as a new last dim."""
        return _fn.strided.unfold(self, dimension, size, step)

    def diag_embed(self, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
        """The last dim laid on the diagonal of new planes: ``minigrad.diag_embed``."""
        return _fn.linalg.diag_embed(self, offset, dim1, dim2)

    def diagflat(self, offset: int = 0) -> Tensor:
        """The flattened tensor laid on a diagonal: ``minigrad.diagflat``."""
        return _fn.linalg.diagflat(self, offset)

    def tensor_split(self, indices_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
        """Pieces along ``dim`` (a count, or split indices): ``minigrad.tensor_split``."""
        return _fn.stacking.tensor_split(self, indices_or_sections, dim)

    def hsplit(self, indices_or_sections: Any) -> tuple[Tensor, ...]:
        """``minigrad.hsplit(self, ...)``."""
        return _fn.stacking.hsplit(self, indices_or_sections)

    def vsplit(self, indices_or_sections: Any) -> tuple[Tensor, ...]:
        """``minigrad.vsplit(self, ...)``."""
        return _fn.stacking.vsplit(self, indices_or_sections)

    def dsplit(self, indices_or_sections: Any) -> tuple[Tensor, ...]:
        """``minigrad.dsplit(self, ...)``."""
        return _fn.stacking.dsplit(self, indices_or_sections)

    def take(self, index: Tensor) -> Tensor:
        """The elements at flat positions ``index``: ``minigrad.take``."""
        return _fn.index.take(self, index)

    def take_along_dim(self, indices: Tensor, dim: int | None = None) -> Tensor:
        """``minigrad.take_along_dim(self, indices, dim)``."""
        return _fn.index.take_along_dim(self, indices, dim)

    def index_fill(self, dim: int, index: Tensor, value: Any) -> Tensor:
        """A copy with the slices at ``index`` along ``dim`` set to ``value``."""
        return _fn.manipulation.index_fill(self, dim, index, value)

    def index_fill_(self, dim: int, index: Tensor, value: Any) -> Tensor:
        """``index_fill`` in place."""
        return _inplace(self, "index_fill_",
                        lambda a: _fn.manipulation.index_fill(a, dim, index, value))

    def index_copy(self, dim: int, index: Tensor, source: Tensor) -> Tensor:
        """A copy with the slices at ``index`` along ``dim`` replaced by ``source``'s."""
        return _fn.manipulation.index_copy(self, dim, index, source)

    def index_copy_(self, dim: int, index: Tensor, source: Tensor) -> Tensor:
        """``index_copy`` in place."""
        return _inplace(self, "index_copy_",
                        lambda a: _fn.manipulation.index_copy(a, dim, index, source))

    def nansum(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
        """The sum with NaN counted as 0: ``minigrad.nansum``."""
        return _fn.reduce.nansum(self, dim, keepdim, dtype=dtype)

    def nanmean(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
        """The mean of the elements that are not NaN: ``minigrad.nanmean``."""
        return _fn.reduce.nanmean(self, dim, keepdim, dtype=dtype)

    def quantile(self, q: Any, dim: int | None = None, keepdim: bool = False, *,
                 interpolation: str = "linear") -> Tensor:
        """``minigrad.quantile(self, q, ...)``."""
        return _fn.order.quantile(self, q, dim, keepdim, interpolation=interpolation)

    def nanquantile(self, q: Any, dim: int | None = None, keepdim: bool = False, *,
                    interpolation: str = "linear") -> Tensor:
        """``minigrad.nanquantile(self, q, ...)``."""
        return _fn.order.nanquantile(self, q, dim, keepdim, interpolation=interpolation)

    def cov(self, *, correction: int = 1, fweights: Tensor | None = None,
            aweights: Tensor | None = None) -> Tensor:
        """The covariance matrix of the rows: ``minigrad.cov``."""
        return _fn.reduce.cov(self, correction=correction, fweights=fweights,
                              aweights=aweights)

    def corrcoef(self) -> Tensor:
        """The correlation coefficients of the rows: ``minigrad.corrcoef``."""
        return _fn.reduce.corrcoef(self)

    def rot90(self, k: int = 1, dims: Any = (0, 1)) -> Tensor:
        """``k`` quarter turns in the plane of ``dims``: ``minigrad.rot90``."""
        return _fn.manipulation.rot90(self, k, dims)

    def fliplr(self) -> Tensor:
        """Reversed along dim 1."""
        return _fn.manipulation.fliplr(self)

    def flipud(self) -> Tensor:
        """Reversed along dim 0."""
        return _fn.manipulation.flipud(self)

    def moveaxis(self, source: Any, destination: Any) -> Tensor:
        """``movedim(source, destination)`` (numpy's name)."""
        return _fn.movedim(self, source, destination)

    def true_divide(self, other: Any) -> Tensor:
        """``self / other``."""
        return _fn.elementwise.true_divide(self, other)

    def negative(self) -> Tensor:
        """``-self``."""
        return -self

    def absolute(self) -> Tensor:
        """``abs()``."""
        return self.abs()

    def fix(self) -> Tensor:
        """``trunc()``."""
        return self.trunc()

    def sgn(self) -> Tensor:
        """The sign (``sign()`` for real tensors)."""
        return _fn.elementwise.sgn(self)

    def frac(self) -> Tensor:
        """``self - trunc(self)``."""
        return _fn.elementwise.frac(self)

    def deg2rad(self) -> Tensor:
        """Degrees to radians."""
        return _fn.elementwise.deg2rad(self)

    def rad2deg(self) -> Tensor:
        """Radians to degrees."""
        return _fn.elementwise.rad2deg(self)

    def xlogy(self, other: Any) -> Tensor:
        """``self * log(other)``, 0 where ``self`` is 0."""
        return _fn.elementwise.xlogy(self, other)

    def logit(self, eps: float | None = None) -> Tensor:
        """``log(p / (1 - p))``, the inverse of ``sigmoid``: ``minigrad.logit(self, eps)``."""
        return _fn.elementwise.logit(self, eps)

    def float_power(self, exponent: Any) -> Tensor:
        """``self ** exponent`` in float64."""
        return _fn.elementwise.float_power(self, exponent)

    def copysign(self, other: Any) -> Tensor:
        """``|self|`` with the sign of ``other``."""
        return _fn.elementwise.copysign(self, other)

    def signbit(self) -> Tensor:
        """Where the sign bit is set (bool)."""
        return _fn.elementwise.signbit(self)

    def heaviside(self, values: Tensor) -> Tensor:
        """The step function: ``minigrad.heaviside(self, values)``."""
        return _fn.elementwise.heaviside(self, values)

    def isneginf(self) -> Tensor:
        """Where the elements are -inf (bool)."""
        return _fn.elementwise.isneginf(self)

    def isposinf(self) -> Tensor:
        """Where the elements are +inf (bool)."""
        return _fn.elementwise.isposinf(self)

    def isreal(self) -> Tensor:
        """Where the elements have no imaginary part (bool)."""
        return _fn.elementwise.isreal(self)

    def is_complex(self) -> bool:
        """Whether the dtype is a complex one."""
        return _fn.elementwise.is_complex(self)

    # ``&``, ``|`` and ``^`` are bitwise, as in PyTorch (logical for bools); each is
    # symmetric, so the reflected forms are the same functions
    def __and__(self, other: Any) -> Tensor:
        return _fn.elementwise.bitwise_and(self, other)

    def __or__(self, other: Any) -> Tensor:
        return _fn.elementwise.bitwise_or(self, other)

    def __xor__(self, other: Any) -> Tensor:
        return _fn.elementwise.bitwise_xor(self, other)

    __rand__, __ror__, __rxor__ = __and__, __or__, __xor__

    def bitwise_and(self, other: Any) -> Tensor:
        """Bitwise and (integers and bools)."""
        return _fn.elementwise.bitwise_and(self, other)

    def bitwise_or(self, other: Any) -> Tensor:
        """Bitwise or (integers and bools)."""
        return _fn.elementwise.bitwise_or(self, other)

    def bitwise_xor(self, other: Any) -> Tensor:
        """Bitwise exclusive or (integers and bools)."""
        return _fn.elementwise.bitwise_xor(self, other)

    def bitwise_not(self) -> Tensor:
        """Bitwise not (integers; logical not for bools)."""
        return _fn.elementwise.bitwise_not(self)

    def gcd(self, other: Tensor) -> Tensor:
        """The greatest common divisor with ``other`` (integers)."""
        return _fn.elementwise.gcd(self, other)

    def lcm(self, other: Tensor) -> Tensor:
        """The least common multiple with ``other`` (integers)."""
        return _fn.elementwise.lcm(self, other)

    def short(self) -> Tensor:
        """``to(int16)``."""
        return self.to(np.int16)

    def byte(self) -> Tensor:
        """``to(uint8)``."""
        return self.to(np.uint8)

    def char(self) -> Tensor:
        """``to(int8)``."""
        return self.to(np.int8)

    def get_device(self) -> int:
        """-1, PyTorch's answer for a tensor on the CPU."""
        return -1

    def sum_to_size(self, *size: Any) -> Tensor:
        """The sum down to ``size``, which must expand to this shape (the adjoint of
        ``expand``); this tensor itself when it has that size."""
        size = _shape_args(size)
        fits = len(size) <= self.ndim and all(
            s in (1, n) for s, n in zip(reversed(size), reversed(self.shape)))
        if not fits:
            raise RuntimeError(f"sum_to_size: size {list(size)} is not expandable to size "
                               f"{list(self.shape)}")
        return self if tuple(size) == self.shape else self.sum_to(size)

    def detach_(self) -> Tensor:
        """Cut this tensor from the graph in place (it becomes a leaf without grad); a
        view's history cannot be cut, as in PyTorch."""
        node = self.grad_fn
        if node is not None and node.fn._view and isinstance(self._data.base, np.ndarray):
            raise RuntimeError("detach_: can't detach views in-place. Use detach() instead.")
        self.grad_fn, self._output_index, self.requires_grad = None, 0, False
        self._retains_grad = False
        return self

    def unsqueeze_(self, dim: int) -> Tensor:
        """``unsqueeze(dim)`` in place: this tensor takes the new shape (same storage)."""
        return _reshape_in_place(self, "unsqueeze_", lambda a: a.unsqueeze(dim))

    def t_(self) -> Tensor:
        """``t()`` in place (a 0-, 1- or 2-D tensor)."""
        if self.ndim > 2:
            raise RuntimeError(f"t_: expects a tensor with <= 2 dimensions, but self is "
                               f"{self.ndim}D")
        return _reshape_in_place(self, "t_", lambda a: a.t())

    def tril_(self, diagonal: int = 0) -> Tensor:
        """``tril(diagonal)`` in place."""
        return _inplace(self, "tril_", lambda a: _fn.select.tril(a, diagonal))

    def triu_(self, diagonal: int = 0) -> Tensor:
        """``triu(diagonal)`` in place."""
        return _inplace(self, "triu_", lambda a: _fn.select.triu(a, diagonal))

    def exp_(self) -> Tensor:
        """``exp()`` in place (a float tensor)."""
        return _inplace(self, "exp_", lambda a: a.exp())

    def log_(self) -> Tensor:
        """``log()`` in place (a float tensor)."""
        return _inplace(self, "log_", lambda a: a.log())

    def lerp_(self, end: Tensor, weight: Any) -> Tensor:
        """``lerp(end, weight)`` in place."""
        return _inplace(self, "lerp_", lambda a: _fn.numeric.lerp(a, end, weight))


def _all_dims(t: Tensor, dim: Any) -> Any:
    """``amax``/``amin`` reduce every dim when ``dim`` is None or ``()``, as in PyTorch."""
    return tuple(range(t.ndim)) if dim is None or dim == () else dim


def _spread_args(name: str, dim: Any, unbiased: Any, correction: Any) -> tuple[Any, float]:
    """``var``/``std``'s dim and correction from PyTorch's spellings: ``unbiased`` after
    ``dim`` or in its place (``x.var(False)``), or ``correction=`` (not both)."""
    if isinstance(dim, (bool, np.bool_)):
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(f"{name}: got both 'unbiased' and 'correction'")
    if correction is None:
        correction = 1 if unbiased is None else int(unbiased)
    return dim, correction


def _shape_args(args: tuple) -> tuple[int, ...]:
    """Accept ``f(2, 3)`` and ``f((2, 3))`` alike, as PyTorch does."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return tuple(args[0])
    return tuple(args)


def _reshape_in_place(t: Tensor, name: str, compute: Callable[[Tensor], Tensor]) -> Tensor:
    """An in-place change of ``t``'s shape (``unsqueeze_``, ``t_``): ``t`` takes the shape of
    ``compute(t)``, a view of its storage, and, in the graph, that view's history (a leaf
    that requires grad is refused, as in PyTorch)."""
    from .autograd import is_grad_enabled
    from .tensor import _check_inplace_in_graph, _rebase_history

    recording = t.requires_grad and is_grad_enabled()
    if recording:
        _check_inplace_in_graph(t, name)
    alias = Tensor._make(t._data, t.requires_grad, t.grad_fn, t._output_index)
    result = compute(alias)
    t._data = result._data
    t._bump_version()
    if recording and result.grad_fn is not None:
        _rebase_history(t, alias, result)
    return t


def _replace(a: Tensor, value: Any) -> Tensor:
    """``value`` broadcast to ``a``'s shape; differentiable (``a`` gets a zero gradient)."""
    return _ops.where(True, value, a)


_TYPE_NAMES = {
    np.dtype(t): f"torch.{n}Tensor" for t, n in (
        (np.float32, "Float"), (np.float64, "Double"), (np.float16, "Half"),
        (np.int64, "Long"), (np.int32, "Int"), (np.int16, "Short"), (np.int8, "Char"),
        (np.uint8, "Byte"), (np.bool_, "Bool"))
}


_NAME_TYPES = {name: dtype for dtype, name in _TYPE_NAMES.items()}



def _layout_to(t: Tensor, memory_format: Any) -> Tensor:
    """``to(memory_format=...)``: the layout of ``memory_format``; preserve_format keeps it."""
    from .memory_format import with_format

    return with_format(t, memory_format, "to")


def _axis_alias(method: Callable) -> Callable:
    """Let ``method`` take numpy's ``axis=`` as PyTorch does, as a spelling of ``dim=``."""

    def wrapper(self: Tensor, *args: Any, axis: Any = None, **kwargs: Any) -> Any:
        if "out" in kwargs and kwargs["out"] is None:  # numpy's np.sum(t) passes out=None
            del kwargs["out"]
        if axis is not None:
            if "dim" in kwargs:
                raise TypeError(f"{method.__name__}: got both 'dim' and its alias 'axis'")
            kwargs["dim"] = axis
        return method(self, *args, **kwargs)

    wrapper.__name__, wrapper.__qualname__ = method.__name__, method.__qualname__
    wrapper.__doc__, wrapper.__wrapped__ = method.__doc__, method
    return wrapper


def _or_elementwise(method: Callable, pairwise: str) -> Callable:
    """``max``/``min`` of another tensor is PyTorch's ``maximum``/``minimum``."""

    def wrapper(self: Tensor, *args: Any, **kwargs: Any) -> Any:
        other = args[0] if args else kwargs.get("other")
        if isinstance(other, Tensor):
            return getattr(self, pairwise)(other)
        return method(self, *args, **kwargs)

    wrapper.__name__, wrapper.__qualname__ = method.__name__, method.__qualname__
    wrapper.__doc__, wrapper.__wrapped__ = method.__doc__, method
    return wrapper


for _name in ("sum", "mean", "var", "std", "max", "min", "amax", "amin", "argmax", "argmin",
              "all", "any", "logsumexp", "softmax", "log_softmax", "cumsum", "sort", "argsort",
              "topk", "squeeze", "unsqueeze"):
    setattr(TensorMethods, _name, _axis_alias(getattr(TensorMethods, _name)))
TensorMethods.max = _or_elementwise(TensorMethods.max, "maximum")
TensorMethods.min = _or_elementwise(TensorMethods.min, "minimum")
del _name


def _floating(t: Tensor) -> Tensor:
    """``t``, an integer or bool one in the default float dtype: PyTorch's input to exp, log,
    sin... (numpy's would be float64, or float16 for bool)."""
    return t if t.dtype.kind in "fc" else t.to(get_default_dtype())


def bind_late_names() -> None:
    """Import what the methods call but what imports ``Tensor`` itself (so cannot be imported
    before it): ``minigrad.tensor`` calls this once, after defining Tensor."""
    global Tensor, MaxResult, Size, _dtype_of, _inplace, _pair, _to_array, _fn, _ops
    from . import functional as _fn
    from . import ops as _ops
    from .tensor import MaxResult, Size, Tensor, _dtype_of, _inplace, _pair, _to_array
    _install_gap_methods()


def _install_gap_methods() -> None:
    """The methods defined beside their functions (``t.atan2``, ``t.prod``, ``t << 2``,
    ``t.lgamma()``...): each module's ``TENSOR_METHODS`` set on Tensor."""
    from . import special_methods
    from .functional import (
        elementwise_more,
        index_writes,
        info,
        norms,
        prod,
        python_maps,
        samplers,
        scans,
        summaries,
        views,
    )

    for module in (elementwise_more, prod, scans, summaries, norms, samplers, info, views,
                   index_writes, special_methods, python_maps):
        for name, method in module.TENSOR_METHODS.items():
            setattr(TensorMethods, name, method)
