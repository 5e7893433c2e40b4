"""Check teachgrad's CUDA kernels on a real GPU, then time them: one prepared run, under ten minutes.

    python scripts/gpu_check.py                   # on a machine with an NVIDIA GPU (pip install -e '.[cuda]')
    python scripts/gpu_check.py --json out.json   # also write every figure to a file
    NUMBA_ENABLE_CUDASIM=1 python scripts/gpu_check.py --smoke   # tiny sizes: runs the script under the simulator

Four parts, each printed as a table:

1. Every registry operation (`teachgrad.registry.all_ops()`) on fresh random samples, forward and
   backward, on device "cuda" against the CPU reference backend, in float32 and float64.
2. The primitives at realistic sizes through the tensor API (every unary and binary operation on
   a million elements, reductions along each dim of (2048, 2048) and over 16M elements, softmax,
   matmul including transposed and batched operands, gather and its scatter-add backward,
   convolution forward and backward) against numpy, or the numba CPU backend for convolution.
3. Timings, each after a warm-up call and with `teachgrad.cuda.synchronize()` around the timed
   calls (median of repeats): matmul n = 1024 and 4096 in GFLOP/s, an add of 16M float32
   elements and a sum of 16M elements in GB/s (bytes read and written per second).
4. One training epoch of an MNIST-sized MLP (784-128-10, batch 64, 10,000 random samples, SGD
   with momentum) on cuda and on the CPU (numba backend): seconds per epoch.

Kernels compile on first use (numba caches them on disk, so a second run starts faster); the
compilation is not timed. The exit status is 1 when any check failed.
"""

from __future__ import annotations

import argparse
import copy
import datetime
import json
import math
import platform
import statistics
import sys
import time
from typing import Any, Callable

import numpy as np

import teachgrad as tg
from teachgrad import nn, optim
from teachgrad.registry import all_ops
from teachgrad.registry.samples import make_leaves, run

FULL = {"elements": 1 << 20, "square": 2048, "big": 1 << 24, "softmax": (4096, 1000), "matmul": (1024, 4096),
        "batched": (8, 256, 512, 128), "positions": 1 << 20, "conv": (64, 3, 32, 32, 16), "samples": 10_000,
        "mlp": (784, 128, 10), "batch": 64, "repeats": 20, "cpu_backend": "numba"}
# --smoke: the same steps at toy sizes, so that the script itself can be tried under the simulator.
SMOKE = {"elements": 1 << 8, "square": 16, "big": 1 << 10, "softmax": (8, 10), "matmul": (4, 8),
         "batched": (2, 4, 8, 4), "positions": 1 << 8, "conv": (2, 1, 6, 6, 2), "samples": 32,
         "mlp": (12, 8, 10), "batch": 8, "repeats": 1, "cpu_backend": "reference"}
TOLERANCE = {"float64": dict(rtol=1e-7, atol=1e-9), "float32": dict(rtol=1e-4, atol=1e-5)}


# --- printing --------------------------------------------------------------------------------------

def print_table(title: str, header: list[str], rows: list[list[Any]]) -> None:
    """A markdown table (ready to paste into docs/performance.md)."""
    print(f"\n### {title}\n")
    print("| " + " | ".join(header) + " |")
    print("| " + " | ".join("---" for _ in header) + " |")
    for row in rows:
        print("| " + " | ".join(str(cell) for cell in row) + " |")
    sys.stdout.flush()


def relative_error(got: np.ndarray, want: np.ndarray) -> float:
    """max |got - want| / max(|want|, tiny), ignoring places where both are NaN or the same infinity."""
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    same = (got == want) | (np.isnan(got) & np.isnan(want))
    if same.all():
        return 0.0
    scale = max(float(np.max(np.abs(want[np.isfinite(want)]), initial=0.0)), 1e-30)
    return float(np.max(np.abs(got[~same] - want[~same]))) / scale


# --- 1. the registry ---------------------------------------------------------------------------------

