"""DataLoader: batches from a dataset, in the main process or in worker processes.

The pieces, in the order a batch meets them: a *sampler* yields dataset indices; a
*batch sampler* groups them into lists; a *fetcher* turns a list of indices into a list of
samples (`dataset[i]`) and *collates* them into a batch. With `num_workers=0` all of this
happens in the calling process. With `num_workers > 0` the main process still runs the
sampler, hands each batch's indices to a worker process in turn, and yields the finished
batches in sampler order.

Worker processes start the way PyTorch's do: with 'fork' on Linux, so a script without an
`if __name__ == "__main__":` guard runs and the dataset may be anything (a lambda, a class defined
in a notebook); elsewhere with the platform's default, 'spawn', which re-imports the main module
in every worker and needs the guard and a picklable dataset, `collate_fn` and `worker_init_fn`.
Every worker runs teachgrad's kernels on one thread (see `worker.use_one_thread`), which is also
what makes 'fork' safe after Numba's GNU OpenMP thread pool has started in this process.
"""

from __future__ import annotations

import itertools
import multiprocessing
import multiprocessing.context
import pickle
import queue
import sys
import time
from typing import Any, Callable

from teachgrad import random as tg_random
from teachgrad.utils.data import worker as _worker
from teachgrad.utils.data.collate import default_collate, default_convert
from teachgrad.utils.data.dataset import Dataset, IterableDataset
from teachgrad.utils.data.fetch import create_fetcher
from teachgrad.utils.data.sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    _InfiniteConstantSampler,
)


def _default_context() -> multiprocessing.context.BaseContext:
    """'fork' on Linux (as multiprocessing's default there, which PyTorch uses), else the
    platform's default ('spawn' on Windows and macOS)."""
    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


def _shared_with_workers(context: multiprocessing.context.BaseContext, objects: tuple) -> tuple | bytes:
    """What each worker is given of the dataset, collate_fn and worker_init_fn: the objects
    themselves for 'fork' (the child has a copy of this process), else their pickle, which the
    worker loads itself so that it can report a failure to load them (`worker._load_shared`)."""
    if context.get_start_method() == "fork":
        return objects
    try:
        return pickle.dumps(objects, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, AttributeError, TypeError) as error:
        raise RuntimeError(
            "DataLoader: could not send the dataset, collate_fn and worker_init_fn to a worker process "
            f"({error}). With num_workers > 0 and the {context.get_start_method()!r} start method they must "
            "be picklable: defined at the top level of a module, not lambdas or local functions.") from error


def _death_hint(start_method: str) -> str:
    """What most often kills a worker started with `start_method`, and what to do."""
    if start_method == "fork":
        return ("A forked worker is killed when it runs a Numba parallel=True kernel of its own while this "
                "process uses GNU OpenMP threads: use multiprocessing_context='forkserver' for such a dataset.")
    return (f"If the script has no `if __name__ == '__main__':` guard, add one: {start_method!r} workers "
            "re-import the main module.")


