"""What of one survey a user may read: the whole survey, or the subtrees of some agencies.

Built on the general scope rules of :mod:`ikoe.accounts.scope`: a released survey is whole for
everyone; members of its Land and nationwide roles reach the whole survey; agency-limited
members reach their agencies and the units below them, and no figure of the Land or a
ministry as a whole (those hold other agencies' staff).

A joint survey of several Länder is read part by part: members of one of its Länder reach that
Land's part, everyone reaches the parts their Länder released, and the figures across the
Länder (cells with ``land`` ``_T``) only those who reach the whole survey: nationwide roles,
and everyone once every part is released.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from ikoe.accounts.models import Role
from ikoe.accounts.scope import RANK, land_grants
from ikoe.organisations.models import Organisation
from ikoe.surveys.models import IndicatorCell, Survey


@dataclass(frozen=True)
class Reach:
    """What of one survey a user may read: the whole survey, or parts of it.

    ``lands`` are the codes of the Länder whose whole part is in reach (a Land's own part of a
    joint survey, or a part its Land released); ``agencies`` are the agencies of a limited reach
    (their pages are the ones the member may open), ``codes`` the codes of these agencies and of
    every unit below them. Figures across the Länder of a joint survey need the whole survey.
    """

    whole: bool
    agencies: tuple[Organisation, ...] = ()
    codes: frozenset[str] = frozenset()
    lands: frozenset[str] = frozenset()

    def covers(self, organisation: Organisation) -> bool:
        """Whether the figures of ``organisation`` (and everything below it) are in reach."""
        if self.whole or organisation.code in self.codes:
            return True
        land = organisation if organisation.kind == Organisation.Kind.LAND else organisation.land
        return land is not None and land.code in self.lands

    def cells(self, qs: QuerySet[IndicatorCell]) -> QuerySet[IndicatorCell]:
        """The cells of ``qs`` in reach: for a limited reach, those of the Länder in reach and
        those whose agency or unit lies in one of the agencies' subtrees. Cells of a Land or a
        ministry as a whole, and of respondents counted directly at a ministry, contain staff of
        other agencies; cells across Länder (``land`` ``_T``) contain every Land's staff."""
        if self.whole:
            return qs
        return qs.filter(
            Q(dims__land__in=sorted(self.lands))
            | Q(dims__agency__in=sorted(self.codes))
            | Q(dims__unit__in=sorted(self.codes))
        )


WHOLE = Reach(whole=True)


def survey_reach(user: Any, survey: Survey, role: Role | str | None = None) -> Reach | None:
    """What of ``survey`` the user may read (with ``role``: read as that role), or ``None``.

    A part its Land released is in everyone's reach when reading, a survey whose every part is
    released is whole; with ``role`` (e.g. the diagnostics, for data stewards) release grants
    nothing. Members of a Land reach its part; nationwide roles, and members of every Land of
    the survey, the whole survey; agency-scoped members only their agencies' subtrees.
    """
    parts = survey.parts_list
    if role is None and parts and all(p.published for p in parts):
        return WHOLE
    need = RANK[Role(role or Role.VIEWER)]
    survey_lands = {p.land_id: p.land for p in parts}
    relevant = [
        g
        for g in land_grants(user)
        if g.rank >= need and (g.nationwide or g.land_id in survey_lands)
    ]
    if any(g.nationwide for g in relevant):
        return WHOLE
    lands = {g.land_id for g in relevant if g.agency_id is None and g.land_id is not None}
    if role is None:
        lands |= {p.land_id for p in parts if p.published}
    if survey_lands and lands >= set(survey_lands):
        return WHOLE
    ids: set[int] = set()
    agency_ids: set[int] = set()
    for g in relevant:
        if g.agency_id is not None and g.land_id not in lands:
            ids |= g.subtree
            agency_ids.add(g.agency_id)
    if not lands and not ids:
        return None
    orgs = list(Organisation.objects.filter(pk__in=ids).order_by("name"))
    return Reach(
        whole=False,
        agencies=tuple(o for o in orgs if o.pk in agency_ids),
        codes=frozenset(o.code for o in orgs),
        lands=frozenset(survey_lands[pk].code for pk in lands),
    )


def visible_cells(user: Any, survey: Survey) -> QuerySet[IndicatorCell]:
    """The protected cells of ``survey`` the user may read (none when the survey is out of scope)."""
    reach = survey_reach(user, survey)
    cells = IndicatorCell.objects.filter(survey=survey)
    return cells.none() if reach is None else reach.cells(cells)
