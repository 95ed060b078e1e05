"""Events: one operation of the engine, with its numbers and its formula filled in.

Four kinds, in the order the engine does them: a neuron's ``push`` (net, out), the
``loss`` (one term per output), a neuron's ``pull`` (error, delta and the blame
``weight * dst.delta`` of each uplink) and a link's ``update`` (grad, old velocity, dw,
weight before and after). Numbers in texts have 9 significant digits.

Examples
--------
>>> import nodenet as nn
>>> net = nn.layered([1, 1], activation="sigmoid", bias=False, seed=0)
>>> net.link("i1", "o1").weight = 0.5
>>> _ = net.forward([1.0])
>>> print(push_event(net.neuron("o1"), step=1, epoch=1).text)
net_o1 = 0.5 * 1 = 0.5; out_o1 = sigmoid(net_o1) = sigmoid(0.5) = 0.622459331
"""

import math
from dataclasses import dataclass, field

__all__ = ["Event", "PHASES", "push_event", "loss_event", "pull_event", "update_event", "number"]

PHASES = {"push": "forward", "loss": "loss", "pull": "backward", "update": "update"}
MAX_TERMS = 6


@dataclass(frozen=True)
class Event:
    """One operation: its kind, phase, step and epoch (from 1), target, numbers and formula.

    ``target`` is a neuron name (push, pull), a link id ``(src, dst)`` (update) or None
    (loss).
    """

    kind: str
    step: int
    epoch: int
    target: object
    values: dict = field(repr=False)
    text: str

    @property
    def phase(self):
        """"forward", "loss", "backward" or "update"."""
        return PHASES[self.kind]

    def to_dict(self):
        """The event as plain JSON-ready data."""
        target = list(self.target) if isinstance(self.target, tuple) else self.target
        return {"kind": self.kind, "phase": self.phase, "step": self.step, "epoch": self.epoch,
                "target": target, "values": self.values, "text": self.text}


def push_event(neuron, step, epoch):
    """The event of ``neuron``'s push, read from the neuron after it pushed."""
    terms = [(link.src.name, link.weight, link.src.out) for link in neuron.downlinks]
    sum_text = _sum_text(f"{number(w)} * {number(out)}" for _, w, out in terms)
    f = neuron.activation.name
    text = (f"net_{neuron.name} = {sum_text} = {number(neuron.net)}; "
            f"out_{neuron.name} = {f}(net_{neuron.name}) = {f}({number(neuron.net)}) = {number(neuron.out)}")
    values = {"net": neuron.net, "out": neuron.out,
              "terms": [{"src": src, "weight": w, "out": out} for src, w, out in terms]}
    return Event("push", step, epoch, neuron.name, values, text)


def loss_event(loss, names, outputs, targets, step, epoch):
    """The event of taking ``loss`` of the outputs ``names`` against their targets."""
    terms = [float(t) for t in loss.terms(outputs, targets)]
    value = sum(terms)
    per_output = " + ".join(f"E_{name}" for name in names)
    text = f"E = {per_output} = {_sum_text(number(t) for t in terms)} = {number(value)} ({loss.name})"
    values = {"loss": loss.name, "value": value, "terms": dict(zip(names, terms)),
              "outputs": [float(o) for o in outputs], "targets": [float(t) for t in targets]}
    return Event("loss", step, epoch, None, values, text)


def pull_event(neuron, loss_error, step, epoch):
    """The event of ``neuron``'s pull, read from the neuron right after it pulled."""
    blame = {link.dst.name: link.blame for link in neuron.uplinks}
    parts = ([f"dE/dout_{neuron.name}"] if neuron.output else []) + [
        f"{number(link.weight)} * {number(link.dst.delta)}" for link in neuron.uplinks]
    derivative = float(neuron.activation.derivative(neuron.net, neuron.out))
    name, f = neuron.name, neuron.activation.name
    loss_part = f" (dE/dout_{name} = {number(loss_error)})" if neuron.output and neuron.uplinks else ""
    text = (f"error_{name} = {_sum_text(parts)} = {number(neuron.error)}{loss_part}; "
            f"delta_{name} = error_{name} * {f}'(net_{name}) = {number(neuron.error)} * {number(derivative)} "
            f"= {number(neuron.delta)}")
    values = {"error": neuron.error, "delta": neuron.delta, "derivative": derivative,
              "loss_error": loss_error if neuron.output else None, "blame": blame}
    return Event("pull", step, epoch, neuron.name, values, text)


def update_event(link, weight, velocity, lr, momentum, step, epoch):
    """The event of ``link``'s update, given its weight and velocity before the update."""
    dw = link.velocity
    name = f"{link.src.name}->{link.dst.name}"
    text = (f"dw({name}) = -{number(lr)} * {number(link.grad)} + {number(momentum)} * {number(velocity)} = {number(dw)}; "
            f"w({name}) = {number(weight)} {_plus(dw)} = {number(link.weight)}")
    if link.grad == 0 and dw != 0:
        text += " (grad is 0: moved by momentum alone)"
    elif dw == 0:
        text += " (unchanged: grad and velocity are 0)"
    values = {"grad": link.grad, "velocity": velocity, "dw": dw, "weight_before": weight,
              "weight_after": link.weight, "lr": lr, "momentum": momentum}
    return Event("update", step, epoch, link.id, values, text)


def _sum_text(parts):
    parts = list(parts)
    if not parts:
        return "0"
    shown = " + ".join(parts[:MAX_TERMS])
    return shown + (f" + ... ({len(parts) - MAX_TERMS} more terms)" if len(parts) > MAX_TERMS else "")


def number(value):
    """A number as events print it: 9 significant digits below 1, 9 decimals from 1 up.

    Examples
    --------
    >>> number(0.0821670406), number(1.1059059670), number(-2.5), number(None)
    ('0.0821670406', '1.105905967', '-2.5', 'n/a')
    """
    if value is None:
        return "n/a"
    value = float(value)
    if abs(value) < 1 or not math.isfinite(value):
        return format(value, ".9g")
    return f"{value:.9f}".rstrip("0").rstrip(".")


def _plus(value):
    return f"- {number(-value)}" if value < 0 else f"+ {number(value)}"
