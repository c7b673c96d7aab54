"""A tile map of the 16 Länder: one square per Land, coloured by its value, the value inside.

Rendered on the server as plain SVG (no script, no web font), with an image role, a title and a
description like the bar charts (:mod:`ikoe.reports.charts`); the page shows the same figures in
its table. The squares keep the rough position of the Länder, so a reader finds their Land
without reading every label:

.. code-block:: text

            SH
        HB  HH  MV
    NW  NI  ST  BE  BB
    RP  HE  TH  SN
    SL  BW  BY

Colours run from light to dark blue with the value (the lowest value shown lightest, the highest
darkest); a Land without a value is grey with "." inside. The text inside a square is black or
white, whichever contrasts more with its colour, so every square meets WCAG's 4.5:1.

>>> svg = tile_map({"DE-BE": 39.4, "DE-BY": None}, title="T", description="D", ident="m")
>>> svg.count("<rect"), 'role="img"' in svg, ">39,4<" in svg, ">BY<" in svg
(16, True, True, True)
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping

from ikoe.formats import fmt
from ikoe.regions import LAENDER

# (row, column) of each Land's square.
POSITIONS: dict[str, tuple[int, int]] = {
    "DE-SH": (0, 2),
    "DE-HB": (1, 1),
    "DE-HH": (1, 2),
    "DE-MV": (1, 3),
    "DE-NW": (2, 0),
    "DE-NI": (2, 1),
    "DE-ST": (2, 2),
    "DE-BE": (2, 3),
    "DE-BB": (2, 4),
    "DE-RP": (3, 0),
    "DE-HE": (3, 1),
    "DE-TH": (3, 2),
    "DE-SN": (3, 3),
    "DE-SL": (4, 0),
    "DE-BW": (4, 1),
    "DE-BY": (4, 2),
}
TILE = 64  # side of a square, in pixels
GAP = 4
LIGHT = (0xDC, 0xE8, 0xF5)  # the lowest value
DARK = (0x0B, 0x2A, 0x4F)  # the highest value
MISSING = (0xE0, 0xE0, 0xE0)


def _luminance(rgb: tuple[int, int, int]) -> float:
    """Relative luminance (WCAG 2.1)."""

    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    """WCAG contrast ratio of two colours.

    >>> round(contrast((0, 0, 0), (255, 255, 255)), 1)
    21.0
    """
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_colour(fill: tuple[int, int, int]) -> tuple[int, int, int]:
    """Black or white, whichever contrasts more with ``fill``.

    >>> text_colour(DARK), text_colour(LIGHT)
    ((255, 255, 255), (0, 0, 0))
    """
    white, black = (255, 255, 255), (0, 0, 0)
    return white if contrast(fill, white) >= contrast(fill, black) else black


def fill_colour(value: float, low: float, high: float) -> tuple[int, int, int]:
    """The colour of ``value`` on the scale from ``low`` (light) to ``high`` (dark)."""
    t = 0.5 if high == low else (value - low) / (high - low)
    return tuple(round(a + (b - a) * t) for a, b in zip(LIGHT, DARK, strict=True))  # type: ignore[return-value]


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def tile_map(
    values: Mapping[str, float | None],
    *,
    title: str,
    description: str,
    ident: str = "tilemap",
    label: Callable[[float], str] = lambda v: fmt(v, 1),
) -> str:
    """The tile map of ``values`` (by ISO code of the Land) as accessible SVG markup."""
    shown = [v for code, v in values.items() if code in POSITIONS and v is not None]
    low, high = (min(shown), max(shown)) if shown else (0.0, 0.0)
    rows = 1 + max(r for r, _ in POSITIONS.values())
    columns = 1 + max(c for _, c in POSITIONS.values())
    width, height = columns * (TILE + GAP), rows * (TILE + GAP)
    title_id, desc_id = f"{ident}-title", f"{ident}-desc"
    parts = [
        f'<svg role="img" aria-labelledby="{title_id} {desc_id}" focusable="false" '
        f'xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" class="tile-map">',
        f'<title id="{title_id}">{html.escape(title)}</title>',
        f'<desc id="{desc_id}">{html.escape(description)}</desc>',
    ]
    for code in LAENDER:
        row, column = POSITIONS[code]
        x, y = column * (TILE + GAP), row * (TILE + GAP)
        value = values.get(code)
        fill = MISSING if value is None else fill_colour(value, low, high)
        ink = _hex(text_colour(fill))
        text = "." if value is None else label(value)
        parts.append(
            f'<rect x="{x}" y="{y}" width="{TILE}" height="{TILE}" rx="4" fill="{_hex(fill)}"/>'
            f'<text x="{x + TILE / 2}" y="{y + 26}" text-anchor="middle" font-size="14" '
            f'font-weight="bold" fill="{ink}">{html.escape(code.removeprefix("DE-"))}</text>'
            f'<text x="{x + TILE / 2}" y="{y + 48}" text-anchor="middle" font-size="15" '
            f'fill="{ink}">{html.escape(text)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
