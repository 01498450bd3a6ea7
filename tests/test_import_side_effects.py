"""``import minigrad`` changes nothing in its user's process: no environment variable, no
numpy setting, no signal handler, no collector or interpreter setting, no thread. (Malloc's
thresholds, the one process-wide tuning minigrad offers, are opt-in: test_kernels_malloc.py.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys

SNAPSHOT = """
import gc, json, os, signal, sys, threading, warnings
import numpy as np

def snapshot():
    return {
        "environ": dict(os.environ),
        "numpy_err": np.geterr(),
        "numpy_print": {k: repr(v) for k, v in np.get_printoptions().items()},
        "recursion": sys.getrecursionlimit(),
        "switch": sys.getswitchinterval(),
        "gc": [gc.isenabled(), gc.get_threshold(), gc.get_freeze_count()],
        "signals": {s: repr(signal.getsignal(getattr(signal, s)))
                    for s in ("SIGINT", "SIGTERM", "SIGPIPE", "SIGCHLD")},
        "threads": threading.active_count(),
        "warnings": len(warnings.filters),
        "umask": os.umask(os.umask(0o22)),
        "cwd": os.getcwd(),
    }

before = snapshot()
import minigrad, minigrad.nn, minigrad.optim, minigrad.utils.data
print(json.dumps([before, snapshot()]))
"""


def test_import_minigrad_changes_no_process_wide_setting() -> None:
    env = {k: v for k, v in os.environ.items() if k != "MINIGRAD_MALLOC_TUNING"}
    out = subprocess.run([sys.executable, "-c", SNAPSHOT], env=env, capture_output=True,
                         text=True, check=True).stdout
    before, after = json.loads(out)
    for key in before:
        assert before[key] == after[key], (key, before[key], after[key])
