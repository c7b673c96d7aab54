"""Synthetic IKÖ-Checks of the demo Land “Musterland (synthetisch)”, so that a newcomer sees
results, the peer comparison and the Land aggregate filled (docs/assessment.md, "Demo").

Every agency and ministry of the demo Land gets one finished assessment with the newest
questionnaire. The levels are drawn from a seeded generator: each organisation has a maturity of
its own, each dimension lies a little above or below it, and funding programmes are often not
applicable (most agencies run none). Nothing here describes a real organisation.
"""

from __future__ import annotations

import numpy as np
from django.db import transaction

from ikoe.assessment import questionnaire as questionnaires
from ikoe.assessment import services
from ikoe.assessment.models import Answer, Assessment
from ikoe.ingest import demo as generator
from ikoe.organisations.models import Organisation

DEMO_SOURCE = "synthetic demo (Musterland)"
SEED = 2017
# How far each dimension lies from an organisation's maturity, in levels: strategy and
# cooperation lag behind, training is the most common first step.
DIMENSION_OFFSET = {
    "strategy": -0.3,
    "organisation": 0.0,
    "personnel": 0.2,
    "services": 0.3,
    "training": 0.5,
    "funding": -0.4,
    "cooperation": -0.5,
}
NOT_APPLICABLE_SHARE = {"funding": 0.6}
SIZE_CLASSES = [c.value for c in Organisation.SizeClass]


@transaction.atomic
def load_demo_assessments() -> int:
    """Create the demo assessments; the number created (0 when they exist or the demo Land
    does not)."""
    if Assessment.objects.filter(source=DEMO_SOURCE).exists():
        return 0
    organisations = list(
        Organisation.objects.filter(
            land__code=generator.LAND_CODE,
            kind__in=(Organisation.Kind.MINISTRY, Organisation.Kind.AGENCY),
        ).order_by("code")
    )
    if not organisations:
        return 0
    found = questionnaires.load(questionnaires.current_version())
    rng = np.random.default_rng(SEED)
    for organisation in organisations:
        size = SIZE_CLASSES[int(rng.choice(len(SIZE_CLASSES), p=[0.15, 0.4, 0.35, 0.1]))]
        if not organisation.size_class:
            organisation.size_class = size
            organisation.save(update_fields=["size_class"])
        maturity = rng.uniform(0.4, 3.2)
        levels: dict[str, int | None] = {}
        for item in found.items(()):
            if rng.random() < NOT_APPLICABLE_SHARE.get(item.dimension, 0.03):
                levels[item.id] = None
                continue
            drawn = maturity + DIMENSION_OFFSET[item.dimension] + rng.normal(0, 0.8)
            levels[item.id] = int(np.clip(np.rint(drawn), 0, 4))
        assessment = services.start(
            organisation, None, size_class=organisation.size_class, source=DEMO_SOURCE
        )
        Answer.objects.bulk_create(
            Answer(assessment=assessment, item_id=item_id, level=level)
            for item_id, level in levels.items()
        )
        services.finish(assessment, None)
    return len(organisations)
