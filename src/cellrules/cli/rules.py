"""`cellrules rules list|show|fields|coverage|pages`: the rule catalogue, generated from the rules themselves."""
from __future__ import annotations

import json
import sys

from cellrules.errors import Location, UsageError, did_you_mean


def register(commands) -> None:
    parser = commands.add_parser("rules", help="list and show the design rules")
    parser.add_argument("--rules", action="append", default=[], metavar="DIR", help="add a rule pack (repeatable)")
    sub = parser.add_subparsers(dest="rules_command", metavar="SUBCOMMAND")
    listing = sub.add_parser("list", help="one rule per line, grouped by concern")
    listing.add_argument("--format", default="text", choices=("text", "json"))
    show = sub.add_parser("show", help="everything about one rule")
    show.add_argument("rule_id", metavar="ID")
    sub.add_parser("fields", help="the spec fields rules can read")
    coverage = sub.add_parser("coverage", help="the review's criteria -> the rules that encode them (Markdown)")
    coverage.add_argument("-o", "--output", metavar="FILE", help="write to FILE (e.g. rules/COVERAGE.md)")
    coverage.add_argument("--dormant", action="store_true",
                          help="list the rules that fail on no shipped case or example, with the inputs they lack")
    coverage.add_argument("--specs", action="append", default=[], metavar="PATH",
                          help="with --dormant: judge these specs or folders instead of the shipped cases and examples")
    pages = sub.add_parser("pages", help="write one Markdown page per rule (what, why, an example and its fix)")
    pages.add_argument("-o", "--output", metavar="DIR", required=True, help="the folder, e.g. docs/rules")
    parser.set_defaults(run=run)


def run(args) -> int:
    from cellrules.cli.load import load_ruleset

    if args.rules_command == "fields":
        sys.stdout.write(render_fields())
        return 0
    if args.rules_command == "coverage":
        return _coverage(args)
    if args.rules_command == "pages":
        return _pages(args)
    if args.rules_command not in ("list", "show"):
        raise UsageError("rules needs a subcommand", hint="cellrules rules list | show ID | fields | coverage | pages")
    ruleset = load_ruleset(args.rules)
    if args.rules_command == "list":
        sys.stdout.write(render_list(ruleset, args.format))
    else:
        rule = ruleset.rule(args.rule_id)
        if rule is None:
            raise UsageError(f"unknown rule id {args.rule_id!r}",
                             hint=did_you_mean(args.rule_id, ruleset.by_id) or "list them with `cellrules rules list`")
        sys.stdout.write(render_show(ruleset, rule))
    return 0


def _coverage(args) -> int:
    from cellrules.cli.load import load_ruleset
    from cellrules.fileio import write_atomically
    from cellrules.errors import ConfigError
    from cellrules.report.coverage import check_mapping, criteria_from, render_coverage
    from cellrules.resources import builtin_rules_dir
    from cellrules.tomlfile import read_toml

    ruleset = load_ruleset(args.rules)
    if args.dormant:
        return _dormant(ruleset, args.specs)
    criteria = criteria_from(read_toml(str(builtin_rules_dir() / "coverage.toml"), ConfigError))
    check_mapping(criteria, ruleset.by_id)
    text = render_coverage(criteria, ruleset)
    if args.output:
        try:
            write_atomically(args.output, text.encode("utf-8"))
        except OSError as error:  # unlike the rule cache, a report the user asked for must not fail silently
            raise UsageError(f"cannot write the coverage map: {error.strerror or error}", Location(args.output)) from None
        sys.stderr.write(f"wrote {args.output}\n")
    else:
        sys.stdout.write(text)
    return 0


def _dormant(ruleset, specs) -> int:
    """Rules no shipped spec makes fail: each with how it ends there and the inputs its unknowns lack.

    A rule that never fails on the golden cases and examples is untested in the direction that
    matters; the listing says why (never applies, or always lacks the same inputs), so a case can
    be written for it. Exit 0: this is a report, not a check.
    """
    from cellrules.cli.discover import find_specs
    from cellrules.engine.evaluate import CheckOptions, check_file
    from cellrules.resources import builtin_rules_dir

    paths = specs or [str(builtin_rules_dir() / "cases")]
    if not specs:
        examples = builtin_rules_dir().parent / "examples"
        if examples.is_dir():
            paths.append(str(examples))
    files = find_specs(paths)
    outcomes: dict[str, dict[str, int]] = {rule.id: {} for rule in ruleset.rules}
    lacking: dict[str, dict[str, int]] = {rule.id: {} for rule in ruleset.rules}
    options = CheckOptions(include_all=True)
    broken = []
    for path in files:
        result = check_file(ruleset, path, options)
        if result.status == "error":
            broken.append(path)
        for finding in result.findings:
            if finding.rule not in outcomes:
                continue
            tally = outcomes[finding.rule]
            tally[finding.outcome] = tally.get(finding.outcome, 0) + 1
            for replaced in finding.superseded:
                if replaced in outcomes:
                    outcomes[replaced]["fail"] = outcomes[replaced].get("fail", 0) + 1
            if finding.outcome == "unknown":
                for name in finding.missing:
                    lacking[finding.rule][name] = lacking[finding.rule].get(name, 0) + 1
    dormant = sorted(rule_id for rule_id, tally in outcomes.items() if not tally.get("fail"))
    lines = [f"{len(dormant)} of {len(outcomes)} rules fail on none of {len(files)} specs"]
    lines.extend(f"not judged (the spec has errors): {path}" for path in broken)
    for rule_id in dormant:
        tally = outcomes[rule_id]
        seen = ", ".join(f"{outcome} {count}" for outcome, count in sorted(tally.items())) or "never evaluated"
        lines.append(f"{rule_id}: {seen}")
        if lacking[rule_id]:
            needs = sorted(lacking[rule_id], key=lambda name: (-lacking[rule_id][name], name))
            lines.append(f"    lacks: {', '.join(needs)}")
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


