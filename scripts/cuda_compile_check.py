"""Compile every CUDA kernel of teachgrad to PTX, without a GPU: catches typing errors early.

numba's CUDA simulator (what the tests use) runs kernels as Python, so code that numba cannot
compile for a real GPU would pass there. This script compiles each kernel of
`teachgrad.fastpath.cuda_*` for the argument types the backend passes (every dtype, layouts of
1 to 3 dims) with `numba.cuda.compile_ptx`, which needs NVIDIA's NVVM and NVRTC libraries but no GPU and no
driver. They come with the CUDA toolkit, or from the package index (the `cuda-check` extra:
numba-cuda, nvidia-cuda-nvcc-cu12 for NVVM and libdevice, nvidia-cuda-nvrtc-cu12, without which
every kernel fails to compile):

    pip install -e '.[cuda-check]'
    python scripts/cuda_compile_check.py          # finds NVVM in that package by itself

CI (`.ci/run`) runs it through tests/cuda/test_compile.py.

Exit status 0 when everything compiled; the failures are listed otherwise.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path


def _point_numba_at_pip_nvvm() -> None:
    """Use NVVM and libdevice from the nvidia-cuda-nvcc-cu12 wheel when no CUDA toolkit is set up."""
    if os.environ.get("NUMBA_CUDA_NVVM") or os.environ.get("CUDA_HOME"):
        return
    try:
        import nvidia.cuda_nvcc as package
    except ImportError:
        return
    root = Path(list(package.__path__)[0])
    nvvm = root / "nvvm" / "lib64" / "libnvvm.so"
    if nvvm.exists():
        os.environ["CUDA_HOME"] = str(root)
        os.environ["NUMBA_CUDA_NVVM"] = str(nvvm)
        os.environ["NUMBA_CUDA_LIBDEVICE"] = str(root / "nvvm" / "libdevice")


_point_numba_at_pip_nvvm()
if os.environ.get("NUMBA_ENABLE_CUDASIM", "0") not in ("", "0"):
    sys.exit("unset NUMBA_ENABLE_CUDASIM: the simulator compiles nothing")

from numba import cuda, types  # noqa: E402  (after the environment is set)

from teachgrad.fastpath import cuda_elementwise, cuda_gather, cuda_matmul, cuda_reduce, cuda_scan, cuda_softmax  # noqa: E402

CC = (7, 5)  # the oldest architecture the pip NVVM (CUDA 12.9) compiles for
DTYPES = {"float32": types.float32, "float64": types.float64, "int64": types.int64, "bool": types.boolean}
INT, BOOL = types.int64, types.boolean


class _NoDevice:
    """Stands in for the GPU that numba asks for its compute capability when it compiles a
    device function called from a kernel (there is none here)."""

    compute_capability = CC


def _compile_without_a_device() -> None:
    import numba.cuda.dispatcher as dispatcher

    dispatcher.get_current_device = _NoDevice


def array(dtype):
    return types.Array(dtype, 1, "C")


def layout(ndim):
    return types.UniTuple(INT, ndim)


def signatures():
    """(name, kernel, argument types) for every kernel and the type combinations the backend uses."""
    for ndim in (1, 2, 3):
        shape = layout(ndim)
        for name, t in DTYPES.items():
            arr = array(t)
            if name != "bool":  # unary/binary compute in float or int64 (bool is converted first)
                yield f"unary {name} {ndim}d", cuda_elementwise.unary_kernel, (INT, arr, arr, shape, shape, INT)
                yield (f"binary {name} {ndim}d", cuda_elementwise.binary_kernel,
                       (INT, arr, arr, arr, shape, shape, INT, shape, INT))
                for out in ("float32", "float64", "int64", "bool"):  # results stored into another dtype
                    yield (f"unary {name}->{out} {ndim}d", cuda_elementwise.unary_kernel,
                           (INT, arr, array(DTYPES[out]), shape, shape, INT))
            for out_name, out in DTYPES.items():
                yield (f"compare {name}->{out_name} {ndim}d", cuda_elementwise.compare_kernel,
                       (INT, arr, arr, array(out), shape, shape, INT, shape, INT))
            yield (f"where {name} {ndim}d", cuda_elementwise.where_kernel,
                   (array(BOOL), arr, arr, arr, shape, shape, INT, shape, INT, shape, INT))
            for out_name, out in DTYPES.items():
                yield f"cast {name}->{out_name} {ndim}d", cuda_elementwise.cast_kernel, (arr, array(out), shape, shape, INT)
            yield f"assign {name} {ndim}d", cuda_gather.assign_kernel, (arr, arr, INT, shape, shape, INT, shape, INT)
            yield f"put {name} {ndim}d", cuda_gather.put_kernel, (arr, array(INT), arr, shape, shape, INT)
            if name != "bool":
                for acc in (t, types.float64) if name == "float32" else (t,):  # float32 sums add in float64
                    yield f"reduce lines {name}->{acc} {ndim}d", cuda_reduce.reduce_lines_kernel, (
                        INT, arr, array(INT), BOOL, array(acc), array(INT), shape, shape, INT, INT, INT, INT, INT, acc)
                    yield f"reduce columns {name}->{acc} {ndim}d", cuda_reduce.reduce_columns_kernel, (
                        INT, arr, array(acc), array(INT), shape, shape, INT, INT, INT, acc)
                yield f"scatter_add {name} {ndim}d", cuda_gather.scatter_add_kernel, (arr, array(INT), arr, shape, shape, INT)
                yield f"matmul {name} batch {ndim}d", cuda_matmul.matmul_kernel, (
                    arr, arr, arr, INT, INT, INT, shape, shape, INT, shape, INT, INT, INT, INT, INT)
            if name != "bool":  # running totals: float64 for floats, int64 for integers
                total = types.int64 if name == "int64" else types.float64
                yield f"cumsum {name} {ndim}d", cuda_scan.cumsum_kernel, (arr, arr, shape, shape, INT, INT, INT, INT, total)
            if name in ("float32", "float64"):
                yield f"softmax {name} {ndim}d", cuda_softmax.softmax_kernel, (arr, arr, shape, shape, INT, INT, INT, INT, BOOL)
    for name, t in DTYPES.items():
        yield f"fill {name}", cuda_elementwise.fill_kernel, (array(t), t)
        for out_name, out in DTYPES.items():
            yield f"take {name}->{out_name}", cuda_gather.take_kernel, (array(t), array(INT), array(out))


def main() -> int:
    _compile_without_a_device()
    failures = []
    start = time.perf_counter()
    count = 0
    for name, kernel, argtypes in signatures():
        count += 1
        try:
            cuda.compile_ptx(kernel.py_func, argtypes, cc=CC)
        except Exception as error:  # report every failure, not only the first
            failures.append((name, error))
            print(f"FAILED {name}: {type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}", flush=True)
    print(f"{count - len(failures)} of {count} kernel signatures compiled to PTX in {time.perf_counter() - start:.0f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
