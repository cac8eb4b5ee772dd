"""`check --format json` of every shipped spec against the output stored in tests/golden/.

The stored documents are the reviewed verdicts: a change to the engine, the rules or the
knowledge base that alters any of them shows here as a diff to look at. When the change is
intended (a science or severity fix), regenerate with `CELLRULES_UPDATE_GOLDEN=1 pytest
tests/test_golden_output.py` and commit the new documents with the change that made them.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from cellrules.engine.evaluate import CheckOptions, check_file
from cellrules.report.json import render_json
from conftest import EXAMPLES, REPO, TODAY

GOLDEN = Path(__file__).parent / "golden"
SPECS = sorted([*EXAMPLES.glob("*.toml"), *(EXAMPLES / "design-repo" / "designs").glob("*.toml"),
                *(EXAMPLES / "design-repo" / "drafts").glob("*.toml"), *(REPO / "rules" / "cases").glob("*.toml")])


def _stored(spec: Path) -> Path:
    return GOLDEN / spec.relative_to(REPO).with_suffix(".json")


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: str(p.relative_to(REPO)))
def test_check_json_matches_stored_output(ruleset, spec, monkeypatch):
    monkeypatch.chdir(REPO)
    relative = str(spec.relative_to(REPO))
    produced = render_json([check_file(ruleset, relative, CheckOptions(today=TODAY))])
    stored = _stored(spec)
    if os.environ.get("CELLRULES_UPDATE_GOLDEN"):
        stored.parent.mkdir(parents=True, exist_ok=True)
        stored.write_text(produced, encoding="utf-8")
    assert stored.exists(), f"no stored output for {relative}: regenerate with CELLRULES_UPDATE_GOLDEN=1"
    assert produced == stored.read_text(encoding="utf-8")


def test_every_stored_output_has_its_spec():
    expected = {_stored(spec) for spec in SPECS}
    assert set(GOLDEN.rglob("*.json")) <= expected, "stored output of a spec that no longer exists"
