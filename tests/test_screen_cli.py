"""The screen command line: the extra it needs, Dask, the heat map, progress and misuse."""
from __future__ import annotations

import io
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from cellrules.screening.run import Progress
from conftest import run_cli

SPACE = str(Path(__file__).resolve().parent / "spaces" / "sulfide-li.toml")


@pytest.fixture(scope="module")
def size(ruleset):
    from cellrules.screening.space import load_space
    return load_space(SPACE, ruleset.knowledge).size


def test_without_the_extra_screen_names_it(tmp_path):
    """numpy and pyarrow missing (as in the core install): exit 2 with the install command, nothing else."""
    blocker = tmp_path / "blocker"
    blocker.mkdir()
    for module in ("numpy", "pyarrow"):
        (blocker / module).mkdir()
        (blocker / module / "__init__.py").write_text("raise ImportError('not installed')\n")
    done = run_cli("screen", SPACE, "--count", env={"PYTHONPATH": str(blocker)})
    assert done.returncode == 2
    assert "pip install 'cellrules[screen]'" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_core_commands_do_not_import_numpy():
    code = ("import sys\nfrom cellrules.cli import main, build_parser\nbuild_parser()\n"
            "import cellrules.screening, cellrules.cli.screen\n"
            "print(sorted(m for m in ('numpy', 'pyarrow', 'dask') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_a_local_dask_cluster_writes_the_same_bytes(tmp_path):
    local, dask = tmp_path / "local.parquet", tmp_path / "dask.parquet"
    assert run_cli("screen", SPACE, "-o", local, "--jobs", "1", "--chunk-size", "6000").returncode == 0
    done = run_cli("screen", SPACE, "-o", dask, "--scheduler", "dask", "--jobs", "2", "--chunk-size", "6000")
    assert done.returncode == 0, done.stderr
    assert local.read_bytes() == dask.read_bytes()


def test_an_unreachable_dask_scheduler_is_a_usage_error():
    done = run_cli("screen", SPACE, "--dask-address", "tcp://127.0.0.1:9", "--no-progress",
                   env={"DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "2s"})
    assert done.returncode == 2
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in done.stderr


def test_heat_map_is_a_repeatable_svg(tmp_path, size):
    maps = []
    for name in ("a.svg", "b.svg"):
        path = tmp_path / name
        done = run_cli("screen", SPACE, "--heatmap", "electrolyte.material,cathode.material", "-o", path)
        assert done.returncode == 0, done.stderr
        maps.append(path.read_bytes())
    assert maps[0] == maps[1]
    root = ET.fromstring(maps[0])
    assert root.tag.endswith("svg") and "<script" not in maps[0].decode()
    labels = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "LGPS" in labels and "NMC811" in labels
    # Each cell: passing/total over the other fields; the totals add up to the space.
    cells = [t for t in labels if t and "/" in t and t.replace(",", "").replace("/", "").isdigit()]
    assert sum(int(c.split("/")[1].replace(",", "")) for c in cells) == size


def test_progress_shows_on_a_terminal_only():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    shown, hidden = Terminal(), io.StringIO()
    for stream in (shown, hidden):
        progress = Progress(300_000, stream, every=0)
        for _ in range(3):
            progress.advance(100_000)
        progress.finish()
    assert "300,000/300,000 candidates" in shown.getvalue() and "ETA" in shown.getvalue()
    assert "/s" in shown.getvalue()
    assert hidden.getvalue() == ""


def test_materialize_writes_a_spec_check_reads(tmp_path, size):
    out = tmp_path / "c.toml"
    done = run_cli("screen", SPACE, "--materialize", "17", "-o", out)
    assert done.returncode == 0, done.stderr
    assert out.read_text().startswith("# Candidate 17 of the design space")
    assert run_cli("check", out).returncode in (0, 1)
    assert run_cli("screen", SPACE, "--materialize", str(size)).returncode == 2


@pytest.mark.parametrize("args, message", [
    (["-o", "r.txt"], "cannot tell what to write"),
    (["-o", "map.svg"], "add --heatmap"),
    (["--heatmap", "electrolyte.material,cathode.material"], "--heatmap needs -o MAP.svg"),
    (["--heatmap", "electrolyte.material,cathode.materia", "-o", "m.svg"], "did you mean cathode.material"),
    (["--rank", "max:errors"], "add --top K"),
    (["--top", "3", "--rank", "max:conductivity"], "did you mean conductivity_S_per_cm"),
    (["--pareto", "best:errors"], "is not min:NAME or max:NAME"),
    (["--count", "-o", "r.parquet"], "--count only counts"),
    (["--scheduler", "cloud"], "invalid choice"),
])
def test_misuse_exits_2_with_a_message(tmp_path, args, message):
    done = run_cli("screen", SPACE, *args, cwd=tmp_path)
    assert done.returncode == 2
    assert message in done.stderr, done.stderr


def test_a_missing_space_file():
    done = run_cli("screen", "no-such-space.toml", "--count")
    assert done.returncode == 2 and "no such space file" in done.stderr


def test_top_and_pareto_print_tables(tmp_path, size):
    done = run_cli("screen", SPACE, "--top", "3", "--rank", "max:conductivity_S_per_cm",
                   "--pareto", "min:cell.stack_pressure,max:conductivity_S_per_cm")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"Top 3 of {size:,}:" and lines[1].split()[:2] == ["id", "anode.material"]
    assert any(line.startswith("Pareto front") for line in lines)
