"""Digits: a handwritten-style digit dataset (0-9, 28x28 grayscale) made on this machine.

No download: each image is a digit drawn with one of pillow's own fonts (the scalable Aileron
face of `ImageFont.load_default(size)`, or the small bitmap font of
`ImageFont.load_default_imagefont()`, enlarged), then given a random stroke width, slant,
rotation, scale, an elastic wobble, thickening or thinning, MNIST-style framing (the digit fit
into a 20x20 box, centered by its center of mass in 28x28) and pixel noise.

Image `i` of a split depends only on `(seed, split, i)`, and its label is `i % 10`. Images are
cached as PNG files under `<root>/digits/v1-seed<seed>/<split>/<label>/<i>.png`; `root` is the
argument, else the environment variable TEACHGRAD_CACHE, else `~/.cache/teachgrad`. A missing
file is drawn again, so deleting the folder is always safe. (Pixels may differ between pillow
or FreeType versions; the cache keeps one machine's images fixed.)

How hard it is (seed 0, trained on the 6,000 training images, tested on the 1,000 test images,
inputs scaled to [0, 1] and standardised, Adam lr 1e-3, batch 64, 15 epochs; measured with
PyTorch 2.14 on the CPU because teachgrad.nn was not finished yet):

| model | test accuracy |
| --- | --- |
| linear (softmax regression, 784 -> 10) | 63% |
| MLP 784-128-10 | 76% |
| small CNN: conv3x3(8)-relu-maxpool, conv3x3(16)-relu-maxpool, linear 784 -> 10 | 89% |
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Callable

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from teachgrad.random import Generator
from teachgrad.datasets.labelled_images import LabelledImages

VERSION = "v1"
DEFAULT_SIZES = {"train": 6000, "test": 1000}
_SPLIT_IDS = {"train": 0, "test": 1}
_CANVAS = 64


def default_cache_dir() -> Path:
    """$TEACHGRAD_CACHE if set, else ~/.cache/teachgrad."""
    env = os.environ.get("TEACHGRAD_CACHE")
    return Path(env).expanduser() if env else Path("~/.cache/teachgrad").expanduser()


def image_generator(seed: int, split: str, index: int) -> Generator:
    """The generator for one image: seeded from (seed, split, index) only."""
    words = np.random.SeedSequence([seed, _SPLIT_IDS[split], index]).generate_state(2, np.uint64)
    return Generator().manual_seed(int(words[0]) >> 1)


def _glyph(label: int, rng: Generator) -> Image.Image:
    """The digit drawn white on a black 64x64 canvas, with a random font, size and stroke width."""
    canvas = Image.new("L", (_CANVAS, _CANVAS), 0)
    text = str(label)
    if rng.uniform(()) < 0.75:
        font = ImageFont.load_default(size=int(rng.integers(34, 50, ())))
        stroke = int(rng.integers(0, 3, ()))
        left, top, right, bottom = font.getbbox(text, stroke_width=stroke)
        xy = ((_CANVAS - (right - left)) / 2 - left, (_CANVAS - (bottom - top)) / 2 - top)
        ImageDraw.Draw(canvas).text(xy, text, fill=255, font=font, stroke_width=stroke, stroke_fill=255)
        return canvas
    bitmap = ImageFont.load_default_imagefont()
    small = Image.new("L", (8, 13), 0)
    ImageDraw.Draw(small).text((1, 1), text, fill=255, font=bitmap)
    scale = float(rng.uniform((), 3.5, 4.5))
    big = small.resize((int(8 * scale), int(13 * scale)), Image.Resampling.BILINEAR)
    canvas.paste(big, ((_CANVAS - big.width) // 2, (_CANVAS - big.height) // 2))
    return canvas


def _affine(img: Image.Image, rng: Generator) -> Image.Image:
    """Random rotation (+-15 degrees), slant (shear +-0.35) and x/y scale (0.8..1.15) about the center."""
    angle = np.deg2rad(rng.uniform((), -15, 15))
    shear = rng.uniform((), -0.35, 0.35)
    sx, sy = rng.uniform((2,), 0.8, 1.15)
    cos, sin = np.cos(angle), np.sin(angle)
    forward = np.array([[cos, -sin], [sin, cos]]) @ np.array([[1, shear], [0, 1]]) @ np.diag([sx, sy])
    inverse = np.linalg.inv(forward)
    center = np.array([_CANVAS / 2, _CANVAS / 2])
    offset = center - inverse @ center  # output pixel p samples input inverse @ p + offset
    coeffs = (inverse[0, 0], inverse[0, 1], offset[0], inverse[1, 0], inverse[1, 1], offset[1])
    return img.transform(img.size, Image.Transform.AFFINE, coeffs, Image.Resampling.BILINEAR)


def _elastic(img: Image.Image, rng: Generator, amplitude: float = 2.5) -> Image.Image:
    """Move each pixel by a smooth random displacement (up to about `amplitude` pixels)."""
    coarse = rng.normal((2, 5, 5)) * amplitude
    fields = [np.asarray(Image.fromarray(c.astype(np.float32), "F").resize(img.size, Image.Resampling.BICUBIC))
              for c in coarse]
    ys, xs = np.mgrid[0:img.height, 0:img.width].astype(np.float32)
    src_x = np.clip(xs + fields[0], 0, img.width - 1)
    src_y = np.clip(ys + fields[1], 0, img.height - 1)
    x0, y0 = np.floor(src_x).astype(int), np.floor(src_y).astype(int)
    x1, y1 = np.minimum(x0 + 1, img.width - 1), np.minimum(y0 + 1, img.height - 1)
    fx, fy = src_x - x0, src_y - y0
    a = np.asarray(img, dtype=np.float32)
    out = (a[y0, x0] * (1 - fx) * (1 - fy) + a[y0, x1] * fx * (1 - fy)
           + a[y1, x0] * (1 - fx) * fy + a[y1, x1] * fx * fy)
    return Image.fromarray(np.clip(out + 0.5, 0, 255).astype(np.uint8))


def _frame(img: Image.Image, rng: Generator) -> np.ndarray:
    """MNIST framing: fit the digit into a 20x20 box, center its mass in 28x28 (+-1 px jitter)."""
    box = img.point(lambda v: 255 if v > 40 else 0).getbbox() or (0, 0, img.width, img.height)
    digit = img.crop(box)
    scale = 20.0 / max(digit.width, digit.height)
    size = (max(1, round(digit.width * scale)), max(1, round(digit.height * scale)))
    digit = np.asarray(digit.resize(size, Image.Resampling.LANCZOS), dtype=np.float32)
    ys, xs = np.mgrid[0:digit.shape[0], 0:digit.shape[1]]
    mass = digit.sum() or 1.0
    cy, cx = (ys * digit).sum() / mass, (xs * digit).sum() / mass
    jy, jx = rng.uniform((2,), -1.0, 1.0)
    top = int(np.clip(round(14 - cy + jy), 0, 28 - digit.shape[0]))
    left = int(np.clip(round(14 - cx + jx), 0, 28 - digit.shape[1]))
    out = np.zeros((28, 28), np.float32)
    out[top:top + digit.shape[0], left:left + digit.shape[1]] = digit
    return out


def render_digit(label: int, rng: Generator) -> np.ndarray:
    """One 28x28 uint8 image of `label`, with every random choice drawn from `rng`."""
    img = _affine(_glyph(label, rng), rng)
    img = _elastic(img, rng)
    thickness = rng.uniform(())
    if thickness < 0.15:
        img = img.filter(ImageFilter.MinFilter(3))
    elif thickness > 0.85:
        img = img.filter(ImageFilter.MaxFilter(3))
    out = _frame(img, rng)
    out = out * rng.uniform((), 0.75, 1.0) + rng.normal((28, 28)) * rng.uniform((), 0.0, 25.0)
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


class Digits(LabelledImages):
    """Handwritten-style digits, MNIST's shape and interface: `ds[i]` is `(PIL image 'L', int label)`.

    `train` picks the split (6,000 training or 1,000 test images unless `n` says otherwise);
    `seed` picks the images; `root` the cache folder (see the module docstring).
    `data` (n, 28, 28) and `targets` (n,) hold the whole split as int64 tensors.
    """

    classes = [str(d) for d in range(10)]

    def __init__(self, root: str | os.PathLike | None = None, train: bool = True,
                 transform: Callable | None = None, target_transform: Callable | None = None,
                 n: int | None = None, seed: int = 0) -> None:
        self.split = "train" if train else "test"
        self.train = train
        self.n = DEFAULT_SIZES[self.split] if n is None else n
        if not isinstance(self.n, int) or isinstance(self.n, bool) or self.n <= 0:
            raise ValueError(f"n should be a positive integer, got n={n!r}")
        self.seed = seed
        self.root = Path(root).expanduser() if root is not None else default_cache_dir()
        self.transform = transform
        self.target_transform = target_transform
        self.folder = self.root / "digits" / f"{VERSION}-seed{seed}" / self.split
        missing = sum(not self.path(i).exists() for i in range(self.n))
        if missing > 100:
            print(f"Digits: drawing {missing} {self.split} images into {self.folder} (cached for next time)",
                  file=sys.stderr)
        self.images = np.stack([self._load_or_render(i) for i in range(self.n)])
        self.labels = np.arange(self.n, dtype=np.int64) % 10

    def path(self, index: int) -> Path:
        """Where image `index` is cached."""
        return self.folder / str(index % 10) / f"{index:05d}.png"

    def _load_or_render(self, index: int) -> np.ndarray:
        path = self.path(index)
        if path.exists():
            try:
                with Image.open(path) as img:
                    return np.asarray(img.convert("L"))
            except OSError:
                pass  # a damaged cache file: draw it again
        pixels = render_digit(index % 10, image_generator(self.seed, self.split, index))
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        Image.fromarray(pixels).save(partial, format="PNG")
        os.replace(partial, path)  # readers never see a half-written file
        return pixels

    def __repr__(self) -> str:
        return f"Digits(split={self.split!r}, n={self.n}, seed={self.seed}, root={str(self.root)!r})"
