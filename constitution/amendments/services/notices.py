"""Telling members what happened to an amendment (through the inbox)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from constitution.accounts.models import Member
from constitution.amendments.models import Amendment
from constitution.inbox.services import notify


def tell(
    db: Session,
    member_id: int,
    kind: str,
    amendment: Amendment,
    *,
    actor: Member | None = None,
    payload: dict[str, Any] | None = None,
) -> None:
    """A notification about ``amendment``: who did it and the amendment's number."""
    notify(
        db,
        member_id,
        kind,
        actor_id=actor.id if actor else None,
        amendment_id=amendment.id,
        payload={
            "actor": actor.display_name if actor else None,
            "number": amendment.number,
            **(payload or {}),
        },
    )
