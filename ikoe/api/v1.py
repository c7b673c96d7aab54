"""REST API, version 1, at /api/v1/ with its OpenAPI description at /api/v1/openapi.json.

Every endpoint reads through the same scope helpers as the web pages.
"""

from django.db.models import Count
from django.http import HttpRequest
from ninja import Field, NinjaAPI, Query, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from ikoe.monitoring.models import Benchmark, BenchmarkDataset

api = NinjaAPI(
    title="IKÖ-Monitor API",
    version="1.0.0",
    description=(
        "Public figures on the intercultural opening of the public administrations of the German "
        "Länder. Figures from staff surveys are served only after disclosure control."
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
    symbol: str = Field(..., description="Destatis symbol: - nothing, . unknown or secret, / not reliable, x not meaningful, ... later")
    derived: bool
    source: str


class BenchmarkFilter(Schema):
    measure: str | None = None
    definition: str | None = None
    region_code: str | None = None
    year: int | None = None
    dataset: str | None = None


@api.get("/datasets", response=list[DatasetOut], tags=["benchmarks"], summary="Imported tables of public figures")
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


@api.get("/benchmarks", response=list[BenchmarkOut], tags=["benchmarks"], summary="Public figures in long form")
@paginate(LimitOffsetPagination)
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
