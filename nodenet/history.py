"""Per-link history: each link's weight, dw and grad after every recorded step, and the loss.

The arrays are numpy arrays of shape (recorded steps, links), 8 bytes per link per step
for each field. Steps are counted from 1; ``history.steps`` says which were recorded
(every step, or every k-th with ``every=k``). ``fields`` says which of weight, dw and grad
are recorded: all three by default, weight always. ``total_moved`` (the sum of |dw| over all
steps, recorded or not) answers "which links moved most" and "which never moved".

Examples
--------
>>> import nodenet as nn
>>> net = nn.layered([1, 1], activation="linear", bias=False, seed=0)
>>> net.link("i1", "o1").weight = 1.0
>>> _ = net.train([[1.0]], [[0.0]], epochs=3, lr=0.5)
>>> net.history.weights(("i1", "o1"))
array([0.5  , 0.25 , 0.125])
>>> net.history.loss
array([0.5    , 0.125  , 0.03125])
"""

import csv
import difflib
import io
import math
import zipfile
import zlib

import numpy as np

from .atomic import atomic_write
from .checks import as_path, check_count, check_name
from .errors import FileAccessError, FileFormatError, NodenetError, SettingError, UnknownNameError
from .state import grown

__all__ = ["History", "link_id_of", "link_ids_between"]

FORMAT = "nodenet-history"
MAX_BYTES = 1 << 31
HEADERS = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}
VERSION = 2
READS = (1, 2)      # version 1 has no "fields": it records all three
FIELDS = ("weight", "dw", "grad")
# the arrays of history.npz: their axes (S recorded steps, L links, F recorded fields) and
# numpy kinds; a field that is not recorded has 0 rows
SHAPES = {"format": (), "version": (), "every": (), "step_count": (), "fields": ("F",), "steps": ("S",),
          "loss": ("S",), "src": ("L",), "dst": ("L",), "initial": ("L",), "total_moved": ("L",),
          "weight": ("S", "L"), "dw": ("S", "L"), "grad": ("S", "L")}
KINDS = {"format": "U", "version": "iu", "every": "iu", "step_count": "iu", "fields": "U", "steps": "iu",
         "loss": "f", "src": "U", "dst": "U", "initial": "f", "total_moved": "f", "weight": "f", "dw": "f",
         "grad": "f"}


