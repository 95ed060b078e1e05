"""The worked example: one step of backpropagation on a 2-2-2 sigmoid net, then 10,000 more.

Inputs 0.05, 0.10; targets 0.01, 0.99; half_sse loss; lr 0.5; no momentum; bias links
frozen. Prints every value of the classic step-by-step table, read from the network's
neuron and link objects, to 9 significant digits. The frames follow the first step one
operation at a time; the history follows all 10,000 steps, as the loss falls towards 0.
"""

import nodenet as nn
from nodenet.events import number

INPUTS = [0.05, 0.10]
TARGETS = [0.01, 0.99]
LR = 0.5
WEIGHTS = {  # w1..w8, then the frozen biases
    ("i1", "h1"): 0.15, ("i2", "h1"): 0.20, ("i1", "h2"): 0.25, ("i2", "h2"): 0.30,
    ("h1", "o1"): 0.40, ("h2", "o1"): 0.45, ("h1", "o2"): 0.50, ("h2", "o2"): 0.55,
}
BIASES = {("b1", "h1"): 0.35, ("b1", "h2"): 0.35, ("b2", "o1"): 0.60, ("b2", "o2"): 0.60}


def build(seed=0):
    """The worked example's network, neuron by neuron (every weight is given: the seed is unused)."""
    net = nn.Network(loss="half_sse", seed=seed)
    for name in ("i1", "i2"):
        net.add_input(name)
    for name in ("b1", "b2"):
        net.add_bias(name)
    for name in ("h1", "h2"):
        net.add_neuron(name, activation="sigmoid")
    for name in ("o1", "o2"):
        net.add_neuron(name, activation="sigmoid", output=True)
    for (src, dst), weight in WEIGHTS.items():
        net.connect(src, dst, weight=weight)
    for (src, dst), weight in BIASES.items():
        net.connect(src, dst, weight=weight, frozen=True)
    return net


def table(net):
    """One training step; return (quantity, value) rows in the order the step finds them."""
    net.forward(INPUTS)
    h1, h2, o1, o2 = (net.neuron(name) for name in ("h1", "h2", "o1", "o2"))
    rows = [("net_h1", h1.net), ("out_h1", h1.out), ("out_h2", h2.out),
            ("net_o1", o1.net), ("out_o1", o1.out), ("out_o2", o2.out)]
    rows.append(("E_total", net.backward(TARGETS)))
    rows.append(("dE/dw5", net.link("h1", "o1").grad))
    net.update(lr=LR, momentum=0.0)
    rows += [(f"w{i} after one step", net.link(*link).weight) for i, link in enumerate(WEIGHTS, start=1)]
    rows.append(("E_total after one step", net.evaluate([INPUTS], [TARGETS])))
    return rows


def report(run):
    """The table, from a fresh network: the lines to print."""
    return [f"{quantity:<24}{number(value)}" for quantity, value in table(build())]


scenario = nn.Scenario(build, ([INPUTS], [TARGETS]), epochs=10_000, lr=LR, momentum=0.0, shuffle=False,
                       detail="op", trace_epochs=1, formats=("gif", "mp4", "html", "json"), fps=2,
                       report=report)

if __name__ == "__main__":
    scenario.main()
