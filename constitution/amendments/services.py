"""Amendments: proposing, the workflow state machine, conflicts, rebasing and merging.

Every transition goes through ``transition()``, which checks that the amendment is in a
state that allows it and that the actor may do it, writes an audit event, and notifies
whom it concerns. Refusals are ``Conflict`` (409, wrong state) or ``Forbidden`` (403).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session, lazyload

from constitution.accounts.models import Committee, CommitteeMember, Member, Role
from constitution.amendments.models import (
    OPEN_STATUSES,
    Amendment,
    AmendmentChange,
    Notification,
    Sponsor,
    Status,
)
from constitution.amendments.models import Conflict as ConflictRow
from constitution.audit.models import AuditEvent
from constitution.audit.services import record
from constitution.db import utcnow
from constitution.diffing.merge import merge3, overlaps
from constitution.errors import N_, Conflict, Forbidden, Invalid, NotFound
from constitution.settings import Settings
from constitution.texts import services as texts
from constitution.texts.models import Document, Revision
from constitution.texts.validation import Notices, clean_string, clean_text_map

MAX_RATIONALE = 20_000
MAX_TITLE = 300

# action -> (states it is allowed from, state it leads to)
TRANSITIONS: dict[str, tuple[frozenset[Status], Status]] = {
    "submit": (frozenset({Status.DRAFT}), Status.SUBMITTED),
    "to_committee": (frozenset({Status.SUBMITTED}), Status.IN_COMMITTEE),
    "recommend": (frozenset({Status.SUBMITTED, Status.IN_COMMITTEE}), Status.RECOMMENDED),
    "schedule": (
        frozenset({Status.SUBMITTED, Status.IN_COMMITTEE, Status.RECOMMENDED}),
        Status.SCHEDULED,
    ),
    "adopt": (frozenset({Status.SCHEDULED}), Status.ADOPTED),
    "reject": (frozenset({Status.SCHEDULED}), Status.REJECTED),
    "withdraw": (
        frozenset(
            {
                Status.DRAFT,
                Status.SUBMITTED,
                Status.IN_COMMITTEE,
                Status.RECOMMENDED,
                Status.NEEDS_UPDATE,
            }
        ),
        Status.WITHDRAWN,
    ),
    "needs_update": (
        frozenset(
            {
                Status.DRAFT,
                Status.SUBMITTED,
                Status.IN_COMMITTEE,
                Status.RECOMMENDED,
                Status.SCHEDULED,
            }
        ),
        Status.NEEDS_UPDATE,
    ),
    "obsolete": (frozenset(OPEN_STATUSES), Status.OBSOLETE),
    "updated": (frozenset({Status.NEEDS_UPDATE}), Status.SUBMITTED),
    # Updated, an amendment that was still a draft when it needed an update is a draft again.
    "redrafted": (frozenset({Status.NEEDS_UPDATE}), Status.DRAFT),
}
SPONSORABLE = frozenset({Status.DRAFT, Status.SUBMITTED, Status.IN_COMMITTEE})
AMENDABLE = frozenset({Status.DRAFT, Status.SUBMITTED, Status.IN_COMMITTEE, Status.RECOMMENDED})


# ---- reading ----------------------------------------------------------------------------


def get_amendment(db: Session, amendment_id: int) -> Amendment:
    amendment = db.get(Amendment, amendment_id)
    if amendment is None:
        raise NotFound(N_("There is no such amendment."))
    return amendment


def list_amendments(
    db: Session, document: Document, *, with_changes: bool = True
) -> list[Amendment]:
    """A document's amendments; ``with_changes=False`` leaves their texts unloaded (lists)."""
    query = select(Amendment).where(Amendment.document_id == document.id)
    if not with_changes:
        query = query.options(lazyload(Amendment.changes))
    return list(db.scalars(query.order_by(Amendment.number)))


def open_amendments_for(db: Session, document: Document, key: str) -> list[Amendment]:
    ids = select(AmendmentChange.amendment_id).where(AmendmentChange.key == key)
    return list(
        db.scalars(
            select(Amendment)
            .where(
                Amendment.document_id == document.id,
                Amendment.id.in_(ids),
                Amendment.status.in_([s.value for s in OPEN_STATUSES]),
            )
            .order_by(Amendment.number)
        )
    )


