"""The scenario page (``targets:scenarios``): up to three scenarios of the stock-flow projection
side by side, their paths in one chart with the targets, and the key figures in a table.

A model calculation only: the page reads no data of anybody, so it is public. It is a plain GET
form that works without JavaScript (the address holds every input and can be shared); with htmx
a change of a field brings the results in place (the partial template), the messages of the
fields are swapped in beside them, and a status line tells screen readers that the results
changed. See docs/scenarios.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django_htmx.http import replace_url

from ikoe.formats import fmt
from ikoe.reports.charts import Line, line_chart
from ikoe.stats.projection import (
    Requirement,
    required_hiring_share,
    retention,
    steady_state,
    trajectory,
    years_to_target,
)
from ikoe.targets.scenario_forms import ScenarioForm, scenario_forms, this_year

# Reached means reached, also where a share computed in floating point falls short by a hair.
TOLERANCE = 1e-9


def pct(share: float) -> str:
    """A share as a percentage in the active language's format: 0.3492 → "34,9 %"."""
    return _("%(value)s %%") % {"value": fmt(100 * share, 1)}


@dataclass
class Outcome:
    """The figures of one scenario, computed by ikoe.stats.projection, and their words."""

    number: int
    name: str
    share: float
    target: float
    years: int
    start: int
    exit_rate: float
    growth: float
    hiring_share: float
    rates: dict[str, float]  # the separate exit rates, when given
    requirement: Requirement
    years_to_target: float | None
    steady_state: float
    path: list[float] = field(default_factory=list)  # this year … the last year of the chart

    @property
    def colour(self) -> int:
        return self.number - 1

    @property
    def target_year(self) -> int:
        return self.start + self.years

    @property
    def at_target_year(self) -> float:
        return self.path[self.years]

    @property
    def nobody_hired(self) -> bool:
        rates = self.rates.values() or [self.exit_rate]
        return all(retention(rate, self.growth) >= 1.0 for rate in rates)

    def required_text(self) -> str:
        """The hiring share it takes, with whether it can be done, in words."""
        req = self.requirement
        if req.status == "reached":
            return _("already reached: the share is at the target or above it")
        if req.status == "feasible" and req.share is not None:
            return _("feasible: it takes %(share)s of the hires") % {"share": pct(req.share)}
        if req.share is not None:
            return _("not feasible: it would take %(share)s of the hires") % {
                "share": pct(req.share)
            }
        if req.reason == "above_all_hires" and req.reachable is not None:
            return _(
                "not feasible: even if every new hire had a migration background, the share "
                "would reach only %(share)s"
            ) % {"share": pct(req.reachable)}
        return _("not feasible: nobody is hired, as the workforce shrinks as fast as people leave")

    def years_text(self) -> str:
        """How long it takes at the hiring share entered, in words."""
        if self.years_to_target is None:
            if self.nobody_hired:
                return _("never: nobody is hired")
            return _("never: at this hiring share the share only approaches %(steady)s") % {
                "steady": pct(self.steady_state)
            }
        if self.years_to_target <= TOLERANCE:
            return _("0: already reached")
        year = self.start + math.ceil(self.years_to_target - TOLERANCE)
        return _("%(years)s years (reached in %(year)s)") % {
            "years": fmt(self.years_to_target, 1),
            "year": year,
        }

    def at_target_text(self) -> str:
        """Whether the share at the target year meets the target, in words."""
        gap = self.target - self.at_target_year
        if gap <= TOLERANCE:
            return _("target reached")
        if fmt(100 * gap, 1) == fmt(0.0, 1):
            return _("target missed by less than %(gap)s percentage points") % {"gap": fmt(0.1, 1)}
        return _("target missed by %(gap)s percentage points") % {"gap": fmt(100 * gap, 1)}

    def description(self) -> str:
        """The scenario's path in one sentence, for the chart's description."""
        return _(
            "%(name)s: from %(share)s in %(start)s to %(end)s in %(last)s at a hiring share of "
            "%(hiring)s; target %(target)s in %(target_year)s"
        ) % {
            "name": self.name,
            "share": pct(self.share),
            "start": self.start,
            "end": pct(self.path[-1]),
            "last": self.start + len(self.path) - 1,
            "hiring": pct(self.hiring_share),
            "target": pct(self.target),
            "target_year": self.target_year,
        }


