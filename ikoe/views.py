"""The home page: what the platform is and what it holds."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ikoe.benchmarks.models import Benchmark, BenchmarkDataset
from ikoe.surveys.demo import DEMO_DATASET


def home(request: HttpRequest) -> HttpResponse:
    # Public figures only: the demo Land's synthetic benchmark is not one.
    public = BenchmarkDataset.objects.exclude(name=DEMO_DATASET)
    context = {
        "benchmark_count": Benchmark.objects.filter(dataset__in=public).count(),
        "dataset_count": public.count(),
    }
    return render(request, "home.html", context)
