"""``torch.hub``: pretrained weights by URL, and models from a repository's ``hubconf.py``.

``load_state_dict_from_url`` is what torchvision's model builders call for their weights
(``weights.get_state_dict``). It keeps PyTorch's cache, ``get_dir()/checkpoints``, under
PyTorch's rule for the folder (``$TORCH_HOME/hub``, else ``$XDG_CACHE_HOME/torch/hub``, else
``~/.cache/torch/hub``), so weights a PyTorch install already downloaded are reused, and
the other way round. A file is loaded with ``minigrad.load``: a ``torch.save`` zip file is
read without running pickle code (``torch.load(weights_only=True)``'s rule, always), a
minigrad or safetensors file as it is.

Downloads stream into a temporary file beside the destination (named by the pid, so one
left by a killed process is removed by the next download to the same place), are checked
(length, SHA-256 prefix) and only then renamed into place: the cache holds complete
files or nothing.

``load``, ``list`` and ``help`` import a ``hubconf.py`` and so run its code, as PyTorch's
do: from a local folder (``source='local'``) or from a GitHub repository's zip archive
(``source='github'``, fetched with urllib into ``get_dir()``, behind PyTorch's trust check).
"""

from __future__ import annotations

import builtins
import contextlib
import hashlib
import importlib.util
import json
import os
import re
import shutil
import sys
import uuid
import warnings
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.error import ContentTooShortError, HTTPError, URLError
from urllib.parse import urlparse
from urllib.request import Request, urlopen

from ._orphans import orphans

__all__ = [
    "download_url_to_file",
    "get_dir",
    "help",
    "list",
    "load",
    "load_state_dict_from_url",
    "set_dir",
]

# matches bfd8deac from resnet18-bfd8deac.pth (PyTorch's rule)
HASH_REGEX = re.compile(r"-([a-f0-9]*)\.")
_PATH_SEP_PATTERN = re.compile(r"[/\\]")
_TRUSTED_REPO_OWNERS = ("facebookresearch", "facebookincubator", "pytorch", "fairinternal")
ENV_GITHUB_TOKEN = "GITHUB_TOKEN"
ENV_TORCH_HOME = "TORCH_HOME"
ENV_XDG_CACHE_HOME = "XDG_CACHE_HOME"
DEFAULT_CACHE_DIR = "~/.cache"
VAR_DEPENDENCY = "dependencies"
MODULE_HUBCONF = "hubconf.py"
READ_DATA_CHUNK = 128 * 1024
_hub_dir: str | None = None

# Where GitHub is reached. Private: the tests point them at a local server.
_GITHUB = "https://github.com"
_GITHUB_API = "https://api.github.com"


# ----------------------------------------------------------------------------- the cache


def _get_torch_home() -> str:
    return os.path.expanduser(os.getenv(
        ENV_TORCH_HOME, os.path.join(os.getenv(ENV_XDG_CACHE_HOME, DEFAULT_CACHE_DIR), "torch")))


def get_dir() -> str:
    """The hub's cache folder: ``set_dir``'s, else ``$TORCH_HOME/hub``, with ``$TORCH_HOME``
    defaulting to ``$XDG_CACHE_HOME/torch`` and that to ``~/.cache/torch``: PyTorch's folder,
    so the two share downloaded weights."""
    if os.getenv("TORCH_HUB"):
        warnings.warn("TORCH_HUB is deprecated, please use env TORCH_HOME instead", stacklevel=2)
    if _hub_dir is not None:
        return _hub_dir
    return os.path.join(_get_torch_home(), "hub")


def set_dir(d: str | os.PathLike) -> None:
    """Use ``d`` as the hub's cache folder from now on (in this process)."""
    global _hub_dir
    _hub_dir = os.path.expanduser(d)


# ----------------------------------------------------------------------------- downloads


class _NoBar:
    """Stands in for tqdm when no bar is wanted or tqdm is not installed."""

    def __enter__(self) -> _NoBar:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, n: int) -> None:
        pass


def _progress_bar(total: int | None, progress: bool) -> Any:
    if progress:
        try:
            from tqdm import tqdm
        except ImportError:
            return _NoBar()
        return tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024)
    return _NoBar()


def _content_length(response: Any) -> int | None:
    value = response.headers.get("Content-Length")
    with contextlib.suppress(TypeError, ValueError):
        return int(value)
    return None


