"""The figures of the targets board (docs/targets.md, "The board"): one row per organisation.

The current share of an organisation is the **published cell** of the Land's latest released
staff survey (the table by Land, ministry or agency, under the target's definition), read
through :mod:`ikoe.surveys.figures` with the reader's scope; a protected cell gives its symbol,
never a number. Nothing here reads respondent data. The applicant pool's share comes from the
published funnel counts of the Land's latest released selection data
(:mod:`ikoe.barriers.figures`). Path, projection and required hiring share are the pure
functions of :mod:`ikoe.stats.projection`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ikoe.barriers.figures import funnels
from ikoe.barriers.models import SelectionData
from ikoe.formats import fmt
from ikoe.organisations.models import Organisation
from ikoe.stats.barriers import WITH, WITHOUT
from ikoe.stats.projection import Requirement, required_hiring_share, share_after
from ikoe.surveys.catalogue import LAND, LAND_MINISTRY, LAND_MINISTRY_AGENCY, PublishedTable
from ikoe.surveys.figures import cells_of, published_cells
from ikoe.surveys.models import IndicatorCell, Survey
from ikoe.targets.models import DEFINITIONS, Target
from ikoe.targets.services import Baseline, comparable_definition, default_benchmark

ON_TRACK = "on_track"
OFF_TRACK = "off_track"
NO_DATA = "no_data"
PENDING = "pending"  # a share is published, but nothing yet to judge it by

STATUS_LABELS = {
    ON_TRACK: gettext_lazy("on track"),
    OFF_TRACK: gettext_lazy("not on track"),
    NO_DATA: gettext_lazy("no data"),
    PENDING: gettext_lazy("not judged yet"),
}

REQUIREMENT_LABELS = {
    "reached": gettext_lazy("target reached"),
    "feasible": gettext_lazy("can be done"),
    "above_pool": gettext_lazy("more than the applicant pool supplies"),
    "impossible": gettext_lazy("cannot be done"),
}

TABLE_OF_KIND: dict[str, PublishedTable] = {
    Organisation.Kind.LAND: LAND,
    Organisation.Kind.MINISTRY: LAND_MINISTRY,
    Organisation.Kind.AGENCY: LAND_MINISTRY_AGENCY,
}


def this_year() -> int:
    """The calendar year the path is read at (a function, so tests can fix it)."""
    return timezone.localdate().year


# ---------------------------------------------------------------------------------------------
# Where the figures come from


def latest_released_survey(user: Any, land: Organisation) -> Survey | None:
    """The newest survey whose part of ``land`` its coordination released (by survey year, then
    the latest import)."""
    return (
        Survey.objects.visible_to(user)
        .filter(parts__land=land, parts__published=True)
        .select_related("land")
        .order_by("-year", "-created_at", "-pk")
        .first()
    )


def latest_released_selection(user: Any, land: Organisation) -> SelectionData | None:
    """The newest released selection data of ``land`` (by their last year, then the import)."""
    return (
        SelectionData.objects.visible_to(user)
        .filter(land=land, published=True)
        .order_by(F("last_year").desc(nulls_last=True), "-created_at", "-pk")
        .first()
    )


class PublishedShares:
    """The published cells of a survey for the organisations of a Land, by code and definition.

    Only cells of the published tables by Land, ministry and agency, as the reader may read
    them (:func:`ikoe.surveys.figures.published_cells`)."""

    def __init__(self, user: Any, survey: Survey | None) -> None:
        self.survey = survey
        self.definitions: frozenset[str] = frozenset(
            (survey.diagnostics or {}).get("definitions_derived", []) if survey else []
        )
        self._cells: dict[tuple[str, str, str], IndicatorCell] = {}
        self._read: set[tuple[str, str]] = set()
        self._all = published_cells(user, survey) if survey is not None else None

    def cell(self, organisation: Organisation, definition: str) -> IndicatorCell | None:
        table = TABLE_OF_KIND.get(organisation.kind)
        if self._all is None or table is None or definition not in self.definitions:
            return None
        self._load(table, definition)
        return self._cells.get((table.name, definition, organisation.code))

    def _load(self, table: PublishedTable, definition: str) -> None:
        if (table.name, definition) in self._read or self._all is None:
            return
        self._read.add((table.name, definition))
        for c in cells_of(self._all, table, definition):
            code = c.dims.get(table.rows)
            if code:
                self._cells.setdefault((table.name, definition, code), c)


def pool_shares(user: Any, data: SelectionData | None) -> dict[int, float]:
    """The share of applicants with a migration background among those who declared it, at the
    first stage (the applications) of the published funnels pooled by organisation, by the
    organisation's id. A funnel whose count of either group is kept secret is left out."""
    if data is None:
        return {}
    sums: dict[int, tuple[int, int]] = {}
    for f in funnels(data, user, pooling="organisation"):
        if f.organisation is None or not f.stages:
            continue
        first = f.stages[0]
        with_bg, without = f.cell(first, WITH), f.cell(first, WITHOUT)
        if with_bg is None or without is None:
            continue
        if with_bg.entered is None or without.entered is None:
            continue
        yes, total = sums.get(f.organisation.pk, (0, 0))
        sums[f.organisation.pk] = (yes + with_bg.entered, total + with_bg.entered + without.entered)
    return {pk: yes / total for pk, (yes, total) in sums.items() if total > 0}


