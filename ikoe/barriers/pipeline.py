"""The one path for applicants' counts: file → restricted snapshot → disclosure control →
published funnel cells in the database (docs/architecture.md, "The one path for sensitive
data").

:func:`import_selection` reads top to bottom:

1. read and validate the file (:mod:`ikoe.ingest.selection`), and the organisations it names
   against the Land's hierarchy;
2. protect every funnel that pages show — each procedure, and the procedures pooled by
   organisation, by year and all together — in one system (:mod:`ikoe.stats.barrier_tables`);
3. store the published cells and the restricted snapshot, all or nothing.

Pages, the API and commands read the published cells through :mod:`ikoe.barriers.figures`;
every finding is computed from published counts only.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import transaction
from django.utils.translation import gettext as _

from ikoe import restricted
from ikoe.accounts.models import acting_account
from ikoe.barriers.models import FunnelCell, SelectionData
from ikoe.barriers.release import record_replaced
from ikoe.disclosure_rules import current_rules
from ikoe.errors import ImportFailed, ProblemList, excerpt
from ikoe.formats import fmt
from ikoe.ingest.selection import SelectionTable, read_selection
from ikoe.organisations.models import Organisation
from ikoe.stats.barrier_tables import (
    STANDARD_GROUPS,
    WITH,
    FunnelCounts,
    FunnelKey,
    protect_funnels,
)
from ikoe.stats.barriers import Procedure
from ikoe.stats.disclosure import ProtectionFailed
from ikoe.stats.publication import PublicationRules


def restricted_dir() -> Path:
    return restricted.folder("selection")


def import_selection(
    path: str | Path,
    *,
    name: str,
    land: Organisation,
    title: str = "",
    stages: Sequence[str] | None = None,
    groups: Sequence[str] = (),
    user: Any = None,
    max_procedures: int | None = None,
) -> SelectionData:
    """Read, validate, protect and store the selection data of one Land; all or nothing.

    ``stages``: the order of the stages, when the file does not tell it; ``groups``: the
    further groups the file may hold besides "mit Migrationshintergrund", "ohne
    Migrationshintergrund" and "keine Angabe" (``ikoe import-selection --group``, the field
    "Weitere Gruppen" of the upload page); a group of the file that is neither is refused.
    ``max_procedures``: refuse a file with more procedures before protecting it (the upload
    page: protecting takes minutes from a few hundred procedures on, longer than a request may
    wait; ``docs/performance.md``).

    The data start unreleased, also when they replace released data of the same name: new
    figures are public only after the Land's coordinator released them.
    """
    file = str(path)
    _check_name(name, file)
    # 1. read and validate
    table = read_selection(path, stages=stages, groups=groups)
    if max_procedures is not None and len(table.procedures) > max_procedures:
        raise ImportFailed.single(
            "too_many_procedures",
            _(
                "The file holds %(n)s selection procedures; the upload page protects at most "
                "%(max)s at once (more take longer than a page can wait). Upload the years or "
                "agencies in separate data sets, or ask the operator to import the file with "
                "“ikoe import-selection”, which has no such limit."
            )
            % {"n": fmt(len(table.procedures), 0), "max": fmt(max_procedures, 0)},
            file,
        )
    organisations = _organisations(table, land, file)
    # 2. protect every funnel the pages show, together
    funnels = protect(table.procedures, organisations)
    # 3. store
    years = [p.year for p in table.procedures if p.year is not None]
    data = SelectionData(
        name=name,
        title=title or name,
        land=land,
        form=table.form,
        source_name=Path(file).name,
        procedures=len(table.procedures),
        applicants=sum(sum(p.entered[0]) for p in table.procedures),
        first_year=min(years) if years else None,
        last_year=max(years) if years else None,
        created_by=acting_account(user),
        diagnostics={**funnels.diagnostics, "further_groups": further_groups(table.groups)},
    )
    _store(data, funnels.cells, _snapshot(table), user)
    return data


def _check_name(name: str, file: str) -> None:
    problems = ProblemList(file=file)
    try:
        validate_slug(name)
        if len(name) > 100:
            raise ValidationError("too long")
    except ValidationError:
        problems.add(
            "name",
            _(
                "The name “%(name)s” is not usable: use up to 100 letters without umlauts, "
                "digits, hyphens or underscores, such as be-auswahl-2024."
            )
            % {"name": excerpt(name)},
            column="--name",
        )
    problems.raise_if_any()


def _organisations(
    table: SelectionTable, land: Organisation, file: str
) -> dict[str, Organisation | None]:
    """The organisation of each value of the file's organisation column: an organisation of
    ``land`` with that code (or, failing that, that name)."""
    values = sorted({p.organisation for p in table.procedures if p.organisation})
    if not values:
        return {}
    inside = Organisation.objects.filter(land=land)
    by_code = {o.code.casefold(): o for o in inside}
    by_name: dict[str, Organisation] = {}
    for o in inside:
        by_name.setdefault(o.name.casefold(), o)
    found: dict[str, Organisation | None] = {}
    problems = ProblemList(file=file)
    for value in values:
        org = by_code.get(value.casefold()) or by_name.get(value.casefold())
        if org is None:
            problems.add(
                "organisation",
                _(
                    "The organisation “%(value)s” is not an organisation of %(land)s: give the "
                    "code of one of its organisations (as in the organisation hierarchy), or "
                    "leave the column empty."
                )
                % {"value": excerpt(value), "land": land.name},
                column=table.headings.get("organisation", "organisation"),
            )
        found[value] = org
    problems.raise_if_any()
    return found


@dataclass
class Protected:
    """The cells to store and what the data steward's diagnostics say about them."""

    cells: list[FunnelCell]
    diagnostics: dict[str, Any]


