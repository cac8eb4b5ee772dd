"""`cellrules init` and `cellrules schema`: starting a spec, and the editor schema that guides it."""
import datetime
import json
from pathlib import Path

import jsonschema
import pytest

from cellrules.cli.discover import find_specs
from cellrules.cli.init import render_template
from cellrules.cli.schema import render_schema, spec_schema
from cellrules.cellspec.load import TOP_LEVEL, section_keys
from cellrules.tomlfile import tomllib
from conftest import EXAMPLES, REPO, run_cli

SHIPPED = REPO / "schema" / "cell-spec.schema.json"
# Every spec `cellrules check examples/` finds, excluded drafts included (config files and .taplo.toml are not specs).
EXAMPLE_SPECS = [Path(p) for p in find_specs([str(EXAMPLES)])]


def as_json(value):
    """TOML -> the JSON data model, as Taplo sees a TOML document: dates become RFC 3339 strings."""
    if isinstance(value, dict):
        return {key: as_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_json(item) for item in value]
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return value


@pytest.fixture(scope="module")
def validator():
    schema = json.loads(SHIPPED.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())


def errors(validator, text: str) -> list[str]:
    """Every message as check-jsonschema prints it, `$.path: message`, including those inside an anyOf
    (an electrolyte is one table or an array of them)."""
    def messages(error):
        yield error.json_path + ": " + error.message
        for inner in error.context or ():
            yield from messages(inner)
    return [m for error in validator.iter_errors(as_json(tomllib.loads(text))) for m in messages(error)]


# ---------------------------------------------------------------------------------------- init


def test_init_writes_a_template_that_check_accepts(tmp_path):
    result = run_cli("init", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""  # what was written is said on stderr
    spec = tmp_path / "cell.toml"
    assert spec.read_text(encoding="utf-8") == render_template("cell.toml")
    checked = run_cli("check", "--format", "json", spec, cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout
    assert json.loads(checked.stdout)["results"][0]["status"] in ("pass", "incomplete")


def test_init_writes_the_path_given_and_into_a_directory(tmp_path):
    assert run_cli("init", "designs-a.toml", cwd=tmp_path).returncode == 0
    (tmp_path / "designs").mkdir()
    assert run_cli("init", "designs", cwd=tmp_path).returncode == 0
    assert (tmp_path / "designs-a.toml").is_file() and (tmp_path / "designs" / "cell.toml").is_file()


def test_init_refuses_to_overwrite(tmp_path):
    existing = tmp_path / "cell.toml"
    existing.write_text("my design\n")
    result = run_cli("init", existing)
    assert result.returncode == 2
    assert "already exists" in result.stderr
    assert existing.read_text() == "my design\n"


def test_init_into_a_missing_directory_is_misuse(tmp_path):
    result = run_cli("init", tmp_path / "nowhere" / "cell.toml")
    assert result.returncode == 2 and "no such directory" in result.stderr


def test_the_template_shows_the_optional_sections_as_comments(validator):
    template = render_template()
    assert errors(validator, template) == []
    for commented in ("# [sei]", "# [current_collector]", "# [[waiver]]", "# expires = 2027-06-30", "# custom = true"):
        assert commented in template


# ---------------------------------------------------------------------------------------- schema


def test_schema_command_prints_the_shipped_copy():
    """Regenerate the copy with `cellrules schema > schema/cell-spec.schema.json`."""
    result = run_cli("schema")
    assert result.returncode == 0
    assert result.stdout == render_schema() == SHIPPED.read_text(encoding="utf-8")


def test_schema_knows_every_key_the_loader_accepts():
    schema = spec_schema()
    assert set(schema["properties"]) == set(TOP_LEVEL)
    for section in ("cell", "anode", "cathode", "sei", "current_collector"):
        assert set(section_keys(section)) <= set(schema["properties"][section]["properties"]), section
    one_layer, layers = schema["properties"]["electrolyte"]["anyOf"]
    assert set(section_keys("electrolyte")) <= set(one_layer["properties"]) and layers["items"] == one_layer
    assert set(section_keys("interlayer")) <= set(schema["properties"]["interlayer"]["items"]["properties"])


@pytest.mark.parametrize("path", EXAMPLE_SPECS, ids=lambda p: str(p.relative_to(EXAMPLES)))
def test_schema_accepts_every_example_spec(validator, path):
    assert errors(validator, path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("right, wrong, message", [
    ('stack_pressure = "5 MPa"', 'stack_presure = "5 MPa"',
     "$.cell.stack_presure: '5 MPa' should not be valid under {'$ref': '#/definitions/an-unknown-key-check-its-spelling'}"),
    ('carrier = "Li"', 'carrier = "Lithium"', "'Lithium' is not one of"),
    ('stack_pressure = "5 MPa"', "stack_pressure = 5", "5 is not of type 'string'"),
    ('stack_pressure = "5 MPa"', "coulombic_efficiency = 99.8", "99.8 is greater than the maximum of 1"),
])
def test_schema_rejects_a_misspelled_key_and_bad_values(validator, right, wrong, message):
    found = errors(validator, render_template().replace(right, wrong, 1))
    assert any(message in error for error in found), found


def test_schema_rejects_a_waiver_without_reason_and_a_misspelled_section(validator):
    assert errors(validator, render_template() + '\n[[waiver]]\nrule = "window.anode-reduction"\n')
    assert any(e.startswith("$.anodes: ") and "an-unknown-key-check-its-spelling" in e
               for e in errors(validator, render_template().replace("[anode]", "[anodes]")))


def test_schema_requires_what_a_custom_material_must_give(validator):
    custom = render_template().replace('material = "LLZO"', 'material = "my-garnet"\ncustom = true')
    assert any("'state' is a required property" in e for e in errors(validator, custom))
    declared = custom.replace('"my-garnet"\ncustom = true', '"my-garnet"\ncustom = true\nstate = "solid"\nclass = "garnet"')
    assert errors(validator, declared) == []