def _stream(url: str, f: Any, progress: bool) -> str:
    """Copy ``url`` into the open file ``f``; its SHA-256. A transfer that ends before the
    length the server announced is an error (urllib alone would return the short file)."""
    sha256, got = hashlib.sha256(), 0
    with urlopen(Request(url, headers={"User-Agent": "minigrad.hub"})) as u:
        size = _content_length(u)
        with _progress_bar(size, progress) as bar:
            while chunk := u.read(READ_DATA_CHUNK):
                f.write(chunk)
                sha256.update(chunk)
                got += len(chunk)
                bar.update(len(chunk))
    if size is not None and got < size:
        raise ContentTooShortError(f"download_url_to_file: {url} ended after {got} of its "
                                   f"{size} bytes", None)
    return sha256.hexdigest()


def _remove_stale_partials(dst: str) -> None:
    """Temporaries of ``dst`` left by processes that no longer run."""
    pattern = re.escape(os.path.basename(dst)) + r"\.(\d+)\.[0-9a-f]{32}\.partial"
    for entry in orphans(os.path.dirname(dst) or ".", pattern):
        with contextlib.suppress(OSError):
            os.remove(entry.path)


def download_url_to_file(url: str, dst: str | os.PathLike, hash_prefix: str | None = None,
                         progress: bool = True) -> None:
    """Download ``url`` to the file ``dst``: streamed to a temporary file beside it and
    renamed into place only once complete and, when ``hash_prefix`` is given, once its
    SHA-256 starts with it (a ``RuntimeError`` as PyTorch's otherwise). No temporary is left
    behind on failure, and an existing ``dst`` is untouched by a failed download. A
    progress bar goes to stderr when ``progress`` and tqdm is installed."""
    dst = os.path.expanduser(os.fspath(dst))
    _remove_stale_partials(dst)
    tmp = f"{dst}.{os.getpid()}.{uuid.uuid4().hex}.partial"
    try:
        with open(tmp, "xb") as f:  # x: never someone else's file
            digest = _stream(url, f, progress)
            f.flush()
            os.fsync(f.fileno())
        if hash_prefix is not None and digest[: len(hash_prefix)] != hash_prefix:
            raise RuntimeError(f'invalid hash value (expected "{hash_prefix}", got "{digest}")')
        os.replace(tmp, dst)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)


# ----------------------------------------------------------------------------- weights


def _safe_extract_zip(zip_file: zipfile.ZipFile, extract_to: str | os.PathLike) -> None:
    """Extract every member, refusing one whose path would land outside ``extract_to``
    (absolute, a drive, ``..``): PyTorch's guard against "zip slip"."""
    root = Path(extract_to).resolve(strict=False)
    for member in zip_file.infolist():
        name = os.path.normpath(member.filename)
        absolute = name.startswith(("/", "\\")) or (len(name) >= 2 and name[1] == ":"
                                                    and name[0].isalpha())
        if absolute:
            raise ValueError(f"Archive entry has absolute path: {member.filename}")
        if ".." in re.split(_PATH_SEP_PATTERN, name):
            raise ValueError(f"Archive entry contains directory traversal: {member.filename}")
        if not (root / name).resolve(strict=False).is_relative_to(root):
            raise ValueError(f"Archive entry escapes target directory: {member.filename}")
        zip_file.extract(member, root)


def _is_legacy_zip_format(filename: str) -> bool:
    """A zip holding exactly one file: how weights were shipped before ``torch.save``'s own
    zip format (which has several members)."""
    if zipfile.is_zipfile(filename):
        with zipfile.ZipFile(filename) as zf:
            infolist = zf.infolist()
        return len(infolist) == 1 and not infolist[0].is_dir()
    return False


def _legacy_zip_extract(filename: str, model_dir: str) -> str:
    """The one file of a legacy zip, extracted into ``model_dir`` (PyTorch warns too)."""
    warnings.warn("Falling back to the old format < 1.6. This support will be deprecated in "
                  "favor of default zipfile format introduced in 1.6. Please redo "
                  "torch.save() to save it in the new zipfile format.", FutureWarning,
                  stacklevel=3)
    with zipfile.ZipFile(filename) as f:
        _safe_extract_zip(f, model_dir)
        return os.path.join(model_dir, f.infolist()[0].filename)


