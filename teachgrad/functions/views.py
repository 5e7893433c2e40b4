"""Views: operations that return a tensor sharing the input's storage (no data is copied).

Each changes only (shape, strides, offset); see `teachgrad.strides` for the index math. Their
backward rules move the gradient back into the input's shape: the same reshaping, the inverse
permutation, a sum over broadcast dims, or the gradient placed into the indexed region of zeros.
"""

from __future__ import annotations

from teachgrad.autograd.function import Function, once_differentiable
from teachgrad.functions.broadcast import unbroadcast
from teachgrad.functions.dispatch import run_assign, run_unary
from teachgrad.strides import basic_index, broadcast_strides, infer_shape, view_strides


class View(Function):
    """Same elements, new shape, no copy (needs a compatible layout; see `strides.view_strides`).

    forward:  out = x viewed as `shape`
    backward: dL/dx = g reshaped to x.shape
    """

    @staticmethod
    def forward(ctx, x, shape):
        shape = infer_shape(shape, x.numel())
        strides = view_strides(x.shape, x._layout_strides, shape)
        if strides is None:
            raise RuntimeError(
                f"view size is not compatible with input tensor's size and stride (at least one dimension "
                f"spans across two contiguous subspaces): size {list(x.shape)}, stride {list(x._layout_strides)}, "
                f"requested {list(shape)}. Use .reshape(...) instead."
            )
        ctx.shape = x.shape
        return x._view(shape, strides, x._offset)

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.shape), None


class Permute(Function):
    """Reorder dims: out.shape[i] = x.shape[dims[i]] (transpose swaps two).

    forward:  out = x with strides permuted
    backward: dL/dx = g permuted by the inverse permutation
    """

    @staticmethod
    def forward(ctx, x, dims):
        if sorted(dims) != list(range(x.ndim)):
            raise RuntimeError(f"permute: dims {tuple(dims)} must be a permutation of {tuple(range(x.ndim))}")
        inverse = [0] * len(dims)
        for position, d in enumerate(dims):  # out dim `position` came from dim d
            inverse[d] = position
        ctx.inverse = tuple(inverse)
        strides = x._layout_strides
        return x._view(tuple(x.shape[d] for d in dims), tuple(strides[d] for d in dims), x._offset)

    @staticmethod
    def backward(ctx, g):
        return g.permute(ctx.inverse), None


class Expand(Function):
    """Broadcast to a larger shape with stride 0 along expanded dims (-1 keeps a size).

    forward:  out = x repeated along expanded dims (a view; nothing is copied)
    backward: dL/dx = unbroadcast(g, x.shape)
    """

    @staticmethod
    def forward(ctx, x, shape):
        lead = len(shape) - x.ndim
        for d in range(max(lead, 0)):
            if shape[d] < 0:
                raise RuntimeError(f"The expanded size of the tensor ({shape[d]}) isn't allowed in a leading, non-existing dimension {d}")
        shape = tuple(x.shape[d - lead] if s == -1 and d >= lead else s for d, s in enumerate(shape))
        ctx.shape = x.shape
        return x._view(shape, broadcast_strides(x.shape, x._layout_strides, shape), x._offset)

    @staticmethod
    def backward(ctx, g):
        return unbroadcast(g, ctx.shape), None


class Index(Function):
    """Basic indexing x[key] with ints, slices, None and Ellipsis: a view.

    forward:  out = the region of x that key selects
    backward: dL/dx = zeros(x.shape) with g written into the same region
    """

    @staticmethod
    def forward(ctx, x, key):
        ctx.shape, ctx.key = x.shape, key
        return x._view(*basic_index(x.shape, x._layout_strides, x._offset, key))

    @staticmethod
    def backward(ctx, g):
        return SliceBackward.apply(g, ctx.shape, ctx.key), None


class SliceBackward(Function):
    """Index's backward as an operation of its own, so that it has a gradient too (double backward).

    forward:  out = zeros(shape) with g written into the region that key selects
    backward: dL/dg = gg[key]   (writing into a region and reading it back are each other's adjoint)
    """

    @staticmethod
    def forward(ctx, g, shape, key):
        ctx.key = key
        grad = g.new_zeros(shape)
        region = grad._view(*basic_index(grad.shape, grad._layout_strides, grad._offset, key))
        run_assign(region, g)
        return grad

    @staticmethod
    def backward(ctx, gg):
        return Index.apply(gg, ctx.key), None, None


class Clone(Function):
    """A copy with its own, contiguous storage.

    forward:  out = copy of x
    backward: dL/dx = g
    """

    @staticmethod
    def forward(ctx, x):
        return run_unary("identity", x)

    @staticmethod
    def backward(ctx, g):
        return g


class Flip(Function):
    """Reverse the order of elements along `dims` (a copy, like PyTorch).

    forward:  out[..., i, ...] = x[..., n - 1 - i, ...] along each flipped dim
    backward: dL/dx = g flipped along the same dims
    """

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        offset, strides = x._offset, list(x._layout_strides)
        for d in dims:
            if x.shape[d] > 0:
                offset += (x.shape[d] - 1) * strides[d]
            strides[d] = -strides[d]
        return run_unary("identity", x._view(x.shape, tuple(strides), offset))

    @staticmethod
    def backward(ctx, g):
        return g.flip(ctx.dims), None


class WriteIntoView(Function):
    """The base of a view after an in-place write through the view (PyTorch's CopySlices).

    `layout` = (shape, strides, offset) of the view in the base's storage.

    forward:  out = base with the view's region replaced by value
    backward: dL/dbase = g with the region set to 0
              dL/dvalue = g's region, as a tensor of the view's shape
    """

    @staticmethod
    def forward(ctx, base, value, layout):
        if not base.is_contiguous():
            raise RuntimeError(
                "teachgrad records in-place writes through a view only when the view's base is contiguous; "
                "use an out-of-place operation"
            )
        shape, strides, offset = layout
        ctx.region = (shape, strides, offset - base._offset)
        out = run_unary("identity", base)
        run_assign(out._view(*ctx.region), value)
        return out

    @staticmethod
    @once_differentiable
    def backward(ctx, g):
        g = g.contiguous()
        grad_value = run_unary("identity", g._view(*ctx.region))
        grad_base = run_unary("identity", g)
        run_assign(grad_base._view(*ctx.region), g.new_zeros(()))
        return grad_base, grad_value, None
