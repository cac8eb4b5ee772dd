"""Shared fixtures: the built-in rule set, a spec writer, and the CLI run as a subprocess."""
from __future__ import annotations

import datetime
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from cellrules.engine.evaluate import CheckOptions, check_file
from cellrules.engine.ruleset import build_ruleset
from cellrules.resources import builtin_rules_dir

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
TODAY = datetime.date(2026, 11, 25)


@pytest.fixture(scope="session")
def ruleset():
    return build_ruleset([builtin_rules_dir()])


@pytest.fixture(scope="session")
def knowledge(ruleset):
    return ruleset.knowledge


@pytest.fixture
def write_spec(tmp_path):
    """Write a spec (dedented) into tmp_path and return its path as a string."""
    counter = iter(range(1000))

    def write(text: str, name: str | None = None) -> str:
        path = tmp_path / (name or f"spec{next(counter)}.toml")
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
        return str(path)

    return write


@pytest.fixture
def check(ruleset, write_spec):
    """Check spec text; returns the FileResult with every outcome (--all)."""
    def run(text: str, include_all: bool = True, today=TODAY, **options):
        return check_file(ruleset, write_spec(text), CheckOptions(include_all=include_all, today=today, **options))

    return run


def outcome(result, rule_id: str) -> str:
    """The outcome of one rule in a result checked with include_all (superseded failures read 'fail')."""
    for finding in result.findings:
        if finding.rule == rule_id:
            return finding.outcome
        if rule_id in finding.superseded:
            return "fail"
    raise AssertionError(f"{rule_id} not in findings: {[f.rule for f in result.findings]}")


def errors_of(result) -> list[str]:
    return [f.rule for f in result.findings if f.outcome == "fail" and f.severity == "error"]


def run_cli(*args, cwd=None, env=None, input_bytes=None):
    """Run the installed program as a user would: `python -m cellrules ARGS`."""
    environment = dict(os.environ)
    environment.update(env or {})
    return subprocess.run([sys.executable, "-m", "cellrules", *map(str, args)], cwd=cwd, env=environment,
                          capture_output=True, text=True, input=input_bytes, timeout=120)


CELL_LI = """
spec_version = 1

[cell]
name = "test cell"
carrier = "Li"
temperature = "25 degC"
"""
