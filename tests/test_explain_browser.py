"""The HTML report as a browser shows it: headless Chromium renders it, offline, and we look at the result.

Skips when no Chromium is installed, except under CI (CI=true), where a missing
browser is a failure: .ci/run installs Debian's `chromium`.
"""
from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess

import pytest

from conftest import REPO, TODAY, run_cli

WINDOW = (1200, 2400)


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser") or \
        ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
    if found is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("chromium is missing under CI; .ci/run installs it (apt-get install chromium)")
        pytest.skip("chromium is not installed (apt-get install chromium); CI runs this test")
    return found


def _headless(browser: str, profile, *args) -> subprocess.CompletedProcess:
    """Chromium without network, GPU, sandbox (root in containers) or first-run chatter, in a throwaway profile."""
    command = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
               f"--user-data-dir={profile}", f"--window-size={WINDOW[0]},{WINDOW[1]}", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=180)


def _png_size(path) -> tuple[int, int]:
    with open(path, "rb") as handle:
        header = handle.read(24)
    assert header[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", header[16:24])


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("browser")
    target = out / "report.html"
    done = run_cli("explain", "--format", "html", "--today", TODAY.isoformat(), "-o", target,
                   "examples/li-lgps-bad.toml", cwd=REPO)
    assert done.returncode == 0, done.stderr
    return target


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


def test_a_missing_browser_fails_under_ci_and_skips_elsewhere(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setattr(os.path, "exists", lambda path: False)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception):
        _chromium()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        _chromium()
