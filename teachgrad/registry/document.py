"""The backward-rules document, generated from the registry (docs/backward-rules.md).

Regenerate with `teachgrad rules --markdown > docs/backward-rules.md`; a test fails when the
committed file differs from what the registry says.
"""

from __future__ import annotations

from teachgrad.registry.core import OpInfo, all_ops

GROUP_TITLES = {
    "elementwise": "Elementwise operations (teachgrad/functions/elementwise.py)",
    "reduction": "Reductions (teachgrad/functions/reduction.py)",
    "linalg": "Linear algebra (teachgrad/functions/linalg.py)",
    "views": "Views (teachgrad/functions/views.py)",
    "indexing": "Indexing and joining (teachgrad/functions/indexing.py)",
    "nn.linear": "nn: linear layer (teachgrad/functions/fused.py)",
    "nn.activation": "nn: activations (teachgrad/functions/elementwise.py, nn_functions.py)",
    "nn.convolution": "nn: padding and convolution (teachgrad/functions/padding.py, im2col.py)",
    "nn.pooling": "nn: pooling (teachgrad/nn/functional.py)",
    "nn.normalization": "nn: normalization (teachgrad/nn/functional.py)",
    "nn.sparse": "nn: embedding (teachgrad/functions/nn_functions.py)",
    "nn.loss": "nn: losses (teachgrad/nn/functional.py, nn_functions.py, fused.py)",
}

HEADER = """# Backward rules

Every differentiable operation in teachgrad, with the forward formula and the backward rule for
each input, as written in the docstring of the `Function` that implements it. `g` is the gradient
arriving from above (dL/d out); `unbroadcast(t, shape)` sums t over the dims that broadcasting
stretched. This file is generated from the operation registry (`teachgrad/registry/`): do not
edit it by hand; run `teachgrad rules --markdown > docs/backward-rules.md`.
"""


def rule_text(op: OpInfo) -> str:
    """One operation as plain text: its name, its Function, and the rule."""
    where = f"{op.function.__module__}.{op.function.__name__}" if op.function is not None else "composed"
    return f"{op.name}  [{where}]\n{op.rule()}"


def markdown() -> str:
    """The whole document, grouped by module in registration order."""
    parts = [HEADER]
    groups: dict[str, list[OpInfo]] = {}
    for op in all_ops():
        groups.setdefault(op.group, []).append(op)
    for group, ops in groups.items():
        parts.append(f"\n## {GROUP_TITLES.get(group, group)}\n")
        for op in ops:
            source = f"`{op.function.__name__}`" if op.function is not None else "composed"
            parts.append(f"\n### `{op.name}` ({source})\n\n```text\n{op.rule()}\n```\n")
    return "".join(parts)
