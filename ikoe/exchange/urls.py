"""The exchange across Länder (``exchange:…``), mounted at /austausch/: practices, their search
and review, and the programme consultations."""

from django.urls import path

from ikoe.exchange import consultation_views, practice_views, search_views

app_name = "exchange"

urlpatterns = [
    # Search and export (search_views.py)
    path("", search_views.index, name="index"),
    path("export.<str:fmt>", search_views.export, name="export"),
    # Programme consultations (consultation_views.py, docs/exchange.md)
    path("konsultationen/", consultation_views.consultation_list, name="consultations"),
    path("konsultationen/neu/", consultation_views.consultation_add, name="consultation-add"),
    path(
        "konsultationen/<int:pk>/",
        consultation_views.consultation_detail,
        name="consultation-detail",
    ),
    path(
        "konsultationen/<int:pk>/bearbeiten/",
        consultation_views.consultation_edit,
        name="consultation-edit",
    ),
    path(
        "konsultationen/<int:pk>/fragen/",
        consultation_views.consultation_questions,
        name="consultation-questions",
    ),
    path(
        "konsultationen/<int:pk>/eroeffnen/",
        consultation_views.consultation_open,
        name="consultation-open",
    ),
    path(
        "konsultationen/<int:pk>/antwort/<str:code>/",
        consultation_views.consultation_answer,
        name="consultation-answer",
    ),
    path(
        "konsultationen/<int:pk>/auswertung/",
        consultation_views.consultation_synthesis,
        name="consultation-synthesis",
    ),
    path(
        "konsultationen/<int:pk>/export.csv",
        consultation_views.consultation_export,
        name="consultation-export",
    ),
    path(
        "konsultationen/<int:pk>/export.xlsx",
        consultation_views.consultation_export,
        {"fmt": "xlsx"},
        name="consultation-export-xlsx",
    ),
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
