"""One spec under search: its base verdict, the judge, the value patcher and the evaluation budget."""
from __future__ import annotations

import attrs

from cellrules.cellspec.resolve import resolve
from cellrules.fixes.judge import Effect, Judge
from cellrules.fixes.patch import Patcher
from cellrules.language.compile import NOT_APPLICABLE, PASS


class BudgetExhausted(Exception):
    """The search used every evaluation it was given."""


@attrs.frozen
class Trial:
    """A candidate (a tuple of edits) and what the rules say about it."""

    edits: tuple
    effect: Effect
    outcomes: list = attrs.field(eq=False, repr=False)

    @property
    def groups(self) -> frozenset:
        return frozenset(edit.group for edit in self.edits)


class Session:
    def __init__(self, ruleset, spec, options, budget: int, unsafe: bool):
        self.ruleset = ruleset
        self.spec = spec
        self.options = options
        self.unsafe = unsafe
        self.budget = budget
        self.used = 0
        self.patcher = Patcher(ruleset.knowledge, spec, resolve(spec, ruleset.knowledge), ruleset.compiled.slot_count)
        self.judge = Judge(ruleset, options, spec.waivers)
        self._evaluate = ruleset.evaluator
        outcomes = self._evaluate(*self.patcher.table(()))
        self.base = self.judge.verdict(outcomes)
        self.root = Trial((), self.judge.effect(self.base, outcomes), outcomes)

    def trial(self, edits: tuple) -> Trial:
        """Evaluate the spec with `edits`; one evaluation of the budget."""
        if self.used >= self.budget:
            raise BudgetExhausted
        self.used += 1
        outcomes = self._evaluate(*self.patcher.table(edits))
        return Trial(edits, self.judge.effect(self.base, outcomes), outcomes)

    def effect_of(self, edits: tuple):
        """The effect of `edits` outside the budget: for explaining a verified candidate, not for searching."""
        return self.judge.effect(self.base, self._evaluate(*self.patcher.table(edits)))

    def settles(self, trial: Trial, state: Trial, failure: str) -> bool:
        """Does `trial` (the state plus one edit) settle `failure` without anything new going wrong?"""
        verdict, before = trial.effect.verdict, state.effect.verdict
        if failure in verdict.visible or not verdict.visible <= before.visible \
                or not verdict.unknown_errors <= before.unknown_errors:
            return False
        index = self.ruleset.positions.get(failure)
        return index is None or trial.outcomes[index] in (PASS, NOT_APPLICABLE)
