"""``gradcheck_module``: every parameter of a model checked against finite differences on a
float64 copy, one line per parameter, as the book's ``gradient_check.py`` prints."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..autograd import enable_grad, grad, no_grad
from ..gradcheck import GradcheckError
from ..rng import get_rng
from ..tensor import Tensor

# --------------------------------------------------------------------------- gradcheck_module


@dataclass
class ParameterCheck:
    """One line of ``gradcheck_module``'s table: a parameter and how its gradient did."""

    name: str
    shape: tuple[int, ...]
    checked: int
    numel: int
    max_abs_diff: float
    relative_error: float
    ok: bool

    def __str__(self) -> str:
        checked = f"{self.checked}/{self.numel}"
        verdict = "ok" if self.ok else "WRONG"
        return (f"{self.name:<16} {str(self.shape):<16} {checked:>11}  "
                f"{self.max_abs_diff:>12.3e}  {self.relative_error:>12.3e}  {verdict}")


@dataclass
class ModuleGradcheck:
    """What ``gradcheck_module`` found: one ``ParameterCheck`` per parameter."""

    model: str
    rows: list[ParameterCheck]
    tol: float

    @property
    def ok(self) -> bool:
        """Every parameter's relative error is at most ``tol``."""
        return all(r.ok for r in self.rows)

    @property
    def wrong(self) -> list[str]:
        """The names of the parameters whose gradient is wrong."""
        return [r.name for r in self.rows if not r.ok]

    def __str__(self) -> str:
        head = (f"{'parameter':<16} {'shape':<16} {'checked':>11}  {'max abs diff':>12}  "
                f"{'rel. error':>12}")
        lines = [f"gradcheck_module({self.model}): float64, relative error "
                 "max|autodiff - numerical| / max(|autodiff|, |numerical|)", head,
                 *map(str, self.rows)]
        if self.ok:
            lines.append(f"all {len(self.rows)} parameters agree (relative error <= "
                         f"{self.tol:g})")
        else:
            lines.append(f"WRONG gradient (relative error > {self.tol:g}): "
                         + ", ".join(self.wrong))
        return "\n".join(lines)


def _double_inputs(inputs: tuple) -> tuple:
    out = []
    for x in inputs:
        if isinstance(x, Tensor) and x.dtype.kind == "f":
            out.append(Tensor(x._data.astype(np.float64)))
        else:
            out.append(x)
    return tuple(out)


def _chosen_parameters(model: Any, named: dict[str, Any], params: Iterable[Any] | None
                       ) -> list[str]:
    """The names (in the float64 twin, ``named``) of the parameters to check: ``params``
    gives them by name or as the model's own Parameter objects."""
    if params is None:
        return [n for n, p in named.items() if p.requires_grad]
    by_id = {id(p): n for n, p in model.named_parameters()}
    chosen = []
    for p in params:
        key = p if isinstance(p, str) else by_id.get(id(p))
        if key not in named:
            raise ValueError(f"gradcheck_module: argument 'params' names {p!r}, which is "
                             f"not a parameter of the model (it has {', '.join(named)})")
        chosen.append(key)
    return chosen


def _scalar_loss(twin: Any, inputs: tuple, loss_fn: Callable[[Any], Tensor] | None,
                 seed: int, rng_state: dict) -> Callable[[], Tensor]:
    """The scalar checked, as a function of the twin's parameters; each call restores
    ``rng_state``, so random layers draw the same values every time."""
    weights: list[np.ndarray] = []

    def loss() -> Tensor:
        get_rng().bit_generator.state = rng_state  # the same dropout masks every time
        out = twin(*inputs)
        if loss_fn is not None:
            value = loss_fn(out)
        elif out.numel() == 1:
            value = out.sum()
        else:
            if not weights:
                weights.append(np.random.default_rng(seed + 1).standard_normal(out.shape))
            value = (out * Tensor(weights[0])).sum()
        if not isinstance(value, Tensor) or value.numel() != 1:
            raise ValueError(f"gradcheck_module: loss_fn must return a one-element Tensor, "
                             f"got {getattr(value, 'shape', type(value).__name__)}")
        return value

    return loss


