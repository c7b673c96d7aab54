"""The help page of the REST API: what it serves and how to call it, for people who do not program.

Its examples are built from what the database holds, so that each one answers with data: the
survey example names a survey the public may see (none when no survey is released yet), the
funnel examples selection data the public may see (none when none are released).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from ikoe.accounts.scope import visible
from ikoe.barriers.models import FunnelCell, SelectionData
from ikoe.surveys.catalogue import LAND
from ikoe.surveys.models import IndicatorCell, Survey

# The Ländervergleich's measure and Land of the first example (in data/reference/benchmarks.csv).
EXAMPLE_MEASURE = "population_share"
EXAMPLE_REGION = "DE-HH"
EXAMPLE_YEAR = 2023


@dataclass(frozen=True)
class Example:
    title: str
    text: str
    path: str  # path and query, e.g. /api/v1/surveys
    url: str  # the same, absolute, for curl


def _path(
    endpoint: str, query: dict[str, object] | None = None, kwargs: dict[str, str] | None = None
) -> str:
    path = reverse(f"api-1.0.0:{endpoint}", kwargs=kwargs)
    return f"{path}?{urlencode(query)}" if query else path


def _example_survey() -> Survey | None:
    """The newest survey the public may see that has cells of the Land table, if any."""
    public = visible(Survey.objects.all(), AnonymousUser()).filter(published=True)
    with_cells = IndicatorCell.objects.filter(table=LAND.name).values("survey_id")
    return public.filter(pk__in=with_cells).order_by("-year", "name").first()


def _example_selection() -> tuple[SelectionData | None, int | None]:
    """The newest selection data the public may see, and its first funnel (all procedures with
    the same stages pooled), if any."""
    public = SelectionData.objects.visible_to(AnonymousUser()).filter(published=True)
    for data in public.order_by("-last_year", "name"):
        first = (
            FunnelCell.objects.filter(data=data, pooling="all")
            .order_by("funnel")
            .values_list("funnel", flat=True)
            .first()
        )
        if first is not None:
            return data, first
    return None, None


def api_help(request: HttpRequest) -> HttpResponse:
    examples = [
        (
            _("Public reference figures of one Land"),
            _(
                "The population share with a migration background in Hamburg in %(year)d "
                "(Mikrozensus), as in the Comparison of the Länder."
            )
            % {"year": EXAMPLE_YEAR},
            _path(
                "list_benchmarks",
                {"measure": EXAMPLE_MEASURE, "region_code": EXAMPLE_REGION, "year": EXAMPLE_YEAR},
            ),
        ),
        (
            _("Released staff surveys"),
            _("The staff surveys you may see, with their year, population and Länder."),
            _path("list_surveys"),
        ),
    ]
    survey = _example_survey()
    if survey is not None:
        examples.append(
            (
                _("Results of one survey"),
                _(
                    "The protected cells of the survey “%(title)s” for the whole Land: "
                    "respondents, persons with a migration background and their share."
                )
                % {"title": survey.title},
                _path("survey_cells", {"table": LAND.name}, {"name": survey.name}),
            )
        )
    selection, funnel = _example_selection()
    examples.append(
        (
            _("Released selection data"),
            _(
                "The selection data of the barrier analysis you may see, with their years and "
                "the number of their funnels."
            ),
            _path("list_selection"),
        )
    )
    if selection is not None and funnel is not None:
        examples += [
            (
                _("Funnels of selection data"),
                _(
                    "All procedures of “%(title)s” with the same stages pooled: applicants per "
                    "stage and group after disclosure control."
                )
                % {"title": selection.title},
                _path("selection_funnels", {"pooling": "all"}, {"name": selection.name}),
            ),
            (
                _("Barrier analysis of one funnel"),
                _(
                    "Selection rates, impact ratios, tests and shortfall of the first funnel of "
                    "“%(title)s”, with the findings in words."
                )
                % {"title": selection.title},
                _path("selection_analysis", kwargs={"name": selection.name, "number": str(funnel)}),
            ),
        ]
    context = {
        "examples": [
            Example(title, text, path, request.build_absolute_uri(path))
            for title, text, path in examples
        ],
        "survey": survey,
        "selection": selection,
        "openapi_url": reverse("api-1.0.0:openapi-json"),
        "api_root": request.build_absolute_uri(reverse("api-1.0.0:api-root")),
    }
    return render(request, "api_help.html", context)
