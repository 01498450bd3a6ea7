"""Checkpoints: safetensors files PyTorch reads, atomic writes, bounded reads, clear errors."""

from __future__ import annotations

import json
import os
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import minigrad as mg
from minigrad import checkpoint, nn
from minigrad.checkpoint import CheckpointError
from minigrad.models import SimpleConvNet


def raw_file(path: Path, header: dict, data: bytes = b"") -> Path:
    blob = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(blob)) + blob + data)
    return path


# ----------------------------------------------------------------------------- mg.save / load

def test_nested_structures_round_trip(tmp_path: Path) -> None:
    obj = {
        "model": {"w": mg.randn(3, 2), "steps": mg.tensor(np.array(4, np.int64))},
        "arrays": [np.arange(3, dtype=np.float64), np.array([True, False])],
        "pair": (1, 2.5),
        "plain": {"epoch": 3, "lr": 0.1, "name": "run", "none": None, "flag": True,
                  "nan": float("nan"), "inf": float("-inf"), "np": np.float32(1.5)},
        7: "int key",
    }
    path = tmp_path / "ck.safetensors"
    mg.save(obj, path)
    back = mg.load(str(path))
    assert list(back) == ["model", "arrays", "pair", "plain", 7]
    w = back["model"]["w"]
    assert isinstance(w, mg.Tensor) and w.dtype == np.float32
    np.testing.assert_array_equal(w.data, obj["model"]["w"].data)
    assert back["model"]["steps"].dtype == np.int64 and back["model"]["steps"].item() == 4
    assert back["arrays"][0].dtype == np.float64 and back["arrays"][1].dtype == np.bool_
    assert back["pair"] == (1, 2.5)
    plain = back["plain"]
    assert plain["epoch"] == 3 and plain["lr"] == 0.1 and plain["name"] == "run"
    assert plain["none"] is None and plain["flag"] is True and plain["np"] == 1.5
    assert np.isnan(plain["nan"]) and plain["inf"] == float("-inf")
    assert back[7] == "int key"


def test_state_dict_save_load_into_a_fresh_model(tmp_path: Path) -> None:
    model = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3))
    model(mg.randn(5, 4))
    mg.save(model.state_dict(), tmp_path / "m.safetensors")
    fresh = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3))
    fresh.load_state_dict(mg.load(tmp_path / "m.safetensors"))
    for (k, a), (_, b) in zip(model.state_dict().items(), fresh.state_dict().items()):
        np.testing.assert_array_equal(a.data, b.data, err_msg=k)
        assert a.dtype == b.dtype


def test_a_state_dicts_metadata_survives_save_and_load(tmp_path: Path) -> None:
    """``state_dict()._metadata`` (each module's version, which ``load_state_dict`` hands to
    ``_load_from_state_dict``) comes back from the file, as ``torch.save`` keeps it; from a
    ``torch.save`` file too. A plain dict stays plain."""
    state = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3)).state_dict()
    mg.save({"model": state, "epoch": 3}, tmp_path / "c")
    back = mg.load(tmp_path / "c")
    assert list(back["model"]) == list(state) and back["epoch"] == 3
    assert list(back["model"]._metadata.items()) == list(state._metadata.items())
    assert state._metadata["1"] == {"version": 2}
    mg.save({"a": mg.ones(1)}, tmp_path / "p")
    assert not hasattr(mg.load(tmp_path / "p"), "_metadata")
    torch = pytest.importorskip("torch")
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.BatchNorm1d(3)).state_dict()
    torch.save(theirs, tmp_path / "t.pt")
    assert list(mg.load(tmp_path / "t.pt")._metadata.items()) == list(state._metadata.items())


def test_metadata_goes_beside_the_structure_so_older_readers_still_load(tmp_path: Path) -> None:
    """The metadata sits in its own header entry: the format version stays 2 and the
    structure (all an older minigrad reads) decodes to plain dicts, wherever the state dicts
    are nested: at the top, in a list, in a tuple."""
    from minigrad import checkpoint, serialization

    state = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3)).state_dict()
    cases = [(state, lambda o: o), ([1, state], lambda o: o[1]),
             ({"runs": (state, {"x": 1})}, lambda o: o["runs"][0])]
    for i, (obj, find) in enumerate(cases):
        mg.save(obj, tmp_path / f"c{i}")
        arrays, meta = checkpoint.read(tmp_path / f"c{i}")
        assert meta["version"] == 2
        assert not hasattr(find(serialization._decode(meta["root"], arrays)), "_metadata")
        back = mg.load(tmp_path / f"c{i}")
        assert list(find(back)._metadata.items()) == list(state._metadata.items())
        assert list(find(back)) == list(state)
    assert isinstance(back["runs"], tuple) and back["runs"][1] == {"x": 1}


