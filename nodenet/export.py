"""Exporting a tracer's frames: PNG files, GIF, MP4, a self-contained HTML player, JSON.

Formats are registered by name; the format of a path comes from its suffix (``.gif``,
``.mp4``, ``.html``, ``.json``) or, for a directory of PNG files, from ``format="png"``
or a path ending in "/". Every writer streams: it encodes each frame as it is drawn and
keeps none, so memory does not grow with the number of frames. Files are written to a
temporary name and renamed when complete; PNG frames each on their own.

MP4 uses the ffmpeg binary shipped in the imageio-ffmpeg package (no system ffmpeg is
needed); GIF uses Pillow.

Examples
--------
>>> import pathlib, tempfile, nodenet as nn
>>> net = nn.layered([2, 1], seed=0)
>>> tracer = nn.Tracer(net, detail="step")
>>> _ = net.train([[0, 1], [1, 0]], [[1], [0]], epochs=2, lr=0.5, tracer=tracer)
>>> out = pathlib.Path(tempfile.mkdtemp())
>>> export(tracer, out / "anim.gif", quiet=True).name
'anim.gif'
>>> sorted(p.name for p in export(tracer, out / "frames", format="png", quiet=True).iterdir())[:2]
['frame_00000.png', 'frame_00001.png']
"""

import contextlib
import fractions
import functools
import itertools
import os
import re
import struct
import subprocess
import zlib
from pathlib import Path

import numpy as np
from isal import isal_zlib
from PIL import GifImagePlugin, Image

from .atomic import atomic_write
from .boundary import Boundary
from .checks import as_path, check_count, check_fps
from .errors import FileAccessError, SettingError
from . import player
from .pictures import pictures
from .palette import quantize
from .progress import progress
from .registry import Registry
from .render import Canvas, Scene
from .video import yuv420p

__all__ = ["export", "format_of", "formats", "html_player", "register_writer", "SUFFIXES"]

SUFFIXES = {".gif": "gif", ".mp4": "mp4", ".html": "html", ".htm": "html", ".json": "json"}
DEFAULT_FPS = 4
GIF_MAX_FPS = 50        # a GIF frame lasts whole hundredths of a second; browsers play under 0.02 s as 0.1 s
# x264 on the veryfast preset, with the quickest motion search: frames differ from the one
# before in the links and the words only, so a wider search finds little more. It takes
# about a fifth less of the processor for files about a tenth larger.
ENCODING = "me=dia:subme=1"

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

_formats = Registry("export format")
_player_ids = itertools.count(1)


def register_writer(name):
    """Register a frame writer class as the export format ``name`` (a class decorator).

    A writer is made as ``Writer(path, size, fps)``; ``write(rgb)`` takes one frame as an
    (height, width, 3) uint8 array; ``close()`` finishes the file, ``abort()`` removes
    what is unfinished.
    """
    def register(cls):
        _formats.register(name, functools.partial(_export_pictures, cls))
        return cls
    return register


def formats():
    """The names of the export formats.

    Examples
    --------
    >>> formats()
    ['json', 'png', 'gif', 'html', 'mp4']
    """
    return _formats.names()