def _forward_backward(op, sample, dtype, device):
    with tg.backend("reference"):
        leaves = [leaf.to(device) if isinstance(leaf, tg.Tensor) else leaf for leaf in make_leaves(sample, dtype)]
        if op.differentiable:
            for leaf in leaves:
                if isinstance(leaf, tg.Tensor) and leaf.is_floating_point():
                    leaf.requires_grad_(True)
        outs = run(op, sample, *leaves)
        values = [o.detach().cpu().numpy() for o in outs]
        differentiable = [o for o in outs if o.requires_grad]
        if differentiable:
            rng = np.random.default_rng(7)
            weights = [tg.tensor(rng.uniform(-1, 1, tuple(o.shape)), dtype=o.dtype, device=device) for o in differentiable]
            sum((o * w).sum() for o, w in zip(differentiable, weights)).backward()
        grads = [leaf.grad.cpu().numpy() for leaf in leaves if getattr(leaf, "grad", None) is not None]
    return values + grads


def check_registry(seed: int, dtype_names: list[str]) -> tuple[list[list[Any]], bool]:
    rows, all_ok = [], True
    for op in all_ops():
        row = [op.name]
        for name in dtype_names:
            dtype = getattr(tg, name)
            worst, ok, count = 0.0, True, 0
            try:
                for sample in op.samples(np.random.default_rng(seed)):
                    want = _forward_backward(op, sample, dtype, "cpu")
                    got = _forward_backward(op, sample, dtype, "cuda")
                    count += 1
                    if len(got) != len(want):
                        ok = False
                        continue
                    for g, w in zip(got, want):
                        worst = max(worst, relative_error(g, w))
                        ok &= g.shape == w.shape and bool(np.allclose(g, w, equal_nan=True, **TOLERANCE[name]))
                row.append(f"{'ok' if ok else 'FAILED'} ({count} samples, max rel. diff {worst:.1e})")
            except Exception as error:  # report it and go on with the next operation
                ok = False
                row.append(f"FAILED: {type(error).__name__}: {error}"[:160])
            all_ok &= ok
        rows.append(row)
    return rows, all_ok


# --- 2. realistic sizes --------------------------------------------------------------------------------

