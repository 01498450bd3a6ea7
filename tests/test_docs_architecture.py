"""docs/architecture.md maps every module of the package: a new file without its line on the
map fails here."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_module_is_on_the_architecture_map() -> None:
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    tree = re.search(r"```text\nminigrad/\n(.*?)```", page, re.S).group(1)
    named = set(re.findall(r"[\w.]+\.py|\w+/", tree))
    missing = []
    for path in sorted((ROOT / "minigrad").rglob("*.py")):
        rel = path.relative_to(ROOT / "minigrad")
        folders = [f"{p}/" for p in rel.parts[:-1]]
        if not set(folders) <= named or (rel.name not in named and rel.name != "__init__.py"):
            missing.append(str(rel))
    assert not missing, f"not on docs/architecture.md's map: {missing}"


def _reference_lines(module: Path, every_class: bool = False) -> dict[str, int]:
    """The lines of ``module``'s Function classes (forward and backward side by side), or of
    all its classes, and of the helpers they call, directly or through one another."""
    import ast

    tree = ast.parse(module.read_text(encoding="utf-8"))
    top = {node.name: node for node in tree.body
           if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
    todo = [name for name, node in top.items() if isinstance(node, ast.ClassDef) and (
            every_class or any(getattr(base, "id", None) == "Function" for base in node.bases))]
    seen: dict[str, int] = {}
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        node = top[name]
        seen[name] = node.end_lineno - node.lineno + 1
        todo += [n.id for n in ast.walk(node) if isinstance(n, ast.Name)
                 and (every_class or n.id.startswith("_")) and n.id in top]
    return seen


def test_conv_and_pool_reference_ops_fit_in_250_lines() -> None:
    """The book's path a reader follows: conv2d (im2col + GEMM, col2im backward) and the
    pools (argmax or mean over im2col windows), forward and backward."""
    ops = ROOT / "minigrad" / "ops"
    parts = {**_reference_lines(ops / "conv.py"), **_reference_lines(ops / "pool.py")}
    assert {"Conv2d", "Conv2dWeightGrad", "MaxPool2d", "AvgPool2d"} <= set(parts)
    assert sum(parts.values()) <= 250, parts


def test_the_readers_core_fits_in_4000_lines() -> None:
    """tensor.py, autograd.py and the reference ops (ops/: Functions, forward and backward
    side by side): what a reader of the book opens first. PyTorch's signatures and argument
    checks live in functional/, Tensor's named methods in tensor_methods.py, the speed paths
    in kernels/ (docs/architecture.md)."""
    pkg = ROOT / "minigrad"
    files = [pkg / "tensor.py", pkg / "autograd.py", *sorted((pkg / "ops").glob("*.py"))]
    lines = {f.name: len(f.read_text(encoding="utf-8").splitlines()) for f in files}
    assert sum(lines.values()) <= 4000, lines


def test_every_reference_op_module_is_made_of_functions() -> None:
    """ops/ holds Functions and what they call, nothing a program calls directly with
    PyTorch's signature: a public function there is one a backward or a sibling op module
    uses (e.g. ``where``, ``normalize_dims``)."""
    import ast

    paths = [p for p in sorted((ROOT / "minigrad" / "ops").glob("*.py"))
             if p.name != "__init__.py"]
    trees = {p.stem: ast.parse(p.read_text(encoding="utf-8")) for p in paths}
    shared: dict[str, set[str]] = {name: set() for name in trees}
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module in shared:
                shared[node.module] |= {alias.name for alias in node.names}
    for path in paths:
        used = set(_reference_lines(path, every_class=True)) | shared[path.stem]
        defs = [n.name for n in trees[path.stem].body
                if isinstance(n, (ast.FunctionDef, ast.ClassDef))]
        assert defs and set(defs) <= used, (path.name, sorted(set(defs) - used))


def test_no_function_is_too_branchy_to_read() -> None:
    """Cyclomatic complexity (radon, in the ``dev`` extra): none above 20 (radon's D), at
    most 15 functions from 11 to 20 (its C)."""
    import pytest

    complexity = pytest.importorskip("radon.complexity", reason="radon is in the dev extra "
                                     "(pip install -e '.[dev]')")
    scores = {}
    for path in sorted((ROOT / "minigrad").rglob("*.py")):
        for block in complexity.cc_visit(path.read_text(encoding="utf-8")):
            scores[f"{path.relative_to(ROOT)}:{block.lineno} {block.fullname}"] = block.complexity
    assert len(scores) > 1000  # every function and method was read
    over = {name: c for name, c in scores.items() if c > 20}
    rated_c = {name: c for name, c in scores.items() if 10 < c <= 20}
    assert not over, over
    assert len(rated_c) <= 15, rated_c
