"""What runs inside a DataLoader worker process, and what it sends back.

A worker receives `(task_index, batch_indices)` on its own task pipe, fetches and collates
that batch, and puts `(task_index, pickled batch)` on the result queue shared by all workers. An
exception is sent back as an `ExceptionWrapper` holding the worker's traceback text, which the
main process re-raises. `None` on the task pipe (or the pipe closing) tells the worker to exit.
A worker also exits by itself when its parent process is gone, so no worker outlives the
program that started it. A worker that cannot load the dataset, `collate_fn` or
`worker_init_fn` it was sent answers every task with that error.
"""

from __future__ import annotations

import os
import pickle
import random
import sys
import traceback
from dataclasses import dataclass
from typing import Any

import numpy as np

from teachgrad import random as tg_random
from teachgrad.utils.data.fetch import create_fetcher

# How often (seconds) a waiting worker checks that its parent is alive, and a waiting main
# process checks that its workers are.
MP_STATUS_CHECK_INTERVAL = 1.0


@dataclass(frozen=True)
class WorkerInfo:
    """The worker's id, the number of workers, its seed, and its own copy of the dataset."""

    id: int
    num_workers: int
    seed: int
    dataset: Any


_worker_info: WorkerInfo | None = None


def get_worker_info() -> WorkerInfo | None:
    """Inside a DataLoader worker: its `WorkerInfo`. In the main process: None."""
    return _worker_info


class ExceptionWrapper:
    """An exception's type and formatted traceback, to carry it from a worker to the main process."""

    def __init__(self, exc_info: tuple | None = None, where: str = "in background") -> None:
        if exc_info is None:
            exc_info = sys.exc_info()
        self.exc_type = exc_info[0]
        self.exc_msg = "".join(traceback.format_exception(*exc_info))
        self.where = where

    def reraise(self) -> None:
        """Raise an exception of the original type whose message holds the worker's traceback."""
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            raise KeyError(_KeyErrorMessage(msg))
        try:
            exception = self.exc_type(msg)
        except Exception:
            raise RuntimeError(msg) from None
        raise exception


class _KeyErrorMessage(str):
    """A str whose repr is itself, so a KeyError shows the traceback text readably."""

    def __repr__(self) -> str:
        return str(self)


@dataclass(frozen=True)
class _IterableDatasetStopIteration:
    """Sent by a worker whose copy of an IterableDataset has run out."""

    worker_id: int


class _ResumeIteration:
    """Sent to persistent workers at a new epoch: start the dataset iterator afresh."""


def seed_worker(base_seed: int, worker_id: int) -> int:
    """Seed teachgrad, `random` and numpy's global generator for this worker; return the seed."""
    seed = base_seed + worker_id
    tg_random.manual_seed(seed)
    random.seed(seed)
    np.random.seed(np.random.SeedSequence([base_seed, worker_id]).generate_state(4))
    return seed


def use_one_thread() -> None:
    """Run this worker's kernels on one thread, as PyTorch's workers do (`torch.set_num_threads(1)`).

    With one Numba thread the fast path calls its serial kernels (`fastpath.rows.chunk_count`
    and the matmul's choice give 1), which never enter Numba's thread pool. That keeps workers
    from competing for the cores, and keeps a forked worker alive: GNU OpenMP, Numba's threading
    layer here, kills a child forked after the parent's pool started as soon as it enters the pool.
    Numba is loaded only when a kernel first needs it: if it is not loaded yet, the environment
    variable it reads at import sets its thread count instead.
    """
    numba = sys.modules.get("numba")
    if numba is None:
        os.environ["NUMBA_NUM_THREADS"] = "1"
    else:
        numba.set_num_threads(1)


def _load_shared(shared: tuple | bytes) -> tuple:
    """The dataset, collate_fn and worker_init_fn: as given ('fork'), or loaded from their pickle."""
    return pickle.loads(shared) if isinstance(shared, bytes) else shared


_LOAD_ADVICE = ("while loading the dataset, collate_fn and worker_init_fn sent by the main process. A worker "
                "started with 'spawn' or 'forkserver' imports their classes and functions by name: define them "
                "in a module it can import (not in `python -c`, standard input or a notebook), or use "
                "multiprocessing_context='fork' where the platform has it")


def _pickled(data: Any, where: str) -> bytes:
    """`data` pickled here, so that a batch that cannot be pickled becomes an error the main
    process sees (a multiprocessing queue would pickle it in a background thread and lose it)."""
    try:
        return pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:
        wrapper = ExceptionWrapper(where=f"{where} while pickling a batch to send it to the main process")
    try:
        return pickle.dumps(wrapper, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # the exception's own type cannot be pickled (a local class, say)
        wrapper.exc_type = RuntimeError
        return pickle.dumps(wrapper, protocol=pickle.HIGHEST_PROTOCOL)


def _worker_loop(is_iterable: bool, shared: tuple | bytes, task_pipe: Any, data_queue: Any,
                 auto_collation: bool, drop_last: bool, base_seed: int, worker_id: int, num_workers: int) -> None:
    """The body of a worker process (see the module docstring)."""
    global _worker_info
    where = f"in DataLoader worker process {worker_id}"
    try:
        use_one_thread()
        seed = seed_worker(base_seed, worker_id)
        init_exception = None
        fetcher = None
        try:
            dataset, collate_fn, init_fn = _load_shared(shared)
        except Exception:
            init_exception = ExceptionWrapper(where=f"{where} {_LOAD_ADVICE}")
        else:
            _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset)
            try:
                if init_fn is not None:
                    init_fn(worker_id)
                fetcher = create_fetcher(is_iterable, dataset, auto_collation, collate_fn, drop_last)
            except Exception:
                init_exception = ExceptionWrapper(where=where)

        iteration_end = False
        parent_pid = os.getppid()
        while True:
            if not task_pipe.poll(MP_STATUS_CHECK_INTERVAL):
                if os.getppid() != parent_pid:  # the parent died: nobody will read our results
                    break
                continue
            try:
                task = task_pipe.recv()
            except EOFError:  # the main process closed the pipe
                break
            if task is None:
                break
            if isinstance(task, _ResumeIteration):
                iteration_end = False
                if init_exception is None:
                    fetcher = create_fetcher(is_iterable, dataset, auto_collation, collate_fn, drop_last)
                data_queue.put((task, pickle.dumps(None)))
                continue
            if iteration_end:
                continue  # the dataset ran out; the main process stops asking soon
            task_index, batch_indices = task
            if init_exception is not None:  # the worker could not start: every task fails with it
                data = init_exception
            else:
                try:
                    data = fetcher.fetch(batch_indices)
                except StopIteration:
                    if not is_iterable:
                        data = ExceptionWrapper(where=where)
                    else:
                        data = _IterableDatasetStopIteration(worker_id)
                        iteration_end = True
                except Exception:
                    data = ExceptionWrapper(where=where)
            data_queue.put((task_index, _pickled(data, where)))
            del data, task
    except KeyboardInterrupt:
        pass
    # Leave at once even if results are still buffered: the main process asked us to stop.
    data_queue.cancel_join_thread()
    data_queue.close()