def conflicts_of(db: Session, amendment: Amendment) -> list[int]:
    rows = db.execute(
        select(ConflictRow.a_id, ConflictRow.b_id).where(
            or_(ConflictRow.a_id == amendment.id, ConflictRow.b_id == amendment.id)
        )
    ).all()
    return sorted({b if a == amendment.id else a for a, b in rows})


def conflict_map(db: Session, amendments: Iterable[Amendment]) -> dict[int, list[int]]:
    """``conflicts_of`` for many amendments in one query (for lists)."""
    found: dict[int, set[int]] = {a.id: set() for a in amendments}
    if not found:
        return {}
    rows = db.execute(
        select(ConflictRow.a_id, ConflictRow.b_id).where(
            or_(ConflictRow.a_id.in_(found), ConflictRow.b_id.in_(found))
        )
    ).all()
    for a, b in rows:
        if a in found:
            found[a].add(b)
        if b in found:
            found[b].add(a)
    return {i: sorted(ids) for i, ids in found.items()}


def change_diff(document: Document, change: AmendmentChange) -> dict[str, list[tuple[int, str]]]:
    """What the change does to the text it was made against, per language."""
    from constitution.diffing.diff import diff_tokens

    result: dict[str, list[tuple[int, str]]] = {}
    for lang in document.languages:
        old = change.base_text.get(lang, "")
        new = change.text.get(lang, "")
        if change.op == "replace":
            result[lang] = diff_tokens(old, new)
        elif change.op == "insert":
            result[lang] = [(1, new)] if new else []
        elif change.op == "delete":
            result[lang] = [(-1, old)] if old else []
        else:
            result[lang] = [(0, old)] if old else []
    return result


# ---- proposing --------------------------------------------------------------------------


def _clean_title(value: Any, notices: Notices) -> str:
    return clean_string(value, "title", notices, max_length=MAX_TITLE, multiline=False)


def _clean_rationale(value: Any, document: Document, notices: Notices) -> dict[str, str]:
    if value is None:
        return {}
    if isinstance(value, str):
        value = {document.authoritative: value}
    rationale = clean_text_map(
        value, "rationale", document.languages, notices, max_length=MAX_RATIONALE
    )
    return {k: v for k, v in rationale.items() if v}


def _changes_from(tree: texts.Tree, before: texts.Tree, raw: list[Any]) -> list[AmendmentChange]:
    rows: list[AmendmentChange] = []
    for seq, change in enumerate(raw):
        op = change["op"]
        key = change["key"]
        draft = tree.items.get(key)
        old = before.items.get(key)
        base_text = dict(old.text) if old is not None else {}
        if op == "replace":
            assert draft is not None
            rows.append(
                AmendmentChange(
                    seq=seq,
                    op=op,
                    key=key,
                    text=dict(draft.text),
                    base_text=base_text,
                    # Only a new label is kept: a renumbering meanwhile must not be undone.
                    label=draft.label if old is None or draft.label != old.label else None,
                )
            )
        elif op == "insert":
            assert draft is not None
            rows.append(
                AmendmentChange(
                    seq=seq,
                    op=op,
                    key=key,
                    text=dict(draft.text),
                    base_text={},
                    label=draft.label,
                    kind=draft.kind,
                    parent=draft.parent,
                    after=change.get("after"),
                )
            )
        elif op == "delete":
            rows.append(AmendmentChange(seq=seq, op=op, key=key, text={}, base_text=base_text))
        elif op == "move":
            rows.append(
                AmendmentChange(
                    seq=seq,
                    op=op,
                    key=key,
                    text={},
                    base_text=base_text,
                    parent=change.get("parent"),
                    after=change.get("after"),
                )
            )
        else:
            raise Invalid(
                N_("Amendments replace, insert, delete or move provisions."),
                field=f"changes[{seq}].op",
            )
    return rows


def _validated_changes(
    db: Session, document: Document, raw: Any, notices: Notices
) -> list[AmendmentChange]:
    """Apply the changes to a copy of the current text: every check of an editorial change
    holds (unknown provision, empty or identical change, label clash, cycle...)."""
    before = texts.load_tree(db, document)
    # Copy what the changes may alter (a deep copy would copy the rows and the session too).
    tree = texts.Tree(
        document,
        {
            key: dataclasses.replace(draft, text=dict(draft.text), outdated=set(draft.outdated))
            for key, draft in before.items.items()
        },
        set(before.retired_keys),
    )
    texts.apply_changes(tree, raw, notices)
    assert isinstance(raw, list)
    keys = [c.get("key") for c in raw]
    if len(set(keys)) != len(keys):
        raise Invalid(N_("A provision is changed twice in one amendment."), field="changes")
    return _changes_from(tree, before, raw)


