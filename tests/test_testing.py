"""minigrad.testing: assert_close and make_tensor against torch.testing, gradcheck_module on
the book's SimpleConvNet, and check_function's diagnoses of deliberately broken Functions."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import optional_torch
from hypothesis import given, settings

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn
from minigrad.autograd import Function
from minigrad.models import SimpleConvNet
from minigrad.testing import (
    assert_close,
    broadcastable_shapes,
    check_function,
    dims,
    gradcheck_module,
    make_tensor,
    tensors,
)

torch = optional_torch()  # torch-free tests run without it


# --------------------------------------------------------------------------- assert_close

CLOSE_CASES = [
    ([1.0, 2.0, 3.0, 4.0], [1.0, 2.5, 3.0, 5.0], {}, "float32"),
    ([1.0, 2.0, 3.0, 4.0], [1.0, 2.5, 3.0, 5.0], {}, "float64"),
    ([1.0, 2.0], [1.0, 2.0 + 1e-6], {}, "float32"),  # within float32's default tolerance
    ([1.0, 2.0], [1.0, 2.0 + 1e-6], {}, "float64"),  # not within float64's
    ([1.0, 2.0], [1.0, 2.001], {}, "float16"),
    ([1, 2, 3, 4], [1, 3, 3, 4], {}, "int64"),
    ([[1.0, 2.0], [3.0, 4.0]], [[1.0, 2.0], [3.0, 0.0]], {}, "float32"),
    ([float("nan")], [float("nan")], {}, "float64"),
    ([float("nan"), 1.0], [float("nan"), 1.0], {"equal_nan": True}, "float64"),
    ([1.0, float("inf")], [1.0, float("inf")], {}, "float32"),
    ([1.0, float("inf")], [1.0, -float("inf")], {}, "float32"),
    (1.0, 1.5, {}, "float32"),
    ([True, False], [False, False], {}, "bool"),
    ([1.0, 2.0], [1.0, 2.0001], {"rtol": 1e-3, "atol": 0.0}, "float64"),
    ([1.0, 2.0], [1.0, 2.1], {"rtol": 1e-3, "atol": 1e-5}, "float64"),
    ([], [], {}, "float32"),
]


def _outcome(fn) -> str | None:
    try:
        fn()
    except Exception as e:  # the type and the message are what is compared
        return f"{type(e).__name__}: " + str(e).replace("torch.", "")
    return None


@pytest.mark.parametrize("actual, expected, kwargs, dtype", CLOSE_CASES)
def test_assert_close_matches_torch(actual, expected, kwargs, dtype) -> None:
    a, e = np.array(actual, dtype=dtype), np.array(expected, dtype=dtype)
    ours = _outcome(lambda: assert_close(mg.tensor(a), mg.tensor(e), **kwargs))
    theirs = _outcome(lambda: torch.testing.assert_close(torch.tensor(a), torch.tensor(e),
                                                         **kwargs))
    assert ours == theirs


def test_assert_close_messages_name_the_mismatch() -> None:
    with pytest.raises(AssertionError, match=r"Mismatched elements: 2 / 4 \(50\.0%\)"):
        assert_close(mg.tensor([1.0, 2.0, 3.0, 4.0]), mg.tensor([1.0, 2.5, 3.0, 5.0]))
    with pytest.raises(AssertionError, match="attribute 'dtype' do not match: float32 != "
                       "float64"):
        assert_close(mg.tensor([1.0]), mg.tensor([1.0], dtype=mg.float64))
    assert_close(mg.tensor([1.0]), mg.tensor([1.0], dtype=mg.float64), check_dtype=False)
    with pytest.raises(AssertionError, match=r"attribute 'shape' do not match: \(1,\) != \(2,\)"):
        assert_close(mg.tensor([1.0]), mg.tensor([1.0, 2.0]))
    with pytest.raises(ValueError, match="Both 'rtol' and 'atol' must be either specified or "
                       "omitted, but got no atol"):
        assert_close(mg.tensor([1.0]), mg.tensor([1.0]), rtol=1e-3)
    with pytest.raises(AssertionError, match=r"The failure occurred for item \[1\]"):
        assert_close([mg.tensor([1.0]), mg.tensor([2.0])], [mg.tensor([1.0]), mg.tensor([3.0])])
    with pytest.raises(AssertionError, match="^custom$"):
        assert_close(mg.tensor([1.0]), mg.tensor([2.0]), msg="custom")
    with pytest.raises(TypeError, match="No comparison pair"):
        assert_close(mg.tensor([1.0]), [1.0])


def test_assert_close_compares_with_numpy_and_torch_values() -> None:
    assert_close(mg.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0]))
    assert_close(np.array([1.0]), np.array([1.0 + 1e-9]))
    assert_close(3, 3)
    with pytest.raises(AssertionError, match="Scalars are not equal"):
        assert_close(3, 4)


# --------------------------------------------------------------------------- make_tensor


@pytest.mark.parametrize("dtype, kwargs", [
    ("float32", {}), ("float64", {"low": -1, "high": 1}), ("int64", {}), ("uint8", {}),
    ("bool", {}), ("int8", {"low": -300, "high": 300}), ("float32", {"low": 5}),
    ("int32", {"exclude_zero": True}), ("float64", {"exclude_zero": True, "low": 0, "high": 1}),
])
def test_make_tensor_values_like_torch(dtype: str, kwargs: dict) -> None:
    mg.manual_seed(0)
    ours = make_tensor(2000, dtype=np.dtype(dtype), device="cpu", **kwargs).numpy()
    theirs = torch.testing.make_tensor(2000, dtype=getattr(torch, dtype), device="cpu",
                                       **kwargs).numpy()
    assert ours.dtype == theirs.dtype
    # the same range: both draw over it uniformly (2000 draws reach near both ends)
    span = float(theirs.max()) - float(theirs.min()) if theirs.dtype != bool else 1
    tol = 0.05 * span if dtype.startswith("float") else 0
    assert abs(float(ours.min()) - float(theirs.min())) <= tol
    assert abs(float(ours.max()) - float(theirs.max())) <= tol
    if kwargs.get("exclude_zero"):
        assert (ours != 0).all()


def test_make_tensor_shape_grad_noncontiguous_and_errors() -> None:
    x = make_tensor((3, 4), dtype=mg.float64, device=mg.device("cpu"), requires_grad=True,
                    noncontiguous=True)
    assert x.shape == (3, 4) and x.requires_grad and not x.detach().numpy().flags.c_contiguous
    assert make_tensor(1, dtype=mg.float32, device="cpu", noncontiguous=True).shape == (1,)
    assert make_tensor(dtype=mg.float32, device="cpu").shape == ()
    assert make_tensor(0, 3, dtype=mg.float32, device="cpu").shape == (0, 3)
    with pytest.raises(ValueError, match="requires_grad=True` is not supported for boolean"):
        make_tensor(3, dtype=mg.int64, device="cpu", requires_grad=True)
    with pytest.raises(ValueError, match="`low` must be less than `high`, but got 2 >= 1"):
        make_tensor(3, dtype=mg.float32, device="cpu", low=2, high=1)
    with pytest.raises(ValueError, match="cannot be NaN"):
        make_tensor(3, dtype=mg.float32, device="cpu", low=float("nan"))
    with pytest.raises(RuntimeError, match="CPU only"):
        make_tensor(3, dtype=mg.float32, device="cuda")
    with pytest.raises(TypeError, match="argument 'device' must be"):
        make_tensor(3, dtype=mg.float32, device=1.5)
    with pytest.raises(TypeError):
        make_tensor(3, dtype=mg.float32)  # device is required, as in PyTorch


# --------------------------------------------------------------------------- strategies


@settings(max_examples=25, deadline=None)
@given(shapes=broadcastable_shapes(num_shapes=3), x=tensors(requires_grad=True))
def test_strategies_give_broadcastable_shapes_and_tensors(shapes, x) -> None:
    inputs, result = shapes
    assert np.broadcast_shapes(*inputs) == result
    assert isinstance(x, mg.Tensor) and x.requires_grad and x.dtype == np.float64
    assert np.isfinite(x.numpy(force=True)).all()


@settings(max_examples=25, deadline=None)
@given(d=dims(3))
def test_dims_strategy_gives_valid_dims(d) -> None:
    assert mg.zeros(2, 3, 4).sum(d).ndim == 3 - (len(d) if isinstance(d, tuple) else 1)


# --------------------------------------------------------------------------- gradcheck_module


def _book_net(seed: int = 0):
    """The book's ch07 gradient_check.py: SimpleConvNet on a 10x10 input."""
    mg.manual_seed(seed)
    net = SimpleConvNet(input_dim=(1, 10, 10), hidden_size=10, output_size=10,
                        conv_param={"filter_num": 10, "filter_size": 3, "pad": 0, "stride": 1},
                        weight_init_std=0.01)
    x = mg.tensor(np.random.default_rng(seed).random(100).reshape(1, 1, 10, 10))
    return net, x


