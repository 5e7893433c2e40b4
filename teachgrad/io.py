"""Reading image files into tensors, with torchvision.io's names: `teachgrad.io` replaces
`torchvision.io` (`read_file`, `decode_image`, `read_image`, `ImageReadMode`).

Pillow decodes the file. teachgrad has no uint8 dtype yet: the images come back as
`transforms.functional.pil_to_tensor` returns them (int64 tensors holding 0..255, shape
(C, H, W)), and a file's bytes as an int64 tensor of 0..255.
"""

from __future__ import annotations

import io
import os
from enum import Enum

import numpy as np
from PIL import Image, ImageOps

import teachgrad
from teachgrad.tensor import Tensor
from teachgrad.transforms.functional import pil_to_tensor


class ImageReadMode(Enum):
    """Which channels `decode_image` returns: as stored, or converted to gray, gray + alpha,
    RGB or RGB + alpha."""

    UNCHANGED = 0
    GRAY = 1
    GRAY_ALPHA = 2
    RGB = 3
    RGB_ALPHA = 4
    RGBA = RGB_ALPHA


_PIL_MODE = {ImageReadMode.GRAY: "L", ImageReadMode.GRAY_ALPHA: "LA", ImageReadMode.RGB: "RGB",
             ImageReadMode.RGB_ALPHA: "RGBA"}


def read_file(path: str | os.PathLike) -> Tensor:
    """The bytes of the file, as a 1-D tensor of values 0..255."""
    with open(path, "rb") as handle:
        data = handle.read()
    return teachgrad.as_tensor(np.frombuffer(data, dtype=np.uint8).astype(np.int64))


def _unchanged(image: Image.Image) -> Image.Image:
    """8-bit gray, gray + alpha, RGB and RGBA images as they are; a palette expanded to RGB (RGBA
    when it has transparency), 1-bit to gray 0/255, other color spaces (CMYK, YCbCr) to RGB."""
    if image.mode in ("L", "LA", "RGB", "RGBA"):
        return image
    if image.mode == "P":
        return image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode == "1":
        return image.convert("L")
    if image.mode in ("CMYK", "YCbCr", "LAB", "HSV"):
        return image.convert("RGB")
    raise RuntimeError(f"decode_image: images of pillow mode {image.mode!r} (more than 8 bits per channel) "
                       "are not supported in teachgrad")


def decode_image(input: Tensor | str | os.PathLike, mode: ImageReadMode | str = ImageReadMode.UNCHANGED,
                 apply_exif_orientation: bool = False) -> Tensor:
    """Decode an image (the bytes from `read_file`, or a path) into a (C, H, W) tensor of 0..255.

    `mode` picks the channels (ImageReadMode or its name); conversions to gray are pillow's
    (L = 0.299 R + 0.587 G + 0.114 B, rounded), which can differ by one level from libjpeg's
    and libpng's. `apply_exif_orientation` rotates/flips by the EXIF orientation tag.
    """
    if not isinstance(input, Tensor):
        input = read_file(str(input))
    if isinstance(mode, str):
        mode = ImageReadMode[mode.upper()]
    if input.ndim != 1:
        raise RuntimeError(f"Expected a one dimensional tensor, got shape {tuple(input.shape)}")
    data = input.detach().cpu().numpy().astype(np.uint8).tobytes()
    image = Image.open(io.BytesIO(data))
    if apply_exif_orientation:
        image = ImageOps.exif_transpose(image)
    image = _unchanged(image) if mode == ImageReadMode.UNCHANGED else image.convert(_PIL_MODE[mode])
    return pil_to_tensor(image)


def read_image(path: str | os.PathLike, mode: ImageReadMode | str = ImageReadMode.UNCHANGED,
               apply_exif_orientation: bool = False) -> Tensor:
    """`decode_image(read_file(path), mode, apply_exif_orientation)`."""
    return decode_image(read_file(path), mode, apply_exif_orientation=apply_exif_orientation)
