"""Charts as SVG rendered on the server: Vega-Lite specifications built with Altair,
rendered by vl-convert with German (or English) number formats. No script runs in the browser.

Every chart carries a title and a description for assistive technology; pages show the data
table beside it.

Building a chart (Altair validates its specification) and rendering it cost tens of
milliseconds, so :func:`bar_chart` and :func:`line_chart` keep the finished SVG in Django's
``charts`` cache, shared by all worker processes of ``ikoe serve`` (a file cache in the data
directory). The key is made of everything the chart shows (bars or lines, texts, number format,
locale) and of the versions of ikoe and of the renderer: a chart is rendered once per
publication, and a changed figure, text or language gives a new key. ``ikoe serve`` empties the
cache when it starts, so a new release never serves a chart drawn by the old code.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import textwrap
from collections.abc import Callable
from dataclasses import astuple, dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import altair as alt
import vl_convert as vlc
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.utils.translation import get_language

# Colours with at least 3:1 contrast against white (WCAG 1.4.11), distinguishable in greyscale.
PRIMARY = "#1d4f91"
SECONDARY = "#b35900"
HIGHLIGHT = "#0b2a4f"

_LOCALES = {"de": "de-DE", "en": "en-GB"}


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    series: str = ""
    highlight: bool = False


def _format_locale() -> str:
    return _LOCALES.get((get_language() or "de")[:2], "de-DE")


def _render(spec: dict[str, Any], locale: str) -> str:
    return str(vlc.vegalite_to_svg(spec, format_locale=locale))  # type: ignore[arg-type]


CACHE_ALIAS = "charts"


def chart_cache() -> BaseCache:
    return caches[CACHE_ALIAS]


def _versions() -> list[str]:
    found = []
    for package in ("ikoe", "altair", "vl-convert-python"):
        try:
            found.append(version(package))
        except PackageNotFoundError:
            found.append("")
    return found


_VERSIONS = _versions()


# This module's code draws the charts: a change of it (a new layout) gives new keys too.
_SOURCE = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()


def _cache_key(*parts: Any) -> str:
    """A key for everything a chart shows and the code and versions that draw it."""
    text = json.dumps([_VERSIONS, _SOURCE, *parts], sort_keys=True, default=str)
    return "chart:" + hashlib.sha256(text.encode()).hexdigest()


def _cached(draw: Callable[[], str], *parts: Any) -> str:
    """The markup of the chart that ``parts`` describe: from the chart cache, or drawn by
    ``draw`` and kept there."""
    key = _cache_key(*parts)
    cache = chart_cache()
    cached = cache.get(key)
    if isinstance(cached, str):
        return cached
    markup = draw()
    cache.set(key, markup, timeout=None)
    return markup


def _finish(chart: Any, locale: str, title: str, description: str, ident: str) -> str:
    """The chart in the platform's look (font, text colour, no frame), rendered to accessible
    SVG."""
    spec = (
        chart.configure(font=FONT)
        .configure_view(stroke=None)
        .configure_axis(labelColor="#1a1a1a", titleColor="#1a1a1a")
        .configure_text(color="#1a1a1a")
        .to_dict()
    )
    return _accessible(_render(spec, locale), title, description, ident)


def clear_cache() -> None:
    """Forget every rendered chart (``ikoe serve`` does it when it starts)."""
    chart_cache().clear()


def _accessible(svg: str, title: str, description: str, ident: str) -> str:
    """Give the SVG an image role with a title and description (WCAG 1.1.1)."""
    title_id, desc_id = f"{ident}-title", f"{ident}-desc"
    head = (
        f'<title id="{title_id}">{html.escape(title)}</title>'
        f'<desc id="{desc_id}">{html.escape(description)}</desc>'
    )
    return re.sub(
        r"^<svg ",
        f'<svg role="img" aria-labelledby="{title_id} {desc_id}" focusable="false" ',
        svg,
        count=1,
    ).replace(">", ">" + head, 1)


# Layout of the bar charts, in pixels. Every text is left-aligned inside the plot: each label on
# its own line(s) above its bar(s), the legend of a grouped chart above the first label. So no
# text is ever cut at the left edge whatever font the browser uses, and texts longer than the plot
# is wide are wrapped, never shortened. The plot is narrow enough that the SVG, scaled to a
# phone's width, keeps its text readable.
PLOT_WIDTH = 340
FONT = "DejaVu Sans, Segoe UI, Arial, sans-serif"
LABEL_SIZE = 13
LINE = 16
VALUE_SIZE = 12
# A generous average width of a character (in em) for wrapping and for the room kept right of
# the longest bar: real labels measure 0.49–0.60 em in DejaVu Sans, the widest usual sans-serif.
CHAR_EM = 0.65
LABEL_GAP = 2
ROW_GAP = 10
BAR_SINGLE = 16
BAR_GROUPED = 13
BAR_SPACING = 2
SWATCH = 12


def wrap_label(label: str, width: float = PLOT_WIDTH, size: int = LABEL_SIZE) -> list[str]:
    """The lines of ``label`` so that each fits ``width`` pixels at font ``size`` (generously).

    >>> wrap_label("Mecklenburg-Vorpommern")
    ['Mecklenburg-Vorpommern']
    >>> wrap_label("Senatsverwaltung für Stadtentwicklung, Bauen und Wohnen und für Kultur und Europa")
    ['Senatsverwaltung für Stadtentwicklung,', 'Bauen und Wohnen und für Kultur und', 'Europa']
    """
    per_line = max(8, int(width / (CHAR_EM * size)))
    return textwrap.wrap(label, per_line, break_on_hyphens=False) or [label]


def _text_width(text: str, size: int) -> float:
    return len(text) * CHAR_EM * size


def _text_layer(texts: list[dict[str, Any]], pixels: alt.Scale, bold: bool) -> alt.Chart:
    return (
        alt.Chart(alt.Data(values=texts))
        .mark_text(
            align="left",
            baseline="top",
            lineBreak="\n",
            lineHeight=LINE,
            fontSize=LABEL_SIZE,
            fontWeight="bold" if bold else "normal",
            limit=0,
            aria=False,
        )
        .encode(
            x=alt.X("x:Q", scale=None),
            y=alt.Y("y:Q", scale=pixels, axis=None),
            text="text:N",
        )
    )


def bar_chart(
    bars: list[Bar],
    *,
    title: str,
    description: str,
    value_title: str,
    ident: str = "chart",
    value_format: str = ",.1f",
    series_title: str = "",
) -> str:
    """A horizontal bar chart (grouped when bars carry a series) as accessible SVG markup.

    Bars keep the order in which they are given. Every label is shown in full: on its own
    line(s) above its bars, wrapped when it is long. The markup comes from the chart cache
    when the same chart was drawn before (see the module's description).
    """
    locale = _format_locale()
    return _cached(
        lambda: _draw(
            bars,
            title=title,
            description=description,
            value_title=value_title,
            ident=ident,
            value_format=value_format,
            series_title=series_title,
            locale=locale,
        ),
        [astuple(b) for b in bars],
        title,
        description,
        value_title,
        ident,
        value_format,
        series_title,
        locale,
    )


def _draw(
    bars: list[Bar],
    *,
    title: str,
    description: str,
    value_title: str,
    ident: str,
    value_format: str,
    series_title: str,
    locale: str,
) -> str:
    order = list(dict.fromkeys(b.label for b in bars))
    series = list(dict.fromkeys(b.series for b in bars))
    grouped = len(series) > 1
    bar_height = BAR_GROUPED if grouped else BAR_SINGLE
    texts: list[dict[str, Any]] = []
    swatches: list[dict[str, Any]] = []
    rects: list[dict[str, Any]] = []
    top = 0.0

    def text(lines: list[str], x: float, bold: bool = False) -> None:
        nonlocal top
        texts.append({"text": "\n".join(lines), "x": x, "y": top, "bold": bold})
        top += len(lines) * LINE

    # The legend of a grouped chart: its title, then a swatch and the name of each series.
    if grouped:
        if series_title:
            text(wrap_label(series_title), 0, bold=True)
        for name in series:
            swatches.append({"series": name, "y": top + 2, "y2": top + 2 + SWATCH})
            text(wrap_label(name, PLOT_WIDTH - SWATCH - 6), SWATCH + 6)
        top += ROW_GAP

    # Rows: the label's lines, then one bar per series (a missing one leaves its slot empty).
    for label in order:
        text(wrap_label(label), 0)
        bar_top = top + LABEL_GAP
        for b in bars:
            if b.label != label:
                continue
            y = bar_top + series.index(b.series) * (bar_height + BAR_SPACING)
            rects.append(
                {
                    "series": b.series,
                    "value": b.value,
                    "zero": 0.0,
                    "highlight": b.highlight,
                    "y": y,
                    "y2": y + bar_height,
                    "ym": y + bar_height / 2,
                }
            )
        top = bar_top + len(series) * (bar_height + BAR_SPACING) - BAR_SPACING + ROW_GAP
    height = max(1.0, top - ROW_GAP)

    # Keep room right of the longest bar for its value, so the value stays inside the plot.
    values = [b.value for b in bars] or [0.0]
    low, high = min(0.0, *values), max(0.0, *values)
    room = _text_width(f"{high:,.1f}", VALUE_SIZE) + 6
    if high > 0:
        high = high * PLOT_WIDTH / (PLOT_WIDTH - room)
    x_scale = alt.Scale(domain=[low, high or 1.0], nice=True)
    pixels = alt.Scale(domain=[0, height], range=[0, height], nice=False, zero=False, padding=0)
    x = alt.X(
        "value:Q",
        title=value_title,
        scale=x_scale,
        axis=alt.Axis(
            format=value_format,
            labelFontSize=VALUE_SIZE,
            labelFlush=True,
            # At most about five ticks: the labels keep their distance in any browser font,
            # also when the SVG is scaled down to a phone's width.
            tickCount=5,
            grid=False,
            aria=False,
        ),
    )
    if grouped:
        colours = alt.Scale(domain=series, range=[PRIMARY, SECONDARY])
        color: Any = alt.Color("series:N", scale=colours, legend=None)
    else:
        color = alt.condition("datum.highlight", alt.value(HIGHLIGHT), alt.value(PRIMARY))
    bar_data = alt.Data(values=rects)
    layers: list[Any] = [
        alt.Chart(bar_data)
        .mark_bar(orient="horizontal", aria=False)
        .encode(x=x, x2="zero:Q", y=alt.Y("y:Q", scale=pixels, axis=None), y2="y2:Q", color=color),
        alt.Chart(bar_data)
        .mark_text(align="left", baseline="middle", dx=3, fontSize=VALUE_SIZE, aria=False)
        .encode(
            x=alt.X("value:Q", scale=x_scale),
            y=alt.Y("ym:Q", scale=pixels, axis=None),
            text=alt.Text("value:Q", format=value_format),
        ),
        *(
            _text_layer([t for t in texts if t["bold"] == bold], pixels, bold)
            for bold in (False, True)
        ),
    ]
    if swatches:
        layers.append(
            alt.Chart(alt.Data(values=swatches))
            .mark_rect(aria=False)
            .encode(
                x=alt.value(0),
                x2=alt.value(SWATCH),
                y=alt.Y("y:Q", scale=pixels, axis=None),
                y2="y2:Q",
                color=color,
            )
        )
    chart = alt.layer(*layers).properties(width=PLOT_WIDTH, height=height)
    return _finish(chart, locale, title, description, ident)


# Line charts (e.g. projections year by year). The legend stands above the plot, each entry a
# sample of its line and its name left-aligned after it, wrapped when long, never shortened; the
# axes have about five ticks. The plot is as narrow as a bar chart's, so the SVG scaled to a
# phone's width keeps its text readable.
LINE_PLOT_WIDTH = 290
LINE_PLOT_HEIGHT = 220
# Colours with at least 3:1 contrast against white; lines of one colour belong together (a
# scenario and its target). Each colour has its own marker shape, so lines stay apart in
# greyscale too.
LINE_COLOURS = (PRIMARY, SECONDARY, "#2e7d32", "#6a1b9a")
LINE_SHAPES = ("circle", "square", "triangle-up", "diamond")
LEGEND_SAMPLE = 28
MARKERS_AT_MOST = 12  # markers on a line: at most about this many, evenly spaced
TARGET_DASH = [6, 4]


@dataclass(frozen=True)
class Line:
    """One line of a line chart: its name in the legend and its points ``(x, y)`` in order.

    ``colour`` is an index into :data:`LINE_COLOURS` (lines of one colour belong together); a
    ``dashed`` line is drawn without markers, for a reference such as a target.
    """

    label: str
    points: tuple[tuple[float, float], ...]
    colour: int = 0
    dashed: bool = False


def line_chart(
    lines: list[Line],
    *,
    title: str,
    description: str,
    x_title: str,
    y_title: str,
    ident: str = "chart",
    value_format: str = ",.0f",
    x_format: str = "d",
) -> str:
    """A line chart with its legend above the plot, as accessible SVG markup.

    ``value_format`` formats the values of the y axis (d3-format, in the active language's
    number format); ``x_format`` those of the x axis (``"d"``: whole numbers without grouping,
    as years are written). The markup comes from the chart cache when the same chart was drawn
    before (see the module's description).
    """
    locale = _format_locale()
    return _cached(
        lambda: _draw_lines(
            lines,
            title=title,
            description=description,
            x_title=x_title,
            y_title=y_title,
            ident=ident,
            value_format=value_format,
            x_format=x_format,
            locale=locale,
        ),
        "line",
        [astuple(line) for line in lines],
        title,
        description,
        x_title,
        y_title,
        ident,
        value_format,
        x_format,
        locale,
    )


def _marker_points(points: tuple[tuple[float, float], ...]) -> list[tuple[float, float]]:
    """The points of a line that get a marker: evenly spaced, the first and the last included.

    >>> [x for x, _ in _marker_points(tuple((float(i), 0.0) for i in range(11)))]
    [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]
    >>> [x for x, _ in _marker_points(tuple((float(i), 0.0) for i in range(31)))]
    [0.0, 3.0, 6.0, 9.0, 12.0, 15.0, 18.0, 21.0, 24.0, 27.0, 30.0]
    """
    if not points:
        return []
    step = max(1, -(-(len(points) - 1) // MARKERS_AT_MOST))
    chosen = list(points[::step])
    if chosen[-1] != points[-1]:
        chosen.append(points[-1])
    return chosen


def _draw_lines(
    lines: list[Line],
    *,
    title: str,
    description: str,
    x_title: str,
    y_title: str,
    ident: str,
    value_format: str,
    x_format: str,
    locale: str,
) -> str:
    width = LINE_PLOT_WIDTH

    def colour(line: Line) -> str:
        return LINE_COLOURS[line.colour % len(LINE_COLOURS)]

    def shape(line: Line) -> str:
        return LINE_SHAPES[line.colour % len(LINE_SHAPES)]

    # The legend: per line a sample (a short stretch of the line with its marker) and its name.
    texts: list[dict[str, Any]] = []
    samples: list[tuple[Line, float]] = []
    top = 0.0
    for line in lines:
        wrapped = wrap_label(line.label, width - LEGEND_SAMPLE - 6)
        samples.append((line, top + LINE / 2))
        texts.append({"text": "\n".join(wrapped), "x": LEGEND_SAMPLE + 6, "y": top, "bold": False})
        top += len(wrapped) * LINE + 4
    legend_height = max(1.0, top - 4)
    pixels = alt.Scale(
        domain=[0, legend_height], range=[0, legend_height], nice=False, zero=False, padding=0
    )
    legend_layers: list[Any] = [_text_layer(texts, pixels, bold=False)]
    for line, middle in samples:
        sample = alt.Chart(alt.Data(values=[{"y": middle}]))
        legend_layers.append(
            sample.mark_rule(
                color=colour(line),
                strokeWidth=2.5,
                strokeDash=TARGET_DASH if line.dashed else [1, 0],
                aria=False,
            ).encode(
                x=alt.value(0),
                x2=alt.value(LEGEND_SAMPLE),
                y=alt.Y("y:Q", scale=pixels, axis=None),
            )
        )
        if not line.dashed:
            legend_layers.append(
                sample.mark_point(
                    shape=shape(line),
                    filled=True,
                    size=45,
                    color=colour(line),
                    opacity=1,
                    aria=False,
                ).encode(x=alt.value(LEGEND_SAMPLE / 2), y=alt.Y("y:Q", scale=pixels, axis=None))
            )
    legend = alt.layer(*legend_layers).properties(width=width, height=legend_height)

    # The plot: every line over the same axes, the values from 0 up.
    xs = [x for line in lines for x, _ in line.points] or [0.0, 1.0]
    ys = [y for line in lines for _, y in line.points] or [0.0]
    x_scale = alt.Scale(domain=[min(xs), max(xs) if max(xs) > min(xs) else min(xs) + 1], nice=False)
    y_scale = alt.Scale(domain=[min(0.0, *ys), max(ys) * 1.05 or 1.0], nice=True)
    x = alt.X(
        "x:Q",
        title=x_title,
        scale=x_scale,
        axis=alt.Axis(
            format=x_format,
            tickCount=5,
            tickMinStep=1,
            labelFlush=True,
            labelFontSize=VALUE_SIZE,
            titleFontSize=VALUE_SIZE,
            grid=False,
            aria=False,
        ),
    )
    y = alt.Y(
        "y:Q",
        title=y_title,
        scale=y_scale,
        axis=alt.Axis(
            format=value_format,
            tickCount=5,
            labelFontSize=VALUE_SIZE,
            # The title reads across, above the axis, starting at its left edge (not turned).
            titleFontSize=VALUE_SIZE,
            titleAngle=0,
            titleAlign="left",
            titleAnchor="end",
            titleBaseline="bottom",
            titleX=0,
            titleY=-8,
            gridColor="#d5d9df",
            aria=False,
        ),
    )
    plot_layers: list[Any] = []
    for line in lines:
        data = [{"x": px, "y": py} for px, py in line.points]
        plot_layers.append(
            alt.Chart(alt.Data(values=data))
            .mark_line(
                color=colour(line),
                strokeWidth=2.5,
                strokeDash=TARGET_DASH if line.dashed else [1, 0],
                aria=False,
            )
            .encode(x=x, y=y)
        )
        if not line.dashed:
            marks = [{"x": px, "y": py} for px, py in _marker_points(line.points)]
            plot_layers.append(
                alt.Chart(alt.Data(values=marks))
                .mark_point(
                    shape=shape(line),
                    filled=True,
                    size=40,
                    color=colour(line),
                    opacity=1,
                    aria=False,
                )
                .encode(x=x, y=y)
            )
    plot = alt.layer(*plot_layers).properties(width=width, height=LINE_PLOT_HEIGHT)
    return _finish(alt.vconcat(legend, plot, spacing=12), locale, title, description, ident)
