"""minigrad.viz: the pictures are checked by their structure (nodes, edges, labels, colours,
clusters, grid shapes), not by their pixels."""

from __future__ import annotations

import re
import struct
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.autograd import Function
from minigrad.viz import (
    COLOURS,
    DotNotFoundError,
    draw_graph,
    forward_graph,
    plot_feature_maps,
    plot_filters,
    render,
)

ROOT = Path(__file__).resolve().parent.parent
NODE = re.compile(r'^\s*(\w+) \[label=(".*?(?<!\\)"|<.*>|\w+)(.*)\]$')
EDGE = re.compile(r"^\s*(\w+) -> (\w+)(?: \[(.*)\])?$")
ATTR = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|[^\s\]]+)')


class Dot:
    """A parsed DOT source: nodes (id -> label, attrs, enclosing clusters) and edges."""

    def __init__(self, source: str) -> None:
        self.nodes: dict[str, dict] = {}
        self.edges: list[tuple[str, str, dict]] = []
        self.clusters: dict[str, dict] = {}  # name -> label, parent cluster
        stack: list[str] = []
        for line in source.splitlines():
            if m := re.match(r"^\s*subgraph (\w+) \{$", line):
                self.clusters[m.group(1)] = {"parent": stack[-1] if stack else None}
                stack.append(m.group(1))
            elif line.strip() == "}":
                if stack:
                    stack.pop()
            elif stack and (m := re.match(r"^\s*(?:color|label|fontname).*label=", line)):
                self.clusters[stack[-1]]["label"] = "\n".join(
                    _unquote(dict(ATTR.findall(line.strip()))["label"]))
            elif m := EDGE.match(line):
                self.edges.append((m.group(1), m.group(2), _attrs(m.group(3) or "")))
            elif m := NODE.match(line):
                attrs = _attrs(m.group(3))
                attrs["label"] = _unquote(m.group(2))
                attrs["cluster"] = stack[-1] if stack else None
                self.nodes[m.group(1)] = attrs

    def graph_nodes(self) -> dict[str, dict]:
        """All but the legend."""
        return {k: v for k, v in self.nodes.items() if k != "legend"}

    def by_name(self, name: str) -> tuple[str, dict]:
        found = [(k, v) for k, v in self.graph_nodes().items() if v["label"][0] == name]
        assert len(found) == 1, (name, found)
        return found[0]

    def cluster_path(self, node_id: str) -> list[str]:
        """Labels of the clusters around a node, outermost first."""
        path, c = [], self.nodes[node_id]["cluster"]
        while c is not None:
            path.append(self.clusters[c].get("label"))
            c = self.clusters[c]["parent"]
        return path[::-1]


def _unquote(text: str) -> list[str] | str:
    if text.startswith('"'):
        return text[1:-1].replace('\\"', '"').split("\\n")
    if text.startswith("<"):
        return text
    return [text]


def _attrs(text: str) -> dict:
    return {k: v.strip('"') for k, v in ATTR.findall(text) if k != "label"}


def _named_edges(dot: Dot) -> set[tuple[str, str]]:
    return {(dot.nodes[a]["label"][0], dot.nodes[b]["label"][0]) for a, b, _ in dot.edges}


# --------------------------------------------------------------------------- draw_graph


def small_expression() -> tuple[mg.Tensor, mg.Tensor, mg.Tensor]:
    x = mg.tensor([[1.0, 2.0]], requires_grad=True)
    w = mg.tensor([[0.5], [-1.0]], requires_grad=True)
    y = ((x @ w) * 3).sum()
    return x, w, y


