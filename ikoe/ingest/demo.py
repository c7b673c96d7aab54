"""A synthetic staff survey for one fictitious Land, calibrated on Berlin's published 2024 figures.

Everything here is invented and labelled so: the Land is "Musterland (synthetisch)" with the
code ``DE-XX`` (not assigned in ISO 3166-2:DE; ``XX`` is the usual placeholder and keeps the
shape of a Land code, so code that works per Land works for it), its ministries and agencies carry
"(synthetisch)" in their names, and the respondents are drawn from a seeded random generator.

Calibration (docs/domain.md §9, Berlin staff survey 2024): about 31,600 of 143,000 staff answered;
21.7 % have a migration background under the short form (MighEV); by former career group
einfacher Dienst 30.9 %, mittlerer 23.5 %, gehobener 21.2 %, höherer 19.0 %, trainees 41.4 %.
The demo is scaled down (default 1/10: 14,300 staff, about 3,160 respondents). Within each stated
career group the number of respondents with a migration background is set exactly to the Berlin
share (rounded to whole persons) among those who answered the migration questions.

Assumptions that are the demo's own, not published figures: the structure of the staff (career
groups per kind of agency, gender, age), response rates varying by agency and career group, the
share of "no answer" per item (:data:`NO_ANSWER_RATES`), and the share of respondents without a
stated career group who have a migration background. Berlin's share per career group is near or
above its overall 21.7 % for every group but the höherer Dienst, so the overall share is reached
only if those without a stated career group have a lower share; it is solved for so that the
overall share is 21.7 %.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import polars as pl

from ikoe.ingest.mapping import (
    AGE_GROUPS,
    CAREER_GROUPS,
    EMPLOYMENT,
    GENDERS,
    ORGANISATION,
    RESPONDENT_ID,
    SURVEY_COLUMNS,
    Column,
)
from ikoe.ingest.survey import canonical_dtype

LAND_CODE = "DE-XX"
LAND_NAME = "Musterland (synthetisch)"
SUFFIX = " (Musterland, synthetisch)"
DEFAULT_SEED = 2024
SCALE = 0.1
REFERENCE_YEAR = 2024

# Berlin staff survey 2024 (docs/domain.md §9; data/reference/benchmarks.csv).
BERLIN_STAFF = 143_000
BERLIN_RESPONDENTS = 31_600
BERLIN_SHARE_OVERALL = 0.217
BERLIN_SHARE_BY_CAREER_GROUP = {
    "einfach": 0.309,
    "mittel": 0.235,
    "gehoben": 0.212,
    "hoeher": 0.190,
    "ausbildung": 0.414,
}

# Share of respondents leaving an item unanswered (the demo's assumption).
NO_ANSWER_RATES = {
    "career_group": 0.10,  # no answer, or a former career group that does not apply
    "employment": 0.02,
    "gender": 0.02,
    "age_group": 0.03,
    "leadership": 0.02,
    "migration_block": 0.07,  # all questions on citizenship and origin
}


@dataclass(frozen=True)
class DemoOrganisation:
    """One row of the organisation tree; ``kind`` as in ``Organisation.Kind``."""

    code: str
    name: str
    parent: str | None
    kind: str


# Staff structure by kind of organisation: shares of einfach, mittel, gehoben, hoeher, ausbildung.
PROFILES: dict[str, tuple[float, float, float, float, float]] = {
    "ministry": (0.02, 0.22, 0.38, 0.34, 0.04),
    "admin": (0.04, 0.36, 0.42, 0.12, 0.06),
    "police": (0.01, 0.47, 0.40, 0.04, 0.08),
    "tax": (0.03, 0.42, 0.42, 0.05, 0.08),
    "court": (0.05, 0.45, 0.25, 0.20, 0.05),
    "prison": (0.08, 0.62, 0.18, 0.04, 0.08),
    "education": (0.03, 0.25, 0.35, 0.33, 0.04),
}

# (ministry name, [(agency name, profile, relative size)]); ministries have relative size 3.5.
TREE: tuple[tuple[str, tuple[tuple[str, str, float], ...]], ...] = (
    (
        "Staatskanzlei",
        (
            ("Landeszentrale für politische Bildung", "admin", 0.6),
            ("Landesarchiv", "admin", 1.0),
            ("Landesvertretung beim Bund", "admin", 0.6),
        ),
    ),
    (
        "Ministerium des Innern",
        (
            ("Landespolizeipräsidium", "police", 22.0),
            ("Polizeiakademie", "police", 4.0),
            ("Landesamt für Einwanderung", "admin", 5.0),
            ("Statistisches Landesamt", "admin", 4.0),
            ("Landesamt für Bürger- und Ordnungsangelegenheiten", "admin", 6.0),
        ),
    ),
    (
        "Ministerium der Finanzen",
        (
            ("Finanzamt Nordstadt", "tax", 5.0),
            ("Finanzamt Südstadt", "tax", 5.0),
            ("Finanzamt Mitte", "tax", 6.0),
            ("Landesamt für Besoldung und Versorgung", "admin", 3.0),
            ("Landesbetrieb Immobilien", "admin", 2.5),
        ),
    ),
    (
        "Ministerium der Justiz",
        (
            ("Oberlandesgericht", "court", 3.0),
            ("Landgericht", "court", 6.0),
            ("Amtsgericht Musterstadt", "court", 8.0),
            ("Justizvollzugsanstalt Musterstadt", "prison", 5.0),
            ("Generalstaatsanwaltschaft", "court", 2.5),
        ),
    ),
    (
        "Ministerium für Bildung",
        (
            ("Landesinstitut für Schulqualität", "education", 2.0),
            ("Schulamt Nord", "education", 3.0),
            ("Schulamt Süd", "education", 3.0),
            ("Landesamt für Ausbildungsförderung", "admin", 1.5),
        ),
    ),
    (
        "Ministerium für Soziales und Integration",
        (
            ("Landesamt für Gesundheit und Soziales", "admin", 7.0),
            ("Landesamt für Flüchtlingsangelegenheiten", "admin", 4.0),
            ("Versorgungsamt", "admin", 3.0),
        ),
    ),
)
MINISTRY_SIZE = 3.5

# Staff structure within career groups (einfach, mittel, gehoben, hoeher, ausbildung).
WOMEN = (0.45, 0.60, 0.60, 0.52, 0.55)
WOMEN_POLICE = (0.30, 0.35, 0.35, 0.35, 0.40)
DIVERSE = 0.003
AGE_BY_GROUP = (
    (0.10, 0.20, 0.22, 0.30, 0.18),
    (0.12, 0.22, 0.22, 0.28, 0.16),
    (0.14, 0.24, 0.22, 0.26, 0.14),
    (0.06, 0.26, 0.28, 0.26, 0.14),
    (0.85, 0.15, 0.0, 0.0, 0.0),
)
AGE_RANGES = ((17, 29), (30, 39), (40, 49), (50, 59), (60, 66))
CIVIL_SERVANTS = (0.15, 0.45, 0.60, 0.70, 0.0)  # the rest are tarif; trainees are "ausbildung"
LEADERS = (0.01, 0.03, 0.10, 0.35, 0.0)
RESPONSE_BY_GROUP = (0.70, 0.80, 1.05, 1.50, 0.60)

# Kinds of migration background among those who have one (MighEV short form): foreign national,
# naturalised immigrant, (Spät-)Aussiedler, born in Germany to two / to one immigrated parent(s).
PATTERNS = ("foreign", "naturalised", "aussiedler", "two_parents", "one_parent")
PATTERN_SHARES = (0.15, 0.25, 0.15, 0.25, 0.20)


def demo_organisations() -> list[DemoOrganisation]:
    """The Land, its 6 ministries and 25 agencies, parents before children."""
    rows = [DemoOrganisation(LAND_CODE, LAND_NAME, None, "land")]
    for m, (ministry, agencies) in enumerate(TREE, start=1):
        m_code = f"{LAND_CODE}-{m:02d}"
        rows.append(DemoOrganisation(m_code, ministry + SUFFIX, LAND_CODE, "ministry"))
        for a, (agency, _profile, _size) in enumerate(agencies, start=1):
            rows.append(DemoOrganisation(f"{m_code}-{a:02d}", agency + SUFFIX, m_code, "agency"))
    return rows


def organisations_frame() -> pl.DataFrame:
    return pl.DataFrame(
        [asdict(o) for o in demo_organisations()],
        schema={"code": pl.String, "name": pl.String, "parent": pl.String, "kind": pl.String},
    )


def organisation_codes() -> list[str]:
    return [o.code for o in demo_organisations()]


def _units() -> list[tuple[str, str, float]]:
    """(code, profile, relative size) of every organisation with staff."""
    units: list[tuple[str, str, float]] = []
    for m, (_ministry, agencies) in enumerate(TREE, start=1):
        m_code = f"{LAND_CODE}-{m:02d}"
        units.append((m_code, "ministry", MINISTRY_SIZE))
        for a, (_agency, profile, size) in enumerate(agencies, start=1):
            units.append((f"{m_code}-{a:02d}", profile, size))
    return units


def _largest_remainder(total: int, weights: np.ndarray) -> np.ndarray:
    exact = total * weights / weights.sum()
    counts = np.floor(exact).astype(np.int64)
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[: total - counts.sum()]] += 1
    return counts


@dataclass(frozen=True)
class Demo:
    """The generated demo: organisation tree, personnel totals and respondents."""

    organisations: pl.DataFrame
    totals: pl.DataFrame  # organisation × career_group × gender → headcount
    respondents: pl.DataFrame  # canonical survey columns, as read_survey returns them
    seed: int
    scale: float


def generate_demo(seed: int = DEFAULT_SEED, scale: float = SCALE) -> Demo:
    """Generate the whole demo from one seed; the same seed and scale give the same frames."""
    rng = np.random.default_rng(seed)
    totals, cells = _generate_totals(rng, scale)
    respondents = _generate_respondents(rng, cells, scale)
    return Demo(organisations_frame(), totals, respondents, seed, scale)


def demo_totals(seed: int = DEFAULT_SEED, scale: float = SCALE) -> pl.DataFrame:
    return generate_demo(seed, scale).totals


def demo_respondents(seed: int = DEFAULT_SEED, scale: float = SCALE) -> pl.DataFrame:
    return generate_demo(seed, scale).respondents


def _generate_totals(rng: np.random.Generator, scale: float) -> tuple[pl.DataFrame, pl.DataFrame]:
    units = _units()
    staff = _largest_remainder(round(BERLIN_STAFF * scale), np.array([u[2] for u in units]))
    org, group, gender, count = [], [], [], []
    for (code, profile, _size), n in zip(units, staff, strict=True):
        by_group = rng.multinomial(n, PROFILES[profile])
        women = WOMEN_POLICE if profile == "police" else WOMEN
        for g, n_g in enumerate(by_group):
            p_w = women[g] * (1 - DIVERSE)
            by_gender = rng.multinomial(n_g, (p_w, 1 - DIVERSE - p_w, DIVERSE))
            for s, n_s in enumerate(by_gender):
                if n_s:
                    org.append(code)
                    group.append(g)
                    gender.append(s)
                    count.append(int(n_s))
    cells = pl.DataFrame(
        {"organisation": org, "group": group, "gender": gender, "headcount": count},
        schema={
            "organisation": pl.String,
            "group": pl.Int8,
            "gender": pl.Int8,
            "headcount": pl.Int64,
        },
    )
    codes = organisation_codes()
    totals = cells.select(
        pl.col("organisation").cast(canonical_dtype(SURVEY_COLUMNS[ORGANISATION], codes)),
        pl.col("group")
        .replace_strict(dict(enumerate(CAREER_GROUPS)), return_dtype=pl.Enum(list(CAREER_GROUPS)))
        .alias("career_group"),
        pl.col("gender").replace_strict(
            dict(enumerate(GENDERS)), return_dtype=pl.Enum(list(GENDERS))
        ),
        pl.col("headcount"),
    )
    return totals, cells


def _choice(rng: np.random.Generator, probabilities: np.ndarray) -> np.ndarray:
    """One index per row of ``probabilities`` (rows sum to 1)."""
    cumulative = probabilities.cumsum(axis=1)
    draws = rng.random(len(probabilities))[:, None]
    return np.minimum((draws > cumulative).sum(axis=1), probabilities.shape[1] - 1)


def _uniform_int(rng: np.random.Generator, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Uniform integers in [low, high] per row (high >= low)."""
    return low + np.floor(rng.random(len(low)) * (high - low + 1)).astype(np.int64)


