"""``minigrad.autograd.functional``, as ``torch.autograd.functional``: vjp, jvp, jacobian,
hessian, vhp and hvp of a function of tensors, on the reverse-mode engine.

PyTorch's rules: ``inputs`` is a Tensor or a tuple of Tensors, and each result mirrors it
(and the function's outputs); an output that does not depend on an input gives zeros, or,
with ``strict=True``, a RuntimeError; without ``create_graph`` the results are detached.
``jvp`` and ``hvp`` use the double-backward trick, as PyTorch does. Loaded as a submodule of
``minigrad.autograd`` on first touch (minigrad/autograd_api/__init__.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..autograd import enable_grad, is_grad_enabled, set_grad_enabled
from ..functional.autograd import grad as _grad
from ..tensor import Tensor

__all__ = ["hessian", "hvp", "jacobian", "jvp", "vhp", "vjp"]

_STRICT_OUTPUT = ("Output {i} of the user-provided function does not require gradients. The "
                  "outputs must be computed in a differentiable manner from the input when "
                  "running in strict mode.")
_STRICT_JACOBIAN = ("While computing the hessian, found that the jacobian of the user-provided "
                    "function with respect to input {i} is independent of the input. This is "
                    "not allowed in strict mode. You should ensure that your function is twice "
                    "differentiable and that the jacobian depends on the inputs (this would "
                    "be violated by a linear function for example).")
_STRICT_GRAD_INPUTS = ("The gradient with respect to input {i} is independent of the inputs "
                       "of the user-provided function. This is not allowed in strict mode.")
_STRICT_HESSIAN = ("The hessian of the user-provided function with respect to input {i} is "
                   "independent of the input. This is not allowed in strict mode. You should "
                   "ensure that your function is thrice differentiable and that the hessian "
                   "depends on the inputs.")
_STRICT_NONE = ("The output of the user-provided function is independent of input {i}. This "
                "is not allowed in strict mode.")
_ZERO_STAGE = {
    "back": _STRICT_NONE,
    "back_trick": ("The gradient with respect to the input is independent of entry {i} in the "
                   "grad_outputs when using the double backward trick to compute forward mode "
                   "gradients. This is not allowed in strict mode."),
    "double_back": ("The jacobian of the user-provided function is independent of input {i}. "
                    "This is not allowed in strict mode."),
    "double_back_trick": ("The hessian of the user-provided function is independent of entry "
                          "{i} in the grad_jacobian. This is not allowed in strict mode as it "
                          "prevents from using the double backward trick to replace forward "
                          "mode AD."),
}


def _as_tuple(inp: Any, arg_name: str, fn_name: str) -> tuple[bool, tuple]:
    """``(was it a tuple, the tensors as a tuple)``; anything but Tensors is a TypeError."""
    is_tuple = isinstance(inp, tuple)
    items = inp if is_tuple else (inp,)
    for i, el in enumerate(items):
        if not isinstance(el, Tensor):
            where = f"the value at index {i} has type" if is_tuple else \
                f"the given {arg_name} has type"
            raise TypeError(f"{fn_name}: The {arg_name} given to {fn_name} must be either a "
                            f"Tensor or a tuple of Tensors but {where} {type(el)}.")
    return is_tuple, items


def _unpack(res: Any, to_unpack: bool | tuple[bool, bool]) -> Any:
    """Undo ``_as_tuple`` on a result: one level, or two for a Jacobian's (outputs, inputs)."""
    if isinstance(to_unpack, tuple):
        if not to_unpack[1]:
            res = tuple(el[0] for el in res)
        return res if to_unpack[0] else res[0]
    return res if to_unpack else res[0]


def _preprocess(inputs: tuple, create_graph: bool, need_graph: bool) -> tuple:
    """A new tensor per input (a view where the caller wants a graph back to it), so the
    inputs can be told from the same tensors captured by the function."""
    return tuple(x.clone() if create_graph and x.requires_grad
                 else x.detach().requires_grad_(need_graph) for x in inputs)


