"""The toy 2-D datasets: shapes, dtypes, labels and determinism."""

import numpy as np
import pytest
from teachgrad.datasets import TOY_DATASETS, circle, diag, split, xor

import teachgrad
from teachgrad.utils.data import DataLoader


@pytest.mark.parametrize("name", sorted(TOY_DATASETS))
def test_items_are_a_float32_point_and_an_int64_label(name):
    ds = TOY_DATASETS[name](n=50, seed=0)
    x, y = ds[0]
    assert len(ds) == 50
    assert x.shape == (2,) and x.dtype == teachgrad.float32
    assert y.shape == () and y.dtype == teachgrad.int64


@pytest.mark.parametrize("name", sorted(TOY_DATASETS))
def test_both_labels_occur(name):
    assert set(TOY_DATASETS[name](n=200, seed=0).labels.tolist()) == {0, 1}


@pytest.mark.parametrize("name", sorted(TOY_DATASETS))
def test_the_same_seed_gives_the_same_points(name):
    a, b = TOY_DATASETS[name](n=30, seed=3), TOY_DATASETS[name](n=30, seed=3)
    assert np.array_equal(a.points, b.points)


@pytest.mark.parametrize("name", sorted(TOY_DATASETS))
def test_another_seed_gives_other_points(name):
    assert not np.array_equal(TOY_DATASETS[name](n=30, seed=3).points, TOY_DATASETS[name](n=30, seed=4).points)


def test_xor_labels_points_with_exactly_one_coordinate_above_one_half():
    ds = xor(n=100, seed=1)
    assert np.array_equal(ds.labels, ((ds.points[:, 0] > 0.5) != (ds.points[:, 1] > 0.5)).astype(np.int64))


def test_diag_labels_points_below_the_diagonal():
    ds = diag(n=100, seed=1)
    assert np.array_equal(ds.labels, (ds.points.sum(axis=1) < 0.5).astype(np.int64))


def test_split_labels_the_two_outer_bands():
    ds = split(n=100, seed=1)
    x0 = ds.points[:, 0]
    assert np.array_equal(ds.labels, ((x0 < 0.2) | (x0 > 0.8)).astype(np.int64))


def test_circle_labels_points_outside_the_circle():
    ds = circle(n=100, seed=1)
    assert np.array_equal(ds.labels, (((ds.points - 0.5) ** 2).sum(axis=1) > 0.1).astype(np.int64))


def test_whole_set_is_available_as_X_and_y():
    ds = xor(n=20, seed=0)
    assert ds.X.shape == (20, 2) and ds.y.shape == (20,)


def test_loader_batches_points_and_labels():
    xb, yb = next(iter(DataLoader(xor(n=20, seed=0), batch_size=8)))
    assert xb.shape == (8, 2) and yb.dtype == teachgrad.int64


def test_a_non_positive_n_is_rejected():
    with pytest.raises(ValueError, match="n should be a positive integer"):
        xor(n=0)
