"""The torch-level runtime names real scripts touch: ``torch.dtype``, memory formats and
layouts, the legacy ``FloatTensor`` types, the RNG state functions and ``torch.random``, the
determinism/precision/thread flags, ``set_printoptions``, ``torch.version`` and
``torch.types``; compared with PyTorch where they are comparable."""

from __future__ import annotations

import pickle
import subprocess
import sys

import numpy as np
import pytest

import minigrad as mg

SHAPES_4D = [(2, 3, 4, 5), (2, 1, 4, 5), (2, 3, 1, 1), (1, 3, 1, 1), (2, 3, 4, 1), (0, 3, 4, 5),
             (1, 1, 1, 1)]


# ---------------------------------------------------------------- dtypes
def test_dtype_class_covers_the_dtype_names_and_tensor_dtypes(torch) -> None:
    for name in ("float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8",
                 "bool", "uint16", "uint32", "uint64", "float", "double", "long", "half"):
        assert isinstance(getattr(mg, name), mg.dtype), name
        assert isinstance(getattr(torch, name), torch.dtype), name
    assert isinstance(mg.zeros(2).dtype, mg.dtype)
    assert isinstance(mg.zeros(2, dtype=mg.uint16).dtype, mg.dtype)
    for other in (float, int, "float32", 3, None, np.str_):
        assert not isinstance(other, mg.dtype)
        assert not isinstance(other, torch.dtype)
    with pytest.raises(TypeError, match="^dtype: cannot create"):
        mg.dtype()


@pytest.mark.parametrize("name", ["uint16", "uint32", "uint64"])
def test_unsigned_dtypes_make_tensors(torch, name: str) -> None:
    ours = mg.tensor([1, 2, 3], dtype=getattr(mg, name))
    theirs = torch.tensor([1, 2, 3], dtype=getattr(torch, name))
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert mg.zeros(2, dtype=getattr(mg, name)).to(mg.float64).dtype == np.float64


def test_complex_dtypes_are_not_offered() -> None:
    for name in ("cfloat", "cdouble", "complex64", "complex128"):
        assert not hasattr(mg, name)


# ---------------------------------------------------------------- memory formats
def test_memory_format_and_layout_objects(torch) -> None:
    for name in ("contiguous_format", "channels_last", "channels_last_3d", "preserve_format"):
        assert isinstance(getattr(mg, name), mg.memory_format)
        assert repr(getattr(mg, name)) == repr(getattr(torch, name))
        assert pickle.loads(pickle.dumps(getattr(mg, name))) is getattr(mg, name)
    for name in ("strided", "sparse_coo"):
        assert isinstance(getattr(mg, name), mg.layout)
        assert repr(getattr(mg, name)) == repr(getattr(torch, name))
    t = mg.zeros(2, 3)
    assert t.layout is mg.strided
    assert (t.is_sparse, t.is_pinned(), t.is_quantized, t.is_meta) == (False,) * 4


@pytest.mark.parametrize("shape", SHAPES_4D)
def test_channels_last_strides_and_contiguity_match_pytorch(torch, shape: tuple) -> None:
    data = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    ours, theirs = mg.tensor(data), torch.tensor(data)
    for fmt in ("contiguous_format", "channels_last", "preserve_format"):
        assert ours.is_contiguous(memory_format=getattr(mg, fmt)) == theirs.is_contiguous(
            memory_format=getattr(torch, fmt)), fmt
    o = ours.contiguous(memory_format=mg.channels_last)
    t = theirs.contiguous(memory_format=torch.channels_last)
    if 0 in shape:  # numpy gives an empty array zero strides: its layout is not kept
        assert o.shape == t.shape and o.is_contiguous()
        return
    assert o.stride() == t.stride()
    assert o.is_contiguous() == t.is_contiguous()
    assert o.is_contiguous(memory_format=mg.channels_last)
    np.testing.assert_array_equal(o.numpy(), t.numpy())
    back = o.contiguous()
    assert back.stride() == t.contiguous().stride() and back.is_contiguous()
    o2 = ours.to(memory_format=mg.channels_last)
    assert o2.stride() == theirs.to(memory_format=torch.channels_last).stride()
    kept = o2.to(memory_format=mg.preserve_format)
    assert kept is o2
    # an op's result keeps the layout; strides of size-1 dims are arbitrary and may differ
    ours_sum, theirs_sum = o2 + 1, theirs.to(memory_format=torch.channels_last) + 1
    assert [s for s, n in zip(ours_sum.stride(), shape) if n > 1] == [
        s for s, n in zip(theirs_sum.stride(), shape) if n > 1]