def _postprocess(res: tuple, create_graph: bool) -> tuple:
    if res and isinstance(res[0], Tensor):
        return res if create_graph else tuple(x.detach() for x in res)
    return tuple(_postprocess(r, create_graph) for r in res)


def _validate_v(fn: str, v: tuple, other: tuple, is_other_tuple: bool) -> None:
    if len(other) != len(v):
        raise RuntimeError(f"{fn}: v is a tuple of invalid length: should be {len(other)} but "
                           f"got {len(v)}." if is_other_tuple else
                           f"{fn}: The given v should contain a single Tensor.")
    for idx, (el_v, el_other) in enumerate(zip(v, other)):
        if el_v.shape != el_other.shape:
            prefix = f"Entry {idx} in " if is_other_tuple else ""
            raise RuntimeError(f"{fn}: {prefix}v has invalid size: should be "
                               f"{el_other.shape} but got {el_v.shape}.")


def _check_requires_grad(fn: str, tensors: tuple, message: str, strict: bool) -> None:
    """In strict mode, every tensor must exist and carry a graph back to the inputs."""
    if not strict:
        return
    for i, t in enumerate(tensors):
        if t is None:
            raise RuntimeError(f"{fn}: " + _STRICT_NONE.format(i=i))
        if not t.requires_grad:
            raise RuntimeError(f"{fn}: " + message.format(i=i))


def _autograd_grad(outputs: tuple, inputs: tuple, grad_outputs: tuple | None = None,
                   create_graph: bool = False, retain_graph: bool | None = None) -> tuple:
    """``autograd.grad`` that skips outputs without a graph (None for every input if none)."""
    grad_outputs = (None,) * len(outputs) if grad_outputs is None else grad_outputs
    kept = [(o, g) for o, g in zip(outputs, grad_outputs) if o is not None and o.requires_grad]
    if not kept:
        return (None,) * len(inputs)
    return _grad([o for o, _ in kept], list(inputs), [g for _, g in kept], allow_unused=True,
                 create_graph=create_graph, retain_graph=retain_graph)


def _fill_in_zeros(fn: str, grads: tuple, refs: tuple, strict: bool, create_graph: bool,
                   stage: str) -> tuple:
    """None gradients become zeros (strict: a RuntimeError naming the stage)."""
    res = []
    for i, g in enumerate(grads):
        if g is None:
            if strict:
                raise RuntimeError(f"{fn}: " + _ZERO_STAGE[stage].format(i=i))
            g = refs[i].new_zeros(refs[i].shape)
        elif strict and create_graph and not g.requires_grad:
            which = "hessian" if "double" in stage else "jacobian"
            raise RuntimeError(f"{fn}: The {which} of the user-provided function is "
                               f"independent of input {i}. This is not allowed in strict "
                               "mode when create_graph=True.")
        res.append(g)
    return tuple(res)


def _v_or_scalar(fn: str, v: Any, against: tuple, is_tuple: bool, create_graph: bool,
                 what: str) -> tuple | None:
    """``v`` checked against ``against`` (outputs or inputs); None only for one element."""
    if v is not None:
        v = _preprocess(_as_tuple(v, "v", fn)[1], create_graph, False)
        _validate_v(fn, v, against, is_tuple)
        return v
    if len(against) != 1 or against[0].numel() != 1:
        raise RuntimeError(f"{fn}: The vector v can only be None if {what} a single Tensor "
                           "with a single element.")
    return None


def _call(fn: str, func: Callable, inputs: tuple, strict: bool) -> tuple[bool, tuple]:
    is_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided function", fn)
    _check_requires_grad(fn, outputs, _STRICT_OUTPUT, strict)
    return is_tuple, outputs


