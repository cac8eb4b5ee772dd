"""`cellrules explain`: a design's report in text, Markdown and HTML, and one rule's explanation."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET

import pytest

from conftest import CELL_LI, EXAMPLES, REPO, TODAY, run_cli

from cellrules.cli import main
from cellrules.engine.evaluate import CheckOptions, check_file
from cellrules.engine.ruleset import build_ruleset
from cellrules.report import figures, render
from cellrules.report.context import report_context
from cellrules.report.explain import build_report
from cellrules.resources import builtin_rules_dir

FORMATS = ("text", "markdown", "html")
SPECS = sorted(p.relative_to(REPO).as_posix() for p in EXAMPLES.glob("*.toml"))

# Renders every given spec in every format with `-o`, in one process, so that
# two processes with different hash seeds can be compared file for file.
_RENDER_ALL = textwrap.dedent("""
    import sys
    from pathlib import Path
    from cellrules.cli import main
    out = Path(sys.argv[1])
    for spec in sys.argv[2:]:
        for fmt in ("text", "markdown", "html"):
            target = out / (Path(spec).stem + "." + fmt)
            code = main(["explain", "--format", fmt, "--today", "2026-11-25", "-o", str(target), spec])
            assert code == 0, (spec, fmt, code)
""")

HOSTILE = """
spec_version = 1

[cell]
name = "<script>alert('name')</script> {{ 7*191 }} {% if true %}yes{% endif %} \\u001b[31mred"
carrier = "Li"
source = "<img src=x onerror=alert(1)> {{ 7*191 }} *bold* | pipe"
stack_pressure = "30 MPa"

[anode]
material = "Li"

[electrolyte]
material = "<script>alert('electrolyte')</script>"
custom = true
state = "solid"
class = "garnet"

[cathode]
material = "LiCoO2"
"""

NA_MIXED_SCALES = """
spec_version = 1

[cell]
name = "Na | Na3PS4 | NVP, window vs Na/Na+, cathode vs SHE"
carrier = "Na"

[anode]
material = "Na"

[electrolyte]
material = "Na3PS4"
window = { low = "1.2 V", high = "2.4 V", vs = "Na/Na+" }

