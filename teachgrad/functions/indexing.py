"""Indexing that selects arbitrary elements: advanced indexing, gather, scatter_add, cat, setitem.

These cannot be views, so they compute *positions*: for every output element, where its value
sits in the input's storage (`strides.storage_positions`), using numpy's indexing rules on an
array of positions. The kernels then `take` those elements. The backward rule of a selection is
its adjoint: `scatter_add` the gradient back to the positions it came from (repeated positions
add up).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from teachgrad.autograd.function import Function, once_differentiable
from teachgrad.dtypes import bool_, int64, promote_types
from teachgrad.functions.broadcast import describe, grad_for, is_tensor
from teachgrad.functions.dispatch import run_assign, run_unary, run_put, run_scatter_add, run_take, run_binary
from teachgrad.functions.take import PutAdd
from teachgrad.strides import basic_index, check_no_internal_overlap, storage_positions


def is_basic_key(key: tuple) -> bool:
    """True when the key has only ints, slices, None and Ellipsis (the result is a view)."""
    return all(k is None or k is Ellipsis or isinstance(k, slice) or _is_int(k) for k in key)


def _is_int(k: Any) -> bool:
    return isinstance(k, (int, np.integer)) and not isinstance(k, (bool, np.bool_))


def _numpy_index(k: Any) -> Any:
    """One key entry in numpy's terms: tensors and lists become integer or boolean arrays."""
    if is_tensor(k):
        if k.dtype not in (int64, bool_):
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        return k._host_array()
    if isinstance(k, (list, tuple)):
        array = np.asarray(k)
        if array.dtype.kind not in "iub" and array.size:
            raise IndexError(f"indices must be integers or booleans, got {array.dtype}")
        return array.astype(np.int64) if array.dtype.kind in "iu" or not array.size else array
    if isinstance(k, (bool, np.bool_)):
        return np.bool_(k)
    return k


def _select(shape: tuple, strides: tuple, offset: int, key: tuple) -> tuple[np.ndarray, np.ndarray]:
    """Storage positions and row-major element numbers of the elements that `key` selects."""
    key = tuple(_numpy_index(k) for k in key)
    try:
        storage = storage_positions(shape, strides, offset)[key]
        elements = np.arange(storage_positions_size(shape)).reshape(shape)[key]
    except IndexError as error:
        raise IndexError(str(error).replace("axis", "dimension")) from None
    return storage, elements


def storage_positions_size(shape: tuple) -> int:
    return int(np.prod(shape, dtype=np.int64))


class AdvancedIndex(Function):
    """x[key] where key holds integer tensors/lists or boolean masks (numpy's rules): a copy.

    forward:  out = the selected elements of x
    backward: dL/dx = scatter_add of g into zeros(x.shape) at the selected positions
    """

    @staticmethod
    def forward(ctx, x, key):
        storage, elements = _select(x.shape, x._layout_strides, x._offset, key)
        ctx.shape, ctx.elements = x.shape, elements
        return run_take(x, storage, storage.shape)

    @staticmethod
    def backward(ctx, g):
        return PutAdd.apply(g, ctx.elements, ctx.shape), None


def write_region(target: Any, key: tuple, value: Any) -> None:
    """target[key] = value, in place, in target's storage (value broadcasts to the region)."""
    if is_basic_key(key):
        shape, strides, offset = basic_index(target.shape, target._layout_strides, target._offset, key)
        check_no_internal_overlap(shape, strides)
        run_assign(target._view(shape, strides, offset), value)
        return
    storage, _ = _select(target.shape, target._layout_strides, target._offset, key)
    run_put(target, storage, value)


class IndexPut(Function):
    """out = x with the region key selects replaced by value (the functional form of x[key] = value).

    forward:  out = x;  out[key] = value
    backward: dL/dx = g with the region set to 0
              dL/dvalue = unbroadcast(g[key], value.shape)
    """

    @staticmethod
    def forward(ctx, x, value, key):
        ctx.key, ctx.meta = key, describe(value)
        out = run_unary("identity", x)
        write_region(out, key, value if is_tensor(value) else out._as_operand(value, out.dtype))
        return out

    @staticmethod
    @once_differentiable
    def backward(ctx, g):
        grad_x = None
        if ctx.needs_input_grad[0]:
            grad_x = run_unary("identity", g)
            write_region(grad_x, ctx.key, g.new_zeros(()))
        grad_value = grad_for(g[ctx.key], ctx.meta, ctx.needs_input_grad[1])
        return grad_x, grad_value, None


