"""``F.affine_grid`` and ``F.grid_sample`` (``functional/sampling_grid.py``) against PyTorch:
values, shapes, dtypes and the gradients of the input, the grid and theta, for every mode,
padding mode and ``align_corners``, with grids outside [-1, 1], exactly on pixel centres and
borders, NaN and inf; the warnings; gradcheck and gradgradcheck in float64; bad calls raise
PyTorch's exception type with a message naming the function. Tests that need torch take the
``torch`` fixture (skipped without it); the others run anywhere."""

from __future__ import annotations

import inspect
import itertools
import warnings

import numpy as np
import pytest
from helpers import assert_gradchecks

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F

TOL = {np.float32: 3e-5, np.float64: 1e-10}
DTYPES = [np.float32, np.float64]
MODES = ["bilinear", "nearest", "bicubic"]
PADDINGS = ["zeros", "border", "reflection"]
rng = np.random.default_rng(21)


def compare(torch, ours, theirs, arrays: list[np.ndarray], tol: float | None = None) -> None:  # noqa: ANN001
    """``ours(*tensors)`` against ``theirs(*torch tensors)``: shape, dtype, values (NaN where
    NaN) and, for one random cotangent, every input's gradient (exactly where one is NaN;
    PyTorch's zeros where minigrad's is never reached count as zeros)."""
    tol = TOL[arrays[0].dtype.type] if tol is None else tol
    xs = [mg.tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out, ref = ours(*xs), theirs(*ts)
    assert out.shape == tuple(ref.shape)
    assert out.dtype == np.dtype(str(ref.dtype).replace("torch.", ""))
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=tol, atol=tol,
                               equal_nan=True)
    if out.numel() == 0:
        return
    w = rng.normal(size=out.shape).astype(out.dtype)
    (out * mg.tensor(w)).sum().backward()
    (ref * torch.tensor(w)).sum().backward()
    for i, (x, t) in enumerate(zip(xs, ts)):
        assert x.grad is not None, f"input {i} has no gradient (PyTorch's is a tensor)"
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=tol, atol=tol,
                                   equal_nan=True, err_msg=f"gradient of input {i}")


def sample(torch, a: np.ndarray, g: np.ndarray, **kw) -> None:  # noqa: ANN001, ANN003
    compare(torch, lambda x, y: F.grid_sample(x, y, **kw),
            lambda x, y: torch.nn.functional.grid_sample(x, y, **kw), [a, g])


def on_pixels(sizes: tuple[int, ...], out: tuple[int, ...], align_corners: bool,
              dtype: type) -> np.ndarray:
    """A grid (1, *out, k) exactly on pixel centres, pixel borders (half-way) and one pixel
    past the image, in normalised (x, y[, z]) coordinates."""
    k = len(sizes)
    grid = np.empty((1, *out, k), dtype)
    for j, size in enumerate(reversed(sizes)):  # x reads the last spatial dim
        pos = rng.integers(-1, size + 1, size=out) + rng.integers(0, 2, size=out) * 0.5
        grid[..., j] = (2 * pos / max(size - 1, 1) - 1 if align_corners
                        else (2 * pos + 1) / size - 1)
    return grid


def away_from_pixels(sizes: tuple[int, ...], out: tuple[int, ...], align_corners: bool,
                     n: int = 1) -> np.ndarray:
    """A float64 grid whose pixel positions are 0.1 to 0.4 away from every integer and
    half-integer (so from the cells' edges, the borders and the reflections' folds), inside
    and up to 1.5 pixels outside the image: where grid_sample is smooth in the grid."""
    k = len(sizes)
    grid = np.empty((n, *out, k))
    for j, size in enumerate(reversed(sizes)):
        pos = (rng.integers(-2, size + 1, size=(n, *out)) + rng.uniform(0.1, 0.4, size=(n, *out))
               + rng.integers(0, 2, size=(n, *out)) * 0.5)
        grid[..., j] = (2 * pos / max(size - 1, 1) - 1 if align_corners
                        else (2 * pos + 1) / size - 1)
    return grid


