"""Creation functions: `tensor`, `from_numpy`, `zeros`, `arange`, `rand`, ... with PyTorch's signatures.

Each builds its values with numpy on the CPU (random draws from `teachgrad.random`), then moves
them to the requested device (else the default one, `set_default_device`). dtype inference
follows PyTorch: Python floats give the default float dtype (float32), Python ints int64, bools
bool; numpy arrays keep their dtype.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from teachgrad import dtypes
from teachgrad.device import device as Device
from teachgrad.device import get_default_device
from teachgrad.functions.indexing import Cat
from teachgrad.functions.elementwise import Where
from teachgrad.functions.out import write_out
from teachgrad.random import resolve
from teachgrad.strides import normalize_dim
from teachgrad.tensor import Tensor, _from_array, _sizes


def _finish(array: np.ndarray, dtype: Any, device: Any, requires_grad: bool) -> Tensor:
    """Convert to the requested dtype, then make the tensor on the requested device."""
    if dtype is not None:
        array = array.astype(dtypes.as_dtype(dtype).numpy, copy=False)
    out = _from_array(array, Device(device) if device is not None else get_default_device(), False)
    if requires_grad:
        out.requires_grad_(True)
    return out


def _nested_values(data: Any) -> Any:
    """Replace tensors inside nested lists by their values, so numpy can read the structure."""
    if isinstance(data, Tensor):
        return data.tolist()
    if isinstance(data, (list, tuple)):
        return [_nested_values(item) for item in data]
    return data


def _infer_array(data: Any, requested: Any = None) -> np.ndarray:
    """An array with PyTorch's dtype inference for Python data (or directly in the requested dtype)."""
    if isinstance(data, np.generic):  # a numpy scalar keeps its dtype, like a 0-d array
        data = np.asarray(data)
    if isinstance(data, np.ndarray):
        if data.dtype == np.uint64 and data.size and data.max() > dtypes.INT64_MAX:
            raise ValueError(f"can't convert np.ndarray of type uint64: the value {data.max()} does not fit in int64, "
                             "teachgrad's only integer dtype")
        return data.astype(dtypes.from_numpy(data.dtype).numpy, copy=True)
    if isinstance(data, Tensor):
        return data.detach()._host_array().copy()
    values = _nested_values(data)
    try:
        array = np.array(values)
    except ValueError as error:
        raise ValueError(f"tensor(): the data is not a rectangular nested list of numbers ({error})") from None
    array = _wide_ints_as_floats(values, array, requested)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"tensor(): expected numbers (or nested lists of numbers), got elements of type {array.dtype}")
    if requested is not None:  # convert once: through float32 first, 0.1 would lose its float64 digits
        target = dtypes.as_dtype(requested)
        if target is dtypes.int64 and array.dtype.kind == "f" and not dtypes.floats_fit_int64(array):
            raise RuntimeError("value cannot be converted to type int64 without overflow")
        return array.astype(target.numpy)
    if array.dtype.kind == "f":
        return array.astype(dtypes.get_default_dtype().numpy)
    return array.astype(dtypes.from_numpy(array.dtype).numpy)


def _flat_numbers(values: Any) -> list:
    """The numbers in nested lists, in order."""
    if isinstance(values, list):
        return [number for item in values for number in _flat_numbers(item)]
    return [values]


def _wide_ints_as_floats(values: Any, array: np.ndarray, requested: Any) -> np.ndarray:
    """Python data holding ints beyond int64: float64 when the tensor is floating, else PyTorch's overflow error.

    numpy reads such ints as uint64, object or (next to a negative int) float64; a tensor of ints
    is int64, so they overflow, unless a float in the data or a floating `requested` dtype makes
    the tensor floating.
    """
    suspicious = array.dtype == object or array.dtype == np.uint64
    suspicious = suspicious or (array.dtype.kind == "f" and bool((np.abs(array) >= 2.0**63).any()))
    if not suspicious:
        return array
    numbers = _flat_numbers(values)
    wide = [v for v in numbers if isinstance(v, int) and not isinstance(v, bool) and not dtypes.INT64_MIN <= v <= dtypes.INT64_MAX]
    if not wide:
        return array
    floating = dtypes.as_dtype(requested).is_floating_point if requested is not None else any(isinstance(v, float) for v in numbers)
    if not floating:
        raise ValueError(f"Overflow when unpacking long long: {wide[0]} does not fit in int64")
    return np.array(values, dtype=np.float64)


