"""The Python API: every form of spec, the same answers as the command line, escaped HTML, cheap import."""
from __future__ import annotations

import runpy
import subprocess
import sys

import pytest

import cellrules
from cellrules import api
from cellrules.engine.evaluate import CheckOptions, check_file
from cellrules.errors import CellrulesError, ManyErrors
from cellrules.tomlfile import parse_toml
from conftest import EXAMPLES, REPO, TODAY

LGPS = EXAMPLES / "li-lgps-bad.toml"
HOSTILE = '''spec_version = 1

[cell]
name = "<script>alert(1)</script> & co"
carrier = "Li"
temperature = "25 degC"
stack_pressure = "25 MPa"

[anode]
material = "Li"

[electrolyte]
material = "Li6PS5Cl"
'''


def test_every_public_name_is_reexported_lazily():
    assert tuple(api.__all__) == cellrules._API
    assert cellrules.check is api.check and cellrules.suggest is api.suggest and cellrules.Fixes is api.Fixes
    with pytest.raises(AttributeError):
        cellrules.no_such_thing  # noqa: B018


def test_importing_cellrules_loads_no_api_and_check_no_api_lark_networkx_or_jinja2():
    code = ("import sys\nimport cellrules\nprint('cellrules.api' in sys.modules)\n"
            "from cellrules.cli import main\nmain(['check', 'examples/li-llzo-lfp.toml'])\n"
            "print(' '.join(m for m in ('cellrules.api', 'cellrules.fixes.search', 'lark', 'networkx', 'jinja2')"
            " if m in sys.modules) or 'none')")
    subprocess.run([sys.executable, "-m", "cellrules", "check", "examples/li-llzo-lfp.toml"], cwd=REPO,
                   capture_output=True, timeout=120)   # a warm cache
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    lines = done.stdout.splitlines()
    assert lines[0] == "False" and lines[-1] == "none", done.stdout + done.stderr


@pytest.mark.parametrize("form", ["path", "str", "text", "dict", "spec"])
def test_every_form_of_spec_gives_the_command_lines_answer(form):
    text = LGPS.read_text()
    source = {"path": LGPS, "str": str(LGPS), "text": text, "dict": parse_toml(text.encode(), "x").data,
              "spec": api.load_spec(LGPS)}[form]
    reference = check_file(api._ruleset(()), str(LGPS), CheckOptions(today=TODAY))
    result = api.check(source, today=TODAY)
    assert result.status == reference.status == "fail"
    # A dict has no lines: its findings all sit at line 1, so compare them without their order.
    assert sorted((f.rule, f.outcome, f.message) for f in result.findings) == \
        sorted((f.rule, f.outcome, f.message) for f in reference.findings)
    if form != "dict":   # the same lines too (provenance names the file, or <string>)
        assert [(f.rule, f.line, f.column) for f in result.findings] == \
            [(f.rule, f.line, f.column) for f in reference.findings]


def test_load_spec_reads_and_validates():
    spec = api.load_spec(LGPS)
    assert spec.path == str(LGPS) and spec.carrier == "Li" and spec.name.startswith("Li | LGPS")
    assert spec.text == LGPS.read_text() and spec.data["cell"]["stack_pressure"] == "30 MPa"
    with pytest.raises(ManyErrors) as raised:
        api.load_spec('spec_version = 1\n[cell]\nname = "x"\ncarrier = "Li"\nstack_pressure = 5\n')
    problem = raised.value.problems[0]
    assert (problem.location.line, problem.location.column) == (5, 1) and "5 MPa" in problem.hint
    with pytest.raises(CellrulesError):
        api.load_spec(EXAMPLES / "no-such-file.toml")
    with pytest.raises(TypeError):
        api.load_spec(42)


def test_check_of_a_bad_spec_is_an_error_result_not_an_exception():
    for source in ('spec_version = 1\n[cell\n', {"spec_version": 1, "cell": {"carrier": "Li"}},
                   EXAMPLES / "no-such-file.toml"):
        result = api.check(source)
        assert result.status == "error" and result.errors and not result.findings
        assert "error" in result._repr_html_()


def test_options_are_the_command_lines():
    base = api.check(LGPS, today=TODAY)
    assert base.status == "fail"
    ignored = api.check(LGPS, today=TODAY, ignore="mechanics,interphase,cathode")
    assert ignored.status == "pass" and not {f.rule for f in ignored.failures} & {"interphase.mixed-conducting"}
    assert api.check(LGPS, today=TODAY, select=("moisture",), fail_on="warning").status == "pass"
    assert api.check(LGPS, today=TODAY, severity={"interphase.mixed-conducting": "warning"}).status == "fail"
    assert len(api.check(LGPS, today=TODAY, include_all=True).findings) > len(base.findings)
    with pytest.raises(CellrulesError):
        api.check(LGPS, fail_on="info")
    with pytest.raises(CellrulesError):
        api.check(LGPS, severity={"x": "fatal"})


def test_html_is_a_findings_table_with_every_value_escaped():
    check, fixes, spec = api.check(HOSTILE, today=TODAY), api.suggest(HOSTILE, today=TODAY), api.load_spec(HOSTILE)
    html = check._repr_html_()
    assert "<table>" in html and "mechanics.li-stack-pressure-failure" in html and "&lt;string&gt;" in html
    for shown in (html, fixes._repr_html_(), spec._repr_html_()):
        assert "<script>" not in shown and "<string>" not in shown
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in spec._repr_html_()
    assert "stack_pressure" in fixes._repr_html_() and "<table>" in fixes._repr_html_()


def test_suggest_from_text_and_from_a_dict():
    text = (EXAMPLES / "li-lpscl-25mpa.toml").read_text()
    from_text = api.suggest(text, today=TODAY)
    assert from_text.path == "<string>" and "5 MPa" in from_text.apply(1)
    assert from_text.apply(1) == text.replace('stack_pressure = "25 MPa"', 'stack_pressure = "5 MPa"')
    from_dict = api.suggest(parse_toml(text.encode(), "x").data, today=TODAY)
    assert from_dict.apply_data(1)["cell"]["stack_pressure"] == "5 MPa"
    with pytest.raises(ValueError):
        from_dict.apply(1)
    with pytest.raises(IndexError):
        from_text.apply(99)
    with pytest.raises(CellrulesError):
        api.suggest(text, budget=0)


def test_a_byte_order_mark_survives_apply(tmp_path):
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + (EXAMPLES / "li-lpscl-25mpa.toml").read_bytes())
    fixed = api.suggest(path, today=TODAY).apply(1)
    assert fixed.encode("utf-8").startswith(b"\xef\xbb\xbf") and "5 MPa" in fixed


def test_explain_renders_every_format_and_frames_its_html():
    report = api.explain(LGPS, today=TODAY)
    assert report.status == "fail"
    assert "interphase.mixed-conducting" in report.text and report.markdown.startswith("#")
    assert "<html" in report.html.lower()
    framed = report._repr_html_()
    assert framed.startswith("<iframe srcdoc=") and "<html" not in framed.lower().split('srcdoc="', 1)[0]
    with pytest.raises(CellrulesError):
        api.explain('spec_version = 1\n[cell\n')
    with pytest.raises(CellrulesError):
        report.render("pdf")


def test_the_worked_example_runs():
    runpy.run_path(str(REPO / "docs" / "examples" / "notebook.py"), run_name="__main__")
