"""The datasets `teachgrad train` can use, each split into a training and a test set."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import click

import teachgrad
import teachgrad.datasets as tds
import teachgrad.transforms as T
from teachgrad.utils.data import Dataset, random_split

TOY = tuple(tds.TOY_DATASETS)
IMAGES = ("digits", "mnist", "fashion-mnist", "imagefolder")
DATASETS = TOY + IMAGES


@dataclass
class Data:
    train: Dataset
    test: Dataset
    input_shape: tuple
    classes: int
    kind: str  # "points" or "images"


def load_data(name: str, n: int, seed: int, data_dir: Path | None) -> Data:
    """Build the named dataset; toy points lie in [-1, 1] x [-1, 1], images become float tensors in
    [0, 1] of shape (1, H, W)."""
    if name in TOY:
        builder = tds.TOY_DATASETS[name]
        return Data(_centered(builder(n=n, seed=seed)), _centered(builder(n=max(n // 4, 10), seed=seed + 1)),
                    (2,), 2, "points")
    to_tensor = T.ToTensor()
    if name == "digits":
        train = tds.Digits(root=data_dir, train=True, n=n, seed=seed, transform=to_tensor)
        test = tds.Digits(root=data_dir, train=False, n=max(n // 4, 10), seed=seed, transform=to_tensor)
        return Data(train, test, (1, 28, 28), 10, "images")
    if name in ("mnist", "fashion-mnist"):
        return _mnist(tds.MNIST if name == "mnist" else tds.FashionMNIST, data_dir, to_tensor)
    if data_dir is None:
        raise click.UsageError(f"the {name} dataset reads files from disk: give their folder with --data-dir")
    grayscale = T.Compose([T.Grayscale(), T.Resize((28, 28)), to_tensor])
    folder = tds.ImageFolder(data_dir, transform=grayscale)
    test_size = max(len(folder) // 5, 1)
    train, test = random_split(folder, [len(folder) - test_size, test_size], generator=teachgrad.Generator().manual_seed(seed))
    return Data(train, test, (1, 28, 28), len(folder.classes), "images")


def _centered(toy: tds.ToyDataset) -> tds.ToyDataset:
    """The points moved from the unit square to [-1, 1] x [-1, 1]: inputs centred on 0 train faster, as
    after standardising features (a fresh ReLU unit's boundary passes near the origin)."""
    return tds.ToyDataset(toy.name, 2 * toy.points - 1, toy.labels, toy.seed)


def _mnist(reader: type, data_dir: Path | None, transform: T.ToTensor) -> Data:
    """MNIST or FashionMNIST from `data_dir`; without one, from the cache folder, downloaded if missing."""
    root, download = (data_dir, False) if data_dir is not None else (tds.default_cache_dir(), True)
    train = reader(root, train=True, transform=transform, download=download)
    test = reader(root, train=False, transform=transform)
    return Data(train, test, (1, 28, 28), 10, "images")
