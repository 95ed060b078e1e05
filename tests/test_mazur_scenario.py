"""scenarios/mazur.py prints the golden table of the design."""

import subprocess
import sys

from golden import SCENARIOS, TABLE, agrees


def test_mazur_prints_the_golden_table():
    result = subprocess.run([sys.executable, str(SCENARIOS / "mazur.py")], capture_output=True,
                            text=True, check=True)
    printed = dict(line.rsplit(None, 1) for line in result.stdout.splitlines())
    printed = {quantity.strip(): value for quantity, value in printed.items()}
    assert list(printed) == list(TABLE)
    assert [q for q in TABLE if not agrees(float(printed[q]), TABLE[q])] == []
