"""Funding programmes and their checks: the only writer of :class:`FundingProgramme` and
:class:`FundingCheck` (docs/measures.md, "Funding programmes").

A programme is checked against the six criteria of :data:`FUNDING_CRITERIA`, each answered
“yes”, “partly” or “no”. The score is the share of criteria met, a “partly” counting half::

    score = (yes · 1 + partly · 0.5) / 6 · 100

Every criterion answered “no” or “partly” is unmet and comes with its recommendation. A check is
never changed: a new check is added, and the list of checks is the programme's history.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ikoe.accounts.models import acting_account
from ikoe.measures import history
from ikoe.measures.models import FUNDING_CRITERIA, Change, FundingCheck, FundingProgramme
from ikoe.organisations.models import Organisation

YES, PARTLY, NO = "yes", "partly", "no"
ANSWERS = (YES, PARTLY, NO)
ANSWER_LABELS = {
    YES: gettext_lazy("yes"),
    PARTLY: gettext_lazy("partly"),
    NO: gettext_lazy("no"),
}
ANSWER_POINTS = {YES: 1.0, PARTLY: 0.5, NO: 0.0}
PROGRAMME_FIELDS = ("organisation", "title", "description", "url", "annual_budget")


@dataclass(frozen=True)
class Criterion:
    key: str
    label: Promise
    question: Promise
    recommendation: Promise


CRITERIA: tuple[Criterion, ...] = (
    Criterion(
        "languages",
        gettext_lazy("Several languages and easy language"),
        gettext_lazy(
            "Is the information on the programme available in several languages and in easy "
            "language?"
        ),
        gettext_lazy(
            "Publish the call and the guidance in the most common languages of the target "
            "groups and in easy language, and say where translations can be found."
        ),
    ),
    Criterion(
        "migrant_organisations",
        gettext_lazy("Migrant organisations eligible"),
        gettext_lazy("May migrant organisations apply, as applicants of their own?"),
        gettext_lazy(
            "Name migrant organisations as eligible applicants and remove conditions they "
            "rarely meet (such as years of existence or own funds) where they are not needed."
        ),
    ),
    Criterion(
        "accessible_application",
        gettext_lazy("Accessible application"),
        gettext_lazy(
            "Is applying accessible: simple forms, support when applying and no proofs that "
            "are not needed?"
        ),
        gettext_lazy(
            "Simplify the forms, offer advice before and during the application and ask only "
            "for the proofs the decision needs."
        ),
    ),
    Criterion(
        "reach_reported",
        gettext_lazy("Reach reported by target group"),
        gettext_lazy("Is it reported whom the programme reaches, by target group?"),
        gettext_lazy(
            "Report applications, grants and participants by target group every year, from "
            "voluntary and anonymous information."
        ),
    ),
    Criterion(
        "diverse_juries",
        gettext_lazy("Diverse juries and advisory boards"),
        gettext_lazy(
            "Are the juries and advisory boards that decide or advise diverse, with people "
            "with a migration history among them?"
        ),
        gettext_lazy(
            "Appoint people with a migration history and members of migrant organisations to "
            "the juries and advisory boards."
        ),
    ),
    Criterion(
        "outreach",
        gettext_lazy("Outreach to underrepresented groups"),
        gettext_lazy(
            "Does the programme reach out to groups that have applied rarely so far, through "
            "their networks and organisations?"
        ),
        gettext_lazy(
            "Inform through the networks of underrepresented groups, hold information events "
            "with migrant organisations and follow up who did not apply."
        ),
    ),
)
"""The criteria, in the order of :data:`FUNDING_CRITERIA`, with their texts."""
assert tuple(c.key for c in CRITERIA) == FUNDING_CRITERIA
CRITERION_BY_KEY = {c.key: c for c in CRITERIA}


def check_answers(answers: Mapping[str, str]) -> dict[str, str]:
    """The answers in the order of the criteria; every criterion needs “yes”, “partly” or “no”."""
    missing = [c for c in CRITERIA if answers.get(c.key) not in ANSWERS]
    if missing:
        raise ValidationError(
            {
                c.key: _("Answer “%(criterion)s” with yes, partly or no.") % {"criterion": c.label}
                for c in missing
            }
        )
    return {c.key: answers[c.key] for c in CRITERIA}


def score(answers: Mapping[str, str]) -> float:
    """(yes · 1 + partly · 0.5) / number of criteria · 100.

    >>> round(score({"languages": "yes", "migrant_organisations": "yes",
    ...     "accessible_application": "partly", "reach_reported": "no",
    ...     "diverse_juries": "no", "outreach": "yes"}), 1)
    58.3
    """
    points = sum(ANSWER_POINTS.get(answers.get(key, NO), 0.0) for key in FUNDING_CRITERIA)
    return points / len(FUNDING_CRITERIA) * 100


@dataclass(frozen=True)
class Unmet:
    criterion: Criterion
    answer: str

    @property
    def answer_label(self) -> str:
        return str(ANSWER_LABELS[self.answer])


def unmet(answers: Mapping[str, str]) -> list[Unmet]:
    """The criteria answered “no” or “partly”, “no” first, each with its recommendation."""
    found = [Unmet(c, answers.get(c.key, NO)) for c in CRITERIA if answers.get(c.key) != YES]
    return sorted(found, key=lambda u: 0 if u.answer == NO else 1)


@transaction.atomic
def save_programme(
    user: Any,
    organisation: Organisation,
    values: Mapping[str, Any],
    programme: FundingProgramme | None = None,
) -> FundingProgramme:
    """Create a programme of ``organisation`` or change ``programme``, with its history entry."""
    row = FundingProgramme() if programme is None else programme
    with history.recorded(row, PROGRAMME_FIELDS, user):
        row.organisation = organisation
        for name in PROGRAMME_FIELDS[1:]:
            if name in values:
                setattr(row, name, values[name])
        row.updated_at = timezone.now()
        row.save()
    return row


@transaction.atomic
def add_check(
    user: Any,
    programme: FundingProgramme,
    answers: Mapping[str, str],
    *,
    checked_on: date | None = None,
    note: str = "",
) -> FundingCheck:
    """Check ``programme`` against the criteria: a new check with its score, recorded in the
    history of the programme's checks and in the change history."""
    clean = check_answers(answers)
    account = acting_account(user)
    check = FundingCheck.objects.create(
        programme=programme,
        checked_on=checked_on or timezone.localdate(),
        answers=clean,
        score=score(clean),
        note=note,
        checked_by_name=user.get_username() if account is not None else "",
    )
    after = {"checked_on": check.checked_on.isoformat(), "score": round(check.score, 1)}
    after.update(clean)
    history.record(
        check,
        Change.Action.CREATED,
        user,
        {},
        after,
        organisation=programme.organisation,
        label=str(check),
    )
    return check


def checks(programme: FundingProgramme) -> list[FundingCheck]:
    """The checks of the programme, oldest first (its history)."""
    return list(programme.checks.order_by("checked_on", "pk"))


def latest_checks(programmes: Iterable[FundingProgramme]) -> dict[int, FundingCheck]:
    """The newest check of each programme (by date, then entry)."""
    ids = [p.pk for p in programmes]
    latest: dict[int, FundingCheck] = {}
    for check in FundingCheck.objects.filter(programme_id__in=ids).order_by("checked_on", "pk"):
        latest[check.programme_id] = check
    return latest
