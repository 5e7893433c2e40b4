"""`Tensor`: an n-dimensional array with autograd, PyTorch's names and behaviour.

A tensor is a flat *storage* (a 1-D numpy array) seen through a layout: shape, strides and an
offset (`teachgrad.strides`). Views share the storage; every operation is a `Function` from
`teachgrad.functions`, so the methods below are one line each: read the Function to see the math.
"""

from __future__ import annotations

import builtins
import math
from typing import Any, Iterator

import numpy as np

from teachgrad import dtypes, return_types
from teachgrad.autograd.engine import run_backward
from teachgrad.autograd.grad_mode import is_grad_enabled
from teachgrad.autograd.variable import Variable
from teachgrad.device import CPU, device as Device
from teachgrad.functions import elementwise as ew
from teachgrad.functions import indexing, inplace, linalg, reduction, scan, sorting, views
from teachgrad.functions.inplace import VersionCounter
from teachgrad.functions.device import ToDevice, empty_storage, full_storage, host_values, number_storage
from teachgrad.functions.dispatch import run_add_scaled, run_reduce, run_unary
from teachgrad import random as random_draws
from teachgrad.random import resolve
from teachgrad.strides import (
    StridedArray, broadcast_shapes, broadcast_strides, infer_shape,
    is_contiguous, normalize_dim, normalize_dims, numel, row_major_strides, view_strides,
)
from teachgrad.tensor_format import format_tensor


class Size(tuple):
    """A tensor's shape: a tuple that prints like PyTorch's `torch.Size`."""

    def numel(self) -> int:
        return numel(self)

    def __repr__(self) -> str:
        return f"teachgrad.Size({list(self)})"


def _sizes(args: tuple, allow_negative: bool = False) -> tuple[int, ...]:
    """Read f(2, 3), f((2, 3)), f([2, 3]) and f(Size) alike as (2, 3).

    Sizes of a new tensor must be >= 0; `allow_negative` lets through what views read as
    "infer this size" (view(-1), expand(-1)) or "count from the end" (permute, flip dims).
    """
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    for s in args:
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)):
            raise TypeError(f"expected a sequence of ints, got {type(s).__name__}: {s!r}")
        if s < 0 and not allow_negative:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(args)}")
    return tuple(int(s) for s in args)