class History:
    """Per-link history of a network's training, recorded at the end of every step.

    Parameters
    ----------
    every : int
        Record every k-th step (``total_moved`` still counts every step).
    fields : sequence of str
        What to record of each link: "weight" (always), "dw", "grad". A history of
        weights alone takes a third of the memory and writes a third of the bytes.

    Examples
    --------
    >>> import nodenet as nn
    >>> net = nn.layered([1, 1], activation="linear", bias=False, seed=0)
    >>> net.history = History(every=2)
    >>> net.link("i1", "o1").weight = 1.0
    >>> _ = net.train([[1.0]], [[0.0]], epochs=4, lr=0.5)
    >>> net.history.steps, net.history.weights("i1->o1"), net.history.grads(("i1", "o1"))
    (array([2, 4]), array([0.25  , 0.0625]), array([0.5  , 0.125]))
    >>> net.history = History(fields=["weight"])
    >>> _ = net.train([[1.0]], [[0.0]], epochs=2, lr=0.5)
    >>> net.history.fields, net.history.array("weight").shape
    (('weight',), (2, 1))
    """

    def __init__(self, every=1, fields=FIELDS):
        check_count(every, "every")
        self.every = every
        self.fields = checked_fields(fields)
        self.clear()

    def clear(self):
        """Forget everything recorded; the next step starts a new history at step 1."""
        self._link_ids = self._ends = None
        self.step_count = 0
        self.initial = None
        self.total_moved = None
        self._size = 0
        self._steps = np.zeros(0, dtype=np.int64)
        self._loss = np.zeros(0)
        self._fields = {field: np.zeros((0, 0)) for field in FIELDS}     # a field not recorded keeps 0 rows

    def __len__(self):
        return self._size

    # -- recording ----------------------------------------------------------------------

    @property
    def link_ids(self):
        """Each recorded link's (src, dst) names, in the order of the arrays' columns; None before the start.

        A history started by a network makes this list when it is first read: training
        needs no names, and a large network's ids take longer to make than a short epoch.

        Examples
        --------
        >>> import nodenet as nn
        >>> net = nn.layered([1, 1], seed=0)
        >>> _ = net.train([[1.0]], [[0.0]], epochs=1, lr=0.5)
        >>> net.history.link_ids, History().link_ids
        ([('i1', 'o1'), ('b1', 'o1')], None)
        """
        if self._link_ids is None and self._ends is not None:
            self._link_ids = list(link_ids_between(*self._ends))
        return self._link_ids

    @link_ids.setter
    def link_ids(self, link_ids):
        self._link_ids, self._ends = (None if link_ids is None else list(map(tuple, link_ids))), None

    def start(self, link_ids, weights):
        """Begin recording links ``link_ids`` whose weights are now ``weights``."""
        self._begin(weights)
        self._link_ids = list(map(tuple, link_ids))

    def start_between(self, names, src, dst, weights):
        """Begin recording the links from neuron ``src[k]`` to ``dst[k]`` (indices into ``names``).

        The same as :meth:`start` with ``link_ids_between(names, src, dst)``, whose ids are
        made when first read.

        Examples
        --------
        >>> history = History()
        >>> history.start_between(("x", "b", "y"), [0, 1], [2, 2], [0.5, 0.0])
        >>> history.link_ids, history.records(("x", "b", "y"), [0, 1], [2, 2])
        ([('x', 'y'), ('b', 'y')], True)
        """
        self._begin(weights)
        self._ends = (tuple(names), np.array(src, dtype=np.int64), np.array(dst, dtype=np.int64))

    def _begin(self, weights):
        self.clear()
        self.initial = np.array(weights, dtype=float)
        self.total_moved = np.zeros(len(self.initial))
        self._fields = {field: np.zeros((0, len(self.initial))) for field in FIELDS}

    def records(self, names, src, dst):
        """Whether this history records the links from neuron ``src[k]`` to ``dst[k]``, in that order.

        Examples
        --------
        >>> history = History()
        >>> history.start([("x", "y")], [0.5])
        >>> history.records(["x", "y"], [0], [1]), history.records(["x", "z"], [0], [1])
        (True, False)
        >>> history.records(["y", "x"], [1], [0])          # the same link, the neurons in another order
        True
        """
        if self._ends is not None:
            known, known_src, known_dst = self._ends
            if known == tuple(names) and np.array_equal(known_src, src) and np.array_equal(known_dst, dst):
                return True     # the same ends: no names needed; else the ids decide, whatever the neurons' order
        return self.link_ids is not None and self.link_ids == list(link_ids_between(names, src, dst))

    def mark(self):
        """Where the history stands now, for :meth:`rewind`."""
        moved = None if self.total_moved is None else self.total_moved.copy()
        return self._size, self.step_count, moved

    def rewind(self, mark):
        """Forget every step recorded since :meth:`mark` gave ``mark``.

        Examples
        --------
        >>> import nodenet as nn
        >>> net = nn.layered([1, 1], seed=0)
        >>> _ = net.train([[1.0]], [[0.0]], epochs=1, lr=0.1)
        >>> mark = net.history.mark()
        >>> _ = net.train([[1.0]], [[0.0]], epochs=2, lr=0.1)
        >>> net.history.rewind(mark)
        >>> net.history.step_count, len(net.history.steps)
        (1, 1)
        """
        self._size, self.step_count, moved = mark
        if self.total_moved is not None:
            self.total_moved[:] = 0.0 if moved is None else moved

    def reserve(self, steps):
        """Make room for ``steps`` more steps, so recording does not reallocate."""
        self._grow(self._size + self._rows(steps))

    def record(self, state, loss):
        """Record the step that just ended: weights, dw (= velocity) and grads of ``state``."""
        self.step_count += 1
        dw = state.velocity
        self.total_moved += np.abs(dw)
        if self.step_count % self.every:
            return
        self._grow(self._size + 1)
        row = self._size
        for field, values in zip(FIELDS, (state.weight, dw, state.grad)):
            if field in self.fields:
                self._fields[field][row] = values
        self._steps[row] = self.step_count
        self._loss[row] = loss
        self._size += 1

    @property
    def step_nbytes(self):
        """The bytes a recorded step takes: a float per link for each field, and the step's number and loss.

        Examples
        --------
        >>> import nodenet as nn
        >>> net = nn.layered([1, 1], seed=0)        # 2 links
        >>> net._start_history()
        >>> net.history.step_nbytes, History(fields=["weight"]).step_nbytes
        (64, 16)
        """
        links = 0 if self.initial is None else len(self.initial)
        return len(self.fields) * links * self._loss.itemsize + self._steps.itemsize + self._loss.itemsize

    def buffers(self):
        """The arrays steps are recorded into, rows to spare included: weight, dw, grad, steps and loss.

        A field that is not recorded has no rows. For code that records steps itself (the
        fast path), which then calls :meth:`recorded`.

        Examples
        --------
        >>> import nodenet as nn
        >>> net = nn.layered([1, 1], seed=0)
        >>> net._start_history(); net.history.reserve(5)
        >>> [array.shape for array in net.history.buffers()]
        [(5, 2), (5, 2), (5, 2), (5,), (5,)]
        >>> net.history = History(fields=["weight", "grad"])
        >>> net._start_history(); net.history.reserve(5)
        >>> [array.shape for array in net.history.buffers()]
        [(5, 2), (0, 2), (5, 2), (5,), (5,)]
        """
        fields = self._fields
        return fields["weight"], fields["dw"], fields["grad"], self._steps, self._loss

    def room(self, steps):
        """The reserved rows the next ``steps`` steps are recorded into: a view of each array of :meth:`buffers`.

        Arrays without rows (fields not recorded) are left out.

        Examples
        --------
        >>> import nodenet as nn
        >>> net = nn.layered([1, 1], seed=0)
        >>> net.history = History(every=2, fields=["weight"])
        >>> net._start_history(); net.history.reserve(10)
        >>> [array.shape for array in net.history.room(4)]
        [(2, 2), (2,), (2,)]
        """
        stop = min(len(self._steps), self._size + self._rows(steps))
        return [array[self._size:stop] for array in self.buffers() if len(array)]

    def _rows(self, steps):
        """The rows the next ``steps`` steps are recorded into: one per step numbered a multiple of ``every``."""
        return (self.step_count + steps) // self.every - self.step_count // self.every

    def recorded(self, step_count, size):
        """Note that ``step_count`` steps have run and the first ``size`` rows of :meth:`buffers` hold records."""
        self.step_count, self._size = step_count, size

    def _grow(self, size):
        capacity = len(self._steps)
        if size <= capacity:
            return
        capacity = max(size, 2 * capacity)
        # rows past the recorded ones are written before they are read; the capacity is
        # read from _steps, so it grows last: cut short, the history only grows again
        self._fields.update({field: grown(self._fields[field], capacity, zero=False) for field in self.fields})
        self._loss = grown(self._loss, capacity, zero=False)
        self._steps = grown(self._steps, capacity, zero=False)

    # -- queries ------------------------------------------------------------------------

    @property
    def steps(self):
        """The step numbers that were recorded (counted from 1)."""
        return self._steps[: self._size]

    @property
    def loss(self):
        """The loss of each recorded step, taken before its update."""
        return self._loss[: self._size]

    def array(self, field):
        """The (recorded steps, links) array of ``field``: "weight", "dw" or "grad"."""
        if field not in FIELDS:
            raise UnknownNameError(f"unknown history field {field!r}; known fields: {', '.join(FIELDS)}")
        if field not in self.fields:
            raise SettingError(f"this history records {', '.join(self.fields)}, not {field}: to record it, "
                               f"give the network nn.History(fields={FIELDS!r}) before training")
        return self._fields[field][: self._size]

    def weights(self, link):
        """One link's weight after each recorded step; ``link`` is (src, dst), "src->dst" or a Link."""
        return self.array("weight")[:, self.column(link)]

    def dw(self, link):
        """One link's weight change in each recorded step."""
        return self.array("dw")[:, self.column(link)]

    def grads(self, link):
        """One link's gradient in each recorded step."""
        return self.array("grad")[:, self.column(link)]

    def top_changed(self, k=10):
        """The ``k`` links that moved most, as (link id, sum of |dw| over all steps), largest first.

        Examples
        --------
        >>> import nodenet as nn
        >>> net = nn.layered([2, 1], activation="linear", seed=0)
        >>> _ = net.train([[1.0, 0.0]], [[1.0]], epochs=5, lr=0.1)
        >>> [link for link, moved in net.history.top_changed(2)]
        [('i1', 'o1'), ('b1', 'o1')]
        """
        check_count(k, "k")
        if self.total_moved is None:
            return []
        order = sorted(range(len(self.link_ids)), key=lambda j: -self.total_moved[j])[:k]
        return [(self.link_ids[j], float(self.total_moved[j])) for j in order]

    def unchanged(self):
        """The links whose weight never changed in any step (frozen, or never given a gradient).

        Examples
        --------
        >>> import nodenet as nn
        >>> net = nn.layered([2, 1], activation="linear", seed=0)
        >>> _ = net.train([[1.0, 0.0]], [[1.0]], epochs=5, lr=0.1)
        >>> net.history.unchanged()
        [('i2', 'o1')]
        """
        if self.total_moved is None:
            return []
        return [link_id for link_id, moved in zip(self.link_ids, self.total_moved) if moved == 0]

    def column(self, link):
        """The column of ``link`` in the history's arrays."""
        link_id = link_id_of(link)
        if self.link_ids is not None and link_id in self.link_ids:
            return self.link_ids.index(link_id)
        known = [f"{src}->{dst}" for src, dst in self.link_ids or ()]
        close = difflib.get_close_matches(f"{link_id[0]}->{link_id[1]}", known, n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        listed = ", ".join(known[:12]) + (", ..." if len(known) > 12 else "") or "none recorded yet"
        raise UnknownNameError(f"no link {link_id[0]}->{link_id[1]} in this history{hint}; links: {listed}")

    # -- files --------------------------------------------------------------------------

    def save(self, path):
        """Write the history to ``path`` as .npz (no pickles), atomically.

        Examples
        --------
        >>> import pathlib, tempfile, nodenet as nn
        >>> net = nn.layered([1, 1], seed=0)
        >>> _ = net.train([[1.0]], [[0.0]], epochs=4, lr=0.5)
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "history.npz"
        >>> net.history.save(path)
        >>> History.load(path).loss.tolist() == net.history.loss.tolist()
        True
        """
        ids = self.link_ids or []
        arrays = {field: values[: self._size] for field, values in self._fields.items()}
        arrays.update(
            format=np.array(FORMAT), version=np.array(VERSION), every=np.array(self.every),
            fields=np.array(self.fields, dtype=str),
            step_count=np.array(self.step_count), steps=self.steps, loss=self.loss,
            src=np.array([src for src, _ in ids], dtype=str), dst=np.array([dst for _, dst in ids], dtype=str),
            initial=_or_empty(self.initial), total_moved=_or_empty(self.total_moved))
        with atomic_write(path, "wb") as handle:
            np.savez(handle, **arrays)

    @classmethod
    def load(cls, path):
        """Read a history written by :meth:`save`; raise FileFormatError for anything else."""
        path = as_path(path, "the history file")
        try:
            _check_declared_sizes(path)
            with open(path, "rb") as handle:
                data = np.load(handle, allow_pickle=False)
                if not isinstance(data, np.lib.npyio.NpzFile):
                    raise ValueError("it holds a single array, not an .npz archive")
                with data:
                    arrays = {key: data[key] for key in data.files}
        except FileNotFoundError:
            raise FileAccessError(f"no history file '{path}': check the path") from None
        except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, zlib.error) as err:
            raise FileFormatError(f"'{path}' is not a nodenet history file (.npz): {err}") from None
        try:
            return cls._from_arrays(arrays)
        except NodenetError as err:
            raise FileFormatError(f"'{path}': {err}") from None

    @classmethod
    def _from_arrays(cls, arrays):
        missing = sorted(set(SHAPES) - set(arrays) - {"fields"})
        if missing:
            raise FileFormatError(f"the arrays {', '.join(missing)} are missing: not a nodenet history file")
        for key in ("format", "version"):
            _check_shape(arrays, key, {})
        if str(arrays["format"]) != FORMAT or int(arrays["version"]) not in READS:
            raise FileFormatError(f"format {arrays['format']} version {arrays['version']} is not supported: "
                                  f"this nodenet reads {FORMAT} versions {', '.join(map(str, READS))}")
        if int(arrays["version"]) == 1:
            arrays = dict(arrays, fields=np.array(FIELDS))      # version 1 records all three
        elif "fields" not in arrays:
            raise FileFormatError("the array fields is missing: not a nodenet history file")
        sizes = {axis: arrays[key].shape[0] if arrays[key].ndim == 1 else -1
                 for axis, key in (("S", "steps"), ("L", "src"), ("F", "fields"))}
        for key in SHAPES:
            if key not in FIELDS:
                _check_shape(arrays, key, sizes)
        if "weight" not in arrays["fields"].tolist():
            raise FileFormatError(f"the array 'fields' lists {arrays['fields'].tolist()}, without weight, "
                                  "which every nodenet history records: not a nodenet history file")
        history = cls(every=int(arrays["every"]), fields=arrays["fields"].tolist())
        for field in FIELDS:                    # a field that is not recorded has no rows
            _check_shape(arrays, field, sizes if field in history.fields else dict(sizes, S=0))
        for name in arrays["src"].tolist() + arrays["dst"].tolist():
            check_name(name)
        if not sizes["L"] and not sizes["S"]:
            return history      # saved before it started
        history.start(zip(arrays["src"].tolist(), arrays["dst"].tolist()), arrays["initial"])
        history._fields = {field: arrays[field].astype(float) for field in FIELDS}
        history._steps, history._loss = arrays["steps"].astype(np.int64), arrays["loss"].astype(float)
        history._size = sizes["S"]
        history.step_count = int(arrays["step_count"])
        history.total_moved = arrays["total_moved"].astype(float)
        return history

    def to_csv(self, path):
        """Write one row per recorded step and link: step, src, dst, the recorded fields, loss.

        Floats are written exactly (shortest repr that reads back to the same number).

        Examples
        --------
        >>> import pathlib, tempfile, nodenet as nn
        >>> net = nn.layered([1, 1], activation="linear", bias=False, seed=0)
        >>> net.link("i1", "o1").weight = 1.0
        >>> _ = net.train([[1.0]], [[0.0]], epochs=2, lr=0.5)
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "h.csv"
        >>> net.history.to_csv(path)
        >>> print(path.read_text())
        step,src,dst,weight,dw,grad,loss
        1,i1,o1,0.5,-0.5,1.0,0.5
        2,i1,o1,0.25,-0.25,0.5,0.125
        <BLANKLINE>
        """
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["step", "src", "dst", *self.fields, "loss"])
        fields = [self.array(field).tolist() for field in self.fields]
        for row, (step, loss) in enumerate(zip(self.steps.tolist(), self.loss.tolist())):
            for j, (src, dst) in enumerate(self.link_ids or ()):
                writer.writerow([step, src, dst] + [repr(f[row][j]) for f in fields] + [repr(loss)])
        with atomic_write(path) as handle:
            handle.write(buffer.getvalue())

    def __repr__(self):
        links = len(self.link_ids or ())
        fields = "" if self.fields == FIELDS else f", fields={list(self.fields)}"
        return f"History({self._size} recorded steps of {self.step_count}, {links} links, every={self.every}{fields})"


