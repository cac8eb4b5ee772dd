"""Worked examples of a rule, taken from the golden cases shipped with the rules, and the expectations
a case or example writes in its own comments (`# expect-fail: RULE, ...`), read by the golden-case
tests and the noise benchmark alike.

Every rule of the built-in pack passes in one case spec of `rules/cases/` and
fails in another (a test makes sure of it), so those specs are examples that
cannot drift from what the rule really does: `explain --rule` evaluates them
and shows the shortest spec of each verdict.
"""
from __future__ import annotations

import re
from pathlib import Path

from cellrules.engine.evaluate import CheckOptions, check_file

_EXPECTATION = "# expect-"
_EXPECT = re.compile(r"^#\s*expect-([a-z-]+)\s*(?::\s*(.*))?$")


def expectations(path: Path) -> dict[str, list[str]]:
    """{"fail": [rule, ...], "status": ["fail"], "no-error": [], ...} from a spec's `# expect-KIND: A, B` lines."""
    found: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _EXPECT.match(line.strip())
        if match:
            found.setdefault(match.group(1), []).extend(
                item.strip() for item in (match.group(2) or "").split(",") if item.strip())
    return found


def case_files(directories) -> list[Path]:
    files: list[Path] = []
    for directory in directories:
        files.extend(sorted(Path(directory, "cases").glob("*.toml")))
    return files


def rule_examples(ruleset, rule_id: str, paths) -> tuple[tuple[str, str], ...]:
    """("pass" | "fail", spec text) for the shortest case of each verdict; ties go to the first name."""
    best: dict[str, tuple[int, str]] = {}
    options = CheckOptions(include_all=True)
    for path in paths:
        result = check_file(ruleset, str(path), options)
        verdict = _verdict(result, rule_id)
        if verdict not in ("pass", "fail"):
            continue
        text = _shown(path)
        if verdict not in best or len(text) < best[verdict][0]:
            best[verdict] = (len(text), text)
    return tuple((verdict, best[verdict][1]) for verdict in ("pass", "fail") if verdict in best)


def _verdict(result, rule_id: str) -> str | None:
    for finding in result.findings:
        if finding.rule == rule_id:
            return finding.outcome
        if rule_id in finding.superseded:
            return "fail"
    return None


def _shown(path: Path) -> str:
    """The spec as a reader should see it: its name, without the test's expectation comments."""
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith(_EXPECTATION)]
    return f"# {path.parent.name}/{path.name}\n" + "\n".join(lines).strip() + "\n"
