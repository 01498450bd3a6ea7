"""Verified downloads for any dataset: known SHA-256, mirrors, retries, nothing half-written.

The transfer itself is `pooch <https://www.fatiando.org/pooch>`_'s (streamed to a temporary
file, hash checked, retried, with a progress bar when tqdm is installed). It runs inside a
staging folder ``.download-<pid>`` in the destination, and only a verified file is renamed
out of it; the staging folder is removed afterwards, and one left by a killed process is
removed by the next download into the same place. So the destination holds complete,
checked files or nothing.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from .._orphans import orphans

__all__ = ["ChecksumError", "DownloadError", "cache_root", "download_file"]


class ChecksumError(ValueError):
    """A downloaded file whose SHA-256 is not the expected one."""


class DownloadError(OSError):
    """No mirror delivered a verified copy of the file; the message lists why for each."""


def cache_root(name: str) -> Path:
    """Where dataset ``name`` is kept: ``$MINIGRAD_DATA`` or ``~/.cache/minigrad/<name>``."""
    env = os.environ.get("MINIGRAD_DATA")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "minigrad" / name


def remove_stale_staging(root: Path) -> None:
    """Remove ``.download-<pid>`` folders of processes that no longer run."""
    for entry in orphans(root, r"\.download-(\d+)"):
        shutil.rmtree(entry.path, ignore_errors=True)


def _fetch_one(url: str, staging: Path, sha256: str, timeout: float, retries: int,
               quiet: bool) -> Path:
    import pooch
    import requests

    progress = False
    if not quiet:
        try:
            import tqdm  # noqa: F401  (pooch draws its bar with tqdm)

            progress = True
        except ImportError:
            pass
    logger = pooch.get_logger()
    level = logger.level
    logger.setLevel(logging.WARNING if quiet else logging.INFO)
    try:
        fetcher = pooch.create(path=staging, base_url="", registry={},
                               retry_if_failed=retries)
        name = url.rsplit("/", 1)[-1]
        fetcher.registry[name] = f"sha256:{sha256}"
        fetcher.urls[name] = url
        downloader = pooch.HTTPDownloader(progressbar=progress, timeout=timeout)
        return Path(fetcher.fetch(name, downloader=downloader))
    except ValueError as e:
        if "hash" in str(e).lower():
            raise ChecksumError(f"SHA-256 mismatch for {url} (expected {sha256})") from None
        raise OSError(str(e)) from None
    except requests.exceptions.RequestException as e:
        raise OSError(f"{type(e).__name__}: {e}") from None
    finally:
        logger.setLevel(level)


def download_file(name: str, root: str | os.PathLike, mirrors: Sequence[str], sha256: str, *,
             timeout: float = 30.0, retries: int = 2, quiet: bool = False) -> Path:
    """Fetch file ``name`` into ``root`` from the first mirror that delivers it with the
    expected SHA-256; returns its path. Raises ``DownloadError`` naming every failure."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    remove_stale_staging(root)
    staging = root / f".download-{os.getpid()}"
    errors = []
    try:
        for mirror in mirrors:
            url = mirror.rstrip("/") + "/" + name
            if not quiet:
                print(f"Downloading {url}", file=sys.stderr)
            try:
                got = _fetch_one(url, staging, sha256, timeout, retries, quiet)
            except (OSError, ChecksumError) as e:
                errors.append(f"{url}: {e}")
                if not quiet:
                    print(f"  failed: {e}", file=sys.stderr)
                continue
            return Path(shutil.move(str(got), str(root / name)))
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    raise DownloadError(f"could not download {name} from any mirror: " + "; ".join(errors))
