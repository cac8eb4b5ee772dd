"""cellrules: a design-rule engine for batteries.

The Python API (cellrules/api.py: `load_spec`, `check`, `explain`, `suggest`, `screen` and their result values)
is re-exported here on first use, so `import cellrules` and a warm `cellrules check` stay cheap.
"""

from cellrules.version import __version__

_API = ("load_spec", "check", "explain", "suggest", "screen", "count_candidates", "materialize", "Spec", "CheckResult",
        "Explanation", "Fixes", "Suggestion", "Change", "CellrulesError")


def __getattr__(name):
    if name in _API:
        from cellrules import api
        return getattr(api, name)
    raise AttributeError(f"module 'cellrules' has no attribute {name!r}")


def __dir__():
    return sorted((*globals(), *_API))
