"""``torch.version``: the version of minigrad, and PyTorch's build fields (no CUDA, no HIP)."""

from __future__ import annotations

from . import __version__

__all__ = ["__version__", "cuda", "debug", "git_version", "hip"]

cuda: str | None = None  # minigrad is built for no accelerator
hip: str | None = None
debug = False
git_version = "unknown"  # a release is not built from a git checkout
