"""Storage and index math: how a flat buffer plus shape, strides and offset makes a tensor.

A tensor's elements live in a 1-D buffer (its *storage*). Element `index = (i0, i1, ...)` sits at

    position(index) = offset + i0 * strides[0] + i1 * strides[1] + ...

A *view* is another (shape, strides, offset) over the same storage: transposing swaps two
strides, slicing `a[:, 1::2]` adds 1 * strides[1] to the offset and doubles strides[1],
broadcasting a size-1 dimension to size n gives it stride 0 (every index reads the same element).
"""

from __future__ import annotations

import itertools
from typing import Iterator, NamedTuple, Sequence

import numpy as np

Shape = tuple[int, ...]


class StridedArray(NamedTuple):
    """What a backend kernel sees of a tensor: its storage and the layout over it."""

    storage: np.ndarray
    shape: Shape
    strides: Shape
    offset: int


def numel(shape: Sequence[int]) -> int:
    """The number of elements of a tensor of this shape (1 for shape ())."""
    count = 1
    for size in shape:
        count *= size
    return count


def contiguous_strides(shape: Sequence[int]) -> Shape:
    """Row-major strides: the last dimension moves by 1, each earlier one by the product after it."""
    strides, step = [], 1
    for size in reversed(shape):
        strides.append(step)
        step *= max(size, 1)
    return tuple(reversed(strides))


_ROW_MAJOR: dict = {}


def row_major_strides(shape: tuple) -> Shape:
    """contiguous_strides(shape), remembered: a training step makes tensors of the same few shapes."""
    strides = _ROW_MAJOR.get(shape)
    if strides is None:
        if len(_ROW_MAJOR) >= 4096:
            _ROW_MAJOR.clear()
        strides = _ROW_MAJOR[tuple(shape)] = contiguous_strides(shape)
    return strides


def position(index: Sequence[int], strides: Sequence[int], offset: int) -> int:
    """Where element `index` sits in storage: offset + sum(index[d] * strides[d])."""
    pos = offset
    for i, stride in zip(index, strides):
        pos += i * stride
    return pos


def index_of(flat: int, shape: Sequence[int], index: list | np.ndarray) -> None:
    """Write into `index` the multi-index of element number `flat` in row-major order.

    The last dim counts fastest: flat = ((i0 * shape[1] + i1) * shape[2] + i2) ..., so the
    digits come out from the last dim backwards, like reading a number in a mixed base.
    """
    for d in range(len(shape) - 1, -1, -1):
        index[d] = flat % shape[d]
        flat //= shape[d]


def all_indices(shape: Sequence[int]) -> Iterator[tuple[int, ...]]:
    """Every index of `shape` in row-major order: (0,0), (0,1), ..., (1,0), ..."""
    return itertools.product(*(range(size) for size in shape))


def is_contiguous(shape: Sequence[int], strides: Sequence[int]) -> bool:
    """True when the layout is row-major with no gaps (size-1 dimensions may have any stride)."""
    expected = 1
    for size, stride in zip(reversed(shape), reversed(strides)):
        if size != 1 and stride != expected:
            return False
        expected *= size
    return True


def has_internal_overlap(shape: Sequence[int], strides: Sequence[int]) -> bool:
    """True when two elements sit at one storage position (an expanded dim has stride 0, ...).

    Sorted by stride, the dims of size > 1 cannot collide while each stride is larger than the
    reach of the smaller ones, sum((size - 1) * stride); when that test fails, compare positions.
    """
    reach = 0
    for stride, size in sorted((abs(st), sz) for sz, st in zip(shape, strides) if sz > 1):
        if stride == 0:
            return True
        if stride <= reach:
            positions = storage_positions(tuple(shape), tuple(strides), 0)
            return np.unique(positions).size < positions.size
        reach += (size - 1) * stride
    return False


def check_no_internal_overlap(shape: Sequence[int], strides: Sequence[int]) -> None:
    """Refuse an in-place write into a layout whose elements share memory (PyTorch's rule)."""
    if has_internal_overlap(shape, strides):
        raise RuntimeError("unsupported operation: more than one element of the written-to tensor refers to a single "
                           "memory location. Please clone() the tensor before performing the operation.")


def broadcast_shapes(*shapes: Sequence[int]) -> Shape:
    """The shape that all shapes broadcast to (align on the right; sizes equal or 1).

    Raises RuntimeError naming the shapes when two sizes differ and neither is 1.
    """
    if len(shapes) == 2 and shapes[0] == shapes[1]:
        return tuple(shapes[0])
    ndim = max((len(s) for s in shapes), default=0)
    result = []
    for d in range(-ndim, 0):
        sizes = {s[d] for s in shapes if len(s) >= -d and s[d] != 1}
        if len(sizes) > 1:
            listed = " and ".join(str(tuple(s)) for s in shapes)
            raise RuntimeError(f"shapes {listed} cannot be broadcast together (dimension {d + ndim}: sizes {sorted(sizes)})")
        result.append(sizes.pop() if sizes else 1)
    return tuple(result)


def broadcast_strides(shape: Sequence[int], strides: Sequence[int], target: Sequence[int]) -> Shape:
    """Strides that view `shape` as `target`: new leading and size-1 dimensions get stride 0.

    With stride 0, every index along that dimension reads the same element: that is all
    broadcasting is.
    """
    lead = len(target) - len(shape)
    if lead < 0:
        raise RuntimeError(f"expand: the target shape {tuple(target)} has fewer dimensions than {tuple(shape)}")
    out = [0] * lead
    for size, stride, want in zip(shape, strides, target[lead:]):
        if size == want:
            out.append(stride)
        elif size == 1:
            out.append(0)
        else:
            raise RuntimeError(
                f"the expanded size of the tensor ({want}) must match the existing size ({size}) at "
                f"non-singleton dimension {len(out)}. Target sizes: {list(target)}. Tensor sizes: {list(shape)}"
            )
    return tuple(out)


