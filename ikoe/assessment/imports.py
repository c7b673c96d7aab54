"""Import of assessments filled in elsewhere (``ikoe import-assessments``).

The file is read and checked by :mod:`ikoe.ingest.assessments`; here its organisations are
checked against the hierarchy, and then each organisation gets one new finished assessment
through :mod:`ikoe.assessment.services` (start, answer, finish). All or nothing: any problem, and
nothing is stored.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ikoe.assessment import questionnaire as questionnaires
from ikoe.assessment import services
from ikoe.assessment.models import ASSESSED_KINDS, Assessment
from ikoe.errors import ImportFailed, excerpt
from ikoe.ingest.assessments import check_rows, read_assessment_file
from ikoe.organisations.models import Organisation
from ikoe.stats.assessment import Scores


@dataclass(frozen=True)
class Imported:
    assessment: Assessment
    scores: Scores


def _assessed_kinds() -> str:
    return ", ".join(str(Organisation.Kind(k).label) for k in ASSESSED_KINDS)


def finished_at(day: dt.date) -> dt.datetime:
    """Noon of ``day`` in the platform's time zone: the time an imported assessment was
    finished (the file gives the day only)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


def import_assessments(
    path: str | Path, version: str, finished_on: dt.date | None = None
) -> list[Imported]:
    """One new finished assessment per organisation of the file (see the module)."""
    name = str(path)
    known = questionnaires.available_versions()
    if version not in known:
        raise ImportFailed.single(
            "questionnaire_version",
            _("There is no questionnaire version “%(value)s”; available: %(versions)s.")
            % {"value": excerpt(version), "versions": ", ".join(known) or "–"},
            file=name,
        )
    if finished_on is not None and finished_on > timezone.localdate():
        raise ImportFailed.single(
            "finished_on",
            _("The date %(date)s lies in the future; expected the day the assessments were done.")
            % {"date": finished_on.isoformat()},
            file=name,
        )
    questionnaire = questionnaires.load(version)
    data = read_assessment_file(path)
    problems = data.problems
    first_rows: dict[str, int] = {}
    for row in data.rows:
        first_rows.setdefault(row.organisation, row.row)
    organisations = {o.code: o for o in Organisation.objects.filter(code__in=list(first_rows))}
    refused: set[str] = set()
    for code, first in first_rows.items():
        organisation = organisations.get(code)
        if organisation is None:
            problems.add(
                "unknown_organisation",
                _("There is no organisation with the code “%(code)s” in the hierarchy.")
                % {"code": excerpt(code)},
                row=first,
                column="organisation",
            )
            refused.add(code)
        elif organisation.kind not in ASSESSED_KINDS:
            problems.add(
                "organisation_kind",
                _(
                    "%(code)s (%(name)s) is a %(kind)s, which does not take the IKÖ-Check; "
                    "expected one of: %(kinds)s."
                )
                % {
                    "code": organisation.code,
                    "name": organisation.name,
                    "kind": organisation.get_kind_display(),
                    "kinds": _assessed_kinds(),
                },
                row=first,
                column="organisation",
            )
            refused.add(code)
    answers = check_rows(
        data,
        questionnaire.version,
        {item.id: item.sector for item in questionnaire.items()},
        [(sector, str(label)) for sector, label in questionnaire.sectors],
        skip=refused,
    )
    problems.raise_if_any()
    source = f"Import {data.name}"[:200]
    when = finished_at(finished_on) if finished_on is not None else None
    imported: list[Imported] = []
    try:
        with transaction.atomic():
            for found in answers:
                assessment = services.start(
                    organisations[found.code],
                    None,
                    sectors=found.sectors,
                    version=version,
                    source=source,
                )
                for row in found.rows:
                    services.answer(
                        assessment,
                        row.item,
                        None,
                        level=row.level,
                        evidence_text=row.evidence_text,
                        evidence_link=row.evidence_link,
                    )
                result = services.finish(assessment, None, finished_at=when)
                imported.append(Imported(assessment, result))
    except services.AssessmentError as exc:
        raise ImportFailed.single("assessment", str(exc), file=name) from exc
    return imported
