"""The docs' pictures are legible in a real browser: headless Chromium renders the built pages.

The SimpleConvNet step graph is an SVG shown at its own size in a scrolling box. A page
scaled to fit would shrink its 9-11 pt text to about 5 pixels. The tests build the site once,
open the Visualisation page in Chromium at a laptop's window size, measure in the browser
how large the graph is drawn compared with its own size, and from that and the SVG's
smallest font size compute the height of its smallest text in screen pixels; they also
measure which part of the graph the box shows when the page opens (nodes, not empty cluster
outlines). The tutorial's im2col picture is measured the same way: its text, at the width the
page draws it, against the page's body text. Screenshots are kept to look at (``graph.png``
beside the built site, ``im2col.png`` in the test's temporary folder). Without Chromium
(``apt-get install chromium``) or the docs extra, they skip and say why.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
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
    let view = null;  // the part of the box a reader sees when the page opens
    if (scroller) {
      const outer = scroller.getBoundingClientRect();
      view = {left: outer.left + scroller.clientLeft, top: outer.top + scroller.clientTop,
              width: scroller.clientWidth, height: scroller.clientHeight};
      // for the screenshot (taken at the page's top): the box moved there, as it opened
      scroller.closest("article").prepend(scroller);
    }
    out.textContent = JSON.stringify({
      shown_width: box.width, natural_width: img.naturalWidth,
      image: {left: box.left, top: box.top, width: box.width, height: box.height},
      view: view, window_width: window.innerWidth,
      scrolls: scroller ? getComputedStyle(scroller).overflow : null,
      link: img.parentElement.tagName === "A" ? img.parentElement.getAttribute("href") : null});
  } else {
    out.textContent = "null";
  }
  document.body.appendChild(out);
});
</script>
"""

MEASURE_PICTURE = """
<script>
window.addEventListener("load", () => {
  const img = document.querySelector('img[src$="%s"]');
  const out = document.createElement("pre");
  out.id = "measured";
  if (img) {
    const body = getComputedStyle(document.querySelector("article p"));
    const column = img.closest("article");
    const pad = parseFloat(getComputedStyle(column).paddingLeft)
                + parseFloat(getComputedStyle(column).paddingRight);
    out.textContent = JSON.stringify({
      shown_width: img.getBoundingClientRect().width, natural_width: img.naturalWidth,
      column_width: column.clientWidth - pad, body_px: parseFloat(body.fontSize)});
    // for the screenshot (taken at the page's top): the picture and the text after it
    const shown = img.closest("p");
    const after = shown.nextElementSibling;
    column.prepend(shown);
    if (after) shown.after(after);
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


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The docs built once for this module's browser tests."""
    if _chromium() is None:
        pytest.skip("Chromium is not installed (apt-get install chromium): no browser to render "
                    "the docs in")
    site = tmp_path_factory.mktemp("docs") / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-d", str(site)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr
    return site


def _measure(page: Path, script: str, screenshot: Path) -> dict | None:
    """Open ``page`` with ``script`` added in Chromium at a laptop's window size; what the
    script reported (as JSON in ``<pre id="measured">``), and a screenshot."""
    measured_page = page.with_name("measured.html")
    measured_page.write_text(page.read_text(encoding="utf-8").replace("</body>",
                                                                      script + "</body>"))
    args = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            "--window-size=1280,900", "--virtual-time-budget=10000"]
    dom = subprocess.run([*args, "--dump-dom", measured_page.as_uri()], capture_output=True,
                         text=True, timeout=120)
    found = re.search(r'<pre id="measured">(.*?)</pre>', dom.stdout, re.S)
    assert found, f"the page did not report its measurement: {dom.stderr[-2000:]}"
    subprocess.run([*args, f"--screenshot={screenshot}", measured_page.as_uri()],
                   capture_output=True, timeout=120)
    return json.loads(found.group(1).replace("&quot;", '"'))


@pytest.fixture(scope="module")
def graph_page(site: Path) -> tuple[dict | None, Path]:
    """The Visualisation page measured in Chromium, and its screenshot (box as opened)."""
    screenshot = site / "graph.png"
    return _measure(site / "visualization" / "index.html", MEASURE, screenshot), screenshot


@pytest.mark.slow
def test_the_step_graph_is_legible_in_a_browser_at_page_width(graph_page: tuple) -> None:
    m, screenshot = graph_page
    assert m is not None, "the Visualisation page does not show the step graph's SVG"

    scale = m["shown_width"] / m["natural_width"]
    smallest_pt = _smallest_font_pt((ROOT / "docs" / GRAPH).read_text(encoding="utf-8"))
    smallest_px = smallest_pt * 96 / 72 * scale  # graphviz writes pt; CSS has 96 px per inch
    assert smallest_px >= MIN_TEXT_PX, (
        f"the graph's smallest text is {smallest_px:.1f} px high in the browser (drawn at "
        f"{scale:.2f} of its size in a {m['window_width']} px window)")
    assert m["natural_width"] > m["window_width"]  # it is wider than the page: it scrolls
    assert m["scrolls"] == "auto"
    assert m["link"].endswith(GRAPH.split("/")[-1])  # and opens alone, to zoom
    assert screenshot.stat().st_size > 10_000


