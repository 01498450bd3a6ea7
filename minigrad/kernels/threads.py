"""The thread policy around the compiled kernels, and only around them.

Two pools would otherwise fight over the cores: OpenBLAS's threads spin for a while after
each GEMM, and numba's OpenMP workers spin after each parallel loop. On two cores a
compiled transform that starts while OpenBLAS's threads still spin runs at half speed.
So inside a compiled kernel (``compiled_region()``) OpenBLAS runs on one thread, and the
kernel's GEMMs are spread over minigrad's own threads instead (``gemm.matmul``); numba's
loops get ``get_num_threads()`` threads. Both settings are put back on leaving, so nothing
changes for the rest of the process, and ``import minigrad`` changes nothing at all
(threadpoolctl is imported on first use). ``gemm.policy`` takes the numpy kernels' and the
linear layers' GEMMs into the same region once a compiled convolution or a big GEMM has
run (``gemm.py`` says why).

One more setting helps and cannot be scoped: numba's loops run on OpenMP (libgomp) workers,
which by default spin for milliseconds after each loop while minigrad's next GEMMs want the
cores, yet sleeping at once makes every short loop wait for a worker to wake. ``tune_openmp()``
asks them to spin about 0.3 ms and then sleep (``OMP_WAIT_POLICY=passive``,
``GOMP_SPINCOUNT``), which the runtime reads once when it loads, so for the whole process;
the ``minigrad`` command calls it for its own process, a library user opts in
(docs/performance.md has the measured effect).
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator
from typing import Any

from .parallel import get_num_threads

__all__ = ["blas_single_threaded", "compiled_region", "tune_openmp"]

_lock = threading.Lock()
_blas: list[Any] | None = None  # threadpoolctl's BLAS library controllers, found once
_depth = threading.local()


def _blas_controllers() -> list[Any]:
    global _blas
    if _blas is None:
        with _lock:
            try:
                from threadpoolctl import ThreadpoolController

                _blas = list(ThreadpoolController().select(user_api="blas").lib_controllers)
            except ImportError:  # no threadpoolctl: leave the BLAS pool as it is
                _blas = []
    return _blas


@contextlib.contextmanager
def compiled_region() -> Iterator[None]:
    """OpenBLAS on one thread, numba on ``get_num_threads()``, for the block's duration.

    Re-entrant: only the outermost region changes and restores the settings."""
    if getattr(_depth, "n", 0):
        yield
        return
    import numba

    libs = _blas_controllers()
    before = [lib.get_num_threads() for lib in libs]
    nb_before = numba.get_num_threads()
    nb_wanted = max(1, min(get_num_threads(), numba.config.NUMBA_NUM_THREADS))
    _depth.n = 1
    _depth.single = bool(libs)
    try:
        for lib in libs:
            lib.set_num_threads(1)
        if nb_wanted != nb_before:  # usually equal: a setting costs ~1 us, a region runs often
            numba.set_num_threads(nb_wanted)
        yield
    finally:
        _depth.n, _depth.single = 0, False
        if nb_wanted != nb_before:
            numba.set_num_threads(nb_before)
        for lib, n in zip(libs, before):
            lib.set_num_threads(n)


def blas_single_threaded() -> bool:
    """Whether this thread is inside ``compiled_region()`` with OpenBLAS put on one thread
    (``gemm.matmul`` then splits its products over minigrad's threads)."""
    return getattr(_depth, "single", False)


openmp_status = "off: not asked for (minigrad.kernels.tune_openmp())"


SPIN_COUNT = "30000"  # libgomp's spins before an idle worker sleeps: about 0.3 ms here


def tune_openmp() -> str:
    """``OMP_WAIT_POLICY=passive`` with ``GOMP_SPINCOUNT=30000`` for this process: idle
    OpenMP workers spin about 0.3 ms, then sleep. Unless the user set a policy (or a spin
    count: that one is kept) or numba's OpenMP workers have already started (the runtime
    reads both once, when it loads). An explicit opt-in, also
    ``minigrad.kernels.tune_openmp()``; returns and records in ``openmp_status`` what was
    done."""
    global openmp_status
    if openmp_status.startswith("tuned"):
        pass
    elif "OMP_WAIT_POLICY" in os.environ:
        openmp_status = f"left alone: the user set OMP_WAIT_POLICY={os.environ['OMP_WAIT_POLICY']}"
    elif "numba.np.ufunc.omppool" in sys.modules:
        openmp_status = "left alone: numba's OpenMP workers already run"
    else:
        os.environ["OMP_WAIT_POLICY"] = "passive"
        spins = os.environ.setdefault("GOMP_SPINCOUNT", SPIN_COUNT)
        openmp_status = (f"tuned: OMP_WAIT_POLICY=passive, GOMP_SPINCOUNT={spins} (idle "
                         "OpenMP workers spin a little, then sleep)")
    return openmp_status
