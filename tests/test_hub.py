"""``minigrad.hub`` (torch.hub): weights by URL from a local HTTP server, compared with
``torch.hub`` on the same server; the cache and its folder rules; atomic downloads; models
from a ``hubconf.py`` in a folder and from a GitHub-shaped local server."""

from __future__ import annotations

import hashlib
import http.server
import io
import json
import os
import re
import socket
import sys
import threading
import zipfile
from pathlib import Path
from urllib.error import ContentTooShortError, HTTPError

import numpy as np
import pytest

import minigrad as mg
from minigrad import hub
from minigrad.checkpoint import CheckpointError

# ----------------------------------------------------------------------------- fixtures


class Server:
    """A local HTTP server: ``routes[path]`` is the body (bytes), an HTTP status (int), or
    ``("drop", body)``: the full length announced, half the bytes sent, connection closed."""

    def __init__(self) -> None:
        self.routes: dict[str, object] = {}
        self.hits: list[str] = []
        routes, hits = self.routes, self.hits

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                hits.append(self.path)
                body = routes.get(self.path, 404)
                if isinstance(body, int):
                    self.send_error(body)
                    return
                drop = isinstance(body, tuple)
                data = body[1] if drop else body
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data[: len(data) // 2] if drop else data)
                if drop:
                    self.close_connection = True

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"


@pytest.fixture
def server():
    s = Server()
    thread = threading.Thread(target=s.httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield s
    finally:
        s.httpd.shutdown()
        s.httpd.server_close()


@pytest.fixture
def hub_dir(tmp_path, monkeypatch) -> Path:
    """The hub's folder for one test (``set_dir``'s setting restored afterwards)."""
    monkeypatch.setattr(hub, "_hub_dir", None)
    hub.set_dir(tmp_path / "hub")
    return tmp_path / "hub"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if ".partial" in p.name)


def torch_state(torch, dtype) -> tuple[dict, bytes]:
    """A small torch model's state dict (parameters, running stats, an int64 counter), and
    the bytes torch.save writes for it."""
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4),
                              torch.nn.Conv2d(2, 3, 2)).to(dtype)
    net.train()
    net[1](torch.randn(5, 4, dtype=dtype))  # running statistics that are not 0 and 1
    buffer = io.BytesIO()
    torch.save(net.state_dict(), buffer)
    return net.state_dict(), buffer.getvalue()


def minigrad_bytes(tmp_path: Path, state: dict) -> bytes:
    path = tmp_path / "made.safetensors"
    mg.save(state, path)
    return path.read_bytes()


# ----------------------------------------------------------------------------- weights


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_torch_save_file_gives_the_numbers_torch_hub_gives(torch, server, tmp_path, dtype):
    state, data = torch_state(torch, getattr(torch, dtype))
    name = f"net-{sha(data)[:8]}.pth"
    server.routes[f"/w/{name}"] = data
    url = f"{server.url}/w/{name}"
    ours = hub.load_state_dict_from_url(url, model_dir=str(tmp_path / "mg"), progress=False,
                                        check_hash=True)
    theirs = torch.hub.load_state_dict_from_url(url, model_dir=str(tmp_path / "torch"),
                                                progress=False, check_hash=True)
    assert list(ours) == list(theirs) == list(state)
    for key, value in theirs.items():
        assert isinstance(ours[key], mg.Tensor)
        assert ours[key].dtype == value.numpy().dtype, key
        assert ours[key].shape == tuple(value.shape), key
        np.testing.assert_array_equal(ours[key].numpy(), value.numpy())
    assert ours["1.num_batches_tracked"].dtype == np.int64
    assert (tmp_path / "mg" / name).read_bytes() == data


def test_the_weights_load_into_a_minigrad_model(server, hub_dir):
    model = mg.nn.Linear(3, 2)
    data = minigrad_bytes(hub_dir.parent, model.state_dict())
    server.routes["/linear.safetensors"] = data
    fresh = mg.nn.Linear(3, 2)
    fresh.load_state_dict(hub.load_state_dict_from_url(f"{server.url}/linear.safetensors",
                                                       progress=False))
    np.testing.assert_array_equal(fresh.weight.detach().numpy(), model.weight.detach().numpy())
    assert (hub_dir / "checkpoints" / "linear.safetensors").read_bytes() == data


