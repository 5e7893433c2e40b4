"""DataLoader with worker processes (num_workers > 0). Each test starts real processes."""

import gc
import os
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
from loader_workloads import (
    BigProducts,
    DiesAtThree,
    FailsAtThree,
    InitRecord,
    NumbaThreads,
    ParallelKernel,
    Pids,
    ShardedRange,
    Sleeps,
    SlowFirstBatch,
    Unpicklable,
    WorkerSeeds,
    _parallel_sum,
    record_worker_id,
)

import teachgrad
from teachgrad.utils.data import DataLoader, get_worker_info


def gone(pid, wait=5.0):
    """True once no process `pid` exists (waits up to `wait` seconds)."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def test_batches_arrive_in_sampler_order_from_several_processes():
    batches = list(DataLoader(SlowFirstBatch(), batch_size=2, num_workers=2))
    indices = [i for b in batches for i in b[0].tolist()]
    pids = {p for b in batches for p in b[1].tolist()}
    assert indices == list(range(12))
    assert len(pids) == 2 and os.getpid() not in pids


def test_each_worker_is_seeded_with_base_seed_plus_its_id():
    loader = DataLoader(WorkerSeeds(), batch_size=None, num_workers=2)
    results = {worker_id: (seed, draw) for worker_id, seed, draw in loader}
    (seed0, draw0), (seed1, draw1) = results[0], results[1]
    assert seed1 == seed0 + 1
    assert draw0 != draw1


def test_worker_seeds_repeat_with_the_same_generator_seed():
    def seeds():
        loader = DataLoader(WorkerSeeds(), batch_size=None, num_workers=2,
                            generator=teachgrad.Generator().manual_seed(11))
        return sorted(seed for _, seed, _ in loader)
    assert seeds() == seeds()


def test_get_worker_info_is_none_in_the_main_process():
    assert get_worker_info() is None


def test_worker_init_fn_runs_in_each_worker_with_its_id():
    loader = DataLoader(InitRecord(), batch_size=None, num_workers=1, worker_init_fn=record_worker_id)
    assert list(loader) == [0, 0]


def test_a_worker_exception_is_raised_in_the_main_process_with_its_traceback():
    with pytest.raises(ValueError) as raised:
        list(DataLoader(FailsAtThree(), batch_size=2, num_workers=2))
    message = str(raised.value)
    assert "Caught ValueError in DataLoader worker process 1" in message
    assert "sample 3 is broken" in message and "loader_workloads.py" in message


def test_a_worker_that_dies_is_reported_instead_of_hanging():
    with pytest.raises(RuntimeError, match="exited unexpectedly"):
        list(DataLoader(DiesAtThree(), batch_size=2, num_workers=2))


def test_timeout_raises_when_a_batch_takes_too_long():
    with pytest.raises(RuntimeError, match="timed out after 0.5 seconds"):
        next(iter(DataLoader(Sleeps(), num_workers=1, timeout=0.5)))


def test_a_batch_that_cannot_be_pickled_is_an_error_in_the_main_process():
    with pytest.raises(TypeError, match="while pickling a batch"):
        list(DataLoader(Unpicklable(), batch_size=None, num_workers=1))


def test_an_unpicklable_collate_fn_is_explained_with_spawn():
    with pytest.raises(RuntimeError, match="'spawn' start method they must be picklable"):
        list(DataLoader(Pids(), num_workers=1, collate_fn=lambda batch: batch, multiprocessing_context="spawn"))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers are forked on Linux only")
def test_forked_workers_take_a_lambda_collate_fn_as_pytorch_on_linux():
    # PyTorch 2.13 on Linux (fork) gives [2, 2] for the same loader; nothing is pickled
    loader = DataLoader(Pids(), batch_size=2, num_workers=2, collate_fn=lambda batch: len(batch))
    assert list(loader) == [2, 2]


def test_iterable_dataset_workers_each_yield_their_share():
    items = sorted(i for b in DataLoader(ShardedRange(10), batch_size=3, num_workers=2) for i in b.tolist())
    assert items == list(range(10))


def test_workers_exit_when_the_epoch_ends():
    iterator = iter(DataLoader(Pids(), num_workers=2))
    list(iterator)
    assert all(gone(w.pid) for w in iterator._workers)


def test_workers_exit_when_the_iterator_is_abandoned():
    iterator = iter(DataLoader(Pids(), num_workers=2))
    next(iterator)
    pids = [w.pid for w in iterator._workers]
    del iterator
    gc.collect()
    assert all(gone(pid) for pid in pids)


def test_persistent_workers_serve_every_epoch():
    loader = DataLoader(Pids(), batch_size=2, num_workers=2, persistent_workers=True)
    first = {p for b in loader for p in b.tolist()}
    second = {p for b in loader for p in b.tolist()}
    assert first == second and len(first) == 2


def test_forkserver_workers_run_their_own_parallel_kernels_after_the_main_process_ran_one():
    _parallel_sum(np.ones(4))  # GNU OpenMP is now running here; a forked child would be killed
    loader = DataLoader(ParallelKernel(), batch_size=None, num_workers=2, multiprocessing_context="forkserver")
    assert list(loader) == [499500.0, 500500.0]


def test_workers_run_teachgrad_kernels_after_the_main_process_ran_threaded_ones():
    x = teachgrad.full((512, 512), 1.0)
    assert float((x @ x).sum()) == 512.0**3  # threaded matmul and sum: Numba's thread pool runs here
    assert list(DataLoader(BigProducts(), batch_size=None, num_workers=2)) == [512**3 * k + 512 for k in (1, 2, 3, 4)]


def test_each_worker_runs_kernels_on_one_thread_as_pytorch_workers_do():
    assert list(DataLoader(NumbaThreads(), batch_size=None, num_workers=2)) == [1, 1]


def run_script(tmp_path, source):
    """Run `source` as a script file (python script.py) in tmp_path; return the finished process."""
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(source))
    return subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers are forked on Linux only")
def test_a_script_without_a_main_guard_iterates_workers_after_threaded_kernels(tmp_path):
    done = run_script(tmp_path, """
        import os
        import numba
        import teachgrad
        from teachgrad.utils.data import DataLoader, Dataset

        class Products(Dataset):
            def __len__(self):
                return 4

            def __getitem__(self, i):
                x = teachgrad.full((512, 512), float(i + 1))
                return float((x @ teachgrad.ones(512, 512)).sum()), os.getpid()

        x = teachgrad.full((512, 512), 1.0)
        print("main", float((x @ x).sum()), numba.threading_layer() in ("omp", "tbb", "workqueue"))
        for values, pids in DataLoader(Products(), batch_size=2, num_workers=2):
            print(values.tolist(), os.getpid() not in pids.tolist())
    """)
    # 512**3 * (i + 1), exact in float32; True: the thread pool ran here, and batches came from other processes
    assert (done.returncode, done.stdout) == (0, "main 134217728.0 True\n"
                                              "[134217728.0, 268435456.0] True\n"
                                              "[402653184.0, 536870912.0] True\n"), done.stderr


def test_a_spawned_worker_that_cannot_import_the_dataset_class_says_so(tmp_path):
    done = subprocess.run([sys.executable, "-c", textwrap.dedent("""
        from teachgrad.utils.data import DataLoader, Dataset

        class MyDataset(Dataset):
            def __len__(self):
                return 2

            def __getitem__(self, i):
                return i

        list(DataLoader(MyDataset(), num_workers=1, multiprocessing_context="spawn"))
    """)], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    last_line = done.stderr.strip().splitlines()[-1]
    assert done.returncode == 1
    assert "Caught AttributeError in DataLoader worker process 0 while loading the dataset" in done.stderr
    assert "define them in a module it can import" in done.stderr
    assert last_line.startswith("AttributeError: Can't get attribute 'MyDataset' on <module '__main__'")


def test_persistent_workers_start_a_new_epoch_from_the_first_batch_after_an_abandoned_one():
    loader = DataLoader(SlowFirstBatch(), batch_size=2, num_workers=2, persistent_workers=True)
    next(iter(loader))
    assert [i for b in loader for i in b[0].tolist()] == list(range(12))


def test_persistent_workers_restart_an_iterable_dataset_every_epoch():
    loader = DataLoader(ShardedRange(6), batch_size=2, num_workers=2, persistent_workers=True)
    epochs = [sorted(i for b in loader for i in b.tolist()) for _ in range(2)]
    assert epochs == [list(range(6))] * 2
