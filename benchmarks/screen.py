"""How fast `cellrules screen` is, against issue 16's targets: `python benchmarks/screen.py`.

Needs the screen extra (`pip install '.[screen]'`); uses only cellrules and the spaces in
benchmarks/spaces/. Prints each figure as it is measured, then one table:

- throughput: candidates per minute, whole rule set, `--jobs 2`, Parquet output (target at least
  100 million/min; at least 30 million resolves issue 16);
- a 100,000-candidate space end to end, `cellrules screen` as a user runs it (target < 5 s);
- peak memory (RSS of the process and its workers) from 10^6 to 10^8 candidates (target: flat);
- the same space on a two-worker Dask LocalCluster against `--jobs 2` (target within 1.5x), and
  whether the two result files are byte-identical.

Every run is a subprocess of `cellrules screen`; wall-clock times on a shared machine are noisy,
so each figure also gives the CPU seconds the run used (its process tree, polled from /proc).
Options: --quick (10^6 and 10^7 only, smaller throughput run), --keep DIR (keep result files).
"""
from __future__ import annotations

import argparse
import hashlib
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SPACES = HERE / "spaces"
ROWS: list[tuple[str, str, str, str]] = []
_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def report(measure: str, result: str, target: str = "", met: bool | None = None) -> None:
    verdict = "" if met is None else ("met" if met else "NOT met")
    ROWS.append((measure, result, target, verdict))
    print(f"  {measure}: {result}" + (f"  (target {target}: {verdict})" if target else ""), flush=True)


