"""scenarios/mazur.py prints the golden table of the design."""

import subprocess
import sys

from golden import SCENARIOS, agrees

GOLDEN = {
    "net_h1": "0.3775", "out_h1": "0.593269992", "out_h2": "0.596884378",
    "net_o1": "1.105905967", "out_o1": "0.75136507", "out_o2": "0.772928465",
    "E_total": "0.298371109", "dE/dw5": "0.082167041",
    "w1 after one step": "0.149780716", "w2 after one step": "0.19956143",
    "w3 after one step": "0.24975114", "w4 after one step": "0.29950229",
    "w5 after one step": "0.35891648", "w6 after one step": "0.408666186",
    "w7 after one step": "0.511301270", "w8 after one step": "0.561370121",
    "E_total after one step": "0.291027774",
}


def test_mazur_prints_the_golden_table():
    result = subprocess.run([sys.executable, str(SCENARIOS / "mazur.py")], capture_output=True,
                            text=True, check=True)
    printed = dict(line.rsplit(None, 1) for line in result.stdout.splitlines())
    printed = {quantity.strip(): value for quantity, value in printed.items()}
    assert list(printed) == list(GOLDEN)
    assert all(agrees(float(printed[q]), GOLDEN[q]) for q in GOLDEN), printed
