"""The repository a path belongs to: the nearest folder above it holding `.git` (a folder, or a worktree's file).

Two things stop at that folder: the search for a configuration (a stray
cellrules.toml above a checkout must not change its verdict) and the base of
SARIF URIs (code scanning maps a result to a file by its path in the repository,
whatever the working directory cellrules ran in).
"""
from __future__ import annotations

import os
from pathlib import Path

MARKERS = (".git", ".hg")


def is_root(folder: Path) -> bool:
    return any((folder / marker).exists() for marker in MARKERS)


def find_root(path: str | os.PathLike) -> Path | None:
    """The repository root above `path` (a file or folder), as an absolute path; None outside any repository."""
    folder = Path(os.path.abspath(path))
    if not folder.is_dir():
        folder = folder.parent
    for candidate in (folder, *folder.parents):
        if is_root(candidate):
            return candidate
    return None
