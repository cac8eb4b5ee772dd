"""Why an edit is offered: the rule it fixes, the mitigation line that names it, the knowledge-base entry.

The mitigation is looked up among the rules the suggestion fixes (and the rules they refine): first
a line naming the edit's material, then one naming its class of layer or speaking of its knob, in
rule order. An edit no mitigation line speaks of says so (it was found among the rule's inputs).
"""
from __future__ import annotations

import re

import attrs

from cellrules.fixes import knobs
from cellrules.fixes.edits import AddLayer, SetLayerValue, SetValue, Swap

_NONE = 2          # strength of "no line speaks of it"


@attrs.frozen
class Evidence:
    rule: str              # the rule whose mitigation backs the edit ("" when none does)
    mitigation: str        # that mitigation line
    citation: str          # the rule's citation into the review
    entry: str = ""        # the knowledge-base entry the edit brings in
    source: str = ""       # that entry's source
    strength: int = _NONE  # 0 the line names the material, 1 its class or knob, 2 no line does
    position: int = 0      # where in the line (materials named first are the review's first choice)


def evidence_for(edit, needing, fixed) -> Evidence:
    """`needing`: the rules that the candidate fixes only with this edit; `fixed`: all it fixes (RuleInfo,
    each followed by the rules it refines). A line of a rule that needs the edit comes first."""
    strong, weak = _words(edit)
    entry = getattr(edit, "entry", None)
    entry_name = entry.name if entry is not None else ""
    source = entry.source if entry is not None else ""
    for rules in (needing, fixed):
        for strength, patterns in ((0, strong), (1, weak)):
            for rule in rules:
                for line in rule.mitigations:
                    found = [m.start() for m in (p.search(line) for p in patterns) if m]
                    if found:
                        return Evidence(rule.id, line, rule.citation, entry_name, source, strength, min(found))
    first = (needing or fixed or [None])[0]
    return Evidence(first.id if first else "", "", first.citation if first else "", entry_name, source)


def _words(edit) -> tuple[list, list]:
    if isinstance(edit, (AddLayer, Swap)):
        names = [edit.material, *getattr(edit.entry, "aliases", ())]
        strong = [re.compile(r"(?<![\w-])" + re.escape(n) + r"(?![\w-])") for n in names]
        if isinstance(edit, AddLayer):
            weak = [re.compile(r"\b" + edit.layer_class.replace("-", "[- ]") + r"\b", re.IGNORECASE)]
        else:
            weak = [re.compile(r"\b" + re.escape(edit.section.rsplit(".", 1)[-1].replace("_", " ")) + r"\b",
                               re.IGNORECASE)]
        return strong, weak
    if isinstance(edit, (SetValue, SetLayerValue)):
        knob = knobs.KNOBS[f"{edit.component}.{edit.key}" if isinstance(edit, SetLayerValue) else edit.path]
        return [], [re.compile(re.escape(w), re.IGNORECASE) for w in knob.words]
    return [], []