def test_gradcheck_module_reproduces_the_books_simpleconvnet_check(capsys) -> None:
    net, x = _book_net()
    before = {n: p.detach().numpy().copy() for n, p in net.named_parameters()}
    result = gradcheck_module(net, x, samples=None)
    assert [r.name for r in result.rows] == ["conv1.weight", "conv1.bias", "fc1.weight",
                                             "fc1.bias", "fc2.weight", "fc2.bias"]
    assert all(r.relative_error < 1e-7 for r in result.rows), str(result)
    assert all(r.checked == r.numel for r in result.rows) and result.ok
    printed = capsys.readouterr().out
    assert printed.count(" ok") == 6 and "conv1.weight" in printed
    for n, p in net.named_parameters():  # the user's model is untouched, still float32
        assert p.dtype == np.float32 and np.array_equal(p.detach().numpy(), before[n])


class _WrongLinearGrad(Function):
    @staticmethod
    def forward(ctx, x, w):
        ctx.save_for_backward(x, w)
        return x.detach().numpy() @ w.detach().numpy().T

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        return g @ w, 1.01 * (g.T @ x)  # the weight's gradient is 1% off


class _WrongLinear(nn.Linear):
    def forward(self, x):
        return _WrongLinearGrad.apply(x, self.weight) + self.bias


