"""The fast conv2d kernels behind ``choose``, the one chooser ``minigrad.ops.conv`` calls.

The reference op is im2col + one GEMM forward, ``col2im(W^T g)`` and ``g @ cols^T``
backward. A ``FastConv`` computes the same three passes, picking per geometry:

* forward: a 1x1 product per image (nothing to unfold); a batched product per image for
  small weight matrices; block-by-block unfolding on threads when nothing keeps the
  columns; else one GEMM with the bias folded in as a row of ones.
* input gradient: 1x1 per image; the flipped-kernel convolution; shifted adds on the
  padded grid; else ``col2im(W^T g)`` one kernel row at a time.
* weight gradient: 1x1 per image; per image; else one GEMM on the forward's saved columns
  (with the bias gradient as the column of the row of ones).

One ``FastConv`` serves one forward call and its backward: it keeps the column buffer
the forward made and the feature-major gradient both gradients share.

Where numba is installed, ``choose`` hands out a compiled subclass instead for the shapes
where one measured faster (``compiled_choice``: ``winograd.WinogradConv``,
``direct.DirectConv``), with the same three passes.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import math
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from ..im2col import Geometry, geometry, im2col_array, offset_range
from . import compiled, fast, gemm
from .gemm import matmul, policy
from .parallel import for_blocks
from .threads import blas_single_threaded, compiled_region
from .workspace import workspace

__all__ = ["LOOP_WEIGHTS", "FastConv", "choose", "compiled_choice", "compiled_pass",
           "with_bias_grad"]

LOOP_WEIGHTS = 8  # up to this many (filter, channel) pairs the direct loops beat a GEMM
DIRECT_WEIGHTS = 2048  # and up to this many with five-wide kernels, whose loops are faster
SMALL_TILES = 64  # F(2x2, 3x3) from this many 2x2 tiles in the batch (512 channels at 4x4,
# forward and backward: 16 images 0.73x the numpy kernels' time, 8 images 0.83x, 4 level)
SMALL_TILES_FORWARD = 128  # and for a forward no gradient follows (16 images 1.09x, 32 0.78x)


def choose(g: Geometry, fn: int, backward: bool = True) -> FastConv | None:
    """The kernel for a conv2d pass (FN filters, geometry ``g``), or None: use the reference.

    Where numba is installed (``minigrad[fast]``) and the shape is one where a compiled
    kernel measured faster, that kernel (``compiled_choice``); else the numpy ``FastConv``.
    ``backward=False``: only a forward will run (no input needs a gradient).
    """
    if not fast():
        return None
    return compiled_choice(g, fn, backward) or FastConv(g, fn)


def compiled_choice(g: Geometry, fn: int, backward: bool = True) -> FastConv | None:
    """A compiled kernel for this shape, or None (numba missing, or no win measured).

    Winograd F(4x4, 3x3) for stride-1 3x3 convolutions with 16 or more channels and
    filters on maps of 8x8 or more, F(2x2, 3x3) on maps of 4x4 to 7x7 with enough tiles
    (``SMALL_TILES``, more for a forward alone; ResNet-18's last stage). The direct loops
    for layers with at most ``LOOP_WEIGHTS`` (filter, channel) pairs (LeNet's first), and
    for five-wide kernels with 2 or more channels and at most ``DIRECT_WEIGHTS`` pairs
    (LeNet's second, a 3-channel first layer; past that the GEMMs catch up). One channel
    with more filters (SimpleConvNet's layer, 30) stays on the numpy kernels: its loops
    measured faster alone but its training step no faster. Measured per pass and inside
    training steps against the numpy kernels (docs/performance.md); numba is imported
    here, on first use."""
    if not compiled.available() or g.n * g.oh * g.ow == 0:
        return None
    if min(g.c, fn) >= 16 and g.kh == g.kw == 3 and min(g.oh, g.ow) >= 4:
        from . import winograd, winograd_small

        if winograd.applies(g):
            if min(g.oh, g.ow) >= 8:
                return winograd.WinogradConv(g, fn)
            small_tiles = g.n * -(-g.oh // 2) * -(-g.ow // 2)
            if small_tiles >= (SMALL_TILES if backward else SMALL_TILES_FORWARD):
                return winograd_small.WinogradSmallConv(g, fn)
    if g.c * fn <= LOOP_WEIGHTS or (g.kw == 5 and g.c >= 2 and g.c * fn <= DIRECT_WEIGHTS):
        from . import direct

        if direct.applies(g, fn):
            return direct.DirectConv(g, fn)
    return None


def numpy_pass(method: Callable[..., Any]) -> Callable[..., Any]:
    """A ``FastConv`` pass, run under the thread policy (``gemm.policy``): with the compiled
    extra, its GEMMs spread over minigrad's threads with OpenBLAS on one, so that
    OpenBLAS's pool is not left spinning against the compiled kernels after it."""

    @functools.wraps(method)
    def run(self: FastConv, *args: Any, **kwargs: Any) -> Any:
        g = self.g
        with policy(2 * g.n * g.oh * g.ow * self.fn * (g.c // g.groups) * g.kh * g.kw):
            return method(self, *args, **kwargs)

    return run


class FastConv:
    """conv2d's three passes by the fastest path for the geometry (see the module)."""

    def __init__(self, g: Geometry, fn: int) -> None:
        self.g, self.fn = g, fn
        self.cols: np.ndarray | None = None  # the forward's columns, for the weight gradient
        self.shared: dict[str, tuple] | None = None  # layouts of grad, inside one backward
        self.finite: list[np.ndarray] = []  # the forward's arrays, found finite (all_finite)
        self.trusted: list[np.ndarray] | None = None  # found finite, inside one backward

    @contextlib.contextmanager
    def sharing_gradient(self) -> Iterator[None]:
        """Inside the block (one conv2d backward), both gradient passes share the layouts
        they make of the same gradient array; outside it each pass makes its own, so an
        array changed in place between two calls is never read stale."""
        self.shared, self.trusted = {}, list(self.finite)
        try:
            yield
        finally:
            self.shared = self.trusted = None

    def all_finite(self, arrays: list[np.ndarray], forward: bool) -> bool:
        """Whether no array holds NaN or inf: one sum each, but inside one backward
        (``sharing_gradient``) each array is summed once: the gradient both passes read,
        and the forward's inputs, which the forward remembers and the backward reads as
        saved (autograd refuses a backward after an in-place change). Outside a backward
        every call sums its arrays, which may have changed in place since the last."""
        known = self.trusted or ()
        for a in arrays:
            if any(a is seen for seen in known):
                continue
            if not math.isfinite(a.sum()):
                return False
            if forward:
                self.finite.append(a)
            if self.trusted is not None:
                self.trusted.append(a)
        return True

    def gradient_layout(self, name: str, grad: np.ndarray,
                        make: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
        """``make(grad)``, made once per backward for both gradients (``sharing_gradient``)."""
        if self.shared is None:
            return make(grad)
        kept = self.shared.get(name)
        if kept is None or kept[0] is not grad:
            self.shared[name] = kept = (grad, make(grad))
        return kept[1]

    def has_layout(self, name: str, grad: np.ndarray) -> bool:
        """Whether this backward already made layout ``name`` of ``grad``."""
        kept = (self.shared or {}).get(name)
        return kept is not None and kept[0] is grad

    def feature_major(self, grad: np.ndarray) -> np.ndarray:
        """``grad`` as (FN, N*OH*OW), made once for both gradients."""
        return self.gradient_layout("feature_major", grad, _feature_major)

    @numpy_pass
    def forward(self, x: np.ndarray, w: np.ndarray, b: np.ndarray | None,
                keep_cols: bool) -> np.ndarray:
        """``y = W @ im2col(x) + b`` as (N, FN, OH, OW), keeping the columns if asked."""
        g, fn = self.g, self.fn
        hw = g.oh * g.ow
        if _pointwise(g):  # 1x1: W @ x[n] per image, no im2col at all
            y = matmul(w.reshape(fn, g.c), x.reshape(g.n, g.c, hw))
            if b is not None:
                y += b[:, None]
            return y.reshape(g.n, fn, g.oh, g.ow)
        fused_bias = b is not None and g.groups == 1
        if not keep_cols and _blocked(fn, g):  # nothing keeps the columns: unfold by blocks
            return _per_image_blocks(x, _with_bias(w, b, fused_bias), g, fused_bias)
        cols = _columns(x, g, with_ones=fused_bias)
        self.cols = cols if keep_cols else None
        if g.groups > 1:
            return _grouped_forward(w, b, cols, g)
        w2 = _with_bias(w, b, fused_bias)
        if _per_image(fn, g):
            y = matmul(w2, cols.reshape(cols.shape[0], g.n, hw).transpose(1, 0, 2))
            return y.reshape(g.n, fn, g.oh, g.ow)
        out = matmul(w2, cols)  # (FN, N*OH*OW)
        return out.reshape(fn, g.n, g.oh, g.ow).transpose(1, 0, 2, 3)

    @numpy_pass
    def input_grad(self, grad: np.ndarray, w: np.ndarray) -> np.ndarray:
        """``dx = col2im(W^T @ grad)`` as (N, C, H, W)."""
        g = self.g
        if _pointwise(g):  # 1x1: W^T @ g[n] per image
            dx = matmul(w.reshape(self.fn, g.c).T, grad.reshape(g.n, self.fn, g.oh * g.ow))
            return dx.reshape(g.input_shape)
        if math.isfinite(w.sum()):  # both multiply zero padding by weights: 0 * inf = NaN
            if _as_flipped_conv(g, self.fn):
                return _flipped_conv(grad, w, g)
            if _as_shifted_adds(g):
                return _shifted_adds(grad, w, g)
        gfm = self.feature_major(grad)
        if blas_single_threaded() and g.groups == 1:  # under the policy: one compiled col2im
            from . import im2col_compiled

            if im2col_compiled.applies(gfm) and gfm.dtype == w.dtype:
                return _col2im_compiled(gfm, w, g)
        return _col2im_by_kernel_rows(gfm, w, g)

    @numpy_pass
    def weight_grad(self, x: np.ndarray, grad: np.ndarray, with_bias: bool) -> Any:
        """``dW = grad @ im2col(x)^T`` (FN, C/G, KH, KW); with ``with_bias`` also ``db``."""
        g, fn = self.g, self.fn
        k, hw = g.c * g.kh * g.kw, g.oh * g.ow
        if _pointwise(g):  # 1x1: sum over images of g[n] @ x[n]^T
            g3 = grad.reshape(g.n, fn, hw)
            dw = matmul(g3, x.reshape(g.n, g.c, hw).transpose(0, 2, 1)).sum(axis=0)
            return with_bias_grad(dw.reshape(fn, g.c, 1, 1), grad, with_bias)
        ones = with_bias and g.groups == 1  # the bias gradient as the GEMM's last column
        cols = self.cols
        if cols is None or cols.shape[0] < k + ones:
            cols = _columns(x, g, with_ones=ones)
        c2 = cols[: k + ones]
        if g.groups > 1:  # (G, FN/G, M) @ (G, M, K/G): one batched GEMM
            gr, m = g.groups, g.n * hw
            gfm = self.feature_major(grad)
            dw = matmul(gfm.reshape(gr, fn // gr, m), c2.reshape(gr, k // gr, m)
                        .transpose(0, 2, 1))
            return with_bias_grad(dw.reshape(fn, g.c // gr, g.kh, g.kw), grad, with_bias)
        if _per_image_weight_grad(fn, g) and not self.has_layout("feature_major", grad):
            # a sum of (FN,HW)@(HW,K) per image, unless the input gradient made the layout
            g3 = grad.reshape(g.n, fn, hw)
            dw = matmul(g3, c2.reshape(c2.shape[0], g.n, hw).transpose(1, 2, 0)).sum(axis=0)
        else:
            gfm = self.feature_major(grad)
            # OpenBLAS runs a long (N*OH*OW) contraction best with the bigger matrix on the
            # left, then a transposing copy; a short one (ResNet's late 8x8 and 4x4 layers)
            # best as it stands (measured: 26 vs 14 ms at K=4608, FN=512, N*OH*OW=512)
            m = gfm.shape[1]
            dw = matmul(c2, gfm.T).T if k >= fn and m >= 4 * k else matmul(gfm, c2.T)
        weight_grad = np.ascontiguousarray(dw[:, :k]).reshape(fn, g.c, g.kh, g.kw)
        if with_bias:
            return weight_grad, np.ascontiguousarray(dw[:, k])
        return weight_grad


def compiled_pass(method: Callable[..., Any], numpy_pass: Callable[..., Any] | None = None,
                  checks_result: bool = False) -> Callable[..., Any]:
    """A compiled subclass's pass (``forward``, ``input_grad`` or ``weight_grad``): where its
    arrays are all float32 or all float64 and all finite, the kernels compiled for that
    dtype run inside ``compiled_region()`` (the thread policy); anything else takes
    ``FastConv``'s pass of the same name (or ``numpy_pass``).

    Why finite: the compiled kernels add terms the reference never forms, which are zero
    for finite values but NaN where an inf meets them (Winograd's ``inf - inf``, the direct
    loops' ``0 * inf`` on the padding), so NaN and inf take numpy's pass, which keeps the
    reference's pattern. One sum per array finds them (``FastConv.all_finite``; an
    overflowing sum only costs the numpy pass). With ``checks_result`` the sum is of the
    result instead, and numpy's pass redoes it where that is not finite: for a pass whose
    result is small (the direct loops' weight gradient) and where every input value it
    reads meets at least one product, so that any inf or NaN read leaves one in the
    result."""
    numpy_pass = numpy_pass or getattr(FastConv, method.__name__)

    @functools.wraps(method)
    def run(self: FastConv, *args: Any, **kwargs: Any) -> Any:
        arrays = [a for a in (*args, *kwargs.values()) if isinstance(a, np.ndarray)]
        dtypes = {a.dtype for a in arrays}
        if (len(dtypes) != 1 or (dtype := dtypes.pop()) not in compiled.DTYPES
                or not (checks_result or self.all_finite(arrays, method.__name__ == "forward"))):
            return numpy_pass(self, *args, **kwargs)
        compiled.compile_for(dtype)
        gemm.hold()
        with compiled_region():
            out = method(self, *args, **kwargs)
        if checks_result and not all(math.isfinite(a.sum()) for a in _arrays(out)):
            return numpy_pass(self, *args, **kwargs)
        return out

    return run


def _arrays(out: Any) -> tuple[np.ndarray, ...]:
    """A pass's result as a tuple of arrays (the weight gradient may come with ``db``)."""
    return out if isinstance(out, tuple) else (out,)


def with_bias_grad(dw: np.ndarray, grad: np.ndarray, with_bias: bool) -> Any:
    """``dw``, or ``(dw, db)`` with the bias gradient summed over batch and positions."""
    return (dw, grad.sum(axis=(0, 2, 3))) if with_bias else dw


def _grouped_forward(w: np.ndarray, b: np.ndarray | None, cols: np.ndarray,
                     g: Geometry) -> np.ndarray:
    """One batched GEMM: (G, FN/G, K/G) @ (G, K/G, N*OH*OW)."""
    fn, groups, k, m = w.shape[0], g.groups, g.c * g.kh * g.kw, g.n * g.oh * g.ow
    out = matmul(w.reshape(groups, fn // groups, k // groups),
                 cols.reshape(groups, k // groups, m)).reshape(fn, m)
    if b is not None:
        out += b[:, None]
    return out.reshape(fn, g.n, g.oh, g.ow).transpose(1, 0, 2, 3)


def _feature_major(g: np.ndarray) -> np.ndarray:
    """(N, FN, OH, OW) -> contiguous (FN, N*OH*OW), the layout the GEMMs take.

    Free when ``g`` already is feature-major underneath (conv2d's own outputs are, and so
    are the gradients that flow back through elementwise ops on them); else one copy into
    scratch memory.
    """
    t = g.transpose(1, 0, 2, 3)
    if t.flags.c_contiguous:
        return t.reshape(g.shape[1], g.size // max(g.shape[1], 1))
    out = workspace(t.shape, g.dtype)
    np.copyto(out, t)
    return out.reshape(g.shape[1], g.size // max(g.shape[1], 1))


# --------------------------------------------------------------------------- forward


def _pointwise(g: Geometry) -> bool:
    """A 1x1 convolution, stride 1, no padding, one group: a plain GEMM per image on the
    input as it is, with nothing to unfold."""
    return (g.kh == g.kw == g.sh == g.sw == 1 and g.ph == g.pw == 0 and g.groups == 1
            and g.oh == g.h and g.ow == g.w)


def _per_image(fn: int, g: Geometry) -> bool:
    """Issue the GEMM as one batched product over images rather than one long GEMM?

    With a small weight matrix (SimpleConvNet's 30x25) the single (FN, K) @ (K, N*OH*OW)
    GEMM is a skinny, memory-bound product that OpenBLAS handles poorly; the same product
    batched over the N images, (FN, K) @ (K, OH*OW) each, runs in cache and writes the
    output straight into (N, FN, OH, OW) order, so neither output nor gradient needs a
    transpose. Big weight matrices keep the single GEMM, where OpenBLAS is at its best.
    """
    return g.groups == 1 and fn * g.c * g.kh * g.kw <= 4096


def _per_image_weight_grad(fn: int, g: Geometry) -> bool:
    """The weight gradient as a sum over images of ``g[n] @ cols[n]^T`` (no copy of the
    gradient) rather than one GEMM on its feature-major copy? Only when each image's
    product is long enough, OH*OW >= 8*C*KH*KW: measured 0.29 vs 2.1 ms (LeNet's conv1) and
    1.7 vs 4.3 ms (SimpleConvNet's), but 2.1 vs 1.1 ms for LeNet's conv2 (100 positions
    against 150 rows) and 3.8 vs 2.7 ms for a 1024-position, 145-row one."""
    return _per_image(fn, g) and g.oh * g.ow >= 8 * g.c * g.kh * g.kw


def _blocked(fn: int, g: Geometry) -> bool:
    """Unfold and multiply block by block (``_per_image_blocks``) rather than through one
    column buffer? For the per-image products whose buffer would be 2M elements or more
    (8 MiB in float32, past what the caches keep): measured 0.52-0.63x of the one-buffer
    time on five such shapes (SimpleConvNet's and LeNet's convs at batch 1000, a 3x3
    32-filter conv at batch 100, two cores); smaller ones gained nothing reliable."""
    return _per_image(fn, g) and (g.c * g.kh * g.kw + 1) * g.n * g.oh * g.ow >= 1 << 21


def _with_bias(w: np.ndarray, b: np.ndarray | None, fused: bool) -> np.ndarray:
    """The (FN, C*KH*KW [+1]) weight matrix, the bias as its last column when ``fused``."""
    fn, c, kh, kw = w.shape
    w2 = w.reshape(fn, c * kh * kw)  # spelled out: -1 is ambiguous with no filters
    return np.concatenate([w2, b.reshape(fn, 1)], axis=1) if fused else w2


def _per_image_blocks(x: np.ndarray, w2: np.ndarray, g: Geometry,
                      with_ones: bool) -> np.ndarray:
    """The per-image product ``W @ im2col(x[n])`` when nothing keeps the column buffer
    (inference, frozen weights): unfolded and multiplied one block of images at a time, so
    each block's columns are used while they are still in cache, and the blocks run on
    minigrad's threads (the GEMMs release the GIL like the copies do). Measured on
    SimpleConvNet's conv at batch 1000: 25 -> 16 ms on two cores."""
    fn, hw = w2.shape[0], g.oh * g.ow
    out = np.empty((g.n, fn, hw), dtype=np.result_type(x, w2))

    def block(a: int, b: int) -> None:  # numpy's unfolding: the compiled one is threaded
        cols = _columns(x[a:b], dataclasses.replace(g, n=b - a), with_ones, unfold_on_numba=False)
        np.matmul(w2, cols.reshape(cols.shape[0], b - a, hw).transpose(1, 0, 2), out=out[a:b])

    for_blocks(block, g.n, w2.shape[1] * hw)
    return out.reshape(g.n, fn, g.oh, g.ow)


def _columns(x: np.ndarray, g: Geometry, with_ones: bool,
             unfold_on_numba: bool = True) -> np.ndarray:
    """The (C*KH*KW [+1], N*OH*OW) column matrix in scratch memory; the optional last row
    of ones turns "W @ cols + b" into one product. The padded image is scratch memory
    too, unfolded as an unpadded geometry with the same windows. Under the thread policy
    (the compiled extra, OpenBLAS on one thread) one compiled pass on numba's threads
    unfolds it instead, padding included (``im2col_compiled``), unless ``unfold_on_numba``
    is False: the caller runs on minigrad's threads itself."""
    k, m = g.c * g.kh * g.kw, g.n * g.oh * g.ow
    buf = workspace((k + with_ones, m), x.dtype)
    if with_ones:
        buf[k] = 1
    if unfold_on_numba and blas_single_threaded():
        from . import im2col_compiled

        if im2col_compiled.applies(x):
            im2col_compiled.im2col(x, g, buf[:k])
            return buf
    if g.ph or g.pw:
        x = _padded(x, g)
        g = dataclasses.replace(g, h=x.shape[2], w=x.shape[3], ph=0, pw=0)
    im2col_array(x, g, out=buf[:k])
    return buf


def _padded(x: np.ndarray, g: Geometry) -> np.ndarray:
    """``x`` with (ph, pw) zeros around each image, in scratch memory."""
    hp, wp = g.h + 2 * g.ph, g.w + 2 * g.pw
    xp = workspace((g.n, g.c, hp, wp), x.dtype)
    xp[:, :, : g.ph] = 0
    xp[:, :, g.ph + g.h :] = 0
    xp[:, :, g.ph : g.ph + g.h, : g.pw] = 0
    xp[:, :, g.ph : g.ph + g.h, g.pw + g.w :] = 0
    xp[:, :, g.ph : g.ph + g.h, g.pw : g.pw + g.w] = x
    return xp


# --------------------------------------------------------------------------- input gradient


def _col2im_by_kernel_rows(gfm: np.ndarray, w: np.ndarray, g: Geometry) -> np.ndarray:
    """``col2im(W^T @ g)`` with one GEMM per kernel row ``i``: ``W[:, :, i, :]^T @ g`` is
    (KW, C, N*OH*OW), whose KW slabs are added onto the image at their offsets. Same
    arithmetic as one big GEMM plus col2im, holding only 1/KH of the column buffer. The
    image is accumulated as (C, N, H, W), so every slice-add runs over contiguous rows,
    and returned as a (N, C, H, W) view of it. The kernel offset that covers the whole
    image (the centre one of a "same" convolution) is written first instead of
    zero-filling and adding."""
    dtype = np.result_type(gfm, w)
    fn, m = gfm.shape
    groups = g.groups
    cg, fg = g.c // groups, fn // groups
    # (G, KH, KW*C/G, FN/G): per group and kernel row, the matrix W[:, :, i, :]^T
    wt = np.ascontiguousarray(
        w.reshape(groups, fg, cg, g.kh, g.kw).transpose(0, 3, 4, 2, 1), dtype=dtype
    ).reshape(groups, g.kh, g.kw * cg, fg)
    gg = gfm.reshape(groups, fg, m)
    dxc = np.empty((g.c, g.n, g.h, g.w), dtype=dtype)
    dxg = dxc.reshape(groups, cg, g.n, g.h, g.w)
    buf = workspace((groups, g.kw, cg, m), dtype)
    rows = [(i, r) for i in range(g.kh)
            if (r := offset_range(i * g.dh, g.ph, g.sh, g.oh, g.h))]
    full = _covering_offset(g)
    if full is None:
        dxc[...] = 0
    else:  # its kernel row first, so the covering offset can initialise the image
        rows.sort(key=lambda ir: ir[0] != full[0])
    first = full
    for i, (orow, irow) in rows:
        _gemm(wt[:, i], gg, buf.reshape(groups, g.kw * cg, m))
        order = range(g.kw) if first is None else sorted(range(g.kw),
                                                         key=lambda j: j != first[1])
        for j in order:
            cr = offset_range(j * g.dw, g.pw, g.sw, g.ow, g.w)
            if cr is None:
                continue
            src = buf[:, j].reshape(groups, cg, g.n, g.oh, g.ow)[..., orow, cr[0]]
            if (i, j) == first:
                np.copyto(dxg, src)
                first = None
            else:
                dxg[..., irow, cr[1]] += src
    return dxc.transpose(1, 0, 2, 3)


def _col2im_compiled(gfm: np.ndarray, w: np.ndarray, g: Geometry) -> np.ndarray:
    """``col2im(W^T @ g)`` as one GEMM into scratch memory and one compiled pass that adds
    every column back onto the image (``im2col_compiled.col2im``): under the thread policy
    the kernel rows' slice-adds cost more than the GEMM (ResNet-18's stride-2 layers)."""
    from . import im2col_compiled

    fn, k, dtype = w.shape[0], g.c * g.kh * g.kw, np.result_type(gfm, w)
    wt = w.reshape(fn, k).astype(dtype, copy=False).T  # BLAS reads it transposed
    cols = matmul(wt, gfm.astype(dtype, copy=False), out=workspace((k, gfm.shape[1]), dtype))
    return im2col_compiled.col2im(cols, g)


def _gemm(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:
    """``out = a @ b`` for stacks of matrices; a stack of one is issued as a plain GEMM."""
    if a.shape[0] == 1:
        matmul(a[0], b[0], out=out[0])
    else:
        matmul(a, b, out=out)


def _covering_offset(g: Geometry) -> tuple[int, int] | None:
    """A kernel offset whose slice of the output grid lands on every input pixel."""
    if g.sh != 1 or g.sw != 1 or g.oh != g.h or g.ow != g.w:
        return None
    for i in range(g.kh):
        r = offset_range(i * g.dh, g.ph, 1, g.oh, g.h)
        if r and r[1] == slice(0, g.h, 1):
            for j in range(g.kw):
                c = offset_range(j * g.dw, g.pw, 1, g.ow, g.w)
                if c and c[1] == slice(0, g.w, 1):
                    return i, j
    return None
def _as_flipped_conv(g: Geometry, fn: int) -> bool:
    """Compute a stride-1 input gradient as a convolution of the gradient with the flipped,
    transposed kernel (one GEMM with the long K = FN*KH*KW contraction) instead of KH
    GEMMs over only FN plus the col2im adds? Measured on ResNet-18's shapes (2 cores,
    batch 32): 15-22% faster from 64 channels at 32x32 to 512 at 4x4; with few channels
    (LeNet's 6 -> 16) the skinny GEMM loses 4x, so it needs 32 or more of both. Its
    columns hold FN*KH*KW rows of the gradient, the shifted adds' slabs C*KH*KW rows of the
    padded grid; where the columns are the bigger (more filters than channels), the shifted
    adds win: 41 vs 62 ms for the conv workload's 64 -> 128 at 32x32, batch 32."""
    return (g.sh == g.sw == g.dh == g.dw == 1 and g.groups == 1 and min(g.c, fn) >= 32
            and g.ph < g.kh and g.pw < g.kw and g.oh + g.kh - 1 - 2 * g.ph == g.h
            and g.ow + g.kw - 1 - 2 * g.pw == g.w
            and fn * g.h * g.w <= g.c * (g.h + 2 * g.ph) * (g.w + 2 * g.pw))


def _flipped_conv(grad: np.ndarray, w: np.ndarray, g: Geometry) -> np.ndarray:
    """``dx = conv2d(g, flip(W)^T, padding=K-1-P)``: the same sums as ``col2im(W^T @ g)``,
    as im2col of the gradient and one GEMM. Returned as a (N, C, H, W) view of (C, N, H, W)
    memory, like the col2im path's."""
    fn = w.shape[0]
    gf = geometry(grad.shape, (g.kh, g.kw), 1, (g.kh - 1 - g.ph, g.kw - 1 - g.pw),
                  exact=True, op="conv2d input gradient")
    cols = _columns(grad, gf, with_ones=False)
    wf = np.ascontiguousarray(w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3),
                              dtype=np.result_type(grad, w)).reshape(g.c, fn * g.kh * g.kw)
    return matmul(wf, cols).reshape(g.c, g.n, g.h, g.w).transpose(1, 0, 2, 3)


def _as_shifted_adds(g: Geometry) -> bool:
    """Compute a stride-1 input gradient by ``_shifted_adds`` rather than KH GEMMs plus
    KH*KW slice-adds of short rows? Stride 1, one group, no rows or columns left over
    (the flipped-kernel path, where it applies, comes first)."""
    return (g.sh == g.sw == 1 and g.groups == 1
            and g.oh + g.dh * (g.kh - 1) == g.h + 2 * g.ph
            and g.ow + g.dw * (g.kw - 1) == g.w + 2 * g.pw)


def _shifted_adds(grad: np.ndarray, w: np.ndarray, g: Geometry) -> np.ndarray:
    """``dx = col2im(W^T @ g)`` for stride 1, each kernel offset added as ONE flat shift.

    The gradient is laid out on the padded image's grid (HP, WP), zeros past (OH, OW). On
    that grid kernel offset (i, j) moves every value by ``i*dh*WP + j*dw`` elements and no
    nonzero value crosses a row or an image edge, so the KH*KW slice-adds of short rows
    (LeNet's conv2: runs of 10 floats) become KH*KW contiguous adds. One block of images at
    a time, so the product and the adds stay in cache. Returned as a (N, C, H, W) view of
    (C, N, HP, WP) memory, like the col2im path's (C, N, H, W)."""
    fn, kk = w.shape[0], g.kh * g.kw
    dtype = np.result_type(grad, w)
    hp, wp = g.h + 2 * g.ph, g.w + 2 * g.pw
    plane = hp * wp
    wt = np.ascontiguousarray(w.transpose(1, 2, 3, 0), dtype=dtype).reshape(g.c * kk, fn)
    shifts = [i * g.dh * wp + j * g.dw for i in range(g.kh) for j in range(g.kw)]
    dx = np.empty((g.c, g.n * plane), dtype=dtype)
    step = max(1, (1 << 19) // max(1, (g.c * kk + fn) * plane))  # images per block
    for a in range(0, g.n, step):
        b = min(g.n, a + step)
        m = (b - a) * plane
        grid = np.zeros((fn, b - a, hp, wp), dtype=dtype)
        grid[:, :, : g.oh, : g.ow] = grad[a:b].transpose(1, 0, 2, 3)
        slabs = matmul(wt, grid.reshape(fn, m)).reshape(g.c, kk, m)
        out = dx[:, a * plane : b * plane]
        np.copyto(out, slabs[:, 0])  # offset (0, 0): shift 0 covers the whole block
        for k in range(1, kk):  # a slab's last `shift` values are zeros shifted out
            out[:, shifts[k]:] += slabs[:, k, : m - shifts[k]]
    dx4 = dx.reshape(g.c, g.n, hp, wp)[:, :, g.ph : g.ph + g.h, g.pw : g.pw + g.w]
    return dx4.transpose(1, 0, 2, 3)