def baselines(
    user: Any, land: Organisation, organisations: Sequence[Organisation], definition: str
) -> dict[int, Baseline]:
    """The published share of each organisation of ``land`` now (in the Land's latest released
    survey, under ``definition``), by the organisation's id: where the straight path to a target
    set now starts. Empty for an organisation without one (no released survey, or the cell is
    kept secret)."""
    survey = latest_released_survey(user, land)
    if survey is None:
        return {o.pk: Baseline() for o in organisations}
    shares = PublishedShares(user, survey)
    out = {}
    for org in organisations:
        cell = shares.cell(org, definition)
        if cell is None or cell.suppressed or cell.share is None:
            out[org.pk] = Baseline()
        else:
            out[org.pk] = Baseline(cell.share, survey.year, f"{survey.title} ({survey.year})")
    return out


def baseline(user: Any, organisation: Organisation, definition: str) -> Baseline:
    """:func:`baselines` of one organisation."""
    land = organisation if organisation.kind == Organisation.Kind.LAND else organisation.land
    if land is None:
        return Baseline()
    return baselines(user, land, [organisation], definition)[organisation.pk]


# ---------------------------------------------------------------------------------------------
# One row


@dataclass
class Row:
    """One organisation on the board, with everything the board shows of it."""

    organisation: Organisation
    ministry: Organisation | None
    target: Target | None
    cell: IndicatorCell | None = None
    share_note: str = ""  # why there is no current share
    survey_year: int | None = None
    path: float | None = None  # on the straight path, this year
    path_note: str = ""
    projected: float | None = None  # at the deadline, at the current hiring share
    projected_note: str = ""
    requirement: Requirement | None = None
    requirement_note: str = ""
    pool: float | None = None
    status: str = NO_DATA
    status_note: str = ""

    @property
    def share(self) -> float | None:
        """The published current share, or ``None`` when there is none to show."""
        if self.cell is None or self.cell.suppressed:
            return None
        return self.cell.share

    @property
    def symbol(self) -> str:
        """What stands in place of a missing share: the cell's symbol, or "–"."""
        if self.cell is None:
            return "–"
        return self.cell.symbol or "."

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def requirement_label(self) -> str:
        if self.requirement is None:
            return ""
        return str(REQUIREMENT_LABELS[self.requirement.status])

    @property
    def requirement_words(self) -> str:
        """The required hiring share with its status, in one phrase."""
        r = self.requirement
        if r is None:
            return self.requirement_note
        if r.status == "reached":
            return _("none needed: the target is reached")
        if r.status == "feasible":
            return _("%(share)s %% of hires: can be done") % {"share": fmt(100 * (r.share or 0))}
        if r.status == "above_pool":
            return _(
                "%(share)s %% of hires: more than the applicant pool supplies (%(pool)s %%)"
            ) % {"share": fmt(100 * (r.share or 0)), "pool": fmt(100 * (self.pool or 0))}
        if r.share is None:
            return _("cannot be done: nobody is hired (the workforce shrinks as fast as it leaves)")
        return _("cannot be done: it would take %(share)s %% of hires") % {
            "share": fmt(100 * r.share)
        }

    @property
    def level(self) -> str:
        return str(self.organisation.get_kind_display())


