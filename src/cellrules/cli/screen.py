"""`cellrules screen SPACE`: every candidate of a design space checked by the whole rule set.

    cellrules screen space.toml --count
    cellrules screen space.toml -o results.parquet --jobs 2
    cellrules screen space.toml -o results.parquet --scheduler dask --dask-address tcp://10.0.0.5:8786
    cellrules screen space.toml --top 10 --rank max:conductivity_S_per_cm
    cellrules screen space.toml --pareto min:cell.stack_pressure,max:conductivity_S_per_cm
    cellrules screen space.toml --heatmap electrolyte.material,cathode.material -o map.svg
    cellrules screen space.toml --materialize 1234 -o candidate.toml

Exit codes: 0 done (a screen that finds failing designs has still succeeded), 2 bad input or misuse,
or the `screen` extra (numpy, pyarrow, dask) not installed.
"""
from __future__ import annotations

import sys
from pathlib import Path

from cellrules.cli.arguments import positive_int
from cellrules.errors import UsageError


def register(commands) -> None:
    parser = commands.add_parser("screen", help="check every candidate of a design space (needs the screen extra)")
    parser.add_argument("space", metavar="SPACE", help="a design-space file (space_version = 1)")
    parser.add_argument("-o", "--output", action="append", default=[], metavar="FILE",
                        help="results (*.parquet, *.csv, *.jsonl), the heat map (*.svg) or, with --materialize, "
                             "the spec (*.toml); repeatable")
    parser.add_argument("--count", action="store_true", help="print the number of candidates after exclusions")
    parser.add_argument("--jobs", "-j", type=positive_int, default=None, metavar="N",
                        help="worker processes (default: every core); with dask, the LocalCluster's workers")
    parser.add_argument("--scheduler", choices=("local", "dask"), default="local",
                        help="local processes (default) or Dask")
    parser.add_argument("--dask-address", metavar="ADDR", help="an existing Dask scheduler (implies --scheduler dask)")
    parser.add_argument("--chunk-size", type=positive_int, default=None, metavar="N",
                        help="candidates per chunk (default 100,000): memory is bounded by it")
    parser.add_argument("--top", type=positive_int, default=0, metavar="K", help="print the K best candidates")
    parser.add_argument("--rank", metavar="KEYS", help="how --top orders, after status: e.g. "
                        "min:errors,max:conductivity_S_per_cm (default min:errors,min:warnings,min:needs_data)")
    parser.add_argument("--pareto", metavar="OBJECTIVES",
                        help="print the Pareto front, e.g. min:cell.stack_pressure,max:conductivity_S_per_cm")
    parser.add_argument("--heatmap", metavar="FIELD,FIELD", help="draw two varied fields as an SVG heat map (-o map.svg)")
    parser.add_argument("--materialize", type=_natural, metavar="ID", help="write candidate ID as a spec")
    parser.add_argument("--rules", action="append", default=[], metavar="DIR", help="add a rule pack (repeatable)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar, even on a terminal")
    parser.set_defaults(run=run)


def _natural(text: str) -> int:
    import argparse
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a candidate id") from None
    if value < 0:
        raise argparse.ArgumentTypeError("candidate ids start at 0")
    return value


