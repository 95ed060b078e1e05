"""Playground: a 2-8-8-1 tanh net classifies 2-D points, with its decision boundary in every frame.

As in the browser playgrounds: points of two classes in the plane (the datasets circle,
xor, gauss and spiral of nodenet.datasets), two hidden layers of tanh neurons, a sigmoid
output trained with bce in mini-batches of 10 with momentum. Each frame is an epoch; the
boundary beside the network shows the output over the plane. Change DATASET below to
try another; spiral needs many more epochs.
"""

import nodenet as nn

DATASET = "circle"      # or "xor", "gauss", "spiral"


def data(seed):
    """100 points of DATASET with a little noise; the seed also draws the points."""
    return nn.datasets.make(DATASET, n=100, noise=0.05, seed=seed)


def network(seed):
    """Two hidden layers of 8 tanh neurons, a sigmoid output, Glorot-uniform weights."""
    return nn.layered([2, 8, 8, 1], activation="tanh", output_activation="sigmoid", loss="bce", seed=seed)


scenario = nn.Scenario(network, data, epochs=60, lr=0.03, momentum=0.9, batch_size=10,
                       detail="epoch", boundary=True, formats=("gif", "html"), fps=8)

if __name__ == "__main__":
    scenario.main()
