"""The golden worked example of the design, as scenarios/mazur.py builds it."""

import importlib.util
from pathlib import Path

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


def agrees(value, printed):
    """True if ``value`` rounds to every digit of the ``printed`` decimal."""
    decimals = len(printed.split(".")[1])
    return abs(value - float(printed)) <= 0.5 * 10.0 ** -decimals