def _numerical_gradient(p: Any, flat: np.ndarray, loss: Callable[[], Tensor],
                        eps: float) -> np.ndarray:
    """Central differences of ``loss`` in the elements ``flat`` (flat indices) of ``p``."""
    num = np.empty(len(flat))
    with no_grad():
        for k, j in enumerate(flat):
            at = np.unravel_index(int(j), p.shape)
            old = p._data[at]
            p._data[at] = old + eps
            up = loss().item()
            p._data[at] = old - eps
            down = loss().item()
            p._data[at] = old
            num[k] = (up - down) / (2 * eps)
    return num


def _sampled_elements(size: int, samples: int | None, pick: np.random.Generator
                      ) -> np.ndarray:
    """The flat indices checked: all, or ``samples`` of them drawn without replacement."""
    if samples is None or size <= samples:
        return np.arange(size)
    return np.sort(pick.choice(size, samples, replace=False))


def _max_abs(a: np.ndarray) -> float:
    return float(np.max(np.abs(a), initial=0.0))


def _check_parameter(name: str, p: Any, g: Tensor | None, flat: np.ndarray,
                     loss: Callable[[], Tensor], eps: float, tol: float) -> ParameterCheck:
    """Autodiff's gradient ``g`` (None: unused, so zero) against finite differences, in
    the elements ``flat`` of ``p``."""
    a_all = np.zeros(p.shape) if g is None else g._data.astype(np.float64)
    a = a_all.reshape(-1)[flat]
    num = _numerical_gradient(p, flat, loss, eps)
    diff = _max_abs(a - num)
    scale = max(_max_abs(a), _max_abs(num))
    rel = diff / scale if scale > 0 else 0.0
    return ParameterCheck(name, tuple(p.shape), len(flat), p.numel(), diff, rel,
                          bool(rel <= tol))


def gradcheck_module(
    model: Any,
    inputs: Any,
    loss_fn: Callable[[Any], Tensor] | None = None,
    params: Iterable[Any] | None = None,
    samples: int | None = 100,
    *,
    eps: float = 1e-6,
    tol: float = 1e-6,
    seed: int = 0,
    verbose: bool = True,
    raise_exception: bool = False,
) -> ModuleGradcheck:
    """Check every parameter's gradient of a model against central finite differences.

    The check runs on a float64 copy of ``model`` (``copy.deepcopy`` + ``double()``; the
    model itself is not changed), with floating ``inputs`` cast to float64. The scalar
    checked is ``loss_fn(model(*inputs))`` (default: the output if it has one element, else
    its dot product with fixed random weights). ``params`` picks parameters by name or by
    the model's Parameter objects (default: all that require grad). Of a parameter with
    more than ``samples`` elements, ``samples`` elements are drawn (``seed``); ``None``
    checks every element. Random layers (dropout) see the same draws in every forward.

    Returns (and, with ``verbose``, prints) one line per parameter with its relative error
    ``max|autodiff - numerical| / max(|autodiff|, |numerical|)``; a parameter above ``tol``
    is marked WRONG (``raise_exception=True`` raises ``GradcheckError`` naming them)::

        >>> import minigrad as mg
        >>> from minigrad import nn
        >>> from minigrad.testing import gradcheck_module
        >>> _ = mg.manual_seed(0)
        >>> net = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
        >>> result = gradcheck_module(net, mg.randn(5, 3), verbose=False)
        >>> result.ok, [row.name for row in result.rows]
        (True, ['0.weight', '0.bias', '2.weight', '2.bias'])
    """
    name = type(model).__name__
    inputs = _double_inputs(inputs if isinstance(inputs, tuple) else (inputs,))
    twin = copy.deepcopy(model).double()
    named = dict(twin.named_parameters())
    chosen = _chosen_parameters(model, named, params)
    if not chosen:
        raise ValueError("gradcheck_module: the model has no parameter that requires grad")
    rng_state = get_rng().bit_generator.state
    loss = _scalar_loss(twin, inputs, loss_fn, seed, rng_state)
    try:
        with enable_grad():
            analytical = grad(loss(), [named[n] for n in chosen], allow_unused=True)
        pick = np.random.default_rng(seed)
        rows = []
        for n, g in zip(chosen, analytical):
            flat = _sampled_elements(named[n].numel(), samples, pick)
            rows.append(_check_parameter(n, named[n], g, flat, loss, eps, tol))
    finally:
        get_rng().bit_generator.state = rng_state
    result = ModuleGradcheck(name, rows, tol)
    if verbose:
        print(result)
    if raise_exception and not result.ok:
        raise GradcheckError(f"gradcheck_module: the gradient of {', '.join(result.wrong)} "
                             f"disagrees with finite differences\n{result}")
    return result
