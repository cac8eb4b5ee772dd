"""Continuous knobs: the value of a condition that makes a rule hold, by bisection on the evaluator.

A knob is a spec value a designer may turn (stack pressure, temperature, charge cut-off, a
thickness). From the spec's value the search steps away in one direction on a coarse scale until
the rule holds and nothing else newly fails, bisects between the last step that did not and the
first that did, and rounds the threshold to a grid a designer would write (two significant figures,
5 K, 50 mV), keeping the rounded value only if it still holds. The value is written in the spec's
own unit and read back through the loader, so the suggestion carries exactly what `check` will read.

Which way is safe follows the issue: moving a condition into the range the literature reports
working is safe (lower stack pressure, a thinner layer, a cooler cell); changing what the cell is
meant to do is not (a lower or higher cut-off, a hotter cell, another current density or capacity).
"""
from __future__ import annotations

import math
import re

import attrs

from cellrules import potential, units

SAFE, UNSAFE = "safe", "unsafe"
_LOG_DOWN = (0.8, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01, 0.001)
_LOG_UP = tuple(1 / f for f in _LOG_DOWN)
_BISECTIONS = 10
_GRID_TRIES = 4
_NUMBER = re.compile(r"^\s*[+\-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+\-]?\d+)?")
_VERSUS = re.compile(r"\s+(?:versus|vs)(?:\s+|\.\s*|$)")


@attrs.frozen
class Knob:
    path: str                  # field path, or "interlayer.thickness" for a declared layer's
    log: bool                  # stepped by factors (positive quantities) or by offsets
    down: str | None           # SAFE, UNSAFE, or None: never turned this way
    up: str | None
    low: float = -math.inf     # SI bounds of the search
    high: float = math.inf
    step: float = 0.0          # linear grid, SI
    offsets: tuple = ()        # linear scan, SI
    words: tuple = ()          # how a mitigation line speaks of it (evidence.py)


_THICKNESS = dict(log=True, down=SAFE, up=SAFE, low=1e-8, high=1e-2, words=("thin", "thick"))
KNOBS = {knob.path: knob for knob in (
    Knob("cell.stack_pressure", log=True, down=SAFE, up=SAFE, low=1e4, high=1e9, words=("pressure",)),
    Knob("cell.temperature", log=False, down=SAFE, up=UNSAFE, low=233.15, high=673.15, step=5.0,
         offsets=(5.0, 10.0, 20.0, 40.0, 80.0, 160.0, 320.0), words=("temperature", "operate", "degc", "melting")),
    Knob("cell.sintering_temperature", log=False, down=SAFE, up=SAFE, low=293.15, high=2073.15, step=10.0,
         offsets=(25.0, 50.0, 100.0, 200.0, 400.0), words=("sinter", "processing temperature")),
    Knob("cell.current_density", log=True, down=UNSAFE, up=UNSAFE, low=1e-2, high=1e4, words=("current density",)),
    Knob("cell.areal_capacity", log=True, down=UNSAFE, up=UNSAFE, low=1e-1, high=1e3, words=("areal capacity",)),
    Knob("cathode.potential", log=False, down=UNSAFE, up=UNSAFE, step=0.05,
         offsets=(0.05, 0.1, 0.2, 0.3, 0.5, 0.8, 1.2, 1.6), words=("cut-off", "charge", "stays below")),
    Knob("electrolyte.thickness", **_THICKNESS),
    Knob("anode.thickness", **_THICKNESS),
    Knob("cathode.thickness", **_THICKNESS),
    Knob("interlayer.thickness", log=True, down=SAFE, up=SAFE, low=1e-10, high=1e-4,
         words=("thick", "thin", "range")),
)}


@attrs.frozen
class Setting:
    """A knob at one place of this spec: its value now, its text, and how to make the edit."""

    knob: Knob
    group: tuple               # the group of the edits it makes (fixes/edits.py)
    current: float
    text: str
    make: object               # (value, text, safe, magnitude) -> edit
    potential: bool = False


