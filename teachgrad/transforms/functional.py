"""Image operations behind the transforms, with torchvision's names (`transforms.functional`).

On pillow images each operation calls the same pillow function torchvision calls (for example
`resize` is `img.resize(..., Image.BILINEAR)`, `rotate` is `img.rotate(...)`, the color
adjustments are `ImageEnhance`), so the output pixels are torchvision's.

On tensors (shape (..., C, H, W), on the CPU) the geometric operations that only move pixels
(crop, center_crop, five_crop, ten_crop, pad, hflip, vflip), `affine` and `perspective` (sampled
as PyTorch's grid_sample does), `gaussian_blur`, `erase`, `normalize`, `rgb_to_grayscale` and the
color adjustments are supported; they work on the tensor's numpy array and return a new tensor,
with no gradient history. `resize` and `rotate` take pillow images only: apply them before
`ToTensor`.

teachgrad has no uint8 dtype: `pil_to_tensor` returns int64 tensors holding 0..255, and
`to_pil_image` takes int64 tensors with values in 0..255 as 8-bit images.
"""

from __future__ import annotations

import math
import numbers
import sys
from enum import Enum
from typing import Any, Sequence

import numpy as np
from PIL import Image, ImageEnhance, ImageOps

import teachgrad
from teachgrad.tensor import Tensor


class InterpolationMode(Enum):
    """How to sample between pixels (torchvision's names)."""

    NEAREST = "nearest"
    NEAREST_EXACT = "nearest-exact"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"
    BOX = "box"
    HAMMING = "hamming"
    LANCZOS = "lanczos"


pil_modes_mapping = {
    InterpolationMode.NEAREST: Image.Resampling.NEAREST,
    InterpolationMode.BILINEAR: Image.Resampling.BILINEAR,
    InterpolationMode.BICUBIC: Image.Resampling.BICUBIC,
    InterpolationMode.BOX: Image.Resampling.BOX,
    InterpolationMode.HAMMING: Image.Resampling.HAMMING,
    InterpolationMode.LANCZOS: Image.Resampling.LANCZOS,
}

_INT_TO_MODE = {0: InterpolationMode.NEAREST, 2: InterpolationMode.BILINEAR, 3: InterpolationMode.BICUBIC,
                4: InterpolationMode.BOX, 5: InterpolationMode.HAMMING, 1: InterpolationMode.LANCZOS}


def _pil_interpolation(interpolation: InterpolationMode | int) -> int:
    """The pillow resampling filter for an InterpolationMode (or a pillow filter constant)."""
    if isinstance(interpolation, int) and not isinstance(interpolation, InterpolationMode):
        if interpolation not in _INT_TO_MODE:
            raise ValueError(f"unknown pillow interpolation {interpolation}; expected one of {sorted(_INT_TO_MODE)}")
        interpolation = _INT_TO_MODE[interpolation]
    if not isinstance(interpolation, InterpolationMode):
        raise TypeError(f"interpolation should be an InterpolationMode, got {interpolation!r}")
    if interpolation not in pil_modes_mapping:
        raise ValueError(f"{interpolation} is not supported on pillow images")
    return pil_modes_mapping[interpolation]


# ---------------------------------------------------------------------------------------------
# what kind of image is this

def _is_pil_image(img: Any) -> bool:
    return isinstance(img, Image.Image)


def _check_image(img: Any) -> None:
    if not isinstance(img, (Image.Image, Tensor)):
        raise TypeError(f"img should be a PIL Image or a teachgrad Tensor, got {type(img).__name__}")


def _require_pil(img: Any, what: str) -> None:
    if isinstance(img, Tensor):
        raise TypeError(f"{what} on tensors is not supported in teachgrad; apply it to the PIL image "
                        "before ToTensor()")
    if not _is_pil_image(img):
        raise TypeError(f"img should be PIL Image. Got {type(img)}")


def _array(img: Tensor) -> np.ndarray:
    """The tensor's values as a numpy array of shape (..., C, H, W)."""
    if img.ndim < 2:
        raise ValueError(f"tensor image should have at least 2 dimensions (..., H, W), got shape {tuple(img.shape)}")
    return img.detach().cpu().numpy()


def _tensor(array: np.ndarray) -> Tensor:
    """A new tensor holding a copy of `array` (integer arrays become int64)."""
    return teachgrad.as_tensor(np.array(array, order="C"))


def get_dimensions(img: Any) -> list[int]:
    """[channels, height, width] of a pillow image or a (..., C, H, W) tensor."""
    if _is_pil_image(img):
        width, height = img.size
        return [len(img.getbands()), height, width]
    _check_image(img)
    shape = tuple(img.shape)
    channels = 1 if len(shape) == 2 else shape[-3]
    return [channels, shape[-2], shape[-1]]


def get_image_size(img: Any) -> list[int]:
    """[width, height], as torchvision returns it."""
    _, height, width = get_dimensions(img)
    return [width, height]


def get_image_num_channels(img: Any) -> int:
    return get_dimensions(img)[0]


# ---------------------------------------------------------------------------------------------
# conversions

def to_tensor(pic: Any) -> Tensor:
    """A pillow image or HxWxC ndarray as a CxHxW tensor; 8-bit values become float32 in [0, 1]."""
    if isinstance(pic, np.ndarray):
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        if pic.ndim == 2:
            pic = pic[:, :, None]
        array = pic.transpose((2, 0, 1))
        if array.dtype == np.uint8:
            return _tensor(array.astype(np.float32) / np.float32(255))
        return _tensor(array)
    if not _is_pil_image(pic):
        raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
    mode_to_nptype = {"I": np.int32, "I;16" if sys.byteorder == "little" else "I;16B": np.int16, "F": np.float32}
    array = np.array(pic, mode_to_nptype.get(pic.mode, np.uint8), copy=True)
    if pic.mode == "1":
        array = 255 * array
    array = array.reshape(pic.size[1], pic.size[0], len(pic.getbands())).transpose((2, 0, 1))
    if array.dtype == np.uint8:
        return _tensor(array.astype(np.float32) / np.float32(255))
    return _tensor(array)