def export(tracer, path, format=None, *, fps=DEFAULT_FPS, size=(640, 480), quiet=False, workers=None,
           boundary=None):
    """Draw every frame of ``tracer`` and write them to ``path``; return the path written.

    Parameters
    ----------
    format : str, optional
        "png" (a directory of frame_00000.png, ...), "gif", "mp4", "html" or "json";
        by default from the suffix of ``path``, which must not name another format.
    fps : float
        Frames per second of animations, from 0.1 to 120 (to 50 for a GIF).
    size : (int, int)
        Width and height in pixels, even numbers.
    quiet : bool
        No progress bar.
    workers : int, optional
        Processes that draw frames side by side (default: one per core, at most 4; long
        traces only). The pictures are the same however many draw them.
    boundary : (inputs, targets), optional
        Samples of a network with two inputs and one output: each frame then shows the
        output over the plane of the inputs beside the network, with the samples on it.

    Examples
    --------
    >>> import pathlib, tempfile, nodenet as nn
    >>> net = nn.layered([2, 1], seed=0)
    >>> tracer = nn.Tracer(net, detail="step")
    >>> _ = net.train([[0, 1]], [[1]], epochs=2, lr=0.5, tracer=tracer)
    >>> export(tracer, pathlib.Path(tempfile.mkdtemp()) / "player.html", quiet=True).suffix
    '.html'
    """
    path_text = str(as_path(path, "the export path")) + ("/" if str(path).endswith(("/", os.sep)) else "")
    fmt = format_of(path_text) if format is None else format.lower() if isinstance(format, str) else format
    exporter = _formats.get(fmt)
    path = Path(path)
    suffix = path.suffix.lower()
    if format is not None and suffix in SUFFIXES and SUFFIXES[suffix] != fmt:
        raise SettingError(f"'{path}' ends in {path.suffix} ({SUFFIXES[suffix]}), but format={format!r} was "
                           f"asked for: leave out format=, or give a path that fits {fmt}")
    if not isinstance(quiet, bool):
        raise SettingError(f"quiet must be True or False, got {quiet!r}")
    if not tracer.frames:
        raise SettingError("the tracer has no frames to export: train with tracer=... first, "
                           "or run forward/backward/update inside 'with tracer:'")
    if fmt != "png" and path.is_dir():
        raise FileAccessError(f"cannot write {fmt} to '{path}': it is a directory; give a file name")
    fps, size = check_fps(fps), _check_size(size)
    if fmt == "gif" and fps > GIF_MAX_FPS:
        raise SettingError(f"a GIF plays at most {GIF_MAX_FPS} frames per second (browsers slow quicker frames "
                           f"to 10), got fps={fps:g}: give fps up to {GIF_MAX_FPS}, or export an MP4")
    if workers is not None:
        check_count(workers, "workers")
    if boundary is not None:
        boundary = Boundary.of(tracer.network, *_pair(boundary))
    _parent(path)
    return exporter(tracer, path, fps=fps, size=size, quiet=quiet, workers=workers, boundary=boundary)


def _export_json(tracer, path, **options):
    tracer.save_json(path)
    return path


_formats.register("json", _export_json)


def _export_pictures(writer_class, tracer, path, *, fps, size, quiet, workers, boundary):
    drawn = pictures(tracer.frames, Scene.from_tracer(tracer, boundary), size, workers)
    try:
        # the drawing processes start before any writer's process (ffmpeg), so that
        # they hold none of its pipes and it sees the end of its input when aborted
        first = next(drawn)
        writer = writer_class(path, size, fps)
        try:
            for rgb in progress(itertools.chain([first], drawn), label=f"exporting {path.name}", quiet=quiet,
                                total=len(tracer.frames)):
                writer.write(rgb)
        except BaseException:
            drawn.close()
            writer.abort()
            raise
        writer.close()
    finally:
        drawn.close()
    return path


def format_of(path):
    """The export format a path asks for, by its suffix; "png" for a directory or a path ending in "/".

    Examples
    --------
    >>> format_of("out/anim.mp4"), format_of("out/frames/")
    ('mp4', 'png')
    """
    suffix = Path(path).suffix.lower()
    if suffix in SUFFIXES and not str(path).endswith(("/", os.sep)):
        return SUFFIXES[suffix]
    if str(path).endswith(("/", os.sep)) or Path(path).is_dir():
        return "png"
    if suffix not in SUFFIXES:
        raise SettingError(f"cannot tell the export format of '{path}': end it in "
                           f"{', '.join(SUFFIXES)}, or give format= one of {', '.join(formats())}")
    return SUFFIXES[suffix]


def html_player(tracer, *, fps=DEFAULT_FPS, size=(640, 480), max_frames=300):
    """A self-contained HTML player of the tracer's frames, as a string (for notebooks).

    More than ``max_frames`` frames are thinned evenly, keeping the first and last.

    Examples
    --------
    >>> import nodenet as nn
    >>> net = nn.layered([2, 1], seed=0)
    >>> tracer = nn.Tracer(net, detail="step")
    >>> _ = net.train([[0, 1]], [[1]], epochs=3, lr=0.5, tracer=tracer)
    >>> html_player(tracer).count('.push("data:image/png;base64,')
    3
    """
    frames = tracer.frames
    if len(frames) > max_frames:
        frames = [frames[int(i)] for i in np.linspace(0, len(frames) - 1, max_frames)]
    canvas = Canvas(Scene.from_tracer(tracer), size=_check_size(size))
    player_id = f"p{next(_player_ids)}"
    parts = [player.start(player_id, document=False)]
    parts += [player.frame(player_id, _png(canvas.rgb(frame))) for frame in frames]
    parts.append(player.end(player_id, check_fps(fps), document=False))
    return "".join(parts)


