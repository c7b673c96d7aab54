"""Memberships: who may do what, in which Land and agency."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    VIEWER = "viewer", _("Viewer")
    EDITOR = "editor", _("Editor")
    DATA_STEWARD = "data_steward", _("Data steward")
    COORDINATOR = "coordinator", _("Coordinator (Land)")
    FEDERAL_COORDINATOR = "federal_coordinator", _("Federal coordinator")
    ADMINISTRATOR = "administrator", _("Administrator")


# Roles that see every Land, not only their own.
NATIONWIDE_ROLES = frozenset({Role.FEDERAL_COORDINATOR, Role.ADMINISTRATOR})


class Membership(models.Model):
    """A user's role in a Land, optionally narrowed to one agency."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    land = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("Land"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="land_memberships",
        limit_choices_to={"kind": "land"},
        help_text=_("Empty only for federal coordinators and administrators."),
    )
    agency = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="agency_memberships",
        help_text=_("Empty: the whole Land."),
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "land", "agency", "role"], name="unique_membership"
            )
        ]

    def __str__(self) -> str:
        where = self.agency or self.land or _("all Länder")
        return f"{self.user} – {self.get_role_display()} – {where}"

    def clean(self) -> None:
        if self.role in NATIONWIDE_ROLES:
            if self.land_id is not None or self.agency_id is not None:
                raise ValidationError(
                    _(
                        "Federal coordinators and administrators work nationwide; leave Land and agency empty."
                    )
                )
            return
        if self.land is None:
            raise ValidationError({"land": _("This role needs a Land.")})
        if self.land.kind != "land":
            raise ValidationError({"land": _("Choose an organisation of kind Land.")})
        if self.agency is not None and self.agency.kind not in self.agency.MEMBER_KINDS:
            raise ValidationError(
                {"agency": _("Choose an agency or an organisation outside the administration.")}
            )
        if self.agency is not None and self.agency.land_id != self.land_id:
            raise ValidationError({"agency": _("The agency must belong to the chosen Land.")})
        if self.agency is not None and self.role == Role.COORDINATOR:
            raise ValidationError(
                {"agency": _("A coordinator works for the whole Land; leave the agency empty.")}
            )


def acting_account(user: Any) -> Any:
    """The signed-in account of ``user``, or ``None`` (an anonymous visitor, or an operator on
    the command line who is named by a user name instead): what records of who did something
    point to."""
    return user if getattr(user, "is_authenticated", False) else None
