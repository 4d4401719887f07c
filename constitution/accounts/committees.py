"""Drafting committees: their members and the provisions they cover."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from constitution.accounts.models import (
    LANGUAGES,
    Committee,
    CommitteeMember,
    CommitteeProvision,
    Member,
)
from constitution.accounts.services import clean_text, members_by_ids, require_admin
from constitution.audit.services import record
from constitution.db import clean_ids
from constitution.errors import N_, Invalid, NotFound, StateConflict

PROVISION_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}")


def _clean_member_ids(db: Session, value: Any) -> list[int]:
    ids = sorted(set(clean_ids(value, "members", N_("Members must be a list of member ids."))))
    found = {m.id for m in members_by_ids(db, ids)}
    if found != set(ids):
        raise Invalid(N_("Unknown member."), field="members")
    return ids


def _clean_keys(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise Invalid(N_("Provisions must be a list of provision keys."), field="provisions")
    keys = sorted({v.strip() for v in value if v.strip()})
    if any(not PROVISION_KEY.fullmatch(k) for k in keys):
        raise Invalid(
            N_("A provision key has letters, digits, dots, dashes or underscores."),
            field="provisions",
        )
    return keys


def _clean_names(value: Any) -> dict[str, str]:
    """Its name in some of the interface's languages: {language: name}, empty ones left out."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Invalid(N_("Names must be an object of language and name."), field="names")
    names: dict[str, str] = {}
    for language, name in value.items():
        if language not in LANGUAGES:
            raise Invalid(N_("There is no such language."), field="names")
        cleaned = clean_text(name, "names", max_length=200, required=False)
        if cleaned:
            names[language] = cleaned
    return names


def list_committees(db: Session, language: str | None = None) -> list[Committee]:
    """Every committee, by name; given ``language``, by the name shown in it (its
    ``names`` entry, else its name), as a page lists them."""
    found = list(db.scalars(select(Committee).order_by(Committee.name)))
    if language is not None:
        found.sort(key=lambda c: ((c.names or {}).get(language) or c.name).casefold())
    return found


def get_committee(db: Session, committee_id: int) -> Committee:
    committee = db.get(Committee, committee_id)
    if committee is None:
        raise NotFound(N_("There is no such committee."))
    return committee


def save_committee(
    db: Session,
    actor: Member,
    *,
    name: Any,
    members: Any,
    provisions: Any,
    names: Any = None,
    committee: Committee | None = None,
) -> Committee:
    """Create a committee, or replace an existing one's name (and its names per language),
    members and provisions."""
    require_admin(actor)
    title = clean_text(name, "name", max_length=200)
    per_language = _clean_names(names)
    ids = _clean_member_ids(db, members if members is not None else [])
    keys = _clean_keys(provisions if provisions is not None else [])
    clash = db.scalar(select(Committee.id).where(Committee.name == title))
    if clash is not None and (committee is None or clash != committee.id):
        raise StateConflict(
            N_("A committee with this name exists."), field="name", code="committee_exists"
        )
    action = "committee.updated"
    if committee is None:
        committee = Committee(name=title)
        db.add(committee)
        action = "committee.created"
    committee.name = title
    committee.names = per_language
    committee.members = [CommitteeMember(member_id=i) for i in ids]
    committee.provisions = [CommitteeProvision(key=k) for k in keys]
    db.flush()
    record(
        db,
        action,
        f"committee:{committee.id}",
        actor_id=actor.id,
        payload={
            "name": title,
            **({"names": per_language} if per_language else {}),
            "members": ids,
            "provisions": keys,
        },
    )
    return committee


def committee_query(member: Member) -> Select[Any]:
    """The query of :func:`committee_count`."""
    return (
        select(func.count())
        .select_from(CommitteeMember)
        .where(CommitteeMember.member_id == member.id)
    )


def committee_count(db: Session, member: Member) -> int:
    """How many committees the member sits on (the navigation's count)."""
    return int(db.scalar(committee_query(member)) or 0)
