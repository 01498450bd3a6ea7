"""Check autodiff against central finite differences (PyTorch's ``gradcheck`` rules).

As in PyTorch, nothing is upcast: a float32 finite difference is too coarse to trust, so a
floating input that requires grad and is not float64 gets a ``UserWarning`` and the check
runs in its dtype (where it will likely fail). Make the inputs float64 (``x.double()``).

``fast_mode=True`` compares one random projection ``v^T J u`` per input instead of the whole
Jacobian: one backward and two forward calls per input, so inputs of 10^5 elements check in
a second. The projection dilutes an error in one element by about ``1/sqrt(numel)``: pass
tighter ``rtol``/``atol`` (float64 allows ``1e-7``) to catch small local errors in big inputs.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .autograd import grad
from .rng import get_rng
from .tensor import Tensor

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck"]


class GradcheckError(RuntimeError):
    """Autodiff and finite differences disagree (PyTorch's ``GradcheckError``)."""


def _as_tuple(x: Any) -> tuple:
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _warn_not_double(inputs: Sequence[Any]) -> None:
    """PyTorch's rule: a floating input that requires grad should be float64 (or complex128)."""
    for i, x in enumerate(inputs):
        if (isinstance(x, Tensor) and x.requires_grad and x.dtype.kind in "fc"
                and x.dtype not in (np.float64, np.complex128)):
            warnings.warn(
                f"Input #{i} requires gradient and is not a double precision floating point "
                "or complex. This check will likely fail if all the inputs are not of double "
                "precision floating point or complex. ",
                UserWarning,
                stacklevel=3,
            )


def _requiring_grad(inputs: tuple) -> list[tuple[int, Tensor]]:
    """``(position, tensor)`` for each input that requires grad: what is checked."""
    return [(i, x) for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]


def _outputs(fn: Callable, inputs: tuple) -> tuple[Tensor, ...]:
    """The outputs that can carry a gradient (integer or constant outputs are skipped)."""
    return tuple(o for o in _as_tuple(fn(*inputs)) if isinstance(o, Tensor) and o.requires_grad)


def _numerical_jacobian(fn: Callable, inputs: tuple, x: Tensor, eps: float) -> list:
    """Column j: (f(x + eps e_j) - f(x - eps e_j)) / 2eps, for every output."""
    n_out = [o.numel() for o in _outputs(fn, inputs)]
    jac = [np.zeros((x.numel(), n)) for n in n_out]
    for j in range(x.numel()):
        at = np.unravel_index(j, x.shape)  # index in place: x may be a non-contiguous view
        orig = x._data[at]
        x._data[at] = orig + eps
        plus = [o._data.reshape(-1).copy() for o in _outputs(fn, inputs)]
        x._data[at] = orig - eps
        minus = [o._data.reshape(-1).copy() for o in _outputs(fn, inputs)]
        x._data[at] = orig
        for k in range(len(jac)):
            jac[k][j] = (plus[k] - minus[k]) / (2 * eps)
    return jac


def _vjp(outputs: tuple, diff_inputs: list, seeds: list) -> tuple:
    return grad(list(outputs), diff_inputs, seeds, retain_graph=True, allow_unused=True)


def _unit_seed(outputs: tuple, k: int, m: int) -> list:
    seeds = []
    for kk, o in enumerate(outputs):
        seed = np.zeros(o.shape, o.dtype)
        if kk == k and seed.size:
            seed.reshape(-1)[m] = 1
        seeds.append(Tensor(seed))
    return seeds


def _analytical_jacobian(outputs: tuple, diff_inputs: list) -> list:
    """jac[i][k][:, m]: d output_k[m] / d input_i, one backward per output element."""
    jac = [[np.zeros((x.numel(), o.numel())) for o in outputs] for x in diff_inputs]
    for k, out in enumerate(outputs):
        for m in range(out.numel()):
            for i, g in enumerate(_vjp(outputs, diff_inputs, _unit_seed(outputs, k, m))):
                if g is not None:
                    jac[i][k][:, m] = g._data.reshape(-1)
    return jac


def _fail(message: str, raise_exception: bool) -> bool:
    if raise_exception:
        raise GradcheckError(message)
    return False


def _check_grads_meta(grads: tuple, diff: list, check_dtypes: bool) -> str | None:
    """What is wrong with the gradients' shapes (and dtypes), or None."""
    for g, (i, x) in zip(grads, diff):
        if g is None:
            continue
        if g.shape != x.shape:
            return (f"gradcheck: Gradient has shape mismatch: the gradient of input {i} has "
                    f"shape {g.shape}, the input {x.shape}")
        if check_dtypes and g.dtype != x.dtype:
            return (f"gradcheck: Gradient has dtype mismatch: the gradient of input {i} is "
                    f"{g.dtype}, the input {x.dtype}")
    return None


def _check_reentrant(outputs: tuple, diff: list, first: tuple, seeds: list,
                     nondet_tol: float) -> str | None:
    """Run the same backward again: a deterministic backward gives the same values."""
    again = _vjp(outputs, [x for _, x in diff], seeds)
    for a, b, (i, _x) in zip(first, again, diff):
        if (a is None) != (b is None):
            worst = np.inf
        elif a is None:
            continue
        else:
            worst = float(np.max(np.abs(a._data - b._data), initial=0.0))
        if not worst <= nondet_tol:
            return (
                "gradcheck: Backward is not reentrant, i.e., running backward with same input "
                f"and grad_output multiple times gives different values (input {i}: up to "
                f"{worst:.6g} apart), although analytical gradient matches numerical gradient. "
                f"The tolerance for nondeterminism was {nondet_tol}."
            )
    return None


def _check_undefined_grad(outputs: tuple, diff: list) -> str | None:
    """Zero output gradients (minigrad's stand-in for an undefined one) give zero inputs'."""
    zeros = [Tensor(np.zeros(o.shape, o.dtype)) for o in outputs]
    for g, (i, x) in zip(_vjp(outputs, [x for _, x in diff], zeros), diff):
        if g is not None and np.any(g._data != 0):
            return (
                "gradcheck: Expected backward function to handle undefined output grads: with "
                f"every output gradient zero, the gradient of input {i} (shape {x.shape}) is "
                "not zero. A backward must treat a missing (zero) output gradient as zero; "
                "pass check_undefined_grad=False to skip this check."
            )
    return None


def _slow_check(fn: Callable, inputs: tuple, diff: list, outputs: tuple, eps: float,
                atol: float, rtol: float) -> str | None:
    analytical = _analytical_jacobian(outputs, [x for _, x in diff])
    for (i, x), a_jacs in zip(diff, analytical):
        n_jacs = _numerical_jacobian(fn, inputs, x, eps)
        for k, (a, n) in enumerate(zip(a_jacs, n_jacs)):
            err = np.abs(a - n) - (atol + rtol * np.abs(n))
            if err.size and not err.max() <= 0:
                flat = int(np.argmax(np.where(np.isnan(err), np.inf, err)))
                j, m = np.unravel_index(flat, err.shape)
                where = np.unravel_index(j, x.shape) if x.ndim else ()
                return (
                    f"gradcheck: gradient of output {k} w.r.t. input {i} (shape {x.shape}) "
                    f"is wrong at input element {tuple(int(w) for w in where)}, output "
                    f"element {m}: autodiff {a[j, m]:.8g} vs finite difference "
                    f"{n[j, m]:.8g} (tolerance atol={atol} + rtol={rtol} * |numerical|)"
                )
    return None


def _fast_check(fn: Callable, inputs: tuple, diff: list, outputs: tuple, eps: float,
                atol: float, rtol: float) -> str | None:
    """One random projection per input: v^T J u, by backward and by a directional
    finite difference along u."""
    rng = get_rng()
    vs = []
    for o in outputs:
        v = rng.standard_normal(o.shape)
        vs.append(v / max(np.linalg.norm(v), 1e-300))
    grads = _vjp(outputs, [x for _, x in diff], [Tensor(v.astype(o.dtype))
                                                  for v, o in zip(vs, outputs)])
    for g, (i, x) in zip(grads, diff):
        u = rng.standard_normal(x.shape)
        u /= max(np.linalg.norm(u), 1e-300)
        analytical = 0.0 if g is None else float(np.sum(g._data * u))
        orig = x._data.copy()
        x._data[...] = orig + eps * u
        plus = [o._data.copy() for o in _outputs(fn, inputs)]
        x._data[...] = orig - eps * u
        minus = [o._data.copy() for o in _outputs(fn, inputs)]
        x._data[...] = orig
        numerical = float(sum(np.sum((p - m) / (2 * eps) * v)
                              for p, m, v in zip(plus, minus, vs)))
        if not abs(analytical - numerical) <= atol + rtol * abs(numerical):
            return (
                f"gradcheck (fast_mode): the gradient w.r.t. input {i} (shape {x.shape}) is "
                f"wrong: projected on random unit vectors, v^T J u = {analytical:.10g} by "
                f"autodiff vs {numerical:.10g} by finite differences (tolerance atol={atol} + "
                f"rtol={rtol} * |numerical|). Run with fast_mode=False on a smaller input to "
                "find the element."
            )
    return None


def gradcheck(
    func: Callable[..., Any],
    inputs: Any,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
    check_undefined_grad: bool = True,
    check_grad_dtypes: bool = False,
    fast_mode: bool = False,
) -> bool:
    """True when ``func``'s gradients w.r.t. every input that requires grad match finite
    differences: ``|analytical - numerical| <= atol + rtol * |numerical|`` elementwise.

    PyTorch's signature and checks: the backward is run twice and must agree within
    ``nondet_tol``; with ``check_undefined_grad`` zero output gradients must give zero input
    gradients; with ``check_grad_dtypes`` each gradient must have its input's dtype;
    ``fast_mode`` compares one random projection ``v^T J u`` per input instead of the whole
    Jacobian (for big inputs). Inputs are not upcast: a floating input that requires grad and
    is not float64 gets a ``UserWarning``.

    On a mismatch it raises ``GradcheckError`` (or returns False) naming the input, the worst
    element, both values and the tolerance::

        >>> import minigrad as mg, minigrad.nn.functional as F
        >>> x = mg.randn(1, 2, 5, 5, dtype=mg.float64, requires_grad=True)
        >>> w = mg.randn(3, 2, 3, 3, dtype=mg.float64, requires_grad=True)
        >>> mg.gradcheck(lambda x, w: F.conv2d(x, w, padding=1).tanh(), (x, w))
        True
    """
    inputs = _as_tuple(inputs)
    _warn_not_double(inputs)
    diff = _requiring_grad(inputs)
    if not diff:
        raise ValueError("gradcheck: no input requires grad; nothing to check (at least one "
                         "input tensor should have requires_grad=True)")
    outputs = _outputs(func, inputs)
    if not outputs:
        raise ValueError("gradcheck: fn returned no Tensor that depends on an input "
                         "requiring grad")
    seeds = _unit_seed(outputs, 0, 0)
    first = _vjp(outputs, [x for _, x in diff], seeds)
    problem = (
        _check_grads_meta(first, diff, check_grad_dtypes)
        or (_fast_check if fast_mode else _slow_check)(func, inputs, diff, outputs, eps, atol,
                                                        rtol)
        or _check_reentrant(outputs, diff, first, seeds, nondet_tol)
        or (_check_undefined_grad(outputs, diff) if check_undefined_grad else None)
    )
    return True if problem is None else _fail(problem, raise_exception)


def gradgradcheck(
    func: Callable[..., Any],
    inputs: Any,
    grad_outputs: Any = None,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
    check_undefined_grad: bool = True,
    check_grad_dtypes: bool = False,
    fast_mode: bool = False,
) -> bool:
    """Check second derivatives: ``gradcheck`` of the map (inputs, v) -> v^T J(inputs),
    computed with ``grad(..., create_graph=True)``. ``v`` is random (float64) unless given.

    Same keyword arguments as ``gradcheck``::

        >>> import minigrad as mg
        >>> x = mg.randn(3, dtype=mg.float64, requires_grad=True)
        >>> mg.gradgradcheck(lambda a: (a * a).tanh(), (x,))
        True
    """
    inputs = _as_tuple(inputs)
    n_in = len(inputs)
    outputs = _outputs(func, inputs)
    if grad_outputs is None:
        rng = get_rng()
        grad_outputs = [Tensor(rng.standard_normal(o.shape), requires_grad=True)
                        for o in outputs]
    else:
        grad_outputs = [Tensor(np.asarray(g._data if isinstance(g, Tensor) else g, np.float64),
                               requires_grad=True) for g in _as_tuple(grad_outputs)]
    diff_idx = [i for i, _ in _requiring_grad(inputs)]

    def first_derivative(*args: Any) -> tuple:
        xs, vs = args[:n_in], args[n_in:]
        outs = _outputs(func, xs)
        grads = grad(list(outs), [xs[i] for i in diff_idx], list(vs), create_graph=True,
                     allow_unused=True)
        return tuple(g for g in grads if g is not None and g.requires_grad)

    return gradcheck(first_derivative, (*inputs, *grad_outputs), eps=eps, atol=atol,
                     rtol=rtol, raise_exception=raise_exception, nondet_tol=nondet_tol,
                     check_undefined_grad=check_undefined_grad,
                     check_grad_dtypes=check_grad_dtypes, fast_mode=fast_mode)
