"""einsum: products and sums named by subscripts ("ij,jk->ik"), composed of views, Sum and MatMul.

Each operand's subscripts name its dims. A letter repeated within one operand takes that
operand's diagonal (`diagonal`). Operands are then contracted two at a time, left to right: a
letter only one side has and nothing later needs is summed away first; letters both sides share
and something later needs are batch dims; shared letters nothing needs are summed by a batched
matrix product (batch, left, shared) @ (batch, shared, right). Last, the letters the output lacks
are summed and the rest permuted into the output's order. The gradient follows from those rules:
dL/d operand_k = the product of g with the other operands, summed over the letters k lacks.
"""

from __future__ import annotations

import math
from typing import Any

ELLIPSIS_NAMES = "0123456789"  # stand-ins for the dims "..." covers (never letters)


def einsum(equation: str, *operands: Any) -> Any:
    """Evaluate `equation` on the operands (PyTorch's torch.einsum, implicit and explicit output)."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    inputs, output = _parse(equation.replace(" ", ""), operands)
    _check_sizes(inputs, operands)
    x, subs = _diagonals(operands[0], inputs[0])
    for k in range(1, len(operands)):
        needed = set(output).union(*inputs[k + 1:])
        x, subs = _contract(x, subs, *_diagonals(operands[k], inputs[k]), needed)
    x, subs = _sum_letters(x, subs, set(output))
    order = [subs.index(c) for c in output]
    return x.permute(order) if order != list(range(len(order))) else x


def _parse(equation: str, operands: tuple) -> tuple[list[str], str]:
    """The subscripts of every operand and of the output, with "..." spelled out as digits."""
    left, arrow, right = equation.partition("->")
    inputs = left.split(",")
    if len(inputs) > len(operands):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the equation")
    if len(inputs) < len(operands):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation")
    inputs = [_expand_ellipsis(subs, x.ndim, k) for k, (subs, x) in enumerate(zip(inputs, operands))]
    covered = max((sum(c in ELLIPSIS_NAMES for c in subs) for subs in inputs), default=0)
    if arrow:
        output = right.replace("...", ELLIPSIS_NAMES[10 - covered:] if covered else "")
        for c in output:
            if not any(c in subs for subs in inputs):
                raise RuntimeError(f"einsum(): output subscript {c} does not appear in the equation for any input operand")
        return inputs, output
    counts = "".join(inputs)
    once = sorted(c for c in set(counts) if c.isalpha() and counts.count(c) == 1)
    return inputs, ELLIPSIS_NAMES[10 - covered:] * bool(covered) + "".join(once)


def _expand_ellipsis(subs: str, ndim: int, k: int) -> str:
    """An operand's subscripts with "..." replaced by one digit per dim it covers (aligned on the right)."""
    named = len(subs.replace("...", ""))
    if "..." not in subs:
        if named != ndim:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({named}) does not match the number "
                               f"of dimensions ({ndim}) for operand {k} and no ellipsis was given")
        return subs
    covered = ndim - named
    if covered < 0:
        raise RuntimeError(f"einsum(): the number of subscripts in the equation ({named}) is more than the number of "
                           f"dimensions ({ndim}) for operand {k}")
    return subs.replace("...", ELLIPSIS_NAMES[10 - covered:] if covered else "")


def _check_sizes(inputs: list[str], operands: tuple) -> None:
    """Every letter has one size across the operands (or size 1, which broadcasts)."""
    seen: dict[str, int] = {}
    for k, (subs, x) in enumerate(zip(inputs, operands)):
        for c, size in zip(subs, x.shape):
            if seen.get(c, 1) not in (1, size) and size != 1:
                raise RuntimeError(f"einsum(): subscript {c} has size {size} for operand {k} which does not broadcast "
                                   f"with previously seen size {seen[c]}")
            seen[c] = size if seen.get(c, 1) == 1 else seen[c]


def _diagonals(x: Any, subs: str) -> tuple[Any, str]:
    """x with each letter that repeats in subs replaced by the diagonal over its dims ("ii" -> "i")."""
    for c in dict.fromkeys(subs):
        while subs.count(c) > 1:
            first = subs.index(c)
            second = subs.index(c, first + 1)
            x = x.diagonal(0, first, second)  # the diagonal becomes the last dim
            subs = subs[:first] + subs[first + 1:second] + subs[second + 1:] + c
    return x, subs


def _sum_letters(x: Any, subs: str, needed: set) -> tuple[Any, str]:
    """x summed over the dims whose letters are not needed any more."""
    summed = tuple(d for d, c in enumerate(subs) if c not in needed)
    if not summed:
        return x, subs
    return x.sum(summed), "".join(c for c in subs if c in needed)


def _contract(a: Any, sa: str, b: Any, sb: str, needed: set) -> tuple[Any, str]:
    """The product of a and b summed over the letters they share that are not needed, as one
    batched matrix product (batch, left, shared) @ (batch, shared, right)."""
    a, sa = _sum_letters(a, sa, needed | set(sb))
    b, sb = _sum_letters(b, sb, needed | set(sa))
    batch = [c for c in sa if c in sb and c in needed]
    shared = [c for c in sa if c in sb and c not in needed]
    left, right = [c for c in sa if c not in sb], [c for c in sb if c not in sa]
    size = {c: n for subs, x in ((sa, a), (sb, b)) for c, n in zip(subs, x.shape) if n != 1}
    a = _grouped(a, sa, (batch, left, shared), size)
    b = _grouped(b, sb, (batch, shared, right), size)
    out = a @ b
    return out.reshape(tuple(size.get(c, 1) for c in batch + left + right)), "".join(batch + left + right)


def _grouped(x: Any, subs: str, groups: tuple, size: dict) -> Any:
    """x with its dims permuted into the groups' order, expanded to the full sizes, and each group
    merged into one dim: a (batch, rows, cols) operand for matmul."""
    letters = [c for group in groups for c in group]
    x = x.permute([subs.index(c) for c in letters]).expand(tuple(size.get(c, 1) for c in letters))
    return x.reshape(tuple(math.prod(size.get(c, 1) for c in group) for group in groups))
