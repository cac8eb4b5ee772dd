"""`cellrules explain SPEC` and `cellrules explain --rule ID`: a report on a design, or on one rule.

Exit codes (cli.md): 0 when the report was written, whatever the verdict on
the design; 2 on bad input (unreadable spec, unknown rule id, bad template).
`--format json` writes the report model itself (docs/explain-json.md); `-` as
the spec reads it from standard input.
"""
from __future__ import annotations

import sys

from cellrules.errors import CellrulesError, InternalError, Location, ManyErrors, UsageError, did_you_mean


def register(commands) -> None:
    parser = commands.add_parser("explain", help="explain a design's findings, or one rule")
    parser.add_argument("spec", nargs="?", metavar="SPEC", help="the cell spec to explain; - reads it from standard input")
    parser.add_argument("--rule", metavar="ID", help="explain one rule in general instead of a spec")
    parser.add_argument("--format", default="text",
                        help="text (default), markdown, html, or json (the report model, docs/explain-json.md)")
    parser.add_argument("--stdin-filename", metavar="PATH", help="the name a spec read from standard input is shown under")
    parser.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE (atomically) instead of stdout")
    parser.add_argument("--template", metavar="FILE", help="render with this jinja2 template (sandboxed)")
    parser.add_argument("--rules", action="append", default=[], metavar="DIR", help="add a rule pack (repeatable)")
    parser.add_argument("--today", metavar="YYYY-MM-DD", help="the date waivers expire against (default: today)")
    parser.add_argument("--no-fixes", dest="fixes", action="store_false",
                        help="leave out the Verified fixes section of a failing spec (skips the search)")
    parser.set_defaults(run=run)


FORMATS = ("text", "markdown", "html", "json")
_EXAMPLES = "cellrules explain cell.toml | cellrules explain --rule window.anode-reduction"


def run(args) -> int:
    from cellrules.cli.load import load_ruleset

    if args.format not in FORMATS:
        raise UsageError(f"unknown format {args.format!r}", hint="formats: " + ", ".join(FORMATS))
    if args.spec is None and args.rule is None:
        raise UsageError("explain needs a spec or --rule ID", hint=_EXAMPLES)
    if args.spec is not None and args.rule is not None:
        raise UsageError("explain takes a spec or --rule ID, not both", hint=_EXAMPLES)
    if args.format == "json" and args.template:
        raise UsageError("--template renders text, markdown or html; json is the model itself",
                         hint="drop --template, or choose --format html")
    ruleset = load_ruleset(args.rules)
    text = _rule_report(ruleset, args) if args.rule else _spec_report(ruleset, args)
    if args.output:
        _write(args.output, text)
        sys.stderr.write(f"wrote {args.output}\n")
    else:
        sys.stdout.write(text)
    return 0


def _spec_report(ruleset, args) -> str:
    from cellrules.cli.check import STDIN, parse_today
    from cellrules.engine.evaluate import CheckOptions, check_document
    from cellrules.errors import SpecError
    from cellrules.report.model_json import render_model_json
    from cellrules.tomlfile import MAX_BYTES, read_toml_text
    from cellrules.report.explain import build_report
    from cellrules.report.context import report_context
    from cellrules.report.render import render

    path, source = args.spec, None
    if args.spec == STDIN:
        path, source = args.stdin_filename or STDIN, sys.stdin.buffer.read(MAX_BYTES + 1)
    document, text, bom = read_toml_text(path, SpecError, source)   # one read: the fix search edits this text
    today = parse_today(args.today)
    result = check_document(ruleset, document, CheckOptions(include_all=True, today=today))
    if args.debug:
        for error in result.errors:
            if isinstance(error, InternalError):
                sys.stderr.write(error.traceback)
    if result.status == "error":
        raise ManyErrors(list(result.errors) or [CellrulesError(result.message, Location(path))])
    try:
        fixes = None
        if args.fixes and result.status == "fail":
            from cellrules.fixes.section import section_fixes
            fixes = section_fixes(ruleset, document, text, bom, today)
        report = build_report(result, ruleset, fixes)
        if args.format == "json":
            return render_model_json("report", report)
        return render("report", args.format, report_context(report, args.format), args.template)
    except CellrulesError:
        raise
    except Exception as error:  # noqa: BLE001 - a bug this file triggers is reported as the file's error
        if args.debug:
            raise
        raise InternalError.of(error, path) from None


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
    doc = build_rule_doc(rule, ruleset, examples)
    if args.format == "json":
        from cellrules.report.model_json import render_model_json
        return render_model_json("rule", doc)
    return render("rule", args.format, rule_context(doc), args.template)


def _write(path: str, text: str) -> None:
    from cellrules.fileio import write_atomically

    try:
        write_atomically(path, text.encode("utf-8"))
    except OSError as error:
        raise UsageError(f"cannot write the report: {error.strerror or error}", Location(path)) from None
