"""Drawing a trace's frames to pictures, here or in worker processes side by side.

Workers are forked (they inherit the scene and the frames) and draw into a ring of
shared-memory slots, so pictures are not copied through pipes; a slot is drawn into
again only after the picture in it has been used, so memory stays flat however many
frames there are.

Examples
--------
>>> import nodenet as nn
>>> from nodenet.render import Scene
>>> net = nn.layered([2, 1], seed=0)
>>> tracer = nn.Tracer(net, detail="step")
>>> _ = net.train([[0, 1]], [[1]], epochs=3, lr=0.5, tracer=tracer)
>>> [p.shape for p in pictures(tracer.frames, Scene.from_tracer(tracer), (640, 480))]
[(480, 640, 3), (480, 640, 3), (480, 640, 3)]
"""

import collections
import multiprocessing
import os
import signal
from multiprocessing import shared_memory

import numpy as np

from .checks import check_count
from .render import Canvas

__all__ = ["pictures", "MAX_WORKERS", "PARALLEL_FROM"]

MAX_WORKERS = 4
PARALLEL_FROM = 48      # frames; fewer are drawn faster than workers start
IN_FLIGHT = 3           # frames queued per worker
_job = _canvas = None   # what a forked worker draws, and its canvas


def pictures(frames, scene, size, workers=None):
    """Yield the picture of each frame, in order, as an (height, width, 3) uint8 array.

    A picture drawn by a worker is a view of shared memory, valid until the next one is
    asked for: use or copy it first. ``workers`` defaults to one per core, at most 4;
    short traces, and machines that cannot fork, are drawn here.
    """
    if workers is None:
        workers = min(os.cpu_count() or 1, MAX_WORKERS)
    check_count(workers, "workers")
    if workers == 1 or len(frames) < PARALLEL_FROM or "fork" not in multiprocessing.get_all_start_methods():
        canvas = Canvas(scene, size=size)
        for frame in frames:
            yield canvas.rgb(frame)
        return
    yield from _drawn_by_workers(frames, scene, size, workers)


def _drawn_by_workers(frames, scene, size, workers):
    global _job
    shape = (size[1], size[0], 3)
    slots = IN_FLIGHT * workers
    memory = shared_memory.SharedMemory(create=True, size=slots * int(np.prod(shape)))
    try:
        ring = np.ndarray((slots, *shape), dtype=np.uint8, buffer=memory.buf)
        _job = (scene, frames, size, ring)
        with multiprocessing.get_context("fork").Pool(workers, initializer=_ignore_interrupts) as pool:
            pending = collections.deque()
            for index in range(len(frames)):
                if len(pending) == slots:
                    yield ring[pending.popleft().get()]
                pending.append(pool.apply_async(_draw, (index, index % slots)))
            while pending:
                yield ring[pending.popleft().get()]
        del ring
    finally:
        _job = None
        memory.close()
        memory.unlink()


def _ignore_interrupts():
    signal.signal(signal.SIGINT, signal.SIG_IGN)    # the main process stops the pool


def _draw(index, slot):
    # the canvas is made on the first frame, not in the pool's initializer: a failure
    # there would make the pool start new workers forever instead of raising
    global _canvas
    scene, frames, size, ring = _job
    if _canvas is None:
        _canvas = Canvas(scene, size=size)
    ring[slot] = _canvas.rgb(frames[index])
    return slot
