"""Utilities that mirror `torch.utils`: `teachgrad.utils.data` (datasets, samplers, DataLoader);
and `torchvision.utils`' `make_grid` and `save_image`, so that a `torchvision -> teachgrad`
rename finds them here."""

from teachgrad.utils import data
from teachgrad.utils.image_grid import make_grid, save_image

__all__ = ["data", "make_grid", "save_image"]
