"""The search page of the exchange and the export of its results (docs/exchange.md, "Search")."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from ikoe.exchange import outputs
from ikoe.exchange.search import SORTS, SearchQuery, matching, search
from ikoe.exchange.text import highlight
from ikoe.reports.download import download

SNIPPET = 280


def index(request: HttpRequest) -> HttpResponse:
    """Search, filter and sort the practices; without words the newest come first."""
    query = SearchQuery.from_params(request.GET)
    result = search(request.user, query)
    hits = [
        {
            "practice": p,
            "title": highlight(p.title, result.stems),
            "snippet": highlight(p.summary, result.stems, SNIPPET),
            "labels": outputs.labels(p),
        }
        for p in result.practices
    ]
    params = request.GET.copy()
    params.pop("page", None)
    context: dict[str, Any] = {
        "query": query,
        "result": result,
        "hits": hits,
        "sorts": SORTS,
        "base_query": params.urlencode(),
        "filtered": bool(query.q.strip() or query.filters),
        "first": query.offset + 1,
        "last": min(result.total, query.offset + query.limit),
        "previous_page": query.page - 1 if query.page > 1 else None,
        "next_page": query.page + 1 if query.page < result.pages else None,
    }
    return render(request, "exchange/search.html", context)


def export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The practices that match the page's query (all of them, up to the export limit)."""
    if fmt not in ("csv", "json"):
        raise Http404
    query = SearchQuery.from_params(request.GET)
    qs = matching(request.user, query).select_related("land").order_by("-updated_at", "-pk")
    practices = list(qs[: outputs.EXPORT_LIMIT])
    signed_in = request.user.is_authenticated
    filename = f"{_('practices')}.{fmt}"
    if fmt == "json":
        query_text = {"q": query.q, **{k: list(v) for k, v in query.filters.items()}}
        return download(outputs.export_json(practices, signed_in, query_text), filename)
    return download(outputs.export_csv(practices, signed_in), filename)
