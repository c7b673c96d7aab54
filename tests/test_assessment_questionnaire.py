"""The questionnaire loader refuses defective files, naming the place; an assessment keeps the
scores of its own version when a new version is shipped, and a changed file of a published
version is refused."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.utils import translation

from ikoe.assessment import questionnaire as questionnaires
from ikoe.assessment import services
from ikoe.errors import ImportFailed

DATA = Path(__file__).parent / "data" / "assessment" / "questionnaires"
VERSION = "2025.1"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def base() -> dict[str, Any]:
    return yaml.safe_load((DATA / f"{VERSION}.yaml").read_text(encoding="utf-8"))


def write(directory: Path, data: dict[str, Any] | str, version: str = VERSION) -> Path:
    path = directory / f"{version}.yaml"
    text = data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True)
    path.write_text(text, encoding="utf-8")
    return path


def refused(directory: Path, version: str = VERSION) -> list[str]:
    with pytest.raises(ImportFailed) as caught:
        questionnaires.load(version, directory)
    return [str(p) for p in caught.value.problems]


def test_the_test_questionnaire_loads():
    found = questionnaires.load(VERSION, DATA)
    assert [d.id for d in found.dimensions] == list(questionnaires.DIMENSION_IDS)
    assert questionnaires.available_versions(DATA) == [VERSION]


def test_a_missing_english_text_names_the_item_and_the_field(tmp_path):
    data = base()
    del data["dimensions"][1]["items"][0]["question"]["en"]
    data["dimensions"][2]["items"][1]["levels"][3]["en"] = " "
    write(tmp_path, data)
    assert refused(tmp_path) == [
        "2025.1.yaml, column “item 2.1 question”: The English text is missing.",
        "2025.1.yaml, column “item 3.2 levels 3”: The English text is missing.",
    ]


def test_a_duplicate_item_id_is_refused(tmp_path):
    data = base()
    data["dimensions"][6]["items"][1]["id"] = "1.1"
    write(tmp_path, data)
    assert refused(tmp_path) == [
        "2025.1.yaml, column “item 1.1”: The item id 1.1 occurs more than once."
    ]


def test_core_weights_must_sum_to_1_and_the_message_gives_the_sum(tmp_path):
    data = base()
    data["dimensions"][0]["items"][2]["weight"] = 0.25  # 0.5 + 0.3 + 0.25
    write(tmp_path, data)
    assert refused(tmp_path) == [
        "2025.1.yaml, column “strategy weights”: The weights of the core items sum to 1.05; "
        "they must sum to 1."
    ]


def test_sector_items_do_not_count_in_the_core_sum(tmp_path):
    data = base()
    data["dimensions"][3]["items"][2]["weight"] = 1.0  # 4.E1, a module item
    write(tmp_path, data)
    assert questionnaires.load(VERSION, tmp_path).item("4.E1").weight == 1.0


def test_wrong_dimensions_are_refused(tmp_path):
    data = base()
    data["dimensions"][5], data["dimensions"][6] = data["dimensions"][6], data["dimensions"][5]
    write(tmp_path, data)
    [problem] = refused(tmp_path)
    assert "column “dimensions”: Expected the seven dimensions strategy, organisation" in problem
    assert "found strategy, organisation, personnel, services, training, cooperation, funding" in (
        problem
    )


def test_bad_yaml_names_the_row(tmp_path):
    text = (DATA / f"{VERSION}.yaml").read_text(encoding="utf-8").splitlines()
    text[5] = text[5] + ": ]["
    write(tmp_path, "\n".join(text))
    [problem] = refused(tmp_path)
    assert problem.startswith("2025.1.yaml, row 6: The file is not valid YAML in UTF-8")


def test_the_file_name_must_match_the_version(tmp_path):
    shutil.copy(DATA / f"{VERSION}.yaml", tmp_path / "2025.2.yaml")
    assert refused(tmp_path, "2025.2") == [
        "2025.2.yaml, column “version”: The file name says version 2025.2, the file says 2025.1."
    ]


@pytest.mark.django_db
def test_a_new_version_leaves_the_scores_of_an_assessment_alone(cast, tmp_path, monkeypatch):
    monkeypatch.setattr(questionnaires, "QUESTIONNAIRE_DIR", tmp_path)
    shutil.copy(DATA / f"{VERSION}.yaml", tmp_path / f"{VERSION}.yaml")
    agency = cast.orgs["A-AGY"]
    levels = {"1.1": 4, "1.2": 0, "1.3": 0}  # strategy: 0.5·100 = 50 with 2025.1's weights

    def assess():  # type: ignore[no-untyped-def]
        assessment = services.start(agency, None)
        for item in services.questionnaire_of(assessment).items(assessment.sectors):
            services.answer(assessment, item.id, None, level=levels.get(item.id, 2))
        services.finish(assessment, None)
        return assessment

    old = assess()
    assert old.questionnaire_version == VERSION
    before = services.scores(old)
    assert before.dimensions["strategy"] == 50.0

    newer = base()
    newer["version"] = "2027.1"
    newer["dimensions"][0]["items"][0]["weight"] = 0.2  # 1.1
    newer["dimensions"][0]["items"][1]["weight"] = 0.6  # 1.2
    write(tmp_path, newer, "2027.1")
    assert questionnaires.current_version() == "2027.1"

    old.refresh_from_db()
    after = services.scores(old)
    assert after == before
    assert services.questionnaire_of(old).version == VERSION
    assert {s.dimension: s.score for s in old.scores.all()}["strategy"] == 50.0

    new = assess()
    assert new.questionnaire_version == "2027.1"
    assert services.scores(new).dimensions["strategy"] == pytest.approx(0.2 * 100)


@pytest.mark.django_db
def test_a_changed_file_of_the_same_version_is_refused(cast, tmp_path, monkeypatch):
    monkeypatch.setattr(questionnaires, "QUESTIONNAIRE_DIR", tmp_path)
    path = shutil.copy(DATA / f"{VERSION}.yaml", tmp_path / f"{VERSION}.yaml")
    assessment = services.start(cast.orgs["A-AGY"], None)
    assert services.questionnaire_of(assessment).version == VERSION

    changed = base()
    changed["dimensions"][0]["items"][0]["weight"] = 0.2
    changed["dimensions"][0]["items"][1]["weight"] = 0.6
    write(tmp_path, changed)
    stat = os.stat(path)
    os.utime(
        path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000)
    )  # a new file for the cache

    with pytest.raises(services.AssessmentError) as caught:
        services.questionnaire_of(assessment)
    assert str(caught.value) == (
        "The file of questionnaire version 2025.1 was changed after this assessment started. "
        "A published version must not change: put the change into a new version."
    )
    with pytest.raises(services.AssessmentError):
        services.answer(assessment, "1.1", None, level=2)
