"""The questionnaires of the IKÖ-Check: versioned data files, read and checked here.

Each version is one YAML file in ``ikoe/assessment/questionnaires/`` (``2026.1.yaml``) with every
text in German and English (docs/assessment.md, "The questionnaire file"). A published version is
never changed: a change makes a new version, and every assessment keeps the version it was made
with, so its scores never move. :func:`load` refuses a file with a missing translation, a
duplicate item id, weights that do not sum to 1 or any other defect, naming the place in the file.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ikoe.errors import ImportFailed, ProblemList
from ikoe.stats.assessment import MAX_LEVEL

QUESTIONNAIRE_DIR = Path(__file__).resolve().parent / "questionnaires"
LANGUAGES = ("de", "en")
DIMENSION_IDS = (
    "strategy",
    "organisation",
    "personnel",
    "services",
    "training",
    "funding",
    "cooperation",
)
"""The seven dimensions of the IKÖ-Check (docs/domain.md §7), in their order."""
SECTOR_IDS = ("administration", "education", "labour_market", "health")
"""The sector modules: the standard systems of the resolution (docs/domain.md §3)."""
WEIGHT_TOLERANCE = 1e-9
_VERSION = re.compile(r"^[0-9]{4}\.[0-9]{1,3}$")


@dataclass(frozen=True)
class Text:
    """A text in German and English; ``str()`` gives it in the active language."""

    de: str
    en: str

    def __str__(self) -> str:
        return self.en if (get_language() or "de").startswith("en") else self.de

    def as_dict(self) -> dict[str, str]:
        return {"de": self.de, "en": self.en}


@dataclass(frozen=True)
class Item:
    id: str
    dimension: str
    sector: str | None
    weight: float
    question: Text
    levels: tuple[Text, ...]  # guidance for levels 0–4
    evidence: Text
    next_steps: tuple[Text, ...]  # how to get from level 0, 1, 2, 3 to the next

    def next_step(self, level: int) -> Text | None:
        """The suggestion to get from ``level`` to the next; ``None`` at the top level."""
        return self.next_steps[level] if 0 <= level < MAX_LEVEL else None


@dataclass(frozen=True)
class Dimension:
    id: str
    number: int
    title: Text
    description: Text
    items: tuple[Item, ...]

    def items_for(self, sectors: Sequence[str]) -> tuple[Item, ...]:
        """The core items and those of the chosen sector modules."""
        return tuple(i for i in self.items if i.sector is None or i.sector in sectors)


@dataclass(frozen=True)
class Band:
    lower: float
    label: Text
    description: Text


@dataclass(frozen=True)
class Questionnaire:
    version: str
    title: Text
    description: Text
    scale: tuple[Text, ...]  # the general meaning of levels 0–4
    bands: tuple[Band, ...]
    sectors: tuple[tuple[str, Text], ...]
    dimensions: tuple[Dimension, ...]
    sha256: str

    def items(self, sectors: Sequence[str] | None = None) -> Iterator[Item]:
        for dimension in self.dimensions:
            yield from dimension.items if sectors is None else dimension.items_for(sectors)

    def item(self, item_id: str) -> Item:
        for item in self.items():
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def dimension(self, dimension_id: str) -> Dimension:
        for dimension in self.dimensions:
            if dimension.id == dimension_id:
                return dimension
        raise KeyError(dimension_id)

    def weights(self, sectors: Sequence[str]) -> dict[str, list[tuple[str, float]]]:
        """Per dimension the ``(item id, weight)`` pairs an assessment with these sector modules
        asks: what :func:`ikoe.stats.assessment.score_assessment` takes."""
        return {d.id: [(i.id, i.weight) for i in d.items_for(sectors)] for d in self.dimensions}

    @property
    def band_bounds(self) -> list[float]:
        return [b.lower for b in self.bands]

    def band(self, score: float) -> Band:
        from ikoe.stats.assessment import band_index

        return self.bands[band_index(score, self.band_bounds)]

    def sector_label(self, sector: str) -> Text:
        return dict(self.sectors)[sector]

    def as_dict(self) -> dict[str, Any]:
        """The questionnaire as the API serves it: every text in both languages."""
        return {
            "version": self.version,
            "title": self.title.as_dict(),
            "description": self.description.as_dict(),
            "scale": [{"level": n, "label": t.as_dict()} for n, t in enumerate(self.scale)],
            "bands": [
                {
                    "from": b.lower,
                    "label": b.label.as_dict(),
                    "description": b.description.as_dict(),
                }
                for b in self.bands
            ],
            "sectors": [{"id": s, "label": t.as_dict()} for s, t in self.sectors],
            "dimensions": [
                {
                    "id": d.id,
                    "number": d.number,
                    "title": d.title.as_dict(),
                    "description": d.description.as_dict(),
                    "items": [
                        {
                            "id": i.id,
                            "sector": i.sector,
                            "weight": i.weight,
                            "question": i.question.as_dict(),
                            "levels": {str(n): t.as_dict() for n, t in enumerate(i.levels)},
                            "evidence": i.evidence.as_dict(),
                            "next_steps": {str(n): t.as_dict() for n, t in enumerate(i.next_steps)},
                        }
                        for i in d.items
                    ],
                }
                for d in self.dimensions
            ],
        }


class _Reader:
    """Reads one parsed file, collecting every problem with its place."""

    def __init__(self, problems: ProblemList) -> None:
        self.problems = problems

    def add(self, where: str, message: str) -> None:
        self.problems.add("questionnaire", message, column=where)

    def text(self, value: Any, where: str) -> Text:
        if not isinstance(value, Mapping):
            self.add(where, _("Expected a text in German and English (keys de and en)."))
            return Text("", "")
        for lang in LANGUAGES:
            found = value.get(lang)
            if not isinstance(found, str) or not found.strip():
                self.add(
                    where,
                    _("The %(language)s text is missing.")
                    % {"language": _("German") if lang == "de" else _("English")},
                )
        extra = sorted(str(k) for k in value if k not in LANGUAGES)
        if extra:
            self.add(
                where,
                _("Unknown language keys %(keys)s; expected de and en.")
                % {"keys": ", ".join(extra)},
            )
        return Text(str(value.get("de") or "").strip(), str(value.get("en") or "").strip())

    def numbered(self, value: Any, count: int, where: str) -> tuple[Text, ...]:
        """Texts keyed 0 … count-1 (levels, next steps)."""
        if not isinstance(value, Mapping):
            self.add(where, _("Expected texts for the levels 0 to %(last)d.") % {"last": count - 1})
            return tuple(Text("", "") for _n in range(count))
        keys = {int(k) if str(k).isdigit() else k for k in value}
        if keys != set(range(count)):
            self.add(
                where,
                _("Expected exactly the levels 0 to %(last)d, found %(found)s.")
                % {"last": count - 1, "found": ", ".join(str(k) for k in sorted(value, key=str))},
            )
        by_level = {int(k): v for k, v in value.items() if str(k).isdigit()}
        return tuple(self.text(by_level.get(n), f"{where} {n}") for n in range(count))


def _weight(reader: _Reader, value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        reader.add(where, _("Expected a weight as a number greater than 0 and at most 1."))
        return 0.0
    weight = float(value)
    if not math.isfinite(weight) or not 0 < weight <= 1:
        reader.add(
            where,
            _("Expected a weight greater than 0 and at most 1, not %(value)s.") % {"value": value},
        )
    return weight


def parse(raw: bytes, file_name: str) -> Questionnaire:
    """A questionnaire from the bytes of its file; :class:`ImportFailed` lists every defect."""
    problems = ProblemList(file=file_name)
    try:
        data = yaml.safe_load(raw.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        mark = getattr(exc, "problem_mark", None)
        row = mark.line + 1 if mark is not None else None
        raise ImportFailed.single(
            "questionnaire",
            _("The file is not valid YAML in UTF-8: %(reason)s") % {"reason": str(exc)[:200]},
            file_name,
            row,
        ) from None
    if not isinstance(data, Mapping):
        raise ImportFailed.single(
            "questionnaire",
            _("Expected a questionnaire: a mapping with version and dimensions."),
            file_name,
        )
    r = _Reader(problems)
    version = str(data.get("version") or "")
    if not _VERSION.match(version):
        r.add(
            "version", _("Expected a version such as 2026.1, not “%(value)s”.") % {"value": version}
        )
    title = r.text(data.get("title"), "title")
    description = r.text(data.get("description"), "description")

    scale_raw = data.get("scale")
    scale: list[Text] = []
    if not isinstance(scale_raw, list) or [
        s.get("level") if isinstance(s, Mapping) else None for s in scale_raw
    ] != list(range(MAX_LEVEL + 1)):
        r.add("scale", _("Expected the levels 0 to 4 in order, each with a label."))
    else:
        scale = [r.text(s.get("label"), f"scale {s['level']}") for s in scale_raw]

    bands: list[Band] = []
    bands_raw = data.get("bands")
    if not isinstance(bands_raw, list) or not bands_raw:
        r.add("bands", _("Expected a list of maturity bands."))
    else:
        for n, b in enumerate(bands_raw):
            where = f"bands {n + 1}"
            if not isinstance(b, Mapping) or not isinstance(b.get("from"), int | float):
                r.add(where, _("Expected a band with a lower bound “from” between 0 and 100."))
                continue
            bands.append(
                Band(
                    float(b["from"]),
                    r.text(b.get("label"), f"{where} label"),
                    r.text(b.get("description"), f"{where} description"),
                )
            )
        bounds = [b.lower for b in bands]
        if bounds and (
            bounds[0] != 0
            or any(y <= x for x, y in zip(bounds, bounds[1:], strict=False))
            or bounds[-1] >= 100
        ):
            r.add("bands", _("The bands must start at 0 and rise below 100."))

    sectors: list[tuple[str, Text]] = []
    for n, s in enumerate(data.get("sectors") or []):
        sid = s.get("id") if isinstance(s, Mapping) else None
        if sid not in SECTOR_IDS:
            r.add(
                f"sectors {n + 1}",
                _("Unknown sector module “%(value)s”; expected one of %(known)s.")
                % {"value": sid, "known": ", ".join(SECTOR_IDS)},
            )
            continue
        sectors.append((sid, r.text(s.get("label"), f"sector {sid}")))
    sector_ids = {s for s, _t in sectors}

    seen: set[str] = set()
    dimensions: list[Dimension] = []
    dims_raw = data.get("dimensions")
    found_ids = [d.get("id") if isinstance(d, Mapping) else None for d in dims_raw or []]
    if found_ids != list(DIMENSION_IDS):
        r.add(
            "dimensions",
            _("Expected the seven dimensions %(expected)s in this order, found %(found)s.")
            % {"expected": ", ".join(DIMENSION_IDS), "found": ", ".join(map(str, found_ids))},
        )
    for number, d in enumerate(dims_raw or [], start=1):
        if not isinstance(d, Mapping):
            continue
        did = str(d.get("id"))
        items: list[Item] = []
        for it in d.get("items") or []:
            if not isinstance(it, Mapping):
                r.add(f"{did} items", _("Expected an item with id, weight and texts."))
                continue
            iid = str(it.get("id") or "")
            where = _("item %(id)s") % {"id": iid}
            if not iid:
                r.add(f"{did} items", _("An item has no id."))
            elif iid in seen:
                r.add(where, _("The item id %(id)s occurs more than once.") % {"id": iid})
            seen.add(iid)
            sector = it.get("sector")
            if sector is not None and sector not in sector_ids:
                r.add(
                    where,
                    _("Unknown sector module “%(value)s”; expected one of %(known)s.")
                    % {"value": sector, "known": ", ".join(sorted(sector_ids))},
                )
            items.append(
                Item(
                    id=iid,
                    dimension=did,
                    sector=sector,
                    weight=_weight(r, it.get("weight"), f"{where} weight"),
                    question=r.text(it.get("question"), f"{where} question"),
                    levels=r.numbered(it.get("levels"), MAX_LEVEL + 1, f"{where} levels"),
                    evidence=r.text(it.get("evidence"), f"{where} evidence"),
                    next_steps=r.numbered(it.get("next_steps"), MAX_LEVEL, f"{where} next_steps"),
                )
            )
        core = [i.weight for i in items if i.sector is None]
        if not core:
            r.add(did, _("The dimension has no core items."))
        elif abs(sum(core) - 1) > WEIGHT_TOLERANCE:
            r.add(
                f"{did} weights",
                _("The weights of the core items sum to %(sum)s; they must sum to 1.")
                % {"sum": f"{sum(core):.6g}"},
            )
        dimensions.append(
            Dimension(
                id=did,
                number=number,
                title=r.text(d.get("title"), f"{did} title"),
                description=r.text(d.get("description"), f"{did} description"),
                items=tuple(items),
            )
        )
    problems.raise_if_any()
    return Questionnaire(
        version=version,
        title=title,
        description=description,
        scale=tuple(scale),
        bands=tuple(bands),
        sectors=tuple(sectors),
        dimensions=tuple(dimensions),
        sha256=hashlib.sha256(raw).hexdigest(),
    )


def available_versions(directory: Path | None = None) -> list[str]:
    """The versions shipped (in ``directory``, by default :data:`QUESTIONNAIRE_DIR` as it is at
    the call), oldest first."""
    directory = directory or QUESTIONNAIRE_DIR
    found = [p.stem for p in directory.glob("*.yaml") if _VERSION.match(p.stem)]
    return sorted(found, key=lambda v: tuple(int(x) for x in v.split(".")))


@cache
def _load(path: Path, mtime_ns: int) -> Questionnaire:
    questionnaire = parse(path.read_bytes(), path.name)
    if questionnaire.version != path.stem:
        raise ImportFailed.single(
            "questionnaire",
            _("The file name says version %(name)s, the file says %(version)s.")
            % {"name": path.stem, "version": questionnaire.version},
            path.name,
            column="version",
        )
    return questionnaire


def load(version: str, directory: Path | None = None) -> Questionnaire:
    """The questionnaire of ``version``; ``KeyError`` when no such version is shipped."""
    directory = directory or QUESTIONNAIRE_DIR
    if not _VERSION.match(version):
        raise KeyError(version)
    path = directory / f"{version}.yaml"
    if not path.is_file():
        raise KeyError(version)
    return _load(path, path.stat().st_mtime_ns)


def current_version(directory: Path | None = None) -> str:
    """The newest version shipped: what a new assessment uses."""
    versions = available_versions(directory)
    if not versions:
        raise LookupError("no questionnaire shipped")
    return versions[-1]
