"""Status per person under each definition (ikoe.stats.definitions), worked by hand."""

from __future__ import annotations

import itertools
from collections.abc import Mapping

import numpy as np
import polars as pl
import pytest

from ikoe.stats.definitions import (
    STATUS_DTYPE,
    Definition,
    declaration_rate,
    derivable_definitions,
    derive_all,
    derive_status,
)

Y, N, U = "yes", "no", "unknown"


def one(definition: str, answers: Mapping[str, object], assume: bool = False) -> str:
    frame = pl.DataFrame(
        {k: [v] for k, v in answers.items()},
        schema_overrides={k: (pl.Int64 if k.endswith("year") else pl.Boolean) for k in answers},
    )
    return derive_status(frame, definition, assume_immigration_after_1949=assume)[0]


# ---------------------------------------------------------------- MighEV short form


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        # criterion 1: not German
        ({"german": False}, Y),
        # criterion 2: born abroad and immigrated after 1949
        (
            {
                "german": True,
                "born_abroad": True,
                "immigration_year": 1950,
                "mother_born_abroad": False,
                "father_born_abroad": False,
            },
            Y,
        ),
        (
            {
                "german": True,
                "born_abroad": True,
                "immigration_year": 1949,
                "mother_born_abroad": False,
                "father_born_abroad": False,
            },
            N,
        ),
        # criterion 3: one parent born abroad and immigrated after 1949
        (
            {
                "german": True,
                "born_abroad": False,
                "mother_born_abroad": False,
                "father_born_abroad": True,
                "father_immigration_year": 1971,
            },
            Y,
        ),
        (
            {
                "german": True,
                "born_abroad": False,
                "mother_born_abroad": True,
                "mother_immigration_year": 1946,
                "father_born_abroad": False,
            },
            N,
        ),
        # all answered no
        (
            {
                "german": True,
                "born_abroad": False,
                "mother_born_abroad": False,
                "father_born_abroad": False,
            },
            N,
        ),
        # a missing answer that could still make it yes -> unknown
        (
            {
                "german": None,
                "born_abroad": False,
                "mother_born_abroad": False,
                "father_born_abroad": False,
            },
            U,
        ),
        (
            {
                "german": True,
                "born_abroad": False,
                "mother_born_abroad": None,
                "father_born_abroad": False,
            },
            U,
        ),
        # a missing answer does not matter once a criterion is yes
        (
            {
                "german": None,
                "born_abroad": None,
                "mother_born_abroad": True,
                "mother_immigration_year": 1990,
            },
            Y,
        ),
        # born abroad but no year: unknown, unless the assumption is made
        (
            {
                "german": True,
                "born_abroad": True,
                "mother_born_abroad": False,
                "father_born_abroad": False,
            },
            U,
        ),
        # a year without "born abroad" stays unknown (or no when before 1950)
        (
            {
                "german": True,
                "born_abroad": None,
                "immigration_year": 1980,
                "mother_born_abroad": False,
                "father_born_abroad": False,
            },
            U,
        ),
        (
            {
                "german": True,
                "born_abroad": None,
                "immigration_year": 1948,
                "mother_born_abroad": False,
                "father_born_abroad": False,
            },
            N,
        ),
        # nothing answered at all
        ({"german": None}, U),
    ],
)
def test_mighev_short_form(answers: dict[str, object], expected: str) -> None:
    assert one("mighev_short", answers) == expected


def test_mighev_assumption_for_missing_year() -> None:
    answers = {
        "german": True,
        "born_abroad": True,
        "mother_born_abroad": False,
        "father_born_abroad": False,
    }
    assert one("mighev_short", answers) == U
    assert one("mighev_short", answers, assume=True) == Y
    # a known year before 1950 is not overridden by the assumption
    assert one("mighev_short", {**answers, "immigration_year": 1949}, assume=True) == N