def _cached_name(url: str, file_name: str | None) -> str:
    filename = file_name if file_name is not None else os.path.basename(urlparse(url).path)
    if not filename:
        raise ValueError(f"load_state_dict_from_url: the URL {url!r} names no file; pass "
                         "file_name= to name the cached copy")
    return filename


def load_state_dict_from_url(url: str, model_dir: str | None = None, map_location: Any = None,
                             progress: bool = True, check_hash: bool = False,
                             file_name: str | None = None,
                             weights_only: bool = False) -> dict[str, Any]:
    """The state dict at ``url``, downloaded once into ``model_dir`` (default
    ``get_dir()/checkpoints``) and read from there afterwards. With ``check_hash`` the file
    name's ``-<hex>`` suffix (``resnet18-f37072fd.pth``) must begin the file's SHA-256. A
    zip holding one file is unpacked first, as PyTorch does.

    The file is read by ``minigrad.load``: ``torch.save``'s zip format without running pickle
    code, whatever ``weights_only`` says (minigrad never unpickles), or a minigrad /
    safetensors checkpoint. Tensors are minigrad Tensors on the CPU."""
    from .serialization import load as _load

    if os.getenv("TORCH_MODEL_ZOO"):
        warnings.warn("TORCH_MODEL_ZOO is deprecated, please use env TORCH_HOME instead",
                      stacklevel=2)
    if model_dir is None:
        model_dir = os.path.join(get_dir(), "checkpoints")
    os.makedirs(model_dir, exist_ok=True)
    filename = _cached_name(url, file_name)
    cached_file = os.path.join(model_dir, filename)
    if not os.path.exists(cached_file):
        sys.stdout.write(f'Downloading: "{url}" to {cached_file}\n')
        match = HASH_REGEX.search(filename) if check_hash else None
        download_url_to_file(url, cached_file, match.group(1) if match else None,
                             progress=progress)
    if _is_legacy_zip_format(cached_file):
        cached_file = _legacy_zip_extract(cached_file, model_dir)
    return _load(cached_file, map_location=map_location)


# ----------------------------------------------------------------------------- hubconf.py


@contextlib.contextmanager
def _add_to_sys_path(path: str) -> Iterator[None]:
    sys.path.insert(0, path)
    try:
        yield
    finally:
        sys.path.remove(path)


