"""The self-contained HTML player of exported frames: play, pause, step and speed.

The page is written in three parts so that frames can be streamed into it:
:func:`start`, then one :func:`frame` per picture, then :func:`end`. Each player has an
id, so that several can share a page (a notebook). Keys: space plays and pauses, the
arrow keys step, Home and End jump to the first and last frame.

Examples
--------
>>> page = start("demo", document=False) + frame("demo", b"PNG") + end("demo", fps=4)
>>> page.count("nodenetFrames_demo.push(")
1
"""

import base64

__all__ = ["start", "frame", "end"]

STYLE = """<style>
.nodenet-player{font-family:sans-serif;display:inline-block;text-align:center}
.nodenet-player img{display:block;border:1px solid #ddd}
.nodenet-player .controls{margin-top:6px;display:flex;gap:6px;align-items:center;justify-content:center}
.nodenet-player button{min-width:2.4em;font-size:1em}
.nodenet-player input[type=range]{flex:1}
</style>"""

CONTROLS = """<div class="nodenet-player" id="__ID__" tabindex="0">
<img alt="frame of a nodenet trace">
<div class="controls">
<button data-do="first" title="first frame (Home)">&#x2759;&#x25C0;&#x25C0;</button>
<button data-do="back" title="step back (left arrow)">&#x2759;&#x25C0;</button>
<button data-do="play" title="play or pause (space)">&#x25B6;</button>
<button data-do="next" title="step forward (right arrow)">&#x25B6;&#x2759;</button>
<button data-do="last" title="last frame (End)">&#x25B6;&#x25B6;&#x2759;</button>
<input type="range" min="0" value="0" aria-label="frame">
<span class="counter"></span>
<select aria-label="speed"><option>0.25</option><option>0.5</option><option selected>1</option><option>2</option><option>4</option></select>x
</div></div>
<script>var nodenetFrames___ID__ = [];</script>
"""

SCRIPT = """<script>
(function () {
  const F = nodenetFrames___ID__, root = document.getElementById("__ID__");
  const img = root.querySelector("img"), slider = root.querySelector("input"),
        counter = root.querySelector(".counter"), speed = root.querySelector("select"),
        playButton = root.querySelector('[data-do="play"]');
  const fps = __FPS__;
  let index = 0, timer = null;
  slider.max = F.length - 1;
  function show(i) {
    index = Math.max(0, Math.min(F.length - 1, i));
    img.src = F[index]; slider.value = index;
    counter.textContent = (index + 1) + " / " + F.length;
  }
  // symbols that common fonts have: play, pause, first, back, next, last
  function pause() { clearInterval(timer); timer = null; playButton.innerHTML = "&#x25B6;"; }
  function play() {
    if (index >= F.length - 1) show(0);
    timer = setInterval(function () { if (index >= F.length - 1) pause(); else show(index + 1); },
                        1000 / (fps * parseFloat(speed.value)));
    playButton.innerHTML = "&#x2759;&#x2759;";
  }
  const actions = {first: function () { pause(); show(0); }, back: function () { pause(); show(index - 1); },
    play: function () { timer ? pause() : play(); }, next: function () { pause(); show(index + 1); },
    last: function () { pause(); show(F.length - 1); }};
  root.querySelectorAll("button").forEach(function (b) { b.onclick = actions[b.dataset.do]; });
  slider.oninput = function () { pause(); show(parseInt(slider.value, 10)); };
  speed.onchange = function () { if (timer) { pause(); play(); } };
  root.onkeydown = function (e) {
    const key = {" ": "play", ArrowLeft: "back", ArrowRight: "next", Home: "first", End: "last"}[e.key];
    if (key) { actions[key](); e.preventDefault(); }
  };
  show(0);
})();
</script>
"""


def start(player_id, document=True):
    """The page up to the frames: a whole HTML document, or (``document=False``) a fragment."""
    body = STYLE + "\n" + CONTROLS.replace("__ID__", player_id)
    if not document:
        return body
    return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>nodenet frames</title>'
            "</head><body>\n" + body)


def frame(player_id, png):
    """One frame, a PNG file's bytes, as a line of the page."""
    data = base64.b64encode(png).decode()
    return f'<script>nodenetFrames_{player_id}.push("data:image/png;base64,{data}")</script>\n'


def end(player_id, fps, document=True):
    """The player's script, which starts once all frames are on the page."""
    script = SCRIPT.replace("__ID__", player_id).replace("__FPS__", repr(float(fps)))
    return script + ("</body></html>\n" if document else "")