def assess(
    row: Row, survey: Survey | None, shares: PublishedShares, year: int, definition: str = ""
) -> Row:
    """Fill in the figures of ``row`` (its current share, path, projection, requirement and
    whether it is on track); see docs/targets.md for each. The current share is read under the
    target's definition, and without a target under ``definition`` (the board's default)."""
    target = row.target
    definition = target.definition if target is not None else definition
    if survey is None:
        row.share_note = _("No released staff survey of the Land.")
    elif definition not in shares.definitions:
        row.share_note = _("The survey publishes no figures under the target's definition.")
    else:
        row.cell = shares.cell(row.organisation, definition)
        row.survey_year = survey.year
        if row.cell is None:
            row.share_note = _("The survey has no figure of this organisation.")
        elif row.cell.suppressed:
            row.share_note = (
                _("Not published: not reliable enough.")
                if row.cell.symbol == "/"
                else _("Kept secret (disclosure control).")
            )
    if target is None or target.share is None or target.deadline is None:
        row.status_note = _("No target set.")
        return row
    goal, deadline = target.share, target.deadline
    p0 = row.share
    row.path = _path(target, p0, row.survey_year, year)
    if row.path is None:
        row.path_note = _("No share to start the path from.")
    if p0 is None or row.survey_year is None:
        row.status_note = row.share_note
        row.projected_note = row.requirement_note = _("No current share.")
        return row
    years = deadline - row.survey_year
    _project(row, target, p0, years)
    _require(row, target, p0, goal, years)
    _judge(row, target, p0, goal, years)
    return row


def _path(target: Target, p0: float | None, survey_year: int | None, year: int) -> float | None:
    """The share on the straight path from the baseline (or, without one, the current share at
    the survey's year) to the target at the deadline, in ``year``."""
    if target.share is None or target.deadline is None:
        return None
    if target.baseline_share is not None and target.baseline_year is not None:
        start, start_year = target.baseline_share, target.baseline_year
    elif p0 is not None and survey_year is not None:
        start, start_year = p0, survey_year
    else:
        return None
    return straight_path(start, start_year, target.share, target.deadline, year)


def straight_path(start: float, start_year: int, goal: float, deadline: int, year: int) -> float:
    """The share in ``year`` on the straight line from ``start`` in ``start_year`` to ``goal``
    in ``deadline``; before the start the start, after the deadline the goal.

    >>> round(straight_path(0.10, 2024, 0.20, 2034, 2029), 4)
    0.15
    >>> straight_path(0.10, 2024, 0.20, 2034, 2040), straight_path(0.10, 2024, 0.20, 2024, 2024)
    (0.2, 0.2)
    """
    if deadline <= start_year or year >= deadline:
        return goal
    if year <= start_year:
        return start
    return start + (goal - start) * (year - start_year) / (deadline - start_year)


def _project(row: Row, target: Target, p0: float, years: int) -> None:
    if target.exit_rate is None or target.hiring_share is None:
        row.projected_note = _("Needs the exit rate and the current hiring share.")
        return
    if years < 0:
        row.projected_note = _("The deadline lies before the survey year.")
        return
    try:
        row.projected = share_after(
            p0, years, target.exit_rate, target.hiring_share, target.growth or 0.0
        )
    except ValueError:
        row.projected_note = _("The assumptions do not fit together (growth and exit rate).")


def _require(row: Row, target: Target, p0: float, goal: float, years: int) -> None:
    if p0 >= goal:
        row.requirement = Requirement("reached", None)
        return
    if target.exit_rate is None:
        row.requirement_note = _("Needs the exit rate.")
        return
    if years < 1:
        row.requirement_note = _("The deadline has passed (counted from the survey year).")
        return
    try:
        row.requirement = required_hiring_share(
            p0, goal, years, target.exit_rate, target.growth or 0.0, pool=row.pool
        )
    except ValueError:
        row.requirement_note = _("The assumptions do not fit together (growth and exit rate).")


def _judge(row: Row, target: Target, p0: float, goal: float, years: int) -> None:
    """On track or not (docs/targets.md, "On track")."""
    if p0 >= goal:
        row.status, row.status_note = ON_TRACK, _("The target is reached.")
        return
    if years < 1:
        row.status = OFF_TRACK
        row.status_note = _("The deadline has passed and the target is not reached.")
        return
    if row.projected is not None:
        reached = row.projected >= goal - 1e-9
        row.status = ON_TRACK if reached else OFF_TRACK
        row.status_note = _(
            "At the current hiring share the share reaches %(projected)s %% by %(deadline)s."
        ) % {"projected": fmt(100 * row.projected), "deadline": target.deadline}
        return
    if (
        target.baseline_share is not None
        and target.baseline_year is not None
        and row.survey_year is not None
        and row.survey_year > target.baseline_year
        and target.deadline is not None
    ):
        due = straight_path(
            target.baseline_share, target.baseline_year, goal, target.deadline, row.survey_year
        )
        row.status = ON_TRACK if p0 >= due - 1e-9 else OFF_TRACK
        row.status_note = _(
            "The share of %(year)s is %(share)s %%; the straight path asks %(due)s %%."
        ) % {"year": row.survey_year, "share": fmt(100 * p0), "due": fmt(100 * due)}
        return
    row.status = PENDING
    row.status_note = _(
        "No judgement yet: it needs the current hiring share or a survey after the target was set."
    )


