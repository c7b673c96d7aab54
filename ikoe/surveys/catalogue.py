"""The catalogue of the tables every survey publishes: named once, as data.

A table is the tuple of dimensions it is broken down by, organisation levels first down to the
deepest one (:func:`~ikoe.stats.publication.normalise_by`): a table by agency is a table by
Land, ministry and agency. Its name, stored with each of its cells, is made here and nowhere
else. The pipeline protects and stores :data:`STANDARD_TABLES` under every derivable
definition; pages, API and ``ikoe indicators`` find them here (:mod:`ikoe.surveys.figures`).

>>> LAND_MINISTRY_AGENCY.name
'land × ministry × agency'
>>> table_of(["agency", "gender"]).by
('land', 'ministry', 'agency', 'gender')
>>> table_of(["career_group", "land"]) in STANDARD_TABLES
True
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from ikoe.stats.definitions import Definition, derivable_definitions
from ikoe.stats.groupings import LEVELS, normalise_by

CLASSIFYING = ("career_group", "employment", "gender", "age_group", "leadership")
"""Dimensions that classify respondents besides their organisation."""
DIMENSIONS = LEVELS + CLASSIFYING
SEPARATOR = " × "

DEFINITION_CODES = {
    "mighev": Definition.MIGHEV_SHORT,
    "mz": Definition.MIKROZENSUS_WIDE,
    "eg": Definition.EINWANDERUNGSGESCHICHTE,
    "precomputed": Definition.PRECOMPUTED,
}
"""Short codes of the definitions on the command line."""


@dataclass(frozen=True)
class PublishedTable:
    """A table broken down by ``by`` (normalised), published under every definition."""

    by: tuple[str, ...]

    @property
    def name(self) -> str:
        """The name stored with every cell of the table."""
        return SEPARATOR.join(self.by)

    @property
    def rows(self) -> str:
        """The dimension its rows are the groups of (the last one)."""
        return self.by[-1]

    def fits(self, columns: Collection[str]) -> bool:
        """Whether a survey with these columns can be broken down this way."""
        return all(d in columns for d in self.by)


def table_of(by: Sequence[str]) -> PublishedTable:
    return PublishedTable(normalise_by(by))


def table_named(name: str) -> PublishedTable:
    return PublishedTable(tuple(name.split(SEPARATOR)))


LAND = table_of(["land"])
LAND_MINISTRY = table_of(["ministry"])
LAND_MINISTRY_AGENCY = table_of(["agency"])
LAND_CAREER_GROUP = table_of(["land", "career_group"])
LAND_MINISTRY_CAREER_GROUP = table_of(["ministry", "career_group"])
LAND_GENDER = table_of(["land", "gender"])
LAND_AGE_GROUP = table_of(["land", "age_group"])
LAND_EMPLOYMENT = table_of(["land", "employment"])
LAND_LEADERSHIP = table_of(["land", "leadership"])
LAND_MINISTRY_AGENCY_CAREER_GROUP = table_of(["agency", "career_group"])

STANDARD_TABLES: tuple[PublishedTable, ...] = (
    LAND,
    LAND_MINISTRY,
    LAND_MINISTRY_AGENCY,
    LAND_CAREER_GROUP,
    LAND_MINISTRY_CAREER_GROUP,
    LAND_GENDER,
    LAND_AGE_GROUP,
    LAND_EMPLOYMENT,
    LAND_LEADERSHIP,
    LAND_MINISTRY_AGENCY_CAREER_GROUP,
)
"""The tables published for every survey: the Land overview, ministries, agencies, the ladder of
career groups and the Land by each classifying dimension."""

OVERVIEW_TABLES: tuple[PublishedTable, ...] = (
    LAND_CAREER_GROUP,
    LAND_MINISTRY,
    LAND_GENDER,
    LAND_AGE_GROUP,
    LAND_EMPLOYMENT,
    LAND_LEADERSHIP,
)
"""The sections of a survey's overview page, in order."""


def standard_requests(columns: Collection[str]) -> list[tuple[tuple[str, ...], Definition]]:
    """The standard tables the survey's columns allow, under every derivable definition."""
    return [
        (table.by, definition)
        for definition in derivable_definitions(columns)
        for table in STANDARD_TABLES
        if table.fits(columns)
    ]
