"""The engine's semantics against PyTorch's: one scenario, written once for a library
module ``T`` (``torch`` or ``minigrad``), run on both, every gradient compared.

Values are what the ops tests compare; these are about where gradients go: which tensors'
``.grad`` a backward fills (``inputs=``, ``retain_grad``, unused inputs), whether it adds
in place, and what memory a ``.grad`` shares."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import minigrad as mg

torch = pytest.importorskip("torch")


def _value(t):
    if t is None:
        return None
    if isinstance(t, (bool, int, float, str)):
        return t
    if isinstance(t, (tuple, list)):
        return [_value(v) for v in t]
    return np.asarray(t.detach().numpy()).tolist()


def _leaves(T, *values):
    return [T.tensor(v, requires_grad=True) for v in values]


def accumulate_twice(T):
    (x,) = _leaves(T, [1.0, 2.0])
    y = (x * x).sum()
    y.backward(retain_graph=True)
    first = x.grad
    y.backward()
    return x.grad, x.grad is first, first


def accumulate_into_a_grad_set_by_hand(T):
    (x,) = _leaves(T, [1.0, 2.0])
    mine = T.tensor([5.0, 5.0])
    x.grad = mine
    (x * 2).sum().backward()
    return x.grad, mine, x.grad is mine


def accumulate_under_create_graph(T):
    (x,) = _leaves(T, [1.0, 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch: create_graph with backward() may leak
        (x * x).sum().backward(create_graph=True)
        first = x.grad
        (x * x).sum().backward(create_graph=True)
    return x.grad, x.grad is first, x.grad.requires_grad


def inputs_a_subset_of_the_leaves(T):
    x, w = _leaves(T, [1.0, 2.0], [3.0, 4.0])
    (x * w).sum().backward(inputs=[x])
    return x.grad, w.grad


def inputs_a_non_leaf_and_an_unused_leaf(T):
    x, unused = _leaves(T, [1.0, 2.0], [3.0])
    z = x * 2
    (z * z).sum().backward(inputs=[z, unused])
    return z.grad, unused.grad, x.grad


def inputs_one_tensor_given_twice(T):
    (x,) = _leaves(T, [1.0, 2.0])
    (x * 3).sum().backward(inputs=[x, x])
    return x.grad


def inputs_with_a_hook(T):
    (x,) = _leaves(T, [1.0, 2.0])
    x.register_hook(lambda g: g * 10)
    (x * 3).sum().backward(inputs=x)
    return x.grad


def retained_grads_own_their_memory(T):
    (x,) = _leaves(T, [1.0, 2.0])
    a, b = x * 1, x * 1
    a.retain_grad()
    b.retain_grad()
    (a + b).sum().backward()
    a.grad.zero_()
    return a.grad, b.grad, x.grad


def a_gradient_passed_in_stays_the_callers(T):
    (x,) = _leaves(T, [1.0, 2.0])
    t = T.tensor([1.0, 1.0])
    (x + 0).backward(t)
    x.grad.zero_()
    return t


def grad_materialize_grads(T):
    x, unused = _leaves(T, [1.0, 2.0], [3.0, 4.0])
    return T.autograd.grad((x * 2).sum(), [x, unused], materialize_grads=True)


def grad_allow_unused(T):
    x, unused = _leaves(T, [1.0, 2.0], [3.0, 4.0])
    return T.autograd.grad((x * 2).sum(), [x, unused], allow_unused=True)


def zero_grad_keeps_the_grad_tensor(T):
    p = T.nn.Parameter(T.tensor([1.0, 2.0]))
    opt = T.optim.SGD([p], lr=0.1)
    (p * 2).sum().backward()
    held = p.grad
    opt.zero_grad(set_to_none=False)
    (p * 3).sum().backward()
    return held, p.grad is held


def post_accumulate_grad_hooks(T):
    x, w = _leaves(T, [1.0, 2.0], [3.0, 4.0])
    seen = []
    x.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.detach().clone()))
    handle = w.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad * 10))
    (x * w).sum().backward()
    (x * w).sum().backward(inputs=[x])
    handle.remove()
    (x * w).sum().backward()
    return seen


SCENARIOS = [accumulate_twice, accumulate_into_a_grad_set_by_hand,
             accumulate_under_create_graph, inputs_a_subset_of_the_leaves,
             inputs_a_non_leaf_and_an_unused_leaf, inputs_one_tensor_given_twice,
             inputs_with_a_hook, retained_grads_own_their_memory,
             a_gradient_passed_in_stays_the_callers, grad_materialize_grads, grad_allow_unused,
             zero_grad_keeps_the_grad_tensor, post_accumulate_grad_hooks]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda f: f.__name__)
def test_the_engine_matches_pytorch(scenario) -> None:
    assert _value(scenario(mg)) == _value(scenario(torch))


ERRORS = {  # name: (call on a library module T, the exception type both raise)
    "backward with empty inputs": (lambda T: (_leaves(T, [1.0])[0] * 2).sum().backward(
        inputs=[]), RuntimeError),
    "backward into a tensor that needs no grad": (lambda T: (_leaves(T, [1.0])[0] * 2).sum()
                                                  .backward(inputs=[T.tensor([1.0])]),
                                                  RuntimeError),
    "grad materialize_grads with allow_unused=False": (
        lambda T: T.autograd.grad((_leaves(T, [1.0])[0] * 2).sum(), _leaves(T, [1.0]),
                                  materialize_grads=True, allow_unused=False), ValueError),
    "a post-accumulate hook on a non-leaf": (
        lambda T: (_leaves(T, [1.0])[0] * 2).register_post_accumulate_grad_hook(print),
        RuntimeError),
    "grad of an unused input": (lambda T: T.autograd.grad(
        (_leaves(T, [1.0])[0] * 2).sum(), _leaves(T, [1.0])), RuntimeError),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_the_engine_refuses_what_pytorch_refuses(name) -> None:
    call, kind = ERRORS[name]
    with pytest.raises(kind):
        call(torch)
    with pytest.raises(kind):
        call(mg)
