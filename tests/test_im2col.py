"""im2col / col2im: layout, the output-size rule, adjointness and their derivatives."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg
import minigrad.nn.functional as F
from minigrad.im2col import geometry, output_size, pair


def naive_im2col(x: np.ndarray, kh: int, kw: int, sh: int, sw: int, ph: int, pw: int):
    """The book's loop: one row per window, columns (c, i, j)."""
    n, c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    oh, ow = (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1
    rows = []
    for b in range(n):
        for r in range(oh):
            for q in range(ow):
                rows.append(xp[b, :, r * sh : r * sh + kh, q * sw : q * sw + kw].reshape(-1))
    return np.array(rows)


CONFIGS = [  # (shape, kernel, stride, padding)
    ((1, 1, 3, 3), 2, 1, 0),
    ((2, 3, 5, 4), (3, 2), (2, 1), (1, 2)),
    ((1, 2, 4, 4), 3, 1, 1),
    ((2, 1, 7, 7), 3, 2, 0),
    ((1, 2, 3, 3), 3, 1, 0),
    ((2, 2, 6, 5), (1, 3), 2, (0, 1)),
]


def test_book_worked_example_one_row_per_window():
    x = mg.tensor(np.arange(1.0, 10.0).reshape(1, 1, 3, 3))
    cols = F.im2col(x, 2)
    assert cols.shape == (4, 4)
    np.testing.assert_array_equal(
        cols.data, [[1, 2, 4, 5], [2, 3, 5, 6], [4, 5, 7, 8], [5, 6, 8, 9]]
    )


def test_docs_worked_example_conv_is_columns_times_the_flattened_filter():
    x = mg.tensor(np.arange(1.0, 10.0).reshape(1, 1, 3, 3))
    w = np.array([[[[1.0, 0.0], [0.0, -1.0]]]])
    np.testing.assert_array_equal(F.im2col(x, 2).data @ w.reshape(-1), [-4, -4, -4, -4])
    y = F.conv2d(x, mg.tensor(w), mg.tensor(np.array([10.0])))
    np.testing.assert_array_equal(y.data, np.full((1, 1, 2, 2), 6.0))


@pytest.mark.parametrize("shape,kernel,stride,padding", CONFIGS)
def test_im2col_matches_the_books_loop_column_order(shape, kernel, stride, padding):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape)
    (kh, kw), (sh, sw), (ph, pw) = (pair(v, "", "") for v in (kernel, stride, padding))
    expected = naive_im2col(x, kh, kw, sh, sw, ph, pw)
    got = F.im2col(mg.tensor(x), kernel, stride, padding, exact=False)
    assert got.shape == expected.shape
    np.testing.assert_array_equal(got.data, expected)


@pytest.mark.parametrize("shape,kernel,stride,padding", CONFIGS)
def test_col2im_is_the_adjoint_of_im2col(shape, kernel, stride, padding):
    rng = np.random.default_rng(1)
    x = rng.standard_normal(shape)
    cols = F.im2col(mg.tensor(x), kernel, stride, padding, exact=False)
    y = rng.standard_normal(cols.shape)
    back = F.col2im(mg.tensor(y), shape, kernel, stride, padding, exact=False)
    assert back.shape == shape
    np.testing.assert_allclose(np.sum(cols.data * y), np.sum(x * back.data), rtol=1e-12)


def test_col2im_is_not_the_inverse_it_counts_overlaps():
    ones = mg.ones(1, 1, 3, 3, dtype=np.float64)
    counts = F.col2im(F.im2col(ones, 2), (1, 1, 3, 3), 2)
    np.testing.assert_array_equal(counts.data[0, 0], [[1, 2, 1], [2, 4, 2], [1, 2, 1]])


@settings(max_examples=20, deadline=None)
@given(
    n=st.integers(1, 2), c=st.integers(1, 3), h=st.integers(1, 7), w=st.integers(1, 7),
    kh=st.integers(1, 4), kw=st.integers(1, 4), sh=st.integers(1, 3), sw=st.integers(1, 3),
    ph=st.integers(0, 2), pw=st.integers(0, 2), seed=st.integers(0, 2**16),
)
def test_adjoint_holds_for_generated_geometries(n, c, h, w, kh, kw, sh, sw, ph, pw, seed):
    if h + 2 * ph < kh or w + 2 * pw < kw:
        return
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, c, h, w))
    cols = F.im2col(mg.tensor(x), (kh, kw), (sh, sw), (ph, pw), exact=False)
    np.testing.assert_array_equal(cols.data, naive_im2col(x, kh, kw, sh, sw, ph, pw))
    y = rng.standard_normal(cols.shape)
    back = F.col2im(mg.tensor(y), x.shape, (kh, kw), (sh, sw), (ph, pw), exact=False)
    np.testing.assert_allclose(np.sum(cols.data * y), np.sum(x * back.data), rtol=1e-10,
                               atol=1e-12)