def outcome(form: ScenarioForm, start: int) -> Outcome:
    """The figures of a valid scenario (its path up to its own target year)."""
    data = form.cleaned_data
    share, target, years = data["share"], data["target"], data["horizon"]
    exit_rate, growth = data["exit_rate"], data["growth"] or 0.0
    hiring = data["hiring_share"]
    rates = form.rates()
    return Outcome(
        number=form.number,
        name=form.title(),
        share=share,
        target=target,
        years=years,
        start=start,
        exit_rate=exit_rate,
        growth=growth,
        hiring_share=hiring,
        rates=rates,
        requirement=required_hiring_share(share, target, years, exit_rate, growth, **rates),
        years_to_target=years_to_target(share, target, exit_rate, hiring, growth, **rates),
        steady_state=steady_state(hiring, exit_rate=exit_rate, growth=growth, **rates)
        if rates
        else steady_state(hiring),
        path=trajectory(share, years, exit_rate, hiring, growth, **rates),
    )


def extend(outcomes: list[Outcome]) -> int:
    """Carry every path on to the last target year of all scenarios; return that horizon."""
    horizon = max((o.years for o in outcomes), default=0)
    for o in outcomes:
        if len(o.path) <= horizon:
            o.path = trajectory(o.share, horizon, o.exit_rate, o.hiring_share, o.growth, **o.rates)
    return horizon


def chart(outcomes: list[Outcome], start: int) -> str:
    lines: list[Line] = []
    for o in outcomes:
        lines.append(
            Line(
                o.name,
                tuple((float(start + t), 100 * p) for t, p in enumerate(o.path)),
                colour=o.colour,
            )
        )
        lines.append(
            Line(
                # Right under its scenario in the legend, in its colour: the name is not repeated.
                _("Target: %(target)s by %(year)s")
                % {"target": pct(o.target), "year": o.target_year},
                ((float(start), 100 * o.target), (float(o.target_year), 100 * o.target)),
                colour=o.colour,
                dashed=True,
            )
        )
    return line_chart(
        lines,
        title=_("Share of staff with a migration background by scenario"),
        description="; ".join(o.description() for o in outcomes) + ".",
        x_title=_("Year"),
        y_title=_("Share in %"),
        ident="scenario-chart",
    )


def error_summary(forms: list[ScenarioForm]) -> list[dict[str, str]]:
    """Every message of every scenario, with the scenario's name, linked to its field."""
    items = []
    for form in forms:
        if form.is_empty():
            continue
        for name, errors in form.errors.items():
            anchor = form[name].id_for_label if name in form.fields else ""
            for message in errors:
                items.append({"text": f"{form.title()}: {message}", "anchor": anchor})
    return items


def share_url(forms: list[ScenarioForm]) -> str:
    """The address of the page with every input filled in (the example's too)."""
    query = {}
    for form in forms:
        for name in form.FIGURES:
            key = form.add_prefix(name)
            value = str(form.data.get(key, "")).strip()
            if value:
                query[key] = value
    return reverse("targets:scenarios") + ("?" + urlencode(query) if query else "")


def scenarios(request: HttpRequest) -> HttpResponse:
    forms, example = scenario_forms(request.GET)
    start = this_year()
    used = [f for f in forms if not f.is_empty()]
    outcomes = [outcome(f, start) for f in used if f.is_valid()]
    errors = error_summary(forms)
    horizon = extend(outcomes)
    context: dict[str, Any] = {
        "forms": forms,
        "example": example,
        "outcomes": outcomes,
        "errors": errors,
        "nothing": not used,
        "start": start,
        "years": [
            (start + t, [(o.path[t], t == o.years) for o in outcomes]) for t in range(horizon + 1)
        ],
        "chart": chart(outcomes, start) if outcomes else "",
        "share_url": share_url(forms),
    }
    # htmx asks for the results only; to restore its history it asks for the whole page.
    htmx: Any = getattr(request, "htmx", None)
    partial = bool(htmx) and not htmx.history_restore_request
    template = "targets/scenario_partial.html" if partial else "targets/scenarios.html"
    response = render(request, template, context)
    if partial:
        # The address bar shows the page of these inputs: a link that can be kept or passed on.
        replace_url(response, context["share_url"])
    # The same address answers with the whole page or the partial: caches must tell them apart.
    patch_vary_headers(response, ("HX-Request",))
    return response