def test_mighev_is_kleene_disjunction_over_all_combinations() -> None:
    """Exhaustive check against an independent three-valued evaluation."""
    values: list[bool | None] = [True, False, None]
    rows = list(itertools.product(values, repeat=4))
    frame = pl.DataFrame(
        {
            "german": [r[0] for r in rows],
            "born_abroad": [r[1] for r in rows],
            "immigration_year": [1990] * len(rows),
            "mother_born_abroad": [r[2] for r in rows],
            "mother_immigration_year": [1965] * len(rows),
            "father_born_abroad": [r[3] for r in rows],
            "father_immigration_year": [1965] * len(rows),
        },
        schema_overrides={
            "german": pl.Boolean,
            "born_abroad": pl.Boolean,
            "mother_born_abroad": pl.Boolean,
            "father_born_abroad": pl.Boolean,
        },
    )
    got = derive_status(frame).to_list()
    for row, status in zip(rows, got, strict=True):
        criteria = [None if row[0] is None else not row[0], row[1], row[2], row[3]]
        if any(c is True for c in criteria):
            expected = Y
        elif all(c is False for c in criteria):
            expected = N
        else:
            expected = U
        assert status == expected, row


# ---------------------------------------------------------------- Mikrozensus i.w.S.


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({"german": False}, Y),  # foreigner
        ({"german": True, "german_since_birth": False}, Y),  # naturalised / Spätaussiedler
        ({"german": None, "german_since_birth": False}, Y),  # not German by birth either way
        (
            {
                "german": True,
                "german_since_birth": True,
                "mother_german_since_birth": False,
                "father_german_since_birth": True,
            },
            Y,
        ),  # second generation, one parent
        (
            {
                "german": True,
                "german_since_birth": True,
                "mother_german_since_birth": True,
                "father_german_since_birth": True,
            },
            N,
        ),
        # expellee born abroad, German since birth, parents German by birth: no
        (
            {
                "german": True,
                "german_since_birth": True,
                "born_abroad": True,
                "immigration_year": 1946,
                "mother_german_since_birth": True,
                "father_german_since_birth": True,
            },
            N,
        ),
        # parents' answers needed
        ({"german": True, "german_since_birth": True, "mother_german_since_birth": True}, U),
        (
            {
                "german": True,
                "german_since_birth": None,
                "mother_german_since_birth": True,
                "father_german_since_birth": True,
            },
            U,
        ),
        # born abroad plays no part: a parent born abroad but German by birth is not enough
        (
            {
                "german": True,
                "german_since_birth": True,
                "mother_born_abroad": True,
                "mother_immigration_year": 1970,
                "mother_german_since_birth": True,
                "father_german_since_birth": True,
            },
            N,
        ),
    ],
)
def test_mikrozensus_wide(answers: dict[str, object], expected: str) -> None:
    assert one("mikrozensus_wide", answers) == expected


# ---------------------------------------------------------------- Einwanderungsgeschichte


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({"born_abroad": True, "immigration_year": 1950}, Y),  # immigrant since 1950
        (
            {
                "born_abroad": True,
                "immigration_year": 1949,
                "mother_born_abroad": True,
                "mother_immigration_year": 1949,
                "father_born_abroad": True,
                "father_immigration_year": 1949,
            },
            N,
        ),
        # descendant: born in Germany, BOTH parents immigrated since 1950
        (
            {
                "born_abroad": False,
                "mother_born_abroad": True,
                "mother_immigration_year": 1970,
                "father_born_abroad": True,
                "father_immigration_year": 1968,
            },
            Y,
        ),
        # one immigrated parent does not count
        (
            {
                "born_abroad": False,
                "mother_born_abroad": True,
                "mother_immigration_year": 1970,
                "father_born_abroad": False,
            },
            N,
        ),
        # ... but an unanswered second parent leaves it open
        (
            {
                "born_abroad": False,
                "mother_born_abroad": True,
                "mother_immigration_year": 1970,
                "father_born_abroad": None,
            },
            U,
        ),
        # third generation (parents born in Germany) never counts
        ({"born_abroad": False, "mother_born_abroad": False, "father_born_abroad": False}, N),
        # citizenship plays no part
        (
            {
                "german": False,
                "born_abroad": False,
                "mother_born_abroad": False,
                "father_born_abroad": False,
            },
            N,
        ),
        ({"born_abroad": None, "mother_born_abroad": False}, U),
    ],
)
def test_einwanderungsgeschichte(answers: dict[str, object], expected: str) -> None:
    assert one("einwanderungsgeschichte", answers) == expected


def test_definitions_differ_on_the_same_person() -> None:
    """German-born child of one immigrated foreign parent: MighEV and MZ yes, EG no."""
    answers = {
        "german": True,
        "german_since_birth": True,
        "born_abroad": False,
        "mother_born_abroad": True,
        "mother_immigration_year": 1985,
        "mother_german_since_birth": False,
        "father_born_abroad": False,
        "father_german_since_birth": True,
    }
    assert one("mighev_short", answers) == Y
    assert one("mikrozensus_wide", answers) == Y
    assert one("einwanderungsgeschichte", answers) == N


