"""`teachgrad.backends.mps`: Apple's Metal (MPS) device, which teachgrad does not have."""


def is_available() -> bool:
    """Whether tensors can be put on an "mps" device: never in teachgrad."""
    return False


def is_built() -> bool:
    """Whether this build supports MPS: teachgrad has no MPS kernels."""
    return False
