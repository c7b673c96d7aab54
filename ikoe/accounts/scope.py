"""Scope: which rows a user may see or change. Every query for Land data goes through here.

A user's memberships become *grants*: a role rank and a reach, which is nationwide (federal
coordinators, administrators, superusers), one Land, or one agency with everything below it.

Roles are ordered; a higher role includes every lower one within its reach::

    viewer < editor < data_steward < coordinator < federal_coordinator < administrator

The last two always reach every Land. Reading works like this:

- everyone, also the public, sees rows that a coordinator released (the ``published_field``);
- a member of a Land sees that Land's rows;
- an agency-scoped member sees rows of their agency and of the units below it – not the Land's
  own rows that belong to no agency, since Land-wide aggregates contain other agencies' staff;
  rows that belong to a Land only (a model without ``agency_field``, such as a survey itself) are
  read through the Land, and their figures are narrowed by :func:`ikoe.surveys.scope.survey_reach`;
- federal coordinators and administrators see everything;
- a member limited to an organisation outside the administration (an association, a company,
  an institution that takes the IKÖ-Check) reaches nothing of the Land's data
  (:func:`land_grants` leaves such grants out); the IKÖ-Check reads them for the organisation's
  own checks.

Changing (``role=`` given) needs that role within reach; released rows grant nothing, and an
agency-scoped member cannot change the Land's own rows.

The figures of one survey (its protected cells, the pages built from them, the API) are read
through :func:`ikoe.surveys.scope.survey_reach` and :func:`ikoe.surveys.scope.visible_cells`: the whole survey for members of its Land,
the federal level and – once released – everyone; for an agency-scoped member of an unreleased
survey only the cells of their agency's subtree.

Use it in one of three ways:

- a model's queryset: ``objects = ScopedQuerySet.as_manager()`` (subclass it to name the fields),
  then ``Model.objects.visible_to(user)`` or ``.visible_to(user, role=Role.EDITOR)``;
- any queryset: ``scope_queryset(qs, user, land_field="survey__land", agency_field=...)``;
- one object: ``get_object_for_user_or_404(Model, user, pk=...)`` – 404 also when the object
  exists but is out of scope, so other Länder learn nothing about it.

A queryset whose model has no scope rule raises ``ImproperlyConfigured``: it never falls open.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.exceptions import ImproperlyConfigured, ObjectDoesNotExist
from django.db import models
from django.db.models import Q, QuerySet
from django.http import Http404

from ikoe.accounts.models import NATIONWIDE_ROLES, Membership, Role
from ikoe.organisations.models import Organisation
from ikoe.organisations.services import subtree_ids

M = TypeVar("M", bound=models.Model)

ROLE_ORDER: tuple[Role, ...] = (
    Role.VIEWER,
    Role.EDITOR,
    Role.DATA_STEWARD,
    Role.COORDINATOR,
    Role.FEDERAL_COORDINATOR,
    Role.ADMINISTRATOR,
)
RANK: dict[str, int] = {role.value: i + 1 for i, role in enumerate(ROLE_ORDER)}

_CACHE_ATTR = "_ikoe_grants"


@dataclass(frozen=True)
class Grant:
    """One membership, resolved: ``land_id`` ``None`` means nationwide."""

    rank: int
    land_id: int | None = None
    agency_id: int | None = None
    subtree: frozenset[int] = frozenset()  # the agency and every organisation below it
    # Limited to an organisation outside the administration (an association, a company, an
    # institution that takes the IKÖ-Check): it reaches that organisation and nothing of the
    # Land's own data, not even the rows that belong to the Land as a whole.
    outside: bool = False

    @property
    def nationwide(self) -> bool:
        return self.land_id is None

    def covers(self, land_id: int | None, organisation_id: int | None) -> bool:
        """Whether this grant reaches the Land, or the organisation in it (``None``: Land-wide)."""
        if self.nationwide:
            return True
        if land_id != self.land_id:
            return False
        if self.agency_id is None:
            return True
        return organisation_id is not None and organisation_id in self.subtree


def grants(user: Any) -> tuple[Grant, ...]:
    """The user's grants, read once per user object (a request's ``request.user``)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return ()
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    found: list[Grant] = []
    if user.is_superuser:
        found.append(Grant(RANK[Role.ADMINISTRATOR]))
    for m in Membership.objects.filter(user=user).select_related("agency").order_by("pk"):
        rank = RANK[m.role]
        if m.role in NATIONWIDE_ROLES:
            found.append(Grant(rank))
        elif m.land_id is None:
            continue  # an incomplete membership grants nothing
        elif m.agency_id is None:
            found.append(Grant(rank, m.land_id))
        else:
            subtree = frozenset(subtree_ids([m.agency_id]))
            outside = m.agency is not None and m.agency.kind in Organisation.OUTSIDE_KINDS
            found.append(Grant(rank, m.land_id, m.agency_id, subtree, outside))
    result = tuple(found)
    setattr(user, _CACHE_ATTR, result)
    return result