@register_writer("png")
class PngWriter:
    """A directory of frame_00000.png, frame_00001.png, ...; each file written atomically.

    Frames of an earlier export into the same directory numbered past this one's last
    are removed at the end, even of an export that stops early, so that the directory
    holds one export's frames.
    """

    def __init__(self, path, size, fps):
        self.directory = Path(path)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise FileAccessError(f"cannot make the directory '{path}': {err.strerror}") from err
        self.count = 0

    def write(self, rgb):
        with atomic_write(self.directory / f"frame_{self.count:05d}.png", "wb") as handle:
            handle.write(_png(rgb))
        self.count += 1

    def close(self):
        for path in self.directory.glob("frame_*.png"):
            number = re.fullmatch(r"frame_([0-9]{5})\.png", path.name)
            if number and int(number.group(1)) >= self.count and (path.is_file() or path.is_symlink()):
                try:
                    path.unlink()
                except OSError as err:
                    raise FileAccessError(f"cannot remove '{path}', a frame of an earlier export: {err.strerror}; "
                                          "remove it yourself, or export to a new directory") from None

    def abort(self):
        self.close()    # the frames written so far are complete files


class _FileWriter:
    """A writer of one file through a temporary name."""

    mode = "wb"

    def __init__(self, path, size, fps):
        self._atomic = atomic_write(path, self.mode)
        self.handle = self._atomic.__enter__()

    def close(self):
        self._atomic.__exit__(None, None, None)

    def abort(self):
        self._atomic.__exit__(RuntimeError, RuntimeError("export stopped"), None)


@register_writer("gif")
class GifWriter(_FileWriter):
    """An animated GIF, looping, each frame with its own palette (:mod:`nodenet.palette`), written frame by frame."""

    def __init__(self, path, size, fps):
        super().__init__(path, size, fps)
        self.duration = round(1000 / fps)
        self.started = False

    def write(self, rgb):
        indices, colours = quantize(rgb)
        frame = Image.frombuffer("P", indices.shape[::-1], indices, "raw", "P", 0, 1)
        frame.putpalette(colours.tobytes())
        if not self.started:
            header, _ = GifImagePlugin.getheader(frame, info={"loop": 0})
            self.handle.write(b"".join(header))
            self.started = True
        for chunk in GifImagePlugin.getdata(frame, duration=self.duration, include_color_table=True):
            self.handle.write(chunk)

    def close(self):
        self.handle.write(b";")
        super().close()


@register_writer("html")
class HtmlWriter(_FileWriter):
    """A self-contained page: the frames as embedded PNGs and a player (play, pause, step, speed)."""

    mode = "w"

    def __init__(self, path, size, fps):
        super().__init__(path, size, fps)
        self.fps = fps
        self.handle.write(player.start("frames"))

    def write(self, rgb):
        self.handle.write(player.frame("frames", _png(rgb)))

    def close(self):
        self.handle.write(player.end("frames", self.fps))
        super().close()


