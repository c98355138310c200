"""The server-rendered SVG charts (lms.templatetags.chart_tags): what a reader and a screen
reader get, with no script and no external resource."""

import datetime
import re
from decimal import Decimal
from xml.etree import ElementTree

from django.template import engines

import pytest

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def default_standard():
    """No database here: the package's autouse standard is not needed."""


def render(source: str, **context) -> str:
    template = engines["django"].from_string("{% load chart_tags %}" + source)
    return template.render(context)


def parse(svg: str) -> ElementTree.Element:
    """The chart parses as XML (so WeasyPrint can draw it too)."""
    return ElementTree.fromstring(svg.strip())


def y_of_target(root) -> float:
    line = next(e for e in root.iter(f"{SVG}line") if e.get("class") == "chart-target")
    return float(line.get("y1"))


def test_line_chart_draws_a_point_per_day_and_a_dashed_target():
    points = [
        (datetime.date(2026, 1, 1), Decimal("0.2")),
        (datetime.date(2026, 3, 1), 0.35),
        (datetime.date(2026, 2, 1), 0.3),
    ]
    svg = render(
        "{% line_chart points target=target width=600 height=240 title='达标率变化' %}",
        points=points,
        target=Decimal("0.5"),
    )
    root = parse(svg)
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "达标率变化"
    assert '"Noto Sans CJK SC"' in root.get("font-family")
    circles = [e for e in root.iter(f"{SVG}circle") if e.get("class") == "chart-point"]
    assert len(circles) == 3
    # Sorted by date: x grows, and a higher share is drawn higher (smaller y).
    xs = [float(c.get("cx")) for c in circles]
    ys = [float(c.get("cy")) for c in circles]
    assert xs == sorted(xs)
    assert ys[0] > ys[1] > ys[2]
    assert [c.find(f"{SVG}title").text for c in circles] == [
        "01-01：20%",
        "02-01：30%",
        "03-01：35%",
    ]
    target = next(e for e in root.iter(f"{SVG}line") if e.get("class") == "chart-target")
    assert target.get("stroke-dasharray")
    # The target at 50% lies above every point (all below 50%).
    assert y_of_target(root) < min(ys)
    assert "目标 50%" in svg
    assert root.find(f"{SVG}polyline") is not None


def test_a_single_point_is_centred_and_no_points_say_so():
    root = parse(render("{% line_chart points %}", points=[(datetime.date(2026, 5, 1), 0.5)]))
    circles = [e for e in root.iter(f"{SVG}circle") if e.get("class") == "chart-point"]
    assert len(circles) == 1
    assert root.find(f"{SVG}polyline") is None
    assert not [e for e in root.iter(f"{SVG}line") if e.get("class") == "chart-target"]

    svg = render("{% line_chart points %}", points=[])
    assert "暂无数据" in svg
    assert 'class="chart-point"' not in svg


def test_bar_chart_draws_a_bar_per_row_with_target_marker_and_link():
    rows = [
        {"label": "南宁市", "share": 0.6, "target": Decimal("0.5"), "url": "/admin/x/1/"},
        ("柳州市", 0.25, Decimal("0.5")),
        ("桂林市", 0),
    ]
    svg = render("{% bar_chart rows width=600 %}", rows=rows)
    root = parse(svg)
    assert root.get("role") == "img" and root.find(f"{SVG}title").text
    bars = [e for e in root.iter(f"{SVG}rect") if e.get("class") == "chart-bar-value"]
    assert len(bars) == 3
    widths = [float(b.get("width")) for b in bars]
    assert widths[0] > widths[1] > widths[2] == 0
    assert abs(widths[0] / widths[1] - 0.6 / 0.25) < 0.01
    markers = [e for e in root.iter(f"{SVG}line") if e.get("class") == "chart-target"]
    assert len(markers) == 2  # the third row has no target
    links = list(root.iter(f"{SVG}a"))
    assert [a.get("href") for a in links] == ["/admin/x/1/"]
    assert "南宁市：60%" in svg and "柳州市：25%" in svg and "桂林市：0%" in svg
    # Met targets are green, missed ones orange.
    assert bars[0].get("fill") != bars[1].get("fill")


def test_bar_chart_takes_one_target_for_every_row():
    svg = render("{% bar_chart rows target=0.8 %}", rows=[("甲", 0.9), ("乙", 0.1)])
    markers = re.findall(r'class="chart-target" x1="([\d.]+)"', svg)
    assert len(markers) == 2 and markers[0] == markers[1]


def test_breakdown_chart_scales_bars_to_the_largest_count():
    rows = [("在队人数", 8), ("持证比例", 4), ("保险覆盖", 1)]
    root = parse(render("{% breakdown_chart rows title='未达标条件' %}", rows=rows))
    assert root.find(f"{SVG}title").text == "未达标条件"
    bars = [e for e in root.iter(f"{SVG}rect") if e.get("class") == "chart-bar-value"]
    assert len(bars) == 3
    widths = [float(b.get("width")) for b in bars]
    assert abs(widths[0] / widths[1] - 2) < 0.01
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert {"在队人数", "持证比例", "保险覆盖", "8", "4", "1"} <= set(texts)


def test_labels_are_escaped_and_nothing_loads_from_elsewhere():
    rows = [("<script>alert(1)</script>", 3)]
    svg = render("{% breakdown_chart rows %}{% bar_chart rows %}", rows=rows)
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert "http://" not in svg.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in svg


def test_each_chart_has_its_own_title_id():
    svg = render("{% breakdown_chart rows %}{% breakdown_chart rows %}", rows=[("甲", 1)])
    ids = re.findall(r'<title id="([^"]+)"', svg)
    assert len(ids) == 2 and ids[0] != ids[1]


def test_percent_filter():
    assert render("{{ v|percent }}", v=Decimal("0.6")) == "60%"
    assert render("{{ v|percent }}", v=1 / 3) == "33%"
    assert render("{{ v|percent }}", v=None) == "—"
    assert render("{{ v|percent }}", v=1) == "100%"
