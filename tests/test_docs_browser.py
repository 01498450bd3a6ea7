"""The docs' big graph is legible in a real browser: headless Chromium renders the built page.

The SimpleConvNet step graph is an SVG shown at its own size in a scrolling box. A page
scaled to fit would shrink its 9-11 pt text to about 5 pixels. The test builds the site,
opens the Visualisation page in Chromium at a laptop's window size, measures in the browser
how large the graph is drawn compared with its own size, and from that and the SVG's
smallest font size computes the height of its smallest text in screen pixels. It also keeps
a screenshot (``graph.png`` in the test's temporary folder) to look at. Without Chromium
(``apt-get install chromium``) or the docs extra, it skips and says why.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GRAPH = "images/simpleconvnet_step.svg"
MIN_TEXT_PX = 10.0  # a comfortable minimum for reading on a screen

pytest.importorskip("mkdocs", reason="the docs extra is not installed: pip install -e '.[docs]'")
pytest.importorskip("material", reason="the docs extra is not installed")

MEASURE = """
<script>
window.addEventListener("load", () => {
  const img = document.querySelector('img[src$="simpleconvnet_step.svg"]');
  const out = document.createElement("pre");
  out.id = "measured";
  if (img) {
    const box = img.getBoundingClientRect();
    const scroller = img.closest(".graph-scroll");
    if (scroller) {  // for the screenshot (taken at the page's top): the box moved there
      scroller.scrollLeft = (scroller.scrollWidth - scroller.clientWidth) / 2;
      scroller.scrollTop = (scroller.scrollHeight - scroller.clientHeight) / 3;
      scroller.closest("article").prepend(scroller);
    }
    out.textContent = JSON.stringify({
      shown_width: box.width, natural_width: img.naturalWidth,
      window_width: window.innerWidth,
      scrolls: scroller ? getComputedStyle(scroller).overflow : null,
      link: img.parentElement.tagName === "A" ? img.parentElement.getAttribute("href") : null});
  } else {
    out.textContent = "null";
  }
  document.body.appendChild(out);
});
</script>
"""


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def _smallest_font_pt(svg: str) -> float:
    sizes = [float(v) for v in re.findall(r'font-size="([0-9.]+)"', svg)]
    assert sizes, "the graph has no text"
    return min(sizes)


@pytest.mark.slow
def test_the_step_graph_is_legible_in_a_browser_at_page_width(tmp_path: Path) -> None:
    browser = _chromium()
    if browser is None:
        pytest.skip("Chromium is not installed (apt-get install chromium): no browser to render "
                    "the docs in")
    site = tmp_path / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-d", str(site)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr
    page = site / "visualization" / "index.html"
    measured_page = page.with_name("measured.html")
    measured_page.write_text(page.read_text(encoding="utf-8").replace("</body>",
                                                                      MEASURE + "</body>"))
    args = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            "--window-size=1280,900", "--virtual-time-budget=10000"]
    dom = subprocess.run([*args, "--dump-dom", measured_page.as_uri()], capture_output=True,
                         text=True, timeout=120)
    found = re.search(r'<pre id="measured">(.*?)</pre>', dom.stdout, re.S)
    assert found, f"the page did not report its measurement: {dom.stderr[-2000:]}"
    m = json.loads(found.group(1).replace("&quot;", '"'))
    assert m is not None, "the Visualisation page does not show the step graph's SVG"
    subprocess.run([*args, f"--screenshot={tmp_path / 'graph.png'}", measured_page.as_uri()],
                   capture_output=True, timeout=120)

    scale = m["shown_width"] / m["natural_width"]
    smallest_pt = _smallest_font_pt((ROOT / "docs" / GRAPH).read_text(encoding="utf-8"))
    smallest_px = smallest_pt * 96 / 72 * scale  # graphviz writes pt; CSS has 96 px per inch
    assert smallest_px >= MIN_TEXT_PX, (
        f"the graph's smallest text is {smallest_px:.1f} px high in the browser (drawn at "
        f"{scale:.2f} of its size in a {m['window_width']} px window)")
    assert m["natural_width"] > m["window_width"]  # it is wider than the page: it scrolls
    assert m["scrolls"] == "auto"
    assert m["link"].endswith(GRAPH.split("/")[-1])  # and opens alone, to zoom
    assert (tmp_path / "graph.png").stat().st_size > 10_000


def test_the_docs_show_the_graph_as_svg() -> None:
    text = (ROOT / "docs" / "visualization.md").read_text(encoding="utf-8")
    assert f"({GRAPH})" in text
    svg = (ROOT / "docs" / GRAPH).read_text(encoding="utf-8")
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert _smallest_font_pt(svg) >= 8
