"""Fused softmax and log-softmax along one dim on the GPU: one kernel, one block per line.

    softmax(x)_k = exp(x_k - m) / sum_j exp(x_j - m)      log_softmax(x)_k = x_k - m - log(sum_j exp(x_j - m))

with m the line's maximum, so exp never overflows. Unfused, that is five kernels (max, subtract,
exp, sum, divide) and five trips through GPU memory; here a block reads its line three times
(max, sum, write) from a kernel that stays on the chip in between. The block's threads share
each pass as in `cuda_reduce.reduce_lines_kernel`: thread t takes elements t, t + T, ..., then a
tree in shared memory combines the T partial maxima (and then the T partial sums). The sums are
float64 for every input dtype: a float32 running sum over a long line loses the small terms.
"""

from __future__ import annotations

import math

from numba import cuda, float64

from teachgrad.fastpath.cuda_layout import THREADS, position


@cuda.jit(cache=True)
def softmax_kernel(x, out, kept_shape, kept_strides, offset, size, step, after, log):
    """Softmax (or log-softmax when `log`) of every line of x into the contiguous `out`.

    Line l starts at position(l, kept_shape, kept_strides, offset) in x, its elements `step`
    apart; in out (x's shape, row-major) its elements are `after` apart (after = the number of
    elements of the dims after the softmax dim).
    """
    shared = cuda.shared.array(THREADS, x.dtype)
    sums = cuda.shared.array(THREADS, float64)
    t = cuda.threadIdx.x
    for line in range(cuda.blockIdx.x, out.size // size, cuda.gridDim.x):
        start = position(line, kept_shape, kept_strides, offset)
        out_start = (line // after) * size * after + line % after
        # 1. the line's maximum
        peak = x[start]
        for k in range(t, size, THREADS):
            value = x[start + k * step]
            if value > peak:
                peak = value
        shared[t] = peak
        cuda.syncthreads()
        half = THREADS // 2
        while half > 0:
            if t < half and shared[t + half] > shared[t]:
                shared[t] = shared[t + half]
            cuda.syncthreads()
            half //= 2
        peak = shared[0]
        cuda.syncthreads()
        # 2. the sum of exp(x - peak)
        total = 0.0
        for k in range(t, size, THREADS):
            total += math.exp(x[start + k * step] - peak)
        sums[t] = total
        cuda.syncthreads()
        half = THREADS // 2
        while half > 0:
            if t < half:
                sums[t] += sums[t + half]
            cuda.syncthreads()
            half //= 2
        total = sums[0]
        # 3. the results
        log_total = math.log(total)
        for k in range(t, size, THREADS):
            shifted = x[start + k * step] - peak
            if log:
                out[out_start + k * after] = shifted - log_total
            else:
                out[out_start + k * after] = math.exp(shifted) / total
        cuda.syncthreads()  # shared memory is reused for the next line
