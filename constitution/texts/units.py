"""Reading by part and chapter: the units of a document (its parts and chapters, in reading
order), what each unit's own page shows, and which unit each provision is read in.

A unit's page shows the unit and what it contains down to, not into, the units nested in it
(a part's chapters have pages of their own, listed on the part's page), so that a page stays
the size of one chapter however long the document is. Pure functions of the rows of one
revision (in reading order), no queries.
"""

from __future__ import annotations

from dataclasses import dataclass

from constitution.texts.models import ProvisionVersion

UNIT_KINDS = frozenset({"part", "chapter"})


@dataclass(frozen=True)
class Unit:
    """One unit's page: its rows, the units nested in it, and its neighbours."""

    row: ProvisionVersion
    rows: list[ProvisionVersion]
    nested: list[ProvisionVersion]
    previous: ProvisionVersion | None
    next: ProvisionVersion | None
    ancestors: list[ProvisionVersion]


def units(rows: list[ProvisionVersion]) -> list[ProvisionVersion]:
    """The parts and chapters, in reading order."""
    return [row for row in rows if row.kind in UNIT_KINDS]


def unit_of(rows: list[ProvisionVersion]) -> dict[str, str]:
    """Each provision's unit: the nearest part or chapter it is in (a unit is its own).
    Provisions in no unit are left out (they are read in the whole text)."""
    found: dict[str, str] = {}
    for row in rows:  # reading order: a parent comes before its children
        if row.kind in UNIT_KINDS:
            found[row.key] = row.key
        elif row.parent_key in found:
            found[row.key] = found[row.parent_key]
    return found


def unit_page(rows: list[ProvisionVersion], key: str) -> Unit | None:
    """What the page of unit ``key`` shows, or None when there is no such unit. For a
    provision that is not a unit, the page of the unit it is in (its ``row.key`` says which);
    None when it is in none."""
    all_units = units(rows)
    placed = unit_of(rows)
    key = placed.get(key, "")
    index = next((i for i, row in enumerate(all_units) if row.key == key), None)
    if index is None:
        return None
    row = all_units[index]
    shown = [r for r in rows if placed.get(r.key) == key]
    nested = [r for r in all_units if r.parent_key is not None and placed.get(r.parent_key) == key]
    by_key = {r.key: r for r in rows}
    ancestors: list[ProvisionVersion] = []
    parent = by_key.get(row.parent_key or "")
    while parent is not None:
        if parent.kind in UNIT_KINDS:
            ancestors.insert(0, parent)
        parent = by_key.get(parent.parent_key or "")
    return Unit(
        row=row,
        rows=shown,
        nested=nested,
        previous=all_units[index - 1] if index > 0 else None,
        next=all_units[index + 1] if index + 1 < len(all_units) else None,
        ancestors=ancestors,
    )
