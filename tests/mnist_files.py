"""Small MNIST-format files (idx, gzipped) for programs that read MNIST: no download in tests."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np

FILES = {
    "train-images-idx3-ubyte.gz": (2051, 6000),
    "train-labels-idx1-ubyte.gz": (2049, 6000),
    "t10k-images-idx3-ubyte.gz": (2051, 1000),
    "t10k-labels-idx1-ubyte.gz": (2049, 1000),
}


def write_mnist(folder: Path, seed: int = 0) -> Path:
    """Write the four files with learnable 28x28 digits (a bright stripe per class, plus noise)."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    labels = {"train": rng.integers(0, 10, 6000, dtype=np.uint8), "t10k": rng.integers(0, 10, 1000, dtype=np.uint8)}
    for name, (magic, count) in FILES.items():
        split = name.split("-", 1)[0]
        if magic == 2049:
            body = struct.pack(">II", magic, count) + labels[split].tobytes()
        else:
            images = rng.integers(0, 60, (count, 28, 28), dtype=np.uint8)
            for index, label in enumerate(labels[split]):
                images[index, 2 + 2 * label:4 + 2 * label, :] = 255
            body = struct.pack(">IIII", magic, count, 28, 28) + images.tobytes()
        (folder / name).write_bytes(gzip.compress(body, mtime=0))
    return folder
