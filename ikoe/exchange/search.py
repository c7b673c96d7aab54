"""The practice search (docs/exchange.md, "Search"): German full text with stemming, facets with
counts, sorting, paging and highlighted matches, the same for the pages, the API and the exports.

A query has words (``q``) and facet filters. Values of one facet are alternatives (Berlin *or*
Hamburg), facets combine (Berlin *and* personnel development). The counts of a facet are taken
over the matches of the words and of every *other* facet's filter, so that a user sees what
choosing another value of the same facet would give.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ikoe.accounts.scope import land_grants
from ikoe.exchange import fts, vocab
from ikoe.exchange.fts import FTS_TABLE
from ikoe.exchange.models import Practice
from ikoe.exchange.text import fts5_query, parse, stems, tsquery
from ikoe.regions import DISPLAY_NAMES, FEDERAL, LAENDER


@dataclass(frozen=True)
class Facet:
    name: str
    """The query parameter (``dimension=strategy``)."""
    label: str | Promise
    choices: vocab.Choices
    field: str
    multi: bool = False
    """A list on the record (searched by its bit mask), else one value per record."""
    reviewers_only: bool = False
    """Shown only to those who see unpublished records."""


REGION_CHOICES: vocab.Choices = [(code, DISPLAY_NAMES[code]) for code in (*LAENDER, FEDERAL)]

FACETS: tuple[Facet, ...] = (
    Facet("dimension", _("IKÖ-Check dimension"), vocab.DIMENSIONS, "dimensions_mask", True),
    Facet("sector", _("Standard system"), vocab.SECTORS, "sectors_mask", True),
    Facet("land", _("Land"), REGION_CHOICES, "region_code"),
    Facet("level", _("Level"), vocab.LEVELS, "level"),
    Facet("target_group", _("Target group"), vocab.TARGET_GROUPS, "target_groups_mask", True),
    Facet("measure_type", _("Measure type"), vocab.MEASURE_TYPES, "measure_types_mask", True),
    Facet("evaluation", _("Evaluated"), vocab.EVALUATIONS, "evaluation"),
    Facet("status", _("Status"), vocab.STATUSES, "status"),
    Facet("cost_band", _("Cost band"), vocab.COST_BANDS, "cost_band"),
    Facet("state", _("Review state"), Practice.State.choices, "state", reviewers_only=True),
)
FACET_BY_NAME = {f.name: f for f in FACETS}

SORTS: vocab.Choices = [
    ("relevance", _("relevance")),
    ("date", _("last update, newest first")),
    ("title", _("title A–Z")),
]
PER_PAGE = 20
MAX_PAGE = 500


@dataclass(frozen=True)
class SearchQuery:
    q: str = ""
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    sort: str = "relevance"
    offset: int = 0
    limit: int = PER_PAGE

    @property
    def page(self) -> int:
        return self.offset // self.limit + 1

    @classmethod
    def from_params(cls, params: Any, per_page: int = PER_PAGE) -> SearchQuery:
        """The query from request parameters (a QueryDict or a dict of lists); unknown facet
        values are dropped, so that a stale link still searches."""
        filters: dict[str, tuple[str, ...]] = {}
        for facet in FACETS:
            values = (
                params.getlist(facet.name)
                if hasattr(params, "getlist")
                else params.get(facet.name, [])
            )
            if isinstance(values, str):
                values = [values]
            known = vocab.codes(facet.choices)
            chosen = tuple(v for v in known if v in set(values))
            if chosen:
                filters[facet.name] = chosen
        sort = params.get("sort") or ""
        try:
            page = max(1, min(MAX_PAGE, int(params.get("page") or 1)))
        except (TypeError, ValueError):
            page = 1
        q = str(params.get("q") or "")[:200]
        if sort not in vocab.codes(SORTS):
            sort = "relevance" if q.strip() else "date"
        return cls(q=q, filters=filters, sort=sort, offset=(page - 1) * per_page, limit=per_page)

    @property
    def terms(self) -> list[tuple[str, ...]]:
        return parse(self.q)


@dataclass
class FacetValue:
    code: str
    label: str
    count: int | None
    """``None`` for the values of a facet the query filters by (not counted)."""
    selected: bool


@dataclass
class FacetCounts:
    facet: Facet
    values: list[FacetValue]


@dataclass
class SearchResult:
    query: SearchQuery
    total: int
    practices: list[Practice]
    facets: list[FacetCounts]
    stems: list[str]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.query.limit))


def _tokens(filters: Mapping[str, tuple[str, ...]]) -> list[list[str]]:
    """The filters as groups of facet tokens (ikoe/exchange/fts.py): one group per facet, of
    which one token must be there."""
    groups = []
    for name, values in filters.items():
        facet = FACET_BY_NAME[name]
        if facet.multi:
            all_codes = vocab.codes(facet.choices)
            groups.append([fts.token(facet.field, all_codes.index(v)) for v in values])
        else:
            groups.append([fts.token(facet.field, v) for v in values])
    return groups


def _public_only(user: Any) -> bool:
    """Whether the user finds published practices only (anonymous users, outside members)."""
    return not land_grants(user)


def _indexed(
    qs: QuerySet[Practice],
    terms: list[tuple[str, ...]],
    groups: list[list[str]],
    rank: bool,
) -> QuerySet[Practice]:
    """Narrow to the practices whose texts match every term and that carry a token of every
    group, in the full-text index (and annotate ``rank`` when there are words)."""
    if not terms and not groups:
        return qs
    if connection.vendor == "postgresql":
        parts, params = [], []
        if terms:
            parts.append("to_tsquery('german', %s)")
            params.append(tsquery(terms))
        if groups:
            parts.append("to_tsquery('simple', %s)")
            params.append(" & ".join("(" + " | ".join(g) + ")" for g in groups))
        qs = qs.extra(where=[f"search_vector @@ ({' && '.join(parts)})"], params=params)
        if rank and terms:
            # ranked by the small vector of title, summary and keywords (fts.py): reading the
            # whole text's vector of every match would cost more than the search itself
            qs = qs.extra(
                select={"rank": "ts_rank(rank_vector, to_tsquery('german', %s))"},
                select_params=[tsquery(terms)],
            )
        return qs
    match = " AND ".join(
        [
            *([fts5_query(terms)] if terms else []),
            *("facets : (" + " OR ".join(f'"{t}"' for t in g) + ")" for g in groups),
        ]
    )
    qs = qs.extra(
        tables=[FTS_TABLE],
        where=[f"{FTS_TABLE} MATCH %s", f"{FTS_TABLE}.rowid = exchange_practice.id"],
        params=[match],
    )
    if rank and terms:
        # bm25 is lower for better matches; negated so that both databases sort descending
        qs = qs.extra(select={"rank": f"-bm25({FTS_TABLE}, 4.0, 1.0, 0.0)"})
    return qs


def base_queryset(user: Any) -> QuerySet[Practice]:
    """The practices the user may find: published ones, and those of their scope."""
    return Practice.objects.visible_to(user)


def sees_unpublished(user: Any) -> bool:
    return (
        bool(getattr(user, "is_authenticated", False))
        and Practice.objects.visible_to(user).filter(published=False).exists()
    )


def matching(user: Any, query: SearchQuery, *, rank: bool = False) -> QuerySet[Practice]:
    """The practices that match the words and the filters in the user's scope."""
    groups = _tokens(query.filters)
    if _public_only(user):
        groups.append([fts.PUBLISHED_TOKEN])
    return _indexed(base_queryset(user), query.terms, groups, rank)


