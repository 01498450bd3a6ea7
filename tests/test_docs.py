"""Every ```python block in the README and docs/ runs, so the docs cannot rot.

The blocks of one page run in order in one namespace (later blocks build on earlier ones),
inside a temporary directory so files they write land there. A ```text block right after a
```python block is that block's printed output and is compared with what it prints
(whitespace-insensitive; ``...`` matches anything, for numbers that depend on training). A
block written as an interactive session (``>>>`` prompts) is run as a doctest.

The pages a reader copies from (``PASTE_PAGES``) are run the way a reader runs them: pasted
line by line into Python's interactive console (``code.InteractiveConsole``, what ``python``
without arguments is). A blank line inside an indented block, or a statement right after an
indented block without the blank line that ends it, is a SyntaxError there although the file
would run as a script; those pages also have no ``>>>`` prompts, which cannot be pasted.
"""

from __future__ import annotations

import code
import contextlib
import doctest
import io
import re
import shutil
import sys
import traceback
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md")])
BLOCK = re.compile(r"^```python\n(.*?)^```\n(?:[ \t]*\n)*(?:```text\n(.*?)^```\n)?", re.S | re.M)
TUTORIAL, TUTORIAL_ZH = ROOT / "docs" / "tutorial.md", ROOT / "docs" / "tutorial.zh.md"
PASTE_PAGES = [ROOT / "README.md", TUTORIAL, TUTORIAL_ZH]
OUTPUT_CHECK = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS


def code_blocks(page: Path) -> list[tuple[str, str | None]]:
    """``(code, expected output or None)`` for each ```python block of ``page``."""
    return [(m.group(1), m.group(2)) for m in BLOCK.finditer(page.read_text(encoding="utf-8"))]


def python_blocks(page: Path) -> list[str]:
    return [block for block, _ in code_blocks(page)]


def check_output(where: str, block: str, expected: str | None, printed: str) -> None:
    if expected is None:
        return
    if not doctest.OutputChecker().check_output(expected, printed, OUTPUT_CHECK):
        pytest.fail(f"{where}: the output shown under the block differs from what it prints\n"
                    f"--- shown:\n{expected}--- printed:\n{printed}--- block:\n{block}")


class PastedConsole(code.InteractiveConsole):
    """The interactive interpreter, fed one line at a time; errors are recorded, not printed."""

    def __init__(self, namespace: dict) -> None:
        super().__init__(namespace)
        self.errors: list[str] = []

    def showsyntaxerror(self, filename: str | None = None, **kwargs: object) -> None:
        self.errors.append("".join(traceback.format_exception_only(*sys.exc_info()[:2])))

    def showtraceback(self) -> None:
        self.errors.append(traceback.format_exc())

    def paste(self, block: str) -> str:
        """What the console prints for ``block`` pasted in, then Enter on an empty line."""
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            for line in [*block.split("\n"), ""]:
                self.push(line)
        return out.getvalue()


def run_doctest(block: str, namespace: dict, name: str) -> None:
    test = doctest.DocTestParser().get_doctest(block, namespace, name, name, 0)
    runner = doctest.DocTestRunner(optionflags=OUTPUT_CHECK | doctest.REPORT_NDIFF)
    report: list[str] = []
    runner.run(test, out=report.append, clear_globs=False)
    namespace.update(test.globs)  # DocTest works on a copy; later blocks build on this one
    if runner.failures:
        pytest.fail("".join(report))


@pytest.fixture
def in_tmp_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("page", [p for p in PAGES if python_blocks(p) and p not in PASTE_PAGES],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_code_blocks_run(page: Path, in_tmp_dir: Path) -> None:
    if shutil.which("dot") is None and any("render(" in b for b, _ in code_blocks(page)):
        pytest.skip(f"{page.name} draws pictures with Graphviz's dot program, which is not on "
                    "PATH (apt-get install graphviz; CI installs it)")
    namespace: dict = {"__name__": "__docs__"}
    for number, (block, expected) in enumerate(code_blocks(page), 1):
        where = f"{page.name}[block {number}]"
        if block.lstrip().startswith(">>>"):
            run_doctest(block, namespace, where)
            continue
        out = io.StringIO()
        try:
            with contextlib.redirect_stdout(out):
                exec(compile(block, where, "exec"), namespace)
        except Exception as error:  # pragma: no cover - the message is the point
            pytest.fail(f"{page.name}, code block {number} failed: {error!r}\n{block}")
        check_output(where, block, expected, out.getvalue())


def _paste_param(page: Path) -> object:
    # the tutorials train networks (tens of seconds): slow, still in CI. The Chinese edition
    # has the English page's code and output (checked below, fast), so it repeats that run.
    marks = [pytest.mark.slow] if page in (TUTORIAL, TUTORIAL_ZH) else []
    return pytest.param(page, marks=marks, id=str(page.relative_to(ROOT)))


@pytest.mark.parametrize("page", [_paste_param(p) for p in PASTE_PAGES])
def test_code_blocks_paste_into_the_interactive_console(page: Path, in_tmp_dir: Path) -> None:
    console = PastedConsole({"__name__": "__console__"})
    blocks = code_blocks(page)
    assert blocks, f"{page.name} has no python blocks"
    for number, (block, expected) in enumerate(blocks, 1):
        where = f"{page.name}[block {number}]"
        assert not block.lstrip().startswith(">>>"), \
            f"{where}: a >>> transcript cannot be pasted; write the code, output in ```text"
        printed = console.paste(block)
        if console.errors:
            pytest.fail(f"{where} fails when pasted into the console:\n{console.errors[0]}"
                        f"--- block:\n{block}")
        check_output(where, block, expected, printed)


def test_the_chinese_tutorial_has_the_english_code_and_output() -> None:
    english, chinese = code_blocks(TUTORIAL), code_blocks(TUTORIAL_ZH)
    assert len(chinese) == len(english)
    for number, (en, zh) in enumerate(zip(english, chinese), 1):
        assert zh == en, f"tutorial.zh.md block {number} differs from tutorial.md's"
    headings = [re.findall(r"^## (\d+)\.", p.read_text(encoding="utf-8"), re.M)
                for p in (TUTORIAL, TUTORIAL_ZH)]
    assert headings[0] == headings[1], "the two editions have different sections"
    images = [re.findall(r"\(images/[^)]+\)", p.read_text(encoding="utf-8"))
              for p in (TUTORIAL, TUTORIAL_ZH)]
    assert images[0] == images[1]


def test_paste_check_catches_a_blank_line_inside_a_class() -> None:
    console = PastedConsole({})
    console.paste("class A:\n    x = 1\n\n    y = 2\n")
    assert console.errors and "IndentationError" in console.errors[0]


def test_paste_check_catches_a_statement_glued_to_a_loop() -> None:
    console = PastedConsole({})
    console.paste("for i in range(2):\n    pass\nprint(i)\n")
    assert console.errors and "SyntaxError" in console.errors[0]


def test_output_blocks_are_compared(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("```python\nprint(1 + 1)\n```\n\n```text\n3\n```\n")
    (block, expected), = code_blocks(page)
    with pytest.raises(pytest.fail.Exception, match="differs"):
        check_output("page", block, expected, PastedConsole({}).paste(block))
