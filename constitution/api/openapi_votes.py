"""OpenAPI paths and schemas of the Voting section: sittings, attendance and the voting
order, proxies, polls, votes, signed records and members' voting records (merged into the
document by openapi.py)."""

from __future__ import annotations

from typing import Any

from constitution.votes.majority import BASES, CHOICES, CONDITION_BASES, GROUPS, MAJORITIES
from constitution.votes.models import PollStatus, ProxyStatus, SittingStatus
from constitution.votes.services.polls import MAX_MOTION, MAX_POLLS

INT = {"type": "integer"}
ID = {"type": "integer", "minimum": 1}
OPT_INT = {"type": ["integer", "null"]}
OPT_STR = {"type": ["string", "null"]}
STR = {"type": "string"}
BOOL = {"type": "boolean"}
OPT_BOOL = {"type": ["boolean", "null"]}
TIME = {"type": "string", "format": "date-time"}
OPT_TIME = {"type": ["string", "null"], "format": "date-time"}
IDS = {"type": "array", "items": INT}
MAJORITY = {"type": "string", "enum": list(MAJORITIES)}
BASE = {"type": "string", "enum": list(BASES)}
CHOICE = {"type": "string", "enum": list(CHOICES)}
OPT_CHOICE = {"type": ["string", "null"], "enum": [*CHOICES, None]}
GROUPS_OF = {
    "type": "object",
    "additionalProperties": STR,
    "description": "The member's groups when the poll opened (party, state_region, "
    "ethnicity, chamber).",
}
SITTING_ID = {"name": "sitting_id", "in": "path", "required": True, "schema": INT}
POLL_ID = {"name": "poll_id", "in": "path", "required": True, "schema": INT}
PROXY_ID = {"name": "proxy_id", "in": "path", "required": True, "schema": INT}
MEMBER_ID = {"name": "member_id", "in": "path", "required": True, "schema": INT}
AUTHED = ("401", "403")
# Every write reads its body (malformed JSON is 400, a large one 413), even without one.
ACTION_ERRORS = ("400", *AUTHED, "404", "409", "413")
BODY_ERRORS = (*ACTION_ERRORS, "422")


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(required: list[str], **props: Any) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": props}


TALLY = _obj(["yes", "no", "abstain"], yes=INT, no=INT, abstain=INT)
CONDITION_FIELDS = {
    "group": {"type": "string", "enum": list(GROUPS)},
    "majority": MAJORITY,
    "base": {"type": "string", "enum": list(CONDITION_BASES)},
    "min_entitled": {"type": "integer", "minimum": 1},
    "groups_needed": {
        "type": ["integer", "string"],
        "description": '"all" (every group large enough must pass), or how many must.',
    },
}
DEPARTURE = _obj(
    ["authoritative", "largest"],
    authoritative={"type": "number", "minimum": 0, "maximum": 1},
    largest={"type": "number", "minimum": 0, "maximum": 1},
)
ORDER_RULE = (
    "The suggested voting order (`suggested_order`) orders the created polls on "
    "amendments that have not fallen; motions, open, closed and fallen polls keep their "
    "places. Polls whose amendments conflict, or of which one amends the other, form a "
    "group that keeps the places it holds; within it an amendment to an amendment comes "
    "right before the amendment it amends, and otherwise the amendment that departs "
    "furthest from the text it amends comes first (agenda order at a tie). The departure "
    "(`departures`) is measured on the token diff (words, numbers, punctuation, Myanmar "
    "syllables; whitespace not counted) from the text amended (the provision's, or for an "
    "amendment to an amendment that amendment's) to the text its adoption would write (a "
    "committee substitute's where there is one): the tokens deleted or inserted over all "
    "tokens of the diff, summed over its changes, in the authoritative language "
    "(`authoritative`), ties broken by the largest share in any language (`largest`). "
    "`falls`: for each poll still to be voted on, the polls that fall if it passes: those "
    "whose amendments conflict with it (for an amendment to an amendment, only other "
    "amendments to the same one), the amendments to it, and the amendments to any that "
    "fall. They are marked (`fell_by`) when it passes, and cannot be opened."
)