def link_ids_between(names, src, dst):
    """The ids (src name, dst name) of the links from neuron ``src[k]`` to ``dst[k]``, indices into ``names``.

    Examples
    --------
    >>> link_ids_between(["i1", "b1", "o1"], [0, 1], [2, 2])
    (('i1', 'o1'), ('b1', 'o1'))
    """
    names = np.array(names, dtype=object)
    return tuple(zip(names[np.asarray(src, dtype=np.int64)].tolist(), names[np.asarray(dst, dtype=np.int64)].tolist()))


def link_id_of(link):
    """A link's id (src, dst), from (src, dst), "src->dst" or a Link.

    Examples
    --------
    >>> link_id_of("h1 -> o1")
    ('h1', 'o1')
    """
    if isinstance(link, str) and "->" in link:
        src, dst = (part.strip() for part in link.split("->", 1))
        return (src, dst)
    if hasattr(link, "src") and hasattr(link, "dst"):
        return (link.src.name, link.dst.name)
    if isinstance(link, (tuple, list)) and len(link) == 2:
        return (str(link[0]), str(link[1]))
    raise UnknownNameError(f"a link is named as ('src', 'dst'), 'src->dst' or a Link, got {link!r}")


def _check_declared_sizes(path):
    """Refuse an archive of more arrays than a history has, or more than MAX_BYTES, before reading any."""
    if not zipfile.is_zipfile(path):
        return                                  # np.load says what it is instead
    with zipfile.ZipFile(path) as archive:
        members = archive.infolist()
        if len(members) > len(SHAPES):
            raise FileFormatError(f"'{path}' holds {len(members)} arrays; a nodenet history has {len(SHAPES)}")
        total = 0
        for member in members:
            with archive.open(member) as handle:
                version = np.lib.format.read_magic(handle)
                if version not in HEADERS:
                    raise ValueError(f"the array {member.filename!r} has .npy format version {version}")
                shape, _, dtype = HEADERS[version](handle)
            total += math.prod(shape) * dtype.itemsize
        if total > MAX_BYTES:
            raise FileFormatError(f"'{path}': its arrays declare {total:,} bytes in all; nodenet reads "
                                  f"histories of at most {MAX_BYTES:,}")


