"""Membership pages: coordinators manage who works with their Land's data.

A coordinator of a whole Land manages that Land's memberships; federal coordinators and
administrators manage every Land (:func:`ikoe.accounts.scope.managed_lands`). A Land or a
membership outside that reach answers 404, as if it did not exist. One's own memberships are
changed by someone else, so nobody can lift their own access or lock themselves out.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.crypto import get_random_string
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from ikoe.accounts.forms import AddMembershipForm, ChangeMembershipForm
from ikoe.accounts.models import Membership
from ikoe.accounts.scope import land_grants, managed_lands, manages_members
from ikoe.forms import form_error_summary
from ikoe.organisations.models import Organisation


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Template context for the main navigation: whether to offer the membership pages and the
    targets board (to members of a Land and the federal level)."""
    user = getattr(request, "user", None)
    return {
        "can_manage_members": manages_members(user),
        "can_see_targets": bool(land_grants(user)),
    }


def _land(request: HttpRequest, code: str) -> Organisation:
    land = managed_lands(request.user).filter(code=code).first()
    if land is None:
        raise Http404
    return land


def _membership(request: HttpRequest, land: Organisation, pk: int) -> Membership:
    membership = (
        Membership.objects.filter(pk=pk, land=land).select_related("user", "land", "agency").first()
    )
    if membership is None:
        raise Http404
    if membership.user_id == request.user.pk:
        raise PermissionDenied(
            _("Your own memberships are changed by another coordinator or the federal level.")
        )
    return membership


def member_lands(request: HttpRequest) -> HttpResponse:
    lands = managed_lands(request.user).annotate(members=Count("land_memberships"))
    if len(lands) == 1:
        return redirect("accounts:member-list", land=lands[0].code)
    return render(request, "accounts/member_lands.html", {"lands": lands.order_by("name")})


def member_list(request: HttpRequest, land: str) -> HttpResponse:
    organisation = _land(request, land)
    memberships = (
        Membership.objects.filter(land=organisation)
        .select_related("user", "agency")
        .order_by("user__last_name", "user__first_name", "user__username", "role")
    )
    return render(
        request,
        "accounts/member_list.html",
        {
            "land": organisation,
            "memberships": memberships,
            "several_lands": managed_lands(request.user).count() > 1,
        },
    )


def member_add(request: HttpRequest, land: str) -> HttpResponse:
    organisation = _land(request, land)
    form = AddMembershipForm(_data(request), land=organisation)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with transaction.atomic():
            user = form.user
            if user is None:
                user = _new_account(form)
            membership = Membership(
                user=user, land=organisation, agency=data["agency"], role=data["role"]
            )
            membership.full_clean()
            membership.save()
        if form.user is None:
            send_welcome(request, user, membership)
            messages.success(
                request,
                _(
                    "An account was created for %(email)s with the role %(role)s. An e-mail with "
                    "a link to choose a password was sent to that address."
                )
                % {"email": user.email, "role": membership.get_role_display()},
            )
        else:
            messages.success(
                request,
                _("%(person)s now has the role %(role)s.")
                % {"person": _person(user), "role": membership.get_role_display()},
            )
        return redirect("accounts:member-list", land=organisation.code)
    return render(
        request,
        "accounts/member_form.html",
        {
            "land": organisation,
            "form": form,
            "errors": form_error_summary(form, form["person"].id_for_label),
            "adding": True,
        },
    )


def member_change(request: HttpRequest, land: str, pk: int) -> HttpResponse:
    organisation = _land(request, land)
    membership = _membership(request, organisation, pk)
    form = ChangeMembershipForm(_data(request), membership=membership)
    if request.method == "POST" and form.is_valid():
        membership.role = form.cleaned_data["role"]
        membership.agency = form.cleaned_data["agency"]
        membership.full_clean()
        membership.save()
        messages.success(
            request,
            _("The membership of %(person)s was changed: %(membership)s.")
            % {"person": _person(membership.user), "membership": _describe(membership)},
        )
        return redirect("accounts:member-list", land=organisation.code)
    return render(
        request,
        "accounts/member_form.html",
        {
            "land": organisation,
            "form": form,
            "membership": membership,
            "person": _person(membership.user),
            "errors": form_error_summary(form, form["role"].id_for_label),
            "adding": False,
        },
    )


def member_remove(request: HttpRequest, land: str, pk: int) -> HttpResponse:
    organisation = _land(request, land)
    membership = _membership(request, organisation, pk)
    if request.method == "POST":
        person, description = _person(membership.user), _describe(membership)
        membership.delete()
        messages.success(
            request,
            _("The membership of %(person)s (%(membership)s) was removed.")
            % {"person": person, "membership": description},
        )
        return redirect("accounts:member-list", land=organisation.code)
    return render(
        request,
        "accounts/member_remove.html",
        {
            "land": organisation,
            "membership": membership,
            "person": _person(membership.user),
            "description": _describe(membership),
        },
    )


def _data(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _person(user: Any) -> str:
    name = user.get_full_name()
    return f"{name} ({user.get_username()})" if name else user.get_username()


def _describe(membership: Membership) -> str:
    where = membership.agency.name if membership.agency else _("the whole Land")
    return f"{membership.get_role_display()}, {where}"


def _new_account(form: AddMembershipForm) -> Any:
    """An account for a new colleague: the e-mail address is the user name; the password is
    random until the colleague chooses one through the link in the welcome e-mail."""
    email = form.new_email
    user = get_user_model()(
        username=email.lower(),
        email=email,
        first_name=form.cleaned_data["first_name"],
        last_name=form.cleaned_data["last_name"],
    )
    user.set_password(get_random_string(48))
    user.full_clean()
    user.save()
    return user


def send_welcome(request: HttpRequest, user: Any, membership: Membership) -> None:
    """The new colleague's e-mail: their user name and a link to choose a password (Django's
    password reset link, valid for ``PASSWORD_RESET_TIMEOUT``). Also sent when an outside
    organisation invites a colleague to its IKÖ-Check."""
    context = {
        "user": user,
        "membership": _describe(membership),
        "land": membership.land.name if membership.land else "",
        "inviter": _person(request.user),
        "protocol": "https" if request.is_secure() else "http",
        "domain": request.get_host(),
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
    }
    PasswordResetForm().send_mail(
        "registration/welcome_subject.txt",
        "registration/welcome_email.txt",
        context,
        None,
        user.email,
    )
