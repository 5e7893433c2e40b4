"""The function forms of tensor methods: `teachgrad.exp(x)` is `x.exp()`, and so on.

Those that take `out=` in PyTorch take it here too, with PyTorch's rules (`teachgrad.functions.out`).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from teachgrad.functions.einsum import einsum as einsum_function
from teachgrad.functions.out import write_out, write_outs
from teachgrad.tensor import Tensor


def add(input: Tensor, other: Any, *, alpha: Any = 1, out: Any = None) -> Tensor:
    return write_out("add", input.add(other, alpha), out)
def sub(input: Tensor, other: Any, *, alpha: Any = 1, out: Any = None) -> Tensor:
    return write_out("sub", input.sub(other, alpha), out)
def mul(input: Tensor, other: Any, *, out: Any = None) -> Tensor: return write_out("mul", input * other, out)
def div(input: Tensor, other: Any, *, rounding_mode: Any = None, out: Any = None) -> Tensor:
    return write_out("div", input.div(other, rounding_mode=rounding_mode), out)
divide = div
def floor_divide(input: Tensor, other: Any, *, out: Any = None) -> Tensor:
    return write_out("floor_divide", input.floor_divide(other), out)
def remainder(input: Tensor, other: Any, *, out: Any = None) -> Tensor:
    return write_out("remainder", input.remainder(other), out)
def fmod(input: Tensor, other: Any, *, out: Any = None) -> Tensor: return write_out("fmod", input.fmod(other), out)
def floor(input: Tensor, *, out: Any = None) -> Tensor: return write_out("floor", input.floor(), out)
def ceil(input: Tensor, *, out: Any = None) -> Tensor: return write_out("ceil", input.ceil(), out)
def trunc(input: Tensor, *, out: Any = None) -> Tensor: return write_out("trunc", input.trunc(), out)
def round(input: Tensor, *, decimals: int = 0, out: Any = None) -> Tensor:
    return write_out("round", input.round(decimals=decimals), out)
def frac(input: Tensor, *, out: Any = None) -> Tensor: return write_out("frac", input.frac(), out)
def pow(input: Any, exponent: Any, *, out: Any = None) -> Tensor: return write_out("pow", input ** exponent, out)
def neg(input: Tensor, *, out: Any = None) -> Tensor: return write_out("neg", -input, out)
def exp(input: Tensor, *, out: Any = None) -> Tensor: return write_out("exp", input.exp(), out)
def log(input: Tensor, *, out: Any = None) -> Tensor: return write_out("log", input.log(), out)
def sqrt(input: Tensor, *, out: Any = None) -> Tensor: return write_out("sqrt", input.sqrt(), out)
def rsqrt(input: Tensor, *, out: Any = None) -> Tensor: return write_out("rsqrt", input.rsqrt(), out)
def square(input: Tensor, *, out: Any = None) -> Tensor: return write_out("square", input.square(), out)
def sin(input: Tensor, *, out: Any = None) -> Tensor: return write_out("sin", input.sin(), out)
def cos(input: Tensor, *, out: Any = None) -> Tensor: return write_out("cos", input.cos(), out)
def tanh(input: Tensor, *, out: Any = None) -> Tensor: return write_out("tanh", input.tanh(), out)
def sigmoid(input: Tensor, *, out: Any = None) -> Tensor: return write_out("sigmoid", input.sigmoid(), out)
def relu(input: Tensor) -> Tensor: return input.relu()
def abs(input: Tensor, *, out: Any = None) -> Tensor: return write_out("abs", input.abs(), out)
def sign(input: Tensor, *, out: Any = None) -> Tensor: return write_out("sign", input.sign(), out)
def reciprocal(input: Tensor, *, out: Any = None) -> Tensor: return write_out("reciprocal", input.reciprocal(), out)
def log2(input: Tensor, *, out: Any = None) -> Tensor: return write_out("log2", input.log2(), out)
def log10(input: Tensor, *, out: Any = None) -> Tensor: return write_out("log10", input.log10(), out)
def log1p(input: Tensor, *, out: Any = None) -> Tensor: return write_out("log1p", input.log1p(), out)
def expm1(input: Tensor, *, out: Any = None) -> Tensor: return write_out("expm1", input.expm1(), out)
def clamp(input: Tensor, min: Any = None, max: Any = None, *, out: Any = None) -> Tensor:
    return write_out("clamp", input.clamp(min, max), out)
clip = clamp
def maximum(input: Tensor, other: Tensor, *, out: Any = None) -> Tensor:
    return write_out("maximum", input.maximum(other), out)
def minimum(input: Tensor, other: Tensor, *, out: Any = None) -> Tensor:
    return write_out("minimum", input.minimum(other), out)
def eq(input: Tensor, other: Any, *, out: Any = None) -> Tensor: return write_out("eq", input.eq(other), out)
def ne(input: Tensor, other: Any, *, out: Any = None) -> Tensor: return write_out("ne", input.ne(other), out)
def lt(input: Tensor, other: Any, *, out: Any = None) -> Tensor: return write_out("lt", input.lt(other), out)
def le(input: Tensor, other: Any, *, out: Any = None) -> Tensor: return write_out("le", input.le(other), out)
def gt(input: Tensor, other: Any, *, out: Any = None) -> Tensor: return write_out("gt", input.gt(other), out)
def ge(input: Tensor, other: Any, *, out: Any = None) -> Tensor: return write_out("ge", input.ge(other), out)
def equal(input: Tensor, other: Tensor) -> bool: return input.equal(other)
def allclose(input: Tensor, other: Tensor, rtol: float = 1e-5, atol: float = 1e-8) -> bool: return input.allclose(other, rtol, atol)
def isclose(input: Tensor, other: Tensor, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False) -> Tensor:
    return input.isclose(other, rtol, atol, equal_nan)
def isnan(input: Tensor) -> Tensor: return input.isnan()
def isinf(input: Tensor) -> Tensor: return input.isinf()
def isfinite(input: Tensor) -> Tensor: return input.isfinite()
def logical_not(input: Tensor) -> Tensor: return input.logical_not()
def logical_and(input: Tensor, other: Tensor) -> Tensor: return input.logical_and(other)
def logical_or(input: Tensor, other: Tensor) -> Tensor: return input.logical_or(other)
def sum(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None, out: Any = None,
        **numpy_names: Any) -> Tensor:
    return write_out("sum", input.sum(dim, keepdim, dtype, **numpy_names), out)
def mean(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None, out: Any = None,
        **numpy_names: Any) -> Tensor:
    return write_out("mean", input.mean(dim, keepdim, dtype, **numpy_names), out)
def var(input: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *, correction: Any = None,
        **numpy_names: Any) -> Tensor:
    return input.var(dim, unbiased, keepdim, correction=correction, **numpy_names)
def std(input: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *, correction: Any = None,
        **numpy_names: Any) -> Tensor:
    return input.std(dim, unbiased, keepdim, correction=correction, **numpy_names)
def prod(input: Tensor, dim: Any = None, keepdim: bool = False, *, out: Any = None, **numpy_names: Any) -> Tensor:
    return write_out("prod", input.prod(dim, keepdim, **numpy_names), out)
def max(input: Tensor, dim: Any = None, keepdim: bool = False, *, out: Any = None, **numpy_names: Any) -> Any:
    return write_outs("max", input.max(dim, keepdim, **numpy_names), out)
def min(input: Tensor, dim: Any = None, keepdim: bool = False, *, out: Any = None, **numpy_names: Any) -> Any:
    return write_outs("min", input.min(dim, keepdim, **numpy_names), out)
def amax(input: Tensor, dim: Any = None, keepdim: bool = False, **numpy_names: Any) -> Tensor:
    return input.amax(dim, keepdim, **numpy_names)
def amin(input: Tensor, dim: Any = None, keepdim: bool = False, **numpy_names: Any) -> Tensor:
    return input.amin(dim, keepdim, **numpy_names)
def argmax(input: Tensor, dim: Any = None, keepdim: bool = False, **numpy_names: Any) -> Tensor:
    return input.argmax(dim, keepdim, **numpy_names)
def argmin(input: Tensor, dim: Any = None, keepdim: bool = False, **numpy_names: Any) -> Tensor:
    return input.argmin(dim, keepdim, **numpy_names)
def all(input: Tensor, dim: Any = None, keepdim: bool = False, **numpy_names: Any) -> Tensor:
    return input.all(dim, keepdim, **numpy_names)
def any(input: Tensor, dim: Any = None, keepdim: bool = False, **numpy_names: Any) -> Tensor:
    return input.any(dim, keepdim, **numpy_names)
def logsumexp(input: Tensor, dim: Any = None, keepdim: bool = False, **numpy_names: Any) -> Tensor:
    return input.logsumexp(dim, keepdim, **numpy_names)
def softmax(input: Tensor, dim: Any = None, **numpy_names: Any) -> Tensor: return input.softmax(dim, **numpy_names)
def norm(input: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False) -> Tensor: return input.norm(p, dim, keepdim)
def cumsum(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor: return input.cumsum(dim, dtype)
def sort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False, *, out: Any = None) -> Any:
    return write_outs("sort", input.sort(dim, descending, stable), out)
def argsort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    return input.argsort(dim, descending, stable)
def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True, *, out: Any = None) -> Any:
    return write_outs("topk", input.topk(k, dim, largest, sorted), out)
def nonzero(input: Tensor, *, as_tuple: bool = False) -> Any: return input.nonzero(as_tuple=as_tuple)
def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False, dim: Any = None) -> Any:
    return input.unique(sorted, return_inverse, return_counts, dim)
def log_softmax(input: Tensor, dim: Any = None, **numpy_names: Any) -> Tensor: return input.log_softmax(dim, **numpy_names)
def matmul(input: Tensor, other: Tensor, *, out: Any = None) -> Tensor: return write_out("matmul", input.matmul(other), out)
def mm(input: Tensor, mat2: Tensor, *, out: Any = None) -> Tensor: return write_out("mm", input.mm(mat2), out)
def bmm(input: Tensor, mat2: Tensor, *, out: Any = None) -> Tensor: return write_out("bmm", input.bmm(mat2), out)
def mv(input: Tensor, vec: Tensor) -> Tensor: return input.mv(vec)
def dot(input: Tensor, other: Tensor) -> Tensor: return input.dot(other)
def outer(input: Tensor, vec2: Tensor) -> Tensor: return input.outer(vec2)
def diag(input: Tensor, diagonal: int = 0) -> Tensor: return input.diag(diagonal)
def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor: return input.diagonal(offset, dim1, dim2)
def trace(input: Tensor) -> Tensor: return input.trace()
def tril(input: Tensor, diagonal: int = 0) -> Tensor: return input.tril(diagonal)
def triu(input: Tensor, diagonal: int = 0) -> Tensor: return input.triu(diagonal)
def reshape(input: Tensor, shape: Any) -> Tensor: return input.reshape(shape)
def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor: return input.flatten(start_dim, end_dim)
def squeeze(input: Tensor, dim: Any = None) -> Tensor: return input.squeeze(dim)
def unsqueeze(input: Tensor, dim: int) -> Tensor: return input.unsqueeze(dim)
def permute(input: Tensor, dims: Any) -> Tensor: return input.permute(dims)
def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor: return input.transpose(dim0, dim1)
def t(input: Tensor) -> Tensor: return input.t()
def flip(input: Tensor, dims: Any) -> Tensor: return input.flip(dims)
def narrow(input: Tensor, dim: int, start: int, length: int) -> Tensor: return input.narrow(dim, start, length)
def split(tensor: Tensor, split_size_or_sections: Any, dim: int = 0) -> tuple: return tensor.split(split_size_or_sections, dim)
def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple: return input.chunk(chunks, dim)
def unbind(input: Tensor, dim: int = 0) -> tuple: return input.unbind(dim)
def gather(input: Tensor, dim: int, index: Tensor) -> Tensor: return input.gather(dim, index)
def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor: return input.scatter_add(dim, index, src)
def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor: return input.index_select(dim, index)
def masked_select(input: Tensor, mask: Tensor) -> Tensor: return input.masked_select(mask)
def masked_fill(input: Tensor, mask: Tensor, value: Any) -> Tensor: return input.masked_fill(mask, value)
def broadcast_to(input: Tensor, shape: Any) -> Tensor: return input.broadcast_to(shape)
def clone(input: Tensor) -> Tensor: return input.clone()
def detach(input: Tensor) -> Tensor: return input.detach()
def numel(input: Tensor) -> int: return input.numel()
def is_tensor(obj: Any) -> bool: return isinstance(obj, Tensor)
def is_floating_point(input: Tensor) -> bool: return input.is_floating_point()
def sinh(input: Tensor, *, out: Any = None) -> Tensor: return write_out("sinh", input.sinh(), out)
def cosh(input: Tensor, *, out: Any = None) -> Tensor: return write_out("cosh", input.cosh(), out)
def asinh(input: Tensor, *, out: Any = None) -> Tensor: return write_out("asinh", input.asinh(), out)
def cumprod(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor: return input.cumprod(dim, dtype)
def median(input: Tensor, dim: Any = None, keepdim: bool = False, *, out: Any = None) -> Any:
    return write_outs("median", input.median(dim, keepdim), out)
def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *, generator: Any = None) -> Tensor:
    return input.multinomial(num_samples, replacement, generator=generator)
def scatter(input: Tensor, dim: int, index: Tensor, src: Any = None, *, value: Any = None, reduce: Any = None) -> Tensor:
    return input.scatter(dim, index, src, value=value, reduce=reduce)
def scatter_reduce(input: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *, include_self: bool = True) -> Tensor:
    return input.scatter_reduce(dim, index, src, reduce, include_self=include_self)
def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha: Any = 1) -> Tensor:
    return input.index_add(dim, index, source, alpha=alpha)
def index_fill(input: Tensor, dim: int, index: Tensor, value: Any) -> Tensor: return input.index_fill(dim, index, value)
def index_put(input: Tensor, indices: Any, values: Any, accumulate: bool = False) -> Tensor:
    return input.index_put(indices, values, accumulate)
def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor: return input.masked_scatter(mask, source)
def take_along_dim(input: Tensor, indices: Tensor, dim: Any = None) -> Tensor: return input.take_along_dim(indices, dim)
def roll(input: Tensor, shifts: Any, dims: Any = None) -> Tensor: return input.roll(shifts, dims)
def einsum(equation: str, *operands: Any) -> Tensor: return einsum_function(equation, *operands)


def repeat_interleave(input: Tensor, repeats: Any = None, dim: Any = None, *, output_size: Any = None) -> Tensor:
    """input.repeat_interleave(repeats, dim); with repeats left out, input holds the repeats and
    the result repeats each position: repeat_interleave(tensor([1, 2])) == tensor([0, 1, 1])."""
    if repeats is None:
        return input.new_tensor(np.arange(input.numel())).repeat_interleave(input)
    return input.repeat_interleave(repeats, dim, output_size=output_size)


def meshgrid(*tensors: Any, indexing: str | None = None) -> tuple:
    """Coordinate grids: with "ij", grid k is tensors[k] laid along dim k and expanded to every
    length; "xy" (numpy's default) swaps the first two dims. Views: the gradient sums the copies."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn("meshgrid: in an upcoming release, it will be required to pass the indexing argument.",
                      UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}')
    for t in tensors:
        if t.ndim > 1:
            raise RuntimeError(f"meshgrid: Expected 0D or 1D tensor in the tensor list but got: {t}")
    order = [1, 0] + list(range(2, len(tensors))) if indexing == "xy" and len(tensors) > 1 else list(range(len(tensors)))
    shape = tuple(tensors[k].numel() for k in order)
    grids = [tensors[k].reshape(tuple(-1 if j == i else 1 for j in range(len(order)))).expand(shape)
             for i, k in enumerate(order)]
    return tuple(grids[order.index(k)] for k in range(len(tensors)))
