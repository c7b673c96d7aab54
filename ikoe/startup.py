"""What commands prepare before they run: the database (every command that uses it) and, for
``ikoe serve``, the Länder and the shipped reference data."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

logger = logging.getLogger(__name__)


def prepare_database() -> None:
    """Create the data directories and apply missing migrations, quietly; cheap when up to date.

    Every ``ikoe`` command that uses the database calls it first (:mod:`ikoe.cli`), so each one
    works on a fresh ``IKOE_DATA_DIR`` as ``ikoe serve`` does.
    """
    from django.conf import settings
    from django.core.management import call_command
    from django.db import DEFAULT_DB_ALIAS, connections
    from django.db.migrations.executor import MigrationExecutor

    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    settings.RESTRICTED_DIR.mkdir(parents=True, exist_ok=True, mode=0o700)
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        call_command("migrate", interactive=False, verbosity=0)


def load_shipped_data() -> Iterator[str]:
    """Load the shipped data idempotently and say what happened, one line per step."""
    from ikoe.assessment.demo import load_demo_assessments
    from ikoe.assessment.questionnaire import available_versions, load
    from ikoe.barriers.demo import load_demo_selection
    from ikoe.barriers.pipeline import clean_restricted_storage as clean_selection_storage
    from ikoe.benchmarks.services import load_reference_data
    from ikoe.exchange.seed import FILE_NAME as PRACTICES_FILE
    from ikoe.exchange.seed import load_shipped_practices
    from ikoe.measures.anchoring import FILE_NAME, load_shipped_provisions
    from ikoe.organisations.services import ensure_laender
    from ikoe.surveys.demo import load_demo
    from ikoe.surveys.pipeline import clean_restricted_storage

    removed = clean_restricted_storage() + clean_selection_storage()
    if removed:
        yield ngettext(
            "Removed %(count)d leftover file of an interrupted import.",
            "Removed %(count)d leftover files of interrupted imports.",
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
    provisions = load_shipped_provisions()
    if provisions is not None:
        yield _("Loaded the anchoring register: %(rows)d provisions from %(file)s.") % {
            "rows": provisions,
            "file": FILE_NAME,
        }
    practices = load_shipped_practices()
    if practices is not None:
        yield _("Loaded the exchange: %(rows)d practices from %(file)s.") % {
            "rows": practices,
            "file": PRACTICES_FILE,
        }
    republished = republish_outdated()
    if republished:
        yield ngettext(
            "Protected the tables of %(count)d survey again with the current disclosure rules.",
            "Protected the tables of %(count)d surveys again with the current disclosure rules.",
            republished,
        ) % {"count": republished}
    survey = load_demo()
    if survey is not None:
        yield _("Loaded the synthetic demo survey “%(title)s”: %(rows)d respondents.") % {
            "title": survey.title,
            "rows": survey.respondents,
        }
    selection = load_demo_selection()
    if selection is not None:
        yield _("Loaded the synthetic demo selection data “%(title)s”: %(count)d procedures.") % {
            "title": selection.title,
            "count": selection.procedures,
        }
    # Every questionnaire of the IKÖ-Check is read now, so that a defective file stops the
    # start with its message instead of failing on a page later.
    versions = [load(version).version for version in available_versions()]
    assessments = load_demo_assessments()
    if assessments:
        yield ngettext(
            "Loaded %(count)d synthetic IKÖ-Check of the demo Land (questionnaire %(version)s).",
            "Loaded %(count)d synthetic IKÖ-Checks of the demo Land (questionnaire %(version)s).",
            assessments,
        ) % {"count": assessments, "version": versions[-1]}


def republish_outdated() -> int:
    """Protect again the surveys whose cells were made with other rules or an older method."""
    from ikoe.surveys.models import Survey
    from ikoe.surveys.pipeline import republish
    from ikoe.surveys.publication import needs_republishing

    count = 0
    for survey in Survey.objects.all():
        if not needs_republishing(survey):
            continue
        try:
            republish(survey)
        except OSError as exc:  # a snapshot that is gone: keep the cells, say so
            logger.warning(
                "Survey %s could not be protected again (%s); run ikoe publish --survey %s.",
                survey.name,
                exc.__class__.__name__,
                survey.name,
            )
            continue
        count += 1
    return count
