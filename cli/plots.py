"""Charts drawn with matplotlib, as a learner would draw them: learning curves, decision
boundaries, confusion matrices, scatter plots and image grids.

Each function returns a `matplotlib.figure.Figure` made without pyplot, so no window opens and
no global state is kept: `Figure.savefig` draws a PNG with the Agg backend and an SVG with the
SVG backend. `report.save_figure` writes it.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from teachgrad.cli.loop import EpochResult

# One look per path, so that equal curves stay visible: a wide pale line under a thin dashed one.
PATH_STYLES = {
    "reference": {"linestyle": "-", "linewidth": 4, "alpha": 0.5, "marker": "o", "markersize": 8},
    "numba": {"linestyle": "--", "linewidth": 1.5, "marker": "x", "markersize": 7},
    "cuda": {"linestyle": ":", "linewidth": 1.5, "marker": "s", "markersize": 5, "fillstyle": "none"},
}


def class_names(dataset, classes: int) -> list[str]:
    """The dataset's `classes` (looking through a `random_split` Subset), else "class 0", "class 1", ..."""
    while not hasattr(dataset, "classes") and hasattr(dataset, "dataset"):
        dataset = dataset.dataset
    return [str(name) for name in getattr(dataset, "classes", [f"class {k}" for k in range(classes)])]


def learning_curves(results: dict[str, list[EpochResult]], title: str) -> Figure:
    """Training loss and test accuracy per epoch, one line per path in that path's style."""
    figure = Figure(figsize=(10, 4), layout="constrained")
    loss_axes, accuracy_axes = figure.subplots(1, 2)
    for path, per_epoch in results.items():
        epochs = range(1, len(per_epoch) + 1)
        loss_axes.plot(epochs, [r.loss for r in per_epoch], label=path, **PATH_STYLES[path])
        accuracy_axes.plot(epochs, [r.accuracy for r in per_epoch], label=path, **PATH_STYLES[path])
    for axes, name in ((loss_axes, "training loss"), (accuracy_axes, "test accuracy")):
        axes.set(title=name, xlabel="epoch", ylabel=name)
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.grid(alpha=0.3)
        axes.legend()
    figure.suptitle(title)
    return figure


def decision_boundary(scores: Callable[[np.ndarray], np.ndarray], points: np.ndarray, labels: np.ndarray,
                      names: Sequence[str], title: str, resolution: int = 200) -> Figure:
    """The class regions of a model over the points' bounding box, its boundary, and the points.

    `scores(grid)` gives one score per class for each row of an (N, 2) grid. Class k wins where
    its margin m_k = s_k - max_{j != k} s_j is > 0; the boundary is the line m_k = 0, which
    matplotlib's contouring interpolates between grid points, so it is drawn smooth.
    """
    low, high = points.min(axis=0) - 0.1, points.max(axis=0) + 0.1
    grid_x, grid_y = np.meshgrid(np.linspace(low[0], high[0], resolution), np.linspace(low[1], high[1], resolution))
    grid = np.stack([grid_x.ravel(), grid_y.ravel()], axis=1).astype(np.float32)
    s = scores(grid).reshape(resolution, resolution, -1)
    figure = Figure(figsize=(6, 5), layout="constrained")
    axes = figure.subplots()
    for k, name in enumerate(names):
        margin = s[..., k] - np.delete(s, k, axis=-1).max(axis=-1)
        if margin.max() > 0:
            axes.contourf(grid_x, grid_y, margin, levels=[0, margin.max()], colors=[f"C{k}"], alpha=0.25)
        if margin.min() < 0 < margin.max():
            axes.contour(grid_x, grid_y, margin, levels=[0], colors="black", linewidths=1.5)
    _plot_points(axes, points, labels, names)
    handles, _ = axes.get_legend_handles_labels()
    axes.legend(handles=handles + [Line2D([], [], color="black", label="decision boundary")])
    axes.set(title=title, xlabel="x0", ylabel="x1")
    return figure


def confusion_matrix(matrix: np.ndarray, names: Sequence[str], title: str) -> Figure:
    """Counts of (true class, predicted class): rows are true classes, columns predicted ones."""
    figure = Figure(figsize=(7, 6), layout="constrained")
    axes = figure.subplots()
    image = axes.imshow(matrix, cmap="Blues")
    figure.colorbar(image, ax=axes, label="test samples")
    ticks = range(len(names))
    slanted = max(map(len, names)) > 2  # (long names would overlap side by side)
    axes.set_xticks(ticks, names, rotation=45 if slanted else 0, ha="right" if slanted else "center")
    axes.set_yticks(ticks, names)
    axes.set(title=title, xlabel="predicted", ylabel="true")
    for (i, j), count in np.ndenumerate(matrix):
        colour = "white" if count > matrix.max() / 2 else "black"
        axes.text(j, i, str(count), ha="center", va="center", color=colour, fontsize=8)
    return figure


def scatter(points: np.ndarray, labels: np.ndarray, names: Sequence[str], title: str) -> Figure:
    """The points of a 2-D dataset, coloured by class."""
    figure = Figure(figsize=(6, 5), layout="constrained")
    axes = figure.subplots()
    _plot_points(axes, points, labels, names)
    axes.set(title=title, xlabel="x0", ylabel="x1")
    axes.legend()
    return figure


def _plot_points(axes, points: np.ndarray, labels: np.ndarray, names: Sequence[str]) -> None:
    """The points of each class in that class's colour, labelled with its name for the legend."""
    for k, name in enumerate(names):
        chosen = labels == k
        axes.scatter(points[chosen, 0], points[chosen, 1], s=16, color=f"C{k}", edgecolors="black", linewidths=0.5, label=name)


def image_grid(images: Sequence[np.ndarray], captions: Sequence[str], title: str, columns: int = 8) -> Figure:
    """Grayscale images (H x W, values 0..1) in a grid, each titled with its caption."""
    rows = -(-len(images) // columns)
    figure = Figure(figsize=(1.25 * columns, 1.4 * rows + 0.4), layout="constrained")
    grid = np.atleast_2d(figure.subplots(rows, columns))
    for axes, image, caption in zip(grid.flat, images, captions):
        axes.imshow(image, cmap="gray", vmin=0, vmax=1)
        axes.set_title(caption, fontsize=9)
    for axes in grid.flat:
        axes.set_axis_off()
    figure.suptitle(title)
    return figure