def test_the_second_call_reads_the_cache_without_asking_the_server(server, hub_dir, capsys):
    server.routes["/w/a.safetensors"] = minigrad_bytes(hub_dir.parent, {"w": mg.ones(2)})
    url = f"{server.url}/w/a.safetensors"
    first = hub.load_state_dict_from_url(url, progress=False)
    assert server.hits == ["/w/a.safetensors"]
    cached = hub_dir / "checkpoints" / "a.safetensors"
    assert capsys.readouterr().out == f'Downloading: "{url}" to {cached}\n'
    second = hub.load_state_dict_from_url(url, progress=False)
    assert server.hits == ["/w/a.safetensors"]  # no second request
    assert capsys.readouterr().out == ""
    np.testing.assert_array_equal(first["w"].numpy(), second["w"].numpy())


def test_file_name_names_the_cached_copy(server, hub_dir):
    server.routes["/get?id=7"] = minigrad_bytes(hub_dir.parent, {"w": mg.zeros(1)})
    out = hub.load_state_dict_from_url(f"{server.url}/get?id=7", file_name="seven.safetensors",
                                       progress=False)
    assert list(out) == ["w"]
    assert (hub_dir / "checkpoints" / "seven.safetensors").is_file()
    with pytest.raises(ValueError, match=r"^load_state_dict_from_url: the URL .* names no "
                                         r"file; pass file_name="):
        hub.load_state_dict_from_url(f"{server.url}/", progress=False)


def test_check_hash_accepts_the_right_prefix_and_refuses_a_wrong_one(server, hub_dir):
    data = minigrad_bytes(hub_dir.parent, {"w": mg.arange(3.0)})
    digest = sha(data)
    server.routes[f"/good-{digest[:10]}.safetensors"] = data
    server.routes["/bad-deadbeef.safetensors"] = data
    good = hub.load_state_dict_from_url(f"{server.url}/good-{digest[:10]}.safetensors",
                                        progress=False, check_hash=True)
    np.testing.assert_array_equal(good["w"].numpy(), [0, 1, 2])
    with pytest.raises(RuntimeError, match=re.escape(
            f'invalid hash value (expected "deadbeef", got "{digest}")')):
        hub.load_state_dict_from_url(f"{server.url}/bad-deadbeef.safetensors",
                                     progress=False, check_hash=True)
    assert sorted(p.name for p in (hub_dir / "checkpoints").iterdir()) == [
        f"good-{digest[:10]}.safetensors"]  # nothing of the bad one, no temporary
    # without check_hash the suffix is only a name, as in PyTorch
    hub.load_state_dict_from_url(f"{server.url}/bad-deadbeef.safetensors", progress=False)


def test_the_hash_error_is_torch_hubs(torch, server, tmp_path):
    server.routes["/x-0123abcd.pth"] = b"not the weights"
    url = f"{server.url}/x-0123abcd.pth"
    errors = []
    for load, folder in ((hub.load_state_dict_from_url, "mg"),
                         (torch.hub.load_state_dict_from_url, "torch")):
        with pytest.raises(RuntimeError) as info:
            load(url, model_dir=str(tmp_path / folder), progress=False, check_hash=True)
        errors.append(str(info.value))
        assert list((tmp_path / folder).iterdir()) == []
    assert errors[0] == errors[1]


def test_a_dropped_connection_leaves_nothing_behind(server, tmp_path):
    data = os.urandom(300_000)
    server.routes["/big.bin"] = ("drop", data)
    dst = tmp_path / "big.bin"
    with pytest.raises(ContentTooShortError, match=r"download_url_to_file: .*/big\.bin ended "
                                                   r"after 150000 of its 300000 bytes"):
        hub.download_url_to_file(f"{server.url}/big.bin", dst, progress=False)
    assert list(tmp_path.iterdir()) == []
    server.routes["/big.bin"] = data  # the next try completes
    hub.download_url_to_file(f"{server.url}/big.bin", str(dst), hash_prefix=sha(data)[:16],
                             progress=False)
    assert dst.read_bytes() == data
    assert leftovers(tmp_path) == []


