"""Targets and projections: targets per agency, the targets board, scenarios (``targets:…``)."""

from django.urls import URLPattern, path

from ikoe.targets.scenario_views import scenarios

app_name = "targets"

urlpatterns: list[URLPattern] = [
    path("szenarien/", scenarios, name="scenarios"),
]
