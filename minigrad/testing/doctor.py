"""``check_function``: a doctor for a custom ``Function``. It runs a battery of checks and
explains each problem found in plain words, with the fix."""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..autograd import Function, enable_grad, grad, no_grad
from ..gradcheck import GradcheckError, gradcheck, gradgradcheck
from ..tensor import Tensor

# --------------------------------------------------------------------------- check_function


@dataclass
class Diagnosis:
    """One problem ``check_function`` found: which check, what is wrong, and the fix."""

    check: str
    problem: str
    fix: str

    def __str__(self) -> str:
        return f"[{self.check}] {self.problem}\n    Fix: {self.fix}"


@dataclass
class FunctionReport:
    """What ``check_function`` found; ``ok`` when nothing, ``str()`` explains each problem."""

    function: str
    checks: list[str]
    problems: list[Diagnosis]

    @property
    def ok(self) -> bool:
        """No problem found."""
        return not self.problems

    def __str__(self) -> str:
        if self.ok:
            return (f"check_function({self.function}): no problems found "
                    f"({len(self.checks)} checks: {', '.join(self.checks)})")
        lines = [f"check_function({self.function}): {len(self.problems)} problem"
                 f"{'s' if len(self.problems) > 1 else ''} found"]
        lines += [f"{i}. {d}" for i, d in enumerate(self.problems, 1)]
        return "\n".join(lines)


def _arrays_of(value: Any) -> list[np.ndarray]:
    if isinstance(value, Tensor):
        return [value._data]
    if isinstance(value, np.ndarray):
        return [value]
    if isinstance(value, (tuple, list)):
        return [a for v in value for a in _arrays_of(v)]
    return []


def _snapshot(values: Iterable[Any]) -> list[tuple[np.ndarray, np.ndarray]]:
    return [(a, a.copy()) for v in values for a in _arrays_of(v)]


def _changed(snapshot: list) -> bool:
    return any(not np.array_equal(a, copy_, equal_nan=True) for a, copy_ in snapshot)


def _copy_input(x: Any, dtype: Any = None, requires_grad: bool | None = None) -> Any:
    if not isinstance(x, Tensor):
        return x
    data = x._data.copy() if dtype is None or x.dtype.kind != "f" else x._data.astype(dtype)
    rg = x.requires_grad if requires_grad is None else requires_grad
    return Tensor(data, requires_grad=rg and data.dtype.kind == "f")


def _ctx_arrays(ctx: Any) -> list:
    """Arrays the ctx holds as attributes (``ctx.mask = ...``)."""
    skip = {"fn", "needs_input_grad", "edges", "outputs", "scope", "created_at", "_saved",
            "_versions", "_const_inputs", "_output_arrays", "_freed"}
    return [v for k, v in vars(ctx).items() if k not in skip]


def _as_tuple(value: Any) -> tuple:
    return value if isinstance(value, tuple) else (value,)


def _as_array(value: Any) -> np.ndarray:
    return value._data if isinstance(value, Tensor) else np.asarray(value)


def _loses_precision(garr: np.ndarray, x: Tensor) -> bool:
    """A gradient that is not floating, or less precise than its floating input."""
    if garr.dtype.kind not in "fc":
        return True
    return x.dtype.kind in "fc" and np.finfo(garr.dtype).precision < np.finfo(x.dtype).precision


def _copy_inputs(example_inputs: tuple) -> tuple:
    """Copies, so that no check can change the caller's tensors; when none requires grad,
    every floating one does (there would be nothing to check otherwise)."""
    inputs = tuple(_copy_input(x) for x in example_inputs)
    if not any(isinstance(x, Tensor) and x.requires_grad for x in inputs):
        inputs = tuple(_copy_input(x, requires_grad=True) for x in inputs)
    return inputs


