"""How the command line fails: one line on stderr, exit status 2, never a traceback.

``CLIError`` is a problem the user can fix. The checks here run before any work is done, so a
wrong ``--out`` is reported at once and in words (a file where a folder is needed, no
permission, a missing folder), not as an errno text after the data has loaded.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any


class CLIError(Exception):
    """A problem the user can fix; printed as one line, exit status 2."""


def warn(message: str) -> None:
    """A problem that does not fail the command (e.g. a picture that could not be written)."""
    print(f"minigrad: warning: {message}", file=sys.stderr)


def bounded(convert: Callable[[str], Any], lowest: float, inclusive: bool, what: str,
            highest: float | None = None) -> Callable[[str], Any]:
    """An argparse type: ``convert`` the text, then insist on ``> lowest`` (or ``>=``) and, when
    given, ``<= highest``."""

    def parse(text: str) -> Any:
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        ok = value >= lowest if inclusive else value > lowest
        if not ok or not math.isfinite(value) or (highest is not None and value > highest):
            raise argparse.ArgumentTypeError(f"expected {what}, got {text}")
        return value

    return parse


def plural(n: int, noun: str, many: str | None = None) -> str:
    """``1 epoch``, ``2 epochs``, ``0 epochs`` (``many`` when the plural is not noun + s)."""
    return f"{n:,} {noun if n == 1 else (many or noun + 's')}"


def model_name(offered: tuple[str, ...], known: dict[str, str], command: str
               ) -> Callable[[str], str]:
    """An argparse type for ``--model``: any case (``LeNet`` is ``lenet``); a model that
    exists but not for this ``command`` is refused saying what it is for. ``known`` maps
    every model name to where it can be used (``"graph"`` for AlexNet)."""

    def parse(text: str) -> str:
        name = text.strip().lower()
        if name in offered:
            return name
        if name in known:
            raise argparse.ArgumentTypeError(
                f"{name} works with minigrad {known[name]} only, not {command} (here choose "
                f"from {', '.join(offered)})")
        raise argparse.ArgumentTypeError(f"unknown model {text!r} (choose from "
                                         f"{', '.join(offered)})")

    return parse


positive_int = bounded(int, 0, False, "a positive integer")
nonnegative_int = bounded(int, 0, True, "an integer >= 0")
positive_float = bounded(float, 0, False, "a positive number")


def _can_write_in(folder: Path) -> bool:
    """Whether a file can be created in ``folder`` (tried, since permission bits lie to root
    and to read-only mounts)."""
    try:
        with tempfile.TemporaryFile(dir=folder):
            return True
    except OSError:
        return False


def _existing_ancestor(path: Path) -> Path:
    path = path.absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def check_output_folder(path: Path, flag: str | None) -> None:
    """``path`` is, or can be made, a folder we can write in. ``flag`` is the option that
    named it (``--out``); None for a default the user did not choose, which the error then
    calls the default run directory and offers ``--out`` for."""
    name, hint = (f"{flag} {path}", "") if flag else (
        f"the default run directory {path}", "; pass --out RUN_DIR to write elsewhere")
    if path.exists() and not path.is_dir():
        raise CLIError(f"{name}: is a file, but a folder is needed here{hint}")
    base = _existing_ancestor(path)
    if not base.is_dir():
        raise CLIError(f"{name}: {base} is a file, so no folder can be made inside it{hint}")
    if not _can_write_in(base):
        what = "write in" if base == path.absolute() else f"create {path} inside"
        raise CLIError(f"{name}: no permission to {what} {base}{hint}")


def check_output_file(path: Path, flag: str) -> None:
    """``path`` names a file we can write: its folder exists and is writable."""
    if path.is_dir():
        raise CLIError(f"{flag} {path}: is a folder, but a file name is needed here")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.exists():
        raise CLIError(f"{flag} {path}: the folder {parent} does not exist (create it first)")
    if not parent.is_dir():
        raise CLIError(f"{flag} {path}: {parent} is a file, not a folder")
    if not _can_write_in(parent) or (path.exists() and not os.access(path, os.W_OK)):
        raise CLIError(f"{flag} {path}: no permission to write in {parent}")
