"""Find, rank, re-check and describe the verified fixes of one spec.

The search (search.py) judges candidates from outcome codes on a patched value table. Before a
suggestion is shown it is checked once more the way `cellrules check` will check it: the edit is
written into the spec's text (or its tables, for a dict), parsed, loaded, resolved and evaluated in
full, and must give exactly the status and the failures the search claimed. A candidate that does
not is counted (`unconfirmed`, a bug if ever non-zero) and not shown.
"""
from __future__ import annotations

from cellrules.cellspec.load import load_document
from cellrules.engine.evaluate import CheckOptions, check_document
from cellrules.errors import SpecError
from cellrules.fixes import DEFAULT_BUDGET, DEFAULT_MAX_EDITS, knobs
from cellrules.fixes.candidates import Candidates
from cellrules.fixes.edits import RemoveTable
from cellrules.fixes.evidence import Evidence, evidence_for
from cellrules.fixes.model import Change, Fixes, Suggestion
from cellrules.fixes.search import search
from cellrules.fixes.session import Session, Trial
from cellrules.fixes.tomledit import EditError, apply_data, apply_text
from cellrules.tomlfile import TomlDocument, parse_toml

KEPT = 10                     # suggestions kept (and re-checked) of all found
SAFE_EXTRA = 3                # with --unsafe, safe ones kept after them when none is among them
_KIND_ORDER = {"set": 0, "add-layer": 1, "swap": 2}


def find_fixes(ruleset, document: TomlDocument, text: str | None, options: CheckOptions, *,
               max_edits: int = DEFAULT_MAX_EDITS, unsafe: bool = False, budget: int = DEFAULT_BUDGET,
               bom: bool = False) -> Fixes:
    """Verified fixes of the spec `document` (parsed from `text`, or a dict when `text` is None).

    Raises SpecError / ManyErrors on a bad spec, as loading does.
    """
    session, candidates = prepare(ruleset, document, options, budget, unsafe)
    spec = session.spec
    found = search(session, candidates, max_edits)
    suggestions, unconfirmed, unwritable = [], 0, 0
    for trial, changes in _best(found.verified, session):
        try:
            edited = _recheck(ruleset, document, text, options, trial, bom)
        except EditError:
            unwritable += 1
            continue
        if edited is None:
            unconfirmed += 1
            continue
        suggestions.append(_suggestion(len(suggestions) + 1, trial, changes, session, *edited))
    base = session.base
    return Fixes(spec.path, base.status, _rule_ordered(session, base.blocking), tuple(suggestions),
                 len(found.verified), found.evaluations, budget, max_edits, unsafe, found.deepest,
                 found.exhausted_at, unconfirmed, unwritable)


def prepare(ruleset, document: TomlDocument, options: CheckOptions, budget: int, unsafe: bool):
    """The search's session and candidate generator for a spec (raises on a bad spec)."""
    spec = load_document(document, ruleset.knowledge, ruleset.by_id.keys())
    session = Session(ruleset, spec, options, budget, unsafe)
    return session, Candidates(session, knobs.Writer(ruleset.knowledge.scale, spec.carrier),
                               _layer_tables(document.data))


def _layer_tables(data: dict) -> tuple:
    """The TOML table of each electrolyte layer: [electrolyte], or each [[electrolyte]]."""
    raw = data.get("electrolyte")
    if isinstance(raw, list):
        return tuple(("electrolyte", i) for i in range(len(raw)))
    return (("electrolyte",),) if isinstance(raw, dict) else ()


def _best(verified, session) -> list:
    """The KEPT best (trial, changes), ranked; with --unsafe, the best safe ones after them if none is among them.

    Evidence (which costs evaluations) is worked out only for the candidates the coarse part of the
    ranking leaves in contention.
    """
    coarse = sorted(verified, key=_coarse_rank)
    drafts = _ranked(coarse, KEPT, session)
    if not any(_safe(trial) for _, trial, _ in drafts):
        drafts += _ranked([t for t in coarse if _safe(t)], SAFE_EXTRA, session)
    return [(trial, changes) for _, trial, changes in drafts]


def _ranked(coarse: list, count: int, session) -> list:
    """The best `count` drafts of trials sorted by their coarse rank (ties at the cut all drafted)."""
    if not coarse:
        return []
    cutoff = _coarse_rank(coarse[min(count, len(coarse)) - 1])
    contending = [t for t in coarse if _coarse_rank(t) <= cutoff]
    return sorted((_draft(trial, session) for trial in contending), key=lambda d: d[0])[:count]


