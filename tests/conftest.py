"""Shared test setup: ``@pytest.mark.needs_dot`` skips a test when Graphviz's ``dot`` is missing;
the ``fast_kernels`` fixture runs a test on the fast kernels whatever ``MINIGRAD_KERNELS`` says."""

from __future__ import annotations

import shutil

import pytest

import minigrad as mg


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if shutil.which("dot") is not None:
        return
    skip = pytest.mark.skip(reason="needs Graphviz's dot program, which is not on PATH "
                            "(apt-get install graphviz; CI installs it)")
    for item in items:
        if "needs_dot" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def torch():  # noqa: ANN201
    """PyTorch as the oracle; a test that takes it skips (with the reason) without it."""
    return pytest.importorskip("torch", reason="needs PyTorch as the oracle (pip install "
                               "torch==2.13.0)")


@pytest.fixture
def fast_kernels(monkeypatch):
    """Run a test on the numpy fast kernels whatever ``MINIGRAD_KERNELS`` says (tests of the
    kernels themselves; the compiled ones, where numba is installed, are turned off here
    and tested in test_kernels_compiled.py)."""
    from minigrad.kernels import compiled

    monkeypatch.setattr(compiled, "_available", False)
    before = mg.get_kernels()
    mg.set_kernels("fast")
    yield
    mg.set_kernels(before)


@pytest.fixture(autouse=True)
def no_pause_between_download_retries(monkeypatch):
    """pooch waits 1 s, 2 s, ... before each retry of a failed download; the tests' mirrors
    are local servers and dead ports, so the waits prove nothing and cost CI seconds. The
    retries themselves still happen."""
    core = _pooch_core()
    if core is not None:
        monkeypatch.setattr(core, "time", _NoWait())


class _NoWait:
    @staticmethod
    def sleep(seconds: float) -> None:
        pass


def _pooch_core():  # noqa: ANN202
    try:
        import pooch.core
    except ImportError:
        return None
    return pooch.core
