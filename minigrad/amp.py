"""``minigrad.amp``: PyTorch's automatic mixed precision names, ``torch.amp``.

``GradScaler`` is PyTorch's, with its numbers: a float32 scale that the loss is multiplied
by, the gradients unscaled with its float32 reciprocal and checked for inf/NaN, the step
skipped when one is found, and the scale backed off, or grown after ``growth_interval``
clean steps (PyTorch's ``_amp_update_scale_`` arithmetic). It works on the CPU as PyTorch's
``GradScaler("cpu")`` does; ``GradScaler()`` (device ``'cuda'``) warns and disables itself,
as PyTorch's does on a machine without CUDA.

``autocast`` keeps PyTorch's contract where minigrad can: ``enabled=False`` is a true no-op,
``'cuda'`` warns and disables itself (no CUDA), a dtype CPU autocast does not support warns
and disables itself. Running ops in float16 (``enabled=True``) is not implemented: minigrad's
matmul and convolutions would need a per-op cast the core does not have; it raises
NotImplementedError, and PyTorch's default CPU dtype, bfloat16, a TypeError (numpy has no
bfloat16). See docs/amp.md.
"""

from __future__ import annotations

import functools
import threading
import warnings
from collections import abc, defaultdict
from collections.abc import Callable, Iterable
from enum import Enum
from typing import Any

import numpy as np

from .autograd import no_grad
from .creation import full
from .device import device as _device
from .tensor import Tensor

__all__ = ["GradScaler", "OptState", "autocast", "custom_bwd", "custom_fwd",
           "get_autocast_dtype", "is_autocast_available", "is_autocast_enabled"]

_CPU = _device("cpu")


class OptState(Enum):
    """Where an optimizer is in an iteration: ready, unscaled, stepped."""

    READY = 0
    UNSCALED = 1
    STEPPED = 2


def _refresh_per_optimizer_state() -> dict[str, Any]:
    return {"stage": OptState.READY, "found_inf_per_device": {}}


