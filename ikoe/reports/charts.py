"""Charts as SVG rendered on the server: Vega-Lite specifications built with Altair,
rendered by vl-convert with German (or English) number formats. No script runs in the browser.

Every chart carries a title and a description for assistive technology; pages show the data
table beside it.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from functools import lru_cache

import altair as alt
import vl_convert as vlc
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


@lru_cache(maxsize=256)
def _render(spec_json: str, locale: str) -> str:
    return str(vlc.vegalite_to_svg(json.loads(spec_json), format_locale=locale))  # type: ignore[arg-type]


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

    Bars keep the order in which they are given.
    """
    order = list(dict.fromkeys(b.label for b in bars))
    data = [
        {"label": b.label, "value": b.value, "series": b.series, "highlight": b.highlight}
        for b in bars
    ]
    series = list(dict.fromkeys(b.series for b in bars))
    grouped = len(series) > 1
    base = alt.Chart(alt.Data(values=data))
    y = alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=220, labelFontSize=12))
    x = alt.X("value:Q", title=value_title, axis=alt.Axis(format=value_format, labelFontSize=11))
    if grouped:
        color = alt.Color(
            "series:N",
            sort=series,
            scale=alt.Scale(domain=series, range=[PRIMARY, SECONDARY]),
            legend=alt.Legend(title=series_title or None, orient="bottom", labelLimit=400),
        )
        chart = base.mark_bar().encode(
            y=y, x=x, color=color, yOffset=alt.YOffset("series:N", sort=series)
        )
        step = 26
    else:
        chart = base.mark_bar().encode(
            y=y,
            x=x,
            color=alt.condition("datum.highlight", alt.value(HIGHLIGHT), alt.value(PRIMARY)),
        )
        step = 18
    labels = base.mark_text(align="left", dx=3, fontSize=11).encode(
        y=y,
        x=x,
        text=alt.Text("value:Q", format=value_format),
        **({"yOffset": alt.YOffset("series:N", sort=series)} if grouped else {}),
    )
    spec = (
        (chart + labels)
        .properties(
            width=420,
            height=alt.Step(step) if not grouped else alt.Step(step * len(series) // 2 + 8),
        )
        .configure_view(stroke=None)
        .configure_axis(labelColor="#1a1a1a", titleColor="#1a1a1a")
        .to_dict()
    )
    svg = _render(json.dumps(spec, sort_keys=True), _format_locale())
    return _accessible(svg, title, description, ident)
