"""The tracer: records every operation in order and cuts frames at a chosen detail.

Details, from slow motion to overview: ``"op"`` (a frame after every event), ``"phase"``
(at the end of every forward, loss, backward and update phase), ``"step"`` (after every
weight update) and ``"epoch"`` (after every pass over the data). A frame is a frozen
snapshot of every neuron's and link's numbers, with ``changes``: the links whose weight
changed since the previous frame, and by how much.

Examples
--------
>>> import nodenet as nn
>>> net = nn.layered([1, 1], activation="linear", bias=False, seed=0)
>>> net.link("i1", "o1").weight = 1.0
>>> tracer = nn.Tracer(net, detail="step")
>>> _ = net.train([[1.0]], [[0.0]], epochs=2, lr=0.5, tracer=tracer)
>>> [frame.changes for frame in tracer.frames]
[{('i1', 'o1'): -0.5}, {('i1', 'o1'): -0.25}]
>>> print(tracer.events[0].text)
net_o1 = 1 * 1 = 1; out_o1 = linear(net_o1) = linear(1) = 1
"""

import json
from dataclasses import dataclass, field

import numpy as np

from .atomic import atomic_write
from .checks import check_choice, check_count
from .errors import DataError, SettingError, UnknownNameError
from .history import link_id_of
from .network import Network
from .events import loss_event, number, pull_event, push_event, update_event

__all__ = ["Tracer", "Frame", "snapshot", "DETAILS", "FORMAT", "VERSION"]

DETAILS = ("op", "phase", "step", "epoch")
FORMAT = "nodenet-frames"
VERSION = 1
NEURON_FIELDS = ("net", "out", "error", "delta")
LINK_FIELDS = ("weight", "velocity", "grad")
_LAST = object()        # a frame's loss: the last one taken


@dataclass(frozen=True)
class Frame:
    """A picture-worthy moment: the numbers to draw, what is in focus, what changed.

    ``neurons`` maps "net", "out", "error", "delta" to read-only arrays in the order of
    ``neuron_names``; ``links`` maps "weight", "velocity", "grad" to arrays in the order
    of ``link_ids``. ``changes`` maps each link whose weight changed since the previous
    frame to its dw (the sum of the dw of its updates since then), ``relative`` to
    dw / |weight before| (None where that weight was 0).
    ``focus`` is the event's neuron or link (op frames), else None.

    Examples
    --------
    >>> import nodenet as nn
    >>> frame = snapshot(nn.layered([2, 1], seed=0))
    >>> frame.value("b1"), frame.weight("b1->o1"), frame.changes
    (1.0, 0.0, {})
    """

    index: int
    detail: str
    phase: str
    step: int
    epoch: int
    focus: object
    caption: str
    loss: object
    neuron_names: tuple = field(repr=False)
    link_ids: tuple = field(repr=False)
    neurons: dict = field(repr=False)
    links: dict = field(repr=False)
    changes: dict = field(repr=False)
    relative: dict = field(repr=False)
    events: tuple = field(repr=False)

    def value(self, neuron, name="out"):
        """A neuron's ``name`` ("net", "out", "error" or "delta") in this frame."""
        if name not in self.neurons or neuron not in self.neuron_names:
            raise UnknownNameError(f"no {name!r} of neuron {neuron!r} in this frame: neurons are "
                                   f"{', '.join(self.neuron_names)}; values are {', '.join(self.neurons)}")
        return float(self.neurons[name][self.neuron_names.index(neuron)])

    def weight(self, link):
        """A link's weight in this frame; ``link`` is (src, dst), "src->dst" or a Link."""
        link_id = link_id_of(link)
        if link_id not in self.link_ids:
            raise UnknownNameError(f"no link {link_id[0]}->{link_id[1]} in this frame")
        return float(self.links["weight"][self.link_ids.index(link_id)])

    def to_dict(self):
        """The frame as plain JSON-ready data (see the frames.json schema in the README)."""
        focus = list(self.focus) if isinstance(self.focus, tuple) else self.focus
        return {
            "index": self.index, "phase": self.phase, "step": self.step, "epoch": self.epoch,
            "focus": focus, "caption": self.caption, "loss": self.loss,
            "neurons": {key: values.tolist() for key, values in self.neurons.items()},
            "links": {key: values.tolist() for key, values in self.links.items()},
            "changes": [{"src": src, "dst": dst, "dw": dw, "relative": self.relative[(src, dst)]}
                        for (src, dst), dw in self.changes.items()],
            "events": [event.to_dict() for event in self.events],
        }


