"""Datasets to train on: toy 2-D sets, rendered Digits, MNIST/FashionMNIST files, image folders."""

from teachgrad.datasets.digits import Digits, default_cache_dir
from teachgrad.datasets.folder import DatasetFolder, ImageFolder, pil_loader
from teachgrad.datasets.mnist import MNIST, FashionMNIST, read_idx, write_idx
from teachgrad.datasets.toy import TOY_DATASETS, ToyDataset, circle, diag, moons, simple, spiral, split, xor

__all__ = [
    "DatasetFolder", "Digits", "FashionMNIST", "ImageFolder", "MNIST", "TOY_DATASETS", "ToyDataset", "circle",
    "default_cache_dir", "diag", "moons", "pil_loader", "read_idx", "simple", "spiral", "split", "write_idx", "xor",
]
