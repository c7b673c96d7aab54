"""Results, comparisons, action plan and exports of the IKÖ-Check (docs/assessment.md), across
two Länder and with an agency-limited member (tests/conftest.py).

The questionnaire is the small test file tests/data/assessment/results/2026.1.yaml: dimension
"strategy" has the items 1.1, 1.2, 1.3 with weights 0.2, 0.3, 0.5; every other dimension two
items of weight 0.5; bands from 0 (Einstieg), 25 (Aufbau), 50 (Fortgeschritten), 75 (Etabliert).
"""

from __future__ import annotations

import contextlib
import io
import re
import zipfile
import zlib
from html import unescape
from pathlib import Path

import pytest

from ikoe.assessment import questionnaire as questionnaires
from ikoe.assessment import services
from ikoe.assessment.models import Assessment
from ikoe.organisations.models import Organisation

QUESTIONNAIRES = Path(__file__).parent / "data" / "assessment" / "results"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def test_questionnaire(monkeypatch):
    """Services, views and comparisons read the test questionnaire."""
    load = questionnaires.load

    monkeypatch.setattr(
        questionnaires, "load", lambda version, directory=None: load(version, QUESTIONNAIRES)
    )
    monkeypatch.setattr(questionnaires, "current_version", lambda directory=None: "2026.1")


def text(response) -> str:
    return re.sub(r"\s+", " ", unescape(response.content.decode()))


def make(
    org, user, levels=None, *, finish=True, sharing="private", size="", evidence=""
) -> Assessment:
    """An assessment of ``org``: the levels given (item -> level or None), 2 for the rest."""
    a = services.start(org, user, size_class=size)
    found = services.questionnaire_of(a)
    levels = levels or {}
    for item in found.items(a.sectors):
        services.answer(a, item.id, user, level=levels.get(item.id, 2), evidence_text=evidence)
    if finish:
        services.finish(a, user)
    Assessment.objects.filter(pk=a.pk).update(sharing=sharing)
    a.refresh_from_db()
    return a


HAND = {"1.1": 4, "1.2": 2, "1.3": None}  # strategy: (0.2·100 + 0.3·50) / 0.5 = 70.0


def test_the_hand_computed_scores_are_on_the_page(agency_a, editor_a, client_editor_a):
    a = make(agency_a, editor_a, HAND, evidence="Leitbild 2024")
    page = text(client_editor_a.get(f"/ikoe-check/{a.pk}/ergebnis/"))
    row = re.search(r"1\. Strategie</th> <td class=\"num\">([^<]+)</td> <td>([^<]+)</td>", page)
    assert row and row.groups() == ("70,0", "Fortgeschritten")
    # overall: (70 + 6 · 50) / 7 = 52.857…
    assert "52,9" in page
    assert "Vieles ist verankert." in page  # the band's description
    assert '<svg role="img"' in page and "symbol-legend" in page
    assert f"/ikoe-check/{a.pk}/massnahmenplan/" in page


def test_a_draft_shows_provisional_scores(agency_a, editor_a, client_editor_a):
    a = make(agency_a, editor_a, HAND, finish=False)
    page = text(client_editor_a.get(f"/ikoe-check/{a.pk}/ergebnis/"))
    assert re.search(
        r'status-banner" role="status"><p><strong>(vorläufig|provisional)</strong>', page
    )
    assert "70,0" in page


@pytest.mark.parametrize(
    ("sharing", "allowed"),
    [
        ("private", {"editor_a"}),
        ("land", {"editor_a", "coordinator_a", "federal_coordinator"}),
        ("public", {"editor_a", "coordinator_a", "federal_coordinator", "viewer_b", "anonymous"}),
    ],
)
def test_who_sees_the_results(
    sharing,
    allowed,
    agency_a,
    editor_a,
    cast,
    client_editor_a,
    client_coordinator_a,
    client_federal,
    client_viewer_b,
    client_anonymous,
):
    a = make(agency_a, editor_a, HAND, sharing=sharing)
    for name, client in cast.clients.items():
        for url in ("ergebnis/", "massnahmenplan/", "ergebnis.xlsx"):
            status = client.get(f"/ikoe-check/{a.pk}/{url}").status_code
            assert status == (200 if name in allowed else 404), (name, url)


def test_an_agency_member_does_not_see_another_agency(agency_a2, coordinator_a, client_editor_a):
    a = make(agency_a2, coordinator_a, HAND)
    assert client_editor_a.get(f"/ikoe-check/{a.pk}/ergebnis/").status_code == 404


def test_a_draft_shared_with_the_land_stays_hidden(agency_a, editor_a, client_coordinator_a):
    a = make(agency_a, editor_a, HAND, finish=False, sharing="land")
    assert client_coordinator_a.get(f"/ikoe-check/{a.pk}/ergebnis/").status_code == 404


def peers(land, ministry, n, user, start=0):
    """``n`` agencies of ``land`` with finished assessments (scores 75: band Etabliert)."""
    out = []
    for i in range(start, start + n):
        org = Organisation.objects.create(
            code=f"P{land.code}{i}", name=f"Peer {i}", kind="agency", parent=ministry
        )
        out.append(make(org, user, {item: 3 for item in ("1.1", "1.2", "1.3")}))
    return out


