"""The state of members and committees that the audit chain records after each change.

A member's state holds who she is and what she may do (username, display name, roles,
groups, active, whether a second factor is set up and confirmed), never her password hash
(rehashed silently at login when the parameters change) nor her second factor's secret.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from constitution.accounts.models import Committee, CommitteeMember, CommitteeProvision, Member


def member_states(db: Session, ids: Sequence[int] | None) -> Iterator[tuple[int, Any]]:
    query = select(
        Member.id,
        Member.username,
        Member.display_name,
        Member.roles,
        Member.active,
        Member.party,
        Member.state_region,
        Member.ethnicity,
        Member.totp_secret.is_not(None),
        Member.totp_confirmed,
        Member.chamber,
    ).order_by(Member.id)
    if ids is not None:
        query = query.where(Member.id.in_(ids))
    for row in db.execute(query):
        groups = {"party": row[5], "state_region": row[6], "ethnicity": row[7]}
        if row[10] is not None:  # recorded only when set: older states stay as they were
            groups["chamber"] = row[10]
        yield (
            row[0],
            {
                "username": row[1],
                "display_name": row[2],
                "roles": list(row[3]),
                "active": bool(row[4]),
                "groups": groups,
                "totp": {"set": bool(row[8]), "confirmed": bool(row[9])},
            },
        )


def committee_states(db: Session, ids: Sequence[int] | None) -> Iterator[tuple[int, Any]]:
    committees = select(Committee.id, Committee.name, Committee.names).order_by(Committee.id)
    members = select(CommitteeMember.committee_id, CommitteeMember.member_id)
    provisions = select(CommitteeProvision.committee_id, CommitteeProvision.key)
    if ids is not None:
        committees = committees.where(Committee.id.in_(ids))
        members = members.where(CommitteeMember.committee_id.in_(ids))
        provisions = provisions.where(CommitteeProvision.committee_id.in_(ids))
    member_ids: dict[int, list[int]] = {}
    for committee_id, member_id in db.execute(members):
        member_ids.setdefault(committee_id, []).append(member_id)
    keys: dict[int, list[str]] = {}
    for committee_id, key in db.execute(provisions):
        keys.setdefault(committee_id, []).append(key)
    for committee_id, name, names in db.execute(committees):
        yield (
            committee_id,
            {
                "name": name,
                # Only where it has some: the states recorded before names stay the same.
                **({"names": dict(names)} if names else {}),
                "members": sorted(member_ids.get(committee_id, [])),
                "provisions": sorted(keys.get(committee_id, [])),
            },
        )
