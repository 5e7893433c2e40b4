"""`teachgrad.backends.cudnn`: NVIDIA's cuDNN library, which teachgrad does not use.

teachgrad's CUDA kernels are its own numba.cuda kernels (`teachgrad.fastpath.cuda`), so cuDNN is
never available. The flags PyTorch programs set (`benchmark`, `deterministic`, `enabled`,
`allow_tf32`) are plain attributes with PyTorch's defaults: setting them is allowed and changes
nothing, since no cuDNN algorithm is ever chosen.
"""

enabled = True
benchmark = False
deterministic = False
allow_tf32 = True


def is_available() -> bool:
    """Whether cuDNN can be used: never in teachgrad."""
    return False


def version() -> None:
    """cuDNN's version number, or None when cuDNN is not available (always, in teachgrad)."""
    return None
