"""Moving tensors between devices, and making storage on a device.

A CPU tensor's storage is a 1-D numpy array; a CUDA tensor's is a 1-D numba.cuda device array
in GPU memory (see `teachgrad.fastpath.cuda`). `ToDevice` copies a tensor's elements from one
to the other; it is differentiable, so `x.cuda()` can sit inside a model and gradients flow back
to the CPU tensor.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from teachgrad import kernels
from teachgrad import cuda as teachgrad_cuda
from teachgrad.autograd.function import Function
from teachgrad.device import device as Device
from teachgrad.functions.dispatch import run_unary


def cuda_kernels() -> Any:
    """The CUDA backend module, after checking that CUDA can be used (else the clear error)."""
    teachgrad_cuda.require()
    return kernels.load("cuda")


def full_storage(where: Device, size: int, fill_value: Any, numpy_dtype: np.dtype) -> Any:
    """Storage of `size` elements on `where`, all `fill_value` (converted as np.full converts)."""
    if where.type == "cpu":
        return np.full(size, fill_value, dtype=numpy_dtype)
    return cuda_kernels().full(size, fill_value, numpy_dtype)


def number_storage(where: Device, value: Any, numpy_dtype: np.dtype) -> Any:
    """Storage of one element on `where` holding the number `value` (an operand such as the 2 in x * 2)."""
    if where.type == "cpu":
        return np.array([value], dtype=numpy_dtype)
    return cuda_kernels().full(1, value, numpy_dtype)


def empty_storage(where: Device, size: int, numpy_dtype: np.dtype) -> Any:
    """Uninitialised storage of `size` elements on `where`."""
    if where.type == "cpu":
        return np.empty(size, dtype=numpy_dtype)
    return cuda_kernels().empty(size, numpy_dtype)


def host_values(t: Any) -> np.ndarray:
    """A new host array with t's elements, shaped like t (copied from the GPU for a CUDA tensor)."""
    if t.device.type == "cpu":
        return np.array(t._array())
    if not t.is_contiguous():
        t = run_unary("identity", t)  # gather the elements on the device first: copy only those
    return cuda_kernels().to_host(t._storage, t._offset, t.numel()).reshape(tuple(t.shape))


def _target(where: Any) -> Device:
    """The device to move to, with CUDA's index made explicit (cuda means cuda:0)."""
    where = Device(where)
    return Device("cuda", where.index or 0) if where.type == "cuda" else where


class ToDevice(Function):
    """Copy a tensor to another device (`x.to("cuda")`, `x.cpu()`).

    forward:  out = x, with its elements copied to device `target` (contiguous, same dtype)
    backward: dL/dx = g copied back to x's device
    """

    @staticmethod
    def forward(ctx, x, target):
        target = _target(target)
        ctx.source = x.device
        if target.type == "cuda":  # (from the CPU: teachgrad uses one GPU, so never from CUDA)
            teachgrad_cuda.require(target.index)
            storage = cuda_kernels().from_host(x._array())
        else:
            storage = host_values(x).reshape(-1)
        return x._from_buffer(storage, x.shape, x.dtype, target)

    @staticmethod
    def backward(ctx, g):
        return g.to(ctx.source), None
