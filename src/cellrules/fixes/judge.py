"""What a check would print about a candidate, read straight from the evaluator's outcome codes.

Building findings costs more than evaluating; a search rejects almost every candidate. The judge
therefore computes only what verification compares: the failures a check would show (after
refinements and superseding rules replace what they explain and waivers accept what they name,
engine/evaluate.py), the ones that fail the file under `fail_on`, the error rules left unknown
(and not superseded), and the status. The verified
suggestions are then checked again through the whole pipeline (fixes/search.py), and tests compare
the judge with `evaluate` on every shipped spec and random edits of them.
"""
from __future__ import annotations

from itertools import compress

import attrs

from cellrules.engine.evaluate import CheckOptions, superseded
from cellrules.language.compile import FAIL, NOT_APPLICABLE, PASS, SKIPPED, UNKNOWN, UNKNOWN_GUARD

_RANK = {"info": 0, "warning": 1, "error": 2}
_UNSETTLED = (UNKNOWN, UNKNOWN_GUARD, SKIPPED)
_IS_FAIL = FAIL.__eq__
_UNUSED = "waiver.unused:"


@attrs.frozen
class Verdict:
    visible: frozenset          # failures a check prints: rule ids, "waiver.unused:R", "waiver.expired:R"
    blocking: frozenset         # those that fail the file
    unknown_errors: frozenset   # error rules unknown or skipped (they make the file incomplete)
    status: str                 # pass | incomplete | fail


@attrs.frozen
class Effect:
    """A candidate's verdict compared with the spec's."""

    verdict: Verdict            # with the waivers it leaves unused removed (see `dropped`)
    fixed: frozenset            # failures of the spec no longer shown
    new: frozenset              # failures shown now and not before
    newly_unknown: frozenset    # error rules unknown now and not before
    unfixed: frozenset          # failures of the spec that fail the file and are still not settled
    dropped: tuple = ()         # rules whose waiver the candidate leaves unused: the suggestion removes it

    @property
    def verified(self) -> bool:
        return not (self.new or self.newly_unknown or self.unfixed)

    @property
    def problems(self) -> frozenset:
        """What is left to fix: the search extends a candidate by edits for these."""
        return self.unfixed | self.new | self.newly_unknown


class Judge:
    def __init__(self, ruleset, options: CheckOptions, waivers):
        self.ruleset = ruleset
        self.options = options
        rules = ruleset.rules
        self.ids = tuple(r.id for r in rules)
        self.selected = tuple(options.selected(r.id) for r in rules)
        self.rank = tuple(_RANK[options.severity.get(r.id, r.severity)] for r in rules)
        self.threshold = _RANK["warning" if options.fail_on == "warning" else "error"]
        self.error_rules = tuple(i for i, r in enumerate(rules)
                                 if self.selected[i] and options.severity.get(r.id, r.severity) == "error")
        known = ruleset.positions
        self.waivers = {w.rule: w.expires is not None and w.expires < options.today for w in waivers}
        self.waived_rules = tuple(w.rule for w in waivers if w.rule in known and options.selected(w.rule))
        self._effects: dict = {}

    def verdict(self, outcomes) -> Verdict:
        replaced = superseded(self.ruleset, outcomes, self.options)
        visible, blocking, failed = set(), set(), set()
        for i in compress(range(len(outcomes)), map(_IS_FAIL, outcomes)):
            if not self.selected[i]:
                continue
            rule = self.ids[i]
            failed.add(rule)
            if rule in replaced:
                continue
            expired = self.waivers.get(rule)
            if expired is False:
                continue                          # waived: accepted, not a failure
            if expired:
                visible.add(f"waiver.expired:{rule}")
                blocking.add(f"waiver.expired:{rule}")
            visible.add(rule)
            if self.rank[i] >= self.threshold:
                blocking.add(rule)
        for rule in self.waived_rules:
            if rule not in failed:
                visible.add(f"waiver.unused:{rule}")
                if self.threshold <= _RANK["warning"]:
                    blocking.add(f"waiver.unused:{rule}")
        # An unsettled rule that a failed rule supersedes is not shown either (one cause, one finding).
        unknown = frozenset(self.ids[i] for i in self.error_rules
                            if outcomes[i] in _UNSETTLED and self.ids[i] not in replaced)
        status = "fail" if blocking else "incomplete" if unknown else "pass"
        return Verdict(frozenset(visible), frozenset(blocking), unknown, status)

    def effect(self, base: Verdict, outcomes) -> Effect:
        """The candidate's effect; many candidates end in the same outcomes (every artificial SEI
        protects the anode alike), so effects are kept by outcome vector."""
        key = bytes(outcomes)
        found = self._effects.get(key)
        if found is None or found[0] is not base:
            found = self._effects[key] = (base, self._effect(base, outcomes))
        return found[1]

    def _effect(self, base: Verdict, outcomes) -> Effect:
        verdict = self.verdict(outcomes)
        # A waiver accepts a failure; once a candidate fixes the rule, the waiver has nothing left to
        # accept and goes with the fix (else `check` would report it unused, a new failure).
        unused = frozenset(v for v in verdict.visible - base.visible if v.startswith(_UNUSED))
        if unused:
            blocking = verdict.blocking - unused
            verdict = Verdict(verdict.visible - unused, blocking, verdict.unknown_errors,
                              "fail" if blocking else "incomplete" if verdict.unknown_errors else "pass")
        positions = self.ruleset.positions
        unfixed = frozenset(
            failure for failure in base.blocking
            if failure in verdict.visible
            or (failure in positions and outcomes[positions[failure]] not in (PASS, NOT_APPLICABLE)))
        return Effect(verdict, base.visible - verdict.visible, verdict.visible - base.visible,
                      verdict.unknown_errors - base.unknown_errors, unfixed,
                      tuple(sorted(v[len(_UNUSED):] for v in unused)))

    def rule_index(self, failure: str) -> int | None:
        """The rule a failure id belongs to ("waiver.unused:R" belongs to R)."""
        return self.ruleset.positions.get(failure.rsplit(":", 1)[-1])
