"""Form helpers every app's pages share."""

from __future__ import annotations

from collections.abc import Collection

from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.utils.translation import gettext as _


def form_error_summary(form: BaseForm, first_anchor: str = "") -> list[dict[str, str]]:
    """Every error of a form as an item of the error summary, linked to its field."""
    items = []
    for message in form.non_field_errors():
        items.append({"text": str(message), "anchor": first_anchor})
    for name, errors in form.errors.items():
        if name not in form.fields:
            continue
        field = form[name]
        for message in errors:
            items.append({"text": f"{field.label}: {message}", "anchor": field.id_for_label})
    return items


def refuse_reserved(name: str, reserved: Collection[str]) -> str:
    """``name`` unless it is a word of the page addresses (``hochladen``), which a short name
    of data may not be."""
    if name in reserved:
        raise ValidationError(
            _("“%(name)s” is a reserved word of the page addresses; choose another short name.")
            % {"name": name},
            code="reserved",
        )
    return name