def propose(
    db: Session, settings: Settings, actor: Member, document: Document, body: Any, notices: Notices
) -> Amendment:
    if not isinstance(body, Mapping):
        raise Invalid(N_("The request body must be a JSON object."), field="body")
    title = _clean_title(body.get("title"), notices)
    rationale = _clean_rationale(body.get("rationale"), document, notices)
    amends: Amendment | None = None
    if body.get("amends") is not None:
        amends = _amendable_parent(db, document, body.get("amends"))
    changes = _validated_changes(db, document, body.get("changes"), notices)
    if amends is not None:
        _check_sub_amendment(amends, changes)
    number = (
        db.scalar(select(func.max(Amendment.number)).where(Amendment.document_id == document.id))
        or 0
    ) + 1
    amendment = Amendment(
        document_id=document.id,
        number=number,
        amends_id=amends.id if amends else None,
        title=title,
        rationale=rationale,
        status=Status.DRAFT.value,
        base_rev=document.current_rev,
        proposer_id=actor.id,
        changes=changes,
    )
    db.add(amendment)
    db.flush()
    record(
        db,
        "amendment.created",
        f"amendment:{amendment.id}",
        actor_id=actor.id,
        payload={
            "document": document.slug,
            "number": number,
            "base_rev": amendment.base_rev,
            "keys": [c.key for c in changes],
            "amends": amendment.amends_id,
        },
    )
    if amends is not None:
        notify(db, amends.proposer_id, "amended", amendment, actor=actor)
    # A draft is an open amendment: its conflicts show from the start.
    refresh_conflicts(db, amendment)
    return amendment


def _amendable_parent(db: Session, document: Document, value: Any) -> Amendment:
    if not isinstance(value, int) or isinstance(value, bool):
        raise Invalid(N_("This must be the id of an amendment."), field="amends")
    parent = db.get(Amendment, value)
    if parent is None or parent.document_id != document.id:
        raise Invalid(N_("There is no such amendment."), field="amends")
    if Status(parent.status) not in AMENDABLE:
        raise Conflict(
            N_("This amendment can no longer be amended: it has gone to a vote or is closed."),
            field="amends",
            code="not_amendable",
        )
    return parent


def _check_sub_amendment(parent: Amendment, changes: list[AmendmentChange]) -> None:
    touched = {c.key for c in parent.changes}
    for index, change in enumerate(changes):
        if change.key not in touched:
            raise Invalid(
                N_("An amendment to an amendment changes only what that amendment changes."),
                field=f"changes[{index}].key",
            )


def update_changes(
    db: Session, actor: Member, amendment: Amendment, body: Any, notices: Notices
) -> Amendment:
    """The proposer rewrites her changes against the current text (a draft, or one that
    needs an update after a conflict)."""
    if actor.id != amendment.proposer_id:
        raise Forbidden(N_("Only the proposer may change her amendment."))
    status = Status(amendment.status)
    if status not in (Status.DRAFT, Status.NEEDS_UPDATE):
        raise Conflict(
            N_("Only a draft or an amendment that needs an update can be changed."),
            code="wrong_status",
        )
    document = db.get_one(Document, amendment.document_id)
    if not isinstance(body, Mapping):
        raise Invalid(N_("The request body must be a JSON object."), field="body")
    changes = _validated_changes(db, document, body.get("changes"), notices)
    # Delete the old rows first: the new ones reuse their (amendment_id, seq).
    amendment.changes = []
    db.flush()
    amendment.changes = changes
    amendment.base_rev = document.current_rev
    amendment.problem = None
    if "title" in body:
        amendment.title = _clean_title(body.get("title"), notices)
    if "rationale" in body:
        amendment.rationale = _clean_rationale(body.get("rationale"), document, notices)
    amendment.updated_at = utcnow()
    db.flush()
    record(
        db,
        "amendment.changed",
        f"amendment:{amendment.id}",
        actor_id=actor.id,
        payload={"base_rev": amendment.base_rev, "keys": [c.key for c in changes]},
    )
    if status is Status.NEEDS_UPDATE:
        was = _status_before_update(db, amendment)
        transition(db, amendment, "redrafted" if was is Status.DRAFT else "updated", actor)
    refresh_conflicts(db, amendment)
    return amendment