def test_channels_last_3d_strides_match_pytorch(torch) -> None:
    data = np.zeros((2, 3, 4, 5, 6), dtype=np.float32)
    o = mg.tensor(data).contiguous(memory_format=mg.channels_last_3d)
    t = torch.tensor(data).contiguous(memory_format=torch.channels_last_3d)
    assert o.stride() == t.stride()
    assert o.is_contiguous(memory_format=mg.channels_last_3d)
    assert not o.is_contiguous(memory_format=mg.channels_last)


def test_views_and_transposes_are_judged_as_pytorch(torch) -> None:
    data = np.zeros((2, 3, 4, 5), dtype=np.float32)
    for f in (lambda x: x.permute(0, 2, 3, 1), lambda x: x.permute(0, 3, 1, 2),
              lambda x: x[:, :, ::2], lambda x: x.transpose(2, 3)):
        ours, theirs = f(mg.tensor(data)), f(torch.tensor(data))
        for fmt in ("contiguous_format", "channels_last"):
            assert ours.is_contiguous(memory_format=getattr(mg, fmt)) == theirs.is_contiguous(
                memory_format=getattr(torch, fmt))
    nchw = mg.tensor(data).permute(0, 3, 1, 2)  # a (2, 5, 3, 4) view laid out channels-last
    assert nchw.is_contiguous(memory_format=mg.channels_last)
    assert nchw.contiguous(memory_format=mg.channels_last) is nchw


def test_channels_last_copy_is_differentiable(torch) -> None:
    data = np.random.default_rng(0).standard_normal((2, 3, 4, 5))
    x = mg.tensor(data, requires_grad=True)
    y = x.contiguous(memory_format=mg.channels_last)
    assert y.grad_fn is not None
    (y * mg.tensor(data)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), data)
    assert mg.gradcheck(lambda a: a.contiguous(memory_format=mg.channels_last) * 2, (x,))
    assert mg.gradcheck(lambda a: a.to(memory_format=mg.channels_last).sum(dim=1), (x,))


def test_memory_format_bad_input_as_pytorch(torch) -> None:
    t = mg.zeros(3, 4)
    with pytest.raises(RuntimeError, match=r"^contiguous: required rank 4 tensor to use "
                       r"channels_last format, got a tensor of shape \(3, 4\)"):
        t.contiguous(memory_format=mg.channels_last)
    with pytest.raises(RuntimeError, match="^to: required rank 5 tensor"):
        t.to(memory_format=mg.channels_last_3d)
    with pytest.raises(RuntimeError, match="^contiguous: preserve memory format is unsupported"):
        t.contiguous(memory_format=mg.preserve_format)
    with pytest.raises(TypeError, match="^is_contiguous: argument 'memory_format' must be "
                       "minigrad.memory_format, not str"):
        t.is_contiguous(memory_format="x")
    with pytest.raises(TypeError, match="^contiguous: argument 'memory_format'"):
        t.contiguous(memory_format="channels_last")
    assert not t.is_contiguous(memory_format=mg.channels_last)  # as PyTorch: False, no error
    with pytest.raises(RuntimeError):
        torch.zeros(3, 4).contiguous(memory_format=torch.channels_last)


def test_to_with_dtype_and_memory_format(torch) -> None:
    data = np.zeros((2, 3, 4, 5), dtype=np.float32)
    o = mg.tensor(data).to(mg.float64, memory_format=mg.channels_last)
    t = torch.tensor(data).to(torch.float64, memory_format=torch.channels_last)
    assert o.dtype == np.float64 and o.stride() == t.stride()


# ---------------------------------------------------------------- legacy tensor types
LEGACY = ["FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor", "ShortTensor",
          "CharTensor", "ByteTensor", "BoolTensor"]


@pytest.mark.parametrize("name", LEGACY)
def test_legacy_constructors_match_pytorch(torch, name: str) -> None:
    ours_cls, theirs_cls = getattr(mg, name), getattr(torch, name)
    for args in [([1, 0, 2],), ((1, 2),), ([[1, 2], [3, 0]],), (2, 3), (0,), (), (4,)]:
        o, t = ours_cls(*args), theirs_cls(*args)
        assert tuple(o.shape) == tuple(t.shape), args
        assert str(o.dtype) == str(t.dtype).removeprefix("torch."), args
        if args and not isinstance(args[0], int):
            np.testing.assert_array_equal(o.numpy(), t.numpy())
        assert isinstance(o, ours_cls) and isinstance(t, theirs_cls)
        assert isinstance(o, mg.Tensor) and type(o) is mg.Tensor
        assert o.type() == t.type() == f"torch.{name}"
    assert repr(ours_cls) == repr(theirs_cls)
    assert not issubclass(ours_cls, mg.Tensor)


