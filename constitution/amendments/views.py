"""Web pages for amendments: lists, proposing, the amendment page and its actions, committee
queues, comments and the inbox.

Every write is a POST form answered by a redirect and a flash message; a refused form is
shown again with the message and what the member typed. A preview spends the form's token
like any POST, and the page it shows carries a fresh one.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select
from starlette.responses import Response

from constitution.accounts import committees as committee_service
from constitution.accounts.models import Committee, Member, Role
from constitution.accounts.web import current_member
from constitution.amendments import comments as comment_service
from constitution.amendments import display, services
from constitution.amendments.models import OPEN_STATUSES, Amendment, Comment, Sponsor, Status
from constitution.errors import N_, DomainError, Forbidden, NotFound
from constitution.texts import services as texts
from constitution.texts.models import KINDS, Document, ProvisionVersion
from constitution.texts.validation import Notices
from constitution.web.framework import Ctx
from constitution.web.render import render

STATUSES = tuple(s.value for s in Status)
PROPOSE_OPS = ("replace", "delete", "insert")
EDITABLE = frozenset({Status.DRAFT, Status.NEEDS_UPDATE})
TEXT_OPS = ("replace", "insert")
ZAWGYI = N_("Text typed in Zawgyi was converted to Unicode; please check it.")
COMMENT_FIELDS = ("body", "parent", "key", "language", "exact", "prefix", "suffix")


# ---- helpers ----------------------------------------------------------------------------


def _me(ctx: Ctx) -> Member:
    return current_member(ctx)


def _document(ctx: Ctx) -> Document:
    return texts.get_document(ctx.db, ctx.request.path_params["slug"])


def _amendment(ctx: Ctx) -> Amendment:
    return services.get_amendment(ctx.db, ctx.request.path_params["amendment_id"])


def _document_of(ctx: Ctx, amendment: Amendment) -> Document:
    return ctx.db.get_one(Document, amendment.document_id)


def _id(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 9 else None


def _start_over(ctx: Ctx) -> None:
    """Undo what a refused call wrote; the page is then read in a fresh transaction."""
    ctx.db.rollback()
    ctx.db.begin()


def _saved(ctx: Ctx, url: str, message: str, notices: Notices, **values: Any) -> Response:
    text = ctx._(message) % values if values else ctx._(message)
    if notices.items:
        text += " " + ctx._(ZAWGYI)
    ctx.flash_text(text)
    return ctx.redirect(url)


def _current_row(ctx: Ctx, document: Document, key: str) -> ProvisionVersion:
    latest = texts.provision_history(ctx.db, document, key)[-1]
    if latest.rev_to is not None:
        raise NotFound(N_("This provision was removed."))
    return latest


def _languages_text(ctx: Ctx, document: Document, prefix: str) -> dict[str, str]:
    return {lang: ctx.form.get(f"{prefix}{lang}", "") for lang in document.languages}


def _given(values: dict[str, str]) -> dict[str, str]:
    return {lang: text for lang, text in values.items() if text.strip()}


# ---- lists ------------------------------------------------------------------------------


def index(ctx: Ctx) -> Response:
    """Every document's amendments, and the member's own and co-sponsored ones."""
    me = _me(ctx)
    documents = texts.list_documents(ctx.db)
    open_counts = dict(
        ctx.db.execute(
            select(Amendment.document_id, func.count())
            .where(Amendment.status.in_([s.value for s in OPEN_STATUSES]))
            .group_by(Amendment.document_id)
        ).all()
    )
    sponsored = select(Sponsor.amendment_id).where(Sponsor.member_id == me.id)
    mine = ctx.db.scalars(
        select(Amendment)
        .where(or_(Amendment.proposer_id == me.id, Amendment.id.in_(sponsored)))
        .order_by(Amendment.id.desc())
        .limit(200)
    ).all()
    return render(
        ctx,
        "amendments/index.html",
        {
            "documents": documents,
            "open_counts": open_counts,
            "mine": mine,
            "slugs": {d.id: d.slug for d in documents},
        },
    )


def amendment_list(ctx: Ctx) -> Response:
    document = _document(ctx)
    status = ctx.request.query_params.get("status", "")
    rows = services.list_amendments(ctx.db, document, with_changes=False)
    if status in STATUSES:
        rows = [a for a in rows if a.status == status]
    else:
        status = ""
    return render(
        ctx,
        "amendments/list.html",
        {
            "document": document,
            "rows": rows,
            "status": status,
            "statuses": STATUSES,
            "names": display.names(ctx.db, [a.proposer_id for a in rows]),
            "conflicts": display.conflict_counts(ctx.db, [a.id for a in rows]),
        },
    )


# ---- proposing --------------------------------------------------------------------------


def _parent(ctx: Ctx, document: Document, raw: str | None) -> Amendment | None:
    """The amendment an amendment amends (``?amends=`` or the form's hidden field)."""
    if not raw:
        return None
    parent_id = _id(raw)
    parent = services.get_amendment(ctx.db, parent_id) if parent_id is not None else None
    if parent is None or parent.document_id != document.id:
        raise NotFound(N_("There is no such amendment."))
    return parent


def _initial_proposal(
    document: Document, row: ProvisionVersion, parent: Amendment | None
) -> dict[str, Any]:
    theirs = next((c for c in parent.changes if c.key == row.key), None) if parent else None
    text = theirs.text if theirs is not None and theirs.op == "replace" else row.text
    languages = document.languages
    return {
        "op": theirs.op if theirs is not None and theirs.op in PROPOSE_OPS else "replace",
        "title": "",
        "rationale": dict.fromkeys(languages, ""),
        "text": {lang: text.get(lang, "") for lang in languages},
        "new_key": "",
        "new_label": "",
        "new_kind": row.kind,
        "new_text": dict.fromkeys(languages, ""),
    }


def _posted_proposal(ctx: Ctx, document: Document) -> dict[str, Any]:
    op = ctx.form.get("op", "replace")
    return {
        "op": op if op in PROPOSE_OPS else "replace",
        "title": ctx.form.get("title", ""),
        "rationale": _languages_text(ctx, document, "rationale_"),
        "text": _languages_text(ctx, document, "text_"),
        "new_key": ctx.form.get("new_key", "").strip(),
        "new_label": ctx.form.get("new_label", ""),
        "new_kind": ctx.form.get("new_kind", ""),
        "new_text": _languages_text(ctx, document, "new_text_"),
    }


def _proposed_change(row: ProvisionVersion, values: dict[str, Any]) -> dict[str, Any]:
    if values["op"] == "delete":
        return {"op": "delete", "key": row.key}
    if values["op"] == "insert":
        return {
            "op": "insert",
            "key": values["new_key"],
            "after": row.key,
            "parent": row.parent_key,
            "label": values["new_label"],
            "kind": values["new_kind"],
            "text": _given(values["new_text"]),
        }
    return {
        "op": "replace",
        "key": row.key,
        "text": display.changed_languages(values["text"], row.text),
    }


def _propose_page(
    ctx: Ctx,
    document: Document,
    row: ProvisionVersion,
    parent: Amendment | None,
    values: dict[str, Any],
    *,
    preview: list[dict[str, Any]] | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    context = {
        "document": document,
        "row": row,
        "parent": parent,
        "values": values,
        "preview": preview,
        "error": error,
        "ops": PROPOSE_OPS,
        "kinds": KINDS,
    }
    return render(ctx, "amendments/propose.html", context, status)


def propose_form(ctx: Ctx) -> Response:
    document = _document(ctx)
    row = _current_row(ctx, document, ctx.request.path_params["key"])
    parent = _parent(ctx, document, ctx.request.query_params.get("amends"))
    return _propose_page(ctx, document, row, parent, _initial_proposal(document, row, parent))


def propose(ctx: Ctx) -> Response:
    document = _document(ctx)
    row = _current_row(ctx, document, ctx.request.path_params["key"])
    parent = _parent(ctx, document, ctx.form.get("amends"))
    values = _posted_proposal(ctx, document)
    change = _proposed_change(row, values)
    notices = Notices()
    try:
        if ctx.form.get("action") == "preview":
            shown = display.preview(ctx.db, document, [change], notices)
            return _propose_page(ctx, document, row, parent, values, preview=shown)
        body: dict[str, Any] = {
            "title": values["title"],
            "rationale": _given(values["rationale"]),
            "changes": [change],
        }
        if parent is not None:
            body["amends"] = parent.id
        amendment = services.propose(ctx.db, ctx.settings, _me(ctx), document, body, notices)
    except DomainError as error:
        _start_over(ctx)
        message = ctx._(error.message)
        return _propose_page(ctx, document, row, parent, values, error=message, status=error.status)
    return _saved(
        ctx,
        f"/amendments/{amendment.id}",
        N_("Amendment %(number)s was saved as a draft."),
        notices,
        number=amendment.number,
    )


# ---- the amendment page -----------------------------------------------------------------


def _abilities(ctx: Ctx, amendment: Amendment) -> dict[str, bool]:
    me = _me(ctx)
    status = Status(amendment.status)
    proposer = me.id == amendment.proposer_id
    sponsor = any(s.member_id == me.id for s in amendment.sponsors)
    return {
        "sponsor": not proposer and not sponsor and status in services.SPONSORABLE,
        "submit": proposer and status is Status.DRAFT,
        "withdraw": proposer and status in services.TRANSITIONS["withdraw"][0],
        "update": proposer and status in EDITABLE,
        "amend": status in services.AMENDABLE,
    }


def _initial_update(document: Document, amendment: Amendment) -> dict[str, Any]:
    languages = document.languages
    return {
        "title": amendment.title,
        "rationale": {lang: amendment.rationale.get(lang, "") for lang in languages},
        "changes": [
            {
                "label": c.label or "",
                "kind": c.kind or "",
                "text": {lang: c.text.get(lang, "") for lang in languages},
            }
            for c in amendment.changes
        ],
    }


def detail(ctx: Ctx) -> Response:
    return _detail_page(ctx, _amendment(ctx))


def _detail_page(
    ctx: Ctx,
    amendment: Amendment,
    *,
    comment_state: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    document = _document_of(ctx, amendment)
    side = ctx.request.query_params.get("view") == "side"
    current = display.current_rows(ctx.db, document)
    sponsor_ids = [s.member_id for s in amendment.sponsors]
    people = display.names(ctx.db, [amendment.proposer_id, *sponsor_ids])
    can = _abilities(ctx, amendment)
    # The provisions it changes that are in the text: quoted from, or amended again.
    keys = [(c.key, current[c.key].label) for c in amendment.changes if c.key in current]
    context = {
        "document": document,
        "amendment": amendment,
        "status": amendment.status,
        "view": "side" if side else "inline",
        "proposer": people.get(amendment.proposer_id, "—"),
        "sponsors": [people.get(i, "—") for i in sponsor_ids],
        "changes": display.change_views(ctx.db, document, amendment, side=side, current=current),
        "conflicts": display.amendments_by_ids(ctx.db, services.conflicts_of(ctx.db, amendment)),
        "committee": (
            ctx.db.get(Committee, amendment.committee_id) if amendment.committee_id else None
        ),
        "substitute": display.substitute_views(document, amendment),
        "problems": display.problem_views(amendment)
        if amendment.status == Status.NEEDS_UPDATE
        else [],
        "parent": ctx.db.get(Amendment, amendment.amends_id) if amendment.amends_id else None,
        "children": ctx.db.scalars(
            select(Amendment).where(Amendment.amends_id == amendment.id).order_by(Amendment.number)
        ).all(),
        "amendable": keys if can["amend"] else [],
        "can": can,
        "threshold": ctx.settings.cosponsor_threshold,
        "update": _initial_update(document, amendment) if can["update"] else None,
        "kinds": KINDS,
        **comments_context(
            ctx,
            document,
            amendment=amendment,
            keys=keys,
            action=f"/amendments/{amendment.id}/comments",
            state=comment_state,
        ),
    }
    return render(ctx, "amendments/detail.html", context, status)


def sponsor(ctx: Ctx) -> Response:
    amendment = services.sponsor(ctx.db, _me(ctx), _amendment(ctx))
    return ctx.redirect(f"/amendments/{amendment.id}", N_("You co-sponsor this amendment."))


def submit(ctx: Ctx) -> Response:
    amendment = services.submit(ctx.db, ctx.settings, _me(ctx), _amendment(ctx))
    return ctx.redirect(f"/amendments/{amendment.id}", N_("The amendment was submitted."))


def withdraw(ctx: Ctx) -> Response:
    amendment = services.withdraw(ctx.db, _me(ctx), _amendment(ctx))
    return ctx.redirect(f"/amendments/{amendment.id}", N_("The amendment was withdrawn."))


def _posted_update(ctx: Ctx, document: Document, amendment: Amendment) -> dict[str, Any]:
    return {
        "title": ctx.form.get("title", ""),
        "rationale": _languages_text(ctx, document, "rationale_"),
        "changes": [
            {
                "label": ctx.form.get(f"c{i}_label", ""),
                "kind": ctx.form.get(f"c{i}_kind", ""),
                "text": _languages_text(ctx, document, f"c{i}_text_"),
            }
            for i in range(len(amendment.changes))
        ],
    }


def _update_body(
    amendment: Amendment, values: dict[str, Any], current: dict[str, ProvisionVersion]
) -> dict[str, Any]:
    changes: list[dict[str, Any]] = []
    for change, value in zip(amendment.changes, values["changes"], strict=True):
        if change.op == "replace":
            row = current.get(change.key)
            text = (
                value["text"] if row is None else display.changed_languages(value["text"], row.text)
            )
            changes.append({"op": "replace", "key": change.key, "text": text})
        elif change.op == "insert":
            changes.append(
                {
                    "op": "insert",
                    "key": change.key,
                    "after": change.after,
                    "parent": change.parent,
                    "label": value["label"],
                    "kind": value["kind"],
                    "text": _given(value["text"]),
                }
            )
        elif change.op == "delete":
            changes.append({"op": "delete", "key": change.key})
        else:
            changes.append(
                {"op": "move", "key": change.key, "parent": change.parent, "after": change.after}
            )
    return {
        "title": values["title"],
        "rationale": _given(values["rationale"]),
        "changes": changes,
    }


def update(ctx: Ctx) -> Response:
    """The proposer rewrites her draft, or an amendment that needs an update."""
    amendment = _amendment(ctx)
    me = _me(ctx)
    if me.id != amendment.proposer_id:
        raise Forbidden(N_("Only the proposer may change her amendment."))
    document = _document_of(ctx, amendment)
    values = _posted_update(ctx, document, amendment)
    body = _update_body(amendment, values, display.current_rows(ctx.db, document))
    notices = Notices()
    preview = None
    try:
        if ctx.form.get("action") == "preview":
            preview = display.preview(ctx.db, document, body["changes"], notices)
        else:
            services.update_changes(ctx.db, me, amendment, body, notices)
            return _saved(
                ctx, f"/amendments/{amendment.id}", N_("The amendment was updated."), notices
            )
    except DomainError as error:
        _start_over(ctx)
        return _update_page(
            ctx, document, amendment, values, error=ctx._(error.message), status=error.status
        )
    return _update_page(ctx, document, amendment, values, preview=preview)


def _update_page(
    ctx: Ctx,
    document: Document,
    amendment: Amendment,
    values: dict[str, Any],
    *,
    preview: list[dict[str, Any]] | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    context = {
        "document": document,
        "amendment": amendment,
        "update": values,
        "preview": preview,
        "error": error,
        "kinds": KINDS,
    }
    return render(ctx, "amendments/update.html", context, status)


# ---- committees -------------------------------------------------------------------------


def committee_list(ctx: Ctx) -> Response:
    me = _me(ctx)
    rows = committee_service.list_committees(ctx.db)
    if not me.has_role(Role.ADMIN):
        rows = [c for c in rows if any(m.member_id == me.id for m in c.members)]
    return render(ctx, "amendments/committees.html", {"committees": rows})


def _committee(ctx: Ctx, committee_id: int) -> tuple[Committee, bool]:
    """The committee, and whether the member sits on it (else she must be an admin)."""
    me = _me(ctx)
    committee = committee_service.get_committee(ctx.db, committee_id)
    sits = any(m.member_id == me.id for m in committee.members)
    if not (sits or me.has_role(Role.ADMIN)):
        raise Forbidden(N_("You are not allowed to see this committee's queue."))
    return committee, sits


def _initial_recommendation(document: Document, amendment: Amendment) -> dict[str, Any]:
    return {
        "choice": "",
        "note": "",
        "text": [
            {lang: c.text.get(lang, "") for lang in document.languages} for c in amendment.changes
        ],
    }


def committee_page(ctx: Ctx) -> Response:
    committee, sits = _committee(ctx, ctx.request.path_params["committee_id"])
    return _committee_page(ctx, committee, sits)


def _committee_page(
    ctx: Ctx,
    committee: Committee,
    sits: bool,
    *,
    state: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    queues = []
    proposers: set[int] = set()
    for document in texts.list_documents(ctx.db):
        amendments = services.committee_queue(ctx.db, committee, document)
        if not amendments:
            continue
        current = display.current_rows(ctx.db, document)
        items = []
        for amendment in amendments:
            proposers.add(amendment.proposer_id)
            mine = state is not None and state["amendment_id"] == amendment.id
            items.append(
                {
                    "amendment": amendment,
                    "changes": display.change_views(ctx.db, document, amendment, current=current),
                    "substitute": display.substitute_views(document, amendment),
                    "values": state["values"]
                    if mine and state is not None
                    else _initial_recommendation(document, amendment),
                    "error": state["error"] if mine and state is not None else None,
                    "open": Status(amendment.status) in services.TRANSITIONS["recommend"][0],
                }
            )
        queues.append({"document": document, "items": items})
    context = {
        "committee": committee,
        "sits": sits,
        "queues": queues,
        "names": display.names(ctx.db, proposers),
        "text_ops": TEXT_OPS,
    }
    return render(ctx, "amendments/committee.html", context, status)


def _posted_recommendation(ctx: Ctx, document: Document, amendment: Amendment) -> dict[str, Any]:
    return {
        "choice": ctx.form.get("recommendation", ""),
        "note": ctx.form.get("note", ""),
        "text": [
            _languages_text(ctx, document, f"sub_{i}_") for i in range(len(amendment.changes))
        ],
    }


def recommend(ctx: Ctx) -> Response:
    amendment = _amendment(ctx)
    document = _document_of(ctx, amendment)
    values = _posted_recommendation(ctx, document, amendment)
    body: dict[str, Any] = {"recommendation": values["choice"], "note": values["note"]}
    if values["choice"] == "modify":
        body["text"] = {
            c.key: _given(text)
            for c, text in zip(amendment.changes, values["text"], strict=True)
            if c.op in TEXT_OPS
        }
    committee_id = _id(ctx.form.get("committee"))
    try:
        services.recommend(ctx.db, _me(ctx), amendment, body, Notices())
    except DomainError as error:
        if committee_id is None or isinstance(error, Forbidden | NotFound):
            raise
        _start_over(ctx)
        committee, sits = _committee(ctx, committee_id)
        state = {"amendment_id": amendment.id, "values": values, "error": ctx._(error.message)}
        return _committee_page(ctx, committee, sits, state=state, status=error.status)
    target = (
        f"/committees/{committee_id}#a-{amendment.id}"
        if committee_id is not None
        else f"/amendments/{amendment.id}"
    )
    return ctx.redirect(target, N_("The recommendation was recorded."))


# ---- comments ---------------------------------------------------------------------------


def comments_context(
    ctx: Ctx,
    document: Document,
    *,
    amendment: Amendment | None = None,
    key: str | None = None,
    keys: list[tuple[str, str]],
    action: str,
    state: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """What the comments part of a page shows: the thread and its forms. ``keys`` are the
    provisions (key, label) a passage may be quoted from."""
    comments = comment_service.comments_on(
        ctx.db, amendment=amendment, document=document, provision_key=key
    )
    return {
        "thread": display.comment_thread(ctx.db, document, comments),
        "comment_keys": keys,
        "comment_labels": dict(keys),
        "comment_action": action,
        "can_moderate": comment_service.may_moderate(_me(ctx)),
        "comment_state": state or {"target": "", "error": None, "values": {}},
    }


def _posted_comment(ctx: Ctx) -> tuple[dict[str, str], Any, Any]:
    values = {name: ctx.form.get(name, "") for name in COMMENT_FIELDS}
    raw_parent = values["parent"].strip()
    parent: Any = _id(raw_parent)
    if parent is None and raw_parent:
        parent = raw_parent  # refused by the service as not a comment's id
    anchor = None
    if values["exact"].strip():
        anchor = {name: values[name] for name in ("key", "language", "exact", "prefix", "suffix")}
    return values, parent, anchor


def _comment_state(values: dict[str, str], error: str) -> dict[str, Any]:
    target = f"reply-{values['parent'].strip()}" if values["parent"].strip() else "new"
    return {"target": target, "error": error, "values": values}


def _post_comment(
    ctx: Ctx, document: Document, *, amendment: Amendment | None = None, key: str | None = None
) -> tuple[Comment | None, dict[str, Any] | None, int, Notices]:
    """Post a comment, a reply or a comment on a passage; on refusal, undo and return the
    form's state and status to show it again."""
    values, parent, anchor = _posted_comment(ctx)
    notices = Notices()
    try:
        made = comment_service.add_comment(
            ctx.db,
            _me(ctx),
            document,
            body=values["body"],
            amendment=amendment,
            provision_key=key,
            parent=parent,
            anchor=anchor,
            notices=notices,
        )
    except DomainError as error:
        _start_over(ctx)
        return None, _comment_state(values, ctx._(error.message)), error.status, notices
    return made, None, 200, notices


def comment(ctx: Ctx) -> Response:
    """A comment, a reply or a comment on a passage, on an amendment."""
    amendment = _amendment(ctx)
    document = _document_of(ctx, amendment)
    made, state, status, notices = _post_comment(ctx, document, amendment=amendment)
    if made is None:
        return _detail_page(ctx, amendment, comment_state=state, status=status)
    url = f"/amendments/{amendment.id}#c-{made.id}"
    return _saved(ctx, url, N_("Your comment was posted."), notices)


def provision_comment(ctx: Ctx) -> Response:
    """A comment, a reply or a comment on a passage, on a provision."""
    document = _document(ctx)
    key = ctx.request.path_params["key"]
    texts.provision_history(ctx.db, document, key)  # 404 for a provision that never was
    made, state, status, notices = _post_comment(ctx, document, key=key)
    if made is None:
        assert state is not None
        return _provision_page(ctx, document, key, state, status)
    url = f"/documents/{document.slug}/p/{key}#c-{made.id}"
    return _saved(ctx, url, N_("Your comment was posted."), notices)


def _provision_page(
    ctx: Ctx, document: Document, key: str, state: dict[str, Any], status: int
) -> Response:
    from constitution.texts import views as text_views

    return text_views.provision_response(ctx, document, key, comment_state=state, status=status)


def hide_comment(ctx: Ctx) -> Response:
    comment_id = ctx.request.path_params["comment_id"]
    reason = ctx.form.get("reason", "")
    try:
        hidden = comment_service.hide_comment(ctx.db, _me(ctx), comment_id, reason, Notices())
    except DomainError as error:
        if isinstance(error, Forbidden | NotFound):
            raise
        _start_over(ctx)
        found = ctx.db.get(Comment, comment_id)
        assert found is not None
        state = {
            "target": f"hide-{comment_id}",
            "error": ctx._(error.message),
            "values": {"reason": reason},
        }
        if found.amendment_id is not None:
            amendment = services.get_amendment(ctx.db, found.amendment_id)
            return _detail_page(ctx, amendment, comment_state=state, status=error.status)
        document = ctx.db.get_one(Document, found.document_id)
        return _provision_page(ctx, document, found.provision_key or "", state, error.status)
    target = display.comment_targets(ctx.db, [hidden.id])[hidden.id]
    return ctx.redirect(target, N_("The comment was hidden."))


# ---- inbox ------------------------------------------------------------------------------


def inbox(ctx: Ctx) -> Response:
    rows = services.inbox(ctx.db, _me(ctx))
    targets = display.comment_targets(ctx.db, [n.comment_id for n in rows if n.comment_id])
    items = []
    for row in rows:
        link = None
        if row.comment_id is not None:
            link = targets.get(row.comment_id)
        elif row.amendment_id is not None:
            link = f"/amendments/{row.amendment_id}"
        items.append({"n": row, "p": row.payload, "link": link})
    unread = sum(1 for row in rows if row.read_at is None)
    return render(ctx, "amendments/inbox.html", {"items": items, "unread": unread})


def inbox_read(ctx: Ctx) -> Response:
    services.mark_read(ctx.db, _me(ctx))
    return ctx.redirect("/inbox", N_("All notifications are marked as read."))
