"""Operations without a second derivative, each with the reason.

Their backward, or the backward of a Function they are composed of, is marked
`@once_differentiable`: it calls a primitive kernel directly (or reuses a value forward computed
outside the graph), so its result has no graph to differentiate, and differentiating it raises
instead of returning a silently wrong 0. Every other differentiable operation in the registry passes
`gradgradcheck` (tests/test_registry.py checks both).
"""

from __future__ import annotations

_VARIANCE = "backward reuses x - mean, which forward computed outside the graph (Var)"
_NORM = ("backward multiplies by out ** (1 - p), infinite at a zero vector, and masks the result afterwards: "
         "differentiated, the mask would leave nan there (PyTorch gives 0)")

_FUSED_CROSS_ENTROPY = "backward computes softmax(x) from log_softmax(x), which forward computed outside the graph"

NO_SECOND_DERIVATIVE: dict[str, str] = {
    "var": _VARIANCE,
    "std": _VARIANCE,
    "norm": _NORM,
    "normalize": "composed with Norm: " + _NORM,
    "cosine_similarity": "composed with Norm: " + _NORM,
    "diag": "composed with IndexPut, whose backward uses the take primitive",
    "write_into_view": "backward copies g's region with the assign primitive (WriteIntoView)",
    "setitem": "backward reads g at the written positions with the take primitive (IndexPut)",
    "scatter": "composed with IndexPut, whose backward uses the take primitive",
    "index_fill": "composed with IndexPut, whose backward uses the take primitive",
    "index_put": "composed with IndexPut, whose backward uses the take primitive",
    "masked_scatter": "composed with IndexPut, whose backward uses the take primitive",
    "batch_norm": "composed with Var: " + _VARIANCE,
    "layer_norm": "composed with Var: " + _VARIANCE,
    "gelu": "backward evaluates the normal CDF with the erf primitive, which has no Function",
    "cross_entropy": "with class-index targets it is the fused CrossEntropy node: " + _FUSED_CROSS_ENTROPY,
    "cross_entropy_fused": _FUSED_CROSS_ENTROPY,
    "binary_cross_entropy": "backward reuses log(x) and log(1 - x), which forward computed outside the graph",
    "binary_cross_entropy_with_logits": "backward reuses softplus(x), which forward computed outside the graph",
    "linear": "backward calls the matmul and sum primitives directly (fused for speed; use x @ w.T + b)",
}
