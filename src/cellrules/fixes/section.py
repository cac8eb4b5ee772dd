"""The data of the explain report's "Verified fixes" section, ready for its templates.

The report (report/explain.py, owned with its templates by the report's maintainers) is to show
the top suggestions of `cellrules suggest` under the findings. This module gives it one frozen
value built from a `Fixes`, so the templates need no knowledge of the search: the suggestions to
show with their changes and evidence, how many were found, and the search's own words (what was
searched, and the budget note when the budget ran out).
"""
from __future__ import annotations

import attrs

from cellrules.fixes.model import Fixes, Suggestion
from cellrules.fixes.render import summary_lines

TOP = 3


@attrs.frozen
class VerifiedFixes:
    status: str                          # the spec's status
    failures: tuple[str, ...]            # what fails the spec
    suggestions: tuple[Suggestion, ...]  # the best `TOP`, each with `changes` (and their `evidence`)
    found: int                           # verified fixes found in all
    notes: tuple[str, ...]               # what was searched; the budget note; nothing found within N edits
    command: str                         # the command that lists them all and applies one

    @property
    def nothing_to_fix(self) -> bool:
        return not self.failures


def verified_fixes(fixes: Fixes, top: int = TOP) -> VerifiedFixes:
    shown = fixes.suggestions[:top]
    notes = () if fixes.nothing_to_fix else tuple(summary_lines(fixes, len(shown)))
    return VerifiedFixes(fixes.status, fixes.failures, shown, fixes.found, notes,
                         f"cellrules suggest {fixes.path}")