def run(args) -> int:
    from cellrules import screening
    from cellrules.cli.exits import EXIT_OK

    screening.require_extra()
    outputs = _outputs(args)
    if not Path(args.space).is_file():
        raise UsageError(f"no such space file: {args.space}")
    job = screening.load_job(args.space, args.rules, args.chunk_size)
    if args.count:
        from cellrules.screening.run import count
        sys.stdout.write(f"{count(job)}\n")
        return EXIT_OK
    if args.materialize is not None:
        from cellrules.fileio import write_atomically
        from cellrules.screening.candidate import excluded_by, materialize_text
        text = materialize_text(job, args.materialize)
        reason = excluded_by(job, args.materialize)
        if reason:
            sys.stderr.write(f"cellrules: note: candidate {args.materialize} is excluded from the screen: {reason}\n")
        if outputs.get("toml"):
            _write(outputs["toml"], text.encode("utf-8"), write_atomically)
        else:
            sys.stdout.write(text)
        return EXIT_OK
    scheduler = "dask" if args.dask_address else args.scheduler
    jobs = args.jobs or _cores()
    heat_map = _heat_map_fields(args.heatmap) if args.heatmap else None
    result = screening.screen(args.space, outputs.get("results"), jobs=jobs, scheduler=scheduler,
                              address=args.dask_address, top=args.top, rank=args.rank, pareto=args.pareto,
                              heat_map=heat_map, progress=not args.no_progress, job=job)
    if result.heat_map is not None:
        from cellrules.fileio import write_atomically
        from cellrules.screening.figure import heat_map_svg
        title = f"{Path(args.space).name}: {heat_map[0]} x {heat_map[1]}"
        _write(outputs["svg"], heat_map_svg(result.heat_map, title).encode("utf-8"), write_atomically)
    out = sys.stdout
    if result.top is not None:
        out.write(f"Top {result.top.num_rows} of {result.candidates:,}:\n")
        out.write(_table(result.top.to_pylist(), job, args.rank))
    if args.pareto:
        out.write(f"Pareto front ({args.pareto}) over candidates without an error: {len(result.front)} point(s)\n")
        out.write(_table([row for row, _ in result.front], job, args.pareto,
                         extra=[("sharing", [n for _, n in result.front])]))
    s = result.statuses
    rate = result.candidates / result.seconds if result.seconds > 0 else 0.0
    where = f", written to {result.output}" if result.output else ""
    sys.stderr.write(f"{result.candidates:,} candidates: {s['pass']:,} pass, {s['incomplete']:,} incomplete, "
                     f"{s['fail']:,} fail in {result.seconds:.1f} s ({rate:,.0f}/s){where}\n")
    return EXIT_OK


def _outputs(args) -> dict[str, str]:
    """-o files by kind: results (parquet, csv, jsonl), svg (heat map), toml (a materialized spec)."""
    found: dict[str, str] = {}
    for path in args.output:
        suffix = Path(path).suffix.lower()
        kind = {".parquet": "results", ".csv": "results", ".jsonl": "results", ".svg": "svg", ".toml": "toml"}.get(suffix)
        if kind is None:
            raise UsageError(f"-o {path}: cannot tell what to write from the name",
                             hint="results *.parquet, *.csv or *.jsonl; a heat map *.svg; a candidate *.toml")
        if kind in found:
            raise UsageError(f"-o {path}: a second {kind} file (the first is {found[kind]})")
        found[kind] = path
    if "svg" in found and not args.heatmap:
        raise UsageError(f"-o {found['svg']}: an SVG is the heat map; add --heatmap FIELD,FIELD")
    if args.heatmap and "svg" not in found:
        raise UsageError("--heatmap needs -o MAP.svg")
    if "toml" in found and args.materialize is None:
        raise UsageError(f"-o {found['toml']}: a .toml output is a materialized candidate; add --materialize ID")
    if args.materialize is not None and set(found) - {"toml"}:
        raise UsageError("--materialize writes one spec: give -o CANDIDATE.toml or nothing (standard output)")
    if (args.rank) and not args.top:
        raise UsageError("--rank orders --top: add --top K")
    if args.count and (found or args.top or args.pareto or args.heatmap or args.materialize is not None):
        raise UsageError("--count only counts: leave out the other outputs")
    return found


def _heat_map_fields(text: str) -> tuple[str, str]:
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 2 or not all(parts):
        raise UsageError(f"--heatmap {text!r}: name two varied fields", hint="e.g. --heatmap electrolyte.material,cell.temperature")
    return parts[0], parts[1]


def _write(path: str, data: bytes, write) -> None:
    try:
        write(path, data)
    except OSError as error:
        raise UsageError(f"cannot write {path}: {error.strerror or error}") from None


def _cores() -> int:
    import os
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _table(rows: list[dict], job, keys: str | None, extra=()) -> str:
    """Rows as an aligned text table: id, the varied fields, status, counts and the ranked columns."""
    ranked = [k.rpartition(":")[2] for k in (keys or "").split(",") if k.strip()]
    columns = ["id", *(d.name for d in job.space.dimensions), "status", "errors", "warnings", "needs_data"]
    columns += [c for c in ranked if c not in columns]
    table = [[_cell(row.get(c)) for c in columns] for row in rows]
    for name, values in extra:
        columns.append(name)
        for line, value in zip(table, values):
            line.append(f"{value:,}")
    widths = [max(len(c), *(len(line[i]) for line in table)) if table else len(c) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths)).rstrip()]
    lines += ["  ".join(v.ljust(w) for v, w in zip(line, widths)).rstrip() for line in table]
    return "\n".join(lines) + "\n"


def _cell(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)