def _pages(args) -> int:
    from cellrules.cli.load import load_ruleset
    from cellrules.engine.examples import case_files
    from cellrules.report.rule_pages import rule_pages, write_pages
    from cellrules.resources import builtin_rules_dir

    ruleset = load_ruleset(args.rules)
    pages = rule_pages(ruleset, case_files([builtin_rules_dir(), *args.rules]))
    try:
        written = write_pages(pages, args.output)
    except OSError as error:
        raise UsageError(f"cannot write the rule pages: {error.strerror or error}", Location(args.output)) from None
    sys.stderr.write(f"wrote {len(written)} pages to {args.output}\n")
    return 0


def _sorted_rules(ruleset):
    return sorted(ruleset.rules, key=lambda r: (r.concern, r.id))


def render_list(ruleset, fmt: str) -> str:
    rules = _sorted_rules(ruleset)
    if fmt == "json":
        return json.dumps([{"id": r.id, "title": r.title, "severity": r.severity, "failure_mode": r.failure_mode,
                            "concern": r.concern, "carriers": list(r.carriers), "citation": r.citation}
                           for r in rules], indent=2, ensure_ascii=False) + "\n"
    width = max((len(r.id) for r in rules), default=0)
    mode_width = max((len(r.failure_mode) for r in rules), default=0)
    lines, concern = [], None
    for rule in rules:
        if rule.concern != concern:
            if concern is not None:
                lines.append("")
            concern = rule.concern
            lines.append(concern)
        lines.append(f"  {rule.id:<{width}}  {rule.severity:<7}  {rule.failure_mode:<{mode_width}}  {rule.title}")
    lines.append("")
    lines.append(f"{len(rules)} rules in {len({r.concern for r in rules})} concerns")
    return "\n".join(lines) + "\n"


def render_show(ruleset, rule) -> str:
    dependants = sorted(r.id for r in ruleset.rules if rule.id in r.needs or r.refines == rule.id)
    lines = [
        f"{rule.id}: {rule.title}",
        f"  severity:      {rule.severity}",
        f"  failure mode:  {rule.failure_mode}",
        f"  carriers:      {', '.join(rule.carriers) or 'all'}",
        f"  applies when:  {rule.guard_source or 'always'}",
        f"  requires:      {rule.requirement_source}",
        f"  needs:         {', '.join(rule.needs) or 'nothing'}",
        f"  refines:       {rule.refines or 'nothing'}",
        f"  needed by:     {', '.join(dependants) or 'nothing'}",
        f"  why:           {rule.mechanism}",
    ]
    lines += [f"  mitigation:    {m}" for m in rule.mitigations]
    lines.append(f"  citation:      {rule.citation}")
    lines += [f"  outside:       {o}" for o in rule.outside]
    lines.append(f"  defined at:    {rule.location}")
    lines.append("")
    lines.append(rule.source)
    return "\n".join(lines) + "\n"


def render_fields() -> str:
    """One field per line in three columns (name, kind or dimension, meaning), each as wide as its longest entry."""
    from cellrules.cellspec import fields as F

    rows = [("field", "kind", "meaning")]
    for field in F.FIELDS + tuple(f for record in F.RECORD_FIELDS.values() for f in record):
        kind = field.dimension.name if field.dimension is not None else field.kind
        words = f" ({' | '.join(field.vocabulary)})" if field.vocabulary else ""
        rows.append((field.path, kind, field.description + words))
    name_width = max(len(row[0]) for row in rows)
    kind_width = max(len(row[1]) for row in rows)
    return "".join(f"{name:<{name_width}}  {kind:<{kind_width}}  {meaning}\n" for name, kind, meaning in rows)
