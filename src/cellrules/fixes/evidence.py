"""Why an edit is offered: the rule it fixes, the mitigation line that speaks of it, the knowledge-base entry.

The line is looked up among the rules the suggestion fixes only with this edit (and the rules they
refine), in rule order: first a line naming the edit's material, then one naming its class of layer
(or speaking of its knob, or of its component for a swap), then one speaking of a layer at all (a
"buffer", a "coating"). An edit no line of those rules speaks of says so: it was found among the
rule's inputs.
"""
from __future__ import annotations

import re

import attrs

from cellrules.fixes import knobs
from cellrules.fixes.edits import AddLayer, SetLayerValue, SetValue, Swap

_NONE = 3          # strength of "no line speaks of it"
_LAYER_WORDS = ("buffer", "interlayer", "layer", "coating", "coat", "separate", "apart", "protect")
_SWAP_WORDS = {"anode": ("alloy", "anode"), "electrolyte": ("electrolyte",), "cathode": ("cathode",)}


@attrs.frozen
class Evidence:
    rule: str              # the rule whose mitigation backs the edit ("" when none does)
    mitigation: str        # that mitigation line ("" when no line speaks of the edit)
    citation: str          # the rule's citation into the review
    entry: str = ""        # the knowledge-base entry the edit brings in
    source: str = ""       # that entry's source
    strength: int = _NONE  # 0 the line names the material, 1 its class, knob or component, 2 a layer, 3 nothing
    position: int = 0      # where in the line (materials named first are the review's first choice)


def evidence_for(edit, rules) -> Evidence:
    """`rules`: RuleInfo of the rules that need the edit, each followed by the rules it refines."""
    entry = getattr(edit, "entry", None)
    entry_name = entry.name if entry is not None else ""
    source = entry.source if entry is not None else ""
    for strength, patterns in enumerate(_patterns(edit)):
        for rule in rules:
            for line in rule.mitigations:
                found = [m.start() for m in (p.search(line) for p in patterns) if m]
                if found:
                    return Evidence(rule.id, line, rule.citation, entry_name, source, strength, min(found))
    first = rules[0] if rules else None
    return Evidence(first.id if first else "", "", first.citation if first else "", entry_name, source)


def _patterns(edit) -> tuple[list, list, list]:
    """(names, class/knob/component words, any-layer words) that a mitigation line may speak of the edit in."""
    def words(texts):
        return [re.compile(r"\b" + re.escape(w) + r"\b", re.IGNORECASE) for w in texts]

    if isinstance(edit, (AddLayer, Swap)):
        names = [edit.material, *getattr(edit.entry, "aliases", ())]
        strong = [re.compile(r"(?<![\w-])" + re.escape(n) + r"(?![\w-])") for n in names if n]
        if isinstance(edit, AddLayer):
            return strong, [re.compile(r"\b" + edit.layer_class.replace("-", "[- ]") + r"\b", re.IGNORECASE)], \
                words(_LAYER_WORDS)
        component = "collector" if edit.section.startswith("current_collector") else edit.section
        return strong, words(_SWAP_WORDS.get(component, (component,))), []
    if isinstance(edit, (SetValue, SetLayerValue)):
        knob = knobs.KNOBS[f"{edit.component}.{edit.key}" if isinstance(edit, SetLayerValue) else edit.path]
        return [], [re.compile(re.escape(w), re.IGNORECASE) for w in knob.words], []
    return [], [], []
