"""The function forms of tensor methods: `teachgrad.exp(x)` is `x.exp()`, and so on."""

from __future__ import annotations

from typing import Any

from teachgrad.tensor import Tensor


def add(input: Tensor, other: Any, *, alpha: Any = 1) -> Tensor: return input.add(other, alpha)
def sub(input: Tensor, other: Any, *, alpha: Any = 1) -> Tensor: return input.sub(other, alpha)
def mul(input: Tensor, other: Any) -> Tensor: return input * other
def div(input: Tensor, other: Any, *, rounding_mode: Any = None) -> Tensor: return input.div(other, rounding_mode=rounding_mode)
divide = div
def floor_divide(input: Tensor, other: Any) -> Tensor: return input.floor_divide(other)
def remainder(input: Tensor, other: Any) -> Tensor: return input.remainder(other)
def fmod(input: Tensor, other: Any) -> Tensor: return input.fmod(other)
def floor(input: Tensor) -> Tensor: return input.floor()
def ceil(input: Tensor) -> Tensor: return input.ceil()
def trunc(input: Tensor) -> Tensor: return input.trunc()
def round(input: Tensor, *, decimals: int = 0) -> Tensor: return input.round(decimals=decimals)
def frac(input: Tensor) -> Tensor: return input.frac()
def pow(input: Any, exponent: Any) -> Tensor: return input ** exponent
def neg(input: Tensor) -> Tensor: return -input
def exp(input: Tensor) -> Tensor: return input.exp()
def log(input: Tensor) -> Tensor: return input.log()
def sqrt(input: Tensor) -> Tensor: return input.sqrt()
def rsqrt(input: Tensor) -> Tensor: return input.rsqrt()
def square(input: Tensor) -> Tensor: return input.square()
def sin(input: Tensor) -> Tensor: return input.sin()
def cos(input: Tensor) -> Tensor: return input.cos()
def tanh(input: Tensor) -> Tensor: return input.tanh()
def sigmoid(input: Tensor) -> Tensor: return input.sigmoid()
def relu(input: Tensor) -> Tensor: return input.relu()
def abs(input: Tensor) -> Tensor: return input.abs()
def sign(input: Tensor) -> Tensor: return input.sign()
def reciprocal(input: Tensor) -> Tensor: return input.reciprocal()
def log2(input: Tensor) -> Tensor: return input.log2()
def log10(input: Tensor) -> Tensor: return input.log10()
def log1p(input: Tensor) -> Tensor: return input.log1p()
def expm1(input: Tensor) -> Tensor: return input.expm1()
def clamp(input: Tensor, min: Any = None, max: Any = None) -> Tensor: return input.clamp(min, max)
clip = clamp
def maximum(input: Tensor, other: Tensor) -> Tensor: return input.maximum(other)
def minimum(input: Tensor, other: Tensor) -> Tensor: return input.minimum(other)
def eq(input: Tensor, other: Any) -> Tensor: return input.eq(other)
def ne(input: Tensor, other: Any) -> Tensor: return input.ne(other)
def lt(input: Tensor, other: Any) -> Tensor: return input.lt(other)
def le(input: Tensor, other: Any) -> Tensor: return input.le(other)
def gt(input: Tensor, other: Any) -> Tensor: return input.gt(other)
def ge(input: Tensor, other: Any) -> Tensor: return input.ge(other)
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
def sum(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None, **numpy_names: Any) -> Tensor:
    return input.sum(dim, keepdim, dtype, **numpy_names)
def mean(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None, **numpy_names: Any) -> Tensor:
    return input.mean(dim, keepdim, dtype, **numpy_names)
def var(input: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *, correction: Any = None,
        **numpy_names: Any) -> Tensor:
    return input.var(dim, unbiased, keepdim, correction=correction, **numpy_names)
def std(input: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *, correction: Any = None,
        **numpy_names: Any) -> Tensor:
    return input.std(dim, unbiased, keepdim, correction=correction, **numpy_names)
def prod(input: Tensor, dim: Any = None, keepdim: bool = False, **numpy_names: Any) -> Tensor:
    return input.prod(dim, keepdim, **numpy_names)
def max(input: Tensor, dim: Any = None, keepdim: bool = False, **numpy_names: Any) -> Any:
    return input.max(dim, keepdim, **numpy_names)
def min(input: Tensor, dim: Any = None, keepdim: bool = False, **numpy_names: Any) -> Any:
    return input.min(dim, keepdim, **numpy_names)
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
def sort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Any: return input.sort(dim, descending, stable)
def argsort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    return input.argsort(dim, descending, stable)
def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> Any: return input.topk(k, dim, largest, sorted)
def nonzero(input: Tensor, *, as_tuple: bool = False) -> Any: return input.nonzero(as_tuple=as_tuple)
def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False, dim: Any = None) -> Any:
    return input.unique(sorted, return_inverse, return_counts, dim)
def log_softmax(input: Tensor, dim: Any = None, **numpy_names: Any) -> Tensor: return input.log_softmax(dim, **numpy_names)
def matmul(input: Tensor, other: Tensor) -> Tensor: return input.matmul(other)
def mm(input: Tensor, mat2: Tensor) -> Tensor: return input.mm(mat2)
def bmm(input: Tensor, mat2: Tensor) -> Tensor: return input.bmm(mat2)
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
