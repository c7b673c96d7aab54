"""Forms of the targets workflow: a target, all agencies at once, a promotion plan.

Percentages are entered as people write them (``25,5`` or ``25.5``, with or without ``%``) and
stored as fractions. Every message says what was expected, with an example.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ikoe.benchmarks.models import Benchmark
from ikoe.formats import fmt
from ikoe.organisations.models import Organisation
from ikoe.stats.projection import retention
from ikoe.targets.models import DEFINITIONS, PromotionPlan
from ikoe.targets.services import Assumptions, describe_benchmark

DEADLINE_SPAN = 50
"""A deadline lies at most this many years ahead."""
PLAN_YEARS = (2000, 2100)
PLAN_SPAN = 10
"""A promotion plan covers at most this many years."""

_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")


def parse_percent(text: str) -> float | None:
    """A percentage as written (``25,5``, ``25.5 %``, ``-1``) as a number, ``None`` if it is none.

    >>> parse_percent("25,5"), parse_percent(" 25.5 % "), parse_percent("-1"), parse_percent("x")
    (25.5, 25.5, -1.0, None)
    """
    text = text.strip().removesuffix("%").strip().replace("\u2212", "-")
    if not _NUMBER.match(text):
        return None
    return float(text.replace(",", "."))


class PercentField(forms.CharField):
    """A percentage between ``low`` and ``high``, cleaned to a fraction (25,5 → 0.255)."""

    def __init__(
        self,
        *,
        low: float,
        high: float,
        low_open: bool = False,
        high_open: bool = False,
        example: float = 25.5,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)
        self.low, self.high, self.example = low, high, example
        self.low_open, self.high_open = low_open, high_open
        self.widget.attrs.update({"inputmode": "decimal", "size": 8, "autocomplete": "off"})

    def clean(self, value: Any) -> float | None:  # type: ignore[override]
        text = super().clean(value)
        if text in (None, ""):
            return None
        number = parse_percent(str(text))
        if number is None:
            raise forms.ValidationError(
                _("“%(value)s” is not a number; enter a percentage such as %(example)s.")
                % {"value": str(text)[:40], "example": fmt(self.example, 1)}
            )
        too_low = number <= self.low if self.low_open else number < self.low
        too_high = number >= self.high if self.high_open else number > self.high
        if too_low or too_high:
            if self.low_open and self.high_open:
                message = _(
                    "Enter a percentage above %(low)s and below %(high)s, such as %(example)s."
                )
            elif self.low_open:
                message = _(
                    "Enter a percentage above %(low)s and at most %(high)s, such as %(example)s."
                )
            else:
                message = _("Enter a percentage from %(low)s to %(high)s, such as %(example)s.")
            raise forms.ValidationError(
                message
                % {
                    "low": fmt(self.low, 0),
                    "high": fmt(self.high, 0),
                    "example": fmt(self.example, 1),
                }
            )
        return number / 100


class Radios(forms.RadioSelect):
    """Radio buttons whose field links to its first button (for the error summary)."""

    def id_for_label(self, id_: str, index: str | None = None) -> str:
        return super().id_for_label(id_, "0" if index is None else index)


def _year_field(label: Any, help_text: Any = "") -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        help_text=help_text,
        error_messages={
            "required": gettext_lazy("Enter a year, such as 2030."),
            "invalid": gettext_lazy("Enter a year as a whole number, such as 2030."),
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "size": 6}),
    )


class AssumptionsMixin(forms.Form):
    """The assumptions of the projection, with where they come from."""

    exit_rate = PercentField(
        label=gettext_lazy("Exit rate per year in %"),
        required=False,
        low=0,
        high=100,
        low_open=True,
        high_open=True,
        example=5,
        help_text=gettext_lazy(
            "The share of the staff who leave each year (retirement, moves, other reasons), "
            "e.g. from the personnel statistics."
        ),
    )
    growth = PercentField(
        label=gettext_lazy("Growth of the workforce per year in %"),
        required=False,
        low=-50,
        high=50,
        example=1,
        help_text=gettext_lazy("Negative when the workforce shrinks; empty: stays the same."),
    )
    assumptions_note = forms.CharField(
        label=gettext_lazy("Where the assumptions come from"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy(
            "Needed when you enter assumptions, e.g. “Personalstatistik 2023, Abgänge je "
            "Dienststelle”."
        ),
    )

    def clean_assumptions(self, data: dict[str, Any], *, hiring: bool) -> None:
        exit_rate, growth = data.get("exit_rate"), data.get("growth")
        hiring_share = data.get("hiring_share") if hiring else None
        given = [v for v in (exit_rate, growth, hiring_share) if v is not None]
        needs_exits = growth is not None or hiring_share is not None
        if needs_exits and exit_rate is None and "exit_rate" not in self.errors:
            self.add_error(
                "exit_rate",
                _("The projection needs the exit rate when growth or a hiring share is entered."),
            )
        if exit_rate is not None and growth is not None:
            try:
                retention(exit_rate, growth)
            except ValueError:
                self.add_error(
                    "growth",
                    _(
                        "With %(exits)s %% exits a year the workforce can shrink by at most "
                        "%(exits)s %% a year without dismissals."
                    )
                    % {"exits": fmt(100 * exit_rate, 1)},
                )
        if given and not (data.get("assumptions_note") or "").strip():
            self.add_error(
                "assumptions_note",
                _("Say where the assumptions come from, e.g. the personnel statistics of a year."),
            )

    def assumptions(self) -> Assumptions:
        data = self.cleaned_data
        return Assumptions(
            exit_rate=data.get("exit_rate"),
            growth=data.get("growth"),
            hiring_share=data.get("hiring_share"),
            note=(data.get("assumptions_note") or "").strip(),
        )


def _definition_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label=gettext_lazy("Definition of migration background"),
        choices=DEFINITIONS,
        help_text=gettext_lazy(
            "The current share is read from the survey under this definition. Choose the one "
            "that draws the line as the benchmark does."
        ),
        error_messages={"invalid_choice": gettext_lazy("Choose a definition from the list.")},
    )


def _deadline_clean(value: int | None, year: int) -> int | None:
    if value is None:
        return None
    if not year <= value <= year + DEADLINE_SPAN:
        raise forms.ValidationError(
            _("The deadline is a year from %(first)s to %(last)s, such as %(example)s.")
            % {"first": year, "last": year + DEADLINE_SPAN, "example": year + 5}
        )
    return value


OWN = "own"


class TargetForm(AssumptionsMixin):
    """The target of one organisation: the benchmark or an own share, deadline, definition and
    the assumptions of the projection."""

    field_order = [
        "choice",
        "own_share",
        "deadline",
        "definition",
        "exit_rate",
        "growth",
        "hiring_share",
        "assumptions_note",
        "note",
    ]

    choice = forms.ChoiceField(
        label=gettext_lazy("Target share"),
        widget=Radios,
        error_messages={
            "required": gettext_lazy("Choose the benchmark or enter an own share."),
            "invalid_choice": gettext_lazy(
                "Choose one of the benchmarks in the list or an own share."
            ),
        },
    )
    own_share = PercentField(
        label=gettext_lazy("Own target share in %"),
        required=False,
        low=0,
        high=100,
        low_open=True,
        help_text=gettext_lazy("Only for an own share."),
    )
    deadline = _year_field(
        gettext_lazy("Deadline (year)"),
        gettext_lazy("The year by which the share is to be reached."),
    )
    definition = _definition_field()
    hiring_share = PercentField(
        label=gettext_lazy("Current hiring share in %"),
        required=False,
        low=0,
        high=100,
        example=20,
        help_text=gettext_lazy(
            "The share of people with a migration background among those hired lately, e.g. "
            "from the selection procedures. With it the board projects the share at the deadline."
        ),
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("E.g. the decision the target rests on."),
    )

    def __init__(self, *args: Any, benchmarks: list[Benchmark], year: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.benchmarks = {f"b{b.pk}": b for b in benchmarks}
        self.year = year
        choice = self.fields["choice"]
        assert isinstance(choice, forms.ChoiceField)
        choice.choices = [
            *[
                (
                    key,
                    _("Population benchmark: %(benchmark)s") % {"benchmark": describe_benchmark(b)},
                )
                for key, b in self.benchmarks.items()
            ],
            (OWN, _("An own share (enter it below)")),
        ]

    def clean_deadline(self) -> int | None:
        return _deadline_clean(self.cleaned_data.get("deadline"), self.year)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("choice") == OWN
            and data.get("own_share") is None
            and "own_share" not in self.errors
        ):
            self.add_error(
                "own_share",
                _("Enter the own target share, such as %(example)s.") % {"example": fmt(25.5, 1)},
            )
        self.clean_assumptions(data, hiring=True)
        return data

    @property
    def benchmark(self) -> Benchmark | None:
        return self.benchmarks.get(self.cleaned_data.get("choice", ""))

    @property
    def share(self) -> float:
        benchmark = self.benchmark
        if benchmark is not None and benchmark.value is not None:
            return benchmark.value / 100
        return float(self.cleaned_data["own_share"])


class BulkTargetForm(AssumptionsMixin):
    """Every agency of a Land gets the population benchmark as its target."""

    field_order = [
        "benchmark",
        "deadline",
        "definition",
        "which",
        "exit_rate",
        "growth",
        "assumptions_note",
        "note",
    ]

    MISSING, ALL = "missing", "all"

    benchmark = forms.ChoiceField(
        label=gettext_lazy("Population benchmark"),
        error_messages={
            "required": gettext_lazy("Choose a benchmark from the list."),
            "invalid_choice": gettext_lazy("Choose a benchmark from the list."),
        },
    )
    deadline = _year_field(gettext_lazy("Deadline (year)"))
    definition = _definition_field()
    which = forms.ChoiceField(
        label=gettext_lazy("Which agencies"),
        widget=Radios,
        initial="missing",
        choices=[
            ("missing", gettext_lazy("Only agencies without a target")),
            (
                "all",
                gettext_lazy("All agencies (a target set before is replaced; its history is kept)"),
            ),
        ],
        error_messages={"required": gettext_lazy("Choose which agencies get the target.")},
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, benchmarks: list[Benchmark], year: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.benchmarks = {str(b.pk): b for b in benchmarks}
        self.year = year
        field = self.fields["benchmark"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(key, describe_benchmark(b)) for key, b in self.benchmarks.items()]

    def clean_deadline(self) -> int | None:
        return _deadline_clean(self.cleaned_data.get("deadline"), self.year)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self.clean_assumptions(data, hiring=False)
        return data

    @property
    def chosen(self) -> Benchmark:
        return self.benchmarks[self.cleaned_data["benchmark"]]


class RemoveTargetForm(forms.Form):
    confirm = forms.BooleanField(
        label=gettext_lazy("Yes, take the target back"),
        error_messages={
            "required": gettext_lazy("Tick the box to confirm that the target is taken back.")
        },
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class PromotionPlanForm(forms.ModelForm):
    """A promotion plan: period, goals, measures planned, the unit responsible, its state."""

    class Meta:
        model = PromotionPlan
        fields = ["period_start", "period_end", "goals", "measures", "responsible", "status"]
        widgets = {
            "period_start": forms.NumberInput(attrs={"inputmode": "numeric", "size": 6}),
            "period_end": forms.NumberInput(attrs={"inputmode": "numeric", "size": 6}),
            "goals": forms.Textarea(attrs={"rows": 5}),
            "measures": forms.Textarea(attrs={"rows": 6}),
        }
        help_texts = {
            "goals": gettext_lazy(
                "What the organisation wants to reach in the period, e.g. the target share."
            ),
            "measures": gettext_lazy(
                "The measures planned, one a line: recruitment, training, mentoring …"
            ),
            "responsible": gettext_lazy("E.g. the personnel department or a named unit."),
        }
        error_messages = {
            "period_start": {
                "required": gettext_lazy("Enter the first year of the plan, such as 2025."),
                "invalid": gettext_lazy("Enter a year as a whole number, such as 2025."),
            },
            "period_end": {
                "required": gettext_lazy("Enter the last year of the plan, such as 2028."),
                "invalid": gettext_lazy("Enter a year as a whole number, such as 2028."),
            },
            "goals": {"required": gettext_lazy("Describe the goals of the plan.")},
            "responsible": {"required": gettext_lazy("Name the unit responsible for the plan.")},
        }

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organisation = organisation

    def _year(self, name: str) -> int | None:
        value = self.cleaned_data.get(name)
        if value is not None and not PLAN_YEARS[0] <= value <= PLAN_YEARS[1]:
            raise forms.ValidationError(
                _("Enter a year from %(first)s to %(last)s.")
                % {"first": PLAN_YEARS[0], "last": PLAN_YEARS[1]}
            )
        return value

    def clean_period_start(self) -> int | None:
        return self._year("period_start")

    def clean_period_end(self) -> int | None:
        return self._year("period_end")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("period_start"), data.get("period_end")
        if start is None or end is None:
            return data
        if end < start:
            self.add_error("period_end", _("The last year lies before the first year."))
            return data
        if end - start + 1 > PLAN_SPAN:
            self.add_error(
                "period_end",
                _("A promotion plan covers at most %(years)s years.") % {"years": PLAN_SPAN},
            )
            return data
        others = PromotionPlan.objects.filter(
            organisation=self.organisation, period_start__lte=end, period_end__gte=start
        )
        if self.instance.pk is not None:
            others = others.exclude(pk=self.instance.pk)
        clash = others.order_by("period_start").first()
        if clash is not None:
            self.add_error(
                "period_start",
                _(
                    "%(organisation)s has a promotion plan for %(first)s–%(last)s already; "
                    "the periods of two plans must not overlap."
                )
                % {
                    "organisation": self.organisation.name,
                    "first": clash.period_start,
                    "last": clash.period_end,
                },
            )
        return data