def _status_before_update(db: Session, amendment: Amendment) -> Status:
    """The status the amendment had when a new revision left it needing an update (the
    audit event of that transition records it)."""
    payload = db.scalar(
        select(AuditEvent.payload)
        .where(
            AuditEvent.object == f"amendment:{amendment.id}",
            AuditEvent.action == "amendment.needs_update",
        )
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    )
    return Status((payload or {}).get("from", Status.SUBMITTED.value))


# ---- workflow ---------------------------------------------------------------------------


def transition(
    db: Session,
    amendment: Amendment,
    action: str,
    actor: Member | None,
    payload: dict[str, Any] | None = None,
) -> None:
    allowed, target = TRANSITIONS[action]
    current = Status(amendment.status)
    if current not in allowed:
        raise Conflict(N_("The amendment is not in a state that allows this."), code="wrong_status")
    amendment.status = target.value
    amendment.updated_at = utcnow()
    db.flush()
    record(
        db,
        f"amendment.{action}",
        f"amendment:{amendment.id}",
        actor_id=actor.id if actor else None,
        payload={"from": current.value, "to": target.value, **(payload or {})},
    )
    concerned = {amendment.proposer_id} | {s.member_id for s in amendment.sponsors}
    for member_id in concerned:
        if actor is None or member_id != actor.id:
            notify(
                db, member_id, "status", amendment, actor=actor, payload={"status": target.value}
            )


def sponsor(db: Session, actor: Member, amendment: Amendment) -> Amendment:
    if actor.id == amendment.proposer_id:
        raise Conflict(
            N_("The proposer cannot co-sponsor her own amendment."), code="own_amendment"
        )
    if Status(amendment.status) not in SPONSORABLE:
        raise Conflict(N_("The amendment is not in a state that allows this."), code="wrong_status")
    if any(s.member_id == actor.id for s in amendment.sponsors):
        raise Conflict(N_("You already co-sponsor this amendment."), code="already_sponsor")
    amendment.sponsors.append(Sponsor(member_id=actor.id))
    db.flush()
    record(db, "amendment.sponsored", f"amendment:{amendment.id}", actor_id=actor.id)
    notify(db, amendment.proposer_id, "sponsor", amendment, actor=actor)
    return amendment


def submit(db: Session, settings: Settings, actor: Member, amendment: Amendment) -> Amendment:
    if actor.id != amendment.proposer_id:
        raise Forbidden(N_("Only the proposer may submit her amendment."))
    if len(amendment.sponsors) < settings.cosponsor_threshold:
        raise Conflict(
            N_("The amendment needs more co-sponsors before it can be submitted."),
            code="needs_sponsors",
        )
    transition(db, amendment, "submit", actor)
    refresh_conflicts(db, amendment)
    return amendment


def withdraw(db: Session, actor: Member, amendment: Amendment) -> Amendment:
    if actor.id != amendment.proposer_id:
        raise Forbidden(N_("Only the proposer may withdraw her amendment."))
    transition(db, amendment, "withdraw", actor)
    db.execute(
        delete(ConflictRow).where(
            or_(ConflictRow.a_id == amendment.id, ConflictRow.b_id == amendment.id)
        )
    )
    return amendment


# ---- committees -------------------------------------------------------------------------


def _ancestors(tree: texts.Tree, key: str) -> list[str]:
    found = []
    walk: str | None = key
    while walk is not None:
        found.append(walk)
        draft = tree.items.get(walk)
        walk = draft.parent if draft is not None else None
    return found


def covering_committees(db: Session, document: Document, amendment: Amendment) -> list[Committee]:
    """Committees whose provisions cover every provision the amendment touches."""
    tree = texts.load_tree(db, document)
    needed = []
    for change in amendment.changes:
        anchor = change.parent if change.op == "insert" and change.parent else change.key
        needed.append(set(_ancestors(tree, anchor)) | {change.key})
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
            Amendment.status.in_(
                [Status.SUBMITTED.value, Status.IN_COMMITTEE.value, Status.RECOMMENDED.value]
            ),
        )
        .order_by(Amendment.number)
    ):
        for change in amendment.changes:
            anchor = change.parent if change.op == "insert" and change.parent else change.key
            if keys & (set(_ancestors(tree, anchor)) | {change.key}):
                queue.append(amendment)
                break
    return queue


