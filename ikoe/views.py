"""The home page: what the platform is, what it holds, and the tasks of the signed-in user."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ikoe.accounts.models import Role
from ikoe.benchmarks.models import Benchmark, BenchmarkDataset
from ikoe.surveys.demo import DEMO_DATASET
from ikoe.surveys.models import Survey
from ikoe.surveys.release import coordinated_parts
from ikoe.surveys.upload_views import steward_lands

TASKS_SHOWN = 5
"""At most this many surveys per kind of task on the home page."""


def home(request: HttpRequest) -> HttpResponse:
    # Public figures only: the demo Land's synthetic benchmark is not one.
    public = BenchmarkDataset.objects.exclude(name=DEMO_DATASET)
    context = {
        "benchmark_count": Benchmark.objects.filter(dataset__in=public).count(),
        "dataset_count": public.count(),
        "survey_count": Survey.objects.visible_to(request.user).count(),
        **tasks(request.user),
    }
    return render(request, "home.html", context)


def tasks(user: Any) -> dict[str, Any]:
    """What waits for the user: surveys whose part of a Land they coordinate is not released
    yet (coordinators), and the latest imports of their Länder with their diagnostics (data
    stewards). Empty for the public."""
    if not getattr(user, "is_authenticated", False):
        return {"to_release": [], "imports": [], "can_upload": False}
    to_release = []
    for survey in Survey.objects.visible_to(user, role=Role.COORDINATOR).order_by("-created_at"):
        if any(not p.published for p in coordinated_parts(user, survey)):
            to_release.append(survey)
        if len(to_release) == TASKS_SHOWN:
            break
    imports = list(
        Survey.objects.visible_to(user, role=Role.DATA_STEWARD).order_by("-created_at")[
            :TASKS_SHOWN
        ]
    )
    return {
        "to_release": to_release,
        "imports": imports,
        "can_upload": bool(steward_lands(user)),
    }
