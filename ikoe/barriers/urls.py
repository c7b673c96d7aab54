"""Barrier analysis: the selection data, their funnels and their release (``barriers:…``)."""

from django.urls import path

from ikoe.barriers import release_views, views

app_name = "barriers"

urlpatterns = [
    path("", views.selection_list, name="list"),
    path("<slug:name>/", views.selection_overview, name="overview"),
    path("<slug:name>/trichter/<int:number>/", views.funnel_page, name="funnel"),
    path("<slug:name>/freigabe/", release_views.selection_release, name="release"),
]