# ---------------------------------------------------------------------------------------------
# The board of a Land


def default_definition(land: Organisation, published: frozenset[str]) -> str:
    """The definition the board reads an organisation without a target under: the one that
    draws the line as the Land's default benchmark, if the survey publishes it, else the first
    the survey publishes (in the order of ``ikoe.labels.SURVEY_DEFINITION_LABELS``)."""
    preferred = comparable_definition(default_benchmark(land))
    if preferred in published or not published:
        return preferred
    return next((d for d, _label in DEFINITIONS if d in published), preferred)


@dataclass
class Board:
    land: Organisation
    survey: Survey | None
    selection: SelectionData | None
    year: int
    definition: str  # the definition of rows without a target
    summary: list[Row]  # the Land and its ministries (readers of the whole Land)
    rows: list[Row]  # the agencies


def build_board(
    user: Any,
    land: Organisation,
    agencies: Sequence[Organisation],
    summary: Sequence[Organisation],
    targets: dict[int, Target],
    year: int | None = None,
) -> Board:
    """The board of ``land`` for ``user``: a row for each of ``agencies`` and ``summary`` (the
    Land and ministries the reader may see), with ``targets`` (in force, by organisation id)."""
    year = this_year() if year is None else year
    survey = latest_released_survey(user, land)
    selection = latest_released_selection(user, land)
    shares = PublishedShares(user, survey)
    pools = pool_shares(user, selection)
    definition = default_definition(land, shares.definitions)

    def row(org: Organisation) -> Row:
        ministry = org.parent if org.kind == Organisation.Kind.AGENCY else None
        r = Row(org, ministry, targets.get(org.pk), pool=pools.get(org.pk))
        return assess(r, survey, shares, year, definition)

    return Board(
        land,
        survey,
        selection,
        year,
        definition,
        [row(o) for o in summary],
        [row(o) for o in agencies],
    )


# ---------------------------------------------------------------------------------------------
# Sorting


def _name(r: Row) -> tuple[str, str]:
    return (r.ministry.name if r.ministry else "", r.organisation.name)


def _target_share(r: Row) -> float | None:
    return r.target.share if r.target is not None else None


def _deadline(r: Row) -> float | None:
    return float(r.target.deadline) if r.target is not None and r.target.deadline else None


def _required(r: Row) -> float | None:
    if r.requirement is None:
        return None
    if r.requirement.status == "reached":
        return 0.0
    return r.requirement.share if r.requirement.share is not None else 2.0


_STATUS_ORDER = {OFF_TRACK: 0.0, ON_TRACK: 1.0, NO_DATA: None, PENDING: None}

SORT_KEYS: dict[str, Callable[[Row], Any]] = {
    "share": lambda r: r.share,
    "target": _target_share,
    "deadline": _deadline,
    "path": lambda r: r.path,
    "projected": lambda r: r.projected,
    "required": _required,
    "status": lambda r: _STATUS_ORDER[r.status],
}
"""The columns the board sorts by (besides ``organisation``: by ministry, then name)."""


def sort_rows(rows: Sequence[Row], sort: str) -> list[Row]:
    """``rows`` sorted by ``sort`` (a key of :data:`SORT_KEYS`, ``-`` in front for descending);
    rows without a value come last either way, in the order of their names. Anything else sorts
    by ministry and name."""
    descending = sort.startswith("-")
    key = SORT_KEYS.get(sort.lstrip("-"))
    by_name = sorted(rows, key=_name)
    if key is None:
        return list(reversed(by_name)) if descending and sort == "-organisation" else by_name
    present = [r for r in by_name if key(r) is not None]
    missing = [r for r in by_name if key(r) is None]
    present.sort(key=key, reverse=descending)  # stable: equal values keep the name order
    return present + missing