def test_legacy_isinstance_checks_the_dtype(torch) -> None:
    for make, lib in ((mg.zeros, mg), (torch.zeros, torch)):
        x = make(2)
        assert isinstance(x, lib.FloatTensor) and not isinstance(x, lib.DoubleTensor)
        assert isinstance(x.double(), lib.DoubleTensor) and isinstance(x.long(), lib.LongTensor)
        assert not isinstance([1.0], lib.FloatTensor)


def test_type_with_a_legacy_class_or_name(torch) -> None:
    x = mg.zeros(2)
    assert x.type(mg.DoubleTensor).dtype == np.float64
    assert x.type("torch.LongTensor").dtype == np.int64
    assert str(torch.zeros(2).type(torch.DoubleTensor).dtype) == "torch.float64"
    assert mg.FloatTensor(x) is x


def test_legacy_constructor_bad_input() -> None:
    with pytest.raises(TypeError, match=r"^FloatTensor: expected sizes .* got \(str\)"):
        mg.FloatTensor("a")
    with pytest.raises(TypeError, match=r"^FloatTensor: expected .* got \(list, list\)"):
        mg.FloatTensor([1], [2])
    with pytest.raises(TypeError, match="^FloatTensor: expected a tensor of dtype float32"):
        mg.FloatTensor(mg.zeros(2, dtype=mg.float64))


# ---------------------------------------------------------------- RNG
def test_rng_state_round_trips() -> None:
    mg.manual_seed(5)
    state = mg.get_rng_state()
    assert state.dtype == np.uint8 and state.shape == (48,)
    a = mg.rand(4)
    b = mg.randn(3)
    mg.set_rng_state(state)
    np.testing.assert_array_equal(mg.rand(4).numpy(), a.numpy())
    np.testing.assert_array_equal(mg.randn(3).numpy(), b.numpy())
    assert mg.initial_seed() == 5


def test_manual_seed_returns_the_default_generator(torch) -> None:
    g = mg.manual_seed(7)
    assert isinstance(g, mg.Generator) and g is mg.default_generator
    assert isinstance(torch.manual_seed(7), torch.Generator)
    assert g.initial_seed() == mg.initial_seed() == 7
    state = g.get_state()
    a = mg.rand(3)
    assert g.set_state(state) is g
    np.testing.assert_array_equal(mg.rand(3).numpy(), a.numpy())


def test_seed_is_fresh_and_recorded() -> None:
    s1, s2 = mg.seed(), mg.seed()
    assert isinstance(s1, int) and 0 <= s1 < 2 ** 64 and s1 != s2
    assert mg.initial_seed() == s2
    g = mg.Generator()
    assert isinstance(g.initial_seed(), int)
    s = g.seed()
    assert g.initial_seed() == s
    assert g.device == mg.device("cpu")


def test_generator_state_is_its_own() -> None:
    g = mg.Generator().manual_seed(1)
    state = g.get_state()
    mg.manual_seed(2)
    first = mg.rand(3, generator=g)
    g.set_state(state)
    np.testing.assert_array_equal(mg.rand(3, generator=g).numpy(), first.numpy())
    assert g.initial_seed() == 1


def test_set_rng_state_bad_input() -> None:
    with pytest.raises(TypeError, match="^set_rng_state: RNG state must be a uint8 tensor"):
        mg.set_rng_state([1, 2])
    with pytest.raises(TypeError, match="^set_rng_state: .* got a tensor of dtype float32"):
        mg.set_rng_state(mg.zeros(48))
    with pytest.raises(RuntimeError, match="^set_rng_state: expected an RNG state of 48 bytes"):
        mg.set_rng_state(mg.zeros(3, dtype=mg.uint8))
    with pytest.raises(RuntimeError, match="^set_state: expected an RNG state of 48 bytes"):
        mg.Generator().set_state(mg.zeros(5056, dtype=mg.uint8))


