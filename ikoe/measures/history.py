"""The change history of every registry: who changed what when (docs/measures.md, "History").

Each writer of a registry calls :func:`record` after saving (or before deleting) a row, with the
values users read before and after; :func:`snapshot` takes those values from a row.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import models

from ikoe.accounts.models import acting_account
from ikoe.measures.models import Change
from ikoe.organisations.models import Organisation


def _readable(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [_readable(v) for v in value]
    return value


def snapshot(row: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The values of ``fields`` of ``row`` as the history keeps them (choices as their codes,
    related rows as their names, dates as ISO text)."""
    return {name: _readable(getattr(row, name)) for name in fields}


def record(
    row: models.Model,
    action: str,
    user: Any,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    *,
    organisation: Organisation | None = None,
    label: str = "",
) -> Change | None:
    """Record a change of ``row``; for ``changed`` only the fields whose value differs (nothing
    is recorded when none does)."""
    before = dict(before or {})
    after = dict(after or {})
    keys = list(dict.fromkeys([*before, *after]))
    fields = {k: [before.get(k), after.get(k)] for k in keys if before.get(k) != after.get(k)}
    if action == Change.Action.CHANGED and not fields:
        return None
    organisation = organisation or getattr(row, "organisation", None)
    account = acting_account(user)
    return Change.objects.create(
        registry=row._meta.model_name or "",
        object_id=row.pk,
        label=(label or str(row))[:300],
        land=organisation.land if organisation is not None else None,
        organisation=organisation,
        action=action,
        fields=fields,
        user=account,
        user_name=user.get_username() if account is not None else str(user or "")[:150],
    )


@contextmanager
def recorded(
    row: models.Model, fields: Iterable[str], user: Any, *, label: str = ""
) -> Iterator[None]:
    """Record what the block does to ``row``: created when it had no key before, else the
    fields of ``fields`` that changed (the block sets and saves the row)."""
    names = list(fields)
    creating = row.pk is None
    before = {} if creating else snapshot(row, names)
    yield
    record(
        row,
        Change.Action.CREATED if creating else Change.Action.CHANGED,
        user,
        before,
        snapshot(row, names),
        label=label,
    )


def history(row: models.Model) -> list[Change]:
    """The changes of ``row``, newest first."""
    return list(
        Change.objects.filter(registry=row._meta.model_name, object_id=row.pk).order_by(
            "-at", "-pk"
        )
    )
