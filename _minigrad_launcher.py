"""The ``minigrad`` console script's entry point: Ctrl-C while the command line is still being
imported prints one line and exits with status 130, as a Ctrl-C anywhere later does.

The script pip writes runs ``from <module> import main`` before ``main`` is called. Pointed at
``minigrad.cli``, that import pulls in the whole library (numpy, ...), and a Ctrl-C during it
escaped as a traceback that no code of ours could catch. This module sits outside the
``minigrad`` package (importing anything inside it would run the package's ``__init__``
first) and imports only ``sys`` and ``collections.abc`` (which Python loads at start) at
module level, so the import of the real command line
happens inside ``main``, where a ``KeyboardInterrupt`` can be caught. ``python -m minigrad``
goes through the same ``main`` (``minigrad/__main__.py``).

Being first also lets the command set, for its own process, the one setting that must be in
place before numpy loads: ``quiet_idle_blas``.
"""

from __future__ import annotations

import sys
from collections.abc import MutableMapping

__all__ = ["BLAS_TIMEOUT", "main", "quiet_idle_blas"]

INTERRUPTED = "minigrad: interrupted"  # the line minigrad.cli.interrupted() prints

# OpenBLAS's idle threads spin 2^28 cycles (about 0.1 s) after each GEMM before they sleep;
# 2^4, the least it accepts, puts them to sleep at once. Read once, when numpy loads OpenBLAS.
BLAS_TIMEOUT = ("OPENBLAS_THREAD_TIMEOUT", "4")


def quiet_idle_blas(env: MutableMapping[str, str]) -> str:
    """Set ``OPENBLAS_THREAD_TIMEOUT=4`` in ``env`` where the compiled kernels will run, so
    that OpenBLAS's threads, idle between minigrad's GEMMs, sleep instead of spinning on the
    cores the compiled loops need; returns what was done.

    Left alone: a value the user set, and a process whose kernels are all numpy's (numba
    missing, ``MINIGRAD_COMPILED=0`` or ``MINIGRAD_KERNELS=reference``), whose threaded GEMMs
    come one after another and lose more to waking the threads (docs/performance.md). The
    test is ``minigrad.kernels.compiled.available()``'s, which cannot be imported before
    numpy is."""
    import importlib.util

    name, value = BLAS_TIMEOUT
    if name in env:
        return f"left alone: the user set {name}={env[name]}"
    if env.get("MINIGRAD_COMPILED", "1") == "0" or env.get("MINIGRAD_KERNELS") == "reference":
        return "left alone: the compiled kernels are off"
    if importlib.util.find_spec("numba") is None:
        return "left alone: numba is not installed"
    env[name] = value
    return f"tuned: {name}={value} (idle OpenBLAS threads sleep)"


def main() -> int:
    """Import the command line and run it; 130 and one line on stderr for a Ctrl-C."""
    if "numpy" not in sys.modules:  # ``python -m minigrad`` has loaded it already
        import os

        quiet_idle_blas(os.environ)
    try:
        from minigrad.cli import main as run_command_line
    except KeyboardInterrupt:
        print(INTERRUPTED, file=sys.stderr)
        return 130
    return run_command_line()


if __name__ == "__main__":
    sys.exit(main())
