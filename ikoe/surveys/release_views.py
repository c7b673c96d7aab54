"""The release page (``/befragungen/NAME/freigabe/``): a coordinator of the survey's Land (or
the federal level) checks the survey's figures and its disclosure control, then releases it to
the public or withdraws the release. Every change goes through
:func:`ikoe.surveys.release.set_release`.

A joint survey of several Länder is released part by part: the page acts on the parts of the
Länder the coordinator coordinates (every part for the federal level) and shows the state of
each part; figures across the Länder are public once every part is released.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ikoe.accounts.models import Role
from ikoe.accounts.scope import get_object_for_user_or_404, visible
from ikoe.forms import form_error_summary
from ikoe.surveys.models import Survey, SurveyPart, SurveyRelease
from ikoe.surveys.release import (
    Channel,
    ReleaseRefused,
    coordinated_parts,
    current_release,
    release_refusals,
    set_release,
)
from ikoe.surveys.views import survey_summary

NOTE_MAX_LENGTH = 500


def _note_field() -> forms.CharField:
    return forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=gettext_lazy(
            "For example the decision it rests on. Shown in the history below, never to the public."
        ),
    )


class ReleaseForm(forms.Form):
    confirm = forms.BooleanField(
        label=gettext_lazy(
            "I have checked the figures and the disclosure control above. The survey's tables "
            "become visible to everyone."
        ),
        error_messages={
            "required": gettext_lazy("Tick the box to confirm that the survey may become public.")
        },
    )
    note = _note_field()


class WithdrawForm(forms.Form):
    note = _note_field()


def survey_release(request: HttpRequest, name: str) -> HttpResponse:
    # Changing needs the coordinator role for the survey's Land: a released survey of another
    # Land is as unknown here as an unreleased one (404).
    survey = get_object_for_user_or_404(
        Survey.objects.select_related("land"), request.user, name=name, role=Role.COORDINATOR
    )
    managed = managed_parts(request.user, survey)
    release_form = ReleaseForm(prefix="release")
    withdraw_form = WithdrawForm(prefix="withdraw")
    errors: list[dict[str, str]] = []
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        form: forms.Form
        if action == "release":
            form = release_form = ReleaseForm(request.POST, prefix="release")
        elif action == "withdraw":
            form = withdraw_form = WithdrawForm(request.POST, prefix="withdraw")
        else:
            form = forms.Form(request.POST)
            form.add_error(None, _("Choose “Release” or “Withdraw the release”."))
        if form.is_valid():
            try:
                record = set_release(
                    survey,
                    action == "release",
                    channel=Channel.PAGE,
                    user=request.user,
                    note=form.cleaned_data["note"],
                    lands=[p.land for p in managed],
                )
            except ReleaseRefused as exc:
                errors = [{"text": reason, "anchor": ""} for reason in exc.reasons]
                status = 409
            else:
                _tell(request, survey, managed_parts(request.user, survey), record)
                return redirect("surveys:release", name=survey.name)
        else:
            errors = form_error_summary(form)  # shown again with 200, as every form here
    records = list(
        visible(
            SurveyRelease.objects.filter(survey=survey).select_related("user", "land"),
            request.user,
        )
    )
    released = all(p.published for p in managed)
    context: dict[str, Any] = {
        **survey_summary(survey),
        "released": released,
        "managed": managed,
        "managed_names": ", ".join(p.land.name for p in managed),
        "parts": survey.parts_list,
        "refusals": [] if released else release_refusals(survey),
        "records": records,
        "current": current_release(released, records),
        "release_form": release_form,
        "withdraw_form": withdraw_form,
        "errors": errors,
    }
    return render(request, "surveys/survey_release.html", context, status=status)


def managed_parts(user: Any, survey: Survey) -> list[SurveyPart]:
    """The parts of ``survey`` the user may release, read afresh (after a release changed them)."""
    survey.forget_parts()
    return coordinated_parts(user, survey)


def _tell(
    request: HttpRequest, survey: Survey, managed: list[SurveyPart], record: SurveyRelease | None
) -> None:
    released = all(p.published for p in managed)
    values = {"title": survey.title, "land": ", ".join(p.land.name for p in managed)}
    if record is None:
        text = (
            _("The survey “%(title)s” was released already; nothing was changed.")
            if released
            else _("The survey “%(title)s” was not released; nothing was changed.")
        )
        messages.info(request, text % values)
    elif released and not survey.published:
        messages.success(
            request,
            _(
                "The part of %(land)s of the survey “%(title)s” is released. Its figures are now "
                "public; figures across all Länder of the survey follow once every Land has "
                "released its part."
            )
            % values,
        )
    elif released:
        messages.success(
            request,
            _(
                "The survey “%(title)s” is released. Its protected tables are now public: on the "
                "survey pages and in the API."
            )
            % values,
        )
    else:
        messages.success(
            request,
            _(
                "The release of the survey “%(title)s” is withdrawn. Only %(land)s and the "
                "federal level see it now."
            )
            % values,
        )
