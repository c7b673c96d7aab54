"""Figures computed once per version of the data, shared by every worker process.

Pages and the API compute their figures from published cells, organisations and reference
figures: table rows with the representation against a benchmark, the trend over the survey
years, the cells of a survey as JSON. Computing them again on every request cost most of a
request's time, so :func:`cached` keeps what was computed in Django's ``figures`` cache (files
in ``IKOE_DATA_DIR/cache/figures``, shared by the worker processes of ``ikoe serve``) under a
key made of

- the **data version**: a random token in the database (:class:`~ikoe.reports.models.DataVersion`)
  that changes whenever a model registered with :func:`track` is saved or deleted, in the same
  transaction as the change, so every process sees the new figures as soon as the change is
  committed (a release, a withdrawal, a new import, a replacement, protecting a survey again,
  a changed organisation or reference figure);
- what the caller names: which page and figures, and everything they depend on besides the
  data, above all **who reads** (the caller passes the reader's scope, so figures computed for
  one reader are never served to a reader with another scope);
- the active language.

``ikoe serve`` empties the cache when it starts (:func:`clear`), so a new release of the code
never serves figures computed by the old one. Nothing here knows the apps: each app registers
the models its figures are computed from (:func:`track`) and builds its own keys.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.db import DatabaseError, IntegrityError, models, transaction
from django.db.models.signals import post_delete, post_save
from django.utils.translation import get_language

log = logging.getLogger(__name__)

T = TypeVar("T")

CACHE_ALIAS = "figures"
_ROW = 1  # the one row of DataVersion
_MISSING = object()


def figures_cache() -> BaseCache:
    return caches[CACHE_ALIAS]


def clear() -> None:
    """Forget every computed figure (``ikoe serve`` does it when it starts)."""
    figures_cache().clear()


def _new_token() -> str:
    return uuid.uuid4().hex


def data_version() -> str:
    """The token of the data as committed now (made on first use)."""
    from ikoe.reports.models import DataVersion

    found = DataVersion.objects.filter(pk=_ROW).values_list("token", flat=True).first()
    if found is not None:
        return str(found)
    try:
        with transaction.atomic():
            DataVersion.objects.create(pk=_ROW, token=_new_token())
    except IntegrityError:  # another process made it at the same moment
        pass
    return str(DataVersion.objects.values_list("token", flat=True).get(pk=_ROW))


def data_changed(**_kwargs: Any) -> None:
    """Give the data a new token (a receiver of ``post_save`` and ``post_delete``).

    Runs in the transaction of the change: the new token is committed (or rolled back) with it.
    """
    from ikoe.reports.models import DataVersion

    token = _new_token()
    if not DataVersion.objects.filter(pk=_ROW).update(token=token):
        try:
            with transaction.atomic():
                DataVersion.objects.create(pk=_ROW, token=token)
        except IntegrityError:
            DataVersion.objects.filter(pk=_ROW).update(token=token)


def track(*tracked: type[models.Model], deletes: bool = True) -> None:
    """Give the data a new token whenever one of these models is saved (and, with ``deletes``,
    deleted). Models deleted in bulk, such as the cells of a survey that is protected again,
    are registered with ``deletes=False`` (a receiver of ``post_delete`` would make Django load
    every row to delete it); the code that deletes them saves their survey afterwards."""
    for model in tracked:
        uid = f"ikoe-data-version-{model._meta.label}"
        post_save.connect(data_changed, sender=model, dispatch_uid=uid, weak=False)
        if deletes:
            post_delete.connect(data_changed, sender=model, dispatch_uid=uid, weak=False)


def cache_key(name: str, parts: Sequence[Any], version: str) -> str:
    """The key of figures called ``name`` that depend on ``parts`` in data version ``version``
    and the active language."""
    text = json.dumps([version, get_language() or "", *parts], sort_keys=True, default=str)
    return f"{name}:{hashlib.sha256(text.encode()).hexdigest()}"


def cached(
    name: str, parts: Sequence[Any], compute: Callable[[], T], *, version: str | None = None
) -> T:
    """What ``compute()`` returns, computed once per data version, language and ``parts``.

    ``parts`` must name everything the result depends on besides the data: the reader's scope,
    the survey, the options asked for. Values must pickle. ``version`` is the
    :func:`data_version` when the caller read it already (one query less). When the cache
    cannot be read or written (a full disk), the figures are computed and served all the same.
    """
    key = cache_key(name, parts, version or data_version())
    cache = figures_cache()
    try:
        found = cache.get(key, _MISSING)
    except Exception as exc:  # noqa: BLE001 - a damaged file: compute again, never fail the page
        log.warning("figures cache not readable (%s)", exc.__class__.__name__)
        found = _MISSING
    if found is not _MISSING:
        return found  # type: ignore[return-value]
    value = compute()
    try:
        cache.set(key, value)
    except (OSError, DatabaseError) as exc:
        log.warning("figures cache not writable (%s)", exc.__class__.__name__)
    return value