SCHEMAS: dict[str, Any] = {
    "Sitting": {
        "type": "object",
        "description": "suggested_order, falls and departures are in GET /sittings/{id} and "
        "the answer of POST /sittings/{id}/order only.",
        "required": [
            "id",
            "title",
            "status",
            "starts_at",
            "quorum",
            "present",
            "members",
            "quorum_needed",
            "quorum_met",
            "polls",
            "opened_at",
            "closed_at",
        ],
        "properties": {
            "id": INT,
            "title": STR,
            "status": {"type": "string", "enum": [s.value for s in SittingStatus]},
            "starts_at": OPT_TIME,
            "quorum": _obj(
                ["base", "fraction"],
                base={"type": "string", "enum": ["members"]},
                fraction={"type": "number", "minimum": 0, "maximum": 1},
            ),
            "present": {
                "type": "integer",
                "description": "Active voting members checked in now.",
            },
            "members": {"type": "integer", "description": "All active voting members."},
            "quorum_needed": INT,
            "quorum_met": BOOL,
            "polls": {
                "type": "array",
                "items": INT,
                "description": "The agenda: its polls' ids in voting order.",
            },
            "opened_at": OPT_TIME,
            "closed_at": OPT_TIME,
            "suggested_order": {
                "type": "array",
                "items": INT,
                "description": "The created polls' ids in the suggested voting order.",
            },
            "falls": {
                "type": "object",
                "additionalProperties": IDS,
                "description": "Poll id -> the ids of the polls that fall if it passes.",
            },
            "departures": {
                "type": "object",
                "additionalProperties": DEPARTURE,
                "description": "Poll id -> how far its amendment departs from the text it "
                "amends (shares from 0 to 1).",
            },
        },
    },
    "Proxy": {
        "type": "object",
        "required": ["id", "sitting", "giver", "holder", "status", "created_at", "decided_at"],
        "properties": {
            "id": INT,
            "sitting": INT,
            "giver": INT,
            "holder": INT,
            "status": {"type": "string", "enum": [s.value for s in ProxyStatus]},
            "created_at": TIME,
            "decided_at": OPT_TIME,
        },
    },
    "Tally": TALLY,
    "PollCondition": {
        "type": "object",
        "description": "A concurrent majority as set; after close also each group's "
        "result, whether it held, how many entitled members had no value for the group "
        "(ungrouped) and the groups too small to count.",
        "required": ["group", "majority", "base", "min_entitled", "groups_needed"],
        "properties": {
            **CONDITION_FIELDS,
            "groups": {
                "type": "array",
                "items": _obj(
                    ["value", "entitled", "tally", "passed"],
                    value=STR,
                    entitled=INT,
                    tally=_ref("Tally"),
                    passed=BOOL,
                ),
            },
            "held": BOOL,
            "ungrouped": INT,
            "too_small": {"type": "array", "items": STR},
        },
    },
    "RollCallEntry": {
        "type": "object",
        "required": ["member", "display_name", "groups", "choice", "proxy", "receipt"],
        "properties": {
            "member": INT,
            "display_name": STR,
            "groups": GROUPS_OF,
            "choice": {**OPT_CHOICE, "description": "null: she did not vote."},
            "proxy": {**OPT_INT, "description": "The proxy holder who cast it, if one did."},
            "receipt": OPT_STR,
        },
    },
    "Poll": {
        "type": "object",
        "required": [
            "id",
            "sitting",
            "position",
            "status",
            "amendment",
            "motion",
            "majority",
            "base",
            "conditions",
            "entitled",
            "voted",
            "tally",
            "passed",
            "roll_call",
            "record_hash",
            "adopted_rev",
            "adoption_problem",
            "fell_by",
            "opened_at",
            "closed_at",
        ],
        "properties": {
            "id": INT,
            "sitting": INT,
            "position": {"type": "integer", "description": "Its place in the agenda."},
            "status": {
                "type": "string",
                "enum": [s.value for s in PollStatus if s != PollStatus.REMOVED],
            },
            "amendment": OPT_INT,
            "motion": {"type": ["object", "null"], "additionalProperties": STR},
            "majority": MAJORITY,
            "base": BASE,
            "conditions": {"type": "array", "items": _ref("PollCondition")},
            "entitled": {"type": "integer", "description": "0 until it opens."},
            "voted": INT,
            "tally": {**TALLY, "type": ["object", "null"], "description": "null until closed."},
            "passed": OPT_BOOL,
            "roll_call": {
                "type": ["array", "null"],
                "items": _ref("RollCallEntry"),
                "description": "Every entitled member, after close (null before).",
            },
            "record_hash": {
                **OPT_STR,
                "description": "SHA-256 of the signed record's canonical JSON.",
            },
            "adopted_rev": {**OPT_INT, "description": "The revision its adoption wrote."},
            "adoption_problem": {
                **OPT_STR,
                "description": "Why a passed amendment could not be merged at close.",
            },
            "fell_by": {
                **OPT_INT,
                "description": "The conflicting amendment whose adoption made it fall.",
            },
            "opened_at": OPT_TIME,
            "closed_at": OPT_TIME,
        },
    },
    "VoteReceipt": {
        "type": "object",
        "required": ["poll", "member", "proxy", "choice", "cast_at", "receipt"],
        "properties": {
            "poll": INT,
            "member": {"type": "integer", "description": "Whose vote it is."},
            "proxy": {**OPT_INT, "description": "The holder who cast it by proxy."},
            "choice": CHOICE,
            "cast_at": TIME,
            "receipt": {
                "type": "string",
                "description": "Find it in the record's receipts: the vote counted.",
            },
        },
    },
    "PollRecord": {
        "type": "object",
        "required": [
            "poll",
            "sitting",
            "subject",
            "majority",
            "base",
            "conditions",
            "members",
            "entitled",
            "roll_call",
            "tally",
            "rule_held",
            "passed",
            "receipts",
            "adopted_rev",
            "adoption_problem",
            "chain_head",
            "chain_seq",
            "opened_at",
            "closed_at",
        ],
        "properties": {
            "poll": INT,
            "sitting": INT,
            "subject": {
                "type": "object",
                "description": '{"amendment": {id, number, title, document (its id)}} or '
                '{"motion": {language: text}}.',
                "properties": {
                    "amendment": _obj(
                        ["id", "number", "title", "document"],
                        id=INT,
                        number=INT,
                        title=STR,
                        document=INT,
                    ),
                    "motion": {"type": "object", "additionalProperties": STR},
                },
            },
            "majority": MAJORITY,
            "base": BASE,
            "conditions": {"type": "array", "items": _ref("PollCondition")},
            "members": {"type": "integer", "description": "All active members at opening."},
            "entitled": IDS,
            "roll_call": {"type": "array", "items": _ref("RollCallEntry")},
            "tally": _ref("Tally"),
            "rule_held": BOOL,
            "passed": BOOL,
            "receipts": {"type": "array", "items": STR},
            "adopted_rev": OPT_INT,
            "adoption_problem": OPT_STR,
            "chain_head": {"type": "string", "description": "The audit chain's head hash."},
            "chain_seq": INT,
            "opened_at": OPT_TIME,
            "closed_at": TIME,
        },
    },
    "RecordEnvelope": {
        "type": "object",
        "required": ["record", "signature", "public_key"],
        "properties": {
            "record": _ref("PollRecord"),
            "signature": {
                "type": "string",
                "description": "Ed25519 over the record's canonical JSON (keys sorted, no "
                "spaces, UTF-8), base64.",
            },
            "public_key": {"type": "string", "description": "The instance's key, base64."},
        },
    },
    "MemberVote": {
        "type": "object",
        "required": [
            "poll",
            "sitting",
            "amendment",
            "motion",
            "passed",
            "closed_at",
            "choice",
            "proxy",
            "receipt",
        ],
        "properties": {
            "poll": INT,
            "sitting": INT,
            "amendment": OPT_INT,
            "motion": {"type": ["object", "null"], "additionalProperties": STR},
            "passed": OPT_BOOL,
            "closed_at": OPT_TIME,
            "choice": {**OPT_CHOICE, "description": "null: entitled, she did not vote."},
            "proxy": OPT_INT,
            "receipt": OPT_STR,
        },
    },
}

