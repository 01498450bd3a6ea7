"""minigrad.kernels.malloc: opted into, freed arrays stay mapped for the next step (glibc), and
the user's own choice wins; not opted into, ``import minigrad`` leaves malloc alone. Page
faults are counted, not timed: each case runs in a fresh process."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import minigrad
from minigrad.kernels import malloc as allocator

glibc = pytest.mark.skipif(allocator._glibc() is None,
                           reason="the thresholds exist only in glibc's malloc (Linux)")

# A step's worth of churn: twelve 3 MiB arrays written, then all freed, five times. With
# glibc's defaults the freed heap top (36 MiB) is over its dynamic trim threshold (6 MiB), so
# every round faults its pages in again; tuned, the second round on reuses them.
CHURN = """
import resource, numpy as np, minigrad
def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
def round_():
    arrays = [np.ones(3 << 18, dtype=np.float32) for _ in range(12)]
    del arrays
round_()
start = faults()
for _ in range(4):
    round_()
print(minigrad.kernels.malloc.status)
print((faults() - start) / 4)
"""
PAGES_PER_ROUND = 12 * (3 << 20) // 4096


def run_churn(script: str = CHURN, **env: str) -> tuple[str, float]:
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith("MALLOC_") and k != "GLIBC_TUNABLES"
             and k != "MINIGRAD_MALLOC_TUNING"}
    out = subprocess.run([sys.executable, "-c", script], env={**clean, **env},
                         capture_output=True, text=True, check=True).stdout.splitlines()
    return out[0], float(out[1])


def test_the_tuning_is_reached_as_kernels_tune_malloc() -> None:
    assert minigrad.kernels.malloc is allocator
    assert minigrad.kernels.tune_malloc is allocator.tune


@glibc
def test_tuned_when_asked_and_the_freed_memory_is_reused() -> None:
    tuned = ("tuned: mmap threshold 128 MiB, trim threshold 256 MiB",
             "tuned: mmap threshold 32 MiB, trim threshold 256 MiB")
    for script, env in ((CHURN, {"MINIGRAD_MALLOC_TUNING": "1"}),
                        (CHURN.replace("round_()\nstart", "minigrad.kernels.tune_malloc()\n"
                                       "round_()\nstart"), {})):
        status, faults = run_churn(script, **env)
        assert status in tuned, status
        assert faults < 0.05 * PAGES_PER_ROUND, (faults, PAGES_PER_ROUND)


@glibc
def test_by_default_glibc_keeps_its_defaults_and_faults_every_round() -> None:
    """``import minigrad`` changes no process-wide setting: the same churn faults every page
    in again (which is also the control showing the test above measures the tuning)."""
    status, faults = run_churn()
    assert status.startswith("off: not asked for"), status
    assert faults > 0.8 * PAGES_PER_ROUND, (faults, PAGES_PER_ROUND)


@glibc
@pytest.mark.parametrize("env", [{"MALLOC_TRIM_THRESHOLD_": "131072"},
                                 {"MALLOC_MMAP_THRESHOLD_": "131072"},
                                 {"GLIBC_TUNABLES": "glibc.malloc.trim_threshold=131072"}])
def test_the_users_own_malloc_settings_win(env: dict[str, str]) -> None:
    status, faults = run_churn(**env, MINIGRAD_MALLOC_TUNING="1")
    assert status == f"left alone: the user configures malloc through {next(iter(env))}"
    assert faults > 0.8 * PAGES_PER_ROUND, (faults, PAGES_PER_ROUND)


def test_not_glibc_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(allocator, "_glibc", lambda: None)
    for name in ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_",
                 "GLIBC_TUNABLES"):
        monkeypatch.delenv(name, raising=False)
    before = allocator.status
    try:
        assert allocator.tune().startswith("left alone: the C library is not glibc")
    finally:
        allocator.status = before


BIG = """
import resource, numpy as np, minigrad
def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
np.ones(64 << 18, dtype=np.float32)  # 64 MiB: over glibc's own mmap limit (32 MiB)
start = faults()
for _ in range(4):
    np.ones(64 << 18, dtype=np.float32)
print(minigrad.kernels.malloc.status)
print((faults() - start) / 4)
"""


@glibc
def test_batch_sized_arrays_are_reused_too() -> None:
    """A 64 MiB array (SimpleConvNet's activations at batch 1000 are 69 MiB) is served from
    the heap again, not from fresh zero-filled pages, where glibc accepts the 128 MiB
    threshold (2.36 here; older releases may refuse it); with glibc's defaults each one is a
    fresh mapping."""
    status, faults = run_churn(BIG, MINIGRAD_MALLOC_TUNING="1")
    _, default_faults = run_churn(BIG)
    assert default_faults >= 16, default_faults  # 2 MiB huge pages or 4 KiB ones
    if "128 MiB" not in status:
        pytest.skip(f"this glibc keeps the mmap threshold at 32 MiB ({status})")
    assert faults < 2, (faults, default_faults)
