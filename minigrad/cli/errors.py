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


def check_output_folder(path: Path, flag: str) -> None:
    """``path`` is, or can be made, a folder we can write in."""
    if path.exists() and not path.is_dir():
        raise CLIError(f"{flag} {path}: is a file, but a folder is needed here")
    base = _existing_ancestor(path)
    if not base.is_dir():
        raise CLIError(f"{flag} {path}: {base} is a file, so no folder can be made inside it")
    if not _can_write_in(base):
        what = "write in" if base == path.absolute() else f"create {path} inside"
        raise CLIError(f"{flag} {path}: no permission to {what} {base}")


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
