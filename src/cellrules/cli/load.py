"""Loading the rule set for a command: the built-in pack plus any --rules directories."""
from __future__ import annotations

from cellrules.resources import builtin_rules_dir


def load_ruleset(extra_dirs=()):
    from cellrules.engine.cache import cached_ruleset

    return cached_ruleset([builtin_rules_dir(), *extra_dirs])
