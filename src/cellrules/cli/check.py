"""`cellrules check PATH...`: evaluate specs, print findings, exit 0/1/2."""
from __future__ import annotations

import datetime
import sys

from cellrules.errors import UsageError

FORMATS = ("text", "json")


def register(commands) -> None:
    parser = commands.add_parser("check", help="check cell specs against the design rules")
    parser.add_argument("paths", nargs="*", metavar="PATH", help="spec files or directories searched for specs")
    parser.add_argument("--format", default="text", help="text (default) or json")
    parser.add_argument("--all", action="store_true", help="also report passes and rules that do not apply")
    parser.add_argument("--strict", action="store_true", help="an incomplete file fails the check")
    parser.add_argument("--rules", action="append", default=[], metavar="DIR", help="add a rule pack (repeatable)")
    parser.add_argument("--today", metavar="YYYY-MM-DD", help="the date waivers expire against (default: today)")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every file's status")
    parser.set_defaults(run=run)


def parse_today(text: str | None) -> datetime.date:
    if not text:
        return datetime.date.today()
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--today {text!r} is not a date", hint="write YYYY-MM-DD") from None


def run(args) -> int:
    from cellrules.cli import EXIT_ERROR, EXIT_FAIL, EXIT_OK
    from cellrules.cli.discover import find_specs
    from cellrules.cli.load import load_ruleset
    from cellrules.engine.evaluate import CheckOptions, check_file

    if args.format not in FORMATS:
        raise UsageError(f"unknown format {args.format!r}", hint="formats: " + ", ".join(FORMATS))
    paths = find_specs(args.paths)
    ruleset = load_ruleset(args.rules)
    options = CheckOptions(include_all=args.all, today=parse_today(args.today))
    results = [check_file(ruleset, path, options) for path in paths]
    sys.stdout.write(render(args.format, results, ruleset, args))
    statuses = {r.status for r in results}
    if "error" in statuses:
        return EXIT_ERROR
    if "fail" in statuses or (args.strict and "incomplete" in statuses):
        return EXIT_FAIL
    return EXIT_OK


def render(fmt: str, results, ruleset, args) -> str:
    if fmt == "json":
        from cellrules.report.json import render_json
        return render_json(results)
    from cellrules.report.text import render_text
    return render_text(results, verbose=args.verbose)