def test_a_failed_download_keeps_the_old_file_and_leaves_no_temporary(server, tmp_path):
    dst = tmp_path / "w.bin"
    dst.write_bytes(b"old")
    server.routes["/w.bin"] = b"new bytes"
    with pytest.raises(RuntimeError, match="invalid hash value"):
        hub.download_url_to_file(f"{server.url}/w.bin", dst, hash_prefix="ffff", progress=False)
    with pytest.raises(HTTPError):
        hub.download_url_to_file(f"{server.url}/missing.bin", dst, progress=False)
    assert dst.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.bin"]
    hub.download_url_to_file(f"{server.url}/w.bin", dst, hash_prefix="", progress=False)
    assert dst.read_bytes() == b"new bytes"


def test_a_killed_downloads_temporary_is_removed_by_the_next(server, tmp_path):
    dst = tmp_path / "w.bin"
    dead = tmp_path / f"w.bin.999999999.{'a' * 32}.partial"  # no process has that pid
    mine = tmp_path / f"w.bin.{os.getpid()}.{'b' * 32}.partial"  # a live download's
    other = tmp_path / f"v.bin.999999999.{'c' * 32}.partial"  # another file's
    for p in (dead, mine, other):
        p.write_bytes(b"half")
    server.routes["/w.bin"] = b"whole"
    hub.download_url_to_file(f"{server.url}/w.bin", dst, progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["w.bin", mine.name,
                                                                 other.name])


def test_progress_bar_only_when_asked_and_tqdm_is_there(server, tmp_path, capsys, monkeypatch):
    pytest.importorskip("tqdm")
    server.routes["/w.bin"] = b"x" * 1000
    hub.download_url_to_file(f"{server.url}/w.bin", tmp_path / "a", progress=True)
    assert "100%" in capsys.readouterr().err
    hub.download_url_to_file(f"{server.url}/w.bin", tmp_path / "b", progress=False)
    assert capsys.readouterr() == ("", "")
    monkeypatch.setitem(sys.modules, "tqdm", None)  # not installed: quiet
    hub.download_url_to_file(f"{server.url}/w.bin", tmp_path / "c", progress=True)
    assert capsys.readouterr() == ("", "")


def test_a_pickle_that_would_run_code_is_refused(server, hub_dir):
    marker = hub_dir.parent / "ran"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("archive/data.pkl", f"cos\nsystem\n(Vtouch {marker}\ntR.".encode())
        z.writestr("archive/byteorder", "little")
    server.routes["/evil.pth"] = buffer.getvalue()
    with pytest.raises(CheckpointError, match=r"os\.system.*refused without running it"):
        hub.load_state_dict_from_url(f"{server.url}/evil.pth", progress=False,
                                     weights_only=False)
    assert not marker.exists()


def test_a_zip_of_one_file_is_unpacked_first(server, hub_dir):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("inner.safetensors", minigrad_bytes(hub_dir.parent, {"w": mg.ones(2, 2)}))
    server.routes["/packed.zip"] = buffer.getvalue()
    with pytest.warns(FutureWarning, match="old format"):
        out = hub.load_state_dict_from_url(f"{server.url}/packed.zip", progress=False)
    np.testing.assert_array_equal(out["w"].numpy(), np.ones((2, 2)))
    assert (hub_dir / "checkpoints" / "inner.safetensors").is_file()


def test_map_location_other_than_the_cpu_is_refused(server, hub_dir):
    server.routes["/w.safetensors"] = minigrad_bytes(hub_dir.parent, {"w": mg.ones(1)})
    url = f"{server.url}/w.safetensors"
    assert hub.load_state_dict_from_url(url, map_location="cpu", progress=False)["w"].shape == (1,)
    with pytest.raises(ValueError, match="map_location='cuda'"):
        hub.load_state_dict_from_url(url, map_location="cuda", progress=False)


# ----------------------------------------------------------------------------- the folder


ENVS = [{}, {"TORCH_HOME": "/opt/th"}, {"XDG_CACHE_HOME": "/var/xdg"},
        {"TORCH_HOME": "~/th", "XDG_CACHE_HOME": "/var/xdg"}]
EXPECTED = ["{home}/.cache/torch/hub", "/opt/th/hub", "/var/xdg/torch/hub", "{home}/th/hub"]