def _check_index(name: str, x: Any, index: Any, x_name: str) -> None:
    """An index tensor for gather/scatter: int64, with as many dims as x (PyTorch's messages)."""
    if index.dtype is not int64:
        raise RuntimeError(f"{name}(): Expected dtype int64 for index, got {index.dtype}")
    if index.ndim != x.ndim:
        raise RuntimeError(f"Index tensor must have the same number of dimensions as {x_name} tensor "
                           f"({index.ndim} vs {x.ndim})")


def _gather_positions(x: Any, dim: int, index: Any) -> tuple[np.ndarray, np.ndarray]:
    """Positions of x[..., index[c], ...] (index replacing coordinate `dim`) for each c; index checked."""
    idx = index._host_array()
    if idx.size and (idx.min() < 0 or idx.max() >= x.shape[dim]):
        bad = idx.min() if idx.min() < 0 else idx.max()
        raise RuntimeError(f"index {bad} is out of bounds for dimension {dim} with size {x.shape[dim]}")
    coords = list(np.indices(index.shape, dtype=np.int64))
    coords[dim] = idx
    storage = x._offset + sum(c * s for c, s in zip(coords, x._layout_strides)) if coords else np.zeros((), np.int64) + x._offset
    elements = np.ravel_multi_index(coords, x.shape) if coords else np.zeros((), np.int64)
    return np.asarray(storage, dtype=np.int64), np.asarray(elements, dtype=np.int64)


class Gather(Function):
    """Pick along `dim` by an index tensor: out[c] = x[c with c[dim] replaced by index[c]].

    forward:  out = x gathered along dim (out.shape == index.shape)
    backward: dL/dx = scatter_add of g into zeros(x.shape) at the gathered positions
    """

    @staticmethod
    def forward(ctx, x, dim, index):
        _check_index("gather", x, index, "input")
        for d in range(x.ndim):
            if d != dim and index.shape[d] > x.shape[d]:
                raise RuntimeError(f"Size does not match at dimension {d} expected index {list(index.shape)} to be no "
                                   f"larger than self {list(x.shape)} apart from dimension {dim}")
        storage, elements = _gather_positions(x, dim, index)
        ctx.shape, ctx.elements = x.shape, elements
        return run_take(x, storage, index.shape)

    @staticmethod
    def backward(ctx, g):
        return PutAdd.apply(g, ctx.elements, ctx.shape), None, None


class ScatterAdd(Function):
    """Add src into a copy of x at positions chosen by index along `dim` (the adjoint of gather).

    forward:  out = x;  out[c with c[dim] = index[c]] += src[c]  for each c in index.shape
    backward: dL/dx = g
              dL/dsrc = g.gather(dim, index)
    """

    @staticmethod
    def forward(ctx, x, dim, index, src):
        _check_index("scatter", x, index, "self")
        if src.dtype is not x.dtype:
            raise RuntimeError(f"scatter(): Expected self.dtype to be equal to src.dtype (got {x.dtype} and {src.dtype})")
        fits_x = all(i <= s for d, (i, s) in enumerate(zip(index.shape, x.shape)) if d != dim)
        if not fits_x or src.ndim != index.ndim or any(i > s for i, s in zip(index.shape, src.shape)):
            raise RuntimeError(f"Expected index {list(index.shape)} to be no larger than self {list(x.shape)} apart from "
                               f"dimension {dim} and to be no larger size than src {list(src.shape)}")
        src = src[tuple(slice(0, s) for s in index.shape)] if src.shape != index.shape else src
        _, elements = _gather_positions(x, dim, index)
        ctx.dim, ctx.index = dim, index
        added = run_scatter_add(src, elements, x.shape)
        return run_binary("add", x, added)

    @staticmethod
    def backward(ctx, g):
        grad_src = g.gather(ctx.dim, ctx.index) if ctx.needs_input_grad[3] else None
        return g, None, None, grad_src


def check_index_select(x: Any, dim: int, index: Any) -> None:
    """index_select's index: a 0-d or 1-D int64 tensor of positions in [0, x.shape[dim]) (no negatives)."""
    if index.dtype is not int64:
        raise RuntimeError(f"index_select(): Expected dtype int64 for index, got {index.dtype}")
    if index.ndim > 1:
        raise IndexError(f"index_select(): Index is supposed to be a vector, got an index of shape {list(index.shape)}")
    values = index._host_array().reshape(-1)
    bad = values[(values < 0) | (values >= x.shape[dim])]
    if bad.size:
        raise RuntimeError(f"INDICES element is out of DATA bounds, id={bad[0]} axis_dim={x.shape[dim]}")