class Tracer:
    """Watches one network through its ``observer`` hook; keeps events and frames.

    Parameters
    ----------
    network : Network
        The network to watch.
    detail : {"op", "phase", "step", "epoch"}
        When to cut a frame.
    every : int
        At detail "step" or "epoch": cut a frame at every ``every``-th one only (the 1st,
        the ``1 + every``-th, ...); its ``changes`` add up everything since the last frame.

    Pass the tracer to ``net.train(..., tracer=tracer)``, or use it as a context manager
    around ``forward``, ``backward`` and ``update``. Steps and epochs are counted from 1.

    Examples
    --------
    >>> import nodenet as nn
    >>> net = nn.layered([1, 1], activation="linear", bias=False, seed=0)
    >>> with Tracer(net, detail="op") as tracer:
    ...     _ = net.forward([2.0])
    >>> [(event.kind, event.target) for event in tracer.events], len(tracer.frames)
    ([('push', 'o1')], 1)
    """

    def __init__(self, network, detail="step", every=1):
        if not isinstance(network, Network):
            raise SettingError(f"a Tracer watches a Network, got {network!r}")
        self.detail = check_choice(detail, DETAILS, "detail")
        check_count(every, "every")
        self.every = every
        if every > 1 and self.detail not in ("step", "epoch"):
            raise SettingError(f"every={every} thins frames at detail 'step' or 'epoch', not {detail!r}: "
                               "use every=1 or another detail")
        self.network = network
        self.events = []
        self.frames = []
        self.step = 1
        self.epoch = 1
        self.neuron_names = tuple(neuron.name for neuron in network.neurons)
        self.link_ids = network.link_ids
        self._weights = network.state.weight.copy()
        self._dw = np.zeros(len(self.link_ids))
        self._since_frame = []
        self._phase = None
        self._loss = self._epoch_loss = None
        self._ended = {"step": 0, "epoch": 0}     # the events when the last step and epoch ended
        self._keep()

    # -- attaching ----------------------------------------------------------------------

    def __enter__(self):
        if self.network.observer not in (None, self):
            raise SettingError("another tracer is watching this network: leave its block first")
        network = self.network
        if (tuple(n.name for n in network.neurons) != self.neuron_names
                or network.link_ids != self.link_ids):
            raise SettingError("the network has changed since this tracer was made: make a new Tracer(net)")
        self.network.observer = self
        return self

    def __exit__(self, *exc_info):
        self._end_phase()
        self.network.observer = None

    # -- the hook -------------------------------------------------------------------------

    def __call__(self, kind, target=None, **values):
        """Called by the engine: ``kind`` is an event kind, "phase", "step" or "epoch"."""
        getattr(self, "_on_" + kind)(target, **values)

    def _on_phase(self, target, name):
        if self._phase is not None and name != self._phase:
            self._end_phase()
        self._phase = name

    def _on_push(self, neuron):
        self._add(push_event(neuron, self.step, self.epoch))

    def _on_loss(self, target, outputs, targets):
        names = [neuron.name for neuron in self.network.outputs]
        event = loss_event(self.network.loss, names, outputs, targets, self.step, self.epoch)
        self._loss = event.values["value"]
        self._add(event)

    def _on_pull(self, neuron, loss_error):
        self._add(pull_event(neuron, float(loss_error), self.step, self.epoch))

    def _on_update(self, link, weight, velocity, lr, momentum):
        self._dw[link.index] += link.velocity
        self._add(update_event(link, weight, velocity, lr, momentum, self.step, self.epoch))

    def _on_step(self, target, loss):
        self._end_phase()
        self._loss = self._step_loss = _known(loss)
        if self.detail == "step" and (self.step - 1) % self.every == 0:
            self._cut("update", None, f"step {self.step}: loss {number(self._loss)}")
        self.step += 1
        self._ended["step"] = len(self.events)
        self._keep()

    def _on_rollback(self, target=None):
        # the network undid a failed step: so does the tracer
        events, frames, since_frame, self._dw, self._weights, self._loss = self._kept
        del self.events[events:], self.frames[frames:], self._since_frame[since_frame:]
        self._dw, self._weights = self._dw.copy(), self._weights.copy()
        self._phase = None

    def _keep(self):
        self._kept = (len(self.events), len(self.frames), len(self._since_frame), self._dw.copy(),
                      self._weights.copy(), self._loss)

    def _on_epoch(self, target, loss):
        # kept apart from the last step's loss, which the next epoch's first frames show
        self._epoch_loss = _known(loss)
        if self.detail == "epoch" and (self.epoch - 1) % self.every == 0:
            # the epoch's last step has been counted already
            self._cut("update", None, f"epoch {self.epoch}: mean loss {number(loss)}", step=self.step - 1,
                      loss=self._epoch_loss)
        self.epoch += 1
        self._ended["epoch"] = len(self.events)
        self._keep()

    def finish(self):
        """Cut a frame of the last step or epoch if ``every`` skipped it, so a thinned trace ends where training did.

        Examples
        --------
        >>> import nodenet as nn
        >>> net = nn.layered([1, 1], seed=0)
        >>> tracer = nn.Tracer(net, detail="epoch", every=3)
        >>> _ = net.train([[1.0]], [[0.0]], epochs=5, lr=0.1, tracer=tracer)
        >>> tracer.finish()
        >>> [frame.epoch for frame in tracer.frames]
        [1, 4, 5]
        """
        if self.detail not in ("step", "epoch") or not self.events or len(self.events) != self._ended[self.detail]:
            return      # nothing traced, or the network has gone on past its last whole step or epoch
        last = (self.step if self.detail == "step" else self.epoch) - 1
        if last >= 1 and (not self.frames or getattr(self.frames[-1], self.detail) != last):
            if self.detail == "step":
                caption, epoch = f"step {last}: loss {number(self._step_loss)}", self.events[-1].epoch
                loss = self._step_loss
            else:
                caption, epoch, loss = f"epoch {last}: mean loss {number(self._epoch_loss)}", last, self._epoch_loss
            self._cut("update", None, caption, step=self.step - 1, epoch=epoch, loss=loss)

    def _add(self, event):
        self.events.append(event)
        self._since_frame.append(event)
        if self.detail == "op":
            self._cut(event.phase, event.target, event.text)

    def _end_phase(self):
        if self.detail == "phase" and self._phase is not None and self._since_frame:
            self._cut(self._phase, None, _phase_caption(self._phase, self._since_frame))
        self._phase = None

    # -- frames ---------------------------------------------------------------------------

    def _cut(self, phase, focus, caption, step=None, epoch=None, loss=_LAST):
        """Add a frame of the network now; its loss is the last one taken unless ``loss`` is given."""
        state = self.network.state
        weights = state.weight.copy()
        moved = np.flatnonzero(weights != self._weights)
        # a link changed by its updates moved by their dw; one set by hand, by the difference
        dw = np.where(self._dw != 0, self._dw, weights - self._weights)
        changes = {self.link_ids[j]: float(dw[j]) for j in moved}
        relative = {self.link_ids[j]: (float(dw[j] / abs(self._weights[j])) if self._weights[j] else None)
                    for j in moved}
        frame = Frame(len(self.frames), self.detail, phase, step or self.step, epoch or self.epoch, focus, caption,
                      self._loss if loss is _LAST else loss, self.neuron_names, self.link_ids,
                      _frozen_copies(state, NEURON_FIELDS), _frozen_copies(state, LINK_FIELDS),
                      changes, relative, tuple(self._since_frame))
        self.frames.append(frame)
        self._weights = weights
        self._dw[:] = 0.0
        self._since_frame = []

    def save_json(self, path):
        """Write every frame's data to ``path`` as JSON (schema in the README), atomically.

        Examples
        --------
        >>> import json, pathlib, tempfile, nodenet as nn
        >>> net = nn.layered([1, 1], seed=0)
        >>> tracer = nn.Tracer(net, detail="step")
        >>> _ = net.train([[1.0]], [[0.0]], epochs=3, lr=0.5, tracer=tracer)
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "frames.json"
        >>> tracer.save_json(path)
        >>> data = json.loads(path.read_text())
        >>> data["format"], data["version"], len(data["frames"])
        ('nodenet-frames', 1, 3)
        """
        try:
            text = json.dumps(self.to_dict(), allow_nan=False)
        except ValueError:
            raise DataError("cannot save frames holding NaN or infinity: training diverged; "
                            "save the frames before the step that went bad") from None
        with atomic_write(path) as handle:
            handle.write(text)

    def export(self, path, format=None, **options):
        """Draw the frames and write them to ``path``; see :func:`nodenet.export.export`.

        Examples
        --------
        >>> import pathlib, tempfile, nodenet as nn
        >>> net = nn.layered([2, 1], seed=0)
        >>> tracer = nn.Tracer(net, detail="step")
        >>> _ = net.train([[0, 1]], [[1]], epochs=3, lr=0.5, tracer=tracer)
        >>> tracer.export(pathlib.Path(tempfile.mkdtemp()) / "anim.gif", quiet=True).suffix
        '.gif'
        """
        from .export import export     # drawing is imported only when asked for
        return export(self, path, format, **options)

    def _repr_html_(self):
        if not self.frames:
            return f"<pre>{self!r}</pre>"
        from .export import html_player
        return html_player(self)

    def to_dict(self):
        """The tracer's frames as plain JSON-ready data."""
        network = self.network
        return {
            "format": FORMAT, "version": VERSION, "detail": self.detail, "loss": network.loss.name,
            "neurons": [_describe(network.neuron(name)) for name in self.neuron_names],
            "links": [{"src": src, "dst": dst, "frozen": network.link(src, dst).frozen}
                      for src, dst in self.link_ids],
            "frames": [frame.to_dict() for frame in self.frames],
        }

    def __repr__(self):
        """How much is traced: events, frames, and the steps and epochs finished.

        Examples
        --------
        >>> import nodenet as nn
        >>> net = nn.layered([2, 1], seed=0)
        >>> tracer = nn.Tracer(net, detail="step")
        >>> _ = net.train([[0, 1]], [[1]], epochs=1, lr=0.5, tracer=tracer)
        >>> tracer
        Tracer(detail='step', 6 events, 1 frames, 1 steps and 1 epochs done)
        """
        return (f"Tracer(detail={self.detail!r}, {len(self.events)} events, {len(self.frames)} frames, "
                f"{self.step - 1} steps and {self.epoch - 1} epochs done)")