@pytest.mark.parametrize("shape,kernel,stride,padding", CONFIGS[:4])
def test_im2col_and_col2im_pass_gradcheck_and_gradgradcheck(shape, kernel, stride, padding):
    rng = np.random.default_rng(2)
    x = mg.tensor(rng.standard_normal(shape), requires_grad=True)
    fwd = lambda a: F.im2col(a, kernel, stride, padding, exact=False)  # noqa: E731
    assert mg.gradcheck(fwd, (x,))
    assert mg.gradgradcheck(fwd, (x,))
    cols = mg.tensor(rng.standard_normal(fwd(x).shape), requires_grad=True)
    back = lambda a: F.col2im(a, shape, kernel, stride, padding, exact=False)  # noqa: E731
    assert mg.gradcheck(back, (cols,))
    assert mg.gradgradcheck(back, (cols,))


def test_im2col_matches_torch_unfold():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, 7, 5))
    got = F.im2col(mg.tensor(x), (3, 2), (2, 1), (1, 1))
    ref = torch.nn.functional.unfold(torch.tensor(x), (3, 2), stride=(2, 1), padding=(1, 1))
    np.testing.assert_array_equal(got.data, ref.permute(0, 2, 1).reshape(got.shape).numpy())


# --------------------------------------------------------------------------- output size


def test_output_size_worked_examples_from_the_book():
    assert output_size(4, 3, 1, 1, exact=True, op="t") == 4
    assert output_size(7, 3, 2, 0, exact=True, op="t") == 3
    assert geometry((1, 1, 4, 4), 3, 1, 1, exact=True, op="t").out_hw == (4, 4)


def test_fractional_output_size_raises_with_formula_numbers_and_a_fix():
    with pytest.raises(ValueError) as e:
        output_size(7, 2, 2, 0, exact=True, op="im2col", dim="height")
    msg = str(e.value)
    assert "im2col" in msg and "(7 + 2*0 - 2) / 2 + 1 = 3.5" in msg
    assert "stride=1" in msg and "exact=False" in msg
    with pytest.raises(ValueError, match="padding=1"):
        output_size(6, 2, 3, 0, exact=True, op="im2col")


def test_exact_false_floors_like_pytorch():
    assert output_size(7, 2, 2, 0, exact=False, op="t") == 3
    assert F.im2col(mg.zeros(1, 1, 7, 7), 2, 2, exact=False).shape == (9, 4)


def test_pair_accepts_an_int_or_a_pair_and_nothing_else():
    assert pair(3, "k", "op") == (3, 3)
    assert pair((3, 2), "k", "op") == (3, 2)
    assert pair([1, 2], "k", "op") == (1, 2)
    for bad in [(1, 2, 3), 1.5, "3", True, (1.0, 2)]:
        with pytest.raises(TypeError, match="op: k must be an int or a pair"):
            pair(bad, "k", "op")


# --------------------------------------------------------------------------- errors, dtype


def test_errors_name_the_op_and_shapes():
    x = mg.zeros(1, 1, 3, 3)
    with pytest.raises(ValueError, match=r"im2col: expected a 4-D input .* \(3, 3\)"):
        F.im2col(mg.zeros(3, 3), 2)
    with pytest.raises(ValueError, match="im2col: the kernel height 5 is larger than the "
                                         "padded input height 3"):
        F.im2col(x, 5)
    with pytest.raises(ValueError, match=r"im2col: stride must be positive, got \(0, 1\)"):
        F.im2col(x, 2, (0, 1))
    with pytest.raises(ValueError, match="im2col: padding must be >= 0"):
        F.im2col(x, 2, 1, -1)
    with pytest.raises(TypeError, match="im2col: input has dtype float16"):
        F.im2col(mg.zeros(1, 1, 3, 3, dtype=np.float16), 2)
    with pytest.raises(TypeError, match="im2col: input has dtype int64"):
        F.im2col(mg.tensor(np.zeros((1, 1, 3, 3), np.int64)), 2)
    with pytest.raises(ValueError, match=r"col2im: cols has shape \(3, 4\) .* \(4, 4\)"):
        F.col2im(mg.zeros(3, 4), (1, 1, 3, 3), 2)


def test_float32_is_preserved_and_input_untouched():
    rng = np.random.default_rng(4)
    data = rng.standard_normal((2, 2, 5, 5)).astype(np.float32)
    before = data.copy()
    x = mg.tensor(data, requires_grad=True)
    cols = F.im2col(x, 3, 2, 1)
    assert cols.dtype == np.float32
    (cols * cols).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(data, before)
    back = F.col2im(cols.detach(), (2, 2, 5, 5), 3, 2, 1)
    assert back.dtype == np.float32
