"""Measures, trainings, funding programmes and the anchoring register (``measures:…``),
mounted at /massnahmen/."""

from django.urls import path

from ikoe.measures import anchoring_views, funding_views, io_views, measure_views, training_views

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
    # Import and export of a Land's registries (io_views.py)
    path("land/<str:code>/austausch/", io_views.transfer, name="transfer"),
    path("land/<str:code>/export/<str:registry>.<str:fmt>", io_views.export, name="export"),
    # Anchoring register (anchoring_views.py)
    path("verankerung/", anchoring_views.register, name="anchoring"),
    path("verankerung/laendervergleich/", anchoring_views.comparison, name="anchoring-comparison"),
    path("verankerung/export.csv", anchoring_views.export, name="anchoring-export"),
    path(
        "verankerung/export.xlsx",
        anchoring_views.export,
        {"fmt": "xlsx"},
        name="anchoring-export-xlsx",
    ),
    path("verankerung/import/", anchoring_views.import_view, name="anchoring-import"),
    path("verankerung/regelung/<int:pk>/", anchoring_views.edit, name="anchoring-edit"),
    path("verankerung/<str:code>/", anchoring_views.land_page, name="anchoring-land"),
    path("verankerung/<str:code>/neu/", anchoring_views.add, name="anchoring-add"),
    # Trainings (docs/measures.md, "Trainings")
    path("fortbildung/land/<str:code>/", training_views.trainings, name="trainings"),
    path("fortbildung/angebot/neu/", training_views.offer_edit, name="training-offer"),
    path("fortbildung/angebot/<int:pk>/", training_views.offer_edit, name="training-offer"),
    path("fortbildung/teilnahme/neu/", training_views.record_edit, name="training-record"),
    # Funding programmes (docs/measures.md, "Funding programmes")
    path("foerderprogramme/land/<str:code>/", funding_views.programmes, name="funding"),
    path("foerderprogramme/neu/", funding_views.programme_add, name="funding-add"),
    path("foerderprogramme/<int:pk>/", funding_views.programme, name="funding-programme"),
    path("foerderprogramme/<int:pk>/bearbeiten/", funding_views.programme_add, name="funding-edit"),
    path(
        "foerderprogramme/<int:pk>/pruefung/", funding_views.programme_check, name="funding-check"
    ),
]