class _Examination:
    """One run of ``check_function``: the inputs, the graph node forward made and the
    problems found so far, shared by the checks (one method each, run in order)."""

    def __init__(self, function: type[Function], example_inputs: tuple, example_kwargs: dict,
                 eps: float, atol: float, rtol: float) -> None:
        self.function = function
        self.name = getattr(function, "__name__", repr(function))
        self.tolerances = {"eps": eps, "atol": atol, "rtol": rtol}
        self.checks: list[str] = []
        self.problems: list[Diagnosis] = []
        self.inputs = _copy_inputs(example_inputs)
        self.kwargs = {k: _copy_input(v) for k, v in example_kwargs.items()}
        self.tensor_at = [i for i, x in enumerate(self.inputs) if isinstance(x, Tensor)]
        self.wants = [i for i in self.tensor_at if self.inputs[i].requires_grad]
        if not self.wants:
            raise ValueError(f"check_function({self.name}): no example input is a floating "
                             "Tensor, so there is no gradient to check")
        self.rng = np.random.default_rng(0)
        self.outputs: tuple = ()
        self.ctx: Any = None
        self.g_arrays: list[np.ndarray] = []
        self.grads: tuple = ()
        self.connected = 0  # gradients with a graph under create_graph (the rest stay zero)

    def add(self, check: str, problem: str, fix: str) -> None:
        self.problems.append(Diagnosis(check, problem, fix))

    def run(self, check_second_order: bool) -> FunctionReport:
        """Each step returns False when the later ones would not run or would only repeat
        the problem it found."""
        steps = [self.forward, self.saved_tensors_unchanged, self.backward,
                 self.finite_differences]
        if check_second_order:
            steps += [self.backward_uses_tensor_ops, self.second_derivative]
        for step in steps:
            if not step():
                break
        return FunctionReport(self.name, self.checks, self.problems)

    def _input_tensors(self) -> list[Tensor]:
        return [self.inputs[i] for i in self.tensor_at]

    # ---- forward

    def forward(self) -> bool:
        self.checks.append("forward")
        before = _snapshot(self._input_tensors())
        versions = [x._version for x in self._input_tensors()]
        try:
            with enable_grad():
                self.outputs = _as_tuple(self.function.apply(*self.inputs, **self.kwargs))
        except Exception as error:
            self.add("forward", f"forward raised {type(error).__name__}: {error}",
                     "make forward(ctx, *inputs) run on these inputs first.")
            return False
        if _changed(before) or versions != [x._version for x in self._input_tensors()]:
            self.add("forward modifies its input",
                     "forward changed one of its inputs in place (the caller's tensor is now "
                     "different and the graph records the wrong values).",
                     "compute into a new array (y = x_data * 2, not x_data *= 2); never write "
                     "into an input's memory.")
        self.checks.append("output aliases input")
        if not self.function._view:
            for k, out in enumerate(self.outputs):
                self._check_aliasing(k, out)
        return self._connected()

    def _connected(self) -> bool:
        """Whether an output has a graph node (the ctx that backward gets)."""
        self.ctx = next((o.grad_fn for o in self.outputs
                         if isinstance(o, Tensor) and o.grad_fn), None)
        if self.ctx is None:
            self.add("forward", "no output is connected to the graph (no output has a "
                     "grad_fn), so backward can never run.",
                     "return a floating-point array from forward.")
            return False
        return True

    def _check_aliasing(self, k: int, out: Tensor) -> None:
        """One problem per output at most: the first input it shares memory with."""
        for i in self.tensor_at:
            if np.shares_memory(out._data, self.inputs[i]._data):
                self.add("output aliases input",
                         f"forward's output {k} shares memory with input #{i} (it returned "
                         "the input's array, or a view of it): an in-place change of one "
                         "silently changes the other, and the version counter cannot see it.",
                         "return a copy (x.detach().numpy().copy(), or an expression that "
                         "makes a new array); a Function whose output is meant to be a view "
                         "sets _view = True.")
                return

    # ---- saved tensors changed after forward (a second forward, as in a training loop)

    def _saved_or_error(self) -> tuple[tuple, RuntimeError | None]:
        """The saved tensors, or the version counter's error when one was modified."""
        try:
            return self.ctx.saved_tensors, None
        except RuntimeError as error:
            return (), error

    def saved_tensors_unchanged(self) -> bool:
        self.checks.append("saved tensors unchanged after forward")
        # an error already here: forward itself modified a tensor after saving it
        saved, modified_error = self._saved_or_error()
        saved_snapshot = _snapshot([*saved, *_ctx_arrays(self.ctx)])
        try:
            with enable_grad():
                self.function.apply(*self.inputs, **self.kwargs)
        except Exception:
            pass
        if modified_error is None:
            _, modified_error = self._saved_or_error()
        if modified_error is None and not _changed(saved_snapshot):
            return True
        how = (f"the version counter caught it: {modified_error}" if modified_error
               else "its values changed (written through numpy, so not even the version "
               "counter saw it)")
        self.add("saved tensor modified",
                 "a tensor saved for backward was changed in place after forward (here by "
                 f"the next call of forward): {how}. backward would compute the gradient "
                 "from the wrong values.",
                 "save a tensor that nothing modifies later: a clone() of it (or of a buffer "
                 "that forward updates), or update the buffer out of place.")
        return False

    # ---- backward, called directly: count, shapes, dtypes, in-place changes, determinism

    def _call_backward(self) -> tuple[tuple, bool]:
        """The gradients backward returns for the fixed grad_outputs, and whether it
        modified its arguments (grad_outputs, saved tensors, ctx attributes, inputs)."""
        gouts = [Tensor(g.copy()) for g in self.g_arrays]
        snap = _snapshot([*gouts, *self.ctx.saved_tensors, *_ctx_arrays(self.ctx),
                          *self._input_tensors()])
        with no_grad():
            got = self.function.backward(self.ctx, *gouts)
        return _as_tuple(got), _changed(snap)

    def backward(self) -> bool:
        self.g_arrays = [self.rng.standard_normal(o.shape).astype(o.dtype)
                         if o.dtype.kind == "f" else np.zeros(o.shape) for o in self.outputs]
        self.checks.append("backward")
        try:
            self.grads, modified = self._call_backward()
        except Exception as error:
            self.add("backward", f"backward raised {type(error).__name__}: {error}",
                     "make backward(ctx, *grad_outputs) run: it gets one gradient per output.")
            return False
        self.checks += ["number of gradients", "gradient shape", "gradient dtype"]
        self._check_gradient_count()
        for i, (x, g) in enumerate(zip(self.inputs, self.grads)):
            self._check_gradient(i, x, g)
        self.checks.append("backward modifies its arguments")
        if modified:
            self.add("backward modifies its arguments",
                     "backward changed a grad_output, a saved tensor or an input in place: "
                     "the same memory is used by other nodes of the graph, so their gradients "
                     "become wrong.",
                     "compute new tensors (g = g * 2, not g *= 2 or g.mul_(2)); never write "
                     "into grad_outputs or ctx.saved_tensors.")
        else:
            self._check_determinism()
        return not self.problems  # the numerical checks would only repeat these

    def _check_gradient_count(self) -> None:
        n_grads, n_inputs = len(self.grads), len(self.inputs)
        # as in PyTorch, extra trailing Nones are fine: they stand for defaulted arguments
        extra_none = n_grads > n_inputs and all(g is None for g in self.grads[n_inputs:])
        if n_grads != n_inputs and not extra_none:
            self.add("number of gradients",
                     f"backward returned {n_grads} gradient{'s' if n_grads != 1 else ''}, but "
                     f"forward takes {n_inputs} input{'s' if n_inputs != 1 else ''}: there "
                     "must be exactly one per input of forward, in order.",
                     "return a tuple with one entry per forward argument, None for arguments "
                     "that are not tensors or need no gradient (return gx, None, None).")

    def _check_gradient(self, i: int, x: Any, g: Any) -> None:
        if g is None:
            if i in self.wants:
                self.add("number of gradients",
                         f"backward returned None for input #{i}, which requires grad: its "
                         "gradient is silently zero.",
                         "return its gradient (None only where ctx.needs_input_grad[i] is "
                         "False).")
            return
        if not isinstance(x, Tensor):
            self.add("number of gradients",
                     f"backward returned a gradient for input #{i}, which is not a tensor "
                     f"({type(x).__name__}).", "return None in that position.")
            return
        garr = _as_array(g)
        self._check_gradient_shape(i, x, garr)
        if _loses_precision(garr, x):
            self.add("gradient dtype",
                     f"backward returned a {garr.dtype} gradient for input #{i}, which is "
                     f"{x.dtype}: precision is lost (or the values are truncated).",
                     "compute the gradient in the input's dtype: Tensor ops on the saved "
                     "tensors and grad_outputs keep it; do not cast to float32 or an integer "
                     "type.")

    def _check_gradient_shape(self, i: int, x: Tensor, garr: np.ndarray) -> None:
        """The input's shape, or one it broadcasts to (autograd sums that back)."""
        try:
            fits = np.broadcast_shapes(x.shape, garr.shape) == garr.shape
        except ValueError:
            fits = False
        if not fits:
            self.add("gradient shape",
                     f"backward returned a gradient of shape {garr.shape} for input #{i} of "
                     f"shape {x.shape}. A gradient must have its input's shape (or a shape "
                     "the input broadcasts to, which is summed back): this looks like a "
                     "broadcast in forward that backward did not reduce.",
                     f"sum the gradient over the dimensions forward broadcast, e.g. "
                     f"g.sum_to({x.shape}) (or .sum(dim, keepdim=True) then reshape).")

    def _check_determinism(self) -> None:
        self.checks.append("deterministic backward")
        try:
            again, _ = self._call_backward()
        except Exception:
            again = self.grads
        for i, (a, b) in enumerate(zip(self.grads, again)):
            if a is None or b is None:
                continue
            a_, b_ = _as_array(a), _as_array(b)
            if a_.shape != b_.shape or not np.array_equal(a_, b_, equal_nan=True):
                self.add("nondeterministic backward",
                         f"backward gave a different gradient for input #{i} on a second call "
                         "with the same grad_outputs: the gradient is not a function of the "
                         "inputs (random numbers, or state kept between calls).",
                         "make backward depend only on ctx and grad_outputs; draw any "
                         "randomness in forward and save it (ctx.mask = ...).")
                return

    # ---- finite differences and second derivatives, on float64 copies

    def _fresh(self) -> tuple:
        return tuple(_copy_input(x, np.float64) for x in self.inputs)

    def _op(self, *args: Any) -> Any:
        return self.function.apply(*args, **self.kwargs)

    def _numerical_check(self, check: Any) -> GradcheckError | None:
        """Run ``gradcheck`` or ``gradgradcheck`` on fresh float64 inputs; its error, if any."""
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                check(self._op, self._fresh(), **self.tolerances)
        except GradcheckError as error:
            return error
        return None

    def finite_differences(self) -> bool:
        self.checks.append("gradient vs finite differences")
        error = self._numerical_check(gradcheck)
        if error is None:
            return True
        self.add("gradient vs finite differences",
                 f"the gradient disagrees with finite differences: {error}",
                 "fix the derivative formula in backward for that input (check the chain "
                 "rule: multiply by the grad_output, and by the right saved values).")
        return False

    def _first_derivatives(self, xs: tuple, vs: list, create_graph: bool) -> tuple:
        """The gradients of the inputs that want one, for output gradients ``vs``."""
        with enable_grad():
            outs = [o for o in _as_tuple(self._op(*xs)) if o.requires_grad]
            return grad(outs, [xs[i] for i in self.wants], vs, create_graph=create_graph,
                        allow_unused=True)

    def _stays_zero(self, k: int, xs: tuple, vs: list) -> bool:
        """Whether gradient ``k`` (zero at ``xs``) stays zero as each input element moves by
        eps: a step function's (round, floor division). Its derivative is then truly zero,
        and a gradient with no graph is right; x**2 at 0 computed in numpy is not."""
        eps, tol = self.tolerances["eps"], self.tolerances["atol"]
        for i in self.wants:
            data = xs[i]._data
            for j in np.ndindex(data.shape):
                orig = data[j]
                for step in (eps, -eps):
                    data[j] = orig + step
                    g = self._first_derivatives(xs, vs, create_graph=False)[k]
                    if g is not None and np.max(np.abs(_as_array(g)), initial=0.0) > tol * eps:
                        data[j] = orig
                        return False
                data[j] = orig
        return True

    def backward_uses_tensor_ops(self) -> bool:
        self.checks.append("backward uses Tensor ops")
        xs = self._fresh()
        with enable_grad():
            outs = [o for o in _as_tuple(self._op(*xs)) if o.requires_grad]
        vs = [Tensor(self.rng.standard_normal(o.shape), requires_grad=True) for o in outs]
        firsts = self._first_derivatives(xs, vs, create_graph=True)
        self.connected = 0
        for k, (i, g) in enumerate(zip(self.wants, firsts)):
            if g is None or g.requires_grad:
                self.connected += g is not None
                continue
            if not np.any(_as_array(g)) and self._stays_zero(k, xs, vs):
                continue
            self.add("second derivative",
                     f"the gradient of input #{i} is not connected to the graph under "
                     "create_graph=True (it has no grad_fn): backward computed it with "
                     "numpy (.numpy() or ._data) or from detached tensors, so second "
                     "derivatives (gradient penalties, gradgradcheck, Hessian-vector "
                     "products) are silently zero.",
                     "write backward with Tensor ops on ctx.saved_tensors and the "
                     "grad_outputs (2 * x * g, not Tensor(2 * x.numpy() * g.numpy())).")
            return False
        return True

    def second_derivative(self) -> bool:
        self.checks.append("second derivative vs finite differences")
        if not self.connected:  # every gradient is zero around the inputs: so is its own
            return True
        error = self._numerical_check(gradgradcheck)
        if error is not None:
            self.add("second derivative",
                     f"the derivative of backward (a second derivative) disagrees with finite "
                     f"differences: {error}",
                     "backward must be differentiable in its saved tensors too: use the saved "
                     "tensors themselves (not x.detach()) in the Tensor ops of backward.")
        return error is None


