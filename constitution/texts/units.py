"""Reading by part and chapter: the units of a document (its parts and chapters, in reading
order), what each unit's own page shows, and which unit each provision is read in.

A unit's page shows the unit and what it contains down to, not into, the units nested in it
(a part's chapters have pages of their own, listed on the part's page), so that a page stays
the size of one chapter however long the document is. Pure functions of the rows of one
revision (in reading order), no queries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

UNIT_KINDS = frozenset({"part", "chapter"})


class Row(Protocol):
    """A provision version, or its outline: a key, a parent and a kind."""

    @property
    def key(self) -> str: ...
    @property
    def parent_key(self) -> str | None: ...
    @property
    def kind(self) -> str: ...


R = TypeVar("R", bound=Row)
S = TypeVar("S", bound=Row)


@dataclass(frozen=True)
class Unit(Generic[R]):
    """One unit's page: its rows, the units nested in it, and its neighbours."""

    row: R
    rows: list[R]
    nested: list[R]
    previous: R | None
    next: R | None
    ancestors: list[R]

    def with_rows(self, full: Callable[[R], S]) -> Unit[S]:
        """The same page with every row replaced by ``full(row)`` (its text loaded)."""
        return Unit(
            row=full(self.row),
            rows=[full(r) for r in self.rows],
            nested=[full(r) for r in self.nested],
            previous=full(self.previous) if self.previous is not None else None,
            next=full(self.next) if self.next is not None else None,
            ancestors=[full(r) for r in self.ancestors],
        )


def units(rows: list[R]) -> list[R]:
    """The parts and chapters, in reading order."""
    return [row for row in rows if row.kind in UNIT_KINDS]


def unit_of(rows: list[R]) -> dict[str, str]:
    """Each provision's unit: the nearest part or chapter it is in (a unit is its own).
    Provisions in no unit are left out (they are read in the whole text)."""
    found: dict[str, str] = {}
    for row in rows:  # reading order: a parent comes before its children
        if row.kind in UNIT_KINDS:
            found[row.key] = row.key
        elif row.parent_key in found:
            found[row.key] = found[row.parent_key]
    return found


def unit_page(rows: list[R], key: str) -> Unit[R] | None:
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
    ancestors: list[R] = []
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
