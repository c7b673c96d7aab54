"""The permission map: one rule for every URL, enforced by :class:`PermissionMapMiddleware`.

Every URL pattern has a name; :data:`PERMISSIONS` maps each name (with its namespace, as
``reverse()`` writes it) to a rule. A key ending in ``:*`` covers every name in that namespace
and its unnamed patterns; an exact name wins. A URL whose name has no rule is refused with 403
(the map fails closed) and ``tests/test_permission_map.py`` fails, so a new URL cannot ship
without a rule.

Register a new URL by adding one line here, e.g.::

    "surveys:overview": PUBLIC,
    "measures:measure-edit": ROLE(Role.EDITOR),

The rule decides who may reach the view at all. Which rows a user then sees is decided inside the
view by :mod:`ikoe.accounts.scope` (``visible_to``, ``get_object_for_user_or_404``).
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import ResolverMatch

from ikoe.accounts.models import Role
from ikoe.accounts.scope import has_role

logger = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Rule(ABC):
    """Decides whether a request may reach a view."""

    description = ""
    # Whether an anonymous user who is refused is sent to the login page (else 403).
    login_helps = True

    @abstractmethod
    def allows(self, request: HttpRequest) -> bool:
        """Whether the request may reach the view."""

    def __repr__(self) -> str:
        return self.description or type(self).__name__


class _Public(Rule):
    description = "PUBLIC"

    def allows(self, request: HttpRequest) -> bool:
        return True


class _PublicRead(Rule):
    description = "PUBLIC_READ"
    login_helps = False  # API clients get 403, not a login page

    def allows(self, request: HttpRequest) -> bool:
        return request.method in SAFE_METHODS or request.user.is_authenticated


class _Login(Rule):
    description = "LOGIN"

    def allows(self, request: HttpRequest) -> bool:
        return bool(request.user.is_authenticated and request.user.is_active)


class _Role(Rule):
    def __init__(self, role: Role) -> None:
        self.role = role
        self.description = f"ROLE({role.value})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Role) and other.role == self.role

    def __hash__(self) -> int:
        return hash(self.role)

    def allows(self, request: HttpRequest) -> bool:
        return has_role(request.user, self.role)


class _AdminSite(Rule):
    description = "ADMIN_SITE"

    def allows(self, request: HttpRequest) -> bool:
        return True  # the admin site admits active superusers only (ikoe.accounts.admin_site)


class _Deny(Rule):
    description = "DENY"
    login_helps = False

    def allows(self, request: HttpRequest) -> bool:
        return False


PUBLIC: Rule = _Public()
"""Anyone, also without an account. The view shows only released rows to the public."""
PUBLIC_READ: Rule = _PublicRead()
"""Anyone may read (GET, HEAD, OPTIONS); other methods need a login."""
LOGIN: Rule = _Login()
"""Any logged-in user; what they see is scoped in the view."""
ADMIN_SITE: Rule = _AdminSite()
"""Django's admin site, which admits active superusers only and sends others to its login."""
DENY: Rule = _Deny()
"""Nobody (a URL that exists but must not be reached)."""


def ROLE(role: Role | str) -> Rule:  # noqa: N802 - reads like the other rule constants
    """A logged-in user holding ``role`` (or a higher one) in at least one Land or nationwide."""
    return _Role(Role(role))


