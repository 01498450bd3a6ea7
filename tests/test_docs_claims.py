"""What the pages say about the project itself is one statement, checked against its source:
the extras against pyproject.toml, the training time against training.md's transcript, the
pinned PyTorch against .ci/run."""

from __future__ import annotations

import re
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
TRAINING_TIME = "about 15 seconds on two idle cpu cores"  # pages are compared lowercased


def _text(page: Path) -> str:
    return re.sub(r"\s+", " ", page.read_text(encoding="utf-8")).lower()


def test_the_extras_table_lists_what_pyproject_installs() -> None:
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    rows = dict(re.findall(r"^\| `?([\w()\s]+?)`? \| ([^|]+) \|", (
        ROOT / "docs" / "getting-started.md").read_text(), re.M))
    def names(specs: list[str]) -> set[str]:
        return {re.split(r"[<>=\[ ]", s)[0].lower() for s in specs}

    def listed(row: str) -> set[str]:  # "numpy, the `graphviz` Python package" -> both names
        return {(re.findall(r"`([\w-]+)`", w) or w.split())[-1].lower() for w in row.split(",")}

    assert listed(rows["(none)"]) == names(extras["dependencies"])
    for extra, specs in extras["optional-dependencies"].items():
        assert listed(rows[extra]) == names(specs), extra


def test_every_page_gives_the_same_training_time_and_the_transcript_bears_it_out() -> None:
    stating = [p.name for p in PAGES if TRAINING_TIME in _text(p)]
    assert {"README.md", "index.md", "getting-started.md"} <= set(stating), stating
    for page in PAGES:
        text = _text(page)
        for claim in re.findall(r"(?:under a minute|about \d+ seconds) on two [^.;)]*", text):
            assert claim.startswith(TRAINING_TIME), (page.name, claim)
    seconds = re.search(r"test accuracy .* in (\d+)s;", _text(ROOT / "docs" / "training.md"))
    assert seconds and 10 <= int(seconds.group(1)) <= 20, seconds


def test_the_mnist_sample_is_said_to_ship_inside_the_package() -> None:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert "mnist_sample.npz" in data["package-data"]["minigrad.data"]
    for page in PAGES:
        text = _text(page)
        assert not re.search(r"sample[^.]{0,40}(with|in) the `examples` extra", text), page.name
        assert "examples extra (matplotlib and the offline MNIST sample" not in text, page.name


def test_every_pytorch_install_is_pinned_as_ci_pins_it() -> None:
    pinned = re.search(r"pip install -q (torch==[\d.]+)", (ROOT / ".ci" / "run").read_text())
    assert pinned
    for page in PAGES:
        for spec in re.findall(r"pip install (torch[\w=.]*)", _text(page)):
            assert spec.rstrip(".") == pinned.group(1), (page.name, spec)


def test_the_size_of_the_kernels_is_stated_truly() -> None:
    """README and the home page say how big minigrad/kernels/ is, in hundreds of lines."""
    from minigrad.kernels.compiled import KERNEL_MODULES

    # minigrad[fast]: the numba plumbing, the thread policy and every compiled kernel module
    compiled = ({"compiled.py", "threads.py", "gemm.py"}
                | {f"{m.rsplit('.', 1)[1]}.py" for m in KERNEL_MODULES})
    lines = {True: 0, False: 0}
    for path in (ROOT / "minigrad" / "kernels").glob("*.py"):
        lines[path.name in compiled] += len(path.read_text().splitlines())
    numpy_lines, compiled_lines = (round(lines[k], -2) for k in (False, True))
    claim = f"about {numpy_lines:,} lines of numpy kernels and {compiled_lines:,} of compiled ones"
    for page in (ROOT / "README.md", ROOT / "docs" / "index.md"):
        assert claim in " ".join(page.read_text().split()), (page.name, claim)
