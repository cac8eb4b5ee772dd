"""Editors: the JSON Schema as Taplo (Even Better TOML) uses it: hover text, readable messages, associations.

`taplo lint` is the same engine the editor extension runs; it validates real specs
against schema/cell-spec.schema.json here, in a repository laid out as the README says.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cellrules.cellspec import fields as F
from cellrules.cli.schema import spec_schema
from conftest import EXAMPLES, REPO

SCHEMA = REPO / "schema" / "cell-spec.schema.json"
TAPLO = Path(sys.executable).parent / "taplo"
BROKEN = """spec_version = 1

[cell]
name = "x"
carrier = "Li"
stack_pressure = "5"
temperature = 25
current_density = "mA/cm^2"

[[waiver]]
rule = "mechanics.shear-modulus-ratio"
reason = "r"
expires = "2027-13-45"
"""


def taplo(*args, cwd) -> subprocess.CompletedProcess:
    binary = str(TAPLO) if TAPLO.exists() else shutil.which("taplo")
    assert binary, "taplo is a test dependency (pip install '.[test]')"
    return subprocess.run([binary, "lint", *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def _messages(done) -> list[str]:
    return [line.removeprefix("error: ") for line in done.stderr.splitlines() if line.startswith("error: ")]


@pytest.fixture
def design_repo(tmp_path):
    """A design repository with the README's .taplo.toml and a copy of the schema."""
    (tmp_path / "schema").mkdir()
    shutil.copy(SCHEMA, tmp_path / "schema" / SCHEMA.name)
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    association = re.search(r"```toml\n(\[\[rule\]\]\ninclude = .*?)```", readme, re.S).group(1)
    (tmp_path / ".taplo.toml").write_text(association, encoding="utf-8")
    (tmp_path / "designs" / "team-a" / "drafts").mkdir(parents=True)
    return tmp_path


def test_every_example_spec_is_valid_for_taplo():
    specs = sorted(str(p) for p in EXAMPLES.glob("*.toml"))
    done = taplo("--schema", SCHEMA.as_uri(), *specs, cwd=REPO)
    assert done.returncode == 0, done.stderr[-3000:]


def test_messages_say_what_is_wrong_without_a_regular_expression(tmp_path):
    (tmp_path / "broken.toml").write_text(BROKEN, encoding="utf-8")
    messages = _messages(taplo("--schema", SCHEMA.as_uri(), "broken.toml", cwd=tmp_path))
    joined = "\n".join(messages)
    assert 'a-number-without-its-unit"} is not allowed for "5"' in joined
    assert "a-bare-number-write-it-in-quotes-with-its-unit" in joined
    assert 'text-that-does-not-start-with-a-number"} is not allowed for "mA/cm^2"' in joined
    assert '"2027-13-45" is not a "date"' in joined
    assert not any(re.search(r"\\[sd]|\^\\|\[\^|does not match", message) for message in messages), messages


def test_the_readme_association_covers_specs_in_any_folder(design_repo):
    nested = design_repo / "designs" / "team-a" / "drafts" / "cell.toml"
    nested.write_text(BROKEN.replace('stack_pressure = "5"', 'stack_presure = "5 MPa"'), encoding="utf-8")
    done = taplo(str(nested.relative_to(design_repo)), cwd=design_repo)
    assert any("an-unknown-key-check-its-spelling" in m for m in _messages(done)), done.stderr
    # Taplo marks the misspelled key's own line (6), not every line of its table.
    located = re.findall(r"error: \{\"\$ref\":\"#/definitions/an-unknown-key-check-its-spelling\"\}.*\n\s*┌─ [^\n]*:(\d+):", done.stderr)
    assert located == ["6"], done.stderr


def test_a_schema_line_relative_to_the_spec_works_from_a_nested_folder(design_repo):
    # The README's `#:schema` line is relative to the spec; two folders down it climbs two levels.
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    line = re.search(r"^#:schema (\.\./\.\./schema/cell-spec\.schema\.json)$", readme, re.M)
    assert line, "the README shows a #:schema line for a spec two folders down"
    (design_repo / ".taplo.toml").unlink()
    spec = design_repo / "designs" / "team-a" / "cell.toml"
    spec.write_text(f"#:schema {line.group(1)}\n" + BROKEN, encoding="utf-8")
    messages = _messages(taplo("designs/team-a/cell.toml", cwd=design_repo))
    assert any("a-number-without-its-unit" in m for m in messages), messages


def test_hover_text_names_the_meaning_the_unit_and_an_example():
    schema = spec_schema()

    def field_schema(path: str):
        section, key = path.split(".", 1)
        table = schema["properties"][section]
        table = table.get("anyOf", [table])[0]
        table = table.get("items", table)
        return table["properties"][key]

    quantities = [f for f in F.FIELDS if f.kind in (F.QUANTITY, F.POTENTIAL) and f.settable and "." not in f.key
                  and f.section in ("cell", "anode", "electrolyte", "cathode")]
    assert len(quantities) > 20
    for field in quantities:
        entry = field_schema(field.path)
        docs = entry["x-taplo"]["docs"]["main"]
        assert docs.startswith(f"**{field.description[:1].upper()}"), field.path
        assert "Example: `\"" in docs and "reported in " in docs, field.path
    pressure = field_schema("cell.stack_pressure")["x-taplo"]["docs"]["main"]
    assert "A pressure, reported in MPa" in pressure and '"5 MPa"' in pressure
    potential = field_schema("cathode.potential")["x-taplo"]["docs"]["main"]
    assert "vs Li/Li+" in potential and "reported in V" in potential


def test_expires_is_a_date():
    waiver = spec_schema()["properties"]["waiver"]["items"]["properties"]["expires"]
    assert waiver["format"] == "date" and "YYYY-MM-DD" in waiver["x-taplo"]["docs"]["main"]


def test_the_shipped_schema_is_json_with_its_definitions():
    shipped = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert set(shipped["definitions"]) >= {"quantity", "a-number-without-its-unit"}
