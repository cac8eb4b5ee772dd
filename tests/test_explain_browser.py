"""The HTML report as a browser shows it, on a desk, on a phone and on paper: headless Chromium renders it.

Skips when no Chromium (or no pdftotext, for the paper checks) is installed, except under CI
(CI=true), where a missing tool is a failure: .ci/run installs Debian's `chromium` and
`poppler-utils`.

The phone is a 390 px wide viewport (an iPhone 12-15): the report is loaded into an iframe
that wide, so its media queries and layout see exactly that width, and a script in the
wrapper page measures the result. The measured widths and the page counts of the printed
reports are printed (run with -s to see them).
"""
from __future__ import annotations

import html
import json
import os
import re
import shutil
import struct
import subprocess

import pytest

from conftest import REPO, TODAY, run_cli

WINDOW = (1200, 2400)
PHONE = 390
READABLE_PX = 9.0
FAILING, PASSING = "li-lgps-bad", "li-in-lpscl-lnbo-nmc811"
A4 = (595, 842)   # points, rounded


def _tool(*names: str) -> str:
    found = next((shutil.which(name) for name in names if shutil.which(name)), None)
    if found is None and "chromium" in names and os.path.exists("/usr/bin/chromium"):
        found = "/usr/bin/chromium"
    if found is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{names[0]} is missing under CI; .ci/run installs it (apt-get install chromium poppler-utils)")
        pytest.skip(f"{names[0]} is not installed (apt-get install chromium poppler-utils); CI runs this test")
    return found


def _chromium() -> str:
    return _tool("chromium", "chromium-browser")


def _headless(browser: str, profile, *args, window=WINDOW) -> subprocess.CompletedProcess:
    """Chromium without network, GPU, sandbox (root in containers) or first-run chatter, in a throwaway profile."""
    command = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
               f"--user-data-dir={profile}", f"--window-size={window[0]},{window[1]}", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=180)


def _png_size(path) -> tuple[int, int]:
    with open(path, "rb") as handle:
        header = handle.read(24)
    assert header[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", header[16:24])


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    out = tmp_path_factory.mktemp("browser")
    made = {}
    for name in (FAILING, PASSING):
        target = out / f"{name}.html"
        done = run_cli("explain", "--format", "html", "--today", TODAY.isoformat(), "-o", target,
                       f"examples/{name}.toml", cwd=REPO)
        assert done.returncode == 0, done.stderr
        made[name] = target
    return made


@pytest.fixture(scope="module")
def report(reports):
    return reports[FAILING]


def test_headless_chromium_screenshots_the_report(report, tmp_path):
    browser = _chromium()
    screenshot = tmp_path / "report.png"
    done = _headless(browser, tmp_path / "profile", f"--screenshot={screenshot}", report.as_uri())
    assert screenshot.exists(), done.stderr[-2000:]
    assert _png_size(screenshot) == WINDOW
    assert screenshot.stat().st_size > 20_000      # a blank page compresses to a few kB


def test_the_rendered_dom_holds_the_sized_svg_figures(report, tmp_path):
    browser = _chromium()
    done = _headless(browser, tmp_path / "profile", "--dump-dom", report.as_uri())
    dom = done.stdout
    assert "<h1>" in dom, done.stderr[-2000:]
    figures = {m.group(1): m.group(0) for m in re.finditer(r'<svg[^>]*class="figure figure-(\w+)"[^>]*>', dom)}
    assert {"stack", "energy", "mechanics", "graph"} <= set(figures)
    energy = figures["energy"]
    width = float(re.search(r'width="([\d.]+)"', energy).group(1))
    height = float(re.search(r'height="([\d.]+)"', energy).group(1))
    assert (width, height) == (720.0, 460.0)
    assert 'data-level="cathode"' in dom and 'data-level="window"' in dom


# ---------------------------------------------------------------------------------------- a phone

_MEASURE = """<script>
function measure(doc, win) {
  var root = doc.documentElement, smallest = 1e9, figures = {};
  doc.querySelectorAll('svg.figure').forEach(function (svg) {
    var box = svg.getBoundingClientRect(), view = svg.viewBox.baseVal, scale = box.width / view.width;
    var least = 1e9;
    svg.querySelectorAll('text').forEach(function (t) {
      least = Math.min(least, parseFloat(t.getAttribute('font-size')) * scale);
    });
    figures[svg.getAttribute('class').split(' ')[1].replace('figure-', '')] = Math.round(least * 100) / 100;
    smallest = Math.min(smallest, least);
  });
  var tables = [];
  doc.querySelectorAll('.table-frame').forEach(function (frame) {
    if (frame.scrollWidth > frame.clientWidth + 1) tables.push(frame.firstElementChild.className);
  });
  var outside = [];
  doc.querySelectorAll('body *').forEach(function (element) {
    if (element.closest('.figure-frame, .table-frame')) return;
    if (element.getBoundingClientRect().right > root.clientWidth + 1) outside.push(element.tagName);
  });
  return {scrollWidth: root.scrollWidth, viewport: win.innerWidth, figureFonts: figures,
          tablesScrolling: tables, outside: outside};
}
var frame = document.getElementById('report');
frame.addEventListener('load', function () {
  document.getElementById('measured').textContent = JSON.stringify(measure(frame.contentDocument, frame.contentWindow));
});
</script>"""


def _on_a_phone(browser: str, report, tmp_path) -> dict:
    """Measurements of the report laid out in a PHONE px wide viewport."""
    wrapper = tmp_path / f"{report.stem}-phone.html"
    wrapper.write_text(
        '<!DOCTYPE html><html><body style="margin:0"><pre id="measured"></pre>'
        f'<iframe id="report" style="border:0;width:{PHONE}px;height:844px" '
        f'srcdoc="{html.escape(report.read_text(encoding="utf-8"), quote=True)}"></iframe>{_MEASURE}</body></html>',
        encoding="utf-8")
    # Phones draw overlay scrollbars: the page gets all PHONE px, as with --hide-scrollbars here.
    done = _headless(browser, tmp_path / "profile", "--hide-scrollbars", "--virtual-time-budget=10000", "--dump-dom",
                     wrapper.as_uri())
    found = re.search(r'<pre id="measured">(.*?)</pre>', done.stdout, re.S)
    assert found and found.group(1), done.stderr[-2000:]
    return json.loads(html.unescape(found.group(1)))


@pytest.mark.parametrize("name", [FAILING, PASSING])
def test_on_a_phone_nothing_scrolls_sideways_and_figures_stay_readable(reports, name, tmp_path):
    measured = _on_a_phone(_chromium(), reports[name], tmp_path)
    print(f"\n{name}: scrollWidth {measured['scrollWidth']} px at a {measured['viewport']} px viewport; "
          f"smallest figure text {measured['figureFonts']}")
    assert measured["viewport"] == PHONE
    assert measured["scrollWidth"] <= PHONE
    assert measured["outside"] == []                    # nothing sticks out of the page
    assert measured["tablesScrolling"] == []            # every table wraps to the screen
    assert set(measured["figureFonts"]) >= {"stack", "energy", "graph"}
    assert min(measured["figureFonts"].values()) >= READABLE_PX - 0.05, measured["figureFonts"]


def test_the_layer_stack_fits_a_phone_without_scrolling(reports, tmp_path):
    frame = re.search(r'<svg[^>]*figure-stack[^>]*--readable-width: ([\d.]+)px', reports[PASSING].read_text())
    assert float(frame.group(1)) <= PHONE - 2 * 10            # the body's padding on a phone


# ---------------------------------------------------------------------------------------- paper


def _print(browser: str, report, tmp_path):
    pdf = tmp_path / f"{report.stem}.pdf"
    done = _headless(browser, tmp_path / "profile", "--no-pdf-header-footer", f"--print-to-pdf={pdf}", report.as_uri())
    assert pdf.exists(), done.stderr[-2000:]
    return pdf


def _pages(pdf) -> list[str]:
    pdftotext = _tool("pdftotext")
    data = pdf.read_bytes()
    count = len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))
    texts = []
    for page in range(1, count + 1):
        done = subprocess.run([pdftotext, "-layout", "-f", str(page), "-l", str(page), str(pdf), "-"],
                              capture_output=True, text=True, timeout=60)
        texts.append(done.stdout)
    return texts


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