def _order(query: SearchQuery, ranked: bool) -> str:
    """The ORDER BY of a page over the columns of :func:`_one_pass`'s matches."""
    if query.sort == "relevance" and ranked:
        return "m.rank DESC, m.updated_at DESC, m.id ASC"
    if query.sort == "title":
        return "m.title ASC, m.id ASC"
    return "m.updated_at DESC, m.id DESC"


def _one_pass(
    qs: QuerySet[Practice], facets: Sequence[Facet], query: SearchQuery, ranked: bool
) -> tuple[int, dict[str, dict[str, int]], list[tuple[int, float | None]]] | None:
    """The number of matches, the counts of ``facets`` and the page's ids with their rank, from
    one evaluation of the match (the full-text search is the costly part: docs/performance.md).
    ``None`` when the page is empty (no match, or a page beyond the last)."""
    columns = [f.field for f in facets]
    # the title only to sort by it: it is not in the narrow index the search reads (models.py)
    title = ["title"] if query.sort == "title" else []
    fields = ["id", "updated_at", *title, *columns, *(["rank"] if ranked else [])]
    inner, inner_params = qs.order_by().values(*fields).query.sql_with_params()
    rank = "m.rank" if ranked else "NULL"
    order = _order(query, ranked)
    if connection.vendor == "postgresql":
        names = ", ".join(f"m.{c}" for c in columns)
        grouping = f"GROUPING({names})" if columns else "0"
        sets = ", ".join([*(f"(m.{c})" for c in columns), "()"])
        nulls = "".join("NULL, " for _c in columns)
        sql = (
            f"WITH m AS MATERIALIZED ({inner}) "
            f"SELECT 0, {names}{', ' if columns else ''}{grouping}, count(*), "
            "NULL::integer, NULL::double precision, NULL::bigint FROM m "
            f"GROUP BY GROUPING SETS ({sets}) "
            f"UNION ALL (SELECT 1, {nulls}NULL, NULL, m.id, {rank}, "
            f"row_number() OVER (ORDER BY {order}) FROM m ORDER BY {order} LIMIT %s OFFSET %s)"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*inner_params, query.limit, query.offset])
            rows = cursor.fetchall()
        width = len(columns)
        page = sorted((r for r in rows if r[0] == 1), key=lambda r: r[-1])
        if not page:
            return None
        total = 0
        counts: dict[str, dict[str, int]] = {
            f.name: dict.fromkeys(vocab.codes(f.choices), 0) for f in facets
        }
        for row in rows:
            if row[0] != 0:
                continue
            values, g, n = row[1 : 1 + width], row[1 + width], row[2 + width]
            if g == (1 << width) - 1:
                total = n
                continue
            i = next(i for i in range(width) if not g >> (width - 1 - i) & 1)
            _add(counts, facets[i], values[i], n)
        return total, counts, [(r[3 + width], r[4 + width]) for r in page]
    aggregates, params = ["count(*) OVER ()"], []
    for facet in facets:
        for i, code in enumerate(vocab.codes(facet.choices)):
            if facet.multi:
                aggregates.append(f"sum((m.{facet.field} >> {i}) & 1) OVER ()")
            else:
                aggregates.append(f"sum(m.{facet.field} = %s) OVER ()")
                params.append(code)
    sql = (
        f"SELECT m.id, {rank}, {', '.join(aggregates)} FROM ({inner}) AS m "
        f"ORDER BY {order} LIMIT %s OFFSET %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *inner_params, query.limit, query.offset])
        rows = cursor.fetchall()
    if not rows:
        return None
    first = rows[0]
    counts = {}
    at = 3
    for facet in facets:
        counts[facet.name] = {}
        for code in vocab.codes(facet.choices):
            counts[facet.name][code] = int(first[at] or 0)
            at += 1
    return int(first[2]), counts, [(r[0], r[1]) for r in rows]


def _add(counts: dict[str, dict[str, int]], facet: Facet, value: Any, n: int) -> None:
    """Add ``n`` matches with ``value`` of ``facet`` (a mask: to each of its set bits)."""
    if facet.multi:
        for bit, code in enumerate(vocab.codes(facet.choices)):
            if int(value) >> bit & 1:
                counts[facet.name][code] += n
    elif value in counts[facet.name]:
        counts[facet.name][value] += n


def search(user: Any, query: SearchQuery) -> SearchResult:
    """Run the query for the user: one page of practices (with ``rank`` on word searches),
    the number of matches and the facet counts.

    The facets without a filter are counted over the matches; a facet with a filter lists all
    its values to choose more of, without counts (counting them would take a search without
    that filter for each: docs/performance.md)."""
    terms = query.terms
    shown = [f for f in FACETS if not f.reviewers_only or sees_unpublished(user)]
    plain = [f for f in shown if f.name not in query.filters]
    ranked = bool(terms)
    qs = matching(user, query, rank=ranked)
    found_pass = _one_pass(qs, plain, query, ranked)
    page: list[tuple[int, float | None]] = []
    if found_pass is None and query.offset:
        # a page beyond the last: the number of matches and the counts from the first
        found_pass = _one_pass(qs, plain, replace(query, offset=0, limit=1), ranked)
        if found_pass is not None:
            found_pass = (found_pass[0], found_pass[1], page)
    if found_pass is None:
        total = 0
        counts = {f.name: dict.fromkeys(vocab.codes(f.choices), 0) for f in plain}
    else:
        total, counts, page = found_pass
    found = Practice.objects.select_related("land", "organisation").in_bulk(
        [pk for pk, _rank in page]
    )
    practices = []
    for pk, rank in page:
        practice = found[pk]
        practice.rank = rank  # type: ignore[attr-defined]
        practices.append(practice)
    facet_counts = [
        FacetCounts(
            facet,
            [
                FacetValue(
                    code,
                    str(text),
                    counts[facet.name].get(code, 0) if facet.name in counts else None,
                    code in query.filters.get(facet.name, ()),
                )
                for code, text in facet.choices
            ],
        )
        for facet in shown
    ]
    return SearchResult(query, total, practices, facet_counts, stems(terms))
