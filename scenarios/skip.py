"""Skip links: a DAG whose output o1 also feeds o2, and links that jump over a layer.

Not every network comes in layers. Here i2 feeds o2 directly, h1 feeds both outputs,
and o1 is an output and also a source of o2. In the backward phase o1 pulls its error
from the loss and from o2 through its uplink o1->o2; skip links are drawn as arcs above
the columns so they do not hide behind other links. Each frame is one phase.
"""

import numpy as np

import nodenet as nn


def network(seed):
    """Inputs i1, i2; hidden h1; outputs o1 (also feeding o2) and o2; one bias."""
    net = nn.Network(loss="half_sse", seed=seed)
    net.add_input("i1")
    net.add_input("i2")
    net.add_bias("b")
    net.add_neuron("h1", activation="tanh")
    net.add_neuron("o1", activation="sigmoid", output=True)
    net.add_neuron("o2", activation="sigmoid", output=True)
    for src, dst in [("i1", "h1"), ("i2", "h1"), ("b", "h1"), ("i1", "o1"), ("h1", "o1"), ("b", "o1"),
                     ("o1", "o2"), ("h1", "o2"), ("i2", "o2"), ("b", "o2")]:
        net.connect(src, dst)
    return net


def data(seed):
    """Eight points: o1 learns "x1 > x2", o2 learns "x2 > 0.5"."""
    rng = np.random.default_rng(seed)
    inputs = rng.uniform(0, 1, size=(8, 2))
    return inputs, np.column_stack([inputs[:, 0] > inputs[:, 1], inputs[:, 1] > 0.5]).astype(float)


scenario = nn.Scenario(network, data, epochs=400, lr=0.5, momentum=0.5, detail="phase", trace_epochs=1,
                       formats=("gif", "html"), fps=2)

if __name__ == "__main__":
    scenario.main()
