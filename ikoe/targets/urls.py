"""Targets and projections: targets per agency, the targets board, scenarios (``targets:…``)."""

from django.urls import URLPattern

app_name = "targets"

urlpatterns: list[URLPattern] = []
