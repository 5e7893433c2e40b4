"""Dataset combinators, random_split and the samplers."""

import numpy as np
import pytest

import teachgrad
from teachgrad.utils.data import (
    BatchSampler,
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    RandomSampler,
    SequentialSampler,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    random_split,
)


class Numbers(Dataset):
    """Item i is i + offset."""

    def __init__(self, n, offset=0):
        self.n, self.offset = n, offset

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return i + self.offset


class Stream(IterableDataset):
    def __init__(self, items):
        self.items = items

    def __iter__(self):
        return iter(self.items)


def seeded(seed):
    return teachgrad.Generator().manual_seed(seed)


# datasets -------------------------------------------------------------------------------------

def test_tensor_dataset_item_is_the_row_of_every_tensor():
    x = teachgrad.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    y = teachgrad.tensor([7, 8, 9])
    ds = TensorDataset(x, y)
    row, label = ds[1]
    assert len(ds) == 3
    assert row.tolist() == [3.0, 4.0] and label.item() == 8


def test_tensor_dataset_rejects_tensors_of_different_lengths():
    with pytest.raises(ValueError, match=r"Size mismatch.*\(3, 2\).*\(2,\)"):
        TensorDataset(teachgrad.zeros(3, 2), teachgrad.zeros(2))


def test_subset_maps_its_indices_into_the_dataset():
    sub = Subset(Numbers(10), [7, 2, 5])
    assert len(sub) == 3
    assert [sub[i] for i in range(3)] == [7, 2, 5]


def test_concat_dataset_continues_into_the_next_dataset():
    ds = ConcatDataset([Numbers(3), Numbers(2, offset=100)])
    assert len(ds) == 5
    assert [ds[i] for i in range(5)] == [0, 1, 2, 100, 101]


def test_concat_dataset_negative_index_counts_from_the_end():
    ds = ConcatDataset([Numbers(3), Numbers(2, offset=100)])
    assert ds[-1] == 101 and ds[-5] == 0


def test_concat_dataset_of_nothing_is_an_error():
    with pytest.raises(ValueError, match="empty"):
        ConcatDataset([])


def test_adding_datasets_concatenates_them():
    ds = Numbers(2) + Numbers(1, offset=10)
    assert isinstance(ds, ConcatDataset) and [ds[i] for i in range(3)] == [0, 1, 10]


def test_chain_dataset_iterates_the_streams_one_after_the_other():
    assert list(ChainDataset([Stream([1, 2]), Stream([3])])) == [1, 2, 3]


def test_random_split_makes_disjoint_subsets_covering_the_dataset():
    parts = random_split(Numbers(10), [3, 7], generator=seeded(0))
    items = [p[i] for p in parts for i in range(len(p))]
    assert [len(p) for p in parts] == [3, 7]
    assert sorted(items) == list(range(10))


def test_random_split_fractions_give_the_remainder_to_the_first_splits():
    parts = random_split(Numbers(9), [0.3, 0.3, 0.4], generator=seeded(0))
    assert [len(p) for p in parts] == [3, 3, 3]  # floors 2, 2, 3; the 2 left over go to the first two


def test_random_split_with_the_same_generator_seed_repeats():
    a = random_split(Numbers(10), [5, 5], generator=seeded(4))
    b = random_split(Numbers(10), [5, 5], generator=seeded(4))
    assert a[0].indices == b[0].indices


def test_random_split_lengths_must_add_up_to_the_dataset_length():
    with pytest.raises(ValueError, match="Sum of input lengths"):
        random_split(Numbers(10), [3, 3])


# samplers -------------------------------------------------------------------------------------

def test_sequential_sampler_yields_indices_in_order():
    assert list(SequentialSampler(Numbers(4))) == [0, 1, 2, 3]


def test_random_sampler_yields_a_permutation():
    assert sorted(RandomSampler(Numbers(20), generator=seeded(1))) == list(range(20))


def test_random_sampler_draws_a_new_order_every_epoch():
    sampler = RandomSampler(Numbers(20), generator=seeded(1))
    assert list(sampler) != list(sampler)


def test_random_sampler_without_generator_follows_manual_seed():
    sampler = RandomSampler(Numbers(20))
    teachgrad.manual_seed(5)
    first = list(sampler)
    teachgrad.manual_seed(5)
    assert list(sampler) == first


def test_random_sampler_with_replacement_draws_num_samples_indices_in_range():
    draws = list(RandomSampler(Numbers(3), replacement=True, num_samples=50, generator=seeded(2)))
    assert len(draws) == 50 and set(draws) == {0, 1, 2}


def test_random_sampler_without_replacement_repeats_whole_permutations():
    draws = list(RandomSampler(Numbers(4), num_samples=10, generator=seeded(3)))
    assert len(draws) == 10
    assert sorted(draws[:4]) == sorted(draws[4:8]) == [0, 1, 2, 3]


def test_random_sampler_rejects_a_non_positive_num_samples():
    with pytest.raises(ValueError, match="num_samples"):
        RandomSampler(Numbers(4), num_samples=0)


def test_random_sampler_rejects_a_non_boolean_replacement():
    with pytest.raises(TypeError, match="replacement"):
        RandomSampler(Numbers(4), replacement=1)


def test_subset_random_sampler_yields_each_given_index_once():
    draws = list(SubsetRandomSampler([10, 20, 30, 40], generator=seeded(0)))
    assert sorted(draws) == [10, 20, 30, 40]


def test_weighted_random_sampler_never_draws_a_zero_weight():
    draws = list(WeightedRandomSampler([0.0, 1.0, 0.0, 3.0], 200, generator=seeded(0)))
    assert set(draws) == {1, 3}


def test_weighted_random_sampler_draws_in_proportion_to_the_weights():
    draws = np.array(list(WeightedRandomSampler([1.0, 3.0], 4000, generator=seeded(0))))
    assert abs((draws == 1).mean() - 0.75) < 0.03


def test_weighted_random_sampler_without_replacement_draws_distinct_indices():
    draws = list(WeightedRandomSampler([1.0, 2.0, 3.0, 4.0], 4, replacement=False, generator=seeded(0)))
    assert sorted(draws) == [0, 1, 2, 3]


def test_weighted_random_sampler_rejects_weights_that_are_not_1d():
    with pytest.raises(ValueError, match="weights should be a 1d sequence"):
        WeightedRandomSampler([[1.0, 2.0]], 2)


def test_batch_sampler_groups_indices_and_keeps_the_short_tail():
    assert list(BatchSampler(range(5), 2, drop_last=False)) == [[0, 1], [2, 3], [4]]


def test_batch_sampler_drop_last_drops_the_short_tail():
    sampler = BatchSampler(range(5), 2, drop_last=True)
    assert list(sampler) == [[0, 1], [2, 3]] and len(sampler) == 2


def test_batch_sampler_length_rounds_up_without_drop_last():
    assert len(BatchSampler(range(5), 2, drop_last=False)) == 3


def test_batch_sampler_rejects_a_non_positive_batch_size():
    with pytest.raises(ValueError, match="batch_size should be a positive integer value"):
        BatchSampler(range(5), 0, drop_last=False)
