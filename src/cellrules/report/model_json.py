"""`explain --format json`: the report model itself, the data every template renders, as one JSON document.

A lab that wants its own report in a language jinja2 does not serve (a notebook,
a dashboard, an ELN) reads this instead of scraping HTML. The document is the
model of report/explain.py field for field (docs/explain-json.md describes each),
wrapped in a header naming what it is and the version of its layout.
"""
from __future__ import annotations

import json
import math

import attrs

from cellrules import units
from cellrules.version import __version__

FORMAT = "cellrules-explain"
LAYOUT_VERSION = 1


def render_model_json(kind: str, model) -> str:
    """`kind`: "report" (a spec explained) or "rule" (`explain --rule ID`)."""
    document = {"format": FORMAT, "version": LAYOUT_VERSION, "cellrules": __version__, "kind": kind,
                kind: plain(model)}
    return json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def plain(value):
    """JSON data of a model value: attrs classes as objects in field order, tuples as arrays."""
    if isinstance(value, units.Dimension):   # an attrs class too, shown by its name: "pressure"
        return value.name
    if attrs.has(type(value)):
        return {field.name: plain(getattr(value, field.name)) for field in attrs.fields(type(value))}
    if isinstance(value, (tuple, list)):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)   # "inf", "-inf", "nan": JSON has no such numbers
    return value
