"""OpenAPI paths and schemas of the Amendments section: amendments, their workflow actions,
comments and the inbox (merged into the document by openapi.py)."""

from __future__ import annotations

from typing import Any

from constitution.amendments.models import Status
from constitution.api.openapi_texts import BASE_REV, KIND, NOTICES, PAIRS, SLUG, STR, TEXT_MAP

INT = {"type": "integer"}
OPT_INT = {"type": ["integer", "null"]}
OPT_STR = {"type": ["string", "null"]}
TIME = {"type": "string", "format": "date-time"}
IDS = {"type": "array", "items": INT}
STATUS = {"type": "string", "enum": [s.value for s in Status]}
OP = {"type": "string", "enum": ["replace", "insert", "delete", "move"]}
CHOICE = {"type": "string", "enum": ["adopt", "reject", "modify"]}
# A rationale is an object keyed by language; a plain string is taken as the authoritative
# language's.
RATIONALE = {
    "type": ["object", "string"],
    "additionalProperties": {"type": "string"},
    "description": "Keyed by language; a plain string is the authoritative language's.",
}
AMENDMENT_ID = {"name": "amendment_id", "in": "path", "required": True, "schema": INT}
COMMENT_ID = {"name": "comment_id", "in": "path", "required": True, "schema": INT}
# The actions without a body still read one: malformed JSON is 400, a large body 413.
AUTHED = ("401", "403")
ACTION_ERRORS = ("400", *AUTHED, "404", "409", "413")


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


SCHEMAS: dict[str, Any] = {
    "AmendmentChange": {
        "type": "object",
        "required": ["op", "key", "label", "labels"],
        "properties": {
            "op": OP,
            "key": STR,
            "label": OPT_STR,
            "labels": {
                "type": "object",
                "additionalProperties": STR,
                "description": "The provision's label in each language that has one of its "
                "own once the change is adopted: for a new provision the labels the change "
                "gives, else its current labels with each label the change gives in a "
                "language in that language's place, or, when it gives none, with the "
                "authoritative language's following the label it gives (label is shown "
                "where labels lacks the page's language).",
            },
            "kind": {"type": ["string", "null"], "enum": [*KIND["enum"], None]},
            "parent": OPT_STR,
            "after": OPT_STR,
            "diff": {
                "type": "object",
                "additionalProperties": PAIRS,
                "description": "Per language, what the change does to the text it was made "
                "against: [op, text] pairs, op -1 deleted, 0 same, 1 inserted. Left out of "
                "the amendment list unless it is asked for with include=diffs.",
            },
        },
    },
    "Recommendation": {
        "type": ["object", "null"],
        "description": "A drafting committee's recommendation; null until there is one.",
        "required": ["committee", "recommendation", "note"],
        "properties": {
            "committee": OPT_INT,
            "committee_name": OPT_STR,
            "committee_names": {
                "type": "object",
                "additionalProperties": STR,
                "description": "The committee's name in each language that has one of its own.",
            },
            "recommendation": CHOICE,
            "note": STR,
            "text": {
                "type": ["object", "null"],
                "additionalProperties": TEXT_MAP,
                "description": "A committee substitute: {key: {language: text}}.",
            },
        },
    },
    "Problem": {
        "type": "object",
        "required": ["key"],
        "description": "Why an amendment needs an update (the three texts of a failed merge) "
        "or is obsolete (reason).",
        "properties": {
            "key": STR,
            "language": STR,
            "base": STR,
            "ours": STR,
            "theirs": STR,
            "reason": STR,
        },
    },
    "Amendment": {
        "type": "object",
        "required": [
            "id",
            "number",
            "document",
            "title",
            "rationale",
            "status",
            "base_rev",
            "proposer",
            "sponsors",
            "changes",
            "conflicts",
            "recommendation",
            "adopted_rev",
        ],
        "properties": {
            "id": INT,
            "number": INT,
            "document": {"type": "string", "description": "The document's slug."},
            "amends": {
                "type": ["integer", "null"],
                "description": "The amendment this one amends.",
            },
            "title": STR,
            "rationale": TEXT_MAP,
            "status": STATUS,
            "base_rev": INT,
            "proposer": INT,
            "sponsors": IDS,
            "changes": {"type": "array", "items": _ref("AmendmentChange")},
            "conflicts": {
                "type": "array",
                "items": INT,
                "description": "Ids of the open amendments it conflicts with.",
            },
            "recommendation": _ref("Recommendation"),
            "problem": {"type": ["array", "null"], "items": _ref("Problem")},
            "adopted_rev": OPT_INT,
            "created_at": TIME,
            "updated_at": TIME,
            "notices": NOTICES,
        },
    },
    "Comment": {
        "type": "object",
        "required": ["id", "author", "body", "parent", "created_at", "hidden"],
        "properties": {
            "id": INT,
            "author": INT,
            "body": {"type": ["string", "null"], "description": "null when hidden."},
            "parent": OPT_INT,
            "created_at": TIME,
            "hidden": {"type": "boolean"},
            "hidden_reason": OPT_STR,
            "anchor": _ref("ResolvedAnchor"),
            "notices": NOTICES,
        },
    },
    "ResolvedAnchor": {
        "type": "object",
        "required": [
            "key",
            "language",
            "exact",
            "prefix",
            "suffix",
            "rev",
            "made_on",
            "found",
            "start",
            "end",
            "source",
        ],
        "description": "A quoted passage looked for in the current revision (rev): found "
        "only when its exact words are still there, at start and end (code-point offsets in "
        "that provision's text in that language; for source proposal: in the words the "
        "amendment proposes for it now); otherwise near says where it most likely went (null "
        "when nowhere).",
        "properties": {
            "source": {"type": "string", "enum": ["current", "proposal"]},
            "key": STR,
            "language": STR,
            "exact": STR,
            "prefix": STR,
            "suffix": STR,
            "rev": INT,
            "made_on": INT,
            "found": {"type": "boolean"},
            "start": OPT_INT,
            "end": OPT_INT,
            "near": {
                "type": ["object", "null"],
                "properties": {"start": INT, "end": INT, "text": STR},
            },
        },
    },
    "Notification": {
        "type": "object",
        "required": ["id", "kind", "amendment", "comment", "payload", "created_at", "read"],
        "properties": {
            "id": INT,
            "kind": {
                "type": "string",
                "description": "comment, reply, status, sponsor, conflict, amended or "
                "comment_hidden.",
            },
            "amendment": OPT_INT,
            "comment": OPT_INT,
            "payload": {"type": "object"},
            "created_at": TIME,
            "read": {"type": "boolean"},
        },
    },
}

