"""A screening job: the space, its input tables and the checked rules, ready to ship to workers.

Everything in a job is plain data (attrs values, numpy arrays, the checked
AST), so it pickles to a worker process or a Dask worker, where it is compiled
once (chunk.py) and then evaluates chunk after chunk.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import attrs

DEFAULT_CHUNK = 100_000
# Derived values every row carries, with the unit of the column: (column, derived value, factor from SI).
# The conductivity is the layer at the anode's (in a one-layer cell, the electrolyte's); the
# area-specific resistance adds every layer's.
OUTPUT_VALUES = (
    ("cell_voltage_V", "open_circuit_voltage", 1.0),
    ("conductivity_S_per_cm", "electrolyte.conductivity_at_temperature", 0.01),
    ("electrolyte_asr_ohm_cm2", "electrolyte_asr", 1e4),
    ("modulus_ratio", "modulus_ratio", 1.0),
)


@attrs.frozen(eq=False)
class RuleRow:
    id: str
    severity: str
    failure_mode: str


@attrs.frozen(eq=False)
class ScreenJob:
    space: object                   # screening.space.Space
    checked: object                 # language.check.CheckedRules (the rules plus the space's exclude conditions)
    scale: object                   # potential.ReferenceScale
    inputs: object                  # screening.tables.SpaceInputs
    rules: tuple[RuleRow, ...]      # in evaluation order
    hides: tuple[tuple[int, int], ...]   # (i, j): a failure of rule i hides rule j's finding (fail, unknown, skipped)
    values: tuple[tuple[str, str, float], ...]
    rules_hash: str
    knowledge_hash: str
    chunk_size: int = DEFAULT_CHUNK

    @property
    def size(self) -> int:
        return self.space.size

    def chunks(self):
        """(start, stop) of every chunk, in id order; the same whatever runs them."""
        for start in range(0, self.size, self.chunk_size):
            yield start, min(start + self.chunk_size, self.size)

    @property
    def digest(self) -> str:
        """Names the job, so a worker compiles it once however many chunks it runs."""
        text = "|".join([self.space.path, str(self.space.sizes), self.rules_hash, self.knowledge_hash,
                         repr([(d.name, [c.label for c in d.choices]) for d in self.space.dimensions]),
                         repr([e.text for e in self.space.excludes])])
        return hashlib.sha256(text.encode()).hexdigest()[:20]


def prepare(space_path: str, ruleset, chunk_size: int = DEFAULT_CHUNK) -> ScreenJob:
    """Load the space, resolve its components once and check its exclude conditions against the rules."""
    from cellrules.errors import ManyErrors
    from cellrules.language import types as T
    from cellrules.screening.checked import checked_rules
    from cellrules.screening.space import ConditionPositions, SpaceError, load_space, source_lines
    from cellrules.screening.tables import space_inputs

    knowledge = ruleset.knowledge
    space = load_space(space_path, knowledge)
    inputs = space_inputs(space, knowledge, ruleset.by_id.keys())
    try:
        checked = checked_rules(ruleset, space.exclude_files)
    except ManyErrors as error:
        lines = source_lines(space.path)
        mappers = [ConditionPositions(space.path, e.location, lines, len(f"let {e.name} = ")) for e in space.excludes]
        raise ManyErrors([_remap(p, mappers) for p in error.problems]) from None
    problems = []
    for exclude in space.excludes:
        kind = checked.derive_types.get(exclude.name)
        if kind != T.BOOL:
            problems.append(SpaceError(f"an exclude condition must be true or false, got {kind.describe()}",
                                       exclude.location, "compare it, e.g. cell.stack_pressure > 50 MPa"))
    if problems:
        raise ManyErrors(problems)
    rules = tuple(RuleRow(r.id, r.severity, r.failure_mode) for r in ruleset.rules)
    positions = {r.id: i for i, r in enumerate(rules)}
    hides = tuple((positions[r.id], positions[r.refines]) for r in ruleset.rules if r.refines)
    hides += tuple((positions[r.id], positions[s]) for r in ruleset.rules for s in _superseded(r))
    values = tuple(v for v in OUTPUT_VALUES if v[1] in ruleset.compiled.derive_slots)
    return ScreenJob(space, checked, knowledge.scale, inputs, rules, hides, values,
                     _digest(ruleset.files), _digest(_knowledge_paths(knowledge)), chunk_size)


def _superseded(rule) -> tuple[str, ...]:
    """The rules a rule's `supersedes` clause names: its failure hides their findings, as in check."""
    return tuple(rule.supersedes)


def _knowledge_paths(knowledge) -> set[str]:
    entries = (*knowledge.entries, *knowledge.classes, *knowledge.failure_modes.values())
    return {e.location.path for e in entries if e.location is not None and e.location.path}


def _remap(problem, mappers):
    for mapper in mappers:
        remapped = mapper.remap(problem)
        if remapped is not problem:
            return remapped
    return problem


def _digest(paths) -> str:
    digest = hashlib.sha256()
    for path in sorted(str(p) for p in paths):
        digest.update(Path(path).name.encode())
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()[:16]