class Writer:
    """Values written the way the spec writes them: its unit, its reference electrode."""

    def __init__(self, scale, carrier: str):
        self.scale = scale
        self.carrier = carrier

    def write(self, setting: Setting, number: float, unit: str, reference: str) -> tuple[str, float]:
        """The text for a number in the display unit, and the SI value the loader reads from it."""
        text = f"{_number(number)} {unit}".rstrip() + (f" vs {reference}" if reference else "")
        if setting.potential:
            return text, potential.parse_potential(text, self.carrier, self.scale).she
        return text, units.parse_quantity(text).value

    def display(self, setting: Setting) -> tuple[units.Unit, str, str]:
        """The unit the spec wrote the value in (and its text), and the reference it was given against."""
        text, reference = setting.text, ""
        if setting.potential:
            versus = _VERSUS.search(text)
            if versus is not None:
                text, reference = text[:versus.start()], text[versus.end():].strip()
        match = _NUMBER.match(text)
        unit_text = text[match.end():].strip() if match else ""
        try:
            unit = units.parse_unit(unit_text)
        except units.UnitError:
            unit_text = "V" if setting.potential else units.DISPLAY_UNITS.get(units.parse_quantity(text).dimension, "")
            unit = units.parse_unit(unit_text)
        return unit, unit_text, reference

    def to_number(self, setting: Setting, value_si: float, unit: units.Unit, reference: str) -> float:
        if setting.potential:
            value_si = self.scale.from_she(value_si, reference or self.carrier)
        return value_si / unit.factor - unit.offset


def tune(setting: Setting, direction: str, probe, writer: Writer):
    """The edit nearest to the spec that makes `probe(edit)` hold, with its trial; None if none in range.

    `probe(edit)` evaluates a candidate and returns its trial when it holds, else None; the caller counts
    every probe against the search budget.
    """
    knob = setting.knob
    safety = knob.down if direction == "down" else knob.up
    if safety is None or (knob.log and setting.current <= 0):
        return None
    safe = safety == SAFE

    def edit_at(value: float, text: str = ""):
        return setting.make(value, text or f"{value!r} (trial)", safe, _magnitude(knob, setting.current, value))

    bracket = _scan(setting, direction, lambda value: probe(edit_at(value)) is not None)
    if bracket is None:
        return None
    failing, holding = bracket
    for _ in range(_BISECTIONS):
        middle = math.sqrt(failing * holding) if knob.log else (failing + holding) / 2
        if probe(edit_at(middle)) is not None:
            holding = middle
        else:
            failing = middle
    unit, unit_text, reference = writer.display(setting)
    number = writer.to_number(setting, holding, unit, reference)
    away = -1 if direction == "down" else 1
    for candidate in _grid(knob, number, away, knob.step / unit.factor):
        text, value = writer.write(setting, candidate, unit_text, reference)
        if not _within(knob, value) or value == setting.current:
            continue
        edit = edit_at(value, text)
        trial = probe(edit)
        if trial is not None:
            return edit, trial
    return None


def _scan(setting: Setting, direction: str, holds) -> tuple[float, float] | None:
    """(a value that does not hold, one that does) on the knob's coarse scale from the spec's value."""
    knob, current = setting.knob, setting.current
    if knob.log:
        values = [current * f for f in (_LOG_DOWN if direction == "down" else _LOG_UP)]
    else:
        sign = -1 if direction == "down" else 1
        values = [current + sign * offset for offset in knob.offsets]
    previous = current
    for value in values:
        value = min(max(value, knob.low), knob.high)
        if value == previous:
            break
        if holds(value):
            return previous, value
        previous = value
    return None


def _grid(knob: Knob, number: float, away: int, step: float):
    """Grid values near `number`: the nearest first, then stepping further from the spec's value."""
    if knob.log:
        if number <= 0:
            return
        step = 10.0 ** (math.floor(math.log10(abs(number))) - 1)   # two significant figures
    step = abs(step)
    nearest = round(number / step) * step
    for i in range(_GRID_TRIES):
        yield round(nearest + away * i * step, 12)


def _within(knob: Knob, value: float) -> bool:
    return knob.low <= value <= knob.high


def _magnitude(knob: Knob, old: float, new: float) -> float:
    """The size of a change on a 0-1 scale: a factor of 1000, or the knob's widest scan, is about 1."""
    if knob.log:
        return abs(math.log10(new / old)) / 3.01 if old > 0 and new > 0 else 1.0
    return abs(new - old) / (knob.offsets[-1] * 1.01)


def _number(value: float) -> str:
    text = f"{value:.6g}"
    if "e" in text:
        return text
    return text.rstrip("0").rstrip(".") if "." in text else text
