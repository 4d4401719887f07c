"""Drafting committees: which committees cover an amendment, their queues, and their
recommendations (adopt, reject, or adopt as modified with a committee substitute)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from constitution.accounts.models import Committee, Member
from constitution.amendments import permissions as rules
from constitution.amendments.models import Amendment, Recommendation, Status
from constitution.amendments.services.proposing import MAX_RATIONALE
from constitution.amendments.services.workflow import transition
from constitution.audit.services import record
from constitution.db import utcnow
from constitution.errors import N_, Invalid
from constitution.texts import services as texts
from constitution.texts.models import Document
from constitution.texts.validation import Notices, clean_string, clean_text_map


def covering_committees(
    db: Session, document: Document, amendment: Amendment, tree: texts.Tree | None = None
) -> list[Committee]:
    """Committees whose provisions cover every provision the amendment touches.
    ``tree``: the current text, when the caller has it loaded."""
    tree = texts.load_tree(db, document) if tree is None else tree
    needed = []
    for change in amendment.changes:
        anchor = change.parent if change.op == "insert" and change.parent else change.key
        needed.append(set(tree.ancestors(anchor)) | {change.key})
    result = []
    for committee in db.scalars(select(Committee).order_by(Committee.name)):
        keys = {p.key for p in committee.provisions}
        if needed and all(keys & chain for chain in needed):
            result.append(committee)
    return result


def committee_queue(db: Session, committee: Committee, document: Document) -> list[Amendment]:
    keys = {p.key for p in committee.provisions}
    if not keys:
        return []
    tree = texts.load_tree(db, document)
    queue = []
    for amendment in db.scalars(
        select(Amendment)
        .where(
            Amendment.document_id == document.id,
            Amendment.status.in_(sorted(rules.IN_REVIEW)),
        )
        .order_by(Amendment.number)
    ):
        for change in amendment.changes:
            anchor = change.parent if change.op == "insert" and change.parent else change.key
            if keys & (set(tree.ancestors(anchor)) | {change.key}):
                queue.append(amendment)
                break
    return queue


def recommend(
    db: Session, actor: Member, amendment: Amendment, body: Any, notices: Notices
) -> Amendment:
    """Record a committee's recommendation: the first moves the amendment to recommended;
    while it is still recommended, a member of the committee may revise it. Each one is a
    row of its history and an audit event with the value it replaced and the new one."""
    if not isinstance(body, Mapping):
        raise Invalid(N_("The request body must be a JSON object."), field="body")
    document = db.get_one(Document, amendment.document_id)
    covering = covering_committees(db, document, amendment)
    refusal = rules.recommend_refusal(actor, amendment, covering)
    if refusal is not None:
        raise refusal
    if not rules.may_recommend_now(amendment):
        raise rules.wrong_status()
    committees = [c for c in covering if rules.sits_on(actor, c)]
    choice = body.get("recommendation")
    if choice not in ("adopt", "reject", "modify"):
        raise Invalid(N_("The recommendation is adopt, reject or modify."), field="recommendation")
    note = clean_string(body.get("note"), "note", notices, max_length=MAX_RATIONALE, required=False)
    substitute = None
    if choice == "modify":
        substitute = _clean_substitute(document, amendment, body.get("text"), notices)
    old = _current_value(amendment)
    if amendment.status == Status.RECOMMENDED:
        amendment.updated_at = utcnow()
    else:
        # The transition first: refused, it leaves the amendment as it was.
        transition(
            db,
            amendment,
            "recommend",
            actor,
            payload={"committee": committees[0].id, "recommendation": choice},
        )
    amendment.committee_id = committees[0].id
    amendment.recommendation = choice
    amendment.recommendation_note = note
    amendment.substitute = substitute
    row = Recommendation(
        amendment_id=amendment.id,
        committee_id=committees[0].id,
        member_id=actor.id,
        recommendation=choice,
        note=note,
        substitute=substitute,
    )
    db.add(row)
    db.flush()
    record(
        db,
        "amendment.recommendation_recorded",
        f"amendment:{amendment.id}",
        actor_id=actor.id,
        payload={"recommendation_id": row.id, "old": old, "new": _current_value(amendment)},
    )
    return amendment


def _current_value(amendment: Amendment) -> dict[str, Any] | None:
    """The amendment's recommendation as an audit event records it (None before one)."""
    if amendment.recommendation is None:
        return None
    return {
        "committee": amendment.committee_id,
        "recommendation": amendment.recommendation,
        "note": amendment.recommendation_note or "",
        "text": amendment.substitute,
    }


def recommendation_history(db: Session, amendment: Amendment) -> list[Recommendation]:
    """Every recommendation recorded on the amendment, oldest first."""
    return list(
        db.scalars(
            select(Recommendation)
            .where(Recommendation.amendment_id == amendment.id)
            .order_by(Recommendation.id)
        )
    )


def _clean_substitute(
    document: Document, amendment: Amendment, value: Any, notices: Notices
) -> dict[str, Any]:
    """A committee's modified text: {key: {language: text}} for replaced or inserted
    provisions; a plain {language: text} is taken for an amendment of one such change."""
    targets = [c for c in amendment.changes if c.op in ("replace", "insert")]
    if not targets:
        raise Invalid(N_("Only changes of text can be modified."), field="text")
    if isinstance(value, Mapping) and value and all(k in document.languages for k in value):
        if len(targets) != 1:
            raise Invalid(N_("Give the modified text per provision key."), field="text")
        value = {targets[0].key: value}
    if not isinstance(value, Mapping) or not value:
        raise Invalid(N_("Give the modified text."), field="text")
    result: dict[str, Any] = {}
    for key, text in value.items():
        if key not in {c.key for c in targets}:
            raise Invalid(N_("The amendment does not change this provision."), field=f"text.{key}")
        result[key] = clean_text_map(
            text, f"text.{key}", document.languages, notices, required=(document.authoritative,)
        )
    return result