def test_gradcheck_module_names_the_parameter_of_a_wrong_layer() -> None:
    mg.manual_seed(0)
    net = nn.Sequential(nn.Linear(6, 5), nn.Tanh(), _WrongLinear(5, 3))
    result = gradcheck_module(net, mg.randn(4, 6), samples=8, verbose=False)
    assert not result.ok and result.wrong == ["2.weight"]
    assert "WRONG" in str(result) and "2.weight" in str(result).splitlines()[-1]
    with pytest.raises(mg.GradcheckError, match="2.weight"):
        gradcheck_module(net, mg.randn(4, 6), params=["2.weight"], verbose=False,
                         raise_exception=True)


def test_gradcheck_module_samples_large_parameters_and_uses_loss_fn() -> None:
    net, x = _book_net(1)
    labels = mg.tensor([1])
    result = gradcheck_module(net, x, loss_fn=lambda out: F.cross_entropy(out, labels),
                              params=[net.fc1.weight, "conv1.bias"], samples=20,
                              verbose=False, tol=1e-4)
    assert [(r.name, r.checked, r.numel) for r in result.rows] == [
        ("fc1.weight", 20, 1600), ("conv1.bias", 10, 10)]
    assert result.ok
    with pytest.raises(ValueError, match="argument 'params' names 'nope'"):
        gradcheck_module(net, x, params=["nope"], verbose=False)


# --------------------------------------------------------------------------- check_function


class Good(Function):
    @staticmethod
    def forward(ctx, x, w):
        ctx.save_for_backward(x, w)
        return x.detach().numpy() * w.detach().numpy()

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        return g * w, (g * x).sum(0)


class UnreducedBroadcast(Function):
    """w (3,) is broadcast against x (2, 3, 4) after a reshape; its gradient is not reduced."""

    @staticmethod
    def forward(ctx, x, w):
        ctx.save_for_backward(x, w)
        return x.detach().numpy() * w.detach().numpy()[:, None]

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        return g * w.reshape(3, 1), (g * x).sum(0)  # (3, 4), not (3,)