class Tensor(Variable):
    """An n-dimensional array that can record the operations applied to it."""

    # construction ------------------------------------------------------------------------
    def __init__(self, *args: Any) -> None:
        """`Tensor(data)` makes a float32 copy of data; `Tensor(2, 3)` an uninitialised 2x3 tensor."""
        if len(args) == 1 and not isinstance(args[0], (int, np.integer)):
            array = np.array(args[0].tolist() if isinstance(args[0], Tensor) else args[0], dtype=np.float32)
        else:
            array = np.zeros(_sizes(args), dtype=np.float32)
        self._init(array.reshape(-1), array.shape, None, 0, dtypes.float32, CPU)

    def _init(self, storage, shape, strides, offset, dtype, device, version=None, base=None) -> None:
        self._storage = storage
        self._shape = shape if type(shape) is Size else Size(shape)
        self._layout_strides = tuple(strides) if strides is not None else row_major_strides(self._shape)
        self._offset = offset
        self._dtype = dtype
        self._device = device
        self._version = version if version is not None else VersionCounter()
        self._base = base
        self._history_version = self._version.value
        self._kernel_view = None  # the StridedArray kernels see, made on first use (`_strided`)

    @classmethod
    def _make(cls, storage, shape, strides=None, offset=0, dtype=None, device=CPU, version=None, base=None) -> "Tensor":
        tensor = cls.__new__(cls)
        tensor._init(storage, shape, strides, offset, dtype or dtypes.from_numpy(storage.dtype), device, version, base)
        return tensor

    def _from_buffer(self, buffer, shape, dtype, device=None) -> "Tensor":
        """A new tensor on this tensor's device (or on `device`) owning the contiguous `buffer`."""
        return Tensor._make(buffer, shape, None, 0, dtype, device or self._device)

    def _view(self, shape, strides, offset) -> "Tensor":
        """A tensor sharing this storage with another layout (the result of a view op)."""
        return Tensor._make(self._storage, shape, strides, offset, self._dtype, self._device, self._version,
                            self._base if self._base is not None else self)

    def _new_empty(self, shape, dtype) -> "Tensor":
        return Tensor._make(empty_storage(self._device, numel(shape), dtype.numpy), shape, None, 0, dtype, self._device)

    def _as_operand(self, value: Any, dtype: dtypes.dtype) -> "Tensor":
        """`value` (a tensor or a number) as a tensor of `dtype` on this device, for a kernel."""
        if isinstance(value, Tensor):
            return value if value._dtype is dtype else run_unary("identity", value, dtype)
        dtypes.check_fits(value, dtype)
        return Tensor._make(number_storage(self._device, value, dtype.numpy), (), None, 0, dtype, self._device)

    def _strided(self, shape: tuple | None = None) -> StridedArray:
        """This tensor as a kernel sees it; with `shape`, broadcast to that shape (stride 0)."""
        if shape is None or shape == self._shape:
            if self._kernel_view is None:
                self._kernel_view = StridedArray(self._storage, self._shape, self._layout_strides, self._offset)
            return self._kernel_view
        return StridedArray(self._storage, tuple(shape), broadcast_strides(self._shape, self._layout_strides, shape), self._offset)

    def _array(self) -> np.ndarray:
        """A numpy view of this tensor's elements (shares memory; CPU only)."""
        if self._device.type != "cpu":
            raise TypeError(f"can't convert {self._device} device type tensor to numpy. Use Tensor.cpu() to copy the tensor to host memory first.")
        itemsize = self._storage.itemsize
        return np.lib.stride_tricks.as_strided(
            self._storage[self._offset:] if self._storage.size else self._storage,
            shape=self._shape, strides=tuple(s * itemsize for s in self._layout_strides),
        )

    # the eight attributes ------------------------------------------------------------------
    @property
    def data(self) -> "Tensor":
        """The same values, detached from autograd (shares storage).

        Unlike `detach()`, in-place changes made through `.data` are not counted by autograd's
        version check (a fresh version counter), as in PyTorch.
        """
        return Tensor._make(self._storage, self._shape, self._layout_strides, self._offset, self._dtype, self._device)

    @data.setter
    def data(self, other: "Tensor") -> None:
        self._init(other._storage, other._shape, other._layout_strides, other._offset, other._dtype, other._device, other._version)

    @property
    def dtype(self) -> dtypes.dtype:
        return self._dtype

    @property
    def shape(self) -> Size:
        return self._shape

    @property
    def device(self) -> Device:
        return self._device

    @property
    def grad(self) -> "Tensor | None":
        return self._grad

    @grad.setter
    def grad(self, value: "Tensor | None") -> None:
        if value is not None and tuple(value.shape) != tuple(self._shape):
            raise RuntimeError(f"assigned grad has data of a different size: {list(value.shape)} vs {list(self._shape)}")
        self._grad = value

    _grad = None

    # shape queries ---------------------------------------------------------------------------
    @property
    def ndim(self) -> int:
        return len(self._shape)

    def dim(self) -> int:
        return len(self._shape)

    def size(self, dim: int | None = None) -> Any:
        return self._shape if dim is None else self._shape[normalize_dim(dim, self.ndim)]

    def numel(self) -> int:
        return numel(self._shape)

    def stride(self, dim: int | None = None) -> Any:
        return self._layout_strides if dim is None else self._layout_strides[normalize_dim(dim, self.ndim)]

    def storage_offset(self) -> int:
        return self._offset

    def element_size(self) -> int:
        return self._dtype.itemsize

    def is_contiguous(self) -> bool:
        return is_contiguous(self._shape, self._layout_strides)

    def is_floating_point(self) -> bool:
        return self._dtype.is_floating_point

    @property
    def is_cuda(self) -> bool:
        return self._device.type == "cuda"

    # conversions -------------------------------------------------------------------------------
    def item(self) -> Any:
        if self.numel() != 1:
            raise RuntimeError(f"a Tensor with {self.numel()} elements cannot be converted to Scalar")
        return self._host_array().reshape(-1)[0].item()

    def tolist(self) -> Any:
        return self._host_array().tolist()

    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The values as a numpy array sharing memory (refused while requires_grad, like PyTorch)."""
        if self.requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        return self._array() if not force else self._host_array().copy()

    def _host_array(self) -> np.ndarray:
        return self._array() if self._device.type == "cpu" else host_values(self)

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        array = self.detach()._host_array()
        return array.astype(dtype) if dtype is not None else array

    def detach(self) -> "Tensor":
        """The same values, detached from autograd (shares storage and the version counter)."""
        return Tensor._make(self._storage, self._shape, self._layout_strides, self._offset, self._dtype, self._device, self._version)

    def detach_(self) -> "Tensor":
        self.grad_fn, self._requires_grad = None, False
        return self

    def clone(self) -> "Tensor":
        return views.Clone.apply(self)

    def contiguous(self) -> "Tensor":
        return self if self.is_contiguous() else views.Clone.apply(self)

    def to(self, *args: Any, **kwargs: Any) -> "Tensor":
        """`to(dtype)`, `to(device)`, `to(device, dtype)` or `to(other)`; returns self when nothing changes."""
        target_device, target_dtype = self._device, self._dtype
        for value in list(args) + [kwargs.get("device"), kwargs.get("dtype")]:
            if value is None:
                continue
            if isinstance(value, Tensor):
                target_device, target_dtype = value.device, value.dtype
            elif isinstance(value, (str, Device)):
                target_device = Device(value)
            else:
                target_dtype = dtypes.as_dtype(value)
        out = self if target_dtype is self._dtype else ew.ToDtype.apply(self, target_dtype)
        if target_device != out._device:
            out = _move_to_device(out, target_device)
        return out.clone() if kwargs.get("copy") and out is self else out

    def type_as(self, other: "Tensor") -> "Tensor": return self.to(other.dtype)

    def type(self, dtype: Any = None) -> Any:
        return self.to(dtype) if dtype is not None else f"teachgrad.{self._dtype.name}"

    def float(self) -> "Tensor": return self.to(dtypes.float32)
    def double(self) -> "Tensor": return self.to(dtypes.float64)
    def long(self) -> "Tensor": return self.to(dtypes.int64)
    def bool(self) -> "Tensor": return self.to(dtypes.bool_)
    def cpu(self) -> "Tensor": return self.to("cpu")
    def cuda(self, device: Any = None) -> "Tensor":
        return self.to(f"cuda:{device}" if isinstance(device, int) else device or "cuda")

    # autograd -----------------------------------------------------------------------------------
    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        self.requires_grad = requires_grad
        return self

    def backward(self, gradient: "Tensor | None" = None, retain_graph: bool | None = None,
                 create_graph: bool = False) -> None:
        """Compute d(self)/d(leaf) for every leaf that requires grad, adding it into `leaf.grad`.

        A non-scalar tensor needs `gradient` (dL/d self), as in PyTorch. With `create_graph` the
        backward pass is recorded, so each `leaf.grad` has a graph and can be differentiated again.
        """
        if not self.requires_grad:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
        if gradient is None:
            if self.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            gradient = self.new_ones(self._shape)
        elif not isinstance(gradient, Tensor) or tuple(gradient.shape) != tuple(self._shape):
            got = list(gradient.shape) if isinstance(gradient, Tensor) else type(gradient).__name__
            raise RuntimeError(f"Mismatch in shape: grad_output[0] has a shape of {got} and output[0] has a shape of {list(self._shape)}.")
        if self.grad_fn is None:
            self._grad_accumulator().accumulate(gradient.detach())
            return
        retain_graph = create_graph if retain_graph is None else retain_graph
        seed = gradient if create_graph else gradient.detach()
        run_backward(self.grad_fn, self._output_nr, seed, retain_graph, create_graph=create_graph)

    def _accumulate_grad(self, grad: "Tensor") -> None:
        if tuple(grad.shape) != tuple(self._shape):
            raise RuntimeError(f"gradient of shape {list(grad.shape)} does not match the tensor's shape {list(self._shape)}")
        if grad.dtype is not self._dtype:
            grad = grad.to(self._dtype)
        if grad.requires_grad:  # a recorded backward (create_graph): keep the graph, as PyTorch does
            self._grad = grad.clone() if self._grad is None else self._grad + grad
        elif self._grad is None:
            self._grad = run_unary("identity", grad)
        elif self._grad.is_contiguous() and not self._grad.requires_grad:
            run_add_scaled(self._grad, grad, 1)  # in place, as in PyTorch: a reference to .grad sees the new sum
            self._grad._version.value += 1
        else:
            self._grad = self._grad + grad

    def _metadata(self) -> tuple:
        return self._shape, self._dtype, self._device

    @staticmethod
    def _zeros(metadata: tuple) -> "Tensor":
        """Zeros of the shape, dtype and device in `metadata` (see `_metadata`)."""
        shape, dtype, where = metadata
        return Tensor._make(full_storage(where, numel(shape), 0, dtype.numpy), shape, None, 0, dtype, where)

    def _alias(self) -> "Tensor":
        return self._view(self._shape, self._layout_strides, self._offset)

    def _is_differentiable(self) -> bool:
        return self._dtype.is_floating_point

    def _kind(self) -> str:
        return f"a tensor of dtype {self._dtype}"

    def _set_grad_fn(self, node: Any, output_nr: int) -> None:
        super()._set_grad_fn(node, output_nr)
        self._history_version = self._version.value

    def _version_value(self) -> int:
        return self._version.value

    def _check_history(self) -> None:
        """Refuse to record on a tensor whose values changed in place after its history was made."""
        if self.grad_fn is not None and self._history_version != self._version.value:
            raise RuntimeError(
                "a view or the base of this tensor was modified by an in-place operation after this tensor was "
                "computed, so its gradient history is out of date; teachgrad does not rewrite graph history "
                "through views: use out-of-place operations (or clone()) here"
            )

    # printing -----------------------------------------------------------------------------------
    def __repr__(self) -> str:
        return format_tensor(self._host_array(), self._dtype, self._device, self.grad_fn, self.requires_grad)

    def __str__(self) -> str:
        return repr(self)

    def __format__(self, spec: str) -> str:
        """A 0-d tensor formats as its number, so f"{loss:.4f}" works, as in PyTorch."""
        if self.ndim == 0 and type(self) is Tensor:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    # arithmetic operators ------------------------------------------------------------------------
    def __add__(self, other): return ew.Add.apply(self, other)
    def __radd__(self, other): return ew.Add.apply(other, self)
    def __sub__(self, other): return ew.Sub.apply(self, other)
    def __rsub__(self, other): return ew.Sub.apply(other, self)
    def __mul__(self, other): return ew.Mul.apply(self, other)
    def __rmul__(self, other): return ew.Mul.apply(other, self)
    def __truediv__(self, other): return ew.Div.apply(self, other)
    def __rtruediv__(self, other): return ew.Div.apply(other, self)
    def __pow__(self, other): return ew.Pow.apply(self, other)
    def __rpow__(self, other): return ew.Pow.apply(other, self)
    def __matmul__(self, other): return linalg.MatMul.apply(self, other)
    def __rmatmul__(self, other): return linalg.MatMul.apply(other, self)
    def __floordiv__(self, other): return ew.DivRounded.apply(self, other, "floor")
    def __rfloordiv__(self, other): return ew.DivRounded.apply(other, self, "floor")
    def __mod__(self, other): return self.remainder(other)
    def __rmod__(self, other): return other - ew.DivRounded.apply(other, self, "floor") * self
    def __neg__(self): return ew.Neg.apply(self)
    def __pos__(self): return self
    def __abs__(self): return ew.Abs.apply(self)
    def __iadd__(self, other): return self.add_(other)
    def __isub__(self, other): return self.sub_(other)
    def __imul__(self, other): return self.mul_(other)
    def __itruediv__(self, other): return self.div_(other)

    def __eq__(self, other): return ew.compare("eq", self, other)
    def __ne__(self, other): return ew.compare("ne", self, other)
    def __lt__(self, other): return ew.compare("lt", self, other)
    def __le__(self, other): return ew.compare("le", self, other)
    def __gt__(self, other): return ew.compare("gt", self, other)
    def __ge__(self, other): return ew.compare("ge", self, other)
    __hash__ = object.__hash__
    __array_priority__ = 1000  # numpy_scalar * tensor calls Tensor.__rmul__, as in PyTorch

    def __and__(self, other): return self.logical_and(other)
    def __or__(self, other): return self.logical_or(other)

    def __invert__(self):
        if self._dtype is not dtypes.bool_:
            raise TypeError(f"~ (bitwise not) is only supported on bool tensors in teachgrad, got {self._dtype}")
        return self.logical_not()

    def __bool__(self) -> bool:
        if self.numel() != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self.item())

    def __float__(self) -> float: return float(self.item())
    def __int__(self) -> int: return int(self.item())

    def __index__(self) -> int:
        if self._dtype is not dtypes.int64 or self.numel() != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._shape[0]

    def __iter__(self) -> Iterator["Tensor"]:
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._shape[0]))

    # elementwise methods -------------------------------------------------------------------------
    def add(self, other, alpha=1): return self + (other * alpha if alpha != 1 else other)
    def sub(self, other, alpha=1): return self - (other * alpha if alpha != 1 else other)
    def mul(self, other): return ew.Mul.apply(self, other)
    def div(self, other, *, rounding_mode=None):
        if rounding_mode is None:
            return ew.Div.apply(self, other)
        return ew.DivRounded.apply(self, other, rounding_mode)

    def floor_divide(self, other): return ew.DivRounded.apply(self, other, "floor")
    def remainder(self, other): return self - ew.DivRounded.apply(self, other, "floor") * other  # sign of other
    def fmod(self, other): return self - ew.DivRounded.apply(self, other, "trunc") * other  # sign of self
    def pow(self, exponent): return ew.Pow.apply(self, exponent)
    def neg(self): return ew.Neg.apply(self)
    def exp(self): return ew.Exp.apply(self)
    def log(self): return ew.Log.apply(self)
    def sqrt(self): return ew.Sqrt.apply(self)
    def rsqrt(self): return 1.0 / ew.Sqrt.apply(self)
    def square(self): return ew.Mul.apply(self, self)
    def sin(self): return ew.Sin.apply(self)
    def cos(self): return ew.Cos.apply(self)
    def sinh(self): return ew.Sinh.apply(self)
    def cosh(self): return (self.exp() + (-self).exp()) / 2  # dL/dx = g * sinh(x), through Exp and Add
    def asinh(self): return ew.Asinh.apply(self)
    def tanh(self): return ew.Tanh.apply(self)
    def sigmoid(self): return ew.Sigmoid.apply(self)
    def relu(self): return ew.ReLU.apply(self)
    def abs(self): return ew.Abs.apply(self)
    def sign(self): return ew.Sign.apply(self)
    def reciprocal(self): return ew.Div.apply(1.0, self)
    def log2(self): return self.log() / math.log(2.0)
    def log10(self): return self.log() / math.log(10.0)
    def log1p(self): return (1 + self).log()
    def expm1(self): return self.exp() - 1
    def floor(self): return ew.Floor.apply(self)
    def ceil(self): return ew.Ceil.apply(self)
    def trunc(self): return ew.Trunc.apply(self)
    def round(self, *, decimals=0): return ew.Round.apply(self, decimals)

    def frac(self):
        if not self._dtype.is_floating_point:
            raise NotImplementedError(f"frac: expected a floating point tensor, but got dtype {self._dtype}")
        return self - ew.Trunc.apply(self)

    def maximum(self, other): return ew.Maximum.apply(self, other)
    def minimum(self, other): return ew.Minimum.apply(self, other)

    def clamp(self, min=None, max=None):
        return ew.Clamp.apply(self, min, max)

    clip = clamp

    def eq(self, other): return ew.compare("eq", self, other)
    def ne(self, other): return ew.compare("ne", self, other)
    def lt(self, other): return ew.compare("lt", self, other)
    def le(self, other): return ew.compare("le", self, other)
    def gt(self, other): return ew.compare("gt", self, other)
    def ge(self, other): return ew.compare("ge", self, other)
    def logical_and(self, other): return ew.logical("logical_and", self, other)
    def logical_or(self, other): return ew.logical("logical_or", self, other)
    def logical_xor(self, other): return ew.compare("ne", self != 0, other != 0)
    def logical_not(self): return run_unary("logical_not", self, dtypes.bool_)
    def isnan(self): return ew.compare("ne", self, self)
    def isinf(self): return self.abs() == float("inf")
    def isfinite(self): return (self == self) & (self.abs() != float("inf"))

    def equal(self, other: "Tensor") -> bool:
        """True when both have the same shape and elements."""
        return tuple(self._shape) == tuple(other.shape) and bool((self == other).all())

    def allclose(self, other: "Tensor", rtol: float = 1e-5, atol: float = 1e-8) -> bool:
        return bool(np.allclose(self.detach()._host_array(), other.detach()._host_array(), rtol=rtol, atol=atol))

    def isclose(self, other: "Tensor", rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False) -> "Tensor":
        """Elementwise |self - other| <= atol + rtol * |other|; equal infinities are close, nan only with equal_nan."""
        near = ((self - other).abs() <= atol + rtol * other.abs()) & other.isfinite()
        close = (self == other) | near
        return close | (self.isnan() & other.isnan()) if equal_nan else close

    def where(self, condition, other): return ew.Where.apply(condition, self, other)

    def masked_fill(self, mask, value):
        """self with value where mask is true; the result keeps self's dtype (value is converted to it)."""
        value = value.to(self._dtype) if isinstance(value, Tensor) else self._as_operand(value, self._dtype)
        return ew.Where.apply(mask, value, self)

    # reductions ------------------------------------------------------------------------------------
    def sum(self, dim=None, keepdim=False, dtype=None, **numpy_names):
        dim, keepdim = _numpy_names("sum", dim, keepdim, numpy_names)
        x = self.to(dtype) if dtype is not None else self
        return reduction.Sum.apply(x, _reduced_dims(dim, self.ndim), keepdim)

    def mean(self, dim=None, keepdim=False, dtype=None, **numpy_names):
        dim, keepdim = _numpy_names("mean", dim, keepdim, numpy_names)
        x = self.to(dtype) if dtype is not None else self
        return reduction.Mean.apply(x, _reduced_dims(dim, self.ndim), keepdim)

    def var(self, dim=None, unbiased=None, keepdim=False, *, correction=None, **numpy_names):
        dim, keepdim = _numpy_names("var", dim, keepdim, numpy_names)
        return reduction.Var.apply(self, _reduced_dims(dim, self.ndim), _correction(unbiased, correction), keepdim)

    def std(self, dim=None, unbiased=None, keepdim=False, *, correction=None, **numpy_names):
        dim, keepdim = _numpy_names("std", dim, keepdim, numpy_names)
        return reduction.Std.apply(self, _reduced_dims(dim, self.ndim), _correction(unbiased, correction), keepdim)

    def prod(self, dim=None, keepdim=False, **numpy_names):
        """Product over dim (all elements when None): the `prod` kernel, or, when a gradient will be
        needed, the last entry of a running product (scan.prod), whose gradient is exact with zeros."""
        dim, keepdim = _numpy_names("prod", dim, keepdim, numpy_names)
        x = self if self._dtype.is_floating_point else self.to(dtypes.int64)
        dims = normalize_dims(dim, self.ndim)
        if self.requires_grad and is_grad_enabled():
            return scan.prod(x, dims, keepdim)
        return reduction.reduce_dims("prod", x, dims, keepdim)

    def _extreme(self, op, dim, keepdim, result_type):
        if isinstance(dim, Tensor):
            return (ew.Maximum if op == "max" else ew.Minimum).apply(self, dim)
        if dim is None:
            return reduction.Extremum.apply(self, tuple(range(self.ndim)), False, op)
        values, indices = reduction.MaxDim.apply(self, normalize_dim(dim, self.ndim), keepdim, op)
        return result_type(values, indices)

    def max(self, dim=None, keepdim=False, **numpy_names):
        return self._extreme("max", *_numpy_names("max", dim, keepdim, numpy_names), return_types.max)

    def min(self, dim=None, keepdim=False, **numpy_names):
        return self._extreme("min", *_numpy_names("min", dim, keepdim, numpy_names), return_types.min)

    def amax(self, dim=None, keepdim=False, **numpy_names):
        dim, keepdim = _numpy_names("amax", dim, keepdim, numpy_names)
        return reduction.Extremum.apply(self, _reduced_dims(dim, self.ndim), keepdim, "max")

    def amin(self, dim=None, keepdim=False, **numpy_names):
        dim, keepdim = _numpy_names("amin", dim, keepdim, numpy_names)
        return reduction.Extremum.apply(self, _reduced_dims(dim, self.ndim), keepdim, "min")

    def argmax(self, dim=None, keepdim=False, **numpy_names):
        return self._arg_extreme("argmax", *_numpy_names("argmax", dim, keepdim, numpy_names))

    def argmin(self, dim=None, keepdim=False, **numpy_names):
        return self._arg_extreme("argmin", *_numpy_names("argmin", dim, keepdim, numpy_names))

    def _arg_extreme(self, op, dim, keepdim):
        if dim is None:
            flat = self.reshape(-1)
            if flat.numel() == 0:
                raise RuntimeError(f"{op}(): Expected reduction dim to be specified for input.numel() == 0.")
            out = run_reduce(op, flat, 0, dtypes.int64).reshape(())
            return out.reshape((1,) * self.ndim) if keepdim else out
        d = normalize_dim(dim, self.ndim)
        if self.ndim and self._shape[d] == 0:
            raise IndexError(f"{op}(): Expected reduction dim {d} to have non-zero size.")
        out = run_reduce(op, self, d, dtypes.int64)
        return out if keepdim else reduction.squeeze_dims(out, (d,))

    def all(self, dim=None, keepdim=False, **numpy_names):
        dim, keepdim = _numpy_names("all", dim, keepdim, numpy_names)
        return (self.bool().logical_not().sum(dim, keepdim) == 0)

    def any(self, dim=None, keepdim=False, **numpy_names):
        dim, keepdim = _numpy_names("any", dim, keepdim, numpy_names)
        return (self.bool().sum(dim, keepdim) > 0)

    def logsumexp(self, dim=None, keepdim=False, **numpy_names):
        dim, keepdim = _numpy_names("logsumexp", dim, keepdim, numpy_names, required=True)
        return reduction.LogSumExp.apply(self, normalize_dims(dim, self.ndim), keepdim)

    def softmax(self, dim=None, **numpy_names):
        dim, _ = _numpy_names("softmax", dim, False, numpy_names, required=True)
        return reduction.Softmax.apply(_floating(self), normalize_dim(dim, self.ndim))

    def norm(self, p="fro", dim=None, keepdim=False):
        """The p-norm over dim (all elements when None): (sum |x|**p) ** (1/p), max |x| for p = inf."""
        x = _floating(self)
        if p == math.inf:
            return x.abs().amax(dim, keepdim)
        if p == -math.inf:
            return x.abs().amin(dim, keepdim)
        if p == 0:
            return (x != 0).to(x.dtype).sum(dim, keepdim)
        if isinstance(p, str) and p != "fro":
            raise RuntimeError(f"norm: p={p!r} is not supported; use a number or 'fro'")
        return reduction.Norm.apply(x, _reduced_dims(dim, self.ndim), keepdim, 2 if p == "fro" else p)

    def cumsum(self, dim, dtype=None):
        """Running sum along dim (Cumsum); bool and integer tensors sum to int64, as in PyTorch."""
        x = self.to(dtype) if dtype is not None else self if self._dtype.is_floating_point else self.to(dtypes.int64)
        if x.ndim == 0:
            return x.clone()
        return scan.Cumsum.apply(x, normalize_dim(dim, self.ndim))

    def cumprod(self, dim, dtype=None):
        """Running product along dim (scan.cumprod); bool and integer tensors multiply as int64, as in PyTorch."""
        x = self.to(dtype) if dtype is not None else self if self._dtype.is_floating_point else self.to(dtypes.int64)
        return x.clone() if x.ndim == 0 else scan.cumprod(x, normalize_dim(dim, self.ndim))

    # sorting and selecting (indices on the host: functions/sorting.py) -------------------------------
    def sort(self, dim=-1, descending=False, stable=False):
        """Values in order along dim, and where each came from; values = x.gather(dim, indices)."""
        if self.ndim == 0:
            return return_types.sort(self.clone(), self.new_zeros((), dtype=dtypes.int64))
        d = normalize_dim(dim, self.ndim)
        indices = _from_array(sorting.sort_order(sorting.host(self), d, descending), self._device, False)
        return return_types.sort(self.gather(d, indices), indices)

    def argsort(self, dim=-1, descending=False, stable=False):
        return self.sort(dim, descending, stable).indices

    def topk(self, k, dim=-1, largest=True, sorted=True):
        """The k largest (or smallest) values along dim, in order, and their indices."""
        d = normalize_dim(dim, self.ndim) if self.ndim else 0
        size = self._shape[d] if self.ndim else 1
        if not 0 <= k <= size:
            raise RuntimeError("selected index k out of range")
        if self.ndim == 0:
            return return_types.topk(self.clone(), self.new_zeros((), dtype=dtypes.int64))
        order = sorting.sort_order(sorting.host(self), d, descending=largest)
        indices = _from_array(np.take(order, np.arange(k), axis=d), self._device, False)
        return return_types.topk(self.gather(d, indices), indices)

    def median(self, dim=None, keepdim=False):
        """The lower median ((n - 1) // 2-th smallest; NaN if the line has one): values gathered at the
        host-computed indices, so the gradient goes to the chosen element. median() is over all elements."""
        if dim is None:
            return self.reshape(-1).median(0).values if self.numel() else self.new_full((), math.nan)
        if self.ndim == 0:
            return return_types.median(self.clone(), self.new_zeros((), dtype=dtypes.int64))
        d = normalize_dim(dim, self.ndim)
        if self._shape[d] == 0:
            raise IndexError(f"median(): Expected reduction dim {d} to have non-zero size.")
        indices = _from_array(sorting.median_positions(sorting.host(self), d), self._device, False)
        values = self.gather(d, indices)
        if not keepdim:
            values, indices = values.squeeze(d), indices.squeeze(d)
        return return_types.median(values, indices)

    def multinomial(self, num_samples, replacement=False, *, generator=None):
        drawn = random_draws.multinomial(resolve(generator), sorting.host(self), num_samples, replacement)
        return _from_array(drawn, self._device, False)

    def nonzero(self, *, as_tuple=False):
        """Coordinates of the non-zero elements: an (n, ndim) int64 tensor, or one 1-D tensor per dim."""
        positions = sorting.nonzero_positions(sorting.host(self))
        if as_tuple:
            return tuple(_from_array(positions[:, i].copy(), self._device, False) for i in range(positions.shape[1]))
        return _from_array(positions, self._device, False)

    def unique(self, sorted=True, return_inverse=False, return_counts=False, dim=None):
        """The distinct values, sorted (and, if asked, where each element went and how often each occurs)."""
        found = sorting.unique_values(sorting.host(self), return_inverse, return_counts,
                                      normalize_dim(dim, self.ndim) if dim is not None else None)
        out = tuple(_from_array(a, self._device, False) for a in found)
        return out[0] if len(out) == 1 else out

    def log_softmax(self, dim=None, **numpy_names):
        dim, _ = _numpy_names("log_softmax", dim, False, numpy_names, required=True)
        return reduction.LogSoftmax.apply(_floating(self), normalize_dim(dim, self.ndim))

    # linear algebra -----------------------------------------------------------------------------------
    def matmul(self, other): return linalg.MatMul.apply(self, other)

    def mm(self, other):
        if self.ndim != 2 or other.ndim != 2:
            raise RuntimeError(f"mm: both arguments must be 2-D matrices, got {self.ndim}-D and {other.ndim}-D")
        return linalg.MatMul.apply(self, other)

    def bmm(self, other):
        if self.ndim != 3 or other.ndim != 3:
            raise RuntimeError(f"bmm: both arguments must be 3-D tensors, got {self.ndim}-D and {other.ndim}-D")
        if self._shape[0] != other.shape[0]:
            raise RuntimeError(f"bmm: batch sizes differ: {self._shape[0]} and {other.shape[0]}")
        return linalg.MatMul.apply(self, other)

    def mv(self, vec): return linalg.MatMul.apply(self, vec)

    def outer(self, vec2):
        """out[i, j] = self[i] * vec2[j], composed of a broadcast product."""
        if self.ndim != 1 or vec2.ndim != 1:
            raise RuntimeError(f"outer: expected 1-D tensors, got {self.ndim}-D and {vec2.ndim}-D")
        return self.reshape(-1, 1) * vec2.reshape(1, -1)

    ger = outer

    def diagonal(self, offset=0, dim1=0, dim2=1):
        """The elements x[..., i, i + offset] of the (dim1, dim2) planes, picked by advanced indexing."""
        a, b = normalize_dim(dim1, self.ndim), normalize_dim(dim2, self.ndim)
        if a == b:
            raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
        x = self.permute([d for d in range(self.ndim) if d not in (a, b)] + [a, b])
        rows, cols = _diagonal_positions(x.shape[-2], x.shape[-1], offset)
        return x[..., rows, cols]

    def diag(self, diagonal=0):
        """1-D: a square matrix with self on the given diagonal; 2-D: that diagonal as a 1-D tensor."""
        if self.ndim == 2:
            return self.diagonal(diagonal)
        if self.ndim != 1:
            raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {self.ndim}D")
        n = self._shape[0] + builtins.abs(diagonal)
        out = self.new_zeros(n, n)
        out[_diagonal_positions(n, n, diagonal)] = self
        return out

    def trace(self):
        if self.ndim != 2:
            raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {self.ndim}")
        return self.diagonal().sum()

    def tril(self, diagonal=0):
        """Keep the elements on and below the given diagonal of the last two dims; zero the rest."""
        return self._triangle("tril", np.tri(*self._shape[-2:], diagonal, dtype=bool) if self.ndim >= 2 else None)

    def triu(self, diagonal=0):
        """Keep the elements on and above the given diagonal of the last two dims; zero the rest."""
        return self._triangle("triu", ~np.tri(*self._shape[-2:], diagonal - 1, dtype=bool) if self.ndim >= 2 else None)

    def _triangle(self, name, keep):
        if keep is None:
            raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
        return ew.Where.apply(_from_array(keep, self._device, False), self, self._as_operand(0, self._dtype))

    def dot(self, other):
        if self.ndim != 1 or other.ndim != 1:
            raise RuntimeError(f"1D tensors expected, but got {self.ndim}D and {other.ndim}D tensors")
        return linalg.MatMul.apply(self, other)

    # views and shape changes --------------------------------------------------------------------------
    def view(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], dtypes.dtype):
            raise RuntimeError("teachgrad does not support view(dtype); use to(dtype)")
        return views.View.apply(self, _sizes(shape, allow_negative=True))

    def view_as(self, other): return self.view(other.shape)

    def reshape(self, *shape):
        """A view when the layout allows it (see strides.view_strides), otherwise a copy."""
        return self.view(*shape) if self._can_view(_sizes(shape, allow_negative=True)) else views.Clone.apply(self).view(*shape)

    def _can_view(self, shape) -> bool:
        return view_strides(self._shape, self._layout_strides, infer_shape(shape, self.numel())) is not None

    def reshape_as(self, other): return self.reshape(other.shape)

    def flatten(self, start_dim=0, end_dim=-1):
        if self.ndim == 0:
            return self.reshape(1)
        start, end = normalize_dim(start_dim, self.ndim), normalize_dim(end_dim, self.ndim)
        if start > end:
            raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
        merged = numel(self._shape[start : end + 1])
        return self.reshape(self._shape[:start] + (merged,) + self._shape[end + 1 :])

    def unflatten(self, dim, sizes):
        d = normalize_dim(dim, self.ndim)
        return self.reshape(self._shape[:d] + tuple(sizes) + self._shape[d + 1 :])

    def squeeze(self, dim=None):
        dims = normalize_dims(dim, self.ndim) if dim is not None else range(self.ndim)
        return self.view(tuple(s for d, s in enumerate(self._shape) if not (d in dims and s == 1)))

    def unsqueeze(self, dim):
        d = normalize_dim(dim, self.ndim + 1)
        return self.view(self._shape[:d] + (1,) + self._shape[d:])

    def permute(self, *dims):
        dims = _sizes(dims, allow_negative=True)
        return views.Permute.apply(self, tuple(normalize_dim(d, self.ndim) for d in dims))

    def transpose(self, dim0, dim1):
        order = list(range(self.ndim))
        a, b = normalize_dim(dim0, self.ndim), normalize_dim(dim1, self.ndim)
        order[a], order[b] = order[b], order[a]
        return views.Permute.apply(self, tuple(order))

    swapaxes = transpose

    def t(self):
        if self.ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {self.ndim}D")
        return views.Permute.apply(self, (1, 0)) if self.ndim == 2 else self

    @property
    def T(self):
        return self.permute(tuple(reversed(range(self.ndim))))

    @property
    def mT(self):
        return self.transpose(-2, -1)

    def expand(self, *shape): return views.Expand.apply(self, _sizes(shape, allow_negative=True))
    def expand_as(self, other): return self.expand(other.shape)
    def broadcast_to(self, shape): return self.expand(tuple(shape))

    def flip(self, *dims):
        dims = _sizes(dims, allow_negative=True)
        return views.Flip.apply(self, tuple(normalize_dim(d, self.ndim) for d in dims))

    def narrow(self, dim, start, length):
        d = normalize_dim(dim, self.ndim)
        if start < 0:
            start += self._shape[d]
        if not (0 <= start and start + length <= self._shape[d]) or length < 0:
            raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({self._shape[d]}).")
        return self[(slice(None),) * d + (slice(start, start + length),)]

    def split(self, split_size_or_sections, dim=0):
        d = normalize_dim(dim, self.ndim)
        size = self._shape[d]
        if isinstance(split_size_or_sections, int):
            if split_size_or_sections <= 0 and size:
                raise RuntimeError(f"split expects split_size be non-negative, but got split_size={split_size_or_sections}")
            step = split_size_or_sections
            sections = [min(step, size - start) for start in range(0, size, step)] if size else [0]
        else:
            sections = list(split_size_or_sections)
            if sum(sections) != size:
                raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {size} (input tensor's size at dimension {d}), but got split_sizes={sections}")
        starts = np.cumsum([0] + sections[:-1])
        return tuple(self.narrow(d, int(start), length) for start, length in zip(starts, sections))

    def chunk(self, chunks, dim=0):
        if chunks <= 0:
            raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
        size = self._shape[normalize_dim(dim, self.ndim)]
        return self.split(max(-(-size // chunks), 1), dim)

    def unbind(self, dim=0):
        d = normalize_dim(dim, self.ndim)
        return tuple(self[(slice(None),) * d + (i,)] for i in range(self._shape[d]))

    def repeat(self, *sizes):
        """Tile the tensor: view as (1, s0, 1, s1, ...), expand to (r0, s0, r1, s1, ...), reshape."""
        sizes = _sizes(sizes)
        if len(sizes) < self.ndim:
            raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor")
        shape = (1,) * (len(sizes) - self.ndim) + tuple(self._shape)
        interleaved = tuple(x for s in shape for x in (1, s))
        target = tuple(x for r, s in zip(sizes, shape) for x in (r, s))
        return self.reshape(interleaved).expand(target).reshape(tuple(r * s for r, s in zip(sizes, shape)))

    # indexing ----------------------------------------------------------------------------------------
    def __getitem__(self, key):
        key = key if isinstance(key, tuple) else (key,)
        if indexing.is_basic_key(key):
            return views.Index.apply(self, key)
        return indexing.AdvancedIndex.apply(self, key)

    def __setitem__(self, key, value):
        key = key if isinstance(key, tuple) else (key,)
        if inplace.recording(self, value):
            inplace.record(self, indexing.IndexPut.apply(self.clone(), value, key))
        else:
            indexing.write_region(self, key, value if isinstance(value, Tensor) else self._as_operand(value, self._dtype))
            self._version.value += 1

    def gather(self, dim, index): return indexing.Gather.apply(self, normalize_dim(dim, self.ndim), index)

    def scatter_add(self, dim, index, src):
        return indexing.ScatterAdd.apply(self, normalize_dim(dim, self.ndim), index, src)

    def scatter(self, dim, index, src=None, *, value=None, reduce=None):
        """out = self with out[c with c[dim] = index[c]] = src[c] (or value): IndexPut at scatter_key's positions."""
        d, source = normalize_dim(dim, self.ndim), value if src is None else src
        if reduce not in (None, "add", "multiply"):
            raise RuntimeError("reduce argument must be either add or multiply.")
        if reduce is not None:
            source = source if isinstance(source, Tensor) else self.new_full(index.shape, source)
            return self.scatter_reduce(d, index, source, {"add": "sum", "multiply": "prod"}[reduce])
        key = indexing.scatter_key(self, d, index)
        if isinstance(source, Tensor):
            if source.dtype is not self._dtype:
                raise RuntimeError(f"scatter(): Expected self.dtype to be equal to src.dtype (got {self._dtype} and {source.dtype})")
            source = source[tuple(builtins.slice(0, s) for s in index.shape)]
        return indexing.IndexPut.apply(self, source, key)

    def scatter_reduce(self, dim, index, src, reduce, *, include_self=True):
        return indexing.scatter_reduce(self, normalize_dim(dim, self.ndim), index, src, reduce, include_self)

    def index_add(self, dim, index, source, *, alpha=1):
        return indexing.index_add(self, normalize_dim(dim, self.ndim), index, source, alpha)

    def index_fill(self, dim, index, value):
        return indexing.IndexPut.apply(self, value, indexing.index_along(self, normalize_dim(dim, self.ndim), index))

    def index_put(self, indices, values, accumulate=False):
        key = tuple(indices)
        return indexing.put_accumulate(self, key, values) if accumulate else indexing.IndexPut.apply(self, values, key)

    def masked_scatter(self, mask, source): return indexing.masked_scatter(self, mask, source)

    def take_along_dim(self, indices, dim=None):
        """self.gather(dim, indices) after broadcasting both over every dim but dim (dim=None: over the flattened self)."""
        if dim is None:
            return self.reshape(-1).gather(0, indices.reshape(-1))
        d = normalize_dim(dim, self.ndim)
        others = [s[:d] + (1,) + s[d + 1:] for s in (self._shape, tuple(indices.shape))]
        common = list(broadcast_shapes(*others))
        return self.expand(common[:d] + [self._shape[d]] + common[d + 1:]).gather(
            d, indices.expand(common[:d] + [indices.shape[d]] + common[d + 1:]))

    def repeat_interleave(self, repeats, dim=None, *, output_size=None):
        """Repeat each element (each slice along dim) repeats[i] times: index_select at repeated positions."""
        x, d = (self.reshape(-1), 0) if dim is None else (self, normalize_dim(dim, self.ndim))
        counts = sorting.host(repeats) if isinstance(repeats, Tensor) else np.asarray(repeats)
        positions = indexing.repeated_positions(counts.astype(np.int64), x._shape[d])
        return x.index_select(d, _from_array(positions, self._device, False))

    def roll(self, shifts, dims=None):
        """out[i] = self[(i - shift) mod n] along each dim (along the flattened self when dims is None)."""
        if dims is None:
            return self.reshape(-1).roll(shifts, 0).view(self._shape)
        shifts = (shifts,) if isinstance(shifts, int) else tuple(shifts)
        dims = (dims,) if isinstance(dims, int) else tuple(dims)
        if len(shifts) != len(dims):
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
        out = self
        for shift, dim in zip(shifts, dims):
            d = normalize_dim(dim, self.ndim)
            out = out.index_select(d, _from_array(indexing.rolled_positions(self._shape[d], shift), self._device, False))
        return out

    def index_select(self, dim, index):
        d = normalize_dim(dim, self.ndim)
        indexing.check_index_select(self, d, index)
        return self[(slice(None),) * d + (index.reshape(-1),)]

    def masked_select(self, mask):
        return self.expand(_broadcast(self, mask))[mask.expand(_broadcast(self, mask))]

    # in-place operations (the machinery: functions/inplace.py) ------------------------------------------
    def add_(self, other, alpha=1): return inplace.add_scaled(self, other, alpha)
    def sub_(self, other, alpha=1): return inplace.add_scaled(self, other, -alpha)
    def mul_(self, other): return inplace.write(self, lambda t: t * other, other)
    def div_(self, other): return inplace.write(self, lambda t: t / other, other)
    def pow_(self, exponent): return inplace.write(self, lambda t: t ** exponent, exponent)
    def clamp_(self, min=None, max=None): return inplace.write(self, lambda t: t.clamp(min, max))
    clip_ = clamp_
    def neg_(self): return inplace.write(self, lambda t: -t)
    def relu_(self): return inplace.write(self, lambda t: t.relu())
    def sqrt_(self): return inplace.write(self, lambda t: t.sqrt())
    def exp_(self): return inplace.write(self, lambda t: t.exp())
    def masked_fill_(self, mask, value): return inplace.write(self, lambda t: t.masked_fill(mask, value), value, one_value=True)
    def copy_(self, src): return inplace.write(self, lambda t: src.to(self._dtype).expand(self._shape), src, replaces=True)
    def scatter_(self, dim, index, src=None, *, value=None, reduce=None):
        return inplace.write(self, lambda t: t.scatter(dim, index, src, value=value, reduce=reduce), src)

    def scatter_add_(self, dim, index, src): return inplace.write(self, lambda t: t.scatter_add(dim, index, src), src)

    def scatter_reduce_(self, dim, index, src, reduce, *, include_self=True):
        return inplace.write(self, lambda t: t.scatter_reduce(dim, index, src, reduce, include_self=include_self), src)

    def index_add_(self, dim, index, source, *, alpha=1):
        return inplace.write(self, lambda t: t.index_add(dim, index, source, alpha=alpha), source)

    def index_fill_(self, dim, index, value): return inplace.write(self, lambda t: t.index_fill(dim, index, value), value)

    def index_put_(self, indices, values, accumulate=False):
        return inplace.write(self, lambda t: t.index_put(indices, values, accumulate), values)

    def masked_scatter_(self, mask, source): return inplace.write(self, lambda t: t.masked_scatter(mask, source), source)

    def addcmul_(self, a, b, value=1): return inplace.write(self, lambda t: t + a * b * value, a, b)
    def addcdiv_(self, a, b, value=1): return inplace.write(self, lambda t: t + a / b * value, a, b)
    def lerp_(self, end, weight): return inplace.write(self, lambda t: t + (end - t) * weight, end)

    def fill_(self, value):
        return inplace.write(self, lambda t: t._as_operand(value, self._dtype).expand(self._shape), value, replaces=True,
                             one_value=True)

    def zero_(self): return self.fill_(0)

    def uniform_(self, a=0.0, b=1.0, generator=None):
        self._require_floating("uniform_")
        return self._fill_random(resolve(generator).uniform(self._shape, a, b))

    def normal_(self, mean=0.0, std=1.0, generator=None):
        self._require_floating("normal_")
        return self._fill_random(resolve(generator).normal(self._shape, mean, std))

    def _require_floating(self, name: str) -> None:
        if not self._dtype.is_floating_point:
            raise NotImplementedError(f"{name} is only implemented for floating-point tensors, got {self._dtype}")

    def bernoulli_(self, p=0.5, generator=None):
        probs = p.detach()._host_array() if isinstance(p, Tensor) else p
        return self._fill_random(resolve(generator).bernoulli(self._shape, probs))

    def _fill_random(self, values: np.ndarray) -> "Tensor":
        drawn = Tensor._make(np.array(values, dtype=self._dtype.numpy).reshape(-1), self._shape, None, 0, self._dtype)
        return inplace.write(self, lambda t: drawn.to(self._device), replaces=True)

    # new tensors like this one --------------------------------------------------------------------------
    def new_tensor(self, data, dtype=None, requires_grad=False):
        array = np.array(data.tolist() if isinstance(data, Tensor) else data, dtype=(dtype and dtypes.as_dtype(dtype).numpy) or self._dtype.numpy)
        return _from_array(array, self._device, requires_grad)

    def new_zeros(self, *size, dtype=None): return self.new_full(_sizes(size), 0, dtype=dtype)
    def new_ones(self, *size, dtype=None): return self.new_full(_sizes(size), 1, dtype=dtype)
    def new_empty(self, *size, dtype=None): return self.new_full(_sizes(size), 0, dtype=dtype)

    def new_full(self, size, fill_value, dtype=None):
        target = dtypes.as_dtype(dtype) if dtype is not None else self._dtype
        shape = _sizes((size,))
        storage = full_storage(self._device, numel(shape), fill_value, target.numpy)
        return Tensor._make(storage, shape, None, 0, target, self._device)


def _from_array(array: np.ndarray, where: Device, requires_grad: bool) -> Tensor:
    """A tensor owning a contiguous copy of `array`, on device `where`."""
    array = array if array.flags.c_contiguous else array.copy()  # (ascontiguousarray would make 0-d arrays 1-d)
    out = Tensor._make(array.reshape(-1), array.shape, None, 0, dtypes.from_numpy(array.dtype))
    if where != CPU:
        out = _move_to_device(out, where)
    return out.requires_grad_(requires_grad) if requires_grad else out


def _move_to_device(t: Tensor, target: Device) -> Tensor:
    """t copied to device `target` (differentiable; see functions/device.py)."""
    return ToDevice.apply(t, target)


def _diagonal_positions(rows: int, cols: int, offset: int) -> tuple:
    """Index tensors (r, c) of the elements [i, i + offset] of a rows x cols matrix."""
    length = max(0, min(rows + min(offset, 0), cols - max(offset, 0)))
    r = np.arange(length, dtype=np.int64) + max(-offset, 0)
    return _from_array(r, CPU, False), _from_array(r - max(-offset, 0) + max(offset, 0), CPU, False)


def _floating(t: Tensor) -> Tensor:
    return t if t.dtype.is_floating_point else t.to(dtypes.get_default_dtype())


def _broadcast(a: Tensor, b: Tensor) -> tuple:
    return broadcast_shapes(a.shape, b.shape)


def _reduced_dims(dim: Any, ndim: int) -> tuple[int, ...]:
    """The dims a reduction reduces: None, and an empty tuple or list, mean all of them (as in PyTorch)."""
    return normalize_dims(None if isinstance(dim, (tuple, list)) and len(dim) == 0 else dim, ndim)


def _numpy_names(method: str, dim: Any, keepdim: bool, names: dict, required: bool = False) -> tuple:
    """(dim, keepdim), also given by numpy's names, as PyTorch accepts them: `axis` for `dim`,
    `keepdims` for `keepdim`."""
    for name in names:
        if name not in ("axis", "keepdims") or (name == "axis" and dim is not None):
            raise TypeError(f"{method}() got an unexpected keyword argument '{name}'")
    dim = names.get("axis", dim)
    if required and dim is None:
        raise TypeError(f"{method}() missing 1 required positional argument: 'dim'")
    return dim, bool(names.get("keepdims", keepdim))


def _correction(unbiased: Any, correction: Any) -> float:
    """PyTorch's var/std arguments: `correction` wins; `unbiased=False` means 0; default 1."""
    if correction is not None:
        return correction
    return 0 if unbiased is False else 1
