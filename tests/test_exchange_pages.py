"""The search page over the shipped practices, the loader of the shipped file, and the IKÖ-Check's
suggestions (docs/exchange.md)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.template import Context, Template
from django.test import Client

from ikoe.errors import ImportFailed
from ikoe.exchange.models import Practice
from ikoe.exchange.seed import load_shipped_practices, shipped_file


@pytest.fixture
def shipped(db):
    assert load_shipped_practices() == 40
    return Practice.objects.filter(shipped=True)


def test_the_shipped_practices_load_once_and_follow_the_file(shipped, tmp_path: Path):
    assert shipped.count() == 40 and shipped.filter(published=True).count() == 40
    assert load_shipped_practices() is None  # nothing changed
    lines = shipped_file().read_text(encoding="utf-8").splitlines(keepends=True)
    first = shipped.get(code="P01")
    changed = tmp_path / "practices.csv"
    # drop the last row, change the title of the first
    changed.write_text(
        "".join(lines[:1] + [lines[1].replace(first.title, "Neuer Titel", 1)] + lines[2:-1]),
        encoding="utf-8",
    )
    assert load_shipped_practices(changed) == 39
    first.refresh_from_db()
    assert first.title == "Neuer Titel"
    assert first.versions.count() >= 2
    assert first.versions.order_by("-number").first().changed_fields == ["title"]
    assert not Practice.objects.filter(code="P40").exists()


def test_a_defective_file_names_row_and_column(db, tmp_path: Path):
    lines = shipped_file().read_text(encoding="utf-8").splitlines(keepends=True)
    bad = tmp_path / "practices.csv"
    bad.write_text(lines[0] + lines[1].replace('"land"', '"Landkreis"', 1), encoding="utf-8")
    with pytest.raises(ImportFailed) as failed:
        load_shipped_practices(bad)
    problem = failed.value.problems[0]
    assert (problem.row, problem.column) == (2, "level")
    assert "Landkreis" in problem.message
    assert not Practice.objects.exists()


def test_the_search_page_finds_word_forms_and_marks_them(shipped, client: Client):
    answer = client.get("/austausch/", {"q": "Ausbildung"})
    assert answer.status_code == 200
    html = answer.content.decode()
    found = shipped.filter(title__icontains="Ausbildung").count()
    assert found >= 1
    assert "<mark>" in html
    assert "Praxisbeispiele gefunden" in html
    # facets as checkboxes with counts; the review state only for members
    assert 'name="dimension"' in html and 'name="state"' not in html
    narrowed = client.get("/austausch/", {"q": "Ausbildung", "land": "DE-BE"}).content.decode()
    assert 'value="DE-BE" id="f-land-DE-BE" checked' in narrowed
    assert client.get("/austausch/", {"page": "x", "sort": "nonsense"}).status_code == 200


def test_the_action_plan_suggests_practices_of_a_dimension(shipped):
    rendered = Template(
        '{% include "exchange/suggested_practices.html" with dimension="personnel" title="P" %}'
    ).render(Context({}))
    count = sum("personnel" in p.dimensions for p in shipped)
    assert count > 3
    assert rendered.count("<li>") == 3
    assert f"Alle {count} Praxisbeispiele" in rendered
    assert "?dimension=personnel" in rendered
    empty = Template(
        '{% include "exchange/suggested_practices.html" with dimension="unknown" title="P" %}'
    ).render(Context({}))
    assert empty.strip() == ""
