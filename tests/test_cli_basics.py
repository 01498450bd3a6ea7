import subprocess
import sys

import minigrad
from minigrad.cli import main


def test_version_and_help(capsys) -> None:
    try:
        main(["--version"])
    except SystemExit as e:
        assert e.code == 0
    assert minigrad.__version__ in capsys.readouterr().out
    out = subprocess.run([sys.executable, "-m", "minigrad", "--help"], capture_output=True,
                         text=True, check=True).stdout
    assert "usage: minigrad" in out


def test_the_install_is_light_no_mlxtend_scipy_sklearn_or_pandas() -> None:
    from pathlib import Path

    import tomllib

    project = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml")
                            .read_text())["project"]
    wanted = " ".join(project["dependencies"] + project["optional-dependencies"]["examples"])
    for heavy in ("mlxtend", "scipy", "scikit-learn", "pandas"):
        assert heavy not in wanted


def test_readme_first_command_trains_without_dot_and_without_mlxtend(tmp_path) -> None:
    """`minigrad train` on a machine with neither Graphviz's dot nor mlxtend (nor scipy...)."""
    import os
    import shutil
    from pathlib import Path

    (tmp_path / "sitecustomize.py").write_text(
        "import sys\nfor m in ('mlxtend', 'scipy', 'sklearn', 'pandas'):\n"
        "    sys.modules[m] = None\n")
    bin_dir = tmp_path / "bin"  # a PATH holding python and nothing else (no dot)
    bin_dir.mkdir()
    # a wrapper, not a symlink: a link to a venv's python (or its realpath) loses the venv
    (bin_dir / "python").write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    (bin_dir / "python").chmod(0o755)
    assert shutil.which("dot", path=str(bin_dir)) is None
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PATH": str(bin_dir), "MINIGRAD_DATA": str(tmp_path / "none"),
           "PYTHONPATH": os.pathsep.join([str(tmp_path), str(root)])}
    done = subprocess.run(["python", "-m", "minigrad", "train", "--epochs", "1", "--quiet",
                           "--out", str(tmp_path / "run")], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Test accuracy" in done.stdout and (tmp_path / "run" / "model.safetensors").is_file()


def test_the_library_never_imports_the_app_and_the_app_uses_public_names() -> None:
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "minigrad"
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text())
        in_app = path.parent.name == "cli" or path.name == "__main__.py"
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
                if node.level and not in_app:  # relative import inside the library
                    names = [("." * node.level) + (node.module or "")]
                if in_app and node.level == 0 and names[0].startswith("minigrad"):
                    private = [a.name for a in node.names if a.name.startswith("_")]
                    assert not private and "._" not in names[0], (path, names, private)
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            if not in_app:
                assert not any("cli" in n.split(".") for n in names), (path, names)
    assert not (root / "cli.py").exists() and not (root / "viz" / "command.py").exists()


def test_ctrl_c_while_the_command_line_starts_is_one_line_and_status_130(monkeypatch,
                                                                       capsys) -> None:
    import minigrad.cli as cli

    def interrupted_import() -> tuple:
        raise KeyboardInterrupt  # as if Ctrl-C came while the subcommands were imported

    monkeypatch.setattr(cli, "subcommands", interrupted_import)
    assert main(["train", "--quiet"]) == 130
    err = capsys.readouterr().err
    assert err == "minigrad: interrupted\n"


def test_ctrl_c_while_python_dash_m_minigrad_imports_is_one_line_and_status_130(
        monkeypatch, capsys) -> None:
    import runpy
    import types

    def interrupted(name: str) -> None:
        raise KeyboardInterrupt

    half_imported = types.ModuleType("minigrad.cli")
    half_imported.__getattr__ = interrupted  # `from .cli import main` is cut short
    monkeypatch.setitem(sys.modules, "minigrad.cli", half_imported)
    try:
        runpy.run_module("minigrad", run_name="__main__")
    except KeyboardInterrupt:
        raise AssertionError("the Ctrl-C escaped as a traceback") from None
    except SystemExit as e:
        assert e.code == 130
    else:
        raise AssertionError("python -m minigrad did not exit")
    assert capsys.readouterr().err == "minigrad: interrupted\n"


# A sitecustomize module that makes the import of one module hang (after touching a marker
# file), so that a real SIGINT lands while the command line is still being imported.
SLOW_IMPORT = """\
import pathlib, sys, time
class SlowImport:
    def find_spec(self, fullname, path=None, target=None):
        if fullname == {module!r}:
            pathlib.Path({marker!r}).touch()
            time.sleep(60)
        return None
sys.meta_path.insert(0, SlowImport())
"""

ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent


def sigint_while_importing(command: list[str], module: str, tmp_path) -> tuple[int, str]:
    """Run ``command``, press Ctrl-C while it imports ``module``: (exit status, stderr)."""
    import os
    import signal
    import time

    marker = tmp_path / "importing"
    (tmp_path / "sitecustomize.py").write_text(SLOW_IMPORT.format(module=module,
                                                                  marker=str(marker)))
    path = [str(tmp_path), str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(path)}
    proc = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert marker.exists(), f"{module} was never imported: {proc.communicate()}"
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    return proc.returncode, err


def console_script() -> str:
    """The ``minigrad`` console script as pip writes it, for the entry point pyproject.toml
    declares (``module:function``), run with ``python -c``."""
    import tomllib

    entry = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]["minigrad"]
    module, function = entry.split(":")
    return f"import re, sys\nfrom {module} import {function}\nsys.exit({function}())\n"


def test_ctrl_c_while_the_console_script_imports_numpy_is_one_line_and_status_130(
        tmp_path) -> None:
    status, err = sigint_while_importing([sys.executable, "-c", console_script()], "numpy",
                                         tmp_path)
    assert (status, err) == (130, "minigrad: interrupted\n"), err


def test_ctrl_c_while_the_installed_minigrad_command_starts_is_one_line_and_status_130(
        tmp_path) -> None:
    import shutil
    import sysconfig
    from pathlib import Path

    import pytest

    script = (shutil.which("minigrad", path=str(Path(sys.executable).parent))
              or shutil.which("minigrad", path=sysconfig.get_path("scripts")))
    if script is None:
        pytest.skip("the minigrad command is not installed next to this Python "
                    "(pip install -e .)")
    status, err = sigint_while_importing([script, "--help"], "numpy", tmp_path)
    assert (status, err) == (130, "minigrad: interrupted\n"), err


def test_ctrl_c_while_python_dash_m_minigrad_imports_the_cli_is_one_line_and_status_130(
        tmp_path) -> None:
    status, err = sigint_while_importing([sys.executable, "-m", "minigrad", "--help"],
                                         "minigrad.cli", tmp_path)
    assert (status, err) == (130, "minigrad: interrupted\n"), err


def test_the_launcher_imports_nothing_heavy_and_prints_the_cli_s_line(capsys) -> None:
    import _minigrad_launcher
    from minigrad.cli import interrupted

    assert interrupted() == 130
    assert capsys.readouterr().err == _minigrad_launcher.INTERRUPTED + "\n"
    loaded = subprocess.run([sys.executable, "-c", "import sys, _minigrad_launcher\n"
                             "print(sorted(m for m in ('numpy', 'minigrad') if m in sys.modules))"],
                            capture_output=True, text=True, check=True, cwd=ROOT).stdout
    assert loaded == "[]\n"
