"""The charts of `teachgrad train` and `teachgrad datasets show`: what each figure says, read off the
matplotlib Figure before it is saved (titles, axis labels, legends, ticks)."""

from __future__ import annotations

import numpy as np
from matplotlib.contour import ContourSet

import teachgrad as tg
from teachgrad.cli import plots
from teachgrad.cli.loop import EpochResult
from teachgrad.datasets import FashionMNIST
from teachgrad.utils.data import random_split


def legend_texts(axes) -> list[str]:
    return [text.get_text() for text in axes.get_legend().get_texts()]


def curves():
    return plots.learning_curves({path: [EpochResult(0.7, 0.5, 1.0), EpochResult(0.4, 0.8, 1.0)] for path in ("reference", "numba")},
                                 "moons: mlp 2x64, sgd lr=0.1")


def test_learning_curves_show_loss_and_test_accuracy_per_epoch_titled_with_the_run():
    figure = curves()
    assert figure.get_suptitle() == "moons: mlp 2x64, sgd lr=0.1"
    assert [(a.get_title(), a.get_xlabel(), a.get_ylabel()) for a in figure.axes] == [
        ("training loss", "epoch", "training loss"), ("test accuracy", "epoch", "test accuracy")]
    assert [legend_texts(a) for a in figure.axes] == [["reference", "numba"]] * 2


def test_learning_curves_draw_each_path_in_its_own_style():
    loss_axes = curves().axes[0]
    styles = [(line.get_linestyle(), line.get_marker(), line.get_linewidth()) for line in loss_axes.get_lines()]
    assert len(set(styles)) == 2
    assert [list(line.get_ydata()) for line in loss_axes.get_lines()] == [[0.7, 0.4]] * 2


def boundary_of_the_line_x0_plus_x1_equal_to_1():
    points = np.array([[0.0, 0.0], [1.0, 1.0], [0.2, 0.3], [0.9, 0.6]], dtype=np.float32)
    labels = np.array([0, 1, 0, 1])
    scores = lambda grid: np.stack([np.zeros(len(grid)), grid[:, 0] + grid[:, 1] - 1], axis=1)  # class 1 where x0 + x1 > 1
    return plots.decision_boundary(scores, points, labels, ["class 0", "class 1"], "xor: mlp", resolution=30)


def test_decision_boundary_has_axes_and_a_legend_of_classes_and_boundary():
    axes = boundary_of_the_line_x0_plus_x1_equal_to_1().axes[0]
    assert (axes.get_title(), axes.get_xlabel(), axes.get_ylabel()) == ("xor: mlp", "x0", "x1")
    assert legend_texts(axes) == ["class 0", "class 1", "decision boundary"]


def test_decision_boundary_is_drawn_smooth_not_in_grid_steps():
    """On a coarse 30 x 30 grid the boundary's vertices still lie on the line x0 + x1 = 1 (float32 grid)."""
    axes = boundary_of_the_line_x0_plus_x1_equal_to_1().axes[0]
    lines = [c for c in axes.collections if isinstance(c, ContourSet) and not c.filled]
    vertices = np.concatenate([path.vertices for c in lines for path in c.get_paths()])
    assert len(vertices) >= 30
    np.testing.assert_allclose(vertices.sum(axis=1), 1.0, atol=1e-5)  # a staircase would be off by up to a grid step (~0.04)


def test_confusion_matrix_labels_true_and_predicted_with_class_names_and_a_colour_bar():
    matrix = np.array([[5, 1], [2, 7]])
    figure = plots.confusion_matrix(matrix, ["cat", "dog"], "pets: cnn")
    axes, colour_bar = figure.axes
    assert (axes.get_title(), axes.get_xlabel(), axes.get_ylabel()) == ("pets: cnn", "predicted", "true")
    assert [t.get_text() for t in axes.get_xticklabels()] == ["cat", "dog"]
    assert [t.get_text() for t in axes.get_yticklabels()] == ["cat", "dog"]
    assert colour_bar.get_ylabel() == "test samples"
    assert [t.get_text() for t in axes.texts] == ["5", "1", "2", "7"]  # row by row: row i is true class i


def test_scatter_of_a_toy_set_has_axes_and_a_legend_of_classes():
    figure = plots.scatter(np.array([[0.1, 0.2], [0.8, 0.9]]), np.array([0, 1]), ["class 0", "class 1"], "moons: 2 points")
    axes = figure.axes[0]
    assert (axes.get_title(), axes.get_xlabel(), axes.get_ylabel()) == ("moons: 2 points", "x0", "x1")
    assert legend_texts(axes) == ["class 0", "class 1"]


def test_image_grid_titles_each_image_with_its_caption():
    figure = plots.image_grid([np.zeros((28, 28))] * 3, ["Coat", "Bag", "Shirt"], "fashion-mnist: 3 images", columns=2)
    assert figure.get_suptitle() == "fashion-mnist: 3 images"
    assert [a.get_title() for a in figure.axes] == ["Coat", "Bag", "Shirt", ""]
    assert [len(a.get_images()) for a in figure.axes] == [1, 1, 1, 0]


def test_class_names_come_from_the_dataset_also_through_a_split():
    images = FashionMNIST.__new__(FashionMNIST)
    images.labels = np.zeros(4, dtype=np.int64)
    train, _ = random_split(images, [3, 1], generator=tg.Generator().manual_seed(0))
    assert plots.class_names(train, 10) == FashionMNIST.classes
    assert plots.class_names(tg.utils.data.TensorDataset(tg.zeros(2, 2)), 2) == ["class 0", "class 1"]