def tensor(data: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of `data` (a number, nested lists, a numpy array, a tensor)."""
    return _finish(_infer_array(data, dtype), dtype, device, requires_grad)


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """Like `tensor`, but shares memory with a tensor or numpy array when no conversion is needed."""
    if isinstance(data, Tensor):
        return data.to(device=device, dtype=dtype) if (device or dtype) else data
    if isinstance(data, np.ndarray) and (dtype is None or dtypes.as_dtype(dtype).numpy == data.dtype):
        if data.dtype in (np.float32, np.float64, np.int64, np.bool_) and str(device or get_default_device()) == "cpu":
            return from_numpy(data)
    return tensor(data, dtype=dtype, device=device)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with a numpy array (float32, float64, int64 or bool)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    if array.dtype not in (np.float32, np.float64, np.int64, np.bool_):
        raise TypeError(
            f"can't convert np.ndarray of type {array.dtype}. The only supported types are: float64, float32, int64, and bool."
        )
    if any(s < 0 for s in array.strides):
        raise ValueError("At least one stride in the given numpy array is negative; make a copy (array.copy()) first.")
    itemsize = array.itemsize
    if any(s % itemsize for s in array.strides):
        raise ValueError("from_numpy: the array's strides are not a multiple of its element size; make a copy first.")
    strides = tuple(s // itemsize for s in array.strides)
    span = 1 + sum((size - 1) * stride for size, stride in zip(array.shape, strides)) if array.size else 0
    storage = np.lib.stride_tricks.as_strided(array, shape=(span,), strides=(itemsize,)) if array.size else array.reshape(-1)
    return Tensor._make(storage, array.shape, strides, 0, dtypes.from_numpy(array.dtype))


def full(size: Sequence[int], fill_value: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of `size` filled with `fill_value` (dtype inferred from the value, like PyTorch)."""
    target = dtypes.as_dtype(dtype if dtype is not None else dtypes.scalar_dtype(fill_value))
    dtypes.check_fits(fill_value, target)
    return _finish(np.full(_sizes((size,)), fill_value, dtype=target.numpy), None, device, requires_grad)


def zeros(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    return full(_sizes(size), 0.0, dtype=dtype, device=device, requires_grad=requires_grad)


def ones(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    return full(_sizes(size), 1.0, dtype=dtype, device=device, requires_grad=requires_grad)


def empty(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """An uninitialised tensor (here: zero-filled, so results never depend on stale memory)."""
    return zeros(*size, dtype=dtype, device=device, requires_grad=requires_grad)


def _like(t: Tensor, dtype: Any, device: Any) -> dict:
    return {"dtype": dtype if dtype is not None else t.dtype, "device": device if device is not None else t.device}


def zeros_like(t: Tensor, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    return zeros(t.shape, requires_grad=requires_grad, **_like(t, dtype, device))


def ones_like(t: Tensor, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    return ones(t.shape, requires_grad=requires_grad, **_like(t, dtype, device))


def empty_like(t: Tensor, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    return zeros_like(t, dtype=dtype, device=device, requires_grad=requires_grad)


def full_like(t: Tensor, fill_value: Any, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    return full(t.shape, fill_value, requires_grad=requires_grad, **_like(t, dtype, device))


def rand_like(t: Tensor, *, dtype=None, device=None, requires_grad=False, generator=None) -> Tensor:
    return rand(t.shape, generator=generator, requires_grad=requires_grad, **_like(t, dtype, device))


def randn_like(t: Tensor, *, dtype=None, device=None, requires_grad=False, generator=None) -> Tensor:
    return randn(t.shape, generator=generator, requires_grad=requires_grad, **_like(t, dtype, device))


def arange(start: Any, end: Any = None, step: Any = 1, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Values start, start + step, ... up to (not including) end; ints give int64."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError(f"upper bound and larger bound inconsistent with step sign (start={start}, end={end}, step={step})")
    all_ints = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
    inferred = dtypes.int64 if all_ints else dtypes.get_default_dtype()
    count = max(math.ceil((end - start) / step), 0)
    values = start + np.arange(count, dtype=np.float64 if not all_ints else np.int64) * step
    return _finish(values, dtype if dtype is not None else inferred, device, requires_grad)


def linspace(start: float, end: float, steps: int, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """`steps` evenly spaced values from start to end inclusive (computed from both ends, like PyTorch)."""
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    if steps == 1:
        return full((1,), start, dtype=dtype if dtype is not None else dtypes.get_default_dtype(), device=device,
                    requires_grad=requires_grad)
    index = np.arange(steps, dtype=np.float64)
    step = (end - start) / (steps - 1) if steps > 1 else 0.0
    values = np.where(index < steps // 2, start + index * step, end - (steps - 1 - index) * step)
    return _finish(values, dtype if dtype is not None else dtypes.get_default_dtype(), device, requires_grad)


def logspace(start: float, end: float, steps: int, base: float = 10.0, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """base ** linspace(start, end, steps)."""
    exponents = linspace(start, end, steps, dtype=dtypes.float64)._array()
    return _finish(np.power(base, exponents), dtype if dtype is not None else dtypes.get_default_dtype(), device, requires_grad)


def eye(n: int, m: int | None = None, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """An n x m matrix with ones on the diagonal."""
    if n < 0 or (m is not None and m < 0):
        raise RuntimeError(f"n and m must be non-negative, got n={n}, m={m}")
    return _finish(np.eye(n, m if m is not None else n), dtype if dtype is not None else dtypes.get_default_dtype(), device, requires_grad)


def _float_dtype(dtype: Any) -> dtypes.dtype:
    target = dtypes.as_dtype(dtype) if dtype is not None else dtypes.get_default_dtype()
    if not target.is_floating_point:
        raise RuntimeError(f"this random function needs a floating-point dtype, got {target}")
    return target


def rand(*size: Any, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Uniform samples in [0, 1)."""
    return _finish(resolve(generator).uniform(_sizes(size)), _float_dtype(dtype), device, requires_grad)


def randn(*size: Any, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Standard normal samples."""
    return _finish(resolve(generator).normal(_sizes(size)), _float_dtype(dtype), device, requires_grad)


def randint(low: int, high: int | None = None, size: Sequence[int] | None = None, *, generator=None, dtype=None, device=None,
            requires_grad=False) -> Tensor:
    """Integers drawn uniformly from [low, high): `randint(high, size)` or `randint(low, high, size)`."""
    if size is None:
        if high is None or not isinstance(high, (tuple, list)):
            raise TypeError("randint() missing the required argument 'size'")
        low, high, size = 0, low, high
    if high is None:
        low, high = 0, low
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    return _finish(resolve(generator).integers(low, high, _sizes((size,))), dtype or dtypes.int64, device, requires_grad)


def randperm(n: int, *, generator=None, dtype=None, device=None) -> Tensor:
    """A random permutation of 0 .. n-1."""
    if n < 0:
        raise RuntimeError(f"n must be non-negative, got {n}")
    return _finish(resolve(generator).permutation(n), dtype or dtypes.int64, device, False)


def normal(mean: Any = 0.0, std: Any = 1.0, size: Sequence[int] | None = None, *, generator=None, dtype=None, device=None,
           requires_grad=False) -> Tensor:
    """Normal samples; mean and std may be tensors (elementwise, broadcast) or numbers with `size`."""
    tensors = [v for v in (mean, std) if isinstance(v, Tensor)]
    if not tensors and size is None:
        raise TypeError("normal() with float mean and std needs a size")
    mean_values = mean.detach()._host_array() if isinstance(mean, Tensor) else mean
    std_values = std.detach()._host_array() if isinstance(std, Tensor) else std
    shape = _sizes((size,)) if size is not None else np.broadcast_shapes(*(t.shape for t in tensors))
    target = dtype if dtype is not None else (tensors[0].dtype if tensors else None)
    return _finish(resolve(generator).normal(shape, mean_values, std_values), _float_dtype(target), device, requires_grad)


def bernoulli(input: Tensor, p: float | None = None, *, generator=None) -> Tensor:
    """0/1 samples: 1 with probability input[i] (or p), in input's dtype."""
    probs = p if p is not None else input.detach()._host_array()
    return _finish(resolve(generator).bernoulli(input.shape, probs), input.dtype, input.device, False)


def cat(tensors: Sequence[Tensor], dim: int = 0, *, out: Tensor | None = None) -> Tensor:
    """Join tensors along an existing dim (into `out` when given; see `teachgrad.functions.out`)."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError("cat(): expected a non-empty list of Tensors")
    if not all(isinstance(t, Tensor) for t in tensors):
        raise TypeError("cat(): expected a sequence of Tensors")
    reference = next((t for t in tensors if not (t.ndim == 1 and t.shape[0] == 0)), tensors[0])
    return write_out("cat", Cat.apply(normalize_dim(dim, max(reference.ndim, 1)), *tensors), out)


concat = concatenate = cat


def stack(tensors: Sequence[Tensor], dim: int = 0, *, out: Tensor | None = None) -> Tensor:
    """Join tensors of one shape along a new dim (into `out` when given)."""
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    first = tensors[0].shape
    for i, t in enumerate(tensors):
        if t.shape != first:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(first)} at entry 0 and {list(t.shape)} at entry {i}")
    d = normalize_dim(dim, len(first) + 1)
    return write_out("stack", cat([t.unsqueeze(d) for t in tensors], d), out)


def where(condition: Tensor, input: Any = None, other: Any = None) -> Tensor:
    """Elementwise `input if condition else other`; `where(condition)` is `condition.nonzero(as_tuple=True)`."""
    if input is None and other is None:
        return condition.nonzero(as_tuple=True)
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):  # two numbers: a 0-d tensor of their type
        input = tensor(input, dtype=dtypes.result_type(input, other), device=condition.device)
    return Where.apply(condition, input, other)


def hstack(tensors: Sequence[Tensor]) -> Tensor:
    """Join along dim 1 (dim 0 for 1-D tensors)."""
    tensors = list(tensors)
    return cat(tensors, 0 if tensors and tensors[0].ndim == 1 else 1)


def vstack(tensors: Sequence[Tensor]) -> Tensor:
    """Join along dim 0, 1-D tensors first becoming rows."""
    return cat([t.reshape(1, -1) if t.ndim < 2 else t for t in tensors], 0)
