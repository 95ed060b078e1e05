"""The README's Python examples run, in order, as written."""

import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_python_blocks_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert len(blocks) >= 3
    namespace = {}
    for block in blocks:
        exec(compile(block, str(README), "exec"), namespace)
    assert namespace["losses"].shape == (100,)
    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert written[:3] == ["changes.png", "frames.json", "history.csv"]
    assert {"landscape.png", "loss.png", "weights.png", "out/anim.gif", "out/anim.mp4",
            "out/frames/frame_00016.png"} <= set(written)