def pil_to_tensor(pic: Image.Image) -> Tensor:
    """A pillow image as a CxHxW tensor of its raw values (int64 for 8-bit images: 0..255)."""
    if not _is_pil_image(pic):
        raise TypeError(f"pic should be PIL Image. Got {type(pic)}")
    array = np.array(pic, copy=True)
    array = array.reshape(pic.size[1], pic.size[0], len(pic.getbands())).transpose((2, 0, 1))
    return _tensor(array)


def to_pil_image(pic: Any, mode: str | None = None) -> Image.Image:
    """A CxHxW tensor or HxWxC ndarray as a pillow image.

    Float values are multiplied by 255 and truncated to 8 bits; int64 tensors (teachgrad's
    stand-in for uint8) must hold values in 0..255.
    """
    if isinstance(pic, Tensor):
        array = pic.detach().cpu().numpy()
        if array.ndim == 3:
            array = array.transpose((1, 2, 0))
        if array.dtype == np.int64:
            if array.size and (array.min() < 0 or array.max() > 255):
                raise ValueError("to_pil_image: an integer tensor must hold values in 0..255, got "
                                 f"values from {array.min()} to {array.max()}")
            array = array.astype(np.uint8)
    elif isinstance(pic, np.ndarray):
        array = pic
    else:
        raise TypeError(f"pic should be Tensor or ndarray. Got {type(pic)}.")

    if array.ndim == 2:
        array = np.expand_dims(array, 2)
    if array.ndim != 3:
        raise ValueError(f"pic should be 2/3 dimensional. Got {array.ndim} dimensions.")
    if array.shape[-1] > 4:
        raise ValueError(f"pic should not have > 4 channels. Got {array.shape[-1]} channels.")
    if np.issubdtype(array.dtype, np.floating) and mode != "F":
        array = (array * 255).astype(np.uint8)

    channels = array.shape[2]
    if channels == 1:
        array = array[:, :, 0]
        expected = {np.dtype(np.uint8): "L", np.dtype(np.int16): "I;16", np.dtype(np.int32): "I",
                    np.dtype(np.float32): "F"}.get(array.dtype)
        if mode is not None and mode != expected:
            raise ValueError(f"Incorrect mode ({mode}) supplied for input type {array.dtype}. Should be {expected}")
        mode = expected
    elif channels == 2:
        if mode is not None and mode != "LA":
            raise ValueError("Only modes ['LA'] are supported for 2D inputs")
        if array.dtype == np.uint8:
            mode = "LA"
    elif channels == 4:
        if mode is not None and mode not in ("RGBA", "CMYK", "RGBX"):
            raise ValueError("Only modes ['RGBA', 'CMYK', 'RGBX'] are supported for 4D inputs")
        if mode is None and array.dtype == np.uint8:
            mode = "RGBA"
    else:
        if mode is not None and mode not in ("RGB", "YCbCr", "HSV"):
            raise ValueError("Only modes ['RGB', 'YCbCr', 'HSV'] are supported for 3D inputs")
        if mode is None and array.dtype == np.uint8:
            mode = "RGB"
    if mode is None:
        raise TypeError(f"Input type {array.dtype} is not supported")
    if mode == "I;16" and sys.byteorder != "little":
        mode = "I;16B"
    height, width = array.shape[:2]
    return Image.frombytes(mode, (width, height), np.ascontiguousarray(array).tobytes())


# ---------------------------------------------------------------------------------------------
# normalisation and color

def normalize(tensor: Tensor, mean: Sequence[float], std: Sequence[float], inplace: bool = False) -> Tensor:
    """(tensor - mean[c]) / std[c] for each channel c of a float (..., C, H, W) tensor.

    `inplace=True` writes the result into `tensor` and returns it.
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"img should be Tensor Image. Got {type(tensor)}")
    if not tensor.is_floating_point():
        raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
    if tensor.ndim < 3:
        raise ValueError("Expected tensor to be a tensor image of size (..., C, H, W). Got "
                         f"tensor.size() = {tuple(tensor.shape)}")
    array = _array(tensor)
    mean_array = np.asarray(mean, dtype=array.dtype)
    std_array = np.asarray(std, dtype=array.dtype)
    if (std_array == 0).any():
        raise ValueError(f"std evaluated to zero after conversion to {tensor.dtype}, leading to division by zero.")
    if mean_array.ndim == 1:
        mean_array = mean_array.reshape(-1, 1, 1)
    if std_array.ndim == 1:
        std_array = std_array.reshape(-1, 1, 1)
    result = _tensor((array - mean_array) / std_array)
    if inplace:
        return tensor.copy_(result)
    return result


def _blend(img1: np.ndarray, img2: Any, ratio: float, bound: float) -> np.ndarray:
    """ratio * img1 + (1 - ratio) * img2, clamped to [0, bound], in img1's dtype."""
    out = ratio * img1 + (1.0 - ratio) * img2
    return np.clip(out, 0, bound).astype(img1.dtype)


def _bound(array: np.ndarray) -> float:
    return 1.0 if np.issubdtype(array.dtype, np.floating) else 255.0


