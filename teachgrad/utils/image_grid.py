"""A batch of images tiled into one grid image, and saved as a picture (torchvision.utils' names).

`teachgrad.utils.make_grid` and `teachgrad.utils.save_image` are where a `torchvision ->
teachgrad` rename sends `torchvision.utils.make_grid` and `torchvision.utils.save_image`.
Both work on the tensors' values and record no gradient history.
"""

from __future__ import annotations

import math
import os
from typing import Any, BinaryIO

import numpy as np
from PIL import Image

import teachgrad
from teachgrad.tensor import Tensor
from teachgrad.utils.files import write_atomically


def _batch(tensor: Tensor | list[Tensor]) -> np.ndarray:
    """The images as a (B, C, H, W) array; a list is stacked, (H, W) and (C, H, W) get a batch
    dimension, and one channel is repeated to three."""
    if isinstance(tensor, list):
        for t in tensor:
            if not isinstance(t, Tensor):
                raise TypeError(f"tensor or list of tensors expected, got a list containing {type(t)}")
        tensor = teachgrad.stack(tensor, dim=0)
    elif not isinstance(tensor, Tensor):
        raise TypeError(f"tensor or list of tensors expected, got {type(tensor)}")
    array = tensor.detach().cpu().numpy()
    if array.ndim == 2:
        array = array[None]
    if array.ndim == 3:
        if array.shape[0] == 1:
            array = np.concatenate((array, array, array), 0)
        array = array[None]
    if array.ndim == 4 and array.shape[1] == 1:
        array = np.concatenate((array, array, array), 1)
    return array


def _normalized(array: np.ndarray, value_range: tuple[float, float] | None) -> np.ndarray:
    """Clamp to value_range (default: the array's min and max) and map it linearly onto [0, 1]:
    (clamp(x, low, high) - low) / max(high - low, 1e-5)."""
    low, high = value_range if value_range is not None else (float(array.min()), float(array.max()))
    return (np.clip(array, low, high) - low) / max(high - low, 1e-5)


def make_grid(tensor: Tensor | list[Tensor], nrow: int = 8, padding: int = 2, normalize: bool = False,
              value_range: tuple[float, float] | None = None, scale_each: bool = False,
              pad_value: float = 0.0) -> Tensor:
    """Tile a (B, C, H, W) batch (or a list of (C, H, W) images) into one (C, H', W') image:
    `nrow` images per row, `padding` pixels of `pad_value` around each.

    normalize=True maps `value_range` (default: the min and max of the batch, or of each image
    with `scale_each=True`) onto [0, 1]. A batch of one image is returned without padding.
    """
    array = _batch(tensor)
    if normalize is True:
        if value_range is not None and not isinstance(value_range, tuple):
            raise TypeError("value_range has to be a tuple (min, max) if specified. min and max are numbers")
        if scale_each is True:
            array = np.stack([_normalized(image, value_range) for image in array]).astype(array.dtype)
        else:
            array = _normalized(array, value_range).astype(array.dtype)
    if array.shape[0] == 1:
        return teachgrad.as_tensor(np.array(array[0]))
    nmaps = array.shape[0]
    xmaps = min(nrow, nmaps)
    ymaps = int(math.ceil(float(nmaps) / xmaps))
    height, width = array.shape[2] + padding, array.shape[3] + padding
    grid = np.full((array.shape[1], height * ymaps + padding, width * xmaps + padding), pad_value, dtype=array.dtype)
    for k, image in enumerate(array):
        top, left = (k // xmaps) * height + padding, (k % xmaps) * width + padding
        grid[:, top:top + height - padding, left:left + width - padding] = image
    return teachgrad.as_tensor(grid)


def save_image(tensor: Tensor | list[Tensor], fp: str | os.PathLike | BinaryIO, format: str | None = None,
               **kwargs: Any) -> None:
    """`make_grid(tensor, **kwargs)`, scaled from [0, 1] to 8 bits as floor(x * 255 + 0.5) clamped
    to 0..255, saved with pillow (`format` from the file name unless given). A path is written
    atomically (a temporary file, then a rename)."""
    grid = make_grid(tensor, **kwargs).numpy()
    pixels = np.clip(grid * 255 + 0.5, 0, 255).transpose(1, 2, 0).astype(np.uint8)
    image = Image.fromarray(pixels)
    if isinstance(fp, (str, os.PathLike)):
        write_atomically(fp, lambda temporary: image.save(temporary, format=format))  # same suffix, same format
    else:
        image.save(fp, format=format)

