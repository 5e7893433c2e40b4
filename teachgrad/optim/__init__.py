"""`teachgrad.optim`: optimizers and learning-rate schedulers with PyTorch's update rules."""

from teachgrad.optim import lr_scheduler
from teachgrad.optim.adadelta import Adadelta
from teachgrad.optim.adagrad import Adagrad
from teachgrad.optim.adam import Adam, AdamW
from teachgrad.optim.adamax import Adamax
from teachgrad.optim.lbfgs import LBFGS
from teachgrad.optim.nadam import NAdam
from teachgrad.optim.optimizer import Optimizer
from teachgrad.optim.radam import RAdam
from teachgrad.optim.rmsprop import RMSprop
from teachgrad.optim.sgd import SGD

__all__ = ["LBFGS", "SGD", "Adadelta", "Adagrad", "Adam", "AdamW", "Adamax", "NAdam", "Optimizer", "RAdam", "RMSprop",
           "lr_scheduler"]