class Float32Gradient(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.detach().numpy() * 2

    @staticmethod
    def backward(ctx, g):
        return (g * 2).float()


class TooFewGradients(Function):
    @staticmethod
    def forward(ctx, x, w):
        ctx.save_for_backward(x, w)
        return x.detach().numpy() * w.detach().numpy()

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        return g * w


class InPlaceBackward(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.detach().numpy() ** 2

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        g.mul_(2)  # writes into the grad_output
        return g * x


class SavesABufferItUpdates(Function):
    """Saves a running buffer, then updates it in place on the next call."""

    buffer = None

    @staticmethod
    def forward(ctx, x):
        if SavesABufferItUpdates.buffer is None:
            SavesABufferItUpdates.buffer = mg.ones(*x.shape, dtype=x.dtype)
        else:
            SavesABufferItUpdates.buffer.add_(1.0)
        ctx.save_for_backward(SavesABufferItUpdates.buffer)
        return x.detach().numpy() * SavesABufferItUpdates.buffer.numpy()

    @staticmethod
    def backward(ctx, g):
        (b,) = ctx.saved_tensors
        return g * b


class RandomBackward(Function):
    @staticmethod
    def forward(ctx, x):
        return x.detach().numpy() * 3

    @staticmethod
    def backward(ctx, g):
        return g * (3 + mg.tensor(np.random.default_rng().normal(0, 1e-12, g.shape)))


class ReturnsItsInput(Function):
    @staticmethod
    def forward(ctx, x):
        return x.detach().numpy()  # the input's own array

    @staticmethod
    def backward(ctx, g):
        return g


class WrongDerivative(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.sin(x.detach().numpy())

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x  # should be cos(x)


class NumpyBackward(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.detach().numpy() ** 3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 3 * x.detach().numpy() ** 2 * g.detach().numpy()  # right, but in numpy


class DetachedSecondDerivative(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.detach().numpy() ** 3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 3 * x.detach() ** 2 * g


def _x(*shape: int) -> mg.Tensor:
    return mg.tensor(np.random.default_rng(0).uniform(0.5, 1.5, shape), requires_grad=True)


BROKEN = {
    "UnreducedBroadcast": (UnreducedBroadcast, lambda: (_x(2, 3, 4), _x(3)),
                           "gradient shape", ["shape (3, 4) for input #1 of shape (3,)",
                                              "broadcast", "sum_to"]),
    "Float32Gradient": (Float32Gradient, lambda: (_x(3),), "gradient dtype",
                        ["float32 gradient for input #0, which is float64"]),
    "TooFewGradients": (TooFewGradients, lambda: (_x(3), _x(3)), "number of gradients",
                        ["returned 1 gradient, but forward takes 2 inputs"]),
    "InPlaceBackward": (InPlaceBackward, lambda: (_x(3),), "backward modifies its arguments",
                        ["in place", "g = g * 2"]),
    "SavesABufferItUpdates": (SavesABufferItUpdates, lambda: (_x(3),),
                              "saved tensor modified",
                              ["changed in place after forward", "version", "clone()"]),
    "RandomBackward": (RandomBackward, lambda: (_x(3),), "nondeterministic backward",
                       ["different gradient for input #0 on a second call"]),
    "ReturnsItsInput": (ReturnsItsInput, lambda: (_x(3),), "output aliases input",
                        ["shares memory with input #0", "copy"]),
    "WrongDerivative": (WrongDerivative, lambda: (_x(3),), "gradient vs finite differences",
                        ["disagrees with finite differences", "input element"]),
    "NumpyBackward": (NumpyBackward, lambda: (_x(3),), "second derivative",
                      ["numpy", "silently zero", "Tensor ops"]),
    "DetachedSecondDerivative": (DetachedSecondDerivative, lambda: (_x(3),),
                                 "second derivative", ["second derivative", "x.detach()"]),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_check_function_diagnoses_each_broken_function(name: str) -> None:
    cls, make, check, words = BROKEN[name]
    SavesABufferItUpdates.buffer = None
    report = check_function(cls, *make())
    assert not report.ok
    assert report.problems[0].check == check, str(report)
    text = str(report)
    for w in words:
        assert w in text, text
    with pytest.raises(mg.GradcheckError, match=check):
        check_function(cls, *make(), raise_exception=True)


def test_check_function_passes_a_correct_function() -> None:
    report = check_function(Good, _x(2, 3), _x(3))
    assert report.ok, str(report)
    assert "no problems found" in str(report)


class Floor(Function):
    """A step function: its gradient is zero, made without a graph, and that is right."""

    @staticmethod
    def forward(ctx, x):
        return np.floor(x.detach().numpy())

    @staticmethod
    def backward(ctx, g):
        return mg.zeros(*g.shape, dtype=g.dtype)


def test_check_function_accepts_a_zero_gradient_that_stays_zero() -> None:
    # round and floor division: a gradient with no graph is not a silent zero when the
    # gradient is zero all around the inputs (its own derivative is zero too)
    x = mg.tensor([0.3, 1.6, -2.2], dtype=mg.float64, requires_grad=True)
    report = check_function(Floor, x)
    assert report.ok, str(report)
    assert "second derivative vs finite differences" in report.checks


class NumpySquare(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.detach().numpy() ** 2

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return mg.tensor(2 * x.detach().numpy() * g.detach().numpy())


def test_check_function_still_flags_a_numpy_backward_that_is_zero_at_the_inputs() -> None:
    # x**2 with a numpy backward, checked at x = 0: the gradient 2x is zero there but not
    # around it, so its derivative (2) must not be lost
    report = check_function(NumpySquare, mg.zeros(3, dtype=mg.float64, requires_grad=True))
    assert not report.ok
    assert report.problems[0].check == "second derivative", str(report)
    assert "silently zero" in str(report)


class ScaleBy(Function):
    """``factor * x``, the factor given by keyword (as ``Sum.apply(x, dim=1)`` is called)."""

    @staticmethod
    def forward(ctx, x, factor=1.0, forget=False):
        ctx.factor = 1.0 if forget else factor
        return x.detach().numpy() * factor

    @staticmethod
    def backward(ctx, g):
        return (g * ctx.factor,)


def test_check_function_passes_example_kwargs_to_forward_as_constants() -> None:
    x = _x(2, 3)
    report = check_function(ScaleBy, x, example_kwargs={"factor": 3.0})
    assert report.ok, str(report)  # one gradient: keyword arguments get none, as in apply
    wrong = check_function(ScaleBy, x, example_kwargs={"factor": 3.0, "forget": True})
    assert wrong.problems[0].check == "gradient vs finite differences", str(wrong)
    assert check_function(ScaleBy, x, example_kwargs={"factor": 1.0, "forget": True}).ok
