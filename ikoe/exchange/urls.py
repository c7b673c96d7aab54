"""The exchange across Länder (``exchange:…``), mounted at /austausch/: practices, their search
and review, and the programme consultations."""

from django.urls import path

from ikoe.exchange import search_views

app_name = "exchange"

urlpatterns = [
    # Search and export (search_views.py)
    path("", search_views.index, name="index"),
    path("export.<str:fmt>", search_views.export, name="export"),
]