def _coarse_rank(trial) -> tuple:
    return (len(trial.edits), not _safe(trial), round(sum(e.magnitude for e in trial.edits), 9))


def _safe(trial) -> bool:
    return all(e.safe for e in trial.edits)


def _draft(trial, session):
    """(ranking key, trial, changes): fewer edits, safe before unsafe, the smallest change, the review's first choice."""
    edits = sorted(trial.edits, key=_edit_order)
    changes = tuple(_change(edit, evidence_for(edit, _evidence_rules(session, _needs(session, trial, edit))))
                    for edit in edits) + tuple(_dropped_waiver(session, rule) for rule in trial.effect.dropped)
    key = (*_coarse_rank(trial), sum(c.evidence.strength for c in changes), sum(c.evidence.position for c in changes),
           tuple(c.description for c in changes))
    return key, Trial(tuple(edits), trial.effect, trial.outcomes), changes


def _edit_order(edit) -> tuple:
    """Values first, then new layers from the anode side to the cathode side, then swaps."""
    return (_KIND_ORDER[edit.kind], getattr(edit, "interface", 0), edit.describe())


def _needs(session, trial, edit) -> frozenset:
    """The failures the candidate fixes only with this edit (all of them for a one-edit candidate)."""
    if len(trial.edits) == 1:
        return trial.effect.fixed
    rest = tuple(e for e in trial.edits if e != edit)
    return (trial.effect.fixed - session.effect_of(rest).fixed) or trial.effect.fixed


def _evidence_rules(session, fixed) -> list:
    """Fixed rules in evaluation order, each followed by the rules it refines."""
    ruleset = session.ruleset
    ids = sorted((f for f in fixed if f in ruleset.positions), key=ruleset.positions.get)
    chain = []
    for rule_id in ids:
        rule = ruleset.by_id[rule_id]
        chain.append(rule.id)
        while rule.refines and rule.refines in ruleset.by_id:
            rule = ruleset.by_id[rule.refines]
            chain.append(rule.id)
    return [ruleset.by_id[r] for r in dict.fromkeys(chain)]


def _change(edit, evidence) -> Change:
    if edit.kind == "add-layer":
        return Change("add-layer", "interlayer", edit.material, "", True, edit.describe(), evidence, edit.between)
    if edit.kind == "swap":
        return Change("swap", edit.section, edit.material, edit.old, False, edit.describe(), evidence)
    return Change("set", edit.path, edit.text, edit.old_text, edit.safe, edit.describe(), evidence)


def _dropped_waiver(session, rule: str) -> Change:
    waiver = next(w for w in session.spec.waivers if w.rule == rule)
    info = session.ruleset.by_id[rule]
    return Change("drop-waiver", "waiver", rule, waiver.reason, True,
                  f"remove the [[waiver]] of {rule}: the rule no longer fails", Evidence(rule, "", info.citation))


def _recheck(ruleset, document, text, options, trial, bom):
    """(text, data) of the edited spec if a full check gives what the search claimed; None if not."""
    operations = [op for edit in trial.edits for op in edit.operations()]
    waivers = document.data.get("waiver", [])
    operations += [RemoveTable("waiver", i) for i, table in enumerate(waivers)
                   if table.get("rule") in trial.effect.dropped]
    data = apply_data(document.data, operations)
    if text is None:
        edited_text, edited = None, TomlDocument(document.path, data, {})
    else:
        edited_text = apply_text(text, document, operations)
        edited = parse_toml(edited_text.encode("utf-8"), document.path, SpecError)
    result = check_document(ruleset, edited, options)
    claimed = trial.effect.verdict
    shown = {f.rule for f in result.findings if f.outcome == "fail"}
    if result.status != claimed.status or shown != {v.split(":", 1)[0] for v in claimed.visible}:
        return None
    return (("\ufeff" if bom else "") + edited_text if edited_text is not None else None), data


def _suggestion(rank, trial, changes, session, text, data) -> Suggestion:
    effect = trial.effect
    fixed = _rule_ordered(session, effect.fixed)
    blocking = session.base.blocking
    return Suggestion(rank, changes, all(c.safe for c in changes), effect.verdict.status,
                      tuple(f for f in fixed if f in blocking), tuple(f for f in fixed if f not in blocking),
                      text, data)


def _rule_ordered(session, failures) -> tuple[str, ...]:
    positions = session.ruleset.positions
    return tuple(sorted(failures, key=lambda f: (positions.get(f.rsplit(":", 1)[-1], -1), f)))
