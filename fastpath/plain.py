"""Step 1 of the fast path: the reference backend's loop, compiled, and nothing else.

MiniTorch's lesson: a fast kernel can start as the readable loop with `numba.njit` on top. Here
the helpers are the very functions of `teachgrad/strides.py` that explain storage and index
math (`index_of`, `position`), compiled as they are, and `add_plain` is `kernels/reference.py`'s
`binary("add", ...)` loop over them: one multi-index and two storage positions per element.

Compiling alone makes that loop about a hundred times faster than the Python reference. The
kernels the numba backend really runs (`fastpath/elementwise.py`) are the measured next steps:
the index math done once per row instead of once per element, contiguous rows so that LLVM can
use SIMD instructions, and threads for large tensors; docs/tutorials/05-fast-path.md times the
three side by side. This module is for reading and measuring; no primitive calls it.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from teachgrad import strides

index_of = njit(strides.index_of)
position = njit(strides.position)


@njit(cache=True)
def add_plain(a, a_strides, a_offset, b, b_strides, b_offset, shape, out):
    """out[flat] = a[index] + b[index] for every element, index = index_of(flat): the reference loop."""
    index = np.empty(shape.size, np.int64)
    for flat in range(out.size):
        index_of(flat, shape, index)
        out[flat] = a[position(index, a_strides, a_offset)] + b[position(index, b_strides, b_offset)]