class DataLoader:
    """Iterate over `dataset` in batches, with PyTorch's arguments and rules.

    - `batch_size=None` turns batching off: each item is one sample, passed through
      `default_convert` (or `collate_fn`).
    - `shuffle=True` draws a new order every epoch (from `generator`, or the default generator);
      `sampler` or `batch_sampler` choose the order instead and exclude `shuffle`.
    - `num_workers > 0` loads in that many worker processes, `prefetch_factor` batches ahead per
      worker (default 2); worker i is seeded with `base_seed + i` (see `get_worker_info`).
    - `multiprocessing_context` ('fork', 'spawn', 'forkserver' or a context object) chooses how
      workers start; by default 'fork' on Linux, else the platform's default (see the module doc).
    - `pin_memory` (and `pin_memory_device`) are accepted for compatibility and do nothing:
      pinned memory only speeds up copies to a GPU, and batches here are made on the CPU.
    - `timeout` (seconds, with workers) raises RuntimeError when a batch takes longer.
    - `persistent_workers=True` keeps the workers between epochs.
    """

    def __init__(self, dataset: Dataset, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler: Sampler | None = None, batch_sampler: Sampler | None = None,
                 num_workers: int = 0, collate_fn: Callable | None = None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0, worker_init_fn: Callable | None = None,
                 multiprocessing_context: str | multiprocessing.context.BaseContext | None = None,
                 generator: tg_random.Generator | None = None, *, prefetch_factor: int | None = None,
                 persistent_workers: bool = False, pin_memory_device: str = "") -> None:
        if not isinstance(num_workers, int) or isinstance(num_workers, bool) or num_workers < 0:
            raise ValueError("num_workers option should be a non-negative integer; "
                             f"use num_workers=0 to disable multiprocessing (got num_workers={num_workers!r})")
        if timeout < 0:
            raise ValueError(f"timeout option should be non-negative (got timeout={timeout!r})")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing: "
                             "let num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor to None.")
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        if prefetch_factor is not None and (not isinstance(prefetch_factor, int) or prefetch_factor < 1):
            raise ValueError("prefetch_factor option should be a positive integer "
                             f"(got prefetch_factor={prefetch_factor!r})")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")

        if isinstance(dataset, IterableDataset):
            if shuffle not in {False, None}:
                raise ValueError("DataLoader with IterableDataset: expected unspecified shuffle option, "
                                 f"but got shuffle={shuffle}")
            if sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified sampler option, "
                                 f"but got sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified batch_sampler option, "
                                 f"but got batch_sampler={batch_sampler}")
        else:
            shuffle = bool(shuffle)

        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, "
                                 "sampler, and drop_last")
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with drop_last")

        if sampler is None:
            if isinstance(dataset, IterableDataset):
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        if collate_fn is None:
            collate_fn = default_collate if batch_sampler is not None else default_convert

        if multiprocessing_context is not None:
            if num_workers == 0:
                raise ValueError("multiprocessing_context can only be used with multi-process loading "
                                 f"(num_workers > 0), but got num_workers={num_workers}")
            if isinstance(multiprocessing_context, str):
                methods = multiprocessing.get_all_start_methods()
                if multiprocessing_context not in methods:
                    raise ValueError(f"multiprocessing_context option should specify a valid start method in "
                                     f"{methods!r}, but got multiprocessing_context={multiprocessing_context!r}")
                multiprocessing_context = multiprocessing.get_context(multiprocessing_context)
            if not isinstance(multiprocessing_context, multiprocessing.context.BaseContext):
                raise TypeError("multiprocessing_context option should be a valid context object or a string "
                                f"specifying the start method, but got {multiprocessing_context!r}")

        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.collate_fn = collate_fn
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.generator = generator
        self.persistent_workers = persistent_workers
        self._iterator: _BaseDataLoaderIter | None = None
        self.__initialized = True

    def __setattr__(self, attr: str, val: Any) -> None:
        if self.__dict__.get("_DataLoader__initialized") and attr in (
                "batch_size", "batch_sampler", "sampler", "drop_last", "dataset", "persistent_workers"):
            raise ValueError(f"{attr} attribute should not be set after {type(self).__name__} is initialized")
        super().__setattr__(attr, val)

    @property
    def _is_iterable(self) -> bool:
        return isinstance(self.dataset, IterableDataset)

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None

    @property
    def _index_sampler(self) -> Any:
        """What the iterator draws from: lists of indices when batching, else single indices."""
        return self.batch_sampler if self._auto_collation else self.sampler

    def _get_shared_seed(self) -> int:
        """The base seed of an epoch's workers: one draw from `generator` (or the default one)."""
        return int(tg_random.resolve(self.generator).integers(0, 2**63 - 1, ()))

    def _get_iterator(self) -> "_BaseDataLoaderIter":
        if self.num_workers == 0:
            return _SingleProcessDataLoaderIter(self)
        return _MultiProcessingDataLoaderIter(self)

    def __iter__(self) -> "_BaseDataLoaderIter":
        if self.persistent_workers and self.num_workers > 0:
            if self._iterator is None:
                self._iterator = self._get_iterator()
            else:
                self._iterator._reset(self)
            return self._iterator
        return self._get_iterator()

    def __len__(self) -> int:
        """Number of batches: ceil(n / batch_size), or floor with drop_last."""
        if self._is_iterable:
            length = len(self.dataset)
            if self.batch_size is not None:
                if self.drop_last:
                    return length // self.batch_size
                return -(-length // self.batch_size)
            return length
        return len(self._index_sampler)


class _BaseDataLoaderIter:
    """What both iterators share: the loader's settings and the sampler for this epoch."""

    def __init__(self, loader: DataLoader) -> None:
        self._dataset = loader.dataset
        self._is_iterable = loader._is_iterable
        self._auto_collation = loader._auto_collation
        self._drop_last = loader.drop_last
        self._index_sampler = loader._index_sampler
        self._collate_fn = loader.collate_fn
        self._num_workers = loader.num_workers
        self._timeout = loader.timeout
        self._base_seed = loader._get_shared_seed()
        self._sampler_iter = iter(self._index_sampler)
        self._num_yielded = 0

    def __iter__(self) -> "_BaseDataLoaderIter":
        return self

    def _reset(self, loader: DataLoader) -> None:
        self._sampler_iter = iter(self._index_sampler)
        self._num_yielded = 0

    def _next_index(self) -> Any:
        return next(self._sampler_iter)

    def __next__(self) -> Any:
        data = self._next_data()
        self._num_yielded += 1
        return data

    def _next_data(self) -> Any:
        raise NotImplementedError

    def __len__(self) -> int:
        return len(self._index_sampler)


class _SingleProcessDataLoaderIter(_BaseDataLoaderIter):
    """Fetch each batch in the calling process, when it is asked for."""

    def __init__(self, loader: DataLoader) -> None:
        super().__init__(loader)
        self._fetcher = create_fetcher(self._is_iterable, self._dataset, self._auto_collation,
                                       self._collate_fn, self._drop_last)

    def _next_data(self) -> Any:
        index = self._next_index()  # StopIteration here ends the epoch
        return self._fetcher.fetch(index)


class _MultiProcessingDataLoaderIter(_BaseDataLoaderIter):
    """Hand batches' indices to worker processes round-robin; yield results in sampler order.

    Task `k` (the k-th batch of the epoch) goes to worker `k % num_workers` (skipping workers
    whose IterableDataset ran out). Results arrive in any order; `_task_info` keeps those that
    arrived early until their turn. At most `prefetch_factor * num_workers` tasks are out at once.
    """

    def __init__(self, loader: DataLoader) -> None:
        super().__init__(loader)
        self._prefetch_factor = loader.prefetch_factor
        self._persistent_workers = loader.persistent_workers
        context = loader.multiprocessing_context or _default_context()

        # Results come back on one queue; tasks go out on one pipe per worker. A pipe's send()
        # writes at once, in this thread (a queue would leave it to a background thread).
        self._data_queue = context.Queue()
        self._task_pipes: list = []
        self._workers: list = []
        self._shutdown = False
        self._start_method = context.get_start_method()
        shared = _shared_with_workers(context, (self._dataset, self._collate_fn, loader.worker_init_fn))
        for worker_id in range(self._num_workers):
            task_reader, task_writer = context.Pipe(duplex=False)
            process = context.Process(
                target=_worker._worker_loop,
                args=(self._is_iterable, shared, task_reader, self._data_queue, self._auto_collation,
                      self._drop_last, self._base_seed, worker_id, self._num_workers),
                daemon=True,
            )
            process.start()
            task_reader.close()  # the worker has its own copy now
            self._task_pipes.append(task_writer)
            self._workers.append(process)
        self._reset(loader, first_iter=True)

    def _reset(self, loader: DataLoader, first_iter: bool = False) -> None:
        super()._reset(loader)
        self._send_idx = 0  # index of the next task to send
        self._rcvd_idx = 0  # index of the next task to yield
        self._task_info: dict[int, tuple] = {}  # task -> (worker_id,) or (worker_id, data)
        self._tasks_outstanding = 0
        self._workers_status = [True] * self._num_workers  # False once a worker's stream ran out
        self._worker_queue_idx_cycle = itertools.cycle(range(self._num_workers))
        if not first_iter:  # persistent workers: restart their iterators, drop leftovers
            for task_pipe in self._task_pipes:
                task_pipe.send(_worker._ResumeIteration())
            resumed = 0
            while resumed < self._num_workers:
                task_index, _ = self._get_data()
                if isinstance(task_index, _worker._ResumeIteration):
                    resumed += 1
        for _ in range(self._prefetch_factor * self._num_workers):
            self._try_put_index()

    def _try_put_index(self) -> None:
        """Send the next batch's indices to the next worker that still has data."""
        try:
            index = self._next_index()
        except StopIteration:
            return
        for _ in range(self._num_workers):
            worker_queue_idx = next(self._worker_queue_idx_cycle)
            if self._workers_status[worker_queue_idx]:
                break
        else:
            return  # every worker's iterable ran out
        self._task_pipes[worker_queue_idx].send((self._send_idx, index))
        self._task_info[self._send_idx] = (worker_queue_idx,)
        self._tasks_outstanding += 1
        self._send_idx += 1

    def _next_data(self) -> Any:
        while True:
            # Skip tasks sent to workers whose iterable ran out: they will never answer.
            while self._rcvd_idx < self._send_idx:
                info = self._task_info[self._rcvd_idx]
                if len(info) == 2 or self._workers_status[info[0]]:
                    break
                del self._task_info[self._rcvd_idx]
                self._rcvd_idx += 1
            else:
                if not self._persistent_workers:
                    self._shutdown_workers()
                raise StopIteration

            if len(self._task_info[self._rcvd_idx]) == 2:  # it arrived earlier
                data = self._task_info.pop(self._rcvd_idx)[1]
                self._rcvd_idx += 1
                return self._process_data(data)

            task_index, data = self._get_data()
            self._tasks_outstanding -= 1
            if isinstance(data, _worker._IterableDatasetStopIteration):
                self._workers_status[data.worker_id] = False
                self._try_put_index()
                continue
            if task_index != self._rcvd_idx:
                self._task_info[task_index] += (data,)
                continue
            del self._task_info[task_index]
            self._rcvd_idx += 1
            return self._process_data(data)

    def _process_data(self, data: Any) -> Any:
        self._try_put_index()
        if isinstance(data, _worker.ExceptionWrapper):
            data.reraise()
        return data

    def _get_data(self) -> tuple[Any, Any]:
        """The next `(task_index, data)` from any worker; checks that workers are alive meanwhile."""
        deadline = time.monotonic() + self._timeout if self._timeout > 0 else None
        while True:
            wait = _worker.MP_STATUS_CHECK_INTERVAL
            if deadline is not None:
                wait = min(wait, deadline - time.monotonic())
                if wait <= 0:
                    raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds")
            try:
                task_index, payload = self._data_queue.get(timeout=wait)
                return task_index, pickle.loads(payload)
            except queue.Empty:
                self._check_workers_alive()

    def _check_workers_alive(self) -> None:
        dead = [w for i, w in enumerate(self._workers) if self._workers_status[i] and not w.is_alive()]
        if dead:
            codes = ", ".join(f"pid {w.pid}: exit code {w.exitcode}" for w in dead)
            self._shutdown_workers()
            raise RuntimeError(f"DataLoader worker ({codes}) exited unexpectedly (it crashed or was killed; "
                               f"its error output above says why). {_death_hint(self._start_method)}")

    def _shutdown_workers(self) -> None:
        """Ask every worker to exit, wait briefly, terminate any that did not; close the queues."""
        if self._shutdown:
            return
        self._shutdown = True
        try:
            for task_pipe in self._task_pipes:
                try:
                    task_pipe.send(None)
                except OSError:  # that worker is gone already
                    pass
            for process in self._workers:
                process.join(timeout=_worker.MP_STATUS_CHECK_INTERVAL)
        finally:
            for process in self._workers:
                if process.is_alive():
                    process.terminate()
                    process.join(timeout=_worker.MP_STATUS_CHECK_INTERVAL)
            for task_pipe in self._task_pipes:
                task_pipe.close()
            self._data_queue.cancel_join_thread()
            self._data_queue.close()

    def __del__(self) -> None:
        try:
            self._shutdown_workers()
        except Exception:
            pass
