"""`cellrules suggest` output: text for a terminal, JSON for tools. Pure functions of a Fixes value."""
from __future__ import annotations

import json

TEXT_SHOWN = 5


def render_text(fixes, shown: int = TEXT_SHOWN) -> str:
    lines = [_headline(fixes)]
    if fixes.nothing_to_fix:
        return "\n".join(lines) + "\n"
    for suggestion in _shown(fixes, shown):
        lines.append("")
        count = sum(c.kind != "drop-waiver" for c in suggestion.changes)   # a waiver it leaves unused goes with it
        kind = "safe" if suggestion.safe else "unsafe"
        lines.append(f"{suggestion.rank}. {count} {'edit' if count == 1 else 'edits'}, {kind}: "
                     f"the spec then checks {suggestion.status}")
        for change in suggestion.changes:
            lines.append(f"   {change.description}")
            lines.extend(f"     {line}" for line in evidence_lines(change.evidence))
        lines.append(f"   fixes: {', '.join(suggestion.fixes)}")
        if suggestion.also_fixes:
            lines.append(f"   also fixes: {', '.join(suggestion.also_fixes)}")
    lines.append("")
    lines.extend(summary_lines(fixes, shown))
    if fixes.suggestions:
        lines.append(f"apply one: cellrules suggest {fixes.path} --apply 1 -o FIXED.toml")
    return "\n".join(lines) + "\n"


def _shown(fixes, count: int) -> list:
    """The best `count`, and the best safe suggestion after them when none of them is safe."""
    best = list(fixes.suggestions[:count])
    if count and not any(s.safe for s in best):
        best += [s for s in fixes.suggestions[count:] if s.safe][:1]
    return best


def _headline(fixes) -> str:
    if fixes.nothing_to_fix:
        return f"{fixes.path}: {fixes.status}; nothing to fix"
    noun = "failure" if len(fixes.failures) == 1 else "failures"
    return f"{fixes.path}: {fixes.status}; {len(fixes.failures)} {noun} to fix: {', '.join(fixes.failures)}"


def evidence_lines(evidence) -> list[str]:
    lines = []
    if evidence.mitigation:
        lines.append(f'why: {evidence.rule} says "{evidence.mitigation}" ({evidence.citation})')
    elif evidence.rule:
        lines.append(f"why: found among the inputs of {evidence.rule} ({evidence.citation}); no mitigation names it")
    if evidence.entry:
        lines.append(f"knowledge base: {evidence.entry} ({evidence.source})")
    return lines


def summary_lines(fixes, shown: int, counted: bool = True) -> list[str]:
    """What was searched and what is not shown (the budget note among it), one line each.

    `counted=False` leaves out the line counting the fixes found and shown, for a page that counts
    them in its own words (the explain report's section).
    """
    lines = []
    if not fixes.suggestions and fixes.unwritable:
        lines.append("no verified fix can be written into this file's layout")
    elif not fixes.suggestions and fixes.exhausted:
        lines.append("no verified fix found before the budget ran out")
    elif not fixes.suggestions:
        edits = "edit" if fixes.max_edits == 1 else "edits"
        lines.append(f"no verified fix within {fixes.max_edits} {edits}")
    if not fixes.suggestions and not fixes.unsafe:
        lines.append("unsafe edits (material swaps, another cut-off, a hotter cell) were not tried: --unsafe tries them")
    elif counted and fixes.found > len(_shown(fixes, shown)):
        lines.append(f"{fixes.found} verified fixes found; {len(_shown(fixes, shown))} shown "
                     f"(--format json lists the best {len(fixes.suggestions)})")
    lines.append(f"searched {fixes.evaluations:,} candidates of up to {fixes.deepest} "
                 f"{'edit' if fixes.deepest == 1 else 'edits'} (budget {fixes.budget:,})")
    if fixes.exhausted:
        lines.append(fixes.budget_note)
    if fixes.unwritable:
        lines.append(f"{fixes.unwritable} verified fixes are not shown: they cannot be written into this file's layout "
                     "(a table written inline, or a value over several lines); write that part as plain tables "
                     "and keys to see them")
    if fixes.unconfirmed:
        lines.append(f"{fixes.unconfirmed} candidates passed the search but not the full check and are not shown "
                     "(please report this)")
    return lines


def render_json(fixes) -> str:
    document = {
        "version": 1,
        "file": fixes.path,
        "status": fixes.status,
        "failures": list(fixes.failures),
        "suggestions": [_suggestion_json(s) for s in fixes.suggestions],
        "search": {
            "found": fixes.found, "evaluations": fixes.evaluations, "budget": fixes.budget,
            "max_edits": fixes.max_edits, "unsafe": fixes.unsafe, "deepest": fixes.deepest,
            "exhausted": fixes.exhausted, "exhausted_at": fixes.exhausted_at, "message": fixes.budget_note,
            "unconfirmed": fixes.unconfirmed, "unwritable": fixes.unwritable,
        },
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _suggestion_json(suggestion) -> dict:
    return {
        "rank": suggestion.rank,
        "safe": suggestion.safe,
        "status": suggestion.status,
        "fixes": list(suggestion.fixes),
        "also_fixes": list(suggestion.also_fixes),
        "changes": [{
            "kind": c.kind, "target": c.target, "value": c.value, "previous": c.previous,
            "between": list(c.between), "safe": c.safe, "description": c.description,
            "evidence": {"rule": c.evidence.rule, "mitigation": c.evidence.mitigation,
                         "citation": c.evidence.citation, "entry": c.evidence.entry, "source": c.evidence.source},
        } for c in suggestion.changes],
    }
