"""One random generator for the whole library, so ``manual_seed`` makes every draw
(``rand``, weight init, dropout masks, data shuffling) reproducible; a ``Generator`` of
one's own (``generator=`` in the creation functions) keeps a stream apart, as in PyTorch."""

from __future__ import annotations

from typing import Any

import numpy as np

_generator = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed every random draw minigrad makes. Returns the generator."""
    global _generator
    _generator = np.random.default_rng(seed)
    return _generator


class Generator:
    """A random stream of its own: ``g = Generator().manual_seed(0); randn(3, generator=g)``."""

    def __init__(self, device: Any = "cpu") -> None:
        from .device import check_device

        check_device(device, "Generator")
        self._seed: int | None = None
        self.rng = np.random.default_rng()

    def manual_seed(self, seed: int) -> Generator:
        """Restart the stream from ``seed``; returns the generator itself, as PyTorch."""
        self._seed, self.rng = int(seed), np.random.default_rng(seed)
        return self

    def initial_seed(self) -> int | None:
        """The seed given to ``manual_seed`` (None if never seeded)."""
        return self._seed


def get_rng(generator: Generator | np.random.Generator | None = None) -> np.random.Generator:
    """The library's generator (or ``generator``'s); use it for any random draw in minigrad."""
    if generator is None:
        return _generator
    if isinstance(generator, Generator):
        return generator.rng
    if isinstance(generator, np.random.Generator):
        return generator
    raise TypeError(f"generator must be a minigrad.Generator, got {type(generator).__name__}")