def protect(
    procedures: Sequence[Procedure],
    organisations: dict[str, Organisation | None],
    rules: PublicationRules | None = None,
) -> Protected:
    """Protect every funnel the pages show in one system and turn it into cells: each
    procedure, and the procedures with the same stages pooled by organisation, by year, by
    both and all together (:func:`ikoe.stats.barrier_tables.protect_funnels`)."""
    rules = rules or current_rules()
    found = {g for p in procedures for g in p.groups}
    counts = [
        FunnelCounts.from_matrix(
            p.procedure,
            p.stages,
            p.groups,
            p.entered,
            p.passed,
            organisation=p.organisation,
            year=p.year,
            career_group=p.career_group,
        )
        for p in procedures
    ]
    pool_by = [f for f in POOLING if any(c.value(f) not in ("", None) for c in counts)]
    try:
        # Only whether each secret count is protected matters here (the cells keep no
        # interval), so the audit proves each primary count's interval at least W wide
        # instead of computing every exact interval: several times faster on large data.
        result = protect_funnels(
            counts,
            rules.engine,
            rules.width,
            pool_by=pool_by,
            exact_audit=False,
            sensitive=sensitive_groups(found),
        )
    except ProtectionFailed:
        result = None
    if result is None or not result.ok:
        raise ImportFailed.single(
            "protection",
            _(
                "The selection data are too small to be published safely: no pattern of "
                "secret counts protects every applicant. Combine procedures or years and try "
                "again."
            ),
        )
    cells: list[FunnelCell] = []
    reasons: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    ordered = sorted(result.funnels.items(), key=lambda item: _funnel_order(item[0]))
    for number, (key, funnel) in enumerate(ordered, start=1):
        pooled = dict(key.pool)
        if key.procedure is not None:
            procedure, org_value, year, career_group = key.procedure
            pooling = "procedure"
        else:
            procedure, org_value = "", str(pooled.get("organisation") or "")
            year = cast(int | None, pooled.get("year"))
            career_group = str(pooled.get("career_group") or "")
            pooling = "+".join(f for f, _v in key.pool) or "all"
        organisation = organisations.get(org_value) if org_value else None
        for index, stage in enumerate(key.stages):
            for group in funnel.groups:
                figures = funnel.figures.get((stage, group))
                if figures is None:
                    continue
                entered, passed = figures.entered, figures.passed
                for fig in (entered, passed):
                    statuses[fig.status.value] += 1
                    reasons.update(fig.reasons)
                cells.append(
                    FunnelCell(
                        funnel=number,
                        pooling=pooling,
                        procedures=funnel.procedures,
                        procedure=procedure,
                        organisation=organisation,
                        year=year,
                        career_group=career_group,
                        stage=stage,
                        stage_index=index,
                        group=group,
                        entered=entered.value if entered.published else None,
                        passed=passed.value if passed.published else None,
                        entered_status=entered.status.value,
                        passed_status=passed.status.value,
                        entered_symbol="" if entered.published else ".",
                        passed_symbol="" if passed.published else ".",
                        reason=",".join(sorted(set(entered.reasons) | set(passed.reasons))),
                    )
                )
    diagnostics = {
        "rules": rules.as_dict(),
        "method": METHOD,
        "funnels": len(ordered),
        "counts": dict(statuses),
        "reasons": dict(reasons),
    }
    return Protected(cells, diagnostics)


