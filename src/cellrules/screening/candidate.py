"""One candidate of a space as a spec file, which `cellrules check` evaluates to the screen's row.

The spec is the candidate's TOML data (the base, with each varied field set to
the candidate's choice) written out; the screen resolved that same data, so
check and screen agree (tests compare them on random candidates).
"""
from __future__ import annotations

from cellrules.errors import UsageError
from cellrules.screening.tomlwrite import document_text


def materialize_text(job, candidate: int) -> str:
    space = job.space
    if not 0 <= candidate < space.size:
        raise UsageError(f"--materialize {candidate}: the space has candidates 0 to {space.size - 1:,}")
    indexes = space.indexes(candidate)
    header = [f"Candidate {candidate} of the design space {space.path}",
              f"(cellrules screen {space.path} --materialize {candidate}; rules {job.rules_hash}, "
              f"knowledge {job.knowledge_hash})"]
    header += [f"  {d.name} = {d.choices[i].label}" for d, i in zip(space.dimensions, indexes)]
    excluded = excluded_by(job, candidate)
    if excluded:
        header.append(f"Excluded from the screen by: {excluded}")
    return document_text(space.spec_data(indexes), header="\n".join(header))


def excluded_by(job, candidate: int) -> str:
    """The exclude conditions that leave this candidate out of the results ('' when none does)."""
    if not job.space.excludes:
        return ""
    import numpy as np
    from cellrules.screening.chunk import runner_for

    runner = runner_for(job)
    indexes = [np.array([i], dtype=np.int64) for i in job.space.indexes(candidate)]
    frame = runner.evaluator.frame(dict(enumerate(indexes)), 1)
    found = []
    with np.errstate(all="ignore"):
        for exclude in job.space.excludes:
            condition = frame.eval(runner.program.derives[exclude.name])
            if condition.known[0] and condition.value[0]:
                found.append(exclude.text + (f" ({exclude.reason})" if exclude.reason else ""))
    return "; ".join(found)
