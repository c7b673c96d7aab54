"""Targets and projections: targets per agency, the targets board, scenarios (``targets:…``)."""

from django.urls import path

from ikoe.targets import board_views, target_views
from ikoe.targets.scenario_views import scenarios

app_name = "targets"

urlpatterns = [
    path("", board_views.board, name="board"),
    path("szenarien/", scenarios, name="scenarios"),
    path("export.csv", board_views.board_csv, name="board-csv"),
    path("export.xlsx", board_views.board_xlsx, name="board-xlsx"),
    path("land/<str:land_code>/alle/", target_views.bulk, name="bulk"),
    path("organisation/<str:code>/", target_views.organisation_page, name="organisation"),
    path("organisation/<str:code>/ziel/", target_views.target_set, name="set"),
    path("organisation/<str:code>/ziel/entfernen/", target_views.target_remove, name="remove"),
    path("organisation/<str:code>/foerderplan/neu/", target_views.plan_edit, name="plan-add"),
    path("organisation/<str:code>/foerderplan/<int:pk>/", target_views.plan_edit, name="plan-edit"),
]
