"""report.html looked at in a real browser: headless Chromium at a desktop and a phone width.

The page, with a probe script appended, is shown in a frame of the width under test (headless
Chromium's window is at least 500 pixels wide, so a phone is a 390-pixel frame); the probe
runs after layout and writes what it measured into the outer page, which ``--dump-dom``
returns: the page's scroll width against the frame's (no horizontal overflow), and the
size of the summary, the digest and the item tables (shown, not empty; a wide table
scrolls inside its own box). Needs Debian's ``chromium``: skipped without it, except when
``AGENT_REQUIRE_BROWSER=1`` (CI installs it and sets that), where its absence fails.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from agent.report import ReportData, render_html

FIXTURE = Path(__file__).parent / "fixtures" / "report_fixture.json"
BROWSER = next((shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome")
                if shutil.which(b)), None)
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}

PROBE = """<script>
window.addEventListener("load", () => {
  const box = (sel) => { const el = document.querySelector(sel);
    if (!el) return null; const r = el.getBoundingClientRect();
    return {width: r.width, height: r.height}; };
  const out = {
    viewport: window.innerWidth,
    scrollWidth: document.documentElement.scrollWidth,
    summary: box("#summary"), happened: box("#happened"), events: box("#events .table-wrap"),
    alliances: box("#alliances .table-wrap"), targets: box("#targets .table-wrap"),
    overviewItems: document.querySelectorAll("#summary li").length,
    widest: [...document.body.querySelectorAll("*")]
      .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1
                    && !el.closest(".table-wrap, .fulltext, .timeline"))
      .slice(0, 5).map(el => el.tagName + "." + el.className),
  };
  const outer = window.parent.document;
  const pre = outer.createElement("pre"); pre.id = "probe";
  pre.textContent = JSON.stringify(out); outer.body.appendChild(pre);
});
</script>"""

pytestmark = pytest.mark.skipif(
    BROWSER is None and os.environ.get("AGENT_REQUIRE_BROWSER") != "1",
    reason="chromium not installed (apt-get install -y chromium)",
)


def _measure(report: str, width: int, height: int, tmp: Path) -> dict:  # type: ignore[type-arg]
    assert BROWSER is not None, "AGENT_REQUIRE_BROWSER=1 but chromium is not installed"
    page = tmp / "frame.html"
    page.write_text(
        '<!DOCTYPE html><html><body style="margin:0">'
        f'<iframe style="border:0;display:block" width="{width}" height="{height}" '
        f'srcdoc="{html.escape(report.replace("</body>", PROBE + "</body>"))}"></iframe>'
        "</body></html>", encoding="utf-8")
    done = subprocess.run(
        [BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", f"--user-data-dir={tmp / 'profile'}",
         f"--window-size={max(width, 500) + 40},{height + 40}",
         "--virtual-time-budget=5000", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120,
    )
    found = re.search(r'<pre id="probe">(.*?)</pre>', done.stdout, re.S)
    assert found, f"no probe output (rc {done.returncode}): {done.stderr[-500:]}"
    return json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))


@pytest.mark.parametrize("layout", sorted(WIDTHS))
def test_report_reads_in_a_browser_without_horizontal_overflow(tmp_path: Path,
                                                               layout: str) -> None:
    data = ReportData.model_validate_json(FIXTURE.read_text(encoding="utf-8"))
    width, height = WIDTHS[layout]
    m = _measure(render_html(data), width, height, tmp_path)
    assert m["viewport"] == width
    assert m["scrollWidth"] <= width + 1, m["widest"]
    assert not m["widest"], m["widest"]
    assert m["overviewItems"] == len(data.overview) > 0
    for part in ("summary", "happened", "events", "alliances", "targets"):
        assert m[part] is not None and m[part]["height"] > 20, (part, m[part])
        assert m[part]["width"] <= width, (part, m[part])
