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
    assert written[:4] == ["changes.png", "compare.png", "frames.json", "history.csv"]
    assert {"landscape.png", "loss.png", "weights.png", "out/anim.gif", "out/anim.mp4",
            "out/frames/frame_00016.png"} <= set(written)


def test_readme_scenario_example_runs_as_a_scenario_file(tmp_path, monkeypatch, capsys):
    from nodenet.cli import main
    from nodenet.rundir import read_summary
    monkeypatch.chdir(tmp_path)
    block = next(b for b in re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
                 if "scenario = nn.Scenario(" in b)
    Path("and.py").write_text(block)
    assert main(["list", "."]) == 0
    assert capsys.readouterr().out == ("and  AND: one sigmoid neuron learns AND; a frame every 5 epochs, "
                                       "with its decision boundary.\n")
    assert main(["run", "and.py", "--quiet"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("final weights: [")
    summary = read_summary("runs/and")
    assert summary["frames"] == 11 and summary["steps"] == 200        # epochs 1, 6, ..., 46 and 50
    assert {"changes.png", "animation.gif", "player.html"} <= set(summary["files"])
