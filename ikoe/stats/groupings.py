"""How a survey table is broken down: organisation levels first, then classifying dimensions.

Light on purpose (no engine, no SciPy): the catalogue of published tables uses it to name tables
without loading the disclosure-control engine.
"""

from __future__ import annotations

from collections.abc import Sequence

LEVELS = ("land", "ministry", "agency", "unit")
"""The organisation levels, from the top."""

ALL_LANDS = "_T"
"""The ``land`` of the rows of a joint survey that hold all its Länder together: the root of the
organisation hierarchy, coded ``_T`` (total) as in SDMX and in the disclosure engine."""


def normalise_by(by: Sequence[str]) -> tuple[str, ...]:
    """Organisation levels first, as the full path down to the deepest one asked for.

    A table by agency is a table by Land, ministry and agency: an agency's figures are only
    meaningful (and only protectable) in its place in the hierarchy.

    >>> normalise_by(["gender", "agency"])
    ('land', 'ministry', 'agency', 'gender')
    >>> normalise_by(["career_group"])
    ('career_group',)
    """
    by = list(dict.fromkeys(by))
    return (*LEVELS[: depth(by) + 1], *(d for d in by if d not in LEVELS))


def depth(by: Sequence[str]) -> int:
    """How deep into the organisation levels ``by`` reaches (-1: not at all).

    >>> depth(["gender", "agency"]), depth(["gender"])
    (2, -1)
    """
    return max((LEVELS.index(d) for d in by if d in LEVELS), default=-1)
