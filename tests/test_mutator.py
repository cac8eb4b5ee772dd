"""The mutator behind the slow suite is a tool other tests use: deterministic, and its deletions exhaustive."""
from __future__ import annotations

from conftest import EXAMPLES, REPO
from mutator import MODES, Mutator, deletions, shipped_specs

SPEC = (EXAMPLES / "li-lgps-bad.toml").read_text(encoding="utf-8")


def test_a_seed_reproduces_its_mutants():
    for mode in MODES:
        first = [Mutator(7).mutate(SPEC, mode) for _ in range(3)]
        again = [Mutator(7).mutate(SPEC, mode) for _ in range(3)]
        assert first == again
    stream = Mutator(7)
    assert len({stream.mutate(SPEC, "mixed") for _ in range(50)}) > 40  # and a stream varies


def test_deletions_remove_each_key_line_and_each_section_once():
    lines = SPEC.split("\n")
    keys = [line for line in lines if "=" in line and not line.lstrip().startswith("#")]
    headers = [line for line in lines if line.startswith("[")]
    found = deletions(SPEC)
    assert len(found) == len(keys) + len(headers)
    for what, mutant in found:
        assert len(mutant.split("\n")) < len(lines), what
    section = next(m for w, m in found if w.startswith("section [electrolyte]"))
    assert "[electrolyte]" not in section and "[cathode]" in section


def test_a_deletion_mutant_is_one_of_the_deletions():
    every = {mutant for _, mutant in deletions(SPEC)}
    mutator = Mutator(3)
    assert all(mutator.mutate(SPEC, "delete") in every for _ in range(20))


def test_every_shipped_spec_is_mutated():
    specs = shipped_specs(REPO)
    assert len(specs) >= 200 and EXAMPLES / "li-lgps-bad.toml" in specs
    assert any("rules/cases" in str(p) for p in specs) and any("design-repo" in str(p) for p in specs)
