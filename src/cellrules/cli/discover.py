"""Finding spec files (cli.md, "Finding specs")."""
from __future__ import annotations

import fnmatch
import os
import re
from pathlib import Path

from cellrules.errors import UsageError
from cellrules.tomlfile import tomllib

CONFIG_NAMES = ("pyproject.toml", "cellrules.toml")
_SKIP_DIRS = ("node_modules", "__pycache__", "site-packages")


def find_specs(paths, exclude=()) -> list[str]:
    """Files named are specs whatever their name; directories are searched for *.toml specs."""
    if not paths:
        raise UsageError("no path given", hint="cellrules check PATH... (a spec file or a directory of specs)")
    found: list[str] = []
    for given in paths:
        path = Path(given)
        if path.is_file():
            found.append(given)
        elif path.is_dir():
            specs = [str(p) for p in _walk(path) if is_spec(p) and not _excluded(p, exclude)]
            if not specs:
                raise UsageError(f"no cell spec found in directory {given}",
                                 hint="a spec is a *.toml file with spec_version = 1 or a [cell] table")
            found.extend(specs)
        else:
            raise UsageError(f"no such file or directory: {given}")
    return sorted(dict.fromkeys(found))


def _walk(root: Path):
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _SKIP_DIRS
                         and not (Path(folder, d) / "pyvenv.cfg").exists())
        for name in sorted(files):
            if name.endswith(".toml") and name not in CONFIG_NAMES:
                yield Path(folder, name)


def _excluded(path: Path, patterns) -> bool:
    text = path.as_posix()
    return any(fnmatch.fnmatch(text, p) or fnmatch.fnmatch(path.name, p) for p in patterns)


# Comments and blank lines, then `spec_version =` or the `[cell]` header: a top-level key or the cell table.
_SPEC_START = re.compile(rb"(?:[ \t]*(?:#[^\n]*)?\r?\n)*[ \t]*(?:spec_version[ \t]*=|\[[ \t]*cell[ \t]*\])")


def is_spec(path: Path) -> bool:
    """A top-level spec_version or [cell]; a malformed file that looks like a spec is checked (and reported)."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(1024 * 1024 + 1)  # never all of a 50 MB file: the loader refuses it anyway
    except OSError:
        return False
    if _SPEC_START.match(raw):
        return True  # the common case, decided without parsing the file twice
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):  # ValueError: bad UTF-8, bad TOML, a number too long for int()
        head = raw[:65536].decode("utf-8", "replace")
        return "spec_version" in head or "[cell]" in head
    return "spec_version" in data or isinstance(data.get("cell"), dict)