[cathode]
material = "Na3V2(PO4)3"
potential = "0.7 V vs SHE"
"""

PACK_RULE = """
rule test.after-oxidation "Test rule that needs the oxidation check" {
  needs window.cathode-oxidation
  require cell.stack_pressure <= 100 MPa
  severity info
  failure electrolyte-oxidation
  because "A test rule: it only means something once the cathode is inside the window."
  mitigate "Coat the cathode with a cathode-coating"
  cite "Section 2"
  example pass "LiFePO4 against a halide electrolyte"
  example fail "LiCoO2 at 4.2 V against LGPS"
}
"""


def explain(*args, cwd=REPO):
    return run_cli("explain", "--today", TODAY.isoformat(), *args, cwd=cwd)


def report_of(ruleset, path):
    return build_report(check_file(ruleset, str(path), CheckOptions(include_all=True, today=TODAY)), ruleset)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """Every example in every format, rendered by two processes with different hash seeds, side by side."""
    runs, processes = [], []
    for seed in ("1", "2"):
        out = tmp_path_factory.mktemp(f"run{seed}")
        environment = dict(os.environ, PYTHONHASHSEED=seed)
        processes.append(subprocess.Popen([sys.executable, "-c", _RENDER_ALL, str(out), *SPECS], cwd=REPO,
                                          env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        runs.append(out)
    for process in processes:
        _, errors = process.communicate(timeout=900)
        assert process.returncode == 0, errors
    return runs


@pytest.fixture(scope="module")
def pack(tmp_path_factory):
    directory = tmp_path_factory.mktemp("pack")
    (directory / "test.rules").write_text(PACK_RULE, encoding="utf-8")
    return directory


# ---------------------------------------------------------------- every example, every format

def test_examples_are_found():
    assert "examples/li-lgps-bad.toml" in SPECS and len(SPECS) >= 2


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("spec", SPECS)
def test_every_example_renders_byte_identically_in_two_runs(rendered, spec, fmt):
    first, second = (run / f"{spec.rsplit('/', 1)[-1][:-5]}.{fmt}" for run in rendered)
    assert first.read_bytes() == second.read_bytes()
    text = first.read_text(encoding="utf-8").replace("<wbr>", "")   # <wbr>: where a long name may wrap
    assert spec in text                       # the path as given, relative
    assert str(REPO) not in text              # no absolute path that was given relative
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:", text)   # no timestamp


@pytest.mark.parametrize("spec", SPECS)
def test_text_fits_an_80_column_terminal(rendered, spec):
    text = (rendered[0] / f"{spec.rsplit('/', 1)[-1][:-5]}.text").read_text(encoding="utf-8")
    assert max(len(line) for line in text.splitlines()) <= 80


@pytest.mark.parametrize("spec", SPECS)
def test_html_is_one_self_contained_file_with_its_figures(rendered, spec):
    html = (rendered[0] / f"{spec.rsplit('/', 1)[-1][:-5]}.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "<script" not in html and "<link" not in html and "src=" not in html
    assert not re.search(r"url\((?!#)", html)                 # only references inside the file
    assert set(re.findall(r"https?://[^\s\"')]+", html)) == {"http://www.w3.org/2000/svg"}
    for figure in ("stack", "energy", "graph"):
        assert f'class="figure figure-{figure}"' in html


@pytest.mark.parametrize("spec", SPECS)
def test_markdown_uses_tables_and_says_why_figures_are_omitted(rendered, spec):
    markdown = (rendered[0] / f"{spec.rsplit('/', 1)[-1][:-5]}.markdown").read_text(encoding="utf-8")
    assert "|---|" in markdown and "<svg" not in markdown
    assert "omitted here" in markdown and "--format html" in markdown


# ---------------------------------------------------------------- what the report says

def test_a_failure_is_explained_with_values_mechanism_mitigations_techniques_and_chain(ruleset):
    report = report_of(ruleset, EXAMPLES / "li-lgps-bad.toml")
    assert report.status == "fail" and report.verdict.startswith("fail")
    assert [layer.role for layer in report.stack] == ["anode", "electrolyte", "cathode"]
    (mixed,) = [e for e in report.failures if e.rule == "interphase.mixed-conducting"]
    assert mixed.severity == "error"
    assert re.fullmatch(re.escape(str(EXAMPLES / "li-lgps-bad.toml")) + r":\d+:\d+", mixed.location)
    assert any(v.source.startswith("knowledge-base: Li10GeP2S12") for v in mixed.values)
    assert mixed.mechanism and mixed.citation.startswith("Section 2")
    sei = next(m for m in mixed.mitigations if "artificial-sei" in m.classes)
    names = {m.name for m in sei.materials}
    assert {"Li3N", "LiF"} <= names and "NaF" not in names          # this carrier's buffer layers only
    mode = ruleset.knowledge.failure_modes["mixed-conducting-interphase"]
    assert [t.name for t in mixed.techniques] == list(mode.get("techniques").value)
    assert [link.rule for link in mixed.replaces] == ["window.anode-reduction"]
    creep = next(e for e in report.failures if e.rule == "mechanics.li-stack-pressure-failure")
    assert [(d.rule, d.outcome) for d in creep.dependants] == [("mechanics.li-stack-pressure-short", "pass")]


def test_an_unknown_names_what_is_missing_and_what_it_was_derived_from(ruleset):
    report = report_of(ruleset, EXAMPLES / "li-lgps-bad.toml")
    modulus = next(e for e in report.unknowns if e.rule == "mechanics.shear-modulus-ratio")
    assert [m.name for m in modulus.missing] == ["electrolyte.shear_modulus"]
    assert "[electrolyte]" in modulus.missing[0].remedy
    (ratio,) = modulus.derivations
    assert ratio.name == "modulus_ratio" and ratio.value == "unknown"
    assert [(i.name, i.value) for i in ratio.inputs] == [("electrolyte.shear_modulus", "unknown"),
                                                        ("anode.shear_modulus", "4.2 GPa")]


def test_mechanics_panel_places_the_cell_against_the_rule_limits(ruleset):
    report = report_of(ruleset, EXAMPLES / "li-lgps-bad.toml")
    pressure = next(g for g in report.gauges if g.name == "cell.stack_pressure")
    assert pressure.value == pytest.approx(30e6) and pressure.source.startswith("spec: ")
    limits = {lim.text: lim.outcome for lim in pressure.limits}
    assert limits["5 MPa"] == "fail" and limits["25 MPa"] == "fail" and limits["75 MPa"] == "pass"
    svg = figures.mechanics_panel(report.gauges)
    assert 'data-value="cell.stack_pressure"' in svg and 'data-limit="mechanics.li-stack-pressure-short"' in svg


def test_rule_graph_colours_every_rule_by_its_outcome(ruleset):
    report = report_of(ruleset, EXAMPLES / "li-lgps-bad.toml")
    svg = figures.rule_graph(report.graph)
    nodes = dict(re.findall(r'data-node="([^"]+)" data-outcome="([^"]+)"', svg))
    assert set(r.id for r in ruleset.rules) <= set(nodes)
    assert nodes["window.anode-reduction"] == "fail"          # replaced by its refinement, still failed
    assert nodes["interphase.passivating"] == "pass"
    assert ("window.anode-reduction", "interphase.mixed-conducting", "refines") in \
        {(e.source, e.target, e.kind) for e in report.graph.edges}
    shown = report.graph.applicable()
    outcomes = {n.id: n.outcome for n in shown.nodes}
    assert {e.rule for e in report.failures + report.unknowns} <= set(outcomes)
    assert shown.not_drawn == sum(n.kind == "rule" for n in report.graph.nodes) - \
        sum(n.kind == "rule" for n in shown.nodes) > 0


def test_skipped_dependants_and_examples_from_a_rule_pack(pack):
    ruleset = build_ruleset([builtin_rules_dir(), pack])
    report = report_of(ruleset, EXAMPLES / "li-llto-direct.toml")
    (skipped,) = [e for e in report.skipped if e.rule == "test.after-oxidation"]
    assert [(p.rule, p.outcome) for p in skipped.prerequisites] == [("window.cathode-oxidation", "fail")]
    oxidation = next(e for e in report.failures if e.rule == "window.cathode-oxidation")
    assert ("test.after-oxidation", "skipped") in [(d.rule, d.outcome) for d in oxidation.dependants]
    assert [d.rule for d in oxidation.skipped_dependants] == ["test.after-oxidation"]
    text = explain("--rules", pack, "examples/li-llto-direct.toml").stdout
    assert "Skipped because of it: test.after-oxidation (skipped)" in text
    result = explain("--rule", "test.after-oxidation", "--rules", pack)
    assert result.returncode == 0, result.stderr
    assert "passes:\n    LiFePO4 against a halide electrolyte" in result.stdout
    assert "fails:\n    LiCoO2 at 4.2 V against LGPS" in result.stdout


# ---------------------------------------------------------------- energy levels on mixed scales

def _levels_y(svg: str) -> dict[str, float]:
    root = ET.fromstring(svg)
    return {element.get("data-level"): float(element.get("y1") or element.get("y"))
            for element in root.iter() if element.get("data-level")}


def test_energy_diagram_converts_every_scale_before_plotting(ruleset, write_spec):
    report = report_of(ruleset, write_spec(NA_MIXED_SCALES))
    diagram = report.energy
    na_vs_she = ruleset.knowledge.scale.potential_of("Na")
    expected = {"window.low": 1.2, "window.high": 2.4, "cathode": 0.7 - na_vs_she, "anode": 0.0,
                "reference": 0.0, "SHE": -na_vs_she}
    for key, vs_na in expected.items():
        level = diagram.level(key)
        assert level.vs_carrier == pytest.approx(vs_na, abs=1e-9), key
        assert level.vs_she == pytest.approx(vs_na + na_vs_she, abs=1e-9), key
    assert diagram.reference == "Na/Na+" and diagram.cathode_crosses is True and diagram.anode_crosses is True
    svg = figures.energy_diagram(diagram)
    plotted = _levels_y(svg)
    axis = figures.energy_axis(diagram)
    for key, vs_na in expected.items():
        assert plotted[key] == pytest.approx(axis.y(vs_na), abs=0.06), key
    # Independent of the axis: the cathode sits where 3.41 V falls between the window's ends.
    low, high = plotted["window.low"], plotted["window.high"]
    assert (plotted["cathode"] - low) / (high - low) == pytest.approx((0.7 - na_vs_she - 1.2) / 1.2, abs=0.01)
    assert plotted["anode"] < low < high < plotted["cathode"]   # potential grows downward, as in Figure 1f


# ---------------------------------------------------------------- escaping

def _render_all(write_spec, tmp_path, text):
    spec = write_spec(text)
    outputs = {}
    for fmt in FORMATS:
        target = tmp_path / f"out.{fmt}"
        assert main(["explain", "--format", fmt, "-o", str(target), spec]) == 0
        outputs[fmt] = target.read_text(encoding="utf-8")
    return outputs


def test_spec_text_is_escaped_and_inert_in_every_format(write_spec, tmp_path):
    out = _render_all(write_spec, tmp_path, HOSTILE)
    for fmt, text in out.items():
        assert "1337" not in text, fmt                      # {{ 7*191 }} was never evaluated
        assert "{{ 7*191 }}" in text or "\\{\\{ 7\\*191 \\}\\}" in text, fmt
        assert "\x1b" not in text and "\\x1b[31mred" in text.replace("\\[", "["), fmt
    assert "<script" not in out["html"] and "<img" not in out["html"]
    assert "&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt;" in out["html"]
    assert "&lt;script&gt;alert(&#39;electrolyte&#39;)&lt;/script&gt;" in out["html"].split("figure-stack", 1)[1]
    assert "<script" not in out["markdown"] and "<img" not in out["markdown"]
    assert "&lt;script&gt;alert('name')&lt;/script&gt;" in out["markdown"]
    assert "\\*bold\\* \\| pipe" in out["markdown"]
    assert "<script>alert('name')</script> {{ 7*191 }} {% if true %}yes{% endif %}" in out["text"]


# ---------------------------------------------------------------- the command line

def test_output_file_is_written_atomically_and_matches_stdout(tmp_path):
    target = tmp_path / "report.html"
    target.write_text("an old report")
    result = explain("--format", "html", "-o", target, "examples/li-llzo-lfp.toml")
    assert result.returncode == 0 and result.stdout == "", result.stderr
    assert target.read_text(encoding="utf-8") == explain("--format", "html", "examples/li-llzo-lfp.toml").stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]     # no temp file left behind
    assert oct(target.stat().st_mode & 0o777) != oct(0o600)


def test_unwritable_output_is_bad_input(tmp_path):
    result = explain("-o", tmp_path / "missing" / "report.txt", "examples/li-llzo-lfp.toml")
    assert result.returncode == 2 and "cannot write the report" in result.stderr and "Traceback" not in result.stderr


def test_exit_code_is_zero_whatever_the_verdict():
    assert explain("examples/li-lgps-bad.toml").returncode == 0
    assert explain("examples/li-llzo-lfp.toml").returncode == 0


def test_unreadable_spec_is_reported_at_file_line_column(tmp_path):
    spec = tmp_path / "typo.toml"
    spec.write_text('spec_version = 1\n[cell]\nname = "x"\ncarrier = "Li"\nstack_presure = "5 MPa"\n')
    result = explain(spec)
    assert result.returncode == 2 and result.stdout == ""
    assert f"{spec}:5:1: error: unknown key 'stack_presure'" in result.stderr
    assert "stack_pressure" in result.stderr                 # did you mean
    missing = explain(tmp_path / "nowhere.toml")
    assert missing.returncode == 2 and "nowhere.toml" in missing.stderr


def test_unknown_rule_id_suggests_the_closest():
    result = explain("--rule", "window.anode-reductoin")
    assert result.returncode == 2 and "unknown rule id" in result.stderr
    assert "window.anode-reduction" in result.stderr


def test_spec_and_rule_together_is_misuse():
    assert explain("examples/li-lgps-bad.toml", "--rule", "window.anode-reduction").returncode == 2
    assert explain().returncode == 2
    assert explain("--format", "pdf", "examples/li-lgps-bad.toml").returncode == 2


@pytest.mark.parametrize("fmt", FORMATS)
def test_explain_one_rule_says_what_why_where_and_shows_its_cases(fmt):
    result = explain("--rule", "mechanics.shear-modulus-ratio", "--format", fmt)
    assert result.returncode == 0, result.stderr
    assert "Section 4.1 (lines 163-169, Eqs. 12-13)" in result.stdout and "Monroe" in result.stdout
    assert "no passing example" not in result.stdout and "no failing example" not in result.stdout
    assert "cases/mechanics-shear-modulus-ratio-fail.toml" in result.stdout
    if fmt == "text":
        assert max(len(line) for line in result.stdout.splitlines()) <= 80


# ---------------------------------------------------------------- lab templates

def test_a_lab_template_renders_the_model(tmp_path):
    template = tmp_path / "lab.txt.j2"
    template.write_text("{{ report.name }}|{{ report.status }}|{% for e in report.failures %}{{ e.rule }} {% endfor %}\n")
    result = explain("--template", template, "examples/li-lgps-bad.toml")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Li | LGPS | LiCoO2") and "|fail|" in result.stdout
    assert "interphase.mixed-conducting" in result.stdout


def test_a_lab_template_may_extend_the_builtin_one(tmp_path):
    template = tmp_path / "lab.html.j2"
    template.write_text('{% extends "cellrules/report.html.j2" %}')
    ours = explain("--format", "html", "examples/li-llzo-lfp.toml").stdout
    assert explain("--format", "html", "--template", template, "examples/li-llzo-lfp.toml").stdout == ours


def test_lab_templates_run_sandboxed(tmp_path):
    template = tmp_path / "lab.html.j2"
    template.write_text("{{ 1 }}")
    from jinja2.sandbox import SandboxedEnvironment

    assert isinstance(render._environment("html", str(template)), SandboxedEnvironment)
    for escape_attempt in ("{{ report.__class__.__init__.__globals__ }}",
                           "{{ ''.__class__.__mro__[1].__subclasses__() }}",
                           "{% set x = report.passed.append(1) %}"):
        template.write_text(escape_attempt + "\n")
        result = explain("--template", template, "examples/li-llzo-lfp.toml")
        assert result.returncode == 2, escape_attempt
        assert "template failed" in result.stderr and "Traceback" not in result.stderr


def test_a_broken_lab_template_is_reported_at_its_line(tmp_path):
    template = tmp_path / "broken.txt.j2"
    template.write_text("line one\n{% for x in %}\n")
    result = explain("--template", template, "examples/li-llzo-lfp.toml")
    assert result.returncode == 2 and f"{template}:2:1: error: template syntax error" in result.stderr


# ---------------------------------------------------------------- start-up cost

def test_check_does_not_import_jinja2():
    code = ("import sys\nfrom cellrules.cli import main\nmain(['check', 'examples/li-llzo-lfp.toml'])\n"
            "print('jinja2' in sys.modules, 'markupsafe' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.stdout.splitlines()[-1] == "False False", done.stderr


def test_orbital_energies_are_plotted_as_potentials_and_bound_the_band(ruleset, write_spec):
    # A custom material under a name of its own: custom = true on a knowledge-base name is an error (issue 13, D20).
    spec = NA_MIXED_SCALES.replace('window = { low = "1.2 V", high = "2.4 V", vs = "Na/Na+" }',
                                   'custom = true\nstate = "solid"\nclass = "sulfide"\nlumo = "-3.5 eV"\nhomo = "-6.0 eV"') \
        .replace('material = "Na3PS4"', 'material = "our Na3PS4 glass"')
    diagram = report_of(ruleset, write_spec(spec)).energy
    na_vs_she = ruleset.knowledge.scale.potential_of("Na")
    assert diagram.level("lumo").vs_she == pytest.approx(3.5 - 4.44)          # U = -E/e - 4.44 V vs SHE
    assert diagram.level("homo").vs_carrier == pytest.approx(6.0 - 4.44 - na_vs_she)
    assert diagram.window_kind == "HOMO-LUMO gap" and diagram.level("window.low") is None
    svg = figures.energy_diagram(diagram)
    band = next(e for e in ET.fromstring(svg).iter() if e.get("data-level") == "window")
    plotted = _levels_y(svg)
    assert float(band.get("y")) == pytest.approx(plotted["lumo"], abs=0.06)
    assert float(band.get("y")) + float(band.get("height")) == pytest.approx(plotted["homo"], abs=0.11)


@pytest.mark.parametrize("rule_id", ["mechanics.li-stack-pressure-creep", "interphase.mixed-conducting",
                                     "zn.hydrogen-evolution"])
def test_rule_explanation_shows_a_shipped_passing_and_failing_case(rule_id):
    result = run_cli("explain", "--rule", rule_id)
    assert result.returncode == 0, result.stderr
    assert "passes:" in result.stdout and "fails:" in result.stdout
    assert "# cases/" in result.stdout and "expect-" not in result.stdout
    assert "has no passing example" not in result.stdout and "has no failing example" not in result.stdout


# ---------------------------------------------------------------- a stack of electrolyte layers

STACK = """
spec_version = 1

