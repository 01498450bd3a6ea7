"""L-BFGS, as ``torch.optim.LBFGS``: a quasi-Newton method that builds an inverse-Hessian
estimate from the last ``history_size`` steps, with PyTorch's algorithm step for step (its
strong-Wolfe line search and cubic interpolation too), so a problem gives the same iterates.

Everything runs on one flat vector of all parameters, as PyTorch's: one parameter group,
the closure re-evaluating the loss and gradients as often as the search needs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ..autograd import enable_grad, no_grad
from ..tensor import Tensor
from ._scalar_state import as_state_value, check_group_numbers
from .optimizer import Optimizer, check_numbers

__all__ = ["LBFGS"]


def _cubic_interpolate(x1: Any, f1: Any, g1: Any, x2: Any, f2: Any, g2: Any,
                       bounds: tuple[Any, Any] | None = None) -> Any:
    """The minimiser of the cubic through two points with their slopes, clamped to
    ``bounds`` (default: between the points); their midpoint when the cubic has none."""
    if bounds is not None:
        xmin_bound, xmax_bound = bounds
    else:
        xmin_bound, xmax_bound = (x1, x2) if x1 <= x2 else (x2, x1)
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1**2 - g1 * g2
    if d2_square < 0:
        return (xmin_bound + xmax_bound) / 2.0
    d2 = np.sqrt(d2_square)
    if x1 <= x2:
        min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(min_pos, xmin_bound), xmax_bound)


class _WolfeSearch:
    """PyTorch's ``_strong_wolfe``: find a step ``t`` along ``d`` meeting the strong Wolfe
    conditions, first bracketing an interval, then zooming into it. State kept on ``self``
    so each phase is a short method."""

    def __init__(self, obj_func: Callable, x: list[np.ndarray], d: np.ndarray, f: Any,
                 g: np.ndarray, gtd: Any, c1: float, c2: float, tolerance_change: float,
                 max_ls: int) -> None:
        self.obj_func, self.x, self.d = obj_func, x, d
        self.f, self.g, self.gtd = f, g.copy(), gtd
        self.c1, self.c2, self.tolerance_change, self.max_ls = c1, c2, tolerance_change, max_ls
        self.evals, self.ls_iter, self.done = 0, 0, False

    def evaluate(self, t: Any) -> tuple[Any, np.ndarray, Any]:
        f_new, g_new = self.obj_func(self.x, t, self.d)
        self.evals += 1
        return f_new, g_new, g_new.dot(self.d)

    def armijo_fails(self, t: Any, f_new: Any) -> bool:
        """Not enough decrease for a step ``t`` (the first Wolfe condition)."""
        return bool(f_new > (self.f + self.c1 * t * self.gtd))

    def curvature_holds(self, gtd_new: Any) -> bool:
        """The strong curvature condition (the second)."""
        return bool(abs(gtd_new) <= -self.c2 * self.gtd)

    def bracket_phase(self, t: Any) -> None:
        """Grow ``t`` (cubic extrapolation) until an interval holds a point that works."""
        f_new, g_new, gtd_new = self.evaluate(t)
        prev = (0, self.f, self.g, self.gtd)
        while self.ls_iter < self.max_ls:
            if self.armijo_fails(t, f_new) or (self.ls_iter > 1 and f_new >= prev[1]):
                return self.set_bracket([prev, (t, f_new, g_new.copy(), gtd_new)])
            if self.curvature_holds(gtd_new):
                self.done = True
                return self.set_bracket([(t, f_new, g_new, gtd_new)])
            if gtd_new >= 0:
                return self.set_bracket([prev, (t, f_new, g_new.copy(), gtd_new)])
            t_next = _cubic_interpolate(prev[0], prev[1], prev[3], t, f_new, gtd_new,
                                        bounds=(t + 0.01 * (t - prev[0]), t * 10))
            prev = (t, f_new, g_new.copy(), gtd_new)
            t = t_next
            f_new, g_new, gtd_new = self.evaluate(t)
            self.ls_iter += 1
        self.set_bracket([(0, self.f, self.g, None), (t, f_new, g_new, None)])
        return None

    def set_bracket(self, points: list[tuple[Any, Any, np.ndarray, Any]]) -> None:
        self.bracket = [p[0] for p in points]
        self.bracket_f = [p[1] for p in points]
        self.bracket_g = [p[2] for p in points]
        self.bracket_gtd = [p[3] for p in points]

    def order(self) -> tuple[int, int]:
        """The positions of the bracket's lower and higher loss."""
        return (0, 1) if self.bracket_f[0] <= self.bracket_f[-1] else (1, 0)

    def safeguard(self, t: Any, insuf_progress: bool) -> tuple[Any, bool]:
        """Keep ``t`` off the bracket's ends when progress is too small (PyTorch's rule)."""
        hi, lo = max(self.bracket), min(self.bracket)
        eps = 0.1 * (hi - lo)
        if min(hi - t, t - lo) >= eps:
            return t, False
        if not (insuf_progress or t >= hi or t <= lo):
            return t, True
        return (hi - eps if abs(t - hi) < abs(t - lo) else lo + eps), False

    def zoom_phase(self) -> None:
        """Shrink the bracket (cubic interpolation) until a point satisfies both conditions."""
        insuf_progress = False
        low, high = self.order()
        b, bf, bg, bgtd = self.bracket, self.bracket_f, self.bracket_g, self.bracket_gtd
        while not self.done and self.ls_iter < self.max_ls:
            if abs(b[1] - b[0]) * self.d_norm < self.tolerance_change:
                break
            t = _cubic_interpolate(b[0], bf[0], bgtd[0], b[1], bf[1], bgtd[1])
            t, insuf_progress = self.safeguard(t, insuf_progress)
            f_new, g_new, gtd_new = self.evaluate(t)
            self.ls_iter += 1
            point = (t, f_new, g_new.copy(), gtd_new)
            if self.armijo_fails(t, f_new) or f_new >= bf[low]:
                self.put(high, point)
                low, high = (0, 1) if bf[0] <= bf[1] else (1, 0)
                continue
            if self.curvature_holds(gtd_new):
                self.done = True
            elif gtd_new * (b[high] - b[low]) >= 0:
                self.put(high, (b[low], bf[low], bg[low], bgtd[low]))
            self.put(low, point)
        self.low = low

    def put(self, pos: int, point: tuple[Any, Any, np.ndarray, Any]) -> None:
        (self.bracket[pos], self.bracket_f[pos], self.bracket_g[pos],
         self.bracket_gtd[pos]) = point

    def run(self, t: Any) -> tuple[Any, np.ndarray, Any, int]:
        """``(f_new, g_new, t, evaluations)``, as PyTorch's ``_strong_wolfe`` returns."""
        self.d_norm = np.abs(self.d).max()
        self.bracket_phase(t)
        self.zoom_phase()
        return (self.bracket_f[self.low], self.bracket_g[self.low], self.bracket[self.low],
                self.evals)


