"""Check autodiff against central finite differences, in float64.

A float32 finite difference is too coarse to trust, so every floating input is upcast to a
float64 copy for the check (weights included, when passed as inputs).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .autograd import grad
from .rng import get_rng
from .tensor import Tensor


class GradcheckError(RuntimeError):
    """Autodiff and finite differences disagree."""


def _as_tuple(x: Any) -> tuple:
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _upcast(inputs: Sequence[Any]) -> tuple:
    out = []
    for x in inputs:
        if isinstance(x, Tensor) and x.dtype.kind == "f":
            out.append(Tensor(x._data.astype(np.float64), requires_grad=x.requires_grad))
        else:
            out.append(x)
    return tuple(out)


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


def _analytical_jacobian(outputs: tuple, diff_inputs: list) -> list:
    """jac[i][k][:, m]: d output_k[m] / d input_i, one backward per output element."""
    jac = [[np.zeros((x.numel(), o.numel())) for o in outputs] for x in diff_inputs]
    for k, out in enumerate(outputs):
        for m in range(out.numel()):
            seed = np.zeros(out.numel(), dtype=out.dtype)
            seed[m] = 1
            seeds = [Tensor(seed.reshape(out.shape)) if kk == k else
                     Tensor(np.zeros(o.shape, o.dtype)) for kk, o in enumerate(outputs)]
            grads = grad(list(outputs), diff_inputs, seeds, retain_graph=True,
                         allow_unused=True)
            for i, g in enumerate(grads):
                if g is not None:
                    jac[i][k][:, m] = g._data.reshape(-1)
    return jac


def gradcheck(
    fn: Callable[..., Any],
    inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """True when ``fn``'s gradients w.r.t. every input that requires grad match finite
    differences: ``|analytical - numerical| <= atol + rtol * |numerical|`` elementwise.

    On a mismatch it raises (or returns False) naming the input, the worst element, both
    values and the tolerance. Use float64 inputs: float32 finite differences are too coarse::

        >>> import minigrad as mg, minigrad.nn.functional as F
        >>> x = mg.randn(1, 2, 5, 5, dtype=mg.float64, requires_grad=True)
        >>> w = mg.randn(3, 2, 3, 3, dtype=mg.float64, requires_grad=True)
        >>> mg.gradcheck(lambda x, w: F.conv2d(x, w, padding=1).tanh(), (x, w))
        True
    """
    inputs = _upcast(_as_tuple(inputs))
    diff = [(i, x) for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not diff:
        raise ValueError("gradcheck: no input requires grad; nothing to check")
    outputs = _outputs(fn, inputs)
    if not outputs:
        raise ValueError("gradcheck: fn returned no Tensor that depends on an input "
                         "requiring grad")
    analytical = _analytical_jacobian(outputs, [x for _, x in diff])
    for (i, x), a_jacs in zip(diff, analytical):
        n_jacs = _numerical_jacobian(fn, inputs, x, eps)
        for k, (a, n) in enumerate(zip(a_jacs, n_jacs)):
            err = np.abs(a - n) - (atol + rtol * np.abs(n))
            if err.size and err.max() > 0:
                j, m = np.unravel_index(int(np.argmax(err)), err.shape)
                where = np.unravel_index(j, x.shape) if x.ndim else ()
                message = (
                    f"gradcheck: gradient of output {k} w.r.t. input {i} (shape {x.shape}) "
                    f"is wrong at input element {tuple(int(w) for w in where)}, output "
                    f"element {m}: autodiff {a[j, m]:.8g} vs finite difference {n[j, m]:.8g} "
                    f"(tolerance atol={atol} + rtol={rtol} * |numerical|)"
                )
                if raise_exception:
                    raise GradcheckError(message)
                return False
    return True


def gradgradcheck(
    fn: Callable[..., Any],
    inputs: Any,
    grad_outputs: Any = None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Check second derivatives: ``gradcheck`` of the map (inputs, v) -> v^T J(inputs),
    computed with ``grad(..., create_graph=True)``. ``v`` is random unless given."""
    inputs = _upcast(_as_tuple(inputs))
    n_in = len(inputs)
    outputs = _outputs(fn, inputs)
    if grad_outputs is None:
        rng = get_rng()
        grad_outputs = [Tensor(rng.standard_normal(o.shape), requires_grad=True)
                        for o in outputs]
    else:
        grad_outputs = [Tensor(np.asarray(g._data if isinstance(g, Tensor) else g, np.float64),
                               requires_grad=True) for g in _as_tuple(grad_outputs)]
    diff_idx = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]

    def first_derivative(*args: Any) -> tuple:
        xs, vs = args[:n_in], args[n_in:]
        outs = _outputs(fn, xs)
        grads = grad(list(outs), [xs[i] for i in diff_idx], list(vs), create_graph=True,
                     allow_unused=True)
        return tuple(g for g in grads if g is not None and g.requires_grad)

    return gradcheck(first_derivative, (*inputs, *grad_outputs), eps, atol, rtol,
                     raise_exception)