def _import_module(name: str, path: str) -> ModuleType:
    """Run the file ``path`` as a module (not registered in ``sys.modules``, as PyTorch)."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _import_hubconf(repo_dir: str) -> ModuleType:
    with _add_to_sys_path(repo_dir):
        return _import_module(MODULE_HUBCONF, os.path.join(repo_dir, MODULE_HUBCONF))


def _check_dependencies(m: ModuleType) -> None:
    dependencies = getattr(m, VAR_DEPENDENCY, None)
    if dependencies is not None:
        missing = [pkg for pkg in dependencies if importlib.util.find_spec(pkg) is None]
        if missing:
            raise RuntimeError(f"Missing dependencies: {', '.join(missing)}")


def _load_entry_from_hubconf(m: ModuleType, model: str) -> Callable:
    if not isinstance(model, str):
        raise ValueError("Invalid input: model should be a string of function name")
    _check_dependencies(m)
    func = getattr(m, model, None) if model in dir(m) else None
    if func is None or not callable(func):
        raise RuntimeError(f"Cannot find callable {model} in hubconf")
    return func


def _load_local(hubconf_dir: str, model: str, *args: Any, **kwargs: Any) -> Any:
    with _add_to_sys_path(hubconf_dir):
        hub_module = _import_module(MODULE_HUBCONF, os.path.join(hubconf_dir, MODULE_HUBCONF))
        entry = _load_entry_from_hubconf(hub_module, model)
        return entry(*args, **kwargs)


# ----------------------------------------------------------------------------- GitHub


def _read_url(url: str | Request) -> str:
    with urlopen(url) as r:
        return r.read().decode(r.headers.get_content_charset("utf-8"))


def _default_ref(owner: str, name: str) -> str:
    """``main`` if the repository has it, else ``master``; offline, a cached one of them."""
    try:
        with urlopen(f"{_GITHUB}/{owner}/{name}/tree/main/"):
            return "main"
    except HTTPError as e:
        if e.code == 404:
            return "master"
        raise
    except URLError as e:
        for ref in ("main", "master"):
            if os.path.exists(os.path.join(get_dir(), f"{owner}_{name}_{ref}")):
                return ref
        raise RuntimeError("It looks like there is no internet connection and the repo could "
                           f"not be found in the cache ({get_dir()})") from e


def _parse_repo_info(github: str, caller: str) -> tuple[str, str, str]:
    """``(owner, name, ref)`` from ``"owner/name[:ref]"``."""
    match = re.fullmatch(r"([^/:\s]+)/([^/:\s]+)(?::(.+))?", str(github))
    if match is None:
        raise ValueError(f"{caller}: {github!r} is not of the form 'repo_owner/repo_name[:ref]'"
                         "; for a folder on this machine pass source='local'")
    owner, name, ref = match.groups()
    return owner, name, ref if ref is not None else _default_ref(owner, name)


def _listing(url: str, headers: dict) -> builtins.list:
    try:
        return json.loads(_read_url(Request(url, headers=headers)))
    except HTTPError:
        if "Authorization" not in headers:
            raise
        # retry without the token, in case it had insufficient permissions
        return json.loads(_read_url(Request(url, headers={"Accept": headers["Accept"]})))


def _validate_not_a_forked_repo(owner: str, name: str, ref: str) -> None:
    """``ref`` must be a branch, tag or commit of ``owner/name`` itself, not of a fork."""
    headers = {"Accept": "application/vnd.github.v3+json"}
    token = os.environ.get(ENV_GITHUB_TOKEN)
    if token is not None:
        headers["Authorization"] = f"token {token}"
    for prefix in (f"{_GITHUB_API}/repos/{owner}/{name}/branches",
                   f"{_GITHUB_API}/repos/{owner}/{name}/tags"):
        page = 1
        while response := _listing(f"{prefix}?per_page=100&page={page}", headers):
            if any(b["name"] == ref or b["commit"]["sha"].startswith(ref) for b in response):
                return
            page += 1
    raise ValueError(f"Cannot find {ref} in https://github.com/{owner}/{name}. If it's a "
                     "commit from a forked repo, please call hub.load() with forked repo "
                     "directly.")


def _check_repo_is_trusted(owner: str, name: str, owner_name_branch: str,
                           trust_repo: bool | str | None) -> None:
    """PyTorch's trust check: ``trust_repo=False`` (or ``"check"`` for a repository not yet
    trusted) asks on the terminal; a trusted repository is remembered in ``trusted_list``."""
    filepath = os.path.join(get_dir(), "trusted_list")
    Path(filepath).touch()
    with open(filepath) as file:
        trusted = tuple(line.strip() for line in file)
    owner_name = f"{owner}_{name}"
    is_trusted = (owner_name in trusted or owner in _TRUSTED_REPO_OWNERS
                  or owner_name_branch in next(os.walk(get_dir()))[1])
    if trust_repo is False or (trust_repo == "check" and not is_trusted):
        response = input(
            f"The repository {owner_name} does not belong to the list of trusted repositories "
            "and as such cannot be downloaded. Do you trust this repository and wish to add it "
            "to the trusted list of repositories (y/N)?")
        if response.lower() in ("n", "no", ""):
            raise Exception("Untrusted repository.")  # noqa: TRY002  (PyTorch's type)
        if response.lower() not in ("y", "yes"):
            raise ValueError(f"Unrecognized response {response}.")
    if not is_trusted:
        with open(filepath, "a") as file:
            file.write(owner_name + "\n")


def _download_zipball(owner: str, name: str, ref: str, cached_file: str) -> None:
    url = f"{_GITHUB}/{owner}/{name}/zipball/{ref}"
    sys.stdout.write(f'Downloading: "{url}" to {cached_file}\n')
    try:
        download_url_to_file(url, cached_file, progress=False)
    except HTTPError as err:
        if err.code != 300:
            raise
        # 300 Multiple Choices: the ref is both a tag and a branch; take the branch, as git
        warnings.warn(f"The ref {ref} is ambiguous. Perhaps it is both a tag and a branch in "
                      "the repo? Torchhub will now assume that it's a branch.", stacklevel=4)
        download_url_to_file(f"{_GITHUB}/{owner}/{name}/zipball/refs/heads/{ref}",
                             cached_file, progress=False)


def _remove_if_exists(path: str) -> None:
    if os.path.isfile(path):
        os.remove(path)
    elif os.path.exists(path):
        shutil.rmtree(path)


def _unpack_repo(cached_file: str, hub_dir: str, repo_dir: str) -> None:
    """The archive's one top folder (``owner-name-sha/``) extracted, renamed ``repo_dir``."""
    with zipfile.ZipFile(cached_file) as archive:
        top = archive.infolist()[0].filename.split("/")[0]
        extracted = os.path.join(hub_dir, top)
        _remove_if_exists(extracted)
        _safe_extract_zip(archive, hub_dir)
    _remove_if_exists(cached_file)
    _remove_if_exists(repo_dir)
    shutil.move(extracted, repo_dir)


