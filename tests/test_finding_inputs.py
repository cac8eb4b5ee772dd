"""A finding's inputs are built when first read (engine/inputs.py): what a reader sees must be exactly the
tuple of Inputs the engine would have built at once, and JSON, which writes them from the values without
building them, must write exactly what the tree of those Inputs gives."""
from __future__ import annotations

import pickle

import pytest
from conftest import EXAMPLES, REPO, TODAY

from cellrules.engine.evaluate import CheckOptions, check_file
from cellrules.engine.inputs import FindingInputs
from cellrules.engine.results import Input
from cellrules.report.json import render_json, result_json
from cellrules.report.safe import json_dumps

SPECS = sorted([*EXAMPLES.rglob("*.toml"), *(REPO / "tests" / "bad").rglob("*.toml")])
OPTIONS = CheckOptions(include_all=True, today=TODAY)


def _checked(ruleset):
    return sorted((check_file(ruleset, str(p.relative_to(REPO)), OPTIONS) for p in SPECS), key=lambda r: r.path)


def _lazy(results):
    return [f for r in results for f in r.findings if isinstance(f.inputs, FindingInputs)]


def test_lazy_inputs_read_as_the_tuple_they_stand_for(ruleset):
    fresh, built = _lazy(_checked(ruleset)), _lazy(_checked(ruleset))
    assert len(fresh) > 100      # most findings of the examples read values or need some
    for unread, other in zip(fresh, built):
        expected = tuple(other.inputs)
        assert all(type(i) is Input for i in expected)
        assert bool(unread.inputs) == bool(expected)      # decided before anything is built
        assert unread.inputs == expected and expected == unread.inputs
        assert hash(unread.inputs) == hash(expected) and len(unread.inputs) == len(expected)
        assert repr(unread.inputs) == repr(expected) and list(unread.inputs) == list(expected)
        assert pickle.loads(pickle.dumps(unread.inputs)) == expected
        assert len({i.name for i in expected}) == len(expected)     # one Input per name


def test_a_finding_with_lazy_inputs_equals_one_with_them_built(ruleset):
    fresh, built = _lazy(_checked(ruleset)), _lazy(_checked(ruleset))
    for finding in built:
        tuple(finding.inputs)
    assert fresh == built and [hash(f) for f in fresh] == [hash(f) for f in built]
    crossed = pickle.loads(pickle.dumps(fresh))      # a worker's result: plain tuples of Inputs
    assert crossed == built and all(type(f.inputs) is tuple for f in crossed)


@pytest.mark.parametrize("include_all", [False, True])
def test_json_written_from_the_values_is_the_tree_of_the_built_inputs(ruleset, include_all):
    options = CheckOptions(include_all=include_all, today=TODAY)
    results = [check_file(ruleset, str(p.relative_to(REPO)), options) for p in SPECS]
    results.sort(key=lambda r: r.path)
    written = render_json(results)               # first: no Input built yet, the writer works from the values
    assert all(f.inputs._built is None for f in _lazy(results))    # and built none
    tree = json_dumps({"version": 1, "results": [result_json(r) for r in results]}, indent=2) + "\n"
    assert written == tree
    again = [check_file(ruleset, str(p.relative_to(REPO)), options) for p in SPECS]
    assert render_json(sorted(again, key=lambda r: r.path)) == written    # with the texts remembered