def test_small_expression_draws_exactly_its_tensors_ops_edges_and_colours() -> None:
    x, w, y = small_expression()
    dot = Dot(draw_graph(y, params={"x": x, "w": w}).source)
    nodes = dot.graph_nodes()
    labels = {k: v["label"] for k, v in nodes.items()}
    ops = {k for k, v in nodes.items() if v["shape"] == "ellipse"}
    tensors = set(nodes) - ops
    assert sorted(labels[k][0] for k in ops) == ["MatMul", "Mul", "Sum"]
    by_name = {labels[k][0]: labels[k] for k in tensors}
    matmul_out = next(k for k in tensors if labels[k][1] == "(1, 1) float32"
                      and labels[k][2] == "value -1.5")
    mul_out = next(k for k in tensors if labels[k][1] == "(1, 1) float32"
                   and labels[k][2] == "value -4.5")
    const = next(k for k in tensors if labels[k][1] == "scalar float32"
                 and labels[k][-1] == "value 3")
    assert by_name["x"] == ["x", "(1, 2) float32"]
    assert by_name["w"] == ["w", "(2, 1) float32"]
    assert by_name["output"] == ["output", "scalar float32", "value -4.5"]
    assert len(tensors) == 6  # x, w, x@w, the constant 3, (x@w)*3, the sum
    # unnamed tensors are called by their short id, which is also their DOT node id
    for k in (matmul_out, mul_out, const):
        assert labels[k][0] == k
    assert _named_edges(dot) == {
        ("x", "MatMul"), ("w", "MatMul"), ("MatMul", matmul_out), (matmul_out, "Mul"),
        (const, "Mul"), ("Mul", mul_out), (mul_out, "Sum"), ("Sum", "output"),
    }
    colour = {labels[k][0]: v["fillcolor"] for k, v in nodes.items()}
    assert colour["x"] == colour["w"] == COLOURS["parameter"]
    assert colour[const] == COLOURS["constant"]
    assert colour[matmul_out] == colour[mul_out] == COLOURS["intermediate"]
    assert colour["output"] == COLOURS["output"]
    assert colour["MatMul"] == colour["Mul"] == colour["Sum"] == COLOURS["op"]
    assert not dot.clusters  # no module ran: no clusters
    # the legend explains every colour
    legend = dot.nodes["legend"]["label"]
    for role, hex_colour in COLOURS.items():
        assert hex_colour in legend, role
    for text in ("leaf requiring grad", "constant", "output", "op", "NaN / Inf"):
        assert text in legend


def test_after_backward_leaves_show_gradient_norm_min_and_max() -> None:
    x, w, y = small_expression()
    y.backward()
    dot = Dot(draw_graph(y, params={"x": x, "w": w}).source)
    _, xnode = dot.by_name("x")
    assert xnode["label"][2:] == ["grad norm 3.35", "grad min -3 max 1.5"]  # grad 3*w^T
    _, wnode = dot.by_name("w")
    assert wnode["label"][2:] == ["grad norm 6.71", "grad min 3 max 6"]
    hidden = Dot(draw_graph(y, params={"x": x, "w": w}, show_grads=False).source)
    assert hidden.by_name("x")[1]["label"] == ["x", "(1, 2) float32"]


def test_unnamed_tensors_get_short_ids_and_a_module_names_its_parameters() -> None:
    lin = nn.Linear(3, 2)
    x = mg.randn(4, 3)
    dot = Dot(draw_graph(lin(x).sum(), params=lin).source)
    names = {v["label"][0] for v in dot.graph_nodes().values()}
    assert {"weight", "bias", "output"} <= names
    with pytest.raises(TypeError, match="params"):
        draw_graph(lin(x).sum(), params=[lin.weight])
    with pytest.raises(TypeError, match="expected a Tensor"):
        draw_graph(lin(x).sum(), params={"w": np.zeros(3)})
    with pytest.raises(ValueError, match="at least one"):
        draw_graph()


class Block(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Linear(3, 4), nn.ReLU())
        self.head = nn.Linear(4, 2)

    def forward(self, x: mg.Tensor) -> mg.Tensor:
        return self.head(self.body(x))


