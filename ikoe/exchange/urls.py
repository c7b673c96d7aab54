"""The exchange across Länder (``exchange:…``), mounted at /austausch/: practices, their search
and review, and the programme consultations."""

from django.urls import path

from ikoe.exchange import practice_views

app_name = "exchange"

urlpatterns = [
    # TEMPORARY (branch exchange-records): the search page owns "" and the name "index"; until
    # it is merged, the name points to the review queue so that the record pages can link to
    # the search filtered by a dimension. The lead replaces this line.
    path("", practice_views.review_queue, name="index"),
    # The practice records and their review (practice_views.py)
    path("praxis/neu/", practice_views.add, name="practice-add"),
    path("praxis/pruefung/", practice_views.review_queue, name="review"),
    path("praxis/<int:pk>/", practice_views.detail, name="practice-detail"),
    path("praxis/<int:pk>/bearbeiten/", practice_views.edit, name="practice-edit"),
    path("praxis/<int:pk>/schritt/", practice_views.action, name="practice-action"),
    path("praxis/<int:pk>/versionen/", practice_views.versions, name="practice-versions"),
    path(
        "praxis/<int:pk>/versionen/<int:number>/",
        practice_views.version,
        name="practice-version",
    ),
    path(
        "praxis/<int:pk>/anhang/neu/",
        practice_views.attachment_add,
        name="practice-attachment-add",
    ),
    path(
        "praxis/<int:pk>/anhang/<int:attachment_pk>/",
        practice_views.attachment,
        name="practice-attachment",
    ),
    path(
        "praxis/<int:pk>/anhang/<int:attachment_pk>/loeschen/",
        practice_views.attachment_delete,
        name="practice-attachment-delete",
    ),
    path("praxis/<int:pk>/loeschen/", practice_views.delete, name="practice-delete"),
    path("vergleich/", practice_views.compare, name="compare"),
]
