"""The explain report agrees with the evaluation (issue 12), read from the SVG of the HTML report."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import cellrules

from conftest import EXAMPLES

SVG = "{http://www.w3.org/2000/svg}"


def figures(path) -> dict[str, ET.Element]:
    html = cellrules.explain(EXAMPLES / path).html
    found = {}
    for svg in re.findall(r"<svg\b.*?</svg>", html, flags=re.S):
        root = ET.fromstring(svg)
        found[root.get("class").split("figure-")[1]] = root
    return found


def texts(root) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(SVG + "text")]


def test_a_coated_cathode_is_drawn_with_its_coating_and_not_failing():
    result = cellrules.check(EXAMPLES / "li-in-lpscl-lnbo-nmc811.toml", include_all=True)
    outcomes = {f.rule: f.outcome for f in result.findings}
    assert outcomes["cathode.space-charge-layer"] == "pass"
    assert outcomes["window.cathode-oxidation"] == "not-applicable"
    figs = figures("li-in-lpscl-lnbo-nmc811.toml")
    layers = [r.get("data-layer") for r in figs["stack"].iter(SVG + "rect")]
    assert layers.index("coating") == layers.index("cathode") - 1   # the coating sits on the cathode
    cathode = next(e for e in figs["energy"].iter(SVG + "line") if e.get("data-level") == "cathode")
    assert cathode.get("data-state") == "guarded" and cathode.get("stroke") != "#cc0000"
    assert "separated by LiNbO3" in texts(figs["energy"])
    assert "oxidises the electrolyte" not in texts(figs["energy"])


def test_the_uncoated_cathode_is_still_drawn_failing():
    figs = figures("li-in-lpscl-nmc811-uncoated.toml")
    cathode = next(e for e in figs["energy"].iter(SVG + "line") if e.get("data-level") == "cathode")
    assert cathode.get("data-state") == "fail" and cathode.get("stroke") == "#cc0000"
    assert "oxidises the electrolyte" in texts(figs["energy"])


def test_li_limits_for_an_alloy_anode_are_greyed_and_labelled():
    result = cellrules.check(EXAMPLES / "li-in-lpscl-lnbo-nmc811.toml", include_all=True)
    outcomes = {f.rule: f.outcome for f in result.findings}
    bands = {r.get("data-limit"): r for r in figs_mechanics("li-in-lpscl-lnbo-nmc811.toml").iter(SVG + "rect")
             if r.get("data-limit")}
    assert bands, "the mechanics panel draws the stack-pressure limits"
    for rule_id, band in bands.items():
        applies = outcomes[rule_id] != "not-applicable"
        assert band.get("data-applies") == ("yes" if applies else "no"), rule_id
        if not applies:
            assert band.get("fill") == "#b7b7b7", rule_id
    assert bands["mechanics.li-stack-pressure-creep"].get("data-applies") == "no"
    assert sum("does not apply here" in t for t in texts(figs_mechanics("li-in-lpscl-lnbo-nmc811.toml"))) == \
        sum(outcomes[r] == "not-applicable" for r in bands)


def test_limits_that_apply_keep_their_severity_colour():
    bands = [r for r in figs_mechanics("li-lpscl-25mpa.toml").iter(SVG + "rect") if r.get("data-limit")]
    creep = next(r for r in bands if r.get("data-limit") == "mechanics.li-stack-pressure-failure")
    assert creep.get("data-applies") == "yes" and creep.get("fill") == "#cc0000"


def figs_mechanics(path):
    return figures(path)["mechanics"]


def test_text_and_markdown_say_what_the_figure_draws():
    coated = cellrules.explain(EXAMPLES / "li-in-lpscl-lnbo-nmc811.toml")
    for body in (coated.markdown, " ".join(coated.text.split())):
        assert "The cathode lies above the oxidation limit but does not fail: separated by LiNbO3." in body
        assert "it oxidises the electrolyte" not in body
    bare = cellrules.explain(EXAMPLES / "li-in-lpscl-nmc811-uncoated.toml")
    assert "The cathode lies above the oxidation limit: it oxidises the electrolyte." in bare.markdown
