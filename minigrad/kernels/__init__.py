"""The speed paths, kept apart from the readable reference ops in ``minigrad.ops``.

Every convolution and pooling op in ``minigrad.ops`` is written once the book's way (im2col,
one matrix product, col2im). Before it runs that code it asks this package's one chooser
for its op (``kernels.conv.choose``, ``kernels.pool.choose_max``, ``kernels.pool.choose_avg``)
for a faster kernel computing the same numbers: 1x1 and per-image products, block-by-block
unfolding on threads, flipped-kernel and shifted-add input gradients, the max-pool
winner search. Under ``set_kernels("reference")`` the choosers answer None and only the
reference code runs; every kernel is tested against it (``tests/test_kernels.py``).

Where numba is installed (``pip install "minigrad[fast]"``), ``kernels.conv.choose`` also
hands out compiled kernels for the shapes where they measured faster: Winograd F(4x4, 3x3)
for stride-1 3x3 convolutions (``winograd``), direct loops for layers with few channels
and 5x5 layers with up to 2,048 (filter, channel) pairs (``direct``);
``kernels.pool.choose_max`` hands out compiled max pooling (``pool_compiled``), and
``kernels.norm.choose_compiled`` a compiled batch norm (``norm_compiled``); ReLU's
gradient (``elementwise``) and the Adam and SGD-with-momentum updates (``optim``) take
one compiled pass each (``elementwise_compiled``, ``optim_compiled``), with the numpy
passes' bits, and so do the numpy conv kernels' columns under the thread policy
(``im2col_compiled``). numba is imported on the first op that could use it, never on ``import
minigrad``; ``compiled`` holds its cache directory, the notice printed while the kernels
compile the first time, and ``warmup()`` to compile them ahead; ``threads`` the thread
policy applied inside them, and ``gemm`` the same policy for the numpy kernels' and the
linear layers' GEMMs once a compiled convolution or a big GEMM has run. Without numba
nothing changes.

``parallel`` (minigrad's thread pool) and ``workspace`` (the scratch-buffer cache) serve
the kernels. ``malloc`` holds the
one process-wide tuning, glibc's malloc thresholds: opt-in, through ``tune_malloc()`` (the
``minigrad`` command calls it) or ``MINIGRAD_MALLOC_TUNING=1``.

The setting starts from the environment variable ``MINIGRAD_KERNELS`` ("fast" when unset),
read once at import.
"""

from __future__ import annotations

import os

from ..autograd import is_grad_enabled
from . import malloc
from .compiled import warmup
from .malloc import tune as tune_malloc
from .threads import tune_openmp

__all__ = ["KERNELS", "get_kernels", "malloc", "set_kernels", "tune_malloc", "tune_openmp",
           "warmup"]

KERNELS = ("fast", "reference")
ENV_VAR = "MINIGRAD_KERNELS"


def _from_environment() -> str:
    name = os.environ.get(ENV_VAR, "fast")
    if name not in KERNELS:
        raise ValueError(f"the environment variable {ENV_VAR}={name!r} is not one of "
                         f"{', '.join(map(repr, KERNELS))}; unset it for the default 'fast'")
    return name


_current = _from_environment()


def set_kernels(name: str) -> None:
    """Run every convolution and pooling op with ``"fast"`` kernels (the default) or only
    the readable ``"reference"`` code (im2col + one GEMM, col2im, argmax over windows).

    Both give the same numbers up to float rounding; "reference" is for reading, stepping
    through and checking. The choice is process-wide and read when each pass runs::

        >>> import minigrad as mg
        >>> mg.set_kernels("reference"); mg.get_kernels()
        'reference'
        >>> mg.set_kernels("fast")
    """
    global _current
    if name not in KERNELS:
        raise ValueError(f"set_kernels: expected one of {', '.join(map(repr, KERNELS))}, "
                         f"got {name!r}")
    _current = name


def get_kernels() -> str:
    """Which kernels the ops use: ``"fast"`` or ``"reference"`` (see ``set_kernels``)."""
    return _current


def fast() -> bool:
    """Whether the choosers may hand out fast kernels (``get_kernels() == "fast"``)."""
    return _current == "fast"


def plain_backward() -> bool:
    """Whether a backward may take a numpy fast path (``kernels.elementwise``, ``.norm``):
    fast kernels are on and no graph of the gradient is being recorded (the reference rules
    are Tensor ops so that ``create_graph=True`` can differentiate them again)."""
    return _current == "fast" and not is_grad_enabled()