def _gray(array: np.ndarray) -> np.ndarray:
    """Luma 0.2989 R + 0.587 G + 0.114 B of a (..., 3, H, W) array, shape (..., 1, H, W)."""
    work = array.astype(np.float32) if not np.issubdtype(array.dtype, np.floating) else array
    r, g, b = work[..., 0, :, :], work[..., 1, :, :], work[..., 2, :, :]
    return (0.2989 * r + 0.587 * g + 0.114 * b).astype(array.dtype)[..., None, :, :]


def rgb_to_grayscale(img: Any, num_output_channels: int = 1) -> Any:
    """Grayscale with 1 or 3 equal channels (pillow's `convert('L')` on images)."""
    if num_output_channels not in (1, 3):
        raise ValueError("num_output_channels should be either 1 or 3")
    if _is_pil_image(img):
        gray = img.convert("L")
        if num_output_channels == 1:
            return gray
        array = np.array(gray, dtype=np.uint8)
        return Image.fromarray(np.dstack([array, array, array]))
    _check_image(img)
    array = _array(img)
    if array.ndim < 3 or array.shape[-3] not in (1, 3):
        raise TypeError(f"Input image tensor should have 1 or 3 channels, got shape {tuple(array.shape)}")
    gray = array if array.shape[-3] == 1 else _gray(array)
    if num_output_channels == 3:
        gray = np.concatenate([gray, gray, gray], axis=-3)
    return _tensor(gray)


def to_grayscale(img: Image.Image, num_output_channels: int = 1) -> Image.Image:
    """`rgb_to_grayscale` for pillow images only."""
    if not _is_pil_image(img):
        raise TypeError("Input should be PIL Image")
    return rgb_to_grayscale(img, num_output_channels)


def _check_factor(name: str, factor: float) -> None:
    if factor < 0:
        raise ValueError(f"{name} ({factor}) is not non-negative.")


def adjust_brightness(img: Any, brightness_factor: float) -> Any:
    """Multiply the pixels by `brightness_factor` (0 gives black, 1 the original)."""
    _check_factor("brightness_factor", brightness_factor)
    if _is_pil_image(img):
        return ImageEnhance.Brightness(img).enhance(brightness_factor)
    _check_image(img)
    array = _array(img)
    return _tensor(_blend(array, 0, brightness_factor, _bound(array)))


def adjust_contrast(img: Any, contrast_factor: float) -> Any:
    """Blend with the mean gray level (0 gives a flat gray image, 1 the original)."""
    _check_factor("contrast_factor", contrast_factor)
    if _is_pil_image(img):
        return ImageEnhance.Contrast(img).enhance(contrast_factor)
    _check_image(img)
    array = _array(img)
    gray = _gray(array) if array.shape[-3] == 3 else array
    work = gray if np.issubdtype(gray.dtype, np.floating) else gray.astype(np.float32)
    mean = work.mean(axis=(-3, -2, -1), keepdims=True, dtype=np.float32)
    return _tensor(_blend(array, mean, contrast_factor, _bound(array)))


def adjust_saturation(img: Any, saturation_factor: float) -> Any:
    """Blend with the grayscale image (0 gives gray, 1 the original)."""
    _check_factor("saturation_factor", saturation_factor)
    if _is_pil_image(img):
        return ImageEnhance.Color(img).enhance(saturation_factor)
    _check_image(img)
    array = _array(img)
    if array.shape[-3] == 1:
        return _tensor(array.copy())
    return _tensor(_blend(array, _gray(array), saturation_factor, _bound(array)))


def adjust_hue(img: Any, hue_factor: float) -> Any:
    """Rotate the hue by `hue_factor` of a full turn, in [-0.5, 0.5].

    Pillow images: shift the H channel of pillow's HSV conversion by int(hue_factor * 255)
    modulo 256, as torchvision does. Grayscale images are returned unchanged.
    """
    if not (-0.5 <= hue_factor <= 0.5):
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    if _is_pil_image(img):
        input_mode = img.mode
        if input_mode in {"L", "1", "I", "F"}:
            return img
        h, s, v = img.convert("HSV").split()
        np_h = np.array(h, dtype=np.uint8)
        np_h += np.uint8(int(hue_factor * 255) % 256)  # wraps around, as a hue should
        h = Image.fromarray(np_h)
        return Image.merge("HSV", (h, s, v)).convert(input_mode)
    _check_image(img)
    array = _array(img)
    if array.shape[-3] == 1:
        return _tensor(array.copy())
    is_float = np.issubdtype(array.dtype, np.floating)
    work = array if is_float else array.astype(np.float32) / 255.0
    h, s, v = _rgb2hsv(work)
    h = np.mod(h + hue_factor, 1.0)
    out = _hsv2rgb(h, s, v)
    if not is_float:
        out = (out * 255.0).astype(array.dtype)
    return _tensor(out.astype(array.dtype))


def _rgb2hsv(img: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """torchvision's tensor rgb -> hsv, channel-wise, all in [0, 1]."""
    r, g, b = img[..., 0, :, :], img[..., 1, :, :], img[..., 2, :, :]
    maxc, minc = img.max(axis=-3), img.min(axis=-3)
    eqc = maxc == minc
    cr = maxc - minc
    ones = np.ones_like(maxc)
    s = cr / np.where(eqc, ones, maxc)
    cr_divisor = np.where(eqc, ones, cr)
    rc, gc, bc = (maxc - r) / cr_divisor, (maxc - g) / cr_divisor, (maxc - b) / cr_divisor
    hr = (maxc == r) * (bc - gc)
    hg = ((maxc == g) & (maxc != r)) * (2.0 + rc - bc)
    hb = ((maxc != g) & (maxc != r)) * (4.0 + gc - rc)
    h = np.mod((hr + hg + hb) / 6.0 + 1.0, 1.0)
    return h.astype(img.dtype), s.astype(img.dtype), maxc


def _hsv2rgb(h: np.ndarray, s: np.ndarray, v: np.ndarray) -> np.ndarray:
    """torchvision's tensor hsv -> rgb; returns (..., 3, H, W)."""
    i = np.floor(h * 6.0)
    f = h * 6.0 - i
    i = i.astype(np.int64) % 6
    p = np.clip(v * (1.0 - s), 0.0, 1.0)
    q = np.clip(v * (1.0 - s * f), 0.0, 1.0)
    t = np.clip(v * (1.0 - s * (1.0 - f)), 0.0, 1.0)
    choices = [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)]
    out = np.empty(h.shape[:-2] + (3,) + h.shape[-2:], dtype=h.dtype)
    for channel in range(3):
        out[..., channel, :, :] = np.select([i == k for k in range(6)], [c[channel] for c in choices])
    return out


