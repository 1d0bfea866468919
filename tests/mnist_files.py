"""Small MNIST-format files (idx, gzipped) for programs that read MNIST: no download in tests."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np

FILES = {
    "train-images-idx3-ubyte.gz": (2051, "train"),
    "train-labels-idx1-ubyte.gz": (2049, "train"),
    "t10k-images-idx3-ubyte.gz": (2051, "t10k"),
    "t10k-labels-idx1-ubyte.gz": (2049, "t10k"),
}


def write_mnist(folder: Path, seed: int = 0, train: int = 6000, test: int = 1000) -> Path:
    """Write the four files with learnable 28x28 digits (a bright stripe per class, plus faint
    noise); `train` and `test` images (MNIST itself has 60,000 and 10,000)."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    counts = {"train": train, "t10k": test}
    labels = {split: rng.integers(0, 10, count, dtype=np.uint8) for split, count in counts.items()}
    for name, (magic, split) in FILES.items():
        count = counts[split]
        if magic == 2049:
            body = struct.pack(">II", magic, count) + labels[split].tobytes()
        else:
            images = rng.integers(0, 4, (count, 28, 28), dtype=np.uint8) * 20
            for index, label in enumerate(labels[split]):
                images[index, 2 + 2 * label:4 + 2 * label, :] = 255
            body = struct.pack(">IIII", magic, count, 28, 28) + images.tobytes()
        (folder / name).write_bytes(gzip.compress(body, compresslevel=1, mtime=0))
    return folder