class GradScaler:
    """Dynamic loss scaling, as ``torch.amp.GradScaler``: ``scaler.scale(loss).backward()``,
    ``scaler.step(optimizer)`` (skipped when a gradient is inf or NaN), ``scaler.update()``."""

    def __init__(self, device: str = "cuda", init_scale: float = 2.0**16,
                 growth_factor: float = 2.0, backoff_factor: float = 0.5,
                 growth_interval: int = 2000, enabled: bool = True) -> None:
        self._device = device
        self._enabled = enabled
        if self._device == "cuda" and enabled:
            warnings.warn("torch.cuda.amp.GradScaler is enabled, but CUDA is not available.  "
                          "Disabling. (minigrad runs on the CPU: use GradScaler('cpu'))",
                          stacklevel=2)
            self._enabled = False
        if self._enabled:
            if growth_factor <= 1.0:
                raise AssertionError("GradScaler: The growth factor must be > 1.0.")
            if backoff_factor >= 1.0:
                raise AssertionError("GradScaler: The backoff factor must be < 1.0.")
            self._init_scale = init_scale
            self._scale: Tensor | None = None  # made by the first scale()
            self._growth_factor = growth_factor
            self._backoff_factor = backoff_factor
            self._growth_interval = growth_interval
            self._init_growth_tracker = 0
            self._growth_tracker: Tensor | None = None
            self._per_optimizer_states: dict[int, dict[str, Any]] = defaultdict(
                _refresh_per_optimizer_state)

    def _check_scale_growth_tracker(self, funcname: str) -> tuple[Tensor, Tensor]:
        fix = ("This may indicate your script did not use scaler.scale(loss or outputs) "
               "earlier in the iteration.")
        if self._scale is None:
            raise AssertionError(f"Attempted {funcname} but _scale is None.  " + fix)
        if self._growth_tracker is None:
            raise AssertionError(f"Attempted {funcname} but _growth_tracker is None.  " + fix)
        return self._scale, self._growth_tracker

    def _lazy_init_scale_growth_tracker(self) -> Tensor:
        if self._scale is None:
            self._scale = full((), self._init_scale, dtype=np.float32)
            self._growth_tracker = full((), self._init_growth_tracker, dtype=np.int32)
        return self._scale

    def scale(self, outputs: Tensor | Iterable[Tensor]) -> Tensor | Iterable[Tensor]:
        """``outputs`` (a Tensor, or Tensors nested in lists and tuples) times the scale;
        unchanged when disabled."""
        if not self._enabled:
            return outputs
        if isinstance(outputs, Tensor):
            return outputs * self._lazy_init_scale_growth_tracker()

        def apply_scale(val: Any) -> Any:
            if isinstance(val, Tensor):
                return val * self._lazy_init_scale_growth_tracker()
            if isinstance(val, abc.Iterable):
                iterable = map(apply_scale, val)
                return type(val)(iterable) if isinstance(val, (list, tuple)) else iterable
            raise ValueError("GradScaler.scale: outputs must be a Tensor or an iterable of "
                             f"Tensors, got {type(val).__name__}")

        return apply_scale(outputs)

    def _unscale_grads_(self, optimizer: Any, inv_scale: float, found_inf: Tensor,
                        allow_fp16: bool) -> dict[Any, Tensor]:
        """Every gradient of ``optimizer`` times ``inv_scale`` in place (in float32, or
        float64 for float64 gradients, as PyTorch's kernel), ``found_inf`` set to 1 where
        one holds an inf or NaN."""
        seen = False
        with no_grad():
            for group in optimizer.param_groups:
                for param in group["params"]:
                    if param.grad is None:
                        continue
                    if not allow_fp16 and param.grad.dtype == np.float16:
                        raise ValueError("GradScaler.unscale_: Attempting to unscale FP16 "
                                         "gradients.")
                    seen = True
                    _check_and_unscale(param.grad, inv_scale, found_inf)
        return {_CPU: found_inf} if seen else {}

    def unscale_(self, optimizer: Any) -> None:
        """Divide ``optimizer``'s gradients by the scale now (to clip them, say) instead of
        in ``step``; once per optimizer per iteration."""
        if not self._enabled:
            return
        scale, _ = self._check_scale_growth_tracker("unscale_")
        state = self._per_optimizer_states[id(optimizer)]
        if state["stage"] is OptState.UNSCALED:
            raise RuntimeError("GradScaler.unscale_: unscale_() has already been called on "
                               "this optimizer since the last update().")
        if state["stage"] is OptState.STEPPED:
            raise RuntimeError("GradScaler.unscale_: unscale_() is being called after "
                               "step().")
        inv_scale = float(np.float32(1.0 / np.float64(scale.item())))  # PyTorch: in fp64
        found_inf = full((), 0.0, dtype=np.float32)
        state["found_inf_per_device"] = self._unscale_grads_(optimizer, inv_scale, found_inf,
                                                             False)
        state["stage"] = OptState.UNSCALED

    def step(self, optimizer: Any, *args: Any, **kwargs: Any) -> Any:
        """Unscale (unless ``unscale_`` did) and ``optimizer.step()``, unless a gradient is
        inf or NaN; returns what ``optimizer.step`` returns (None when skipped)."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("GradScaler.step: Closure use is not currently supported if "
                               "GradScaler is enabled.")
        self._check_scale_growth_tracker("step")
        state = self._per_optimizer_states[id(optimizer)]
        if state["stage"] is OptState.STEPPED:
            raise RuntimeError("GradScaler.step: step() has already been called since the "
                               "last update().")
        if state["stage"] is OptState.READY:
            self.unscale_(optimizer)
        if len(state["found_inf_per_device"]) == 0:
            raise AssertionError("No inf checks were recorded for this optimizer.")
        retval = None
        if not sum(v.item() for v in state["found_inf_per_device"].values()):
            retval = optimizer.step(*args, **kwargs)
        state["stage"] = OptState.STEPPED
        return retval

    def update(self, new_scale: float | Tensor | None = None) -> None:
        """Back the scale off if a step was skipped this iteration, grow it after
        ``growth_interval`` clean ones; or set it to ``new_scale``."""
        if not self._enabled:
            return
        scale, tracker = self._check_scale_growth_tracker("update")
        if new_scale is not None:
            self._set_scale(new_scale)
        else:
            found_infs = [found for state in self._per_optimizer_states.values()
                          for found in state["found_inf_per_device"].values()]
            if len(found_infs) == 0:
                raise AssertionError("No inf checks were recorded prior to update.")
            found = sum(float(f.item()) for f in found_infs)
            value, count = _updated_scale(float(scale.item()), int(tracker.item()), found,
                                          self._growth_factor, self._backoff_factor,
                                          self._growth_interval)
            scale.fill_(value)
            tracker.fill_(count)
        self._per_optimizer_states = defaultdict(_refresh_per_optimizer_state)

    def _set_scale(self, new_scale: Any) -> None:
        if isinstance(new_scale, float):
            self._scale.fill_(new_scale)
            return
        reason = ("GradScaler.update: new_scale should be a float or a 1-element "
                  "torch.FloatTensor with requires_grad=False.")
        if not isinstance(new_scale, Tensor):
            raise TypeError(f"{reason} Got {type(new_scale).__name__}")
        if new_scale.numel() != 1 or new_scale.requires_grad:
            raise AssertionError(reason)
        self._scale.copy_(new_scale.reshape(()))

    def get_scale(self) -> float:
        """The current scale as a Python float (1.0 when disabled)."""
        if self._enabled:
            return self._init_scale if self._scale is None else float(self._scale.item())
        return 1.0

    def get_growth_factor(self) -> float:
        """The factor the scale grows by."""
        return self._growth_factor

    def set_growth_factor(self, new_factor: float) -> None:
        """Set the factor the scale grows by."""
        self._growth_factor = new_factor

    def get_backoff_factor(self) -> float:
        """The factor the scale backs off by."""
        return self._backoff_factor

    def set_backoff_factor(self, new_factor: float) -> None:
        """Set the factor the scale backs off by."""
        self._backoff_factor = new_factor

    def get_growth_interval(self) -> int:
        """How many clean steps in a row grow the scale."""
        return self._growth_interval

    def set_growth_interval(self, new_interval: int) -> None:
        """Set how many clean steps in a row grow the scale."""
        self._growth_interval = new_interval

    def _get_growth_tracker(self) -> int:
        if self._enabled:
            if self._growth_tracker is None:
                return self._init_growth_tracker
            return int(self._growth_tracker.item())
        return 0

    def is_enabled(self) -> bool:
        """Whether scaling is on (False after the CUDA warning)."""
        return self._enabled

    def state_dict(self) -> dict[str, Any]:
        """PyTorch's five entries (empty when disabled), to checkpoint after ``update``."""
        if self._enabled:
            return {"scale": self.get_scale(), "growth_factor": self._growth_factor,
                    "backoff_factor": self._backoff_factor,
                    "growth_interval": self._growth_interval,
                    "_growth_tracker": self._get_growth_tracker()}
        return {}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Resume from ``state_dict()`` (a no-op when disabled)."""
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError("GradScaler.load_state_dict: The source state dict is empty, "
                               "possibly because it was saved from a disabled instance of "
                               "GradScaler.")
        self._init_scale = state_dict["scale"]
        if self._scale is not None:
            self._scale.fill_(state_dict["scale"])
        self._growth_factor = state_dict["growth_factor"]
        self._backoff_factor = state_dict["backoff_factor"]
        self._growth_interval = state_dict["growth_interval"]
        self._init_growth_tracker = state_dict["_growth_tracker"]
        if self._growth_tracker is not None:
            self._growth_tracker.fill_(state_dict["_growth_tracker"])

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        if self._enabled:
            if len(self._per_optimizer_states) != 0:
                raise AssertionError("A GradScaler instance may only be pickled at the "
                                     "beginning of an iteration, or at the end after "
                                     "scaler.update().")
            state["_init_scale"] = self.get_scale()
            state["_init_growth_tracker"] = self._get_growth_tracker()
            state["_scale"] = None
            state["_growth_tracker"] = None
            state["_per_optimizer_states"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        if self._enabled:
            self._per_optimizer_states = defaultdict(_refresh_per_optimizer_state)

    def _check_inf_per_device(self, optimizer: Any) -> dict[Any, Tensor]:
        """The inf/NaN check alone (inverse scale 1), for optimizers that unscale
        themselves."""
        self._check_scale_growth_tracker("_check_inf_per_device")
        found_inf = full((), 0.0, dtype=np.float32)
        state = self._per_optimizer_states[id(optimizer)]
        state["found_inf_per_device"] = self._unscale_grads_(optimizer, 1.0, found_inf, True)
        return state["found_inf_per_device"]

    def _found_inf_per_device(self, optimizer: Any) -> dict[Any, Tensor]:
        return self._per_optimizer_states[id(optimizer)]["found_inf_per_device"]


def _check_and_unscale(grad: Tensor, inv_scale: float, found_inf: Tensor) -> None:
    """PyTorch's ``_amp_foreach_non_finite_check_and_unscale_`` for one gradient."""
    values = grad._data
    if not np.isfinite(values).all():
        found_inf.fill_(1.0)
    if inv_scale != 1.0:
        op = np.float64 if values.dtype == np.float64 else np.float32
        scaled = (values.astype(op) * op(inv_scale)).astype(values.dtype)
        grad.copy_(Tensor(scaled))


