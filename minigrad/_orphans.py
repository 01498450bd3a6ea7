"""What a killed process left behind: entries named after its pid, found once it is gone.

Checkpoint temporaries (``.<name>.<pid>.tmp``) and download staging folders
(``.download-<pid>``) both carry their writer's pid, so the next writer can tell a crashed
writer's leftovers from a live one's work in progress.
"""

from __future__ import annotations

import contextlib
import os
import re


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    return True


def orphans(directory: str | os.PathLike, pattern: str) -> list[os.DirEntry]:
    """Entries of ``directory`` whose whole name matches ``pattern`` (group 1: a pid) and whose
    process no longer runs; an unreadable or missing directory has none."""
    found = []
    with contextlib.suppress(OSError):
        for entry in os.scandir(directory):
            m = re.fullmatch(pattern, entry.name)
            if m and int(m.group(1)) != os.getpid() and not _alive(int(m.group(1))):
                found.append(entry)
    return found
