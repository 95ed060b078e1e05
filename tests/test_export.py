"""Every export format is written and decoded back; writers stream; failures leave no file."""

import base64
import io
import json
import re
import subprocess
import sys
import textwrap

import imageio_ffmpeg
import numpy as np
import pytest
from PIL import Image

import nodenet as nn
from nodenet import export as export_module
from nodenet.export import _png
from nodenet.pictures import pictures
from nodenet.render import Canvas, Scene
from golden import golden_network

XOR = ([[0, 0], [0, 1], [1, 0], [1, 1]], [[0], [1], [1], [0]])


@pytest.fixture
def golden(golden_tracer):
    return golden_tracer


@pytest.fixture(scope="module")
def long_trace():
    net = nn.layered([2, 3, 1], seed=1)
    tracer = nn.Tracer(net, detail="step")
    net.train(*XOR, epochs=15, lr=0.5, momentum=0.9, tracer=tracer)
    return tracer


def mean_difference(a, b):
    return float(np.abs(a.astype(int) - b.astype(int)).mean())


def test_png_frames(golden, tmp_path):
    out = golden.export(tmp_path / "frames", format="png", quiet=True)
    names = sorted(p.name for p in out.iterdir())
    assert names == [f"frame_{i:05d}.png" for i in range(17)]
    first = np.asarray(Image.open(out / names[0]))
    assert first.shape == (480, 640, 3)
    expected = Canvas(Scene.from_tracer(golden)).rgb(golden.frames[0])
    assert np.array_equal(first, expected)


def test_gif_has_every_frame(golden, tmp_path):
    path = golden.export(tmp_path / "anim.gif", fps=5, quiet=True)
    with Image.open(path) as gif:
        assert (gif.n_frames, gif.size, gif.info["loop"], gif.info["duration"]) == (17, (640, 480), 0, 200)
        gif.seek(16)
        last = np.asarray(gif.convert("RGB"))
    expected = Canvas(Scene.from_tracer(golden)).rgb(golden.frames[16])
    assert mean_difference(last, expected) < 2.0


def test_mp4_has_every_frame(long_trace, tmp_path):
    path = long_trace.export(tmp_path / "anim.mp4", fps=10, quiet=True)
    decoded = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "rawvideo",
                              "-pix_fmt", "rgb24", "-"], capture_output=True, check=True).stdout
    frames = np.frombuffer(decoded, dtype=np.uint8).reshape(-1, 480, 640, 3)
    count, seconds = imageio_ffmpeg.count_frames_and_secs(str(path))
    assert (len(frames), count, seconds) == (60, 60, 6.0)
    expected = Canvas(Scene.from_tracer(long_trace)).rgb(long_trace.frames[30])
    assert mean_difference(frames[30], expected) < 6.0


def test_html_player(golden, tmp_path):
    path = golden.export(tmp_path / "player.html", quiet=True)
    page = path.read_text()
    frames = re.findall(r'nodenetFrames_frames\.push\("data:image/png;base64,([^"]+)"\)', page)
    assert len(frames) == 17
    assert Image.open(io.BytesIO(base64.b64decode(frames[4]))).size == (640, 480)
    for control in ('data-do="play"', 'data-do="back"', 'data-do="next"', '<select aria-label="speed"'):
        assert control in page
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "const fps = 4.0;" in page


