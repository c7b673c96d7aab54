"""The migration to survey parts keeps every survey as released or unreleased as it was."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("surveys", "0001_initial")]
AFTER = [("surveys", "0002_joint_survey_parts")]


@pytest.mark.django_db(transaction=True)
def test_every_survey_becomes_one_part_released_as_the_survey_was():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Organisation = old.get_model("organisations", "Organisation")
    Survey = old.get_model("surveys", "Survey")
    SurveyRelease = old.get_model("surveys", "SurveyRelease")
    land = Organisation.objects.create(code="DE-BE", name="Berlin", kind="land")
    common = {"year": 2024, "snapshot": "x.parquet", "snapshot_sha256": "0" * 64}
    released = Survey.objects.create(
        name="be-1", title="1", land=land, respondents=10, published=True, **common
    )
    Survey.objects.create(name="be-2", title="2", land=land, respondents=20, **common)
    SurveyRelease.objects.create(
        survey=released, survey_name="be-1", action="release", channel="page"
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    parts = new.get_model("surveys", "SurveyPart").objects.order_by("survey__name")
    assert [(p.survey.name, p.land.code, p.respondents, p.published) for p in parts] == [
        ("be-1", "DE-BE", 10, True),
        ("be-2", "DE-BE", 20, False),
    ]
    record = new.get_model("surveys", "SurveyRelease").objects.get()
    assert record.land_id == land.pk

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
