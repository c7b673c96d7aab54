"""The measures registry with many measures: the board of a Land (counts, overdue list, timeline,
filters), one measure's page, the API, and the import of a file (docs/performance.md,
"Measures registry").

Prepares a temporary ``IKOE_DATA_DIR`` with ``ikoe serve --no-serve`` (the demo Land's 25
agencies), writes a CSV of N measures spread over those agencies (nine in ten a part of an
earlier measure of the same agency, so chains of parts grow long), imports it with
``ikoe.measures.io.import_registry`` (timed), adds two milestones per measure, then times single requests through Django's WSGI handler as the Land's coordinator:
once to warm up, then ``--repeat`` times.

Usage::

    .venv/bin/python bench/bench_measures.py                 # 1,000 and 5,000 measures
    .venv/bin/python bench/bench_measures.py --sizes 2000 --repeat 5
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_assessment import prepare, request  # noqa: E402  (the same preparation and requests)


def write_file(path: Path, count: int, agencies: list[str], start: int) -> None:
    lines = ["organisation;title;type;status;progress;start;end;parent"]
    for n in range(start, start + count):
        org = agencies[n % len(agencies)]
        # nine in ten are a part of the measure of the same agency one round earlier
        earlier = n - len(agencies)
        parent = f"Maßnahme {earlier}" if n % 10 and earlier >= 0 else ""
        begin = date(2025, 1, 1) + timedelta(days=n % 365)
        lines.append(
            f"{org};Maßnahme {n};recruitment;in_progress;{n % 101};{begin};"
            f"{begin + timedelta(days=400)};{parent}"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000", help="measures, comma-separated")
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ikoe-bench-measures-") as data:
        prepare(data)
        os.environ["IKOE_DATA_DIR"] = data
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ikoe.settings")
        import django

        django.setup()
        from django.contrib.auth import get_user_model
        from django.core.handlers.wsgi import WSGIHandler

        from ikoe.accounts.models import Membership, Role
        from ikoe.measures.io import import_registry
        from ikoe.measures.models import Measure, Milestone
        from ikoe.organisations.models import Organisation

        land = Organisation.objects.get(code="DE-XX")
        agencies = list(
            Organisation.objects.filter(land=land, kind="agency")
            .order_by("code")
            .values_list("code", flat=True)
        )
        coordinator = get_user_model().objects.create_user("bench-coordinator")
        Membership.objects.create(user=coordinator, land=land, role=Role.COORDINATOR)
        handler = WSGIHandler()
        total = 0
        print(
            f"{'measures':>9} {'page':<14} {'median ms':>10} {'max ms':>8} {'CPU ms':>8} "
            f"{'queries':>8}"
        )
        for size in (int(s) for s in args.sizes.split(",")):
            added = size - total
            path = Path(data) / f"measures-{size}.csv"
            write_file(path, added, agencies, total)
            began = time.perf_counter()
            result = import_registry(path, "measures", land=land, user="bench")
            seconds = time.perf_counter() - began
            assert len(result.created) == added
            new = Measure.objects.filter(pk__in=[m.pk for m in result.created])
            Milestone.objects.bulk_create(
                Milestone(
                    measure=m, title=f"Schritt {k}", due=date(2026, 1, 1) + timedelta(days=k * 90)
                )
                for m in new
                for k in (1, 2)
            )
            total = size
            print(f"# {size} measures: imported {added} in {seconds:.1f} s")
            one = Measure.objects.filter(parent__isnull=False).order_by("pk").first()
            assert one is not None
            pages = {
                "board": f"/massnahmen/land/{land.code}/",
                "board filtered": f"/massnahmen/land/{land.code}/?status=in_progress&group=dimension",
                "measure": f"/massnahmen/{one.pk}/",
                "api": "/api/v1/measures",
            }
            for name, url in pages.items():
                request(handler, url, coordinator.pk)
                runs = [request(handler, url, coordinator.pk) for _ in range(args.repeat)]
                assert all(r[3] == 200 for r in runs), (name, runs[0][3])
                walls = [r[0] * 1000 for r in runs]
                cpu = statistics.median(r[1] * 1000 for r in runs)
                print(
                    f"{size:>9} {name:<14} {statistics.median(walls):>10.0f} "
                    f"{max(walls):>8.0f} {cpu:>8.0f} {runs[0][2]:>8}"
                )


if __name__ == "__main__":
    main()
