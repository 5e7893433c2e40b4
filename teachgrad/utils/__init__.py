"""Utilities that mirror `torch.utils`: `teachgrad.utils.data` (datasets, samplers, DataLoader)."""

from teachgrad.utils import data

__all__ = ["data"]
