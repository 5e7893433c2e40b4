"""Batched matrix multiply on the GPU with shared-memory tiles and a register block per thread.

    out[b, i, j] = sum_p a[b, i, p] * bm[b, p, j]        (a: (n, k), bm: (k, m) per batch entry b)

The naive kernel (one thread per output, reading a row of a and a column of b from GPU memory)
reads every input element n or m times from slow memory. Tiling fixes that:

1. A block computes a BM x BN tile of out. It walks p in steps of BK: all its threads together
   copy the BM x BK slice of a and the BK x BN slice of b into shared memory (on-chip, about
   100x faster), wait (`syncthreads`), and then compute only from shared memory.
2. Each thread computes a TM x TN block of outputs held in registers (`cuda.local.array`):
   per step p it loads TM values of a and TN values of b from shared memory and does TM * TN
   multiply-adds, so arithmetic outweighs the shared-memory reads.

A thread (tx, ty) owns rows ty, ty + BM/TM, ty + 2 BM/TM, ... and columns tx, tx + BN/TN, ... of
the tile: neighbouring threads read neighbouring shared-memory words (no bank conflicts) and write
neighbouring outputs (coalesced). Loading follows whichever of a's (and b's) strides is 1, so
a transposed operand (as in the backward pass, a.T @ g) is read coalesced too. Any other strides
work through the row/column strides; batch entries are found with `position` over the batch
dims. A grid-stride loop over all tiles of all batch entries lets any grid size cover the work.
"""

from __future__ import annotations

from numba import cuda

from teachgrad.fastpath.cuda_layout import SIMULATOR, position

# Tile sizes. A block has (BN // TN) x (BM // TM) threads. The simulator uses tiny tiles (every
# CUDA thread is a Python thread there); the code is the same.
if SIMULATOR:
    BM, BN, BK, TM, TN = 4, 4, 2, 2, 2
else:
    BM, BN, BK, TM, TN = 64, 64, 8, 4, 4
BLOCK = (BN // TN, BM // TM)  # (threads along x: columns, along y: rows)


@cuda.jit(cache=True)
def matmul_kernel(a, b, out, n, k, m, batch_shape, a_batch_strides, a_offset, b_batch_strides, b_offset,
                  a_row, a_col, b_row, b_col):
    """out[batch, i, j] = sum_p a[batch, i, p] * b[batch, p, j], out contiguous (batch, n, m).

    a's element (batch, i, p) is at position(batch, batch_shape, a_batch_strides, a_offset)
    + i * a_row + p * a_col; b's alike.
    """
    a_tile = cuda.shared.array((BK, BM), a.dtype)  # a_tile[p, i]: the slice of a, transposed
    b_tile = cuda.shared.array((BK, BN), b.dtype)  # b_tile[p, j]
    acc = cuda.local.array((TM, TN), a.dtype)
    a_values = cuda.local.array(TM, a.dtype)
    b_values = cuda.local.array(TN, b.dtype)
    tx = cuda.threadIdx.x
    ty = cuda.threadIdx.y
    thread = ty * cuda.blockDim.x + tx
    threads = cuda.blockDim.x * cuda.blockDim.y
    row_step = BM // TM
    col_step = BN // TN
    tiles_down = (n + BM - 1) // BM
    tiles_across = (m + BN - 1) // BN
    tiles_per_matrix = tiles_down * tiles_across
    a_rows_first = a_row == 1  # load a's tile walking i fastest (a is stored column-major)
    b_rows_first = b_row != 1 or b_col == 1  # load b's tile walking j fastest (the usual case)
    for tile in range(cuda.blockIdx.x, tiles_per_matrix * (out.size // (n * m)), cuda.gridDim.x):
        batch = tile // tiles_per_matrix
        within = tile - batch * tiles_per_matrix
        i0 = (within // tiles_across) * BM
        j0 = (within % tiles_across) * BN
        a_start = position(batch, batch_shape, a_batch_strides, a_offset)
        b_start = position(batch, batch_shape, b_batch_strides, b_offset)
        for r in range(TM):
            for c in range(TN):
                acc[r, c] = 0
        for p0 in range(0, k, BK):
            for e in range(thread, BM * BK, threads):  # 1. load the tiles (zeros outside the matrices)
                if a_rows_first:
                    p, i = e // BM, e % BM
                else:
                    i, p = e // BK, e % BK
                a_tile[p, i] = 0
                if i0 + i < n and p0 + p < k:
                    a_tile[p, i] = a[a_start + (i0 + i) * a_row + (p0 + p) * a_col]
            for e in range(thread, BK * BN, threads):
                if b_rows_first:
                    p, j = e // BN, e % BN
                else:
                    j, p = e // BK, e % BK
                b_tile[p, j] = 0
                if p0 + p < k and j0 + j < m:
                    b_tile[p, j] = b[b_start + (p0 + p) * b_row + (j0 + j) * b_col]
            cuda.syncthreads()
            for p in range(BK):  # 2. multiply from shared memory into registers
                for r in range(TM):
                    a_values[r] = a_tile[p, ty + r * row_step]
                for c in range(TN):
                    b_values[c] = b_tile[p, tx + c * col_step]
                for r in range(TM):
                    for c in range(TN):
                        acc[r, c] += a_values[r] * b_values[c]
            cuda.syncthreads()
        out_start = batch * n * m
        for r in range(TM):
            i = i0 + ty + r * row_step
            if i < n:
                for c in range(TN):
                    j = j0 + tx + c * col_step
                    if j < m:
                        out[out_start + i * m + j] = acc[r, c]
