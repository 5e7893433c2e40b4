"""PyTorch's `torch.return_types`: the named (values, indices) results of max, min, sort, topk, median.

Each is a tuple, so `values, indices = x.max(1)` and `x.max(1)[0]` work, with the two parts also
named: `x.max(1).values`, `x.max(1).indices`. It prints as PyTorch prints it:

    teachgrad.return_types.max(
    values=tensor([5., 6.]),
    indices=tensor([1, 2]))
"""

from __future__ import annotations

import collections


class _ValuesIndices(collections.namedtuple("_ValuesIndices", ["values", "indices"])):
    """A (values, indices) tuple that prints under its class name, as PyTorch's results do."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"teachgrad.return_types.{type(self).__name__}(\nvalues={self.values!r},\nindices={self.indices!r})"


class max(_ValuesIndices):  # noqa: A001  (PyTorch's name)
    """The largest value along a dim, and its index."""
    __slots__ = ()


class min(_ValuesIndices):  # noqa: A001  (PyTorch's name)
    """The smallest value along a dim, and its index."""
    __slots__ = ()


class sort(_ValuesIndices):
    """The values in order along a dim, and where each came from."""
    __slots__ = ()


class topk(_ValuesIndices):
    """The k largest (or smallest) values along a dim, and their indices."""
    __slots__ = ()


class median(_ValuesIndices):
    """The lower median along a dim, and its index."""
    __slots__ = ()
