"""``minigrad.distributed``: there is no multi-process training, so the questions a script
asks answer "no" (``is_available()`` and ``is_initialized()`` are False, as
``torch.distributed`` answers before ``init_process_group``), and starting it fails at once.

``init_process_group`` raises a ``RuntimeError`` that says to train in one process; the
collectives and rank queries (``get_rank``, ``all_reduce``, ``barrier``, ...) raise
PyTorch's own ``ValueError`` for a missing default process group. A script that guards its
distributed code with ``if dist.is_available() and dist.is_initialized():`` runs unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NoReturn

__all__ = [
    "ReduceOp",
    "all_gather",
    "all_reduce",
    "barrier",
    "broadcast",
    "destroy_process_group",
    "get_rank",
    "get_world_size",
    "init_process_group",
    "is_available",
    "is_gloo_available",
    "is_initialized",
    "is_mpi_available",
    "is_nccl_available",
    "is_torchelastic_launched",
    "new_group",
    "reduce",
]

_HOW = ("minigrad has no distributed (multi-process) training, "
        "minigrad.distributed.is_available() is False; train in one process: drop "
        "init_process_group and DistributedDataParallel, and give DistributedSampler "
        "num_replicas=1, rank=0 (see docs/porting.md, 'TorchScript, CUDA and distributed')")


def no_distributed(what: str) -> RuntimeError:
    """The error for anything that needs a process group (``what`` names the call)."""
    return RuntimeError(f"{what}: {_HOW}")


def is_available() -> bool:
    """False: minigrad has no distributed package."""
    return False


def is_initialized() -> bool:
    """False: there is never a default process group."""
    return False


def is_nccl_available() -> bool:
    """False."""
    return False


def is_gloo_available() -> bool:
    """False."""
    return False


def is_mpi_available() -> bool:
    """False."""
    return False


def is_torchelastic_launched() -> bool:
    """False: minigrad is never started by torchrun."""
    return False


def init_process_group(backend: str | None = None, *args: Any, **kwargs: Any) -> NoReturn:
    """Refused with a ``RuntimeError``: there is no distributed backend."""
    raise no_distributed(f"init_process_group(backend={backend!r})")


def _needs_group(name: str) -> Callable[..., NoReturn]:
    def needs_group(*args: Any, **kwargs: Any) -> NoReturn:
        raise ValueError(f"{name}: Default process group has not been initialized, please "
                         f"make sure to call init_process_group. ({_HOW})")

    needs_group.__name__ = needs_group.__qualname__ = name
    needs_group.__doc__ = (f"PyTorch's ``ValueError`` for a missing default process group: "
                           f"``{name}`` needs one, and minigrad never has one.")
    return needs_group


get_rank = _needs_group("get_rank")
get_world_size = _needs_group("get_world_size")
barrier = _needs_group("barrier")
all_reduce = _needs_group("all_reduce")
all_gather = _needs_group("all_gather")
broadcast = _needs_group("broadcast")
reduce = _needs_group("reduce")
new_group = _needs_group("new_group")
destroy_process_group = _needs_group("destroy_process_group")


class ReduceOp:
    """The reduction names (``dist.ReduceOp.SUM``), so code that mentions them imports."""

    SUM, PRODUCT, MIN, MAX, AVG = "sum", "product", "min", "max", "avg"
