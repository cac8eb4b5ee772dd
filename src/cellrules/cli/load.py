"""Loading the rule set for a command: the built-in pack plus any --rules directories."""
from __future__ import annotations

import gc
import os
from pathlib import Path

from cellrules.errors import UsageError
from cellrules.resources import builtin_rules_dir


def rule_pack_problem(directory: str) -> str:
    """'' when `directory` is a rule pack (a folder with *.rules files or knowledge/*.toml); else why not.

    A lab's pack that is silently not loaded means its rules silently never run: a
    missing folder, a single file or an empty folder is an error, not an empty pack.
    """
    if not os.path.exists(directory):
        return "no such directory"
    if not os.path.isdir(directory):
        hint = " (name the folder that holds it)" if directory.endswith(".rules") else ""
        return f"not a directory{hint}"
    folder = Path(directory)
    if not any(folder.rglob("*.rules")) and not any(folder.glob("knowledge/*.toml")):
        return "not a rule pack: it holds no *.rules file and no knowledge/*.toml"
    return ""


def load_ruleset(extra_dirs=()):
    from cellrules.engine.cache import cached_ruleset

    for directory in extra_dirs:
        problem = rule_pack_problem(directory)
        if problem:
            raise UsageError(f"rule pack {directory}: {problem}",
                             hint="a rule pack is a folder of *.rules files, with its knowledge/*.toml beside them")
    ruleset = cached_ruleset([builtin_rules_dir(), *extra_dirs])
    # The rules and knowledge base live as long as the command and never change: out of every garbage
    # collection from here on (a check of many files spent ~20 % of its evaluation time re-scanning them).
    gc.freeze()
    return ruleset
