"""Digits: a handwritten-style digit dataset (0-9, 28x28 grayscale) made on this machine.

No download: each image is a digit written with a pen (7 in 10: one of the ways people write
that digit, as pen strokes: a 1 with or without its flag, an open or a closed 4, a 7 with or
without a bar; each stroke nudged, a random pen width) or typeset in pillow's own scalable font
(Aileron, `ImageFont.load_default(size)`); then given a small random rotation, slant and scale,
an elastic wobble, and MNIST-style framing (the digit fit into a 20x20 box, centered by its
center of mass in 28x28).

Image `i` of a split depends only on `(seed, split, i)`, and its label is `i % 10`. Images are
cached as PNG files under `<root>/digits/v2-seed<seed>/<split>/<label>/<i>.png`; `root` is the
argument, else the environment variable TEACHGRAD_CACHE, else `~/.cache/teachgrad`. A missing
file is drawn again, so deleting the folder is always safe. (Pixels may differ between pillow
or FreeType versions; the cache keeps one machine's images fixed.)

How hard it is (seed 0, 500 test images): a nearest-centroid classifier fit on 2,000 training
images recognises 69% of them, a 1-nearest-neighbour one 85%; the small CNN of
`teachgrad train --dataset digits` (its defaults) reaches the accuracy its recipe states
(cli/recipes.py).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Callable

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from teachgrad.random import Generator
from teachgrad.datasets.labelled_images import LabelledImages

VERSION = "v2"
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


def _arc(cx: float, cy: float, rx: float, ry: float, start: float, stop: float) -> list:
    """Points along an ellipse around (cx, cy), from angle `start` to `stop` (degrees, counterclockwise
    when stop > start), in the glyph box: x in [0, 1] left to right, y in [0, 1] bottom to top."""
    angles = np.deg2rad(np.linspace(start, stop, 24))
    return list(zip(cx + rx * np.cos(angles), cy + ry * np.sin(angles)))


# The ways each digit is written: a style is a list of pen strokes, a stroke a list of points in
# the glyph box (a 1 with or without its flag, an open or a closed 4, a 7 with or without a bar...).
_STYLES = {
    0: [[_arc(.5, .5, .32, .48, 95, 460)]],
    1: [[[(.5, 1), (.5, 0)]], [[(.35, .85), (.55, 1), (.55, 0)]],
        [[(.35, .85), (.55, 1), (.55, 0)], [(.25, 0), (.85, 0)]]],
    2: [[_arc(.5, .72, .32, .28, 160, -35) + [(.12, 0), (.9, 0)]],
        [_arc(.5, .72, .32, .28, 170, -20) + _arc(.5, -.2, .55, .45, 115, 165) + [(.15, 0), (.88, .03)]]],
    3: [[_arc(.5, .76, .28, .24, 150, -90) + _arc(.5, .27, .32, .27, 90, -150)],
        [[(.18, 1), (.8, 1), (.45, .58)] + _arc(.5, .3, .32, .3, 100, -150)]],
    4: [[[(.68, 0), (.68, 1), (.1, .3), (.92, .3)]], [[(.25, 1), (.15, .38), (.9, .38)], [(.68, .75), (.68, 0)]]],
    5: [[[(.8, 1), (.3, 1), (.25, .55)] + _arc(.5, .3, .3, .3, 145, -150)],
        [[(.3, 1), (.25, .55)] + _arc(.5, .3, .3, .3, 145, -150), [(.3, 1), (.8, 1.02)]]],
    6: [[_arc(.75, .3, .55, .7, 110, 180) + _arc(.5, .28, .3, .28, 180, 540)]],
    7: [[[(.12, 1), (.88, 1), (.38, 0)]], [[(.12, 1), (.88, 1), (.4, 0)], [(.3, .5), (.78, .5)]],
        [[(.12, .9), (.15, 1), (.88, 1), (.5, .45), (.42, 0)]]],
    8: [[_arc(.5, .75, .24, .24, -90, 270), _arc(.5, .27, .3, .27, 90, 450)],
        [_arc(.5, .76, .26, .23, 200, -160) + _arc(.5, .27, .3, .27, 90, -270)]],
    9: [[_arc(.5, .7, .28, .28, 0, 360) + [(.78, .7), (.72, 0)]],
        [_arc(.5, .7, .28, .28, 0, 360) + _arc(.3, .7, .48, .7, 0, -80)]],
}


def _pen_glyph(label: int, rng: Generator) -> Image.Image:
    """The digit written with a pen: one of its styles, each stroke nudged, a random pen width."""
    styles = _STYLES[label]
    style = styles[int(rng.integers(0, len(styles), ()))]
    width = int(rng.integers(3, 8, ()))
    canvas = Image.new("L", (_CANVAS, _CANVAS), 0)
    draw = ImageDraw.Draw(canvas)
    for stroke in style:
        dx, dy = rng.normal((2,)) * 1.5
        points = [(_CANVAS / 2 + (x - .5) * 26 + dx, _CANVAS / 2 + (.5 - y) * 44 + dy) for x, y in stroke]
        draw.line(points, fill=255, width=width, joint="curve")
        for x, y in (points[0], points[-1]):  # round pen tips
            draw.ellipse((x - width / 2, y - width / 2, x + width / 2, y + width / 2), fill=255)
    return canvas


def _font_glyph(label: int, rng: Generator) -> Image.Image:
    """The digit typeset in pillow's own scalable font (Aileron), at a random size."""
    canvas = Image.new("L", (_CANVAS, _CANVAS), 0)
    text = str(label)
    font = ImageFont.load_default(size=int(rng.integers(34, 50, ())))
    left, top, right, bottom = font.getbbox(text)
    xy = ((_CANVAS - (right - left)) / 2 - left, (_CANVAS - (bottom - top)) / 2 - top)
    ImageDraw.Draw(canvas).text(xy, text, fill=255, font=font)
    return canvas


def _affine(img: Image.Image, rng: Generator) -> Image.Image:
    """Random rotation (+-10 degrees), slant (shear +-0.25) and x/y scale (0.85..1.1) about the center."""
    angle = np.deg2rad(rng.uniform((), -10, 10))
    shear = rng.uniform((), -0.25, 0.25)
    sx, sy = rng.uniform((2,), 0.85, 1.1)
    cos, sin = np.cos(angle), np.sin(angle)
    forward = np.array([[cos, -sin], [sin, cos]]) @ np.array([[1, shear], [0, 1]]) @ np.diag([sx, sy])
    inverse = np.linalg.inv(forward)
    center = np.array([_CANVAS / 2, _CANVAS / 2])
    offset = center - inverse @ center  # output pixel p samples input inverse @ p + offset
    coeffs = (inverse[0, 0], inverse[0, 1], offset[0], inverse[1, 0], inverse[1, 1], offset[1])
    return img.transform(img.size, Image.Transform.AFFINE, coeffs, Image.Resampling.BILINEAR)


def _elastic(img: Image.Image, rng: Generator, amplitude: float = 2.0) -> Image.Image:
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
    glyph = _pen_glyph(label, rng) if rng.uniform(()) < 0.7 else _font_glyph(label, rng)
    out = _frame(_elastic(_affine(glyph, rng), rng), rng) * rng.uniform((), 0.8, 1.0)
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
