"""Regenerate the shared R-comparison file (deterministic): ``python make_survey_sample.py``.

Writes ``survey_sample.csv`` (respondents) and ``margin_agency_career.csv``,
``margin_gender.csv``, ``margin_age.csv`` (personnel totals) next to this script.
The respondents over-represent the "gehoben"/"hoeher" career groups and women, as voluntary
staff surveys do; 12 % do not answer the migration question.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

HERE = Path(__file__).parent


def main() -> None:
    rng = np.random.default_rng(20240517)
    n = 2400
    agencies = [f"B{i:02d}" for i in range(1, 9)]
    careers = ["einfach", "mittel", "gehoben", "hoeher"]
    genders = ["w", "m", "d"]
    ages = ["u30", "30-49", "50+"]
    agency = rng.choice(agencies, n, p=[0.2, 0.15, 0.15, 0.1, 0.1, 0.1, 0.1, 0.1])
    career = rng.choice(careers, n, p=[0.08, 0.32, 0.38, 0.22])
    gender = rng.choice(genders, n, p=[0.57, 0.41, 0.02])
    age = rng.choice(ages, n, p=[0.2, 0.45, 0.35])
    base = rng.choice([1.0, 1.5, 2.0], n, p=[0.6, 0.3, 0.1])
    logit = -1.3 + 0.5 * (career == "einfach") + 0.25 * (career == "mittel") - 0.3 * (age == "50+")
    logit += np.array([agencies.index(a) for a in agency]) * 0.06
    mb = rng.random(n) < 1 / (1 + np.exp(-logit))
    status = np.where(rng.random(n) < 0.12, "unknown", np.where(mb, "yes", "no"))
    respondents = pl.DataFrame(
        {
            "id": np.arange(1, n + 1),
            "agency": agency,
            "career_group": career,
            "gender": gender,
            "age_group": age,
            "base_weight": base,
            "status": status,
        }
    )
    respondents.write_csv(HERE / "survey_sample.csv")
    # personnel totals: about 6 staff per respondent, more in the under-represented groups
    counts = respondents.group_by("agency", "career_group").len()
    factor = {"einfach": 11.0, "mittel": 7.0, "gehoben": 5.0, "hoeher": 4.0}
    ac = (
        counts.with_columns(
            total=(pl.col("len") * pl.col("career_group").replace_strict(factor)).round(0)
        )
        .select("agency", "career_group", "total")
        .sort("agency", "career_group")
    )
    grand = int(np.sum(ac["total"].to_numpy()))
    g_share = {"w": 0.52, "m": 0.465, "d": 0.015}
    g_tot = {g: round(grand * s) for g, s in g_share.items()}
    g_tot["w"] += grand - sum(g_tot.values())
    a_share = {"u30": 0.17, "30-49": 0.43, "50+": 0.40}
    a_tot = {a: round(grand * s) for a, s in a_share.items()}
    a_tot["50+"] += grand - sum(a_tot.values())
    ac.write_csv(HERE / "margin_agency_career.csv")
    pl.DataFrame({"gender": list(g_tot), "total": [float(v) for v in g_tot.values()]}).write_csv(
        HERE / "margin_gender.csv"
    )
    pl.DataFrame({"age_group": list(a_tot), "total": [float(v) for v in a_tot.values()]}).write_csv(
        HERE / "margin_age.csv"
    )


if __name__ == "__main__":
    main()
