"""Train a tiny multilayer perceptron made only of `Scalar`s on a 2-D toy problem.

This is micrograd's classic demo, written with teachgrad's scalar engine: every weight is a
`Scalar`, every neuron computes `tanh(w . x + b)` one multiplication at a time, and one call to
`loss.backward()` fills every weight's `.grad`. Plain stochastic gradient descent then moves each
weight a small step against its gradient.

The data is two blobs of 2-D points drawn with numpy from a fixed seed, labelled -1 and +1,
that overlap a little. The loss is the mean hinge loss `max(0, 1 - y * score)`, so a
point counts as classified when the sign of the score matches its label.

Run it with `python examples/scalar_mlp.py`; it prints the loss as training goes and returns
(from `main`) the final accuracy on the training points.
"""

from __future__ import annotations

import numpy as np

from teachgrad import Scalar


def make_blobs(n_points: int = 50, spread: float = 0.6, seed: int = 0) -> tuple[list, list]:
    """Return `n_points` 2-D points from two Gaussian blobs, and their labels -1.0 / +1.0.

    The first half is drawn around (-1, -0.5) with label -1, the second half around (1, 0.5)
    with label +1; `spread` is the standard deviation, so the blobs overlap a little.
    """
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    for i in range(n_points):
        label = -1.0 if i < n_points // 2 else 1.0
        centre_x, centre_y = (-1.0, -0.5) if label < 0 else (1.0, 0.5)
        dx, dy = rng.normal(0.0, spread, size=2)
        xs.append([centre_x + float(dx), centre_y + float(dy)])
        ys.append(label)
    return xs, ys


class Neuron:
    """One unit: `tanh(w . x + b)`, or just `w . x + b` when `linear`."""

    def __init__(self, n_inputs: int, rng: np.random.Generator, linear: bool = False) -> None:
        self.w = [Scalar(rng.uniform(-1.0, 1.0), requires_grad=True) for _ in range(n_inputs)]
        self.b = Scalar(0.0, requires_grad=True)
        self.linear = linear

    def __call__(self, x: list) -> Scalar:
        activation = self.b
        for w_i, x_i in zip(self.w, x):
            activation = activation + w_i * x_i
        return activation if self.linear else activation.tanh()

    def parameters(self) -> list[Scalar]:
        return self.w + [self.b]


class Layer:
    """`n_outputs` neurons that all read the same inputs."""

    def __init__(self, n_inputs: int, n_outputs: int, rng: np.random.Generator, linear: bool = False) -> None:
        self.neurons = [Neuron(n_inputs, rng, linear) for _ in range(n_outputs)]

    def __call__(self, x: list) -> list[Scalar]:
        return [neuron(x) for neuron in self.neurons]

    def parameters(self) -> list[Scalar]:
        return [p for neuron in self.neurons for p in neuron.parameters()]


class MLP:
    """Layers applied one after another; the last layer is linear and has one output."""

    def __init__(self, n_inputs: int, hidden_sizes: list[int], rng: np.random.Generator) -> None:
        sizes = [n_inputs] + hidden_sizes
        self.layers = [Layer(sizes[i], sizes[i + 1], rng) for i in range(len(hidden_sizes))]
        self.layers.append(Layer(sizes[-1], 1, rng, linear=True))

    def __call__(self, x: list) -> Scalar:
        for layer in self.layers:
            x = layer(x)
        return x[0]

    def parameters(self) -> list[Scalar]:
        return [p for layer in self.layers for p in layer.parameters()]


def hinge_loss(model: MLP, xs: list, ys: list) -> Scalar:
    """Mean of `max(0, 1 - y * score)` over the points."""
    total = Scalar(0.0)
    for x, y in zip(xs, ys):
        total = total + (1.0 - y * model(x)).relu()
    return total / len(xs)


def accuracy(model: MLP, xs: list, ys: list) -> float:
    """Fraction of points whose score has the sign of their label."""
    correct = sum(1 for x, y in zip(xs, ys) if (model(x).data > 0) == (y > 0))
    return correct / len(xs)


def train(model: MLP, xs: list, ys: list, steps: int, lr: float = 0.5, print_every: int = 0) -> list[float]:
    """Run `steps` steps of gradient descent on the hinge loss; return the loss before each step."""
    parameters = model.parameters()
    losses = []
    for step in range(steps):
        loss = hinge_loss(model, xs, ys)
        for p in parameters:
            p.grad = None              # forget the previous step's gradient (they accumulate)
        loss.backward()
        for p in parameters:
            p.data -= lr * p.grad      # the SGD update: a small step downhill
        losses.append(loss.data)
        if print_every and (step % print_every == 0 or step == steps - 1):
            print(f"step {step:4d}  loss {loss.data:.4f}")
    return losses


def main(steps: int = 30, seed: int = 0, lr: float = 0.5, print_every: int = 5) -> float:
    """Train a 2-4-4-1 MLP on 50 two-blob points; print the loss; return the final accuracy."""
    xs, ys = make_blobs(n_points=50, spread=0.6, seed=seed)
    model = MLP(2, [4, 4], np.random.default_rng(seed))
    train(model, xs, ys, steps, lr, print_every)
    result = accuracy(model, xs, ys)
    if print_every:
        print(f"accuracy {result:.2f} after {steps} steps")
    return result


if __name__ == "__main__":
    main()