def test_the_file_is_standard_safetensors_with_state_dict_names(tmp_path: Path) -> None:
    from safetensors.numpy import load_file

    model = SimpleConvNet()
    mg.save(model.state_dict(), tmp_path / "m.safetensors")
    arrays = load_file(str(tmp_path / "m.safetensors"))
    assert list(arrays) == list(model.state_dict())
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(arrays[k], v.data)


def test_load_accepts_map_location_and_weights_only_like_torch(tmp_path: Path) -> None:
    mg.save({"w": mg.ones(2)}, tmp_path / "a.safetensors")
    for kwargs in ({}, {"map_location": "cpu"}, {"weights_only": True},
                   {"map_location": None, "weights_only": False}):
        np.testing.assert_array_equal(mg.load(tmp_path / "a.safetensors", **kwargs)["w"].data, 1)
    with pytest.raises(ValueError, match="map_location='cuda'.*CPU"):
        mg.load(tmp_path / "a.safetensors", map_location="cuda")


def test_save_into_a_missing_directory_names_the_target(tmp_path: Path) -> None:
    target = tmp_path / "nope" / "m.safetensors"
    with pytest.raises(FileNotFoundError) as info:
        mg.save({"w": mg.ones(1)}, target)
    assert str(target) in str(info.value) and ".tmp" not in str(info.value)