def test_ops_are_grouped_in_nested_clusters_named_like_the_layers() -> None:
    mg.manual_seed(0)
    model = Block()
    x = mg.randn(5, 3)
    loss = model(x).sum()
    dot = Dot(draw_graph(loss, params=model).source)
    labels = {c.get("label") for c in dot.clusters.values()}
    assert labels == {
        "Block",
        "body: Sequential",
        "body.0: Linear(in_features=3, out_features=4, bias=True)",
        "body.1: ReLU",
        "head: Linear(in_features=4, out_features=2, bias=True)",
    }
    weight_id, _ = dot.by_name("body.0.weight")
    assert dot.cluster_path(weight_id) == [
        "Block", "body: Sequential", "body.0: Linear(in_features=3, out_features=4, bias=True)"
    ]
    assert dot.cluster_path(dot.by_name("Relu")[0]) == ["Block", "body: Sequential",
                                                        "body.1: ReLU"]
    # the loss is computed outside the model, and the input batch is fed in from outside
    assert dot.cluster_path(dot.by_name("output")[0]) == []
    x_id = next(k for k, v in dot.graph_nodes().items() if v["label"][1] == "(5, 3) float32"
                and v["fillcolor"] == COLOURS["constant"])
    assert dot.cluster_path(x_id) == []
    # without a model the clusters are named by type; group_modules=False draws none
    unnamed = Dot(draw_graph(model(x).sum()).source)
    assert "Linear(in_features=3, out_features=4, bias=True)" in {
        c.get("label") for c in unnamed.clusters.values()}
    assert not Dot(draw_graph(loss, params=model, group_modules=False).source).clusters


def test_show_attrs_lists_the_arguments_of_each_op() -> None:
    x = mg.randn(1, 2, 7, 7, requires_grad=True)
    w = mg.randn(3, 2, 3, 3, requires_grad=True)
    y = nn.functional.conv2d(x, w, stride=2, padding=1).softmax(dim=1)
    dot = Dot(draw_graph(y, show_attrs=True).source)
    conv = next(v["label"] for v in dot.graph_nodes().values() if v["label"][0] == "Conv2d")
    assert {"kernel_size=(3, 3)", "stride=(2, 2)", "padding=(1, 1)"} <= set(conv)
    assert "dim=1" in dot.by_name("Softmax")[1]["label"]
    plain = Dot(draw_graph(y).source)
    assert plain.by_name("Softmax")[1]["label"] == ["Softmax"]


def test_a_nan_colours_its_op_and_only_what_is_downstream() -> None:
    x = mg.tensor([1.0, -1.0], requires_grad=True)  # log(-2) is NaN
    z = mg.tensor([2.0, 3.0], requires_grad=True)
    a = x * 2
    b = a.log()
    c = b + 1
    s = c.sum()
    d = (z * 3).sum()
    out = s + d
    names = {"x": x, "z": z, "a": a, "b": b, "c": c, "s": s, "d": d}
    dot = Dot(draw_graph(out, params=names).source)
    nodes = dot.graph_nodes().values()
    red = sorted(v["label"][0] for v in nodes if v["fillcolor"] == COLOURS["bad"])
    # downstream of the Log: b, c = b + 1, s = c.sum(), out = s + d and the ops making them
    assert red == sorted(["Log", "b", "Add", "c", "Sum", "s", "Add", "output"])
    assert dot.by_name("b")[1]["label"][-1] == "NaN in value"
    assert dot.by_name("output")[1]["label"][-1] == "NaN in value"
    assert dot.by_name("d")[1]["fillcolor"] == COLOURS["intermediate"]
    # exactly one op is marked as the place where the NaN starts: the Log
    starts = [v["label"][0] for v in nodes if "NaN/Inf starts here" in v["label"]]
    assert starts == ["Log"]


def test_an_inf_gradient_marks_the_leaf_that_received_it() -> None:
    x = mg.tensor([0.0, 4.0], requires_grad=True)
    y = x.sqrt().sum()
    with np.errstate(divide="ignore"):
        y.backward()  # d sqrt(x)/dx at 0 is inf
    dot = Dot(draw_graph(y, params={"x": x}).source)
    _, node = dot.by_name("x")
    assert node["fillcolor"] == COLOURS["bad"]
    assert node["label"][-1] == "Inf in grad"
    others = [v for k, v in dot.graph_nodes().items() if v["label"][0] != "x"]
    assert all(v["fillcolor"] != COLOURS["bad"] for v in others)


class _Identity(Function):
    """The cheapest op there is, to build a 100,000-op chain quickly."""

    @staticmethod
    def forward(ctx, x):  # noqa: ANN001, ANN205
        return x.data

    @staticmethod
    def backward(ctx, g):  # noqa: ANN001, ANN205
        return g