def _updated_scale(scale: float, tracker: int, found_inf: float, growth_factor: float,
                   backoff_factor: float, growth_interval: int) -> tuple[float, int]:
    """PyTorch's ``_amp_update_scale_`` on the CPU: the float32 scale times a factor
    (computed in float64, rounded to float32; a growth to inf is not taken)."""
    if found_inf:
        return float(np.float32(scale * backoff_factor)), 0
    if tracker + 1 != growth_interval:
        return scale, tracker + 1
    grown = np.float32(scale * growth_factor)
    return (float(grown) if np.isfinite(grown) else scale), 0


# ------------------------------------------------------------------ autocast
_AUTOCAST_DEVICES = ("cpu", "cuda", "ipu", "xpu", "hip", "xla", "mps", "hpu", "mtia",
                     "maia", "privateuseone")
_BFLOAT16 = "bfloat16"  # PyTorch's default CPU autocast dtype; numpy has none
_DEFAULT_DTYPE = {"cpu": _BFLOAT16, "cuda": np.float16}
_state = threading.local()


def _states() -> dict[str, tuple[bool, Any]]:
    """This thread's autocast state per device type: (enabled, dtype)."""
    if not hasattr(_state, "by_device"):
        _state.by_device = {}
    return _state.by_device


def _check_device_type(fn: str, device_type: Any) -> str:
    if device_type not in _AUTOCAST_DEVICES and device_type != "meta":
        raise RuntimeError(f"{fn}: Expected one of {', '.join(_AUTOCAST_DEVICES)} device "
                           f"type at start of device string: {device_type}")
    return device_type