@register_writer("mp4")
class Mp4Writer:
    """H.264 video through the ffmpeg of imageio-ffmpeg, fed YUV 4:2:0 frames through a pipe."""

    def __init__(self, path, size, fps):
        import imageio_ffmpeg
        self.path = Path(path)
        self.temporary = self.path.with_name(f".{self.path.stem}.{os.getpid()}.tmp.mp4")
        rate = str(fractions.Fraction(fps).limit_denominator())
        command = [imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-f", "rawvideo", "-vcodec", "rawvideo",
                   "-s", f"{size[0]}x{size[1]}", "-pix_fmt", "yuv420p", "-r", rate, "-i", "-", "-an",
                   "-vcodec", "libx264", "-pix_fmt", "yuv420p", "-crf", "25", "-v", "error",
                   "-preset", "veryfast", "-x264-params", ENCODING, str(self.temporary)]
        try:
            self.temporary.open("wb").close()         # ffmpeg would only say so on the first frame
        except OSError as err:
            raise FileAccessError(f"cannot write '{self.path}': {err.strerror}; choose a path you can "
                                  "write to") from None
        try:
            # in a session of its own, so that Ctrl-C reaches this process alone, which then aborts
            self.ffmpeg = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                           stderr=subprocess.PIPE, start_new_session=True)
        except OSError as err:
            self.temporary.unlink(missing_ok=True)
            raise FileAccessError(f"cannot start ffmpeg ({err.strerror}: {command[0]}): install imageio-ffmpeg "
                                  "again, or set IMAGEIO_FFMPEG_EXE to an ffmpeg that runs") from None

    def write(self, rgb):
        try:
            self.ffmpeg.stdin.write(yuv420p(rgb))
        except OSError:
            self._stopped()

    def close(self):
        try:
            try:
                self.ffmpeg.stdin.close()
            except OSError:
                self._stopped()
            if self.ffmpeg.wait():
                self._stopped()
            self.ffmpeg.stderr.close()
            os.replace(self.temporary, self.path)
        except BaseException:           # Ctrl-C while ffmpeg finishes, too
            self.abort()
            raise

    def abort(self):
        if self.ffmpeg.poll() is None:
            self.ffmpeg.kill()
        for pipe in (self.ffmpeg.stdin, self.ffmpeg.stderr):
            with contextlib.suppress(OSError):      # a pipe to a stopped ffmpeg cannot flush
                pipe.close()
        self.ffmpeg.wait()
        self.temporary.unlink(missing_ok=True)

    def _stopped(self):
        """Clean up after ffmpeg stopped before its input's end, and say what it said."""
        self.ffmpeg.wait()
        said = self.ffmpeg.stderr.read().decode(errors="replace").strip().splitlines()
        self.abort()
        why = said[-1] if said else f"it exited with code {self.ffmpeg.returncode}"
        raise FileAccessError(f"ffmpeg stopped writing '{self.path}' ({why}): check that its disk has room, "
                              "then export again")


def _png(rgb):
    """``rgb`` as the bytes of a PNG file: each row filtered by "sub", then deflated by ISA-L.

    The "sub" filter (each byte minus the byte one pixel to its left) turns a frame's runs
    of one colour into runs of zeros. ISA-L's deflate at level 1 then packs a 640×480 frame
    in about 1 ms, a fifth of zlib's time in its quickest (run-length) mode, and a little
    smaller. Pillow instead tries every filter on every row before deflating with zlib.

    Examples
    --------
    >>> import io
    >>> picture = np.zeros((2, 3, 3), dtype=np.uint8); picture[1, 2] = (255, 128, 0)
    >>> np.array_equal(np.asarray(Image.open(io.BytesIO(_png(picture)))), picture)
    True
    """
    height, width, _ = rgb.shape
    pixels = rgb.reshape(height, 3 * width)
    rows = np.empty((height, 1 + 3 * width), dtype=np.uint8)
    rows[:, 0] = 1                                                  # each row's filter: sub
    rows[:, 1:4] = pixels[:, :3]
    np.subtract(pixels[:, 3:], pixels[:, :-3], out=rows[:, 4:])      # modulo 256, as PNG's sub
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)   # 8 bits, RGB, deflate, no interlace
    idat = isal_zlib.compress(rows, 1)
    return PNG_SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def _chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _parent(path):
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise FileAccessError(f"cannot make the directory '{path.parent}': {err.strerror}") from err


def _pair(samples):
    if not isinstance(samples, (tuple, list)) or len(samples) != 2:
        raise SettingError(f"boundary= takes the samples as (inputs, targets), got {type(samples).__name__}")
    return samples


def _check_size(size):
    try:
        width, height = (int(side) for side in size)
    except (TypeError, ValueError, OverflowError):
        raise SettingError(f"size must be (width, height) in pixels, got {size!r}") from None
    if width < 64 or height < 64 or width % 2 or height % 2 or width > 7680 or height > 4320:
        raise SettingError(f"size must be even numbers of pixels from 64 to 7680 x 4320, got {size!r}")
    return width, height

