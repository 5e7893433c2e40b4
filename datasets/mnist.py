"""MNIST and FashionMNIST from their IDX files, downloaded on request as in torchvision.

The four files of each dataset (train/test images and labels) may be gzip-compressed
(`name.gz`) or not, and may lie in `root/<DatasetName>/raw/` (torchvision's layout) or directly
in `root/`. A missing file gives a FileNotFoundError that lists the files and the folders.
`download=True` fetches the missing files into `root/<DatasetName>/raw/` from the first of the
class's `mirrors` that serves each file with the MD5 checksum listed in `resources`.
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import math
import os
import sys
import urllib.request
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


def download_file(url: str, path: Path, md5: str) -> None:
    """Fetch `url` into `path` if its MD5 checksum is `md5`; else raise and leave `path` as it was."""
    with urllib.request.urlopen(url, timeout=30) as response:
        data = response.read()
    actual = hashlib.md5(data, usedforsecurity=False).hexdigest()
    if actual != md5:
        raise ValueError(f"checksum mismatch: its MD5 is {actual}, expected {md5} (a damaged or changed file)")
    partial = path.with_name(f".{path.name}.{os.getpid()}.part")
    partial.write_bytes(data)
    os.replace(partial, path)  # readers never see a half-written file


def download_resources(mirrors: list[str], resources: list[tuple[str, str]], folder: Path) -> None:
    """Download each `(filename, md5)` into `folder`, trying the mirrors in order.

    A file no mirror serves intact raises RuntimeError naming each mirror's failure.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for filename, md5 in resources:
        failures = []
        for mirror in mirrors:
            url = mirror + filename
            print(f"Downloading {url} to {folder / filename}", file=sys.stderr)
            try:
                download_file(url, folder / filename, md5)
                break
            except (OSError, http.client.HTTPException, ValueError) as error:  # (URLError, HTTPError: OSErrors)
                failures.append(f"{url}: {error}")
        else:
            raise RuntimeError(f"could not download {filename} from any mirror ({'; '.join(failures)}). Check the "
                               f"internet connection, or place the file in {folder} yourself.")


class MNIST(LabelledImages):
    """MNIST digits from the IDX files in `root`: `ds[i]` is `(PIL image 'L' 28x28, int label)`.

    `train=True` reads the 60,000 training images, else the 10,000 test images. `data`
    (n, 28, 28) and `targets` (n,) are int64 tensors. `download=True` first downloads whichever of
    the four files are missing (see the module docstring).
    """

    files = {
        True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
        False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
    }
    # torchvision's mirrors and MD5 checksums for the gzip-compressed files.
    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
        ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
        ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
    ]
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four",
               "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine"]

    def __init__(self, root: str | os.PathLike, train: bool = True, transform: Callable | None = None,
                 target_transform: Callable | None = None, download: bool = False) -> None:
        self.root = Path(root).expanduser()
        self.train = train
        self.transform = transform
        self.target_transform = target_transform
        if download:
            self.download()
        image_file, label_file = (self._find(name) for name in self.files[train])
        self.images = read_idx(image_file)
        self.labels = read_idx(label_file).astype(np.int64)
        if self.images.ndim != 3 or self.labels.ndim != 1 or len(self.images) != len(self.labels):
            raise ValueError(f"{type(self).__name__}: {image_file} holds shape {self.images.shape} and "
                             f"{label_file} shape {self.labels.shape}; expected (n, H, W) images and n labels")

    @property
    def raw_folder(self) -> Path:
        """torchvision's folder for the files: root/<DatasetName>/raw."""
        return self.root / type(self).__name__ / "raw"

    def download(self) -> None:
        """Download the files not already in the root or the raw folder into the raw folder."""
        missing = [(filename, md5) for filename, md5 in self.resources
                   if self._locate(filename.removesuffix(".gz")) is None]
        download_resources(self.mirrors, missing, self.raw_folder)

    def _locate(self, name: str) -> Path | None:
        """The file `name` (or `name`.gz) in the raw folder or the root; None when it is in neither."""
        for folder in (self.raw_folder, self.root):
            for candidate in (folder / name, folder / f"{name}.gz"):
                if candidate.is_file():
                    return candidate
        return None

    def _find(self, name: str) -> Path:
        found = self._locate(name)
        if found is not None:
            return found
        all_names = [n for pair in self.files.values() for n in pair]
        raise FileNotFoundError(
            f"{type(self).__name__}: file {name!r} (or {name}.gz) not found in {self.raw_folder} or {self.root}. "
            f"Pass download=True to download them, or place these files there (gzip-compressed or not): "
            f"{', '.join(all_names)}; they are distributed at {self.mirrors[0]}.")

    def __repr__(self) -> str:
        split = "Train" if self.train else "Test"
        return f"{type(self).__name__}(split={split}, n={len(self)}, root={str(self.root)!r})"


class FashionMNIST(MNIST):
    """Zalando's FashionMNIST: same files and layout as MNIST, ten kinds of clothing."""

    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
               "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
        ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
        ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
    ]
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot"]
