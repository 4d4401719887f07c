"""GET /api/v1/openapi.json is OpenAPI 3.1, matches the routes, and tells the truth.

No JSON Schema library is installed, so ``schema_errors`` below checks the subset of JSON
Schema the document uses; a test makes sure the document uses no keyword beyond it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pyotp
import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from constitution.accounts.models import Member
from constitution.amendments import services
from constitution.amendments.models import Amendment
from constitution.api.openapi import spec
from constitution.routes import API_ROUTES, routes
from tests.factories import PASSWORD, api_token, bearer, current_code, make_member, small_body

METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
PATH_ITEM_KEYS = METHODS | {"summary", "description", "servers", "parameters", "$ref"}
STATUS = re.compile(r"[1-5](\d\d|XX)|default")
DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
# The JSON Schema keywords schema_errors understands (and annotations it may ignore).
KEYWORDS = {
    "$ref",
    "type",
    "enum",
    "const",
    "required",
    "properties",
    "additionalProperties",
    "items",
    "prefixItems",
    "minItems",
    "maxItems",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "format",
    "description",
    "title",
    "examples",
    "default",
}
SCHEMA_MAPS = {"properties"}  # keywords whose value maps names to schemas
SCHEMA_VALUES = {"items", "additionalProperties"}  # keywords whose value is a schema
JSON = {"Content-Type": "application/json"}
SCHEMA_LISTS = {"prefixItems"}  # keywords whose value is a list of schemas
# The operations of the Accounts part, each exercised below.
ACCOUNTS = {
    ("get", "/api/v1/openapi.json"),
    ("post", "/api/v1/tokens"),
    ("delete", "/api/v1/tokens/current"),
    ("get", "/api/v1/me"),
    ("post", "/api/v1/me/totp"),
    ("post", "/api/v1/me/totp/confirm"),
    ("post", "/api/v1/invitations"),
    ("post", "/api/v1/invitations/accept"),
    ("get", "/api/v1/members"),
    ("patch", "/api/v1/members/{member_id}"),
    ("post", "/api/v1/members/{member_id}/sessions/end"),
    ("post", "/api/v1/members/{member_id}/totp/reset"),
    ("get", "/api/v1/committees"),
    ("post", "/api/v1/committees"),
    ("get", "/api/v1/audit"),
    ("get", "/api/v1/audit/head"),
    ("get", "/api/v1/public-key"),
}


# ---- a small JSON Schema validator ------------------------------------------------------


def resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = document
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _is(value: Any, kind: str) -> bool:
    return {
        "null": value is None,
        "boolean": isinstance(value, bool),
        "integer": isinstance(value, int) and not isinstance(value, bool),
        "number": isinstance(value, int | float) and not isinstance(value, bool),
        "string": isinstance(value, str),
        "array": isinstance(value, list),
        "object": isinstance(value, dict),
    }[kind]


def schema_errors(
    value: Any, schema: dict[str, Any], document: dict[str, Any], at: str = "$"
) -> list[str]:
    if "$ref" in schema:
        return schema_errors(value, resolve(document, schema["$ref"]), document, at)
    kinds = schema.get("type")
    if kinds is not None:
        allowed = [kinds] if isinstance(kinds, str) else kinds
        if not any(_is(value, kind) for kind in allowed):
            return [f"{at}: {value!r} is not of type {kinds}"]
    problems: list[str] = []
    if "enum" in schema and value not in schema["enum"]:
        problems.append(f"{at}: {value!r} is not one of {schema['enum']}")
    if "const" in schema and value != schema["const"]:
        problems.append(f"{at}: {value!r} is not {schema['const']!r}")
    if isinstance(value, dict):
        problems += _object_errors(value, schema, document, at)
    if isinstance(value, list):
        prefix = schema.get("prefixItems", [])
        for i, item in enumerate(value):
            if i < len(prefix):
                problems += schema_errors(item, prefix[i], document, f"{at}[{i}]")
            elif "items" in schema:
                problems += schema_errors(item, schema["items"], document, f"{at}[{i}]")
        if len(value) < schema.get("minItems", 0) or len(value) > schema.get("maxItems", 1e18):
            problems.append(f"{at}: {len(value)} items is out of bounds")
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0) or len(value) > schema.get("maxLength", 1e18):
            problems.append(f"{at}: length {len(value)} is out of bounds")
        if schema.get("format") == "date-time" and not DATE_TIME.fullmatch(value):
            problems.append(f"{at}: {value!r} is not a date-time")
    low, high = schema.get("minimum", -1e308), schema.get("maximum", 1e308)
    if _is(value, "number") and not low <= value <= high:
        problems.append(f"{at}: {value} is out of bounds")
    return problems


def _object_errors(
    value: dict[str, Any], schema: dict[str, Any], document: dict[str, Any], at: str
) -> list[str]:
    problems = [
        f"{at}: {key!r} is missing" for key in schema.get("required", ()) if key not in value
    ]
    properties = schema.get("properties", {})
    extra = schema.get("additionalProperties", True)
    for key, item in value.items():
        if key in properties:
            problems += schema_errors(item, properties[key], document, f"{at}.{key}")
        elif extra is False:
            problems.append(f"{at}: {key!r} is not allowed")
        elif isinstance(extra, dict):
            problems += schema_errors(item, extra, document, f"{at}.{key}")
    return problems


def schemas_in(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema object in the document (components, bodies, responses, parameters)."""

    def walk(schema: dict[str, Any], at: str) -> Iterator[tuple[str, dict[str, Any]]]:
        yield at, schema
        for key in SCHEMA_VALUES & set(schema):
            if isinstance(schema[key], dict):
                yield from walk(schema[key], f"{at}/{key}")
        for key in SCHEMA_LISTS & set(schema):
            for i, sub in enumerate(schema[key]):
                yield from walk(sub, f"{at}/{key}/{i}")
        for key in SCHEMA_MAPS & set(schema):
            for name, sub in schema[key].items():
                yield from walk(sub, f"{at}/{key}/{name}")

    for name, schema in document.get("components", {}).get("schemas", {}).items():
        yield from walk(schema, f"#/components/schemas/{name}")
    for path, method, operation in operations(document):
        where = f"{method.upper()} {path}"
        for parameter in operation.get("parameters", []):
            yield from walk(parameter["schema"], f"{where} parameter {parameter['name']}")
        body = operation.get("requestBody", {}).get("content", {})
        for media, content in body.items():
            yield from walk(content["schema"], f"{where} body {media}")
        for status, response in operation["responses"].items():
            for media, content in response.get("content", {}).items():
                yield from walk(content["schema"], f"{where} {status} {media}")


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def refs_in(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from refs_in(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs_in(value)


def test_the_validator_refuses_what_does_not_match() -> None:
    document = spec()
    member = {"id": 1, "username": "aye", "display_name": "Aye", "roles": ["member"]}
    member |= {"groups": {}, "active": True}
    assert schema_errors(member, {"$ref": "#/components/schemas/Member"}, document) == []
    wrong = [
        {**member, "id": "1"},
        {**member, "id": True},
        {**member, "roles": ["queen"]},
        {**member, "groups": {"religion": "x"}},
        {k: v for k, v in member.items() if k != "active"},
    ]
    for bad in wrong:
        assert schema_errors(bad, {"$ref": "#/components/schemas/Member"}, document), bad
    when = {"type": "string", "format": "date-time"}
    assert schema_errors("2026-11-28T08:00:00.000001Z", when, document) == []
    assert schema_errors("28/11/2026", when, document)
    assert schema_errors(None, {"type": ["integer", "null"]}, document) == []
    assert schema_errors(0, {"type": "integer", "minimum": 1}, document)
    pair = {"type": "array", "prefixItems": [{"type": "integer"}, {"type": "string"}]}
    assert schema_errors([1, "a"], pair, document) == []
    assert schema_errors(["a", 1], pair, document)


# ---- the document -----------------------------------------------------------------------


@pytest.fixture
def document(client: TestClient) -> dict[str, Any]:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    served = response.json()
    assert served == spec()
    return dict(served)


def test_document_is_openapi_3_1(document: dict[str, Any]) -> None:
    assert re.fullmatch(r"3\.1\.\d+", document["openapi"])
    assert isinstance(document["info"]["title"], str) and document["info"]["title"]
    assert isinstance(document["info"]["version"], str) and document["info"]["version"]
    schemes = document.get("components", {}).get("securitySchemes", {})
    for requirement in document.get("security", []):
        assert set(requirement) <= set(schemes)
    for scheme in schemes.values():
        assert scheme["type"] in {"apiKey", "http", "mutualTLS", "oauth2", "openIdConnect"}
    for path, item in document["paths"].items():
        assert path.startswith("/api/v1/"), path
        assert set(item) <= PATH_ITEM_KEYS, path
    for path, method, operation in operations(document):
        where = f"{method.upper()} {path}"
        assert operation["responses"], where
        for status, response in operation["responses"].items():
            assert STATUS.fullmatch(status), where
            assert isinstance(response["description"], str), f"{where} {status}"
            for content in response.get("content", {}).values():
                assert isinstance(content["schema"], dict), f"{where} {status}"
        if "requestBody" in operation:
            assert operation["requestBody"]["content"]["application/json"]["schema"], where
        for requirement in operation.get("security", []):
            assert set(requirement) <= set(schemes), where
        _check_parameters(path, where, operation.get("parameters", []))


def _check_parameters(path: str, where: str, parameters: list[dict[str, Any]]) -> None:
    seen = set()
    for parameter in parameters:
        assert parameter["in"] in {"path", "query", "header", "cookie"}, where
        assert isinstance(parameter["name"], str), where
        assert isinstance(parameter["schema"], dict), where
        assert (parameter["name"], parameter["in"]) not in seen, where
        seen.add((parameter["name"], parameter["in"]))
        if parameter["in"] == "path":
            assert parameter["required"] is True, where
    in_path = set(re.findall(r"\{([^}]+)\}", path))
    declared = {p["name"] for p in parameters if p["in"] == "path"}
    assert in_path == declared, where


def test_every_reference_resolves(document: dict[str, Any]) -> None:
    refs = set(refs_in(document))
    assert refs
    for ref in refs:
        assert isinstance(resolve(document, ref), dict), ref


def test_schemas_use_only_keywords_the_tests_check(document: dict[str, Any]) -> None:
    for where, schema in schemas_in(document):
        assert set(schema) <= KEYWORDS, (where, set(schema) - KEYWORDS)
        kinds = schema.get("type", [])
        for kind in [kinds] if isinstance(kinds, str) else kinds:
            assert kind in {"null", "boolean", "integer", "number", "string", "array", "object"}


def test_operations_document_their_usual_errors(document: dict[str, Any]) -> None:
    for path, method, operation in operations(document):
        where = f"{method.upper()} {path}"
        statuses = set(operation["responses"])
        if "requestBody" in operation:
            assert {"400", "413", "422"} <= statuses, where
        if operation.get("security", document.get("security")):
            assert "401" in statuses, where
        errors = [s for s in statuses if s[0] in "45"]
        for status in errors:
            schema = operation["responses"][status]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/Error"}, f"{where} {status}"


# ---- the document against the routes ----------------------------------------------------


def openapi_path(path: str) -> str:
    """Starlette's ``{member_id:int}`` is OpenAPI's ``{member_id}``."""
    return re.sub(r"\{(\w+):\w+\}", r"{\1}", path)


def test_every_api_route_is_documented_and_every_documented_route_exists(
    document: dict[str, Any],
) -> None:
    routed = {
        (method.lower(), openapi_path(route.path))
        for route in API_ROUTES
        for method in route.methods or ()
        if method != "HEAD"
    }
    documented = {(method, path) for path, method, _op in operations(document)}
    assert routed - documented == set(), "routed but not documented"
    assert documented - routed == set(), "documented but not routed"


def test_every_api_route_is_in_the_api_table() -> None:
    api = [r for r in routes() if isinstance(r, Route) and r.path.startswith("/api/")]
    assert api
    assert all(route in API_ROUTES for route in api)
    names = [route.name for route in API_ROUTES]
    assert len(names) == len(set(names))


# ---- real responses against the documented schemas --------------------------------------


class Checked:
    """Sends requests and checks each response (and valid request body) against the document."""

    def __init__(self, client: TestClient, document: dict[str, Any]) -> None:
        self.client = client
        self.document = document
        self.seen: set[tuple[str, str, int]] = set()

    def __call__(
        self,
        method: str,
        template: str,
        expected: int,
        *,
        url: str | None = None,
        token: str | None = None,
        **kwargs: Any,
    ) -> Any:
        operation = self.document["paths"][template][method.lower()]
        headers = {**kwargs.pop("headers", {}), **(bearer(token) if token else {})}
        response = self.client.request(method, url or template, headers=headers, **kwargs)
        where = f"{method} {template} -> {response.status_code}"
        assert response.status_code == expected, f"{where}: {response.text}"
        documented = operation["responses"].get(str(response.status_code))
        assert documented is not None, f"{where} is not documented"
        content = documented.get("content")
        if content is None:
            assert response.content == b"", where
        else:
            schema = content["application/json"]["schema"]
            assert schema_errors(response.json(), schema, self.document) == [], where
        if response.status_code < 300 and "json" in kwargs:
            body_schema = operation["requestBody"]["content"]["application/json"]["schema"]
            assert schema_errors(kwargs["json"], body_schema, self.document) == [], where
        self.seen.add((method.lower(), template, response.status_code))
        return response


def test_real_responses_match_the_documented_schemas(
    client: TestClient, db, settings, document: dict[str, Any]
) -> None:
    call = Checked(client, document)
    admin = make_member(db, settings, "admin", ["member", "admin"])
    aye = make_member(db, settings, "aye")
    call("GET", "/api/v1/openapi.json", 200)

    # Tokens and the member herself.
    login = {"username": "admin", "password": PASSWORD, "otp": current_code(admin)}
    token = call("POST", "/api/v1/tokens", 201, json=login).json()["token"]
    call("POST", "/api/v1/tokens", 401, json={"username": "admin", "password": "wrong wrong"})
    call("POST", "/api/v1/tokens", 422, json={"username": "admin", "password": PASSWORD})
    call("POST", "/api/v1/tokens", 400, content=b"{", headers={"Content-Type": "application/json"})
    call("GET", "/api/v1/me", 200, token=token)
    call("GET", "/api/v1/me", 401)

    # Invitations.
    invitation = {"username": "thida", "display_name": "Daw Thida", "roles": ["member"]}
    invitation["groups"] = {"state_region": "Kachin"}
    issued = call("POST", "/api/v1/invitations", 201, token=token, json=invitation).json()
    call("POST", "/api/v1/invitations", 409, token=token, json=invitation)
    call("POST", "/api/v1/invitations", 422, token=token, json={**invitation, "roles": ["x"]})
    call("POST", "/api/v1/invitations", 403, token=api_token(client, aye), json=invitation)
    accept = {"token": issued["token"], "password": PASSWORD}
    thida = call("POST", "/api/v1/invitations/accept", 201, json=accept).json()["member"]
    call("POST", "/api/v1/invitations/accept", 409, json=accept)
    call("POST", "/api/v1/invitations/accept", 422, json={"token": "x", "password": PASSWORD})

    # Members.
    call("GET", "/api/v1/members", 200, token=token)
    member_url = f"/api/v1/members/{thida['id']}"
    patch = "/api/v1/members/{member_id}"
    call("PATCH", patch, 200, url=member_url, token=token, json={"roles": ["member", "chair"]})
    call("PATCH", patch, 200, url=member_url, token=token, json={"active": False})
    call("PATCH", patch, 422, url=member_url, token=token, json={"active": "no"})
    call("PATCH", patch, 404, url="/api/v1/members/999999", token=token, json={})
    call(
        "PATCH", patch, 409, url=f"/api/v1/members/{admin.id}", token=token, json={"active": False}
    )
    for action in ("sessions/end", "totp/reset"):
        template = "/api/v1/members/{member_id}/" + action
        call("POST", template, 204, url=f"/api/v1/members/{aye.id}/{action}", token=token)
        call("POST", template, 404, url=f"/api/v1/members/999999/{action}", token=token)

    # Committees.
    committee = {"name": "Federalism", "members": [aye.id], "provisions": ["art-1"]}
    call("POST", "/api/v1/committees", 201, token=token, json=committee)
    call("POST", "/api/v1/committees", 409, token=token, json=committee)
    call("POST", "/api/v1/committees", 422, token=token, json={**committee, "members": [999999]})
    call("GET", "/api/v1/committees", 200, token=token)

    # A chair setting up her second factor, first with a token of partial rights.
    make_member(db, settings, "khin", ["member", "chair"], totp=False)
    khin = {"username": "khin", "password": PASSWORD}
    partial = call("POST", "/api/v1/tokens", 201, json=khin).json()["token"]
    call("GET", "/api/v1/members", 403, token=partial)
    secret = call("POST", "/api/v1/me/totp", 201, token=partial).json()["secret"]
    call("POST", "/api/v1/me/totp/confirm", 422, token=partial, json={"otp": "abc"})
    otp = {"otp": pyotp.TOTP(secret).now()}
    call("POST", "/api/v1/me/totp/confirm", 200, token=partial, json=otp)
    call("POST", "/api/v1/me/totp", 409, token=partial)

    # Audit, then the end of a token.
    call("GET", "/api/v1/audit", 200, url="/api/v1/audit?after=0&limit=50", token=token)
    call("GET", "/api/v1/audit", 422, url="/api/v1/audit?after=-1", token=token)
    call("GET", "/api/v1/audit", 403, token=api_token(client, aye))
    call("GET", "/api/v1/audit/head", 200, token=api_token(client, aye))
    call("GET", "/api/v1/audit/head", 401)
    call("GET", "/api/v1/public-key", 200, token=token)
    call("GET", "/api/v1/public-key", 401)
    call("DELETE", "/api/v1/tokens/current", 204, token=partial)
    call("DELETE", "/api/v1/tokens/current", 401, token=partial)

    # Every operation of the Accounts part answered at least once with success.
    succeeded = {(m, p) for m, p, status in call.seen if status < 300}
    assert succeeded == ACCOUNTS
    assert {(m, p) for p, m, _op in operations(document)} >= ACCOUNTS


# The operations of the Amendments part, each exercised below.
AMENDMENTS = {
    ("get", "/api/v1/documents/{slug}/amendments"),
    ("post", "/api/v1/documents/{slug}/amendments"),
    ("get", "/api/v1/amendments/{amendment_id}"),
    ("post", "/api/v1/amendments/{amendment_id}/changes"),
    ("post", "/api/v1/amendments/{amendment_id}/sponsor"),
    ("post", "/api/v1/amendments/{amendment_id}/submit"),
    ("post", "/api/v1/amendments/{amendment_id}/withdraw"),
    ("post", "/api/v1/amendments/{amendment_id}/recommendation"),
    ("get", "/api/v1/amendments/{amendment_id}/comments"),
    ("post", "/api/v1/amendments/{amendment_id}/comments"),
    ("post", "/api/v1/comments/{comment_id}/hide"),
    ("get", "/api/v1/inbox"),
    ("post", "/api/v1/inbox/read"),
}


def test_amendment_responses_match_the_documented_schemas(
    client: TestClient, db, settings, document: dict[str, Any]
) -> None:
    call = Checked(client, document)
    admin = make_member(db, settings, "admin", ["member", "admin"])
    people = {n: make_member(db, settings, n) for n in ("aye", "su", "mya", "reviewer")}
    chair = make_member(db, settings, "chair", ["member", "chair"])
    editor = api_token(client, make_member(db, settings, "editor", ["member", "secretariat"]))
    aye, su, mya, reviewer = (
        api_token(client, people[n]) for n in ("aye", "su", "mya", "reviewer")
    )
    chair_token = api_token(client, chair)
    call("POST", "/api/v1/documents", 201, token=editor, json=small_body("draft"))
    committee = {"name": "Part 1", "members": [people["reviewer"].id], "provisions": ["part-1"]}
    call("POST", "/api/v1/committees", 201, token=api_token(client, admin), json=committee)

    # Proposing and reading.
    listing = "/api/v1/documents/{slug}/amendments"
    at = "/api/v1/documents/draft/amendments"
    change = {"op": "replace", "key": "art-1", "text": {"en": "The Union is a federal state."}}
    proposal = {"title": "Federal", "rationale": {"en": "Why", "my": "အကြောင်း"}}
    proposal["changes"] = [change]
    first = call("POST", listing, 201, url=at, token=aye, json=proposal).json()
    call("POST", listing, 422, url=at, token=aye, json={**proposal, "changes": []})
    call("POST", listing, 400, url=at, token=aye, content=b"[", headers=JSON)
    call("POST", listing, 404, url="/api/v1/documents/nope/amendments", token=aye, json=proposal)
    call("POST", listing, 401, url=at, json=proposal)
    insert = {"op": "insert", "key": "art-1-c", "after": "art-1-b", "parent": "art-1"}
    insert |= {"label": "(c)", "kind": "clause", "text": {"my": "ဘာသာ", "en": "Religion."}}
    moves = [{"op": "move", "key": "art-2", "parent": "part-2", "after": None}]
    second = {"title": "More", "changes": [insert, {"op": "delete", "key": "art-3"}, *moves]}
    second_id = call("POST", listing, 201, url=at, token=su, json=second).json()["id"]
    call("GET", listing, 200, url=at, token=mya)
    call("GET", listing, 200, url=at + "?status=draft", token=mya)
    one = "/api/v1/amendments/{amendment_id}"
    here = f"/api/v1/amendments/{first['id']}"
    call("GET", one, 200, url=here, token=mya)
    call("GET", one, 404, url="/api/v1/amendments/999999", token=mya)
    changes = {"changes": [{**change, "text": {"en": "The Union is federal."}}]}
    call("POST", one + "/changes", 200, url=here + "/changes", token=aye, json=changes)
    call("POST", one + "/changes", 403, url=here + "/changes", token=su, json=changes)
    call("POST", one + "/changes", 422, url=here + "/changes", token=aye, json={"changes": 1})

    # Sponsors, submitting, withdrawing.
    call("POST", one + "/submit", 409, url=here + "/submit", token=aye)
    call("POST", one + "/sponsor", 200, url=here + "/sponsor", token=su)
    call("POST", one + "/sponsor", 409, url=here + "/sponsor", token=su)
    call("POST", one + "/sponsor", 200, url=here + "/sponsor", token=mya)
    call("POST", one + "/submit", 403, url=here + "/submit", token=su)
    call("POST", one + "/submit", 200, url=here + "/submit", token=aye)
    there = f"/api/v1/amendments/{second_id}"
    call("POST", one + "/withdraw", 403, url=there + "/withdraw", token=aye)
    call("POST", one + "/withdraw", 200, url=there + "/withdraw", token=su)
    call("POST", one + "/withdraw", 409, url=there + "/withdraw", token=su)
    call("POST", one + "/sponsor", 409, url=there + "/sponsor", token=aye)

    # The committee's recommendation, with a substitute text.
    recommend = one + "/recommendation"
    modify = {"recommendation": "modify", "note": "Shorter", "text": {"en": "A federal Union."}}
    modify["text"]["my"] = "ပြည်ထောင်စု"
    call("POST", recommend, 403, url=here + "/recommendation", token=mya, json=modify)
    call("POST", recommend, 422, url=here + "/recommendation", token=reviewer, json={})
    call("POST", recommend, 200, url=here + "/recommendation", token=reviewer, json=modify)
    # Revised while still in review.
    call("POST", recommend, 200, url=here + "/recommendation", token=reviewer, json=modify)

    # Comments: anchored, answered, hidden.
    comments = one + "/comments"
    anchor = {"key": "art-1", "language": "en", "exact": "federal", "prefix": "a ", "suffix": ""}
    said = call(
        "POST",
        comments,
        201,
        url=here + "/comments",
        token=su,
        json={"body": "Yes", "anchor": anchor},
    ).json()
    reply = {"body": "Thanks", "parent": said["id"]}
    call("POST", comments, 201, url=here + "/comments", token=aye, json=reply)
    call("POST", comments, 422, url=here + "/comments", token=aye, json={"body": ""})
    hide = "/api/v1/comments/{comment_id}/hide"
    hidden = f"/api/v1/comments/{said['id']}/hide"
    call("POST", hide, 403, url=hidden, token=mya, json={"reason": "Rude"})
    call("POST", hide, 200, url=hidden, token=chair_token, json={"reason": "Rude"})
    call("POST", hide, 409, url=hidden, token=chair_token, json={"reason": "Rude"})
    call("POST", hide, 404, url="/api/v1/comments/999999/hide", token=chair_token, json={})
    call("POST", comments, 409, url=here + "/comments", token=aye, json=reply)
    call("GET", comments, 200, url=here + "/comments", token=mya)

    # A conflicting amendment, and one that an editorial revision leaves needing an update.
    clash = {"title": "Clash", "changes": [{**change, "text": {"en": "The Union is one."}}]}
    clashed = call("POST", listing, 201, url=at, token=mya, json=clash).json()
    assert clashed["conflicts"] == [first["id"]]
    # A draft takes no recommendation.
    to_draft = f"/api/v1/amendments/{clashed['id']}/recommendation"
    call("POST", recommend, 409, url=to_draft, token=reviewer, json=modify)
    call("GET", listing, 200, url=at, token=mya)
    edit = {"reason": "Style", "changes": [{**change, "text": {"en": "Our Union is federal."}}]}
    revisions = "/api/v1/documents/{slug}/revisions"
    call("POST", revisions, 201, url="/api/v1/documents/draft/revisions", token=editor, json=edit)
    stale = call("GET", one, 200, url=here, token=mya).json()
    assert stale["status"] == "needs_update" and stale["problem"] and stale["recommendation"]

    # The inbox.
    call("GET", "/api/v1/inbox", 200, token=aye)
    first_entry = client.get("/api/v1/inbox", headers=bearer(aye)).json()[-1]["id"]
    call("POST", "/api/v1/inbox/read", 200, token=aye, json={"ids": [first_entry]})
    call("POST", "/api/v1/inbox/read", 200, token=aye)
    call("POST", "/api/v1/inbox/read", 422, token=aye, json={"ids": "all"})
    call("GET", "/api/v1/inbox", 401)

    # An adopted amendment (through the service the vote will call).
    art_2 = {"op": "replace", "key": "art-2", "text": {"en": "Members are elected."}}
    third = call("POST", listing, 201, url=at, token=aye, json={**proposal, "changes": [art_2]})
    url = f"/api/v1/amendments/{third.json()['id']}"
    call("POST", one + "/sponsor", 200, url=url + "/sponsor", token=su)
    call("POST", one + "/sponsor", 200, url=url + "/sponsor", token=mya)
    call("POST", one + "/submit", 200, url=url + "/submit", token=aye)
    db.expire_all()
    row = db.get_one(Amendment, third.json()["id"])
    services.transition(db, row, "schedule", db.get_one(Member, chair.id))
    services.adopt(db, db.get_one(Member, chair.id), row)
    db.commit()
    adopted = call("GET", one, 200, url=url, token=mya).json()
    assert adopted["adopted_rev"] == 3

    # Every operation of the Amendments part answered at least once with success.
    succeeded = {(m, p) for m, p, status in call.seen if status < 300}
    assert succeeded >= AMENDMENTS
    assert {(m, p) for p, m, _op in operations(document)} >= AMENDMENTS


# The operations of the Voting part, each exercised below.
VOTES = {
    ("get", "/api/v1/sittings"),
    ("post", "/api/v1/sittings"),
    ("get", "/api/v1/sittings/{sitting_id}"),
    ("post", "/api/v1/sittings/{sitting_id}/open"),
    ("post", "/api/v1/sittings/{sitting_id}/close"),
    ("post", "/api/v1/sittings/{sitting_id}/order"),
    ("post", "/api/v1/sittings/{sitting_id}/attendance"),
    ("delete", "/api/v1/sittings/{sitting_id}/attendance"),
    ("get", "/api/v1/sittings/{sitting_id}/proxies"),
    ("post", "/api/v1/sittings/{sitting_id}/proxies"),
    ("post", "/api/v1/proxies/{proxy_id}/approve"),
    ("post", "/api/v1/proxies/{proxy_id}/refuse"),
    ("delete", "/api/v1/proxies/{proxy_id}"),
    ("get", "/api/v1/sittings/{sitting_id}/polls"),
    ("post", "/api/v1/sittings/{sitting_id}/polls"),
    ("get", "/api/v1/polls/{poll_id}"),
    ("delete", "/api/v1/polls/{poll_id}"),
    ("post", "/api/v1/polls/{poll_id}/position"),
    ("post", "/api/v1/polls/{poll_id}/open"),
    ("post", "/api/v1/polls/{poll_id}/close"),
    ("post", "/api/v1/polls/{poll_id}/votes"),
    ("get", "/api/v1/polls/{poll_id}/votes/mine"),
    ("get", "/api/v1/polls/{poll_id}/record"),
    ("get", "/api/v1/members/{member_id}/votes"),
}


def test_vote_responses_match_the_documented_schemas(
    client: TestClient, db, settings, document: dict[str, Any]
) -> None:
    call = Checked(client, document)
    chair = make_member(db, settings, "chair", ["member", "chair"])
    editor = api_token(client, make_member(db, settings, "editor", ["member", "secretariat"]))
    people = [make_member(db, settings, n, ["member"]) for n in ("aye", "su", "mya", "hla")]
    people[0].state_region, people[0].chamber = "Kachin", "union"
    people[1].state_region = "Shan"
    db.commit()
    ct = api_token(client, chair)
    aye, su, mya, hla = (api_token(client, p) for p in people)
    call("POST", "/api/v1/documents", 201, token=editor, json=small_body("draft"))

    def amendment(text: str, amends: int | None = None) -> int:
        body: dict[str, Any] = {"title": "T", "changes": [{"op": "replace", "key": "art-1"}]}
        body["changes"][0]["text"] = {"en": text}
        if amends is not None:
            body["amends"] = amends
        made = client.post("/api/v1/documents/draft/amendments", json=body, headers=bearer(aye))
        url = f"/api/v1/amendments/{made.json()['id']}"
        for token in (su, mya):
            assert client.post(f"{url}/sponsor", headers=bearer(token)).status_code == 200
        assert client.post(f"{url}/submit", headers=bearer(aye)).status_code == 200
        return int(made.json()["id"])

    one = amendment("The Union is a federal union.")
    two = amendment("The Union is a federal democratic union.")
    sub = amendment("The Union is a federal union of equals.", amends=one)

    # Sittings.
    plan = {"title": "First", "quorum": {"base": "members", "fraction": 0.5}}
    plan["starts_at"] = "2026-12-01T08:00:00Z"
    sitting = call("POST", "/api/v1/sittings", 201, token=ct, json=plan).json()["id"]
    call("POST", "/api/v1/sittings", 403, token=aye, json=plan)
    call("POST", "/api/v1/sittings", 422, token=ct, json={"title": ""})
    call("POST", "/api/v1/sittings", 400, token=ct, content=b"{", headers=JSON)
    call("POST", "/api/v1/sittings", 401, json=plan)
    call("GET", "/api/v1/sittings", 200, token=aye)
    at = "/api/v1/sittings/{sitting_id}"
    here = f"/api/v1/sittings/{sitting}"
    call("GET", at, 200, url=here, token=aye)
    call("GET", at, 404, url="/api/v1/sittings/999999", token=aye)
    call("POST", at + "/attendance", 409, url=here + "/attendance", token=aye)
    call("POST", at + "/open", 403, url=here + "/open", token=aye)
    call("POST", at + "/open", 200, url=here + "/open", token=ct)
    call("POST", at + "/open", 409, url=here + "/open", token=ct)
    for token in (ct, aye, su, mya):
        call("POST", at + "/attendance", 200, url=here + "/attendance", token=token)
    call("DELETE", at + "/attendance", 200, url=here + "/attendance", token=mya)
    call("POST", at + "/attendance", 200, url=here + "/attendance", token=mya)

    # Proxies: hla gives hers to su; another is asked, refused, revoked.
    proxies = at + "/proxies"
    given = call(
        "POST", proxies, 201, url=here + "/proxies", token=hla, json={"holder": people[1].id}
    )
    call("POST", proxies, 422, url=here + "/proxies", token=aye, json={"holder": people[0].id})
    call("POST", proxies, 409, url=here + "/proxies", token=hla, json={"holder": people[2].id})
    call("GET", proxies, 200, url=here + "/proxies", token=aye)
    approve = "/api/v1/proxies/{proxy_id}/approve"
    call("POST", approve, 403, url=f"/api/v1/proxies/{given.json()['id']}/approve", token=aye)
    call("POST", approve, 200, url=f"/api/v1/proxies/{given.json()['id']}/approve", token=ct)
    call("POST", approve, 404, url="/api/v1/proxies/999999/approve", token=ct)
    other = call(
        "POST", proxies, 201, url=here + "/proxies", token=mya, json={"holder": people[0].id}
    )
    other_url = f"/api/v1/proxies/{other.json()['id']}"
    call("POST", "/api/v1/proxies/{proxy_id}/refuse", 200, url=other_url + "/refuse", token=ct)
    call("POST", "/api/v1/proxies/{proxy_id}/refuse", 409, url=other_url + "/refuse", token=ct)
    call("DELETE", "/api/v1/proxies/{proxy_id}", 409, url=other_url, token=mya)
    third = call(
        "POST", proxies, 201, url=here + "/proxies", token=mya, json={"holder": people[0].id}
    )
    call(
        "DELETE",
        "/api/v1/proxies/{proxy_id}",
        204,
        url=f"/api/v1/proxies/{third.json()['id']}",
        token=mya,
    )

    # The agenda: three amendments, a motion with a concurrent majority.
    listing = at + "/polls"
    made = [
        call("POST", listing, 201, url=here + "/polls", token=ct, json={"amendment": a}).json()[
            "id"
        ]
        for a in (two, one, sub)
    ]
    condition = {"group": "state_region", "majority": "simple", "base": "cast"}
    motion = {"motion": {"en": "Adopt", "my": "အတည်ပြု"}, "majority": "absolute", "base": "present"}
    motion["conditions"] = [{**condition, "min_entitled": 1, "groups_needed": "all"}]
    voted = call("POST", listing, 201, url=here + "/polls", token=ct, json=motion).json()["id"]
    call("POST", listing, 422, url=here + "/polls", token=ct, json={"motion": {"fr": "Oui"}})
    call("POST", listing, 404, url=here + "/polls", token=ct, json={"amendment": 999999})
    call("POST", listing, 409, url=here + "/polls", token=ct, json={"amendment": one})
    call("POST", listing, 403, url=here + "/polls", token=aye, json=motion)
    call("GET", listing, 200, url=here + "/polls", token=aye)
    state = call("GET", at, 200, url=here, token=aye).json()
    assert state["suggested_order"][:3] == [made[2], made[1], made[0]]
    order = at + "/order"
    call("POST", order, 200, url=here + "/order", token=ct, json={"suggested": True})
    call("POST", order, 422, url=here + "/order", token=ct, json={"order": [made[0]]})
    call("POST", order, 403, url=here + "/order", token=aye, json={"suggested": True})
    call("POST", order, 200, url=here + "/order", token=ct, json={"order": [voted, *made]})
    one_poll = "/api/v1/polls/{poll_id}"
    call(
        "POST",
        one_poll + "/position",
        200,
        url=f"/api/v1/polls/{made[0]}/position",
        token=ct,
        json={"position": 2},
    )
    call(
        "POST",
        one_poll + "/position",
        422,
        url=f"/api/v1/polls/{made[0]}/position",
        token=ct,
        json={"position": 0},
    )
    call("GET", one_poll, 200, url=f"/api/v1/polls/{made[0]}", token=aye)
    call("GET", one_poll, 404, url="/api/v1/polls/999999", token=aye)

    # The motion: opened, voted (by proxy too), closed, its record.
    url = f"/api/v1/polls/{voted}"
    call("POST", one_poll + "/votes", 409, url=url + "/votes", token=aye, json={"choice": "yes"})
    call("GET", one_poll + "/record", 409, url=url + "/record", token=aye)
    call("POST", one_poll + "/open", 403, url=url + "/open", token=aye)
    call("POST", one_poll + "/open", 200, url=url + "/open", token=ct)
    call("POST", one_poll + "/open", 409, url=url + "/open", token=ct)
    call("GET", one_poll + "/votes/mine", 200, url=url + "/votes/mine", token=aye)
    call("POST", one_poll + "/votes", 200, url=url + "/votes", token=aye, json={"choice": "yes"})
    proxied = {"choice": "no", "for": people[3].id}
    call("POST", one_poll + "/votes", 200, url=url + "/votes", token=su, json=proxied)
    call("POST", one_poll + "/votes", 403, url=url + "/votes", token=mya, json=proxied)
    call("POST", one_poll + "/votes", 422, url=url + "/votes", token=aye, json={"choice": "maybe"})
    call("POST", one_poll + "/votes", 200, url=url + "/votes", token=su, json={"choice": "abstain"})
    call("GET", one_poll + "/votes/mine", 200, url=url + "/votes/mine", token=aye)
    call("POST", one_poll + "/close", 403, url=url + "/close", token=aye)
    closed = call("POST", one_poll + "/close", 200, url=url + "/close", token=ct).json()
    assert closed["conditions"][0]["groups"] and closed["roll_call"]
    call("POST", one_poll + "/close", 409, url=url + "/close", token=ct)
    call("GET", one_poll, 200, url=url, token=aye)
    call("GET", one_poll + "/record", 200, url=url + "/record", token=aye)
    call("GET", one_poll + "/record", 404, url="/api/v1/polls/999999/record", token=aye)
    votes = "/api/v1/members/{member_id}/votes"
    assert call("GET", votes, 200, url=f"/api/v1/members/{people[3].id}/votes", token=aye).json()

    # The amendment to an amendment passes first; the rival falls; one is taken off.
    sub_url = f"/api/v1/polls/{made[2]}"
    call("POST", one_poll + "/open", 200, url=sub_url + "/open", token=ct)
    for token in (aye, mya):
        call(
            "POST",
            one_poll + "/votes",
            200,
            url=sub_url + "/votes",
            token=token,
            json={"choice": "yes"},
        )
    call("POST", one_poll + "/close", 200, url=sub_url + "/close", token=ct)
    main_url = f"/api/v1/polls/{made[1]}"
    call("POST", one_poll + "/open", 200, url=main_url + "/open", token=ct)
    for token in (aye, mya):
        call(
            "POST",
            one_poll + "/votes",
            200,
            url=main_url + "/votes",
            token=token,
            json={"choice": "yes"},
        )
    adopted = call("POST", one_poll + "/close", 200, url=main_url + "/close", token=ct).json()
    assert adopted["adopted_rev"] == 2
    fallen = call("GET", one_poll, 200, url=f"/api/v1/polls/{made[0]}", token=aye).json()
    assert fallen["fell_by"] == one
    call("POST", one_poll + "/open", 409, url=f"/api/v1/polls/{made[0]}/open", token=ct)
    call("GET", at, 200, url=here, token=aye)
    call("DELETE", one_poll, 403, url=f"/api/v1/polls/{made[0]}", token=aye)
    call("DELETE", one_poll, 204, url=f"/api/v1/polls/{made[0]}", token=ct)
    call("DELETE", one_poll, 404, url=f"/api/v1/polls/{made[0]}", token=ct)
    call("DELETE", at + "/attendance", 200, url=here + "/attendance", token=su)
    call("POST", at + "/close", 403, url=here + "/close", token=aye)
    call("POST", at + "/close", 200, url=here + "/close", token=ct)
    call("POST", at + "/close", 409, url=here + "/close", token=ct)
    call("GET", at, 200, url=here, token=aye)

    # Every operation of the Voting part answered at least once with success.
    succeeded = {(m, p) for m, p, status in call.seen if status < 300}
    assert succeeded >= VOTES
    assert {(m, p) for p, m, _op in operations(document)} >= VOTES
