"""What of one survey a user may read: the whole survey, or the subtrees of some agencies.

Built on the general scope rules of :mod:`ikoe.accounts.scope`: a released survey is whole for
everyone; members of its Land and nationwide roles reach the whole survey; agency-limited
members reach their agencies and the units below them, and no figure of the Land or a
ministry as a whole (those hold other agencies' staff).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from ikoe.accounts.models import Role
from ikoe.accounts.scope import RANK, grants
from ikoe.organisations.models import Organisation
from ikoe.surveys.models import IndicatorCell, Survey


@dataclass(frozen=True)
class Reach:
    """What of one survey a user may read: the whole survey, or the subtrees of some agencies.

    ``agencies`` are the agencies of a limited reach (their pages are the ones the member may
    open), ``codes`` the codes of these agencies and of every unit below them.
    """

    whole: bool
    agencies: tuple[Organisation, ...] = ()
    codes: frozenset[str] = frozenset()

    def covers(self, organisation: Organisation) -> bool:
        """Whether the figures of ``organisation`` (and everything below it) are in reach."""
        return self.whole or organisation.code in self.codes

    def cells(self, qs: QuerySet[IndicatorCell]) -> QuerySet[IndicatorCell]:
        """The cells of ``qs`` in reach: for a limited reach, those whose agency or unit lies in
        one of the agencies' subtrees. Cells of the Land or a ministry as a whole, and of
        respondents counted directly at a ministry, contain staff of other agencies."""
        if self.whole:
            return qs
        return qs.filter(Q(dims__agency__in=self.codes) | Q(dims__unit__in=self.codes))


WHOLE = Reach(whole=True)


def survey_reach(user: Any, survey: Survey, role: Role | str | None = None) -> Reach | None:
    """What of ``survey`` the user may read (with ``role``: read as that role), or ``None``.

    A released survey is whole for everyone when reading; with ``role`` (e.g. the diagnostics,
    for data stewards) release grants nothing. Members of the survey's Land and nationwide
    roles reach the whole survey; agency-scoped members only their agencies' subtrees.
    """
    if role is None and survey.published:
        return WHOLE
    need = RANK[Role(role or Role.VIEWER)]
    relevant = [
        g for g in grants(user) if g.rank >= need and (g.nationwide or g.land_id == survey.land_id)
    ]
    if not relevant:
        return None
    if any(g.agency_id is None for g in relevant):
        return WHOLE
    ids: set[int] = set()
    for g in relevant:
        ids |= g.subtree
    agency_ids = {g.agency_id for g in relevant}
    orgs = list(Organisation.objects.filter(pk__in=ids).order_by("name"))
    return Reach(
        whole=False,
        agencies=tuple(o for o in orgs if o.pk in agency_ids),
        codes=frozenset(o.code for o in orgs),
    )


def visible_cells(user: Any, survey: Survey) -> QuerySet[IndicatorCell]:
    """The protected cells of ``survey`` the user may read (none when the survey is out of scope)."""
    reach = survey_reach(user, survey)
    cells = IndicatorCell.objects.filter(survey=survey)
    return cells.none() if reach is None else reach.cells(cells)
