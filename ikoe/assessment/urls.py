"""The IKÖ-Check: questionnaires, filling in, results, comparisons (``assessment:…``)."""

from django.urls import path

from ikoe.assessment import results_views

app_name = "assessment"

urlpatterns: list = [
    path("<int:pk>/ergebnis/", results_views.results, name="results"),
    path("<int:pk>/massnahmenplan/", results_views.plan, name="plan"),
    path("<int:pk>/ergebnis.pdf", results_views.pdf, name="pdf"),
    path("<int:pk>/ergebnis.xlsx", results_views.xlsx, name="xlsx"),
    path("land/<str:code>/", results_views.land, name="land"),
]
