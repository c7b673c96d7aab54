"""The number of public figures: the start log, the home page and the shipped file agree.

``data/reference/benchmarks.csv`` holds 52 published figures. ``ikoe serve`` also creates the
synthetic benchmark of the demo Land "Musterland"; that value is no public figure, so neither the
log nor the home page counts it.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from ikoe.benchmarks.models import Benchmark
from ikoe.startup import load_shipped_data

pytestmark = pytest.mark.django_db

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "reference" / "benchmarks.csv"


def test_the_start_log_and_the_home_page_count_the_same_public_figures(client):
    with REFERENCE.open(encoding="utf-8", newline="") as f:
        rows = len(list(csv.DictReader(f)))
    assert rows == 52  # data/reference/SOURCES.md lists them

    with translation.override("en"):
        log = list(load_shipped_data())
    loaded = next(line for line in log if line.startswith("Loaded the reference figures"))
    assert loaded == f"Loaded the reference figures: {rows} figures from benchmarks.csv."
    assert any("synthetic demo survey" in line for line in log)
    assert Benchmark.objects.count() == rows + 1  # with the demo Land's synthetic benchmark

    html = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    text = re.sub(r"\s+", " ", html)
    assert f"Die Plattform enthält {rows} öffentlich verfügbare Werte aus 1 Quelltabelle." in text