def _tree(root: int) -> list[int]:
    """root and every process below it (Dask's and the forkserver's workers included)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
                children.setdefault(int(fields[1]), []).append(int(entry))
            except OSError:
                continue
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, ()))
    return found


def _usage(pids) -> tuple[int, float]:
    """Resident bytes and CPU seconds of these processes now."""
    rss, cpu = 0, 0.0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            cpu += (int(fields[11]) + int(fields[12])) / _TICK
            rss += int(fields[21]) * _PAGE
        except (OSError, IndexError, ValueError):
            continue
    return rss, cpu


def run(args: list[str]) -> dict:
    """Run `cellrules screen ARGS`; wall seconds, peak RSS of the tree, CPU seconds, and its report line."""
    command = [sys.executable, "-m", "cellrules", "screen", *map(str, args), "--no-progress"]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak, cpu_seen = 0, {}
    while process.poll() is None:
        pids = _tree(process.pid)
        rss, _ = _usage(pids)
        peak = max(peak, rss)
        for pid in pids:  # CPU of processes that exit before the run does: keep the last reading of each
            cpu_seen[pid] = _usage([pid])[1]
        time.sleep(0.05)
    out, err = process.communicate()
    wall = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"cellrules screen {' '.join(map(str, args))} failed:\n{err}")
    return {"wall": wall, "peak": peak, "cpu": sum(cpu_seen.values()), "stderr": err.strip(), "stdout": out}


def sized_space(folder: Path, target: int) -> tuple[Path, int]:
    """benchmarks/spaces/li-cells.toml with the condition steps set so it has about `target` candidates."""
    text = (SPACES / "li-cells.toml").read_text(encoding="utf-8")
    per_condition = _material_product(text)
    wanted = max(target // per_condition, 1)
    steps = _three_factors(wanted)
    names = ("cell.stack_pressure", "cell.temperature", "cell.current_density")
    for name, count in zip(names, steps):
        text = re.sub(rf'("{re.escape(name)}" = \{{[^}}]*steps = )\d+', rf"\g<1>{count}", text)
    path = folder / f"li-cells-{target}.toml"
    path.write_text(text, encoding="utf-8")
    return path, per_condition * steps[0] * steps[1] * steps[2]


def _material_product(text: str) -> int:
    """Candidates per combination of conditions, as the space expands (classes included)."""
    from cellrules.cli.load import load_ruleset
    from cellrules.screening.space import load_space

    with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False, encoding="utf-8") as handle:
        handle.write(text)
    try:
        space = load_space(handle.name, load_ruleset().knowledge)
    finally:
        os.unlink(handle.name)
    product = 1
    for dimension in space.dimensions:
        if not dimension.name.startswith("cell."):
            product *= len(dimension.choices)
    return product


def _three_factors(n: int) -> tuple[int, int, int]:
    """Steps for three ranges with a product near n, each at least 2 (ranges need two ends)."""
    a = max(2, round(n ** (1 / 3)))
    b = max(2, round((n / a) ** 0.5))
    c = max(2, round(n / (a * b)))
    return a, b, c


def _rate(candidates: int, seconds: float) -> str:
    return f"{candidates / seconds * 60 / 1e6:,.1f} million/min"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10^6 and 10^7 only")
    parser.add_argument("--keep", metavar="DIR", help="write result files here and keep them")
    options = parser.parse_args()
    folder = Path(options.keep or tempfile.mkdtemp(prefix="cellrules-screen-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"cellrules screen benchmarks (Python {sys.version.split()[0]}, {os.cpu_count()} cores; files in {folder})")

    print("throughput, whole rule set, --jobs 2, Parquet output:")
    space, size = sized_space(folder, 10_000_000 if options.quick else 30_000_000)
    out = folder / "throughput.parquet"
    result = run([space, "-o", out, "--jobs", "2"])
    report(f"{size:,} candidates", f"{result['wall']:.1f} s, {_rate(size, result['wall'])} "
           f"({result['cpu']:.1f} CPU s, {size / max(result['cpu'], 1e-9) * 60 / 1e6:,.1f} million per CPU-minute)",
           ">= 100 million/min (>= 30 million resolves the issue)", size / result["wall"] * 60 >= 100e6)

    print("100,000-candidate space end to end (cellrules screen, start-up included):")
    small = SPACES / "li-100k.toml"
    result = run([small, "-o", folder / "100k.parquet"])
    report("100,000 candidates", f"{result['wall']:.2f} s ({result['cpu']:.1f} CPU s)", "< 5 s", result["wall"] < 5)

    print("peak memory, --jobs 2, Parquet output:")
    peaks = []
    for target in (10 ** 6, 10 ** 7) + (() if options.quick else (10 ** 8,)):
        space, size = sized_space(folder, target)
        out = folder / f"memory-{target}.parquet"
        result = run([space, "-o", out, "--jobs", "2"])
        peaks.append(result["peak"])
        report(f"{size:,} candidates", f"peak {result['peak'] / 2 ** 20:,.0f} MiB, {result['wall']:.1f} s "
               f"({_rate(size, result['wall'])}), file {out.stat().st_size / 2 ** 20:,.0f} MiB")
        if not options.keep:
            out.unlink()
    flat = max(peaks) <= 1.25 * min(peaks) + 64 * 2 ** 20
    report("peak memory from smallest to largest", f"{min(peaks) / 2 ** 20:,.0f} -> {max(peaks) / 2 ** 20:,.0f} MiB",
           "flat", flat)

    print("two-worker LocalCluster against --jobs 2 (same space, same chunks):")
    space, size = sized_space(folder, 3_000_000 if options.quick else 10_000_000)
    local, dask = folder / "local.parquet", folder / "dask.parquet"
    by_jobs = run([space, "-o", local, "--jobs", "2"])
    by_dask = run([space, "-o", dask, "--scheduler", "dask", "--jobs", "2"])
    ratio = by_dask["wall"] / by_jobs["wall"]
    report(f"{size:,} candidates", f"--jobs 2 {by_jobs['wall']:.1f} s, LocalCluster {by_dask['wall']:.1f} s "
           f"({ratio:.2f}x)", "within 1.5x", ratio <= 1.5)
    same = _digest(local) == _digest(dask)
    report("result files", f"sha256 {_digest(local)} and {_digest(dask)}", "byte-identical", same)

    print()
    widths = [max(len(row[i]) for row in ROWS + [("measure", "result", "target", "verdict")]) for i in range(4)]
    for row in [("measure", "result", "target", "verdict"), *ROWS]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())


if __name__ == "__main__":
    main()
