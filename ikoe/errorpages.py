"""Error pages in the user's language (German by default), instead of Django's bare English ones.

``400.html``, ``403.html``, ``403_csrf.html``, ``404.html`` and ``500.html`` live in
``ikoe/templates`` and extend ``error_base.html``, a layout that needs neither the request nor
a login, so an error page cannot fail itself. Django's own views render them; the 400 page is
rendered here to say why a request was refused (a form too large, for example).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from ikoe.formats import fmt


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if isinstance(exception, TooManyFieldsSent):
        reason = _(
            "The form had more fields than the server accepts (at most %(limit)s). This happens "
            "when a file has very many columns; a survey file may have at most %(columns)s. "
            "Delete the columns you do not need from the file and upload it again."
        ) % {
            "limit": fmt(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS, 0),
            "columns": fmt(settings.IMPORT_MAX_COLUMNS, 0),
        }
    elif isinstance(exception, RequestDataTooBig | TooManyFilesSent):
        reason = _(
            "The form was larger than the server accepts. Upload files through the file fields "
            "of the upload page, one survey at a time."
        )
    else:
        reason = _(
            "The browser sent something the server cannot read. Go back and try again; if it "
            "happens again, tell the administrators of your Land."
        )
    return render(request, "400.html", {"reason": reason}, status=400)
