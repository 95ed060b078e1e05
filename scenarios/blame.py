"""Blame: in a 2-3-2 net each u (hidden->output) serves one output's error, each w (input->hidden) serves both.

The hidden-to-output links are often called u, the input-to-hidden links w. A link u
from h to o1 only ever carries o1's error back: its grad is delta_o1 * out_h. A link w
into h serves both outputs at once, because h's error gathers the blame of both of its
uplinks: error_h = u(h->o1) * delta_o1 + u(h->o2) * delta_o2. The frames show one online
step per sample, operation by operation; the printed lines spell out the sums.
"""

import nodenet as nn
from nodenet.events import number

X = [[0.05, 0.10], [0.90, 0.20]]
Y = [[0.01, 0.99], [0.99, 0.01]]
HIDDEN = ("h1", "h2", "h3")


def network(seed):
    """Inputs i1, i2; sigmoid hidden h1..h3 and outputs o1, o2; a bias for each layer."""
    return nn.layered([2, 3, 2], activation="sigmoid", loss="half_sse", seed=seed)


def report(run):
    """Who serves whom, with the numbers of the first sample on a fresh network."""
    net = network(run.settings["seed"])
    net.forward(X[0])
    net.backward(Y[0])
    lines = ["u links (hidden->output) serve one output each: grad = delta of that output * out of h"]
    for h in HIDDEN:
        for link in net.neuron(h).uplinks:
            lines.append(f"  {h}->{link.dst.name}: grad = {number(link.dst.delta)} * {number(link.src.out)}"
                         f" = {number(link.grad)}")
    lines.append("w links (input->hidden) serve both outputs: error_h gathers the blame of o1 and o2")
    for h in HIDDEN:
        neuron = net.neuron(h)
        blames = " + ".join(f"{number(link.blame)} (from {link.dst.name})" for link in neuron.uplinks)
        lines.append(f"  error_{h} = {blames} = {number(neuron.error)}; "
                     f"grad of i1->{h} = delta_{h} * out_i1 = {number(net.link('i1', h).grad)}")
    return lines


scenario = nn.Scenario(network, (X, Y), epochs=200, lr=0.5, shuffle=False, detail="op", trace_epochs=1,
                       formats=("gif", "html"), fps=2, report=report)

if __name__ == "__main__":
    scenario.main()
