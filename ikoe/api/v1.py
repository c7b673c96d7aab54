"""REST API, version 1, at /api/v1/ with its OpenAPI description at /api/v1/openapi.json.

Every endpoint reads through the same scope helpers as the web pages. Every parameter has
bounds (numbers a range, texts a length and no control characters); a value outside them is
answered with 422 and a message in the user's language (``message``) besides the machine-readable
``detail``, never with a server error.
"""

from typing import Annotated, Any, Literal, get_args

from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Path, Query, Schema
from ninja.errors import ValidationError
from ninja.pagination import LimitOffsetPagination, paginate
from pydantic import StringConstraints

from ikoe.accounts.scope import get_object_for_user_or_404, visible, visible_organisations
from ikoe.barriers.figures import (
    TOTAL,
    Funnel,
    analysis,
    findings,
    funnels,
    pooled_analysis,
    pooled_findings,
)
from ikoe.barriers.models import FunnelCell, SelectionData
from ikoe.benchmarks.models import Benchmark, BenchmarkDataset
from ikoe.errors import excerpt
from ikoe.formats import fmt
from ikoe.ingest.benchmarks import YEAR_MAX, YEAR_MIN
from ikoe.surveys.catalogue import STANDARD_TABLES
from ikoe.surveys.figures import cached_figures, published_cells, reach_key
from ikoe.surveys.models import IndicatorCell, Survey
from ikoe.surveys.scope import survey_reach

MAX_LIMIT = 1000  # items per page
MAX_OFFSET = 1_000_000_000  # far beyond any table, well inside the databases' integers
TEXT_MAX = 200
FUNNEL_MAX = 1_000_000  # far beyond the funnels of any selection data set
# A text parameter: at most TEXT_MAX characters, no control characters (PostgreSQL refuses NUL).
Text = Annotated[str, StringConstraints(max_length=TEXT_MAX, pattern=r"^[^\x00-\x1f\x7f]*$")]

# How a funnel's procedures are pooled (ikoe.barriers.models.FunnelCell.pooling).
Pooling = Literal["procedure", "organisation", "year", "organisation+year", "all"]
POOLINGS: tuple[str, ...] = get_args(Pooling)

api = NinjaAPI(
    title="IKÖ-Monitor API",
    version="1.0.0",
    description=(
        "Public figures on the intercultural opening of the public administrations of the German "
        "Länder. Figures from staff surveys and from selection procedures are served only after "
        "disclosure control."
    ),
    urls_namespace="api-1.0.0",
    docs_url=None,
)


class DatasetOut(Schema):
    id: int
    name: str
    title: str
    format: str
    file_name: str
    source: str
    rows: int = Field(..., description="number of figures in the dataset")


class BenchmarkOut(Schema):
    id: int
    dataset: str = Field(..., alias="dataset.name")
    region_code: str = Field(..., description="ISO 3166-2 code, DE for Germany")
    region_name: str
    year: int | None
    period: str
    measure: str
    measure_label: str
    definition: str
    classification: dict[str, str]
    unit: str
    value: float | None = Field(..., description="empty where the source gives a symbol")
    symbol: str = Field(
        ...,
        description="Destatis symbol: - nothing, . unknown or secret, / not reliable, x not meaningful, ... later",
    )
    derived: bool
    source: str


class BenchmarkFilter(Schema):
    measure: Text | None = None
    definition: Text | None = None
    region_code: Text | None = None
    year: int | None = Field(None, ge=YEAR_MIN, le=YEAR_MAX)
    dataset: Text | None = None


class Paging(LimitOffsetPagination):
    """Limit and offset with bounds (django-ninja's own have none above)."""

    class Input(Schema):
        limit: int = Field(100, ge=1, le=MAX_LIMIT, description=f"items per page, 1 to {MAX_LIMIT}")
        offset: int = Field(0, ge=0, le=MAX_OFFSET, description="items to skip")


