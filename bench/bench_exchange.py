"""The exchange's search with many practices (docs/performance.md, "Exchange search").

Fills a fresh database with N practices (100,000 by default), made from the shipped practices'
real texts: each generated record takes the sentences of several shipped records, so that words
occur about as often as in real descriptions, and gets random facets. Then runs queries of one or
two search words with two facet filters each, as the search page and the API run them
(``ikoe.exchange.search.search``: the page of 20, the number of matches and every facet's
counts), and prints the median, the 95th percentile and the maximum; then the same through the
API (``/api/v1/practices``) by Django's WSGI handler.

Usage::

    .venv/bin/python bench/bench_exchange.py                        # SQLite, 100,000 records
    .venv/bin/python bench/bench_exchange.py --postgres             # PostgreSQL (a database
        ikoe_bench_exchange on postgres://postgres@127.0.0.1:5432, dropped and created anew)
    .venv/bin/python bench/bench_exchange.py --records 10000 --queries 100
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WORDS = (
    "Ausbildung", "Polizei", "Befragung", "Anerkennung", "Fortbildung", "Migrantenorganisationen",
    "Beratung", "Kampagne", "Verwaltung", "mehrsprachig", "Bewerbung", "Führungskräfte",
    "Integration", "Beschäftigte", "Schule", "Diversität", "Gesetz", "Evaluation", "Willkommen",
    "Personal", "anonymisierte Bewerbung", "Ausbildung Polizei", "interkulturelle Kompetenz",
)  # fmt: skip
FACETS = (
    "dimension",
    "sector",
    "land",
    "level",
    "target_group",
    "measure_type",
    "evaluation",
    "status",
)


def sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if s.strip()]


def populate(count: int, seed: int = 7) -> float:
    from django.db import connection, transaction
    from django.utils import timezone

    from ikoe.exchange import fts, vocab
    from ikoe.exchange.models import Practice
    from ikoe.exchange.search import REGION_CHOICES
    from ikoe.organisations.models import Organisation
    from ikoe.organisations.services import ensure_laender

    rng = random.Random(seed)
    ensure_laender()
    lands = {o.code: o.pk for o in Organisation.objects.filter(kind="land")}
    shipped = ROOT / "data" / "practices" / "practices.csv"
    rows = list(csv.DictReader(io.StringIO(shipped.read_text(encoding="utf-8"))))
    pools = {
        name: [s for r in rows for s in sentences(r[name])]
        for name in ("summary", "starting_point", "goals", "activities", "outcomes", "challenges")
    }
    titles = [r["title"] for r in rows]
    keywords = [k.strip() for r in rows for k in r["keywords"].split(";") if k.strip()]
    regions = vocab.codes(REGION_CHOICES)
    start = time.perf_counter()
    now = timezone.now()

    def some(choices: vocab.Choices, most: int) -> list[str]:
        picked = rng.sample(vocab.codes(choices), rng.randint(1, most))
        return [c for c in vocab.codes(choices) if c in picked]

    batch: list[Practice] = []
    with transaction.atomic():
        for n in range(count):
            region = rng.choice(regions)
            p = Practice(
                title=f"{rng.choice(titles)} ({n})",
                summary=" ".join(rng.sample(pools["summary"], 3)),
                starting_point=rng.choice(pools["starting_point"]),
                goals=rng.choice(pools["goals"]),
                activities=" ".join(rng.sample(pools["activities"], 2)),
                outcomes=rng.choice(pools["outcomes"]),
                challenges=rng.choice(pools["challenges"]),
                keywords="; ".join(rng.sample(keywords, 4)),
                region_code=region,
                land_id=lands.get(region),
                level="bund" if region == "DE-BUND" else rng.choice(["land", "land", "kommune"]),
                lead_body="Behörde",
                lead_type=rng.choice(vocab.codes(vocab.LEAD_TYPES)),
                status=rng.choice(vocab.codes(vocab.STATUSES)),
                evaluation=rng.choice(vocab.codes(vocab.EVALUATIONS)),
                cost_band=rng.choice(vocab.codes(vocab.COST_BANDS)),
                dimensions=some(vocab.DIMENSIONS, 3),
                sectors=some(vocab.SECTORS, 2),
                target_groups=some(vocab.TARGET_GROUPS, 3),
                measure_types=some(vocab.MEASURE_TYPES, 2),
                state="published" if rng.random() < 0.9 else "submitted",
                updated_at=now - timezone.timedelta(minutes=n),
            )
            p.published = p.state == "published"
            for name, choices in vocab.MULTI.items():
                setattr(p, f"{name}_mask", vocab.mask(choices, getattr(p, name)))
            batch.append(p)
            if len(batch) == 5000:
                Practice.objects.bulk_create(batch)
                batch = []
        Practice.objects.bulk_create(batch)
        fts.reindex(Practice.objects.values_list("pk", flat=True))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return time.perf_counter() - start


def queries(count: int, seed: int = 11) -> list[dict[str, list[str] | str]]:
    from ikoe.exchange.search import FACET_BY_NAME
    from ikoe.exchange.vocab import codes

    rng = random.Random(seed)
    out = []
    for _ in range(count):
        params: dict[str, list[str] | str] = {"q": rng.choice(WORDS)}
        for name in rng.sample(FACETS, 2):
            params[name] = [rng.choice(codes(FACET_BY_NAME[name].choices))]
        out.append(params)
    return out


def percentiles(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[max(0, int(round(0.95 * len(ordered))) - 1)]
    return (
        f"median {statistics.median(ordered):7.1f} ms   p95 {p95:7.1f} ms   "
        f"max {ordered[-1]:7.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--postgres-url", default="postgres://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ikoe-bench-exchange-") as data:
        os.environ["IKOE_DATA_DIR"] = data
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ikoe.settings")
        if args.postgres:
            import psycopg

            name = "ikoe_bench_exchange"
            with psycopg.connect(f"{args.postgres_url}/postgres", autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name}")
                conn.execute(f"CREATE DATABASE {name}")
            os.environ["DATABASE_URL"] = f"{args.postgres_url}/{name}"
        else:
            os.environ.pop("DATABASE_URL", None)
        import django

        django.setup()
        from django.contrib.auth.models import AnonymousUser
        from django.core.handlers.wsgi import WSGIHandler
        from django.core.management import call_command
        from django.db import connection
        from django.test import RequestFactory

        from ikoe.exchange.search import SearchQuery, search

        call_command("migrate", verbosity=0)
        seconds = populate(args.records)
        print(
            f"{connection.vendor}: {args.records:,} practices created and indexed in {seconds:.1f} s"
        )
        anonymous = AnonymousUser()
        mix = queries(args.queries)
        search(anonymous, SearchQuery.from_params(mix[0]))  # warm up
        times, matches = [], []
        for params in mix:
            t0 = time.perf_counter()
            result = search(anonymous, SearchQuery.from_params(params))
            times.append((time.perf_counter() - t0) * 1000)
            matches.append(result.total)
        print(
            f"search, 1-2 words + 2 facets ({len(mix)} queries, matches median "
            f"{statistics.median(matches):,.0f}, max {max(matches):,}): {percentiles(times)}"
        )
        from django.contrib.auth import get_user_model

        from ikoe.accounts.models import Membership, Role
        from ikoe.organisations.models import Organisation

        coordinator = get_user_model().objects.create_user("bench-coordinator")
        Membership.objects.create(
            user=coordinator, land=Organisation.objects.get(code="DE-BE"), role=Role.COORDINATOR
        )
        member_times = []
        for params in mix[:100]:
            t0 = time.perf_counter()
            search(coordinator, SearchQuery.from_params(params))
            member_times.append((time.perf_counter() - t0) * 1000)
        print(f"the same, as a Land's coordinator (100): {percentiles(member_times)}")
        handler = WSGIHandler()
        factory = RequestFactory()
        warm = factory.get("/api/v1/practices", mix[0], HTTP_HOST="127.0.0.1")
        b"".join(handler(warm.environ, lambda status, headers: None))
        api_times = []
        for params in mix[:100]:
            request = factory.get("/api/v1/practices", params, HTTP_HOST="127.0.0.1")
            statuses: list[str] = []
            t0 = time.perf_counter()
            response = handler(
                request.environ, lambda status, headers, s=statuses: s.append(status)
            )
            b"".join(response)
            assert statuses == ["200 OK"], statuses
            api_times.append((time.perf_counter() - t0) * 1000)
        print(f"API /api/v1/practices, the same queries (100): {percentiles(api_times)}")
        if args.postgres:
            connection.close()


if __name__ == "__main__":
    main()
