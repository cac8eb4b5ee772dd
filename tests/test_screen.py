"""`cellrules screen`: candidates agree with `check`, results are complete and repeatable.

The equivalence tests go the independent way round: a candidate is written out
as a spec (--materialize), loaded and resolved by the spec loader and the
resolver, and evaluated by the row-wise compiled function; the screen instead
resolved each component once and evaluated columns. Every rule's outcome must
agree, for thousands of random candidates of spaces that vary every kind of
field, the carrier included.
"""
from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cellrules.cellspec.load import load_document
from cellrules.errors import SpecError
from cellrules.tomlfile import parse_toml
from cellrules.cellspec.resolve import resolve
from cellrules.engine.evaluate import CheckOptions, check_file
from cellrules.screening.chunk import runner_for
from cellrules.screening.job import prepare
from cellrules.screening.candidate import materialize_text
from conftest import run_cli

SPACES = Path(__file__).resolve().parent / "spaces"
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def sulfide(ruleset):
    return prepare(str(SPACES / "sulfide-li.toml"), ruleset)


@pytest.fixture(scope="module")
def mixed(ruleset):
    return prepare(str(SPACES / "mixed.toml"), ruleset)


@pytest.fixture(scope="module")
def stack_rules():
    """The built-in rules and a pack reading electrolyte stacks (per-layer values, records, sum())."""
    from cellrules.engine.ruleset import build_ruleset
    from cellrules.resources import builtin_rules_dir
    return build_ruleset([builtin_rules_dir(), REPO / "tests" / "data" / "layer-rules"])


@pytest.fixture(scope="module")
def stack(stack_rules):
    return prepare(str(SPACES / "stack.toml"), stack_rules)


def column_outcomes(job, ids):
    """Outcomes as the result rows are built from them (distinct outcome patterns, expanded)."""
    return runner_for(job).outcomes(np.asarray(ids, dtype=np.int64))


def row_wise_outcomes(job, ruleset, candidate):
    text = materialize_text(job, candidate)  # the file --materialize writes, read as check reads a file
    spec = load_document(parse_toml(text.encode("utf-8"), f"candidate-{candidate}.toml", SpecError),
                         ruleset.knowledge, ruleset.by_id.keys())
    resolved = resolve(spec, ruleset.knowledge)
    values = resolved.values + [None] * (ruleset.compiled.slot_count - len(resolved.values))
    return ruleset.evaluator(values, resolved.given)


@pytest.mark.parametrize("space, count", [("mixed", 5_000), ("sulfide", 5_000), ("stack", 2_000)])
def test_every_rule_outcome_matches_the_materialized_spec(space, count, request, ruleset):
    job = request.getfixturevalue(space)
    if space == "stack":
        ruleset = request.getfixturevalue("stack_rules")
    rng = random.Random(16)
    ids = sorted(rng.sample(range(job.size), min(job.size, count)))
    outcomes = column_outcomes(job, ids)
    for row, candidate in enumerate(ids):
        expected = row_wise_outcomes(job, ruleset, candidate)
        assert outcomes[row].tolist() == expected, (candidate, [
            (job.rules[i].id, int(outcomes[row, i]), expected[i]) for i in range(len(expected))
            if outcomes[row, i] != expected[i]])


def rows_by_id(job, ids):
    """The result rows of these candidates."""
    batch = runner_for(job).batch_of(np.array(sorted(set(ids)), dtype=np.int64))
    return {row["id"]: row for row in batch.to_pylist()}


def check_verdict(ruleset, path):
    result = check_file(ruleset, str(path), CheckOptions())
    return (result.status, sorted(f.rule for f in result.findings if f.outcome == "fail"),
            sum(f.outcome in ("unknown", "skipped") for f in result.findings))


def test_200_random_rows_agree_with_check(sulfide, mixed, stack, ruleset, stack_rules, tmp_path):
    rng = random.Random(200)
    for job, rules, count in ((sulfide, ruleset, 100), (mixed, ruleset, 100), (stack, stack_rules, 60)):
        ids = rng.sample(range(job.size), count)
        rows = rows_by_id(job, ids)
        for candidate in ids:
            path = tmp_path / f"c{candidate}.toml"
            path.write_text(materialize_text(job, candidate), encoding="utf-8")
            status, failing, undecided = check_verdict(rules, path)
            row = rows[candidate]
            assert (row["status"], row["failing_rules"], row["needs_data"]) == (status, ";".join(failing), undecided), \
                candidate


def test_check_on_the_command_line_agrees(sulfide, tmp_path):
    candidate = 4321
    spec = tmp_path / "candidate.toml"
    done = run_cli("screen", str(SPACES / "sulfide-li.toml"), "--materialize", str(candidate), "-o", str(spec))
    assert done.returncode == 0, done.stderr
    checked = run_cli("check", "--format", "json", str(spec))
    document = json.loads(checked.stdout)["results"][0]
    row = rows_by_id(sulfide, [candidate])[candidate]
    assert document["status"] == row["status"]
    assert ";".join(sorted(f["rule"] for f in document["findings"] if f["outcome"] == "fail")) == row["failing_rules"]


def find(job, **choices):
    """The id of the candidate with these choices (labels by [vary] name)."""
    indexes = []
    for dimension in job.space.dimensions:
        labels = [c.label for c in dimension.choices]
        indexes.append(labels.index(choices[dimension.name]))
    candidate = 0
    for size, index in zip(job.space.sizes, indexes):
        candidate = candidate * size + index
    return candidate


