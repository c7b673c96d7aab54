"""Results, comparisons, action plan and exports of the IKÖ-Check (docs/assessment.md)."""

from __future__ import annotations

from pathlib import Path

QUESTIONNAIRES = Path(__file__).parent / "data" / "assessment"
