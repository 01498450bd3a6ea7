"""The ``>>>`` examples in minigrad's docstrings run and print what they say (the API
reference shows them, so they must not rot)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import minigrad

MODULES = sorted(m.name for m in pkgutil.walk_packages(minigrad.__path__, "minigrad.")
                 if m.name != "minigrad.__main__")


OPTIONAL = {"numba", "threadpoolctl", "onnx"}  # what minigrad[fast] and minigrad[onnx] add


def examples(name: str) -> list[doctest.DocTest]:
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as e:  # a compiled kernel without numba: nothing to run
        if e.name in OPTIONAL:
            return []
        raise
    tests = doctest.DocTestFinder(exclude_empty=True).find(module, name)
    # only objects defined here, not ones imported from elsewhere (they are tested at home)
    return [t for t in tests if t.examples and t.name.startswith(name)]


WITH_EXAMPLES = [name for name in MODULES if examples(name)]


def test_the_public_api_has_examples() -> None:
    for name in ("minigrad.functional.conv", "minigrad.functional.pool",
                 "minigrad.functional.autograd", "minigrad.gradcheck", "minigrad.nn.module",
                 "minigrad.creation"):
        assert name in WITH_EXAMPLES


@pytest.mark.parametrize("name", WITH_EXAMPLES)
def test_docstring_examples_run(name: str) -> None:
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    report: list[str] = []
    for test in examples(name):
        runner.run(test, out=report.append)
    assert not runner.failures, "".join(report)
