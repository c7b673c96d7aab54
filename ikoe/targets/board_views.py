"""The targets board ``/ziele/`` and its exports (docs/targets.md, "The board").

Members of a Land and the federal level see the board of a Land; a member limited to an agency
sees the rows of their agencies only. A Land outside the reader's reach answers 404. The figures
are computed in :mod:`ikoe.targets.board` from published cells only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from ikoe.accounts.models import Role
from ikoe.accounts.scope import has_role, visible, visible_lands, visible_organisations
from ikoe.formats import fmt, rounded
from ikoe.labels import SURVEY_DEFINITION_LABELS
from ikoe.organisations.models import Organisation
from ikoe.reports.charts import Bar, bar_chart
from ikoe.reports.csv import spreadsheet_csv
from ikoe.reports.download import download
from ikoe.reports.xlsx import Sheet, workbook_bytes
from ikoe.targets.board import SORT_KEYS, Board, Row, build_board, sort_rows
from ikoe.targets.models import Target
from ikoe.targets.services import default_benchmark, describe_benchmark, missing_targets

SORTS = ("organisation", *SORT_KEYS)


@dataclass
class Reader:
    """What of a Land's board the reader sees."""

    land: Organisation
    whole: bool  # the whole Land (else the rows of their agencies only)
    agencies: list[Organisation]
    ministries: list[Organisation]
    can_set: bool


def board_lands(user: Any) -> list[Organisation]:
    """The Länder whose board the user may see, by name."""
    return list(visible_lands(user).order_by("name"))


def reader(user: Any, land: Organisation) -> Reader:
    whole = has_role(user, Role.VIEWER, land=land)
    agencies = Organisation.objects.filter(land=land, kind=Organisation.Kind.AGENCY)
    if not whole:
        agencies = visible_organisations(user, qs=agencies)
    agency_list = list(agencies.select_related("parent").order_by("name"))
    ministries = Organisation.objects.filter(land=land, kind=Organisation.Kind.MINISTRY)
    if not whole:
        ministries = ministries.filter(pk__in={a.parent_id for a in agency_list})
    return Reader(
        land,
        whole,
        agency_list,
        list(ministries.order_by("name")),
        has_role(user, Role.COORDINATOR, land=land),
    )


def choose_land(request: HttpRequest) -> tuple[Organisation | None, list[Organisation]]:
    """The Land asked for (``?land=``; 404 outside the reader's reach) or the first one with
    targets, else the first by name."""
    lands = board_lands(request.user)
    code = request.GET.get("land", "")
    if code:
        land = next((x for x in lands if x.code == code), None)
        if land is None:
            raise Http404
        return land, lands
    if not lands:
        return None, lands
    with_targets = set(
        Target.objects.in_force()
        .filter(organisation__land__in=lands)
        .values_list("organisation__land_id", flat=True)
    )
    return next((x for x in lands if x.pk in with_targets), lands[0]), lands


@dataclass
class BoardView:
    reader: Reader
    board: Board
    ministry: Organisation | None
    sort: str
    rows: list[Row]
    summary: list[Row]


def board_view(request: HttpRequest, land: Organisation) -> BoardView:
    """The board of ``land`` as the request asks for it: filtered by ministry, sorted."""
    who = reader(request.user, land)
    ministry = next((m for m in who.ministries if m.code == request.GET.get("ministry")), None)
    agencies = [a for a in who.agencies if ministry is None or a.parent_id == ministry.pk]
    summary: list[Organisation] = []
    if who.whole:
        summary = [land, *(m for m in who.ministries if ministry is None or m == ministry)]
    targets = {
        t.organisation_id: t
        for t in visible(Target.objects.in_force(), request.user).filter(
            organisation__in=[*agencies, *summary]
        )
    }
    board = build_board(request.user, land, agencies, summary, targets)
    sort = request.GET.get("sort", "organisation")
    if sort.lstrip("-") not in SORTS:
        sort = "organisation"
    return BoardView(who, board, ministry, sort, sort_rows(board.rows, sort), board.summary)


