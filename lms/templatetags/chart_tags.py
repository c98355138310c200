"""Server-rendered SVG charts for the compliance dashboards and the PDF reports.

No JavaScript and no chart library: the geometry is computed here and the templates
under templates/lms/charts/ draw plain inline SVG, so the same chart works in the admin,
on a phone and in WeasyPrint.

    {% load chart_tags %}
    {% line_chart points target=0.5 width=600 height=240 title="达标率" %}
    {% bar_chart rows target=0.5 %}
    {% breakdown_chart rows %}

`points`: (date, share) pairs, or objects with `date` and `share` (share 0–1).
`rows` for bar_chart: (label, share[, target[, url]]) or objects/dicts with label, share,
target and url. `rows` for breakdown_chart: (label, count) or objects with label and count.
"""

import datetime
import itertools
from dataclasses import dataclass

from django import template
from django.utils.translation import gettext as _

register = template.Library()

FONT = '"Noto Sans CJK SC", "Noto Sans SC", sans-serif'
_ids = itertools.count(1)


def _chart_id(kind: str) -> str:
    # Unique within a page so aria-labelledby points at this chart's own title.
    return f"chart-{kind}-{next(_ids)}"


def _get(item, name: str, index: int, default=None):
    """A field of a row given as a tuple, a dict or an object."""
    if isinstance(item, dict):
        return item.get(name, default)
    if isinstance(item, (tuple, list)):
        return item[index] if len(item) > index else default
    return getattr(item, name, default)


def _share(value) -> float | None:
    if value is None or value == "":
        return None
    return min(1.0, max(0.0, float(value)))


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.0f}%"


@dataclass
class Point:
    x: float
    y: float
    share: float
    label: str
    text: str


@dataclass
class Bar:
    label: str
    y: float
    width: float
    share: float | None
    text: str
    url: str | None
    target_x: float | None
    passed: bool | None


@register.inclusion_tag("lms/charts/line.html")
def line_chart(points, target=None, width=600, height=240, title=None):
    """Progress over time: a line of shares by date, with the target as a dashed line."""
    width, height = int(width), int(height)
    left, right, top, bottom = 44, 16, 12, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    rows = []
    for item in points or []:
        day = _get(item, "date", 0)
        share = _share(_get(item, "share", 1))
        if day is not None and share is not None:
            rows.append((day, share))
    rows.sort(key=lambda row: row[0])

    def y_of(share: float) -> float:
        return round(top + plot_h * (1 - share), 1)

    drawn = []
    if rows:
        first, last = rows[0][0], rows[-1][0]
        span = (last - first).days if isinstance(first, datetime.date) else 0
        for index, (day, share) in enumerate(rows):
            if span:
                x = left + plot_w * (day - first).days / span
            elif len(rows) > 1:
                x = left + plot_w * index / (len(rows) - 1)
            else:
                x = left + plot_w / 2
            label = day.strftime("%m-%d") if hasattr(day, "strftime") else str(day)
            drawn.append(Point(round(x, 1), y_of(share), share, label, _percent(share)))
    target = _share(target)
    grid = [{"y": y_of(share), "text": _percent(share)} for share in (0, 0.25, 0.5, 0.75, 1)]
    title = title or _("达标率变化")
    summary = _("共 %(n)s 个数据点") % {"n": len(drawn)}
    if drawn:
        summary += _("，最新 %(share)s") % {"share": drawn[-1].text}
    if target is not None:
        summary += _("，目标 %(target)s") % {"target": _percent(target)}
    return {
        "id": _chart_id("line"),
        "title": title,
        "summary": summary,
        "width": width,
        "height": height,
        "font": FONT,
        "left": left,
        "right_x": width - right,
        "bottom_y": top + plot_h,
        "label_y": height - 8,
        "grid": grid,
        "points": drawn,
        "path": " ".join(f"{p.x},{p.y}" for p in drawn),
        "target": target,
        "target_y": y_of(target) if target is not None else None,
        "target_text": _percent(target),
        "first": drawn[0] if drawn else None,
        "last": drawn[-1] if len(drawn) > 1 else None,
        "mid_x": left + plot_w / 2,
        "mid_y": top + plot_h / 2,
    }


@register.inclusion_tag("lms/charts/bar.html")
def bar_chart(rows, target=None, width=600, title=None, label_width=120):
    """One horizontal bar per row (a share), with a marker at the row's target."""
    width, label_width = int(width), int(label_width)
    row_h, gap, top = 22, 8, 4
    value_w = 48
    plot_x = label_width + 8
    plot_w = width - plot_x - value_w
    default_target = _share(target)
    bars = []
    for index, item in enumerate(rows or []):
        share = _share(_get(item, "share", 1))
        row_target = _share(_get(item, "target", 2, None))
        if row_target is None:
            row_target = default_target
        bars.append(
            Bar(
                label=str(_get(item, "label", 0, "")),
                y=top + index * (row_h + gap),
                width=round(plot_w * (share or 0), 1),
                share=share,
                text=_percent(share),
                url=_get(item, "url", 3, None) or None,
                target_x=(
                    round(plot_x + plot_w * row_target, 1) if row_target is not None else None
                ),
                passed=(None if share is None or row_target is None else share >= row_target),
            )
        )
    return _bars_context(
        "bar",
        title or _("各地区达标率"),
        bars,
        width=width,
        label_width=label_width,
        plot_x=plot_x,
        plot_w=plot_w,
        row_h=row_h,
        gap=gap,
        top=top,
    )


def _bars_context(kind, title, bars, *, width, label_width, plot_x, plot_w, row_h, gap, top):
    """What the bar templates draw: one row per bar, the label left, the value right."""
    return {
        "id": _chart_id(kind),
        "title": title,
        "summary": _("共 %(n)s 项") % {"n": len(bars)},
        "width": width,
        "height": top * 2 + max(1, len(bars)) * (row_h + gap),
        "font": FONT,
        "bars": bars,
        "row_h": row_h,
        "label_x": label_width,
        "plot_x": plot_x,
        "plot_w": plot_w,
        "value_x": plot_x + plot_w + 6,
        "text_dy": row_h / 2 + 5,
    }


@register.inclusion_tag("lms/charts/breakdown.html")
def breakdown_chart(rows, width=600, title=None, label_width=150):
    """How often each thing occurs (e.g. teams failing each criterion), as bars."""
    width, label_width = int(width), int(label_width)
    row_h, gap, top = 22, 8, 4
    value_w = 48
    plot_x = label_width + 8
    plot_w = width - plot_x - value_w
    items = [
        (str(_get(item, "label", 0, "")), int(_get(item, "count", 1, 0) or 0))
        for item in rows or []
    ]
    most = max((count for _label, count in items), default=0) or 1
    bars = [
        Bar(
            label=label,
            y=top + index * (row_h + gap),
            width=round(plot_w * count / most, 1),
            share=None,
            text=str(count),
            url=None,
            target_x=None,
            passed=None,
        )
        for index, (label, count) in enumerate(items)
    ]
    return _bars_context(
        "breakdown",
        title or _("未达标项分布"),
        bars,
        width=width,
        label_width=label_width,
        plot_x=plot_x,
        plot_w=plot_w,
        row_h=row_h,
        gap=gap,
        top=top,
    )


@register.filter
def percent(value) -> str:
    """A share (0–1) as a whole percentage: 0.625 → 63%; None → —."""
    if value is None or value == "":
        return "—"
    return f"{float(value) * 100:.0f}%"