def test_the_docs_show_the_graph_as_svg() -> None:
    text = (ROOT / "docs" / "visualization.md").read_text(encoding="utf-8")
    assert f"({GRAPH})" in text
    svg = (ROOT / "docs" / GRAPH).read_text(encoding="utf-8")
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert _smallest_font_pt(svg) >= 8


def _node_boxes(svg: str) -> dict[str, tuple[str, tuple[float, float, float, float]]]:
    """Each node of a Graphviz SVG: its id -> (its text, its box (x0, y0, x1, y1) as a fraction
    of the picture's width and height, from the top left)."""
    ns = {"s": "http://www.w3.org/2000/svg"}
    root = ET.fromstring(svg)
    _, _, width, height = (float(v) for v in root.get("viewBox").split())
    graph = root.find("s:g", ns)
    tx, ty = (float(v) for v in re.search(r"translate\(([-\d.]+) ([-\d.]+)\)",
                                          graph.get("transform")).groups())
    boxes = {}
    for node in graph.findall("s:g[@class='node']", ns):
        xs, ys = [], []
        for shape in node.findall("s:polygon", ns):
            for point in shape.get("points").split():
                x, y = point.split(",")
                xs.append(float(x))
                ys.append(float(y))
        for e in node.findall("s:ellipse", ns):
            cx, cy, rx, ry = (float(e.get(a)) for a in ("cx", "cy", "rx", "ry"))
            xs += [cx - rx, cx + rx]
            ys += [cy - ry, cy + ry]
        text = " ".join(t.text or "" for t in node.findall("s:text", ns))
        boxes[node.get("id")] = (text, ((min(xs) + tx) / width, (min(ys) + ty) / height,
                                        (max(xs) + tx) / width, (max(ys) + ty) / height))
    return boxes


@pytest.mark.slow
def test_the_step_graph_box_opens_on_the_input_and_the_first_layer(graph_page: tuple) -> None:
    m, _ = graph_page
    assert m is not None and m["view"] is not None, "the step graph is not in a scroll box"
    image, view = m["image"], m["view"]
    # the part of the picture in view when the page opens, as fractions of its width, height
    seen = ((view["left"] - image["left"]) / image["width"],
            (view["top"] - image["top"]) / image["height"],
            (view["left"] + view["width"] - image["left"]) / image["width"],
            (view["top"] + view["height"] - image["top"]) / image["height"])
    nodes = _node_boxes((ROOT / "docs" / GRAPH).read_text(encoding="utf-8"))
    in_view = [text for text, (x0, y0, x1, y1) in nodes.values()
               if seen[0] <= x0 and x1 <= seen[2] and seen[1] <= y0 and y1 <= seen[3]]
    assert any(text.startswith("image ") for text in in_view), (
        f"the box opens on {seen} of the graph, which shows {in_view or 'no node'}, not the "
        "input image (see the screenshot graph.png)")
    assert len(in_view) >= 2, in_view  # the input and what it flows into, not empty outlines


@pytest.mark.slow
def test_the_im2col_picture_text_is_about_body_text_size_on_its_page(site: Path,
                                                                      tmp_path: Path) -> None:
    pytest.importorskip("matplotlib", reason="the picture is drawn with matplotlib (examples "
                        "extra)")
    import importlib.util

    from minigrad.viz import plot_im2col

    spec = importlib.util.spec_from_file_location("make_images", ROOT / "docs" / "make_images.py")
    make_images = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_images)
    fig = plot_im2col(make_images.BOOK_IMAGE, make_images.BOOK_FILTER)  # as the page draws it
    m = _measure(site / "tutorial" / "index.html", MEASURE_PICTURE % "im2col.png",
                 tmp_path / "im2col.png")
    assert m is not None, "the tutorial does not show images/im2col.png"
    assert abs(m["natural_width"] - fig.get_size_inches()[0] * fig.dpi) <= 1  # the same picture
    assert m["shown_width"] <= m["column_width"] + 0.5
    scale = m["shown_width"] / m["natural_width"]
    texts = [t for ax in fig.axes for t in (*ax.texts, ax.title)]
    numbers = min(t.get_fontsize() for t in texts) * fig.dpi / 72 * scale
    titles = min(ax.title.get_fontsize() for ax in fig.axes) * fig.dpi / 72 * scale
    report = (f"numbers {numbers:.1f} px, titles {titles:.1f} px, body text {m['body_px']} px "
              f"(picture drawn {m['shown_width']:.0f} px wide in a {m['column_width']:.0f} px "
              "column)")
    assert numbers >= 0.75 * m["body_px"], report
    assert titles >= 0.9 * m["body_px"], report
