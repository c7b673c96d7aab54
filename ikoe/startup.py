"""What ``ikoe serve`` loads at start: the Länder, the shipped reference data."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def load_shipped_data() -> Iterator[str]:
    """Load the shipped data idempotently and say what happened, one line per step."""
    from ikoe.monitoring.benchmarks import load_reference_data
    from ikoe.monitoring.demo import load_demo
    from ikoe.monitoring.organisations import ensure_laender
    from ikoe.monitoring.surveys import clean_restricted_storage

    removed = clean_restricted_storage()
    if removed:
        yield ngettext(
            "Removed %(count)d leftover file of an interrupted survey import.",
            "Removed %(count)d leftover files of interrupted survey imports.",
            removed,
        ) % {"count": removed}
    created = ensure_laender()
    if created:
        yield _("Created the 16 Länder as organisations.")
    dataset = load_reference_data()
    if dataset is not None:
        yield _("Loaded the reference figures: %(rows)d figures from %(file)s.") % {
            "rows": dataset.rows.count(),
            "file": dataset.file_name,
        }
    survey = load_demo()
    if survey is not None:
        yield _("Loaded the synthetic demo survey “%(title)s”: %(rows)d respondents.") % {
            "title": survey.title,
            "rows": survey.respondents,
        }