# ---------------------------------------------------------------------------------------------
# geometry

def _compute_resized_output_size(image_size: tuple[int, int], size: list[int],
                                 max_size: int | None = None) -> list[int]:
    """[new_h, new_w]: both given, or the shorter side made `size[0]` keeping the aspect ratio."""
    h, w = image_size
    short, long = (w, h) if w <= h else (h, w)
    if len(size) == 1:
        requested_new_short = size[0]
        new_short, new_long = requested_new_short, int(requested_new_short * long / short)
        if max_size is not None:
            if max_size <= requested_new_short:
                raise ValueError(f"max_size = {max_size} must be strictly greater than the requested size "
                                 f"for the smaller edge size = {size}")
            if new_long > max_size:
                new_short, new_long = int(max_size * new_short / new_long), max_size
        new_w, new_h = (new_short, new_long) if w <= h else (new_long, new_short)
        return [new_h, new_w]
    return [size[0], size[1]]


def resize(img: Image.Image, size: int | Sequence[int],
           interpolation: InterpolationMode | int = InterpolationMode.BILINEAR,
           max_size: int | None = None, antialias: bool | None = True) -> Image.Image:
    """Resize to (h, w), or make the shorter side `size` keeping the aspect ratio (pillow only)."""
    resample = _pil_interpolation(interpolation)
    if isinstance(size, (list, tuple)):
        if len(size) not in (1, 2):
            raise ValueError("Size must be an int or a 1 or 2 element tuple/list, "
                             f"not a {len(size)} element tuple/list")
        if max_size is not None and len(size) != 1:
            raise ValueError("max_size should only be passed if size specifies the length of the smaller edge, "
                             "i.e. size should be an int or a sequence of length 1 in torchscript mode.")
    _require_pil(img, "resize")
    if isinstance(size, int):
        size = [size]
    width, height = img.size
    output_size = _compute_resized_output_size((height, width), list(size), max_size)
    if [height, width] == output_size:
        return img
    return img.resize((output_size[1], output_size[0]), resample)


def crop(img: Any, top: int, left: int, height: int, width: int) -> Any:
    """The region with corner (top, left) and size (height, width); outside the image is 0."""
    if _is_pil_image(img):
        return img.crop((left, top, left + width, top + height))
    _check_image(img)
    array = _array(img)
    h, w = array.shape[-2:]
    right, bottom = left + width, top + height
    if left < 0 or top < 0 or right > w or bottom > h:
        pad_width = [(0, 0)] * (array.ndim - 2) + [
            (max(-top, 0), max(bottom - h, 0)), (max(-left, 0), max(right - w, 0))]
        array = np.pad(array[..., max(top, 0):bottom, max(left, 0):right], pad_width)
        return _tensor(array)
    return _tensor(array[..., top:bottom, left:right])


def center_crop(img: Any, output_size: int | Sequence[int]) -> Any:
    """The central (h, w) region; an image smaller than that is first padded with zeros."""
    if isinstance(output_size, numbers.Number):
        output_size = (int(output_size), int(output_size))
    elif isinstance(output_size, (tuple, list)) and len(output_size) == 1:
        output_size = (output_size[0], output_size[0])
    _, image_height, image_width = get_dimensions(img)
    crop_height, crop_width = output_size
    if crop_width > image_width or crop_height > image_height:
        padding_ltrb = [
            (crop_width - image_width) // 2 if crop_width > image_width else 0,
            (crop_height - image_height) // 2 if crop_height > image_height else 0,
            (crop_width - image_width + 1) // 2 if crop_width > image_width else 0,
            (crop_height - image_height + 1) // 2 if crop_height > image_height else 0,
        ]
        img = pad(img, padding_ltrb, fill=0)
        _, image_height, image_width = get_dimensions(img)
        if crop_width == image_width and crop_height == image_height:
            return img
    crop_top = int(round((image_height - crop_height) / 2.0))  # Python's round: half to even
    crop_left = int(round((image_width - crop_width) / 2.0))
    return crop(img, crop_top, crop_left, crop_height, crop_width)


def _parse_fill(fill: Any, img: Image.Image, name: str = "fillcolor") -> dict:
    """The fill as pillow wants it: one value per band, ints unless the image is float ('F')."""
    num_channels = len(img.getbands())
    if fill is None:
        fill = 0
    if isinstance(fill, (int, float)) and num_channels > 1:
        fill = tuple([fill] * num_channels)
    if isinstance(fill, (list, tuple)):
        if len(fill) == 1:
            fill = fill * num_channels
        elif len(fill) != num_channels:
            raise ValueError(f"The number of elements in 'fill' does not match the number of channels of "
                             f"the image ({len(fill)} != {num_channels})")
        fill = tuple(fill)
    if img.mode != "F":
        fill = tuple(int(x) for x in fill) if isinstance(fill, tuple) else int(fill)
    return {name: fill}