def _strong_wolfe(obj_func: Callable, x: list[np.ndarray], t: Any, d: np.ndarray, f: Any,
                  g: np.ndarray, gtd: Any, c1: float = 1e-4, c2: float = 0.9,
                  tolerance_change: float = 1e-9, max_ls: int = 25) -> tuple[Any, ...]:
    """PyTorch's strong-Wolfe line search (``torch.optim.lbfgs._strong_wolfe``)."""
    return _WolfeSearch(obj_func, x, d, f, g, gtd, c1, c2, tolerance_change, max_ls).run(t)


def _two_loop(state: dict, flat_grad: np.ndarray, history_size: int) -> np.ndarray:
    """The next direction: the stored ``(s, y)`` pair of the last step is added to the
    history (when its curvature ``y.s`` is positive enough), then ``-H g`` by the two-loop
    recursion."""
    y = flat_grad - state["prev_flat_grad"]
    s = state["d"] * state["t"]
    ys = y.dot(s)
    if ys > 1e-10:
        if len(state["old_dirs"]) == history_size:
            for key in ("old_dirs", "old_stps", "ro"):
                state[key].pop(0)
        state["old_dirs"].append(y)
        state["old_stps"].append(s)
        state["ro"].append(1.0 / ys)
        state["H_diag"] = ys / y.dot(y)
    old_dirs, old_stps, ro = state["old_dirs"], state["old_stps"], state["ro"]
    if state["al"] is None:
        state["al"] = [None] * history_size
    al = state["al"]
    q = -flat_grad
    for i in range(len(old_dirs) - 1, -1, -1):
        al[i] = old_stps[i].dot(q) * ro[i]
        q += old_dirs[i] * -al[i]
    r = q * state["H_diag"]
    for i in range(len(old_dirs)):
        be_i = old_dirs[i].dot(r) * ro[i]
        r += old_stps[i] * (al[i] - be_i)
    return r


