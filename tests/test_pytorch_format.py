"""Reading ``torch.save`` state dicts without torch and without running pickle code."""

from __future__ import annotations

import pickle
import zipfile
from pathlib import Path

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.pytorch_format import is_pytorch_file, load_pytorch


def _archive(path: Path, pkl: bytes, members: dict[str, bytes] | None = None) -> Path:
    """A zip laid out as torch.save lays it out, with any data.pkl we like."""
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("archive/data.pkl", pkl)
        z.writestr("archive/byteorder", "little")
        for name, data in (members or {}).items():
            z.writestr(f"archive/data/{name}", data)
    return path


# Pickles written opcode by opcode (protocol 0, plus BINPERSID ``Q``), so that these tests
# need no torch and no importable globals: a GLOBAL ``c<module>\n<name>\n`` names anything.
TENSOR_PKL = (b"}(Vw\nctorch._utils\n_rebuild_tensor_v2\n("
              b"(Vstorage\nctorch\nFloatStorage\nV0\nVcpu\nI6\ntQ"  # the storage, by id
              b"I1\n(I2\nI2\nt(I1\nI2\ntI00\nNtRu.")  # offset 1, size (2, 2), stride (1, 2)


def _call(module: str, name: str, arg: str) -> bytes:
    return f"c{module}\n{name}\n(V{arg}\ntR.".encode()


def test_a_hand_made_archive_loads_its_tensors(tmp_path: Path) -> None:
    data = np.arange(6, dtype=np.float32)
    path = _archive(tmp_path / "w.pt", TENSOR_PKL, {"0": data.tobytes()})
    assert is_pytorch_file(path) == "zip"
    w = load_pytorch(path)["w"]
    np.testing.assert_array_equal(w.numpy(), [[1, 3], [2, 4]])
    assert w.dtype == np.float32


def test_a_global_outside_the_allow_list_is_refused_and_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    path = _archive(tmp_path / "evil.pt", _call("os", "system", f"touch {marker}"))
    with pytest.raises(pickle.UnpicklingError, match=r"os\.system.*refused without running it"):
        load_pytorch(path)
    with pytest.raises(pickle.UnpicklingError, match=r"builtins\.eval"):
        load_pytorch(_archive(tmp_path / "evil2.pt", _call("builtins", "eval", "1")))
    assert not marker.exists()


def test_a_legacy_or_foreign_file_is_named_for_what_it_is(tmp_path: Path) -> None:
    legacy = tmp_path / "old.pt"
    legacy.write_bytes(pickle.dumps({"a": 1}, protocol=2))
    with pytest.raises(pickle.UnpicklingError, match="legacy .*pre-1.6"):
        load_pytorch(legacy)
    other = tmp_path / "other.zip"
    with zipfile.ZipFile(other, "w") as z:
        z.writestr("readme.txt", "hi")
    assert is_pytorch_file(other) is None
    with pytest.raises(pickle.UnpicklingError, match="not a file written by torch.save"):
        load_pytorch(other)


def test_a_torch_state_dict_loads_into_the_same_minigrad_model(torch, tmp_path: Path) -> None:
    t_model = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3), torch.nn.BatchNorm2d(4),
                                  torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(16, 3))
    t_model(torch.randn(2, 1, 4, 4))  # running stats and num_batches_tracked move
    torch.save(t_model.state_dict(), tmp_path / "model.pth")
    state = load_pytorch(tmp_path / "model.pth")
    for name, t in t_model.state_dict().items():
        assert state[name].dtype == t.numpy().dtype and state[name].shape == tuple(t.shape)
        np.testing.assert_array_equal(state[name].numpy(), t.numpy())
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(),
                          nn.Linear(16, 3))
    model.load_state_dict(state)
    model.eval(), t_model.eval()
    x = np.random.default_rng(0).standard_normal((2, 1, 4, 4)).astype(np.float32)
    np.testing.assert_allclose(model(mg.tensor(x)).detach().numpy(),
                               t_model(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)


def test_views_sharing_one_storage_and_every_dtype_come_back(torch, tmp_path: Path) -> None:
    base = torch.arange(24, dtype=torch.float64).reshape(4, 6)
    tensors = {"base": base, "t": base.t(), "row": base[2], "col": base[:, 1::2],
               "empty": torch.zeros(0, 3), "scalar": torch.tensor(3.5)}
    for dtype in (torch.float32, torch.float16, torch.int64, torch.int32, torch.int16,
                  torch.int8, torch.uint8, torch.bool):
        tensors[str(dtype)] = (torch.arange(6) % 3).to(dtype)
    torch.save(tensors, tmp_path / "t.pt")
    back = load_pytorch(tmp_path / "t.pt")
    for name, t in tensors.items():
        assert back[name].dtype == t.numpy().dtype, name
        np.testing.assert_array_equal(back[name].numpy(), t.numpy())


def test_a_damaged_storage_is_reported_not_half_loaded(torch, tmp_path: Path) -> None:
    torch.save({"w": torch.ones(100)}, tmp_path / "ok.pt")
    with zipfile.ZipFile(tmp_path / "ok.pt") as src, \
            zipfile.ZipFile(tmp_path / "bad.pt", "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info, data[:40] if "/data/" in info.filename else data)
    with pytest.raises(pickle.UnpicklingError, match=r"holds 40 bytes, but its 100 elements"):
        load_pytorch(tmp_path / "bad.pt")
