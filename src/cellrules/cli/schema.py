"""`cellrules schema`: a JSON Schema of the spec format, for editors (Taplo, Even Better TOML).

An editor that knows the schema completes keys, shows each field's meaning and
flags a misspelled key while the spec is typed, long before CI runs. The
schema is generated from the same tables the loader checks against
(cellspec/fields.py and cellspec/load.py's section keys), so it cannot drift from
what `cellrules check` accepts; a copy is shipped as
schema/cell-spec.schema.json and a test keeps it current.

It is JSON Schema draft-07, the newest draft Taplo fully supports. What a
schema cannot say (that a unit has the right dimension, that a material is in
the knowledge base) is left to `cellrules check`.

Editors show two things from it. On hover, Taplo shows `x-taplo.docs.main`:
each field's meaning and, for a quantity, what it measures, the unit cellrules
reports it in and an example. On a mistake, a validator prints the rule that
failed; a regular expression would be printed raw, so the shape of a quantity
is spelled as named definitions that say in words what is wrong (a failing
`not` names the definition: `a-number-without-its-unit is not allowed for "5"`).
"""
from __future__ import annotations

import json
import sys

from cellrules import units
from cellrules.cellspec import fields as F
# The loader's own tables, so the schema accepts exactly the keys the loader does.
from cellrules.cellspec.load import EXTRA_KEYS, FRACTIONS, SPEC_VERSIONS, TOP_LEVEL, WAIVER_KEYS, example_value, section_keys

DRAFT = "http://json-schema.org/draft-07/schema#"
# A quantity is a number followed by a unit (a letter, µ, °, Ω or %): "5 MPa", "1e-4 S/cm", "25 degC".
_UNIT_CHARACTER = r"A-Za-z\u00b5\u03bc\u00b0\u03a9%"
QUANTITY = "#/definitions/quantity"
# What a quantity must not be, each named for the message a validator prints when it is.
DEFINITIONS = {
    "quantity": {
        "description": "a number and its unit in one string, e.g. \"5 MPa\"",
        "allOf": [{"not": {"$ref": "#/definitions/a-bare-number-write-it-in-quotes-with-its-unit"}},
                  {"not": {"$ref": "#/definitions/a-number-without-its-unit"}},
                  {"not": {"$ref": "#/definitions/text-that-does-not-start-with-a-number"}},
                  {"type": "string"}],
    },
    "a-bare-number-write-it-in-quotes-with-its-unit": {"type": "number"},
    "a-number-without-its-unit": {"type": "string", "pattern": f"^[^{_UNIT_CHARACTER}]*$"},
    "text-that-does-not-start-with-a-number": {"type": "string", "not": {"pattern": r"^\s*[+\-\u2212]?(\d|\.\d)"}},
    # Matches anything: `not` it for the keys a table does not have. Unlike `additionalProperties: false`,
    # which Taplo reports on every line of the table, this marks the misspelled key's own line.
    "an-unknown-key-check-its-spelling": {},
}
UNKNOWN_KEY = {"not": {"$ref": "#/definitions/an-unknown-key-check-its-spelling"}}
_TABLES = ("cell", "anode", "electrolyte", "cathode", "sei", "current_collector")
_SECTION_TITLES = {
    "cell": "The cell as a whole: name, carrier and operating conditions",
    "anode": "The anode: a knowledge-base material, or custom = true with its properties",
    "electrolyte": "The electrolyte: a knowledge-base material, its parts (liquids), or custom = true; "
                   "[[electrolyte]] gives several layers, from the anode side to the cathode side",
    "cathode": "The cathode and its upper operating potential",
    "interlayer": "Buffer layers, interlayers, artificial SEIs and coatings, any number",
    "sei": "The measured or expected SEI on the anode",
    "current_collector": "The current collectors",
    "waiver": "A known, accepted failure: the rule id, why it is accepted and until when",
}


def register(commands) -> None:
    parser = commands.add_parser("schema", help="print the JSON Schema of the spec format (for editors)")
    parser.set_defaults(run=run)


def run(args) -> int:
    sys.stdout.write(render_schema())
    return 0


def render_schema() -> str:
    return json.dumps(spec_schema(), indent=2, ensure_ascii=False) + "\n"


