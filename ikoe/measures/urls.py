"""The registries of measures, trainings, funding programmes and anchoring (``measures:…``)."""

from django.urls import path

from ikoe.measures import measure_views

app_name = "measures"

urlpatterns = [
    # Measures (measure_views.py)
    path("", measure_views.index, name="index"),
    path("land/<str:code>/", measure_views.board, name="board"),
    path("organisation/<str:code>/", measure_views.organisation_page, name="organisation"),
    path("neu/", measure_views.add, name="add"),
    path("<int:pk>/", measure_views.detail, name="detail"),
    path("<int:pk>/bearbeiten/", measure_views.edit, name="edit"),
    path("<int:pk>/loeschen/", measure_views.delete, name="delete"),
    path("<int:pk>/meilenstein/", measure_views.milestone, name="milestone"),
]