def _padding_ltrb(padding: int | Sequence[int]) -> tuple[int, int, int, int]:
    if isinstance(padding, int):
        return padding, padding, padding, padding
    if len(padding) == 1:
        return padding[0], padding[0], padding[0], padding[0]
    if len(padding) == 2:
        return padding[0], padding[1], padding[0], padding[1]
    return tuple(padding)


def pad(img: Any, padding: int | Sequence[int], fill: Any = 0, padding_mode: str = "constant") -> Any:
    """Add `padding` pixels: one int for all sides, (left/right, top/bottom), or (l, t, r, b).

    padding_mode: 'constant' (the `fill` value), 'edge' (repeat the border pixel),
    'reflect' (mirror without the border pixel), 'symmetric' (mirror with it).
    Negative padding crops.
    """
    if not isinstance(padding, (numbers.Number, tuple, list)):
        raise TypeError("Got inappropriate padding arg")
    if fill is not None and not isinstance(fill, (numbers.Number, tuple, list)):
        raise TypeError("Got inappropriate fill arg")
    if not isinstance(padding_mode, str):
        raise TypeError("Got inappropriate padding_mode arg")
    if isinstance(padding, list):
        padding = tuple(padding)
    if isinstance(padding, tuple) and len(padding) not in (1, 2, 4):
        raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a {len(padding)} element tuple")
    if isinstance(padding, tuple) and len(padding) == 1:
        padding = padding[0]
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")

    if _is_pil_image(img):
        if padding_mode == "constant":
            opts = _parse_fill(fill, img, name="fill")
            if img.mode == "P":
                palette = img.getpalette()
                image = ImageOps.expand(img, border=padding, **opts)
                image.putpalette(palette)
                return image
            return ImageOps.expand(img, border=padding, **opts)
        p = list(_padding_ltrb(padding))
        crop_left, crop_top, crop_right, crop_bottom = (-np.minimum(p, 0)).tolist()
        if crop_left or crop_top or crop_right or crop_bottom:
            img = img.crop((crop_left, crop_top, img.width - crop_right, img.height - crop_bottom))
        pad_left, pad_top, pad_right, pad_bottom = np.maximum(p, 0).tolist()
        palette = img.getpalette() if img.mode == "P" else None
        array = np.asarray(img)
        widths = ((pad_top, pad_bottom), (pad_left, pad_right)) + (((0, 0),) if array.ndim == 3 else ())
        out = Image.fromarray(np.pad(array, widths, padding_mode))
        if palette is not None:
            out.putpalette(palette)
        return out

    _check_image(img)
    array = _array(img)
    left, top, right, bottom = _padding_ltrb(padding)
    h, w = array.shape[-2:]
    array = array[..., max(-top, 0):h - max(-bottom, 0), max(-left, 0):w - max(-right, 0)]
    widths = [(0, 0)] * (array.ndim - 2) + [(max(top, 0), max(bottom, 0)), (max(left, 0), max(right, 0))]
    if padding_mode == "constant":
        if not isinstance(fill, numbers.Number):
            raise TypeError("fill should be a number for tensor images")
        return _tensor(np.pad(array, widths, "constant", constant_values=fill))
    return _tensor(np.pad(array, widths, padding_mode))


def hflip(img: Any) -> Any:
    """Mirror left to right."""
    if _is_pil_image(img):
        return img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    _check_image(img)
    return _tensor(_array(img)[..., ::-1])


def vflip(img: Any) -> Any:
    """Mirror top to bottom."""
    if _is_pil_image(img):
        return img.transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    _check_image(img)
    return _tensor(_array(img)[..., ::-1, :])


def resized_crop(img: Image.Image, top: int, left: int, height: int, width: int, size: Sequence[int],
                 interpolation: InterpolationMode | int = InterpolationMode.BILINEAR,
                 antialias: bool | None = True) -> Image.Image:
    """`crop` then `resize` to `size`."""
    _require_pil(img, "resized_crop")
    return resize(crop(img, top, left, height, width), size, interpolation)


def rotate(img: Image.Image, angle: float, interpolation: InterpolationMode | int = InterpolationMode.NEAREST,
           expand: bool = False, center: Sequence[int] | None = None, fill: Any = None) -> Image.Image:
    """Rotate by `angle` degrees counter-clockwise about `center` (default: the image center)."""
    if center is not None and not isinstance(center, (list, tuple)):
        raise TypeError("Argument center should be a sequence")
    resample = _pil_interpolation(interpolation)
    _require_pil(img, "rotate")
    return img.rotate(angle, resample, expand, center, **_parse_fill(fill, img))


def _crop_size(size: int | Sequence[int]) -> tuple[int, int]:
    """(h, w) from an int, a 1-sequence or a 2-sequence."""
    if isinstance(size, numbers.Number):
        size = (int(size), int(size))
    elif isinstance(size, (tuple, list)) and len(size) == 1:
        size = (size[0], size[0])
    if len(size) != 2:
        raise ValueError("Please provide only two dimensions (h, w) for size.")
    return size[0], size[1]


def five_crop(img: Any, size: int | Sequence[int]) -> tuple[Any, Any, Any, Any, Any]:
    """The four corner crops and the central crop of size (h, w): (tl, tr, bl, br, center)."""
    crop_height, crop_width = _crop_size(size)
    _, image_height, image_width = get_dimensions(img)
    if crop_width > image_width or crop_height > image_height:
        raise ValueError(f"Requested crop size {(crop_height, crop_width)} is bigger than input size "
                         f"{(image_height, image_width)}")
    bottom, right = image_height - crop_height, image_width - crop_width
    return (crop(img, 0, 0, crop_height, crop_width), crop(img, 0, right, crop_height, crop_width),
            crop(img, bottom, 0, crop_height, crop_width), crop(img, bottom, right, crop_height, crop_width),
            center_crop(img, [crop_height, crop_width]))


