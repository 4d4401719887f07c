"""OpenAPI paths and schemas of the Texts section (merged into the document by openapi.py)."""

from __future__ import annotations

from typing import Any

STR = {"type": "string"}
TEXT_MAP = {"type": "object", "additionalProperties": {"type": "string"}}
LABELS = {
    "type": "object",
    "additionalProperties": {"type": "string"},
    "description": "The provision's label in each language that has its own; `label` is "
    "shown in the others.",
}
PAIRS = {
    "type": "array",
    "items": {
        "type": "array",
        "prefixItems": [{"type": "integer", "enum": [-1, 0, 1]}, {"type": "string"}],
        "minItems": 2,
        "maxItems": 2,
    },
}
NOTICES = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["field", "code"],
        "properties": {"field": STR, "code": STR},
    },
}
BASE_REV = {
    "type": "integer",
    "minimum": 1,
    "description": "The revision the change was made on: when a provision it changes has "
    "changed since (new text, label, translation marks, place, or removed), the answer is "
    "409 stale_base and nothing is written. Without it, nothing is checked.",
}
SLUG = {"name": "slug", "in": "path", "required": True, "schema": STR}
KIND = {"type": "string", "enum": ["part", "chapter", "article", "section", "clause", "subclause"]}

SCHEMAS: dict[str, Any] = {
    "Provision": {
        "type": "object",
        "required": ["key", "label", "labels", "kind", "parent", "text", "version", "outdated"],
        "properties": {
            "key": STR,
            "label": STR,
            "labels": LABELS,
            "kind": KIND,
            "parent": {"type": ["string", "null"]},
            "text": TEXT_MAP,
            "version": {"type": "integer"},
            "outdated": {"type": "array", "items": STR},
        },
    },
    "Document": {
        "type": "object",
        "required": ["slug", "title", "rev", "languages", "authoritative", "provisions"],
        "properties": {
            "slug": STR,
            "title": TEXT_MAP,
            "rev": {"type": "integer"},
            "languages": {"type": "array", "items": STR},
            "authoritative": STR,
            "provisions": {"type": "array", "items": {"$ref": "#/components/schemas/Provision"}},
            "notices": NOTICES,
        },
    },
    "Revision": {
        "type": "object",
        "required": ["rev", "created_at", "author", "reason", "amendment", "hash"],
        "properties": {
            "rev": {"type": "integer"},
            "created_at": {"type": "string", "format": "date-time"},
            "author": {"type": ["string", "null"]},
            "reason": STR,
            "kind": STR,
            "amendment": {"type": ["integer", "null"]},
            "hash": STR,
            "notices": NOTICES,
        },
    },
    "Change": {
        "type": "object",
        "required": ["op"],
        "properties": {
            "op": {"type": "string", "enum": ["replace", "insert", "delete", "move", "confirm"]},
            "key": STR,
            "text": TEXT_MAP,
            "label": STR,
            "labels": LABELS,
            "kind": KIND,
            "parent": {"type": ["string", "null"]},
            "after": {"type": ["string", "null"]},
            "languages": {"type": "array", "items": STR},
        },
    },
}

