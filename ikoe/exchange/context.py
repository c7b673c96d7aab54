"""Template context for the main navigation: whether to offer the programme consultations (to the
federal level and Land-wide members). Registered in settings.TEMPLATES, like
ikoe.accounts.views.navigation, so that no app below the exchange needs to import it."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from ikoe.exchange.consultations import may_see_consultations


def navigation(request: HttpRequest) -> dict[str, Any]:
    return {"can_see_consultations": may_see_consultations(getattr(request, "user", None))}
