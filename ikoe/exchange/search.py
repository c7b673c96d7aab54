"""The practice search (docs/exchange.md, "Search"): German full text with stemming, facets with
counts, sorting, paging and highlighted matches, the same for the pages, the API and the exports.

A query has words (``q``) and facet filters. Values of one facet are alternatives (Berlin *or*
Hamburg), facets combine (Berlin *and* personnel development). The counts of a facet are taken
over the matches of the words and of every *other* facet's filter, so that a user sees what
choosing another value of the same facet would give.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ikoe.exchange import vocab
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
    count: int
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


def _facet_q(facet: Facet, values: Sequence[str]) -> Q:
    if facet.multi:
        return Q(**{f"{facet.field}__anybits": vocab.mask(facet.choices, values)})
    return Q(**{f"{facet.field}__in": list(values)})


def _with_words(
    qs: QuerySet[Practice], terms: list[tuple[str, ...]], rank: bool
) -> QuerySet[Practice]:
    """Narrow to the practices whose texts match every term (and annotate ``rank``)."""
    if not terms:
        return qs
    if connection.vendor == "postgresql":
        query = tsquery(terms)
        qs = qs.extra(where=["search_vector @@ to_tsquery('german', %s)"], params=[query])
        if rank:
            qs = qs.extra(
                select={"rank": "ts_rank(search_vector, to_tsquery('german', %s))"},
                select_params=[query],
            )
        return qs
    match = fts5_query(terms)
    qs = qs.extra(
        tables=[FTS_TABLE],
        where=[f"{FTS_TABLE} MATCH %s", f"{FTS_TABLE}.rowid = exchange_practice.id"],
        params=[match],
    )
    if rank:
        # bm25 is lower for better matches; negated so that both databases sort descending
        qs = qs.extra(select={"rank": f"-bm25({FTS_TABLE}, 4.0, 1.0)"})
    return qs


def base_queryset(user: Any) -> QuerySet[Practice]:
    """The practices the user may find: published ones, and those of their scope."""
    return Practice.objects.visible_to(user)


def sees_unpublished(user: Any) -> bool:
    return (
        bool(getattr(user, "is_authenticated", False))
        and Practice.objects.visible_to(user).filter(published=False).exists()
    )


def matching(user: Any, query: SearchQuery, *, skip: str | None = None) -> QuerySet[Practice]:
    """The practices that match the words and the filters (but the facet ``skip``)."""
    qs = base_queryset(user)
    for name, values in query.filters.items():
        if name != skip:
            qs = qs.filter(_facet_q(FACET_BY_NAME[name], values))
    return _with_words(qs, query.terms, rank=False)


def _counts(
    user: Any, query: SearchQuery, facets: Sequence[Facet]
) -> tuple[int, dict[str, dict[str, int]]]:
    """The number of matches and, per facet, per value, the matches with that value under the
    words and every *other* facet's filter: all in one query over the word matches."""
    chosen = {name: _facet_q(FACET_BY_NAME[name], values) for name, values in query.filters.items()}

    def others(skip: str | None) -> Q:
        combined = Q()
        for name, condition in chosen.items():
            if name != skip:
                combined &= condition
        return combined

    aggregates: dict[str, Any] = {"_total": Count("pk", filter=others(None))}
    for facet in facets:
        rest = others(facet.name)
        for i, code in enumerate(vocab.codes(facet.choices)):
            if facet.multi:
                value = Q(**{f"{facet.field}__anybits": 1 << i})
            else:
                value = Q(**{facet.field: code})
            aggregates[f"{facet.name}__{i}"] = Count("pk", filter=rest & value)
    found = _with_words(base_queryset(user), query.terms, rank=False).aggregate(**aggregates)
    result: dict[str, dict[str, int]] = {}
    for facet in facets:
        result[facet.name] = {
            code: int(found[f"{facet.name}__{i}"] or 0)
            for i, code in enumerate(vocab.codes(facet.choices))
        }
    return int(found["_total"] or 0), result


def search(user: Any, query: SearchQuery, *, with_facets: bool = True) -> SearchResult:
    """Run the query for the user: one page of practices (with ``rank`` on word searches),
    the number of matches and the facet counts."""
    terms = query.terms
    shown = [f for f in FACETS if not f.reviewers_only or sees_unpublished(user)]
    if with_facets:
        total, counts = _counts(user, query, shown)
    else:
        total, counts = matching(user, query).count(), {}
    page_qs = _with_words(
        base_queryset(user).filter(
            *[_facet_q(FACET_BY_NAME[n], v) for n, v in query.filters.items()]
        ),
        terms,
        rank=True,
    )
    if query.sort == "relevance" and terms:
        page_qs = page_qs.order_by("-rank", "-updated_at", "pk")  # type: ignore[misc]
    elif query.sort == "title":
        page_qs = page_qs.order_by("title", "pk")
    else:
        page_qs = page_qs.order_by("-updated_at", "-pk")
    start = query.offset
    practices = list(page_qs.select_related("land", "organisation")[start : start + query.limit])
    facet_counts = [
        FacetCounts(
            facet,
            [
                FacetValue(
                    code,
                    str(text),
                    counts.get(facet.name, {}).get(code, 0),
                    code in query.filters.get(facet.name, ()),
                )
                for code, text in facet.choices
            ],
        )
        for facet in shown
        if with_facets
    ]
    return SearchResult(query, total, practices, facet_counts, stems(terms))
