"""Module backward hooks, as PyTorch's ``BackwardHook``: ``register_full_backward_hook``
and ``register_full_backward_pre_hook`` without any hook in the engine.

Each call of a hooked module wraps its Tensor arguments and its Tensor outputs in an
identity Function (``BackwardHookFunction``). In backward the outputs' identity node runs
first: it sees the gradients w.r.t. the module's outputs (``grad_output``), runs the pre-hooks
(which may replace them) and keeps them; the inputs' identity node runs once every use of
the inputs inside the module has sent its gradient, and calls the hooks with ``grad_input``
(None for an argument that is not a Tensor; zeros, as PyTorch's, for a Tensor that needs no
gradient beside one that does), ``grad_output``, letting them replace ``grad_input``. So
the hooks fire once per backward, with the module's own gradients.
"""

from __future__ import annotations

import warnings
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from ..autograd import Context, Function, is_grad_enabled
from ..tensor import RemovableHandle, Tensor

# register_module_full_backward_hook / _pre_hook and register_module_forward_hook / _pre_hook:
# called for every module, before its own (one dict for all four kinds, so Module.__call__
# checks one thing; a forward one has "forward" in its options)
global_hooks: OrderedDict = OrderedDict()

_INPLACE_MESSAGE = (
    "Output of BackwardHookFunctionBackward is a view and is being modified inplace. This "
    "view was created inside a custom Function (or because an input was returned as-is) and "
    "the autograd logic to handle view+inplace would override the custom backward associated "
    "with the custom Function, leading to incorrect gradients. This behavior is forbidden. You "
    "can fix this by cloning the output of the custom Function (a module with a full backward "
    "hook: clone its input or output before an in-place op such as ReLU(inplace=True))."
)


class _RefuseInplace:
    """The node's ``_view`` flag, read only when an output is changed in place (or
    ``detach_``-ed) while the graph is recorded: PyTorch refuses that, and so does this."""

    def __bool__(self) -> bool:
        raise RuntimeError(_INPLACE_MESSAGE)


class _Identity(Function):
    """The tensors themselves (the same storage); backward hands the gradients to ``fn``."""

    @staticmethod
    def forward(ctx: Context, hook: Callable, *tensors: Tensor) -> tuple:
        ctx.hook = hook
        return tuple(t._data for t in tensors)

    @staticmethod
    def backward(ctx: Context, *grads: Tensor) -> tuple:
        return (None, *ctx.hook(grads))


class BackwardHookFunction(_Identity):
    """What a recorded identity node becomes (its name in ``grad_fn``), so that changing
    one of its outputs in place raises, as in PyTorch."""

    _view = _RefuseInplace()  # type: ignore[assignment]


class _Arrival(Function):
    """One output of a module with several, itself: backward notes that a gradient reached
    it, so the outputs' node can tell an unused output (None, as PyTorch's) from a zero."""

    @staticmethod
    def forward(ctx: Context, arrived: set, index: int, t: Tensor) -> Any:
        ctx.arrived, ctx.index = arrived, index
        return t._data

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        ctx.arrived.add(ctx.index)
        return None, None, grad


class _GuardedArrival(_Arrival):
    _view = _RefuseInplace()  # type: ignore[assignment]


def _mark_arrivals(outs: tuple[Tensor, ...], arrived: set) -> tuple[Tensor, ...]:
    marked = []
    for i, out in enumerate(outs):
        if out.requires_grad:
            new = _Arrival.apply(arrived, i, out)
            new._vc = out._version_cell()
            new.grad_fn.fn = _GuardedArrival
            out = new
        marked.append(out)
    return tuple(marked)


def _wrap(tensors: list[Tensor], hook: Callable) -> tuple[Tensor, ...] | None:
    """``tensors`` through one identity node whose backward calls ``hook(grads)``; None when
    no gradient is recorded (nothing requires grad, or under ``no_grad``)."""
    if not (is_grad_enabled() and any(t.requires_grad for t in tensors)):
        return None
    outs = _Identity.apply(hook, *tensors)
    outs = outs if isinstance(outs, tuple) else (outs,)
    for t, out in zip(tensors, outs):
        out._vc = t._version_cell()  # one storage, one version counter
        if not t.requires_grad:  # PyTorch's mark_non_differentiable
            out.requires_grad, out.grad_fn = False, None
    node = next(out.grad_fn for out in outs if out.grad_fn is not None)
    node.fn = BackwardHookFunction
    return outs