def recommend(
    db: Session, actor: Member, amendment: Amendment, body: Any, notices: Notices
) -> Amendment:
    if not isinstance(body, Mapping):
        raise Invalid(N_("The request body must be a JSON object."), field="body")
    document = db.get_one(Document, amendment.document_id)
    mine = {
        cm.committee_id
        for cm in db.scalars(select(CommitteeMember).where(CommitteeMember.member_id == actor.id))
    }
    committees = [c for c in covering_committees(db, document, amendment) if c.id in mine]
    if not committees:
        raise Forbidden(
            N_("Only a member of a committee that covers these provisions may recommend.")
        )
    choice = body.get("recommendation")
    if choice not in ("adopt", "reject", "modify"):
        raise Invalid(N_("The recommendation is adopt, reject or modify."), field="recommendation")
    note = clean_string(body.get("note"), "note", notices, max_length=MAX_RATIONALE, required=False)
    substitute = None
    if choice == "modify":
        substitute = _clean_substitute(document, amendment, body.get("text"), notices)
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
    return amendment


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


# ---- conflicts --------------------------------------------------------------------------


def _pair_conflicts(
    document: Document,
    current: Mapping[str, dict[str, str]],
    a: AmendmentChange,
    b: AmendmentChange,
) -> bool:
    if a.op == "delete" or b.op == "delete" or a.op == "insert" or b.op == "insert":
        return True
    if a.op == "move" or b.op == "move":
        return a.op == b.op
    base = current.get(a.key, a.base_text)
    return any(
        overlaps(base.get(lang, ""), a.text.get(lang, ""), b.text.get(lang, ""))
        for lang in document.languages
        if a.text.get(lang, "") != base.get(lang, "") and b.text.get(lang, "") != base.get(lang, "")
    )


def _needs(change: AmendmentChange) -> set[str]:
    """The provisions a change needs to find in the text: the one it changes, and where an
    inserted or moved provision goes."""
    needed = set() if change.op == "insert" else {change.key}
    if change.op in ("insert", "move"):
        needed |= {k for k in (change.parent, change.after) if k}
    return needed


def _removed(tree: texts.Tree, amendment: Amendment) -> set[str]:
    """The provisions the amendment deletes, with everything under them."""
    gone: set[str] = set()
    for change in amendment.changes:
        if change.op == "delete" and change.key not in gone:
            gone.add(change.key)
            gone.update(d.key for d in tree.descendants(change.key))
    return gone


def refresh_conflicts(db: Session, amendment: Amendment, tree: texts.Tree | None = None) -> None:
    """Recompute the amendment's conflicts with every other open amendment; both proposers
    hear of a new one. ``tree`` is the current text when the caller has it loaded."""
    document = db.get_one(Document, amendment.document_id)
    _refresh_conflicts(db, document, [amendment], tree)


def _reach(tree: texts.Tree, amendment: Amendment) -> set[str]:
    """The provisions whose amendments may conflict with this one: those it touches and
    everything above them (one may delete them), and everything under what it deletes."""
    mine: set[str] = set()
    for change in amendment.changes:
        mine |= _needs(change) | {change.key}
    return {a for key in mine for a in _ancestors(tree, key)} | _removed(tree, amendment)


