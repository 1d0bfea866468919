"""MNIST as `tensorflow.examples.tutorials.mnist.input_data` read it, for TensorFlow 2.

TensorFlow 2 dropped `tensorflow.examples.tutorials` (and `tf.contrib.learn`, where its code
lived), so every TF1 tutorial that starts with `from tensorflow.examples.tutorials.mnist import
input_data` fails to import. This module is a port of TensorFlow 1.15's
`tensorflow/contrib/learn/python/learn/datasets/mnist.py` and `base.maybe_download`: the same
files (downloaded into `train_dir` when missing), the same arrays, the same validation split,
and the same batches in the same order from `next_batch`, whose shuffles draw from NumPy's
global generator. Like the original, each DataSet reseeds NumPy from TensorFlow's graph-level
seed when one is set and `seed` is None (from OS entropy when none is set), so seed NumPy after
`read_data_sets` for reproducible batches.
"""

from __future__ import annotations

import gzip
import os
import shutil
import tempfile
import time
import urllib.request
from typing import IO, Any, NamedTuple

import numpy
import tensorflow as tf

DEFAULT_SOURCE_URL = "https://storage.googleapis.com/cvdf-datasets/mnist/"
TRAIN_IMAGES = "train-images-idx3-ubyte.gz"
TRAIN_LABELS = "train-labels-idx1-ubyte.gz"
TEST_IMAGES = "t10k-images-idx3-ubyte.gz"
TEST_LABELS = "t10k-labels-idx1-ubyte.gz"
DOWNLOAD_ATTEMPTS = 3

Array = numpy.ndarray[Any, Any]


class Datasets(NamedTuple):
    train: DataSet
    validation: DataSet
    test: DataSet


def _read32(bytestream: gzip.GzipFile) -> int:
    dt = numpy.dtype(numpy.uint32).newbyteorder(">")
    return int(numpy.frombuffer(bytestream.read(4), dtype=dt)[0])


def extract_images(f: IO[bytes]) -> Array:
    """The images of an idx3 file object as a uint8 array [index, y, x, depth]."""
    with gzip.GzipFile(fileobj=f) as bytestream:
        magic = _read32(bytestream)
        if magic != 2051:
            raise ValueError(f"Invalid magic number {magic} in MNIST image file: {f.name}")
        num_images = _read32(bytestream)
        rows = _read32(bytestream)
        cols = _read32(bytestream)
        buf = bytestream.read(rows * cols * num_images)
        data = numpy.frombuffer(buf, dtype=numpy.uint8)
        return data.reshape(num_images, rows, cols, 1)


def dense_to_one_hot(labels_dense: Array, num_classes: int) -> Array:
    """Class labels as one-hot vectors."""
    num_labels = labels_dense.shape[0]
    index_offset = numpy.arange(num_labels) * num_classes
    labels_one_hot = numpy.zeros((num_labels, num_classes))
    labels_one_hot.flat[index_offset + labels_dense.ravel()] = 1
    return labels_one_hot


def extract_labels(f: IO[bytes], one_hot: bool = False, num_classes: int = 10) -> Array:
    """The labels of an idx1 file object as a uint8 array [index] (or one-hot rows)."""
    with gzip.GzipFile(fileobj=f) as bytestream:
        magic = _read32(bytestream)
        if magic != 2049:
            raise ValueError(f"Invalid magic number {magic} in MNIST label file: {f.name}")
        num_items = _read32(bytestream)
        buf = bytestream.read(num_items)
        labels = numpy.frombuffer(buf, dtype=numpy.uint8)
        if one_hot:
            return dense_to_one_hot(labels, num_classes)
        return labels