def test_a_100k_op_chain_draws_capped_with_a_more_nodes_node() -> None:
    y = x = mg.tensor([1.0], requires_grad=True)
    for _ in range(100_000):
        y = _Identity.apply(y)
    assert sys.getrecursionlimit() < 100_000
    dot = Dot(draw_graph(y, max_nodes=500).source)
    nodes = dot.graph_nodes()
    assert len(nodes) == 500
    more = nodes.pop("more")
    total = 100_000 + 100_001  # ops + tensors
    assert more["label"][0] == f"... {total - len(nodes)} more nodes"
    # the output, then 249 ops each with the tensor it reads, then the "more" node
    assert sum(1 for v in nodes.values() if v["label"][0] == "_Identity") == 249
    # the cut is joined to the "more" node so the reader sees where the graph goes on
    assert [b for a, b, _ in dot.edges if a == "more"] != []
    small = Dot(draw_graph(_Identity.apply(_Identity.apply(x))).source)
    assert "more" not in small.nodes
    with pytest.raises(ValueError, match="max_nodes"):
        draw_graph(y, max_nodes=0)


def test_intermediate_values_are_still_drawn_after_backward_frees_the_graph() -> None:
    x, w, y = small_expression()
    y.backward()
    dot = Dot(draw_graph(y).source)
    assert sorted(v["label"][0] for v in dot.graph_nodes().values()
                  if v["shape"] == "ellipse") == ["MatMul", "Mul", "Sum"]


# --------------------------------------------------------------------------- rendering


@pytest.mark.needs_dot
def test_render_writes_valid_png_svg_and_pdf_with_dot(tmp_path: Path) -> None:
    _, _, y = small_expression()
    graph = draw_graph(y)
    png = render(graph, tmp_path / "g.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = render(graph, tmp_path / "g.svg")
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg")
    assert "MatMul" in svg.read_text()
    pdf = render(graph, tmp_path / "out" / "g", format="pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-"
    with pytest.raises(ValueError, match="format"):
        render(graph, tmp_path / "g.bmp")


def test_without_dot_the_source_is_written_and_the_error_says_how_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, _, y = small_expression()
    graph = draw_graph(y)
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    with pytest.raises(DotNotFoundError) as info:
        render(graph, tmp_path / "graph.svg")
    message = str(info.value)
    for hint in ("apt-get install graphviz", "brew install graphviz", "conda install"):
        assert hint in message
    assert (tmp_path / "graph.dot").read_text() == graph.source
    assert not (tmp_path / "graph.svg").exists()


# --------------------------------------------------------------------------- forward_graph


def test_forward_graph_draws_one_node_per_layer_and_leaves_the_model_unchanged() -> None:
    model = Block()
    model.train()
    before = {k: v._data.copy() for k, v in model.state_dict().items()}
    dot = Dot(forward_graph(model, (2, 3)).source)
    labels = [v["label"] for v in dot.graph_nodes().values()]
    assert labels[0] == ["input", "(2, 3)"]
    assert ["body.0: Linear(in_features=3, out_features=4, bias=True)", "(2, 4)",
            "16 params"] in labels
    assert ["body.1: ReLU", "(2, 4)"] in labels
    assert ["output", "(2, 2)"] in labels
    assert [(a, b) for a, b, _ in dot.edges] == [
        ("input", "m0"), ("m0", "m1"), ("m1", "m2"), ("m2", "out0")]
    assert model.training and all(m.training for m in model.modules())
    assert all("forward" not in m.__dict__ for m in model.modules())
    assert all(p.grad is None for p in model.parameters())
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v.data, before[k])


def test_forward_graph_shows_functional_ops_between_layers() -> None:
    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv2d(1, 2, 3)
            self.fc = nn.Linear(2 * 4 * 4, 3)

        def forward(self, x: mg.Tensor) -> mg.Tensor:
            return self.fc(nn.functional.relu(self.conv(x)).flatten(1))

    dot = Dot(forward_graph(Net(), (1, 1, 6, 6)).source)
    names = [v["label"][0] for v in dot.graph_nodes().values()]
    assert names == ["input", "conv: Conv2d(1, 2, kernel_size=(3, 3), stride=(1, 1))", "Relu",
                     "Reshape", "fc: Linear(in_features=32, out_features=3, bias=True)", "output"]
    assert len(dot.edges) == 5


# --------------------------------------------------------------------------- plots


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


def test_plot_filters_draws_one_tile_per_filter_on_the_requested_grid(tmp_path: Path) -> None:
    w = mg.randn(30, 1, 5, 5)
    fig = plot_filters(w, path=tmp_path / "f.png", ncols=6)
    assert len(fig.axes) == 30
    assert {ax.get_subplotspec().get_geometry()[:2] for ax in fig.axes} == {(5, 6)}
    assert fig.axes[0].images[0].get_array().shape == (5, 5)
    width, height = _png_size(tmp_path / "f.png")
    assert (width, height) == tuple(round(v) for v in fig.get_size_inches() * fig.dpi)
    # default grid is square-ish; a part-filled last row has no empty axes
    fig = plot_filters(mg.randn(10, 2, 3, 3))
    assert len(fig.axes) == 10
    assert fig.axes[0].get_subplotspec().get_geometry()[:2] == (3, 4)


def test_plot_filters_shows_three_input_channels_as_rgb() -> None:
    fig = plot_filters(np.random.default_rng(0).normal(size=(4, 3, 3, 3)))
    image = fig.axes[0].images[0].get_array()
    assert image.shape == (3, 3, 3)
    assert 0.0 <= float(image.min()) and float(image.max()) <= 1.0
    with pytest.raises(ValueError, match="conv weight"):
        plot_filters(mg.randn(3, 3))


class SmallConv(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3)
        self.pool = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(4, 6, 3)
        self.fc = nn.Linear(6 * 3 * 3, 10)

    def forward(self, x: mg.Tensor) -> mg.Tensor:
        x = self.conv2(self.pool(self.conv1(x).relu())).relu()
        return self.fc(x.flatten(1))


def test_plot_feature_maps_draws_one_panel_per_layer_and_one_tile_per_channel(
    tmp_path: Path,
) -> None:
    model = SmallConv()
    x = mg.rand(1, 12, 12)
    fig = plot_feature_maps(model, x, path=tmp_path / "maps.png")
    assert [len(sub.axes) for sub in fig.subfigs] == [4, 6]  # conv1, conv2 by default
    assert fig.subfigs[0].axes[0].images[0].get_array().shape == (10, 10)
    assert _png_size(tmp_path / "maps.png")[0] > 100
    fig = plot_feature_maps(model, x[None], layers=["pool", "fc"], max_channels=3)
    assert [len(sub.axes) for sub in fig.subfigs] == [3, 1]
    assert "first 3 of 4 channels" in fig.subfigs[0]._suptitle.get_text()
    assert all("forward" not in m.__dict__ for m in model.modules())
    with pytest.raises(ValueError, match="no module named 'nope'"):
        plot_feature_maps(model, x, layers=["nope"])
    with pytest.raises(ValueError, match="one image"):
        plot_feature_maps(model, mg.rand(2, 1, 12, 12))


def test_plots_without_matplotlib_say_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=r'pip install "minigrad\[examples\]"'):
        plot_filters(mg.randn(2, 1, 3, 3))


