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
    """Build the named dataset; image sets become float tensors in [0, 1] of shape (1, H, W)."""
    if name in TOY:
        builder = tds.TOY_DATASETS[name]
        return Data(builder(n=n, seed=seed), builder(n=max(n // 4, 10), seed=seed + 1), (2,), 2, "points")
    to_tensor = T.ToTensor()
    if name == "digits":
        train = tds.Digits(root=data_dir, train=True, n=n, seed=seed, transform=to_tensor)
        test = tds.Digits(root=data_dir, train=False, n=max(n // 4, 10), seed=seed, transform=to_tensor)
        return Data(train, test, (1, 28, 28), 10, "images")
    if data_dir is None:
        raise click.UsageError(f"--dataset {name} reads files from disk: give their folder with --data-dir")
    if name in ("mnist", "fashion-mnist"):
        reader = tds.MNIST if name == "mnist" else tds.FashionMNIST
        train, test = reader(data_dir, train=True, transform=to_tensor), reader(data_dir, train=False, transform=to_tensor)
        return Data(train, test, (1, 28, 28), 10, "images")
    grayscale = T.Compose([T.Grayscale(), T.Resize((28, 28)), to_tensor])
    folder = tds.ImageFolder(data_dir, transform=grayscale)
    test_size = max(len(folder) // 5, 1)
    train, test = random_split(folder, [len(folder) - test_size, test_size], generator=teachgrad.Generator().manual_seed(seed))
    return Data(train, test, (1, 28, 28), len(folder.classes), "images")
