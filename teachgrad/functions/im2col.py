"""im2col: sliding windows gathered into columns, the data movement of convolution and pooling.

Convolution and pooling are written on top of one Function, `Unfold`. For an input of shape
(N, C, *spatial) and a window of `kernel_size` sliding with `stride` (its taps `dilation` apart),
`Unfold` gathers every window into a column:

    cols.shape == (N, C * K, L)      K = prod(kernel_size) taps, L = number of window positions

after which
    convolution  = weight (O, C*K) @ cols (N, C*K, L)                 (groups: per group)
    max pooling  = max of cols viewed as (N, C, K, L) over the K taps
    avg pooling  = sum of cols viewed as (N, C, K, L) over the K taps, / window size

The gather positions come from numpy index math (`window_coordinates`), so the kernels only
`take` (forward) and `scatter_add` (backward, "col2im"): the same Function runs on every backend.
"""

from __future__ import annotations

import functools

import numpy as np

from teachgrad.autograd.function import Function
from teachgrad.functions.dispatch import run_take
from teachgrad.functions.take import PutAdd
from teachgrad.strides import contiguous_strides, numel


def output_size(size: int, kernel: int, stride: int, dilation: int) -> int:
    """How many windows fit: floor((size - dilation * (kernel - 1) - 1) / stride) + 1."""
    return (size - dilation * (kernel - 1) - 1) // stride + 1


def window_coordinates(size: int, kernel: int, stride: int, dilation: int) -> np.ndarray:
    """coords[j, o] = o * stride + j * dilation: the input coordinate of tap j of window o (one dim)."""
    windows = output_size(size, kernel, stride, dilation)
    return np.arange(kernel, dtype=np.int64)[:, None] * dilation + np.arange(windows, dtype=np.int64)[None, :] * stride


def window_offsets(spatial: tuple, strides: tuple, kernel_size: tuple, stride: tuple, dilation: tuple) -> np.ndarray:
    """offsets[k, l]: storage offset of tap k of window l from the start of one (n, c) plane.

    offset = sum over spatial dims d of coords_d[j_d, o_d] * strides[d], with the taps
    (j_1, j_2, ...) flattened row-major into k and the window positions (o_1, o_2, ...) into l.
    """
    dims = len(spatial)
    offsets = np.zeros((1,) * (2 * dims), dtype=np.int64)
    for d in range(dims):
        coords = window_coordinates(spatial[d], kernel_size[d], stride[d], dilation[d])
        shape = [1] * (2 * dims)
        shape[d], shape[dims + d] = coords.shape
        offsets = offsets + coords.reshape(shape) * strides[d]
    return offsets.reshape(numel(kernel_size), -1)


@functools.lru_cache(maxsize=16)
def unfold_positions(shape: tuple, strides: tuple, offset: int, kernel_size: tuple, stride: tuple, dilation: tuple) -> np.ndarray:
    """positions[n, c*K + k, l] = offset + n*strides[0] + c*strides[1] + window_offsets[k, l],
    flattened, and the shape (N, C*K, L) they form.

    Remembered (a training loop unfolds the same shapes every step), so the array is read-only.
    """
    batch, channels = shape[:2]
    planes = (np.arange(batch, dtype=np.int64)[:, None] * strides[0] + np.arange(channels, dtype=np.int64)[None, :] * strides[1])
    taps = window_offsets(shape[2:], strides[2:], kernel_size, stride, dilation)
    positions = (offset + planes[:, :, None, None] + taps[None, None, :, :]).reshape(-1)
    positions.flags.writeable = False
    return positions, (batch, channels * taps.shape[0], taps.shape[1])


class Unfold(Function):
    """Gather sliding windows of x (N, C, *spatial) into columns (im2col).

    K = prod(kernel_size) taps per window; L = prod(out_d), out_d = floor((size_d - dilation_d *
    (kernel_d - 1) - 1) / stride_d) + 1 window positions; j (tap) and o (window) are the
    row-major multi-indices of k and l.

    forward:  cols[n, c*K + k, l] = x[n, c, o_1*stride_1 + j_1*dilation_1, o_2*stride_2 + j_2*dilation_2, ...]
              (one `take` at storage positions computed by `unfold_positions`)
    backward: dL/dx = col2im(g): scatter_add of g[n, c*K + k, l] into zeros(x.shape) at the
              same elements; an element inside several windows gets the sum of their gradients
    """

    @staticmethod
    def forward(ctx, x, kernel_size, stride, dilation):
        positions, shape = unfold_positions(tuple(x.shape), tuple(x._layout_strides), x._offset, kernel_size, stride,
                                            dilation)
        ctx.shape = x.shape
        ctx.elements, _ = unfold_positions(tuple(x.shape), contiguous_strides(x.shape), 0, kernel_size, stride, dilation)
        return run_take(x, positions, shape)

    @staticmethod
    def backward(ctx, g):
        return PutAdd.apply(g, ctx.elements, ctx.shape), None, None, None