PERMISSIONS: dict[str, Rule] = {
    # Public pages
    "home": PUBLIC,
    "benchmarks:laendervergleich": PUBLIC,
    "set_language": PUBLIC,
    # Staff surveys: pages scope their rows (the public sees released surveys only)
    "surveys:list": PUBLIC,
    "surveys:overview": PUBLIC,
    "surveys:organisation": PUBLIC,
    "surveys:laendervergleich": PUBLIC,
    # LOGIN, not ROLE: the view answers 404 outside the data steward's Land, as for any
    # unreleased object of another Land.
    "surveys:diagnostics": LOGIN,
    # Release to the public: coordinators only (others get 403, or the login page); the view
    # answers 404 outside the coordinator's Land, whether or not the survey is released.
    "surveys:release": ROLE(Role.COORDINATOR),
    # Survey upload: the views check that the file's Land is one the user is data steward for
    "surveys:upload": ROLE(Role.DATA_STEWARD),
    "surveys:upload-mapping": ROLE(Role.DATA_STEWARD),
    # The sample survey file of the upload page: invented rows only, the format is public.
    "surveys:upload-sample": PUBLIC,
    # Accounts
    "login": PUBLIC,
    "logout": PUBLIC,
    "password_reset": PUBLIC,
    "password_reset_done": PUBLIC,
    "password_reset_confirm": PUBLIC,
    "password_reset_complete": PUBLIC,
    # Memberships: the views answer 404 for a Land the coordinator does not manage
    # (ikoe.accounts.scope.managed_lands: their own Land; every Land for the federal level).
    "accounts:member-lands": ROLE(Role.COORDINATOR),
    "accounts:member-list": ROLE(Role.COORDINATOR),
    "accounts:member-add": ROLE(Role.COORDINATOR),
    "accounts:member-change": ROLE(Role.COORDINATOR),
    "accounts:member-remove": ROLE(Role.COORDINATOR),
    # REST API: its help page is public, reading /api/v1/ too; every endpoint scopes its rows.
    # Barrier analysis: pages scope their rows (the public sees released selection data only)
    "barriers:list": PUBLIC,
    "barriers:overview": PUBLIC,
    "barriers:funnel": PUBLIC,
    "barriers:release": ROLE(Role.COORDINATOR),
    # Upload of selection data: the view lets only data stewards of a whole Land upload, and
    # only for their Länder (a member limited to an agency reads why, and is refused on POST).
    "barriers:upload": ROLE(Role.DATA_STEWARD),
    # The sample files of the upload page: invented counts only, the format is public.
    "barriers:upload-sample": PUBLIC,
    "barriers:upload-sample-applicants": PUBLIC,
    # Scenarios of the projection: a model calculation from what the reader types in, no data.
    "targets:scenarios": PUBLIC,
    # Targets and promotion plans are internal: the board and an organisation's page show
    # the rows of the reader's Land (or agency) and answer 404 for another Land; coordinators
    # of the Land set targets, editors of the organisation (or its Land) keep its plans.
    "targets:board": LOGIN,
    "targets:board-csv": LOGIN,
    "targets:board-xlsx": LOGIN,
    "targets:organisation": LOGIN,
    "targets:set": ROLE(Role.COORDINATOR),
    "targets:remove": ROLE(Role.COORDINATOR),
    "targets:bulk": ROLE(Role.COORDINATOR),
    "targets:plan-add": ROLE(Role.EDITOR),
    "targets:plan-edit": ROLE(Role.EDITOR),
    # Anchoring register: laws and strategies are published texts, so reading is public; the
    # views let coordinators of a Land (or agency) add and change its provisions, the federal
    # coordination those of the federal level (403 otherwise; shipped rows are read-only).
    "measures:anchoring": PUBLIC,
    "measures:anchoring-land": PUBLIC,
    "measures:anchoring-comparison": PUBLIC,
    "measures:anchoring-export": PUBLIC,
    "measures:anchoring-export-xlsx": PUBLIC,
    "measures:anchoring-import": ROLE(Role.COORDINATOR),
    "measures:anchoring-add": ROLE(Role.COORDINATOR),
    "measures:anchoring-edit": ROLE(Role.COORDINATOR),
    # Exchange of practices: the search and its exports are public; they show published
    # records to everyone and, to members, the unpublished ones of their scope.
    "exchange:index": PUBLIC,
    "exchange:export": PUBLIC,
    # IKÖ-Check, filling in: what it is, the questionnaires and registering an outside
    # organisation are public; an assessment's pages answer 404 outside what the reader may see
    # (its own members; the Land and federal level once shared with them), and 403 to own
    # members without the editor role who try to change it.
    "assessment:index": PUBLIC,
    "assessment:questionnaire": PUBLIC,
    "assessment:register": PUBLIC,
    "assessment:start": ROLE(Role.EDITOR),
    "assessment:detail": LOGIN,
    "assessment:dimension": LOGIN,
    "assessment:evidence": LOGIN,
    "assessment:finish": ROLE(Role.EDITOR),
    "assessment:settings": ROLE(Role.EDITOR),
    # Only editors of the outside organisation itself (404 for anyone else).
    "assessment:members": ROLE(Role.EDITOR),
    # IKÖ-Check results: the views read the assessment through Assessment.objects.visible_to
    # (own members; finished and shared with the Land or the public; 404 otherwise).
    "assessment:results": PUBLIC,
    "assessment:plan": PUBLIC,
    "assessment:pdf": PUBLIC,
    "assessment:xlsx": PUBLIC,
    # The anonymised aggregate of a Land: its coordination and the federal level (404 for
    # another Land).
    "assessment:land": ROLE(Role.COORDINATOR),
    # Measures: internal to the Land; the views read through Measure.objects.visible_to (404
    # outside the reader's Land or agency subtree, 403 to readers without the editor role for
    # the measure's organisation).
    "measures:index": LOGIN,
    "measures:board": LOGIN,
    "measures:organisation": LOGIN,
    "measures:detail": LOGIN,
    "measures:add": ROLE(Role.EDITOR),
    "measures:edit": ROLE(Role.EDITOR),
    "measures:delete": ROLE(Role.EDITOR),
    "measures:milestone": ROLE(Role.EDITOR),
    # Trainings and funding programmes (measures): members read their Land's rows (an
    # agency-limited member those of the agency's subtree; 404 for another Land); editors of
    # the organisation create and change them (403 for a row they see but may not change).
    # Import and export of a Land's registries: members export the rows they see; editors
    # import, and the import refuses organisations the reader may not change.
    "measures:transfer": LOGIN,
    "measures:export": LOGIN,
    "measures:trainings": LOGIN,
    "measures:training-offer": ROLE(Role.EDITOR),
    "measures:training-record": ROLE(Role.EDITOR),
    "measures:funding": LOGIN,
    "measures:funding-programme": LOGIN,
    "measures:funding-add": ROLE(Role.EDITOR),
    "measures:funding-edit": ROLE(Role.EDITOR),
    "measures:funding-check": ROLE(Role.EDITOR),
    # Programme consultations (exchange, docs/exchange.md): the federal level creates, changes
    # and opens them; the views answer 404 to members limited to an agency or an outside
    # organisation, for drafts outside the federal level and for the synthesis before the
    # deadline, and 403 to a Land-wide member who is not the Land's coordinator on the answer.
    "exchange:consultations": LOGIN,
    "exchange:consultation-detail": LOGIN,
    "exchange:consultation-add": ROLE(Role.FEDERAL_COORDINATOR),
    "exchange:consultation-edit": ROLE(Role.FEDERAL_COORDINATOR),
    "exchange:consultation-questions": ROLE(Role.FEDERAL_COORDINATOR),
    "exchange:consultation-open": ROLE(Role.FEDERAL_COORDINATOR),
    "exchange:consultation-answer": ROLE(Role.COORDINATOR),
    "exchange:consultation-synthesis": LOGIN,
    "exchange:consultation-export": LOGIN,
    "exchange:consultation-export-xlsx": LOGIN,
    # Exchange of practices (ikoe.exchange.practice_views): a published practice and its
    # attachments are public (its contact details for signed-in users only); the others answer
    # 404 outside the scope of their Land (agency-limited members: their subtree's). The views
    # check who may change or review (ikoe.exchange.workflow; 403 for a practice the reader
    # sees but may not change). Comments need a login; versions are internal to the Land.
    "exchange:practice-detail": PUBLIC,
    "exchange:practice-add": ROLE(Role.EDITOR),
    "exchange:practice-edit": ROLE(Role.EDITOR),
    "exchange:practice-action": LOGIN,
    "exchange:practice-versions": LOGIN,
    "exchange:practice-version": LOGIN,
    "exchange:practice-attachment": PUBLIC,
    "exchange:practice-attachment-add": ROLE(Role.EDITOR),
    "exchange:practice-attachment-delete": ROLE(Role.EDITOR),
    "exchange:practice-delete": ROLE(Role.EDITOR),
    "exchange:review": LOGIN,
    "exchange:compare": PUBLIC,
    "api-help": PUBLIC,
    "methodology": PUBLIC,
    "api-1.0.0:*": PUBLIC_READ,
    # Django admin
    "admin:*": ADMIN_SITE,
}


