"""The decision boundary: a network's output over the plane of its two inputs.

For a network with two inputs and one output, :class:`Boundary` holds the samples and a
grid over the plane they span, and gives the output at every grid point for any set of
link weights, such as a frame's. Frames draw it beside the network, as the browser
playgrounds do.

Examples
--------
>>> import nodenet as nn
>>> net = nn.layered([2, 2, 1], seed=0)
>>> boundary = Boundary.of(net, [[0, 0], [1, 1]], [[0], [1]], resolution=5)
>>> boundary.values(net.state.weight).shape
(5, 5)
"""

from dataclasses import dataclass

import numpy as np

from .errors import SettingError

__all__ = ["Boundary"]

MARGIN = 0.15   # of the samples' span, around them


@dataclass(frozen=True)
class Boundary:
    """Samples of a two-input, one-output network and a grid over their plane."""

    network: object
    inputs: np.ndarray
    targets: np.ndarray
    extent: tuple      # left, right, bottom, top
    grid: np.ndarray   # (resolution ** 2, 2), rows from the bottom
    resolution: int

    @classmethod
    def of(cls, network, inputs, targets, resolution=64):
        """The boundary of ``network`` over the plane of the samples ``inputs``, ``targets``."""
        if len(network.inputs) != 2 or len(network.outputs) != 1:
            raise SettingError(f"a decision boundary needs a network with 2 inputs and 1 output, this one has "
                               f"{len(network.inputs)} and {len(network.outputs)}: leave the boundary out")
        inputs, targets = network.check_samples(inputs, targets)
        low, high = inputs.min(axis=0), inputs.max(axis=0)
        pad = MARGIN * np.maximum(high - low, 1e-9)
        low, high = low - pad, high + pad
        xs, ys = (np.linspace(a, b, resolution) for a, b in zip(low, high))
        grid = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
        return cls(network, inputs, targets[:, 0], (low[0], high[0], low[1], high[1]), grid, resolution)

    def values(self, weights):
        """The output at every grid point for these link weights, as a (rows, columns) array."""
        return self.network.predict(self.grid, weights=weights).reshape(self.resolution, self.resolution)

    @property
    def value_range(self):
        """The span of the targets, which the colours of the output run over."""
        low, high = float(self.targets.min()), float(self.targets.max())
        return (low, high) if high > low else (low - 1.0, high + 1.0)
