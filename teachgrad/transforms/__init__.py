"""Image transforms with torchvision's names: `teachgrad.transforms` replaces `torchvision.transforms`."""

from teachgrad.transforms import functional
from teachgrad.transforms.functional import InterpolationMode
from teachgrad.transforms.transforms import (
    CenterCrop,
    ColorJitter,
    Compose,
    FiveCrop,
    GaussianBlur,
    Grayscale,
    Lambda,
    Normalize,
    Pad,
    PILToTensor,
    RandomAffine,
    RandomApply,
    RandomChoice,
    RandomCrop,
    RandomErasing,
    RandomGrayscale,
    RandomHorizontalFlip,
    RandomOrder,
    RandomPerspective,
    RandomResizedCrop,
    RandomRotation,
    RandomTransforms,
    RandomVerticalFlip,
    Resize,
    TenCrop,
    ToPILImage,
    ToTensor,
)

__all__ = [
    "CenterCrop", "ColorJitter", "Compose", "FiveCrop", "GaussianBlur", "Grayscale", "InterpolationMode", "Lambda",
    "Normalize", "Pad", "PILToTensor", "RandomAffine", "RandomApply", "RandomChoice", "RandomCrop", "RandomErasing",
    "RandomGrayscale", "RandomHorizontalFlip", "RandomOrder", "RandomPerspective", "RandomResizedCrop",
    "RandomRotation", "RandomTransforms", "RandomVerticalFlip", "Resize", "TenCrop", "ToPILImage", "ToTensor",
    "functional",
]
