"""A PyTorch-style program runs unchanged with teachgrad in place of torch and gives PyTorch's numbers.

The program: a one-hidden-layer network with a regression head (squared error) and a
classification head (log_softmax + negative log-likelihood picked by advanced indexing), an L2
penalty, trained for 8 steps with hand-written SGD under no_grad. It uses broadcasting (the
bias), matmul, softmax/log_softmax, indexing with integer tensors, reductions, argmax and
in-place updates.

The expected numbers were produced by running `train` with `T = torch` (PyTorch 2.13, float32,
CPU) from the same initial weights, and written here as literals; torch is not needed to run this.
"""

from __future__ import annotations

import numpy as np

import teachgrad

X_ROWS = [[0.5, -1.2, 0.3], [1.5, 0.2, -0.7], [-0.3, 0.8, 1.1], [0.9, -0.4, -1.3], [-1.1, 1.6, 0.4], [0.2, 0.1, -0.2]]
Y_ROWS = [[1.0], [-0.5], [0.7], [-1.2], [1.4], [0.1]]
LABELS = [0, 2, 1, 1, 0, 2]
W1_INIT = [[0.2, -0.1, 0.4, 0.05], [-0.3, 0.25, 0.1, -0.2], [0.15, 0.3, -0.25, 0.1]]
B1_INIT = [0.01, -0.02, 0.03, 0.0]
W2_INIT = [[0.3], [-0.2], [0.5], [0.1]]
B2_INIT = [0.05]
W3_INIT = [[0.1, -0.2, 0.3], [0.0, 0.2, -0.1], [-0.3, 0.1, 0.2], [0.25, -0.15, 0.05]]

# PyTorch 2.13's results --------------------------------------------------------------------------------
TORCH_PREDICTIONS_BEFORE_TRAINING = [0.11888464, 0.20782629, -0.022498157, 0.19005544, -0.064325735, 0.076436087]
TORCH_MSE_AND_NLL_BEFORE_TRAINING = (0.97940755, 1.0495452)
TORCH_FIRST_GRADIENTS = {
    "W1": [[0.030076049, -0.051085453, 0.1296429, 0.028778264], [-0.012278936, 0.057286881, -0.066098318, -0.028929647],
           [-0.061825898, 0.048878942, -0.15043588, -0.02280391]],
    "b1": [-0.023850743, 0.041747499, 0.041513801, -0.035095118],
    "W2": [[0.022799328], [-0.19972005], [0.21621701], [0.008443919]],
    "b2": [-0.33120716],
    "W3": [[0.0081155077, -0.0062828278, -0.0014326825], [-0.023339052, 0.0079364832, 0.015602566],
           [0.041886859, -0.0071720202, -0.034714844], [-0.00036161777, -0.0035749129, 0.0042365333]],
}
TORCH_LOSSES = [1.5055877, 1.4065031, 1.3610479, 1.3325018, 1.3100976, 1.2874391, 1.2607344, 1.2278506]
TORCH_ACCURACIES = [0.5, 0.5, 0.5, 0.66666669, 0.66666669, 0.33333334, 0.33333334, 0.33333334]
TORCH_FINAL_WEIGHTS = {
    "W1": [[0.048544727, -0.2085785, 0.16865897, -0.1322825], [-0.28425831, 0.31255904, 0.26806429, -0.12099992],
           [0.411394, 0.36967635, 0.028335564, 0.26474896]],
    "b1": [-0.0010046628, -0.0019596471, -0.1283199, 0.024231229],
    "W2": [[0.39751604], [0.41082001], [0.16329226], [0.21883915]],
    "b2": [0.24160582],
    "W3": [[0.10689192, -0.1818386, 0.2733523], [0.098237507, 0.18080346, -0.17983817],
           [-0.39438739, 0.10521425, 0.28917313], [0.28794035, -0.14316967, 0.0040335292]],
}
FLOAT32 = dict(rtol=1e-5, atol=1e-6)


# the program, written exactly as for PyTorch (T is the module) ---------------------------------------------


def initial_parameters(T):
    return {
        "W1": T.tensor(W1_INIT, requires_grad=True), "b1": T.tensor(B1_INIT, requires_grad=True),
        "W2": T.tensor(W2_INIT, requires_grad=True), "b2": T.tensor(B2_INIT, requires_grad=True),
        "W3": T.tensor(W3_INIT, requires_grad=True),
    }


def forward(T, p, X, Y, labels):
    """Return (loss, mse, nll, predictions, log_probs)."""
    h = T.tanh(X @ p["W1"] + p["b1"])
    attention = T.softmax(h, dim=1)
    pred = (h * attention) @ p["W2"] + p["b2"]
    mse = ((pred - Y) ** 2).mean()
    log_probs = T.log_softmax(h @ p["W3"], dim=1)
    nll = -log_probs[T.arange(6), labels].mean()
    l2 = 1e-3 * ((p["W1"] * p["W1"]).sum() + (p["W3"] * p["W3"]).sum() + (p["W2"] ** 2).sum())
    return mse + 0.5 * nll + l2, mse, nll, pred, log_probs


def train(T, steps=8, lr=0.5):
    X, Y, labels = T.tensor(X_ROWS), T.tensor(Y_ROWS), T.tensor(LABELS)
    p = initial_parameters(T)
    losses, accuracies = [], []
    for _ in range(steps):
        loss, _, _, _, log_probs = forward(T, p, X, Y, labels)
        loss.backward()
        with T.no_grad():
            for w in p.values():
                w -= lr * w.grad
                w.grad.zero_()
        losses.append(loss.item())
        accuracies.append((log_probs.argmax(dim=1) == labels).float().mean().item())
    return losses, accuracies, p


# the checks -------------------------------------------------------------------------------------------------


def test_forward_pass_gives_pytorchs_predictions_and_losses() -> None:
    T = teachgrad
    _, mse, nll, pred, _ = forward(T, initial_parameters(T), T.tensor(X_ROWS), T.tensor(Y_ROWS), T.tensor(LABELS))
    np.testing.assert_allclose(pred.detach().numpy().reshape(-1), TORCH_PREDICTIONS_BEFORE_TRAINING, **FLOAT32)
    np.testing.assert_allclose([mse.item(), nll.item()], TORCH_MSE_AND_NLL_BEFORE_TRAINING, **FLOAT32)


def test_first_backward_gives_pytorchs_gradients() -> None:
    T = teachgrad
    p = initial_parameters(T)
    loss, *_ = forward(T, p, T.tensor(X_ROWS), T.tensor(Y_ROWS), T.tensor(LABELS))
    loss.backward()
    for name, expected in TORCH_FIRST_GRADIENTS.items():
        np.testing.assert_allclose(p[name].grad.numpy(), expected, err_msg=name, **FLOAT32)


def test_training_gives_pytorchs_losses_and_accuracies() -> None:
    losses, accuracies, _ = train(teachgrad)
    np.testing.assert_allclose(losses, TORCH_LOSSES, **FLOAT32)
    np.testing.assert_allclose(accuracies, TORCH_ACCURACIES, **FLOAT32)


def test_training_gives_pytorchs_final_weights() -> None:
    _, _, p = train(teachgrad)
    for name, expected in TORCH_FINAL_WEIGHTS.items():
        assert p[name].is_leaf and p[name].requires_grad and p[name].dtype is teachgrad.float32
        np.testing.assert_allclose(p[name].detach().numpy(), expected, err_msg=name, **FLOAT32)
