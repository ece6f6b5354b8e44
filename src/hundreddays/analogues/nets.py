"""The networks of the galaxy-distance days: a fully connected net (the log's "model with only
linear layers", ReLU between them) and the day 43-44 CNN whose first two linear layers map the
band fluxes back to a "spectrum" that a ResNet-like 1-D convolutional stack reads."""

from __future__ import annotations

from torch import nn


def mlp(n_in: int, hidden: int, n_out: int) -> nn.Sequential:
    """Linear(n_in, hidden) - ReLU - Linear(hidden, hidden) - ReLU - Linear(hidden, n_out)."""
    return nn.Sequential(nn.Linear(n_in, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                         nn.Linear(hidden, n_out))


class ResBlock1d(nn.Module):
    """x -> relu(x + conv(relu(conv(x)))), two same-length convolutions of kernel 5."""

    def __init__(self, channels: int):
        super().__init__()
        self.conv1 = nn.Conv1d(channels, channels, 5, padding=2)
        self.conv2 = nn.Conv1d(channels, channels, 5, padding=2)

    def forward(self, x):
        return nn.functional.relu(x + self.conv2(nn.functional.relu(self.conv1(x))))


class SpectrumCNN(nn.Module):
    """Fluxes -> Linear(width) - ReLU - Linear(length) = a 1-D "spectrum" -> conv stem ->
    `blocks` x (residual block, max-pool 2) -> Linear to `n_out`."""

    def __init__(self, n_in: int, width: int, length: int, channels: int, blocks: int,
                 n_out: int):
        super().__init__()
        if length % 2**blocks:
            raise ValueError(f"galaxy_analogues: cnn spectrum_length {length} must be divisible "
                             f"by 2**blocks = {2**blocks}")
        self.to_spectrum = nn.Sequential(nn.Linear(n_in, width), nn.ReLU(),
                                         nn.Linear(width, length))
        self.stem = nn.Conv1d(1, channels, 7, padding=3)
        self.blocks = nn.Sequential(*[nn.Sequential(ResBlock1d(channels), nn.MaxPool1d(2))
                                      for _ in range(blocks)])
        self.head = nn.Linear(channels * (length // 2**blocks), n_out)

    def forward(self, x):
        spectrum = self.to_spectrum(x).unsqueeze(1)
        h = self.blocks(nn.functional.relu(self.stem(spectrum)))
        return self.head(h.flatten(1))


def n_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def last_linear(model: nn.Module) -> nn.Linear:
    """The output layer (the last nn.Linear) of `model`."""
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    if not linears:
        raise ValueError("model has no nn.Linear layer")
    return linears[-1]
