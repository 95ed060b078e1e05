"""Dead ReLU: which weights are adjusted in a step? In a ReLU net some links never move.

A ReLU neuron whose net is negative for every sample outputs 0 and has derivative 0, so
no error passes through it: its downlinks get grad 0 (delta is 0) and its uplink gets grad
0 (its out is 0). Here h3 starts with a bias of -3 and inputs in [0, 1], so it never
wakes up. The frames glow amber only on links that changed; the changes heatmap
(changes.png) shows the dead neuron's links as empty rows, and the run prints them.
"""

import numpy as np

import nodenet as nn


def network(seed):
    """2 inputs, 4 ReLU hidden neurons (h3 starts dead), 1 linear output, mse."""
    net = nn.layered([2, 4, 1], activation="relu", output_activation="linear", loss="mse", seed=seed)
    net.link("b1", "h3").weight = -3.0
    return net


def data(seed):
    """Twelve points in the unit square; the target is x1 + 2 x2."""
    inputs = np.random.default_rng(seed).uniform(0, 1, size=(12, 2))
    return inputs, inputs @ np.array([[1.0], [2.0]])


def report(run):
    """The changes heatmap, and the links that never moved."""
    nn.plots.changes(run.network.history, run.file("changes.png"))
    dead = run.network.history.unchanged()
    return ["links that never changed: " + (", ".join(f"{s}->{d}" for s, d in dead) or "none")]


scenario = nn.Scenario(network, data, epochs=100, lr=0.05, detail="step", trace_epochs=2,
                       formats=("gif", "html"), fps=4, report=report)

if __name__ == "__main__":
    scenario.main()
