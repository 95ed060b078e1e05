"""The golden worked example of the design, as scenarios/mazur.py builds it."""

import importlib.util
import math
from pathlib import Path

import nodenet as nn

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


def load_scenario(name):
    """Import scenarios/<name>.py as a module."""
    spec = importlib.util.spec_from_file_location(f"scenario_{name}", SCENARIOS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


mazur = load_scenario("mazur")
golden_network = mazur.build
INPUTS, TARGETS, LR = mazur.INPUTS, mazur.TARGETS, mazur.LR
HIDDEN_LINKS = list(mazur.WEIGHTS)[:4]    # w1..w4
OUTPUT_LINKS = list(mazur.WEIGHTS)[4:]    # w5..w8


def traced_golden(detail, epochs=1, order="phased"):
    """The golden example trained for ``epochs`` steps (one sample each) in ``order``, traced at ``detail``."""
    net = golden_network()
    tracer = nn.Tracer(net, detail=detail)
    net.train([INPUTS], [TARGETS], epochs=epochs, lr=LR, order=order, tracer=tracer)
    return tracer


# The design's table to 9 significant digits. Where the published table prints fewer
# digits and the 9th is not 0, the value here is the exact one, with the printed one noted.
TABLE = {
    "net_h1": "0.3775", "out_h1": "0.593269992", "out_h2": "0.596884378",
    "net_o1": "1.105905967", "out_o1": "0.75136507", "out_o2": "0.772928465",
    "E_total": "0.298371109",
    "dE/dw5": "0.0821670406",                 # printed 0.082167041
    "w1 after one step": "0.149780716",
    "w2 after one step": "0.199561432",       # printed 0.19956143
    "w3 after one step": "0.249751144",       # printed 0.24975114
    "w4 after one step": "0.299502287",       # printed 0.29950229
    "w5 after one step": "0.35891648", "w6 after one step": "0.408666186",
    "w7 after one step": "0.51130127", "w8 after one step": "0.561370121",
    "E_total after one step": "0.291027774",
}
AFTER = [TABLE[f"w{i} after one step"] for i in range(1, 9)]


def agrees(value, expected):
    """True if ``value`` equals the decimal ``expected`` to 9 significant digits."""
    target = float(expected)
    if target == 0:
        return value == 0
    return abs(value - target) <= 0.5 * 10.0 ** (math.floor(math.log10(abs(target))) - 8)
