"""The organisation hierarchy: Land > ministry (Ressort) > agency (Behörde) > unit.

Organisations come from a CSV file with the columns ``code,name,parent,kind``
(:func:`import_organisations`, the command ``ikoe import-organisations``) and can be edited in the
admin. The 16 Länder always exist (:func:`ensure_laender`); their code is the ISO 3166-2 code
(``DE-BE``) and a Land row has an empty parent.

The rule for parents is strict (:data:`ALLOWED_PARENT_KINDS`): a ministry sits directly below a
Land, an agency directly below a ministry, a unit below an agency or below another unit (units nest:
Abteilung > Referat). Agencies that report directly to a head of government are imported below the
state chancellery (Staatskanzlei, Senatskanzlei), which is imported as a ministry. Keeping the rule
strict means every agency has a Ressort, so tables by Ressort add up.

An import is checked completely before anything is stored, and it is stored in one transaction:
either every row is stored or none. Importing the same file again changes nothing; a changed file
updates names and parents. The kind of a stored organisation never changes (give it a new code),
and rows may come in any order.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from ikoe.errors import ProblemList, excerpt
from ikoe.ingest import demo as demo_generator
from ikoe.ingest.organisations import OrganisationRow, read_organisations
from ikoe.organisations.models import Organisation
from ikoe.regions import FEDERAL, LAENDER

Kind = Organisation.Kind

# For each kind, the kinds its parent may have (a Land has no parent).
ALLOWED_PARENT_KINDS: dict[str, tuple[str, ...]] = {
    Kind.LAND: (),
    Kind.MINISTRY: (Kind.LAND,),
    Kind.AGENCY: (Kind.MINISTRY,),
    Kind.UNIT: (Kind.AGENCY, Kind.UNIT),
    Kind.ASSOCIATION: (Kind.LAND,),
    Kind.COMPANY: (Kind.LAND,),
    Kind.INSTITUTION: (Kind.LAND,),
}

_CODE_MAX = Organisation._meta.get_field("code").max_length or 64
_NAME_MAX = Organisation._meta.get_field("name").max_length or 255


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


# ---------------------------------------------------------------------------------------------
# Rules shared by the import and the admin


def parent_kind_problem(kind: str, parent_kind: str | None) -> str | None:
    """Why an organisation of ``kind`` cannot sit below one of ``parent_kind`` (``None``: no parent).

    Returns ``None`` when the combination is allowed.

    >>> parent_kind_problem("ministry", "land") is None
    True
    >>> parent_kind_problem("unit", "unit") is None
    True
    >>> from django.utils import translation
    >>> with translation.override("en"):
    ...     parent_kind_problem("agency", "land")
    'An agency must sit directly below a ministry, but its parent is of kind “Land”.'
    >>> with translation.override("de"):
    ...     parent_kind_problem("agency", "land")
    'Eine Behörde muss direkt einem Ministerium untergeordnet sein, die übergeordnete Organisation ist aber von der Art „Land“.'
    >>> parent_kind_problem("land", None) is None
    True
    """
    allowed = ALLOWED_PARENT_KINDS[kind]
    if kind == Kind.LAND:
        if parent_kind is None:
            return None
        return _("A Land has no parent; leave the parent empty.")
    if parent_kind is None:
        return _("A ministry, agency or unit needs a parent; fill in the parent’s code.")
    if parent_kind in allowed:
        return None
    if kind == Kind.MINISTRY:
        message = _(
            "A ministry must sit directly below a Land, but its parent is of kind “%(parent_kind)s”."
        )
    elif kind == Kind.AGENCY:
        message = _(
            "An agency must sit directly below a ministry, but its parent is of kind “%(parent_kind)s”."
        )
    elif kind in Organisation.OUTSIDE_KINDS:
        message = _(
            "An organisation outside the administration sits directly below its Land, but its "
            "parent is of kind “%(parent_kind)s”."
        )
    else:
        message = _(
            "A unit must sit below an agency or another unit, but its parent is of kind “%(parent_kind)s”."
        )
    kinds = dict(Organisation.Kind.choices)
    return message % {"parent_kind": kinds.get(parent_kind, parent_kind)}


def land_code_problem(code: str) -> str | None:
    """Why ``code`` cannot be the code of a Land, or ``None``.

    >>> land_code_problem("DE-BE") is None, land_code_problem("DE-BUND") is None
    (True, True)
    >>> from django.utils import translation
    >>> with translation.override("en"):
    ...     land_code_problem("DE-XX")[:40]
    '“DE-XX” is not the ISO 3166-2 code of a '
    """
    if code in LAENDER or code == FEDERAL:
        return None
    return _(
        "“%(code)s” is not the ISO 3166-2 code of a Land; expected one of %(codes)s, or "
        "%(federal)s for the federal level."
    ) % {"code": excerpt(code), "codes": ", ".join(LAENDER), "federal": FEDERAL}


# A code must not start like a spreadsheet formula: codes end up in CSV exports, where a cell
# "=…" is run as a formula when the file is opened (docs/imports.md, "Exports").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def code_problem(code: str) -> str | None:
    r"""Why ``code`` cannot be an organisation code (start or characters), or ``None``.

    >>> code_problem("A-AGY-12") is None
    True
    >>> from django.utils import translation
    >>> with translation.override("en"):
    ...     code_problem("=HYPERLINK(1)")
    '“=HYPERLINK(1)” starts with “=”; a code must start with a letter or digit (a spreadsheet would read it as a formula).'
    >>> with translation.override("en"):
    ...     code_problem("A\x00B")
    '“A␀B” contains a control character (shown as ␀ here); a code consists of letters, digits and punctuation.'
    """
    if code.startswith(FORMULA_STARTS):
        return _(
            "“%(code)s” starts with “%(start)s”; a code must start with a letter or digit "
            "(a spreadsheet would read it as a formula)."
        ) % {"code": excerpt(code), "start": excerpt(code[0])}
    control = next((c for c in code if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")), None)
    if control is not None:
        return _(
            "“%(code)s” contains a control character (shown as %(shown)s here); a code consists "
            "of letters, digits and punctuation."
        ) % {"code": excerpt(code), "shown": excerpt(control)}
    return None


def ensure_laender() -> int:
    """Create the Land organisations that are missing; return how many were created.

    Existing Länder keep their names (an import may have set them). Called by ``ikoe serve``.
    """
    existing = set(Organisation.objects.filter(code__in=LAENDER).values_list("code", flat=True))
    created = 0
    for code, name in LAENDER.items():
        if code not in existing:
            Organisation(code=code, name=name, kind=Kind.LAND).save()
            created += 1
    return created


def refresh_land(roots: Iterable[Organisation]) -> int:
    """Set ``land`` on everything below ``roots`` from their (already saved) new positions.

    Call it after an organisation moved to another parent; returns how many rows changed.
    """
    changed = 0
    frontier = [(root.pk, root.land_id) for root in roots]
    while frontier:
        by_land: dict[int | None, list[int]] = {}
        for pk, land_id in frontier:
            by_land.setdefault(land_id, []).append(pk)
        frontier = []
        for land_id, parent_ids in by_land.items():
            children = Organisation.objects.filter(parent_id__in=parent_ids).exclude(kind=Kind.LAND)
            changed += children.exclude(land_id=land_id).update(land_id=land_id)
            frontier.extend((pk, land_id) for pk in children.values_list("pk", flat=True))
    return changed


def subtree_ids(root_ids: Iterable[int]) -> set[int]:
    """The given organisations and everything below them."""
    found = set(root_ids)
    frontier = set(found)
    while frontier:
        frontier = (
            set(Organisation.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
            - found
        )
        found |= frontier
    return found


ACCESS_TIES: list[Callable[[set[int]], int]] = []
"""Counters of what ties somebody's access to organisations (given their ids): apps whose rows
name organisations to grant access register one (``accounts`` counts memberships), so this app
need not know them."""


def memberships_below(org: Organisation) -> int:
    """How many memberships (access ties) name this organisation or one below it."""
    ids = subtree_ids([org.pk])
    return sum(count(ids) for count in ACCESS_TIES)


# ---------------------------------------------------------------------------------------------
# Import


def import_organisations(path: str | Path) -> ImportResult:
    """Check the whole file, then store it in one transaction.

    Raises :class:`~ikoe.errors.ImportFailed` listing every problem found; then nothing is stored.
    """
    file, rows = read_organisations(path)
    problems = ProblemList(file=file)
    with transaction.atomic():
        # Read the stored tree inside the transaction, so the check sees what will be changed.
        stored = {
            o.code: o for o in Organisation.objects.select_related("parent", "land").order_by("pk")
        }
        _check(rows, stored, problems)
        problems.raise_if_any()
        return _store(rows, stored)


def _check(
    rows: list[OrganisationRow], stored: dict[str, Organisation], problems: ProblemList
) -> None:
    kinds = [k.value for k in Kind]
    first_row: dict[str, int] = {}
    # The tree as it will be: stored organisations and the Länder, overlaid with the file.
    kind_of: dict[str, str] = {code: Kind.LAND for code in LAENDER}
    parent_of: dict[str, str] = {}
    for code, org in stored.items():
        kind_of[code] = org.kind
        parent_of[code] = org.parent.code if org.parent else ""
    valid: list[OrganisationRow] = []
    for r in rows:
        ok = True
        if not r.code:
            problems.add("empty_code", _("The code is empty."), row=r.row, column="code")
            ok = False
        elif message := code_problem(r.code):
            problems.add("code_characters", message, row=r.row, column="code")
            ok = False
        elif len(r.code) > _CODE_MAX:
            problems.add(
                "code_too_long",
                _("The code has %(length)d characters; at most %(max)d are allowed.")
                % {"length": len(r.code), "max": _CODE_MAX},
                row=r.row,
                column="code",
            )
            ok = False
        elif r.code in first_row:
            problems.add(
                "duplicate_code",
                _("The code “%(code)s” already appears in row %(row)d; each code may appear once.")
                % {"code": excerpt(r.code), "row": first_row[r.code]},
                row=r.row,
                column="code",
            )
            continue
        else:
            first_row[r.code] = r.row
        if not r.name:
            problems.add("empty_name", _("The name is empty."), row=r.row, column="name")
            ok = False
        elif len(r.name) > _NAME_MAX:
            problems.add(
                "name_too_long",
                _("The name has %(length)d characters; at most %(max)d are allowed.")
                % {"length": len(r.name), "max": _NAME_MAX},
                row=r.row,
                column="name",
            )
            ok = False
        if r.kind not in kinds:
            problems.add(
                "unknown_kind",
                _("“%(kind)s” is not a kind; expected one of %(kinds)s.")
                % {"kind": excerpt(r.kind), "kinds": ", ".join(kinds)},
                row=r.row,
                column="kind",
            )
            continue
        if r.kind == Kind.LAND and (message := land_code_problem(r.code)):
            problems.add("unknown_land", message, row=r.row, column="code")
            ok = False
        elif r.code in kind_of and kind_of[r.code] != r.kind:
            problems.add(
                "kind_changed",
                _(
                    "“%(code)s” has the kind “%(stored)s”, which cannot change to “%(kind)s”; "
                    "give the new organisation its own code."
                )
                % {"code": excerpt(r.code), "stored": kind_of[r.code], "kind": r.kind},
                row=r.row,
                column="kind",
            )
            ok = False
        if r.kind == Kind.LAND and r.parent:
            problems.add(
                "land_with_parent",
                _("A Land has no parent; leave the parent empty."),
                row=r.row,
                column="parent",
            )
            ok = False
        if r.kind != Kind.LAND and not r.parent:
            problems.add(
                "empty_parent",
                _("The parent is empty; every ministry, agency and unit needs one."),
                row=r.row,
                column="parent",
            )
            ok = False
        if ok and r.code:
            valid.append(r)
    for r in valid:
        kind_of[r.code] = r.kind
        parent_of[r.code] = r.parent
    for r in valid:
        if not r.parent:
            continue
        if r.parent not in kind_of:
            problems.add(
                "unknown_parent",
                _("No organisation has the code “%(code)s”: it is neither in this file nor stored.")
                % {"code": excerpt(r.parent)},
                row=r.row,
                column="parent",
            )
            continue
        if message := parent_kind_problem(r.kind, kind_of[r.parent]):
            problems.add("wrong_parent_kind", message, row=r.row, column="parent")
            continue
        if chain := _cycle(r.code, parent_of):
            problems.add(
                "cycle",
                _("The parents form a cycle: %(chain)s.")
                % {"chain": " → ".join(excerpt(c) for c in chain)},
                row=r.row,
                column="parent",
            )
    if not problems:
        _check_moves(valid, stored, kind_of, parent_of, problems)


def _cycle(code: str, parent_of: dict[str, str]) -> list[str] | None:
    """The chain from ``code`` back to itself when following parents leads there."""
    chain = [code]
    seen = {code}
    node = parent_of.get(code, "")
    while node:
        chain.append(node)
        if node == code:
            return chain
        if node in seen:  # a cycle further up, reported on its own rows
            return None
        seen.add(node)
        node = parent_of.get(node, "")
    return None


def _land_of(code: str, kind_of: dict[str, str], parent_of: dict[str, str]) -> str:
    node = code
    for _step in range(len(parent_of) + 1):
        if kind_of.get(node) == Kind.LAND or not parent_of.get(node):
            return node
        node = parent_of[node]
    return node


def _check_moves(
    rows: list[OrganisationRow],
    stored: dict[str, Organisation],
    kind_of: dict[str, str],
    parent_of: dict[str, str],
    problems: ProblemList,
) -> None:
    """Refuse to move an organisation to another Land while memberships name it or its subtree.

    Such a move would silently hand an agency's people to another Land's scope.
    """
    for r in rows:
        org = stored.get(r.code)
        if org is None or org.kind == Kind.LAND or (org.parent and org.parent.code == r.parent):
            continue
        new_land = _land_of(r.code, kind_of, parent_of)
        old_land = org.land.code if org.land else ""
        if new_land == old_land:
            continue
        if count := memberships_below(org):
            problems.add(
                "moved_with_memberships",
                _(
                    "“%(code)s” would move from %(old)s to %(new)s, but %(count)d memberships "
                    "name it or an organisation below it; change those memberships first."
                )
                % {"code": excerpt(r.code), "old": old_land, "new": new_land, "count": count},
                row=r.row,
                column="parent",
            )


def _store(rows: list[OrganisationRow], stored: dict[str, Organisation]) -> ImportResult:
    ensure_laender()
    by_code = {o.code: o for o in Organisation.objects.filter(code__in=LAENDER)}
    by_code.update({code: org for code, org in stored.items() if code not in by_code})
    pending = {r.code: r for r in rows}
    created = updated = unchanged = 0
    moved: list[Organisation] = []
    # Parents before children: store a row once its parent is stored or not in the file.
    while pending:
        ready = [r for r in pending.values() if not r.parent or r.parent not in pending]
        assert ready, "cycles are rejected by _check"
        for r in sorted(ready, key=lambda r: r.row):
            del pending[r.code]
            parent = by_code[r.parent] if r.parent else None
            org = by_code.get(r.code)
            if org is None:
                org = Organisation(code=r.code, name=r.name, kind=r.kind, parent=parent)
                org.save()
                created += 1
            elif r.code not in stored:  # a Land that ensure_laender() has just created
                if org.name != r.name:
                    org.name = r.name
                    org.save()
                created += 1
            elif org.name == r.name and org.parent_id == (parent.pk if parent else None):
                unchanged += 1
            else:
                was_land = org.land_id
                org.name = r.name
                org.parent = parent
                org.save()
                if org.land_id != was_land:
                    moved.append(org)
                updated += 1
            by_code[r.code] = org
    refresh_land(moved)
    return ImportResult(created, updated, unchanged)


def ensure_demo_organisations() -> None:
    """The synthetic demo Land “Musterland (synthetisch)” and its ministries and agencies, for the
    demo survey and the demo selection data (idempotent)."""
    with transaction.atomic():
        by_code = {
            o.code: o
            for o in Organisation.objects.filter(code__startswith=demo_generator.LAND_CODE)
        }
        land = by_code.get(demo_generator.LAND_CODE)
        if land is None:
            land = Organisation.objects.create(
                code=demo_generator.LAND_CODE, name=demo_generator.LAND_NAME, kind="land"
            )
            by_code[land.code] = land
        for row in demo_generator.demo_organisations():
            if row.code in by_code:
                continue
            parent = by_code[row.parent] if row.parent else None
            by_code[row.code] = Organisation.objects.create(
                code=row.code, name=row.name, kind=row.kind, parent=parent
            )