DOCS_COLUMN_PX = 700  # the text column of the docs' theme (mkdocs-material) on a laptop
BODY_TEXT_PX = 16.0  # and its body text (0.8rem of 20 px)


def _book_picture(name: str):  # noqa: ANN202
    """The picture docs/make_images.py draws for the tutorial (the book's example)."""
    from minigrad.viz import plot_im2col, plot_pool_expansion

    book = _load_script(ROOT / "docs" / "make_images.py")
    if name == "im2col":
        return plot_im2col(book.BOOK_IMAGE, book.BOOK_FILTER)
    return plot_pool_expansion(book.BOOK_POOL_INPUT, 2)


@pytest.mark.parametrize("name", ["im2col", "pool_expansion"])
def test_the_im2col_pictures_are_readable_at_the_width_of_a_docs_page(name: str) -> None:
    pytest.importorskip("matplotlib", reason="the pictures need matplotlib (the examples extra)")
    fig = _book_picture(name)
    natural = tuple(round(v) for v in fig.get_size_inches() * fig.dpi)
    shown = min(1.0, DOCS_COLUMN_PX / natural[0])  # an image wider than the column shrinks
    renderer = fig.canvas.get_renderer()
    texts = [t for ax in fig.axes for t in (*ax.texts, ax.title) if t.get_text()]
    px = {t: t.get_fontsize() * fig.dpi / 72 * shown for t in texts}
    assert min(px.values()) >= 0.75 * BODY_TEXT_PX, f"text {min(px.values()):.1f} px on a page"
    assert min(px[ax.title] for ax in fig.axes) >= 0.95 * BODY_TEXT_PX  # titles: body text
    figure = fig.bbox
    for t in texts:  # nothing clipped at the figure's edges
        box = t.get_window_extent(renderer)
        assert figure.x0 <= box.x0 and box.x1 <= figure.x1 and box.y1 <= figure.y1, t
    titles = [ax.title.get_window_extent(renderer) for ax in fig.axes]
    for left, right in zip(titles, titles[1:]):  # titles side by side, not overlapping
        assert left.x1 < right.x0, (left, right)
    for ax in fig.axes:  # every number fits inside its cell
        cells = [p.get_window_extent(renderer) for p in ax.patches if p.get_gid() == "cell"]
        for t in ax.texts:
            box = t.get_window_extent(renderer)
            inside = [c for c in cells if c.contains(*box.get_points().mean(axis=0))]
            if inside:  # (the "ch 0" labels sit beside the cells)
                assert inside[0].x0 < box.x0 and box.x1 < inside[0].x1, t.get_text()
                assert inside[0].y0 < box.y0 and box.y1 < inside[0].y1, t.get_text()
    # and the page shows this very picture (python docs/make_images.py regenerates it)
    checked_in = _png_size(ROOT / "docs" / "images" / f"{name}.png")
    assert all(abs(a - b) <= 1 for a, b in zip(checked_in, natural)), (checked_in, natural)


