"""The ``minigrad`` console script's entry point: Ctrl-C while the command line is still being
imported prints one line and exits with status 130, as a Ctrl-C anywhere later does.

The script pip writes runs ``from <module> import main`` before ``main`` is called. Pointed at
``minigrad.cli``, that import pulls in the whole library (numpy, ...), and a Ctrl-C during it
escaped as a traceback that no code of ours could catch. This module sits outside the
``minigrad`` package (importing anything inside it would run the package's ``__init__``
first) and imports only ``sys`` at module level, so the import of the real command line
happens inside ``main``, where a ``KeyboardInterrupt`` can be caught. ``python -m minigrad``
goes through the same ``main`` (``minigrad/__main__.py``).
"""

from __future__ import annotations

import sys

__all__ = ["main"]

INTERRUPTED = "minigrad: interrupted"  # the line minigrad.cli.interrupted() prints


def main() -> int:
    """Import the command line and run it; 130 and one line on stderr for a Ctrl-C."""
    try:
        from minigrad.cli import main as run_command_line
    except KeyboardInterrupt:
        print(INTERRUPTED, file=sys.stderr)
        return 130
    return run_command_line()


if __name__ == "__main__":
    sys.exit(main())