def forget_grants(user: Any) -> None:
    """Drop the cached grants, e.g. after changing the user's memberships in a test."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def _id(value: Organisation | int | None) -> int | None:
    if value is None or isinstance(value, int):
        return value
    return value.pk


def is_nationwide(user: Any) -> bool:
    return any(g.nationwide for g in grants(user))


def has_role(
    user: Any,
    role: Role | str,
    land: Organisation | int | None = None,
    agency: Organisation | None = None,
) -> bool:
    """Whether the user holds ``role`` (or a higher one) …

    - with neither ``land`` nor ``agency``: anywhere (to decide whether to show a menu);
    - with ``land``: for the whole Land;
    - with ``agency`` (any organisation): for that organisation, through the whole Land or
      through an agency membership at or above it.
    """
    need = RANK[Role(role)]
    land_id = _id(land)
    if agency is not None and land_id is None:
        land_id = agency.land_id
    for g in grants(user):
        if g.rank < need:
            continue
        if land_id is None and agency is None:
            return True
        if g.covers(land_id, agency.pk if agency is not None else None):
            return True
    return False


def land_grants(user: Any) -> tuple[Grant, ...]:
    """The grants of the user that reach the Land administration's data: all but those limited
    to an organisation outside the administration."""
    return tuple(g for g in grants(user) if not g.outside)


def visible_lands(user: Any, role: Role | str | None = None) -> QuerySet[Organisation]:
    """The Länder whose unreleased rows the user may see (or change with ``role``)."""
    lands = Organisation.objects.filter(kind=Organisation.Kind.LAND)
    relevant = [g for g in land_grants(user) if g.rank >= RANK[Role(role or Role.VIEWER)]]
    if any(g.nationwide for g in relevant):
        return lands
    return lands.filter(pk__in={g.land_id for g in relevant})


def scope_queryset(
    qs: QuerySet[M],
    user: Any,
    *,
    land_field: str = "land",
    agency_field: str | None = None,
    published_field: str | None = None,
    role: Role | str | None = None,
) -> QuerySet[M]:
    """Narrow ``qs`` to the rows the user may read, or change when ``role`` is given.

    ``land_field`` is the path to the row's Land (a foreign key to a Land organisation),
    ``agency_field`` the path to its agency or unit (``None`` when rows belong to a Land only),
    ``published_field`` a boolean path that marks rows a coordinator released to the public.
    """
    reading = role is None
    need = RANK[Role(role or Role.VIEWER)]
    relevant = [g for g in land_grants(user) if g.rank >= need]
    if any(g.nationwide for g in relevant):
        return qs
    allowed = Q(pk__in=[])
    if reading and published_field:
        allowed |= Q(**{published_field: True})
    land_wide = {g.land_id for g in relevant if g.agency_id is None}
    if land_wide:
        allowed |= Q(**{f"{land_field}__in": land_wide})
    for g in relevant:
        if g.agency_id is None or g.land_id in land_wide:
            continue
        if agency_field is None:
            if reading:
                allowed |= Q(**{land_field: g.land_id})
            continue
        allowed |= Q(**{land_field: g.land_id, f"{agency_field}__in": g.subtree})
    return qs.filter(allowed)


def visible_organisations(
    user: Any, role: Role | str | None = None, qs: QuerySet[Organisation] | None = None
) -> QuerySet[Organisation]:
    """Organisations the user may see: the Länder for everyone, and the tree below them in scope.

    An agency-scoped member also sees the ministry above their agency (to name it); with
    ``role`` (changing) only their agency's subtree, and Länder only for Land-wide roles.
    """
    qs = Organisation.objects.all() if qs is None else qs
    reading = role is None
    need = RANK[Role(role or Role.VIEWER)]
    relevant = [g for g in grants(user) if g.rank >= need]
    if any(g.nationwide for g in relevant):
        return qs
    allowed = Q(kind=Organisation.Kind.LAND) if reading else Q(pk__in=[])
    land_wide = {g.land_id for g in relevant if g.agency_id is None}
    if land_wide:
        allowed |= Q(land__in=land_wide)
    ids: set[int] = set()
    for g in relevant:
        if g.agency_id is not None and g.land_id not in land_wide:
            ids |= g.subtree
            if reading:
                agency = Organisation.objects.get(pk=g.agency_id)
                ids |= {a.pk for a in agency.ancestors()}
    if ids:
        allowed |= Q(pk__in=ids)
    return qs.filter(allowed)


def manages_members(user: Any) -> bool:
    """Whether the user manages the memberships of at least one Land (see :func:`managed_lands`)."""
    return any(g.rank >= RANK[Role.COORDINATOR] and g.agency_id is None for g in grants(user))


def managed_lands(user: Any) -> QuerySet[Organisation]:
    """The Länder whose memberships the user manages: coordinators of a whole Land manage theirs,
    federal coordinators and administrators every Land."""
    relevant = [g for g in grants(user) if g.rank >= RANK[Role.COORDINATOR] and g.agency_id is None]
    lands = Organisation.objects.filter(kind=Organisation.Kind.LAND)
    if any(g.nationwide for g in relevant):
        return lands
    return lands.filter(pk__in={g.land_id for g in relevant})


# Models whose scope is not declared on their own queryset (organisations sit below accounts,
# so their model cannot use ScopedQuerySet).
SCOPE_RULES: dict[type[models.Model], Callable[..., QuerySet[Any]]] = {
    Organisation: lambda qs, user, role=None: visible_organisations(user, role, qs),
}


class ScopedQuerySet(QuerySet[M]):
    """A queryset that knows where its rows' Land, agency and release flag are.

    Subclass it and set the field paths, then use ``as_manager()``::

        class SurveyQuerySet(ScopedQuerySet):
            land_field = "land"
            agency_field = "agency"
            published_field = "published"

        class Survey(models.Model):
            objects = SurveyQuerySet.as_manager()
    """

    land_field: str = "land"
    agency_field: str | None = None
    published_field: str | None = None

    def visible_to(self, user: Any, role: Role | str | None = None) -> QuerySet[M]:
        return scope_queryset(
            self,
            user,
            land_field=self.land_field,
            agency_field=self.agency_field,
            published_field=self.published_field,
            role=role,
        )


def visible(qs: QuerySet[M] | type[M], user: Any, role: Role | str | None = None) -> QuerySet[M]:
    """The rows of ``qs`` (or of a model) in the user's scope, by the model's own scope rule."""
    if isinstance(qs, type):
        qs = qs._default_manager.all()
    if hasattr(qs, "visible_to"):
        return qs.visible_to(user, role)
    rule = SCOPE_RULES.get(qs.model)
    if rule is None:
        raise ImproperlyConfigured(
            f"{qs.model.__name__} has no scope rule: give it a ScopedQuerySet or add it to "
            "ikoe.accounts.scope.SCOPE_RULES."
        )
    return rule(qs, user, role=role)


def get_object_for_user_or_404(
    klass: QuerySet[M] | type[M],
    user: Any,
    *args: Any,
    role: Role | str | None = None,
    **lookup: Any,
) -> M:
    """One object in the user's scope, or 404 – also when it exists out of scope.

    Like Django's ``get_object_or_404``; pass ``Q(role=...)`` positionally to look up a field
    that is itself called ``role``.
    """
    qs = visible(klass, user, role)
    try:
        return qs.get(*args, **lookup)
    except ObjectDoesNotExist as exc:
        raise Http404(f"No {qs.model._meta.object_name} matches the query in your scope.") from exc