def normalize_dim(dim: int, ndim: int) -> int:
    """A dimension index in range(ndim); negative dims count from the end, like Python."""
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"dim must be an int, got {type(dim).__name__}")
    bound = max(ndim, 1)
    if not -bound <= dim < bound:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-bound}, {bound - 1}], but got {dim})")
    return int(dim) % bound


def normalize_dims(dim, ndim: int) -> tuple[int, ...]:
    """`dim` as a sorted tuple of distinct dims; None means all dimensions."""
    if dim is None:
        return tuple(range(ndim))
    try:
        dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    except TypeError:
        raise TypeError(f"dim must be an int or a tuple of ints, got {type(dim).__name__}: {dim!r}") from None
    normalized = tuple(normalize_dim(d, ndim) for d in dims)
    if len(set(normalized)) != len(normalized):
        raise RuntimeError(f"dim {tuple(dims)} appears multiple times in the list of dims")
    return tuple(sorted(normalized))


def view_strides(shape: Sequence[int], strides: Sequence[int], new_shape: Sequence[int]) -> Shape | None:
    """Strides showing the same elements with `new_shape`, or None when that needs a copy.

    Reshaping is free when every group of old dims that merges or splits is itself laid out
    contiguously ("a chunk"). Walk the old dims from the last, find each chunk (where
    strides[d-1] != strides[d] * shape[d]), and give the new dims covering the same number of
    elements strides inside that chunk. This is PyTorch's `computeStride`.
    """
    if numel(shape) == 0 or len(shape) == 0:
        return contiguous_strides(new_shape)
    new_strides = [0] * len(new_shape)
    view_d = len(new_shape) - 1
    chunk_base_stride = strides[-1]
    tensor_numel = view_numel = 1
    for tensor_d in range(len(shape) - 1, -1, -1):
        tensor_numel *= shape[tensor_d]
        chunk_ends = tensor_d == 0 or (shape[tensor_d - 1] != 1 and strides[tensor_d - 1] != tensor_numel * chunk_base_stride)
        if not chunk_ends:
            continue
        while view_d >= 0 and (view_numel < tensor_numel or new_shape[view_d] == 1):
            new_strides[view_d] = view_numel * chunk_base_stride
            view_numel *= new_shape[view_d]
            view_d -= 1
        if view_numel != tensor_numel:
            return None
        if tensor_d > 0:
            chunk_base_stride = strides[tensor_d - 1]
            tensor_numel = view_numel = 1
    return tuple(new_strides) if view_d == -1 else None


def infer_shape(shape: Sequence[int], count: int) -> Shape:
    """Resolve one -1 in a requested shape from the element count; check the count matches."""
    shape = tuple(int(s) for s in shape)
    unknown = [d for d, s in enumerate(shape) if s == -1]
    if len(unknown) > 1:
        raise RuntimeError("only one dimension can be inferred")
    if any(s < -1 for s in shape):
        raise RuntimeError(f"invalid shape dimension {min(shape)}")
    known = numel([s for s in shape if s != -1])
    if unknown:
        if known == 0 or count % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {count}")
        shape = shape[: unknown[0]] + (count // known,) + shape[unknown[0] + 1 :]
    if numel(shape) != count:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {count}")
    return shape


def basic_index(shape: Shape, strides: Shape, offset: int, key: tuple) -> tuple[Shape, Shape, int]:
    """The view `x[key]` for a key of ints, slices, None and one Ellipsis: (shape, strides, offset).

    An int fixes a dim (offset += i * stride, the dim disappears); a slice start:stop:step keeps
    the dim with size len(range(start, stop, step)), offset += start * stride, stride *= step;
    None inserts a size-1 dim.
    """
    consumed = sum(1 for k in key if k is not None and k is not Ellipsis)
    if consumed > len(shape):
        raise IndexError(f"too many indices for tensor of dimension {len(shape)}")
    if sum(1 for k in key if k is Ellipsis) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    new_shape, new_strides, d = [], [], 0
    for k in key:
        if k is Ellipsis:
            for _ in range(len(shape) - consumed):
                new_shape.append(shape[d])
                new_strides.append(strides[d])
                d += 1
        elif k is None:
            new_shape.append(1)
            new_strides.append(shape[d] * strides[d] if d < len(shape) else 1)  # PyTorch's unsqueeze stride
        elif isinstance(k, slice):
            start, stop, step = k.indices(shape[d])
            if step <= 0:
                raise ValueError("step must be greater than zero")
            size = len(range(start, stop, step))
            if size:
                offset += start * strides[d]
            new_shape.append(size)
            new_strides.append(strides[d] * step)
            d += 1
        else:
            i = int(k)
            if not -shape[d] <= i < shape[d]:
                raise IndexError(f"index {i} is out of bounds for dimension {d} with size {shape[d]}")
            offset += (i % shape[d]) * strides[d]
            d += 1
    new_shape.extend(shape[d:])
    new_strides.extend(strides[d:])
    return tuple(new_shape), tuple(new_strides), offset


def storage_positions(shape: Shape, strides: Shape, offset: int) -> np.ndarray:
    """An int64 array of `shape` holding the storage position of every element."""
    positions = np.full(shape, offset, dtype=np.int64)
    for d, (size, stride) in enumerate(zip(shape, strides)):
        steps = np.arange(size, dtype=np.int64) * stride
        positions += steps.reshape((size,) + (1,) * (len(shape) - d - 1))
    return positions