def check_function(
    function: type[Function],
    *example_inputs: Any,
    example_kwargs: dict[str, Any] | None = None,
    raise_exception: bool = False,
    check_second_order: bool = True,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> FunctionReport:
    """A doctor for a custom ``Function``: run ``function.apply(*example_inputs)`` through a
    battery of checks and explain each problem found in plain words, with the fix.

    It checks that forward does not return an input's memory nor modify its inputs; that
    backward returns one gradient per input, each of its input's shape (or a broadcast of
    it) and at least its precision, computed without modifying its arguments or the saved
    tensors, the same on every call; that tensors saved in forward are not changed by a
    later forward; that the gradient matches finite differences (float64 copies of the
    inputs); and, with ``check_second_order``, that backward is written with Tensor ops
    (numpy in backward makes second derivatives silently zero) and its own gradient is
    right. ``example_kwargs`` are passed to ``apply`` by keyword, as constants (the engine
    gives keyword arguments no gradient, so backward returns none for them; see
    ``Sum.apply(x, dim=1)``). Returns a ``FunctionReport`` (``report.ok``, ``print(report)``); with
    ``raise_exception=True`` a problem raises ``GradcheckError`` with the report::

        >>> import minigrad as mg
        >>> from minigrad.autograd import Function
        >>> from minigrad.testing import check_function
        >>> class Cube(Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         ctx.save_for_backward(x)
        ...         return x.detach().numpy() ** 3
        ...     @staticmethod
        ...     def backward(ctx, g):
        ...         (x,) = ctx.saved_tensors
        ...         return 3 * x * x * g
        >>> check_function(Cube, mg.randn(4, dtype=mg.float64, requires_grad=True)).ok
        True
    """
    if not (isinstance(function, type) and issubclass(function, Function)):
        raise TypeError(f"check_function: argument 'function' must be a Function subclass, "
                        f"not {type(function).__name__}")
    report = _Examination(function, example_inputs, dict(example_kwargs or {}), eps, atol,
                          rtol).run(check_second_order)
    if raise_exception and report.problems:
        raise GradcheckError(str(report))
    return report