def is_autocast_available(device_type: str) -> bool:
    """Whether ``autocast`` accepts ``device_type`` (PyTorch's list; not 'meta')."""
    return _check_device_type("is_autocast_available", device_type) != "meta"


def is_autocast_enabled(device_type: str | None = None) -> bool:
    """Whether autocast is on for ``device_type`` (no argument: CUDA's, as PyTorch's).
    Always False on 'cpu' and 'cuda' here: minigrad never turns it on for them."""
    device_type = "cuda" if device_type is None else device_type
    _check_device_type("is_autocast_enabled", device_type)
    return _states().get(device_type, (False, None))[0]


def get_autocast_dtype(device_type: str) -> Any:
    """The dtype autocast would use on ``device_type``; TypeError where that is PyTorch's
    default CPU dtype, bfloat16, which minigrad does not have."""
    _check_device_type("get_autocast_dtype", device_type)
    dtype = _states().get(device_type, (False, _DEFAULT_DTYPE.get(device_type, np.float16)))[1]
    if dtype is _BFLOAT16:
        raise TypeError(_no_bfloat16("get_autocast_dtype"))
    return dtype


def _no_bfloat16(fn: str) -> str:
    return (f"{fn}: minigrad has no bfloat16 (numpy has no such dtype), and bfloat16 is "
            "PyTorch's default CPU autocast dtype; pass dtype=minigrad.float16 or "
            "enabled=False (see docs/amp.md)")