[cell]
name = "Li | Au | LLZO | Li6PS5Cl | LiNbO3 | Li3InCl6 | NMC811"
carrier = "Li"
temperature = "25 degC"

[anode]
material = "Li"

[[electrolyte]]
material = "LLZO"
thickness = "100 um"

[[electrolyte]]
material = "Li6PS5Cl"
role = "separator"

[[electrolyte]]
material = "Li3InCl6"
role = "catholyte"

[[interlayer]]
material = "LiNbO3"
between = ["electrolyte.2", "electrolyte.3"]
thickness = "5 nm"

[[interlayer]]
material = "Au"
between = ["anode", "electrolyte.1"]
thickness = "20 nm"

[cathode]
material = "NMC811"
potential = "4.3 V vs Li/Li+"
"""


def test_the_layer_stack_shows_every_layer_and_the_interlayers_between_them(ruleset, check):
    from cellrules.report import figures
    from cellrules.report.explain import build_report

    report = build_report(check(STACK), ruleset)
    assert [(layer.role, layer.name) for layer in report.stack] == [
        ("anode", "Li"), ("interlayer", "Au"), ("electrolyte", "LLZO"), ("electrolyte", "Li6PS5Cl"),
        ("interlayer", "LiNbO3"), ("electrolyte", "Li3InCl6"), ("cathode", "NMC811")]
    assert report.stack[3].detail.startswith("layer 2 of 3, separator")
    drawn = figures.layer_stack(report.stack)
    fills = re.findall(r'data-layer="electrolyte"[^>]*fill="(#[0-9a-f]+)"', drawn)
    assert len(fills) == 3 and fills[0] != fills[1] != fills[2]     # adjacent layers told apart


def test_each_electrode_is_judged_against_the_layer_it_touches(ruleset, check):
    from cellrules.report import figures
    from cellrules.report.explain import build_report

    energy = build_report(check(STACK), ruleset).energy
    assert energy.layers == ("LLZO", "Li6PS5Cl", "Li3InCl6")
    assert energy.level("window.low", 1).label == "reduction limit (LLZO)"
    first_low = next(lv for lv in energy.levels if lv.key == "window.low" and lv.layer == 1)
    anode = energy.level("anode")
    assert energy.anode_crosses is (anode.vs_she < first_low.vs_she)     # against the layer the anode touches
    last_high = [lv for lv in energy.levels if lv.key == "window.high" and lv.layer == 3]
    cathode = energy.level("cathode")
    assert energy.cathode_crosses is ((cathode.vs_she > last_high[0].vs_she) if last_high else None)
    drawn = figures.energy_diagram(energy)
    columns = {lv.layer for lv in energy.levels if lv.key == "window.low"} & {
        lv.layer for lv in energy.levels if lv.key == "window.high"}
    assert re.findall(r'data-level="window" data-layer="(\d)"', drawn) == [str(k) for k in sorted(columns)]
    width = float(re.search(r'<svg[^>]*width="([\d.]+)"', drawn).group(1))
    assert width > 720                            # a column for each layer
    # A catholyte whose window nobody knows: the cathode cannot be judged, and is not judged by the separator's.
    custom = STACK.replace('material = "Li3InCl6"\nrole = "catholyte"',
                           'material = "lab catholyte"\ncustom = true\nstate = "solid"\nclass = "halide"\nrole = "catholyte"')
    unknown = build_report(check(custom), ruleset).energy
    assert {lv.layer for lv in unknown.levels if lv.key.startswith("window")} <= {1, 2}
    assert unknown.cathode_crosses is None
    assert "window unknown" in figures.energy_diagram(unknown)


def test_one_layer_cells_draw_as_before(ruleset, check):
    from cellrules.report import figures
    from cellrules.report.explain import build_report

    report = build_report(check(STACK.split("[[electrolyte]]")[0] + '[electrolyte]\nmaterial = "LLZO"\n'
                                "\n[cathode]\nmaterial = \"LiFePO4\"\n"), ruleset)
    assert [layer.name for layer in report.stack if layer.role == "electrolyte"] == ["LLZO"]
    assert report.energy.level("window.low").label == "reduction limit"
    assert 'width="720.0"' in figures.energy_diagram(report.energy)


def test_an_undecided_rule_carries_no_warning_or_error_label():
    run = run_cli
    html = run("explain", "--format", "html", "examples/li-lgps-bad.toml", cwd=REPO).stdout
    card = re.search(r'<article class="finding needs-data" id="rule-mechanics.shear-modulus-ratio">\s*<h3>(.*?)</h3>',
                     html, re.S)
    assert card and "needs data" in card.group(1) and "badge-warning" not in card.group(1)
    text = run("explain", "examples/li-lgps-bad.toml", cwd=REPO).stdout
    assert "[needs data] mechanics.shear-modulus-ratio" in text
    markdown = run("explain", "--format", "markdown", "examples/li-lgps-bad.toml", cwd=REPO).stdout
    assert "### needs data: `mechanics.shear-modulus-ratio`" in markdown


def test_needs_data_lists_the_alternatives_as_alternatives(ruleset, check):
    from cellrules.report.explain import build_report

    polymer = CELL_LI.replace("25 degC", "60 degC") + """
