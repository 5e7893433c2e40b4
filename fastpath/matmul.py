"""Matrix multiplication the way fast libraries do it: packed panels and a register micro-kernel.

    out[i, j] = sum_p a[i, p] * b[p, j]        a: (n, k), b: (k, m), out: (n, m)

The textbook triple loop (one dot product per output) runs at 1-6 GFLOP/s on this machine;
this kernel reaches 100+ GFLOP/s per core, close to OpenBLAS. Three ideas, innermost first
(Goto and van de Geijn, "Anatomy of high-performance matrix multiplication", the design of
BLIS and OpenBLAS):

1. **Register micro-kernel.** A tile of MR x NR = 4 x 16 outputs is accumulated in registers
   (`fastpath/registers.py`): for each p, four numbers of a times sixteen of b are added into
   the tile, 64 multiply-adds for 20 numbers loaded. Sixteen float32 are one AVX-512 register,
   so a step is 4 fused multiply-add instructions. This needs the SLP vectoriser
   (`NUMBA_SLP_VECTORIZE=1`, set in `fastpath/__init__.py`) and `fastmath={"contract"}`, which
   allows fusing a * b + c into one instruction (full fastmath made LLVM use slow gathers).
2. **Packing.** The micro-kernel wants its inputs in exactly the order it reads them. Before
   computing, a block of a (MC x KC) is copied into panels of MR rows, stored column by column
   (`_pack_a`), and a block of b (KC x NC) into panels of NR columns, row by row (`_pack_b`).
   The kernel then reads both with stride 1 from index 0. Packing also takes care of layout:
   a transposed or sliced input costs one strided copy, not a slow inner loop; and of edges:
   panels are padded with zeros to whole tiles.
3. **Cache blocking.** A panel of b (KC x NR = 512 x 16 float32, 32 KB) stays in the L1 cache
   while the micro-kernel pairs it with every panel of the packed block of a (MC x KC = 32 x 512,
   64 KB, in the L2 cache); the packed block of b (KC x NC) is reused for every block of a.

Threads: the rows of the output (and the matrices of a batch) are split among threads; each
packs its own blocks. Batched inputs are (*batch, n, k) @ (*batch, k, m), one offset per
matrix of the batch. Nothing here calls numpy's BLAS: mixing OpenBLAS threads and Numba's
threads in one process costs about 8 ms per switch (docs/performance.md, "Measuring on this machine").
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from teachgrad.fastpath.registers import register_tile

MR, NR = 4, 16  # the register tile: MR rows of a times NR columns of b
# Block sizes, tuned on this machine (32 KB L1 and 1 MB L2 per core; see docs/performance.md):
KC = 512  # depth of a packed panel
MC = 32  # rows of a packed together (a multiple of MR)
NC = 1024  # columns of b packed together (a multiple of NR)


@njit(inline="always")
def _pack_a(a, offset, row_step, col_step, rows, depth, packed):
    """Copy a[i, p] (i < rows, p < depth) into panels of MR rows, each stored p by p: the panel
    of rows r..r+MR-1 holds a[r + i, p] at packed[r * depth + p * MR + i]. Rows past the edge
    are zeros."""
    for r in range(0, rows, MR):
        panel = packed[r * depth:(r + MR) * depth]
        for p in range(depth):
            for i in range(MR):
                panel[p * MR + i] = a[offset + (r + i) * row_step + p * col_step] if r + i < rows else 0


@njit(inline="always")
def _pack_b(b, offset, row_step, col_step, depth, cols, packed):
    """Copy b[p, j] (p < depth, j < cols) into panels of NR columns, each stored p by p: the
    panel of columns c..c+NR-1 holds b[p, c + j] at packed[c * depth + p * NR + j]. Columns past
    the edge are zeros."""
    for c in range(0, cols, NR):
        panel = packed[c * depth:(c + NR) * depth]
        width = min(NR, cols - c)
        for p in range(depth):
            row = panel[p * NR:p * NR + NR]
            start = offset + p * row_step + c * col_step
            for j in range(width):
                row[j] = b[start + j * col_step]
            for j in range(width, NR):
                row[j] = 0


@njit(inline="always")
def _micro_kernel(depth, a_panel, b_panel, out, start, stride, rows, cols, first):
    """out tile (rows x cols at `start`, rows `stride` apart) = (or +=) a_panel @ b_panel."""
    tile = register_tile(MR, NR, a_panel)
    for p in range(depth):
        a = a_panel[p * MR:p * MR + MR]
        b = b_panel[p * NR:p * NR + NR]
        for i in range(MR):
            a_i = a[i]
            for j in range(NR):
                tile[i, j] += a_i * b[j]
    for i in range(rows):
        dest = out[start + i * stride:start + i * stride + cols]
        if first:
            for j in range(cols):
                dest[j] = tile[i, j]
        else:
            for j in range(cols):
                dest[j] += tile[i, j]


@njit(cache=True, fastmath={"contract"})
def matmul_block(a, a_offset, a_row, a_col, b, b_offset, b_row, b_col, out, out_offset,
                 n, k, m, row_lo, row_hi, packed_a, packed_b):
    """Rows row_lo..row_hi-1 of one product: out[out_offset + i * m + j] = sum_p a[i, p] * b[p, j].

    a[i, p] is a[a_offset + i * a_row + p * a_col], likewise b. k >= 1.
    packed_a and packed_b have the sizes `packed_sizes` gives.
    """
    for jc in range(0, m, NC):
        nc = min(NC, m - jc)
        for pc in range(0, k, KC):
            kc = min(KC, k - pc)
            _pack_b(b, b_offset + pc * b_row + jc * b_col, b_row, b_col, kc, nc, packed_b)
            for ic in range(row_lo, row_hi, MC):
                mc = min(MC, row_hi - ic)
                _pack_a(a, a_offset + ic * a_row + pc * a_col, a_row, a_col, mc, kc, packed_a)
                for jr in range(0, nc, NR):
                    b_panel = packed_b[jr * kc:(jr + NR) * kc]
                    for ir in range(0, mc, MR):
                        a_panel = packed_a[ir * kc:(ir + MR) * kc]
                        start = out_offset + (ic + ir) * m + jc + jr
                        _micro_kernel(kc, a_panel, b_panel, out, start, m,
                                      min(MR, mc - ir), min(NR, nc - jr), pc == 0)


def packed_sizes(n: int, k: int, m: int) -> tuple[int, int]:
    """Sizes of the packing buffers for (n, k) @ (k, m): one block of a, one of b."""
    depth = min(KC, k)
    return -(-min(MC, n) // MR) * MR * depth, depth * -(-min(NC, m) // NR) * NR


@njit(cache=True)
def matmul_serial(a, a_offsets, a_row, a_col, b, b_offsets, b_row, b_col, out, n, k, m, size_a, size_b):
    """Every product of the batch on this thread (a_offsets[i], b_offsets[i]: matrix i)."""
    packed_a = np.empty(size_a, a.dtype)
    packed_b = np.empty(size_b, b.dtype)
    for i in range(a_offsets.size):
        matmul_block(a, a_offsets[i], a_row, a_col, b, b_offsets[i], b_row, b_col, out, i * n * m,
                     n, k, m, 0, n, packed_a, packed_b)


@njit(cache=True, parallel=True)
def matmul_parallel(a, a_offsets, a_row, a_col, b, b_offsets, b_row, b_col, out, n, k, m, size_a, size_b,
                    row_pieces, piece_rows):
    """The batch on all threads: work item = (matrix, piece of `piece_rows` rows)."""
    items = a_offsets.size * row_pieces
    for item in prange(items):
        i, piece = item // row_pieces, item % row_pieces
        lo, hi = piece * piece_rows, min(n, (piece + 1) * piece_rows)
        if lo < hi:
            packed_a = np.empty(size_a, a.dtype)
            packed_b = np.empty(size_b, b.dtype)
            matmul_block(a, a_offsets[i], a_row, a_col, b, b_offsets[i], b_row, b_col, out, i * n * m,
                         n, k, m, lo, hi, packed_a, packed_b)



@njit(cache=True, fastmath={"contract", "reassoc"})
def matmul_small(a, a_offsets, a_row, a_col, b, b_offsets, b_row, b_col, out, n, k, m):
    """The same product for small matrices, where packing would cost more than it saves.

    Rows of b contiguous (b_col == 1): the i-p-j loop, out[i, :] += a[i, p] * b[p, :], a
    contiguous inner loop over j. b transposed (b_row == 1, a_col == 1): one dot product per
    output, a[i, :] . b[:, j], both contiguous (`reassoc` lets LLVM split the sum into SIMD lanes).
    """
    for q in range(a_offsets.size):
        a0, b0, o0 = a_offsets[q], b_offsets[q], q * n * m
        if b_col != 1 and b_row == 1 and a_col == 1:
            for i in range(n):
                a_line = a[a0 + i * a_row:a0 + i * a_row + k]
                for j in range(m):
                    b_line = b[b0 + j * b_col:b0 + j * b_col + k]
                    total = out.dtype.type(0)
                    for p in range(k):
                        total += a_line[p] * b_line[p]
                    out[o0 + i * m + j] = total
            continue
        for i in range(n):
            row = out[o0 + i * m:o0 + (i + 1) * m]
            for j in range(m):
                row[j] = 0
            for p in range(k):
                weight = a[a0 + i * a_row + p * a_col]
                if b_col == 1:
                    b_line = b[b0 + p * b_row:b0 + p * b_row + m]
                    for j in range(m):
                        row[j] += weight * b_line[j]
                else:
                    for j in range(m):
                        row[j] += weight * b[b0 + p * b_row + j * b_col]