def spec_schema() -> dict:
    properties = {"spec_version": {"description": "The version of the spec format; this cellrules reads "
                                   + ", ".join(map(str, SPEC_VERSIONS)), "enum": list(SPEC_VERSIONS)}}
    for section in TOP_LEVEL[1:]:
        if section == "interlayer":
            properties[section] = {"description": _SECTION_TITLES[section], "type": "array", "items": _interlayer()}
        elif section == "waiver":
            properties[section] = {"description": _SECTION_TITLES[section], "type": "array", "items": _waiver()}
        elif section == "electrolyte":
            layer = _table(section)
            properties[section] = {"description": layer.pop("description"),
                                   "anyOf": [layer, {"type": "array", "minItems": 1, "items": layer}]}
        else:
            properties[section] = _table(section)
    return {
        "$schema": DRAFT,
        "title": "cellrules cell spec, version " + str(SPEC_VERSIONS[-1]),
        "description": "A battery cell design checked by `cellrules check`; generated by `cellrules schema`.",
        "type": "object",
        "properties": properties,
        "required": ["spec_version", "cell"],
        "additionalProperties": UNKNOWN_KEY,
        "x-taplo": {"initKeys": ["spec_version", "cell"]},
        "definitions": DEFINITIONS,
    }


def _table(section: str) -> dict:
    keys = section_keys(section)
    properties = {key: _value(field) for key, field in keys.items()}
    if section == "electrolyte":
        properties.update(_liquid_parts())
        properties["window"] = _window()
        for orbital in ("homo", "lumo"):
            description = (F.BY_PATH[f"electrolyte.{orbital}"].description
                           + ", written as an absolute orbital energy in eV (vacuum scale), e.g. \"-6.9 eV\"")
            properties[orbital] = _quantity(description, _docs(F.BY_PATH[f"electrolyte.{orbital}"].description,
                                                               "an energy on the vacuum scale", "eV", "-6.9 eV"))
    if section == "sei":
        properties["components"] = _strings(F.BY_PATH["sei.components"].description)
    if "custom" in EXTRA_KEYS.get(section, ()):
        properties["custom"] = _custom(section)
    table = {"description": _SECTION_TITLES[section], "type": "object",
             "properties": dict(sorted(properties.items())), "additionalProperties": UNKNOWN_KEY}
    required = _custom_requires(section)
    if section == "cell":
        table["required"] = ["name", "carrier"]
        table["x-taplo"] = {"initKeys": ["name", "carrier"]}
    elif required:
        table["if"] = {"properties": {"custom": {"const": True}}, "required": ["custom"]}
        table["then"] = {"required": list(required)}
    return table


def _interlayer() -> dict:
    properties = {key: _value(field) for key, field in section_keys("interlayer").items()}
    properties["between"] = {"description": F.RECORD_FIELDS["interlayer"][2].description
                             + ": two adjacent members of the stack (anode, electrolyte or electrolyte.N, cathode, "
                             "current_collector)", "type": "array", "minItems": 2, "maxItems": 2,
                             "items": {"type": "string",
                                       "pattern": "^(anode|cathode|current_collector|electrolyte(\\.[1-9][0-9]*)?)$"}}
    properties["custom"] = _custom("interlayer")
    return {
        "type": "object",
        "properties": dict(sorted(properties.items())),
        "required": ["between"],
        "anyOf": [{"required": ["material"]}, {"properties": {"custom": {"const": True}}, "required": ["custom"]}],
        "additionalProperties": UNKNOWN_KEY,
        "x-taplo": {"initKeys": ["material", "between"]},
    }


def _waiver() -> dict:
    descriptions = {
        "rule": ("The id of the rule whose failure is accepted (`cellrules rules list`)",
                 {"type": "string", "pattern": r"^[a-z0-9_-]+(\.[a-z0-9_-]+)+$"}),
        "reason": ("Why the failure is accepted; required", {"type": "string", "pattern": r"\S"}),
        "expires": ("The last day the waiver holds, a date: expires = 2027-06-30 (a TOML date; the same date "
                    "in quotes is read alike)",
                    {"type": "string", "format": "date",
                     "x-taplo": {"docs": {"main": "**The last day the waiver holds**\n\nA date, YYYY-MM-DD: "
                                                  "`expires = 2027-06-30`. After it the failure counts again "
                                                  "(`waiver.expired`); `--today` fixes the date a check compares with."}}}),
    }
    properties = {key: {"description": descriptions[key][0], **descriptions[key][1]} for key in WAIVER_KEYS}
    return {"type": "object", "properties": properties, "required": ["rule", "reason"],
            "additionalProperties": UNKNOWN_KEY, "x-taplo": {"initKeys": ["rule", "reason"]}}


