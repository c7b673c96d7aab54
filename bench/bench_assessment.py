"""IKÖ-Check pages with many organisations: the results page (with its peer groups) and the
Land overview, one request after the other in one process (docs/performance.md, "IKÖ-Check").

Prepares a temporary ``IKOE_DATA_DIR`` with ``ikoe serve --no-serve``, then adds N synthetic
organisations spread over the 16 Länder (agencies, associations, companies, institutions), each
with one finished check of the shipped questionnaire (answers drawn at random, scores stored as
the services store them), and calls Django's WSGI handler directly for the results page of one
check and for the overview of its Land: once to fill caches (not counted), then ``--repeat``
times. It prints the time to create the checks and, per page and N, the median and maximum wall
time, the CPU time and the database queries of one request.

Usage::

    .venv/bin/python bench/bench_assessment.py                  # 500 and 5,000 organisations
    .venv/bin/python bench/bench_assessment.py --sizes 2000 --repeat 5

Standard library only (besides ikoe and its dependencies).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def prepare(data: str) -> None:
    env = {**os.environ, "IKOE_DATA_DIR": data}
    subprocess.run(
        [sys.executable, "-m", "ikoe.cli", "serve", "--no-serve"],
        env=env,
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )


def populate(count: int, seed: int = 1) -> float:
    """Add ``count`` organisations with one finished check each; the seconds it took."""
    from django.db import transaction
    from django.utils import timezone

    from ikoe.assessment import questionnaire as questionnaires
    from ikoe.assessment.models import Answer, Assessment, DimensionScore
    from ikoe.organisations.models import Organisation
    from ikoe.stats.assessment import score_assessment

    rng = random.Random(seed)
    found = questionnaires.load(questionnaires.current_version())
    weights = found.weights(())
    lands = list(Organisation.objects.filter(kind=Organisation.Kind.LAND).order_by("code"))
    kinds = list(Organisation.OUTSIDE_KINDS)
    sizes = [c.value for c in Organisation.SizeClass]
    start = time.perf_counter()
    with transaction.atomic():
        already = Organisation.objects.filter(code__startswith="BENCH-").count()
        for n in range(already, already + count):
            land = lands[n % len(lands)]
            org = Organisation.objects.create(
                code=f"BENCH-{n:06d}",
                name=f"Bench organisation {n}",
                kind=kinds[n % len(kinds)],
                parent=land,
                size_class=sizes[rng.randrange(len(sizes))],
            )
            maturity = rng.uniform(0, 4)
            levels: dict[str, int | None] = {
                item.id: None
                if rng.random() < 0.05
                else max(0, min(4, round(rng.gauss(maturity, 0.8))))
                for item in found.items(())
            }
            result = score_assessment(weights, levels)
            assessment = Assessment.objects.create(
                organisation=org,
                questionnaire_version=found.version,
                questionnaire_sha256=found.sha256,
                size_class=org.size_class,
                status=Assessment.Status.FINISHED,
                finished_at=timezone.now(),
                overall_score=result.overall,
                source="benchmark",
            )
            Answer.objects.bulk_create(
                Answer(assessment=assessment, item_id=i, level=v) for i, v in levels.items()
            )
            DimensionScore.objects.bulk_create(
                DimensionScore(assessment=assessment, dimension=d, score=s)
                for d, s in result.dimensions.items()
            )
    return time.perf_counter() - start


def request(handler, path: str, user_id: int) -> tuple[float, float, int, int]:
    """One GET of ``path`` as the user: wall seconds, CPU seconds, queries, status."""
    import io

    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection, reset_queries

    user = get_user_model().objects.get(pk=user_id)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    path, _sep, query = path.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_COOKIE": f"{settings.SESSION_COOKIE_NAME}={session.session_key}",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
    }
    status: list[str] = []
    settings.DEBUG = True  # count queries
    reset_queries()
    wall, cpu = time.perf_counter(), time.process_time()
    body = handler(environ, lambda s, h: status.append(s))
    b"".join(body)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    queries = len(connection.queries)
    settings.DEBUG = False
    return wall, cpu, queries, int(status[0].split()[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="500,5000", help="organisations, comma-separated")
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ikoe-bench-assessment-") as data:
        prepare(data)
        os.environ["IKOE_DATA_DIR"] = data
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ikoe.settings")
        import django

        django.setup()
        from django.contrib.auth import get_user_model
        from django.core.handlers.wsgi import WSGIHandler

        from ikoe.accounts.models import Membership, Role
        from ikoe.assessment.models import Assessment
        from ikoe.organisations.models import Organisation

        handler = WSGIHandler()
        user = get_user_model().objects.create_user("bench-member")
        coordinator = get_user_model().objects.create_user("bench-coordinator")
        total = 0
        print(
            f"{'organisations':>13} {'page':<14} {'median ms':>10} {'max ms':>8} {'CPU ms':>8} {'queries':>8}"
        )
        for size in (int(s) for s in args.sizes.split(",")):
            added = size - total
            seconds = populate(added)
            total = size
            first = Assessment.objects.filter(source="benchmark").order_by("pk").first()
            assert first is not None
            org = first.organisation
            Membership.objects.get_or_create(user=user, land=org.land, agency=org, role=Role.EDITOR)
            land = Organisation.objects.get(pk=org.land_id)
            Membership.objects.get_or_create(user=coordinator, land=land, role=Role.COORDINATOR)
            print(f"# {size} organisations: {seconds:.1f} s to add {added} checks")
            pages = {
                "results": (f"/ikoe-check/{first.pk}/ergebnis/", user.pk),
                "land overview": (f"/ikoe-check/land/{land.code}/", coordinator.pk),
                "api": ("/api/v1/assessments", user.pk),
            }
            for name, (path, uid) in pages.items():
                request(handler, path, uid)  # warm
                runs = [request(handler, path, uid) for _ in range(args.repeat)]
                assert all(r[3] == 200 for r in runs), (name, runs[0][3])
                walls = [r[0] * 1000 for r in runs]
                cpu = statistics.median(r[1] * 1000 for r in runs)
                print(
                    f"{size:>13} {name:<14} {statistics.median(walls):>10.0f} "
                    f"{max(walls):>8.0f} {cpu:>8.0f} {runs[0][2]:>8}"
                )


if __name__ == "__main__":
    main()