class BackwardHook:
    """One call's hooks: set up around ``forward``, fired in backward (PyTorch's class)."""

    def __init__(self, module: Any, user_hooks: list[Callable],
                 user_pre_hooks: list[Callable]) -> None:
        self.module = module
        self.user_hooks = user_hooks
        self.user_pre_hooks = user_pre_hooks
        self.grad_outputs: tuple | None = None
        self.n_inputs = 0
        self.n_outputs = 0
        self.input_tensors_index: list[int] | None = None
        self.output_tensors_index: list[int] | None = None
        self._arrived: set[int] | None = None  # with several outputs: those given a gradient

    def setup_input_hook(self, args: tuple) -> tuple:
        """The positional arguments, their Tensors through the identity whose backward
        calls the hooks."""
        self.n_inputs = len(args)
        index = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        outs = _wrap([args[i] for i in index], self._input_grads)
        if outs is None:
            return args
        self.input_tensors_index = index
        return _replace(args, index, outs)

    def setup_output_hook(self, result: Any) -> Any:
        """``forward``'s result (a Tensor or a tuple), its Tensors through the identity
        whose backward runs the pre-hooks and keeps ``grad_output``."""
        if not isinstance(result, (Tensor, tuple)):
            warnings.warn("For backward hooks to be called, module output should be a Tensor "
                          f"or a tuple of Tensors but received {type(result)}", stacklevel=3)
        single = not isinstance(result, tuple)
        items = (result,) if single else result
        self.n_outputs = len(items)
        index = [i for i, a in enumerate(items) if isinstance(a, Tensor)]
        outs = _wrap([items[i] for i in index], self._output_grads)
        if outs is None:
            return result
        self.output_tensors_index = index
        if len(outs) > 1:
            self._arrived = set()
            outs = _mark_arrivals(outs, self._arrived)
        items = _replace(items, index, outs)
        return items[0] if single else items

    def _output_grads(self, grads: tuple) -> tuple:
        if self._arrived is not None:  # the engine's zeros for an unused output: None
            grads = tuple(g if i in self._arrived else None for i, g in enumerate(grads))
            self._arrived.clear()
        self.grad_outputs = _pack(self.output_tensors_index, grads, self.n_outputs)
        for hook in self.user_pre_hooks:
            result = hook(self.module, self.grad_outputs)
            if result is None:
                continue
            if len(result) != len(self.grad_outputs):
                raise RuntimeError(f"Backward pre hook returned an invalid number of "
                                   f"grad_output, got {len(result)}, but expected "
                                   f"{len(self.grad_outputs)}")
            self.grad_outputs = tuple(result)
        local = self.grad_outputs
        if self.input_tensors_index is None:
            self._fire_without_inputs()
        return tuple(local[i] for i in self.output_tensors_index)

    def _fire_without_inputs(self) -> None:
        """No argument requires grad: the hooks fire now, with a ``grad_input`` of Nones."""
        warnings.warn("Full backward hook is firing when gradients are computed with respect "
                      "to module outputs since no inputs require gradients. See "
                      "https://docs.pytorch.org/docs/main/generated/torch.nn.Module.html"
                      "#torch.nn.Module.register_full_backward_hook for more details.",
                      stacklevel=2)
        grad_inputs = (None,) * self.n_inputs
        for hook in self.user_hooks:
            result = hook(self.module, grad_inputs, self.grad_outputs)
            if result is not None and not (isinstance(result, tuple)
                                           and all(g is None for g in result)):
                raise RuntimeError("Backward hook for Modules where no input requires gradient "
                                   "should always return None or None for all gradients.")
        self.grad_outputs = None

    def _input_grads(self, grads: tuple) -> tuple:
        if self.grad_outputs is None:  # the gradient did not come through the outputs
            return grads
        res = _pack(self.input_tensors_index, grads, self.n_inputs)
        for hook in self.user_hooks:
            out = hook(self.module, res, self.grad_outputs)
            if out is None:
                continue
            if len(out) != len(res):
                raise RuntimeError(f"Backward hook returned an invalid number of grad_input, "
                                   f"got {len(out)}, but expected {len(res)}")
            res = tuple(out)
        self.grad_outputs = None
        return tuple(res[i] for i in self.input_tensors_index)


