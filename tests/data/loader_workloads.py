"""Datasets for the DataLoader worker tests (a module of their own, so worker processes can
import them without importing the tests)."""

import os
import time

import teachgrad
from teachgrad.utils.data import Dataset, IterableDataset, get_worker_info


class SlowFirstBatch(Dataset):
    """Item i is (i, pid); item 0 takes a while, so later batches finish first."""

    def __len__(self):
        return 12

    def __getitem__(self, i):
        if i == 0:
            time.sleep(0.3)
        return i, os.getpid()


class WorkerSeeds(Dataset):
    """Item i is (worker id, worker seed, one draw from teachgrad's default generator)."""

    def __len__(self):
        return 4

    def __getitem__(self, i):
        info = get_worker_info()
        return info.id, info.seed, float(teachgrad.rand(1).item())


class FailsAtThree(Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        if i == 3:
            raise ValueError("sample 3 is broken")
        return i


class DiesAtThree(Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        if i == 3:
            os._exit(7)
        return i


class Sleeps(Dataset):
    def __len__(self):
        return 2

    def __getitem__(self, i):
        time.sleep(5)
        return i


class Unpicklable(Dataset):
    """Items that cannot be sent between processes (a generator object)."""

    def __len__(self):
        return 2

    def __getitem__(self, i):
        return (x for x in range(i))


class Pids(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        return os.getpid()


class ShardedRange(IterableDataset):
    """0..n-1, each worker yielding every num_workers-th item from its id."""

    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = get_worker_info()
        start, step = (0, 1) if info is None else (info.id, info.num_workers)
        return iter(range(start, self.n, step))


def record_worker_id(worker_id):
    os.environ["LOADER_WORKLOADS_INIT"] = str(worker_id)


class InitRecord(Dataset):
    def __len__(self):
        return 2

    def __getitem__(self, i):
        return int(os.environ.get("LOADER_WORKLOADS_INIT", "-1"))


def _parallel_sum(values):
    """A Numba parallel=True kernel (GNU OpenMP threads), compiled on first use."""
    import numba

    @numba.njit(parallel=True, cache=True)
    def kernel(v):
        total = 0.0
        for i in numba.prange(v.shape[0]):
            total += v[i]
        return total

    return kernel(values)


class ParallelKernel(Dataset):
    """Each item runs a Numba parallel kernel in the worker."""

    def __len__(self):
        return 2

    def __getitem__(self, i):
        import numpy as np
        return float(_parallel_sum(np.arange(1000, dtype=np.float64) + i))


class BigProducts(Dataset):
    """Item i is sum(x @ ones) + sum(softmax(2 * x, 1)) for x = full((512, 512), i + 1), i.e.
    512**3 * (i + 1) + 512: a matmul, a reduction, an elementwise op and a softmax, each big
    enough to run on all threads in the main process."""

    def __len__(self):
        return 4

    def __getitem__(self, i):
        x = teachgrad.full((512, 512), float(i + 1))
        return float((x @ teachgrad.ones(512, 512)).sum()) + float((x * 2).softmax(1).sum())


class NumbaThreads(Dataset):
    """Item i is the number of threads Numba's parallel kernels would use in this process."""

    def __len__(self):
        return 2

    def __getitem__(self, i):
        import numba
        return numba.get_num_threads()
