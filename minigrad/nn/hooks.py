"""Forward hooks, as PyTorch's ``Module.register_forward_hook`` and
``register_forward_pre_hook``: functions a module calls before and after its ``forward``.

They are how a program looks inside a model without changing it (feature extraction,
activation statistics, shape printing); minigrad's own tools use them too
(``minigrad.viz.record_calls``, ``minigrad.onnx``). Each registration returns a
``RemovableHandle``; ``handle.remove()``, or leaving its ``with`` block, takes the hook out.
A call with backward hooks is set up here as well, by ``backward_hooks.BackwardHook``.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from ..tensor import RemovableHandle
from . import backward_hooks

__all__ = ["RemovableHandle", "evaluating", "watch_calls"]  # RemovableHandle: the one in tensor.py


def add(hooks: OrderedDict, hook: Callable, prepend: bool, **options: bool) -> RemovableHandle:
    """Register ``hook`` (with its options) last, or first with ``prepend``."""
    if not callable(hook):
        raise TypeError(f"register hook: expected a callable, got {type(hook).__name__}")
    handle = RemovableHandle(hooks)
    hooks[handle.id] = (hook, options)
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    return handle


def call_with_hooks(module: Any, pre_hooks: OrderedDict, hooks: OrderedDict, args: tuple,
                    kwargs: dict) -> Any:
    """``module.forward(*args, **kwargs)`` between its pre-hooks and hooks, in order; a hook
    that returns something other than None replaces the arguments or the output. When a
    pre-hook or ``forward`` raises, the ``always_call`` hooks still run (output None). With
    backward hooks, the arguments after the pre-hooks and the output after the hooks go
    through ``BackwardHook``'s identity nodes, as in PyTorch's ``_call_impl``."""
    full, pre = backward_hooks.hooks_for(module)
    backward = backward_hooks.BackwardHook(module, full, pre) if full or pre else None
    pre_hooks, hooks = backward_hooks.forward_hooks_for(pre_hooks, hooks)
    try:
        args, kwargs = _run_pre_hooks(module, pre_hooks, args, kwargs)
        if backward is not None:
            args = backward.setup_input_hook(args)
        out = module.forward(*args, **kwargs)
    except BaseException:
        for hook, options in hooks:
            if options["always_call"]:
                _call(hook, options, module, args, kwargs, None)
        raise
    for hook, options in hooks:
        result = _call(hook, options, module, args, kwargs, out)
        if result is not None:
            out = result
    return out if backward is None else backward.setup_output_hook(out)


def _run_pre_hooks(module: Any, pre_hooks: list, args: tuple,
                   kwargs: dict) -> tuple[tuple, dict]:
    for hook, options in pre_hooks:
        if options["with_kwargs"]:
            result = hook(module, args, kwargs)
            if result is not None:
                if not (isinstance(result, tuple) and len(result) == 2):
                    raise RuntimeError(f"forward pre-hook must return None or a tuple of "
                                       f"(new_args, new_kwargs), but got {result!r}")
                args, kwargs = result
        else:
            result = hook(module, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
    return args, kwargs


def _call(hook: Callable, options: dict, module: Any, args: tuple, kwargs: dict,
          out: Any) -> Any:
    if options["with_kwargs"]:
        return hook(module, args, kwargs, out)
    return hook(module, args, out)


@contextmanager
def watch_calls(modules: Iterable[Any], before: Callable[[Any, tuple, dict], Any],
                after: Callable[[Any, tuple, dict, Any, Any], None]) -> Iterator[None]:
    """Inside the block, each call of one of ``modules`` runs ``token = before(module,
    args, kwargs)`` first and ``after(module, args, kwargs, output, token)`` once it has
    returned; the hooks are gone afterwards, the modules as they were."""
    tokens: dict[int, list] = {}

    def pre(module: Any, args: tuple, kwargs: dict) -> None:
        tokens.setdefault(id(module), []).append(before(module, args, kwargs))

    def post(module: Any, args: tuple, kwargs: dict, out: Any) -> None:
        after(module, args, kwargs, out, tokens[id(module)].pop())

    with ExitStack() as handles:
        for module in modules:
            handles.enter_context(module.register_forward_pre_hook(pre, with_kwargs=True))
            handles.enter_context(module.register_forward_hook(post, with_kwargs=True))
        yield


@contextmanager
def evaluating(model: Any) -> Iterator[None]:
    """``model.eval()`` for a ``with`` block (no dropout, batch-norm statistics untouched),
    each submodule's mode as it was afterwards."""
    flags = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        yield
    finally:
        for m, flag in flags:
            object.__setattr__(m, "training", flag)
