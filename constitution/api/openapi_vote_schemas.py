"""OpenAPI schemas of the Voting section (sittings, proxies, polls, votes, signed records,
members' votes) and the request parts the paths share; the paths are in openapi_votes.py."""

from __future__ import annotations

from typing import Any

from constitution.votes.majority import BASES, CHOICES, CONDITION_BASES, GROUPS, MAJORITIES
from constitution.votes.models import PollStatus, ProxyStatus, SittingStatus
from constitution.votes.services.polls import MAX_MOTION

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


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(required: list[str], **props: Any) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": props}


TALLY = obj(["yes", "no", "abstain"], yes=INT, no=INT, abstain=INT)
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
DEPARTURE = obj(
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
            "quorum": obj(
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
                "items": obj(
                    ["value", "entitled", "tally", "passed"],
                    value=STR,
                    entitled=INT,
                    tally=ref("Tally"),
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
            "conditions": {"type": "array", "items": ref("PollCondition")},
            "entitled": {"type": "integer", "description": "0 until it opens."},
            "voted": INT,
            "tally": {**TALLY, "type": ["object", "null"], "description": "null until closed."},
            "passed": OPT_BOOL,
            "roll_call": {
                "type": ["array", "null"],
                "items": ref("RollCallEntry"),
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
                    "amendment": obj(
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
            "conditions": {"type": "array", "items": ref("PollCondition")},
            "members": {"type": "integer", "description": "All active members at opening."},
            "entitled": IDS,
            "roll_call": {"type": "array", "items": ref("RollCallEntry")},
            "tally": ref("Tally"),
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
            "record": ref("PollRecord"),
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
