"""Loading the rule set for a command: the built-in pack plus any --rules directories."""
from __future__ import annotations

import gc

from cellrules.resources import builtin_rules_dir


def load_ruleset(extra_dirs=()):
    from cellrules.engine.cache import cached_ruleset

    ruleset = cached_ruleset([builtin_rules_dir(), *extra_dirs])
    # The rules and knowledge base live as long as the command and never change: out of every garbage
    # collection from here on (a check of many files spent ~20 % of its evaluation time re-scanning them).
    gc.freeze()
    return ruleset