[anode]
material = "Li"

[electrolyte]
material = "my-peo"
custom = true
state = "polymer"
class = "polymer"
ionic_conductivity = "1e-4 S/cm"
conductivity_temperature = "25 degC"
"""
    report = build_report(check(textwrap.dedent(polymer)), ruleset)
    bulk = next(e for e in report.unknowns if e.rule == "transport.ionic-conductivity-bulk")
    groups = [[m.name for m in group] for group in bulk.needs_data]
    assert ["electrolyte.activation_energy"] in groups
    assert ["electrolyte.vft_pseudo_energy", "electrolyte.vft_t0"] in groups
    assert {m.name for m in bulk.missing} == {name for group in groups for name in group}


def test_an_observation_whose_premise_is_false_is_not_listed_as_passed(ruleset):
    # Li | LGPS: the interphase conducts electrons, so the passivating-interphase observation
    # (an info refinement) does not hold; the report must not claim it "passed" (issue 12).
    report = report_of(ruleset, EXAMPLES / "li-lgps-bad.toml")
    passed = {link.rule for link in report.passed}
    not_observed = {link.rule for link in report.not_observed}
    assert "interphase.passivating" in not_observed and "interphase.passivating" not in passed
    assert "mechanics.li-stack-pressure-short" in passed          # a requirement the cell meets stays passed
    text = render.render("report", "text", report_context(report, "text"))
    listed = text.split("== Observations that do not hold for this cell ==")[1]
    assert "interphase.passivating" in listed.split("== Rule graph")[0]
    assert "interphase.passivating" not in text.split("== Passed ==")[1].split("== Observations")[0]
    # Where the observation holds (Li | LLZO: an insulating interphase) it is a finding, not in either list.
    working = report_of(ruleset, EXAMPLES / "li-llzo-lfp.toml")
    assert "interphase.passivating" in {e.rule for e in working.failures}
    assert "interphase.passivating" not in {link.rule for link in working.not_observed}