def _pack(index: list[int] | None, values: tuple, size: int) -> tuple:
    """``values`` at the positions ``index`` of a tuple of ``size``, None elsewhere."""
    out: list = [None] * size
    for i, v in zip(index or [], values):
        out[i] = v
    return tuple(out)


def _replace(items: tuple, index: list[int], new: tuple) -> tuple:
    out = list(items)
    for i, v in zip(index, new):
        out[i] = v
    return tuple(out)


def hooks_for(module: Any) -> tuple[list[Callable], list[Callable]]:
    """The full backward hooks and pre-hooks that a call of ``module`` fires: the global
    ones first, then the module's own (PyTorch's order)."""
    own = module.__dict__.get("_backward_hooks") or {}
    own_pre = module.__dict__.get("_backward_pre_hooks") or {}
    backward = _global_backward_hooks()
    full = [h for h, options in backward if not options["pre"]]
    full += [h for h, _ in own.values()]
    pre = [h for h, options in backward if options["pre"]]
    pre += [h for h, _ in own_pre.values()]
    return full, pre


def _global_backward_hooks() -> list[tuple[Callable, dict]]:
    """The global hooks that are backward ones (the dict holds the forward ones too)."""
    return [(h, o) for h, o in global_hooks.values() if "forward" not in o]


def register_module_full_backward_hook(hook: Callable) -> RemovableHandle:
    """A full backward hook for every module (``torch.nn.modules.module``'s), fired before
    each module's own; returns a handle whose ``remove()`` takes it out."""
    return _add_global(hook, pre=False)


def register_module_full_backward_pre_hook(hook: Callable) -> RemovableHandle:
    """A full backward pre-hook for every module, fired before each module's own."""
    return _add_global(hook, pre=True)


def _add_global(hook: Callable, pre: bool) -> RemovableHandle:
    if not callable(hook):
        raise TypeError(f"register hook: expected a callable, got {type(hook).__name__}")
    handle = RemovableHandle(global_hooks)
    global_hooks[handle.id] = (hook, {"pre": pre})
    return handle


def forward_hooks_for(pre_hooks: OrderedDict, hooks: OrderedDict) -> tuple[list, list]:
    """The forward pre-hooks and hooks a call runs, as ``(hook, options)`` pairs: the global
    ones first, then the module's own (PyTorch's ``_call_impl`` order)."""
    pre = [(h, o) for h, o in global_hooks.values() if o.get("forward") == "pre"]
    post = [(h, o) for h, o in global_hooks.values() if o.get("forward") == "post"]
    return pre + list(pre_hooks.values()), post + list(hooks.values())


def register_module_forward_pre_hook(hook: Callable) -> RemovableHandle:
    """A forward pre-hook for every module (``hook(module, args)``, its result replacing
    the arguments unless None), fired before each module's own; global instrumentation
    (shape logging, profiling) without touching the model."""
    return _add_forward(hook, {"forward": "pre", "pre": True, "with_kwargs": False})


def register_module_forward_hook(hook: Callable, *, with_kwargs: bool = False,
                                 always_call: bool = False) -> RemovableHandle:
    """A forward hook for every module (``hook(module, args, output)``, or with ``kwargs``
    before ``output`` when ``with_kwargs``), fired before each module's own."""
    return _add_forward(hook, {"forward": "post", "pre": False, "with_kwargs": with_kwargs,
                               "always_call": always_call})


def _add_forward(hook: Callable, options: dict) -> RemovableHandle:
    if not callable(hook):
        raise TypeError(f"register hook: expected a callable, got {type(hook).__name__}")
    handle = RemovableHandle(global_hooks)
    global_hooks[handle.id] = (hook, options)
    return handle