def ten_crop(img: Any, size: int | Sequence[int], vertical_flip: bool = False) -> tuple[Any, ...]:
    """`five_crop` of the image, then `five_crop` of its mirror (vflip if `vertical_flip`, else hflip)."""
    crop_height, crop_width = _crop_size(size)
    mirrored = vflip(img) if vertical_flip else hflip(img)
    return five_crop(img, (crop_height, crop_width)) + five_crop(mirrored, (crop_height, crop_width))


def erase(img: Tensor, i: int, j: int, h: int, w: int, v: Any, inplace: bool = False) -> Tensor:
    """Write `v` (a value or a tensor broadcast to (..., C, h, w)) into img[..., i:i+h, j:j+w].

    `inplace=True` writes into `img` and returns it.
    """
    if not isinstance(img, Tensor):
        raise TypeError(f"img should be Tensor Image. Got {type(img)}")
    array = _array(img).copy()
    array[..., i:i + h, j:j + w] = _array(v) if isinstance(v, Tensor) else v
    if inplace:
        return img.copy_(_tensor(array))
    return _tensor(array)


# ---------------------------------------------------------------------------------------------
# blur

def _work_dtype(array: np.ndarray) -> np.dtype:
    """The float dtype a warp or blur computes in: the image's own, float32 for integer images."""
    return array.dtype if np.issubdtype(array.dtype, np.floating) else np.dtype(np.float32)

def _gaussian_kernel1d(kernel_size: int, sigma: float, dtype: np.dtype) -> np.ndarray:
    """pdf(x) = exp(-x**2 / (2 sigma**2)) at x = -(k-1)/2 .. (k-1)/2, divided by its sum."""
    half = (kernel_size - 1) * 0.5
    x = np.linspace(-half, half, kernel_size).astype(dtype)
    pdf = np.exp(-0.5 * (x / dtype.type(sigma)) ** 2)
    return pdf / pdf.sum()


def _gaussian_blur_array(array: np.ndarray, kernel_size: Sequence[int], sigma: Sequence[float]) -> np.ndarray:
    """Reflect-pad by half the kernel, then correlate every channel with the 2-D kernel
    k[y, x] = k_y[y] * k_x[x]; integer images are rounded (half to even) back to their dtype."""
    dtype = _work_dtype(array)
    kernel = np.outer(_gaussian_kernel1d(kernel_size[1], sigma[1], dtype),
                      _gaussian_kernel1d(kernel_size[0], sigma[0], dtype))
    pad_y, pad_x = kernel_size[1] // 2, kernel_size[0] // 2
    padded = np.pad(array.astype(dtype), [(0, 0)] * (array.ndim - 2) + [(pad_y, pad_y), (pad_x, pad_x)], "reflect")
    height, width = array.shape[-2:]
    out = np.zeros(array.shape, dtype=dtype)
    for dy in range(kernel.shape[0]):
        for dx in range(kernel.shape[1]):
            out += kernel[dy, dx] * padded[..., dy:dy + height, dx:dx + width]
    if dtype != array.dtype:
        out = np.round(out)
    return out.astype(array.dtype)


def gaussian_blur(img: Any, kernel_size: int | Sequence[int], sigma: float | Sequence[float] | None = None) -> Any:
    """Blur with a Gaussian kernel of size (kx, ky) (odd) and standard deviation (sx, sy).

    sigma defaults to 0.3 * ((k - 1) * 0.5 - 1) + 0.8 = 0.15 * k + 0.35 per direction. Pillow
    images go through `pil_to_tensor`, the blur in float32 (rounded back) and `to_pil_image`,
    as in torchvision, so they get the tensor's pixels (not pillow's own GaussianBlur).
    """
    if not isinstance(kernel_size, (int, list, tuple)):
        raise TypeError(f"kernel_size should be int or a sequence of integers. Got {type(kernel_size)}")
    if isinstance(kernel_size, int):
        kernel_size = [kernel_size, kernel_size]
    if len(kernel_size) != 2:
        raise ValueError(f"If kernel_size is a sequence its length should be 2. Got {len(kernel_size)}")
    for ksize in kernel_size:
        if ksize % 2 == 0 or ksize < 0:
            raise ValueError(f"kernel_size should have odd and positive integers. Got {kernel_size}")
    if sigma is None:
        sigma = [ksize * 0.15 + 0.35 for ksize in kernel_size]
    if not isinstance(sigma, (int, float, list, tuple)):
        raise TypeError(f"sigma should be either float or sequence of floats. Got {type(sigma)}")
    if isinstance(sigma, (int, float)):
        sigma = [float(sigma), float(sigma)]
    if len(sigma) == 1:
        sigma = [sigma[0], sigma[0]]
    if len(sigma) != 2:
        raise ValueError(f"If sigma is a sequence, its length should be 2. Got {len(sigma)}")
    for s in sigma:
        if s <= 0.0:
            raise ValueError(f"sigma should have positive values. Got {sigma}")
    if _is_pil_image(img):
        blurred = _gaussian_blur_array(_array(pil_to_tensor(img)), kernel_size, sigma)
        return to_pil_image(_tensor(blurred), mode=img.mode)
    _check_image(img)
    return _tensor(_gaussian_blur_array(_array(img), kernel_size, sigma))


# ---------------------------------------------------------------------------------------------
# affine and perspective warps

