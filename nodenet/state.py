"""The numbers of a network, kept in flat float64 arrays.

Each neuron owns one slot of ``net``, ``out``, ``error`` and ``delta``; each link one slot
of ``weight``, ``grad`` and ``velocity``, a ``frozen`` flag, and the indices of the
neurons it joins (``src`` and ``dst``). The objects read and write their own slot, so the
node-by-node schedule reads like the textbook, while a schedule that works on whole
arrays runs over the same numbers without copying them.

Examples
--------
>>> state = State()
>>> state.add_neuron(), state.add_neuron()
(0, 1)
>>> state.add_link(0, 1, weight=0.5, frozen=False)
0
>>> state.weight, state.dst
(array([0.5]), array([1]))
"""

import ctypes
import functools
import math
import mmap
import sys
from contextlib import contextmanager

import numpy as np

from .checks import as_number
from .errors import DataError

__all__ = ["State", "Slot", "grown", "prefaulted", "unset"]

NEURON_FIELDS = ("net", "out", "error", "delta")
LINK_FIELDS = ("weight", "grad", "velocity")
# what a link is besides its numbers: whether it is frozen, and the neurons it joins
LINK_TRAITS = ("frozen", "src", "dst")
# unset arrays at least this large come from plain pages (see unset)
PLAIN_PAGES_FROM = 1 << 20
# madvise's advice to supply pages now, as a write would, without writing (Linux 5.14 on)
MADV_POPULATE_WRITE = 23
# the pages asked for in one call, so that a prefault stops soon when asked to
PREFAULT_CHUNK = 1 << 20
# prefaulting less than this saves little or nothing: starting the thread takes 0.03 to
# 0.13 ms, and the 64 pages of 256 KiB wait about 0.17 ms in all when written
PREFAULT_FROM = 256 << 10
# train() asks for the pages of as many epochs' history at once as take this much (or of
# one epoch, if it takes more): enough that small epochs share one thread, little enough
# that a run which stops early holds few pages it never wrote
PREFAULT_AHEAD = 256 << 20


class State:
    """Flat arrays for the neurons' and links' numbers, grown as the network grows."""

    def __init__(self):
        self._capacity = {"neuron": 0, "link": 0}
        self.n_neurons = 0
        self.n_links = 0
        for field in NEURON_FIELDS + LINK_FIELDS:
            setattr(self, "_" + field, np.zeros(0))
        self._frozen = np.zeros(0, dtype=bool)
        self._src, self._dst = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        self._bind_views()

    def add_neuron(self):
        """Make room for one more neuron; return its index."""
        self._grow("neuron", NEURON_FIELDS, self.n_neurons + 1)
        self.n_neurons += 1
        self._bind_views()
        return self.n_neurons - 1

    def add_link(self, src, dst, weight, frozen):
        """Make room for one more link, from neuron ``src`` to ``dst``, with this weight; return its index."""
        self._grow("link", LINK_FIELDS + LINK_TRAITS, self.n_links + 1)
        self.n_links += 1
        self._bind_views()
        index = self.n_links - 1
        self.weight[index], self.frozen[index] = weight, frozen
        self.src[index], self.dst[index] = src, dst
        return index

    def links_by(self, end):
        """Each neuron's links, by the neuron at their ``end`` ("src" or "dst"): pointers and link indices.

        Neuron n's links are ``links[pointers[n]:pointers[n + 1]]``, in the order they were
        made, which is the order the neuron holds them in.

        Examples
        --------
        >>> state = State()
        >>> neurons = [state.add_neuron() for _ in range(3)]
        >>> links = state.add_link(0, 2, 0.5, False), state.add_link(1, 2, 0.5, False)
        >>> [array.tolist() for array in state.links_by("dst")]
        [[0, 0, 0, 2], [0, 1]]
        """
        ends = getattr(self, end)           # signed: numpy before 2.2.4 counts no unsigned integers
        pointers = np.zeros(self.n_neurons + 1, dtype=np.int64)
        np.cumsum(np.bincount(ends, minlength=self.n_neurons), out=pointers[1:])
        return pointers, np.argsort(ends, kind="stable")

    def snapshot(self):
        """Return a copy of every array, for :meth:`restore`."""
        return {field: getattr(self, field).copy() for field in NEURON_FIELDS + LINK_FIELDS + ("frozen",)}

    def restore(self, snapshot):
        """Put back the numbers of a :meth:`snapshot` of this state."""
        for field, values in snapshot.items():
            getattr(self, field)[...] = values

    def _grow(self, kind, fields, size):
        if size <= self._capacity[kind]:
            return
        capacity = max(8, 2 * size)
        for field in fields:
            setattr(self, "_" + field, grown(getattr(self, "_" + field), capacity))
        self._capacity[kind] = capacity

    def _bind_views(self):
        for field in NEURON_FIELDS:
            setattr(self, field, getattr(self, "_" + field)[: self.n_neurons])
        for field in LINK_FIELDS + LINK_TRAITS:
            setattr(self, field, getattr(self, "_" + field)[: self.n_links])


