"""`register_tile`: a small array that the compiler can keep in CPU registers.

A matrix-multiply micro-kernel accumulates a tile of MR x NR results (4 x 16 float32 here)
while it streams through the packed inputs. Those accumulators must live in registers: a
load and a store per multiply-add would make the kernel memory-bound (measured: 7 GFLOP/s
instead of 110).

`np.zeros((4, 16))` inside a compiled function allocates on the heap. To LLVM that memory is
an opaque pointer that might overlap the input arrays, so every `acc[i, j] += ...` must really
go to memory. `register_tile(4, 16, like)` instead reserves the array in the function's own
stack frame (an LLVM `alloca` of fixed size). LLVM knows nothing else can point there; once the
loops over the tile are unrolled (their bounds are constants), it replaces the array by 64
scalar values, and the SLP vectoriser packs each row of 16 into one AVX-512 register.

The tile must not outlive the function that made it (it is not reference counted); use it
only as a local accumulator, as `fastpath/matmul.py` does.
"""

from __future__ import annotations

from numba import types
from numba.core import cgutils
from numba.extending import intrinsic
from numba.np.arrayobj import make_array, populate_array


@intrinsic(prefer_literal=True)
def register_tile(typingctx, rows, cols, like):
    """A (rows, cols) C-contiguous array of zeros of like's dtype, in the caller's stack frame.

    rows and cols must be compile-time constants (module-level ints).
    """
    if not isinstance(rows, types.IntegerLiteral) or not isinstance(cols, types.IntegerLiteral):
        return None
    dtype = like.dtype
    array_type = types.Array(dtype, 2, "C")

    def codegen(context, builder, signature, args):
        n_rows, n_cols = signature.args[0].literal_value, signature.args[1].literal_value
        item_type = context.get_data_type(dtype)
        data = cgutils.alloca_once(builder, item_type, size=n_rows * n_cols)
        zero = context.get_constant(dtype, 0)
        for i in range(n_rows * n_cols):
            builder.store(zero, builder.gep(data, [context.get_constant(types.intp, i)]))
        itemsize = context.get_abi_sizeof(item_type)
        tile = make_array(array_type)(context, builder)
        populate_array(
            tile,
            data=data,
            shape=[context.get_constant(types.intp, n_rows), context.get_constant(types.intp, n_cols)],
            strides=[context.get_constant(types.intp, n_cols * itemsize), context.get_constant(types.intp, itemsize)],
            itemsize=context.get_constant(types.intp, itemsize),
            meminfo=None,
        )
        return tile._getvalue()

    return array_type(rows, cols, like), codegen
