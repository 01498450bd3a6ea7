"""The ``minigrad`` command end to end, on a tiny synthetic MNIST written as IDX files."""

from __future__ import annotations

import csv
import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import minigrad as mg
from minigrad import checkpoint
from minigrad.cli import main
from minigrad.cli import train as train_cmd
from minigrad.cli.data import validation_split
from minigrad.cli.predict import load_digit_image

PNG = b"\x89PNG\r\n\x1a\n"


def synthetic_images(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Digit k is a bright 8x8 square in cell k of a 4x3 grid, over faint noise."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 10
    x = (rng.random((n, 28, 28)) * 60).astype(np.uint8)
    for k in range(10):
        r, c = 2 + (k // 4) * 9, 1 + (k % 4) * 7
        x[y == k, r:r + 8, c:c + 6] = 230
    return x, y.astype(np.uint8)


def write_idx(path: Path, arr: np.ndarray) -> None:
    header = bytes([0, 0, 0x08, arr.ndim]) + b"".join(d.to_bytes(4, "big") for d in arr.shape)
    path.write_bytes(gzip.compress(header + arr.astype(np.uint8).tobytes()))


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("mnist")
    for prefix, n, seed in (("train", 120, 0), ("t10k", 40, 1)):
        x, y = synthetic_images(n, seed)
        write_idx(root / f"{prefix}-images-idx3-ubyte.gz", x)
        write_idx(root / f"{prefix}-labels-idx1-ubyte.gz", y)
    return root


def run(*argv: str) -> int:
    return main([str(a) for a in argv])


def train_args(data_dir: Path, out: Path, *extra: str) -> list[str]:
    return ["train", "--data", str(data_dir), "--out", str(out), "--batch-size", "25",
            "--val-size", "20", "--quiet", *extra]


def metrics(run_dir: Path) -> list[dict]:
    with open(run_dir / "metrics.csv") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        r.pop("seconds")
    return rows


def model_weights(path: Path) -> dict[str, np.ndarray]:
    return checkpoint.read(path)[0]


@pytest.fixture(scope="module")
def trained(data_dir, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "run"
    assert run(*train_args(data_dir, out, "--epochs", "3")) == 0
    return out


# ----------------------------------------------------------------------------- train

def test_train_writes_the_run_directory(trained, capsys):
    names = {p.name for p in trained.iterdir()}
    assert {"model.safetensors", "last.safetensors", "last.state.safetensors", "metrics.csv",
            "curves.png", "filters.png", "config.json"} <= names
    assert not [n for n in names if n.endswith(".tmp")]
    rows = metrics(trained)
    assert [r["epoch"] for r in rows] == ["1", "2", "3"]
    assert set(rows[0]) == {"epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy"}
    assert float(rows[-1]["val_accuracy"]) >= 0.9  # the synthetic digits are easy
    config = json.loads((trained / "config.json").read_text())
    assert config["model"] == "simpleconvnet" and config["optimizer"] == "adam"
    assert config["lr"] == 0.001 and config["epochs"] == 3 and config["batch_size"] == 25
    assert "120 train / 40 test" in config["data_description"]
    assert "100 train, 20 validation held out" in config["data_description"]
    for picture in ("curves.png", "filters.png"):
        assert (trained / picture).read_bytes()[:8] == PNG
    from PIL import Image

    with Image.open(trained / "filters.png") as im:
        assert im.width > 1.5 * im.height  # before | after, side by side


def test_model_checkpoint_holds_the_epoch_best_on_validation(trained):
    best = max(metrics(trained), key=lambda r: float(r["val_accuracy"]))
    _, meta = checkpoint.read(trained / "model.safetensors")
    assert meta["model"] == "simpleconvnet" and meta["metrics"]["epoch"] == int(best["epoch"])
    assert "test_accuracy" not in json.dumps(meta)  # chosen without looking at the test set


def test_validation_split_is_stratified_fixed_and_disjoint(data_dir):
    from minigrad.data import load_mnist

    data = load_mnist(data_dir, "train", download=False)
    train, val = validation_split(data, 30, seed=0)
    assert len(train) == 90 and len(val) == 30
    assert np.bincount(val.labels).tolist() == [3] * 10
    again = validation_split(data, 30, seed=0)[1]
    np.testing.assert_array_equal(again.images, val.images)
    flat = lambda d: {r.tobytes() for r in d.images.reshape(len(d), -1)}  # noqa: E731
    assert not flat(train) & flat(val) and len(flat(train) | flat(val)) == 120


def test_val_size_is_checked_against_the_training_set(data_dir, tmp_path, capsys):
    err = one_line_error(capsys, *train_args(data_dir, tmp_path / "r")[:-1], "--val-size",
                         "500")
    assert "--val-size 500" in err and "120" in err


def test_train_prints_data_source_epoch_lines_and_summary(data_dir, tmp_path, capsys):
    assert run("train", "--data", data_dir, "--out", tmp_path / "r", "--epochs", "1",
               "--batch-size", "60", "--val-size", "20") == 0
    out = capsys.readouterr().out
    assert "Data: MNIST: 120 train / 40 test images from" in out
    assert "epoch  1/1  |  train loss" in out and "val loss" in out
    epoch_lines = [line for line in out.splitlines() if line.startswith("epoch")]
    assert not any("test" in line for line in epoch_lines)  # the test set is scored once:
    assert out.count("Test accuracy") == 1
    assert str(tmp_path / "r") in out


def test_same_seed_same_metrics_to_the_last_digit(data_dir, trained, tmp_path):
    assert run(*train_args(data_dir, tmp_path / "again", "--epochs", "3")) == 0
    assert metrics(tmp_path / "again") == metrics(trained)
    assert run(*train_args(data_dir, tmp_path / "other", "--epochs", "3", "--seed", "1")) == 0
    assert metrics(tmp_path / "other") != metrics(trained)


def test_resume_reaches_the_same_result_as_an_uninterrupted_run(data_dir, trained, tmp_path):
    out = tmp_path / "split"
    assert run(*train_args(data_dir, out, "--epochs", "1")) == 0
    assert run("train", "--resume", out, "--epochs", "3", "--quiet") == 0
    assert metrics(out) == metrics(trained)
    for name in ("model.safetensors", "last.safetensors"):
        a, b = model_weights(out / name), model_weights(trained / name)
        assert a.keys() == b.keys()
        for k in a:
            np.testing.assert_array_equal(a[k], b[k])
    assert (out / "filters.png").exists()


def test_ctrl_c_saves_a_checkpoint_and_resume_completes_identically(
        data_dir, trained, tmp_path, monkeypatch, capsys):
    calls = {"n": 0}
    real = train_cmd.F.cross_entropy

    def loss(logits, y):
        if mg.is_grad_enabled():  # a training step
            calls["n"] += 1
            if calls["n"] == 6:  # epoch 2 (4 steps per epoch), step 2: press Ctrl-C
                signal.raise_signal(signal.SIGINT)
        return real(logits, y)

    out = tmp_path / "interrupted"
    with monkeypatch.context() as m:
        m.setattr(train_cmd.F, "cross_entropy", loss)
        assert run(*train_args(data_dir, out, "--epochs", "3")) == 130
    err = capsys.readouterr().err
    assert "Interrupted epoch 2, step 2" in err and f"--resume {out}" in err
    assert "Traceback" not in err
    assert len(metrics(out)) == 1
    assert run("train", "--resume", out, "--quiet") == 0
    assert metrics(out) == metrics(trained)
    a, b = model_weights(out / "last.safetensors"), model_weights(trained / "last.safetensors")
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])


def test_real_sigint_in_a_subprocess_exits_cleanly_with_a_checkpoint(data_dir, tmp_path):
    out = tmp_path / "sig"
    cmd = [sys.executable, "-m", "minigrad", *train_args(data_dir, out, "--epochs", "200")]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        deadline = time.time() + 120
        while not (out / "metrics.csv").exists() and time.time() < deadline:
            time.sleep(0.1)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        proc.kill()
    text = stderr.decode()
    assert proc.returncode == 130, text
    assert "Traceback" not in text and "checkpoint saved" in text
    assert (out / "last.safetensors").exists() and (out / "model.safetensors").exists()


# ----------------------------------------------------------------------------- evaluate

def test_evaluate_prints_accuracy_and_confusion_matrix(trained, data_dir, capsys):
    assert run("evaluate", trained, "--data", data_dir) == 0
    out = capsys.readouterr().out
    assert "Accuracy: " in out and "Confusion matrix" in out
    table = [line.split() for line in out.splitlines() if line.strip()[:1].isdigit()]
    counts = np.array([[int(v) for v in row[1:]] for row in table[-10:]])
    assert counts.shape == (10, 10) and counts.sum() == 40
    assert counts.sum(axis=1).tolist() == [4] * 10
    assert (trained / "model-confusion.png").read_bytes()[:8] == PNG


def test_evaluate_accepts_a_checkpoint_file_and_names_the_picture_after_it(trained, data_dir,
                                                                           capsys):
    assert run("evaluate", trained / "last.safetensors", "--data", data_dir) == 0
    assert "Accuracy:" in capsys.readouterr().out
    assert (trained / "last-confusion.png").read_bytes()[:8] == PNG


def test_evaluate_draws_where_out_says(trained, data_dir, tmp_path, capsys):
    assert run("evaluate", trained, "--data", data_dir, "--out", tmp_path / "m.png") == 0
    assert (tmp_path / "m.png").read_bytes()[:8] == PNG
    err = one_line_error(capsys, "evaluate", trained, "--data", data_dir, "--out",
                         tmp_path / "no" / "m.png")
    assert "does not exist" in err


def test_a_picture_that_cannot_be_written_is_a_warning(trained, data_dir, tmp_path, capsys):
    import shutil

    run_dir = tmp_path / "ro"
    run_dir.mkdir()
    shutil.copy(trained / "model.safetensors", run_dir)
    (run_dir / "model-confusion.png").mkdir()  # in the way, even for root
    assert run("evaluate", run_dir, "--data", data_dir) == 0
    captured = capsys.readouterr()
    assert "Accuracy:" in captured.out and "warning: could not write" in captured.err


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write into read-only folders")
def test_evaluate_in_a_read_only_run_directory_succeeds_with_a_warning(trained, data_dir,
                                                                        tmp_path, capsys):
    import shutil

    run_dir = tmp_path / "ro"
    run_dir.mkdir()
    shutil.copy(trained / "model.safetensors", run_dir)
    run_dir.chmod(0o555)
    try:
        assert run("evaluate", run_dir, "--data", data_dir) == 0
    finally:
        run_dir.chmod(0o755)
    assert "warning" in capsys.readouterr().err


def test_evaluate_after_ctrl_c_in_the_first_epoch_points_to_last(trained, tmp_path, capsys):
    import shutil

    run_dir = tmp_path / "early"
    run_dir.mkdir()
    shutil.copy(trained / "last.safetensors", run_dir)
    err = one_line_error(capsys, "evaluate", run_dir)
    assert str(run_dir / "last.safetensors") in err


def test_evaluate_piped_into_head_behaves_like_a_unix_tool(trained, data_dir):
    cmd = (f"{sys.executable} -m minigrad evaluate {trained} --data {data_dir} | head -2")
    proc = subprocess.run(["bash", "-c", f"set -o pipefail; {cmd}"], capture_output=True,
                          text=True)
    assert len(proc.stdout.splitlines()) == 2
    assert "Broken pipe" not in proc.stderr and "Traceback" not in proc.stderr
    assert proc.returncode in (0, 141), proc.stderr


# ----------------------------------------------------------------------------- predict

def digit_png(path: Path, digit: int, dark_on_light: bool, size: int = 90) -> Path:
    from PIL import Image

    x, y = synthetic_images(20, 5)
    img = x[list(y).index(digit)]
    if dark_on_light:
        img = 255 - img
    Image.fromarray(img).resize((size, size), Image.NEAREST).save(path)
    return path


def test_predict_prints_digit_and_top3_for_any_size_png(trained, tmp_path, capsys):
    a = digit_png(tmp_path / "three.png", 3, dark_on_light=False)
    b = digit_png(tmp_path / "seven.png", 7, dark_on_light=True, size=50)
    assert run("predict", trained, a, b) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    for line, name in zip(lines, ("three.png", "seven.png")):
        assert name in line and "top 3:" in line
        probs = [float(part.split(": ")[1]) for part in line.split("top 3: ")[1]
                 .rstrip(")").split(", ")]
        assert len(probs) == 3 and probs == sorted(probs, reverse=True) and probs[0] <= 1


def test_transparent_background_is_composited_onto_white(tmp_path):
    from PIL import Image

    x, y = synthetic_images(20, 5)
    ink = 255 - x[list(y).index(4)]  # dark strokes
    rgba = np.zeros((28, 28, 4), np.uint8)
    rgba[..., 3] = np.where(ink < 128, 255, 0)  # opaque where the strokes are
    Image.fromarray(rgba, "RGBA").resize((84, 84)).save(tmp_path / "alpha.png")
    opaque = np.where(ink < 128, 0, 255).astype(np.uint8)  # the same strokes on white paper
    Image.fromarray(opaque).resize((84, 84)).save(tmp_path / "paper.png")
    got = load_digit_image(tmp_path / "alpha.png")
    want = load_digit_image(tmp_path / "paper.png")
    assert not isinstance(got, str)
    assert got[0, 0, 0] < 0.3 and got.max() > 0.8  # a white digit on black, like MNIST
    assert np.abs(got - want).mean() < 0.02


def test_blank_and_tiny_images_have_no_digit_like_content(trained, tmp_path, capsys):
    from PIL import Image

    Image.new("L", (64, 64), 255).save(tmp_path / "white.png")
    Image.new("RGBA", (64, 64), (0, 0, 0, 0)).save(tmp_path / "clear.png")
    Image.new("L", (1, 1), 0).save(tmp_path / "dot.png")
    digit = digit_png(tmp_path / "three.png", 3, dark_on_light=False)
    assert run("predict", trained, tmp_path / "white.png", tmp_path / "clear.png",
               tmp_path / "dot.png", digit) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert [("no digit-like content" in line) for line in lines] == [True, True, True, False]
    assert "1x1 pixels" in lines[2] and "top 3" in lines[3]


def test_dark_on_light_images_are_inverted(tmp_path):
    light = load_digit_image(digit_png(tmp_path / "a.png", 4, dark_on_light=False))
    dark = load_digit_image(digit_png(tmp_path / "b.png", 4, dark_on_light=True))
    assert light.shape == (1, 28, 28) and light.dtype == np.float32
    assert light[0, 0, 0] < 0.3 and dark[0, 0, 0] < 0.3  # background is black either way
    assert light.max() > 0.8 and dark.max() > 0.8
    assert np.abs(light - dark).mean() < 0.1


# ----------------------------------------------------------------------------- bad input

@pytest.mark.parametrize("argv", [
    ["train", "--model", "resnet"],
    ["train", "--epochs", "-3"],
    ["train", "--epochs", "many"],
    ["train", "--batch-size", "0"],
    ["train", "--lr", "0"],
    ["train", "--optimizer", "lbfgs"],
    ["train", "--shift", "28"],
    ["graph", "--out", "g.dot", "--input-shape", "1000,1,28000,28000"],
    ["graph", "--out", "g.dot", "--input-shape", "1,28,28"],
    ["frobnicate"],
])
def test_bad_arguments_exit_2_with_one_line(argv, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "error:" in err and "Traceback" not in err


def one_line_error(capsys, *argv) -> str:
    assert run(*argv) == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert len(err.splitlines()) == 1, err
    assert "error:" in err and "Traceback" not in err
    return err


def test_missing_files_exit_2_with_one_line(tmp_path, trained, data_dir, capsys):
    assert "no such directory" in one_line_error(capsys, "train", "--data", tmp_path / "nope")
    assert "MNIST not found" in one_line_error(capsys, "train", "--data", tmp_path)
    assert "no such checkpoint" in one_line_error(capsys, "evaluate", tmp_path / "x.safetensors")
    assert "no such checkpoint" in one_line_error(capsys, "predict", tmp_path, "a.png")
    assert "no such file" in one_line_error(capsys, "predict", trained, tmp_path / "a.png")
    assert "not a run directory" in one_line_error(capsys, "train", "--resume", tmp_path)



def test_out_is_checked_first_and_explained_in_words(tmp_path, data_dir, capsys, monkeypatch):
    from minigrad.cli import data as cli_data

    def no_data(*a, **k):
        raise AssertionError("the data were loaded before --out was checked")

    monkeypatch.setattr(train_cmd, "load_data", no_data)
    (tmp_path / "file").write_text("")
    err = one_line_error(capsys, "train", "--out", tmp_path / "file" / "run", "--quiet")
    assert "is a file, so no folder can be made inside it" in err
    err = one_line_error(capsys, "train", "--out", tmp_path / "file", "--quiet")
    assert "is a file, but a folder is needed" in err
    err = one_line_error(capsys, "train", "--out", "/sys/minigrad-run", "--quiet")
    assert "no permission" in err
    assert cli_data.load_data is not no_data


def test_wrong_or_broken_checkpoints_exit_2_with_one_line(tmp_path, trained, data_dir, capsys):
    err = one_line_error(capsys, "evaluate", trained, "--model", "lenet", "--data", data_dir)
    assert "simpleconvnet" in err and "lenet" in err
    err = one_line_error(capsys, "train", "--resume", trained, "--model", "lenet")
    assert "--model lenet differs" in err
    junk = tmp_path / "junk.safetensors"
    junk.write_bytes(b"not a checkpoint")
    assert "is not a checkpoint" in one_line_error(capsys, "evaluate", junk)
    tensors, meta = checkpoint.read(trained / "model.safetensors")
    meta["model"] = "lenet"  # weights of one network labelled as another
    checkpoint.write(tmp_path / "mislabelled.safetensors", tensors, meta)
    err = one_line_error(capsys, "evaluate", tmp_path / "mislabelled.safetensors", "--data",
                         data_dir)
    assert "do not fit lenet" in err
    png = digit_png(tmp_path / "d.png", 1, False)
    (tmp_path / "bad.png").write_bytes(b"garbage")
    assert "not an image" in one_line_error(capsys, "predict", trained, png, tmp_path / "bad.png")


def dead_mirror() -> str:
    import socket

    with socket.socket() as s:  # a port nobody listens on: connection refused at once
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/"


@pytest.mark.parametrize("where", ["named", "default"])
def test_failed_download_fails_with_the_reason_and_offers_the_sample(tmp_path, monkeypatch,
                                                                    capsys, where):
    from minigrad.data import mnist

    monkeypatch.setattr(mnist, "MIRRORS", (dead_mirror(), dead_mirror()))
    monkeypatch.setenv("MINIGRAD_DATA", str(tmp_path / "m"))
    data = ["--data", str(tmp_path / "m")] if where == "named" else []
    err = one_line_error(capsys, "train", *data, "--download", "--quiet", "--out",
                         tmp_path / "run")
    assert "could not download train-images-idx3-ubyte.gz from any mirror" in err
    assert "sample" in err
    assert not [p for p in (tmp_path / "m").iterdir()]


def test_resume_of_a_finished_run_asks_for_more_epochs(trained, capsys):
    assert "--epochs" in one_line_error(capsys, "train", "--resume", trained)


def test_out_refuses_to_overwrite_a_run(trained, data_dir, capsys):
    assert "--resume" in one_line_error(capsys, "train", "--data", data_dir, "--out", trained)


def test_help_lists_the_subcommands(capsys):
    assert run() == 0
    out = capsys.readouterr().out
    assert all(cmd in out for cmd in ("train", "evaluate", "predict"))


def test_python_dash_m_minigrad_runs_the_cli():
    proc = subprocess.run([sys.executable, "-m", "minigrad", "train", "--epochs", "-1"],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


# ----------------------------------------------------------------------------- offline sample

@pytest.mark.slow
def test_one_short_epoch_on_the_offline_sample(tmp_path, capsys):
    assert run("train", "--data", "sample", "--epochs", "1", "--out", tmp_path / "s",
               "--quiet") == 0
    out = capsys.readouterr().out
    assert "Test accuracy" in out
    rows = metrics(tmp_path / "s")
    assert len(rows) == 1 and float(rows[0]["val_accuracy"]) > 0.5
    config = json.loads((tmp_path / "s" / "config.json").read_text())
    assert "offline MNIST sample: 4,000 train / 1,000 test" in config["data_description"]
    assert "3,500 train, 500 validation" in config["data_description"]


def test_training_docs_pictures_exist():
    docs = Path(__file__).resolve().parent.parent / "docs"
    text = (docs / "training.md").read_text()
    for name in ("training_curves.png", "training_filters.png", "training_confusion.png"):
        assert f"images/{name}" in text
        assert (docs / "images" / name).read_bytes()[:8] == PNG


@pytest.mark.slow
def test_docs_picture_script_runs(tmp_path):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "docs"))
    try:
        import make_training_images
    finally:
        sys.path.pop(0)
    written = make_training_images.make(tmp_path, epochs=1)
    assert [p.name for p in written] == ["training_curves.png", "training_filters.png",
                                         "training_confusion.png"]
    assert all(p.read_bytes()[:8] == PNG for p in written)


# ----------------------------------------------------------------------------- graph

@pytest.mark.parametrize("where, words", [
    ("missing/g.svg", "does not exist"),
    ("/sys/g.svg", "no permission"),
    ("dir", "is a folder"),
])
def test_graph_out_that_cannot_be_written_is_a_one_line_error(tmp_path, capsys, where, words):
    (tmp_path / "dir.svg").mkdir()
    out = where if where.startswith("/") else tmp_path / (where if "." in where else "dir.svg")
    err = one_line_error(capsys, "graph", "--out", out)
    assert words in err and str(out) in err


def test_graph_show_attrs_prints_arguments_not_internal_fields(tmp_path, capsys):
    assert run("graph", "--model", "simpleconvnet", "--out", tmp_path / "g.dot",
               "--show-attrs") == 0
    source = (tmp_path / "g.dot").read_text()
    loss = next(line for line in source.splitlines() if "CrossEntropy" in line)
    assert "reduction='mean'" in loss and "label_smoothing=0.0" in loss
    for internal in ("count=", "valid=", "class_targets=", "ndim=", "ls="):
        assert internal not in source
    assert "in_shape=" not in source and "stride=(1, 1)" in source


def test_graph_help_says_which_tensors_have_a_gradient_norm(capsys):
    with pytest.raises(SystemExit):
        main(["graph", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "each tensor that keeps a gradient" in text and "every tensor with its shape" in text


def test_graph_and_train_build_the_same_networks():
    from minigrad.cli import registry

    for name in registry.TRAINABLE:
        mg.manual_seed(0)
        a = registry.build_model(name).state_dict()
        mg.manual_seed(0)
        b = registry.build_model(name).state_dict()
        assert all(np.array_equal(a[k].data, b[k].data) for k in a)
    mg.manual_seed(0)
    w = registry.build_model("simpleconvnet").conv1.weight.data
    # the recipe's small first layer (registry.CONV1_INIT_STD), for graph too
    assert abs(w.std() - registry.CONV1_INIT_STD) < 0.1 * registry.CONV1_INIT_STD


# ----------------------------------------------------------------------------- first hour (#21)

def test_predict_without_pillow_says_which_extra_to_install(trained, tmp_path, monkeypatch,
                                                            capsys):
    png = digit_png(tmp_path / "d.png", 1, False)
    monkeypatch.setitem(sys.modules, "PIL", None)
    monkeypatch.setitem(sys.modules, "PIL.Image", None)
    err = one_line_error(capsys, "predict", trained, png)
    assert "Pillow" in err and 'pip install "minigrad[examples]"' in err


def test_predict_reports_unreadable_images_and_still_classifies_the_rest(trained, tmp_path,
                                                                         capsys):
    (tmp_path / "bad.png").write_bytes(b"garbage")
    good = digit_png(tmp_path / "three.png", 3, dark_on_light=False)
    assert run("predict", trained, tmp_path / "bad.png", good, tmp_path / "missing.png") == 2
    captured = capsys.readouterr()
    assert len(captured.out.splitlines()) == 1 and "three.png" in captured.out
    assert "top 3" in captured.out
    err = captured.err.splitlines()
    assert len(err) == 2 and "bad.png: not an image" in err[0] and "no such file" in err[1]
    assert "Traceback" not in captured.err


def test_a_diverging_run_stops_with_one_line_and_writes_no_nan_checkpoint(data_dir, tmp_path,
                                                                         capsys):
    out = tmp_path / "nan"
    err = one_line_error(capsys, *train_args(data_dir, out, "--optimizer", "sgd", "--lr",
                                             "1e12", "--epochs", "2"))
    assert "loss became NaN at epoch 1, step" in err and "lower --lr" in err
    assert "no checkpoint was written" in err
    assert not (out / "last.safetensors").exists() and not (out / "filters.png").exists()


def test_a_run_diverging_later_keeps_the_last_good_checkpoint(data_dir, tmp_path, monkeypatch,
                                                              capsys):
    calls = {"n": 0}
    real = train_cmd.F.cross_entropy

    def loss(logits, y):
        value = real(logits, y)
        if mg.is_grad_enabled():  # 4 training steps per epoch: NaN at epoch 2, step 2
            calls["n"] += 1
            if calls["n"] == 6:
                return value * float("nan")
        return value

    monkeypatch.setattr(train_cmd.F, "cross_entropy", loss)
    out = tmp_path / "later"
    err = one_line_error(capsys, *train_args(data_dir, out, "--epochs", "3"))
    assert "loss became NaN at epoch 2, step 2" in err
    assert f"the last good checkpoint {out / 'last.safetensors'} is kept" in err
    tensors, meta = checkpoint.read(out / "last.safetensors")
    assert meta["progress"]["epoch"] == 1
    assert all(np.isfinite(v).all() for v in tensors.values())


def test_no_picture_code_crashes_on_nan_weights(tmp_path):
    from minigrad.cli import figures

    before = np.random.default_rng(0).standard_normal((6, 1, 5, 5)).astype(np.float32)
    after = before.copy()
    after[0, 0, 0, 0], after[1] = np.nan, np.inf
    with np.errstate(all="raise"):  # no arithmetic on the bad values, either
        figures.plot_filters_before_after(before, after, tmp_path / "filters.png")
    assert (tmp_path / "filters.png").read_bytes()[:8] == PNG


def test_evaluate_and_predict_refuse_nan_weights_naming_the_tensor(trained, data_dir,
                                                                   tmp_path, capsys):
    tensors, meta = checkpoint.read(trained / "model.safetensors")
    tensors["conv1.weight"][0, 0, 0, 0] = np.nan
    broken = checkpoint.write(tmp_path / "broken.safetensors", tensors, meta)
    err = one_line_error(capsys, "evaluate", broken, "--data", data_dir)
    assert "tensor 'conv1.weight' holds NaN (1 of 750 values)" in err
    png = digit_png(tmp_path / "d.png", 1, False)
    err = one_line_error(capsys, "predict", broken, png)
    assert "'conv1.weight' holds NaN" in err


def test_a_pytorch_file_is_named_as_such(tmp_path, capsys):
    torch = pytest.importorskip("torch")
    torch.save({"w": torch.ones(2)}, tmp_path / "model.pt")
    err = one_line_error(capsys, "evaluate", tmp_path / "model.pt", "--model", "lenet")
    assert "PyTorch checkpoint" in err and "header claims" not in err


def test_checkpoint_errors_name_the_path_once_and_never_model_none(tmp_path, capsys):
    junk = tmp_path / "junk.safetensors"
    junk.write_bytes(b"not a checkpoint")
    assert one_line_error(capsys, "evaluate", junk).count(str(junk)) == 1
    nameless = tmp_path / "nameless.safetensors"
    mg.save({"w": mg.ones(2)}, nameless)  # metadata without a model name
    err = one_line_error(capsys, "evaluate", nameless)
    assert err.count(str(nameless)) == 1 and "None" not in err.split(": ", 2)[2]
    assert "names no model" in err


def test_counts_are_pluralised_and_zero_shifts_are_not_mentioned(data_dir, tmp_path, capsys):
    from minigrad.cli.errors import plural

    assert run("train", "--data", data_dir, "--out", tmp_path / "r", "--epochs", "1",
               "--batch-size", "60", "--val-size", "20", "--shift", "0") == 0
    out = capsys.readouterr().out
    assert "for 1 epoch:" in out and "shift" not in out
    assert (plural(1, "op"), plural(2, "op"), plural(0, "epoch")) == ("1 op", "2 ops", "0 epochs")


def test_evaluate_out_without_a_suffix_reports_the_file_really_written(trained, data_dir,
                                                                       tmp_path, capsys):
    assert run("evaluate", trained, "--data", data_dir, "--out", tmp_path / "conf") == 0
    assert f"Wrote {tmp_path / 'conf.png'}" in capsys.readouterr().out
    assert (tmp_path / "conf.png").read_bytes()[:8] == PNG
    err = one_line_error(capsys, "evaluate", trained, "--data", data_dir, "--out",
                         tmp_path / "conf.xyz")
    assert "cannot write .xyz" in err


def test_a_default_run_directory_that_cannot_be_made_does_not_blame_out(monkeypatch, capsys):
    monkeypatch.chdir("/sys")  # read-only, even for root
    err = one_line_error(capsys, "train", "--quiet")
    assert "the default run directory runs" in err and "no permission" in err
    assert "--out runs" not in err and "pass --out RUN_DIR" in err


def test_the_summary_lists_only_the_pictures_written_and_a_failure_names_its_file(
        data_dir, tmp_path, monkeypatch, capsys):
    import errno

    from minigrad.cli import figures

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(figures, "plot_filters_before_after", disk_full)
    out = tmp_path / "r"
    assert run("train", "--data", data_dir, "--out", out, "--epochs", "1", "--batch-size",
               "60", "--val-size", "20") == 0
    captured = capsys.readouterr()
    assert f"could not write {out / 'filters.png'} (No space left on device)" in captured.err
    summary = captured.out.splitlines()[-2]
    assert "curves.png" in summary and "filters.png" not in summary


def test_model_names_take_any_case_and_graph_only_models_are_explained(capsys):
    from minigrad.cli import build_parser

    assert build_parser().parse_args(["train", "--model", "LeNet"]).model == "lenet"
    assert build_parser().parse_args(["graph", "--out", "g.svg", "--model", "AlexNet"]
                                     ).model == "alexnet"
    with pytest.raises(SystemExit) as info:
        main(["train", "--model", "alexnet"])
    err = capsys.readouterr().err
    assert info.value.code == 2 and "alexnet works with minigrad graph only" in err


def test_top_activations_title_fits_in_the_picture():
    from minigrad import viz
    from minigrad.models import SimpleConvNet

    mg.manual_seed(0)
    images = np.random.default_rng(0).random((20, 1, 28, 28)).astype(np.float32)
    fig = viz.plot_top_activations(SimpleConvNet(), images, "conv1", [0, 1, 2], k=6)
    fig.canvas.draw()
    box = fig._suptitle.get_window_extent()
    assert box.x0 >= 0 and box.x1 <= fig.bbox.width and box.y1 <= fig.bbox.height