def test_literature_rows(sulfide):
    bad = find(sulfide, **{"anode.material": "Li", "electrolyte.material": "LGPS", "interlayer.anode": "none",
                           "interlayer.cathode": "none", "cathode.material": "LiCoO2",
                           "cell.stack_pressure": "30 MPa", "cell.temperature": "25 degC"})
    good = find(sulfide, **{"anode.material": "Li-In", "electrolyte.material": "Li6PS5Cl", "interlayer.anode": "none",
                            "interlayer.cathode": "LiNbO3", "cathode.material": "NMC811",
                            "cell.stack_pressure": "5 MPa", "cell.temperature": "25 degC"})
    rows = rows_by_id(sulfide, [bad, good])
    assert rows[bad]["status"] == "fail"
    assert "interphase.mixed-conducting" in rows[bad]["failing_rules"].split(";")
    assert "mixed-conducting-interphase" in rows[bad]["failure_modes"].split(";")
    assert "window.anode-reduction" not in rows[bad]["failing_rules"].split(";")  # the refinement replaces it: one finding
    assert rows[good]["errors"] == 0 and rows[good]["status"] != "fail"


def test_parquet_is_the_same_bytes_with_any_number_of_processes(sulfide, tmp_path):
    space = str(SPACES / "sulfide-li.toml")
    one, two = tmp_path / "one.parquet", tmp_path / "two.parquet"
    for path, jobs in ((one, "1"), (two, "2")):
        done = run_cli("screen", space, "-o", str(path), "--jobs", jobs, "--chunk-size", "7000")
        assert done.returncode == 0, done.stderr
    assert one.read_bytes() == two.read_bytes()
    table = pq.read_table(one)
    assert table.num_rows == sulfide.size
    assert table.column("id").to_pylist() == list(range(sulfide.size))
    assert pq.ParquetFile(one).metadata.num_row_groups == -(-sulfide.size // 7000)  # written chunk by chunk


def test_the_three_formats_hold_the_same_rows(tmp_path):
    space = str(SPACES / "sulfide-li.toml")
    paths = {kind: tmp_path / f"r.{kind}" for kind in ("parquet", "csv", "jsonl")}
    for path in paths.values():
        assert run_cli("screen", space, "-o", str(path), "--jobs", "1").returncode == 0
    table = pq.read_table(paths["parquet"]).to_pylist()
    lines = paths["jsonl"].read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == table
    import csv
    with open(paths["csv"], newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(table)
    for row, expected in zip(rows[::997], table[::997]):
        assert row["status"] == expected["status"]
        assert row["failing_rules"] == expected["failing_rules"]
        assert int(row["id"]) == expected["id"]


def test_row_schema(tmp_path):
    path = tmp_path / "r.parquet"
    assert run_cli("screen", str(SPACES / "sulfide-li.toml"), "-o", str(path)).returncode == 0
    names = pq.read_schema(path).names
    assert names[:9] == ["id", "anode.material", "electrolyte.material", "interlayer.anode", "interlayer.cathode",
                         "cathode.material", "cell.stack_pressure", "cell.temperature", "status"]
    for name in ("errors", "warnings", "infos", "needs_data", "failing_rules", "failure_modes", "cell_voltage_V",
                 "conductivity_S_per_cm", "electrolyte_asr_ohm_cm2", "modulus_ratio", "rules_hash", "knowledge_hash"):
        assert name in names


def test_the_python_entry_point(sulfide, tmp_path):
    import cellrules.screening as screening

    space = SPACES / "sulfide-li.toml"
    size = sulfide.size
    assert screening.count(space) == size
    result = screening.screen(space, top=3, rank="max:conductivity_S_per_cm",
                              pareto="min:cell.stack_pressure,max:conductivity_S_per_cm",
                              heat_map=("electrolyte.material", "cathode.material"))
    assert result.candidates == result.table.num_rows == size
    assert sum(result.statuses.values()) == size
    assert result.table.column("id").to_pylist() == list(range(size))
    assert result.top.num_rows == 3 and result.top.column("status").to_pylist()[0] == "pass"
    assert result.front and int(result.heat_map.total.sum()) == size
    assert f"{size:,} candidates" in result._repr_html_()
    written = screening.screen(space, tmp_path / "r.parquet", jobs=1)
    assert pq.read_table(tmp_path / "r.parquet").equals(result.table)
    assert written.table is None and written.output.endswith("r.parquet")
    assert screening.materialize(space, 5).startswith("# Candidate 5 of the design space")


@pytest.mark.slow
def test_a_large_space_is_the_same_on_any_number_of_processes(tmp_path):
    """Two million candidates through the command line: complete, in id order, and the same bytes."""
    space = REPO / "benchmarks" / "spaces" / "li-cells.toml"
    files = []
    for jobs in ("1", "2"):
        out = tmp_path / f"r{jobs}.parquet"
        text = space.read_text().replace("steps = 8", "steps = 2").replace("steps = 7", "steps = 2") \
            .replace("steps = 4", "steps = 2")
        small = tmp_path / "space.toml"
        small.write_text(text)
        assert run_cli("screen", small, "-o", out, "--jobs", jobs, "--no-progress").returncode == 0
        files.append(out)
    assert files[0].read_bytes() == files[1].read_bytes()
    metadata = pq.ParquetFile(files[0]).metadata
    assert metadata.num_rows == pq.read_table(files[0], columns=["id"]).column("id").to_numpy()[-1] + 1


@settings(max_examples=300, deadline=None)
@given(start=st.integers(0, 10 ** 9), count=st.integers(1, 2_000), stride=st.integers(1, 10 ** 6),
       size=st.integers(1, 50))
def test_a_chunk_decodes_its_ids_without_dividing(start, count, stride, size):
    from cellrules.screening.chunk import _runs
    ids = np.arange(start, start + count, dtype=np.int64)
    assert np.array_equal(_runs(start, count, stride, size), (ids // stride) % size)
