"""The anchoring register in the API: public, like the pages (laws and strategies are published
texts). Summaries are given in full, certainty markers such as ``[unverifiziert]`` included.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from django.db.models import Q
from django.http import Http404, HttpRequest
from ninja import Field, Path, Router, Schema
from pydantic import StringConstraints

from ikoe.measures.anchoring import is_uncertain, source_links
from ikoe.measures.models import Provision

router = Router(tags=["anchoring"])

Code = Annotated[str, StringConstraints(max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$")]
Instrument = Literal["law", "decree", "agreement", "strategy", "action plan"]
ID_MAX = 2**31 - 1
assert set(Instrument.__args__) == set(Provision.Instrument.values)  # type: ignore[attr-defined]


class ProvisionOut(Schema):
    id: int
    region_code: str = Field(
        ..., description="ISO 3166-2 code of the Land, DE-BUND for the federal level"
    )
    agency: str | None = Field(..., description="code of the agency the provision belongs to")
    instrument: str = Field(..., description="law, decree, agreement, strategy or action plan")
    official_name: str
    short_name: str
    in_force_since: str = Field(..., description="as written, with any note on its certainty")
    since: str | None = Field(
        ..., description="the date at its start, YYYY-MM-DD (YYYY-MM and YYYY as the first day)"
    )
    provision: str
    paragraph: str
    requirement: str = Field(
        ..., description="what it requires, in German, with its certainty markers"
    )
    uncertain: bool = Field(
        ..., description="whether a certainty marker such as [unverifiziert] is in the texts"
    )
    sources: list[str] = Field(..., description="where it is published")
    shipped: bool = Field(
        ..., description="shipped with the platform (else entered by a coordinator)"
    )


def _out(p: Provision) -> dict[str, Any]:
    return {
        "id": p.pk,
        "region_code": p.region_code,
        "agency": p.organisation.code if p.organisation is not None else None,
        "instrument": p.instrument,
        "official_name": p.official_name,
        "short_name": p.short_name,
        "in_force_since": p.in_force_since,
        "since": p.since.isoformat() if p.since else None,
        "provision": p.provision,
        "paragraph": p.paragraph,
        "requirement": p.requirement,
        "uncertain": is_uncertain(p),
        "sources": [text for text, _link in source_links(p.source)],
        "shipped": p.shipped,
    }


@router.get(
    "/anchoring",
    response=list[ProvisionOut],
    summary="The anchoring register",
    description="Provisions of laws, decrees, agreements, strategies and action plans of the "
    "Länder and the federal level. Filter by land (e.g. DE-BE, DE-BUND), instrument and q "
    "(words that must all occur in the names, the provision, the paragraph or the summary).",
)
def list_provisions(
    request: HttpRequest,
    land: Code | None = None,
    instrument: Instrument | None = None,
    q: Code | None = None,
) -> list[dict[str, Any]]:
    qs = Provision.objects.select_related("organisation")
    if land:
        qs = qs.filter(region_code=land)
    if instrument:
        qs = qs.filter(instrument=instrument)
    for word in (q or "").split():
        qs = qs.filter(
            Q(official_name__icontains=word)
            | Q(short_name__icontains=word)
            | Q(provision__icontains=word)
            | Q(paragraph__icontains=word)
            | Q(requirement__icontains=word)
        )
    return [_out(p) for p in qs.order_by("region_code", "short_name", "pk")]


@router.get("/anchoring/{id}", response=ProvisionOut, summary="One provision")
def get_provision(
    request: HttpRequest, id: Annotated[int, Path(ge=1, le=ID_MAX)]
) -> dict[str, Any]:
    found = Provision.objects.select_related("organisation").filter(pk=id).first()
    if found is None:
        raise Http404
    return _out(found)
