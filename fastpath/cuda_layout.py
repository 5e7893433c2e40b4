"""How the CUDA kernels find elements and how many threads they run on.

A GPU runs one small function (a *kernel*) on many threads at once. Threads come in *blocks*
(up to 1024 threads that can share fast on-chip memory and wait for each other), and blocks make
up the *grid*. Every kernel here uses a **grid-stride loop**::

    for i in range(cuda.grid(1), n, cuda.gridsize(1)):    # this thread's first element, then every
        ...                                                # (number of threads in the grid)-th one

so any grid size covers any n: the launch size is a tuning choice, never a correctness one.

Index math. Thread i works on the i-th element in row-major order and finds it in each operand's
storage with `position(i, shape, strides, offset)`: the reference backend's `position` run
backwards from a flat index (divide by each size from the last dim). Integer division is slow on
a GPU, so the host first *coalesces* the layout (`routing.coalesce`): dims of size 1 are
dropped and neighbouring dims that every operand walks contiguously are merged. A contiguous tensor, or a tensor plus a number,
becomes one dim and needs no division at all; (S, S) + (S, 1) becomes two dims, one division.
Shapes and strides travel to the kernel as tuples (kernel parameters, no copy to the GPU); numba
compiles a kernel once per dtype and number of dims.

The simulator. Under numba's CUDA simulator (NUMBA_ENABLE_CUDASIM=1) every CUDA thread is a
Python thread, about 0.1-2 ms each, so launches there use a few threads per block and at most two
blocks (`THREADS`, `MAX_BLOCKS`). The kernels are the same code; only these launch constants
differ. With 4 threads a block still runs every step of a tree reduction, and lines longer than a
block still take the two-pass path, so the simulator exercises every branch real launches take.
"""

from __future__ import annotations

from numba import cuda
from numba.core import config

SIMULATOR = bool(config.ENABLE_CUDASIM)

# Threads per block for elementwise, gather, reduction and softmax kernels (a power of two: the
# tree reductions halve it), and the most blocks an elementwise grid-stride launch uses.
THREADS = 4 if SIMULATOR else 256
MAX_BLOCKS = 2 if SIMULATOR else 4096


def blocks_for(n: int, threads: int = THREADS) -> int:
    """Blocks for a grid-stride loop over n items: enough to give every thread one, capped."""
    return max(1, min(-(-n // threads), MAX_BLOCKS))


@cuda.jit(device=True)
def position(i, shape, strides, offset):
    """Storage position of the i-th element (row-major) of a layout: offset + sum_d index[d] * strides[d]."""
    pos = offset
    rest = i
    for d in range(len(shape) - 1, 0, -1):
        size = shape[d]
        pos += (rest % size) * strides[d]
        rest //= size
    return pos + rest * strides[0]
