"""The exchange across Länder (``exchange:…``), mounted at /austausch/: practices, their search
and review, and the programme consultations."""

from django.urls import path  # noqa: F401

app_name = "exchange"

urlpatterns: list = []  # type: ignore[type-arg]
