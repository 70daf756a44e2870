"""Charts of the dashboard drawn on the server as SVG: no chart library, no CDN, no script.

The Content-Security-Policy (docs/adr/0012) refuses `style="…"` and `<style>`: every mark is styled by SVG
presentation attributes (fill, stroke) and by classes of reports/static/reports/reports.css, which the policy
allows. Each chart is an image with a title and a description for screen readers; the table beside it holds the
same figures, so the chart is never the only way to read them. Numbers are written the Vietnamese way (69,96%).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .templatetags.reports_tags import format_number

BAR_COLOUR = "#1565c0"
BELOW_TARGET_COLOUR = "#ef9a9a"
TARGET_COLOUR = "#b3261e"
GRID_COLOUR = "#d0d7de"
LINE_COLOUR = "#1565c0"
OPEN_COLOUR = "#8a5a00"
REFORM_COLOUR = "#6a1b9a"


def _pct(value) -> str:
    return f"{format_number(value, 2)}%"


def _scale(value, maximum: float) -> float:
    """A rate (0–100, capped: a recount may pass 100) as a share of the axis."""
    return max(0.0, min(float(value), 100.0)) / 100.0 * maximum


def _short(name: str, limit: int = 30) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


# --- attainment against target by unit -----------------------------------------------------------------------

BAR_LABEL_WIDTH = 210
BAR_PLOT_WIDTH = 380
BAR_VALUE_WIDTH = 70
BAR_ROW_HEIGHT = 22
BAR_TOP = 28


def attainment_chart(rows: list[dict], *, title: str) -> SafeString:
    """Horizontal bars, one per unit (rows of exports.dashboard_table: unit, percentage, target, on_track), with
    each unit's target as a red mark across its bar; a bar under its target is drawn pale. Units without figures
    keep their line, marked "chưa có số liệu", so the chart lists the same units as the table."""
    if not rows:
        return SafeString("")
    width = BAR_LABEL_WIDTH + BAR_PLOT_WIDTH + BAR_VALUE_WIDTH
    height = BAR_TOP + BAR_ROW_HEIGHT * len(rows) + 8
    x0 = BAR_LABEL_WIDTH
    parts = []
    for tick in (0, 25, 50, 75, 100):  # the axis, on top
        x = x0 + _scale(tick, BAR_PLOT_WIDTH)
        parts.append(format_html(
            '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="1"/>'
            '<text x="{}" y="{}" class="chart-axis" text-anchor="middle">{}%</text>',
            f"{x:.1f}", BAR_TOP - 6, f"{x:.1f}", height - 8, GRID_COLOUR, f"{x:.1f}", BAR_TOP - 10, tick))
    for index, row in enumerate(rows):
        y = BAR_TOP + index * BAR_ROW_HEIGHT
        name = row["unit"].name
        parts.append(format_html('<text x="{}" y="{}" class="chart-label" text-anchor="end"><title>{}</title>{}</text>',
                                 x0 - 6, y + 15, name, _short(name)))
        pct, target = row.get("percentage"), row.get("target")
        if pct is None:
            parts.append(format_html('<text x="{}" y="{}" class="chart-note">{}</text>',
                                     x0 + 4, y + 15, _("chưa có số liệu")))
            continue
        below = row.get("on_track") is False
        parts.append(format_html(
            '<rect x="{}" y="{}" width="{}" height="14" fill="{}" class="chart-bar{}"><title>{}: {}</title></rect>',
            x0, y + 4, f"{_scale(pct, BAR_PLOT_WIDTH):.1f}", BELOW_TARGET_COLOUR if below else BAR_COLOUR,
            " below-target" if below else "", name, _pct(pct)))
        if target is not None:
            tx = x0 + _scale(target, BAR_PLOT_WIDTH)
            parts.append(format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="3" class="chart-target">'
                '<title>{}: {}</title></line>',
                f"{tx:.1f}", y + 1, f"{tx:.1f}", y + 21, TARGET_COLOUR, _("Chỉ tiêu"), _pct(target)))
        parts.append(format_html('<text x="{}" y="{}" class="chart-value">{}</text>',
                                 x0 + BAR_PLOT_WIDTH + 6, y + 15, _pct(pct)))
    return _svg(width, height, title, _("Thanh màu xanh: tỷ lệ đạt của từng đơn vị; vạch đỏ: chỉ tiêu của đơn vị; "
                                        "thanh nhạt: chưa đạt chỉ tiêu."), parts, "chart-attainment")


# --- the trend 2023→2030 across the reform -------------------------------------------------------------------

TREND_WIDTH = 640
TREND_HEIGHT = 260
TREND_LEFT = 48
TREND_RIGHT = 20
TREND_TOP = 34
TREND_BOTTOM = 40


@dataclass(frozen=True)
class TrendPoint:
    year: int
    percentage: Decimal | None
    target: Decimal | None
    from_predecessors: bool
    open: bool


def trend_chart(points: list[TrendPoint], *, reform: datetime.date, title: str) -> SafeString:
    """A line of the rate per year over the campaign's years, the target as a dashed step line, a vertical rule
    at the 2025 reform (years before it are the sums over the predecessor units, drawn hollow), and the years
    whose figures are still open ("chưa khóa số") drawn with a dashed segment and an open marker."""
    if not points:
        return SafeString("")
    years = [p.year for p in points]
    plot_w = TREND_WIDTH - TREND_LEFT - TREND_RIGHT
    plot_h = TREND_HEIGHT - TREND_TOP - TREND_BOTTOM
    step = plot_w / max(len(years) - 1, 1)

    def x_of(year: int | float) -> float:
        return TREND_LEFT + (year - years[0]) * step

    def y_of(value) -> float:
        return TREND_TOP + plot_h - _scale(value, plot_h)

    parts = []
    for tick in (0, 25, 50, 75, 100):
        y = y_of(tick)
        parts.append(format_html(
            '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="1"/>'
            '<text x="{}" y="{}" class="chart-axis" text-anchor="end">{}%</text>',
            TREND_LEFT, f"{y:.1f}", TREND_WIDTH - TREND_RIGHT, f"{y:.1f}", GRID_COLOUR, TREND_LEFT - 6,
            f"{y + 4:.1f}", tick))
    for year in years:
        parts.append(format_html('<text x="{}" y="{}" class="chart-axis" text-anchor="middle">{}</text>',
                                 f"{x_of(year):.1f}", TREND_HEIGHT - TREND_BOTTOM + 16, year))
    if years[0] <= reform.year <= years[-1]:  # the reform took effect mid-year: the rule stands inside its year
        rx = x_of(reform.year + (reform.timetuple().tm_yday - 1) / 365)
        parts.append(format_html(
            '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="1.5" stroke-dasharray="4 3" '
            'class="chart-reform"/><text x="{}" y="{}" class="chart-note" text-anchor="middle">{}</text>',
            f"{rx:.1f}", TREND_TOP - 4, f"{rx:.1f}", TREND_HEIGHT - TREND_BOTTOM, REFORM_COLOUR, f"{rx:.1f}",
            TREND_TOP - 10, _("Sắp xếp đơn vị hành chính %(day)s") % {"day": reform.strftime("%d/%m/%Y")}))
    parts.extend(_target_steps(points, x_of, y_of, step))
    parts.extend(_trend_line(points, x_of, y_of))
    for p in points:
        if p.percentage is None:
            continue
        x, y = x_of(p.year), y_of(p.percentage)
        label = _pct(p.percentage)
        if p.from_predecessors:
            label += " — " + _("cộng từ các đơn vị trước sắp xếp")
        if p.open:
            label += " — " + _("chưa khóa số")
        parts.append(format_html(
            '<circle cx="{}" cy="{}" r="5" fill="{}" stroke="{}" stroke-width="2" class="chart-point{}">'
            '<title>{}: {}</title></circle><text x="{}" y="{}" class="chart-value" text-anchor="middle">{}</text>',
            f"{x:.1f}", f"{y:.1f}", "#fff" if (p.open or p.from_predecessors) else LINE_COLOUR,
            OPEN_COLOUR if p.open else LINE_COLOUR, " open" if p.open else "", p.year, label,
            f"{x:.1f}", f"{y - 10:.1f}", format_number(p.percentage, 1)))
        if p.open:
            parts.append(format_html('<text x="{}" y="{}" class="chart-open" text-anchor="middle">{}</text>',
                                     f"{x:.1f}", f"{y + 20:.1f}", _("chưa khóa số")))
    return _svg(TREND_WIDTH, TREND_HEIGHT, title, _(
        "Đường liền: tỷ lệ đạt theo năm; đường đứt đỏ: chỉ tiêu; điểm rỗng: số liệu cộng từ các đơn vị trước sắp "
        "xếp hoặc năm chưa khóa số; vạch tím: ngày sắp xếp đơn vị hành chính."), parts, "chart-trend")


def _target_steps(points, x_of, y_of, step) -> list[SafeString]:
    """The target of each year as a short dashed level around its year, so that a target changing at the
    reform reads as a step, not as a slope."""
    return [format_html(
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="2" stroke-dasharray="6 4" '
        'class="chart-target"><title>{} {}: {}</title></line>',
        f"{max(x_of(p.year) - step / 2 + 2, TREND_LEFT):.1f}", f"{y_of(p.target):.1f}",
        f"{min(x_of(p.year) + step / 2 - 2, TREND_WIDTH - TREND_RIGHT):.1f}",
        f"{y_of(p.target):.1f}", TARGET_COLOUR, _("Chỉ tiêu"), p.year, _pct(p.target))
        for p in points if p.target is not None]


def _trend_line(points, x_of, y_of) -> list[SafeString]:
    """Segments between consecutive years with figures; a segment into an open year is dashed."""
    segments = []
    for a, b in zip(points, points[1:], strict=False):
        if a.percentage is None or b.percentage is None:
            continue  # a year without figures is a gap, not a zero
        segments.append(format_html(
            '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="2.5"{} class="chart-line"/>',
            f"{x_of(a.year):.1f}", f"{y_of(a.percentage):.1f}", f"{x_of(b.year):.1f}", f"{y_of(b.percentage):.1f}",
            OPEN_COLOUR if b.open else LINE_COLOUR, mark_safe(' stroke-dasharray="5 4"') if b.open else ""))
    return segments


def _svg(width: int, height: int, title: str, description: str, parts: list, css_class: str) -> SafeString:
    """The chart scales to its box (viewBox; the width comes from the stylesheet), so it fits a phone."""
    return format_html(
        '<svg class="chart {}" viewBox="0 0 {} {}" role="img" aria-labelledby="{}-t {}-d" '
        'xmlns="http://www.w3.org/2000/svg"><title id="{}-t">{}</title><desc id="{}-d">{}</desc>{}</svg>',
        css_class, width, height, css_class, css_class, css_class, title, css_class, description,
        format_html_join("", "{}", ((p,) for p in parts)))


# --- where the units lie: a symbol map at the units' centroids (no boundary data offline: reports/geo.py) --------

MAP_WIDTH = 420
MAP_PAD = 18
# Sequential classes of the rate (ColorBrewer "Blues", colour-blind safe); a unit under its target gets a red ring.
MAP_CLASSES = ((Decimal(80), "#08519c"), (Decimal(70), "#3182bd"), (Decimal(60), "#6baed6"),
               (Decimal(50), "#bdd7e7"), (Decimal(0), "#eff3ff"))
MAP_NO_DATA = "#bdbdbd"


def map_class_colour(pct) -> str:
    if pct is None:
        return MAP_NO_DATA
    return next(colour for floor, colour in MAP_CLASSES if pct >= floor)


def location_map(points: list[tuple[dict, tuple[float, float]]], *, title: str) -> SafeString:
    """Each unit (a row of exports.dashboard_table with its centroid) as a dot at its place, filled by its rate's
    class and ringed red when under its target. Longitudes are narrowed by cos(latitude) so that the province keeps
    its shape (an equirectangular projection is exact enough at the scale of one province)."""
    if len(points) < 2:
        return SafeString("")
    import math

    lats = [lat for _row, (lat, _lon) in points]
    lons = [lon for _row, (_lat, lon) in points]
    squeeze = math.cos(math.radians(sum(lats) / len(lats)))
    span_x = max((max(lons) - min(lons)) * squeeze, 1e-6)
    span_y = max(max(lats) - min(lats), 1e-6)
    scale = (MAP_WIDTH - 2 * MAP_PAD) / max(span_x, span_y)
    height = int(span_y * scale + 2 * MAP_PAD)
    width = int(span_x * scale + 2 * MAP_PAD)
    parts = []
    for row, (lat, lon) in points:
        x = MAP_PAD + (lon - min(lons)) * squeeze * scale
        y = MAP_PAD + (max(lats) - lat) * scale
        pct, below = row.get("percentage"), row.get("on_track") is False
        label = row["unit"].name + ": " + (_pct(pct) if pct is not None else _("chưa có số liệu"))
        if below:
            label += " — " + _("chưa đạt chỉ tiêu")
        parts.append(format_html(
            '<circle cx="{}" cy="{}" r="7" fill="{}" stroke="{}" stroke-width="{}" class="map-dot{}">'
            "<title>{}</title></circle>",
            f"{x:.1f}", f"{y:.1f}", map_class_colour(pct), TARGET_COLOUR if below else "#555",
            "2.5" if below else "0.8", " below-target" if below else "", label))
    return _svg(width, height, title, _(
        "Mỗi chấm là một đơn vị đặt tại vị trí trung tâm của nó (không phải ranh giới hành chính); màu càng đậm tỷ "
        "lệ càng cao; viền đỏ: chưa đạt chỉ tiêu."), parts, "chart-map")
