"""MNIST and FashionMNIST from their IDX files, which the user places in a folder (no download).

The four files of each dataset (train/test images and labels) may be gzip-compressed
(`name.gz`) or not, and may lie in `root/<DatasetName>/raw/` (torchvision's layout) or directly
in `root/`. A missing file gives a FileNotFoundError that lists the files and the folders.
"""

from __future__ import annotations

import gzip
import math
import os
import zlib
from pathlib import Path
from typing import Callable

import numpy as np

from teachgrad.datasets.labelled_images import LabelledImages

# IDX type codes (the third byte of the magic number) and their big-endian numpy types.
_IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """The array stored in an IDX file (gzip-compressed when the name ends in .gz).

    Layout: two zero bytes, a type code, the number of dimensions d, then d big-endian int32
    sizes, then the values, big-endian, row-major.
    """
    path = Path(path)
    raw = _read_bytes(path)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES:
        raise ValueError(f"{path}: not an IDX file (bad magic number {raw[:4].hex() or 'missing: the file is empty'}; "
                         f"expected 00 00, a type code ({' '.join(f'{code:02x}' for code in _IDX_TYPES)}), the number of dimensions)")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{path}: truncated IDX file: its header declares {ndim} dimensions ({header} bytes of "
                         f"header), the file has {len(raw)} bytes")
    shape = tuple(int(s) for s in np.frombuffer(raw, dtype=">i4", count=ndim, offset=4))
    dtype = np.dtype(_IDX_TYPES[raw[2]])
    expected = math.prod(shape) * dtype.itemsize
    if len(raw) - header != expected:
        raise ValueError(f"{path}: header says shape {shape} ({expected} bytes of data), "
                         f"file has {len(raw) - header} bytes of data")
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def _read_bytes(path: Path) -> bytes:
    """The file's bytes, decompressed when its name ends in .gz; a damaged archive names the file."""
    with open(path, "rb") as f:
        raw = f.read()
    if path.suffix != ".gz":
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as error:  # (gzip.BadGzipFile is an OSError)
        raise ValueError(f"{path}: damaged gzip file, cannot decompress it ({type(error).__name__}: {error})") from None


def write_idx(path: str | os.PathLike, array: np.ndarray) -> None:
    """Write `array` as an IDX file (gzip-compressed when the name ends in .gz)."""
    codes = {np.dtype(np.uint8): 0x08, np.dtype(np.int8): 0x09, np.dtype(np.int16): 0x0B,
             np.dtype(np.int32): 0x0C, np.dtype(np.float32): 0x0D, np.dtype(np.float64): 0x0E}
    array = np.asarray(array)
    if array.dtype.newbyteorder("=") not in codes:
        raise TypeError(f"IDX cannot store dtype {array.dtype}")
    code = codes[array.dtype.newbyteorder("=")]
    header = bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, dtype=">i4").tobytes()
    body = array.astype(array.dtype.newbyteorder(">")).tobytes()
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wb") as f:
        f.write(header + body)


class MNIST(LabelledImages):
    """MNIST digits from the IDX files in `root`: `ds[i]` is `(PIL image 'L' 28x28, int label)`.

    `train=True` reads the 60,000 training images, else the 10,000 test images. `data`
    (n, 28, 28) and `targets` (n,) are int64 tensors. `download=True` is refused: teachgrad does
    not download; place the files yourself (the error lists them).
    """

    files = {
        True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
        False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
    }
    source = "https://yann.lecun.com/exdb/mnist/ (or a mirror)"
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four",
               "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine"]

    def __init__(self, root: str | os.PathLike, train: bool = True, transform: Callable | None = None,
                 target_transform: Callable | None = None, download: bool = False) -> None:
        self.root = Path(root).expanduser()
        self.train = train
        self.transform = transform
        self.target_transform = target_transform
        image_file, label_file = (self._find(name, download) for name in self.files[train])
        self.images = read_idx(image_file)
        self.labels = read_idx(label_file).astype(np.int64)
        if self.images.ndim != 3 or self.labels.ndim != 1 or len(self.images) != len(self.labels):
            raise ValueError(f"{type(self).__name__}: {image_file} holds shape {self.images.shape} and "
                             f"{label_file} shape {self.labels.shape}; expected (n, H, W) images and n labels")

    @property
    def raw_folder(self) -> Path:
        """torchvision's folder for the files: root/<DatasetName>/raw."""
        return self.root / type(self).__name__ / "raw"

    def _find(self, name: str, download: bool) -> Path:
        folders = [self.raw_folder, self.root]
        for folder in folders:
            for candidate in (folder / name, folder / f"{name}.gz"):
                if candidate.is_file():
                    return candidate
        all_names = [n for pair in self.files.values() for n in pair]
        refusal = "teachgrad does not download datasets (download=True is not supported). " if download else ""
        raise FileNotFoundError(
            f"{refusal}{type(self).__name__}: file {name!r} (or {name}.gz) not found in "
            f"{folders[0]} or {folders[1]}. Place these files there (gzip-compressed or not): "
            f"{', '.join(all_names)}; they are distributed at {self.source}.")

    def __repr__(self) -> str:
        split = "Train" if self.train else "Test"
        return f"{type(self).__name__}(split={split}, n={len(self)}, root={str(self.root)!r})"


class FashionMNIST(MNIST):
    """Zalando's FashionMNIST: same files and layout as MNIST, ten kinds of clothing."""

    source = "https://github.com/zalandoresearch/fashion-mnist"
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot"]
