"""Charts drawn with pillow (no plotting library needed): loss curves, decision regions,
confusion matrices and image grids. Each returns a PIL image; callers save it."""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

PALETTE = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189), (140, 86, 75),
           (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207)]


def _font(size: int = 12) -> ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # pillow < 10.1 has one fixed-size default font
        return ImageFont.load_default()


def line_chart(series: dict[str, Sequence[float]], title: str, size: tuple[int, int] = (640, 400)) -> Image.Image:
    """One line per named series over x = 1, 2, ...; axes labelled with the value range."""
    width, height = size
    left, right, top, bottom = 70, 20, 40, 50
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    values = np.concatenate([np.asarray(v, dtype=float) for v in series.values()]) if series else np.zeros(1)
    low, high = float(values.min()), float(values.max())
    if high - low < 1e-12:
        low, high = low - 0.5, high + 0.5
    count = max(len(v) for v in series.values()) if series else 1

    def to_pixel(i: int, v: float) -> tuple[float, float]:
        x = left + (width - left - right) * (i / max(count - 1, 1))
        y = top + (height - top - bottom) * (1 - (v - low) / (high - low))
        return x, y

    draw.rectangle([left, top, width - right, height - bottom], outline="black")
    font = _font()
    draw.text((left, 10), title, fill="black", font=font)
    draw.text((5, top - 6), f"{high:.4g}", fill="black", font=font)
    draw.text((5, height - bottom - 6), f"{low:.4g}", fill="black", font=font)
    draw.text((left, height - bottom + 8), "1", fill="black", font=font)
    draw.text((width - right - 20, height - bottom + 8), str(count), fill="black", font=font)
    draw.text(((width - 40) // 2, height - bottom + 24), "epoch", fill="black", font=font)
    for number, (name, ys) in enumerate(series.items()):
        colour = PALETTE[number % len(PALETTE)]
        points = [to_pixel(i, v) for i, v in enumerate(ys)]
        if len(points) > 1:
            draw.line(points, fill=colour, width=2 if number == 0 else 1)
        for x, y in points:
            draw.ellipse([x - 2, y - 2, x + 2, y + 2], fill=colour)
        draw.text((width - right - 150, top + 8 + 16 * number), f"-- {name}", fill=colour, font=font)
    return image


def decision_regions(predict: Callable[[np.ndarray], np.ndarray], points: np.ndarray, labels: np.ndarray,
                     size: int = 400, resolution: int = 100) -> Image.Image:
    """Class regions of `predict` over the points' bounding box, with the points on top."""
    low, high = _bounds(points)
    xs = np.linspace(low[0], high[0], resolution)
    ys = np.linspace(high[1], low[1], resolution)
    grid = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2).astype(np.float32)
    classes = predict(grid).reshape(resolution, resolution)
    light = np.array([[int(c + (255 - c) * 0.65) for c in colour] for colour in PALETTE], dtype=np.uint8)
    image = Image.fromarray(light[classes % len(PALETTE)], "RGB").resize((size, size), Image.NEAREST)
    _draw_points(ImageDraw.Draw(image), points, labels, size)
    return image


def confusion_matrix_image(matrix: np.ndarray, cell: int = 40) -> Image.Image:
    """Rows are true classes, columns predicted classes; darker cells hold more samples."""
    n = matrix.shape[0]
    margin = 30
    image = Image.new("RGB", (margin + n * cell, margin + n * cell), "white")
    draw = ImageDraw.Draw(image)
    font = _font(11)
    peak = max(int(matrix.max()), 1)
    for i in range(n):
        draw.text((5, margin + i * cell + cell // 3), str(i), fill="black", font=font)
        draw.text((margin + i * cell + cell // 3, 5), str(i), fill="black", font=font)
        for j in range(n):
            shade = int(255 - 200 * matrix[i, j] / peak)
            box = [margin + j * cell, margin + i * cell, margin + (j + 1) * cell - 1, margin + (i + 1) * cell - 1]
            draw.rectangle(box, fill=(shade, shade, 255))
            draw.text((box[0] + 4, box[1] + cell // 3), str(int(matrix[i, j])), fill="black", font=font)
    return image


def image_grid(images: Sequence[np.ndarray], captions: Sequence[str], columns: int = 8, scale: int = 2) -> Image.Image:
    """Grayscale images (H x W, values 0..1) in a grid, each with a caption under it."""
    height, width = images[0].shape[-2:]
    cell_w, cell_h = width * scale + 8, height * scale + 20
    rows = -(-len(images) // columns)
    grid = Image.new("RGB", (columns * cell_w, rows * cell_h), "white")
    draw = ImageDraw.Draw(grid)
    font = _font(11)
    for k, (array, caption) in enumerate(zip(images, captions)):
        pixels = (np.clip(np.asarray(array).reshape(height, width), 0, 1) * 255).astype(np.uint8)
        tile = Image.fromarray(pixels, "L").resize((width * scale, height * scale), Image.NEAREST)
        x, y = (k % columns) * cell_w + 4, (k // columns) * cell_h + 2
        grid.paste(tile.convert("RGB"), (x, y))
        draw.text((x, y + height * scale + 2), caption, fill="black", font=font)
    return grid


def scatter(points: np.ndarray, labels: np.ndarray, size: int = 400) -> Image.Image:
    """The points of a 2-D dataset coloured by label."""
    image = Image.new("RGB", (size, size), "white")
    _draw_points(ImageDraw.Draw(image), points, labels, size)
    return image


def _bounds(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return points.min(axis=0) - 0.1, points.max(axis=0) + 0.1


def _draw_points(draw: ImageDraw.ImageDraw, points: np.ndarray, labels: np.ndarray, size: int) -> None:
    low, high = _bounds(points)
    for (x, y), label in zip(points, labels):
        px = (x - low[0]) / (high[0] - low[0]) * size
        py = (high[1] - y) / (high[1] - low[1]) * size
        draw.ellipse([px - 3, py - 3, px + 3, py + 3], fill=PALETTE[int(label) % len(PALETTE)], outline="black")
