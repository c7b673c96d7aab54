"""Import and export of a Land's registries on the page /massnahmen/land/<code>/austausch/."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ikoe.measures.models import Change, Measure

pytestmark = pytest.mark.django_db

HEADER = "organisation;title;type;status;progress"


@pytest.fixture
def stored(agency_a, agency_a2):
    Measure.objects.create(organisation=agency_a, title="Leitbild", type="organisation")
    Measure.objects.create(organisation=agency_a2, title="Sprachmittlung", type="access")


def _upload(text: str, name: str = "massnahmen.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def test_members_export_what_they_see_and_another_land_gets_404(
    stored, client_coordinator_a, client_editor_a, client_viewer_b
):
    url = "/massnahmen/land/DE-BE/export/measures.csv"
    whole = client_coordinator_a.get(url)
    assert whole.status_code == 200 and whole["Content-Type"].startswith("text/csv")
    text = whole.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("organisation;title")
    assert "Leitbild" in text and "Sprachmittlung" in text
    own = client_editor_a.get(url).content.decode("utf-8-sig")
    assert "Leitbild" in own and "Sprachmittlung" not in own  # A-AGY only
    xlsx = client_editor_a.get("/massnahmen/land/DE-BE/export/measures.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert client_viewer_b.get(url).status_code == 404
    assert client_viewer_b.get("/massnahmen/land/DE-BE/austausch/").status_code == 404
    assert client_coordinator_a.get("/massnahmen/land/DE-BE/export/nothing.csv").status_code == 404


def test_an_editor_imports_rows_of_their_agency_and_nothing_else(
    stored, client_editor_a, client_agency_viewer_a
):
    page = "/massnahmen/land/DE-BE/austausch/"
    good = _upload(
        f"{HEADER}\nA-AGY;Leitbild;organisation;in_progress;40\nA-AGY;Neu;recruitment;;\n"
    )
    response = client_editor_a.post(page, {"registry": "measures", "file": good})
    assert response.status_code == 302
    leitbild = Measure.objects.get(title="Leitbild")
    assert (leitbild.status, leitbild.progress) == ("in_progress", 40)
    assert Measure.objects.filter(title="Neu", organisation__code="A-AGY").exists()
    assert Change.objects.filter(action="imported").count() == 2
    # a row of another agency: refused with file, row and column; nothing stored
    bad = _upload(f"{HEADER}\nA-AGY;Zweite;access;;\nA-AGY2;Fremd;access;;\n")
    response = client_editor_a.post(page, {"registry": "measures", "file": bad})
    html = response.content.decode()
    assert response.status_code == 200 and 'id="error-summary"' in html
    assert "massnahmen.csv, Zeile 3" in html and "/tmp/" not in html
    assert not Measure.objects.filter(title__in=["Zweite", "Fremd"]).exists()
    # a viewer sees the export, not the import
    page_html = client_agency_viewer_a.get(page).content.decode()
    assert 'name="file"' not in page_html and "export/measures.csv" in page_html
    refused = client_agency_viewer_a.post(page, {"registry": "measures", "file": good})
    assert refused.status_code in (403, 404)
