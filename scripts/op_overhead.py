"""Where the microseconds of one operation go: `a + b` on (10, 100) float32, piece by piece.

Each piece of the path from `a + b` to the kernel is timed alone (best of 5 x 20,000 calls), so
the table in docs/performance.md ("Where the microseconds of one operation go") can be re-measured:

    python scripts/op_overhead.py
"""

from __future__ import annotations

import timeit

import numpy as np

import teachgrad as tg
from teachgrad.autograd.function import Node
from teachgrad.fastpath import cpu, elementwise
from teachgrad.functions import elementwise as ew
from teachgrad.functions.broadcast import describe, promote
from teachgrad.functions.dispatch import kernels, run_binary


def microseconds(fn, calls: int = 20_000) -> float:
    fn()
    return min(timeit.repeat(fn, number=calls, repeat=5)) / calls * 1e6


def main() -> None:
    tg.set_backend("numba")
    a, b = tg.randn(10, 100, requires_grad=True), tg.randn(10, 100)
    plain = a.detach()
    sa, sb = plain._strided(), b._strided()
    buffer, unused = np.empty(1000, np.float32), np.zeros(1, np.bool_)
    pieces = {
        "a + b (recorded)": lambda: a + b,
        "a + b (no grad)": lambda: plain + b,
        "Node, recorded": lambda: Node(ew.Add, (a, b), True),
        "Node, unrecorded": lambda: Node(ew.Add, (plain, b), False),
        "describe x2": lambda: (describe(a), describe(b)),
        "promote": lambda: promote(a, b),
        "run_binary (dispatch + backend + result tensor)": lambda: run_binary("add", plain, b),
        "StridedArray x2": lambda: (plain._strided(), b._strided()),
        "kernels()": lambda: kernels(plain, b),
        "numba backend binary": lambda: cpu.binary("add", sa, sb, np.dtype(np.float32)),
        "flat_rows kernel alone": lambda: elementwise.flat_rows(elementwise.ADD, sa.storage, sb.storage, unused,
                                                                buffer, 0, 1000),
        "result tensor (_from_buffer)": lambda: plain._from_buffer(buffer, plain.shape, tg.float32),
        "np.empty(1000)": lambda: np.empty(1000, np.float32),
    }
    for name, fn in pieces.items():
        print(f"{name:46s} {microseconds(fn):6.2f} us")


if __name__ == "__main__":
    main()