def _generate_respondents(
    rng: np.random.Generator, cells: pl.DataFrame, scale: float
) -> pl.DataFrame:
    # Response rates vary by agency and career group; the base is set so that the expected
    # number of respondents is Berlin's response scaled.
    org_codes = cells["organisation"].to_numpy()
    unique_orgs = np.unique(org_codes)
    org_factor = dict(zip(unique_orgs, np.exp(rng.normal(0.0, 0.3, len(unique_orgs))), strict=True))
    relative = (
        np.array([org_factor[o] for o in org_codes])
        * np.array(RESPONSE_BY_GROUP)[cells["group"].to_numpy()]
    )
    headcount = cells["headcount"].to_numpy()
    base = round(BERLIN_RESPONDENTS * scale) / float((headcount * relative).sum())
    rates = np.minimum(base * relative, 0.95)
    answered = rng.binomial(headcount, rates)

    org = np.repeat(org_codes, answered)
    group = np.repeat(cells["group"].to_numpy(), answered).astype(np.int64)
    gender = np.repeat(cells["gender"].to_numpy(), answered).astype(np.int64)
    n = len(org)

    age = _choice(rng, np.array(AGE_BY_GROUP)[group])
    low = np.array([r[0] for r in AGE_RANGES])[age]
    high = np.array([r[1] for r in AGE_RANGES])[age]
    low = np.where(group == 4, low, np.maximum(low, 20))
    birth = REFERENCE_YEAR - _uniform_int(rng, low, high)
    employment = np.where(
        group == 4, 2, np.where(rng.random(n) < np.array(CIVIL_SERVANTS)[group], 0, 1)
    )
    leadership = rng.random(n) < np.array(LEADERS)[group]

    hidden = {item: rng.random(n) < rate for item, rate in NO_ANSWER_RATES.items()}
    declared = ~hidden["migration_block"]
    status = _allocate_status(rng, group, hidden["career_group"], declared)
    answers = _raw_answers(rng, status, birth, declared)
    codes = organisation_codes()

    def coded(name: str, values: np.ndarray, labels: tuple[str, ...]) -> pl.Series:
        return _answers(name, np.array(labels)[values], SURVEY_COLUMNS[name], ~hidden[name])

    return pl.DataFrame(
        [
            pl.Series(RESPONDENT_ID, [f"XX-{i:07d}" for i in range(1, n + 1)], dtype=pl.String),
            pl.Series(ORGANISATION, org).cast(canonical_dtype(SURVEY_COLUMNS[ORGANISATION], codes)),
            coded("career_group", group, CAREER_GROUPS),
            coded("employment", employment, EMPLOYMENT),
            coded("gender", gender, GENDERS),
            coded("age_group", age, AGE_GROUPS),
            _answers("leadership", leadership, SURVEY_COLUMNS["leadership"], ~hidden["leadership"]),
            *answers,
        ]
    )


