"""Shared test setup: ``@pytest.mark.needs_dot`` skips a test when Graphviz's ``dot`` is missing."""

from __future__ import annotations

import shutil

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if shutil.which("dot") is not None:
        return
    skip = pytest.mark.skip(reason="needs Graphviz's dot program, which is not on PATH "
                            "(apt-get install graphviz; CI installs it)")
    for item in items:
        if "needs_dot" in item.keywords:
            item.add_marker(skip)