def board(request: HttpRequest) -> HttpResponse:
    land, lands = choose_land(request)
    if land is None:
        return render(request, "targets/board.html", {"lands": lands, "land": None})
    view = board_view(request, land)
    benchmark = default_benchmark(land)
    context = {
        "lands": lands,
        "land": land,
        "view": view,
        "board": view.board,
        "rows": view.rows,
        "summary": view.summary,
        "grouped": view.sort == "organisation",
        "groups": _groups(view.rows) if view.sort == "organisation" else [],
        "columns": _columns(view.sort, view.board.year),
        "sort": view.sort,
        "query": _query(land, view),
        "chart": _chart(view.rows),
        "benchmark": benchmark,
        "benchmark_text": describe_benchmark(benchmark) if benchmark else "",
        "definitions": _definitions_used([*view.summary, *view.rows], view.board.definition),
        "missing": missing_targets(land) if view.reader.can_set else 0,
    }
    return render(request, "targets/board.html", context)


def _groups(rows: list[Row]) -> list[tuple[Organisation | None, list[Row]]]:
    groups: list[tuple[Organisation | None, list[Row]]] = []
    for r in rows:
        if not groups or groups[-1][0] != r.ministry:
            groups.append((r.ministry, []))
        groups[-1][1].append(r)
    return groups


def _columns(sort: str, year: int) -> dict[str, dict[str, Any]]:
    """The sortable columns by name: heading, the sort the button asks for, aria-sort."""
    headings = {
        "organisation": pgettext("targets board", "Agency"),
        "share": _("Current share in %"),
        "target": _("Target in %"),
        "deadline": _("Deadline"),
        "path": _("Straight path %(year)s in %%") % {"year": year},
        "projected": _("Projected at the deadline in %"),
        "required": _("Required hiring share"),
        "status": _("On track?"),
    }
    current, descending = sort.lstrip("-"), sort.startswith("-")
    out = {}
    for name in SORTS:
        active = name == current
        out[name] = {
            "name": name,
            "heading": headings[name],
            "next": f"-{name}" if active and not descending else name,
            "aria_sort": ("descending" if descending else "ascending") if active else "",
            "num": name not in ("organisation", "required", "status"),
        }
    return out


def _query(land: Organisation, view: BoardView) -> str:
    """The query string of the board as shown, for the exports."""
    parts = {"land": land.code}
    if view.ministry is not None:
        parts["ministry"] = view.ministry.code
    if view.sort != "organisation":
        parts["sort"] = view.sort
    return urlencode(parts)


def _definitions_used(rows: list[Row], default: str) -> list[str]:
    """The names of the definitions the rows are read under (that of each target; the board's
    default for rows without one)."""
    codes = sorted({r.target.definition if r.target is not None else default for r in rows})
    return [str(SURVEY_DEFINITION_LABELS.get(c, c)) for c in codes]


@dataclass(frozen=True)
class Chart:
    svg: str
    left_out: int = 0


def _chart(rows: list[Row]) -> Chart | None:
    """Current share and target of each agency with either, as a grouped bar chart."""
    current, goal = _("Current share"), _("Target")
    bars: list[Bar] = []
    described = []
    for r in rows:
        name = r.organisation.name
        share = r.share
        target = r.target.share if r.target is not None else None
        if share is None and target is None:
            continue
        if share is not None:
            bars.append(Bar(name, 100 * share, current))
        if target is not None:
            bars.append(Bar(name, 100 * target, goal))
        described.append(
            _("%(agency)s: current share %(share)s, target %(target)s")
            % {
                "agency": name,
                "share": f"{fmt(100 * share)} %" if share is not None else r.symbol,
                "target": f"{fmt(100 * target)} %" if target is not None else "–",
            }
        )
    if not any(b.series == current for b in bars):
        return None
    svg = bar_chart(
        bars,
        title=_("Current share and target by agency"),
        description="; ".join(described),
        value_title=_("Share in %"),
        ident="chart-targets",
    )
    return Chart(svg, sum(1 for r in rows if r.share is None))


