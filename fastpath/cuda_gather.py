"""CUDA kernels that move elements by position: take, scatter_add, put and assign.

Indexing, embedding lookups, im2col (convolution, pooling) and their backward passes all come
down to these. The positions are computed on the host with numpy (teachgrad's index math) and
copied to the GPU by the caller; each kernel is a grid-stride loop over them.

`scatter_add` is the one with a race: two threads may add into the same output element (an
embedding row used twice, overlapping convolution windows). `cuda.atomic.add` makes each
read-add-write indivisible, so no addition is lost; the order of the additions, and so the last
bits of a float sum, may differ from run to run.
"""

from __future__ import annotations

from numba import cuda

from teachgrad.fastpath.cuda_layout import position


@cuda.jit(cache=True)
def take_kernel(x, positions, out):
    """out[i] = x[positions[i]]."""
    for i in range(cuda.grid(1), out.size, cuda.gridsize(1)):
        out[i] = x[positions[i]]


@cuda.jit(cache=True)
def scatter_add_kernel(out, positions, values, shape, strides, offset):
    """out[positions[i]] += values[i] (values row-major over shape), atomically."""
    for i in range(cuda.grid(1), positions.size, cuda.gridsize(1)):
        cuda.atomic.add(out, positions[i], values[position(i, shape, strides, offset)])


@cuda.jit(cache=True)
def put_kernel(storage, positions, values, shape, strides, offset):
    """storage[positions[i]] = values[i] (values row-major over shape)."""
    for i in range(cuda.grid(1), positions.size, cuda.gridsize(1)):
        storage[positions[i]] = values[position(i, shape, strides, offset)]


@cuda.jit(cache=True)
def assign_kernel(dst, src, n, shape, dst_strides, dst_offset, src_strides, src_offset):
    """dst[i] = src[i] for the n elements of both, each seen through its layout over one shape."""
    for i in range(cuda.grid(1), n, cuda.gridsize(1)):
        dst[position(i, shape, dst_strides, dst_offset)] = src[position(i, shape, src_strides, src_offset)]