def vjp(func: Callable, inputs: Tensor | tuple[Tensor, ...], v: Any = None,
        create_graph: bool = False, strict: bool = False) -> tuple:
    """``(func(inputs), v . J)``: the vector-Jacobian product, shaped like ``inputs``."""
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
        inputs = _preprocess(inputs, create_graph, True)
        is_outputs_tuple, outputs = _call("vjp", func, inputs, strict)
        v = _v_or_scalar("vjp", v, outputs, is_outputs_tuple, create_graph,
                         "the user-provided function returns")
    with set_grad_enabled(True if create_graph else is_grad_enabled()):
        grads = _autograd_grad(outputs, inputs, v, create_graph=create_graph)
        result = _fill_in_zeros("vjp", grads, inputs, strict, create_graph, "back")
    return (_unpack(_postprocess(outputs, create_graph), is_outputs_tuple),
            _unpack(_postprocess(result, create_graph), is_inputs_tuple))


def jvp(func: Callable, inputs: Tensor | tuple[Tensor, ...], v: Any = None,
        create_graph: bool = False, strict: bool = False) -> tuple:
    """``(func(inputs), J . v)``: the Jacobian-vector product, shaped like the outputs; by
    the double-backward trick, as PyTorch."""
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
        inputs = _preprocess(inputs, create_graph, True)
        v = _v_or_scalar("jvp", v, inputs, is_inputs_tuple, create_graph,
                         "the input to the user-provided function is")
        is_outputs_tuple, outputs = _call("jvp", func, inputs, strict)
        # backward is linear in grad_outputs: their value (zeros) never shows in the result
        grad_outputs = tuple(o.new_zeros(o.shape).requires_grad_(True) for o in outputs)
        grad_inputs = _autograd_grad(outputs, inputs, grad_outputs, create_graph=True)
        _check_requires_grad("jvp", grad_inputs, _STRICT_GRAD_INPUTS, strict)
    with set_grad_enabled(True if create_graph else is_grad_enabled()):
        grads = _autograd_grad(grad_inputs, grad_outputs, v, create_graph=create_graph)
        result = _fill_in_zeros("jvp", grads, outputs, strict, create_graph, "back_trick")
    return (_unpack(_postprocess(outputs, create_graph), is_outputs_tuple),
            _unpack(_postprocess(result, create_graph), is_outputs_tuple))


def _check_strategy(strategy: str, create_graph: bool, strict: bool, vectorize: bool) -> None:
    """PyTorch's refusals for its strategies; forward mode is then run as reverse mode (the
    same values: docs/faq.md)."""
    if strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode". '
                             'Hint: If your function has more outputs than inputs, '
                             '"forward-mode" tends to be more performant. Otherwise, prefer '
                             'to use "reverse-mode".')
    name = "torch.autograd.functional.jacobian"
    if strategy == "forward-mode" and create_graph:
        raise NotImplementedError(f'{name}: `create_graph=True` and `strategy="forward-mode"` '
                                  "are not supported together (yet). Please either set "
                                  '`create_graph=False` or `strategy="reverse-mode"`.')
    if strategy == "forward-mode" and strict:
        raise RuntimeError(f'{name}: `strict=True` and `strategy="forward-mode"` are not '
                           "supported together (yet). Please either set `strict=False` or "
                           '`strategy="reverse-mode"`.')
    if strategy == "forward-mode" and not vectorize:
        raise NotImplementedError("Computing Jacobian using forward-AD or forward-over-reverse "
                                  "Hessian isonly implemented for `vectorize=True`.")
    if vectorize and strict:
        raise RuntimeError(f"{name}: `strict=True` and `vectorized=True` are not supported "
                           "together. Please either set `strict=False` or `vectorize=False`.")


def _strict_row_check(i: int, k: int, g: Tensor | None, create_graph: bool) -> None:
    if g is None:
        raise RuntimeError(f"jacobian: Output {i} of the user-provided function is independent "
                           f"of input {k}. This is not allowed in strict mode.")
    if create_graph and not g.requires_grad:
        raise RuntimeError(f"jacobian: The jacobian of the user-provided function is "
                           f"independent of input {i}. This is not allowed in strict mode "
                           "when create_graph=True.")


