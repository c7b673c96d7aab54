"""The form of the scenario page: up to three scenarios of the stock-flow projection.

Percentages are typed as people write them: ``12,5`` (German) or ``12.5``, with or without
``%``; the form hands the projection fractions (0.125). Every message names the field and says
what is expected, so that it can stand alone in the error summary above the results.
"""

from __future__ import annotations

import abc
import math
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ikoe.formats import fmt
from ikoe.stats.projection import retention

SCENARIOS = 3  # scenarios side by side
MAX_YEARS = 50  # the longest projection
NAME_LENGTH = 60

# Scenario 1 before anything is entered: the example of the methodology (10 % to 20 % in ten
# years with 5 % exits, no growth), at a hiring share of 25 %, so that every figure of the page
# has something to say: 34.9 % of the hires would be needed.
EXAMPLE = {"share": "10", "target": "20", "horizon": "10", "exit_rate": "5", "hiring_share": "25"}


def example_name() -> str:
    return _("Example: %(share)s %% to %(target)s %% in %(years)s years") % {
        "share": EXAMPLE["share"],
        "target": EXAMPLE["target"],
        "years": EXAMPLE["horizon"],
    }


def help_id(name: str) -> str:
    """The id of the explanation of a field, one for the field of every scenario."""
    return f"help-{name}"


def this_year() -> int:
    """The year of "now": the share entered is the share of this year."""
    return timezone.localdate().year


def parse_percent(text: str) -> float:
    """A percentage as typed, decimal comma or point, ``%`` allowed; ``ValueError`` otherwise.

    >>> parse_percent("12,5"), parse_percent(" 12.5 % "), parse_percent("-2"), parse_percent("7")
    (12.5, 12.5, -2.0, 7.0)
    >>> parse_percent("1.234,5")
    Traceback (most recent call last):
    ...
    ValueError: not a percentage: '1.234,5'
    """
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "").removesuffix("%")
    cleaned = cleaned.replace("\u2212", "-")  # the minus sign of typeset text
    if cleaned.count(",") + cleaned.count(".") > 1:
        raise ValueError(f"not a percentage: {text!r}")
    try:
        value = float(cleaned.replace(",", "."))
    except ValueError:
        raise ValueError(f"not a percentage: {text!r}") from None
    if not math.isfinite(value) or "e" in cleaned.lower():
        raise ValueError(f"not a percentage: {text!r}")
    return value


class _ExplainedField(forms.Field, metaclass=abc.ABCMeta):
    """A short text field whose every message names it and says what is expected."""

    widget = forms.TextInput
    inputmode = "text"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": self.inputmode, "autocomplete": "off", "size": 6})

    @abc.abstractmethod
    def expected(self) -> str:
        """What the field takes, in words (ends every message)."""

    def refusal(self, message: str, code: str, **values: Any) -> ValidationError:
        """``message`` with the field's label, what is expected and ``values`` filled in."""
        return ValidationError(
            message % {"field": self.label, "expected": self.expected(), **values}, code=code
        )

    def validate(self, value: Any) -> None:
        if value is None and self.required:
            raise self.refusal(_("“%(field)s” is missing; expected is %(expected)s."), "required")


class PercentField(_ExplainedField):
    """A percentage between ``low`` and ``high`` (in %), cleaned to a fraction (12,5 → 0.125)."""

    inputmode = "decimal"

    def __init__(self, *, low: float, high: float, example: float, **kwargs: Any) -> None:
        self.low, self.high, self.example = low, high, example
        super().__init__(**kwargs)

    def expected(self) -> str:
        return _("a percentage between %(low)s and %(high)s, such as %(example)s") % {
            "low": fmt(self.low, 0),
            "high": fmt(self.high, 0),
            "example": fmt(self.example, 0 if self.example == int(self.example) else 1),
        }

    def to_python(self, value: Any) -> float | None:
        text = str(value if value is not None else "").strip()
        if not text:
            return None
        try:
            number = parse_percent(text)
        except ValueError:
            raise self.refusal(
                _("“%(field)s”: “%(text)s” is not a number; expected is %(expected)s."),
                "invalid",
                text=text[:20],
            ) from None
        if not self.low <= number <= self.high:
            raise self.refusal(
                _("“%(field)s”: %(value)s %% is out of range; expected is %(expected)s."),
                "range",
                value=fmt(number, 1),
            )
        return number / 100


class HorizonField(_ExplainedField):
    """The target year (such as 2035) or the years until the target (such as 10), cleaned to the
    number of years from this year."""

    inputmode = "numeric"

    def expected(self) -> str:
        year = this_year()
        return _(
            "a year from %(first)s to %(last)s or a number of years from 1 to %(most)s, "
            "such as %(example_year)s or 10"
        ) % {
            "first": year + 1,
            "last": year + MAX_YEARS,
            "most": MAX_YEARS,
            "example_year": year + 10,
        }

    def to_python(self, value: Any) -> int | None:
        text = str(value if value is not None else "").strip()
        if not text:
            return None
        try:
            number = int(text)
        except ValueError:
            raise self.refusal(
                _("“%(field)s”: “%(text)s” is not a whole number; expected is %(expected)s."),
                "invalid",
                text=text[:20],
            ) from None
        year = this_year()
        if 1 <= number <= MAX_YEARS:
            return number
        if year < number <= year + MAX_YEARS:
            return number - year
        raise self.refusal(
            _("“%(field)s”: %(value)s is out of range; expected is %(expected)s."),
            "range",
            value=number,
        )


