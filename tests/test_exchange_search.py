"""The practice search: German stemming on both databases, facets with counts, scope, sorting,
highlighting, the API and the exports (docs/exchange.md, "Search")."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import Client

from ikoe.exchange import text
from ikoe.exchange.models import Practice
from ikoe.exchange.search import SearchQuery, search
from ikoe.exchange.services import delete_practice, save_practice


def practice(**values) -> Practice:
    fields = {
        "title": "Praxis",
        "summary": "Eine Beschreibung.",
        "region_code": "DE-BE",
        "level": "land",
        "lead_body": "Senatsverwaltung",
        "lead_type": "ministry",
        "status": "running",
        "dimensions": ["personnel"],
        "sectors": ["administration"],
        "target_groups": ["staff"],
        "measure_types": ["recruitment"],
        "state": Practice.State.PUBLISHED,
        "contact": "fachstelle@example.org",
    }
    fields.update(values)
    p = Practice(**fields)
    save_practice(p)
    return p


@pytest.fixture
def catalogue(cast):
    land_a, land_b = cast.orgs["DE-BE"], cast.orgs["DE-HH"]
    return {
        "campaign": practice(
            title="Ausbildungskampagne der Verwaltung",
            summary="Plakate und Schulbesuche werben junge Menschen.",
            land=land_a,
            dimensions=["personnel", "cooperation"],
            measure_types=["recruitment", "cooperation"],
            evaluation="internal",
        ),
        "trainees": practice(
            title="Mentoring",
            summary="Auszubildende mit Migrationsgeschichte begleiten neue Kolleginnen.",
            region_code="DE-HH",
            land=land_b,
            dimensions=["personnel"],
            target_groups=["applicants"],
            evaluation="external",
        ),
        "survey": practice(
            title="Beschäftigtenbefragung",
            summary="Eine freiwillige Befragung aller Beschäftigten zum Migrationshintergrund.",
            land=land_a,
            dimensions=["organisation"],
            measure_types=["survey_monitoring"],
        ),
        "federal": practice(
            title="Fortbildung interkulturelle Kompetenz",
            summary="Schulungen für Führungskräfte der Bundesverwaltung.",
            region_code="DE-BUND",
            level="bund",
            dimensions=["training"],
            measure_types=["training"],
        ),
        "draft": practice(
            title="Ausbildung im Justizvollzug",
            summary="Ein Entwurf, noch nicht geprüft.",
            land=land_a,
            organisation=cast.orgs["A-AGY2"],
            state=Practice.State.SUBMITTED,
        ),
    }


def titles(user, **params) -> list[str]:
    query = SearchQuery.from_params({k: v for k, v in params.items()})
    return [p.title for p in search(user, query).practices]


def test_a_word_finds_its_forms_compounds_and_thesaurus_words(catalogue, cast):
    anonymous = AnonymousUser()
    found = titles(anonymous, q="Ausbildung")
    # the compound by the stem's prefix, "Auszubildende" through the thesaurus; the draft is not public
    assert sorted(found) == ["Ausbildungskampagne der Verwaltung", "Mentoring"]
    assert titles(anonymous, q="Befragungen") == ["Beschäftigtenbefragung"]
    assert titles(anonymous, q="Schulung Führungskraft") == [
        "Fortbildung interkulturelle Kompetenz"
    ]
    # every word must occur
    assert titles(anonymous, q="Ausbildung Bundesverwaltung") == []
    # stop words alone search nothing, and nothing breaks on punctuation or quotes
    assert len(titles(anonymous, q="die und")) == 4
    assert titles(anonymous, q='"Plakate" * (') == ["Ausbildungskampagne der Verwaltung"]


def test_relevance_puts_the_title_first(cast):
    in_title = practice(title="Anerkennung ausländischer Abschlüsse", summary="Beratung.")
    in_text = practice(title="Beratung", summary="Hilft bei der Anerkennung von Abschlüssen.")
    query = SearchQuery.from_params({"q": "Anerkennung"})
    assert [p.pk for p in search(AnonymousUser(), query).practices] == [in_title.pk, in_text.pk]


def test_facets_filter_and_count(catalogue, cast):
    anonymous = AnonymousUser()
    query = SearchQuery.from_params({"dimension": ["personnel"]})
    result = search(anonymous, query)
    assert result.total == 2
    counts = {fc.facet.name: {v.code: v.count for v in fc.values} for fc in result.facets}
    # the facet the query filters by lists every value to choose more of, without counts
    assert set(counts["dimension"].values()) == {None}
    selected = [v.code for fc in result.facets for v in fc.values if v.selected]
    assert selected == ["personnel"]
    # the other facets count within the filter
    assert counts["land"] == {**{k: 0 for k in counts["land"]}, "DE-BE": 1, "DE-HH": 1}
    assert counts["evaluation"]["external"] == 1 and counts["evaluation"]["internal"] == 1
    # values of one facet are alternatives, facets combine
    either = SearchQuery.from_params({"dimension": ["organisation", "training"]})
    assert search(anonymous, either).total == 2
    both = SearchQuery.from_params({"dimension": ["personnel"], "land": ["DE-HH"]})
    assert [p.title for p in search(anonymous, both).practices] == ["Mentoring"]
    # an unknown value is dropped rather than refused
    assert SearchQuery.from_params({"dimension": ["nonsense"]}).filters == {}


def test_unpublished_records_only_in_their_scope(catalogue, cast):
    draft = "Ausbildung im Justizvollzug"
    assert draft not in titles(AnonymousUser(), q="Ausbildung")
    assert draft not in titles(cast.users["viewer_b"], q="Ausbildung")
    # the agency editor of A-AGY does not see a draft of A-AGY2
    assert draft not in titles(cast.users["editor_a"], q="Ausbildung")
    assert draft in titles(cast.users["coordinator_a"], q="Ausbildung")
    assert draft in titles(cast.users["federal_coordinator"], q="Ausbildung")
    # the review state is a facet for those who see unpublished records only
    names = [fc.facet.name for fc in search(cast.users["coordinator_a"], SearchQuery()).facets]
    assert "state" in names
    assert "state" not in [fc.facet.name for fc in search(AnonymousUser(), SearchQuery()).facets]


def test_sorting_and_paging(catalogue):
    by_title = titles(AnonymousUser(), sort="title")
    assert by_title == sorted(by_title)
    newest = titles(AnonymousUser(), sort="date")
    assert newest[0] == "Fortbildung interkulturelle Kompetenz"  # saved last of the published
    page_two = SearchQuery(sort="title", offset=2, limit=2)
    assert [p.title for p in search(AnonymousUser(), page_two).practices] == by_title[2:4]
    # a page beyond the last still says how many match and counts the facets
    beyond = search(AnonymousUser(), SearchQuery(sort="title", offset=40, limit=20))
    assert beyond.practices == [] and beyond.total == 4
    levels = {fc.facet.name: {v.code: v.count for v in fc.values} for fc in beyond.facets}
    assert levels["level"] == {"bund": 1, "land": 3, "kommune": 0}
    nothing = search(AnonymousUser(), SearchQuery.from_params({"q": "Wortohnetreffer"}))
    assert nothing.total == 0 and nothing.practices == []
    assert all(v.count == 0 for fc in nothing.facets for v in fc.values)


def test_deleted_practices_leave_the_index(catalogue):
    delete_practice(catalogue["survey"])
    assert titles(AnonymousUser(), q="Befragung") == []


def test_the_index_follows_an_edit(catalogue):
    p = catalogue["survey"]
    p.title = "Personalbefragung"
    p.summary = "Fragebogen."
    save_practice(p)
    # only the other practice's "Migrationsgeschichte" (a thesaurus word) is left
    assert titles(AnonymousUser(), q="Migrationshintergrund") == ["Mentoring"]
    assert titles(AnonymousUser(), q="Fragebogen") == ["Personalbefragung"]


def test_highlight_marks_word_forms_and_escapes():
    marked = str(text.highlight("Mehr Auszubildende & <Ausbildungen>", ["auszubild", "ausbild"]))
    assert marked == "Mehr <mark>Auszubildende</mark> &amp; &lt;<mark>Ausbildungen</mark>&gt;"
    long = "Wort " * 100 + "Ausbildung" + " Ende" * 100
    excerpt = str(text.highlight(long, ["ausbild"], 80))
    assert (
        excerpt.startswith("… ") and excerpt.endswith(" …") and "<mark>Ausbildung</mark>" in excerpt
    )
    assert len(excerpt) < 120


@pytest.mark.skipif(connection.vendor != "postgresql", reason="compares with PostgreSQL")
@pytest.mark.django_db
def test_the_sqlite_stems_are_postgresqls_german_stems():
    """Every word of the shipped practices: PostgreSQL's german_stem gives the stem that the
    SQLite index stores, and drops exactly the words that ikoe treats as stop words."""
    shipped = Path(__file__).resolve().parents[1] / "data" / "practices" / "practices.csv"
    found = set()
    for row in csv.reader(io.StringIO(shipped.read_text(encoding="utf-8"))):
        for cell in row:
            found.update(w.lower() for w in text.WORD.findall(cell) if not w.isdigit())
    assert len(found) > 1000
    differ = []
    with connection.cursor() as cursor:
        for word in sorted(found):
            cursor.execute("SELECT ts_lexize('german_stem', %s)", [word])
            pg = cursor.fetchone()[0]
            ours = [] if word in text.STOPWORDS else [text.stem(word)]
            if pg != ours:
                differ.append((word, pg, ours))
    assert differ == []


def test_api_searches_like_the_page(catalogue, client: Client, client_coordinator_a: Client):
    answer = client.get("/api/v1/practices", {"q": "Ausbildung", "dimension": "personnel"})
    assert answer.status_code == 200
    data = answer.json()
    assert data["count"] == 2
    assert {i["title"] for i in data["items"]} == {
        "Ausbildungskampagne der Verwaltung",
        "Mentoring",
    }
    assert all(i["contact"] is None for i in data["items"])
    assert all(i["rank"] is not None for i in data["items"])
    assert data["facets"]["land"]["DE-BE"] == 1
    assert "dimension" not in data["facets"]  # filtered by: not counted
    assert data["facets"]["evaluation"] == {"none": 0, "internal": 1, "external": 1}
    two = client.get("/api/v1/practices?dimension=organisation&dimension=training").json()
    assert two["count"] == 2
    signed_in = client_coordinator_a.get("/api/v1/practices", {"q": "Ausbildung"}).json()
    assert signed_in["count"] == 3
    assert {i["contact"] for i in signed_in["items"]} == {"fachstelle@example.org"}
    assert client.get("/api/v1/practices", {"limit": 101}).status_code == 422
    assert client.get("/api/v1/practices", {"q": "a\x00b"}).status_code == 422
    draft = catalogue["draft"].pk
    assert client.get(f"/api/v1/practices/{draft}").status_code == 404
    assert client_coordinator_a.get(f"/api/v1/practices/{draft}").status_code == 200


def test_exports_give_every_match(catalogue, client: Client):
    answer = client.get("/austausch/export.csv", {"q": "Ausbildung"})
    assert answer.status_code == 200
    body = answer.content.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(body[1:]), delimiter=";"))
    assert {r["title"] for r in rows} == {"Ausbildungskampagne der Verwaltung", "Mentoring"}
    assert all(r["contact"] == "" for r in rows)
    assert {r["dimensions"] for r in rows} == {"personnel; cooperation", "personnel"}
    data = json.loads(client.get("/austausch/export.json", {"land": "DE-HH"}).content)
    assert [p["title"] for p in data["practices"]] == ["Mentoring"]
    assert data["query"] == {"q": "", "land": ["DE-HH"]}
    assert client.get("/austausch/export.xml").status_code == 404
