"""`teachgrad.optim`: optimizers and learning-rate schedulers with PyTorch's update rules."""

from teachgrad.optim import lr_scheduler
from teachgrad.optim.adagrad import Adagrad
from teachgrad.optim.adam import Adam, AdamW
from teachgrad.optim.optimizer import Optimizer
from teachgrad.optim.rmsprop import RMSprop
from teachgrad.optim.sgd import SGD

__all__ = ["SGD", "Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "lr_scheduler"]