def grown(array, rows, zero=True):
    """A copy of ``array`` with ``rows`` rows, the new ones zero (or, with ``zero=False``, unset).

    Unset rows cost nothing until written: use them for rows that are always written
    before they are read. Large unset arrays come from :func:`unset`.

    Examples
    --------
    >>> grown(np.array([1.0, 2.0]), 4)
    array([1., 2., 0., 0.])
    >>> grown(np.array([1.0, 2.0]), 4, zero=False)[:2]
    array([1., 2.])
    """
    shape = (rows, *array.shape[1:])
    bigger = np.zeros(shape, dtype=array.dtype) if zero else unset(shape, array.dtype)
    kept = min(len(array), rows)
    bigger[:kept] = array[:kept]
    return bigger


def unset(shape, dtype=float):
    """A new array whose values are unset, in memory taken from the system in plain pages.

    numpy asks the system to back a large array with huge pages. On a machine whose free
    memory is fragmented, the first write to such an array waits while the system
    gathers 2 MiB pieces, which can make writing a fresh history several times slower
    than writing plain pages. This asks for plain pages (an anonymous private mapping)
    wherever the system offers them; elsewhere, and for arrays under 1 MiB, it is
    ``np.empty``.

    Raises MemoryError, as ``np.empty`` does, when the system has not that much memory.

    Examples
    --------
    >>> rows = unset((1000, 200))
    >>> rows[:] = 1.0
    >>> rows.shape, float(rows.sum()), unset(3).shape
    ((1000, 200), 200000.0, (3,))
    """
    dtype = np.dtype(dtype)
    shape = (shape,) if np.ndim(shape) == 0 else tuple(shape)
    nbytes = math.prod(shape) * dtype.itemsize
    if nbytes < PLAIN_PAGES_FROM or not hasattr(mmap, "MAP_ANONYMOUS"):
        return np.empty(shape, dtype=dtype)
    try:
        pages = mmap.mmap(-1, nbytes, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    except OSError as err:
        raise MemoryError(f"cannot allocate {nbytes / 2**30:.3g} GiB for an array of shape {shape} "
                          f"and type {dtype}: {err.strerror}") from None
    return np.frombuffer(pages, dtype=dtype).reshape(shape)


@contextmanager
def prefaulted(arrays):
    """Have the system supply the pages under ``arrays`` while the block writes them.

    The first write to a page of new memory waits while the system finds and clears the
    page, which makes writing a fresh history several times slower than writing memory
    in use. For 256 KiB or more in all, a second thread asks the system for the pages,
    1 MiB of each array in turn, while the block runs, so that the waits fall on another
    processor. It is a thread of the system's own running compiled code
    (:func:`nodenet.kernels.supply_pages`), not a Python thread: it starts in 0.03 to
    0.13 ms and never waits for the GIL. It has ended when the block is left. Under 256
    KiB starting it would save little or nothing.

    It never changes a value. Use it on memory, not on a file mapping: pages asked for
    as if to be written are marked changed.

    It does nothing where the system cannot supply pages ahead (before Linux 5.14, or
    another system), or where no thread can be started: then the pages come as they
    are written.

    Examples
    --------
    >>> rows = unset((10000, 400))
    >>> with prefaulted([rows[:6000]]):
    ...     rows[:] = 1.0
    >>> float(rows.sum())
    4000000.0
    """
    madvise, pthread = _madvise(), _pthread()      # looked up once, by the first training
    supplier = None
    if madvise is not None and pthread is not None and sum(array.nbytes for array in arrays) >= PREFAULT_FROM:
        supplier = _Supplier(madvise, pthread, arrays)
    try:
        if supplier is not None:
            supplier.start()    # in the try: once started, the thread is always stopped and joined
        yield
    finally:
        if supplier is not None:
            supplier.stop()


class _Supplier:
    """A thread of the system's own asking for the pages under ``arrays`` with ``madvise``, until stopped."""

    # the suppliers whose thread may be running: what a thread reads (its job and the
    # madvise it calls) stays alive until it has been joined, even if a Ctrl-C cuts stop() short
    unjoined = set()

    def __init__(self, madvise, pthread, arrays):
        chunks = [number for chunk in _chunks(arrays, PREFAULT_CHUNK) for number in chunk]
        self.job = np.array([0, len(chunks) // 2, ctypes.cast(madvise, ctypes.c_void_p).value, MADV_POPULATE_WRITE,
                             *chunks], dtype=np.int64)      # see supply_pages
        self.madvise, (self._create, self._join) = madvise, pthread
        self.thread = ctypes.c_ulong(0)     # the thread's id once it runs, else 0

    def start(self):
        """Start the thread; where the system has none to spare, the pages come as they are written."""
        from .kernels import supply_pages
        _Supplier.unjoined.add(self)
        if self._create(ctypes.byref(self.thread), None, supply_pages.address, self.job.ctypes.data):
            self.thread.value = 0
            _Supplier.unjoined.discard(self)

    def stop(self):
        """Tell the thread to stop after the call it is in, and wait until it has ended."""
        self.job[0] = 1
        if self.thread.value:
            self._join(self.thread, None)       # ctypes lets go of the GIL meanwhile
            self.thread.value = 0
        _Supplier.unjoined.discard(self)


@functools.cache
def _libc():
    """The C library, opened once, on Linux; else None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


@functools.cache
def _pthread():
    """The C library's pthread_create and pthread_join, or None where there are none."""
    libc = _libc()
    if libc is None or not hasattr(libc, "pthread_create") or not hasattr(libc, "pthread_join"):
        return None
    create, join = libc.pthread_create, libc.pthread_join
    create.argtypes = [ctypes.POINTER(ctypes.c_ulong), ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
    join.argtypes = [ctypes.c_ulong, ctypes.c_void_p]
    return create, join


@functools.cache
def _madvise():
    """The C library's madvise, where it supplies pages ahead; else None."""
    libc = _libc()
    if libc is None or not hasattr(libc, "madvise"):
        return None
    madvise = libc.madvise
    madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    madvise.restype = ctypes.c_int
    return madvise if _supplies_ahead(madvise) else None


def _supplies_ahead(madvise):
    """Whether ``madvise`` supplies a new page when asked to (Linux 5.14 and later do)."""
    page = mmap.mmap(-1, mmap.PAGESIZE, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    address = ctypes.addressof(ctypes.c_char.from_buffer(page))    # the buffer is let go at once
    supplied = madvise(address, mmap.PAGESIZE, MADV_POPULATE_WRITE) == 0
    page.close()
    return supplied


def _chunks(arrays, size):
    """(start, length) of the pages under contiguous ``arrays``, ``size`` bytes of each in turn.

    A start is rounded down to its page, as madvise needs.
    """
    ends = [(array.ctypes.data, array.ctypes.data + array.nbytes) for array in arrays if array.nbytes]
    for offset in range(0, max((end - start for start, end in ends), default=0), size):
        for start, end in ends:
            first = start + offset
            if first < end:
                page = first - first % mmap.PAGESIZE
                yield page, min(first + size, end) - page


class Slot:
    """A number of a neuron or link, stored in its network's state arrays.

    The owner has ``_state`` and ``index``; reading gives a Python float.
    """

    def __set_name__(self, owner, name):
        self.field = name

    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        return float(getattr(obj._state, self.field)[obj.index])

    def __set__(self, obj, value):
        if not isinstance(value, float):        # the engine's own values are floats: no checks
            value = self.checked(obj, value)
        getattr(obj._state, self.field)[obj.index] = value

    def checked(self, obj, value):
        """``value`` as a float, or raise DataError if it is not a real number."""
        number = as_number(value)
        if number is None:
            raise DataError(f"{self.field} of {obj!r} must be a real number, got {value!r}")
        return number
