"""The models `teachgrad train` can build: written as a user would write them with teachgrad.nn."""

from __future__ import annotations

import teachgrad.nn as nn

MODELS = ("linear", "mlp", "cnn")


class MLP(nn.Module):
    """`layers` hidden layers of `hidden` units with ReLU, then a linear layer to the classes."""

    def __init__(self, inputs: int, hidden: int, layers: int, classes: int) -> None:
        super().__init__()
        sizes = [inputs] + [hidden] * layers
        body = []
        for fan_in, fan_out in zip(sizes, sizes[1:]):
            body += [nn.Linear(fan_in, fan_out), nn.ReLU()]
        self.body = nn.Sequential(nn.Flatten(), *body)
        self.head = nn.Linear(sizes[-1], classes)

    def forward(self, x):
        return self.head(self.body(x))


class CNN(nn.Module):
    """conv(1->8) - ReLU - maxpool - conv(8->16) - ReLU - maxpool - linear, for 1-channel images."""

    def __init__(self, channels: int, size: int, classes: int) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(channels, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.classifier = nn.Linear(16 * (size // 4) ** 2, classes)

    def forward(self, x):
        return self.classifier(self.features(x).flatten(1))


def build_model(name: str, input_shape: tuple, classes: int, hidden: int, layers: int) -> nn.Module:
    """A fresh model for inputs of `input_shape` (one sample, no batch dim)."""
    inputs = 1
    for size in input_shape:
        inputs *= size
    if name == "linear":
        return nn.Sequential(nn.Flatten(), nn.Linear(inputs, classes))
    if name == "mlp":
        return MLP(inputs, hidden, layers, classes)
    if len(input_shape) != 3:
        raise ValueError(f"the cnn model needs image inputs (channels, height, width), got inputs of shape {input_shape}")
    return CNN(input_shape[0], input_shape[-1], classes)


def describe_model(name: str, hidden: int, layers: int) -> str:
    """The model in a few words for titles and help: `mlp 2x32` (layers x units), `cnn`, `linear`."""
    return f"mlp {layers}x{hidden}" if name == "mlp" else name
