"""A small questionnaire for tests of the IKÖ-Check, written as a file like the shipped ones."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ikoe.assessment.questionnaire import DIMENSION_IDS


def _t(text: str) -> dict[str, str]:
    return {"de": f"{text} (de)", "en": f"{text} (en)"}


def mini_questionnaire(
    version: str = "2099.1", weights: tuple[float, ...] = (0.2, 0.3, 0.5)
) -> dict[str, Any]:
    """Seven dimensions of three core items each (weights 0.2, 0.3, 0.5 unless given), and one
    item of the education module in the first dimension."""

    def item(item_id: str, weight: float, sector: str | None = None) -> dict[str, Any]:
        found: dict[str, Any] = {
            "id": item_id,
            "weight": weight,
            "question": _t(f"Question {item_id}"),
            "levels": {n: _t(f"Level {n} of {item_id}") for n in range(5)},
            "evidence": _t(f"Evidence {item_id}"),
            "next_steps": {n: _t(f"Step {n} of {item_id}") for n in range(4)},
        }
        if sector:
            found["sector"] = sector
        return found

    dimensions = []
    for number, did in enumerate(DIMENSION_IDS, start=1):
        items = [item(f"{number}.{i + 1}", w) for i, w in enumerate(weights)]
        if number == 1:
            items.append(item("1.edu.1", 0.5, "education"))
        dimensions.append(
            {"id": did, "title": _t(did), "description": _t(f"About {did}"), "items": items}
        )
    return {
        "version": version,
        "title": _t("Check"),
        "description": _t("A test questionnaire"),
        "scale": [{"level": n, "label": _t(f"Scale {n}")} for n in range(5)],
        "bands": [
            {"from": b, "label": _t(f"Band {b}"), "description": _t(f"From {b}")}
            for b in (0, 20, 40, 60, 80)
        ],
        "sectors": [{"id": "education", "label": _t("Education")}],
        "dimensions": dimensions,
    }


def write_questionnaire(directory: Path, data: dict[str, Any]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{data['version']}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path
