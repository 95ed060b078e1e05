"""Orders: the phased and the wave order of one online step give the same numbers; a mistaken order does not.

Phased: all pushes, the loss, all pulls, then all updates. Wave: each neuron's uplinks
update right after it pulls; this is safe, because a link is read backwards only by its
source's pull, which has already happened. The mistaken order updates each neuron's
downlinks right after it pulls, so w5..w8 change before the hidden neurons pull through
them: on the worked example it gives the widely printed 0.291027924 instead of
0.291027774. The frames follow the wave order; phased.gif follows the phased order;
orders.txt holds the three side by side.
"""

import nodenet as nn
from nodenet.events import number

from mazur import INPUTS, LR, TARGETS, WEIGHTS, build       # the worked example, beside this file


def mistaken_step(net):
    """Forward, then each neuron's downlinks update as soon as it has pulled."""
    def update_downlinks(neuron):
        for link in neuron.downlinks:
            link.compute_grad()
            link.update(LR)
    net.forward(INPUTS)
    net.backward(TARGETS, then=update_downlinks)


def table():
    """Rows of (quantity, phased, wave, mistaken) after one step on the worked example."""
    nets = {order: build() for order in ("phased", "wave", "mistaken")}
    nets["phased"].step(INPUTS, TARGETS, lr=LR, order="phased")
    nets["wave"].step(INPUTS, TARGETS, lr=LR, order="wave")
    mistaken_step(nets["mistaken"])
    rows = [(f"w{i}", *(net.link(*link).weight for net in nets.values())) for i, link in enumerate(WEIGHTS, 1)]
    rows.append(("E_total after", *(net.evaluate([INPUTS], [TARGETS]) for net in nets.values())))
    return rows


def report(run):
    """orders.txt with the three orders side by side, and phased.gif."""
    lines = [f"{'':<15}{'phased':>14}{'wave':>14}{'mistaken':>14}"]
    lines += [f"{name:<15}" + "".join(f"{number(value):>14}" for value in values) for name, *values in table()]
    run.file("orders.txt").write_text("\n".join(lines) + "\n")
    net = build()
    tracer = nn.Tracer(net, detail="op")
    net.train([INPUTS], [TARGETS], epochs=1, lr=LR, order="phased", tracer=tracer)
    tracer.export(run.file("phased.gif"), fps=run.settings["fps"], quiet=True)
    return lines


scenario = nn.Scenario(build, ([INPUTS], [TARGETS]), epochs=1, lr=LR, order="wave", shuffle=False,
                       detail="op", formats=("gif", "html"), fps=2, report=report)

if __name__ == "__main__":
    scenario.main()