def _answers(name: str, values: np.ndarray, column: Column, answered: np.ndarray) -> pl.Series:
    """A canonical column; null (no answer) where ``answered`` is False."""
    dtype = canonical_dtype(column, ())
    given = pl.Series(name, values).cast(dtype)
    return given.zip_with(pl.Series(answered), pl.repeat(None, len(given), dtype=dtype, eager=True))


def _allocate_status(
    rng: np.random.Generator, group: np.ndarray, group_hidden: np.ndarray, declared: np.ndarray
) -> np.ndarray:
    """Exactly round(share × n) respondents with a migration background per stated career group."""
    status = np.zeros(len(group), dtype=bool)
    total = 0
    for g, name in enumerate(CAREER_GROUPS):
        members = np.flatnonzero((group == g) & ~group_hidden & declared)
        k = round(BERLIN_SHARE_BY_CAREER_GROUP[name] * len(members))
        status[rng.choice(members, size=k, replace=False)] = True
        total += k
    members = np.flatnonzero(group_hidden & declared)
    k = round(BERLIN_SHARE_OVERALL * int(declared.sum())) - total
    k = min(max(k, 0), len(members))
    status[rng.choice(members, size=k, replace=False)] = True
    return status


def _raw_answers(
    rng: np.random.Generator, status: np.ndarray, birth: np.ndarray, declared: np.ndarray
) -> list[pl.Series]:
    """Raw answers whose MighEV status is ``status``; all null where not ``declared``."""
    n = len(status)
    pattern = np.where(status, _choice(rng, np.tile(PATTERN_SHARES, (n, 1))), -1)
    # Aussiedler came mostly 1988–2005: only for those born by 2000, otherwise naturalised.
    pattern = np.where((pattern == 2) & (birth > 2000), 1, pattern)
    foreign_born_here = (pattern == 0) & (rng.random(n) < 0.3)
    immigrant = np.isin(pattern, (0, 1, 2)) & ~foreign_born_here
    second = np.isin(pattern, (3, 4)) | foreign_born_here
    last = REFERENCE_YEAR - 1
    aussiedler_from = np.maximum(birth, 1988)
    own_year = np.where(
        pattern == 2,
        _uniform_int(rng, aussiedler_from, np.maximum(min(2005, last), aussiedler_from)),
        _uniform_int(rng, np.maximum(birth, 1950), np.full(n, last)),
    )
    parents_year = _uniform_int(rng, np.maximum(1955, birth - 30), np.maximum(1955, birth - 1))
    one_parent = pattern == 4
    mother_only = rng.random(n) < 0.5
    mother_immigrant = immigrant | (second & ~(one_parent & ~mother_only))
    father_immigrant = immigrant | (second & ~(one_parent & mother_only))
    parent_year = np.where(immigrant, own_year, parents_year)
    german = pattern != 0
    german_since_birth = ~status | (second & german & (birth >= 2000) & (rng.random(n) < 0.5))
    # Some leave a parent's citizenship unanswered; it does not decide the MighEV status.
    mother_citizenship_given = rng.random(n) >= 0.03
    father_citizenship_given = rng.random(n) >= 0.03

    items: list[tuple[str, np.ndarray, np.ndarray]] = [
        ("german", german, declared),
        ("german_since_birth", german_since_birth, declared),
        ("born_abroad", immigrant, declared),
        ("immigration_year", own_year, declared & immigrant),
        ("mother_born_abroad", mother_immigrant, declared),
        ("mother_immigration_year", parent_year, declared & mother_immigrant),
        ("mother_german_since_birth", ~mother_immigrant, declared & mother_citizenship_given),
        ("father_born_abroad", father_immigrant, declared),
        ("father_immigration_year", parent_year, declared & father_immigrant),
        ("father_german_since_birth", ~father_immigrant, declared & father_citizenship_given),
    ]
    return [_answers(name, values, SURVEY_COLUMNS[name], given) for name, values, given in items]


def write_demo(
    directory: str | Path, seed: int = DEFAULT_SEED, scale: float = SCALE
) -> dict[str, Path]:
    """Write organisations.csv, survey.csv and totals.csv as German Excel reads them.

    UTF-8 with byte-order mark, ``;`` between fields, yes/no as ``ja``/``nein``, no answer empty.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    demo = generate_demo(seed, scale)
    yes_no = {True: "ja", False: "nein"}
    survey = demo.respondents.with_columns(
        pl.col(c).replace_strict(yes_no, return_dtype=pl.String)
        for c, dtype in demo.respondents.schema.items()
        if dtype == pl.Boolean
    )
    paths = {
        "organisations": directory / "organisations.csv",
        "survey": directory / "survey.csv",
        "totals": directory / "totals.csv",
    }
    for key, frame in (
        ("organisations", demo.organisations),
        ("survey", survey),
        ("totals", demo.totals),
    ):
        frame.write_csv(paths[key], separator=";", include_bom=True, null_value="")
    return paths
