"""The registries in the API: measures with their rolled-up progress and milestones, training
participation with its coverage, funding programmes with their latest check.

Every row is read through ``Model.objects.visible_to(user)`` like on the pages: the members of
its Land and the federal level see it, a member limited to an agency the rows of that agency
and the units below it. Anyone else gets an empty list, and 404 for one row, as for a row that
does not exist.
"""

from __future__ import annotations

from typing import Annotated, Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from ninja import Field, Path, Query, Router, Schema
from pydantic import StringConstraints

from ikoe.ingest.benchmarks import YEAR_MAX, YEAR_MIN
from ikoe.measures.models import (
    FUNDING_CRITERIA,
    FundingCheck,
    FundingProgramme,
    Measure,
    TrainingRecord,
)
from ikoe.measures.progress import rolled_up_many

router = Router(tags=["measures"])

Code = Annotated[str, StringConstraints(max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$")]
ID_MAX = 2**31 - 1


class MilestoneOut(Schema):
    title: str
    due: str = Field(..., description="YYYY-MM-DD")
    done: str | None = Field(..., description="the day it was reached, YYYY-MM-DD; empty if not")


class MeasureOut(Schema):
    id: int
    organisation: str = Field(..., description="code of the organisation")
    organisation_name: str
    land: str | None = Field(..., description="code of the organisation's Land")
    title: str
    description: str
    type: str
    dimension: str = Field(..., description="the IKÖ-Check dimension, if any")
    anchoring: str = Field(..., description="legal, strategic or organisational, if any")
    goal: str
    indicator: str
    target_value: str
    owner: str = Field(..., description="the responsible unit or person")
    start: str | None = Field(..., description="YYYY-MM-DD")
    end: str | None = Field(..., description="YYYY-MM-DD")
    status: str = Field(..., description="planned, in_progress, completed, on_hold or cancelled")
    progress: int = Field(..., description="its own progress, 0 to 100")
    rolled_up_progress: float = Field(
        ...,
        description="0 to 100: the mean of its parts' rolled-up progress; its own progress when "
        "it has no parts",
    )
    budget: float | None = Field(..., description="euros")
    funding_source: str
    parent: int | None = Field(..., description="id of the measure it is part of")
    origin: str = Field(
        ..., description="manual, assessment, barrier or promotion_plan: where it came from"
    )


class MeasureDetailOut(MeasureOut):
    children: list[int] = Field(..., description="ids of its parts you may see")
    milestones: list[MilestoneOut]


MEASURES_MAX_LIMIT = 1000
MEASURES_MAX_OFFSET = 1_000_000_000


class MeasureFilter(Schema):
    land: Code | None = Field(None, description="code of a Land, e.g. DE-BE")
    organisation: Code | None = Field(None, description="code of an organisation")
    status: Code | None = None
    dimension: Code | None = None
    limit: int = Field(100, ge=1, le=MEASURES_MAX_LIMIT, description="measures per page, 1 to 1000")
    offset: int = Field(0, ge=0, le=MEASURES_MAX_OFFSET, description="measures to skip")


def _day(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _measure_out(m: Measure, rolled: dict[int, float]) -> dict[str, Any]:
    return {
        "id": m.pk,
        "organisation": m.organisation.code,
        "organisation_name": m.organisation.name,
        "land": m.organisation.land.code if m.organisation.land else None,
        "title": m.title,
        "description": m.description,
        "type": m.type,
        "dimension": m.dimension,
        "anchoring": m.anchoring,
        "goal": m.goal,
        "indicator": m.indicator,
        "target_value": m.target_value,
        "owner": m.owner,
        "start": _day(m.start),
        "end": _day(m.end),
        "status": m.status,
        "progress": m.progress,
        "rolled_up_progress": round(rolled.get(m.pk, float(m.progress)), 1),
        "budget": float(m.budget) if m.budget is not None else None,
        "funding_source": m.funding_source,
        "parent": m.parent_id,
        "origin": m.origin,
    }


def _measures(request: HttpRequest) -> QuerySet[Measure]:
    return Measure.objects.visible_to(request.user).select_related("organisation__land")


class MeasurePage(Schema):
    count: int = Field(..., description="number of measures that match the filters")
    items: list[MeasureOut]


@router.get(
    "/measures",
    response=MeasurePage,
    summary="Measures you may see",
    description="The measures of the organisations of your Land (of your agency and the units "
    "below it when your access is limited to an agency), each with its progress rolled up from "
    "its parts. Filter by Land (land), organisation code (organisation), status and IKÖ-Check "
    "dimension; page with limit and offset (ordered by organisation, start, title).",
)
def list_measures(request: HttpRequest, filters: Query[MeasureFilter]) -> dict[str, Any]:
    qs = _measures(request)
    if filters.land:
        qs = qs.filter(organisation__land__code=filters.land)
    if filters.organisation:
        qs = qs.filter(organisation__code=filters.organisation)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.dimension:
        qs = qs.filter(dimension=filters.dimension)
    count = qs.count()
    measures = list(
        qs.order_by("organisation__code", "start", "title", "pk")[
            filters.offset : filters.offset + filters.limit
        ]
    )
    rolled = rolled_up_many(m.pk for m in measures)
    return {"count": count, "items": [_measure_out(m, rolled) for m in measures]}


@router.get(
    "/measures/{id}",
    response=MeasureDetailOut,
    summary="One measure with its milestones",
    description="404 when it does not exist or you may not see it.",
)
def get_measure(request: HttpRequest, id: Annotated[int, Path(ge=1, le=ID_MAX)]) -> dict[str, Any]:
    m = _measures(request).filter(pk=id).first()
    if m is None:
        raise Http404
    rolled = rolled_up_many([m.pk])
    children = _measures(request).filter(parent=m).order_by("pk").values_list("pk", flat=True)
    return {
        **_measure_out(m, rolled),
        "children": list(children),
        "milestones": [
            {"title": s.title, "due": s.due.isoformat(), "done": _day(s.done)}
            for s in m.milestones.all()
        ],
    }


class TrainingOut(Schema):
    organisation: str = Field(..., description="code of the organisation")
    organisation_name: str
    land: str | None
    year: int
    group: str = Field(..., description="the occupational group")
    staff: int = Field(..., description="staff of the group (head count)")
    planned: int | None = Field(..., description="staff to be trained, if planned")
    trained: int | None = Field(
        ..., description="staff trained; empty while only the head count is known"
    )
    coverage: float | None = Field(
        ...,
        description="trained / staff, 0 to 1; empty when the group has no staff or nobody "
        "was counted yet",
    )
    offer: str | None = Field(..., description="title of the training offer, if named")


class TrainingFilter(Schema):
    land: Code | None = Field(None, description="code of a Land, e.g. DE-BE")
    organisation: Code | None = Field(None, description="code of an organisation")
    year: int | None = Field(None, ge=YEAR_MIN, le=YEAR_MAX)
    group: Code | None = Field(None, description="an occupational group, e.g. leadership")


@router.get(
    "/trainings",
    response=list[TrainingOut],
    summary="Training participation you may see",
    description="Per organisation, year and occupational group: staff, planned and trained "
    "(counts, no names) and the coverage trained / staff. Filter by Land, organisation, year "
    "and group.",
)
def list_trainings(request: HttpRequest, filters: Query[TrainingFilter]) -> list[dict[str, Any]]:
    qs = TrainingRecord.objects.visible_to(request.user).select_related(
        "organisation__land", "offer"
    )
    if filters.land:
        qs = qs.filter(organisation__land__code=filters.land)
    if filters.organisation:
        qs = qs.filter(organisation__code=filters.organisation)
    if filters.year is not None:
        qs = qs.filter(year=filters.year)
    if filters.group:
        qs = qs.filter(group=filters.group)
    return [
        {
            "organisation": r.organisation.code,
            "organisation_name": r.organisation.name,
            "land": r.organisation.land.code if r.organisation.land else None,
            "year": r.year,
            "group": r.group,
            "staff": r.staff,
            "planned": r.planned,
            "trained": r.trained,
            "coverage": round(r.trained / r.staff, 4)
            if r.staff and r.trained is not None
            else None,
            "offer": r.offer.title if r.offer else None,
        }
        for r in qs
    ]


class FundingCheckOut(Schema):
    checked_on: str = Field(..., description="YYYY-MM-DD")
    score: float = Field(..., description="0 to 100")
    unmet_criteria: list[str] = Field(..., description="criteria answered no")
    partly_met_criteria: list[str] = Field(..., description="criteria answered partly")


class FundingProgrammeOut(Schema):
    id: int
    organisation: str = Field(..., description="code of the awarding organisation")
    organisation_name: str
    land: str | None
    title: str
    description: str
    url: str
    annual_budget: float | None = Field(..., description="euros")
    latest_check: FundingCheckOut | None = Field(
        ..., description="the latest check against the criteria; empty when never checked"
    )


@router.get(
    "/funding-programmes",
    response=list[FundingProgrammeOut],
    summary="Funding programmes you may see",
    description="The funding programmes of the organisations you may see, each with its latest "
    "check against the criteria of the intercultural opening ("
    + ", ".join(FUNDING_CRITERIA)
    + "): the score and the criteria not or only partly met. Filter by Land and organisation.",
)
def list_funding_programmes(
    request: HttpRequest, land: Code | None = None, organisation: Code | None = None
) -> list[dict[str, Any]]:
    qs = FundingProgramme.objects.visible_to(request.user).select_related("organisation__land")
    if land:
        qs = qs.filter(organisation__land__code=land)
    if organisation:
        qs = qs.filter(organisation__code=organisation)
    programmes = list(qs)
    latest: dict[int, FundingCheck] = {}
    checks = FundingCheck.objects.filter(programme__in=programmes).order_by(
        "programme", "-checked_on", "-pk"
    )
    for found in checks:
        latest.setdefault(found.programme_id, found)
    out = []
    for p in programmes:
        check = latest.get(p.pk)
        answers = check.answers if check is not None else {}
        out.append(
            {
                "id": p.pk,
                "organisation": p.organisation.code,
                "organisation_name": p.organisation.name,
                "land": p.organisation.land.code if p.organisation.land else None,
                "title": p.title,
                "description": p.description,
                "url": p.url,
                "annual_budget": float(p.annual_budget) if p.annual_budget is not None else None,
                "latest_check": None
                if check is None
                else {
                    "checked_on": check.checked_on.isoformat(),
                    "score": check.score,
                    "unmet_criteria": [c for c in FUNDING_CRITERIA if answers.get(c) == "no"],
                    "partly_met_criteria": [
                        c for c in FUNDING_CRITERIA if answers.get(c) == "partly"
                    ],
                },
            }
        )
    return out
