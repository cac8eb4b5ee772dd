"""What `cellrules suggest` and `cellrules.suggest()` return: ranked, verified suggestions with evidence."""
from __future__ import annotations

import attrs

from cellrules.fixes.evidence import Evidence


@attrs.frozen
class Change:
    """One edit of a suggestion, as a user reads it."""

    kind: str                  # "set" | "add-layer" | "swap" | "drop-waiver"
    target: str                # a field path ("cell.stack_pressure"), "interlayer", "waiver" or a section ("anode")
    value: str                 # the new text or material (for a dropped waiver, its rule)
    previous: str              # what the spec had ("" for a new layer; a dropped waiver's reason)
    safe: bool
    description: str
    evidence: Evidence
    between: tuple = ()        # a new layer's interface


@attrs.frozen
class Suggestion:
    rank: int                  # 1-based; `--apply RANK`
    changes: tuple[Change, ...]
    safe: bool                 # every change is safe
    status: str                # what `cellrules check` says of the edited spec
    fixes: tuple[str, ...]     # the failures that failed the spec, now fixed
    also_fixes: tuple[str, ...]  # other failures (warnings, info) no longer shown
    text: str | None = attrs.field(default=None, repr=False)   # the edited spec's text (None for a dict spec)
    data: dict = attrs.field(factory=dict, repr=False, eq=False)  # the edited spec's tables


@attrs.frozen
class Fixes:
    path: str
    status: str                       # the spec's own status
    failures: tuple[str, ...]         # what fails the spec (the suggestions must fix all of it)
    suggestions: tuple[Suggestion, ...]
    found: int                        # verified candidates; `suggestions` keeps the best of them
    evaluations: int
    budget: int
    max_edits: int
    unsafe: bool
    deepest: int                      # edits per candidate searched up to
    exhausted_at: int | None          # the level at which the budget ran out, None if it did not
    unconfirmed: int = 0              # verified by the fast path yet not by a full check (a bug if not 0)
    unwritable: int = 0               # verified, but the edit cannot be written into this file's layout

    @property
    def exhausted(self) -> bool:
        return self.exhausted_at is not None

    @property
    def budget_note(self) -> str:
        if self.exhausted_at is None:
            return ""
        edits = "edit" if self.exhausted_at == 1 else "edits"
        return f"budget of {self.budget:,} evaluations exhausted at {self.exhausted_at} {edits}: there may be more"

    @property
    def nothing_to_fix(self) -> bool:
        return not self.failures

    def suggestion(self, rank: int) -> Suggestion:
        if not 1 <= rank <= len(self.suggestions):
            raise IndexError(f"there is no suggestion {rank} (there are {len(self.suggestions)})")
        return self.suggestions[rank - 1]

    def apply(self, rank: int) -> str:
        """The spec's text with suggestion `rank` applied (every other byte kept)."""
        text = self.suggestion(rank).text
        if text is None:
            raise ValueError("this spec was given as a dict: use apply_data(rank) for the edited tables")
        return text

    def apply_data(self, rank: int) -> dict:
        """The spec's tables with suggestion `rank` applied."""
        return self.suggestion(rank).data

    def _repr_html_(self) -> str:
        from cellrules.report.notebook import fixes_html
        return fixes_html(self)