@pytest.mark.parametrize(("name", "most_pages"), [(FAILING, 10), (PASSING, 6)])
def test_on_paper_a4_no_heading_left_at_a_page_foot_no_table_split(reports, name, most_pages, tmp_path):
    pdf = _print(_chromium(), reports[name], tmp_path)
    pages = _pages(pdf)
    print(f"\n{name}: {len(pages)} A4 pages")
    assert 1 <= len(pages) <= most_pages
    sizes = {tuple(round(float(v)) for v in m.groups())
             for m in re.finditer(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf.read_bytes())}
    assert sizes == {A4}
    source = reports[name].read_text(encoding="utf-8")
    headings = [html.unescape(re.sub(r"<[^>]+>", "", m)).strip()
                for m in re.findall(r"<h2[^>]*>(.*?)</h2>", source) + re.findall(r'<p class="lead-in">(.*?)</p>', source)]
    for number, text in enumerate(pages[:-1], start=1):
        last = _last_line(text)
        assert not any(last.endswith(heading) or last == heading for heading in headings), (number, last)
    # A techniques table is never split: each page with one of its rows also has its header row.
    techniques = set(re.findall(r'<table class="techniques">.*?</table>', source, re.S))
    names = {html.unescape(n) for table in techniques for n in re.findall(r"<tr><td>([^<]+)</td>", table)}
    for number, text in enumerate(pages, start=1):
        rows = [line for line in text.splitlines() if line.strip().split("  ")[0] in names]
        if rows:
            assert re.search(r"technique\s+what it shows", text), (number, rows[0])


def test_a_missing_tool_fails_under_ci_and_skips_elsewhere(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setattr(os.path, "exists", lambda path: False)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception):
        _chromium()
    with pytest.raises(pytest.fail.Exception):
        _tool("pdftotext")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        _chromium()


def test_the_passing_coated_cathode_report_shows_the_cathode_guarded(reports, tmp_path):
    """Issue 12: the LiNbO3-coated NMC811 cell passes the space-charge rule, and the rendered report says so."""
    browser = _chromium()
    screenshot = tmp_path / "coated.png"
    done = _headless(browser, tmp_path / "profile", f"--screenshot={screenshot}", reports[PASSING].as_uri())
    assert screenshot.exists(), done.stderr[-2000:]
    assert _png_size(screenshot) == WINDOW and screenshot.stat().st_size > 20_000
    dom = _headless(browser, tmp_path / "profile2", "--dump-dom", reports[PASSING].as_uri()).stdout
    energy = re.search(r'<svg[^>]*figure-energy.*?</svg>', dom, flags=re.S).group(0)
    cathode = re.search(r'<line data-level="cathode"[^>]*>', energy).group(0)
    assert 'data-state="guarded"' in cathode and "#cc0000" not in cathode, cathode
    assert "separated by LiNbO3" in energy and "oxidises the electrolyte" not in energy
    stack = re.search(r'<svg[^>]*figure-stack.*?</svg>', dom, flags=re.S).group(0)
    assert 'data-layer="coating"' in stack
