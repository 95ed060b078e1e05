"""Momentum: the same net and data trained with momentum 0, 0.5 and 0.9, side by side.

Classical momentum adds a share of each link's last change to its next one:
dw = -lr * grad + momentum * velocity. With 0.9 the steps build up speed along a
consistent slope, and may overshoot; with 0 every step follows the current gradient
alone. momentum.png shows the loss of the three runs and the path of one link's weight;
the frames follow the run with the scenario's own momentum (0.9, or --momentum).
"""

import nodenet as nn

X, Y = nn.datasets.truth_table("xor")
LINK = ("h1", "o1")
MOMENTA = (0.0, 0.5, 0.9)


def network(seed):
    """A 2-3-1 sigmoid net for XOR."""
    return nn.layered([2, 3, 1], activation="sigmoid", loss="half_sse", seed=seed)


def report(run):
    """Train once per momentum with the run's other settings; plot them together."""
    settings = run.settings
    histories, lines = {}, []
    for momentum in MOMENTA:
        net = network(settings["seed"])
        losses = net.train(X, Y, epochs=settings["epochs"], lr=settings["lr"], momentum=momentum,
                           batch_size=settings["batch_size"], shuffle=settings["shuffle"])
        histories[f"momentum {momentum}"] = net.history
        lines.append(f"momentum {momentum}: mean loss of the last epoch {losses[-1]:.6g}")
    nn.plots.compare(histories, run.file("momentum.png"), link=LINK)
    return lines


scenario = nn.Scenario(network, (X, Y), epochs=400, lr=0.3, momentum=0.9, detail="epoch", every=10,
                       formats=("gif", "html"), fps=8, report=report)

if __name__ == "__main__":
    scenario.main()
