"""How fast cellrules is, against its targets, its limit and its peers: `python benchmarks/run.py`.

Generates its own data in a temp dir (10,000 random but valid specs drawn from the knowledge
base) and prints each figure as it is measured, then one table. Needs only cellrules and its pip
dependencies; rule-engine and cel-python (`pip install '.[bench]'`) are reported as "not
installed" when absent. Targets (design/engine.md, "Speed by design"):

- `cellrules check one.toml` starts in < 300 ms (median of 10; warm cache, as pip leaves the
  package with bytecode), and a warm start imports none of lark, networkx, jinja2, pint;
- evaluation of already resolved specs: >= 5,000 specs/s on one core;
- `cellrules check` of 10,000 files: < 30 s on 2 cores;
- ten core rules: cellrules <= 2x a hand-written Python function, faster than rule-engine and
  cel-python, on the same resolved specs in one process;
- cost linear in rules x specs (1x and 10x the rules; 1k, 10k, 100k specs).

Options: --specs N (default 10000) for a quicker or larger run; --table for only the batch table of
issue 14 (check of N files, text and JSON, --jobs 1 and 2, each as a ratio to reading the same files
with tomllib run just before it, and peak memory: ru_maxrss of the largest process; then a re-run over the
same unchanged files from the result cache, after the run that filled it), one table per N given, all in
one run: `python benchmarks/run.py --table --specs 10000 100000`; --pairs K makes each row the median of K
(read, check) pairs. Design-space screening (issue 16) has its
own benchmark: `python benchmarks/screen.py` (needs `pip install '.[screen]'`).
"""
from __future__ import annotations

import argparse
import cProfile
import datetime
import gc
import io
import os
import pstats
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cellrules.engine.evaluate import CheckOptions, check_file, evaluate
from cellrules.engine.ruleset import build_ruleset
from cellrules.errors import CellrulesError
from cellrules.language.check import check_rules
from cellrules.language.compile import FAIL, NOT_APPLICABLE, PASS, UNKNOWN, UNKNOWN_GUARD, compile_rules, load_evaluator
from cellrules.language.parse import parse_rules
from cellrules.resources import builtin_rules_dir
from cellrules.cellspec import fields as F
from cellrules.cellspec.load import load_spec
from cellrules.cellspec.resolve import resolve

TODAY = datetime.date(2026, 1, 1)
OPTIONS = CheckOptions(today=TODAY)
ROWS: list[tuple[str, str, str, str]] = []   # measure, result, target, verdict


def report(measure: str, result: str, target: str = "", met: bool | None = None) -> None:
    verdict = "" if met is None else ("met" if met else "NOT met")
    ROWS.append((measure, result, target, verdict))
    print(f"  {measure}: {result}" + (f"  (target {target}: {verdict})" if target else ""), flush=True)


def timed(function, *args) -> float:
    start = time.perf_counter()
    function(*args)
    return time.perf_counter() - start


# ------------------------------------------------------------------------------------ data

def _names(kb, kind, carrier=None, key="carrier"):
    found = []
    for entry in kb.by_kind(kind):
        value = entry.get("carriers") if key == "carriers" else entry.get(key)
        carriers = value.value if value is not None else ()
        carriers = (carriers,) if isinstance(carriers, str) else carriers
        if carrier is None or carrier in carriers:
            found.append(entry.name)
    return found


