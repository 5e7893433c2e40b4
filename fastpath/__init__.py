"""teachgrad.fastpath: the primitives of teachgrad's backends, compiled with Numba.

`teachgrad.fastpath.cpu` is the `numba` CPU backend (see `teachgrad.kernels`); the kernel
modules next to it each hold one idea of what makes compiled code fast (`rows`, `elementwise`,
`reduction`, `softmax`, `scan`, `matmul`, `registers`, `gather`).

Two things happen here, before any kernel module imports Numba:

- `NUMBA_SLP_VECTORIZE=1`. Numba leaves LLVM's SLP ("superword-level parallelism") vectoriser
  off by default. The matmul micro-kernel needs it: its inner step is 64 separate scalar
  multiply-adds, which only the SLP vectoriser packs into 4 AVX-512 instructions (the loop
  vectoriser only vectorises loops). Numba reads its configuration from the environment when
  it is imported (and re-reads it before each compilation), so the variable is set first;
  `setdefault` keeps a value the user chose.
- Compilation is announced. Kernels are compiled on first use and cached on disk
  (`cache=True`); a fresh environment compiles for a while, so the first compilation of a
  fastpath kernel in a process prints one line to stderr. Kernels loaded from the cache print
  nothing (Numba raises its "numba:compile" event only when it really compiles).
  `warmup()` (in `precompile.py`) compiles everything ahead of time.
"""

import os
import sys

os.environ.setdefault("NUMBA_SLP_VECTORIZE", "1")

from numba.core import event  # noqa: E402  (after the environment is set)


class _CompileNotice(event.Listener):
    """Print one line the first time Numba compiles (not loads from cache) a fastpath kernel."""

    shown = False

    def on_start(self, ev: event.Event) -> None:
        if self.shown:
            return
        dispatcher = ev.data.get("dispatcher") if isinstance(ev.data, dict) else None
        module = getattr(getattr(dispatcher, "py_func", None), "__module__", "") or ""
        if module.startswith("teachgrad.fastpath"):
            self.shown = True
            print("teachgrad: compiling Numba kernels for first use (cached for later runs; "
                  "teachgrad.fastpath.warmup() compiles all of them)", file=sys.stderr, flush=True)

    def on_end(self, ev: event.Event) -> None:
        pass


event.register("numba:compile", _CompileNotice())

from teachgrad.fastpath.precompile import warmup  # noqa: E402

__all__ = ["warmup"]
