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
