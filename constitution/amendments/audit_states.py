"""The state of an amendment that the audit chain records after each change: its title,
rationale, status, changes, sponsors and the committee's recommendation.

Left out: what the platform recomputes without an event of its own (the base revision an
unchanged amendment is moved onto, the problems of one that needs an update, the time of
the last change) and the adopted revision, which the revision's own state names.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from constitution.amendments.models import Amendment, AmendmentChange, Sponsor


def amendment_states(db: Session, ids: Sequence[int] | None) -> Iterator[tuple[int, Any]]:
    amendments = select(
        Amendment.id,
        Amendment.document_id,
        Amendment.number,
        Amendment.amends_id,
        Amendment.title,
        Amendment.rationale,
        Amendment.status,
        Amendment.proposer_id,
        Amendment.committee_id,
        Amendment.recommendation,
        Amendment.recommendation_note,
        Amendment.substitute,
    ).order_by(Amendment.id)
    changes = select(
        AmendmentChange.amendment_id,
        AmendmentChange.seq,
        AmendmentChange.op,
        AmendmentChange.key,
        AmendmentChange.after,
        AmendmentChange.parent,
        AmendmentChange.label,
        AmendmentChange.labels,
        AmendmentChange.kind,
        AmendmentChange.text,
        AmendmentChange.base_text,
    ).order_by(AmendmentChange.amendment_id, AmendmentChange.seq)
    sponsors = select(Sponsor.amendment_id, Sponsor.member_id)
    if ids is not None:
        amendments = amendments.where(Amendment.id.in_(ids))
        changes = changes.where(AmendmentChange.amendment_id.in_(ids))
        sponsors = sponsors.where(Sponsor.amendment_id.in_(ids))
    change_rows: dict[int, list[dict[str, Any]]] = {}
    for c in db.execute(changes):
        row = {
            "seq": c.seq,
            "op": c.op,
            "key": c.key,
            "after": c.after,
            "parent": c.parent,
            "label": c.label,
            "kind": c.kind,
            "text": c.text,
            "base_text": c.base_text,
        }
        if c.labels:  # recorded only when given: older states stay as they were
            row["labels"] = c.labels
        change_rows.setdefault(c.amendment_id, []).append(row)
    sponsor_ids: dict[int, list[int]] = {}
    for amendment_id, member_id in db.execute(sponsors):
        sponsor_ids.setdefault(amendment_id, []).append(member_id)
    for a in db.execute(amendments):
        yield (
            a.id,
            {
                "document": a.document_id,
                "number": a.number,
                "amends": a.amends_id,
                "title": a.title,
                "rationale": a.rationale,
                "status": str(a.status),
                "proposer": a.proposer_id,
                "changes": change_rows.get(a.id, []),
                "sponsors": sorted(sponsor_ids.get(a.id, [])),
                "recommendation": {
                    "committee": a.committee_id,
                    "choice": a.recommendation,
                    "note": a.recommendation_note,
                    "substitute": a.substitute,
                },
            },
        )