# What each parameter expects, for the message of a 422 answer.
def _expected(name: str) -> str:
    if name == "limit":
        return _("a whole number from 1 to %(max)s") % {"max": fmt(MAX_LIMIT, 0)}
    if name == "offset":
        return _("a whole number from 0 to %(max)s") % {"max": fmt(MAX_OFFSET, 0)}
    if name == "year":
        return _("a year from %(min)d to %(max)d") % {"min": YEAR_MIN, "max": YEAR_MAX}
    if name == "number":
        return _("a whole number from 1 to %(max)s") % {"max": fmt(FUNNEL_MAX, 0)}
    if name == "instrument":
        return _("one of %(values)s") % {"values": "law, decree, agreement, strategy, action plan"}
    if name == "pooling":
        return _("one of %(values)s") % {"values": ", ".join(POOLINGS)}
    return _("a text of at most %(max)d characters without control characters") % {"max": TEXT_MAX}


@api.exception_handler(ValidationError)
def invalid_parameters(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """422 with django-ninja's ``detail`` and a message naming each parameter and its range."""
    lines = []
    for error in exc.errors:
        location = [str(part) for part in error.get("loc", ())]
        name = location[-1] if location else "?"
        if location[:1] == ["path"] and request.resolver_match is not None:
            value = excerpt(request.resolver_match.kwargs.get(name, ""))
        else:
            value = excerpt(request.GET.get(name, ""))
        lines.append(
            _("%(name)s=%(value)s is not allowed; expected %(expected)s.")
            % {"name": name, "value": value, "expected": _expected(name)}
        )
    body: dict[str, Any] = {"detail": exc.errors, "message": " ".join(dict.fromkeys(lines))}
    return api.create_response(request, body, status=422)


@api.get(
    "/datasets",
    response=list[DatasetOut],
    tags=["benchmarks"],
    summary="Imported tables of public figures",
)
def list_datasets(request: HttpRequest) -> list[dict]:
    return [
        {
            "id": d.pk,
            "name": d.name,
            "title": d.title,
            "format": d.format,
            "file_name": d.file_name,
            "source": d.source,
            "rows": d.row_count,
        }
        for d in BenchmarkDataset.objects.annotate(row_count=Count("rows"))
    ]


@api.get(
    "/benchmarks",
    response=list[BenchmarkOut],
    tags=["benchmarks"],
    summary="Public figures in long form",
)
@paginate(Paging)
def list_benchmarks(request: HttpRequest, filters: Query[BenchmarkFilter]):  # type: ignore[no-untyped-def]
    qs = Benchmark.objects.select_related("dataset")
    if filters.measure:
        qs = qs.filter(measure=filters.measure)
    if filters.definition:
        qs = qs.filter(definition=filters.definition)
    if filters.region_code:
        qs = qs.filter(region_code=filters.region_code)
    if filters.year is not None:
        qs = qs.filter(year=filters.year)
    if filters.dataset:
        qs = qs.filter(dataset__name=filters.dataset)
    return qs


class OrganisationOut(Schema):
    code: str
    name: str
    kind: str
    parent: str | None = Field(None, description="code of the parent organisation")
    land: str | None = Field(None, description="code of the Land")


@api.get(
    "/organisations",
    response=list[OrganisationOut],
    tags=["organisations"],
    summary="Organisations you may see",
)
def list_organisations(
    request: HttpRequest, kind: Text | None = None, land: Text | None = None
) -> list[dict]:
    qs = visible_organisations(request.user).select_related("parent", "land")
    if kind:
        qs = qs.filter(kind=kind)
    if land:
        qs = qs.filter(land__code=land)
    return [
        {
            "code": o.code,
            "name": o.name,
            "kind": o.kind,
            "parent": o.parent.code if o.parent else None,
            "land": o.land.code if o.land else None,
        }
        for o in qs.order_by("code")
    ]


class SurveyPartOut(Schema):
    land: str = Field(..., description="code of the Land (or DE-BUND for the federal level)")
    published: bool = Field(..., description="whether the Land released its part")


class SurveyOut(Schema):
    name: str
    title: str
    land: str | None = Field(
        ..., description="code of the Land; empty for a joint survey of several Länder"
    )
    parts: list[SurveyPartOut] = Field(
        ...,
        description="the Länder the survey covers; a Land's figures are public once it released "
        "its part, the figures across all of them (land “_T”) once every part is released",
    )
    year: int
    population: str
    respondents: int | None = Field(
        ...,
        description="respondents in the whole Land; empty when your access is limited to an "
        "agency and the survey is not released",
    )
    population_size: int | None = Field(
        ..., description="staff in the surveyed population; empty as respondents"
    )
    weighted: bool
    synthetic: bool
    published: bool
    definitions: list[str]


def _survey_out(s: Survey, user: Any) -> dict:
    reach = survey_reach(user, s)
    # Land-wide counts only for those who reach the whole survey (they count other agencies).
    whole = reach is not None and reach.whole
    return {
        "name": s.name,
        "title": s.title,
        "land": s.land.code if s.land is not None else None,
        "parts": [{"land": p.land.code, "published": p.published} for p in s.parts_list],
        "year": s.year,
        "population": s.population,
        "respondents": s.respondents if whole else None,
        "population_size": s.population_size if whole else None,
        "weighted": s.weighted,
        "synthetic": s.synthetic,
        "published": s.published,
        "definitions": s.diagnostics.get("definitions_derived", []),
    }


@api.get(
    "/surveys", response=list[SurveyOut], tags=["surveys"], summary="Staff surveys you may see"
)
def list_surveys(request: HttpRequest) -> list[dict]:
    return [
        _survey_out(s, request.user)
        for s in visible(Survey.objects.with_parts().select_related("land"), request.user)
    ]


class CellOut(Schema):
    table: str = Field(..., description="dimensions of the table, e.g. “land × career_group”")
    definition: str
    weighted: bool
    dims: dict[str, str | None]
    respondents: int | None = Field(..., description="respondents; empty when suppressed")
    declared: int | None = Field(
        ..., description="respondents who answered the questions; empty when suppressed"
    )
    yes: int | None = Field(
        ..., description="persons with a migration background; empty when suppressed"
    )
    share: float | None
    se: float | None
    ci_low: float | None
    ci_high: float | None
    headcount: float | None
    status: str = Field(
        ...,
        description="published or suppressed; why a cell was suppressed is not published, "
        "since the reason would narrow down what the suppression hides",
    )
    symbol: str = Field(
        ..., description="Destatis symbol of a suppressed cell: . secret, / not reliable"
    )

    @staticmethod
    def resolve_status(cell: IndicatorCell) -> str:
        return public_status(cell.status)


def public_status(status: str) -> str:
    """A cell's status as the API gives it: why a cell was suppressed is not published."""
    return "published" if status == IndicatorCell.Status.PUBLISHED else "suppressed"


CELL_FIELDS = tuple(CellOut.model_fields)
"""The fields of :class:`CellOut`, in its order; each is a column of the cell of that name."""


@api.get(
    "/surveys/{name}/cells",
    response=list[CellOut],
    tags=["surveys"],
    summary="Protected table cells of a survey",
    description="Only cells that went through disclosure control exist; suppressed cells carry "
    "no share. Before a survey is released, a member whose access is limited to an agency gets "
    "only the cells of that agency and the units below it.",
)
def survey_cells(
    request: HttpRequest,
    name: Annotated[Text, Path()],
    table: Text | None = None,
    definition: Text | None = None,
) -> HttpResponse:
    survey = get_object_for_user_or_404(
        Survey.objects.select_related("land"), request.user, name=name
    )

    def answer() -> str:
        qs = published_cells(request.user, survey).order_by("table", "definition", "id")
        if table:
            qs = qs.filter(table=table)
        if definition:
            qs = qs.filter(definition=definition)
        return cells_json(request, qs)

    # The same cells for every reader with the same reach, computed once per version of the
    # data (ikoe.reports.cache); only tables and definitions that exist are kept, so that
    # made-up parameters do not fill the cache.
    known = (table is None or table in TABLE_NAMES) and (
        definition is None or definition in survey.diagnostics.get("definitions_derived", [])
    )
    if known:
        reach = reach_key(survey_reach(request.user, survey))
        content = cached_figures("api-cells", survey, reach, [table, definition], answer)
    else:
        content = answer()
    return HttpResponse(content, content_type=api.get_content_type())


TABLE_NAMES = frozenset(t.name for t in STANDARD_TABLES)


def cells_json(request: HttpRequest, cells: QuerySet[IndicatorCell]) -> str:
    """The cells as the JSON of ``list[CellOut]``, built from their columns.

    What django-ninja would answer for ``list[CellOut]``, without validating each of thousands
    of cells against the schema (two thirds of the time of a request before): the columns are
    of the schema's types, and ``tests/test_figure_cache.py`` checks the answer against the
    schema's own validation. The OpenAPI description still names ``list[CellOut]``."""
    out = []
    for values in cells.values_list(*CELL_FIELDS):
        cell = dict(zip(CELL_FIELDS, values, strict=True))
        cell["status"] = public_status(cell["status"])
        out.append(cell)
    return str(api.renderer.render(request, out, response_status=200))


# ---------------------------------------------------------------------------------------------
# Barrier analysis: selection data, their protected funnels and the analysis of a funnel


class SelectionDataOut(Schema):
    name: str
    title: str
    land: str = Field(..., description="code of the Land")
    land_name: str
    first_year: int | None = Field(..., description="year of the earliest procedure, if given")
    last_year: int | None = Field(..., description="year of the latest procedure, if given")
    published: bool = Field(..., description="whether the Land's coordination released the data")
    funnels: int = Field(
        ...,
        description="number of funnels you may see: each procedure, and the procedures with the "
        "same stages pooled by organisation, by year, by both and all together; before the "
        "release a member whose access is limited to an agency sees only that agency's",
    )


@api.get(
    "/selection",
    response=list[SelectionDataOut],
    tags=["barriers"],
    summary="Selection data you may see",
    description="Selection procedures of a Land imported for the barrier analysis: released data "
    "for everyone, unreleased data for the members of the Land.",
)
def list_selection(request: HttpRequest) -> list[dict]:
    data = list(
        SelectionData.objects.visible_to(request.user)
        .select_related("land")
        .order_by("land__code", "-last_year", "name")
    )
    counts = dict(
        FunnelCell.objects.visible_to(request.user)
        .filter(data__in=data)
        .values("data_id")
        .annotate(n=Count("funnel", distinct=True))
        .values_list("data_id", "n")
    )
    return [
        {
            "name": d.name,
            "title": d.title,
            "land": d.land.code,
            "land_name": d.land.name,
            "first_year": d.first_year,
            "last_year": d.last_year,
            "published": d.published,
            "funnels": counts.get(d.pk, 0),
        }
        for d in data
    ]


class FunnelCountOut(Schema):
    stage: str
    group: str
    entered: int | None = Field(
        ..., description="applicants who reached the stage; empty when secret"
    )
    entered_status: str = Field(..., description="published or suppressed")
    entered_symbol: str = Field(..., description="Destatis symbol of a suppressed count: . secret")
    passed: int | None = Field(
        ..., description="applicants who passed the stage; empty when secret"
    )
    passed_status: str = Field(..., description="published or suppressed")
    passed_symbol: str = Field(..., description="Destatis symbol of a suppressed count: . secret")


class FunnelOut(Schema):
    number: int = Field(..., description="number of the funnel within the data set")
    label: str = Field(..., description="the funnel's name in words")
    pooling: str = Field(
        ...,
        description="procedure (one procedure), organisation, year, organisation+year (the "
        "procedures of one organisation, year or both with the same stages), all (every "
        "procedure with the same stages)",
    )
    procedure: str | None = Field(..., description="name of the procedure; empty when pooled")
    organisation: str | None = Field(..., description="code of the organisation, if any")
    organisation_name: str | None
    year: int | None
    career_group: str | None
    procedures: int = Field(..., description="number of procedures in the funnel")
    stages: list[str] = Field(..., description="the stages in their order")
    groups: list[str] = Field(..., description="the groups listed")
    counts: list[FunnelCountOut] = Field(
        ..., description="entered and passed per stage (in order) and group"
    )


def public_funnel_status(status: str) -> str:
    """Why a count was suppressed is not published (it would narrow down what it hides)."""
    return "published" if status == FunnelCell.Status.PUBLISHED else "suppressed"


def _funnel_out(f: Funnel) -> dict:
    counts = []
    for stage in f.stages:
        for group in f.groups:
            c = f.cell(stage, group)
            if c is None:
                continue
            counts.append(
                {
                    "stage": stage,
                    "group": group,
                    "entered": c.entered,
                    "entered_status": public_funnel_status(c.entered_status),
                    "entered_symbol": c.entered_symbol,
                    "passed": c.passed,
                    "passed_status": public_funnel_status(c.passed_status),
                    "passed_symbol": c.passed_symbol,
                }
            )
    org = f.organisation
    return {
        "number": f.number,
        "label": f.label,
        "pooling": f.pooling,
        "procedure": f.procedure or None,
        "organisation": org.code if org is not None else None,
        "organisation_name": org.name if org is not None else None,
        "year": f.year,
        "career_group": f.career_group or None,
        "procedures": f.procedures,
        "stages": f.stages,
        "groups": f.groups,
        "counts": counts,
    }


def _selection_data(request: HttpRequest, name: str) -> SelectionData:
    return get_object_for_user_or_404(
        SelectionData.objects.select_related("land"), request.user, name=name
    )


@api.get(
    "/selection/{name}/funnels",
    response=list[FunnelOut],
    tags=["barriers"],
    summary="Protected funnels of selection data",
    description="Every funnel after disclosure control: a secret count is empty and carries the "
    "symbol “.”. Before the release a member whose access is limited to an agency gets only "
    "the funnels of that agency (no funnel of the whole Land or of a year).",
)
def selection_funnels(
    request: HttpRequest, name: Annotated[Text, Path()], pooling: Pooling | None = None
) -> list[dict]:
    data = _selection_data(request, name)
    return [_funnel_out(f) for f in funnels(data, request.user, pooling)]


class StageResultOut(Schema):
    stage: str = Field(
        ...,
        description="the stage, or “overall” for the whole procedure (entered the first "
        "stage, passed the last one)",
    )
    group: str
    selection_rate: float | None = Field(..., description="passed / entered")
    compared_with: str | None = Field(
        ..., description="the comparison group of the following figures"
    )
    impact_ratio: float | None = Field(
        ..., description="selection rate of the group / that of the comparison group"
    )
    ir_ci_low: float | None = Field(..., description="95 % interval of the impact ratio (Katz)")
    ir_ci_high: float | None
    four_fifths: bool | None = Field(
        ..., description="true when the four-fifths rule finds adverse impact"
    )
    test: str | None = Field(..., description="z (two-proportion z test) or fisher (exact test)")
    p_value: float | None
    p_holm: float | None = Field(..., description="p after Holm's correction over the funnel")
    shortfall: float | None = Field(
        ...,
        description="how many more of the group would have passed at the pooled rate of the "
        "two groups compared; negative: more passed",
    )
    flip_one_reverses: bool | None = Field(
        ..., description="whether a single decision would reverse the finding"
    )


class FindingOut(Schema):
    stage: str
    group: str
    severity: str = Field(
        ...,
        description="barrier (four-fifths rule broken and unlikely to be chance), watch (one of "
        "the two) or none",
    )
    text: str = Field(..., description="the finding in words, in the language of the request")


class PooledResultOut(Schema):
    stage: str = Field(..., description="the stage, or overall for the whole procedure")
    strata: int = Field(
        ..., description="procedures whose counts of both groups at the stage are published"
    )
    odds_ratio: float | None = Field(
        ..., description="Mantel–Haenszel odds ratio of passing, group against compared_with"
    )
    or_ci_low: float | None
    or_ci_high: float | None
    cmh_statistic: float | None
    p_value: float | None = Field(..., description="Cochran–Mantel–Haenszel test")
    p_holm: float | None = Field(..., description="p_value after Holm over the stages")
    homogeneity_statistic: float | None
    homogeneity_df: int | None
    homogeneity_p: float | None = Field(
        ..., description="Breslow–Day test (Tarone) that the procedures share one odds ratio"
    )


class PooledAnalysisOut(Schema):
    group: str
    compared_with: str
    procedures: int = Field(..., description="procedures of the pool the caller may see")
    results: list[PooledResultOut]
    findings: list[FindingOut]


class AnalysisOut(Schema):
    number: int
    label: str
    reference: str | None = Field(
        ...,
        description="the comparison group asked for; empty: at each stage the group with the "
        "highest selection rate",
    )
    results: list[StageResultOut]
    findings: list[FindingOut]
    pooled: PooledAnalysisOut | None = Field(
        ...,
        description="for a pooled funnel: its procedures compared with each other "
        "(Cochran–Mantel–Haenszel, each procedure a stratum, published counts only); null for "
        "one procedure or when no procedure has published counts of both groups",
    )


RESULT_FIELDS = tuple(f for f in StageResultOut.model_fields)


@api.get(
    "/selection/{name}/funnels/{number}/analysis",
    response=AnalysisOut,
    tags=["barriers"],
    summary="Barrier analysis of one funnel",
    description="Selection rates, impact ratios with their interval, the four-fifths rule, z or "
    "Fisher test with Holm's correction and the shortfall per stage and group, computed from "
    "published counts only: a stage and group whose count is secret, or whose comparison "
    "group's is, has no figures.",
)
def selection_analysis(
    request: HttpRequest,
    name: Annotated[Text, Path()],
    number: Annotated[int, Path(ge=1, le=FUNNEL_MAX)],
    reference: Text | None = None,
) -> HttpResponse | dict:
    data = _selection_data(request, name)
    # Only the funnels pooled like this one are read (funnels reads every cell in scope).
    pooling = (
        FunnelCell.objects.visible_to(request.user)
        .filter(data=data, funnel=number)
        .values_list("pooling", flat=True)
        .first()
    )
    if pooling is None:
        raise Http404
    [funnel] = [f for f in funnels(data, request.user, pooling) if f.number == number]
    pooled = (
        pooled_analysis(funnel, funnels(data, request.user, "procedure"), reference or None)
        if pooling != "procedure"
        else None
    )
    groups = [g for g in funnel.groups if g != TOTAL]
    reference = reference or None  # "?reference=" as on the page: the default comparison
    if reference is not None and reference not in groups:
        message = _("%(name)s=%(value)s is not allowed; expected %(expected)s.") % {
            "name": "reference",
            "value": excerpt(reference),
            "expected": _("one of the funnel's groups: %(groups)s") % {"groups": ", ".join(groups)},
        }
        detail = [{"loc": ["query", "reference"], "msg": message, "type": "value_error"}]
        return api.create_response(request, {"detail": detail, "message": message}, status=422)
    results = analysis(funnel, reference)
    return {
        "number": funnel.number,
        "label": funnel.label,
        "reference": reference,
        "results": [{k: getattr(r, k) for k in RESULT_FIELDS} for r in results],
        "findings": [
            {"stage": f.stage, "group": f.group, "severity": f.severity, "text": f.text}
            for f in findings(funnel, results)
        ],
        "pooled": None
        if pooled is None
        else {
            "group": pooled.group,
            "compared_with": pooled.compared_with,
            "procedures": pooled.procedures,
            "results": [
                {k: getattr(r, k) for k in PooledResultOut.model_fields} for r in pooled.results
            ],
            "findings": [
                {"stage": f.stage, "group": f.group, "severity": f.severity, "text": f.text}
                for f in pooled_findings(pooled)
            ],
        },
    }


# The IKÖ-Check (ikoe/api/assessments.py): imported here, once the shared parts above exist.
from ikoe.api.assessments import router as assessments_router  # noqa: E402

api.add_router("", assessments_router)

# The anchoring register (ikoe/api/anchoring.py).
from ikoe.api.anchoring import router as anchoring_router  # noqa: E402

api.add_router("", anchoring_router)

# The registries of measures, trainings and funding programmes (ikoe/api/measures.py).
from ikoe.api.measures import router as measures_router  # noqa: E402

api.add_router("", measures_router)

# The exchange's practices (ikoe/api/practices.py).
from ikoe.api.practices import router as practices_router  # noqa: E402

api.add_router("", practices_router)
