"""A finished assessment's results as data: for the API and ``ikoe assessment-scores --json``.

Only stored results are read (the scores are stored when an assessment is finished); the
questionnaire of the assessment's version gives the titles of the dimensions and the maturity
band of the overall score.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from ikoe.assessment import questionnaire as questionnaires
from ikoe.assessment.models import Assessment
from ikoe.assessment.questionnaire import Questionnaire


def _questionnaire(version: str) -> Questionnaire | None:
    try:
        return questionnaires.load(version)
    except KeyError:
        return None


def result_dict(assessment: Assessment) -> dict[str, Any]:
    """The results of a finished assessment: organisation, version, date, sector modules,
    overall score with its band, and the score of each dimension in the questionnaire's order
    (``None``: every item of the dimension not applicable)."""
    found = _questionnaire(assessment.questionnaire_version)
    stored = {s.dimension: s.score for s in assessment.scores.all()}
    organisation = assessment.organisation
    overall = assessment.overall_score
    if found is not None:
        dimensions = [
            {"id": d.id, "number": d.number, "title": d.title.as_dict(), "score": stored.get(d.id)}
            for d in found.dimensions
        ]
    else:  # the version is no longer shipped: the stored scores without titles
        dimensions = [
            {"id": d, "number": n, "title": {"de": d, "en": d}, "score": s}
            for n, (d, s) in enumerate(stored.items(), start=1)
        ]
    band = (
        found.band(overall).label.as_dict() if found is not None and overall is not None else None
    )
    return {
        "id": assessment.pk,
        "organisation": organisation.code,
        "organisation_name": organisation.name,
        "land": organisation.land.code if organisation.land is not None else None,
        "questionnaire_version": assessment.questionnaire_version,
        "finished": (
            timezone.localdate(assessment.finished_at).isoformat()
            if assessment.finished_at
            else None
        ),
        "sectors": list(assessment.sectors),
        "overall_score": overall,
        "band": band,
        "dimensions": dimensions,
    }
