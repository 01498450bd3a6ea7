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
