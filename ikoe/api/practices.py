"""The exchange's practices in the API: the search of the pages (``/austausch/``) with the same
words, facets and sorting. Everyone gets the published practices; members also those of their
scope that are not published yet; contact details only signed-in users (docs/exchange.md)."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any, Literal

from django.http import Http404, HttpRequest
from ninja import Field, Path, Query, Router, Schema
from pydantic import StringConstraints

from ikoe.exchange import vocab
from ikoe.exchange.models import Practice
from ikoe.exchange.outputs import record
from ikoe.exchange.search import FACETS, SearchQuery, search

router = Router(tags=["exchange"])

Words = Annotated[str, StringConstraints(max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$")]
Code = Annotated[str, StringConstraints(max_length=40, pattern=r"^[A-Za-z_-]*$")]
ID_MAX = 2**31 - 1
MAX_LIMIT = 100
MAX_OFFSET = 1_000_000


class PracticeOut(Schema):
    id: int
    code: str | None = Field(..., description="key of a practice shipped with the platform")
    state: str = Field(..., description="draft, submitted, returned, reviewed or published")
    published: bool
    title: str
    summary: str
    language: str
    region_code: str = Field(
        ..., description="ISO 3166-2 code of the Land, DE-BUND for the federal level"
    )
    land_name: str
    municipality: str
    level: str
    lead_body: str
    lead_type: str
    partners: str
    partners_migrant_org: bool
    contact_role: str
    contact: str | None = Field(..., description="only for signed-in users, else null")
    dimensions: list[str] = Field(..., description="IKÖ-Check dimensions the practice serves")
    sectors: list[str]
    target_groups: list[str]
    occupational_groups: list[str]
    measure_types: list[str]
    keywords: list[str]
    starting_point: str
    goals: str
    activities: str
    legal_basis: str
    started: str | None
    ended: str | None
    period: str
    status: str
    cost_band: str
    funding_source: str
    staff: str
    outcomes: str
    indicators: str
    evaluation: str
    evaluation_link: str
    challenges: str
    success_conditions: str
    prerequisites: str
    adaptations: str
    reuses: str
    licence: str
    certainty: str
    sources: list[str]
    updated_at: str
    published_at: str | None
    rank: float | None = Field(None, description="relevance of a word search (higher is better)")


class PracticePage(Schema):
    count: int = Field(..., description="number of practices that match")
    offset: int
    limit: int
    items: list[PracticeOut]
    facets: dict[str, dict[str, int]] = Field(
        ...,
        description="per facet without a filter in the query, per value: how many of the "
        "matches have this value (facets the query filters by are left out)",
    )


class PracticeFilters(Schema):
    q: Words = Field("", description="words that must all occur (German word forms count)")
    dimension: list[Code] = Field([], description=", ".join(vocab.codes(vocab.DIMENSIONS)))
    sector: list[Code] = Field([], description=", ".join(vocab.codes(vocab.SECTORS)))
    land: list[Code] = Field([], description="DE-BE … or DE-BUND")
    level: list[Code] = Field([], description=", ".join(vocab.codes(vocab.LEVELS)))
    target_group: list[Code] = Field([], description=", ".join(vocab.codes(vocab.TARGET_GROUPS)))
    measure_type: list[Code] = Field([], description=", ".join(vocab.codes(vocab.MEASURE_TYPES)))
    evaluation: list[Code] = Field([], description=", ".join(vocab.codes(vocab.EVALUATIONS)))
    status: list[Code] = Field([], description=", ".join(vocab.codes(vocab.STATUSES)))
    cost_band: list[Code] = Field([], description=", ".join(vocab.codes(vocab.COST_BANDS)))
    state: list[Code] = Field([], description="review state (members only)")
    sort: Literal["relevance", "date", "title"] | None = None
    limit: int = Field(20, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


@router.get(
    "/practices",
    response=PracticePage,
    summary="Search the practices",
    description="The search of the exchange: q (words, all must occur; word forms count), the "
    "facets as repeated parameters (values of one facet are alternatives, facets combine), "
    "sort (relevance with words, else date), limit and offset.",
)
def list_practices(request: HttpRequest, filters: Query[PracticeFilters]) -> dict[str, Any]:
    params: dict[str, Any] = {f.name: getattr(filters, f.name) for f in FACETS}
    params["q"] = filters.q
    params["sort"] = filters.sort or ""
    query = replace(SearchQuery.from_params(params), offset=filters.offset, limit=filters.limit)
    result = search(request.user, query)
    signed_in = request.user.is_authenticated
    items = []
    for p in result.practices:
        item = record(p, signed_in)
        item["rank"] = getattr(p, "rank", None)
        items.append(item)
    return {
        "count": result.total,
        "offset": filters.offset,
        "limit": filters.limit,
        "items": items,
        "facets": {
            fc.facet.name: {v.code: v.count for v in fc.values if v.count is not None}
            for fc in result.facets
            if fc.facet.name not in query.filters
        },
    }


@router.get("/practices/{id}", response=PracticeOut, summary="One practice")
def get_practice(request: HttpRequest, id: Annotated[int, Path(ge=1, le=ID_MAX)]) -> dict[str, Any]:
    found = Practice.objects.visible_to(request.user).select_related("land").filter(pk=id).first()
    if found is None:
        raise Http404
    return record(found, request.user.is_authenticated)
