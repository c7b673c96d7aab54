"""The release page of selection data (``/auswahlverfahren/NAME/freigabe/``): a coordinator of
the data's Land (or the federal level) checks the figures and releases them to the public, or
withdraws the release. Every change goes through :func:`ikoe.barriers.release.set_release`."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ikoe.accounts.models import Role
from ikoe.accounts.scope import get_object_for_user_or_404, visible
from ikoe.barriers.models import SelectionData, SelectionRelease
from ikoe.barriers.release import Channel, set_release
from ikoe.forms import form_error_summary


class ReleaseForm(forms.Form):
    confirm = forms.BooleanField(
        required=False,
        label=gettext_lazy(
            "I have checked the figures. The selection data's funnels and findings become "
            "visible to everyone."
        ),
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=gettext_lazy(
            "For example the decision it rests on. Shown in the history below, never to the public."
        ),
    )


def selection_release(request: HttpRequest, name: str) -> HttpResponse:
    data = get_object_for_user_or_404(
        SelectionData.objects.select_related("land"), request.user, name=name, role=Role.COORDINATOR
    )
    form = ReleaseForm()
    errors: list[dict[str, str]] = []
    if request.method == "POST":
        form = ReleaseForm(request.POST)
        release = request.POST.get("action") == "release"
        if form.is_valid() and release and not form.cleaned_data["confirm"]:
            form.add_error("confirm", _("Tick the box to confirm that the data may become public."))
        if form.is_valid():
            record = set_release(
                data,
                release,
                channel=Channel.PAGE,
                user=request.user,
                note=form.cleaned_data["note"],
            )
            if record is not None:
                text = (
                    _("The selection data “%(title)s” are released: their funnels are public now.")
                    if release
                    else _(
                        "The release of the selection data “%(title)s” is withdrawn: only %(land)s "
                        "and the federal level see them now."
                    )
                )
                messages.success(request, text % {"title": data.title, "land": data.land.name})
            return redirect("barriers:release", name=data.name)
        errors = form_error_summary(form)
    records = list(
        visible(SelectionRelease.objects.filter(data=data).select_related("user"), request.user)
    )
    counts = data.diagnostics.get("counts", {})
    return render(
        request,
        "barriers/release.html",
        {
            "data": data,
            "form": form,
            "errors": errors,
            "records": records,
            "secret": sum(v for k, v in counts.items() if k != "published"),
            "all_counts": sum(counts.values()),
        },
    )
