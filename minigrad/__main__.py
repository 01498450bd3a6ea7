"""``python -m minigrad``: the same command line as ``minigrad`` (train, evaluate, ...).

Python imports the ``minigrad`` package (numpy, ...) before this module runs, so only a Ctrl-C
after that import can be caught here; the ``minigrad`` command (``_minigrad_launcher``) also
catches one during it.
"""

import sys

try:  # a Ctrl-C while the command line is still being imported: one line, status 130
    from .cli import main
except KeyboardInterrupt:
    print("minigrad: interrupted", file=sys.stderr)
    sys.exit(130)

sys.exit(main())
