"""Where the built-in grammar and rule pack live.

A wheel carries them inside the package (`cellrules/grammar`, `cellrules/rules`);
a source checkout or editable install finds them at the repository's top level.
Either way `cellrules` run from any directory finds them.
"""
from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    for candidate in (_PACKAGE / name, _PACKAGE.parent.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"cellrules is installed without its {name}/ folder")


def grammar_path() -> Path:
    return _find("grammar") / "cellrules.lark"


def builtin_rules_dir() -> Path:
    return _find("rules")
