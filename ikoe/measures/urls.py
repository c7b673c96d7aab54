"""Measures, trainings, funding programmes and anchoring (``measures:…``, at /massnahmen/)."""

from django.urls import path

from ikoe.measures import funding_views, training_views

app_name = "measures"

urlpatterns = [
    # Trainings (docs/measures.md, "Trainings")
    path("fortbildung/land/<str:code>/", training_views.trainings, name="trainings"),
    path("fortbildung/angebot/neu/", training_views.offer_edit, name="training-offer"),
    path("fortbildung/angebot/<int:pk>/", training_views.offer_edit, name="training-offer"),
    path("fortbildung/teilnahme/neu/", training_views.record_edit, name="training-record"),
    # Funding programmes (docs/measures.md, "Funding programmes")
    path("foerderprogramme/land/<str:code>/", funding_views.programmes, name="funding"),
    path("foerderprogramme/neu/", funding_views.programme_add, name="funding-add"),
    path("foerderprogramme/<int:pk>/", funding_views.programme, name="funding-programme"),
    path(
        "foerderprogramme/<int:pk>/pruefung/", funding_views.programme_check, name="funding-check"
    ),
]
