"""Staff surveys: list, upload, pages of a survey, diagnostics and release (``surveys:…``)."""

from django.urls import path

from ikoe.surveys import comparison_views, release_views, upload_views, views

app_name = "surveys"

urlpatterns = [
    path("", views.survey_list, name="list"),
    path("hochladen/", upload_views.survey_upload, name="upload"),
    path(
        "hochladen/beispiel-befragung.csv",
        upload_views.survey_upload_sample,
        name="upload-sample",
    ),
    path(
        "hochladen/<slug:token>/zuordnung/",
        upload_views.survey_upload_mapping,
        name="upload-mapping",
    ),
    path("<slug:name>/", views.survey_overview, name="overview"),
    path("<slug:name>/organisation/<str:code>/", views.organisation_page, name="organisation"),
    path(
        "<slug:name>/laendervergleich/",
        comparison_views.survey_laendervergleich,
        name="laendervergleich",
    ),
    path("<slug:name>/diagnose/", views.survey_diagnostics, name="diagnostics"),
    path("<slug:name>/freigabe/", release_views.survey_release, name="release"),
]
