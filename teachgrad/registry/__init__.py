"""The operation registry: every differentiable operation listed once, like PyTorch's OpInfo.

An entry names the operation, the Function whose docstring holds its math, how to call it, a
numpy reference for its forward, sample inputs (broadcasting shapes, non-contiguous views, edge
values) and inputs it must reject. One parametrized test (`tests/test_registry.py`) checks every
entry on every backend, and `docs/backward-rules.md` is generated from the same entries.
"""

from teachgrad.registry.core import ErrorCase, OpInfo, Sample, all_ops, get, register
from teachgrad.registry import tensor_ops  # noqa: F401  (registers the tensor operations)
from teachgrad.registry import nn_ops  # noqa: F401  (registers the nn operations)

__all__ = ["ErrorCase", "OpInfo", "Sample", "all_ops", "get", "register"]
