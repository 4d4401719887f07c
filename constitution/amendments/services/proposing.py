"""Proposing an amendment and rewriting it: every change is checked by applying it to a
copy of the current text, so an amendment can only say what an editorial change could."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from constitution.accounts.models import Member
from constitution.accounts.permissions import require_participant
from constitution.amendments import permissions as rules
from constitution.amendments.models import Amendment, AmendmentChange, Status
from constitution.amendments.services.conflicts import refresh_conflicts
from constitution.amendments.services.notices import tell
from constitution.amendments.services.queries import status_before
from constitution.amendments.services.workflow import transition
from constitution.audit.services import record
from constitution.db import clean_id, utcnow
from constitution.errors import N_, Invalid
from constitution.settings import Settings
from constitution.texts import services as texts
from constitution.texts.models import Document
from constitution.texts.validation import Notices, clean_string, clean_text_map

MAX_RATIONALE = 20_000
MAX_TITLE = 300
# The default of the AMENDMENT_MAX_CHARS setting.
MAX_AMENDMENT_CHARS = Settings.amendment_max_chars


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


def _changed_labels(labels: dict[str, str], before: dict[str, str]) -> dict[str, str] | None:
    """The labels a replace gives that differ from the provision's (None when none do)."""
    changed = {lang: label for lang, label in labels.items() if before.get(lang) != label}
    return changed or None


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
                    labels=_changed_labels(draft.labels, old.labels if old is not None else {}),
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
                    labels=dict(draft.labels) or None,
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
    db: Session,
    document: Document,
    raw: Any,
    notices: Notices,
    max_chars: int,
    base_rev: int | None = None,
    begin_write: Callable[[], None] | None = None,
) -> list[AmendmentChange]:
    """Apply the changes to a copy of the current text: every check of an editorial change
    holds (unknown provision, empty or identical change, label clash, cycle...); given
    ``base_rev``, none of the provisions they change has changed since; and the texts
    together are within ``max_chars`` characters (each diff of an amendment is shown on its
    page and in every list of it: its size bounds their work).

    A caller in a read transaction passes ``begin_write``: the changes are checked on the
    text as read, then the write lock is taken and, when a revision landed meanwhile,
    checked again on the new text under it."""
    # The text she amends is the one current under the document's lock: a revision landing
    # meanwhile would otherwise leave the amendment on a text its re-check missed.
    return texts.on_current_text(
        db,
        document,
        notices,
        begin_write,
        lambda: _checked_changes(db, document, raw, notices, max_chars, base_rev),
    )


def _checked_changes(
    db: Session,
    document: Document,
    raw: Any,
    notices: Notices,
    max_chars: int,
    base_rev: int | None,
) -> list[AmendmentChange]:
    before = texts.load_tree(db, document)
    tree = before.copy()
    texts.apply_on_base(db, tree, raw, notices, base_rev)
    assert isinstance(raw, list)
    keys = [c.get("key") for c in raw]
    if len(set(keys)) != len(keys):
        raise Invalid(N_("A provision is changed twice in one amendment."), field="changes")
    changes = _changes_from(tree, before, raw)
    size = sum(len(text) for change in changes for text in change.text.values())
    if size > max_chars:
        raise Invalid(
            N_(
                "This amendment is too large: its new texts together are longer than the "
                "limit. Split it into several amendments."
            ),
            code="amendment_too_large",
            field="changes",
        )
    return changes


def propose(
    db: Session,
    settings: Settings,
    actor: Member,
    document: Document,
    body: Any,
    notices: Notices,
    begin_write: Callable[[], None] | None = None,
) -> Amendment:
    """A new draft amendment. ``begin_write``: see ``_validated_changes`` (what may change
    meanwhile, the amended amendment's state, is checked after it)."""
    require_participant(actor)
    if not isinstance(body, Mapping):
        raise Invalid(N_("The request body must be a JSON object."), field="body")
    title = _clean_title(body.get("title"), notices)
    rationale = _clean_rationale(body.get("rationale"), document, notices)
    amends: Amendment | None = None
    if body.get("amends") is not None:
        amends = _amendable_parent(db, document, body.get("amends"))
    changes = _validated_changes(
        db,
        document,
        body.get("changes"),
        notices,
        settings.amendment_max_chars,
        begin_write=begin_write,
    )
    if amends is not None and begin_write is not None:
        amends = _amendable_parent(db, document, amends.id)
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
        status=Status.DRAFT,
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
        tell(db, amends.proposer_id, "amended", amendment, actor=actor)
    # A draft is an open amendment: its conflicts show from the start.
    refresh_conflicts(db, amendment)
    return amendment


def _amendable_parent(db: Session, document: Document, value: Any) -> Amendment:
    parent_id = clean_id(value, "amends", N_("This must be the id of an amendment."))
    parent = db.get(Amendment, parent_id)
    if parent is None or parent.document_id != document.id:
        raise Invalid(N_("There is no such amendment."), field="amends")
    refusal = rules.amend_refusal(parent)
    if refusal is not None:
        raise refusal
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
    db: Session,
    actor: Member,
    amendment: Amendment,
    body: Any,
    notices: Notices,
    *,
    max_chars: int = MAX_AMENDMENT_CHARS,
    begin_write: Callable[[], None] | None = None,
) -> Amendment:
    """The proposer rewrites her changes against the current text (a draft, or one that
    needs an update after a conflict); ``max_chars`` is the AMENDMENT_MAX_CHARS setting.

    ``base_rev`` in the body is the revision of the document her form (or her client) was
    loaded at: when a provision her changes touch has changed in the text since, the update
    is refused with ``stale_base`` (the text moved on, and the amendment may have been
    rebased, under her form), and nothing is written."""
    refusal = rules.update_refusal(actor, amendment)
    if refusal is not None:
        raise refusal
    status = Status(amendment.status)
    document = db.get_one(Document, amendment.document_id)
    if not isinstance(body, Mapping):
        raise Invalid(N_("The request body must be a JSON object."), field="body")
    base_rev = texts.clean_base_rev(body.get("base_rev"), document)
    changes = _validated_changes(
        db, document, body.get("changes"), notices, max_chars, base_rev, begin_write
    )
    if begin_write is not None:
        # Under the write lock now: her amendment as it is, not as it was read.
        db.refresh(amendment)
        refusal = rules.update_refusal(actor, amendment)
        if refusal is not None:
            raise refusal
        status = Status(amendment.status)
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
        was = status_before(db, amendment, "needs_update", Status.SUBMITTED)
        transition(db, amendment, "redrafted" if was is Status.DRAFT else "updated", actor)
    refresh_conflicts(db, amendment)
    return amendment
