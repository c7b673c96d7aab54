"""The IKÖ-Check in the API: finished assessments the caller may see, and the questionnaires.

An assessment is read through :meth:`AssessmentQuerySet.visible_to` like on the pages: its own
organisation's members, the coordination of its Land and the federal level once it is shared
with them, everyone once it is public. Anything else answers 404, as an assessment that does
not exist.
"""

from __future__ import annotations

from typing import Annotated, Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from ninja import Field, Path, Router, Schema
from pydantic import StringConstraints

from ikoe.assessment import questionnaire as questionnaires
from ikoe.assessment.models import Assessment
from ikoe.assessment.outputs import result_dict

router = Router(tags=["assessments"])

Code = Annotated[str, StringConstraints(max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$")]
Version = Annotated[str, StringConstraints(max_length=16, pattern=r"^[^\x00-\x1f\x7f]*$")]
ID_MAX = 2**31 - 1


class TextOut(Schema):
    de: str
    en: str


class DimensionScoreOut(Schema):
    id: str
    number: int
    title: TextOut
    score: float | None = Field(
        ..., description="0 to 100; empty when every item of the dimension is not applicable"
    )


class AssessmentOut(Schema):
    id: int
    organisation: str = Field(..., description="code of the organisation")
    organisation_name: str
    land: str | None = Field(..., description="code of the organisation's Land")
    questionnaire_version: str
    finished: str | None = Field(..., description="the day it was finished, YYYY-MM-DD")
    sectors: list[str] = Field(..., description="the sector modules answered")
    overall_score: float | None = Field(
        ..., description="0 to 100: the mean of the dimension scores"
    )
    band: TextOut | None = Field(..., description="the maturity band of the overall score")
    dimensions: list[DimensionScoreOut]


class QuestionnaireVersionOut(Schema):
    version: str
    title: TextOut
    current: bool = Field(..., description="whether a new assessment uses this version")


def _finished(request: HttpRequest) -> QuerySet[Assessment]:
    return (
        Assessment.objects.visible_to(request.user)
        .filter(status=Assessment.Status.FINISHED)
        .select_related("organisation__land")
        .prefetch_related("scores")
    )


@router.get(
    "/assessments",
    response=list[AssessmentOut],
    summary="Finished IKÖ-Checks you may see",
    description="The results of finished self-assessments: an organisation's own members see "
    "its assessments, the coordination of its Land and the federal level those it shared with "
    "them, everyone those it made public. Filter by organisation code (organisation) or Land "
    "(land, e.g. DE-BE).",
)
def list_assessments(
    request: HttpRequest, organisation: Code | None = None, land: Code | None = None
) -> list[dict[str, Any]]:
    qs = _finished(request)
    if organisation:
        qs = qs.filter(organisation__code=organisation)
    if land:
        qs = qs.filter(organisation__land__code=land)
    return [result_dict(a) for a in qs.order_by("organisation__code", "finished_at", "pk")]


@router.get(
    "/assessments/{id}",
    response=AssessmentOut,
    summary="One finished IKÖ-Check",
    description="404 when it does not exist, is not finished or you may not see it.",
)
def get_assessment(
    request: HttpRequest, id: Annotated[int, Path(ge=1, le=ID_MAX)]
) -> dict[str, Any]:
    found = _finished(request).filter(pk=id).first()
    if found is None:
        raise Http404
    return result_dict(found)


@router.get(
    "/questionnaires",
    response=list[QuestionnaireVersionOut],
    summary="Versions of the IKÖ-Check questionnaire",
)
def list_questionnaires(request: HttpRequest) -> list[dict[str, Any]]:
    versions = questionnaires.available_versions()
    current = versions[-1] if versions else None
    return [
        {
            "version": v,
            "title": questionnaires.load(v).title.as_dict(),
            "current": v == current,
        }
        for v in versions
    ]


@router.get(
    "/questionnaires/{version}",
    summary="One version of the IKÖ-Check questionnaire",
    description="Every dimension and item with its weight, the guidance for each level, the "
    "evidence asked for and the next steps, in German and English.",
)
def get_questionnaire(request: HttpRequest, version: Annotated[Version, Path()]) -> dict[str, Any]:
    try:
        return questionnaires.load(version).as_dict()
    except KeyError:
        raise Http404 from None
