"""`cellrules suggest SPEC`: verified fixes of a failing design, and `--apply K -o OUT.toml` to write one.

A thin layer over `cellrules.api.suggest`: the spec is judged under the same configuration
(cellrules.toml or [tool.cellrules]) that `cellrules check` would use for it, so `cellrules check
OUT.toml` gives the status the suggestion claimed. Exit codes: 0 when a verified suggestion exists
or there is nothing to fix, 1 when none was found within the edits and budget, 2 on bad input.
"""
from __future__ import annotations

import sys

from cellrules.cli.arguments import positive_int
from cellrules.errors import Location, UsageError

FORMATS = ("text", "json")


def register(commands) -> None:
    from cellrules.fixes import DEFAULT_BUDGET, DEFAULT_MAX_EDITS

    parser = commands.add_parser("suggest", help="suggest verified fixes for a failing spec")
    parser.add_argument("spec", metavar="SPEC", help="the cell spec to fix")
    parser.add_argument("--max-edits", type=positive_int, default=DEFAULT_MAX_EDITS, metavar="N",
                        help=f"edits per suggestion at most (default {DEFAULT_MAX_EDITS})")
    parser.add_argument("--unsafe", action="store_true",
                        help="also try unsafe edits: material swaps, another cut-off, a hotter cell")
    parser.add_argument("--budget", type=positive_int, default=DEFAULT_BUDGET, metavar="N",
                        help=f"evaluations the search may spend (default {DEFAULT_BUDGET:,}, about a second)")
    parser.add_argument("--format", default="text", help="text (default) or json")
    parser.add_argument("--apply", type=positive_int, metavar="K", help="write suggestion K (needs -o)")
    parser.add_argument("-o", "--output", metavar="OUT.toml", help="where --apply writes the edited spec")
    parser.add_argument("--rules", action="append", default=[], metavar="DIR", help="add a rule pack (repeatable)")
    parser.add_argument("--config", metavar="FILE", help="use this cellrules.toml or pyproject.toml")
    parser.add_argument("--today", metavar="YYYY-MM-DD", help="the date waivers expire against (default: today)")
    parser.set_defaults(run=run)


def run(args) -> int:
    import os

    from cellrules import api
    from cellrules.cli.exits import EXIT_FAIL, EXIT_OK
    from cellrules.cli.check import parse_today
    from cellrules.cli.config import Config, ConfigFinder, load_config, merge
    from cellrules.fixes.render import render_json, render_text

    if args.format not in FORMATS:
        raise UsageError(f"unknown format {args.format!r}", hint="formats: " + ", ".join(FORMATS))
    if (args.apply is None) != (args.output is None):
        raise UsageError("--apply K and -o OUT.toml go together", hint="cellrules suggest SPEC --apply 1 -o fixed.toml")
    config = load_config(args.config) if args.config else ConfigFinder().for_file(args.spec)
    settings = merge(config, Config(rules_dirs=tuple(os.path.normpath(d) for d in args.rules)), False,
                     parse_today(args.today))
    fixes = api.suggest(args.spec, max_edits=args.max_edits, unsafe=args.unsafe, budget=args.budget,
                        rules=settings.rules_dirs, select=settings.select, ignore=settings.ignore,
                        severity=dict(settings.severity), fail_on=settings.fail_on, today=settings.today)
    sys.stdout.write(render_json(fixes) if args.format == "json" else render_text(fixes))
    if not fixes.suggestions:
        if args.apply is not None:
            sys.stderr.write(f"{args.output} not written: there is no verified suggestion to apply\n")
        return EXIT_OK if fixes.nothing_to_fix else EXIT_FAIL
    if args.apply is not None:
        _apply(fixes, args.apply, args.output)
    return EXIT_OK


def _apply(fixes, rank: int, output: str) -> None:
    from cellrules.fileio import write_atomically

    if not 1 <= rank <= len(fixes.suggestions):
        raise UsageError(f"there is no suggestion {rank}: {len(fixes.suggestions)} found",
                         hint="run without --apply to see them")
    suggestion = fixes.suggestion(rank)
    try:
        write_atomically(output, fixes.apply(rank).encode("utf-8"))
    except OSError as error:
        raise UsageError(f"cannot write the edited spec: {error.strerror or error}", Location(output)) from None
    sys.stderr.write(f"{output}: suggestion {rank} applied; `cellrules check {output}` gives {suggestion.status}\n")
