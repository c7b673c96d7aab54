"""Release of a staff survey to the public, and its withdrawal.

:func:`set_release` is the only code that changes ``Survey.published`` (the flag the scope rules
read): in one transaction it checks that the survey may be released, sets the flag and writes a
:class:`~ikoe.surveys.models.SurveyRelease` record with who, when, how and why. The release
page, ``ikoe release`` and the demo loader all go through it.

A survey is refused release while its tables need protecting again (other disclosure rules or an
older method, :func:`~ikoe.surveys.publication.needs_republishing`) or while the audit of its
disclosure control found under-protected cells. Withdrawing is always possible.

A new import under the name of an existing survey replaces that survey and starts unreleased;
:func:`remember_replaced` and :func:`continue_history` carry its history over (within the same
Land) and record that the import ended a release.
"""

from __future__ import annotations

import getpass
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ikoe.surveys.models import Survey, SurveyRelease
from ikoe.surveys.publication import needs_republishing

Action = SurveyRelease.Action
Channel = SurveyRelease.Channel


class ReleaseRefused(Exception):
    """The survey may not be released; ``reasons`` are translated sentences."""

    def __init__(self, reasons: list[str]) -> None:
        self.reasons = reasons
        super().__init__(" ".join(reasons))


def operator_name() -> str:
    """The operating-system account running this process ("" when it has no name)."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return ""


def release_refusals(survey: Survey) -> list[str]:
    """Why ``survey`` may not be released now, one sentence per reason; empty when it may."""
    reasons = []
    if needs_republishing(survey):
        reasons.append(
            _(
                "Its tables were protected with other disclosure rules or an older method than "
                "the ones now in force; they must be protected again first (ikoe publish "
                "--survey %(name)s, or restart the platform, which does it for every survey)."
            )
            % {"name": survey.name}
        )
    under = int((survey.diagnostics.get("disclosure") or {}).get("under_protected") or 0)
    if under:
        reasons.append(
            ngettext(
                "The audit of the disclosure control found %(count)d secret cell that could be "
                "recomputed too closely from the published figures.",
                "The audit of the disclosure control found %(count)d secret cells that could be "
                "recomputed too closely from the published figures.",
                under,
            )
            % {"count": under}
        )
    return reasons


def set_release(
    survey: Survey,
    released: bool,
    *,
    channel: str,
    user: Any = None,
    username: str = "",
    note: str = "",
) -> SurveyRelease | None:
    """Release the survey (``released=True``) or withdraw its release, and record it.

    ``user`` is the account that acts (``None`` for an operator on the command line, who is
    named by ``username``); ``channel`` is a :class:`SurveyRelease.Channel`. Returns the record,
    or ``None`` when the survey already was in that state (then nothing is written). Raises
    :class:`ReleaseRefused` when the survey may not be released. ``survey.published`` is
    updated in place.
    """
    account = user if getattr(user, "is_authenticated", False) else None
    if account is not None and not username:
        username = account.get_username()
    with transaction.atomic():
        # The row is locked so that two coordinators pressing at once write one record.
        current = Survey.objects.select_for_update().get(pk=survey.pk)
        if current.published == released:
            survey.published = released
            return None
        if released and (reasons := release_refusals(current)):
            raise ReleaseRefused(reasons)
        current.published = released
        current.save(update_fields=["published"])
        record = SurveyRelease.objects.create(
            survey=current,
            survey_name=current.name,
            action=Action.RELEASE if released else Action.WITHDRAW,
            channel=channel,
            user=account,
            username=username,
            note=note.strip(),
        )
    survey.published = released
    return record


def current_release(survey: Survey, records: Sequence[SurveyRelease]) -> SurveyRelease | None:
    """Of the survey's records (newest first, as scoped by the caller), the one that made its
    present state; ``None`` for a survey released before the history was kept."""
    latest = records[0] if records else None
    if latest is None or (latest.action == Action.RELEASE) != survey.published:
        return None
    return latest


def ended_by_import(survey: Survey, records: Sequence[SurveyRelease]) -> bool:
    """Whether the import that created ``survey`` ended the release of the survey it replaced;
    ``records`` are the survey's records, newest first."""
    latest = current_release(survey, records)
    return (
        latest is not None
        and latest.channel == Channel.IMPORT
        and latest.action == Action.WITHDRAW
        and latest.at >= survey.created_at
    )


# ---------------------------------------------------------------------------------------------
# A new import under the same name


@dataclass(frozen=True)
class Replaced:
    """What is kept of a survey that an import replaces: its Land, whether it was released,
    and its history."""

    name: str
    land_id: int
    published: bool
    records: tuple[int, ...]


def remember_replaced(name: str) -> Replaced | None:
    """Before an import deletes the survey called ``name``: what its successor takes over."""
    old = Survey.objects.filter(name=name).first()
    if old is None:
        return None
    records = tuple(old.releases.values_list("pk", flat=True))
    return Replaced(old.name, old.land_id, old.published, records)


def continue_history(survey: Survey, replaced: Replaced | None, user: Any = None) -> None:
    """After the import created ``survey`` (unreleased) in place of ``replaced``.

    Within the same Land the new survey takes over the history; when the old survey was
    released, a withdrawal through the import is recorded, so the history says why the survey
    is no longer public. A survey of another Land under the same name keeps its history apart.
    """
    if replaced is None:
        return
    same_land = replaced.land_id == survey.land_id
    if same_land and replaced.records:
        SurveyRelease.objects.filter(pk__in=replaced.records).update(survey=survey)
    if replaced.published:
        account = user if getattr(user, "is_authenticated", False) else None
        SurveyRelease.objects.create(
            survey=survey if same_land else None,
            survey_name=replaced.name,
            action=Action.WITHDRAW,
            channel=Channel.IMPORT,
            user=account,
            username=account.get_username() if account is not None else operator_name(),
        )
