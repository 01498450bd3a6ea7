"""``python -m minigrad``: the same command line as ``minigrad`` (train, evaluate, ...)."""

import sys

try:  # a Ctrl-C while the command line is still being imported: one line, status 130
    from .cli import main
except KeyboardInterrupt:
    print("minigrad: interrupted", file=sys.stderr)
    sys.exit(130)

sys.exit(main())
