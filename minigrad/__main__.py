"""``python -m minigrad``: the same command line as ``minigrad`` (train, evaluate, ...)."""

import sys

from .cli import main

sys.exit(main())
