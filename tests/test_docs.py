"""Every ```python block in the README and docs/ runs, so the docs cannot rot.

Every page with python blocks (``PASTE_PAGES``) is run the way a reader runs it: each block
pasted line by line into Python's interactive console (``code.InteractiveConsole``, what
``python`` without arguments is). A blank line inside an indented block, or a statement right
after an indented block without the blank line that ends it, is a SyntaxError there although
the file would run as a script; ``>>>`` prompts cannot be pasted at all, so no page has them.

The blocks of one page run in order in one console (later blocks build on earlier ones),
inside a temporary directory so files they write land there. A block that prints something
(the console also echoes the value of a bare expression) has a ```text block right after it,
its printed output, compared with what it prints (whitespace-insensitive; ``...`` matches
anything, for numbers that vary). A block that uses an optional dependency (PyTorch) prints
nothing without it; its output is compared only where that dependency is installed. A page
that draws with Graphviz's ``dot`` (``render(``) is skipped where ``dot`` is not on PATH.
"""

from __future__ import annotations

import code
import contextlib
import doctest
import importlib.util
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
PASTE_PAGES = [page for page in PAGES if BLOCK.search(page.read_text(encoding="utf-8"))]
# a block that uses one of these prints nothing where it is not installed
OPTIONAL = ("torch", "onnx", "onnxruntime")
OUTPUT_CHECK = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS


def code_blocks(page: Path) -> list[tuple[str, str | None]]:
    """``(code, expected output or None)`` for each ```python block of ``page``."""
    return [(m.group(1), m.group(2)) for m in BLOCK.finditer(page.read_text(encoding="utf-8"))]


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


@pytest.fixture
def in_tmp_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _paste_param(page: Path) -> object:
    # the tutorial trains networks (tens of seconds): slow, still in CI
    marks = [pytest.mark.slow] if page == TUTORIAL else []
    return pytest.param(page, marks=marks, id=str(page.relative_to(ROOT)))


def paste_page(page: Path, missing: list[str]) -> None:
    """Paste every block of ``page`` into one console; fail on an error or a wrong output.

    ``missing``: the optional modules not installed here; a block that uses one and prints
    nothing is not compared with its output (it shows what it prints where they are).
    """
    blocks = code_blocks(page)
    assert blocks, f"{page.name} has no python blocks"
    console = PastedConsole({"__name__": "__console__"})
    for number, (block, expected) in enumerate(blocks, 1):
        where = f"{page.name}[block {number}]"
        assert not block.lstrip().startswith(">>>"), \
            f"{where}: a >>> transcript cannot be pasted; write the code, output in ```text"
        printed = console.paste(block)
        if console.errors:
            pytest.fail(f"{where} fails when pasted into the console:\n{console.errors[0]}"
                        f"--- block:\n{block}")
        if expected is None:
            if printed.strip():
                pytest.fail(f"{where} prints something but shows no ```text block after it "
                            f"(the console also echoes a bare expression's value):\n"
                            f"{printed}--- block:\n{block}")
        elif printed.strip() or not any(re.search(rf"\b{name}\b", block) for name in missing):
            check_output(where, block, expected, printed)


# The Chinese edition is not pasted again: its blocks and their output are the English
# page's, character for character (test_the_chinese_tutorial_has_the_english_code_and_output)
@pytest.mark.parametrize("page", [_paste_param(p) for p in PASTE_PAGES if p != TUTORIAL_ZH])
def test_code_blocks_paste_into_the_interactive_console(page: Path, in_tmp_dir: Path) -> None:
    if shutil.which("dot") is None and any("render(" in b for b, _ in code_blocks(page)):
        pytest.skip(f"{page.name} draws pictures with Graphviz's dot program, which is not on "
                    "PATH (apt-get install graphviz; CI installs it)")
    paste_page(page, [name for name in OPTIONAL if importlib.util.find_spec(name) is None])


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


def test_a_block_that_prints_must_show_its_output(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    for block in ("print(2)", "1 + 1", "for i in range(2):\n    i\n"):  # echoes count
        page.write_text(f"```python\n{block}\n```\n")
        with pytest.raises(pytest.fail.Exception, match="shows no ```text block"):
            paste_page(page, [])
    page.write_text("```python\nx = 1 + 1\n```\n")
    paste_page(page, [])


def test_a_block_silent_without_an_optional_module_is_not_compared(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("```python\ntorch = None\nif torch is not None:\n    print(1)\n```\n\n"
                    "```text\n1\n```\n")
    paste_page(page, ["torch"])
    with pytest.raises(pytest.fail.Exception, match="differs"):
        paste_page(page, [])


def test_output_blocks_are_compared(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("```python\nprint(1 + 1)\n```\n\n```text\n3\n```\n")
    (block, expected), = code_blocks(page)
    with pytest.raises(pytest.fail.Exception, match="differs"):
        check_output("page", block, expected, PastedConsole({}).paste(block))
