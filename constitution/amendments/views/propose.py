"""Proposing an amendment to a provision (replace, delete, insert after it), and the
proposer's update of a draft or of an amendment that needs an update; both with a preview."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from constitution.accounts.permissions import require_participant
from constitution.accounts.web import current_member, switch_language
from constitution.amendments import display, services
from constitution.amendments import permissions as rules
from constitution.amendments.models import Amendment
from constitution.amendments.views.common import (
    amendment_in_path,
    amendment_url,
    current_row,
    document_in_path,
    given,
    languages_text,
    saved,
)
from constitution.diffing.diff import diff_tokens
from constitution.diffing.render import inline_html
from constitution.errors import N_, DomainError, Forbidden, Invalid, NotFound
from constitution.texts import services as texts
from constitution.texts.diffs import Differ, budget_of
from constitution.texts.models import KINDS, Document, ProvisionVersion
from constitution.texts.validation import (
    Notices,
    changed_languages,
    kind_may_contain,
    shown_label,
)
from constitution.web.framework import Ctx
from constitution.web.params import parse_id
from constitution.web.render import render

PROPOSE_OPS = ("replace", "insert", "delete", "move")


def _parent(ctx: Ctx, document: Document, raw: str | None) -> Amendment | None:
    """The amendment an amendment amends (``?amends=`` or the form's hidden field)."""
    if not raw:
        return None
    parent_id = parse_id(raw, strip=True)
    parent = services.get_amendment(ctx.db, parent_id) if parent_id is not None else None
    if parent is None or parent.document_id != document.id:
        raise NotFound(N_("There is no such amendment."))
    return parent


def _initial_proposal(
    document: Document, row: ProvisionVersion, parent: Amendment | None, op: str | None
) -> dict[str, Any]:
    theirs = next((c for c in parent.changes if c.key == row.key), None) if parent else None
    text = theirs.text if theirs is not None and theirs.op == "replace" else row.text
    languages = document.languages
    if op is None:
        op = theirs.op if theirs is not None and theirs.op in PROPOSE_OPS else None
    return {
        "op": op,
        "title": "",
        "rationale": dict.fromkeys(languages, ""),
        "text": {lang: text.get(lang, "") for lang in languages},
        "new_key": "",
        "new_label": "",
        "new_labels": dict.fromkeys(languages, ""),
        "new_kind": row.kind,
        "new_text": dict.fromkeys(languages, ""),
        "move_to": "",
    }


def _posted_proposal(ctx: Ctx, document: Document) -> dict[str, Any]:
    op = ctx.form.get("op", "replace")
    new_label, new_labels = _posted_labels(ctx, document, "new_label")
    return {
        "op": op if op in PROPOSE_OPS else "replace",
        "title": ctx.form.get("title", ""),
        "rationale": languages_text(ctx, document, "rationale_"),
        "text": languages_text(ctx, document, "text_"),
        "new_key": ctx.form.get("new_key", "").strip(),
        "new_label": new_label,
        "new_labels": new_labels,
        "new_kind": ctx.form.get("new_kind", ""),
        "new_text": languages_text(ctx, document, "new_text_"),
        "move_to": ctx.form.get("move_to", ""),
    }


def _posted_labels(ctx: Ctx, document: Document, name: str) -> tuple[str, dict[str, str]]:
    """A new provision's ``label`` and its labels from the form (``NAME_my``, ``NAME_en``…):
    the label is the one in the authoritative language, else the first given (a form with
    one ``NAME`` field gives that)."""
    labels = languages_text(ctx, document, f"{name}_")
    found = given(labels)
    plain = ctx.form.get(name, "").strip() or found.get(document.authoritative)
    return plain or next(iter(found.values()), ""), labels


def _move_target(
    value: str, current: dict[str, ProvisionVersion]
) -> tuple[str | None, str | None] | None:
    """The form's ``move_to`` (``start:PARENT``, ``start:`` or ``after:KEY``) as the move's
    (parent, after), or None when it names nothing."""
    where, _, key = value.partition(":")
    if where == "start" and (key == "" or key in current):
        return (key or None, None)
    if where == "after" and key in current:
        return (current[key].parent_key, key)
    return None


def _proposed_change(
    row: ProvisionVersion, values: dict[str, Any], current: dict[str, ProvisionVersion]
) -> dict[str, Any]:
    if values["op"] == "delete":
        return {"op": "delete", "key": row.key}
    if values["op"] == "insert":
        labels = given(values["new_labels"])
        return {
            "op": "insert",
            "key": values["new_key"],
            "after": row.key,
            "parent": row.parent_key,
            "label": values["new_label"],
            **({"labels": labels} if labels else {}),
            "kind": values["new_kind"],
            "text": given(values["new_text"]),
        }
    if values["op"] == "move":
        target = _move_target(values["move_to"], current)
        if target is None:
            raise Invalid(N_("Choose where the provision should go."), field="move_to")
        return {"op": "move", "key": row.key, "parent": target[0], "after": target[1]}
    return {"op": "replace", "key": row.key, "text": changed_languages(values["text"], row.text)}


def move_choices(
    row: ProvisionVersion, current: dict[str, ProvisionVersion]
) -> list[tuple[str, str, str]]:
    """Where the provision may go, in reading order: (value, "start"|"after", label) for the
    start of each provision that may hold it and after each provision of its kind (never
    under itself)."""
    ordered = texts.reading_order(current.values())
    inside = {row.key}
    for other in ordered:  # reading order: a parent comes before its children
        if other.parent_key in inside:
            inside.add(other.key)
    choices = [("start:", "top", "")] if row.kind == KINDS[0] else []
    for other in ordered:
        if other.key in inside:
            continue
        if kind_may_contain(other.kind, row.kind):
            choices.append((f"start:{other.key}", "start", other.label))
        if other.kind == row.kind:
            choices.append((f"after:{other.key}", "after", other.label))
    return choices


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
    current = texts.current_rows(ctx.db, document) if values["op"] == "move" else {}
    context = {
        "document": document,
        "row": row,
        "parent": parent,
        "values": values,
        "preview": preview,
        "error": error,
        "ops": PROPOSE_OPS,
        "kinds": KINDS,
        "move_choices": move_choices(row, current) if current else [],
        # The language switch sends the form back here to be shown again, unsaved.
        "keep_form": {
            "id": "propose",
            "action": ctx.url("amendments.propose", slug=document.slug, key=row.key),
        }
        if values["op"]
        else None,
    }
    return render(ctx, "amendments/propose.html", context, status)


def propose_form(ctx: Ctx) -> Response:
    """Step 1: what she wants to do (no ``op``); step 2: only the fields of that change.
    An observer, who cannot propose, is told so here rather than after filling it in."""
    require_participant(current_member(ctx))
    document = document_in_path(ctx)
    row = current_row(ctx, document, ctx.request.path_params["key"])
    parent = _parent(ctx, document, ctx.request.query_params.get("amends"))
    op = ctx.request.query_params.get("op")
    values = _initial_proposal(document, row, parent, op if op in PROPOSE_OPS else None)
    if op is not None and op not in PROPOSE_OPS:
        values["op"] = None
    return _propose_page(ctx, document, row, parent, values)


def propose(ctx: Ctx) -> Response:
    document = document_in_path(ctx)
    row = current_row(ctx, document, ctx.request.path_params["key"])
    parent = _parent(ctx, document, ctx.form.get("amends"))
    values = _posted_proposal(ctx, document)
    if switch_language(ctx, ctx.form.get("switch_language")):
        return _propose_page(ctx, document, row, parent, values)
    notices = Notices()
    try:
        change = _proposed_change(row, values, texts.current_rows(ctx.db, document))
        if ctx.form.get("action") == "preview":
            shown = display.preview(ctx.db, document, [change], notices, Differ(budget_of(ctx)))
            return _propose_page(ctx, document, row, parent, values, preview=shown)
        body: dict[str, Any] = {
            "title": values["title"],
            "rationale": given(values["rationale"]),
            "changes": [change],
        }
        if parent is not None:
            body["amends"] = parent.id
        amendment = services.propose(
            ctx.db, ctx.settings, current_member(ctx), document, body, notices, ctx.begin_write
        )
    except DomainError as error:
        ctx.start_over()
        message = ctx._(error.message)
        return _propose_page(ctx, document, row, parent, values, error=message, status=error.status)
    return saved(
        ctx,
        amendment_url(ctx, amendment),
        N_("Amendment %(number)s was saved as a draft."),
        notices,
        number=amendment.number,
    )


# ---- the proposer's update --------------------------------------------------------------


def initial_update(document: Document, amendment: Amendment) -> dict[str, Any]:
    """The update form's values: the amendment as it stands."""
    languages = document.languages
    return {
        "title": amendment.title,
        "rationale": {lang: amendment.rationale.get(lang, "") for lang in languages},
        "changes": [
            {
                "label": c.label or "",
                # What each language shows now: saved unchanged, every page shows the same.
                "labels": {
                    lang: shown_label(c.label or "", c.labels or {}, lang) for lang in languages
                },
                "kind": c.kind or "",
                "text": {lang: c.text.get(lang, "") for lang in languages},
            }
            for c in amendment.changes
        ],
    }


def _posted_update(ctx: Ctx, document: Document, amendment: Amendment) -> dict[str, Any]:
    return {
        "title": ctx.form.get("title", ""),
        "rationale": languages_text(ctx, document, "rationale_"),
        "changes": [
            {
                "label": label,
                "labels": labels,
                "kind": ctx.form.get(f"c{i}_kind", ""),
                "text": languages_text(ctx, document, f"c{i}_text_"),
            }
            for i in range(len(amendment.changes))
            for label, labels in [_posted_labels(ctx, document, f"c{i}_label")]
        ],
    }


def _update_body(
    amendment: Amendment, values: dict[str, Any], current: dict[str, ProvisionVersion]
) -> dict[str, Any]:
    changes: list[dict[str, Any]] = []
    for change, value in zip(amendment.changes, values["changes"], strict=True):
        if change.op == "replace":
            row = current.get(change.key)
            text = value["text"] if row is None else changed_languages(value["text"], row.text)
            changes.append(change.as_text_change(text))
        elif change.op == "insert":
            text = given(value["text"])
            changes.append(
                change.as_text_change(
                    text, label=value["label"], labels=given(value["labels"]), kind=value["kind"]
                )
            )
        else:
            changes.append(change.as_text_change())
    return {"title": values["title"], "rationale": given(values["rationale"]), "changes": changes}


def _posted_base(ctx: Ctx) -> int | str | None:
    """The update form's ``base_rev`` (the revision it was loaded at): a number, what was
    sent when it is none (the service refuses it), or None for a form without one."""
    raw = ctx.form.get("base_rev")
    if raw is None or raw.strip() == "":
        return None
    number = parse_id(raw, strip=True)
    return raw if number is None else number


def _stale_views(
    ctx: Ctx, document: Document, amendment: Amendment, base_rev: int
) -> list[dict[str, Any]]:
    """The provisions her update changes that changed in the text since ``base_rev``: for
    each language that changed, the current text and the change since she opened the form."""
    stale = set(texts.changed_since(ctx.db, document, base_rev, [c.key for c in amendment.changes]))
    then = {r.key: r for r in texts.versions_at(ctx.db, document, base_rev)}
    now = texts.current_rows(ctx.db, document)
    views = []
    for change in amendment.changes:
        if change.key not in stale:
            continue
        old, new = then.get(change.key), now.get(change.key)
        languages = []
        for lang in document.languages:
            started = old.text.get(lang, "") if old is not None else ""
            current = new.text.get(lang, "") if new is not None else ""
            if started != current:
                languages.append(
                    {
                        "language": lang,
                        "current": current,
                        "diff": inline_html(diff_tokens(started, current)),
                    }
                )
        shown = new if new is not None else old
        views.append(
            {
                "label": shown.label if shown is not None else change.key,
                "labels": dict(shown.labels or {}) if shown is not None else {},
                "removed": new is None,
                "languages": languages,
            }
        )
    return views


def update(ctx: Ctx) -> Response:
    """The proposer rewrites her draft, or an amendment that needs an update; refused when
    a provision it changes changed in the text since the form was loaded (``base_rev``)."""
    amendment = amendment_in_path(ctx)
    me = current_member(ctx)
    if not rules.is_proposer(me, amendment):
        raise Forbidden(N_("Only the proposer may change her amendment."))
    document = services.document_of(ctx.db, amendment)
    values = _posted_update(ctx, document, amendment)
    body = _update_body(amendment, values, texts.current_rows(ctx.db, document))
    base_rev = _posted_base(ctx)
    if base_rev is not None:
        body["base_rev"] = base_rev
    kept = base_rev if isinstance(base_rev, int) and 1 <= base_rev <= document.current_rev else None
    if switch_language(ctx, ctx.form.get("switch_language")):
        return _update_page(ctx, document, amendment, values, base_rev=kept)
    notices = Notices()
    preview = None
    try:
        if ctx.form.get("action") == "preview":
            preview = display.preview(
                ctx.db, document, body["changes"], notices, Differ(budget_of(ctx))
            )
        else:
            services.update_changes(
                ctx.db,
                me,
                amendment,
                body,
                notices,
                max_chars=ctx.settings.amendment_max_chars,
                begin_write=ctx.begin_write,
            )
            return saved(
                ctx, amendment_url(ctx, amendment), N_("The amendment was updated."), notices
            )
    except DomainError as error:
        ctx.start_over()
        stale = None
        if error.code == "stale_base" and kept is not None:
            stale = _stale_views(ctx, document, amendment, kept)
            kept = None  # she has seen what changed: saved again, it is on the new base
        return _update_page(
            ctx,
            document,
            amendment,
            values,
            base_rev=kept,
            error=ctx._(error.message),
            stale=stale,
            status=error.status,
        )
    return _update_page(ctx, document, amendment, values, base_rev=kept, preview=preview)


def _update_page(
    ctx: Ctx,
    document: Document,
    amendment: Amendment,
    values: dict[str, Any],
    *,
    base_rev: int | None = None,
    preview: list[dict[str, Any]] | None = None,
    error: str | None = None,
    stale: list[dict[str, Any]] | None = None,
    status: int = 200,
) -> Response:
    context = {
        "document": document,
        "amendment": amendment,
        "update": values,
        "update_base": document.current_rev if base_rev is None else base_rev,
        "preview": preview,
        "error": error,
        "stale": stale,
        "kinds": KINDS,
        # The language switch sends the form back here to be shown again, unsaved.
        "keep_form": {
            "id": "update",
            "action": ctx.url("amendments.update", amendment_id=amendment.id),
        },
    }
    return render(ctx, "amendments/update.html", context, status)