def test_a_peer_group_is_shown_from_five_organisations(
    settings, land_a, ministry_a, agency_a, editor_a, coordinator_a, client_editor_a
):
    settings.ASSESSMENT_MIN_PEERS = 5
    own = make(agency_a, editor_a, HAND)
    peers(land_a, ministry_a, 3, coordinator_a)  # with the own organisation: 4 in Land A
    page = text(client_editor_a.get(f"/ikoe-check/{own.pk}/ergebnis/"))
    assert "Organisationen in Land A: nicht gezeigt, weil weniger als 5" in page
    peers(land_a, ministry_a, 1, coordinator_a, start=3)
    page = text(client_editor_a.get(f"/ikoe-check/{own.pk}/ergebnis/"))
    assert "Organisationen in Land A: nicht gezeigt" not in page
    table = page[page.index("Organisationen je Reifegradstufe: Organisationen in Land A") :]
    table = table[: table.index("</table>")]
    own_cells = re.findall(r'<td class="num own-band"><strong>(\d+)</strong>', table)
    assert len(own_cells) == 8  # seven dimensions and the overall score
    counts = [
        int(c) for c in re.findall(r'<td class="num(?: own-band)?">(?:<strong>)?(\d+)', table)
    ]
    assert len(counts) == 8 * 4 and all(c != 1 for c in counts)  # no count is published as 1
    assert "Peer 0" not in page and "Peer 3" not in page  # never a name


def test_the_history_compares_earlier_checks(agency_a, editor_a, client_editor_a):
    make(agency_a, editor_a, {"1.1": 0, "1.2": 0, "1.3": 0})
    later = make(agency_a, editor_a, HAND)
    page = text(client_editor_a.get(f"/ikoe-check/{later.pk}/ergebnis/"))
    history = page[page.index('id="caption-history"') :]
    history = history[: history.index("</table>")]
    rows = re.findall(r"<tr> <th scope=\"row\">(\d)</th>.*?</tr>", history)
    assert rows == ["1", "2"]
    assert "0,0" in history and "70,0" in history
    assert page.count('<svg role="img"') >= 2  # scores and history


def test_the_action_plan_lists_items_below_target(agency_a, editor_a, client_editor_a):
    a = make(agency_a, editor_a, {"1.1": 4, "1.2": 1, "1.3": None, "2.1": 3})
    page = text(client_editor_a.get(f"/ikoe-check/{a.pk}/massnahmenplan/"))
    assert "Frage 1.2 zu Strategie?" in page
    assert "Schritt 1.2 von 1 nach 2" in page and "Schritt 1.2 von 2 nach 3" in page
    assert "Nachweisbeispiel 1.2" in page
    assert "Frage 1.1 zu Strategie?" not in page  # at level 4
    assert "Frage 2.1 zu Organisation?" not in page  # at the target 3
    assert "Frage 1.3 zu Strategie?" not in page  # not applicable
    assert "Schritt 2.2 von 2 nach 3" in page


def test_the_pdf(agency_a, editor_a, client_editor_a):
    pytest.importorskip("weasyprint")
    a = make(agency_a, editor_a, HAND)
    response = client_editor_a.get(f"/ikoe-check/{a.pk}/ergebnis.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    data = inflated(response.content)
    title = re.search(rb"/Title <feff([0-9a-f]+)>|/Title \((.*?)\)", data, re.I)
    assert title is not None
    raw = title.group(1)
    shown = bytes.fromhex(raw.decode()).decode("utf-16-be") if raw else title.group(2).decode()
    assert "Agency A" in shown  # "Results of the IKÖ-Check: Agency A"
    assert b"/Author (Agency A)" in data
    assert b"/Lang (de)" in data
    assert b"/StructTreeRoot" in data  # tagged
    assert b"pdfuaid" in data  # PDF/UA-1 declared in the XMP metadata


def inflated(data: bytes) -> bytes:
    """The PDF with its compressed streams inflated, to search its objects and metadata."""
    out = [data]
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        with contextlib.suppress(zlib.error):
            out.append(zlib.decompress(m.group(1)))
    return b"\n".join(out)


def test_the_xlsx_has_result_answers_and_plan(agency_a, editor_a, client_editor_a):
    a = make(agency_a, editor_a, HAND, evidence="Leitbild 2024")
    response = client_editor_a.get(f"/ikoe-check/{a.pk}/ergebnis.xlsx")
    assert response.status_code == 200
    book = zipfile.ZipFile(io.BytesIO(response.content))
    workbook = book.read("xl/workbook.xml").decode()
    names = re.findall(r'<sheet name="([^"]+)"', workbook)
    assert len(names) == 3
    strings = book.read("xl/sharedStrings.xml").decode()
    assert "Leitbild 2024" in strings and "Fortgeschritten" in strings
    assert "Schritt 1.2 von 2 nach 3" in strings


def test_the_land_overview(
    settings,
    land_a,
    ministry_a,
    coordinator_a,
    client_coordinator_a,
    client_federal,
    client_viewer_b,
    client_editor_a,
    client_anonymous,
):
    settings.ASSESSMENT_MIN_PEERS = 5
    peers(land_a, ministry_a, 4, coordinator_a)
    page = text(client_coordinator_a.get("/ikoe-check/land/DE-BE/"))
    assert "fewer than 5" in page or "weniger als 5" in page
    assert "Frage 1.1" not in page
    peers(land_a, ministry_a, 1, coordinator_a, start=4)
    for client in (client_coordinator_a, client_federal):
        page = text(client.get("/ikoe-check/land/DE-BE/"))
        assert "Frage 1.1 zu Strategie?" in page
        assert "Peer 0" not in page
    assert client_coordinator_a.get("/ikoe-check/land/DE-HH/").status_code == 404
    assert client_viewer_b.get("/ikoe-check/land/DE-BE/").status_code == 403  # not a coordinator
    assert client_editor_a.get("/ikoe-check/land/DE-BE/").status_code == 403
    assert client_anonymous.get("/ikoe-check/land/DE-BE/").status_code == 302  # to the login
