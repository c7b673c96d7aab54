"""The home page (what the platform is, what it holds, the tasks of the signed-in user) and the
page on the methods."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ikoe.accounts.models import Role
from ikoe.assessment.models import Assessment
from ikoe.barriers.models import SelectionData
from ikoe.barriers.upload_views import steward_lands as selection_steward_lands
from ikoe.benchmarks.models import Benchmark, BenchmarkDataset
from ikoe.disclosure_rules import current_rules
from ikoe.stats.weighting import MIN_CELL_RESPONDENTS
from ikoe.surveys.demo import DEMO_DATASET
from ikoe.surveys.models import Survey, SurveyPart
from ikoe.surveys.upload_views import steward_lands
from ikoe.targets.services import land_coordinated, missing_targets

TASKS_SHOWN = 5
"""At most this many surveys per kind of task on the home page."""

_PARTS = Prefetch(
    "parts", queryset=SurveyPart.objects.select_related("land").order_by("land__code")
)


def home(request: HttpRequest) -> HttpResponse:
    # Public figures only: the demo Land's synthetic benchmark is not one.
    public = BenchmarkDataset.objects.exclude(name=DEMO_DATASET)
    context = {
        "benchmark_count": Benchmark.objects.filter(dataset__in=public).count(),
        "dataset_count": public.count(),
        "survey_count": Survey.objects.visible_to(request.user).count(),
        "selection_count": SelectionData.objects.visible_to(request.user).count(),
        **tasks(request.user),
    }
    return render(request, "home.html", context)


def tasks(user: Any) -> dict[str, Any]:
    """What waits for the user: surveys whose part of a Land they coordinate, and selection data
    of such a Land, not released yet (coordinators), and the latest imports of their Länder with their diagnostics (data
    stewards), whether they may upload surveys and selection data, and the agencies of their
    Land without a target (coordinators), and the drafts of the IKÖ-Check their organisations are
    filling in (editors). Empty for the public."""
    if not getattr(user, "is_authenticated", False):
        return {
            "to_release": [],
            "imports": [],
            "selections_to_release": [],
            "can_upload": False,
            "can_upload_selection": False,
            "targets_missing": [],
            "checks_in_progress": [],
        }
    # One query whatever the number of surveys: the parts not released yet in the Länder the
    # user coordinates (every Land for the federal coordination), with the Länder's names.
    waiting = SurveyPart.objects.visible_to(user, role=Role.COORDINATOR).filter(published=False)
    to_release = list(
        Survey.objects.filter(pk__in=waiting.values("survey_id"))
        .defer("diagnostics")
        .prefetch_related(_PARTS)
        .order_by("-created_at")[:TASKS_SHOWN]
    )
    imports = list(
        Survey.objects.visible_to(user, role=Role.DATA_STEWARD)
        .defer("diagnostics")
        .prefetch_related(_PARTS)
        .order_by("-created_at")[:TASKS_SHOWN]
    )
    selections_to_release = list(
        SelectionData.objects.visible_to(user, role=Role.COORDINATOR)
        .filter(published=False)
        .select_related("land")
        .defer("diagnostics")
        .order_by("-created_at")[:TASKS_SHOWN]
    )
    return {
        "to_release": to_release,
        "selections_to_release": selections_to_release,
        "imports": imports,
        "can_upload": bool(steward_lands(user)),
        "can_upload_selection": bool(selection_steward_lands(user)),
        # Agencies without a target, in the Länder the user coordinates as a Land's coordinator
        # (the federal level is not asked for every Land).
        "targets_missing": [
            (land, n) for land in land_coordinated(user) if (n := missing_targets(land))
        ],
        # Drafts of the IKÖ-Check that the user's organisations are filling in.
        "checks_in_progress": list(
            Assessment.objects.own(user, Role.EDITOR)
            .filter(status=Assessment.Status.DRAFT)
            .select_related("organisation")
            .order_by("-updated_at")[:TASKS_SHOWN]
        ),
    }


def methodology(request: HttpRequest) -> HttpResponse:
    """The methods page: definitions, weighting, intervals, comparison and disclosure control in
    plain words, with the rules in force (the terms k, n_min, W and the design effect of the
    diagnostics link to its sections)."""
    rules = current_rules()
    context = {
        "rules": rules,
        "declaration_rate": round(rules.min_declaration_rate * 100),
        "width": f"{rules.width:g}",
        "min_cell": MIN_CELL_RESPONDENTS,
        "min_peers": settings.ASSESSMENT_MIN_PEERS,
    }
    return render(request, "methodology.html", context)
