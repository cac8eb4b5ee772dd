"""The text-level TOML editor behind `suggest --apply`: every other byte stays, or the edit is refused."""
from __future__ import annotations

import pytest

from cellrules.fixes.edits import AppendTable, RemoveTable, SetKey
from cellrules.fixes.tomledit import EditError, apply_data, apply_text
from cellrules.tomlfile import parse_toml

SPEC = '''\
# a comment at the top
spec_version = 1

[cell]   # the cell
name = "x"  # trailing comment
carrier = "Li"
stack_pressure = "25 MPa"   # too high

[anode]
material = "Li"

[[interlayer]]
material = "ZnO"
between = ["anode", "electrolyte"]

[electrolyte]
material = "LATP"
'''


def edit(text: str, *operations) -> str:
    return apply_text(text, parse_toml(text.encode(), "spec.toml"), operations)


def test_a_value_is_replaced_in_place_comments_and_spacing_kept():
    out = edit(SPEC, SetKey(("cell",), "stack_pressure", "5 MPa"))
    assert out == SPEC.replace('"25 MPa"   # too high', '"5 MPa"   # too high')


def test_a_new_key_goes_after_the_last_key_of_its_table():
    out = edit(SPEC, SetKey(("cell",), "temperature", "25 degC"))
    assert out == SPEC.replace('# too high\n', '# too high\ntemperature = "25 degC"\n')


def test_a_key_of_an_array_element_and_a_new_element():
    out = edit(SPEC, SetKey(("interlayer", 0), "thickness", "20 nm"),
               AppendTable("interlayer", (("material", "LiNbO3"), ("between", ["cathode", "electrolyte"]))))
    assert out == SPEC.replace('between = ["anode", "electrolyte"]\n', 'between = ["anode", "electrolyte"]\n'
                               'thickness = "20 nm"\n\n[[interlayer]]\nmaterial = "LiNbO3"\n'
                               'between = ["cathode", "electrolyte"]\n')


def test_a_first_array_element_goes_at_the_end_of_a_file_without_final_newline():
    text = 'spec_version = 1\n[cell]\nname = "x"'
    out = edit(text, AppendTable("interlayer", (("material", "LiF"), ("between", ["anode", "electrolyte"]))))
    assert out == text + '\n\n[[interlayer]]\nmaterial = "LiF"\nbetween = ["anode", "electrolyte"]\n'


def test_crlf_line_endings_are_kept():
    text = SPEC.replace("\n", "\r\n")
    out = edit(text, SetKey(("cell",), "temperature", "25 degC"), SetKey(("anode",), "material", "Li-In"))
    assert out == text.replace('# too high\r\n', '# too high\r\ntemperature = "25 degC"\r\n').replace(
        'material = "Li"\r\n', 'material = "Li-In"\r\n')
    assert "\n" not in out.replace("\r\n", "")


def test_inline_tables_literal_strings_and_quoted_keys():
    text = 'spec_version = 1\ncell = { name = "x", carrier = \'Li\' }\n[anode]\n"material" = \'Li\' # q\n'
    out = edit(text, SetKey(("cell",), "carrier", "Na"), SetKey(("anode",), "material", "Na"))
    assert out == 'spec_version = 1\ncell = { name = "x", carrier = "Na" }\n[anode]\n"material" = "Na" # q\n'


def test_strings_are_escaped():
    out = edit(SPEC, SetKey(("cell",), "name", 'a "quoted" \\ name'))
    assert parse_toml(out.encode(), "x").data["cell"]["name"] == 'a "quoted" \\ name'


def test_a_value_over_several_lines_is_refused_not_mangled():
    text = 'spec_version = 1\n[cell]\nname = """x\ny"""\n'
    with pytest.raises(EditError, match="several lines"):
        edit(text, SetKey(("cell",), "name", "z"))


def test_a_key_inserted_after_a_multiline_value_goes_after_the_header():
    text = 'spec_version = 1\n[cell]\nname = "x"\ntags = [\n  "a",\n]\n'
    out = edit(text, SetKey(("cell",), "carrier", "Li"))
    assert out == 'spec_version = 1\n[cell]\ncarrier = "Li"\nname = "x"\ntags = [\n  "a",\n]\n'


def test_a_table_without_a_header_is_refused():
    with pytest.raises(EditError):
        edit('spec_version = 1\ncell.name = "x"\n', SetKey(("cell",), "carrier", "Li"))


def test_apply_data_does_not_change_the_original():
    data = parse_toml(SPEC.encode(), "x").data
    edited = apply_data(data, [SetKey(("cell",), "stack_pressure", "5 MPa"),
                               AppendTable("interlayer", (("material", "LiF"),))])
    assert data["cell"]["stack_pressure"] == "25 MPa" and len(data["interlayer"]) == 1
    assert edited["cell"]["stack_pressure"] == "5 MPa" and edited["interlayer"][1] == {"material": "LiF"}


def test_a_removed_table_takes_its_lines_and_no_more():
    text = ('spec_version = 1\n\n[[waiver]]\nrule = "a.b"\nreason = "x"\n\n# keep me\n[[waiver]]\nrule = "c.d"\n'
            'reason = "y"\nexpires = 2027-06-30\n\n[cell]\nname = "x"\n')
    assert edit(text, RemoveTable("waiver", 1)) == ('spec_version = 1\n\n[[waiver]]\nrule = "a.b"\nreason = "x"\n\n'
                                                    '# keep me\n\n[cell]\nname = "x"\n')
    assert edit(text, RemoveTable("waiver", 0), RemoveTable("waiver", 1)) == \
        'spec_version = 1\n\n# keep me\n\n[cell]\nname = "x"\n'
    assert "waiver" not in apply_data(parse_toml(text.encode(), "x").data,
                                      [RemoveTable("waiver", 0), RemoveTable("waiver", 1)])