def generate_specs(kb, count: int, seed: int = 6) -> list[str]:
    """Random designs made of knowledge-base materials: every section, value and gap varies."""
    rng = random.Random(seed)
    by_carrier = {}
    for carrier in F.CARRIERS:
        by_carrier[carrier] = (
            [carrier] + _names(kb, "anode", carrier),
            _names(kb, "electrolyte", carrier, key="carriers") or [e.name for e in kb.by_kind("electrolyte")],
            _names(kb, "cathode", carrier) or [c.name for c in kb.by_kind("cathode")],
        )
    interlayers = [e.name for e in kb.by_kind("interlayer") if e.get("class")]
    sei = [e.name for e in kb.by_kind("sei_phase")]
    specs = []
    for number in range(count):
        carrier = rng.choice(F.CARRIERS[:1] * 4 + F.CARRIERS)  # Li-heavy, as the literature is
        anodes, electrolytes, cathodes = by_carrier[carrier]
        lines = ["spec_version = 1", "", "[cell]", f'name = "generated design {number}"', f'carrier = "{carrier}"']
        if rng.random() < 0.9:
            lines.append(f'temperature = "{rng.uniform(-20, 120):.1f} degC"')
        if rng.random() < 0.8:
            lines.append(f'stack_pressure = "{rng.uniform(0.1, 100):.2f} MPa"')
        if rng.random() < 0.5:
            lines.append(f'current_density = "{rng.uniform(0.05, 5):.2f} mA/cm^2"')
        if rng.random() < 0.3:
            lines += [f"cycles = {rng.randint(10, 5000)}", f"coulombic_efficiency = {rng.uniform(0.9, 0.9999):.4f}"]
        lines += ["", "[anode]", f'material = "{rng.choice(anodes)}"']
        if rng.random() < 0.5:
            lines.append(f'thickness = "{rng.uniform(1, 200):.0f} um"')
        if rng.random() < 0.95:
            lines += ["", "[electrolyte]", f'material = "{rng.choice(electrolytes)}"']
            if rng.random() < 0.3:
                lines.append(f'ionic_conductivity = "{10 ** rng.uniform(-7, -2):.3g} S/cm"')
        if rng.random() < 0.9:
            lines += ["", "[cathode]", f'material = "{rng.choice(cathodes)}"']
        for _ in range(rng.choice((0, 0, 1, 2))):
            side = rng.choice(("anode", "cathode"))
            lines += ["", "[[interlayer]]", f'material = "{rng.choice(interlayers)}"',
                      f'between = ["{side}", "electrolyte"]', f'thickness = "{rng.uniform(1, 100):.0f} nm"']
        if rng.random() < 0.3:
            lines += ["", "[sei]", "components = [" + ", ".join(f'"{name}"' for name in rng.sample(sei, 2)) + "]"]
        specs.append("\n".join(lines) + "\n")
    return specs


def write_and_resolve(ruleset, texts, folder: Path):
    resolved, refused = [], 0
    for number, text in enumerate(texts):
        path = folder / f"design-{number:05d}.toml"
        path.write_text(text, encoding="utf-8")
        try:
            resolved.append(resolve(load_spec(str(path), ruleset.knowledge, ruleset.by_id), ruleset.knowledge))
        except CellrulesError:
            refused += 1
    return resolved, refused


# ---------------------------------------------------------------------------- start-up

def _environment(cache: Path, bytecode: bool = True) -> dict:
    """As pip leaves an install: bytecode compiled once (kept in `cache`); or none at all."""
    environment = dict(os.environ, XDG_CACHE_HOME=str(cache / "xdg"))
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    if bytecode:
        environment["PYTHONPYCACHEPREFIX"] = str(cache / "pyc")
    else:
        environment["PYTHONDONTWRITEBYTECODE"] = "1"
    return environment