def url_key(match: ResolverMatch | None) -> str | None:
    """The key a resolved URL is looked up by: its namespaced name.

    An unnamed pattern inside a namespace (the admin has a few) gets ``"namespace:"``, which only
    a ``"namespace:*"`` rule covers; an unnamed pattern outside any namespace has no key.
    """
    if match is None or not (match.url_name or match.namespaces):
        return None
    return ":".join([*match.namespaces, match.url_name or ""])


def rule_for(name: str | None) -> Rule | None:
    """The rule for a namespaced URL name, or ``None`` when the map has none."""
    if not name:
        return None
    if name in PERMISSIONS:
        return PERMISSIONS[name]
    namespace, sep, _last = name.rpartition(":")
    while sep:
        rule = PERMISSIONS.get(f"{namespace}:*")
        if rule is not None:
            return rule
        namespace, sep, _last = namespace.rpartition(":")
    return None


class PermissionMapMiddleware:
    """Applies the rule of the resolved URL before its view runs.

    Anonymous users are sent to the login page when logging in could help; others get 403.
    A URL without a rule gets 403 for everyone.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponse],
        view_args: object,
        view_kwargs: object,
    ) -> HttpResponse | None:
        key = url_key(request.resolver_match)
        rule = rule_for(key)
        if rule is None:
            logger.warning("No permission rule for URL %s (%s); refused.", request.path, key)
            raise PermissionDenied
        if rule.allows(request):
            return None
        if rule.login_helps and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise PermissionDenied
