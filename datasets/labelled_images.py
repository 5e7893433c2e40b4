"""`LabelledImages`: the part MNIST, FashionMNIST and Digits share, like torchvision's MNIST.

A subclass fills `images` (uint8, N x H x W), `labels` (int64, N) and `classes`; item i is
`(PIL image, label)`, after `transform` and `target_transform` when they are given.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
from PIL import Image

import teachgrad
from teachgrad.utils.data import Dataset


class LabelledImages(Dataset):
    images: np.ndarray
    labels: np.ndarray
    classes: list
    transform: Callable | None = None
    target_transform: Callable | None = None

    @property
    def class_to_idx(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.classes)}

    @property
    def data(self) -> Any:
        return teachgrad.as_tensor(self.images)

    @property
    def targets(self) -> Any:
        return teachgrad.from_numpy(self.labels)

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        img = Image.fromarray(self.images[index])
        target = int(self.labels[index])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target
