"""Forms with which coordinators manage the memberships of their Land.

The Land is never a field: it comes from the page, which answers 404 for a Land the user does not
manage. Roles go up to coordinator (nationwide roles are given by superusers in the Django admin),
agencies are chosen from the Land's own; a value outside these lists gets the same message
whether it exists elsewhere or not.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ikoe.accounts.models import Membership, Role
from ikoe.organisations.models import Organisation

# The roles a membership of one Land can have (the nationwide ones have no Land).
LAND_ROLES: tuple[Role, ...] = (Role.VIEWER, Role.EDITOR, Role.DATA_STEWARD, Role.COORDINATOR)


class MembershipForm(forms.Form):
    """Role and, optionally, the one agency of the Land the membership is limited to."""

    role = forms.ChoiceField(
        label=gettext_lazy("Role"),
        choices=[(role.value, role.label) for role in LAND_ROLES],
        error_messages={
            "invalid_choice": gettext_lazy(
                "Choose one of the roles in the list. Federal coordinators and administrators "
                "are appointed by the administrators of the platform."
            )
        },
    )
    agency = forms.ModelChoiceField(
        label=gettext_lazy("Limited to one agency"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=gettext_lazy("no – the whole Land"),
        help_text=gettext_lazy(
            "A member limited to an agency sees, before a survey is released, only the figures "
            "of that agency and its units."
        ),
    )

    def __init__(self, *args: Any, land: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.land = land
        agency = self.fields["agency"]
        assert isinstance(agency, forms.ModelChoiceField)
        agency.queryset = Organisation.objects.filter(
            land=land, kind__in=Organisation.MEMBER_KINDS
        ).order_by("name")
        # The same message for an agency of another Land and one that does not exist.
        agency.error_messages["invalid_choice"] = _(
            "Choose an agency of %(land)s from the list."
        ) % {"land": land.name.replace("%", "%%")}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("role") == Role.COORDINATOR and data.get("agency") is not None:
            self.add_error(
                "agency", _("A coordinator works for the whole Land; leave the agency empty.")
            )
        return data

    def duplicate(self, user: Any, exclude: int | None = None) -> bool:
        """Whether ``user`` has this membership already (``exclude``: the one being changed)."""
        same = Membership.objects.filter(
            user=user,
            land=self.land,
            agency=self.cleaned_data.get("agency"),
            role=self.cleaned_data.get("role"),
        )
        if exclude is not None:
            same = same.exclude(pk=exclude)
        return same.exists()


class AddMembershipForm(MembershipForm):
    """A membership for an existing account (found by user name or e-mail address) or for a new
    colleague, whose account is created from the e-mail address."""

    person = forms.CharField(
        label=gettext_lazy("User name or e-mail address"),
        max_length=254,
        help_text=gettext_lazy(
            "An existing account is found by its user name or e-mail address. For a new "
            "colleague, enter the e-mail address: the account is created and a link to choose "
            "a password is sent to that address."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    first_name = forms.CharField(
        label=gettext_lazy("First name"),
        max_length=150,
        required=False,
        help_text=gettext_lazy("Only for a new account."),
    )
    last_name = forms.CharField(
        label=gettext_lazy("Last name"),
        max_length=150,
        required=False,
        help_text=gettext_lazy("Only for a new account."),
    )

    field_order = ["person", "first_name", "last_name", "role", "agency"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user: Any = None  # the existing account, after validation
        self.new_email = ""  # the e-mail address of a new account, after validation

    def clean_person(self) -> str:
        value = self.cleaned_data["person"].strip()
        model = get_user_model()
        users = model.objects
        by_name = list(users.filter(username=value)[:1]) or list(
            users.filter(username__iexact=value)[:2]
        )
        if len(by_name) == 1:
            self.user = by_name[0]
            return value
        if "@" not in value:
            raise ValidationError(
                _(
                    "No account has this user name. To create an account for a new colleague, "
                    "enter their e-mail address."
                )
            )
        try:
            validate_email(value)
        except ValidationError:
            raise ValidationError(
                _("“%(value)s” is not an e-mail address such as name@example.de.")
                % {"value": value}
            ) from None
        by_email = list(users.filter(email__iexact=value)[:2])
        if len(by_email) > 1:
            raise ValidationError(
                _("Several accounts use this e-mail address; enter the user name instead.")
            )
        if by_email:
            self.user = by_email[0]
            return value
        # A new account: its user name is the e-mail address.
        try:
            model.username_validator(value.lower())
            if len(value) > (model._meta.get_field("username").max_length or 150):
                raise ValidationError("too long")
        except ValidationError:
            raise ValidationError(
                _(
                    "This e-mail address cannot be used as a user name. Ask the administrators "
                    "of the platform to create the account, then add it here by its user name."
                )
            ) from None
        self.new_email = value
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.user is not None and not self.errors and self.duplicate(self.user):
            self.add_error(None, _("This person has this membership already."))
        return data


class ChangeMembershipForm(MembershipForm):
    """Role and agency of an existing membership."""

    def __init__(self, *args: Any, membership: Membership, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"role": membership.role, "agency": membership.agency_id})
        assert membership.land is not None  # the pages show memberships of one Land only
        super().__init__(*args, land=membership.land, **kwargs)
        self.membership = membership

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.errors and self.duplicate(self.membership.user, exclude=self.membership.pk):
            self.add_error(None, _("This person has this membership already."))
        return data