# --------------------------------------------------------------------------- CLI, docs, example


@pytest.mark.needs_dot
def test_cli_graph_writes_the_svg_of_one_training_step(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    from minigrad.cli import main

    out = tmp_path / "lenet.svg"
    assert main(["graph", "--model", "lenet", "--out", str(out)]) == 0
    root = ET.parse(out).getroot()
    assert root.tag.endswith("svg")
    text = out.read_text()
    for expected in ("features.0.weight", "grad norm", "CrossEntropy", "loss",
                     "features.0: Conv2d(1, 6"):
        assert expected in text
    assert "wrote" in capsys.readouterr().out
    dot_out = tmp_path / "step.dot"
    assert main(["graph", "--model", "simpleconvnet", "--out", str(dot_out),
                 "--input-shape", "2,1,28,28", "--show-attrs"]) == 0
    assert "conv1.weight" in dot_out.read_text() and "stride=(1, 1)" in dot_out.read_text()
    assert main(["graph", "--model", "lenet", "--out", str(tmp_path / "x.svg"),
                 "--input-shape", "1,3,28,28"]) == 2
    assert "expected input of shape" in capsys.readouterr().err
    assert main(["graph", "--out", str(tmp_path / "x.bmp")]) == 2


def _load_script(path: Path):  # noqa: ANN202
    import importlib.util

    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
@pytest.mark.needs_dot
def test_the_docs_image_generator_runs_and_the_docs_show_its_images(tmp_path: Path) -> None:
    make_images = _load_script(ROOT / "docs" / "make_images.py")
    assert make_images.main(["--out", str(tmp_path), "--quick"]) == 0
    made = sorted(p.name for p in tmp_path.glob("*.png"))
    assert {"lenet_feature_maps.png", "lenet_layers.png", "nan_graph.png",
            "simpleconvnet_step.png"} <= set(made)
    for name in made:
        assert _png_size(tmp_path / name)[0] > 100
    pages = " ".join(p.read_text() for p in (ROOT / "docs").glob("*.md"))
    for name in made:  # every picture is checked in and shown on a page (maybe as svg)
        assert f"images/{name[:-4]}." in pages, name
        assert _png_size(ROOT / "docs" / "images" / name)[0] > 100


@pytest.mark.slow
@pytest.mark.needs_dot
def test_the_example_runs_as_is(tmp_path: Path) -> None:
    import subprocess

    done = subprocess.run([sys.executable, str(ROOT / "examples" / "visualize_graph.py"),
                           "--out", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    for name in ("expression.svg", "train_step.svg", "lenet_layers.svg", "filters.png",
                 "feature_maps.png"):
        assert (tmp_path / name).stat().st_size > 1000, name