def snapshot(network, caption=None):
    """A frame of ``network`` as it is now: every number, no changes, detail "state".

    Examples
    --------
    >>> import nodenet as nn
    >>> frame = snapshot(nn.layered([2, 1], seed=0))
    >>> frame.caption, frame.weight(("b1", "o1"))
    ('the network after 0 steps', 0.0)
    """
    if not isinstance(network, Network):
        raise SettingError(f"snapshot needs a Network, got {network!r}")
    if caption is not None and not isinstance(caption, str):
        raise SettingError(f"caption must be text, got {caption!r}")
    steps = network.history.step_count
    loss = _known(float(network.history.loss[-1])) if len(network.history) else None
    return Frame(0, "state", "forward", steps, 0, None, caption or f"the network after {steps} steps", loss,
                 tuple(n.name for n in network.neurons), tuple(link.id for link in network.links),
                 _frozen_copies(network.state, NEURON_FIELDS), _frozen_copies(network.state, LINK_FIELDS),
                 {}, {}, ())


def _known(loss):
    """None for a loss that is not known (update() without a backward pass records NaN)."""
    return None if loss is None or loss != loss else loss


def _frozen_copies(state, fields):
    copies = {}
    for name in fields:
        copies[name] = getattr(state, name).copy()
        copies[name].flags.writeable = False
    return copies


def _describe(neuron):
    described = {"name": neuron.name, "kind": neuron.kind}
    if neuron.computing:
        described.update(activation=neuron.activation.name, output=neuron.output)
    return described


def _phase_caption(phase, events):
    if phase == "loss":
        return events[-1].text
    targets = [event.target for event in events if event.phase == phase]
    names = [t if isinstance(t, str) else f"{t[0]}->{t[1]}" for t in targets]
    listed = ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
    verb = {"forward": "pushed", "backward": "pulled", "update": "updated"}[phase]
    return f"{phase}: {listed} {verb}"


