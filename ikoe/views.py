"""The home page: what the platform is and what it holds."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ikoe.benchmarks.models import Benchmark, BenchmarkDataset


def home(request: HttpRequest) -> HttpResponse:
    context = {
        "benchmark_count": Benchmark.objects.count(),
        "dataset_count": BenchmarkDataset.objects.count(),
    }
    return render(request, "home.html", context)
