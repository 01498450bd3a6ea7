"""minigrad.save / minigrad.load: round trips, no pickle, atomic writes, clear errors."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn, serialization
from minigrad.serialization import CheckpointError


def test_nested_structures_round_trip(tmp_path: Path) -> None:
    obj = {
        "model": {"w": mg.randn(3, 2), "steps": mg.tensor(np.array(4, np.int64))},
        "arrays": [np.arange(3, dtype=np.float64), np.array([True, False])],
        "pair": (1, 2.5),
        "plain": {"epoch": 3, "lr": 0.1, "name": "run", "none": None, "flag": True,
                  "nan": float("nan"), "inf": float("-inf"), "np": np.float32(1.5)},
        7: "int key",
    }
    path = tmp_path / "ck.npz"
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


def test_file_is_a_plain_npz_readable_without_pickle(tmp_path: Path) -> None:
    path = tmp_path / "m.npz"
    mg.save(nn.Linear(3, 2).state_dict(), path)
    with np.load(path, allow_pickle=False) as archive:
        manifest = json.loads(archive["__minigrad__"].tobytes())
        assert manifest["format"] == serialization.FORMAT and manifest["version"] == 1
        assert all(archive[k].dtype != object for k in archive.files)


def test_state_dict_save_load_into_a_fresh_model(tmp_path: Path) -> None:
    model = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3))
    model(mg.randn(5, 4))
    mg.save(model.state_dict(), tmp_path / "m.npz")
    fresh = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3))
    fresh.load_state_dict(mg.load(tmp_path / "m.npz"))
    for (k, a), (_, b) in zip(model.state_dict().items(), fresh.state_dict().items()):
        np.testing.assert_array_equal(a.data, b.data, err_msg=k)
        assert a.dtype == b.dtype


def test_crash_mid_write_leaves_the_target_untouched(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "ck.npz"
    mg.save({"w": mg.ones(3)}, path)
    before = path.read_bytes()

    def crash(f, arrays) -> None:  # noqa: ANN001
        f.write(b"PK\x03\x04 half a checkpoint")
        raise KeyboardInterrupt("power cut")

    monkeypatch.setattr(serialization, "_write_npz", crash)
    with pytest.raises(KeyboardInterrupt):
        mg.save({"w": mg.zeros(3)}, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["ck.npz"]  # the temporary file was cleaned up
    np.testing.assert_array_equal(mg.load(path)["w"].data, 1)


def test_write_goes_through_a_temp_file_and_rename(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    seen = []
    real_replace = os.replace

    def spy(src, dst) -> None:  # noqa: ANN001
        seen.append((Path(src).parent, Path(dst)))
        assert not Path(dst).exists()  # nothing was written at the target before the rename
        real_replace(src, dst)

    monkeypatch.setattr(serialization.os, "replace", spy)
    mg.save({"w": mg.ones(2)}, tmp_path / "new.npz")
    assert seen == [(tmp_path, tmp_path / "new.npz")]


def test_truncated_file_raises_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "ck.npz"
    mg.save({"w": mg.randn(100)}, path)
    data = path.read_bytes()
    for cut in (len(data) // 2, len(data) - 10, 10):
        path.write_bytes(data[:cut])
        with pytest.raises(CheckpointError, match="truncated or corrupted"):
            mg.load(path)


def test_corrupted_bytes_raise_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "ck.npz"
    mg.save({"w": mg.tensor(np.arange(1000, dtype=np.float32))}, path)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # inside the array's bytes: the zip CRC catches it
    path.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="truncated or corrupted"):
        mg.load(path)


def test_foreign_files_are_not_minigrad_checkpoints(tmp_path: Path) -> None:
    cases = {
        "text.npz": lambda p: p.write_text("hello"),
        "empty.npz": lambda p: p.write_bytes(b""),
        "array.npy": lambda p: np.save(p, np.ones(3)),
        "plain.npz": lambda p: np.savez(p, x=np.ones(3)),
    }
    for name, write in cases.items():
        path = tmp_path / name
        write(path)
        with pytest.raises(CheckpointError, match=r"is not a minigrad checkpoint"):
            mg.load(path)


def _write_manifest(path: Path, manifest: bytes, **arrays: np.ndarray) -> None:
    np.savez(path, __minigrad__=np.frombuffer(manifest, np.uint8), **arrays)


def test_bad_or_newer_manifest_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "m.npz"
    _write_manifest(path, b"{not json")
    with pytest.raises(CheckpointError, match="not valid JSON"):
        mg.load(path)
    _write_manifest(path, json.dumps({"format": "other"}).encode())
    with pytest.raises(CheckpointError, match="format marker"):
        mg.load(path)
    _write_manifest(path, json.dumps({"format": serialization.FORMAT, "version": 99,
                                      "root": None}).encode())
    with pytest.raises(CheckpointError, match="version 99"):
        mg.load(path)
    _write_manifest(path, json.dumps({"format": serialization.FORMAT, "version": 1,
                                      "root": {"array": "a7"}}).encode())
    with pytest.raises(CheckpointError, match="does not match the stored arrays"):
        mg.load(path)


def test_pickled_entries_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "evil.npz"
    manifest = json.dumps({"format": serialization.FORMAT, "version": 1,
                           "root": {"array": "a0"}}).encode()
    np.savez(path, __minigrad__=np.frombuffer(manifest, np.uint8),
             a0=np.array([{"x": 1}], dtype=object))
    with pytest.raises(CheckpointError):
        mg.load(path)


def test_missing_file_and_unsavable_objects() -> None:
    with pytest.raises(FileNotFoundError, match="no such file"):
        mg.load("/nonexistent/ck.npz")
    with pytest.raises(TypeError, match="cannot save a set"):
        mg.save({"s": {1, 2}}, "unused.npz")
    with pytest.raises(TypeError, match="only str and int keys"):
        mg.save({(1, 2): 3}, "unused.npz")
    assert not os.path.exists("unused.npz")


def test_saved_file_is_a_valid_zip(tmp_path: Path) -> None:
    mg.save([mg.ones(2)], tmp_path / "l.npz")
    assert zipfile.is_zipfile(tmp_path / "l.npz")
    assert isinstance(mg.load(tmp_path / "l.npz"), list)