CHANGE_INPUT = {
    "type": "object",
    "required": ["op", "key"],
    "description": "replace: key, text (some languages may be left out), label?, labels?; "
    "insert: key (the new provision's), after, parent, label, labels?, kind, text; delete: "
    "key; move: key, parent, after. labels gives the label in each language (as a document's "
    "provisions do); a label that clashes in one language is refused (label_clash, field "
    "changes[i].labels.L).",
    "properties": {
        "op": OP,
        "key": STR,
        "text": TEXT_MAP,
        "label": STR,
        "labels": {"type": "object", "additionalProperties": STR},
        "kind": KIND,
        "parent": OPT_STR,
        "after": OPT_STR,
    },
}
ANCHOR_INPUT = {
    "type": "object",
    "required": ["key", "language", "exact"],
    "description": "A quoted passage (a text-quote selector) of the current text, or with "
    "source proposal of the words the amendment proposes for that provision.",
    "properties": {
        "source": {"type": "string", "enum": ["current", "proposal"], "default": "current"},
        "key": STR,
        "language": STR,
        "exact": {"type": "string", "maxLength": 1000},
        "prefix": {"type": "string", "maxLength": 64},
        "suffix": {"type": "string", "maxLength": 64},
    },
}


def paths(op: Any, ok: Any, body_object: Any) -> dict[str, Any]:
    """Built with openapi.py's helpers (passed in, to avoid an import cycle)."""
    amendment = _ref("Amendment")
    changes = {"type": "array", "items": CHANGE_INPUT, "minItems": 1}
    inbox_read = op(
        "Mark inbox entries read: those listed in ids, or all of them without a body.",
        ok("200", body_object(["read"], read=INT), "How many entries were marked read."),
        ("400", *AUTHED, "413", "422"),
        body=body_object([], ids=IDS),
    )
    inbox_read["requestBody"]["required"] = False
    return {
        "/api/v1/documents/{slug}/amendments": {
            "get": op(
                "The document's amendments by number, optionally only those of one status; "
                "each change without its diff unless include=diffs.",
                ok("200", {"type": "array", "items": amendment}, "The amendments."),
                (*AUTHED, "404", "422"),
                params=[
                    SLUG,
                    {"name": "status", "in": "query", "schema": STATUS},
                    {
                        "name": "include",
                        "in": "query",
                        "schema": {"type": "string", "enum": ["diffs"]},
                        "description": "diffs: each change with its diff.",
                    },
                ],
            ),
            "post": op(
                "Propose an amendment (a draft against the current revision, base_rev).",
                ok("201", amendment, "The amendment, status draft."),
                ("400", *AUTHED, "404", "409", "413", "422"),
                body=body_object(
                    ["title", "changes"],
                    title={"type": "string", "maxLength": 300},
                    rationale=RATIONALE,
                    changes=changes,
                    amends={
                        "type": ["integer", "null"],
                        "description": "An amendment to this amendment (before its vote).",
                    },
                ),
                params=[SLUG],
            ),
        },
        "/api/v1/amendments/{amendment_id}": {
            "get": op(
                "An amendment with its changes as diffs, sponsors, conflicts, recommendation.",
                ok("200", amendment, "The amendment."),
                (*AUTHED, "404"),
                params=[AMENDMENT_ID],
            ),
        },
        "/api/v1/amendments/{amendment_id}/changes": {
            "post": op(
                "The proposer rewrites her changes against the current text (a draft, or one "
                "that needs an update, which goes back to submitted); 409 stale_base when a "
                "provision they change changed in the text since base_rev.",
                ok("200", amendment, "The amendment, rebased on the current revision."),
                ("400", *AUTHED, "404", "409", "413", "422"),
                body=body_object(
                    ["changes"],
                    changes=changes,
                    title={"type": "string", "maxLength": 300},
                    rationale=RATIONALE,
                    base_rev=BASE_REV,
                ),
                params=[AMENDMENT_ID],
            ),
        },
        "/api/v1/amendments/{amendment_id}/sponsor": {
            "post": op(
                "Co-sponsor another member's amendment (draft, submitted or in committee).",
                ok("200", amendment, "The amendment."),
                ACTION_ERRORS,
                params=[AMENDMENT_ID],
            ),
        },
        "/api/v1/amendments/{amendment_id}/submit": {
            "post": op(
                "The proposer submits her draft; 409 needs_sponsors without enough co-sponsors.",
                ok("200", amendment, "The amendment, status submitted."),
                ACTION_ERRORS,
                params=[AMENDMENT_ID],
            ),
        },
        "/api/v1/amendments/{amendment_id}/withdraw": {
            "post": op(
                "The proposer withdraws her amendment before it is scheduled for a vote.",
                ok("200", amendment, "The amendment, status withdrawn."),
                ACTION_ERRORS,
                params=[AMENDMENT_ID],
            ),
        },
        "/api/v1/amendments/{amendment_id}/recommendation": {
            "post": op(
                "A member of a committee covering every provision the amendment touches "
                "records its recommendation (submitted or in committee → recommended), or "
                "revises it while it is recommended; 403 conflict_of_interest for the "
                "amendment's proposer and co-sponsors.",
                ok("200", amendment, "The amendment, status recommended."),
                ("400", *AUTHED, "404", "409", "413", "422"),
                body=body_object(
                    ["recommendation"],
                    recommendation=CHOICE,
                    note=STR,
                    text={
                        "type": "object",
                        "description": "With modify: the committee substitute, "
                        "{language: text} for an amendment of one change of text, else "
                        "{key: {language: text}}.",
                    },
                ),
                params=[AMENDMENT_ID],
            ),
        },
        "/api/v1/amendments/{amendment_id}/comments": {
            "get": op(
                "The amendment's comments, oldest first; anchors resolved against the "
                "document's current revision; hidden comments without their body.",
                ok("200", {"type": "array", "items": _ref("Comment")}, "The comments."),
                (*AUTHED, "404"),
                params=[AMENDMENT_ID],
            ),
            "post": op(
                "Comment on the amendment, answer a comment (parent), or quote a passage "
                "(anchor); 409 comment_hidden for an answer to a hidden comment.",
                ok("201", _ref("Comment"), "The comment."),
                ("400", *AUTHED, "404", "409", "413", "422"),
                body=body_object(
                    ["body"],
                    body={"type": "string", "maxLength": 10000},
                    parent=OPT_INT,
                    anchor=ANCHOR_INPUT,
                ),
                params=[AMENDMENT_ID],
            ),
        },
        "/api/v1/comments/{comment_id}/hide": {
            "post": op(
                "Hide a comment with a reason (chair, secretariat or admin); audited.",
                ok("200", _ref("Comment"), "The comment, hidden."),
                ("400", *AUTHED, "404", "409", "413", "422"),
                body=body_object(["reason"], reason={"type": "string", "maxLength": 2000}),
                params=[COMMENT_ID],
            ),
        },
        "/api/v1/inbox": {
            "get": op(
                "The member's inbox, newest first (at most 200 entries).",
                ok("200", {"type": "array", "items": _ref("Notification")}, "The entries."),
                AUTHED,
            ),
        },
        "/api/v1/inbox/read": {"post": inbox_read},
    }
