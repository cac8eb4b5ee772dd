"""The explain report's "Verified fixes" section: the best suggestions of `cellrules suggest`, as plain values.

The report's templates (text, Markdown, HTML, a lab's own) and its JSON model read only these
values, so they need no knowledge of the search and never see an edited spec's text: each fix is
its changes in words, why each is offered (the mitigation line and the knowledge-base entry, with
their sources), the status the edited spec checks to and the failures it fixes; the section adds
how many were found, the search's own notes (what was searched, the budget note when the budget
ran out) and the command that lists them all and applies one.
"""
from __future__ import annotations

import attrs

from cellrules.fixes.model import Fixes, Suggestion
from cellrules.fixes.render import evidence_lines, summary_lines

TOP = 3


@attrs.frozen
class FixChange:
    description: str           # "set cell.stack_pressure to 5 MPa (was 25 MPa)"
    safe: bool
    evidence: tuple[str, ...]  # why it is offered, and the knowledge-base entry it brings in


@attrs.frozen
class VerifiedFix:
    rank: int                  # the rank `cellrules suggest SPEC --apply RANK` writes
    safe: bool
    status: str                # what `cellrules check` says of the edited spec
    fixes: tuple[str, ...]
    also_fixes: tuple[str, ...]
    changes: tuple[FixChange, ...]


@attrs.frozen
class VerifiedFixes:
    failures: tuple[str, ...]  # what fails the spec: every fix shown fixes all of it
    fixes: tuple[VerifiedFix, ...]
    found: int                 # verified fixes found in all
    notes: tuple[str, ...]     # what was searched; the budget note; nothing found within N edits
    command: str               # the command that lists them all and applies one


def section_fixes(ruleset, document, text: str | None, bom: bool, today) -> VerifiedFixes:
    """The section of a failing spec: the search `cellrules suggest` runs with its defaults (safe edits,
    its edit and evaluation budget, no configuration), so the report and the command agree."""
    from cellrules.engine.evaluate import CheckOptions
    from cellrules.fixes.find import find_fixes

    return verified_fixes(find_fixes(ruleset, document, text, CheckOptions(today=today), bom=bom))


def verified_fixes(fixes: Fixes, top: int = TOP) -> VerifiedFixes:
    shown = fixes.suggestions[:top]
    return VerifiedFixes(fixes.failures, tuple(_fix(s) for s in shown), fixes.found,
                         tuple(summary_lines(fixes, len(shown), counted=False)), f"cellrules suggest {fixes.path}")


def _fix(suggestion: Suggestion) -> VerifiedFix:
    changes = tuple(FixChange(c.description, c.safe, tuple(evidence_lines(c.evidence))) for c in suggestion.changes)
    return VerifiedFix(suggestion.rank, suggestion.safe, suggestion.status, suggestion.fixes,
                       suggestion.also_fixes, changes)
