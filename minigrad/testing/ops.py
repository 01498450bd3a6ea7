"""A list of ops becomes parametrised gradcheck + gradgradcheck + PyTorch comparisons (the
project's own op tests use it; torch is passed in, never imported here)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..autograd import grad
from ..gradcheck import gradcheck, gradgradcheck
from ..tensor import Tensor
from .compare import assert_close

# --------------------------------------------------------------------------- op cases


@dataclass(frozen=True)
class OpCase:
    """One op to test: ``fn(*make_inputs())``; ``covers`` names the ``Function`` classes it
    reaches, ``gradgrad`` whether it is twice differentiable, ``torch_fn`` the same op on
    torch tensors (for the PyTorch comparison; None: no comparison)."""

    name: str
    fn: Callable[..., Any]
    make_inputs: Callable[[], tuple]
    covers: tuple[str, ...] = ()
    gradgrad: bool = True
    torch_fn: Callable[..., Any] | None = None
    gradcheck_kwargs: Mapping[str, Any] = field(default_factory=dict)


CHECKS = ("gradcheck", "gradgradcheck", "torch")


def op_check_params(cases: Iterable[OpCase], checks: Sequence[str] = CHECKS) -> list:
    """``(case, check)`` pairs with readable ids (``"exp-gradcheck"``): the checks that apply
    to each case (no gradgradcheck without ``gradgrad``, no torch without ``torch_fn``)."""
    import pytest

    params = []
    for case in cases:
        for check in checks:
            if check not in CHECKS:
                raise ValueError(f"parametrize_ops: unknown check {check!r}; choose from "
                                 f"{', '.join(CHECKS)}")
            if (check == "gradgradcheck" and not case.gradgrad) or (
                    check == "torch" and case.torch_fn is None):
                continue
            params.append(pytest.param(case, check, id=f"{case.name}-{check}"))
    return params


def parametrize_ops(cases: Iterable[OpCase], checks: Sequence[str] = CHECKS) -> Any:
    """``@parametrize_ops(CASES)`` on ``def test_op(case, check): run_op_check(case, check)``:
    one pytest test per case and check."""
    import pytest

    return pytest.mark.parametrize("case, check", op_check_params(cases, checks))


def _to_torch(torch: Any, x: Any) -> Any:
    if isinstance(x, Tensor):
        t = torch.tensor(x._data.copy())
        return t.requires_grad_(True) if x.requires_grad else t
    return x


def _check_gradcheck(case: OpCase, torch: Any, seed: int) -> None:
    assert gradcheck(case.fn, case.make_inputs(), **case.gradcheck_kwargs)


def _check_gradgradcheck(case: OpCase, torch: Any, seed: int) -> None:
    assert gradgradcheck(case.fn, case.make_inputs(), **case.gradcheck_kwargs)


def _as_sequence(value: Any) -> tuple | list:
    return value if isinstance(value, (tuple, list)) else (value,)


def _requires_grad(x: Any) -> bool:
    return isinstance(x, Tensor) and x.requires_grad


def _check_torch(case: OpCase, torch: Any, seed: int) -> None:
    """Outputs first, then the gradients of every input that requires grad."""
    if torch is None:
        raise ValueError("run_op_check: argument 'torch' (the torch module) is needed for "
                         "the 'torch' check")
    inputs = case.make_inputs()
    theirs_in = [_to_torch(torch, x) for x in inputs]
    ours_t = _as_sequence(case.fn(*inputs))
    theirs_t = _as_sequence(case.torch_fn(*theirs_in))
    assert_close(list(ours_t), list(theirs_t), msg=lambda m: f"{case.name} forward: {m}")
    diff = [i for i, x in enumerate(inputs) if _requires_grad(x)]
    outs = [(o, t) for o, t in zip(ours_t, theirs_t) if _requires_grad(o)]
    if diff and outs:
        _compare_gradients(case, torch, seed, diff, (inputs, theirs_in), outs)


def _compare_gradients(case: OpCase, torch: Any, seed: int, diff: list[int],
                       inputs: tuple[Sequence, list], outs: list[tuple[Any, Any]]) -> None:
    """Backpropagate the same random output gradients (``seed``) through both graphs, to
    the inputs at ``diff``; ``inputs`` and each of ``outs`` are pairs (ours, PyTorch's)."""
    ours_in, theirs_in = inputs
    rng = np.random.default_rng(seed)
    seeds = [rng.standard_normal(o.shape).astype(o.dtype) for o, _ in outs]
    ours_g = grad([o for o, _ in outs], [ours_in[i] for i in diff],
                  [Tensor(s) for s in seeds], allow_unused=True)
    theirs_g = torch.autograd.grad([t for _, t in outs], [theirs_in[i] for i in diff],
                                   [torch.tensor(s) for s in seeds], allow_unused=True)
    for i, a, b in zip(diff, ours_g, theirs_g):
        _compare_gradient(case, i, a, b)


def _compare_gradient(case: OpCase, i: int, a: Any, b: Any) -> None:
    """A gradient that one side leaves out (None) must be zero on the other side."""
    if a is None or b is None:
        assert a is None or not np.any(a._data), f"{case.name}: input {i} gradient"
        assert b is None or not b.any(), f"{case.name}: input {i} gradient"
        return
    assert_close(a, b, msg=lambda m: f"{case.name} gradient of input {i}: {m}")


# run_op_check's checks by name, each called as (case, torch, seed)
_RUN_CHECK: dict[str, Callable[[OpCase, Any, int], None]] = {
    "gradcheck": _check_gradcheck,
    "gradgradcheck": _check_gradgradcheck,
    "torch": _check_torch,
}


def run_op_check(case: OpCase, check: str, *, torch: Any = None, seed: int = 0) -> None:
    """Run one check of ``case``: ``"gradcheck"``, ``"gradgradcheck"`` or ``"torch"`` (the
    outputs and the gradients of every input that requires grad match PyTorch's, given
    the ``torch`` module). Raises on failure."""
    if check not in CHECKS:
        raise ValueError(f"run_op_check: unknown check {check!r}; choose from "
                         f"{', '.join(CHECKS)}")
    _RUN_CHECK[check](case, torch, seed)