def _check_one(spec: Path, environment: dict) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "cellrules", "check", str(spec)], env=environment,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def bench_startup(spec: Path, workdir: Path) -> None:
    print("Start-up of `cellrules check one.toml` (median of 10)", flush=True)
    warm = _environment(workdir / "warm")
    _check_one(spec, warm)  # fills the cache and the bytecode
    median = statistics.median(_check_one(spec, warm) for _ in range(10))
    report("start-up, warm cache", f"{median * 1000:.0f} ms", "< 300 ms", median < 0.3)
    plain = _environment(workdir / "warm", bytecode=False)
    median = statistics.median(_check_one(spec, plain) for _ in range(10))
    report("start-up, warm cache, no .pyc (PYTHONDONTWRITEBYTECODE)", f"{median * 1000:.0f} ms")
    cold = [_check_one(spec, _environment(workdir / f"cold{i}") | {"PYTHONPYCACHEPREFIX": str(workdir / "warm/pyc")})
            for i in range(10)]
    report("start-up, cold cache (rules parsed, checked, compiled)", f"{statistics.median(cold) * 1000:.0f} ms")
    probe = ("import sys, runpy; sys.argv = ['cellrules', 'check', sys.argv[1]]\n"
             "try:\n    runpy.run_module('cellrules', run_name='__main__')\nexcept SystemExit:\n    pass\n"
             "print(','.join(m for m in ('lark', 'networkx', 'jinja2', 'pint') if m in sys.modules), file=sys.stderr)")
    run = subprocess.run([sys.executable, "-c", probe, str(spec)], env=warm, capture_output=True, text=True)
    heavy = run.stderr.strip().splitlines()[-1] if run.stderr.strip() else ""
    report("heavy imports on a warm check", heavy or "none of lark, networkx, jinja2, pint", "none", not heavy)


# -------------------------------------------------------------------------- throughput

def bench_throughput(ruleset, resolved) -> None:
    print(f"Evaluation of {len(resolved):,} resolved specs, one core", flush=True)
    # The CLI freezes the rule set after loading it (cli/load.py); here the resolved inputs are frozen
    # too, as the CLI never holds thousands of them: the figures are the engine's, not the collector's.
    gc.freeze()
    def evaluate_all():
        for spec in resolved:
            evaluate(ruleset, spec, OPTIONS)

    rate = len(resolved) / min(timed(evaluate_all) for _ in range(3))
    report(f"evaluate() with findings, {len(ruleset.rules)} rules", f"{rate:,.0f} specs/s", ">= 5,000 specs/s",
           rate >= 5000)
    evaluator, slots = ruleset.evaluator, ruleset.compiled.slot_count
    tables = [r.values + [None] * (slots - len(r.values)) for r in resolved]
    elapsed = min(timed(lambda: [evaluator(v) for v in tables]) for _ in range(3))
    report("compiled evaluator alone (outcomes only)", f"{len(tables) / elapsed:,.0f} specs/s")


