"""Who may do what with a practice, and its review (docs/exchange.md, "Review").

The states and their steps::

    draft ──submit──▶ submitted ──review──▶ reviewed ──publish──▶ published
      ▲                  │  └────────publish──────────────────────▲     │
      │                  └──return──▶ returned ◀──return── reviewed     │
      └── (edit) ── returned ──submit──▶ submitted        returned ◀──unpublish

- The editors of the submitting organisation (editor or higher of it, of an agency above it or
  of its Land) submit a draft or a returned practice; for a practice of the federal level the
  federal coordination does.
- The coordination of the practice's Land checks the content (``review``), publishes (from
  submitted or reviewed), sends back with a reason (``return``) or withdraws a publication with a
  reason (``unpublish``). The federal coordination reviews the practices of the federal level;
  as everywhere on the platform a higher nationwide role includes the lower one, so it (and the
  administrators) may also act for a Land.
- Whoever sees the practice through the scope of its Land (not only because it is published)
  may comment at any time.

Every step is kept as a :class:`~ikoe.exchange.models.ReviewEvent` and saved through
:func:`ikoe.exchange.services.save_practice`, so that versions and the index stay right.
Practices shipped with the platform are read-only: no edit, no step, no attachment.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ikoe.accounts.models import Role
from ikoe.accounts.scope import RANK, land_grants, scope_queryset
from ikoe.exchange import services
from ikoe.exchange.models import Practice, ReviewEvent
from ikoe.organisations.models import Organisation

State = Practice.State
Action = ReviewEvent.Action

EDITABLE_BY_SUBMITTER = (State.DRAFT, State.RETURNED)
IN_REVIEW = (State.SUBMITTED, State.REVIEWED)


class WorkflowError(Exception):
    """A step that is refused; ``person`` says whether the user may not take it at all (the
    pages answer 403) rather than not now (wrong state, missing reason)."""

    def __init__(self, message: str, *, person: bool = False) -> None:
        super().__init__(message)
        self.person = person


# --- who --------------------------------------------------------------------------------------


def edits_organisation(user: Any, organisation: Organisation | None) -> bool:
    """Whether the user is editor (or higher) of ``organisation``: of its Land, of an agency at or
    above it, or nationwide. ``None`` (the federal level) needs the federal coordination."""
    if organisation is None:
        return any(
            g.nationwide and g.rank >= RANK[Role.FEDERAL_COORDINATOR] for g in land_grants(user)
        )
    need = RANK[Role.EDITOR]
    return any(
        g.rank >= need and g.covers(organisation.land_id, organisation.pk)
        for g in land_grants(user)
    )


def is_reviewer(user: Any, practice: Practice) -> bool:
    """Whether the user reviews the practice: coordinator of its whole Land; the federal
    coordination for the federal level (and, holding a higher role, for every Land)."""
    if practice.land_id is None:
        need = RANK[Role.FEDERAL_COORDINATOR]
        return any(g.nationwide and g.rank >= need for g in land_grants(user))
    need = RANK[Role.COORDINATOR]
    return any(
        g.rank >= need and g.agency_id is None and g.covers(practice.land_id, None)
        for g in land_grants(user)
    )


def is_submitter(user: Any, practice: Practice) -> bool:
    """Whether the user edits for the submitting organisation (see :func:`edits_organisation`)."""
    if practice.land_id is None:
        return edits_organisation(user, None)
    if practice.organisation is None:
        return is_reviewer(user, practice)
    return edits_organisation(user, practice.organisation)


def in_scope(user: Any, practice: Practice) -> bool:
    """Whether the user sees the practice through its Land, whether or not it is published."""
    qs = scope_queryset(
        Practice.objects.filter(pk=practice.pk),
        user,
        land_field="land",
        agency_field="organisation",
        published_field=None,
    )
    return qs.exists()


def may_see(user: Any, practice: Practice) -> bool:
    return practice.published or in_scope(user, practice)


def may_edit(user: Any, practice: Practice) -> bool:
    """Submitting editors in draft or returned; the reviewers in every state; nobody for a
    shipped practice."""
    if practice.shipped:
        return False
    if practice.state in EDITABLE_BY_SUBMITTER and is_submitter(user, practice):
        return True
    return is_reviewer(user, practice)


def may_delete(user: Any, practice: Practice) -> bool:
    """Only drafts (never submitted) are deleted, by those who may edit them."""
    return practice.state == State.DRAFT and may_edit(user, practice)


def may_comment(user: Any, practice: Practice) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and in_scope(user, practice)


def actions_for(user: Any, practice: Practice) -> list[str]:
    """The steps the user may take now, in the order the page offers them."""
    found: list[str] = []
    if not practice.shipped:
        if practice.state in EDITABLE_BY_SUBMITTER and is_submitter(user, practice):
            found.append(Action.SUBMIT)
        if is_reviewer(user, practice):
            if practice.state == State.SUBMITTED:
                found.append(Action.REVIEW)
            if practice.state in IN_REVIEW:
                found += [Action.PUBLISH, Action.RETURN]
            if practice.state == State.PUBLISHED:
                found.append(Action.UNPUBLISH)
    if may_comment(user, practice):
        found.append(Action.COMMENT)
    return found


# --- the steps --------------------------------------------------------------------------------


def _check(practice: Practice, allowed_states: tuple[str, ...], step: str) -> None:
    if practice.shipped:
        raise WorkflowError(
            _("This practice was shipped with the platform and cannot be changed."), person=True
        )
    if practice.state not in allowed_states:
        raise WorkflowError(
            _("The practice is “%(state)s”; it cannot be %(step)s now.")
            % {"state": practice.get_state_display(), "step": step}
        )


def _reason(text: str, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise WorkflowError(_("Give a reason to %(what)s.") % {"what": what})
    return text


@transaction.atomic
def _step(
    practice: Practice, user: Any, action: str, new_state: str | None, text: str = ""
) -> ReviewEvent:
    if new_state is not None:
        practice.state = new_state
        services.save_practice(practice, user, note=str(Action(action).label))
    return ReviewEvent.objects.create(
        practice=practice,
        action=action,
        text=text,
        author=user if getattr(user, "is_authenticated", False) else None,
    )


def submit(practice: Practice, user: Any, text: str = "") -> ReviewEvent:
    """Hand a draft (or a practice sent back) to the coordination for review."""
    _check(practice, EDITABLE_BY_SUBMITTER, _("submitted"))
    if not is_submitter(user, practice):
        raise WorkflowError(
            _("Only editors of the submitting organisation submit the practice."), person=True
        )
    practice.submitted_by = user
    return _step(practice, user, Action.SUBMIT, State.SUBMITTED, (text or "").strip())


def _reviewer(practice: Practice, user: Any) -> None:
    if not is_reviewer(user, practice):
        if practice.land_id is None:
            message = _("The federal coordination reviews the practices of the federal level.")
        else:
            message = _("The coordination of the practice's Land reviews it.")
        raise WorkflowError(message, person=True)


def review(practice: Practice, user: Any, text: str = "") -> ReviewEvent:
    """Mark the content as checked (the first stage of the validation)."""
    _check(practice, (State.SUBMITTED,), _("marked as reviewed"))
    _reviewer(practice, user)
    return _step(practice, user, Action.REVIEW, State.REVIEWED, (text or "").strip())


def publish(practice: Practice, user: Any, text: str = "") -> ReviewEvent:
    """Publish a submitted or reviewed practice: from now on everyone reads it."""
    _check(practice, IN_REVIEW, _("published"))
    _reviewer(practice, user)
    practice.published_at = timezone.now()
    return _step(practice, user, Action.PUBLISH, State.PUBLISHED, (text or "").strip())


def send_back(practice: Practice, user: Any, text: str) -> ReviewEvent:
    """Send a submitted or reviewed practice back to its organisation, with a reason."""
    _check(practice, IN_REVIEW, _("sent back"))
    _reviewer(practice, user)
    reason = _reason(text, _("send the practice back"))
    return _step(practice, user, Action.RETURN, State.RETURNED, reason)


def unpublish(practice: Practice, user: Any, text: str) -> ReviewEvent:
    """Withdraw the publication, with a reason: the practice goes back to its organisation."""
    _check(practice, (State.PUBLISHED,), _("withdrawn"))
    _reviewer(practice, user)
    reason = _reason(text, _("withdraw the publication"))
    practice.published_at = None
    return _step(practice, user, Action.UNPUBLISH, State.RETURNED, reason)


def comment(practice: Practice, user: Any, text: str) -> ReviewEvent:
    """A comment on the practice, in any state, by whoever sees it through its Land."""
    if not may_comment(user, practice):
        raise WorkflowError(
            _("Only members who see the practice through its Land comment on it."), person=True
        )
    body = (text or "").strip()
    if not body:
        raise WorkflowError(_("Write the comment first."))
    return _step(practice, user, Action.COMMENT, None, body)


STEPS = {
    Action.SUBMIT: submit,
    Action.REVIEW: review,
    Action.PUBLISH: publish,
    Action.RETURN: send_back,
    Action.UNPUBLISH: unpublish,
    Action.COMMENT: comment,
}
"""Each step by its action code (the value of the review form's button)."""


def take(practice: Practice, user: Any, action: str, text: str = "") -> ReviewEvent:
    """Take the step ``action`` (one of :data:`STEPS`)."""
    step = STEPS.get(action)  # type: ignore[call-overload]
    if step is None:
        raise WorkflowError(_("Unknown step."))
    return step(practice, user, text)