def _jacobian_row(i: int, out: Tensor, inputs: tuple, create_graph: bool,
                  strict: bool) -> tuple:
    """d(out)/d(input) for each input, shaped ``out.shape + input.shape``: one backward pass
    per element of ``out``."""
    from ..functional import stack

    rows: list[list] = [[] for _ in inputs]
    flat = out.reshape(-1)
    for j in range(out.numel()):
        vj = _autograd_grad((flat[j],), inputs, retain_graph=True, create_graph=create_graph)
        for k, (row, g, x) in enumerate(zip(rows, vj, inputs)):
            if strict:
                _strict_row_check(i, k, g, create_graph)
            row.append(x.new_zeros(x.shape) if g is None else g)
    return tuple(stack(row).reshape(tuple(out.shape) + tuple(x.shape)) if row
                 else x.new_zeros(tuple(out.shape) + tuple(x.shape))
                 for row, x in zip(rows, inputs))


def jacobian(func: Callable, inputs: Tensor | tuple[Tensor, ...], create_graph: bool = False,
             strict: bool = False, vectorize: bool = False,
             strategy: str = "reverse-mode") -> Any:
    """The Jacobian of ``func`` at ``inputs``: a Tensor shaped ``output.shape + input.shape``,
    or tuples of them (outputs outer, inputs inner) where ``func`` returns or takes a tuple.
    ``vectorize`` and ``strategy="forward-mode"`` are checked as PyTorch does and computed by
    the same reverse-mode loop (the same values)."""
    return _jacobian(func, inputs, create_graph, strict, vectorize, strategy, False)


def _jacobian(func: Callable, inputs: Any, create_graph: bool, strict: bool, vectorize: bool,
              strategy: str, forced_graph: bool) -> Any:
    """``jacobian``; ``forced_graph``: results keep a graph (PyTorch's forward-mode Hessian)."""
    _check_strategy(strategy, create_graph, strict, vectorize)
    forward = strategy == "forward-mode"
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
        # forward mode's results carry a graph wherever an input requires grad (its dual
        # numbers do), as PyTorch's
        graph = create_graph or forced_graph or (forward and any(x.requires_grad
                                                                 for x in inputs))
        inputs = _preprocess(inputs, graph, True)
        is_outputs_tuple, outputs = _call("jacobian", func, inputs, strict)
        jac = tuple(_jacobian_row(i, out, inputs, graph, strict)
                    for i, out in enumerate(outputs))
        jac = _postprocess(jac, graph)
        if forward:  # PyTorch's forward-mode path builds lists
            jac = [list(row) for row in jac]
        return _unpack(jac, (is_outputs_tuple, is_inputs_tuple))


def _single_output(fn: str, func: Callable, strict: bool) -> Callable:
    def single(*inp: Tensor) -> Tensor:
        out = func(*inp)
        is_tuple, t_out = _as_tuple(out, "outputs of the user-provided function", fn)
        _check_requires_grad(fn, t_out, _STRICT_OUTPUT, strict)
        if is_tuple or not isinstance(out, Tensor):
            raise RuntimeError(f"{fn}: The function given to {fn} should return a single Tensor")
        if out.numel() != 1:
            raise RuntimeError(f"{fn}: The Tensor returned by the function given to {fn} "
                               "should contain a single element")
        return out.squeeze()

    return single