def _refresh_conflicts(
    db: Session, document: Document, amendments: list[Amendment], tree: texts.Tree | None = None
) -> None:
    """Recompute the conflicts of ``amendments`` with every open amendment of the document,
    each pair once and in a few queries; both proposers hear of a new conflict."""
    ids = [a.id for a in amendments]
    if not ids:
        return
    involving = or_(ConflictRow.a_id.in_(ids), ConflictRow.b_id.in_(ids))
    known = {
        (a, b) for a, b in db.execute(select(ConflictRow.a_id, ConflictRow.b_id).where(involving))
    }
    db.execute(delete(ConflictRow).where(involving))
    mine = [a for a in amendments if Status(a.status) in OPEN_STATUSES]
    if not mine:
        return
    if tree is None:
        tree = texts.load_tree(db, document)
    reach = {a.id: _reach(tree, a) for a in mine}
    keys = set().union(*reach.values())
    others = db.scalars(
        select(Amendment).where(
            Amendment.document_id == document.id,
            Amendment.status.in_([s.value for s in OPEN_STATUSES]),
            Amendment.id.in_(
                select(AmendmentChange.amendment_id).where(
                    or_(
                        AmendmentChange.key.in_(keys),
                        AmendmentChange.parent.in_(keys),
                        AmendmentChange.after.in_(keys),
                    )
                )
            ),
        )
    ).all()
    touching: dict[str, dict[int, Amendment]] = {}
    for other in others:
        for change in other.changes:
            for key in {change.key, change.parent, change.after} - {None}:
                touching.setdefault(str(key), {})[other.id] = other
    current = {key: draft.text for key, draft in tree.items.items() if not draft.deleted}
    seen: set[tuple[int, int]] = set()
    for amendment in mine:
        candidates = {i: o for key in reach[amendment.id] for i, o in touching.get(key, {}).items()}
        for other in candidates.values():
            low, high = sorted((amendment.id, other.id))
            if low == high or (low, high) in seen:
                continue
            seen.add((low, high))
            if amendment.amends_id == other.id or other.amends_id == amendment.id:
                continue  # an amendment to an amendment overlaps it by design
            clash = _first_clash(document, tree, current, amendment, other)
            if clash is None:
                continue
            db.add(ConflictRow(a_id=low, b_id=high, key=clash))
            if (low, high) not in known:
                notify(
                    db, amendment.proposer_id, "conflict", amendment, payload={"with": other.number}
                )
                notify(db, other.proposer_id, "conflict", other, payload={"with": amendment.number})
    db.flush()


def _first_clash(
    document: Document,
    tree: texts.Tree,
    current: Mapping[str, dict[str, str]],
    one: Amendment,
    two: Amendment,
) -> str | None:
    theirs = {c.key: c for c in two.changes}
    gone_one, gone_two = _removed(tree, one), _removed(tree, two)
    for change in one.changes:
        other = theirs.get(change.key)
        if other is not None and _pair_conflicts(document, current, change, other):
            return change.key
        if _needs(change) & gone_two:
            return change.key
    for change in two.changes:
        if _needs(change) & gone_one:
            return change.key
    return None


# ---- merging ----------------------------------------------------------------------------


@dataclasses.dataclass
class Rebase:
    status: str  # unchanged, rebased, needs_update, obsolete
    problems: list[dict[str, Any]]
    # Replaced provisions whose text already reads as the amendment would make it.
    applied: frozenset[int] = frozenset()


def _merge_problem(change: AmendmentChange, lang: str, ours: str, theirs: str) -> dict[str, Any]:
    return {
        "key": change.key,
        "language": lang,
        "base": change.base_text.get(lang, ""),
        "ours": ours,
        "theirs": theirs,
    }


def _rebase(document: Document, tree: texts.Tree, amendment: Amendment) -> Rebase:
    """Bring the amendment's changes, and a committee substitute, onto the current text (a
    three-way merge per replaced provision and language); nothing is written when any
    change fails. An amendment whose every change is already in the text is obsolete."""
    problems: list[dict[str, Any]] = []
    new_texts: dict[int, tuple[dict[str, str], dict[str, str]]] = {}
    substitute = dict(amendment.substitute or {})
    applied: set[int] = set()
    for change in amendment.changes:
        if change.op == "insert" and (change.key in tree.items or change.key in tree.retired_keys):
            return Rebase("obsolete", [{"key": change.key, "reason": "key_taken"}])
        for key in sorted(_needs(change) - {change.after}, key=lambda k: k != change.key):
            draft = tree.items.get(key)
            if draft is None or draft.deleted:
                return Rebase("obsolete", [{"key": key, "reason": "removed"}])
        after = tree.items.get(change.after) if change.after else None
        if change.after and (after is None or after.deleted or after.parent != change.parent):
            # Where it should go is gone: its proposer has to say where.
            problems.append({"key": change.key, "reason": "after_removed", "after": change.after})
        if change.op != "replace":
            continue
        draft = tree.items[change.key]
        text = dict(change.text)
        wanted = substitute.get(change.key)
        if draft.text != change.base_text:
            merged: dict[str, str] = {}
            for lang in document.languages:
                ours = change.text.get(lang, "")
                theirs = draft.text.get(lang, "")
                result = merge3(change.base_text.get(lang, ""), ours, theirs)
                if result.text is None:
                    problems.append(_merge_problem(change, lang, ours, theirs))
                else:
                    merged[lang] = result.text
                if wanted is not None and lang in wanted:
                    result = merge3(change.base_text.get(lang, ""), wanted[lang], theirs)
                    if result.text is None:
                        problem = _merge_problem(change, lang, wanted[lang], theirs)
                        problems.append(problem | {"substitute": True})
                    else:
                        wanted = {**wanted, lang: result.text}
            new_texts[change.seq] = (merged, dict(draft.text))
            text = merged
            if wanted is not None:
                substitute[change.key] = wanted
        final = {**draft.text, **(wanted if wanted is not None else text)}
        if final == draft.text and change.label in (None, draft.label):
            applied.add(change.seq)
    if problems:
        return Rebase("needs_update", problems)
    if applied and len(applied) == len(amendment.changes):
        return Rebase(
            "obsolete", [{"key": c.key, "reason": "already_applied"} for c in amendment.changes]
        )
    if not new_texts:
        return Rebase("unchanged", [], frozenset(applied))
    for change in amendment.changes:
        if change.seq in new_texts:
            change.text, change.base_text = new_texts[change.seq]
    if amendment.substitute:
        amendment.substitute = substitute
    return Rebase("rebased", [], frozenset(applied))