def further_groups(groups: Iterable[str]) -> list[str]:
    """The groups besides the three standard ones, in the order given."""
    return [g for g in groups if g not in STANDARD_GROUPS]


def sensitive_groups(groups: Iterable[str]) -> tuple[str, ...]:
    """The groups whose membership tells something about a person's origin: the group with a
    migration background and every further group (such as Spätaussiedler or EU-Ausland, which
    are parts of it or tell a migration history of their own). Where everybody of a stage whose
    group is known belongs to these groups, knowing that someone reached, failed or left the
    stage gives it away (group disclosure, docs/disclosure.md, "Selection funnels"); only
    "ohne Migrationshintergrund" and "keine Angabe" tell nothing of the kind."""
    return (WITH, *sorted(further_groups(groups)))


POOLING = ("organisation", "year")
"""The fields the pages pool procedures by (each value, and each combination of values)."""

METHOD = "funnels-1"
"""The method of the disclosure control of funnels; stored with the data, so that a change of
method is seen."""


def _funnel_order(key: FunnelKey) -> tuple[Any, ...]:
    """Pooled funnels first (all, then by organisation, year, both), then the procedures."""
    if key.procedure is None:
        fields = tuple(f for f, _v in key.pool)
        return (0, len(fields), fields, tuple(str(v) for _f, v in key.pool), key.stages)
    procedure, organisation, year, career = key.procedure
    return (1, 0, (), (organisation, year or 0, career, procedure), key.stages)


def _snapshot(table: SelectionTable) -> bytes:
    """The counts of every procedure as JSON: what the funnels are protected from again."""
    content = {
        "form": table.form,
        "stages": list(table.stages),
        "groups": list(table.groups),
        "procedures": [asdict(p) for p in table.procedures],
    }
    return json.dumps(content, ensure_ascii=False, sort_keys=True).encode("utf-8")


def _store(data: SelectionData, cells: list[FunnelCell], snapshot: bytes, user: Any = None) -> None:
    """Replace data of the same name by ``data`` with its cells, in one transaction; the
    snapshot is written only when it committed (nothing half)."""
    folder = restricted_dir()
    token = uuid.uuid4().hex
    data.snapshot = f"{token}.json"
    data.snapshot_sha256 = hashlib.sha256(snapshot).hexdigest()
    with transaction.atomic():
        old = SelectionData.objects.select_for_update().filter(name=data.name).first()
        if old is not None and old.land_id != data.land_id:
            raise ImportFailed.single(
                "name",
                _("The name “%(name)s” is already used by selection data of another Land.")
                % {"name": data.name},
                column="--name",
            )
        replaced = [old.snapshot] if old is not None else []
        if old is not None:
            old.delete()
        data.save()
        record_replaced(old, data, user)
        for cell in cells:
            cell.data = data
        FunnelCell.objects.bulk_create(cells)
        transaction.on_commit(
            lambda: restricted.write_files(folder, token, {data.snapshot: snapshot}, replaced)
        )


def clean_restricted_storage() -> int:
    """Remove temporary files of interrupted imports and snapshots no data set refers to."""
    known = set(SelectionData.objects.values_list("snapshot", flat=True))
    return restricted.clean(restricted_dir(), known, "*.json")
