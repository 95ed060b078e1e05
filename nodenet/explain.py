"""One training step as text: every operation's formula with its numbers, in order.

Examples
--------
>>> import nodenet as nn
>>> net = nn.layered([1, 1], activation="linear", bias=False, seed=0)
>>> net.link("i1", "o1").weight = 3.0
>>> print(explain(net, [2.0], [5.0], lr=0.1))
one online step, phased order: lr 0.1, momentum 0
inputs: i1 = 2
targets: o1 = 5
<BLANKLINE>
forward
  o1   net_o1 = 3 * 2 = 6
       out_o1 = linear(net_o1) = linear(6) = 6
loss
       E = E_o1 = 0.5 = 0.5 (half_sse)
backward
  o1   error_o1 = dE/dout_o1 = 1
       delta_o1 = error_o1 * linear'(net_o1) = 1 * 1 = 1
update
       dw(i1->o1) = -0.1 * 2 + 0 * 0 = -0.2
       w(i1->o1) = 3 - 0.2 = 2.8
<BLANKLINE>
loss on this sample after the step: 0.18
"""

from .events import number
from .tracer import Tracer

__all__ = ["explain"]


def explain(network, inputs, targets, *, lr, momentum=0.0, order="phased"):
    """Take one online step of ``network`` on one sample; return every operation as text.

    The network is trained by the step, exactly as :meth:`Network.step` trains it.
    """
    header = [f"one online step, {order} order: lr {number(lr)}, momentum {number(momentum)}",
              "inputs: " + _pairs(network.inputs, inputs), "targets: " + _pairs(network.outputs, targets), ""]
    with Tracer(network, detail="op") as tracer:
        network.step(inputs, targets, lr=lr, momentum=momentum, order=order)
    lines, phase = [], None
    for event in tracer.events:
        if event.phase != phase:
            phase = event.phase
            lines.append(phase)
        lines += _event_lines(event)
    after = network.evaluate([inputs], [targets])
    return "\n".join(header + lines + ["", f"loss on this sample after the step: {number(after)}"])


def _event_lines(event):
    target = event.target if event.kind in ("push", "pull") else ""     # updates name their link
    first, *rest = event.text.split("; ")
    return [f"  {target:<4} {first}"] + [f"       {part}" for part in rest]


def _pairs(neurons, values):
    return ", ".join(f"{neuron.name} = {number(float(value))}" for neuron, value in zip(neurons, values))
