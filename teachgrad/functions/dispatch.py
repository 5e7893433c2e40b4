"""The seam between Functions and backends: run a primitive on tensors, get a tensor back.

Each helper picks the kernels for the tensors' device (the active CPU backend, or CUDA), hands
them `StridedArray`s, and wraps the buffer the kernel returns in a new tensor. Functions call
these helpers and never a backend directly, so one Function runs on every backend.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

from teachgrad import kernels as kernel_selection
from teachgrad.device import CPU
from teachgrad.dtypes import dtype
from teachgrad.strides import StridedArray, broadcast_shapes, numel


def kernels(*tensors: Any) -> ModuleType:
    """The backend module for these tensors; all of them must be on one device."""
    for t in tensors:
        if t._device is not CPU:
            return _device_kernels(tensors)
    return kernel_selection.cpu_kernels()


def _device_kernels(tensors: tuple) -> ModuleType:
    """The backend module of tensors not all on the CPU: CUDA's, or an error naming the devices."""
    if all(t._device.type == "cpu" for t in tensors):
        return kernel_selection.cpu_kernels()
    devices = {t.device for t in tensors}
    if len(devices) > 1:
        names = sorted(str(d) for d in devices)
        raise RuntimeError(
            f"Expected all tensors to be on the same device, but found at least two devices, {names[1]} and {names[0]}!"
        )
    (where,) = devices
    if where.type == "cuda":
        return kernel_selection.load("cuda")
    return kernel_selection.cpu_kernels()


def run_unary(op: str, x: Any, out_dtype: dtype | None = None) -> Any:
    """out[i] = op(x[i])."""
    out_dtype = out_dtype or x.dtype
    buffer = kernels(x).unary(op, x._strided(), out_dtype.numpy)
    return x._from_buffer(buffer, x.shape, out_dtype)


def _broadcast(a: tuple, b: tuple) -> tuple:
    """broadcast_shapes(a, b), with the common cases first: equal shapes, or one is a number."""
    if a == b or not b:
        return a
    return b if not a else broadcast_shapes(a, b)


def run_binary(op: str, a: Any, b: Any, out_dtype: dtype | None = None) -> Any:
    """out = op(a, b) elementwise, after broadcasting a and b to one shape."""
    shape = _broadcast(a._shape, b._shape)
    out_dtype = out_dtype or a.dtype
    buffer = kernels(a, b).binary(op, a._strided(shape), b._strided(shape), out_dtype.numpy)
    return a._from_buffer(buffer, shape, out_dtype)


def run_where(cond: Any, a: Any, b: Any) -> Any:
    """out = a where cond else b, all broadcast to one shape."""
    shape = _broadcast(_broadcast(cond._shape, a._shape), b._shape)
    buffer = kernels(cond, a, b).where(cond._strided(shape), a._strided(shape), b._strided(shape), a.dtype.numpy)
    return a._from_buffer(buffer, shape, a.dtype)


def run_reduce(op: str, x: Any, dim: int, out_dtype: dtype | None = None, shape: tuple | None = None) -> Any:
    """Reduce along one dim, keeping it with size 1 (or giving the result `shape`, as many elements)."""
    out_dtype = out_dtype or x.dtype
    shape = shape if shape is not None else x.shape[:dim] + (1,) + x.shape[dim + 1 :]
    buffer = kernels(x).reduce(op, x._strided(), dim, out_dtype.numpy)
    return x._from_buffer(buffer, shape, out_dtype)


def run_reduce_trailing(op: str, x: Any, first: int, out_dtype: dtype | None, shape: tuple) -> Any:
    """Reduce a contiguous x over all its dims from `first` on, in one kernel call: they are seen
    as one merged dim (row-major storage makes them one run of memory per output)."""
    out_dtype = out_dtype or x.dtype
    merged = StridedArray(x._storage, x.shape[:first] + (numel(x.shape[first:]),), x.stride()[:first] + (1,), x._offset)
    buffer = kernels(x).reduce(op, merged, first, out_dtype.numpy)
    return x._from_buffer(buffer, shape, out_dtype)


def run_matmul(a: Any, b: Any) -> Any:
    """(*batch, n, k) @ (*batch, k, m) with equal batch shapes."""
    shape = a.shape[:-1] + b.shape[-1:]
    buffer = kernels(a, b).matmul(a._strided(), b._strided(), a.dtype.numpy)
    return a._from_buffer(buffer, shape, a.dtype)


def run_softmax(x: Any, dim: int, log: bool) -> Any:
    buffer = kernels(x).softmax(x._strided(), dim, log, x.dtype.numpy)
    return x._from_buffer(buffer, x.shape, x.dtype)


def run_cumsum(x: Any, dim: int) -> Any:
    """Running sum along one dim (x's shape and dtype)."""
    buffer = kernels(x).cumsum(x._strided(), dim, x.dtype.numpy)
    return x._from_buffer(buffer, x.shape, x.dtype)


def _flat(positions: np.ndarray) -> np.ndarray:
    """positions as a 1-D array (the same array when it is one: read-only positions are checked
    once by the backend, and recognised by identity)."""
    return positions if positions.ndim == 1 else positions.reshape(-1)


def run_take(x: Any, positions: np.ndarray, shape: tuple) -> Any:
    """out (of `shape`) = x.storage[positions], positions given in storage coordinates."""
    buffer = kernels(x).take(x._strided(), _flat(positions), x.dtype.numpy)
    return x._from_buffer(buffer, shape, x.dtype)


def run_scatter_add(values: Any, positions: np.ndarray, shape: tuple) -> Any:
    """A tensor of `shape`, zero except values added at flat positions (the adjoint of take)."""
    buffer = kernels(values).scatter_add(numel(shape), _flat(positions), values._strided(), values.dtype.numpy)
    return values._from_buffer(buffer, shape, values.dtype)


def run_assign(dst: Any, src: Any) -> None:
    """Write src (broadcast to dst's shape, converted to dst's dtype) into dst's storage."""
    if src.dtype is not dst.dtype:
        src = run_unary("identity", src, dst.dtype)
    kernels(dst, src).assign(dst._strided(), src._strided(dst.shape))


def run_add_scaled(dst: Any, src: Any, alpha: float) -> None:
    """dst += alpha * src, in place (src broadcast to dst's shape, converted to dst's dtype)."""
    if src.dtype is not dst.dtype:
        src = run_unary("identity", src, dst.dtype)
    kernels(dst, src).add_scaled(dst._strided(), src._strided(dst.shape), alpha)


def run_put(target: Any, positions: np.ndarray, values: Any) -> None:
    """target.storage[positions] = values (broadcast to positions' shape), in place."""
    if values.dtype is not target.dtype:
        values = run_unary("identity", values, target.dtype)
    kernels(target, values).put(target._storage, _flat(positions), values._strided(positions.shape))
