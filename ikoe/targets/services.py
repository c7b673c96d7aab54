"""Setting targets: one version at a time, the history kept (docs/targets.md, "Setting targets").

Only this module writes :class:`~ikoe.targets.models.Target`: :func:`set_target` adds a version
and makes it the one in force, in one transaction; :func:`remove_target` adds a version that takes
the target back; :func:`set_all_to_benchmark` gives every agency of a Land the Land's population
benchmark at once. The views check who may do it (coordinators of the Land, the federal level).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from ikoe.accounts.models import Role, acting_account
from ikoe.accounts.scope import RANK, grants
from ikoe.benchmarks.models import Benchmark
from ikoe.formats import fmt
from ikoe.labels import COMPARABLE_DEFINITIONS, definition_label
from ikoe.organisations.models import Organisation
from ikoe.targets.models import DEFAULT_DEFINITION, Target

POPULATION_MEASURE = "population_share"


def land_benchmarks(land: Organisation) -> list[Benchmark]:
    """The Land's population shares with a migration background (public reference figures),
    newest first: the benchmarks a target can be taken from."""
    return list(
        Benchmark.objects.filter(
            region_code=land.code,
            measure=POPULATION_MEASURE,
            unit="%",
            value__isnull=False,
        ).order_by("-year", "definition", "pk")
    )


def default_benchmark(land: Organisation) -> Benchmark | None:
    """The default target of the Land's organisations: its newest population share."""
    found = land_benchmarks(land)
    return found[0] if found else None


def describe_benchmark(benchmark: Benchmark) -> str:
    """The benchmark in words, as kept with a target: region, year, definition and value."""
    return _("%(region)s %(year)s, %(definition)s: %(value)s %%") % {
        "region": benchmark.region_name,
        "year": benchmark.year if benchmark.year is not None else "",
        "definition": definition_label(benchmark.definition),
        "value": fmt(benchmark.value, 1),
    }


def comparable_definition(benchmark: Benchmark | None) -> str:
    """The survey definition that draws the line as the benchmark does (the Mikrozensus in the
    broad sense for the Mikrozensus figures), else the default one."""
    if benchmark is not None:
        for survey_definition, alike in COMPARABLE_DEFINITIONS.items():
            if benchmark.definition in alike:
                return survey_definition
    return DEFAULT_DEFINITION


def agencies(land: Organisation) -> QuerySet[Organisation]:
    return Organisation.objects.filter(land=land, kind=Organisation.Kind.AGENCY)


def land_coordinated(user: Any) -> list[Organisation]:
    """The Länder the user coordinates through a membership of that Land (not nationwide)."""
    ids: set[int] = {
        g.land_id
        for g in grants(user)
        if g.rank >= RANK[Role.COORDINATOR] and g.land_id is not None and g.agency_id is None
    }
    return list(Organisation.objects.filter(pk__in=ids).order_by("name"))


@dataclass(frozen=True)
class Baseline:
    """The published share of an organisation when its target is set (where the path starts)."""

    share: float | None = None
    year: int | None = None
    survey: str = ""


@dataclass(frozen=True)
class Assumptions:
    """What the coordinator assumes for the projection (fractions)."""

    exit_rate: float | None = None
    growth: float | None = None
    hiring_share: float | None = None
    note: str = ""


@transaction.atomic
def set_target(
    organisation: Organisation,
    user: Any,
    *,
    share: float,
    deadline: int,
    definition: str,
    benchmark: Benchmark | None = None,
    assumptions: Assumptions | None = None,
    baseline: Baseline | None = None,
    note: str = "",
) -> Target:
    """A new version of the organisation's target, in force from now; the old one is kept.

    ``benchmark``: the population benchmark the share was taken from (``None``: an own value).
    ``baseline``: the published share of the organisation now (:func:`ikoe.targets.board.baseline`).
    """
    if not 0 < share <= 1:
        raise ValueError("a target share lies above 0 and at most 1")
    assumptions = assumptions or Assumptions()
    baseline = baseline or Baseline()
    _retire(organisation)
    return Target.objects.create(
        organisation=organisation,
        share=share,
        deadline=deadline,
        definition=definition,
        source=Target.Source.BENCHMARK if benchmark is not None else Target.Source.OWN,
        benchmark=benchmark,
        benchmark_text=describe_benchmark(benchmark) if benchmark is not None else "",
        exit_rate=assumptions.exit_rate,
        growth=assumptions.growth,
        hiring_share=assumptions.hiring_share,
        assumptions_note=assumptions.note,
        baseline_share=baseline.share,
        baseline_year=baseline.year,
        baseline_survey=baseline.survey,
        note=note,
        **_who(user),
    )


@transaction.atomic
def remove_target(organisation: Organisation, user: Any, note: str = "") -> Target | None:
    """Take the organisation's target back (a version that says so); ``None`` when it had none."""
    previous = Target.objects.filter(organisation=organisation).in_force().first()
    if previous is None:
        return None
    _retire(organisation)
    return Target.objects.create(
        organisation=organisation,
        definition=previous.definition,
        removed=True,
        note=note,
        **_who(user),
    )


def set_all_to_benchmark(
    organisations: Iterable[Organisation],
    user: Any,
    *,
    benchmark: Benchmark,
    deadline: int,
    definition: str,
    assumptions: Assumptions | None = None,
    baselines: dict[int, Baseline] | None = None,
    only_missing: bool = True,
    note: str = "",
) -> int:
    """Give the organisations the benchmark as their target (``only_missing``: only those
    without a target in force); how many got a new version. One transaction."""
    if benchmark.value is None:
        raise ValueError("the benchmark has no value")
    baselines = baselines or {}
    changed = 0
    with transaction.atomic():
        having = set(
            Target.objects.in_force()
            .filter(organisation__in=list(organisations))
            .values_list("organisation_id", flat=True)
        )
        for organisation in organisations:
            if only_missing and organisation.pk in having:
                continue
            set_target(
                organisation,
                user,
                share=benchmark.value / 100,
                deadline=deadline,
                definition=definition,
                benchmark=benchmark,
                assumptions=assumptions,
                baseline=baselines.get(organisation.pk),
                note=note,
            )
            changed += 1
    return changed


def missing_targets(land: Organisation) -> int:
    """How many agencies of the Land have no target in force."""
    having = Target.objects.in_force().filter(organisation__land=land).values("organisation_id")
    return agencies(land).exclude(pk__in=having).count()


def _retire(organisation: Organisation) -> None:
    # Lock the organisation's versions so two coordinators saving at once do not both stay
    # in force (the unique constraint would refuse the second one anyway).
    list(Target.objects.select_for_update().filter(organisation=organisation, current=True))
    Target.objects.filter(organisation=organisation, current=True).update(current=False)


def _who(user: Any) -> dict[str, Any]:
    account = acting_account(user)
    return {
        "set_by": account,
        "set_by_name": account.get_username() if account is not None else "",
    }
