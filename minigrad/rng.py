"""One random generator for the whole library, so ``manual_seed`` makes every draw
(``rand``, weight init, dropout masks, data shuffling) reproducible; a ``Generator`` of
one's own (``generator=`` in the creation functions) keeps a stream apart, as in PyTorch.

A generator's state (``get_state``, ``get_rng_state``) is minigrad's own: the 48 bytes of
numpy's PCG64 generator (its 128-bit state and increment, the cached 32-bit half) and the
seed, as a uint8 tensor. It round-trips (``set_state(get_state())`` repeats the draws), but it
is not PyTorch's 5056-byte Mersenne Twister state, and the numbers drawn differ from PyTorch's.
"""

from __future__ import annotations

import secrets
from typing import Any

import numpy as np

_STATE_BYTES = 48  # state 16, inc 16, has_uint32 4, uinteger 4, seed 8


class Generator:
    """A random stream of its own: ``g = Generator().manual_seed(0); randn(3, generator=g)``."""

    def __init__(self, device: Any = "cpu") -> None:
        from .device import CPU, check_device

        check_device(device, "Generator")
        self.device = CPU
        self.seed()

    def manual_seed(self, seed: int) -> Generator:
        """Restart the stream from ``seed``; returns the generator itself, as PyTorch."""
        self._seed, self.rng = int(seed), np.random.default_rng(int(seed))
        return self

    def seed(self) -> int:
        """Restart the stream from a fresh non-deterministic 64-bit seed, and return it."""
        self.manual_seed(secrets.randbits(64))
        return self._seed

    def initial_seed(self) -> int:
        """The seed the stream started from (``manual_seed``'s, or ``seed()``'s)."""
        return self._seed

    def get_state(self) -> Any:
        """The state as a uint8 tensor (minigrad's layout, see the module doc)."""
        from .tensor import Tensor

        st = self.rng.bit_generator.state
        words = (st["state"]["state"], st["state"]["inc"])
        raw = b"".join(w.to_bytes(16, "little") for w in words) + b"".join(
            int(v).to_bytes(n, "little") for v, n in ((st["has_uint32"], 4),
                                                      (st["uinteger"], 4), (self._seed, 8)))
        return Tensor(np.frombuffer(raw, dtype=np.uint8).copy())

    def set_state(self, new_state: Any) -> Generator:
        """Restore a state ``get_state`` returned; returns the generator itself."""
        raw = _state_bytes(new_state, "set_state")
        self.rng.bit_generator.state = {  # in place: who holds get_rng() sees it too
            "bit_generator": "PCG64",
            "state": {"state": int.from_bytes(raw[:16], "little"),
                      "inc": int.from_bytes(raw[16:32], "little")},
            "has_uint32": int.from_bytes(raw[32:36], "little"),
            "uinteger": int.from_bytes(raw[36:40], "little"),
        }
        self._seed = int.from_bytes(raw[40:48], "little")
        return self


def _state_bytes(state: Any, fn: str) -> bytes:
    """The bytes of a state tensor; PyTorch's TypeError for a non-uint8 one, RuntimeError
    for one of the wrong size."""
    from .tensor import Tensor

    if not isinstance(state, Tensor) or state.dtype != np.uint8:
        what = f"a tensor of dtype {state.dtype}" if isinstance(state, Tensor) else (
            type(state).__name__)
        raise TypeError(f"{fn}: RNG state must be a uint8 tensor (ByteTensor), got {what}")
    if state.numel() != _STATE_BYTES:
        raise RuntimeError(f"{fn}: expected an RNG state of {_STATE_BYTES} bytes (minigrad's "
                           f"generator state, not PyTorch's), got {state.numel()}")
    return np.ascontiguousarray(state.numpy()).tobytes()


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Reseed every random draw minigrad makes. Returns the default generator, as PyTorch."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    """Reseed the default generator non-deterministically; returns the seed."""
    return default_generator.seed()


def initial_seed() -> int:
    """The seed the default generator started from."""
    return default_generator.initial_seed()


def get_rng_state() -> Any:
    """The default generator's state as a uint8 tensor (minigrad's, not PyTorch's layout)."""
    return default_generator.get_state()


def set_rng_state(new_state: Any) -> None:
    """Restore a state ``get_rng_state`` returned: the draws after it repeat."""
    _state_bytes(new_state, "set_rng_state")
    default_generator.set_state(new_state)


def get_rng(generator: Generator | np.random.Generator | None = None) -> np.random.Generator:
    """The library's generator (or ``generator``'s); use it for any random draw in minigrad."""
    if generator is None:
        return default_generator.rng
    if isinstance(generator, Generator):
        return generator.rng
    if isinstance(generator, np.random.Generator):
        return generator
    raise TypeError(f"generator must be a minigrad.Generator, got {type(generator).__name__}")