def test_missing_file_and_unsavable_objects(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no such file"):
        mg.load(tmp_path / "absent.safetensors")
    with pytest.raises(TypeError, match="cannot save a set"):
        mg.save({"s": {1, 2}}, tmp_path / "x")
    with pytest.raises(TypeError, match="dtype <U1"):
        mg.save({"s": np.array(["a"])}, tmp_path / "x")
    assert not list(tmp_path.iterdir())


# ----------------------------------------------------------------------------- PyTorch

def test_pytorch_reads_our_checkpoint_and_we_read_pytorchs(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    from safetensors.torch import load_file, save_file

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "examples"))
    try:
        from port_to_torch import torch_simpleconvnet
    finally:
        sys.path.pop(0)
    mg.manual_seed(0)
    ours = SimpleConvNet(weight_init_std="he")
    checkpoint.write(tmp_path / "ours.safetensors",
                     {k: v.data for k, v in ours.state_dict().items()}, {"model": "x"})
    theirs = torch_simpleconvnet()
    theirs.load_state_dict(load_file(str(tmp_path / "ours.safetensors")))  # strict
    x = np.random.default_rng(0).random((2, 1, 28, 28), dtype=np.float32)
    with torch.no_grad():
        want = theirs(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(ours(mg.tensor(x)).data, want, rtol=1e-4, atol=1e-5)

    torch.manual_seed(1)
    other = torch_simpleconvnet()
    save_file(other.state_dict(), str(tmp_path / "theirs.safetensors"))
    back = SimpleConvNet()
    back.load_state_dict(mg.load(tmp_path / "theirs.safetensors"))
    with torch.no_grad():
        want = other(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(back(mg.tensor(x)).data, want, rtol=1e-4, atol=1e-5)


# ----------------------------------------------------------------------------- atomic writes

def test_crash_mid_write_leaves_the_target_untouched(tmp_path: Path) -> None:
    path = tmp_path / "ck.safetensors"
    mg.save({"w": mg.ones(3)}, path)
    before = path.read_bytes()

    def chunks():
        yield b"half a checkpoint"
        raise KeyboardInterrupt("power cut")

    with pytest.raises(KeyboardInterrupt):
        checkpoint.atomic_write(path, chunks())
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["ck.safetensors"]  # the temporary file was cleaned up


def test_write_goes_through_a_temp_file_and_rename(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    seen = []
    real_replace = os.replace

    def spy(src, dst) -> None:  # noqa: ANN001
        seen.append((Path(src).parent, Path(dst)))
        assert not Path(dst).exists()  # nothing was written at the target before the rename
        real_replace(src, dst)

    monkeypatch.setattr(checkpoint.os, "replace", spy)
    mg.save({"w": mg.ones(2)}, tmp_path / "new.safetensors")
    assert seen == [(tmp_path, tmp_path / "new.safetensors")]


@pytest.mark.slow
def test_killed_saves_leave_no_temporary_files_behind(tmp_path: Path) -> None:
    """SIGKILL mid-save, again and again: the next save removes what dead writers left."""
    path = tmp_path / "big.safetensors"
    code = ("import numpy as np, minigrad as mg\n"
            f"w = np.ones((1 << 21,), np.float32)\n"
            f"while True: mg.save({{'w': w}}, {str(path)!r})\n")
    for i in range(8):
        proc = subprocess.Popen([sys.executable, "-c", code])
        time.sleep(0.6 + 0.05 * i)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    mg.save({"w": mg.zeros(2)}, path)
    assert os.listdir(tmp_path) == ["big.safetensors"]
    np.testing.assert_array_equal(mg.load(path)["w"].data, 0)


def test_a_stale_temporary_file_of_a_dead_writer_is_removed(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    stale = tmp_path / f".m.safetensors.{proc.stdout.strip()}.tmp"
    stale.write_bytes(b"x" * 100)
    mine = tmp_path / f".other.{os.getpid()}.tmp"  # a live writer's (ours): kept
    mine.write_bytes(b"y")
    mg.save({"w": mg.ones(1)}, tmp_path / "m.safetensors")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([mine.name, "m.safetensors"])


# ----------------------------------------------------------------------------- hostile files

def test_truncated_file_raises_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "ck.safetensors"
    mg.save({"w": mg.randn(100)}, path)
    data = path.read_bytes()
    for cut in (0, 5, 20, len(data) - 10):
        path.write_bytes(data[:cut])
        with pytest.raises(CheckpointError, match="truncated|too short|not a checkpoint"):
            mg.load(path)


def test_foreign_files_are_not_checkpoints(tmp_path: Path) -> None:
    path = tmp_path / "x"
    path.write_bytes(b"PK\x03\x04 a zip file, not a checkpoint")
    with pytest.raises(CheckpointError, match="not a checkpoint"):
        mg.load(path)
    np.save(tmp_path / "a.npy", np.ones(3))
    with pytest.raises(CheckpointError, match="not a checkpoint"):
        mg.load(tmp_path / "a.npy")


def test_a_small_file_cannot_claim_gigabytes(tmp_path: Path) -> None:
    path = raw_file(tmp_path / "big", {"w": {"dtype": "F32", "shape": [1 << 29],
                                             "data_offsets": [0, 1 << 31]}}, b"\0" * (2 << 20))
    assert path.stat().st_size < 3 << 20
    with pytest.raises(CheckpointError, match="claims bytes 0..2147483648"):
        mg.load(path)


def test_a_declared_shape_of_a_trillion_is_refused(tmp_path: Path) -> None:
    path = raw_file(tmp_path / "huge", {"w": {"dtype": "F32", "shape": [10 ** 12],
                                              "data_offsets": [0, 16]}}, b"\0" * 16)
    with pytest.raises(CheckpointError, match=r"shape \(1000000000000,\).*16 stored bytes"):
        mg.load(path)


def test_a_header_claiming_more_than_the_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "h"
    path.write_bytes(struct.pack("<Q", 1 << 40) + b"{}")
    with pytest.raises(CheckpointError, match="header claims"):
        mg.load(path)


def test_deeply_nested_metadata_is_refused(tmp_path: Path) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    path = raw_file(tmp_path / "deep", {"__metadata__": {"minigrad": deep}})
    with pytest.raises(CheckpointError, match="nests deeper than"):
        mg.load(path)
    with pytest.raises(ValueError, match="nests deeper"):
        nested: list = []
        for _ in range(100):
            nested = [nested]
        mg.save(nested, tmp_path / "n")


def test_bad_or_newer_structure_is_reported(tmp_path: Path) -> None:
    meta = json.dumps({"format": "minigrad-checkpoint", "version": 99, "root": None})
    path = raw_file(tmp_path / "v", {"__metadata__": {"minigrad": meta}})
    with pytest.raises(CheckpointError, match="version 99"):
        mg.load(path)
    meta = json.dumps({"format": "minigrad-checkpoint", "version": 2,
                       "root": {"tensor": "missing"}})
    path = raw_file(tmp_path / "s", {"__metadata__": {"minigrad": meta}})
    with pytest.raises(CheckpointError, match="does not match"):
        mg.load(path)


def test_a_training_checkpoint_loads_as_its_state_dict(tmp_path: Path) -> None:
    """``minigrad train``'s model.safetensors holds the run's description as metadata, not
    save()'s structure: load gives its weights, as for a plain safetensors file."""
    from minigrad.cli import runs

    model = SimpleConvNet()
    path = tmp_path / "model.safetensors"
    runs.save_model(path, model, {"model": "simpleconvnet"}, {"val_accuracy": 0.5})
    state = mg.load(path)
    assert list(state) == list(model.state_dict())
    for k, v in model.state_dict().items():
        assert isinstance(state[k], mg.Tensor)
        np.testing.assert_array_equal(state[k].data, v.data)
    fresh = SimpleConvNet()
    fresh.load_state_dict(state)


def test_a_checkpoint_naming_another_format_is_refused(tmp_path: Path) -> None:
    meta = json.dumps({"format": "someone-elses", "version": 1, "root": None})
    path = raw_file(tmp_path / "f", {"__metadata__": {"minigrad": meta}})
    with pytest.raises(CheckpointError, match="names the format 'someone-elses'"):
        mg.load(path)


def test_reading_only_some_tensors(tmp_path: Path) -> None:
    checkpoint.write(tmp_path / "c", {"a": np.ones(3), "b": np.zeros(2)}, {"k": 1})
    tensors, meta = checkpoint.read(tmp_path / "c", ["b"])
    assert list(tensors) == ["b"] and meta == {"k": 1}
    with pytest.raises(CheckpointError, match="no tensor 'z'"):
        checkpoint.read(tmp_path / "c", ["z"])


def test_a_pytorch_state_dict_loads_and_a_legacy_pickle_is_named_never_unpickled(
        tmp_path: Path) -> None:
    import pickle

    torch = pytest.importorskip("torch")
    torch.save({"w": torch.tensor([1.0, 2.0]), "n": torch.tensor(3)}, tmp_path / "zip.pt")
    loaded = mg.load(tmp_path / "zip.pt")
    assert loaded["w"].tolist() == [1.0, 2.0] and loaded["n"].item() == 3
    torch.save({"w": torch.tensor([1.0, float("nan")])}, tmp_path / "nan.pt")
    with pytest.raises(CheckpointError, match=r"tensor 'w' holds NaN"):
        mg.load(tmp_path / "nan.pt", check_finite=True)
    torch.save({"w": torch.ones(2)}, tmp_path / "legacy.pt",
               _use_new_zipfile_serialization=False)
    with pytest.raises(CheckpointError) as info:
        mg.load(tmp_path / "legacy.pt")
    message = str(info.value)
    assert "Python pickle" in message and "save_file(model.state_dict()" in message
    assert "header claims" not in message
    marker = tmp_path / "ran"

    class Hostile:
        def __reduce__(self):  # noqa: ANN204
            return (marker.touch, ())

    (tmp_path / "hostile.pt").write_bytes(pickle.dumps(Hostile(), protocol=2))
    with pytest.raises(CheckpointError, match="never unpickles"):
        mg.load(tmp_path / "hostile.pt")
    assert not marker.exists()


def test_check_finite_refuses_nan_or_inf_weights_naming_the_tensor(tmp_path: Path) -> None:
    path = tmp_path / "w.safetensors"
    mg.save({"fine": np.ones(3, np.float32), "broken": np.array([1.0, np.nan, np.inf]),
             "steps": np.arange(3)}, path)
    assert np.isnan(mg.load(path)["broken"].numpy()[1])  # by default loaded as stored
    with pytest.raises(CheckpointError, match=r"tensor 'broken' holds NaN and Inf \(2 of 3"):
        mg.load(path, check_finite=True)
    mg.save({"fine": np.ones(3, np.float32)}, path)
    assert mg.load(path, check_finite=True)["fine"].shape == (3,)


def test_a_full_disk_names_the_file_that_could_not_be_written(tmp_path: Path,
                                                              monkeypatch) -> None:  # noqa: ANN001
    import errno

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(checkpoint.os, "fsync", full)
    target = tmp_path / "w.safetensors"
    with pytest.raises(OSError) as info:
        mg.save({"w": np.ones(3)}, target)
    assert str(target) in str(info.value) and "No space left" in str(info.value)
    assert info.value.errno == errno.ENOSPC and not list(tmp_path.iterdir())