class Cat(Function):
    """Join tensors along `dim` (all other sizes must match).

    forward:  out = [x_1, x_2, ...] laid side by side along dim
    backward: dL/dx_i = the slice of g along dim where x_i was placed
    """

    @staticmethod
    def forward(ctx, dim, *tensors):
        skipped = {id(t) for t in tensors if t.ndim == 1 and t.shape[0] == 0}  # legacy: 1-D empties join anything
        parts = [t for t in tensors if id(t) not in skipped] or list(tensors[:1])
        first = parts[0]
        for t in parts[1:]:
            if t.ndim != first.ndim or any(a != b for d, (a, b) in enumerate(zip(t.shape, first.shape)) if d != dim):
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {dim}. Expected size "
                    f"{list(first.shape)} but got size {list(t.shape)} for a tensor in the list"
                )
        out_dtype = first.dtype
        for t in parts[1:]:
            out_dtype = promote_types(out_dtype, t.dtype)
        sizes = [0 if id(t) in skipped else t.shape[dim] for t in tensors]
        shape = first.shape[:dim] + (sum(sizes),) + first.shape[dim + 1 :]
        out = first._new_empty(shape, out_dtype)
        start = 0
        for t, size in zip(tensors, sizes):
            if size:
                run_assign(out.narrow(dim, start, size), t)
            start += size
        ctx.dim, ctx.sizes = dim, sizes
        ctx.dtypes = [t.dtype for t in tensors]
        return out

    @staticmethod
    def backward(ctx, g):
        grads, start = [None], 0
        for size, original_dtype in zip(ctx.sizes, ctx.dtypes):
            grads.append(g.narrow(ctx.dim, start, size).to(original_dtype))
            start += size
        return tuple(grads)


def scatter_key(x: Any, dim: int, index: Any) -> tuple:
    """The advanced-indexing key of x[c with c[dim] = index[c]] for every c in index.shape (scatter's targets).

    Each dim d != dim is addressed by arange(index.shape[d]) laid along d; dim by the index itself.
    """
    _check_index("scatter", x, index, "self")
    if any(i > s for d, (i, s) in enumerate(zip(index.shape, x.shape)) if d != dim):
        raise RuntimeError(f"Expected index {list(index.shape)} to be no larger than self {list(x.shape)} apart from "
                           f"dimension {dim}")
    _gather_positions(x, dim, index)  # the bounds check, with PyTorch's message
    key = [np.arange(n, dtype=np.int64).reshape((n,) + (1,) * (index.ndim - 1 - d)) for d, n in enumerate(index.shape)]
    key[dim] = index
    return tuple(key)


def index_along(x: Any, dim: int, index: Any) -> tuple:
    """The key x[:, ..., :, index] with `index` (0-d or 1-D) at `dim`, checked as index_select checks it."""
    check_index_select(x, dim, index)
    return (slice(None),) * dim + (index.reshape(-1),)


def rolled_positions(size: int, shift: int) -> np.ndarray:
    """Where each element of a rolled line comes from: out[i] = x[(i - shift) mod size]."""
    return (np.arange(size, dtype=np.int64) - shift) % max(size, 1)


def repeated_positions(repeats: np.ndarray, size: int) -> np.ndarray:
    """Position i of a line repeated repeats[i] times (repeats a number or one count per position)."""
    if repeats.ndim and repeats.shape[0] != size:
        raise RuntimeError(f"repeats must have the same size as input along dim, but got repeats.size(0) = "
                           f"{repeats.shape[0]} and input.size(0) = {size}")
    if (repeats < 0).any():
        raise RuntimeError("repeats can not be negative")
    return np.repeat(np.arange(size, dtype=np.int64), repeats)


def reduction_table(x: Any, dim: int, index: Any, include_self: bool) -> tuple[np.ndarray, np.ndarray]:
    """For scatter_reduce: a table (x.numel(), k) of positions into cat([x.flatten(), src.flatten(), fill]).

    Row r lists what lands on x's element r (x's own value first when include_self, then the
    src elements in order); the rest of the row points at the one `fill` element (the
    reduction's identity). Also gives each row's count.
    """
    _, targets = _gather_positions(x, dim, index)
    targets, size, first = targets.reshape(-1), storage_positions_size(x.shape), int(include_self)
    arrivals = np.bincount(targets, minlength=size)
    order = np.argsort(targets, kind="stable")  # src elements grouped by target, in order
    rank = np.arange(targets.size) - (np.cumsum(arrivals) - arrivals)[targets[order]]
    table = np.full((size, int(arrivals.max(initial=0)) + first or 1), size + targets.size, dtype=np.int64)
    table[:, 0] = np.arange(size) if include_self else table[:, 0]
    table[targets[order], rank + first] = size + order
    return table, arrivals + first


SCATTER_REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")


