"""DataLoader in the main process: PyTorch's argument rules, batching, shuffling, lengths."""

import pytest

import teachgrad
from teachgrad.utils.data import (
    BatchSampler,
    DataLoader,
    Dataset,
    IterableDataset,
    SequentialSampler,
    TensorDataset,
)


class Numbers(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return i


class Stream(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


def flat(batches):
    return [v for b in batches for v in b.tolist()]


def test_batches_hold_consecutive_samples_in_order():
    assert [b.tolist() for b in DataLoader(Numbers(5), batch_size=2)] == [[0, 1], [2, 3], [4]]


def test_tensor_dataset_batches_are_stacked_rows():
    x = teachgrad.tensor([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]])
    xb, yb = next(iter(DataLoader(TensorDataset(x, teachgrad.tensor([7, 8, 9])), batch_size=2)))
    assert xb.tolist() == [[0.0, 1.0], [2.0, 3.0]] and yb.tolist() == [7, 8]


def test_drop_last_drops_the_short_final_batch():
    assert [b.tolist() for b in DataLoader(Numbers(5), batch_size=2, drop_last=True)] == [[0, 1], [2, 3]]


def test_len_is_the_number_of_batches_rounded_up():
    assert len(DataLoader(Numbers(5), batch_size=2)) == 3


def test_len_with_drop_last_is_rounded_down():
    assert len(DataLoader(Numbers(5), batch_size=2, drop_last=True)) == 2


def test_batch_size_none_yields_single_converted_samples():
    assert list(DataLoader(Numbers(3), batch_size=None)) == [0, 1, 2]


def test_shuffle_visits_every_sample_once_per_epoch():
    assert sorted(flat(DataLoader(Numbers(20), batch_size=4, shuffle=True))) == list(range(20))


def test_shuffle_draws_a_new_order_every_epoch():
    loader = DataLoader(Numbers(20), batch_size=20, shuffle=True)
    assert flat(loader) != flat(loader)


def test_shuffle_with_the_same_generator_seed_repeats_the_order():
    a = DataLoader(Numbers(20), batch_size=5, shuffle=True, generator=teachgrad.Generator().manual_seed(1))
    b = DataLoader(Numbers(20), batch_size=5, shuffle=True, generator=teachgrad.Generator().manual_seed(1))
    assert flat(a) == flat(b)


def test_sampler_decides_the_order():
    loader = DataLoader(Numbers(4), batch_size=2, sampler=[3, 1, 2, 0])
    assert [b.tolist() for b in loader] == [[3, 1], [2, 0]]


def test_batch_sampler_decides_the_batches():
    loader = DataLoader(Numbers(6), batch_sampler=[[5, 0], [1, 2, 3]])
    assert [b.tolist() for b in loader] == [[5, 0], [1, 2, 3]]


def test_collate_fn_replaces_default_collate():
    assert list(DataLoader(Numbers(4), batch_size=2, collate_fn=sum)) == [1, 5]


def test_pin_memory_is_accepted_and_changes_nothing():
    assert flat(DataLoader(Numbers(4), batch_size=2, pin_memory=True)) == [0, 1, 2, 3]


def test_iterable_dataset_is_batched_in_stream_order():
    assert [b.tolist() for b in DataLoader(Stream(5), batch_size=2)] == [[0, 1], [2, 3], [4]]


def test_iterable_dataset_len_counts_batches():
    assert len(DataLoader(Stream(5), batch_size=2)) == 3


def test_sampler_and_shuffle_are_mutually_exclusive():
    with pytest.raises(ValueError, match="sampler option is mutually exclusive with shuffle"):
        DataLoader(Numbers(4), sampler=SequentialSampler(Numbers(4)), shuffle=True)


@pytest.mark.parametrize("extra", [{"batch_size": 2}, {"shuffle": True}, {"sampler": [0, 1]}, {"drop_last": True}])
def test_batch_sampler_excludes_batch_size_shuffle_sampler_and_drop_last(extra):
    with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive"):
        DataLoader(Numbers(4), batch_sampler=BatchSampler(range(4), 2, False), **extra)


def test_batch_size_none_excludes_drop_last():
    with pytest.raises(ValueError, match="batch_size=None"):
        DataLoader(Numbers(4), batch_size=None, drop_last=True)


def test_a_non_positive_batch_size_is_rejected():
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(Numbers(4), batch_size=0)


def test_a_negative_num_workers_is_rejected():
    with pytest.raises(ValueError, match="num_workers"):
        DataLoader(Numbers(4), num_workers=-1)


def test_a_negative_timeout_is_rejected():
    with pytest.raises(ValueError, match="timeout"):
        DataLoader(Numbers(4), timeout=-1)


def test_prefetch_factor_needs_workers():
    with pytest.raises(ValueError, match="prefetch_factor"):
        DataLoader(Numbers(4), prefetch_factor=2)


def test_persistent_workers_needs_workers():
    with pytest.raises(ValueError, match="persistent_workers"):
        DataLoader(Numbers(4), persistent_workers=True)


def test_multiprocessing_context_needs_workers():
    with pytest.raises(ValueError, match="multiprocessing_context"):
        DataLoader(Numbers(4), multiprocessing_context="spawn")


def test_an_unknown_start_method_is_rejected():
    with pytest.raises(ValueError, match="multiprocessing_context"):
        DataLoader(Numbers(4), num_workers=1, multiprocessing_context="teleport")


def test_iterable_dataset_rejects_shuffle():
    with pytest.raises(ValueError, match="shuffle"):
        DataLoader(Stream(4), shuffle=True)


def test_iterable_dataset_rejects_a_sampler():
    with pytest.raises(ValueError, match="sampler"):
        DataLoader(Stream(4), sampler=[0, 1])


def test_batch_size_cannot_be_changed_after_construction():
    loader = DataLoader(Numbers(4))
    with pytest.raises(ValueError, match="batch_size attribute should not be set"):
        loader.batch_size = 2
