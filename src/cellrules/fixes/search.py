"""Breadth-first search over edit sets, fewest edits first, under a budget of evaluations.

Level 1 tries every edit generated for the spec's failures. A candidate that is not yet verified but
made progress (it settled a failure of the spec, or it has fewer problems left) is extended at the
next level by the edits generated for what is left: the failures it did not fix, what it newly
broke, the error rules it left unknown. Candidates are sets: one reached along two paths is
evaluated once, and one that holds a verified set is not tried (it is not the smallest change).
The search stops after the first level that holds a safe verified candidate (more edits always rank
lower; with --unsafe, the safe fixes a level further are worth showing below the unsafe ones), at
`max_edits`, or when the budget is spent; a spent budget is reported with the level it was spent
at, never silently.
"""
from __future__ import annotations

from itertools import combinations

import attrs

from cellrules.fixes.session import BudgetExhausted, Session, Trial


@attrs.frozen
class Found:
    verified: tuple             # Trials, in the order found
    evaluations: int
    deepest: int                # the last level searched
    exhausted_at: int | None    # the level at which the budget ran out


def search(session: Session, candidates, max_edits: int) -> Found:
    root = session.root
    if not session.base.blocking:
        return Found((), session.used, 0, None)
    verified: list[Trial] = []
    fixed: set[frozenset] = set()
    seen = {frozenset()}
    frontier = [root]
    level = 0
    try:
        for level in range(1, max_edits + 1):
            grown: list[Trial] = []
            for state in frontier:
                groups, offered = state.groups, set()     # an edit several failures offer is tried once
                for failure in _in_rule_order(session, state.effect.problems):
                    for edit, trial in candidates.for_failure(failure, state):
                        if edit in offered or edit.group in groups:
                            continue
                        offered.add(edit)
                        key = frozenset((*state.edits, edit))
                        if key in seen or (fixed and _holds_a_fix(state.edits, edit, fixed)):
                            continue
                        seen.add(key)
                        trial = trial or session.trial((*state.edits, edit))
                        if trial.effect.verified:
                            verified.append(trial)
                            fixed.add(key)
                        elif level < max_edits and _progress(trial, state):
                            grown.append(trial)
            if any(all(e.safe for e in trial.edits) for trial in verified):
                break
            frontier = sorted(grown, key=_promise)
    except BudgetExhausted:
        return Found(tuple(verified), session.used, level, level)
    return Found(tuple(verified), session.used, level, None)


def _holds_a_fix(edits: tuple, edit, fixed: set) -> bool:
    """Is the state plus `edit` a superset of a verified candidate? The state holds none (it would not
    have been extended), so only the sets with `edit` and all but one of the state's edits need a look."""
    return bool(edits) and any(frozenset((*others, edit)) in fixed for others in combinations(edits, len(edits) - 1))


def _in_rule_order(session: Session, failures) -> list[str]:
    judge = session.judge
    return sorted(failures, key=lambda f: (judge.rule_index(f) if judge.rule_index(f) is not None else -1, f))


def _progress(trial: Trial, state: Trial) -> bool:
    after, before = trial.effect, state.effect
    return after.unfixed < before.unfixed or len(after.problems) < len(before.problems)


def _promise(trial: Trial) -> tuple:
    """Extend first the candidates with least left to fix, then the smallest changes (deterministic)."""
    effect = trial.effect
    return (len(effect.problems), len(effect.new), not all(e.safe for e in trial.edits),
            sum(e.magnitude for e in trial.edits), sorted(e.describe() for e in trial.edits))
