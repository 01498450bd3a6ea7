"""One random generator for the whole library, so ``manual_seed`` makes every draw
(``rand``, weight init, dropout masks, data shuffling) reproducible."""

from __future__ import annotations

import numpy as np

_generator = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed every random draw minigrad makes. Returns the generator."""
    global _generator
    _generator = np.random.default_rng(seed)
    return _generator


def get_rng() -> np.random.Generator:
    """The library's generator; use it for any random draw inside minigrad."""
    return _generator