class autocast:  # noqa: N801  (PyTorch's spelling)
    """``torch.autocast(device_type, dtype=None, enabled=True, cache_enabled=None)``: a
    context manager and decorator. Disabled (``enabled=False``, ``'cuda'``, an unsupported
    dtype) it changes nothing, as in PyTorch; enabled on the CPU it raises (docs/amp.md)."""

    def __init__(self, device_type: str, dtype: Any = None, enabled: bool = True,
                 cache_enabled: bool | None = None) -> None:
        if not isinstance(device_type, str):
            raise ValueError(f"autocast: Expected `device_type` of type `str`, got: "
                             f"`{type(device_type)}`")
        if not is_autocast_available(device_type):
            raise RuntimeError(f"autocast: User specified an unsupported autocast "
                               f"device_type '{device_type}'")
        self.device = device_type
        self.fast_dtype = _DEFAULT_DTYPE.get(device_type, np.float16) if dtype is None else dtype
        self._cache_enabled = True if cache_enabled is None else cache_enabled
        self._enabled = enabled and self._check_enabled()

    def _check_enabled(self) -> bool:
        """Whether this autocast would change anything (False after PyTorch's warnings)."""
        if self.device == "cuda":
            warnings.warn("CUDA is not available or torch_xla is imported. Disabling "
                          "autocast.", stacklevel=3)
            return False
        if self.device != "cpu":
            return True  # no tensor of minigrad's lives there: nothing to cast
        if self.fast_dtype is _BFLOAT16:
            raise TypeError(_no_bfloat16("autocast"))
        if self.fast_dtype != np.float16:
            warnings.warn("In CPU autocast, but the target dtype is not supported. Disabling "
                          "autocast.\nCPU Autocast only supports dtypes of torch.bfloat16, "
                          "torch.float16 currently.", stacklevel=3)
            return False
        raise NotImplementedError(
            "autocast: running ops in float16 (enabled=True) is not supported by minigrad: "
            "its matmul and convolutions have no per-op cast; cast the model and inputs "
            "with .half() yourself, or use enabled=False (see docs/amp.md)")

    def __enter__(self) -> autocast:
        states = _states()
        self._prev = states.get(self.device)
        states[self.device] = (self._enabled, self.fast_dtype)
        return self

    def __exit__(self, exc_type: Any, exc_val: Any, exc_tb: Any) -> bool:
        states = _states()
        if self._prev is None:
            states.pop(self.device, None)
        else:
            states[self.device] = self._prev
        return False

    def __call__(self, func: Callable) -> Callable:
        """Use as a decorator: ``func`` runs inside this autocast."""
        if not callable(func):
            raise TypeError(f"autocast()(func) requires a callable, but got "
                            f"{type(func).__name__}. Did you mean to use autocast as a "
                            "context manager? For example:\n    with "
                            "torch.autocast(device_type=...):\n        output = model(input)")

        @functools.wraps(func)
        def decorate_autocast(*args: Any, **kwargs: Any) -> Any:
            with self:
                return func(*args, **kwargs)

        return decorate_autocast


def custom_fwd(fwd: Callable | None = None, *, device_type: str,
               cast_inputs: Any = None) -> Callable:
    """``torch.amp.custom_fwd``: a custom Function's forward as it is (autocast never runs
    here, so there is nothing to cast)."""
    if not isinstance(device_type, str):
        raise ValueError(f"custom_fwd: Expected `device_type` of type `str`, got: "
                         f"`{type(device_type)}`")
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type,
                                 cast_inputs=cast_inputs)
    return fwd


def custom_bwd(bwd: Callable | None = None, *, device_type: str) -> Callable:
    """``torch.amp.custom_bwd``: a custom Function's backward as it is."""
    if not isinstance(device_type, str):
        raise ValueError(f"custom_bwd: Expected `device_type` of type `str`, got: "
                         f"`{type(device_type)}`")
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)
    return bwd