@pytest.mark.parametrize(("env", "expected"), zip(ENVS, EXPECTED))
def test_get_dir_follows_pytorchs_rule(monkeypatch, tmp_path, env, expected):
    monkeypatch.setattr(hub, "_hub_dir", None)
    monkeypatch.setenv("HOME", str(tmp_path))
    for name in ("TORCH_HOME", "XDG_CACHE_HOME", "TORCH_HUB"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert hub.get_dir() == expected.format(home=tmp_path)


@pytest.mark.parametrize("env", ENVS)
def test_get_dir_and_set_dir_agree_with_torch_hub(torch, monkeypatch, tmp_path, env):
    monkeypatch.setattr(hub, "_hub_dir", None)
    monkeypatch.setattr(torch.hub, "_hub_dir", None)
    monkeypatch.setenv("HOME", str(tmp_path))
    for name in ("TORCH_HOME", "XDG_CACHE_HOME", "TORCH_HUB"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert hub.get_dir() == torch.hub.get_dir()
    for d in ("~/elsewhere", tmp_path / "there"):
        hub.set_dir(d)
        torch.hub.set_dir(d)
        assert hub.get_dir() == torch.hub.get_dir()


def test_torch_hub_warns_of_its_deprecated_variable(monkeypatch):
    monkeypatch.setenv("TORCH_HUB", "/x")
    with pytest.warns(UserWarning, match="TORCH_HUB is deprecated"):
        hub.get_dir()


def test_hub_is_imported_on_first_touch():
    import subprocess

    code = ("import sys, minigrad; assert 'minigrad.hub' not in sys.modules; "
            "assert minigrad.hub.load_state_dict_from_url; print('hub' in dir(minigrad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "True", out.stderr


# ----------------------------------------------------------------------------- hubconf.py

HUBCONF = '''
"""A tiny hub repository."""
dependencies = ["numpy"]
import numpy as np
from helpers_of_repo import scale


def tiny(n=2, *, factor=1.0):
    """Doc of tiny: n ones times factor."""
    return scale(np.ones(n), factor).tolist()


def _private():
    return "hidden"


not_callable = 3
'''


def make_repo(folder: Path, hubconf: str = HUBCONF) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "hubconf.py").write_text(hubconf)
    (folder / "helpers_of_repo.py").write_text("def scale(x, f):\n    return x * f\n")
    return folder


def test_load_list_and_help_of_a_local_folder(tmp_path):
    repo = make_repo(tmp_path / "repo")
    path_before = list(sys.path)
    assert hub.load(str(repo), "tiny", 3, source="local", factor=2.0) == [2.0, 2.0, 2.0]
    assert hub.load(repo, "tiny", source="LOCAL") == [1.0, 1.0]
    assert hub.list(str(repo), source="local") == ["scale", "tiny"]
    assert hub.help(str(repo), "tiny", source="local") == "Doc of tiny: n ones times factor."
    assert sys.path == path_before  # the folder is on sys.path only while it runs
    assert "hubconf.py" not in sys.modules


def test_local_load_gives_what_torch_hub_gives(torch, tmp_path):
    repo = make_repo(tmp_path / "repo")
    assert (hub.load(str(repo), "tiny", 4, source="local", factor=0.5)
            == torch.hub.load(str(repo), "tiny", 4, source="local", factor=0.5))


BAD_CALLS = [
    ("nope", {}, RuntimeError, "Cannot find callable nope in hubconf"),
    ("_private_missing", {}, RuntimeError, "Cannot find callable _private_missing in hubconf"),
    ("not_callable", {}, RuntimeError, "Cannot find callable not_callable in hubconf"),
    (3, {}, ValueError, "Invalid input: model should be a string of function name"),
    ("tiny", {"source": "gitlab"}, ValueError,
     'Unknown source: "gitlab". Allowed values: "github" | "local".'),
]


@pytest.mark.parametrize(("model", "kwargs", "error", "message"), BAD_CALLS)
def test_bad_calls_raise_pytorchs_errors(tmp_path, model, kwargs, error, message):
    repo = make_repo(tmp_path / "repo")
    with pytest.raises(error) as info:
        hub.load(str(repo), model, **{"source": "local", **kwargs})
    assert str(info.value) == message


@pytest.mark.parametrize(("model", "kwargs", "error", "message"), BAD_CALLS)
def test_bad_calls_raise_what_torch_hub_raises(torch, tmp_path, model, kwargs, error, message):
    repo = make_repo(tmp_path / "repo")
    with pytest.raises(error) as info:
        torch.hub.load(str(repo), model, **{"source": "local", **kwargs})
    assert str(info.value) == message


def test_missing_dependencies_are_named(tmp_path):
    repo = make_repo(tmp_path / "repo", HUBCONF.replace(
        '["numpy"]', '["numpy", "no_such_pkg_a", "no_such_pkg_b"]'))
    with pytest.raises(RuntimeError, match=r"^Missing dependencies: no_such_pkg_a, "
                                           r"no_such_pkg_b$"):
        hub.load(str(repo), "tiny", source="local")
    with pytest.raises(RuntimeError, match="Missing dependencies"):
        hub.help(str(repo), "tiny", source="local")


def test_a_folder_without_hubconf_is_named(tmp_path):
    for call in (lambda: hub.load(str(tmp_path), "tiny", source="local"),
                 lambda: hub.list(str(tmp_path), source="local")):
        with pytest.raises(FileNotFoundError, match=r"^(load|list): '.*' has no hubconf\.py"):
            call()


# ----------------------------------------------------------------------------- GitHub


def zipball(top: str, files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr(f"{top}/", "")
        for name, text in files.items():
            z.writestr(f"{top}/{name}", text)
    return buffer.getvalue()


@pytest.fixture
def github(server, hub_dir, monkeypatch) -> Server:
    """``server`` laid out as github.com and its API for the repository ``me/repo``: branch
    main (commit abc123), tag v1."""
    monkeypatch.setattr(hub, "_GITHUB", server.url)
    monkeypatch.setattr(hub, "_GITHUB_API", server.url + "/api")
    api = "/api/repos/me/repo"
    server.routes.update({
        "/me/repo/tree/main/": b"<html>",
        f"{api}/branches?per_page=100&page=1": json.dumps(
            [{"name": "main", "commit": {"sha": "abc123"}}]).encode(),
        f"{api}/branches?per_page=100&page=2": b"[]",
        f"{api}/tags?per_page=100&page=1": json.dumps(
            [{"name": "v1", "commit": {"sha": "def456"}}]).encode(),
        f"{api}/tags?per_page=100&page=2": b"[]",
        "/me/repo/zipball/main": zipball("me-repo-abc123", {
            "hubconf.py": HUBCONF, "helpers_of_repo.py": "def scale(x, f):\n    return x * f\n"}),
    })
    return server


def test_github_repo_is_downloaded_once_then_read_from_the_cache(github, hub_dir, capsys):
    assert hub.load("me/repo", "tiny", 2, factor=3.0, trust_repo=True) == [3.0, 3.0]
    assert "/me/repo/zipball/main" in github.hits
    repo_dir = hub_dir / "me_repo_main"
    assert (repo_dir / "hubconf.py").is_file()
    assert sorted(p.name for p in hub_dir.iterdir()) == ["me_repo_main", "trusted_list"]
    assert (hub_dir / "trusted_list").read_text() == "me_repo\n"
    assert capsys.readouterr().out == (f'Downloading: "{github.url}/me/repo/zipball/main" to '
                                       f"{hub_dir / 'main.zip'}\n")


def test_github_cached_repo_is_listed_without_asking_the_server(github, hub_dir, capsys):
    hub.load("me/repo", "tiny", trust_repo=True)
    repo_dir = hub_dir / "me_repo_main"
    github.hits.clear()
    assert hub.list("me/repo:main", trust_repo="check") == ["scale", "tiny"]
    assert hub.help("me/repo:main", "tiny") == "Doc of tiny: n ones times factor."
    assert github.hits == []  # cached, and trusted now: no prompt
    assert f"Using cache found in {repo_dir}" in capsys.readouterr().err
    hub.load("me/repo:main", "tiny", force_reload=True, verbose=False)
    assert github.hits[-1] == "/me/repo/zipball/main"


def test_github_without_main_uses_master(github, hub_dir):
    github.routes["/me/repo/tree/main/"] = 404
    github.routes["/me/repo/zipball/master"] = github.routes.pop("/me/repo/zipball/main")
    github.routes["/api/repos/me/repo/branches?per_page=100&page=1"] = json.dumps(
        [{"name": "master", "commit": {"sha": "abc123"}}]).encode()
    assert hub.list("me/repo", trust_repo=True) == ["scale", "tiny"]
    assert (hub_dir / "me_repo_master" / "hubconf.py").is_file()


def test_github_ref_must_belong_to_the_repo(github, hub_dir):
    with pytest.raises(ValueError, match=r"^Cannot find forkbranch in https://github\.com/"
                                         r"me/repo\. If it's a commit from a forked repo"):
        hub.load("me/repo:forkbranch", "tiny", trust_repo=True)
    github.routes["/me/repo/zipball/def4"] = github.routes["/me/repo/zipball/main"]
    assert hub.load("me/repo:def4", "tiny", trust_repo=True) == [1.0, 1.0]  # the tag's commit
    github.routes["/me/repo/zipball/forkbranch"] = github.routes["/me/repo/zipball/main"]
    assert hub.load("me/repo:forkbranch", "tiny", trust_repo=True, skip_validation=True)


def test_github_untrusted_repo_asks_first(github, hub_dir, monkeypatch):
    answers = iter(["n", "maybe", "y"])
    monkeypatch.setattr("builtins.input", lambda prompt: next(answers))
    with pytest.raises(Exception, match="^Untrusted repository.$"):
        hub.load("me/repo", "tiny")
    with pytest.raises(ValueError, match="^Unrecognized response maybe.$"):
        hub.load("me/repo", "tiny")
    assert not (hub_dir / "me_repo_main").exists()
    assert hub.load("me/repo", "tiny") == [1.0, 1.0]
    assert (hub_dir / "trusted_list").read_text() == "me_repo\n"


def test_github_archive_escaping_the_folder_is_refused(github, hub_dir):
    github.routes["/me/repo/zipball/main"] = zipball("me-repo-abc123", {
        "hubconf.py": HUBCONF, "../../escaped.py": "x = 1"})
    with pytest.raises(ValueError, match="directory traversal"):
        hub.load("me/repo", "tiny", trust_repo=True)
    assert not (hub_dir.parent / "escaped.py").exists()


def test_github_offline_uses_a_cached_repo_or_says_so(github, hub_dir, monkeypatch):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    monkeypatch.setattr(hub, "_GITHUB", dead)
    with pytest.raises(RuntimeError, match="no internet connection.*could not be found in "
                                           "the cache"):
        hub.load("me/repo", "tiny", trust_repo=True)
    make_repo(hub_dir / "me_repo_master")
    assert hub.load("me/repo", "tiny", trust_repo=True) == [1.0, 1.0]


@pytest.mark.parametrize("bad", ["repo", "a/b/c", "/abs/path", "a/b:"])
def test_a_github_name_of_the_wrong_form_points_to_source_local(hub_dir, bad):
    with pytest.raises(ValueError, match=r"^load: .* is not of the form "
                                         r"'repo_owner/repo_name\[:ref\]'; for a folder on "
                                         r"this machine pass source='local'"):
        hub.load(bad, "tiny", trust_repo=True)


# ----------------------------------------------------------------------------- torchvision


def test_torchvisions_weights_flow_builds_a_model_with_torchs_outputs(torch, server, hub_dir):
    """A builder as torchvision's: ``model.load_state_dict(weights.get_state_dict(
    progress=True, check_hash=True))``, where ``get_state_dict`` is
    ``load_state_dict_from_url(self.url, *args, **kwargs)``."""

    def net(nn):
        return nn.Sequential(nn.Conv2d(2, 3, 3), nn.BatchNorm2d(3), nn.ReLU(), nn.Flatten(),
                             nn.Linear(3 * 4 * 4, 5))

    torch.manual_seed(1)
    trained = net(torch.nn)
    trained.train()
    trained(torch.randn(4, 2, 6, 6))  # BatchNorm's running statistics move
    buffer = io.BytesIO()
    torch.save(trained.state_dict(), buffer)
    name = f"tinynet-{sha(buffer.getvalue())[:8]}.pth"
    server.routes[f"/models/{name}"] = buffer.getvalue()

    class Weights:
        url = f"{server.url}/models/{name}"

        def get_state_dict(self, *args, **kwargs):
            return hub.load_state_dict_from_url(self.url, *args, **kwargs)

    model = net(mg.nn)
    result = model.load_state_dict(Weights().get_state_dict(progress=False, check_hash=True))
    assert not result.missing_keys and not result.unexpected_keys
    x = np.random.default_rng(0).standard_normal((2, 2, 6, 6)).astype(np.float32)
    with torch.no_grad(), mg.no_grad():
        expected = trained.eval()(torch.from_numpy(x)).numpy()
        np.testing.assert_allclose(model.eval()(mg.tensor(x)).numpy(), expected, atol=1e-6)
    assert (hub_dir / "checkpoints" / name).is_file()