# ----------------------------------------------------------------------------- affine_grid


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("size", [(2, 3, 4, 5), (1, 1, 1, 6), (3, 2, 7, 1), (2, 1, 3, 4, 5),
                                  (1, 2, 1, 2, 3)])
def test_affine_grid_matches_torch(torch, size: tuple, align_corners: bool,  # noqa: ANN001
                                   dtype: type) -> None:
    k = len(size) - 2
    theta = rng.normal(size=(size[0], k, k + 1)).astype(dtype)
    compare(torch, lambda t: F.affine_grid(t, size, align_corners=align_corners),
            lambda t: torch.nn.functional.affine_grid(t, size, align_corners=align_corners),
            [theta])


def test_affine_grid_identity_is_the_pixel_centres() -> None:
    grid = F.affine_grid(mg.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]]), (1, 1, 2, 4),
                         align_corners=False).numpy()
    np.testing.assert_allclose(grid[0, 0, :, 0], [-0.75, -0.25, 0.25, 0.75])
    np.testing.assert_allclose(grid[0, :, 0, 1], [-0.5, 0.5])
    grid = F.affine_grid(mg.tensor(np.eye(3, 4)[None]), [1, 1, 3, 1, 2], align_corners=True)
    np.testing.assert_allclose(grid.numpy()[0, :, 0, 0], [[-1, 0, -1], [-1, 0, 0], [-1, 0, 1]])