def _get_inverse_affine_matrix(center: Sequence[float], angle: float, translate: Sequence[float], scale: float,
                               shear: Sequence[float]) -> list[float]:
    """The 2x3 matrix (row-major, 6 numbers) taking output pixels back to input pixels.

    The forward map is M = T * C * R * S * Sh * C^-1 (T translate, C center, R rotate by `angle`
    degrees, S scale, Sh shear by `shear` degrees); with a = cos(r - sy) / cos(sy),
    b = -cos(r - sy) tan(sx) / cos(sy) - sin(r), c = sin(r - sy) / cos(sy),
    d = -sin(r - sy) tan(sx) / cos(sy) + cos(r) (det = 1), the inverse is
    C * [[d, -b], [-c, a]] / scale * C^-1 * T^-1.
    """
    rot, sx, sy = math.radians(angle), math.radians(shear[0]), math.radians(shear[1])
    cx, cy = center
    tx, ty = translate
    a = math.cos(rot - sy) / math.cos(sy)
    b = -math.cos(rot - sy) * math.tan(sx) / math.cos(sy) - math.sin(rot)
    c = math.sin(rot - sy) / math.cos(sy)
    d = -math.sin(rot - sy) * math.tan(sx) / math.cos(sy) + math.cos(rot)
    matrix = [x / scale for x in [d, -b, 0.0, -c, a, 0.0]]
    matrix[2] += matrix[0] * (-cx - tx) + matrix[1] * (-cy - ty) + cx
    matrix[5] += matrix[3] * (-cx - tx) + matrix[4] * (-cy - ty) + cy
    return matrix


def _interpolation_mode(interpolation: InterpolationMode | int) -> InterpolationMode:
    if isinstance(interpolation, int) and not isinstance(interpolation, InterpolationMode):
        return _INT_TO_MODE[interpolation]
    if not isinstance(interpolation, InterpolationMode):
        raise TypeError("Argument interpolation should be a InterpolationMode or a corresponding Pillow "
                        "integer constant")
    return interpolation


def affine(img: Any, angle: float, translate: Sequence[int], scale: float, shear: float | Sequence[float],
           interpolation: InterpolationMode | int = InterpolationMode.NEAREST, fill: Any = None,
           center: Sequence[int] | None = None) -> Any:
    """Rotate by `angle` degrees clockwise, scale, shear by `shear` degrees (x, y) and translate,
    keeping the size.

    The image center (w/2, h/2) is the default `center`. Pillow images: `img.transform(AFFINE)`
    with the inverse matrix; tensors: that matrix sampled at pixel centers (see `_grid_sample`).
    """
    interpolation = _interpolation_mode(interpolation)
    if not isinstance(angle, (int, float)):
        raise TypeError("Argument angle should be int or float")
    if not isinstance(translate, (list, tuple)):
        raise TypeError("Argument translate should be a sequence")
    if len(translate) != 2:
        raise ValueError("Argument translate should be a sequence of length 2")
    if scale <= 0.0:
        raise ValueError("Argument scale should be positive")
    if not isinstance(shear, (numbers.Number, list, tuple)):
        raise TypeError("Shear should be either a single value or a sequence of two values")
    shear = [shear, 0.0] if isinstance(shear, numbers.Number) else list(shear)
    if len(shear) == 1:
        shear = [shear[0], shear[0]]
    if len(shear) != 2:
        raise ValueError(f"Shear should be a sequence containing two values. Got {shear}")
    if center is not None and not isinstance(center, (list, tuple)):
        raise TypeError("Argument center should be a sequence")
    _, height, width = get_dimensions(img)
    if _is_pil_image(img):
        center = [width * 0.5, height * 0.5] if center is None else center
        matrix = _get_inverse_affine_matrix(center, float(angle), translate, scale, shear)
        return img.transform(img.size, Image.Transform.AFFINE, matrix, _pil_interpolation(interpolation),
                             **_parse_fill(fill, img))
    _check_image(img)
    center_f = [0.0, 0.0] if center is None else [c - s * 0.5 for c, s in zip(center, [width, height])]
    matrix = _get_inverse_affine_matrix(center_f, float(angle), [float(t) for t in translate], scale, shear)
    return _warp_tensor(img, _affine_grid(matrix, width, height, _work_dtype(_array(img))), interpolation, fill)


def _get_perspective_coeffs(startpoints: Sequence[Sequence[int]], endpoints: Sequence[Sequence[int]]) -> list[float]:
    """The 8 coefficients (a..h) taking an output pixel (x, y) back to the input pixel
    ((a x + b y + c) / (g x + h y + 1), (d x + e y + f) / (g x + h y + 1)), solved (float64,
    least squares) from the four pairs endpoint -> startpoint and rounded to float32."""
    if len(startpoints) != 4 or len(endpoints) != 4:
        raise ValueError(f"Please provide exactly four corners, got {len(startpoints)} startpoints and "
                         f"{len(endpoints)} endpoints.")
    a_matrix = np.zeros((8, 8), dtype=np.float64)
    for i, ((x, y), (u, v)) in enumerate(zip(endpoints, startpoints)):
        a_matrix[2 * i] = [x, y, 1, 0, 0, 0, -u * x, -u * y]
        a_matrix[2 * i + 1] = [0, 0, 0, x, y, 1, -v * x, -v * y]
    b_matrix = np.asarray(startpoints, dtype=np.float64).reshape(8)
    solution = np.linalg.lstsq(a_matrix, b_matrix, rcond=None)[0]
    return solution.astype(np.float32).tolist()