def hessian(func: Callable, inputs: Tensor | tuple[Tensor, ...], create_graph: bool = False,
            strict: bool = False, vectorize: bool = False,
            outer_jacobian_strategy: str = "reverse-mode") -> Any:
    """The Hessian of a function with one output element: the Jacobian of its gradient,
    nested ``(input i, input j)`` where ``inputs`` is a tuple."""
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")
    if outer_jacobian_strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode".')
    single = _single_output("hessian", func, strict)

    def jac_func(*inp: Tensor) -> tuple:
        jac = jacobian(single, inp, create_graph=True)
        _check_requires_grad("hessian", jac, _STRICT_JACOBIAN, strict)
        return jac

    # PyTorch's forward-mode outer Jacobian marks its inputs as requiring grad, so its
    # Hessian keeps a graph even without create_graph
    res = _jacobian(jac_func, inputs, create_graph, strict, vectorize, outer_jacobian_strategy,
                    outer_jacobian_strategy == "forward-mode")
    return _unpack(res, (is_inputs_tuple, is_inputs_tuple))


def _second_order_setup(fn: str, func: Callable, inputs: Any, v: Any, create_graph: bool,
                        strict: bool) -> tuple:
    """What vhp and hvp share: inputs, v, the single output and its gradient (with a graph)."""
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", fn)
    inputs = _preprocess(inputs, create_graph, True)
    v = _v_or_scalar(fn, v, inputs, is_inputs_tuple, create_graph,
                     "the input to the user-provided function is")
    is_outputs_tuple, outputs = _call(fn, func, inputs, strict)
    if is_outputs_tuple or not isinstance(outputs[0], Tensor):
        raise RuntimeError(f"{fn}: The function given to {fn} should return a single Tensor")
    if outputs[0].numel() != 1:
        raise RuntimeError(f"{fn}: The Tensor returned by the function given to {fn} should "
                           "contain a single element")
    jac = _autograd_grad(outputs, inputs, create_graph=True)
    _check_requires_grad(fn, jac, _STRICT_JACOBIAN, strict)
    return is_inputs_tuple, inputs, v, is_outputs_tuple, outputs, jac


def vhp(func: Callable, inputs: Tensor | tuple[Tensor, ...], v: Any = None,
        create_graph: bool = False, strict: bool = False) -> tuple:
    """``(func(inputs), v . H)``: the vector-Hessian product of a one-element function."""
    with enable_grad():
        is_inputs_tuple, inputs, v, is_outputs_tuple, outputs, jac = _second_order_setup(
            "vhp", func, inputs, v, create_graph, strict)
    with set_grad_enabled(True if create_graph else is_grad_enabled()):
        grads = _autograd_grad(jac, inputs, v, create_graph=create_graph)
        result = _fill_in_zeros("vhp", grads, inputs, strict, create_graph, "double_back")
    return (_unpack(_postprocess(outputs, create_graph), is_outputs_tuple),
            _unpack(_postprocess(result, create_graph), is_inputs_tuple))


def hvp(func: Callable, inputs: Tensor | tuple[Tensor, ...], v: Any = None,
        create_graph: bool = False, strict: bool = False) -> tuple:
    """``(func(inputs), H . v)``: the Hessian-vector product, by the double-backward trick
    (the Hessian is symmetric for twice-differentiable functions, so it equals ``vhp``)."""
    with enable_grad():
        is_inputs_tuple, inputs, v, is_outputs_tuple, outputs, jac = _second_order_setup(
            "hvp", func, inputs, v, create_graph, strict)
        grad_jac = tuple(x.new_zeros(x.shape).requires_grad_(True) for x in inputs)
        double_back = _autograd_grad(jac, inputs, grad_jac, create_graph=True)
        _check_requires_grad("hvp", jac, _STRICT_HESSIAN, strict)
    with set_grad_enabled(True if create_graph else is_grad_enabled()):
        grads = _autograd_grad(double_back, grad_jac, v, create_graph=create_graph)
        result = _fill_in_zeros("hvp", grads, inputs, strict, create_graph,
                                "double_back_trick")
    return (_unpack(_postprocess(outputs, create_graph), is_outputs_tuple),
            _unpack(_postprocess(result, create_graph), is_inputs_tuple))