def checked_fields(fields):
    """The fields a history records, in the order of FIELDS; raise unless they are known and include weight.

    Examples
    --------
    >>> checked_fields(["grad", "weight"])
    ('weight', 'grad')
    >>> checked_fields(["dw"])
    Traceback (most recent call last):
    ...
    nodenet.errors.SettingError: a history always records weight: give fields=('weight', 'dw'), got ('dw',)
    """
    names = (fields,) if isinstance(fields, str) else fields
    try:
        names = tuple(names)
    except TypeError:
        raise SettingError(f"fields must be a list of names from {', '.join(FIELDS)}, got {fields!r}") from None
    for name in names:
        if name not in FIELDS:
            raise UnknownNameError(f"unknown history field {name!r}; known fields: {', '.join(FIELDS)}")
    if "weight" not in names:
        raise SettingError(f"a history always records weight: give fields={('weight', *names)!r}, got {names!r}")
    return tuple(field for field in FIELDS if field in names)


def _check_shape(arrays, key, sizes):
    """Raise FileFormatError unless ``arrays[key]`` has the shape SHAPES gives it with these sizes, and its kind."""
    expected = tuple(sizes[axis] for axis in SHAPES[key])
    if arrays[key].shape != expected or arrays[key].dtype.kind not in KINDS[key]:
        raise FileFormatError(f"the array {key!r} has shape {arrays[key].shape} and type "
                              f"{arrays[key].dtype}, expected shape {expected} of {KINDS[key]}")


def _or_empty(values):
    return np.zeros(0) if values is None else values