INPUT_PROVISION = {
    "type": "object",
    "required": ["key", "label", "kind", "text"],
    "properties": {
        "key": STR,
        "label": STR,
        "labels": LABELS,
        "kind": KIND,
        "parent": {"type": ["string", "null"]},
        "text": TEXT_MAP,
    },
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def paths(op: Any, ok: Any, body_object: Any) -> dict[str, Any]:
    """Built with openapi.py's helpers (passed in, to avoid an import cycle)."""
    rev_param = {"name": "rev", "in": "query", "schema": {"type": "integer", "minimum": 1}}
    return {
        "/api/v1/documents": {
            "get": op(
                "All documents.",
                ok(
                    "200",
                    {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["slug", "title", "rev"],
                            "properties": {
                                "slug": STR,
                                "title": TEXT_MAP,
                                "rev": {"type": "integer"},
                                "languages": {"type": "array", "items": STR},
                                "authoritative": STR,
                            },
                        },
                    },
                    "The documents.",
                ),
                ("401", "403"),
            ),
            "post": op(
                "Create a document at revision 1 (secretariat or admin). Body up to 16 MB.",
                ok("201", _ref("Document"), "The document at revision 1."),
                ("400", "401", "403", "409", "413", "422"),
                body=body_object(
                    ["slug", "title", "languages", "authoritative", "provisions"],
                    slug=STR,
                    title=TEXT_MAP,
                    languages={"type": "array", "items": STR},
                    authoritative=STR,
                    provisions={"type": "array", "items": INPUT_PROVISION},
                ),
            ),
        },
        "/api/v1/documents/{slug}": {
            "get": op(
                "A document at its current revision or at ?rev=N.",
                ok("200", _ref("Document"), "The document."),
                ("401", "403", "404", "422"),
                params=[SLUG, rev_param],
            ),
        },
        "/api/v1/documents/{slug}/revisions": {
            "get": op(
                "The document's revisions, oldest first.",
                ok("200", {"type": "array", "items": _ref("Revision")}, "The revisions."),
                ("401", "403", "404"),
                params=[SLUG],
            ),
            "post": op(
                "An editorial correction or translation update, applied at once (secretariat); "
                "409 stale_base when a provision it changes changed since base_rev.",
                ok("201", _ref("Revision"), "The new revision."),
                ("400", "401", "403", "404", "409", "413", "422"),
                body=body_object(
                    ["reason", "changes"],
                    reason=STR,
                    changes={"type": "array", "items": _ref("Change")},
                    base_rev=BASE_REV,
                ),
                params=[SLUG],
            ),
        },
        "/api/v1/documents/{slug}/compare": {
            "get": op(
                "What changed between two revisions, with token diffs in every language.",
                ok(
                    "200",
                    {
                        "type": "object",
                        "required": ["from", "to", "changes"],
                        "properties": {
                            "from": {"type": "integer"},
                            "to": {"type": "integer"},
                            "changes": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "required": ["key", "label", "labels", "change", "diff"],
                                    "properties": {
                                        "key": STR,
                                        "label": STR,
                                        "labels": LABELS,
                                        "change": {
                                            "type": "string",
                                            "enum": ["added", "removed", "modified", "moved"],
                                        },
                                        "moved": {"type": "boolean"},
                                        "diff": {"type": "object", "additionalProperties": PAIRS},
                                    },
                                },
                            },
                        },
                    },
                    "The changes.",
                ),
                ("401", "403", "404", "422"),
                params=[
                    SLUG,
                    {
                        "name": "from",
                        "in": "query",
                        "required": True,
                        "schema": {"type": "integer", "minimum": 1},
                    },
                    {
                        "name": "to",
                        "in": "query",
                        "required": True,
                        "schema": {"type": "integer", "minimum": 1},
                    },
                ],
            ),
        },
        "/api/v1/documents/{slug}/search": {
            "get": op(
                "Substring search in every language (Myanmar or Latin digits alike), "
                'and by label in any language ("Article 12", "ပုဒ်မ ၁၂", "12"); '
                "a query in Zawgyi is converted first. Snippets are cut on syllable "
                "boundaries.",
                ok(
                    "200",
                    {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["key", "label", "labels", "language", "snippet"],
                            "properties": {
                                "key": STR,
                                "label": STR,
                                "labels": LABELS,
                                "language": STR,
                                "snippet": STR,
                                "highlights": {
                                    "type": "array",
                                    "description": "Code-point offsets [start, end] of the "
                                    "matched words in the snippet, on syllable boundaries.",
                                    "items": {
                                        "type": "array",
                                        "items": {"type": "integer"},
                                        "minItems": 2,
                                        "maxItems": 2,
                                    },
                                },
                                "match": {
                                    "type": "string",
                                    "enum": ["label", "text"],
                                    "description": "Found by its label or in its text.",
                                },
                            },
                        },
                    },
                    "The matching provisions.",
                ),
                ("401", "403", "404", "422"),
                params=[SLUG, {"name": "q", "in": "query", "required": True, "schema": STR}],
            ),
        },
    }