def _quantity(description: str, docs: str) -> dict:
    """A quantity field: its own description and hover text, the shape from the named definition."""
    return {"description": description, "allOf": [{"$ref": QUANTITY}], "x-taplo": {"docs": {"main": docs}}}


def _docs(meaning: str, measure: str, unit: str, example: str, note: str = "") -> str:
    """Hover text (Markdown): what the field means, what it measures and in which unit, an example."""
    text = f"**{meaning[:1].upper() + meaning[1:]}**\n\n{measure[:1].upper() + measure[1:]}"
    text += f", reported in {unit}" if unit else ""
    text += f"; any unit of that kind is read (write it in the string). Example: `\"{example}\"`."
    return text + (f"\n\n{note}" if note else "")


def _value(field: F.Field) -> dict:
    description = field.description
    if field.kind == F.POTENTIAL:
        example = example_value(field)
        return _quantity(f'{description}, a number and a unit, e.g. "{example}"',
                         _docs(description, "a potential on an electrode scale", "V", example,
                               "Name the reference after `vs` (`vs Li/Li+`, `vs SHE`, `vs Na/Na+`, ...); without "
                               "one, the potential is taken against the cell's own carrier."))
    if field.kind == F.QUANTITY:
        example = example_value(field)
        unit = units.DISPLAY_UNITS.get(field.dimension, field.dimension.base_units if field.dimension else "")
        return _quantity(f'{description}, a number and a unit, e.g. "{example}"',
                         _docs(description, field.dimension.phrase if field.dimension else "a quantity", unit, example))
    if field.kind == F.NUMBER:
        schema = {"description": description, "type": "number", "minimum": 0}
        if field.path in FRACTIONS:
            schema["maximum"] = 1
            schema["x-taplo"] = {"docs": {"main": f"**{description}**\n\nA bare number from 0 to 1, not a percentage: "
                                                  "`0.998` for 99.8 %."}}
        return schema
    if field.kind == F.BOOL:
        return {"description": description, "type": "boolean"}
    if field.kind == F.STRINGS:
        return _strings(description, field.vocabulary)
    schema = {"description": description, "type": "string"}
    if field.vocabulary:
        schema["enum"] = list(field.vocabulary)
    return schema


def _strings(description: str, vocabulary=()) -> dict:
    items = {"type": "string", "enum": list(vocabulary)} if vocabulary else {"type": "string"}
    return {"description": description, "type": "array", "items": items}


def _liquid_parts() -> dict:
    salt = F.BY_PATH["electrolyte.salt"].description
    return {
        "salt": {"description": salt + " (a knowledge-base name)",
                 "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
        "solvent": _strings(F.BY_PATH["electrolyte.solvent"].description + " (knowledge-base names)"),
        "additives": _strings(F.BY_PATH["electrolyte.additives"].description + " (knowledge-base names)"),
    }


def _window() -> dict:
    potential = {"type": ["string", "number"]}
    return {
        "description": "The electrochemical stability window; potentials without `vs` are taken versus `vs`",
        "type": "object",
        "properties": {
            "low": {"description": F.BY_PATH["electrolyte.window.low"].description, **potential},
            "high": {"description": F.BY_PATH["electrolyte.window.high"].description, **potential},
            "vs": {"description": 'The reference electrode, e.g. "Li/Li+" or "SHE" (default: the cell\'s carrier)',
                   "type": "string"},
        },
        "additionalProperties": UNKNOWN_KEY,
    }


def _custom(section: str) -> dict:
    required = _custom_requires(section)
    needs = f"; it must then give {' and '.join(required)}" if required else ""
    return {"description": f"A material the knowledge base does not know: nothing is looked up, the section's "
                           f"own properties are used{needs}", "type": "boolean"}


def _custom_requires(section: str) -> tuple[str, ...]:
    """What a custom material must declare (cell-spec.md, "Materials")."""
    return {"anode": ("kind",), "electrolyte": ("state", "class")}.get(section, ())