class DataSet:
    """A split of MNIST that hands out batches, reshuffled at each epoch."""

    def __init__(self, images: Any, labels: Any, fake_data: bool = False, one_hot: bool = False,
                 dtype: Any = tf.float32, reshape: bool = True, seed: int | None = None) -> None:
        seed1, seed2 = tf.compat.v1.get_seed(seed)
        # As TensorFlow 1.x did: without an op-level seed, NumPy takes the graph-level one.
        numpy.random.seed(seed1 if seed is None else seed2)
        dtype = tf.dtypes.as_dtype(dtype).base_dtype
        if dtype not in (tf.uint8, tf.float32):
            raise TypeError(f"Invalid image dtype {dtype!r}, expected uint8 or float32")
        if fake_data:
            self._num_examples = 10000
            self.one_hot = one_hot
        else:
            assert images.shape[0] == labels.shape[0], (
                f"images.shape: {images.shape} labels.shape: {labels.shape}")
            self._num_examples = images.shape[0]
            if reshape:
                assert images.shape[3] == 1
                images = images.reshape(images.shape[0], images.shape[1] * images.shape[2])
            if dtype == tf.float32:
                images = images.astype(numpy.float32)
                images = numpy.multiply(images, 1.0 / 255.0)
        self._images = images
        self._labels = labels
        self._epochs_completed = 0
        self._index_in_epoch = 0

    @property
    def images(self) -> Any:
        return self._images

    @property
    def labels(self) -> Any:
        return self._labels

    @property
    def num_examples(self) -> int:
        return self._num_examples

    @property
    def epochs_completed(self) -> int:
        return self._epochs_completed

    def next_batch(self, batch_size: int, fake_data: bool = False, shuffle: bool = True) -> tuple[Any, Any]:
        """The next `batch_size` examples."""
        if fake_data:
            fake_image = [1] * 784
            fake_label = [1] + [0] * 9 if self.one_hot else 0
            return [fake_image for _ in range(batch_size)], [fake_label for _ in range(batch_size)]
        start = self._index_in_epoch
        if self._epochs_completed == 0 and start == 0 and shuffle:  # shuffle for the first epoch
            perm0 = numpy.arange(self._num_examples)
            numpy.random.shuffle(perm0)
            self._images = self.images[perm0]
            self._labels = self.labels[perm0]
        if start + batch_size > self._num_examples:  # the next epoch
            self._epochs_completed += 1
            rest_num_examples = self._num_examples - start
            images_rest_part = self._images[start:self._num_examples]
            labels_rest_part = self._labels[start:self._num_examples]
            if shuffle:
                perm = numpy.arange(self._num_examples)
                numpy.random.shuffle(perm)
                self._images = self.images[perm]
                self._labels = self.labels[perm]
            start = 0
            self._index_in_epoch = batch_size - rest_num_examples
            end = self._index_in_epoch
            images_new_part = self._images[start:end]
            labels_new_part = self._labels[start:end]
            return (numpy.concatenate((images_rest_part, images_new_part), axis=0),
                    numpy.concatenate((labels_rest_part, labels_new_part), axis=0))
        self._index_in_epoch += batch_size
        end = self._index_in_epoch
        return self._images[start:end], self._labels[start:end]


def maybe_download(filename: str, work_directory: str, source_url: str) -> str:
    """`work_directory/filename`, downloaded from `source_url` first if it is not there."""
    if not tf.io.gfile.exists(work_directory):
        tf.io.gfile.makedirs(work_directory)
    filepath = os.path.join(work_directory, filename)
    if not tf.io.gfile.exists(filepath):
        for attempt in range(DOWNLOAD_ATTEMPTS):
            try:
                with urllib.request.urlopen(source_url) as response, tempfile.NamedTemporaryFile(
                        delete=False) as temporary:
                    shutil.copyfileobj(response, temporary)
                break
            except OSError:
                if attempt == DOWNLOAD_ATTEMPTS - 1:
                    raise
                time.sleep(2 ** attempt)
        tf.io.gfile.copy(temporary.name, filepath)
        os.unlink(temporary.name)
        print("Successfully downloaded", filename, tf.io.gfile.stat(filepath).length, "bytes.")
    return filepath


def read_data_sets(train_dir: str, fake_data: bool = False, one_hot: bool = False, dtype: Any = tf.float32,
                   reshape: bool = True, validation_size: int = 5000, seed: int | None = None,
                   source_url: str = DEFAULT_SOURCE_URL) -> Datasets:
    """The train, validation and test splits, as TensorFlow 1.x's read_data_sets made them."""
    if fake_data:
        def fake() -> DataSet:
            return DataSet([], [], fake_data=True, one_hot=one_hot, dtype=dtype, seed=seed)
        return Datasets(train=fake(), validation=fake(), test=fake())
    if not source_url:
        source_url = DEFAULT_SOURCE_URL

    def read(name: str, extract: Any, **options: Any) -> Array:
        path = maybe_download(name, train_dir, source_url + name)
        with tf.io.gfile.GFile(path, "rb") as f:
            return numpy.asarray(extract(f, **options))

    train_images = read(TRAIN_IMAGES, extract_images)
    train_labels = read(TRAIN_LABELS, extract_labels, one_hot=one_hot)
    test_images = read(TEST_IMAGES, extract_images)
    test_labels = read(TEST_LABELS, extract_labels, one_hot=one_hot)
    if not 0 <= validation_size <= len(train_images):
        raise ValueError(f"Validation size should be between 0 and {len(train_images)}. "
                         f"Received: {validation_size}.")
    validation_images = train_images[:validation_size]
    validation_labels = train_labels[:validation_size]
    train_images = train_images[validation_size:]
    train_labels = train_labels[validation_size:]
    options: dict[str, Any] = {"dtype": dtype, "reshape": reshape, "seed": seed}
    train = DataSet(train_images, train_labels, **options)
    validation = DataSet(validation_images, validation_labels, **options)
    test = DataSet(test_images, test_labels, **options)
    return Datasets(train=train, validation=validation, test=test)


def load_mnist(train_dir: str = "MNIST-data") -> Datasets:
    return read_data_sets(train_dir)
