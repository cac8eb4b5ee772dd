"""`cellrules explain SPEC` and `cellrules explain --rule ID`: a report on a design, or on one rule.

Exit codes (cli.md): 0 when the report was written, whatever the verdict on
the design; 2 on bad input (unreadable spec, unknown rule id, bad template).
"""
from __future__ import annotations

import sys

from cellrules.errors import CellrulesError, Location, ManyErrors, UsageError, did_you_mean


def register(commands) -> None:
    parser = commands.add_parser("explain", help="explain a design's findings, or one rule")
    parser.add_argument("spec", nargs="?", metavar="SPEC", help="the cell spec to explain")
    parser.add_argument("--rule", metavar="ID", help="explain one rule in general instead of a spec")
    parser.add_argument("--format", default="text", help="text (default), markdown or html")
    parser.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE (atomically) instead of stdout")
    parser.add_argument("--template", metavar="FILE", help="render with this jinja2 template (sandboxed)")
    parser.add_argument("--rules", action="append", default=[], metavar="DIR", help="add a rule pack (repeatable)")
    parser.add_argument("--today", metavar="YYYY-MM-DD", help="the date waivers expire against (default: today)")
    parser.set_defaults(run=run)


def run(args) -> int:
    from cellrules.cli.load import load_ruleset
    from cellrules.report.render import FORMATS

    if args.format not in FORMATS:
        raise UsageError(f"unknown format {args.format!r}", hint="formats: " + ", ".join(FORMATS))
    if (args.spec is None) == (args.rule is None):
        raise UsageError("explain needs a spec or --rule ID, not both",
                         hint="cellrules explain cell.toml | cellrules explain --rule window.anode-reduction")
    ruleset = load_ruleset(args.rules)
    text = _rule_report(ruleset, args) if args.rule else _spec_report(ruleset, args)
    if args.output:
        _write(args.output, text)
    else:
        sys.stdout.write(text)
    return 0


def _spec_report(ruleset, args) -> str:
    from cellrules.cli.check import parse_today
    from cellrules.engine.evaluate import CheckOptions, check_file
    from cellrules.report.explain import build_report
    from cellrules.report.context import report_context
    from cellrules.report.render import render

    result = check_file(ruleset, args.spec, CheckOptions(include_all=True, today=parse_today(args.today)))
    if result.status == "error":
        raise ManyErrors(list(result.errors) or [CellrulesError(result.message, Location(args.spec))])
    report = build_report(result, ruleset)
    return render("report", args.format, report_context(report, args.format), args.template)


def _rule_report(ruleset, args) -> str:
    from cellrules.engine.examples import case_files, rule_examples
    from cellrules.report.explain import build_rule_doc
    from cellrules.resources import builtin_rules_dir
    from cellrules.report.context import rule_context
    from cellrules.report.render import render

    rule = ruleset.rule(args.rule)
    if rule is None:
        raise UsageError(f"unknown rule id {args.rule!r}",
                         hint=did_you_mean(args.rule, ruleset.by_id) or "list them with `cellrules rules list`")
    examples = rule_examples(ruleset, rule.id, case_files([builtin_rules_dir(), *args.rules]))
    return render("rule", args.format, rule_context(build_rule_doc(rule, ruleset, examples)), args.template)


def _write(path: str, text: str) -> None:
    from cellrules.fileio import write_atomically

    try:
        write_atomically(path, text.encode("utf-8"))
    except OSError as error:
        raise UsageError(f"cannot write the report: {error.strerror or error}", Location(path)) from None