_HISTORY = ("d", "t", "old_dirs", "old_stps", "ro", "H_diag", "prev_flat_grad", "prev_loss")


class LBFGS(Optimizer):
    """L-BFGS (``torch.optim.LBFGS``), heavily inspired by minFunc, as PyTorch's.

    ``step(closure)`` runs up to ``max_iter`` iterations (``max_eval`` loss evaluations,
    default ``max_iter * 5 // 4``); the closure must clear the gradients, compute the loss,
    call ``backward()`` and return the loss. ``line_search_fn``: None (fixed step ``lr``) or
    ``'strong_wolfe'``. One parameter group only. State (on the first parameter, as
    PyTorch's): ``func_evals``, ``n_iter``, ``d``, ``t``, ``old_dirs``, ``old_stps``, ``ro``,
    ``H_diag``, ``prev_flat_grad``, ``prev_loss``, ``al``.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1, max_iter: int = 20,
                 max_eval: int | None = None, tolerance_grad: float = 1e-7,
                 tolerance_change: float = 1e-9, history_size: int = 100,
                 line_search_fn: str | None = None) -> None:
        check_numbers("LBFGS", lr=lr, max_iter=max_iter, tolerance_grad=tolerance_grad,
                      tolerance_change=tolerance_change, history_size=history_size)
        if not 0.0 <= lr:
            raise ValueError(f"LBFGS: invalid learning rate: {lr} (must be >= 0)")
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        super().__init__(params, dict(lr=lr, max_iter=max_iter, max_eval=max_eval,
                                      tolerance_grad=tolerance_grad,
                                      tolerance_change=tolerance_change,
                                      history_size=history_size, line_search_fn=line_search_fn))
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]

    def _check_group(self, group: dict[str, Any]) -> None:
        check_group_numbers(self, group)

    # ------------------------------------------------------------ the flat vector
    def _gather_flat_grad(self) -> np.ndarray:
        return np.concatenate([np.zeros(p.numel(), p.dtype) if p.grad is None
                               else p.grad._data.reshape(-1) for p in self._params])

    def _add_grad(self, step_size: Any, update: np.ndarray) -> None:
        offset = 0
        for p in self._params:
            n = p.numel()
            p._data += np.multiply(update[offset:offset + n].reshape(p.shape), step_size,
                                   dtype=p.dtype)
            p._bump_version()
            offset += n

    def _set_param(self, params_data: list[np.ndarray]) -> None:
        for p, data in zip(self._params, params_data):
            p._data[...] = data
            p._bump_version()

    def _directional_evaluate(self, closure: Callable, x: list[np.ndarray], t: Any,
                              d: np.ndarray) -> tuple[float, np.ndarray]:
        self._add_grad(t, d)
        loss = float(closure())
        flat_grad = self._gather_flat_grad()
        self._set_param(x)
        return loss, flat_grad

    # ------------------------------------------------------------ the step
    @no_grad()
    def step(self, closure: Callable[[], Any]) -> Any:  # type: ignore[override]
        """Up to ``max_iter`` L-BFGS iterations; returns the closure's first loss."""
        if closure is None:
            raise TypeError("LBFGS.step: a closure that re-evaluates the model and returns "
                            "the loss is required")
        group = self.param_groups[0]
        state = self.state.setdefault(self._params[0], {})
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)
        with enable_grad():
            orig_loss = closure()
        state["func_evals"] += 1
        flat_grad = self._gather_flat_grad()
        if np.abs(flat_grad).max() <= group["tolerance_grad"]:
            return orig_loss
        # the history is worked on apart and stored at the end, in PyTorch's key order
        hist = {**{key: None for key in ("al", *_HISTORY)}, **state}
        self._iterate(closure, group, hist, float(orig_loss), flat_grad)
        state.update(func_evals=hist["func_evals"], n_iter=hist["n_iter"])
        if hist["al"] is not None:
            state["al"] = hist["al"]
        state.update({key: hist[key] for key in _HISTORY})
        return orig_loss

    def _iterate(self, closure: Callable, group: dict, state: dict, loss: float,
                 flat_grad: np.ndarray) -> None:
        """PyTorch's main loop: a direction, a step along it, the stopping tests."""
        current_evals, n_iter = 1, 0
        while n_iter < group["max_iter"]:
            n_iter += 1
            state["n_iter"] += 1
            state["d"] = self._direction(state, flat_grad, group["history_size"])
            if state["prev_flat_grad"] is None:
                state["prev_flat_grad"] = flat_grad.copy()
            else:
                state["prev_flat_grad"][...] = flat_grad
            state["prev_loss"] = loss
            lr = group["lr"].item() if isinstance(group["lr"], Tensor) else group["lr"]
            state["t"] = (min(1.0, 1.0 / np.abs(flat_grad).sum()) * lr
                          if state["n_iter"] == 1 else lr)
            gtd = flat_grad.dot(state["d"])
            if gtd > -group["tolerance_change"]:
                break
            loss, flat_grad, evals, opt_cond = self._advance(
                closure, group, state, loss, flat_grad, gtd, current_evals,
                last=n_iter == group["max_iter"])
            current_evals += evals
            state["func_evals"] += evals
            if n_iter == group["max_iter"] or current_evals >= group["max_eval"] or opt_cond:
                break
            if self._converged(group, state, loss):
                break

    @staticmethod
    def _direction(state: dict, flat_grad: np.ndarray, history_size: int) -> np.ndarray:
        if state["n_iter"] == 1:
            state.update(old_dirs=[], old_stps=[], ro=[], H_diag=1)
            return -flat_grad
        return _two_loop(state, flat_grad, history_size)

    @staticmethod
    def _converged(group: dict, state: dict, loss: float) -> bool:
        """The step or the loss change fell under ``tolerance_change``."""
        tol = group["tolerance_change"]
        if np.abs(state["d"] * state["t"]).max() <= tol:
            return True
        return bool(abs(loss - state["prev_loss"]) < tol)

    def _advance(self, closure: Callable, group: dict, state: dict, loss: float,
                 flat_grad: np.ndarray, gtd: Any, current_evals: int,
                 last: bool) -> tuple[float, np.ndarray, int, bool]:
        """Move along ``d``: by the line search's step, or by ``t`` (then re-evaluate
        unless this is the last iteration). Returns loss, gradient, evaluations, and
        whether the gradient is under ``tolerance_grad``."""
        d, tol_grad = state["d"], group["tolerance_grad"]
        search = group["line_search_fn"]
        if search is None:
            self._add_grad(state["t"], d)
            if last:
                return loss, flat_grad, 0, False
            with enable_grad():
                loss = float(closure())
            flat_grad = self._gather_flat_grad()
            return loss, flat_grad, 1, bool(np.abs(flat_grad).max() <= tol_grad)
        if search != "strong_wolfe":
            raise RuntimeError(f"LBFGS: only 'strong_wolfe' is supported as line_search_fn, "
                               f"got {search!r}")
        x_init = [p._data.copy() for p in self._params]

        def obj_func(x: list[np.ndarray], t: Any, d: np.ndarray) -> tuple[float, np.ndarray]:
            with enable_grad():
                return self._directional_evaluate(closure, x, t, d)

        loss, flat_grad, state["t"], evals = _strong_wolfe(
            obj_func, x_init, state["t"], d, loss, flat_grad, gtd,
            max_ls=group["max_eval"] - current_evals)
        self._add_grad(state["t"], d)
        return loss, flat_grad, evals, bool(np.abs(flat_grad).max() <= tol_grad)

    # ------------------------------------------------------------ state
    def state_dict(self) -> dict[str, Any]:
        """PyTorch's layout: the state of the first parameter holds the flat vectors and
        the history (lists of Tensors), 0-d Tensors for the numbers PyTorch keeps as such."""
        out = super().state_dict()
        out["state"] = {idx: {k: _as_saved(v) for k, v in s.items()}
                        for idx, s in out["state"].items()}
        return out

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore hyperparameters and the history saved by ``state_dict()``."""
        saved = state_dict["state"]
        Optimizer.load_state_dict(self, {**state_dict, "state": {}})
        params = self._params_by_index(state_dict["param_groups"])
        for idx, s in saved.items():
            p = params.get(int(idx))
            if p is not None:
                self.state[p] = {k: _as_kept(v) for k, v in s.items()}


def _as_saved(value: Any) -> Any:
    """A state value as a state dict holds it: arrays and numpy numbers as Tensors."""
    if isinstance(value, (np.ndarray, np.generic)):
        return Tensor(np.array(value))
    if isinstance(value, list):
        return [_as_saved(v) for v in value]
    return value


def _as_kept(value: Any) -> Any:
    """A saved value as the step keeps it: 0-d as a numpy number, arrays copied."""
    kept = as_state_value(value)
    if isinstance(kept, np.ndarray) and kept.ndim == 0:
        return kept[()]
    return kept