@pytest.mark.parametrize("shape", [(1, 1, 3), (7, 5, 3), (480, 640, 3)])
def test_png_encoding_decodes_to_the_same_pixels(shape):
    picture = np.random.default_rng(0).integers(0, 256, size=shape, dtype=np.uint8)   # every difference wraps
    picture[:, : shape[1] // 2] = (255, 255, 255)                                     # and runs of one colour
    with Image.open(io.BytesIO(_png(picture))) as decoded:
        assert (decoded.format, decoded.mode, decoded.size) == ("PNG", "RGB", (shape[1], shape[0]))
        assert np.array_equal(np.asarray(decoded), picture)


def test_json_export(golden, tmp_path):
    path = golden.export(tmp_path / "frames.json")
    data = json.loads(path.read_text())
    assert (data["format"], len(data["frames"])) == ("nodenet-frames", 17)


def test_parallel_drawing_gives_the_same_pictures(long_trace):
    scene = Scene.from_tracer(long_trace)
    serial = [p.copy() for p in pictures(long_trace.frames, scene, (640, 480), workers=1)]
    parallel = [p.copy() for p in pictures(long_trace.frames, scene, (640, 480), workers=2)]
    assert len(parallel) == 60 and all(np.array_equal(a, b) for a, b in zip(serial, parallel))


STREAM_SCRIPT = """
import resource, sys
import nodenet as nn
net = nn.layered([2, 2, 1], seed=0)
tracer = nn.Tracer(net, detail="step")
net.train([[0, 0], [0, 1], [1, 0], [1, 1]], [[0], [1], [1], [0]], epochs=int(sys.argv[2]), lr=0.5, tracer=tracer)
tracer.export(sys.argv[1], quiet=True, workers=1)
print(len(tracer.frames), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


@pytest.mark.parametrize("suffix", ["gif", "html", "mp4"])
def test_writers_stream_instead_of_holding_frames(tmp_path, suffix):
    def peak(epochs):
        out = subprocess.run([sys.executable, "-c", STREAM_SCRIPT, str(tmp_path / f"a{epochs}.{suffix}"),
                              str(epochs)], capture_output=True, text=True, check=True, timeout=120).stdout
        frames, kilobytes = map(int, out.split())
        return frames, kilobytes
    few, small = peak(10)
    many, large = peak(40)
    # holding 120 more pictures of 640 x 480 would take 110 MB more
    assert (few, many) == (40, 160) and large - small < 25_000


def test_an_interrupted_export_leaves_no_file(golden, tmp_path, monkeypatch):
    original = Canvas.rgb
    calls = []

    def stop_at_the_sixth(self, frame):
        calls.append(frame.index)
        if len(calls) == 6:
            raise KeyboardInterrupt
        return original(self, frame)

    monkeypatch.setattr(Canvas, "rgb", stop_at_the_sixth)
    for name in ("anim.gif", "anim.mp4", "player.html"):
        calls.clear()
        with pytest.raises(KeyboardInterrupt):
            golden.export(tmp_path / name, quiet=True)
    assert list(tmp_path.iterdir()) == []
    calls.clear()
    with pytest.raises(KeyboardInterrupt):
        golden.export(tmp_path / "frames", format="png", quiet=True)
    assert sorted(p.name for p in (tmp_path / "frames").iterdir()) == [f"frame_{i:05d}.png" for i in range(5)]


def test_progress_bar_and_quiet(golden, tmp_path, capsys):
    golden.export(tmp_path / "a.gif")
    assert re.fullmatch(r"exporting a\.gif: 17/17 done in \d+\.\ds\n", capsys.readouterr().err)
    golden.export(tmp_path / "b.gif", quiet=True)
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("call, error, message", [
    (lambda t, d: t.export(d / "a.avi"), nn.SettingError, "cannot tell the export format of"),
    (lambda t, d: t.export(d / "a", format="gfi"), nn.UnknownNameError,
     "unknown export format 'gfi' (did you mean 'gif'?)"),
    (lambda t, d: t.export(d / "a.gif", size=(641, 480)), nn.SettingError, "size must be even numbers"),
    (lambda t, d: t.export(d / "a.gif", fps=0), nn.SettingError, "fps must be a number"),
    (lambda t, d: nn.Tracer(golden_network()).export(d / "a.gif"), nn.SettingError,
     "the tracer has no frames to export"),
    (lambda t, d: t.export(d / "a.mp4", format="gif"), nn.SettingError,
     "a.mp4' ends in .mp4 (mp4), but format='gif' was asked for: leave out format=, or give a path "
     "that fits gif"),
    (lambda t, d: t.export(d / "frames.gif", format="png"), nn.SettingError, "ends in .gif (gif), but format='png'"),
    (lambda t, d: t.export(d / "a.gif", fps=60), nn.SettingError,
     "a GIF plays at most 50 frames per second (browsers slow quicker frames to 10), got fps=60: give fps up "
     "to 50, or export an MP4"),
    (lambda t, d: t.export(d / "a.gif", quiet="no"), nn.SettingError, "quiet must be True or False, got 'no'"),
])
def test_export_errors(golden, tmp_path, call, error, message):
    with pytest.raises(error) as raised:
        call(golden, tmp_path)
    assert message in str(raised.value)
    assert list(tmp_path.iterdir()) == []


def test_a_format_name_may_be_in_capitals(golden, tmp_path):
    path = golden.export(tmp_path / "anim", format="GIF", quiet=True)
    with Image.open(path) as gif:
        assert (gif.format, gif.n_frames) == ("GIF", 17)


def test_png_frames_of_an_earlier_export_are_replaced_not_mixed_in(golden, long_trace, tmp_path):
    long_trace.export(tmp_path / "frames", format="png", quiet=True)
    (tmp_path / "frames" / "notes.txt").write_text("kept")
    others = ["frame_1.png", "frame_123456.png", "frame_00070.png.bak", "frame_٠٠٠٥٠.png"]     # not our names
    for name in others:
        (tmp_path / "frames" / name).write_text("not a frame of ours")
    (tmp_path / "frames" / "frame_00090.png").mkdir()
    golden.export(tmp_path / "frames", format="png", quiet=True)
    names = sorted(p.name for p in (tmp_path / "frames").iterdir())
    assert names == sorted(others + ["notes.txt", "frame_00090.png"] + [f"frame_{i:05d}.png" for i in range(17)])
    last = np.asarray(Image.open(tmp_path / "frames" / "frame_00016.png"))
    assert np.array_equal(last, Canvas(Scene.from_tracer(golden)).rgb(golden.frames[16]))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc, where no file can be made, is Linux's")
def test_mp4_to_a_path_that_cannot_be_written(golden):
    with pytest.raises(nn.FileAccessError, match="cannot write '/proc/anim.mp4': No such file or directory; "
                                                 "choose a path you can write to"):
        golden.export("/proc/anim.mp4", quiet=True)


def test_mp4_export_when_ffmpeg_stops_midway(golden, tmp_path, monkeypatch):
    original = export_module.Mp4Writer.write
    written = []

    def kill_ffmpeg_at_the_fifth(self, rgb):
        written.append(1)
        if len(written) == 5:
            self.ffmpeg.kill()          # as when the system stops it
            self.ffmpeg.wait()
        original(self, rgb)

    monkeypatch.setattr(export_module.Mp4Writer, "write", kill_ffmpeg_at_the_fifth)
    with pytest.raises(nn.FileAccessError, match=r"ffmpeg stopped writing '.*anim\.mp4' \(it exited with code -9\): "
                                                 "check that its disk has room, then export again"):
        golden.export(tmp_path / "anim.mp4", quiet=True, workers=1)
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_while_ffmpeg_finishes_leaves_no_file(golden, tmp_path, monkeypatch):
    made = []
    original = subprocess.Popen.wait

    def interrupted(process, *args, **kwargs):
        if process in made and not kwargs and not args:
            made.remove(process)
            raise KeyboardInterrupt
        return original(process, *args, **kwargs)

    started = export_module.Mp4Writer.__init__

    def remember(self, *args):
        started(self, *args)
        made.append(self.ffmpeg)

    monkeypatch.setattr(export_module.Mp4Writer, "__init__", remember)
    monkeypatch.setattr(subprocess.Popen, "wait", interrupted)
    with pytest.raises(KeyboardInterrupt):
        golden.export(tmp_path / "anim.mp4", quiet=True, workers=1)
    assert list(tmp_path.iterdir()) == [] and made == []


def test_mp4_without_a_working_ffmpeg(golden, tmp_path, monkeypatch):
    monkeypatch.setenv("IMAGEIO_FFMPEG_EXE", str(tmp_path / "no-ffmpeg"))
    with pytest.raises(nn.FileAccessError, match=r"cannot start ffmpeg \(No such file or directory: .*no-ffmpeg\): "
                                                 "install imageio-ffmpeg again, or set IMAGEIO_FFMPEG_EXE"):
        golden.export(tmp_path / "anim.mp4", quiet=True, workers=1)
    assert list(tmp_path.iterdir()) == []


def test_export_makes_missing_directories(golden, tmp_path):
    assert golden.export(tmp_path / "a" / "b" / "anim.gif", quiet=True).exists()


PARALLEL_SCRIPT = """
import os
import sys
from multiprocessing import shared_memory
import nodenet as nn
from nodenet import export, render

made = []

class Recorded(shared_memory.SharedMemory):         # keeps the names of the shared memory the export makes
    def __init__(self, *args, create=False, **kwargs):
        super().__init__(*args, create=create, **kwargs)
        if create:
            made.append(self.name)

shared_memory.SharedMemory = Recorded
net = nn.layered([2, 3, 1], seed=1)
tracer = nn.Tracer(net, detail="step")
net.train([[0, 0], [0, 1], [1, 0], [1, 1]], [[0], [1], [1], [0]], epochs=15, lr=0.5, tracer=tracer)
{setup}
try:
    tracer.export(sys.argv[1], workers=2, quiet=True)
except {expected} as err:
    print("stopped:", type(err).__name__, err)
# before exiting, where Python's resource tracker would remove what is left
print("made:", *made, file=sys.stderr)
print("left:", *[name for name in made if os.path.exists("/dev/shm/" + name)], file=sys.stderr)
"""


def run_parallel_export(tmp_path, setup, expected):
    """Run an export with two workers in its own process; return the result and the shared memory it left behind."""
    script = PARALLEL_SCRIPT.format(setup=textwrap.dedent(setup), expected=expected)
    result = subprocess.run([sys.executable, "-c", script, str(tmp_path / "anim.mp4")], capture_output=True,
                            text=True, timeout=120)
    made = re.search(r"^made:(.*)$", result.stderr, flags=re.MULTILINE).group(1).split()
    left = re.search(r"^left:(.*)$", result.stderr, flags=re.MULTILINE).group(1).split()
    assert made, result.stderr                   # the export made some, so the check of what is left can fail
    return result, set(left)


def test_an_interrupted_parallel_mp4_export_stops_and_cleans_up(tmp_path):
    result, leaked = run_parallel_export(tmp_path, """
        original = export.Mp4Writer.write
        written = []
        def write(self, rgb):
            written.append(1)
            if len(written) == 10:
                raise KeyboardInterrupt
            original(self, rgb)
        export.Mp4Writer.write = write
    """, "KeyboardInterrupt")
    assert result.stdout.startswith("stopped: KeyboardInterrupt"), result.stderr
    assert list(tmp_path.iterdir()) == [] and leaked == set()


def test_a_worker_that_cannot_draw_raises_instead_of_hanging(tmp_path):
    result, leaked = run_parallel_export(tmp_path, """
        def broken(self, *args, **kwargs):
            raise RuntimeError("no fonts here")
        render.Canvas.__init__ = broken
    """, "RuntimeError")
    assert result.stdout.strip() == "stopped: RuntimeError no fonts here", result.stderr
    assert list(tmp_path.iterdir()) == [] and leaked == set()


@pytest.mark.parametrize("options, message", [
    ({"workers": 2.5}, "workers must be a whole number >= 1, got 2.5"),
    ({"workers": "2"}, "workers must be a whole number >= 1, got '2'"),
    ({"fps": 0.001}, "fps must be a number of frames per second from 0.1 to 120"),
    ({"size": (float("inf"), 480)}, "size must be (width, height) in pixels"),
])
def test_export_options_are_checked_before_anything_is_made(golden, tmp_path, options, message):
    with pytest.raises(nn.SettingError) as raised:
        golden.export(tmp_path / "a.gif", **options)
    assert message in str(raised.value)
    assert list(tmp_path.iterdir()) == []


def test_exporting_a_file_format_onto_a_directory(golden, tmp_path):
    (tmp_path / "anim.gif").mkdir()
    with pytest.raises(nn.FileAccessError, match="cannot write gif to '.*anim.gif': it is a directory"):
        golden.export(tmp_path / "anim.gif")
