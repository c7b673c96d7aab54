"""Measures, trainings, funding programmes and the anchoring register (``measures:…``),
mounted at /massnahmen/."""

from django.urls import path

from ikoe.measures import anchoring_views

app_name = "measures"

urlpatterns = [
    # Anchoring register
    path("verankerung/", anchoring_views.register, name="anchoring"),
    path("verankerung/laendervergleich/", anchoring_views.comparison, name="anchoring-comparison"),
    path("verankerung/export.csv", anchoring_views.export, name="anchoring-export"),
    path("verankerung/import/", anchoring_views.import_view, name="anchoring-import"),
    path("verankerung/regelung/<int:pk>/", anchoring_views.edit, name="anchoring-edit"),
    path("verankerung/<str:code>/", anchoring_views.land_page, name="anchoring-land"),
    path("verankerung/<str:code>/neu/", anchoring_views.add, name="anchoring-add"),
]
