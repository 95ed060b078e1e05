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
    """One operation: its kind, phase, step and epoch (from 1), target and numbers.

    ``target`` is a neuron name (push, pull), a link id ``(src, dst)`` (update) or None
    (loss). ``text``, the formula with the numbers filled in, is written from ``values``
    when it is read, so recording an event costs no formatting.
    """

    kind: str
    step: int
    epoch: int
    target: object
    values: dict = field(repr=False)

    @property
    def phase(self):
        """"forward", "loss", "backward" or "update"."""
        return PHASES[self.kind]

    @property
    def text(self):
        """The operation's formula with its numbers filled in, written from ``values``."""
        return _TEXTS[self.kind](self.target, self.values)

    def to_dict(self):
        """The event as plain JSON-ready data."""
        target = list(self.target) if isinstance(self.target, tuple) else self.target
        return {"kind": self.kind, "phase": self.phase, "step": self.step, "epoch": self.epoch,
                "target": target, "values": self.values, "text": self.text}


def push_event(neuron, step, epoch):
    """The event of ``neuron``'s push, read from the neuron after it pushed."""
    terms = [{"src": link.src.name, "weight": link.weight, "out": link.src.out} for link in neuron.downlinks]
    values = {"activation": neuron.activation.name, "net": neuron.net, "out": neuron.out, "terms": terms}
    return Event("push", step, epoch, neuron.name, values)


def loss_event(loss, names, outputs, targets, step, epoch):
    """The event of taking ``loss`` of the outputs ``names`` against their targets."""
    terms = [float(t) for t in loss.terms(outputs, targets)]
    values = {"loss": loss.name, "value": sum(terms), "terms": dict(zip(names, terms)),
              "outputs": [float(o) for o in outputs], "targets": [float(t) for t in targets]}
    return Event("loss", step, epoch, None, values)


def pull_event(neuron, loss_error, step, epoch):
    """The event of ``neuron``'s pull, read from the neuron right after it pulled."""
    uplinks = [{"dst": link.dst.name, "weight": link.weight, "delta": link.dst.delta} for link in neuron.uplinks]
    values = {"activation": neuron.activation.name, "error": neuron.error, "delta": neuron.delta,
              "derivative": float(neuron.activation.derivative(neuron.net, neuron.out)),
              "loss_error": loss_error if neuron.output else None, "uplinks": uplinks,
              "blame": {up["dst"]: up["weight"] * up["delta"] for up in uplinks}}
    return Event("pull", step, epoch, neuron.name, values)


def update_event(link, weight, velocity, lr, momentum, step, epoch):
    """The event of ``link``'s update, given its weight and velocity before the update."""
    values = {"grad": link.grad, "velocity": velocity, "dw": link.velocity, "weight_before": weight,
              "weight_after": link.weight, "lr": lr, "momentum": momentum}
    return Event("update", step, epoch, link.id, values)


def _push_text(name, v):
    f, net = v["activation"], number(v["net"])
    terms = _sum_text(f"{number(t['weight'])} * {number(t['out'])}" for t in v["terms"])
    return f"net_{name} = {terms} = {net}; out_{name} = {f}(net_{name}) = {f}({net}) = {number(v['out'])}"


def _loss_text(target, v):
    names = " + ".join(f"E_{name}" for name in v["terms"])
    terms = _sum_text(number(term) for term in v["terms"].values())
    return f"E = {names} = {terms} = {number(v['value'])} ({v['loss']})"


def _pull_text(name, v):
    output = v["loss_error"] is not None
    parts = ([f"dE/dout_{name}"] if output else []) + [
        f"{number(up['weight'])} * {number(up['delta'])}" for up in v["uplinks"]]
    loss_part = f" (dE/dout_{name} = {number(v['loss_error'])})" if output and v["uplinks"] else ""
    error = number(v["error"])
    return (f"error_{name} = {_sum_text(parts)} = {error}{loss_part}; "
            f"delta_{name} = error_{name} * {v['activation']}'(net_{name}) = {error} * "
            f"{number(v['derivative'])} = {number(v['delta'])}")


def _update_text(link, v):
    name, dw = f"{link[0]}->{link[1]}", v["dw"]
    text = (f"dw({name}) = -{number(v['lr'])} * {number(v['grad'])} + {number(v['momentum'])} * "
            f"{number(v['velocity'])} = {number(dw)}; "
            f"w({name}) = {number(v['weight_before'])} {_plus(dw)} = {number(v['weight_after'])}")
    if v["grad"] == 0 and dw != 0:
        return text + " (grad is 0: moved by momentum alone)"
    if dw == 0:
        return text + " (unchanged: grad and velocity are 0)"
    return text


_TEXTS = {"push": _push_text, "loss": _loss_text, "pull": _pull_text, "update": _update_text}


def _sum_text(parts):
    parts = list(parts)
    if not parts:
        return "0"
    shown = " + ".join(parts[:MAX_TERMS])
    return shown + (f" + ... ({len(parts) - MAX_TERMS} more terms)" if len(parts) > MAX_TERMS else "")


def number(value):
    """A number as events print it: 9 significant digits below 1, 9 decimals from 1 up to 1e9.

    Examples
    --------
    >>> number(0.0821670406), number(1.1059059670), number(-2.5), number(None), number(6.8e294)
    ('0.0821670406', '1.105905967', '-2.5', 'n/a', '6.8e+294')
    """
    if value is None:
        return "n/a"
    value = float(value) + 0.0      # -0.0 prints as 0
    if abs(value) < 1 or abs(value) >= 1e9 or not math.isfinite(value):
        return format(value, ".9g")
    return f"{value:.9f}".rstrip("0").rstrip(".")


def _plus(value):
    return f"- {number(-value)}" if value < 0 else f"+ {number(value)}"
