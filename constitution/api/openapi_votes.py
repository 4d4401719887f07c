"""OpenAPI paths of the Voting section: sittings, attendance and the voting order,
proxies, polls, votes, signed records and members' voting records (merged into the
document by openapi.py; the schemas are in openapi_vote_schemas.py)."""

from __future__ import annotations

from typing import Any

from constitution.api.openapi_vote_schemas import (
    ACTION_ERRORS,
    AUTHED,
    BASE,
    BODY_ERRORS,
    CHOICE,
    CONDITION_INPUT,
    ID,
    MAJORITY,
    MEMBER_ID,
    MOTION,
    ORDER_RULE,
    POLL_ID,
    PROXY_ID,
    SCHEMAS,
    SITTING_ID,
    obj,
    ref,
)
from constitution.votes.services.polls import MAX_POLLS

__all__ = ["SCHEMAS", "paths"]


def paths(op: Any, ok: Any, body_object: Any) -> dict[str, Any]:
    """Built with openapi.py's helpers (passed in, to avoid an import cycle)."""
    sitting, poll, proxy = ref("Sitting"), ref("Poll"), ref("Proxy")
    polls = {"type": "array", "items": poll}
    mine = {**SCHEMAS["VoteReceipt"], "type": ["object", "null"]}
    return {
        "/api/v1/sittings": {
            "get": op(
                "The sittings, newest first.",
                ok("200", {"type": "array", "items": sitting}, "The sittings."),
                AUTHED,
            ),
            "post": op(
                "Plan a sitting (chair): its title, quorum (a share of all active voting "
                "members, 0.5 when left out) and when it is to start.",
                ok("201", sitting, "The sitting, status planned."),
                ("400", *AUTHED, "413", "422"),
                body=body_object(
                    ["title"],
                    title={"type": "string", "minLength": 1, "maxLength": 300},
                    quorum=obj(
                        [],
                        base={"type": "string", "enum": ["members"]},
                        fraction={"type": "number", "minimum": 0.001, "maximum": 1},
                    ),
                    starts_at={"type": ["string", "null"], "format": "date-time"},
                ),
            ),
        },
        "/api/v1/sittings/{sitting_id}": {
            "get": op(
                "A sitting: attendance and quorum, its agenda, the suggested voting order "
                "and what falls if each poll passes.",
                ok("200", sitting, "The sitting."),
                (*AUTHED, "404"),
                params=[SITTING_ID],
                description=ORDER_RULE,
            ),
        },
        "/api/v1/sittings/{sitting_id}/open": {
            "post": op(
                "Open a planned sitting (chair): members may check in.",
                ok("200", sitting, "The sitting, status open."),
                ACTION_ERRORS,
                params=[SITTING_ID],
            ),
        },
        "/api/v1/sittings/{sitting_id}/close": {
            "post": op(
                "Close the sitting (chair; 409 while a poll is open): the polls that never "
                "opened leave the agenda, their amendments back where they were.",
                ok("200", sitting, "The sitting, status closed."),
                ACTION_ERRORS,
                params=[SITTING_ID],
            ),
        },
        "/api/v1/sittings/{sitting_id}/order": {
            "post": op(
                "Order the polls not yet opened (chair): the given order, naming every "
                "created poll once and no other, or the suggested one "
                '({"suggested": true}); the other polls keep their places.',
                ok("200", sitting, "The sitting, with its agenda in the new order."),
                BODY_ERRORS,
                body=body_object(
                    [],
                    order={"type": "array", "items": ID, "description": "Poll ids."},
                    suggested={"type": "boolean", "enum": [True]},
                ),
                params=[SITTING_ID],
                description=ORDER_RULE,
            ),
        },
        "/api/v1/sittings/{sitting_id}/attendance": {
            "post": op(
                "Check herself in to an open sitting (a member; twice changes nothing).",
                ok("200", sitting, "The sitting."),
                ACTION_ERRORS,
                params=[SITTING_ID],
            ),
            "delete": op(
                "Check herself out of the sitting.",
                ok("200", sitting, "The sitting."),
                ACTION_ERRORS,
                params=[SITTING_ID],
            ),
        },
        "/api/v1/sittings/{sitting_id}/proxies": {
            "get": op(
                "The sitting's proxies.",
                ok("200", {"type": "array", "items": proxy}, "The proxies."),
                (*AUTHED, "404"),
                params=[SITTING_ID],
            ),
            "post": op(
                "Ask that another member vote for her in this sitting (the giver); a chair "
                "approves it. 422 proxy_to_self or unknown_member; 409 proxy_exists or "
                "proxy_chain.",
                ok("201", proxy, "The proxy, status requested."),
                BODY_ERRORS,
                body=body_object(["holder"], holder=ID),
                params=[SITTING_ID],
            ),
        },
        "/api/v1/proxies/{proxy_id}/approve": {
            "post": op(
                "Approve a requested proxy (chair); 409 proxy_limit when the holder carries "
                "as many as PROXY_LIMIT allows.",
                ok("200", proxy, "The proxy, status approved."),
                ACTION_ERRORS,
                params=[PROXY_ID],
            ),
        },
        "/api/v1/proxies/{proxy_id}/refuse": {
            "post": op(
                "Refuse a requested proxy (chair).",
                ok("200", proxy, "The proxy, status refused."),
                ACTION_ERRORS,
                params=[PROXY_ID],
            ),
        },
        "/api/v1/proxies/{proxy_id}": {
            "delete": op(
                "Revoke her proxy (the giver; to anyone else it does not exist), until the "
                "holder has voted with it (409 proxy_used).",
                ok("204", None, "Revoked."),
                ACTION_ERRORS,
                params=[PROXY_ID],
            ),
        },
        "/api/v1/sittings/{sitting_id}/polls": {
            "get": op(
                "The sitting's agenda: its polls in voting order.",
                ok("200", polls, "The polls."),
                (*AUTHED, "404"),
                params=[SITTING_ID],
            ),
            "post": op(
                "Put an amendment (it becomes scheduled) or a motion on the agenda (chair), "
                "with its majority rule, base and concurrent majorities, fixed from now on. "
                f"Give amendment or motion, not both; at most {MAX_POLLS} polls.",
                ok("201", poll, "The poll, status created."),
                BODY_ERRORS,
                body=body_object(
                    [],
                    amendment=ID,
                    motion=MOTION,
                    majority=MAJORITY,
                    base=BASE,
                    conditions={"type": "array", "items": CONDITION_INPUT, "maxItems": 16},
                ),
                params=[SITTING_ID],
            ),
        },
        "/api/v1/polls/{poll_id}": {
            "get": op(
                "A poll: its rule, how many may vote and have voted; after close its tally, "
                "result, conditions' results, roll-call and record hash.",
                ok("200", poll, "The poll."),
                (*AUTHED, "404"),
                params=[POLL_ID],
            ),
            "delete": op(
                "Take a poll that has not opened off the agenda (chair): its amendment "
                "returns to the status it had.",
                ok("204", None, "Removed."),
                ACTION_ERRORS,
                params=[POLL_ID],
            ),
        },
        "/api/v1/polls/{poll_id}/position": {
            "post": op(
                "Move a poll that has not opened to another place in the agenda (chair).",
                ok("200", polls, "The agenda in its new order."),
                BODY_ERRORS,
                body=body_object(["position"], position={"type": "integer", "minimum": 1}),
                params=[POLL_ID],
            ),
        },
        "/api/v1/polls/{poll_id}/open": {
            "post": op(
                "Open the poll (chair): the sitting open and quorate, no other poll of it "
                "open, its amendment still applying to the current text (409 no_quorum, "
                "poll_open, fallen, rebase_conflict, not_amendable, wrong_status). The "
                "entitled members are fixed now.",
                ok("200", poll, "The poll, status open."),
                ACTION_ERRORS,
                params=[POLL_ID],
            ),
        },
        "/api/v1/polls/{poll_id}/close": {
            "post": op(
                "Close the poll (chair): its result is computed once, a passed amendment "
                "adopted and merged (the polls that conflict with it fall), a rejected one "
                "rejected, and the record signed.",
                ok("200", poll, "The poll, status closed, with its result."),
                ACTION_ERRORS,
                params=[POLL_ID],
            ),
        },
        "/api/v1/polls/{poll_id}/votes": {
            "post": op(
                "Vote (an entitled member), or vote for a member whose proxy she holds "
                "(for). A later vote replaces hers while the poll is open; the same vote "
                "again answers the same receipt. 403 not_entitled, not_proxy_holder; 409 "
                "poll_not_open, poll_closed, voted_herself; 422 unknown_choice.",
                ok("200", ref("VoteReceipt"), "Her vote as counted now."),
                BODY_ERRORS,
                body=body_object(
                    ["choice"],
                    choice=CHOICE,
                    **{"for": {**ID, "description": "The member she votes for by proxy."}},
                ),
                params=[POLL_ID],
            ),
        },
        "/api/v1/polls/{poll_id}/votes/mine": {
            "get": op(
                "Her counted vote in the poll, or null: a client that lost the answer to "
                "its vote sees whether it was counted before sending it again.",
                ok("200", mine, "Her vote, or null."),
                (*AUTHED, "404"),
                params=[POLL_ID],
            ),
        },
        "/api/v1/polls/{poll_id}/record": {
            "get": op(
                "The signed record of a closed poll (409 poll_not_closed before); check it "
                "offline with `constitution verify-record FILE --public-key KEY`.",
                ok("200", ref("RecordEnvelope"), "The record and its signature."),
                (*AUTHED, "404", "409"),
                params=[POLL_ID],
            ),
        },
        "/api/v1/members/{member_id}/votes": {
            "get": op(
                "A member's voting record: every closed poll she was entitled to, newest "
                "first, with her vote.",
                ok("200", {"type": "array", "items": ref("MemberVote")}, "Her votes."),
                AUTHED,
                params=[MEMBER_ID],
            ),
        },
    }