class ScenarioForm(forms.Form):
    """One scenario. A scenario left empty is not computed (:meth:`is_empty`)."""

    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=NAME_LENGTH,
        required=False,
        help_text=gettext_lazy("Shown in the chart and the table; “Scenario 1” etc. when empty."),
    )
    share = PercentField(
        label=gettext_lazy("Share now"),
        low=0,
        high=100,
        example=12.5,
        help_text=gettext_lazy("Share of staff with a migration background today, in %."),
    )
    target = PercentField(
        label=gettext_lazy("Target"),
        low=0,
        high=100,
        example=20,
        help_text=gettext_lazy(
            "Share to be reached, in %, e.g. the share in the population of the Land."
        ),
    )
    horizon = HorizonField(
        label=gettext_lazy("Target year or years"),
        help_text=gettext_lazy(
            "The year by which the target is to be reached (such as 2035), or the number of "
            "years from now (such as 10)."
        ),
    )
    exit_rate = PercentField(
        label=gettext_lazy("Exit rate"),
        low=0,
        high=50,
        example=5,
        help_text=gettext_lazy(
            "Share of the staff who leave each year (retirement, moving on), in %; often 3 to 6."
        ),
    )
    exit_rate_group = PercentField(
        label=gettext_lazy("Exit rate of staff with a migration background"),
        low=0,
        high=50,
        example=7,
        required=False,
        help_text=gettext_lazy(
            "Only when they leave at another rate than the others, in %; then also the next "
            "field. Empty: the exit rate above for everybody."
        ),
    )
    exit_rate_other = PercentField(
        label=gettext_lazy("Exit rate of staff without a migration background"),
        low=0,
        high=50,
        example=4,
        required=False,
        help_text=gettext_lazy("Only together with the field above, in %."),
    )
    growth = PercentField(
        label=gettext_lazy("Growth of the workforce"),
        low=-50,
        high=50,
        example=1.5,
        required=False,
        help_text=gettext_lazy(
            "Change of the number of staff each year, in %; negative when it shrinks; 0 when "
            "left empty."
        ),
    )
    hiring_share = PercentField(
        label=gettext_lazy("Hiring share"),
        low=0,
        high=100,
        example=25,
        help_text=gettext_lazy(
            "Share of the new hires who have a migration background, in %; the path in the "
            "chart assumes it from now on."
        ),
    )

    # The fields that make a scenario: one of them filled and the scenario counts.
    FIGURES = (
        "name",
        "share",
        "target",
        "horizon",
        "exit_rate",
        "exit_rate_group",
        "exit_rate_other",
        "growth",
        "hiring_share",
    )

    def __init__(self, *args: Any, number: int, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", f"s{number}")
        # A scenario left empty is no error; nor are its empty fields "required" to the browser.
        kwargs.setdefault("empty_permitted", True)
        kwargs.setdefault("use_required_attribute", False)
        super().__init__(*args, **kwargs)
        self.number = number
        for name, field in self.fields.items():
            # The explanation of the field (written once for all scenarios, help_id) and its
            # message (on the page, or swapped in by htmx) describe the input.
            field.widget.attrs["aria-describedby"] = f"{help_id(name)} {self[name].auto_id}_errors"

    def is_empty(self) -> bool:
        """Whether nothing of this scenario was entered (it is then left out, not an error)."""
        if not self.is_bound:
            return True
        return not any(str(self.data.get(self.add_prefix(n), "")).strip() for n in self.FIGURES)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        exit_rate, growth = cleaned.get("exit_rate"), cleaned.get("growth")
        if exit_rate is not None and growth is not None:
            try:
                retention(exit_rate, growth)
            except ValueError:
                self.add_error(
                    "growth",
                    _(
                        "“%(field)s” cannot be below −%(exits)s %%: with %(exits)s %% exits a "
                        "year the workforce cannot shrink faster without dismissals."
                    )
                    % {"field": self.fields["growth"].label, "exits": fmt(100 * exit_rate, 1)},
                )
        group, other = cleaned.get("exit_rate_group"), cleaned.get("exit_rate_other")
        if (group is None) != (other is None) and not self.has_error("exit_rate_group"):
            missing = "exit_rate_other" if other is None else "exit_rate_group"
            if not self.has_error(missing):
                self.add_error(
                    missing,
                    _(
                        "“%(field)s” is needed too: separate exit rates are given for both "
                        "groups or for neither."
                    )
                    % {"field": self.fields[missing].label},
                )
        return cleaned

    def rates(self) -> dict[str, float]:
        """The separate exit rates as keyword arguments of ikoe.stats.projection (none when
        one exit rate holds for everybody)."""
        group = self.cleaned_data.get("exit_rate_group")
        other = self.cleaned_data.get("exit_rate_other")
        if group is None or other is None:
            return {}
        return {"exit_rate_group": group, "exit_rate_other": other}

    @property
    def default_name(self) -> str:
        return _("Scenario %(number)s") % {"number": self.number}

    def title(self) -> str:
        """The scenario's name as entered, else "Scenario N"."""
        name = ""
        if self.is_bound:
            name = str(self.data.get(self.add_prefix("name"), "")).strip()[:NAME_LENGTH]
        return name or self.default_name


def scenario_forms(data: Any) -> tuple[list[ScenarioForm], bool]:
    """The forms of the scenarios from the query (``data``), and whether the example is shown.

    A query without any field of the scenarios (the page opened plainly) shows scenario 1 with
    the example filled in, and its results.
    """
    keys = {f"s{n}-{field}" for n in range(1, SCENARIOS + 1) for field in ScenarioForm.FIGURES}
    if not any(key in data for key in keys):
        example = {f"s1-{field}": value for field, value in EXAMPLE.items()}
        example["s1-name"] = example_name()
        return [ScenarioForm(example, number=n) for n in range(1, SCENARIOS + 1)], True
    return [ScenarioForm(data, number=n) for n in range(1, SCENARIOS + 1)], False