def perspective(img: Any, startpoints: Sequence[Sequence[int]], endpoints: Sequence[Sequence[int]],
                interpolation: InterpolationMode | int = InterpolationMode.BILINEAR, fill: Any = None) -> Any:
    """Warp so that the four corners `startpoints` [x, y] move to `endpoints`, keeping the size.

    Pillow images: `img.transform(PERSPECTIVE)` with the coefficients of `_get_perspective_coeffs`;
    tensors: those coefficients sampled at pixel centers (see `_grid_sample`).
    """
    coeffs = _get_perspective_coeffs(startpoints, endpoints)
    interpolation = _interpolation_mode(interpolation)
    if _is_pil_image(img):
        return img.transform(img.size, Image.Transform.PERSPECTIVE, coeffs, _pil_interpolation(interpolation),
                             **_parse_fill(fill, img))
    _check_image(img)
    _, height, width = get_dimensions(img)
    return _warp_tensor(img, _perspective_grid(coeffs, width, height, _work_dtype(_array(img))), interpolation, fill)


def _pixel_centers(width: int, height: int, origin: tuple[float, float], dtype: np.dtype) -> np.ndarray:
    """(height, width, 3) rows (x, y, 1) at the pixel centers (col + 0.5, row + 0.5) - origin."""
    base = np.ones((height, width, 3), dtype=dtype)
    base[..., 0] = np.linspace(0.5 - origin[0], width - 0.5 - origin[0], width)
    base[..., 1] = np.linspace(0.5 - origin[1], height - 0.5 - origin[1], height)[:, None]
    return base


def _affine_grid(matrix: Sequence[float], width: int, height: int, dtype: np.dtype) -> np.ndarray:
    """Where each output pixel samples, in grid_sample's [-1, 1] coordinates: the inverse affine
    `matrix` (about the image center) applied to the pixel center, divided by half the size."""
    theta = np.asarray(matrix, dtype=dtype).reshape(2, 3)
    rescaled = theta.T / np.asarray([0.5 * width, 0.5 * height], dtype=dtype)
    return _pixel_centers(width, height, (0.5 * width, 0.5 * height), dtype) @ rescaled


def _perspective_grid(coeffs: Sequence[float], width: int, height: int, dtype: np.dtype) -> np.ndarray:
    """Where each output pixel samples, in [-1, 1] coordinates: ((a x + b y + c), (d x + e y + f))
    / (g x + h y + 1) at the pixel center (x, y), divided by half the size, minus 1."""
    a, b, c, d, e, f, g, h = coeffs
    numerator = np.asarray([[a, b, c], [d, e, f]], dtype=dtype).T / np.asarray([0.5 * width, 0.5 * height], dtype=dtype)
    denominator = np.asarray([[g, h, 1.0], [g, h, 1.0]], dtype=dtype).T
    base = _pixel_centers(width, height, (0.0, 0.0), dtype)
    return (base @ numerator) / (base @ denominator) - 1.0


def _grid_sample(array: np.ndarray, grid: np.ndarray, mode: InterpolationMode) -> np.ndarray:
    """PyTorch's grid_sample (align_corners=False, zeros outside): output pixel (y, x) reads the
    input at ix = ((grid[y, x, 0] + 1) W - 1) / 2, iy = ((grid[y, x, 1] + 1) H - 1) / 2, the
    nearest pixel (ties to even) or the bilinear blend of the four around it."""
    height, width = array.shape[-2:]
    ix = ((grid[..., 0] + 1) * width - 1) / 2
    iy = ((grid[..., 1] + 1) * height - 1) / 2
    if mode == InterpolationMode.NEAREST:
        corners = [(np.rint(ix), np.rint(iy), 1.0)]
    else:
        x0, y0 = np.floor(ix), np.floor(iy)
        corners = [(x0, y0, (x0 + 1 - ix) * (y0 + 1 - iy)), (x0 + 1, y0, (ix - x0) * (y0 + 1 - iy)),
                   (x0, y0 + 1, (x0 + 1 - ix) * (iy - y0)), (x0 + 1, y0 + 1, (ix - x0) * (iy - y0))]
    out = np.zeros(array.shape[:-2] + grid.shape[:2], dtype=array.dtype)
    for x, y, weight in corners:
        inside = (x >= 0) & (x < width) & (y >= 0) & (y < height)
        values = array[..., np.where(inside, y, 0).astype(np.int64), np.where(inside, x, 0).astype(np.int64)]
        out += np.where(inside, weight * values, 0).astype(array.dtype)
    return out


def _warp_tensor(img: Tensor, grid: np.ndarray, interpolation: InterpolationMode, fill: Any) -> Tensor:
    """Sample `img` at `grid`; with a `fill`, pixels that fall outside the image take it (a
    channel of ones is sampled with the image: nearest fills where it is < 0.5, bilinear blends
    out * mask + (1 - mask) * fill). Integer images are rounded back to their dtype."""
    if interpolation not in (InterpolationMode.NEAREST, InterpolationMode.BILINEAR):
        raise ValueError(f"Interpolation mode '{interpolation.value}' is unsupported with Tensor input")
    array = _array(img)
    channels = array.shape[-3]
    if isinstance(fill, (list, tuple)) and len(fill) not in (1, channels):
        raise ValueError("The number of elements in 'fill' cannot broadcast to match the number of channels "
                         f"of the image ({len(fill)} != {channels})")
    work = array.astype(grid.dtype)
    if fill is not None:
        work = np.concatenate([work, np.ones_like(work[..., :1, :, :])], axis=-3)
    out = _grid_sample(work, grid, interpolation)
    if fill is not None:
        out, mask = out[..., :-1, :, :], out[..., -1:, :, :]
        fill_img = np.asarray(fill if isinstance(fill, (list, tuple)) else [fill], dtype=out.dtype).reshape(-1, 1, 1)
        if interpolation == InterpolationMode.NEAREST:
            out = np.where(mask < 0.5, fill_img, out)
        else:
            out = out * mask + (1.0 - mask) * fill_img
    if out.dtype != array.dtype:
        out = np.round(out)
    return _tensor(out.astype(array.dtype))