# ---------------------------------------------------------------------------------------------
# Exports


def _percent(value: float | None) -> float | None:
    return None if value is None else float(rounded(100 * value, 1))


def export_rows(view: BoardView) -> tuple[list[str], list[list[Any]]]:
    """The board as a table: the Land and its ministries (for readers of the whole Land), then
    the agencies in the order shown; shares in percent with one decimal."""
    year = view.board.year
    header = [
        _("Level"),
        _("Ministry"),
        _("Organisation"),
        _("Code"),
        _("Survey year"),
        _("Current share in %"),
        _("95 % interval from"),
        _("95 % interval to"),
        _("Symbol"),
        _("Target in %"),
        _("Deadline"),
        _("Definition"),
        _("Straight path %(year)s in %%") % {"year": year},
        _("Projected at the deadline in %"),
        _("Required hiring share in %"),
        _("Required hiring share: can it be done?"),
        _("Applicant pool in %"),
        _("On track?"),
        _("Why"),
    ]
    rows = []
    for r in [*view.summary, *view.rows]:
        t = r.target
        shown = r.share is not None
        rows.append(
            [
                r.level,
                r.ministry.name if r.ministry else "",
                r.organisation.name,
                r.organisation.code,
                r.survey_year,
                _percent(r.share),
                _percent(r.cell.ci_low) if shown and r.cell else None,
                _percent(r.cell.ci_high) if shown and r.cell else None,
                "" if shown else r.symbol,
                _percent(t.share) if t is not None else None,
                t.deadline if t is not None else None,
                str(SURVEY_DEFINITION_LABELS.get(t.definition, t.definition)) if t else "",
                _percent(r.path),
                _percent(r.projected),
                _percent(r.requirement.share) if r.requirement else None,
                r.requirement_label or r.requirement_note,
                _percent(r.pool),
                r.status_label,
                r.status_note,
            ]
        )
    return header, rows


def _source_lines(view: BoardView) -> list[str]:
    survey = view.board.survey
    lines = []
    if survey is not None:
        lines.append(
            _("Source: %(title)s, staff survey %(year)s (published, protected figures).")
            % {"title": survey.title, "year": survey.year}
        )
    else:
        lines.append(_("No released staff survey of the Land."))
    if view.board.selection is not None:
        lines.append(
            _("Applicant pool: selection data “%(title)s” (published counts).")
            % {"title": view.board.selection.title}
        )
    lines.append(
        _(
            "Symbols: . kept secret or not known, / not reliable enough, x cannot be computed, – no value."
        )
    )
    lines.append(_("Targets are internal: for members of the Land and the federal level."))
    return lines


def _filename(land: Organisation, ext: str) -> str:
    return f"ziele-{land.code.lower()}.{ext}"


def board_csv(request: HttpRequest) -> HttpResponse:
    land, _lands = choose_land(request)
    if land is None:
        raise Http404
    view = board_view(request, land)
    header, rows = export_rows(view)
    content = spreadsheet_csv(header, [[_csv_cell(v) for v in row] for row in rows])
    return download(content, _filename(land, "csv"))


def _csv_cell(value: Any) -> Any:
    """Numbers with a decimal comma, for German Excel."""
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",")
    return "" if value is None else value


def board_xlsx(request: HttpRequest) -> HttpResponse:
    land, _lands = choose_land(request)
    if land is None:
        raise Http404
    view = board_view(request, land)
    header, rows = export_rows(view)
    data = workbook_bytes([Sheet(_("Targets"), header, rows, notes=_source_lines(view))])
    return download(data, _filename(land, "xlsx"))