def bench_whole_check(folder: Path, count: int, workdir: Path) -> None:
    print(f"`cellrules check` of {count:,} files (found in one directory, warm cache)", flush=True)
    environment = _environment(workdir / "warm")
    for jobs, output_format in (("2", "text"), ("2", "json"), ("1", "text")):
        start = time.perf_counter()
        run = subprocess.run([sys.executable, "-m", "cellrules", "check", "--no-cache", "--jobs", jobs,
                              "--format", output_format, "--today", TODAY.isoformat(), str(folder)], env=environment,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        elapsed = time.perf_counter() - start
        assert run.returncode in (0, 1), run.stderr[-2000:]
        label = f"check {count:,} files, --jobs {jobs}, {output_format}"
        if (jobs, output_format) == ("2", "text"):
            report(label, f"{elapsed:.1f} s", "< 30 s (10,000 files)", elapsed < 30 * count / 10000)
        else:
            report(label, f"{elapsed:.1f} s ({elapsed / count * 1000:.2f} ms/file)")


def profile_whole_check(ruleset, folder: Path, count: int = 1000) -> str:
    """Where one file's check spends its time (load, resolve, evaluate), top functions by own time."""
    paths = sorted(folder.glob("*.toml"))[:count]
    profiler = cProfile.Profile()
    profiler.enable()
    for path in paths:
        check_file(ruleset, str(path), OPTIONS)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(r"cellrules/(spec|engine|tomlfile|knowledge)", 12)
    return "\n".join(line for line in out.getvalue().splitlines() if re.search(r"\d+\.\d{3}", line))


# ----------------------------------------------------------------------- ten core rules

TEN_RULES = """
rule ten.anode-reduction "Anode inside the reduction limit" {
  applies known(electrolyte.material)
  require anode.potential >= electrolyte.window.low
  severity warning failure electrolyte-reduction because "b" mitigate "m" cite "c"
}
rule ten.cathode-oxidation "Cathode inside the oxidation limit" {
  applies known(electrolyte.material)
  require cathode.potential <= electrolyte.window.high
  severity warning failure electrolyte-oxidation because "b" mitigate "m" cite "c"
}
rule ten.shear-modulus "Monroe-Newman" {
  applies anode.kind in {"metal", "anode-free"} and electrolyte.state in {"solid", "polymer", "gel"}
  require electrolyte.shear_modulus / anode.shear_modulus >= 2
  severity warning failure dendrite-penetration because "b" mitigate "m" cite "c"
}
rule ten.creep "Li stack pressure at most 5 MPa" {
  carriers Li
  applies anode.kind == "metal"
  require cell.stack_pressure <= 5 MPa
  severity warning failure metal-creep because "b" mitigate "m" cite "c"
}
rule ten.failure "Li stack pressure below 25 MPa" {
  carriers Li
  applies anode.kind == "metal"
  require cell.stack_pressure < 25 MPa
  severity error failure metal-creep because "b" mitigate "m" cite "c"
}
rule ten.short "Li stack pressure at most 75 MPa" {
  carriers Li
  applies anode.kind == "metal"
  require cell.stack_pressure <= 75 MPa
  severity error failure short-circuit because "b" mitigate "m" cite "c"
}
rule ten.bulk-conductivity "Bulk electrolyte conducts 1e-4 S/cm" {
  applies cell.architecture == "bulk"
  require electrolyte.ionic_conductivity >= 1e-4 S/cm
  severity warning failure low-ionic-conductivity because "b" mitigate "m" cite "c"
}
rule ten.electronic-leakage "Electrolyte blocks electrons" {
  require electrolyte.electronic_conductivity <= 1e-8 S/cm
  severity warning failure electronic-leakage because "b" mitigate "m" cite "c"
}
rule ten.melting "Metal anode below its melting point" {
  applies anode.kind == "metal"
  require cell.temperature < anode.melting_point
  severity error failure thermal-instability because "b" mitigate "m" cite "c"
}
rule ten.mixed-conducting "Interphase blocks electrons" {
  applies anode.kind == "metal"
  require not electrolyte.interphase_conducts_electrons
  severity error failure mixed-conducting-interphase because "b" mitigate "m" cite "c"
}
"""
TEN_IDS = re.findall(r"rule (ten\.[a-z-]+)", TEN_RULES)
# The record the peers read: field path -> short variable name.
RECORD = {"electrolyte.material": "electrolyte", "anode.potential": "anode_potential",
          "electrolyte.window.low": "window_low", "cathode.potential": "cathode_potential",
          "electrolyte.window.high": "window_high", "anode.kind": "kind", "electrolyte.state": "state",
          "electrolyte.shear_modulus": "g_electrolyte", "anode.shear_modulus": "g_anode", "cell.carrier": "carrier",
          "cell.stack_pressure": "pressure", "cell.architecture": "architecture",
          "electrolyte.ionic_conductivity": "sigma", "electrolyte.electronic_conductivity": "sigma_e",
          "cell.temperature": "temperature", "anode.melting_point": "melting",
          "electrolyte.interphase_conducts_electrons": "conducts"}


def hand_written_rules():
    """The ten rules as a careful person writes them: every input checked for a missing value.

    Outcome codes as cellrules': 0 pass, 1 fail, 2 unknown, 3 not applicable.
    """
    s = F.SLOT
    (material, anode_potential, window_low, cathode_potential, window_high, kind_slot, state_slot, g_el, g_an,
     carrier_slot, pressure_slot, architecture, sigma_slot, sigma_e_slot, temperature_slot, melting_slot,
     conducts_slot) = (s[path] for path in RECORD)
    metal_kinds, solid_states = ("metal", "anode-free"), ("solid", "polymer", "gel")

    def ten(v):
        out = [3] * 10
        if v[material] is not None:
            a, b = v[anode_potential], v[window_low]
            out[0] = 2 if a is None or b is None else (0 if a >= b else 1)
            a, b = v[cathode_potential], v[window_high]
            out[1] = 2 if a is None or b is None else (0 if a <= b else 1)
        kind, state = v[kind_slot], v[state_slot]
        if not ((kind is not None and kind not in metal_kinds) or (state is not None and state not in solid_states)):
            a, b = v[g_el], v[g_an]
            out[2] = 2 if kind is None or state is None or a is None or b is None else (0 if a / b >= 2 else 1)
        pressure = v[pressure_slot]
        if v[carrier_slot] == "Li":
            if kind is None:
                out[3] = out[4] = out[5] = 2
            elif kind == "metal":
                if pressure is None:
                    out[3] = out[4] = out[5] = 2
                else:
                    out[3] = 0 if pressure <= 5e6 else 1
                    out[4] = 0 if pressure < 25e6 else 1
                    out[5] = 0 if pressure <= 75e6 else 1
        if v[architecture] == "bulk":
            sigma = v[sigma_slot]
            out[6] = 2 if sigma is None else (0 if sigma >= 1e-2 else 1)
        sigma_e = v[sigma_e_slot]
        out[7] = 2 if sigma_e is None else (0 if sigma_e <= 1e-6 else 1)
        if kind is None:
            out[8] = out[9] = 2
        elif kind == "metal":
            a, b = v[temperature_slot], v[melting_slot]
            out[8] = 2 if a is None or b is None else (0 if a < b else 1)
            conducts = v[conducts_slot]
            out[9] = 2 if conducts is None else (1 if conducts else 0)
        return out

    return ten


def _peer_expressions(missing, both_missing, member, negate, conj, disj) -> list[str]:
    """The ten rules in a peer's syntax; `missing(x)` tests a missing value, results are outcome codes."""
    guard_metal = f"{missing('kind')} ? 2 : (kind != \"metal\" ? 3 : "

    def comparison(a, op, b):
        return f"{both_missing(a, b)} ? 2 : ({a} {op} {b} ? 0 : 1)"

    kind_out = conj(negate(missing("kind")), negate(member("kind", '"metal", "anode-free"')))
    state_out = conj(negate(missing("state")), negate(member("state", '"solid", "polymer", "gel"')))
    return [
        f"{missing('electrolyte')} ? 3 : ({comparison('anode_potential', '>=', 'window_low')})",
        f"{missing('electrolyte')} ? 3 : ({comparison('cathode_potential', '<=', 'window_high')})",
        f"({disj(kind_out, state_out)}) ? 3 : ({disj(missing('kind'), missing('state'))} ? 2 : "
        f"({both_missing('g_electrolyte', 'g_anode')} ? 2 : (g_electrolyte / g_anode >= 2.0 ? 0 : 1)))",
        *(f"carrier != \"Li\" ? 3 : ({guard_metal}({missing('pressure')} ? 2 : (pressure {op} {limit} ? 0 : 1))))"
          for op, limit in (("<=", "5000000.0"), ("<", "25000000.0"), ("<=", "75000000.0"))),
        f"architecture != \"bulk\" ? 3 : ({missing('sigma')} ? 2 : (sigma >= 0.01 ? 0 : 1))",
        f"{missing('sigma_e')} ? 2 : (sigma_e <= 0.000001 ? 0 : 1)",
        f"{guard_metal}({comparison('temperature', '<', 'melting')}))",
        f"{guard_metal}({missing('conducts')} ? 2 : ({negate('conducts')} ? 0 : 1)))",
    ]


def rule_engine_rules():
    import rule_engine

    def missing(name):
        return f"{name} == null"

    expressions = _peer_expressions(
        missing, lambda a, b: f"({a} == null or {b} == null)", lambda x, items: f"{x} in [{items}]",
        lambda x: f"not ({x})", lambda a, b: f"({a} and {b})", lambda a, b: f"({a} or {b})")
    context = rule_engine.Context(default_value=None)
    rules = [rule_engine.Rule(e, context=context) for e in expressions]
    return lambda record: [int(rule.evaluate(record)) for rule in rules]


def cel_rules():
    import celpy

    environment = celpy.Environment()
    expressions = _peer_expressions(
        lambda n: f"!has(r.{n})", lambda a, b: f"(!has(r.{a}) || !has(r.{b}))",
        lambda x, items: f"r.{x} in [{items}]", lambda x: f"!({x})", lambda a, b: f"({a} && {b})",
        lambda a, b: f"({a} || {b})")
    names = "|".join(sorted(RECORD.values(), key=len, reverse=True))
    # Variables are fields of the record map r, so that a missing value is an absent key (has()).
    expressions = [re.sub(rf"(?<![\w.\"])({names})\b(?!\")", r"r.\1", e) for e in expressions]
    programs = [environment.program(environment.compile(e)) for e in expressions]
    return lambda activation: [int(program.evaluate(activation)) for program in programs]


def bench_peers(ruleset, resolved) -> None:
    print("Ten core rules on the same resolved specs, one process", flush=True)
    knowledge = ruleset.knowledge
    checked = check_rules([parse_rules(TEN_RULES, "ten.rules")], knowledge.scale, knowledge.failure_modes)
    compiled = compile_rules(checked, knowledge.scale)
    evaluator = load_evaluator(compiled)
    order = [compiled.rule_ids.index(rule_id) for rule_id in TEN_IDS]
    tables = [r.values + [None] * (compiled.slot_count - len(r.values)) for r in resolved]
    records = [{name: table[F.SLOT[path]] for path, name in RECORD.items()} for table in tables]
    hand = hand_written_rules()

    def per_spec(function, inputs, repeat=3):
        best = min(timed(lambda: [function(x) for x in inputs]) for _ in range(repeat))
        return best / len(inputs)

    def cellrules_outcomes(table):
        codes = evaluator(table)
        return [{PASS: 0, FAIL: 1, UNKNOWN: 2, UNKNOWN_GUARD: 2, NOT_APPLICABLE: 3}[codes[i]] for i in order]

    agree = all(hand(t) == cellrules_outcomes(t) for t in tables)
    hand_time = per_spec(hand, tables)
    cellrules_time = per_spec(evaluator, tables)
    report("hand-written Python (missing values checked)", f"{hand_time * 1e6:.2f} us/spec "
           f"({1 / hand_time:,.0f} specs/s)")
    report("cellrules compiled evaluator", f"{cellrules_time * 1e6:.2f} us/spec, "
           f"{cellrules_time / hand_time:.2f}x hand-written" + ("" if agree else "; OUTCOMES DIFFER"),
           "<= 2x hand-written", agree and cellrules_time <= 2 * hand_time)
    peers = (("rule-engine", rule_engine_rules, records[:2000], lambda r: r),
             ("cel-python", cel_rules, records[:200], None))
    for name, build, inputs, adapt in peers:
        try:
            run = build()
        except ImportError:
            report(name, "not installed (pip install '.[bench]')")
            continue
        if adapt is None:
            from celpy import json_to_cel
            inputs = [{"r": json_to_cel({k: v for k, v in record.items() if v is not None})} for record in inputs]
            adapt = lambda r: r  # noqa: E731
        same = all(run(adapt(x)) == hand(t) for x, t in zip(inputs, tables))
        peer_time = per_spec(run, inputs, repeat=1)
        report(name, f"{peer_time * 1e6:,.0f} us/spec, {peer_time / hand_time:,.0f}x hand-written, "
               f"{peer_time / cellrules_time:,.0f}x cellrules" + ("" if same else "; OUTCOMES DIFFER"),
               "slower than cellrules", same and peer_time > cellrules_time)


# ---------------------------------------------------------------------------- scaling

def copy_pack(target: Path, copies: int) -> None:
    """copies - 1 renamed copies of the built-in rules: ids copyK.ID (where a rule is named, needed or
    refined; a rule id may also be a field's name), derived values NAME_cK (wherever they are read)."""
    files = sorted(builtin_rules_dir().rglob("*.rules"))
    texts = [path.read_text(encoding="utf-8") for path in files]
    lets = sorted({n for t in texts for n in re.findall(r"^\s*let\s+(\w+)", t, re.M)}, key=len, reverse=True)
    derived = re.compile("|".join(rf"(?<![\w.]){re.escape(n)}(?!\w)" for n in lets)) if lets else None
    for k in range(1, copies):
        folder = target / f"copy{k}"
        folder.mkdir(parents=True)
        for path, text in zip(files, texts):
            text = re.sub(r"^(\s*rule\s+)(\S+)", rf"\1copy{k}.\2", text, flags=re.M)
            text = re.sub(r"^(\s*(?:needs|refines)\s+)(.+)$",
                          lambda m: m.group(1) + ", ".join(f"copy{k}.{i.strip()}" for i in m.group(2).split(",")),
                          text, flags=re.M)
            if derived is not None:
                text = derived.sub(lambda m: f"{m.group(0)}_c{k}", text)
            (folder / path.name).write_text(text, encoding="utf-8")


def bench_scaling(ruleset, resolved, workdir: Path) -> None:
    print("Scaling: compiled evaluator, rules x specs", flush=True)
    copy_pack(workdir / "pack10", 10)
    tenfold = build_ruleset([builtin_rules_dir(), workdir / "pack10"])
    assert len(tenfold.rules) == 10 * len(ruleset.rules), (len(tenfold.rules), len(ruleset.rules))
    for label, rules in (("1x", ruleset), ("10x", tenfold)):
        evaluator, slots = rules.evaluator, rules.compiled.slot_count
        tables = [r.values + [None] * (slots - len(r.values)) for r in resolved]
        for count in (1000, 10000, 100000):
            inputs = [tables[i % len(tables)] for i in range(count)]
            elapsed = timed(lambda: [evaluator(v) for v in inputs])
            per_rule_spec = elapsed / (count * len(rules.rules)) * 1e9
            report(f"{label} rules ({len(rules.rules)}), {count:,} specs",
                   f"{elapsed:.2f} s, {per_rule_spec:.0f} ns per rule x spec")


# ------------------------------------------------------------------------------- main

# ------------------------------------------------------------- batch table (issue 14)

_PEAK = ("import resource, subprocess, sys, time\n"
         "start = time.perf_counter()\n"
         "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode\n"
         "elapsed = time.perf_counter() - start\n"
         "print(code, elapsed, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
_READ = ("import sys, tomllib, pathlib\n"
         "for p in sorted(pathlib.Path(sys.argv[1]).glob('*.toml')):\n"
         "    tomllib.loads(p.read_bytes().decode('utf-8'))")


def _peak_run(command: list[str], environment: dict) -> tuple[int, float, int]:
    """(exit code, seconds, peak RSS in KiB of the largest process under it) for one fresh run."""
    run = subprocess.run([sys.executable, "-c", _PEAK, *command], env=environment, capture_output=True, text=True,
                         check=True)
    code, elapsed, peak = run.stdout.split()
    return int(code), float(elapsed), int(peak)


def bench_batch_table(folder: Path, count: int, workdir: Path, pairs: int = 1) -> None:
    """Issue 14's table: check of N distinct specs as a ratio to reading the same files with tomllib.

    Each row is a fresh run after the rule-set cache was warmed (on one file): the uncached rows
    with --no-cache; the cached rows re-run over the same unchanged files after a first run filled
    the result cache (the first run is shown too: what filling the cache costs). Each check runs
    right after a read of the same files, and its ratio is to that read: on a shared VM the speed
    of both drifts by 10-20 % within minutes, and a ratio to a read taken minutes earlier measures
    the drift as much as the check. With `pairs` > 1, each row is that many (read, check) pairs and
    shows the median ratio, with its range.
    """
    print(f"Batch table: {count:,} distinct specs, ratio to a tomllib read of the same files just before", flush=True)
    environment = _environment(workdir / "warm")
    load = os.getloadavg()
    print(f"  load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} ({os.cpu_count()} CPUs)", flush=True)
    read_command = [sys.executable, "-c", _READ, str(folder)]
    _peak_run(read_command, environment)     # first touch of every file
    _, read, read_peak = _peak_run(read_command, environment)
    report(f"tomllib read of {count:,} files", f"{read:.2f} s, peak {read_peak / 1024:.0f} MiB")
    check = [sys.executable, "-m", "cellrules", "check", "--today", TODAY.isoformat()]
    _peak_run([*check, str(next(folder.glob("*.toml")))], environment)   # warms the rule-set cache

    def row(label: str, *options: str, repeat: int = pairs) -> None:
        runs = []
        for _ in range(repeat):
            _, read_time, _ = _peak_run(read_command, environment)
            code, elapsed, peak = _peak_run([*check, *options, str(folder)], environment)
            assert code in (0, 1), code
            runs.append((elapsed / read_time, elapsed, read_time, peak))
        ratio, elapsed, read_time, _ = sorted(runs)[len(runs) // 2]
        spread = f" (of {repeat}: {min(runs)[0]:.2f}-{max(runs)[0]:.2f}x)" if repeat > 1 else ""
        report(f"check {count:,}, {label}", f"{elapsed:.1f} s = {ratio:.2f}x read ({read_time:.2f} s){spread}, "
                                            f"peak {max(r[3] for r in runs) / 1024:.0f} MiB")

    for output_format in ("text", "json"):
        for jobs in ("1", "2"):
            row(f"{output_format}, --jobs {jobs}", "--no-cache", "--jobs", jobs, "--format", output_format)
    for output_format in ("text", "json"):
        row(f"{output_format}, --jobs 2, first run filling the result cache", "--jobs", "2", "--format", output_format,
            repeat=1)
        row(f"{output_format}, --jobs 1, re-run, unchanged files cached", "--jobs", "1", "--format", output_format)
    load = os.getloadavg()
    print(f"  load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--specs", type=int, nargs="+", default=[10000], metavar="N",
                        help="generated specs (default 10000); with --table, one batch table per N, in one run")
    parser.add_argument("--table", action="store_true", help="only the batch table of issue 14 (ratios to a tomllib read)")
    parser.add_argument("--pairs", type=int, default=1, metavar="K",
                        help="with --table: K (read, check) pairs a row, the median ratio shown (default 1)")
    args = parser.parse_args()
    started = time.perf_counter()
    print(f"cellrules benchmarks, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs", flush=True)
    ruleset = build_ruleset([builtin_rules_dir()])
    for count in (args.specs if args.table else args.specs[:1]):
        with tempfile.TemporaryDirectory(prefix="cellrules-bench-") as temp:
            workdir = Path(temp)
            folder = workdir / "specs"
            folder.mkdir()
            print(f"Generating and resolving {count:,} specs ...", flush=True)
            resolved, refused = write_and_resolve(ruleset, generate_specs(ruleset.knowledge, count), folder)
            print(f"  {len(resolved):,} resolved, {refused} refused by the loader", flush=True)
            if not args.table:
                bench_startup(folder / "design-00000.toml", workdir)
                bench_throughput(ruleset, resolved)
                bench_whole_check(folder, count, workdir)
                bench_peers(ruleset, resolved)
                bench_scaling(ruleset, resolved, workdir)
                print("Where a file's check goes (1,000 files in one process, cProfile, cumulative):", flush=True)
                print(profile_whole_check(ruleset, folder), flush=True)
            del resolved
            bench_batch_table(folder, count, workdir, args.pairs)
    return _print_table(started)


def _print_table(started: float) -> int:
    widths = [max(len(row[i]) for row in ROWS + [("measure", "result", "target", "")]) for i in range(4)]
    print()
    print(" | ".join(h.ljust(w) for h, w in zip(("measure", "result", "target", ""), widths)))
    print("-|-".join("-" * w for w in widths))
    for row in ROWS:
        print(" | ".join(cell.ljust(w) for cell, w in zip(row, widths)))
    print(f"\nwhole run: {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