def recheck(db: Session, document: Document, revision: Revision, keys: set[str]) -> None:
    """After a new revision: rebase every open amendment that touches a changed provision;
    mark those that cannot be rebased as needing an update, and those whose provision is
    gone (or whose changes are all in the text already) as obsolete."""
    affected = db.scalars(
        select(Amendment)
        .where(
            Amendment.document_id == document.id,
            Amendment.status.in_([s.value for s in OPEN_STATUSES]),
            Amendment.id != (revision.amendment_id or 0),
            Amendment.id.in_(
                select(AmendmentChange.amendment_id).where(
                    or_(
                        AmendmentChange.key.in_(keys),
                        AmendmentChange.parent.in_(keys),
                        AmendmentChange.after.in_(keys),
                    )
                )
            ),
        )
        .order_by(Amendment.number)
    ).all()
    if not affected:
        return
    tree = texts.load_tree(db, document)
    # Every merge first, in memory; then the writes, flushed together.
    outcomes = [(amendment, _rebase(document, tree, amendment)) for amendment in affected]
    refresh: list[Amendment] = []
    for amendment, outcome in outcomes:
        if outcome.status == "obsolete":
            amendment.problem = outcome.problems
            transition(db, amendment, "obsolete", None, payload={"rev": revision.rev})
            refresh.append(amendment)
        elif outcome.status == "needs_update":
            amendment.problem = outcome.problems
            if Status(amendment.status) is not Status.NEEDS_UPDATE:
                transition(db, amendment, "needs_update", None, payload={"rev": revision.rev})
        else:
            amendment.base_rev = revision.rev
            if outcome.status == "rebased":
                record(
                    db,
                    "amendment.rebased",
                    f"amendment:{amendment.id}",
                    actor_id=None,
                    payload={"rev": revision.rev},
                )
            refresh.append(amendment)
    # Once every amendment is on the new text, so that each pair is compared as it stands.
    _refresh_conflicts(db, document, refresh, tree)


texts.AFTER_REVISION.append(recheck)


def adopt_into_amendment(db: Session, actor: Member | None, amendment: Amendment) -> Amendment:
    """Adopt an amendment to an amendment: its texts replace the amended amendment's texts
    for the same provisions (no new revision of the document: that comes when, and if, the
    amended amendment is adopted). Called by the vote, before the amended one is voted on."""
    if Status(amendment.status) not in TRANSITIONS["adopt"][0]:
        raise Conflict(N_("The amendment is not in a state that allows this."), code="wrong_status")
    parent = get_amendment(db, amendment.amends_id or 0)
    if Status(parent.status) not in AMENDABLE:
        raise Conflict(
            N_("This amendment can no longer be amended: it has gone to a vote or is closed."),
            code="not_amendable",
        )
    ours = {c.key: c for c in amendment.changes}
    for change in parent.changes:
        replacement = ours.get(change.key)
        if replacement is not None and replacement.op in ("replace", "insert"):
            change.text = {**change.text, **replacement.text}
    transition(db, amendment, "adopt", actor)
    record(
        db,
        "amendment.amended",
        f"amendment:{parent.id}",
        actor_id=actor.id if actor else None,
        payload={"by": amendment.id},
    )
    notify(db, parent.proposer_id, "amended", parent, actor=actor)
    refresh_conflicts(db, parent)
    return parent


