"""``torch.random``: the default generator's seed and state, and ``fork_rng``, a block whose
draws leave the generator as it found it.

The state is minigrad's (numpy's PCG64, see ``minigrad.rng``), not PyTorch's.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from typing import Any

from .rng import default_generator, get_rng_state, initial_seed, manual_seed, seed, set_rng_state

__all__ = ["default_generator", "fork_rng", "get_rng_state", "initial_seed", "manual_seed",
           "seed", "set_rng_state"]


@contextlib.contextmanager
def fork_rng(devices: Iterable[Any] | None = None, enabled: bool = True,
             _caller: str = "fork_rng", _devices_kw: str = "devices",
             device_type: str | None = None) -> Iterator[None]:
    """Run the block, then restore the default generator's state (and seed), so draws made
    inside it do not shift the ones after it. ``devices``/``device_type`` name accelerator
    generators, and minigrad has none; ``enabled=False`` makes it a plain block."""
    if device_type not in (None, "cpu"):
        raise RuntimeError(f"{_caller}: device_type {device_type!r} is not available "
                           "(minigrad runs on the CPU only)")
    if not enabled:
        yield
        return
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)
