"""The chart cache (issue 11): a chart is rendered once and then served from the cache, shared by
the worker processes of ``ikoe serve``, until what it shows changes or ``ikoe serve`` starts again.
"""

from __future__ import annotations

from unittest import mock

import pytest
from django.test import override_settings
from django.utils import translation

from ikoe.reports import charts
from ikoe.reports.charts import Bar, bar_chart, clear_cache


@pytest.fixture
def chart_cache(tmp_path):
    """A chart cache of the test's own (a file cache, as ikoe serve's workers share)."""
    backend = "django.core.cache.backends.filebased.FileBasedCache"
    with override_settings(
        CACHES={
            "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
            "charts": {"BACKEND": backend, "LOCATION": str(tmp_path / "charts"), "TIMEOUT": None},
        }
    ):
        clear_cache()
        yield
        clear_cache()


def draw(value: float, title: str = "Share") -> str:
    bars = [Bar("Land A", value), Bar("Land B", 12.5)]
    return bar_chart(bars, title=title, description="A; B", value_title="Share in %")


def test_a_chart_is_rendered_once_and_then_served_from_the_cache(chart_cache):
    with mock.patch.object(charts, "_render", wraps=charts._render) as render:
        first = draw(20.0)
        assert render.call_count == 1
        assert draw(20.0) == first
        assert render.call_count == 1
        # A changed figure, text or language is a new chart.
        changed = draw(21.0)
        assert render.call_count == 2
        assert changed != first and "21" in changed
        draw(20.0, title="Another title")
        assert render.call_count == 3
        with translation.override("en"):
            draw(20.0)
        assert render.call_count == 4
        # Starting ikoe serve (a new release) clears the cache.
        clear_cache()
        assert draw(20.0) == first
        assert render.call_count == 5