def _get_cache_or_reload(github: str, force_reload: bool, trust_repo: bool | str | None,
                         verbose: bool, skip_validation: bool, caller: str) -> str:
    """The folder of ``github``'s code in ``get_dir()``: downloaded unless cached."""
    hub_dir = get_dir()
    os.makedirs(hub_dir, exist_ok=True)
    owner, name, ref = _parse_repo_info(github, caller)
    normalized_br = ref.replace("/", "_")
    owner_name_branch = f"{owner}_{name}_{normalized_br}"
    repo_dir = os.path.join(hub_dir, owner_name_branch)
    _check_repo_is_trusted(owner, name, owner_name_branch, trust_repo)
    if not force_reload and os.path.exists(repo_dir):
        if verbose:
            sys.stderr.write(f"Using cache found in {repo_dir}\n")
        return repo_dir
    if not skip_validation:
        _validate_not_a_forked_repo(owner, name, ref)
    cached_file = os.path.join(hub_dir, normalized_br + ".zip")
    _remove_if_exists(cached_file)
    _download_zipball(owner, name, ref, cached_file)
    _unpack_repo(cached_file, hub_dir, repo_dir)
    return repo_dir


def _repo_dir(repo_or_dir: str, source: str, caller: str, force_reload: bool,
              trust_repo: bool | str | None, verbose: bool, skip_validation: bool) -> str:
    source = str(source).lower()
    if source not in ("github", "local"):
        raise ValueError(f'Unknown source: "{source}". Allowed values: "github" | "local".')
    if source == "local":
        repo_dir = os.fspath(repo_or_dir)
    else:
        repo_dir = _get_cache_or_reload(repo_or_dir, force_reload, trust_repo, verbose,
                                        skip_validation, caller)
    if not os.path.isfile(os.path.join(repo_dir, MODULE_HUBCONF)):
        raise FileNotFoundError(f"{caller}: {repo_dir!r} has no {MODULE_HUBCONF} (a hub "
                                "repository defines its entrypoints there)")
    return repo_dir


def list(github: str, force_reload: bool = False, skip_validation: bool = False,  # noqa: A001
         trust_repo: bool | str | None = "check", verbose: bool = True, *,
         source: str = "github") -> builtins.list[str]:
    """The entrypoints (public callables) of the repository's ``hubconf.py``. ``source=
    'local'`` (a minigrad addition; PyTorch's ``list`` reads GitHub only) lists a folder."""
    repo_dir = _repo_dir(github, source, "list", force_reload, trust_repo, verbose,
                         skip_validation)
    hub_module = _import_hubconf(repo_dir)
    return [f for f in dir(hub_module)
            if callable(getattr(hub_module, f)) and not f.startswith("_")]


def help(github: str, model: str, force_reload: bool = False,  # noqa: A001
         skip_validation: bool = False, trust_repo: bool | str | None = "check", *,
         source: str = "github") -> str | None:
    """The docstring of entrypoint ``model``; ``source='local'`` as in ``list``."""
    repo_dir = _repo_dir(github, source, "help", force_reload, trust_repo, True,
                         skip_validation)
    return _load_entry_from_hubconf(_import_hubconf(repo_dir), model).__doc__


def load(repo_or_dir: str | os.PathLike, model: str, *args: Any, source: str = "github",
         trust_repo: bool | str | None = "check", force_reload: bool = False,
         verbose: bool = True, skip_validation: bool = False, **kwargs: Any) -> Any:
    """``model(*args, **kwargs)``, the entrypoint of that name in ``hubconf.py``: of a local
    folder (``source='local'``) or of a GitHub repository ``"owner/name[:ref]"``, downloaded
    once into ``get_dir()``. The hubconf's ``dependencies`` must be importable. This runs
    the repository's code: load only what you trust."""
    repo_dir = _repo_dir(repo_or_dir, source, "load", force_reload, trust_repo, verbose,
                         skip_validation)
    return _load_local(repo_dir, model, *args, **kwargs)