def scatter_reduce(x: Any, dim: int, index: Any, src: Any, reduce: str, include_self: bool) -> Any:
    """Reduce onto each element of x the src values scattered onto it (PyTorch's scatter_reduce).

    Composed: row r of `reduction_table` lists what lands on x's element r; those values are taken
    from cat([x, src, identity]) by AdvancedIndex and reduced along the row (Sum, Extremum, cumprod);
    an element nothing lands on keeps x (Where). The gradient flows back through the take: for
    sum dL/dsrc = g at the target; for mean g / count; for amax/amin, g shared among the ties; for
    prod, g times the product of the row's other values (zeros included).
    """
    if reduce not in SCATTER_REDUCTIONS:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    scatter_key(x, dim, index)
    if src.dtype is not x.dtype:
        raise RuntimeError(f"scatter(): Expected self.dtype to be equal to src.dtype (got {x.dtype} and {src.dtype})")
    src = src[tuple(slice(0, s) for s in index.shape)]
    table, counts = reduction_table(x, dim, index, include_self)
    candidates = Cat.apply(0, x.reshape(-1), src.reshape(-1), x.new_full((1,), _identity(reduce, x.dtype)))
    reduced = _reduce_rows(AdvancedIndex.apply(candidates, (table,)), reduce)
    counts = x.new_tensor(counts, dtype=int64)
    if reduce == "mean":
        kept = counts.clamp(min=1)
        reduced = reduced / kept if x.dtype.is_floating_point else reduced.div(kept, rounding_mode="floor")
    return reduced.reshape(x.shape).where(counts.reshape(x.shape) > 0, x)


def _reduce_rows(rows: Any, reduce: str) -> Any:
    """Each row of the table reduced to one value (prod as the last running product: cumprod's gradient)."""
    if reduce == "prod":
        return rows.cumprod(1)[:, -1]
    return rows.amax(1) if reduce == "amax" else rows.amin(1) if reduce == "amin" else rows.sum(1)


def _identity(reduce: str, dtype: Any) -> Any:
    """The value that leaves a reduction unchanged: 0 for sums, 1 for products, -inf/inf for amax/amin."""
    if reduce in ("amax", "amin"):
        limits = np.finfo(dtype.numpy) if dtype.is_floating_point else np.iinfo(dtype.numpy)
        return (-np.inf if dtype.is_floating_point else limits.min) if reduce == "amax" else (
            np.inf if dtype.is_floating_point else limits.max)
    return 1 if reduce == "prod" else 0


def index_add(x: Any, dim: int, index: Any, source: Any, alpha: Any) -> Any:
    """x with alpha * source[..., i, ...] added at x[..., index[i], ...] (along dim; repeats add up).

    Composed: ScatterAdd with the index laid along dim and expanded to source's shape, so
    dL/dx = g and dL/dsource = alpha * g.index_select(dim, index).
    """
    size = source.shape[dim] if source.ndim else 1
    if index.numel() != size:
        raise RuntimeError(f"index_add_(): Number of indices ({index.numel()}) should be equal to source.size(dim): "
                           f"({size}), for dim: {dim}")
    values = index._host_array()
    if values.size and (values.min() < -x.shape[dim] or values.max() >= x.shape[dim]):
        raise IndexError("index out of range in self")
    spread = (index % x.shape[dim]).reshape(tuple(-1 if d == dim else 1 for d in range(source.ndim)))
    return ScatterAdd.apply(x, dim, spread.expand(source.shape), source * alpha if alpha != 1 else source)


def put_accumulate(x: Any, key: tuple, values: Any) -> Any:
    """x with values added at x[key] (index_put with accumulate=True: repeated positions add up).

    Composed: index_add on the flattened x at the element numbers the key selects.
    """
    _, elements = _select(x.shape, x._layout_strides, x._offset, key)
    values = values if is_tensor(values) else x._as_operand(values, x.dtype)
    flat = x.new_tensor(elements.reshape(-1), dtype=int64)
    return index_add(x.reshape(-1), 0, flat, values.expand(elements.shape).reshape(-1), 1).reshape(x.shape)


def masked_scatter(x: Any, mask: Any, source: Any) -> Any:
    """x with the elements where mask is true replaced, in row-major order, by source's first elements.

    Composed: IndexPut with the mask as key, so dL/dx = g where mask is false, and
    dL/dsource = g[mask] on source's first mask.sum() elements, 0 on the rest.
    """
    if mask.dtype is not bool_:
        raise RuntimeError(f"masked_scatter_ only supports boolean masks, but got mask with dtype {mask.dtype.scalar_type}")
    mask = mask.expand(x.shape)
    count = int(mask._host_array().sum())
    if source.numel() < count:
        raise RuntimeError("Number of elements of source < number of ones in mask")
    return IndexPut.apply(x, source.reshape(-1)[:count], (mask,))
