"""Bar charts (ikoe.reports.charts): every label is in the SVG in full and inside its view box.

The longest real labels are used: Mecklenburg-Vorpommern in German and English and the
career-group names in both languages, beside a long agency name that has to wrap. The check does
not depend on the font: labels are left-aligned, so a label starts at its x and runs to the right;
it must start at or right of the view box's left edge, and even at a generous width per character
(wider than DejaVu Sans, the widest of the usual sans-serif fonts) end inside the view box.
The browser test ``test_chart_labels_are_not_clipped_in_the_browser`` measures the same in
Chromium with real fonts, at a phone's width.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from django.utils import translation

from ikoe.labels import CODE_LABELS
from ikoe.regions import display_name
from ikoe.reports.charts import Bar, bar_chart

SVG = "{http://www.w3.org/2000/svg}"
# Wider than any real label in DejaVu Sans (0.49–0.60 em per character, measured in Chromium).
GENEROUS_EM = 0.65
LONG_AGENCY = "Senatsverwaltung für Stadtentwicklung, Bauen und Wohnen und für Kultur und Europa"


def real_labels(language: str) -> list[str]:
    with translation.override(language):
        careers = [str(label) for label in CODE_LABELS["career_group"].values()]
        return [display_name("DE-MV"), display_name("DE-SH"), *careers, LONG_AGENCY]


def texts(svg: str) -> list[dict]:
    """Every text element with its absolute x, anchor, font size and lines."""
    root = ET.fromstring(svg)
    view = [float(v) for v in root.attrib["viewBox"].split()]
    found: list[dict] = []

    def walk(node: ET.Element, dx: float, dy: float) -> None:
        move = re.match(r"translate\(([-\d.e]+),([-\d.e]+)\)", node.attrib.get("transform", ""))
        if move:
            dx, dy = dx + float(move.group(1)), dy + float(move.group(2))
        if node.tag == f"{SVG}text":
            spans = node.findall(f"{SVG}tspan")
            lines = [s.text or "" for s in spans] if spans else [node.text or ""]
            found.append(
                {
                    "x": dx,
                    "y": dy,
                    "anchor": node.attrib.get("text-anchor", "start"),
                    "size": float(node.attrib.get("font-size", "10px").removesuffix("px")),
                    "lines": lines,
                    "view": view,
                }
            )
            return
        for child in node:
            walk(child, dx, dy)

    walk(root, 0.0, 0.0)
    return found


def extent(text: dict) -> tuple[float, float]:
    width = max(len(line) for line in text["lines"]) * GENEROUS_EM * text["size"]
    if text["anchor"] == "end":
        return text["x"] - width, text["x"]
    if text["anchor"] == "middle":
        return text["x"] - width / 2, text["x"] + width / 2
    return text["x"], text["x"] + width


def render(language: str, grouped: bool) -> tuple[str, list[str]]:
    labels = real_labels(language)
    with translation.override(language):
        if grouped:
            bars = [
                b
                for i, label in enumerate(labels)
                for b in (
                    Bar(label, 10.5 + i, "Öffentlicher Dienst 2019"),
                    Bar(
                        label, 38.6 - i, "Bevölkerung 2018 (Migrationshintergrund im engeren Sinn)"
                    ),
                )
            ]
        else:
            bars = [Bar(label, 100 / (i + 1), highlight=i == 0) for i, label in enumerate(labels)]
        svg = bar_chart(bars, title="Titel", description="Beschreibung", value_title="Anteil in %")
    return svg, labels


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("grouped", [False, True], ids=["single", "grouped"])
def test_every_label_is_in_the_svg_in_full_and_inside_its_view_box(language, grouped):
    svg, labels = render(language, grouped)
    found = texts(svg)
    shown = [" ".join(t["lines"]) for t in found]
    for label in labels:
        assert label in shown, label
    assert not any("…" in text for text in shown)
    assert (
        "Mecklenburg-Vorpommern" in shown
        if language == "de"
        else "Mecklenburg-Western Pomerania" in shown
    )
    for text in found:
        left, right = extent(text)
        x0, y0, width, height = text["view"]
        assert left >= x0 and right <= x0 + width, (text["lines"], left, right, width)
        assert y0 <= text["y"] <= y0 + height, text["lines"]


def test_labels_stand_left_aligned_above_their_bars_and_long_ones_wrap():
    svg, labels = render("de", grouped=False)
    found = {" ".join(t["lines"]): t for t in texts(svg)}
    for label in labels:
        assert found[label]["anchor"] == "start"
    assert len(found[LONG_AGENCY]["lines"]) > 1


def test_the_chart_fits_a_phone_at_a_readable_size():
    # Scaled into the 343 pixels a 375-pixel phone leaves for it, label text stays 12 px or more.
    svg, _ = render("en", grouped=True)
    width = float(ET.fromstring(svg).attrib["width"])
    assert 13 * min(1.0, 343 / width) >= 12


# --- line charts (the scenario page) ----------------------------------------------------------


def lines_of_scenarios(language: str) -> tuple[str, list[str]]:
    from ikoe.reports.charts import Line, line_chart
    from ikoe.stats.projection import trajectory

    names = ["Beispiel: von 10 % auf 20 % in 10 Jahren", LONG_AGENCY, "Szenario 3"]
    lines = []
    for i, (name, hiring) in enumerate(zip(names, (0.25, 0.40, 0.60), strict=True)):
        path = trajectory(0.10 + 0.02 * i, 30, 0.05, hiring)
        lines.append(Line(name, tuple((2026.0 + t, 100 * p) for t, p in enumerate(path)), i))
        target = f"Ziel: 2{i},0 % bis {2036 + i}"
        lines.append(Line(target, ((2026.0, 20.0 + i), (2036.0 + i, 20.0 + i)), i, dashed=True))
    with translation.override(language):
        svg = line_chart(
            lines,
            title="Anteil je Szenario",
            description="Beschreibung der Verläufe",
            x_title="Jahr",
            y_title="Anteil in %",
            ident="scenario-chart",
        )
    return svg, [line.label for line in lines]


@pytest.mark.parametrize("language", ["de", "en"])
def test_every_legend_entry_and_axis_label_of_a_line_chart_is_in_full_inside_its_view_box(
    language,
):
    svg, labels = lines_of_scenarios(language)
    found = texts(svg)
    shown = [" ".join(t["lines"]) for t in found]
    for label in labels:
        assert label in shown, label
    assert not any("…" in text for text in shown)
    for text in found:
        left, right = extent(text)
        x0, _y0, width, _height = text["view"]
        assert left >= x0 and right <= x0 + width, (text["lines"], left, right, width)
    # Years without a thousands separator in either language; values in the language's format.
    assert "2030" in shown and "2.030" not in shown and "2,030" not in shown
    legend = {" ".join(t["lines"]): t for t in found}
    assert all(legend[label]["anchor"] == "start" for label in labels)
    assert len(legend[LONG_AGENCY]["lines"]) > 1  # wrapped, not shortened


def test_a_line_chart_is_described_for_screen_readers_and_fits_a_phone():
    svg, _labels = lines_of_scenarios("de")
    root = ET.fromstring(svg)
    assert root.attrib["role"] == "img"
    assert root.attrib["aria-labelledby"] == "scenario-chart-title scenario-chart-desc"
    assert root.find(f"{SVG}title").text == "Anteil je Szenario"
    assert root.find(f"{SVG}desc").text == "Beschreibung der Verläufe"
    # Scaled into the 343 pixels a 375-pixel phone leaves for it, text stays 11 px or more.
    width = float(root.attrib["width"])
    assert 12 * min(1.0, 343 / width) >= 11
    # The targets are dashed, the paths are not, and each path has markers of its own shape.
    dashes = re.findall(r'stroke-dasharray="([^"]+)"', svg)
    assert dashes.count("6,4") >= 3


def test_a_line_chart_is_served_from_the_cache_the_second_time(tmp_path):
    from unittest import mock

    from django.test import override_settings

    from ikoe.reports import charts

    backend = "django.core.cache.backends.filebased.FileBasedCache"
    caches = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "charts": {"BACKEND": backend, "LOCATION": str(tmp_path / "charts"), "TIMEOUT": None},
    }
    with override_settings(CACHES=caches):
        charts.clear_cache()
        with mock.patch.object(charts, "_render", wraps=charts._render) as render:
            first, _ = lines_of_scenarios("de")
            again, _ = lines_of_scenarios("de")
            assert render.call_count == 1 and again == first
            lines_of_scenarios("en")
            assert render.call_count == 2
        charts.clear_cache()