def check_realistic_sizes(sizes: dict, rng: np.random.Generator) -> tuple[list[list[Any]], bool]:
    rows, all_ok = [], True

    def record(name: str, got: Any, want: np.ndarray, rtol: float = 1e-4, exact: bool = False) -> None:
        nonlocal all_ok
        got = got.detach().cpu().numpy() if isinstance(got, tg.Tensor) else np.asarray(got)
        if exact:
            ok = got.shape == want.shape and bool(np.array_equal(got, want))
        else:
            ok = got.shape == want.shape and bool(np.allclose(got, want, rtol=rtol, atol=rtol, equal_nan=True))
        error = relative_error(got, want) if got.shape == want.shape else float("nan")
        rows.append([name, "x".join(map(str, want.shape)), f"{error:.1e}", "ok" if ok else "FAILED"])
        all_ok &= ok

    side = int(math.isqrt(sizes["elements"]))
    a = rng.standard_normal((side, side)).astype(np.float32)
    b = rng.standard_normal((side, 1)).astype(np.float32)
    positive = np.abs(a) + 0.1
    ta, tb, tp = tg.tensor(a, device="cuda"), tg.tensor(b, device="cuda"), tg.tensor(positive, device="cuda")
    unary = {"neg": (lambda t: -t, np.negative, ta, a), "exp": (lambda t: t.exp(), np.exp, ta, a),
             "log": (lambda t: t.log(), np.log, tp, positive), "sqrt": (lambda t: t.sqrt(), np.sqrt, tp, positive),
             "sin": (lambda t: t.sin(), np.sin, ta, a), "cos": (lambda t: t.cos(), np.cos, ta, a),
             "tanh": (lambda t: t.tanh(), np.tanh, ta, a),
             "sigmoid": (lambda t: t.sigmoid(), lambda x: 1 / (1 + np.exp(-x.astype(np.float64))), ta, a),
             "relu": (lambda t: t.relu(), lambda x: np.maximum(x, 0), ta, a), "abs": (lambda t: t.abs(), np.abs, ta, a),
             "sign": (lambda t: t.sign(), np.sign, ta, a)}
    for name, (method, reference, tensor, array) in unary.items():
        record(f"unary {name} (transposed view)", method(tensor.t()), reference(array.T.astype(np.float64)))
    binary = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide, "maximum": np.maximum,
              "minimum": np.minimum}
    for name, reference in binary.items():
        got = {"add": ta + tb, "sub": ta - tb, "mul": ta * tb, "div": ta / tb, "maximum": ta.maximum(tb),
               "minimum": ta.minimum(tb)}[name]
        record(f"binary {name} (n, n) with (n, 1)", got, reference(a.astype(np.float64), b))
    record("binary pow", tp ** tb.abs(), np.power(positive.astype(np.float64), np.abs(b)))
    record("compare gt", ta > tb, a > b, exact=True)
    record("where", tg.where(ta > 0, ta, tb), np.where(a > 0, a, b), exact=True)

    square = rng.standard_normal((sizes["square"], sizes["square"])).astype(np.float32)
    ts = tg.tensor(square, device="cuda")
    for dim in (0, 1):
        record(f"sum over dim {dim}", ts.sum(dim), square.astype(np.float64).sum(dim))
        record(f"max over dim {dim}", ts.amax(dim), square.max(dim), exact=True)
        record(f"argmax over dim {dim}", ts.argmax(dim), square.argmax(dim), exact=True)
        record(f"argmin over dim {dim} (transposed)", ts.t().argmin(dim), square.T.argmin(dim), exact=True)
        record(f"softmax over dim {dim}", ts.softmax(dim), _softmax(square.astype(np.float64), dim))
    big = rng.standard_normal(sizes["big"]).astype(np.float32)
    record("sum of all elements (two passes)", tg.tensor(big, device="cuda").sum(), np.asarray(big.astype(np.float64).sum()),
           rtol=1e-3)
    rows_, classes = sizes["softmax"]
    logits = rng.standard_normal((rows_, classes)).astype(np.float32) * 5
    record("log_softmax (rows, classes)", tg.tensor(logits, device="cuda").log_softmax(1),
           np.log(_softmax(logits.astype(np.float64), 1)))

    n = sizes["matmul"][0]
    left = rng.standard_normal((n, n)).astype(np.float32)
    right = rng.standard_normal((n, n)).astype(np.float32)
    tl, tr = tg.tensor(left, device="cuda"), tg.tensor(right, device="cuda")
    exact = left.astype(np.float64) @ right.astype(np.float64)
    record(f"matmul {n}", tl @ tr, exact, rtol=1e-3)
    record(f"matmul {n}, a transposed", tl.t() @ tr, left.T.astype(np.float64) @ right, rtol=1e-3)
    record(f"matmul {n}, b transposed", tl @ tr.t(), left.astype(np.float64) @ right.T, rtol=1e-3)
    batch, bn, bk, bm = sizes["batched"]
    ba = rng.standard_normal((batch, bn, bk)).astype(np.float32)
    bb = rng.standard_normal((bk, bm)).astype(np.float32)
    record("matmul batched, b broadcast", tg.tensor(ba, device="cuda") @ tg.tensor(bb, device="cuda"),
           ba.astype(np.float64) @ bb, rtol=1e-3)

    table = rng.standard_normal((sizes["positions"] // 64 + 1, 64)).astype(np.float32)
    picks = rng.integers(0, table.shape[0], sizes["positions"] // 64)
    weight = tg.tensor(table, device="cuda", requires_grad=True)
    gathered = weight[tg.tensor(picks, device="cuda")]
    record("take (index rows)", gathered, table[picks], exact=True)
    gathered.sum().backward()
    counts = np.zeros(table.shape[0])
    np.add.at(counts, picks, 1.0)
    record("scatter_add (its backward, repeated rows)", weight.grad, np.repeat(counts[:, None], 64, 1))

    batch, channels, height, width, filters = sizes["conv"]
    images = rng.standard_normal((batch, channels, height, width)).astype(np.float32)
    kernels = rng.standard_normal((filters, channels, 3, 3)).astype(np.float32)
    results = {}
    for device in ("cpu", "cuda"):
        with tg.backend(sizes["cpu_backend"]):
            x = tg.tensor(images, device=device, requires_grad=True)
            w = tg.tensor(kernels, device=device, requires_grad=True)
            out = nn.functional.max_pool2d(nn.functional.conv2d(x, w, padding=1).relu(), 2)
            out.sum().backward()
            results[device] = [out.detach().cpu().numpy(), x.grad.cpu().numpy(), w.grad.cpu().numpy()]
    for name, got, want in zip(("conv2d + relu + max_pool2d forward", "its gradient wrt the input",
                                "its gradient wrt the weight"), results["cuda"], results["cpu"]):
        record(f"{name} (vs the {sizes['cpu_backend']} CPU backend)", got, want, rtol=1e-3)
    return rows, all_ok


def _softmax(x: np.ndarray, dim: int) -> np.ndarray:
    e = np.exp(x - x.max(dim, keepdims=True))
    return e / e.sum(dim, keepdims=True)


# --- 3. timings -------------------------------------------------------------------------------------------

def median_seconds(call: Callable[[], Any], repeats: int) -> float:
    """Median wall time of `call`, each timed between two synchronisations (after one warm-up call)."""
    call()
    tg.cuda.synchronize()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        tg.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def timings(sizes: dict, rng: np.random.Generator) -> list[list[Any]]:
    rows = []
    repeats = sizes["repeats"]
    for n in sizes["matmul"]:
        a = tg.tensor(rng.standard_normal((n, n)).astype(np.float32), device="cuda")
        b = tg.tensor(rng.standard_normal((n, n)).astype(np.float32), device="cuda")
        seconds = median_seconds(lambda: a @ b, max(3, repeats // (1 if n <= 1024 else 4)))
        host_a, host_b = a.cpu().numpy(), b.cpu().numpy()
        numpy_seconds = median_seconds(lambda: host_a @ host_b, 3)
        rows.append([f"matmul float32, n = {n}", f"{seconds * 1e3:.2f} ms", f"{2 * n ** 3 / seconds / 1e9:.0f} GFLOP/s",
                     f"numpy on this machine's CPU: {2 * n ** 3 / numpy_seconds / 1e9:.0f} GFLOP/s"])
    count = sizes["big"]
    x = tg.tensor(rng.standard_normal(count).astype(np.float32), device="cuda")
    y = tg.tensor(rng.standard_normal(count).astype(np.float32), device="cuda")
    seconds = median_seconds(lambda: x + y, repeats)
    rows.append([f"add, {count:,} float32 + {count:,} float32", f"{seconds * 1e3:.3f} ms",
                 f"{3 * 4 * count / seconds / 1e9:.0f} GB/s", "reads 2 x 4 bytes, writes 4 bytes per element"])
    seconds = median_seconds(lambda: x.sum(), repeats)
    rows.append([f"sum of {count:,} float32 (two passes)", f"{seconds * 1e3:.3f} ms", f"{4 * count / seconds / 1e9:.0f} GB/s",
                 "reads 4 bytes per element"])
    side = int(math.isqrt(count))
    square = x[: side * side].reshape(side, side)
    for dim in (1, 0):
        seconds = median_seconds(lambda: square.sum(dim), repeats)
        rows.append([f"sum of ({side}, {side}) float32 over dim {dim}", f"{seconds * 1e3:.3f} ms",
                     f"{4 * side * side / seconds / 1e9:.0f} GB/s", "one block per row" if dim == 1 else "one thread per column"])
    small = tg.ones(2, 2, device="cuda")
    seconds = median_seconds(lambda: small + small, repeats * 10)
    rows.append(["add (2, 2) + (2, 2): the cost of one call", f"{seconds * 1e6:.0f} us", "", "Python, launch and sync"])
    return rows


# --- 4. training --------------------------------------------------------------------------------------------

def training_epoch(device: str, images: np.ndarray, labels: np.ndarray, widths: tuple, batch_size: int) -> tuple[float, float]:
    """Seconds for one epoch (after a warm-up step on a copy of the model) and the epoch's last loss."""
    tg.manual_seed(0)
    inputs, hidden, classes = widths
    model = nn.Sequential(nn.Linear(inputs, hidden), nn.ReLU(), nn.Linear(hidden, classes)).to(device)
    optimizer = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    criterion = nn.CrossEntropyLoss()
    x_all, y_all = tg.tensor(images), tg.tensor(labels)  # batches move to the device one by one, as usual
    warm = copy.deepcopy(model)
    criterion(warm(x_all[:batch_size].to(device)), y_all[:batch_size].to(device)).backward()
    if device == "cuda":
        tg.cuda.synchronize()
    start = time.perf_counter()
    loss = None
    for first in range(0, len(labels), batch_size):
        xb, yb = x_all[first:first + batch_size].to(device), y_all[first:first + batch_size].to(device)
        optimizer.zero_grad()
        loss = criterion(model(xb), yb)
        loss.backward()
        optimizer.step()
    final = loss.item()  # waits for the GPU
    return time.perf_counter() - start, final


def training(sizes: dict, rng: np.random.Generator) -> tuple[list[list[Any]], bool]:
    inputs, _, classes = sizes["mlp"]
    images = rng.standard_normal((sizes["samples"], inputs)).astype(np.float32)
    labels = rng.integers(0, classes, sizes["samples"])
    with tg.backend(sizes["cpu_backend"]):
        cpu_seconds, cpu_loss = training_epoch("cpu", images, labels, sizes["mlp"], sizes["batch"])
        gpu_seconds, gpu_loss = training_epoch("cuda", images, labels, sizes["mlp"], sizes["batch"])
    batches = -(-sizes["samples"] // sizes["batch"])
    agree = abs(cpu_loss - gpu_loss) <= 1e-3 * max(1.0, abs(cpu_loss))
    rows = [[f"cpu ({sizes['cpu_backend']} backend)", f"{cpu_seconds:.2f} s", f"{cpu_seconds / batches * 1e3:.1f} ms", f"{cpu_loss:.5f}"],
            ["cuda", f"{gpu_seconds:.2f} s", f"{gpu_seconds / batches * 1e3:.1f} ms", f"{gpu_loss:.5f}"],
            ["cuda speed / cpu", f"{cpu_seconds / gpu_seconds:.2f}x", "", "losses agree" if agree else "LOSSES DIFFER"]]
    return rows, agree


# --- main ---------------------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes (to try the script under the simulator)")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: a fresh one, printed)")
    parser.add_argument("--dtypes", default="float32,float64", help="dtypes of the registry check")
    parser.add_argument("--skip", default="", help="comma-separated parts to skip: registry,sizes,timings,training")
    parser.add_argument("--json", default=None, help="also write the tables to this JSON file")
    args = parser.parse_args(argv)
    if not tg.cuda.is_available():
        print(tg.cuda.unavailable_error(), file=sys.stderr)
        return 2
    if tg.cuda.is_simulator() and not args.smoke:
        print("numba's CUDA simulator is on: run with --smoke (the full sizes would take days there)", file=sys.stderr)
        return 2
    sizes = SMOKE if args.smoke else FULL
    seed = args.seed if args.seed is not None else int(time.time()) % 100_000
    skip = set(filter(None, args.skip.split(",")))
    import numba

    header = {"device": tg.cuda.get_device_name(), "date": datetime.date.today().isoformat(), "seed": seed,
              "numba": numba.__version__, "numpy": np.__version__, "python": platform.python_version(),
              "cpu": platform.processor() or platform.machine()}
    print("teachgrad GPU check: " + ", ".join(f"{k} {v}" for k, v in header.items()), flush=True)
    report: dict[str, Any] = {"header": header}
    ok = True
    started = time.perf_counter()
    if "registry" not in skip:
        dtype_names = [d for d in args.dtypes.split(",") if d]
        rows, passed = check_registry(seed, dtype_names)
        print_table("Every registry operation on cuda vs the CPU reference (forward and backward)",
                    ["operation"] + dtype_names, rows)
        report["registry"], ok = rows, ok and passed
    rng = np.random.default_rng(seed)
    if "sizes" not in skip:
        rows, passed = check_realistic_sizes(sizes, rng)
        print_table("Primitives at realistic sizes vs numpy", ["work", "shape", "max rel. diff", "result"], rows)
        report["sizes"], ok = rows, ok and passed
    if "timings" not in skip:
        rows = timings(sizes, rng)
        print_table("Timings (median, synchronised)", ["work", "time", "rate", "note"], rows)
        report["timings"] = rows
    if "training" not in skip:
        rows, passed = training(sizes, rng)
        widths = "-".join(map(str, sizes["mlp"]))
        print_table(f"One epoch, MLP {widths}, batch {sizes['batch']}, {sizes['samples']:,} random samples, SGD momentum",
                    ["device", "epoch", "per batch", "last loss"], rows)
        report["training"], ok = rows, ok and passed
    print(f"\n{'all checks passed' if ok else 'SOME CHECKS FAILED'} ({time.perf_counter() - started:.0f} s)")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(report, handle, indent=1, default=str)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
