"""The checked AST of a loaded rule set, for the column backend.

A RuleSet keeps only the row-wise compiled function (that is what `check` needs
on a warm start); the column compiler needs the checked rules themselves. They
are parsed again from the rule set's files, through the same per-file parse
cache, and checked together with the expressions a space adds (its `exclude`
conditions), so those are typed against the same fields and derived values.
"""
from __future__ import annotations

from pathlib import Path

from cellrules.errors import Location, ManyErrors, RuleError
from cellrules.tomlfile import decode_utf8


def checked_rules(ruleset, extra_files=()):
    """CheckedRules of `ruleset`'s rule files plus `extra_files` (already parsed RuleFiles)."""
    from cellrules.engine.cache import parse_memo
    from cellrules.language.ast import RuleFile
    from cellrules.language.check import check_rules
    from cellrules.language.parse import parse_rules

    memo = parse_memo()
    parsed = []
    problems = []
    for name in ruleset.files:
        path = Path(name)
        try:
            raw = path.read_bytes()
        except OSError as error:
            problems.append(RuleError(f"cannot read rule file: {error.strerror or error}", Location(name)))
            continue

        def parse(raw=raw, name=name):
            return parse_rules(decode_utf8(raw, name, RuleError), name)
        parsed.append(memo(path, RuleFile, parse) if memo else parse())
    if problems:
        raise ManyErrors(problems)
    knowledge = ruleset.knowledge
    return check_rules([*parsed, *extra_files], knowledge.scale, knowledge.failure_modes.keys())
