"""The ``minigrad`` command (also ``python -m minigrad``): train, evaluate, predict, graph,
check-grads.

The library knows nothing of this package; it uses the library's public names only. Each
subcommand is one module with ``add_parser(subparsers)`` and ``run(args)``; ``errors`` holds
how they fail (one line, exit status 2), ``registry`` the models and the training recipe,
``runs`` the files of a run directory, ``data`` which data a command reads.
"""

from __future__ import annotations

import argparse
import os
import sys
from types import ModuleType

import minigrad

from .errors import CLIError

__all__ = ["CLIError", "build_parser", "main"]

SUBCOMMAND_NAMES = ("train", "evaluate", "predict", "graph", "check-grads",
                    "export")


def subcommands() -> tuple[ModuleType, ...]:
    """The subcommand modules, imported when the command line is built (not when this
    package is imported), so ``main`` can turn a Ctrl-C during the imports into one line."""
    from . import check_grads, evaluate, export, graph, predict, train

    return (train, evaluate, predict, graph, check_grads, export)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # one line (argparse would print the multi-line usage first) and status 2
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The ``minigrad`` parser with every subcommand registered."""
    parser = _Parser(prog="minigrad",
                     description="minigrad: a small, exact and fast autograd framework on numpy.")
    parser.add_argument("--version", action="version", version=f"minigrad {minigrad.__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in subcommands():
        command.add_parser(sub)
    return parser


def _quiet_broken_pipe() -> int:
    """The reader went away (``| head``): stop quietly, as Unix tools do."""
    try:  # further writes (and the interpreter's final flush) go nowhere
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return 0


def interrupted(command: str | None = None) -> int:
    """Ctrl-C: one line on stderr (no traceback); returns the exit status 130."""
    print(f"minigrad {command}: interrupted" if command else "minigrad: interrupted",
          file=sys.stderr)
    return 130


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (2 for a user error, 130 for Ctrl-C)."""
    try:  # importing the subcommands and numpy's first use take a moment: Ctrl-C is one line
        parser = build_parser()
        args = parser.parse_args(argv)
    except KeyboardInterrupt:
        return interrupted()
    if args.command is None:
        parser.print_help()
        return 0
    if argv is None:  # run as the command, not called from Python: tune this process's
        minigrad.kernels.tune_malloc()  # malloc and its compiled kernels' idle OpenMP workers
        minigrad.kernels.tune_openmp()
    try:
        status = args.func(args)
        sys.stdout.flush()
        return status
    except BrokenPipeError:
        return _quiet_broken_pipe()
    except CLIError as e:
        message = "; ".join(line.strip() for line in str(e).splitlines() if line.strip())
        print(f"minigrad {args.command}: error: {message}", file=sys.stderr)
        return 2
    except OSError as e:  # a path that cannot be read or written: still one line, status 2
        print(f"minigrad {args.command}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return interrupted(args.command)
