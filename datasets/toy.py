"""Toy 2-D classification sets for training demos: points in (about) the unit square, labels 0 or 1.

Each builder takes `n` (number of points) and `seed`, and returns a `ToyDataset` whose item `i`
is `(x, y)`: a float32 tensor of shape (2,) and an int64 label tensor of shape (). The whole set
is also available as `dataset.X` (n, 2) and `dataset.y` (n,), for full-batch training.

| name | label 1 where |
| --- | --- |
| simple | x0 < 0.5 (a vertical line) |
| diag | x0 + x1 < 0.5 (a diagonal corner) |
| split | x0 < 0.2 or x0 > 0.8 (two bands) |
| xor | exactly one of x0, x1 is above 0.5 |
| circle | outside a circle of radius sqrt(0.1) around the center |
| spiral | the second of two interleaved spiral arms |
| moons | the lower of two interleaving half-moons (with Gaussian noise) |
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

import teachgrad
from teachgrad.random import Generator
from teachgrad.utils.data import Dataset


class ToyDataset(Dataset):
    """`n` labelled 2-D points; `ds[i]` is `(float32 tensor (2,), int64 tensor ())`."""

    def __init__(self, name: str, points: np.ndarray, labels: np.ndarray, seed: int) -> None:
        self.name = name
        self.seed = seed
        self.points = np.ascontiguousarray(points, dtype=np.float32)
        self.labels = np.ascontiguousarray(labels, dtype=np.int64)
        self.X = teachgrad.from_numpy(self.points)
        self.y = teachgrad.from_numpy(self.labels)

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int) -> tuple:
        return self.X[index], self.y[index]

    def __repr__(self) -> str:
        return f"ToyDataset({self.name!r}, n={len(self)}, seed={self.seed})"


def _check_n(n: int) -> None:
    if not isinstance(n, int) or isinstance(n, bool) or n <= 0:
        raise ValueError(f"n should be a positive integer, got n={n!r}")


def _uniform_points(n: int, seed: int) -> np.ndarray:
    """n points drawn uniformly from the unit square (float32, the labels are decided on these)."""
    _check_n(n)
    return Generator().manual_seed(seed).uniform((n, 2)).astype(np.float32)


def simple(n: int = 100, seed: int = 0) -> ToyDataset:
    """Label 1 left of x0 = 0.5."""
    x = _uniform_points(n, seed)
    return ToyDataset("simple", x, x[:, 0] < 0.5, seed)


def diag(n: int = 100, seed: int = 0) -> ToyDataset:
    """Label 1 below the diagonal x0 + x1 = 0.5."""
    x = _uniform_points(n, seed)
    return ToyDataset("diag", x, x[:, 0] + x[:, 1] < 0.5, seed)


def split(n: int = 100, seed: int = 0) -> ToyDataset:
    """Label 1 in the bands x0 < 0.2 and x0 > 0.8."""
    x = _uniform_points(n, seed)
    return ToyDataset("split", x, (x[:, 0] < 0.2) | (x[:, 0] > 0.8), seed)


def xor(n: int = 100, seed: int = 0) -> ToyDataset:
    """Label 1 where exactly one coordinate is above 0.5."""
    x = _uniform_points(n, seed)
    return ToyDataset("xor", x, (x[:, 0] > 0.5) != (x[:, 1] > 0.5), seed)


def circle(n: int = 100, seed: int = 0) -> ToyDataset:
    """Label 1 outside the circle (x0 - 0.5)^2 + (x1 - 0.5)^2 = 0.1."""
    x = _uniform_points(n, seed)
    centered = x - 0.5
    return ToyDataset("circle", x, (centered ** 2).sum(axis=1) > 0.1, seed)


def spiral(n: int = 100, seed: int = 0) -> ToyDataset:
    """Two spiral arms around (0.5, 0.5): n // 2 points labelled 0, the rest 1, with a little
    Gaussian jitter (std 0.01) drawn from `seed`."""
    _check_n(n)
    n0 = n // 2
    arms = []
    for label, count in ((0, n0), (1, n - n0)):
        t = 10.0 * (np.arange(5, 5 + count) / max(count, 1))
        radius = t / 20.0
        angle = t + label * math.pi  # the second arm is the first turned half a turn
        arms.append(np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1) + 0.5)
    x = np.concatenate(arms) + Generator().manual_seed(seed).normal((n, 2), 0.0, 0.01)
    return ToyDataset("spiral", x, np.r_[np.zeros(n0), np.ones(n - n0)], seed)


def moons(n: int = 100, seed: int = 0, noise: float = 0.1) -> ToyDataset:
    """Two interleaving half circles (scikit-learn's make_moons), scaled into the unit square:
    n // 2 points on the upper moon (label 0), the rest on the lower one (label 1)."""
    _check_n(n)
    n0 = n // 2
    upper = np.linspace(0, math.pi, n0)
    lower = np.linspace(0, math.pi, n - n0)
    x = np.concatenate([np.stack([np.cos(upper), np.sin(upper)], axis=1),
                        np.stack([1 - np.cos(lower), 0.5 - np.sin(lower)], axis=1)])
    x = x + Generator().manual_seed(seed).normal((n, 2), 0.0, noise)
    x = (x - np.array([-1.0, -0.5])) / np.array([3.0, 1.5])  # [-1, 2] x [-0.5, 1] -> unit square
    return ToyDataset("moons", x, np.r_[np.zeros(n0), np.ones(n - n0)], seed)


TOY_DATASETS: dict[str, Callable[..., ToyDataset]] = {
    "simple": simple, "diag": diag, "split": split, "xor": xor,
    "circle": circle, "spiral": spiral, "moons": moons,
}
