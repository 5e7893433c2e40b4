"""Orderings and selections whose result is a set of *indices*: sort, nonzero, unique.

Indices are integers and carry no gradient, so these are plain computations on the host (numpy's
stable argsort, argwhere and unique), not Functions. Values chosen by those indices are then
taken with `gather` or indexing, whose backward rule sends each gradient back to its source.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def host(t: Any) -> np.ndarray:
    """The values of tensor t as a numpy array on the host."""
    return t.detach()._host_array()


def sort_order(values: np.ndarray, dim: int, descending: bool) -> np.ndarray:
    """Indices that sort `values` along `dim` (stable: equal values keep their order)."""
    if values.dtype == np.bool_:
        values = values.astype(np.int64)
    keys = -values if descending else values
    if descending and values.dtype.kind == "f":
        keys = np.where(np.isnan(values), -np.inf, keys)  # NaN sorts as the largest, as in PyTorch
    return np.argsort(keys, axis=dim, kind="stable").astype(np.int64)


def nonzero_positions(values: np.ndarray) -> np.ndarray:
    """Coordinates of the non-zero elements, one row per element, in row-major order."""
    return np.argwhere(values).astype(np.int64).reshape(-1, values.ndim)


def unique_values(values: np.ndarray, return_inverse: bool, return_counts: bool, dim: int | None) -> tuple:
    """numpy.unique's results in PyTorch's order: (values, inverse?, counts?)."""
    found = np.unique(values if dim is not None else values.reshape(-1), return_inverse=True, return_counts=True, axis=dim)
    uniques, inverse, counts = found
    inverse = inverse.reshape(values.shape) if dim is None else inverse.reshape(-1)
    out = [uniques]
    if return_inverse:
        out.append(inverse.astype(np.int64))
    if return_counts:
        out.append(counts.astype(np.int64))
    return tuple(out)


def median_positions(values: np.ndarray, dim: int) -> np.ndarray:
    """Index of the lower median along `dim` (keeping dim with size 1): the ((n - 1) // 2)-th
    smallest in a stable sort; a line holding NaN gives the index of its first NaN, as in PyTorch."""
    order = sort_order(values, dim, False)  # NaN sorts last
    n = values.shape[dim]
    nans = np.isnan(values).sum(axis=dim, keepdims=True) if values.dtype.kind == "f" else 0
    rank = np.where(nans > 0, n - nans, (n - 1) // 2)
    return np.take_along_axis(order, np.broadcast_to(rank, order.shape[:dim] + (1,) + order.shape[dim + 1:]), dim)