def test_affine_grid_and_grid_sample_warn_as_torch_without_align_corners(torch) -> None:  # noqa: ANN001
    theta = np.eye(2, 3)[None]
    for lib in (mg, torch):
        fn = lib.nn.functional
        with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
            grid = fn.affine_grid(lib.tensor(theta), (1, 1, 2, 2))
        with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
            fn.grid_sample(lib.ones(1, 1, 2, 2, dtype=grid.dtype), grid)
        with pytest.warns(UserWarning, match="unit-size grids"):
            fn.affine_grid(lib.tensor(theta), (1, 1, 1, 3), align_corners=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.affine_grid(mg.tensor(theta), (1, 1, 1, 3), align_corners=False)


# ----------------------------------------------------------------------------- grid_sample

CASES = [  # (input shape, grid spatial shape)
    ((2, 3, 5, 6), (4, 3)),
    ((1, 2, 1, 4), (2, 5)),                 # a height of 1
    ((2, 1, 3, 1), (3, 3)),                 # a width of 1
    ((1, 1, 1, 1), (2, 2)),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("padding_mode", PADDINGS)
@pytest.mark.parametrize("mode", MODES)
def test_grid_sample_matches_torch(torch, mode: str, padding_mode: str, align_corners: bool,  # noqa: ANN001
                                   dtype: type) -> None:
    """Random grids in [-1.5, 1.5] (outside the image too), then grids exactly on pixel
    centres, pixel borders and one pixel outside: values and both gradients, including the
    grid's at those kinks (the same cell is picked there, so the same one-sided slope)."""
    kw = {"mode": mode, "padding_mode": padding_mode, "align_corners": align_corners}
    for shape, out in CASES:
        a = rng.normal(size=shape).astype(dtype)
        sample(torch, a, rng.uniform(-1.5, 1.5, size=(shape[0], *out, 2)).astype(dtype), **kw)
        grid = np.concatenate([on_pixels(shape[2:], out, align_corners, dtype)] * shape[0])
        sample(torch, a, grid, **kw)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("padding_mode", PADDINGS)
@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
def test_grid_sample_5d_matches_torch(torch, mode: str, padding_mode: str,  # noqa: ANN001
                                      align_corners: bool, dtype: type) -> None:
    """Volumes: trilinear ('bilinear') and nearest, with PyTorch's 3-D kernel's arithmetic."""
    kw = {"mode": mode, "padding_mode": padding_mode, "align_corners": align_corners}
    for shape, out in [((2, 2, 3, 4, 5), (2, 3, 2)), ((1, 1, 1, 3, 2), (3, 2, 2))]:
        a = rng.normal(size=shape).astype(dtype)
        sample(torch, a, rng.uniform(-1.4, 1.4, size=(shape[0], *out, 3)).astype(dtype), **kw)
        grid = np.concatenate([on_pixels(shape[2:], out, align_corners, dtype)] * shape[0])
        sample(torch, a, grid, **kw)


@pytest.mark.parametrize("mode", MODES)
def test_grid_sample_nan_and_inf_grids_as_torch(torch, mode: str) -> None:  # noqa: ANN001
    """With 'zeros' padding a NaN or infinite coordinate reads nothing: PyTorch's NaN (0 for
    'nearest') and its gradients. (PyTorch 2.13's CPU kernel crashes on them with 'border'
    or 'reflection', so those are not compared.)"""
    a = np.arange(12.0).reshape(1, 1, 3, 4)
    g = np.array([[[[np.nan, 0.0], [0.0, np.nan], [np.inf, 0.0], [-np.inf, 0.5],
                    [0.2, np.inf], [1e30, 0.0]]]])
    for align_corners in (False, True):
        sample(torch, a, g, mode=mode, align_corners=align_corners)
    out = F.grid_sample(mg.tensor(a), mg.tensor(g), mode, "border", align_corners=False)
    assert out.shape == (1, 1, 1, 6)  # minigrad: NaN reads the first pixel (PyTorch's clip)


def test_grid_sample_empty_batches_channels_and_outputs(torch) -> None:  # noqa: ANN001
    for shape, out in [((0, 2, 3, 4), (2, 2)), ((2, 0, 3, 4), (2, 2)), ((2, 2, 3, 4), (0, 3))]:
        a = rng.normal(size=shape)
        sample(torch, a, rng.uniform(-1, 1, size=(shape[0], *out, 2)), align_corners=False)


def test_nearest_grid_gradient_is_zeros_not_none(torch) -> None:  # noqa: ANN001
    grid = mg.tensor(rng.uniform(-1, 1, size=(1, 2, 2, 2)), requires_grad=True)
    F.grid_sample(mg.ones(1, 1, 3, 3, dtype=mg.float64), grid, "nearest",
                  align_corners=True).sum().backward()
    np.testing.assert_array_equal(grid.grad.numpy(), np.zeros((1, 2, 2, 2)))


@pytest.mark.slow
def test_grid_sample_random_settings_as_torch(torch) -> None:  # noqa: ANN001
    gen = np.random.default_rng(5)
    for trial in range(120):
        k, dtype = 2 + (trial % 4 == 3), DTYPES[trial // 4 % 2]
        shape = (int(gen.integers(1, 3)), int(gen.integers(1, 3)),
                 *(int(v) for v in gen.integers(1, 6, size=k)))
        out = tuple(int(v) for v in gen.integers(1, 5, size=k))
        a = gen.normal(size=shape).astype(dtype)
        g = gen.uniform(-2.5, 2.5, size=(shape[0], *out, k)).astype(dtype)
        for mode, padding_mode, align_corners in itertools.product(
                MODES if k == 2 else MODES[:2], PADDINGS, (False, True)):
            sample(torch, a, g, mode=mode, padding_mode=padding_mode,
                   align_corners=align_corners)


# ----------------------------------------------------------------------------- gradients


@pytest.mark.parametrize("align_corners", [False, pytest.param(True, marks=pytest.mark.slow)])
@pytest.mark.parametrize("padding_mode", PADDINGS)
@pytest.mark.parametrize("mode", MODES)
def test_grid_sample_gradcheck_and_gradgradcheck(mode: str, padding_mode: str,
                                                 align_corners: bool) -> None:
    """In the input and the grid. The grid's gradient is not smooth where a position is an
    integer (the cell changes), on a border ('border', 'reflection': the clip) or at a
    reflection's fold, so the grid keeps 0.1 pixel away from them all."""
    a = rng.normal(size=(1, 1, 3, 4))
    grid = away_from_pixels((3, 4), (2, 2), align_corners)
    assert_gradchecks(lambda x, g: F.grid_sample(x, g, mode, padding_mode, align_corners),
                      [a, grid])


@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
def test_grid_sample_5d_gradcheck_and_gradgradcheck(mode: str) -> None:
    a = rng.normal(size=(1, 1, 2, 3, 3))
    grid = away_from_pixels((2, 3, 3), (2, 2, 1), False)
    assert_gradchecks(lambda x, g: F.grid_sample(x, g, mode, "reflection", False), [a, grid])


def test_affine_grid_gradcheck_and_gradgradcheck() -> None:
    assert_gradchecks(lambda t: F.affine_grid(t, (2, 1, 3, 4), align_corners=False),
                      [rng.normal(size=(2, 2, 3))])
    assert_gradchecks(lambda t: F.affine_grid(t, (1, 1, 2, 3, 2), align_corners=True),
                      [rng.normal(size=(1, 3, 4))])


def test_a_spatial_transformer_trains_its_theta_as_torch(torch) -> None:  # noqa: ANN001
    """affine_grid then grid_sample, theta from a Linear layer: the output and the layer's
    gradients (through the grid into theta) equal PyTorch's."""
    x = rng.normal(size=(3, 2, 4, 4))
    w, b = rng.normal(size=(6, 32)) * 0.05, np.array([1.0, 0.1, 0.0, -0.1, 0.9, 0.05])
    loc = nn.Linear(32, 6).double()
    loc.weight.data, loc.bias.data = mg.tensor(w), mg.tensor(b)
    tloc = torch.nn.Linear(32, 6).double()
    with torch.no_grad():
        tloc.weight.copy_(torch.tensor(w))
        tloc.bias.copy_(torch.tensor(b))

    def ours(v):  # noqa: ANN001, ANN202
        grid = F.affine_grid(loc(v.flatten(1)).reshape(-1, 2, 3), v.shape, align_corners=False)
        return F.grid_sample(v, grid, padding_mode="border", align_corners=False)

    def theirs(v):  # noqa: ANN001, ANN202
        tf = torch.nn.functional
        grid = tf.affine_grid(tloc(v.flatten(1)).reshape(-1, 2, 3), v.shape, align_corners=False)
        return tf.grid_sample(v, grid, padding_mode="border", align_corners=False)

    compare(torch, ours, theirs, [x])
    np.testing.assert_allclose(loc.weight.grad.numpy(), tloc.weight.grad.numpy(), atol=1e-10)
    np.testing.assert_allclose(loc.bias.grad.numpy(), tloc.bias.grad.numpy(), atol=1e-10)


def test_theta_gradcheck_through_the_sampler() -> None:
    x = mg.tensor(rng.normal(size=(2, 1, 4, 5)))
    theta = np.array([[[0.8, 0.13, 0.021], [-0.11, 0.9, 0.037]],
                      [[1.1, -0.2, -0.043], [0.17, 0.7, 0.052]]])
    assert_gradchecks(lambda t: F.grid_sample(x, F.affine_grid(t, (2, 1, 3, 3),
                                                               align_corners=False),
                                              align_corners=False), [theta])


def test_signatures_are_torchs(torch) -> None:  # noqa: ANN001
    for name in ("affine_grid", "grid_sample"):
        ours = inspect.signature(getattr(F, name)).parameters.values()
        theirs = inspect.signature(getattr(torch.nn.functional, name)).parameters.values()
        assert [(p.name, p.default) for p in ours] == [(p.name, p.default) for p in theirs]


# ----------------------------------------------------------------------------- bad calls

X, G = rng.normal(size=(2, 3, 4, 5)), rng.uniform(-1, 1, size=(2, 3, 3, 2))
THETA = rng.normal(size=(2, 2, 3))
BAD = [
    ("grid_sample", (X, G), {"mode": "linear"}, "mode"),
    ("grid_sample", (X, G), {"padding_mode": "constant"}, "padding_mode"),
    ("grid_sample", (X, G[:1]), {}, "batch"),
    ("grid_sample", (X, rng.uniform(size=(2, 3, 3, 3))), {}, r"\(2, 3, 3, 3\)"),
    ("grid_sample", (X, G[..., 0]), {}, r"\(2, 3, 3\)"),
    ("grid_sample", (X[0], G[0]), {}, r"\(3, 4, 5\)"),
    ("grid_sample", (X[:, :, :0], G), {}, "non-empty"),
    ("grid_sample", (X, G.astype(np.float32)), {}, "same dtype"),
    ("grid_sample", (X.astype(np.int64), G.astype(np.int64)), {}, "int64"),
    ("grid_sample", (rng.normal(size=(1, 1, 2, 3, 4)), rng.uniform(size=(1, 2, 2, 2, 3))),
     {"mode": "bicubic"}, "bicubic"),
    ("grid_sample", (rng.normal(size=(1, 1, 2, 3, 4)), rng.uniform(size=(1, 2, 2, 2, 2))), {},
     r"\(1, 2, 2, 2, 2\)"),
    ("grid_sample", (X, G), {"align_corners": 1}, "align_corners"),
    ("affine_grid", (THETA.astype(np.int64), (2, 3, 4, 5)), {}, "floating point"),
    ("affine_grid", (THETA, (2, 3, 4, 5, 6)), {}, r"\(N, 3, 4\)"),
    ("affine_grid", (THETA[0], (2, 3, 4, 5)), {}, r"\(N, 2, 3\)"),
    ("affine_grid", (THETA, (2, 3, 4)), {}, "4-D and 5-D"),
    ("affine_grid", (THETA, (3, 3, 4, 5)), {}, "batch of 3"),
    ("affine_grid", (THETA, (2, 3, 0, 5)), {}, "positive"),
    ("affine_grid", (THETA, (2, 0, 4, 5)), {}, "positive"),
    ("affine_grid", (THETA, (2, 3, 4.0, 5)), {}, "size"),
]


def _raised(call) -> type | None:  # noqa: ANN001
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            call()
    except Exception as e:  # noqa: BLE001
        return type(e)
    return None


@pytest.mark.parametrize("op, args, kw, match", BAD, ids=[f"{c[0]}-{i}" for i, c in enumerate(BAD)])
def test_bad_calls_raise_torchs_exception_type_naming_the_function(op: str, args: tuple,
                                                                   kw: dict, match: str) -> None:
    def call(lib):  # noqa: ANN001, ANN202
        tensors = [lib.tensor(a) if isinstance(a, np.ndarray) else a for a in args]
        return getattr(lib.nn.functional, op)(*tensors, **{"align_corners": False, **kw})

    try:
        import torch
    except ImportError:
        kind = None
    else:
        kind = _raised(lambda: call(torch))
    with pytest.raises(Exception, match=match) as info:
        call(mg)
    assert str(info.value).startswith(f"{op}: "), info.value
    if kind is not None:
        assert info.type is kind, (info.type, kind)


def test_non_tensor_arguments_are_type_errors() -> None:
    with pytest.raises(TypeError, match="grid_sample: argument 'grid' must be Tensor"):
        F.grid_sample(mg.tensor(X), G, align_corners=False)
    with pytest.raises(TypeError, match="affine_grid: argument 'theta' must be Tensor"):
        F.affine_grid(THETA, (2, 1, 4, 4), align_corners=False)