CONDITION_INPUT = {
    "type": "object",
    "required": ["group", "majority", "base"],
    "properties": CONDITION_FIELDS,
    "additionalProperties": False,
}
MOTION = {
    "type": "object",
    "description": "The motion's own text, in Burmese and/or English.",
    "properties": {
        "my": {"type": "string", "maxLength": MAX_MOTION},
        "en": {"type": "string", "maxLength": MAX_MOTION},
    },
    "additionalProperties": False,
}


def paths(op: Any, ok: Any, body_object: Any) -> dict[str, Any]:
    """Built with openapi.py's helpers (passed in, to avoid an import cycle)."""
    sitting, poll, proxy = _ref("Sitting"), _ref("Poll"), _ref("Proxy")
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
                    quorum=_obj(
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
                ok("200", _ref("VoteReceipt"), "Her vote as counted now."),
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
                ok("200", _ref("RecordEnvelope"), "The record and its signature."),
                (*AUTHED, "404", "409"),
                params=[POLL_ID],
            ),
        },
        "/api/v1/members/{member_id}/votes": {
            "get": op(
                "A member's voting record: every closed poll she was entitled to, newest "
                "first, with her vote.",
                ok("200", {"type": "array", "items": _ref("MemberVote")}, "Her votes."),
                AUTHED,
                params=[MEMBER_ID],
            ),
        },
    }