def test_random_module_and_fork_rng(torch) -> None:
    import minigrad.random as mr

    for name in ("manual_seed", "seed", "initial_seed", "get_rng_state", "set_rng_state",
                 "fork_rng"):
        assert hasattr(mr, name) and hasattr(torch.random, name)
    mr.manual_seed(3)
    with mr.fork_rng():
        inside = mg.rand(2)
        mg.manual_seed(99)
        mg.rand(5)
    after = mg.rand(2)
    np.testing.assert_array_equal(inside.numpy(), after.numpy())
    assert mr.initial_seed() == 3
    with mr.fork_rng(enabled=False):
        mg.rand(2)
    assert not np.array_equal(mg.rand(2).numpy(), after.numpy())
    with pytest.raises(RuntimeError, match="^fork_rng: device_type 'cuda' is not available"):
        with mr.fork_rng(device_type="cuda"):
            pass


def test_new_submodules_load_on_first_touch() -> None:
    code = ("import sys, minigrad as torch\n"
            "names = ('random', 'version', 'types', 'memory_format')\n"
            "lazy = [n for n in names[:3] if 'minigrad.' + n in sys.modules]\n"
            "assert not lazy, lazy\n"
            "assert torch.random.fork_rng and torch.version.cuda is None\n"
            "assert torch.types.Number and 'random' in dir(torch)\n"
            "print('ok')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


# ---------------------------------------------------------------- flags
def test_deterministic_flags(torch) -> None:
    assert not mg.are_deterministic_algorithms_enabled()
    try:
        mg.use_deterministic_algorithms(True, warn_only=True)
        assert mg.are_deterministic_algorithms_enabled()
        assert mg.is_deterministic_algorithms_warn_only_enabled()
    finally:
        mg.use_deterministic_algorithms(False)
    assert not mg.is_deterministic_algorithms_warn_only_enabled()
    with pytest.raises(TypeError, match="^use_deterministic_algorithms: argument 'mode' must "
                       "be bool, not int"):
        mg.use_deterministic_algorithms(1)
    with pytest.raises(TypeError):
        torch.use_deterministic_algorithms(1)


def test_matmul_precision(torch) -> None:
    assert mg.get_float32_matmul_precision() == torch.get_float32_matmul_precision() == "highest"
    try:
        mg.set_float32_matmul_precision("high")
        assert mg.get_float32_matmul_precision() == "high"
        with pytest.warns(UserWarning, match="^set_float32_matmul_precision: x is not one of"):
            mg.set_float32_matmul_precision("x")
        assert mg.get_float32_matmul_precision() == "high"
    finally:
        mg.set_float32_matmul_precision("highest")


def test_interop_threads() -> None:
    before = mg.get_num_interop_threads()
    assert before >= 1
    try:
        mg.set_num_interop_threads(3)
        assert mg.get_num_interop_threads() == 3
    finally:
        mg.set_num_interop_threads(before)
    with pytest.raises(RuntimeError, match="^set_num_interop_threads: expected a positive"):
        mg.set_num_interop_threads(0)


def test_version_module(torch) -> None:
    assert mg.version.__version__ == mg.__version__
    assert mg.version.cuda is None and torch.version.cuda is None
    assert mg.version.debug is False and isinstance(mg.version.git_version, str)


# ---------------------------------------------------------------- printing
@pytest.fixture
def printoptions(torch):  # noqa: ANN201
    """Both libraries' print options, restored after the test."""
    yield
    torch.set_printoptions(profile="default")
    mg.set_printoptions(profile="default")


PRINT_CASES = [np.array([1.23456, 2.0]), np.array([1e-6, 1.0]), np.arange(10.0) / 3,
               np.arange(20.0) / 3, np.array([1.0, 2.0]), np.full((2, 20), -2.5),
               np.full((2, 2, 13), 123.456), np.array([[1.5, -7.25], [1e3, 0.5]])]


@pytest.mark.parametrize("options", [
    {}, {"precision": 2}, {"sci_mode": True}, {"sci_mode": False}, {"profile": "short"},
    {"profile": "default", "linewidth": 40}, {"linewidth": 120}, {"precision": 6},
])
def test_printoptions_match_pytorchs_repr(torch, printoptions, options: dict) -> None:
    torch.set_printoptions(**options)
    mg.set_printoptions(**options)
    for data in PRINT_CASES:
        assert repr(mg.tensor(data, dtype=mg.float32)) == repr(
            torch.tensor(data, dtype=torch.float32)), data


def test_printoptions_threshold_summarises(printoptions) -> None:
    mg.set_printoptions(threshold=5, edgeitems=2)
    assert repr(mg.arange(10)) == "tensor([0, 1, ..., 8, 9])"
    mg.set_printoptions(profile="full")
    assert "..." not in repr(mg.arange(2000))
    mg.set_printoptions(profile="default")
    assert "..." in repr(mg.arange(2000))
    from minigrad.printing import get_printoptions

    assert get_printoptions()["precision"] == 4
