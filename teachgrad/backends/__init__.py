"""`teachgrad.backends`: the flags PyTorch programs probe as `torch.backends.*`.

`teachgrad.backends.mps.is_available()` and `teachgrad.backends.cudnn.benchmark = True` work as
in PyTorch, so programs that ask them run unchanged. teachgrad has neither Apple's Metal (MPS) nor
cuDNN: the answers say so, and the settable cuDNN flags are kept but change nothing.

teachgrad's own choice of kernels (`set_backend("reference")`) is `teachgrad.kernels`, a name
PyTorch does not use; see that package's docstring for why it does not live here.
"""

from teachgrad.backends import cudnn, mps
