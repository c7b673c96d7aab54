"""Release of a staff survey to the public, and its withdrawal.

:func:`set_release` is the only code that changes the release flags of a survey's parts (which
the scope rules read) and ``Survey.published`` (every part released): in one transaction it
checks that the survey may be released, sets the flags and writes a
:class:`~ikoe.surveys.models.SurveyRelease` record per part with who, when, how and why. The
release page, ``ikoe release`` and the demo loader all go through it. A joint survey of several
Länder is released part by part, each by its Land's coordinator.

A survey is refused release while its tables need protecting again (other disclosure rules or an
older method, :func:`~ikoe.surveys.publication.needs_republishing`) or while the audit of its
disclosure control found under-protected cells. Withdrawing is always possible.

A new import under the name of an existing survey replaces that survey and starts unreleased;
:func:`remember_replaced` and :func:`continue_history` carry its history over (for each Land the
new survey covers as well) and record that the import ended a release.
"""

from __future__ import annotations

import getpass
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ikoe.accounts.models import Role, acting_account
from ikoe.accounts.scope import has_role
from ikoe.organisations.models import Organisation
from ikoe.surveys.models import Survey, SurveyPart, SurveyRelease
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


def coordinated_parts(user: Any, survey: Survey) -> list[SurveyPart]:
    """The parts of ``survey`` the user may release or withdraw: those of the Länder they
    coordinate (every part for the federal coordination and administrators)."""
    return [p for p in survey.parts_list if has_role(user, Role.COORDINATOR, land=p.land)]


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
    lands: Collection[Organisation] | None = None,
) -> SurveyRelease | None:
    """Release the survey's parts in ``lands`` (``released=True``) or withdraw their release,
    and record it; ``lands`` ``None`` means every part (the one part of a one-Land survey).

    ``user`` is the account that acts (``None`` for an operator on the command line, who is
    named by ``username``); ``channel`` is a :class:`SurveyRelease.Channel`. Writes one record
    per part that changed and returns the last one, or ``None`` when every part already was in
    that state (then nothing is written). Raises :class:`ReleaseRefused` when the survey may not
    be released. ``survey.published`` (every part released) is updated in place.
    """
    account = acting_account(user)
    if account is not None and not username:
        username = account.get_username()
    wanted = None if lands is None else {land.pk for land in lands}
    record = None
    with transaction.atomic():
        # The row is locked so that two coordinators pressing at once write one record.
        current = Survey.objects.select_for_update().get(pk=survey.pk)
        parts = list(current.parts.select_related("land").order_by("land__code"))
        if wanted is not None and not wanted <= {p.land_id for p in parts}:
            raise ValueError("the survey has no part in some of the given Länder")
        changing = [
            p for p in parts if (wanted is None or p.land_id in wanted) and p.published != released
        ]
        if changing and released and (reasons := release_refusals(current)):
            raise ReleaseRefused(reasons)
        for part in changing:
            part.published = released
            part.save(update_fields=["published"])
            record = SurveyRelease.objects.create(
                survey=current,
                survey_name=current.name,
                land=part.land,
                action=Action.RELEASE if released else Action.WITHDRAW,
                channel=channel,
                user=account,
                username=username,
                note=note.strip(),
            )
        whole = bool(parts) and all(p.published for p in parts)
        if current.published != whole:
            current.published = whole
            current.save(update_fields=["published"])
    survey.published = current.published
    survey.forget_parts()
    return record


def current_release(released: bool, records: Sequence[SurveyRelease]) -> SurveyRelease | None:
    """Of a survey's records (newest first, as scoped by the caller), the one that made the
    present state ``released`` of the parts they concern; ``None`` for a survey released before
    the history was kept."""
    latest = records[0] if records else None
    if latest is None or (latest.action == Action.RELEASE) != released:
        return None
    return latest


def ended_by_import(survey: Survey, records: Sequence[SurveyRelease]) -> bool:
    """Whether the import that created ``survey`` ended the release of the survey it replaced;
    ``records`` are the survey's records, newest first."""
    latest = current_release(survey.published, records)
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
    """What is kept of a survey that an import replaces: its Länder, which of their parts were
    released, and its history (record ids by Land)."""

    name: str
    land_ids: frozenset[int]
    released_land_ids: frozenset[int]
    records: dict[int | None, tuple[int, ...]]


def remember_replaced(name: str) -> Replaced | None:
    """Before an import deletes the survey called ``name``: what its successor takes over."""
    old = Survey.objects.filter(name=name).first()
    if old is None:
        return None
    records: dict[int | None, list[int]] = {}
    for pk, land_id in old.releases.values_list("pk", "land_id"):
        records.setdefault(land_id, []).append(pk)
    parts = list(old.parts.values_list("land_id", "published"))
    return Replaced(
        old.name,
        frozenset(land for land, _ in parts),
        frozenset(land for land, published in parts if published),
        {land: tuple(pks) for land, pks in records.items()},
    )


def continue_history(survey: Survey, replaced: Replaced | None, user: Any = None) -> None:
    """After the import created ``survey`` (unreleased) in place of ``replaced``.

    For each Land in both, the new survey takes over that part's history; where the old part was
    released, a withdrawal through the import is recorded, so the history says why it is no
    longer public. The history of a Land the new survey does not cover stays apart.
    """
    if replaced is None:
        return
    new_lands = set(survey.parts.values_list("land_id", flat=True))
    for land_id, pks in replaced.records.items():
        if land_id in new_lands:
            SurveyRelease.objects.filter(pk__in=pks).update(survey=survey)
    account = acting_account(user)
    for land_id in sorted(replaced.released_land_ids):
        SurveyRelease.objects.create(
            survey=survey if land_id in new_lands else None,
            survey_name=replaced.name,
            land_id=land_id,
            action=Action.WITHDRAW,
            channel=Channel.IMPORT,
            user=account,
            username=account.get_username() if account is not None else operator_name(),
        )