def adopt(db: Session, actor: Member | None, amendment: Amendment) -> Revision:
    """Merge an adopted amendment into the text as a new revision (called by the vote).

    An amendment to an amendment goes through ``adopt_into_amendment`` instead."""
    if amendment.amends_id is not None:
        raise Conflict(
            N_("An amendment to an amendment is adopted into that amendment, not the text."),
            code="amends_amendment",
        )
    if Status(amendment.status) is Status.NEEDS_UPDATE:
        raise Conflict(
            N_("The amendment no longer applies cleanly to the text; it needs an update."),
            code="rebase_conflict",
        )
    if Status(amendment.status) not in TRANSITIONS["adopt"][0]:
        # Checked before the rebase, which would change a closed amendment's changes.
        raise Conflict(N_("The amendment is not in a state that allows this."), code="wrong_status")
    document = db.get_one(Document, amendment.document_id)
    tree = texts.load_tree(db, document)
    outcome = _rebase(document, tree, amendment)
    if outcome.status in ("needs_update", "obsolete"):
        amendment.problem = outcome.problems
        transition(
            db, amendment, "needs_update" if outcome.status == "needs_update" else "obsolete", actor
        )
        raise Conflict(
            N_("The amendment no longer applies cleanly to the text; it needs an update."),
            code="rebase_conflict",
            keep_changes=True,
        )
    changes = _as_text_changes(amendment, skip=outcome.applied)
    texts.apply_changes(tree, changes, Notices())
    transition(db, amendment, "adopt", actor)
    revision = texts.write_revision(
        db,
        tree,
        actor=actor,
        kind="amendment",
        reason=f"Amendment {amendment.number}: {amendment.title}",
        amendment_id=amendment.id,
    )
    amendment.adopted_rev = revision.rev
    refresh_conflicts(db, amendment)
    return revision


def _as_text_changes(
    amendment: Amendment, skip: frozenset[int] = frozenset()
) -> list[dict[str, Any]]:
    """The amendment as changes of the text, leaving out those in ``skip`` (already there)."""
    changes: list[dict[str, Any]] = []
    substitute = amendment.substitute or {}
    for c in amendment.changes:
        if c.seq in skip:
            continue
        text = substitute.get(c.key, c.text)
        if c.op == "replace":
            # Only the languages the amendment changes: the others are then marked out of
            # date when the authoritative text changes, as for any replace.
            changed = {lang: t for lang, t in text.items() if t != c.base_text.get(lang)}
            replace: dict[str, Any] = {"op": "replace", "key": c.key, "text": changed or text}
            if c.label is not None:
                replace["label"] = c.label
            changes.append(replace)
        elif c.op == "insert":
            changes.append(
                {
                    "op": "insert",
                    "key": c.key,
                    "after": c.after,
                    "parent": c.parent,
                    "label": c.label,
                    "kind": c.kind,
                    "text": text,
                }
            )
        elif c.op == "delete":
            changes.append({"op": "delete", "key": c.key})
        else:
            changes.append({"op": "move", "key": c.key, "parent": c.parent, "after": c.after})
    return changes


# ---- inbox ------------------------------------------------------------------------------


def notify(
    db: Session,
    member_id: int,
    kind: str,
    amendment: Amendment | None = None,
    *,
    actor: Member | None = None,
    comment_id: int | None = None,
    payload: dict[str, Any] | None = None,
) -> None:
    if actor is not None and actor.id == member_id:
        return
    db.add(
        Notification(
            member_id=member_id,
            kind=kind,
            amendment_id=amendment.id if amendment else None,
            comment_id=comment_id,
            payload={
                "actor": actor.display_name if actor else None,
                "number": amendment.number if amendment else None,
                **(payload or {}),
            },
        )
    )


def inbox(db: Session, member: Member, *, limit: int = 200) -> list[Notification]:
    return list(
        db.scalars(
            select(Notification)
            .where(Notification.member_id == member.id)
            .order_by(Notification.id.desc())
            .limit(limit)
        )
    )


def mark_read(db: Session, member: Member, ids: Iterable[int] | None = None) -> int:
    query = select(Notification).where(
        Notification.member_id == member.id, Notification.read_at.is_(None)
    )
    if ids is not None:
        query = query.where(Notification.id.in_(list(ids)))
    rows = db.scalars(query).all()
    now = utcnow()
    for row in rows:
        row.read_at = now
    return len(rows)


def is_chair_or_secretariat(member: Member) -> bool:
    return member.has_role(Role.CHAIR) or member.has_role(Role.SECRETARIAT)
