"""Barrier analysis: the selection data, their upload, funnels and release (``barriers:…``)."""

from django.urls import path

from ikoe.barriers import release_views, upload_views, views

app_name = "barriers"

urlpatterns = [
    path("", views.selection_list, name="list"),
    path("hochladen/", upload_views.selection_upload, name="upload"),
    path(
        "hochladen/beispiel-auswahlverfahren.csv",
        upload_views.sample_counts,
        name="upload-sample",
    ),
    path(
        "hochladen/beispiel-bewerbende.csv",
        upload_views.sample_applicants,
        name="upload-sample-applicants",
    ),
    path("<slug:name>/", views.selection_overview, name="overview"),
    path("<slug:name>/trichter/<int:number>/", views.funnel_page, name="funnel"),
    path("<slug:name>/freigabe/", release_views.selection_release, name="release"),
]