# ---------------------------------------------------------------- precomputed, inputs


def test_precomputed_column() -> None:
    frame = pl.DataFrame({"migration_background": [True, False, None]})
    assert derive_status(frame, "precomputed").to_list() == [Y, N, U]
    text = pl.DataFrame({"migration_background": ["yes", "no", "unknown", None, "Yes"]})
    assert derive_status(text, Definition.PRECOMPUTED).to_list() == [Y, N, U, U, Y]


def test_numpy_and_mapping_input() -> None:
    data = {
        "german": np.array([True, False, None], dtype=object),
        "born_abroad": [False, None, None],
        "mother_born_abroad": [False, None, True],
        "father_born_abroad": [False, None, None],
    }
    assert derive_status(data).to_list() == [N, Y, U]


def test_result_dtype_and_name() -> None:
    s = derive_status({"german": [True]}, "mighev_short")
    assert s.dtype == STATUS_DTYPE
    assert s.name == "mighev_short"


def test_wrong_types_are_rejected() -> None:
    with pytest.raises(TypeError, match="german"):
        derive_status({"german": ["ja", "nein"]})
    with pytest.raises(TypeError, match="immigration_year"):
        derive_status({"german": [True], "immigration_year": ["1990"]})


def test_derivable_and_derive_all() -> None:
    cols = [
        "german",
        "german_since_birth",
        "born_abroad",
        "immigration_year",
        "mother_born_abroad",
        "father_born_abroad",
        "mother_german_since_birth",
    ]
    assert derivable_definitions(cols) == (
        Definition.MIGHEV_SHORT,
        Definition.MIKROZENSUS_WIDE,
        Definition.EINWANDERUNGSGESCHICHTE,
    )
    assert derivable_definitions(["german"]) == ()
    frame = pl.DataFrame(
        {c: [None] for c in cols},
        schema={c: (pl.Int64 if c.endswith("year") else pl.Boolean) for c in cols},
    )
    out = derive_all(frame)
    assert [c for c in out.columns if c.startswith("status_")] == [
        "status_mighev_short",
        "status_mikrozensus_wide",
        "status_einwanderungsgeschichte",
    ]
    assert out.row(0)[-3:] == (U, U, U)
    only = derive_all(frame, ["einwanderungsgeschichte"], prefix="s_")
    assert only.columns[-1] == "s_einwanderungsgeschichte"


def test_unknown_is_never_no() -> None:
    """No answers at all must give "unknown" under every definition, never "no"."""
    cols = [
        "german",
        "german_since_birth",
        "born_abroad",
        "immigration_year",
        "mother_born_abroad",
        "mother_immigration_year",
        "mother_german_since_birth",
        "father_born_abroad",
        "father_immigration_year",
        "father_german_since_birth",
    ]
    frame = pl.DataFrame(
        {c: [None] for c in cols},
        schema={c: (pl.Int64 if c.endswith("year") else pl.Boolean) for c in cols},
    )
    for definition in ("mighev_short", "mikrozensus_wide", "einwanderungsgeschichte"):
        assert derive_status(frame, definition).to_list() == [U]


def test_declaration_rate() -> None:
    s = pl.Series([Y, N, U, U], dtype=STATUS_DTYPE)
    assert declaration_rate(s) == 0.5


def test_vectorised_on_many_rows() -> None:
    rng = np.random.default_rng(3)
    n = 200_000
    frame = pl.DataFrame(
        {
            "german": rng.random(n) < 0.9,
            "born_abroad": rng.random(n) < 0.15,
            "immigration_year": rng.integers(1940, 2020, n),
            "mother_born_abroad": rng.random(n) < 0.2,
            "father_born_abroad": rng.random(n) < 0.2,
        }
    )
    status = derive_status(frame).to_numpy()
    german = frame["german"].to_numpy()
    expected_yes = (~german) | (
        frame["born_abroad"].to_numpy() & (frame["immigration_year"].to_numpy() >= 1950)
    )
    # parents have no year: they count only as unknown, so "yes" rows match the person criteria
    assert np.array_equal(status == "yes", expected_yes)
